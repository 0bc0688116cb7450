// Package scheduler runs baobei's periodic jobs. Each job is a plain
// function of its scheduled slot, tested without any scheduler. gocron fires
// the jobs in real time; the console's clock runs every slot that came due.
// Either way a slot runs once across replicas: job_runs has
// UNIQUE(job, slot), so a replica whose clock is a little late cannot run a
// slot again after another one finished it.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"baobei"

	"github.com/go-co-op/gocron/v2"
)

// Job is one periodic duty.
type Job struct {
	Name     string
	Schedule Schedule
	Run      func(ctx context.Context, slot time.Time) error
}

// Slots records which (job, slot) ran.
type Slots interface {
	ClaimSlot(ctx context.Context, job string, slot, now time.Time) (bool, error)
	LastSlot(ctx context.Context, job string) (time.Time, error)
}

// Scheduler runs jobs once per slot.
type Scheduler struct {
	slots Slots
	jobs  []Job
	clock baobei.Clock
	log   *slog.Logger
	// After runs after slots ran (the outbox flush), so pushes go out at once.
	After func(ctx context.Context) error
}

// New returns a scheduler for jobs.
func New(slots Slots, clock baobei.Clock, log *slog.Logger, jobs ...Job) *Scheduler {
	return &Scheduler{slots: slots, jobs: jobs, clock: clock, log: log}
}

type due struct {
	job  Job
	slot time.Time
}

// RunDue runs every slot in (from, to] of every job, in time order (jobs in
// their listed order within a slot), each once across replicas.
func (s *Scheduler) RunDue(ctx context.Context, from, to time.Time) error {
	var all []due
	for _, j := range s.jobs {
		for _, slot := range j.Schedule.Between(from, to) {
			all = append(all, due{j, slot})
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].slot.Before(all[b].slot) })
	for _, d := range all {
		if err := s.run(ctx, d.job, d.slot); err != nil {
			return err
		}
	}
	if s.After != nil {
		return s.After(ctx)
	}
	return nil
}

func (s *Scheduler) run(ctx context.Context, j Job, slot time.Time) error {
	mine, err := s.slots.ClaimSlot(ctx, j.Name, slot, s.clock.Now())
	if err != nil || !mine {
		return err
	}
	start := time.Now()
	if err := j.Run(ctx, slot); err != nil {
		return fmt.Errorf("job %s at %s: %w", j.Name, slot.Format(time.RFC3339), err)
	}
	s.log.Info("job", "job", j.Name, "slot", slot.Format(time.RFC3339), "latency_ms", time.Since(start).Milliseconds())
	return nil
}

// Start catches up on slots missed in the last two days (the service was
// down) and hands the jobs to gocron, which fires them until ctx ends.
func (s *Scheduler) Start(ctx context.Context) error {
	now := s.clock.Now()
	for _, j := range s.jobs {
		from, err := s.slots.LastSlot(ctx, j.Name)
		if err != nil {
			return err
		}
		if limit := now.Add(-48 * time.Hour); from.Before(limit) {
			from = limit
		}
		sub := &Scheduler{slots: s.slots, jobs: []Job{j}, clock: s.clock, log: s.log, After: s.After}
		if err := sub.RunDue(ctx, from, now); err != nil {
			s.log.Error("job catch-up", "job", j.Name, "err", err)
		}
	}
	return s.cron(ctx)
}

func (s *Scheduler) cron(ctx context.Context) error {
	g, err := gocron.NewScheduler(gocron.WithLocation(s.jobs[0].Schedule.Loc))
	if err != nil {
		return err
	}
	for _, j := range s.jobs {
		task := gocron.NewTask(func(j Job) {
			slot := j.Schedule.Prev(s.clock.Now())
			sub := &Scheduler{slots: s.slots, jobs: []Job{j}, clock: s.clock, log: s.log, After: s.After}
			if err := sub.RunDue(ctx, slot.Add(-time.Second), slot); err != nil {
				s.log.Error("job", "job", j.Name, "err", err)
			}
		}, j)
		if _, err := g.NewJob(gocron.CronJob(j.Schedule.Cron(), false), task, gocron.WithName(j.Name)); err != nil {
			return err
		}
	}
	g.Start()
	go func() {
		<-ctx.Done()
		g.Shutdown()
	}()
	return nil
}
