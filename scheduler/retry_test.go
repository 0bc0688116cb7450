package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"baobei"
	"baobei/internal/metrics"
	"baobei/scheduler"
	"baobei/store/storetest"
)

// clock is a clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// flaky is the store with Managers failing the next `fail` calls, so the
// daily digest fails after doing all its reading.
type flaky struct {
	scheduler.Store
	fail atomic.Int32
}

func (f *flaky) Managers(ctx context.Context) (map[int64][]baobei.User, error) {
	if f.fail.Add(-1) >= 0 {
		return nil, errors.New("db gone: dial tcp mysql://baobei:hunter2@db:3306")
	}
	return f.Store.Managers(ctx)
}

func jobNamed(t *testing.T, jobs []scheduler.Job, name string) scheduler.Job {
	t.Helper()
	for _, j := range jobs {
		if j.Name == name {
			return j
		}
	}
	t.Fatalf("no job %s", name)
	return scheduler.Job{}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A digest that fails is retried on the job's next fire and in the next
// start-up's catch-up; every morning's digest is queued exactly once, and a
// failed attempt queues nothing.
func TestFailedDigestRetried(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			f.Report(t, storetest.T0.Add(-26*24*time.Hour), f.Zhangsan, "13800000001", "客户") // protection ends within the week
			st := &flaky{Store: f.S}
			digest := jobNamed(t, scheduler.Jobs(st, f.S.Policy(), nil), "daily-digest")
			clk := &clock{}
			s := scheduler.New(f.S, clk, discard(), digest)
			ctx := context.Background()
			day := 24 * time.Hour
			tue := storetest.T0.Add(23 * time.Hour) // 09:00 the day after T0
			digests := func() int {
				return f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%早上好%'")
			}
			state := func(slot time.Time) (status string, failures int) {
				t.Helper()
				row := f.S.DB().QueryRow("SELECT status, failures FROM job_runs WHERE job = 'daily-digest' AND slot = ?", slot.UTC())
				if err := row.Scan(&status, &failures); err != nil {
					t.Fatal(err)
				}
				return status, failures
			}

			st.fail.Store(1)
			clk.set(tue)
			s.Fire(ctx, "daily-digest") // Tuesday's digest fails
			if n := digests(); n != 0 {
				t.Fatalf("a failed digest queued %d messages", n)
			}
			if status, n := state(tue); status != "failed" || n != 1 {
				t.Fatalf("Tuesday = %s, %d failures", status, n)
			}
			clk.set(tue.Add(day))
			s.Fire(ctx, "daily-digest") // Wednesday: Tuesday's again, then Wednesday's
			if n := digests(); n != 2 {
				t.Fatalf("digests after the next fire = %d, want Tuesday's and Wednesday's", n)
			}
			if status, n := state(tue); status != "done" || n != 1 {
				t.Fatalf("Tuesday after its retry = %s, %d failures", status, n)
			}
			s.Fire(ctx, "daily-digest")
			s.Retry(ctx)
			if n := digests(); n != 2 {
				t.Fatalf("a done slot ran again: %d digests", n)
			}

			thu := tue.Add(2 * day)
			st.fail.Store(1)
			clk.set(thu)
			s.Fire(ctx, "daily-digest") // Thursday's fails; the service restarts
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			clk.set(thu.Add(time.Hour))
			if err := scheduler.New(f.S, clk, discard(), digest).CatchUp(cctx); err != nil {
				t.Fatal(err)
			}
			if n := digests(); n != 3 {
				t.Fatalf("digests after the catch-up = %d, want 3", n)
			}
			if status, n := state(thu); status != "done" || n != 1 {
				t.Fatalf("Thursday after the catch-up = %s, %d failures", status, n)
			}
			var lastError string
			if err := f.S.DB().Get(&lastError, "SELECT last_error FROM job_runs WHERE job = 'daily-digest' AND slot = ?", thu.UTC()); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(lastError, "db gone") || strings.Contains(lastError, "hunter2") {
				t.Fatalf("last_error = %q: want the cause without the password", lastError)
			}
		})
	}
}

// gauge reads baobei_job_consecutive_failures{job}.
func gauge(t *testing.T, job string) float64 {
	t.Helper()
	mfs, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "baobei_job_consecutive_failures" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "job" && l.GetValue() == job {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no gauge for %s", job)
	return 0
}

// A slot failing three times shows in 系统状态 and in the gauge; once it
// runs, neither shows it.
func TestRepeatedFailuresVisible(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			name := "flaky-" + b.Name
			var fail atomic.Bool
			fail.Store(true)
			ran := 0
			job := scheduler.Job{Name: name, Schedule: scheduler.Daily(9, 0, f.S.Policy().Loc), Run: func(ctx context.Context, slot time.Time) (scheduler.Result, error) {
				if fail.Load() {
					return scheduler.Result{}, fmt.Errorf("weekly stats: query: Error 1146: Table 'baobei.customers' doesn't exist")
				}
				ran++
				return scheduler.Result{N: 1}, nil
			}}
			slot := storetest.T0.Add(23 * time.Hour)
			clk := &clock{t: slot.Add(time.Minute)}
			s := scheduler.New(f.S, clk, discard(), job)
			ctx := context.Background()
			s.Fire(ctx, name)
			for i := 0; i < 2; i++ {
				clk.set(clk.Now().Add(10 * time.Minute))
				s.Retry(ctx)
			}
			if g := gauge(t, name); g != 3 {
				t.Fatalf("gauge after 3 failures = %v", g)
			}
			st, err := f.S.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.FailingJobs) != 1 {
				t.Fatalf("failing jobs = %+v", st.FailingJobs)
			}
			j := st.FailingJobs[0]
			if j.Job != name || j.Failures != 3 || !j.Slot.Equal(slot) || j.FailedAt == nil || !j.FailedAt.Equal(clk.Now()) || !strings.Contains(j.LastError, "doesn't exist") {
				t.Fatalf("failing job = %+v", j)
			}
			fail.Store(false)
			s.Retry(ctx)
			if g := gauge(t, name); g != 0 || ran != 1 {
				t.Fatalf("gauge once it ran = %v, runs %d", g, ran)
			}
			if st, err := f.S.Status(ctx); err != nil || len(st.FailingJobs) != 0 {
				t.Fatalf("failing jobs once it ran = %+v %v", st, err)
			}
		})
	}
}

// lines captures a logger's output at info level.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := strings.Split(strings.TrimSpace(l.buf.String()), "\n")
	l.buf.Reset()
	if len(out) == 1 && out[0] == "" {
		return nil
	}
	return out
}

// The start-up catch-up and a console clock advance each log one line, with
// the slots run per job and the failures; a fire logs a line only when the
// job did something.
func TestSchedulerLogsSummaries(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			p := f.S.Policy()
			f.Report(t, storetest.T0.Add(-31*24*time.Hour), f.Zhangsan, "13800000001", "客户") // due for release
			out := &lines{}
			log := slog.New(slog.NewTextHandler(out, nil))
			broken := scheduler.Job{Name: "broken", Schedule: scheduler.Daily(4, 0, p.Loc), Run: func(context.Context, time.Time) (scheduler.Result, error) {
				return scheduler.Result{}, errors.New("boom")
			}}
			jobs := append(scheduler.Jobs(f.S, p, nil), broken)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			clk := &clock{t: storetest.T0}
			s := scheduler.New(f.S, clk, log, jobs...)
			if err := s.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			got := out.take()
			if len(got) != 1 {
				t.Fatalf("catch-up logged %d lines, want 1:\n%s", len(got), strings.Join(got, "\n"))
			}
			for _, want := range []string{"scheduler catch-up", "ran.warn-expiring=48", "ran.release-expired=48", "ran.daily-digest=2", "failed=2", "failed_by_job.broken=2", "boom", "took_ms="} {
				if !strings.Contains(got[0], want) {
					t.Fatalf("catch-up line lacks %q: %s", want, got[0])
				}
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE status = 'pool'"); n != 1 {
				t.Fatal("the catch-up released nothing")
			}

			clk.set(storetest.T0.Add(10 * 24 * time.Hour))
			if err := s.RunDue(ctx, storetest.T0, clk.Now()); err == nil || !strings.Contains(err.Error(), "boom") {
				t.Fatalf("RunDue with a failing job = %v", err)
			}
			got = out.take()
			if len(got) != 1 || !strings.Contains(got[0], "scheduler ran due slots") || !strings.Contains(got[0], "ran.warn-expiring=240") {
				t.Fatalf("a 10-day advance logged %d lines:\n%s", len(got), strings.Join(got, "\n"))
			}

			clk.set(clk.Now().Add(time.Hour))
			s.Fire(ctx, "release-expired") // nothing to release: debug only
			if got := out.take(); len(got) != 0 {
				t.Fatalf("a run that did nothing logged at info: %q", got)
			}
			f.Report(t, clk.Now().Add(-31*24*time.Hour), f.Lisi, "13800000002", "客户")
			clk.set(clk.Now().Add(time.Hour))
			s.Fire(ctx, "release-expired")
			if got := out.take(); len(got) != 1 || !strings.Contains(got[0], "job=release-expired") || !strings.Contains(got[0], "n=1") {
				t.Fatalf("a run that released one customer logged %q", got)
			}
		})
	}
}

// Within one process a job never runs two slots at once, even when the
// console's advance and the sweep overlap.
func TestJobNeverOverlapsItself(t *testing.T) {
	f := storetest.Seed(t, storetest.Backends(t)[0], baobei.DefaultPolicy())
	var inFlight, most atomic.Int32
	runs := atomic.Int32{}
	job := scheduler.Job{Name: "slow", Schedule: scheduler.Hourly(f.S.Policy().Loc), Run: func(context.Context, time.Time) (scheduler.Result, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		runs.Add(1)
		time.Sleep(2 * time.Millisecond)
		return scheduler.Result{}, nil
	}}
	s := scheduler.New(f.S, &clock{t: storetest.T0}, discard(), job)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) { // each pass starts at a different hour, so they contend for different slots
			defer wg.Done()
			from := storetest.T0.Add(time.Duration(i) * 6 * time.Hour)
			if err := s.RunDue(context.Background(), from, storetest.T0.Add(24*time.Hour)); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if most.Load() != 1 || runs.Load() != 24 {
		t.Fatalf("at most %d runs at once, %d runs; want 1 and 24", most.Load(), runs.Load())
	}
}

// blocking is a job that, once started, signals entered and waits for release.
func blocking(name string, loc *time.Location) (job scheduler.Job, entered, release chan struct{}) {
	entered, release = make(chan struct{}), make(chan struct{})
	job = scheduler.Job{Name: name, Schedule: scheduler.Hourly(loc), Run: func(ctx context.Context, slot time.Time) (scheduler.Result, error) {
		entered <- struct{}{}
		<-release
		return scheduler.Result{N: 1, Notices: []baobei.Notice{{ToChat: "sales1", Text: "上周统计"}}}, nil
	}}
	return job, entered, release
}

// The heartbeat keeps a long job's lease; a run whose lease was taken over
// queues nothing, and the taker's run counts.
func TestLease(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			loc := f.S.Policy().Loc
			slot := storetest.T0
			clk := &clock{t: slot}
			ctx := context.Background()
			run := func(s *scheduler.Scheduler, entered chan struct{}) chan error {
				done := make(chan error, 1)
				go func(slot time.Time) { done <- s.RunDue(ctx, slot.Add(-time.Minute), slot) }(slot)
				<-entered
				return done
			}
			summaries := func() int { return f.Count(t, "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%上周统计%'") }

			// Beating every few milliseconds: 3 minutes on (past the 2-minute
			// lease) the slot is still held.
			job, entered, release := blocking("weekly", loc)
			s := scheduler.New(f.S, clk, discard(), job)
			s.Heartbeat = 5 * time.Millisecond
			done := run(s, entered)
			clk.set(slot.Add(3 * time.Minute))
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				var at time.Time
				if err := f.S.DB().Get(&at, "SELECT lease_until FROM job_runs WHERE job = 'weekly'"); err != nil {
					t.Fatal(err)
				}
				if at.After(clk.Now()) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the heartbeat did not renew the lease")
				}
			}
			if tok, err := f.S.ClaimSlot(ctx, "weekly", slot, clk.Now(), clk.Now().Add(time.Minute)); err != nil || tok != "" {
				t.Fatalf("a renewed lease was taken: %q %v", tok, err)
			}
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if n := summaries(); n != 1 {
				t.Fatalf("summaries = %d", n)
			}

			// No heartbeat within the lease: another replica takes the slot
			// over; the first run's notices are dropped, the second's queued.
			slot = slot.Add(time.Hour)
			clk.set(slot)
			job1, entered1, release1 := blocking("weekly", loc)
			first := scheduler.New(f.S, clk, discard(), job1)
			first.Heartbeat = time.Hour
			done1 := run(first, entered1)
			clk.set(slot.Add(3 * time.Minute))
			job2, entered2, release2 := blocking("weekly", loc)
			done2 := run(scheduler.New(f.S, clk, discard(), job2), entered2)
			close(release1) // the first run ends, its lease gone
			if err := <-done1; err == nil || !strings.Contains(err.Error(), "lease lost") {
				t.Fatalf("the first run = %v, want its lease lost", err)
			}
			if n := summaries(); n != 1 {
				t.Fatalf("a run without its lease queued its summary: %d", n)
			}
			close(release2)
			if err := <-done2; err != nil {
				t.Fatal(err)
			}
			if n := summaries(); n != 2 {
				t.Fatalf("summaries = %d, want the taker's too", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM job_runs WHERE job = 'weekly' AND status = 'done' AND failures = ?", 0); n != 1 {
				t.Fatalf("want the first slot done without failures: %d", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM job_runs WHERE job = 'weekly' AND status = 'done' AND failures = ?", 1); n != 1 {
				t.Fatalf("want the taken-over slot done with its expired lease counted: %d", n)
			}
		})
	}
}
