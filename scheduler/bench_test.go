package scheduler_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/scheduler"
	"baobei/store/storetest"

	"github.com/jmoiron/sqlx"
)

// BenchmarkJobsMillion runs one slot of warnings, release and the daily
// digest over 1,000,000 customers in MySQL (BENCH_CUSTOMERS to change) and
// reports the time and the peak RSS of the process.
func BenchmarkJobsMillion(b *testing.B) {
	if storetest.MySQLDSN() == "" {
		b.Skip("BAOBEI_TEST_MYSQL_DSN not set")
	}
	n := 1_000_000
	fmt.Sscan(os.Getenv("BENCH_CUSTOMERS"), &n)
	dsn, drop, err := storetest.CreateMySQL()
	if err != nil {
		b.Fatal(err)
	}
	defer drop()
	p := baobei.DefaultPolicy()
	s, err := storetest.OpenDSN(dsn, p)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.SyncOrg(ctx, baobei.DemoOrg(), storetest.T0); err != nil {
		b.Fatal(err)
	}
	now := storetest.T0
	seedMillion(b, s.DB(), n, now)
	jobs := scheduler.Jobs(s, p, nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		slot := now.Add(time.Duration(i+1) * time.Hour).Truncate(time.Hour)
		for _, j := range jobs {
			if j.Name == "weekly-summary" || j.Name == "team-releases" {
				continue
			}
			start := time.Now()
			if err := j.Run(ctx, slot); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(time.Since(start).Seconds(), j.Name+"-s")
		}
	}
	b.StopTimer()
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
}

// seedMillion loads n customers held by n/100 reps of team 1 (a rep holds
// at most 100): protections ending over the next 60 days (so some expire,
// some are warned), follow-ups planned for yesterday, today and tomorrow,
// idle for up to a month.
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
	for start := 0; start < n; start += batch {
		var rows []string
		var args []any
		for i := start; i < start+batch && i < n; i++ {
			until := now.Add(time.Duration(i%(60*24)-12) * time.Hour)
			next := now.Add(time.Duration(i%3-1) * 24 * time.Hour)
			last := now.Add(-time.Duration(i%30) * 24 * time.Hour)
			rows = append(rows, "(?, ?, '新线索', 'owned', ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, "客户", fmt.Sprintf("13%09d", i), owners[i%len(owners)], until.UTC(), owners[i%len(owners)], last.UTC(), next.UTC(), last.UTC(), last.UTC(), last.UTC())
		}
		if _, err := exec(context.Background(), `INSERT INTO customers (name, phone, stage, status, owner_id, protected_until, reporter_id,
			reported_at, next_followup_at, last_followup_at, owned_since, last_activity) VALUES `+strings.Join(rows, ","), args...); err != nil {
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
