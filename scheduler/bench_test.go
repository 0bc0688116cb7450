package scheduler_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/scheduler"
	"baobei/store"
	"baobei/store/storetest"

	"github.com/jmoiron/sqlx"
)

// benchStore opens the benchmarks' MySQL store with the demo org and the
// default policy, and says how many customers to seed (BENCH_CUSTOMERS,
// default 1,000,000). BENCH_DB names a database to keep (seeded on first
// use) for looking at query plans afterwards; by default a throw-away one
// is used and dropped.
func benchStore(b *testing.B) (*store.Store, int) {
	if storetest.MySQLDSN() == "" {
		b.Skip("BAOBEI_TEST_MYSQL_DSN not set")
	}
	n := 1_000_000
	fmt.Sscan(os.Getenv("BENCH_CUSTOMERS"), &n)
	dsn := os.Getenv("BENCH_DB")
	if dsn == "" {
		var drop func()
		var err error
		if dsn, drop, err = storetest.CreateMySQL(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(drop)
	}
	s, err := storetest.OpenDSN(dsn, baobei.DefaultPolicy())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.SyncOrg(context.Background(), baobei.DemoOrg(), storetest.T0); err != nil {
		b.Fatal(err)
	}
	return s, n
}

// BenchmarkJobsMillion runs one hourly slot of warnings and release, and
// the daily digest, over 1,000,000 customers in MySQL (BENCH_CUSTOMERS to
// change), then the slot after a day's outage, and reports the time of each
// and the peak RSS of the process.
func BenchmarkJobsMillion(b *testing.B) {
	s, n := benchStore(b)
	p, ctx := s.Policy(), context.Background()
	now := storetest.T0
	var have int
	if err := s.DB().Get(&have, "SELECT COUNT(*) FROM customers"); err != nil {
		b.Fatal(err)
	}
	if have == 0 {
		seedMillion(b, s.DB(), n, now)
	}
	jobs := scheduler.Jobs(s, p, nil)
	run := func(slot time.Time, prefix string, names ...string) {
		for _, j := range jobs {
			if !slices.Contains(names, j.Name) {
				continue
			}
			start := time.Now()
			res, err := j.Run(ctx, slot)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Notify(ctx, slot, res.Notices...); err != nil { // as FinishSlot would
				b.Fatal(err)
			}
			b.ReportMetric(time.Since(start).Seconds(), prefix+j.Name+"-s")
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The next hour's run, with the morning digest (the overdue scan).
		run(now.Add(time.Hour), "", "warn-expiring", "release-expired", "daily-digest")
		// The run after a day's outage: 24 hours of warnings and releases at once.
		run(now.Add(25*time.Hour), "catchup-", "warn-expiring", "release-expired")
	}
	b.StopTimer()
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
}

// seedMillion loads n customers held by n/100 reps of team 1 (a rep holds
// at most 100) in the state the hourly jobs leave behind: protections end
// over the next 60 days, the last follow-up is 0–15 days old, follow-ups are
// planned from 3 days ago to 16 days ahead, and whatever fell inside the
// warning window before now was already warned. So the next hour's run has
// the work of a normal hour: ≈ 700 protections and ≈ 2,800 idle spells to
// warn about and as many to release.
func seedMillion(b *testing.B, db *sqlx.DB, n int, now time.Time) {
	const batch = 2000
	exec := db.ExecContext
	reps := n/100 + 1
	for start := 0; start < reps; start += batch {
		var rows []string
		var args []any
		for i := start; i < start+batch && i < reps; i++ {
			rows = append(rows, "(?, ?, 'rep', 1, 1, ?)")
			args = append(args, fmt.Sprintf("bench%06d", i), fmt.Sprintf("销售%d", i), now.UTC())
		}
		if _, err := exec(context.Background(), "INSERT INTO users (uid, name, role, team_id, active, created_at) VALUES "+strings.Join(rows, ","), args...); err != nil {
			b.Fatal(err)
		}
	}
	var owners []int64
	if err := db.Select(&owners, "SELECT id FROM users WHERE uid LIKE 'bench%' ORDER BY id"); err != nil {
		b.Fatal(err)
	}
	warned := now.Add(baobei.DefaultPolicy().WarnAhead()) // the previous run's horizon
	for start := 0; start < n; start += batch {
		var rows []string
		var args []any
		for i := start; i < start+batch && i < n; i++ {
			until := now.Add(time.Duration(i%(60*24))*time.Hour - 30*time.Minute)
			last := now.Add(-time.Duration(i*7%(15*24))*time.Hour - 30*time.Minute)
			next := now.Add(time.Duration(i%20-3) * 24 * time.Hour)
			var warnedUntil, idleWarned any
			if until.Before(warned) {
				warnedUntil = until.UTC()
			}
			if last.Add(15 * 24 * time.Hour).Before(warned) {
				idleWarned = last.UTC()
			}
			owner := owners[i%len(owners)]
			rows = append(rows, "(?, ?, '新线索', 'owned', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, "客户", fmt.Sprintf("13%09d", i), owner, until.UTC(), owner, last.UTC(), next.UTC(),
				last.UTC(), last.UTC(), last.UTC(), warnedUntil, idleWarned)
		}
		if _, err := exec(context.Background(), `INSERT INTO customers (name, phone, stage, status, owner_id, protected_until, reporter_id,
			reported_at, next_followup_at, last_followup_at, owned_since, last_activity, warned_until, idle_warned_for) VALUES `+strings.Join(rows, ","), args...); err != nil {
			b.Fatal(err)
		}
	}
}

func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "VmHWM:"), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}
