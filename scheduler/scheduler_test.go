package scheduler_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"baobei"
	"baobei/scheduler"
	"baobei/store/storetest"
)

type clockAt struct{ t time.Time }

func (c clockAt) Now() time.Time { return c.t }

// Two scheduler instances (replicas) on one database over a simulated week:
// every notice is written exactly once.
func TestTwoReplicasOneWeek(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			p := f.S.Policy()
			for i, phone := range []string{"13800000001", "13800000002", "13800000003"} {
				f.Report(t, storetest.T0.Add(-26*24*time.Hour+time.Duration(i)*time.Hour), f.Zhangsan, phone, "客户")
			}
			f.Report(t, storetest.T0.Add(-20*24*time.Hour), f.Lisi, "13800000004", "客户")
			for id, u := range map[int64]*baobei.User{1: f.Zhangsan, 2: f.Zhangsan, 3: f.Zhangsan, 4: f.Lisi} { // worked yesterday: not idle
				followUp(t, f, u, id, storetest.T0.Add(-24*time.Hour))
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			replicas := []*scheduler.Scheduler{
				scheduler.New(f.S, clockAt{storetest.T0}, log, scheduler.Jobs(f.S, p, nil)...),
				scheduler.New(f.S, clockAt{storetest.T0}, log, scheduler.Jobs(f.S, p, nil)...),
			}
			for day := 0; day < 7; day++ { // each replica catches up on the same day, concurrently
				from := storetest.T0.Add(time.Duration(day) * 24 * time.Hour)
				var wg sync.WaitGroup
				for _, r := range replicas {
					wg.Add(1)
					go func(r *scheduler.Scheduler) {
						defer wg.Done()
						if err := r.RunDue(context.Background(), from, from.Add(24*time.Hour)); err != nil {
							t.Error(err)
						}
					}(r)
				}
				wg.Wait()
			}
			counts := map[string]int{
				"SELECT COUNT(*) FROM outbox WHERE to_user = 'lisi' AND payload LIKE '%即将退回公海%'": 1, // 10 days left at the end
				"SELECT COUNT(*) FROM outbox WHERE to_user = 'lisi' AND payload LIKE '%早上好%'":    4, // a digest each morning the customer is within 7 days of release
				"SELECT COUNT(*) FROM outbox WHERE to_chat = 'sales1' AND payload LIKE '%退回公海%'": 1, // the daily note
				"SELECT COUNT(*) FROM outbox WHERE to_chat = 'sales1' AND payload LIKE '%上周统计%'": 1, // Monday 09:00
				"SELECT COUNT(*) FROM audit_events WHERE action = 'release'":                     3,
			}
			for id := 1; id <= 3; id++ { // each of zhangsan's customers: warned once, released once (batched per run)
				for _, kind := range []string{"即将退回公海", "已退回公海"} {
					counts["SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%"+kind+"%' AND payload LIKE '%#"+strconv.Itoa(id)+" 客户%'"] = 1
				}
			}
			for q, want := range counts {
				if n := f.Count(t, q); n != want {
					t.Errorf("%s = %d, want %d", q, n, want)
				}
			}
		})
	}
}

// Start catches up on the slots of the last two days, then hands over to gocron.
func TestStartCatchesUp(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			now := storetest.T0
			slot := now.Add(-5 * time.Hour)
			tok, err := f.S.ClaimSlot(f.Ctx, "release-expired", slot, slot, slot.Add(time.Minute))
			if err != nil || tok == "" {
				t.Fatal(tok, err)
			}
			if ok, err := f.S.FinishSlot(f.Ctx, "release-expired", slot, tok, slot); err != nil || !ok {
				t.Fatal(ok, err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := scheduler.New(f.S, clockAt{now}, slog.New(slog.NewTextHandler(io.Discard, nil)), scheduler.Jobs(f.S, f.S.Policy(), nil)...)
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			// release-expired: the 5 hours since its last run; warn-expiring: 48 hours.
			if n := f.Count(t, "SELECT COUNT(*) FROM job_runs WHERE job = 'release-expired'"); n != 6 {
				t.Fatalf("release-expired runs = %d, want 1 + 5 caught up", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM job_runs WHERE job = 'warn-expiring'"); n != 48 {
				t.Fatalf("warn-expiring runs = %d, want 48", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM job_runs WHERE status <> 'done'"); n != 0 {
				t.Fatalf("%d slots not done after the catch-up", n)
			}
		})
	}
}

func followUp(t *testing.T, f *storetest.Fixture, u *baobei.User, id int64, at time.Time) {
	t.Helper()
	if _, err := f.S.FollowUp(f.Ctx, at, u, baobei.CustomerRef{Number: id}, baobei.FollowUpDraft{Content: "电话"}); err != nil {
		t.Fatal(err)
	}
}

// No follow-up for 15 days: warned 3 days ahead, then released; a
// follow-up restarts the clock.
func TestIdleRelease(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			f.Report(t, storetest.T0, f.Zhangsan, "13800000001", "闲置客户")
			f.Report(t, storetest.T0, f.Lisi, "13800000002", "勤快客户")
			followUp(t, f, f.Lisi, 2, storetest.T0.Add(10*24*time.Hour))
			s := scheduler.New(f.S, clockAt{storetest.T0}, slog.New(slog.NewTextHandler(io.Discard, nil)), scheduler.Jobs(f.S, f.S.Policy(), nil)...)
			run := func(from, to time.Duration) {
				if err := s.RunDue(context.Background(), storetest.T0.Add(from), storetest.T0.Add(to)); err != nil {
					t.Fatal(err)
				}
			}
			day := 24 * time.Hour
			run(0, 12*day)
			if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%15 天未跟进%'"); n != 1 {
				t.Fatalf("idle warnings after 12 days = %d", n)
			}
			run(12*day, 16*day)
			if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE id = 1 AND status = 'pool' AND release_reason = 'no_followup'"); n != 1 {
				t.Fatal("the idle customer was not released after 15 days")
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE id = 2 AND status = 'owned'"); n != 1 {
				t.Fatal("a follow-up on day 10 must keep the customer until day 25")
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%即将退回公海%'"); n != 1 {
				t.Fatalf("warnings = %d, want only zhangsan's", n)
			}
			run(16*day, 26*day) // 15 days after the follow-up: released too
			if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE id = 2 AND status = 'pool' AND release_reason = 'no_followup'"); n != 1 {
				t.Fatal("the clock restarted by the follow-up must run out on day 25")
			}
		})
	}
}

// A team's daily note lists at most 20 released customers and counts the rest.
func TestTeamReleasesCapped(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			p := baobei.DefaultPolicy()
			p.MaxClaimsPerDay = 100
			f := storetest.Seed(t, b, p)
			for i := 0; i < 25; i++ {
				f.Report(t, storetest.T0, f.Zhangsan, "138000000"+strconv.Itoa(10+i), "客户")
			}
			ctx := context.Background()
			at := storetest.T0.Add(31 * 24 * time.Hour)
			if n, err := f.S.ReleaseExpired(ctx, at); err != nil || n != 25 {
				t.Fatalf("released %d: %v", n, err)
			}
			ns, err := scheduler.TeamReleases(ctx, f.S, at.Add(time.Hour), f.S.Policy())
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) != 1 || ns[0].ToChat != "sales1" || !strings.Contains(ns[0].Text, "有 25 个客户退回公海") || !strings.Contains(ns[0].Text, "…另有 5 个") {
				t.Fatalf("team note missing or not capped: %+v", ns)
			}
		})
	}
}

// The manager hears of a customer idle for 7 days even when its grade is
// not stale yet (C: 15 days); a locked customer past its protection end is
// not "expiring".
func TestDigestEscalatesIdleBeforeStale(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			ctx := context.Background()
			if _, err := f.S.Report(ctx, storetest.T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "张先生", Grade: "C"}); err != nil {
				t.Fatal(err)
			}
			locked := f.Report(t, storetest.T0.Add(-25*24*time.Hour), f.Lisi, "13900139000", "李女士")
			if _, err := f.S.SetLock(ctx, storetest.T0, f.Wangjl, baobei.CustomerRef{Number: locked.ID}, true); err != nil {
				t.Fatal(err)
			}
			followUp(t, f, f.Lisi, locked.ID, storetest.T0.Add(7*24*time.Hour))
			slot := storetest.T0.Add(8*24*time.Hour - time.Hour) // 09:00, 8 days on
			ns, err := scheduler.DailyDigest(ctx, f.S, slot, f.S.Policy())
			if err != nil {
				t.Fatal(err)
			}
			if err := f.S.Notify(ctx, slot, ns...); err != nil {
				t.Fatal(err)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'wangjl' AND payload LIKE '%#1 张先生%'"); n != 1 {
				t.Fatalf("manager escalations = %d, want 1", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'lisi' AND payload LIKE '%早上好%'"); n != 0 {
				t.Fatalf("a locked, worked customer past its protection end is in the digest")
			}
		})
	}
}
