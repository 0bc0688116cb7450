// Package scheduler runs baobei's periodic jobs. Each job is a plain
// function of its scheduled slot, tested without any scheduler. gocron fires
// the jobs in real time; the console's clock runs every slot that came due.
//
// A (job, slot) runs at least once and, once its work committed, never
// again. The replica running a slot holds it by a short lease in job_runs
// (renewed by a heartbeat while the job runs), so across replicas a slot
// runs once at a time, and one whose replica crashed mid-run is taken over
// when the lease runs out. A failed run records its error and frees the
// slot: it is retried on the job's next fire, by the retry sweep every few
// minutes, and in the start-up catch-up, for as long as it is within Window.
// Jobs are written to be re-run after a partial failure (see Jobs).
package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"baobei"
	"baobei/internal/metrics"

	"github.com/go-co-op/gocron/v2"
)

// Job is one periodic duty.
type Job struct {
	Name     string
	Schedule Schedule
	// Run does the work of one slot. It may run again for the same slot
	// after a failure or a crash, so it must be safe to repeat.
	Run func(ctx context.Context, slot time.Time) (Result, error)
}

// Result is what one run did.
type Result struct {
	// N counts what the run did (customers warned or released, requests
	// expired, rows deleted, messages queued). A run with N == 0 logs at
	// debug level.
	N int
	// Notices are queued in the transaction that marks the slot done, so a
	// job that only sends messages sends them exactly once.
	Notices []baobei.Notice
}

// Slots records the runs of (job, slot): leases, failures, completion.
type Slots interface {
	ClaimSlot(ctx context.Context, job string, slot, now, until time.Time) (token string, err error)
	RenewSlot(ctx context.Context, job string, slot time.Time, token string, until time.Time) (bool, error)
	FinishSlot(ctx context.Context, job string, slot time.Time, token string, now time.Time, ns ...baobei.Notice) (bool, error)
	FailSlot(ctx context.Context, job string, slot time.Time, token string, now time.Time, cause string) error
	LastSlot(ctx context.Context, job string) (time.Time, error)
	UnfinishedSlots(ctx context.Context, job string, after, upTo time.Time) ([]time.Time, error)
	SlotFailures(ctx context.Context, job string) (int, error)
}

// Window is how far back slots are caught up on and retried.
const Window = 48 * time.Hour

// Defaults of the Scheduler's tunables.
const (
	DefaultLease      = 2 * time.Minute
	DefaultRetryEvery = 10 * time.Minute
)

// errLeaseLost is a run whose lease ran out and was taken by another replica.
var errLeaseLost = errors.New("lease lost: another replica took the slot over")

// Scheduler runs jobs once per slot.
type Scheduler struct {
	slots Slots
	jobs  []Job
	clock baobei.Clock
	log   *slog.Logger
	busy  map[string]*sync.Mutex // per job: one run at a time in this process
	// After runs after slots ran (the outbox flush), so pushes go out at
	// once. Optional: the pusher also finds queued rows by itself.
	After func(ctx context.Context) error
	// Lease is how long a slot stays held without a heartbeat (DefaultLease
	// when zero); Heartbeat how often a running job renews it (Lease/4 when
	// zero); RetryEvery how often failed slots are retried besides each
	// job's own fire (DefaultRetryEvery when zero).
	Lease, Heartbeat, RetryEvery time.Duration
}

// New returns a scheduler for jobs.
func New(slots Slots, clock baobei.Clock, log *slog.Logger, jobs ...Job) *Scheduler {
	busy := map[string]*sync.Mutex{}
	for _, j := range jobs {
		busy[j.Name] = &sync.Mutex{}
	}
	return &Scheduler{slots: slots, jobs: jobs, clock: clock, log: log, busy: busy}
}

func (s *Scheduler) lease() time.Duration      { return cmp.Or(s.Lease, DefaultLease) }
func (s *Scheduler) heartbeat() time.Duration  { return cmp.Or(s.Heartbeat, s.lease()/4) }
func (s *Scheduler) retryEvery() time.Duration { return cmp.Or(s.RetryEvery, DefaultRetryEvery) }

type due struct {
	job  Job
	slot time.Time
}

// RunDue runs every slot in (from, to] of every job, and retries their
// unfinished slots within Window before to, in time order (jobs in their
// listed order within a slot). It logs one summary line; the error, if
// any, says how many slots failed.
func (s *Scheduler) RunDue(ctx context.Context, from, to time.Time) error {
	start := time.Now()
	var all []due
	for _, j := range s.jobs {
		slots, err := s.pending(ctx, j, to.Add(-Window), to, j.Schedule.Between(from, to))
		if err != nil {
			return err
		}
		for _, slot := range slots {
			all = append(all, due{j, slot})
		}
	}
	t := s.runAll(ctx, all, true)
	s.summary(ctx, "scheduler ran due slots", t, start, "from", from.Format(time.RFC3339), "to", to.Format(time.RFC3339))
	s.gauges(ctx, s.jobs)
	return errors.Join(t.err(), s.after(ctx))
}

// pending merges the job's unfinished slots in (after, upTo] into slots,
// sorted and without repeats.
func (s *Scheduler) pending(ctx context.Context, j Job, after, upTo time.Time, slots []time.Time) ([]time.Time, error) {
	retry, err := s.slots.UnfinishedSlots(ctx, j.Name, after, upTo)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", j.Name, err)
	}
	all := append(slices.Clone(slots), retry...)
	slices.SortFunc(all, time.Time.Compare)
	return slices.CompactFunc(all, time.Time.Equal), nil
}

// tally counts the slots of one pass.
type tally struct {
	ran, failed map[string]int
	skipped     int // done already, or held by another replica
	first       error
}

func (t *tally) err() error {
	n := 0
	for _, c := range t.failed {
		n += c
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%d job slots failed, the first: %w", n, t.first)
}

// runAll runs the slots in order; quiet logs each slot at debug level only
// (the caller logs a summary).
func (s *Scheduler) runAll(ctx context.Context, all []due, quiet bool) *tally {
	slices.SortStableFunc(all, func(a, b due) int { return a.slot.Compare(b.slot) })
	t := &tally{ran: map[string]int{}, failed: map[string]int{}}
	for _, d := range all {
		if ctx.Err() != nil {
			break
		}
		ran, err := s.runSlot(ctx, d.job, d.slot, quiet)
		switch {
		case err != nil:
			t.failed[d.job.Name]++
			if t.first == nil {
				t.first = err
			}
		case ran:
			t.ran[d.job.Name]++
		default:
			t.skipped++
		}
	}
	return t
}

// summary logs one line for a pass: slots run per job, failures, time taken.
func (s *Scheduler) summary(ctx context.Context, msg string, t *tally, start time.Time, attrs ...any) {
	total, failed := 0, 0
	var ran, bad []any
	for _, j := range s.jobs {
		if n := t.ran[j.Name]; n > 0 {
			total += n
			ran = append(ran, j.Name, n)
		}
		if n := t.failed[j.Name]; n > 0 {
			failed += n
			bad = append(bad, j.Name, n)
		}
	}
	attrs = append(attrs, "slots", total, slog.Group("ran", ran...), "failed", failed, slog.Group("failed_by_job", bad...),
		"skipped", t.skipped, "took_ms", time.Since(start).Milliseconds())
	level := slog.LevelInfo
	if t.first != nil {
		level = slog.LevelWarn
		attrs = append(attrs, "err", t.first)
	}
	s.log.Log(ctx, level, msg, attrs...)
}

// runSlot runs one slot if this replica can lease it; ran is false when the
// slot is done or another replica holds it.
func (s *Scheduler) runSlot(ctx context.Context, j Job, slot time.Time, quiet bool) (ran bool, err error) {
	mu := s.busy[j.Name]
	mu.Lock()
	defer mu.Unlock()
	now := s.clock.Now()
	token, err := s.slots.ClaimSlot(ctx, j.Name, slot, now, now.Add(s.lease()))
	if err != nil {
		err = fmt.Errorf("job %s at %s: claim: %w", j.Name, slot.Format(time.RFC3339), err)
		if !quiet {
			s.log.Error("job", "job", j.Name, "slot", slot.Format(time.RFC3339), "err", err)
		}
		return false, err
	}
	if token == "" {
		return false, nil
	}
	start := time.Now()
	res, err := s.attempt(ctx, j, slot, token)
	took := time.Since(start)
	metrics.JobSeconds.WithLabelValues(j.Name).Observe(took.Seconds())
	attrs := []any{"job", j.Name, "slot", slot.Format(time.RFC3339), "n", res.N, "latency_ms", took.Milliseconds()}
	if err != nil {
		metrics.JobRuns.WithLabelValues(j.Name, "failed").Inc()
		err = fmt.Errorf("job %s at %s: %w", j.Name, slot.Format(time.RFC3339), err)
		// Recorded even when ctx ended (shutdown): the slot is freed at
		// once instead of when its lease runs out.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if ferr := s.slots.FailSlot(rctx, j.Name, slot, token, s.clock.Now(), ShortError(err)); ferr != nil {
			err = errors.Join(err, fmt.Errorf("recording the failure: %w", ferr))
		}
		if !quiet {
			s.log.Error("job failed", append(attrs, "err", err)...)
		}
		return false, err
	}
	metrics.JobRuns.WithLabelValues(j.Name, "ok").Inc()
	level := slog.LevelInfo
	if quiet || res.N == 0 {
		level = slog.LevelDebug
	}
	s.log.Log(ctx, level, "job", attrs...)
	return true, nil
}

// attempt runs the job under the lease, renewed by a heartbeat, and marks
// the slot done (with the job's notices) if the job succeeded.
func (s *Scheduler) attempt(ctx context.Context, j Job, slot time.Time, token string) (res Result, err error) {
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := s.beat(jctx, cancel, j.Name, slot, token)
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		res, err = j.Run(jctx, slot)
	}()
	stop()
	if cause := context.Cause(jctx); errors.Is(cause, errLeaseLost) {
		return res, cause
	}
	if err != nil {
		return res, err
	}
	ok, err := s.slots.FinishSlot(ctx, j.Name, slot, token, slot, res.Notices...)
	if err == nil && !ok {
		err = errLeaseLost
	}
	return res, err
}

// beat renews the lease every Heartbeat until stop is called; when the
// lease turns out lost it cancels the job with errLeaseLost.
func (s *Scheduler) beat(ctx context.Context, lost context.CancelCauseFunc, job string, slot time.Time, token string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(s.heartbeat())
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			ok, err := s.slots.RenewSlot(ctx, job, slot, token, s.clock.Now().Add(s.lease()))
			switch {
			case err != nil && ctx.Err() == nil: // tried again on the next beat
				s.log.Warn("job lease renewal", "job", job, "slot", slot.Format(time.RFC3339), "err", err)
			case err == nil && !ok:
				lost(errLeaseLost)
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// gauges sets JobFailures of each job: the failed attempts of its oldest
// unfinished slot.
func (s *Scheduler) gauges(ctx context.Context, jobs []Job) {
	for _, j := range jobs {
		n, err := s.slots.SlotFailures(ctx, j.Name)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("job failures gauge", "job", j.Name, "err", err)
			}
			continue
		}
		metrics.JobFailures.WithLabelValues(j.Name).Set(float64(n))
	}
}

func (s *Scheduler) after(ctx context.Context) error {
	if s.After == nil {
		return nil
	}
	return s.After(ctx)
}

// Start catches up (CatchUp), then hands the jobs to gocron, which fires
// them until ctx ends.
func (s *Scheduler) Start(ctx context.Context) error {
	if err := s.CatchUp(ctx); err != nil {
		return err
	}
	return s.cron(ctx)
}

// CatchUp runs the slots missed since each job's last run, at most Window
// back (the service was down), and retries the unfinished ones, in time
// order, logging one summary line. Failed slots are left to the retries; the
// error is only for the store being unreadable.
func (s *Scheduler) CatchUp(ctx context.Context) error {
	start := time.Now()
	now := s.clock.Now()
	limit := now.Add(-Window)
	var all []due
	for _, j := range s.jobs {
		last, err := s.slots.LastSlot(ctx, j.Name)
		if err != nil {
			return err
		}
		slots, err := s.pending(ctx, j, limit, now, j.Schedule.Between(maxTime(last, limit), now))
		if err != nil {
			return err
		}
		for _, slot := range slots {
			all = append(all, due{j, slot})
		}
	}
	t := s.runAll(ctx, all, true)
	s.summary(ctx, "scheduler catch-up", t, start)
	s.gauges(ctx, s.jobs)
	if err := s.after(ctx); err != nil {
		s.log.Error("scheduler after catch-up", "err", err)
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Fire is what gocron runs at a job's cron time: the slot just due, and the
// job's unfinished slots within Window before it. Each slot that did
// something logs one info line; one that found nothing to do, a debug line.
func (s *Scheduler) Fire(ctx context.Context, name string) {
	for _, j := range s.jobs {
		if j.Name == name {
			s.fire(ctx, j, true)
		}
	}
}

// fire runs the job's unfinished slots within Window, and its current slot
// when current is set (the job's own cron) rather than only the retries
// (the sweep).
func (s *Scheduler) fire(ctx context.Context, j Job, current bool) {
	now := s.clock.Now()
	var slots []time.Time
	if current {
		slots = []time.Time{j.Schedule.Prev(now)}
	}
	slots, err := s.pending(ctx, j, now.Add(-Window), now, slots)
	if err != nil {
		s.log.Error("job", "job", j.Name, "err", err)
		return
	}
	var all []due
	for _, slot := range slots {
		all = append(all, due{j, slot})
	}
	t := s.runAll(ctx, all, false)
	s.gauges(ctx, []Job{j})
	if len(t.ran) > 0 {
		if err := s.after(ctx); err != nil {
			s.log.Error("scheduler after", "job", j.Name, "err", err)
		}
	}
}

// Retry runs every job's unfinished slots within Window (the sweep gocron
// runs every RetryEvery, so a failed daily job is retried within minutes,
// not the next day).
func (s *Scheduler) Retry(ctx context.Context) {
	for _, j := range s.jobs {
		s.fire(ctx, j, false)
	}
}

// cron hands the jobs to gocron: each at its cron, plus the retry sweep.
// Singleton mode skips a fire while the job's previous one still runs (the
// per-job lock in runSlot also covers RunDue and the sweep).
func (s *Scheduler) cron(ctx context.Context) error {
	g, err := gocron.NewScheduler(gocron.WithLocation(s.jobs[0].Schedule.Loc))
	if err != nil {
		return err
	}
	opts := func(name string) []gocron.JobOption {
		return []gocron.JobOption{gocron.WithName(name), gocron.WithContext(ctx), gocron.WithSingletonMode(gocron.LimitModeReschedule)}
	}
	for _, j := range s.jobs {
		task := gocron.NewTask(func(ctx context.Context, j Job) { s.fire(ctx, j, true) }, j)
		if _, err := g.NewJob(gocron.CronJob(j.Schedule.Cron(), false), task, opts(j.Name)...); err != nil {
			return err
		}
	}
	if _, err := g.NewJob(gocron.DurationJob(s.retryEvery()), gocron.NewTask(s.Retry), opts("retry")...); err != nil {
		return err
	}
	g.Start()
	go func() {
		<-ctx.Done()
		g.Shutdown()
	}()
	return nil
}

var (
	secretParam = regexp.MustCompile(`(?i)\b(password|passwd|pwd|secret|token|access_token|appsecret|key|sign)=[^&\s"']+`)
	userinfo    = regexp.MustCompile(`://[^/\s:@]+:[^/\s@]+@`)
)

// ShortError is an error as job_runs.last_error keeps it: the first line,
// at most 200 characters, with anything that looks like a credential (a
// password in a URL, secret=… parameters) masked.
func ShortError(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	msg = userinfo.ReplaceAllString(msg, "://***@")
	msg = secretParam.ReplaceAllString(msg, "$1=***")
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:199]) + "…"
	}
	return msg
}
