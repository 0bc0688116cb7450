package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"baobei/bot"
	"baobei/store/storetest"
)

// Benchmarks of the full 报备 / 跟进 pipeline (router → handler → store) on
// MySQL with 100,000 customers loaded and 64 concurrent reps, next to the raw
// single-row insert rate measured the same way. Run with `make bench`.

const (
	benchReps      = 64
	benchCustomers = 100_000
)

var (
	benchOnce sync.Once
	benchApp  *app
	benchErr  error
	benchDrop = func() {}
	phoneSeq  atomic.Int64
	msgSeq    atomic.Int64
)

func benchSetup(b *testing.B) *app {
	if storetest.MySQLDSN() == "" {
		b.Skip("BAOBEI_TEST_MYSQL_DSN not set")
	}
	benchOnce.Do(func() {
		cfg := defaultConfig()
		if benchErr = cfg.finish(); benchErr != nil {
			return
		}
		// One database for all benchmarks of the run, dropped by TestMain.
		dsn, drop, err := storetest.CreateMySQL()
		if err != nil {
			benchErr = err
			return
		}
		benchDrop = drop
		s, err := storetest.OpenDSN(dsn, cfg.Policy)
		if err != nil {
			benchErr = err
			return
		}
		benchApp, benchErr = wire(context.Background(), cfg, s, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if benchErr == nil {
			benchErr = seed(benchApp)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchApp
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchApp != nil {
		benchApp.Close()
	}
	benchDrop()
	os.Exit(code)
}

// seed registers the reps and bulk-loads customers owned round-robin by them.
func seed(a *app) error {
	ctx := context.Background()
	now := a.clock.Now().UTC().Truncate(time.Second)
	for i := 0; i < benchReps; i++ {
		if _, err := a.store.RegisterRep(ctx, fmt.Sprintf("rep%02d", i), "", now); err != nil {
			return err
		}
	}
	var firstRep int64
	if err := a.store.DB().Get(&firstRep, "SELECT MIN(id) FROM users WHERE uid LIKE 'rep%'"); err != nil {
		return err
	}
	until := now.Add(30 * 24 * time.Hour)
	const batch = 1000
	for start := 0; start < benchCustomers; start += batch {
		var cust, keys []string
		var cargs, kargs []any
		for i := start; i < start+batch; i++ {
			owner := firstRep + int64(i%benchReps)
			phone := fmt.Sprintf("139%08d", i)
			cust = append(cust, "(?, ?, '新线索', 'owned', ?, ?, ?, ?)")
			cargs = append(cargs, fmt.Sprintf("客户%d", i), phone, owner, until, owner, now)
			keys = append(keys, "('phone', ?, ?)")
			kargs = append(kargs, phone, i+1)
		}
		db := a.store.DB()
		if _, err := db.Exec("INSERT INTO customers (name, phone, stage, status, owner_id, protected_until, reporter_id, reported_at) VALUES "+strings.Join(cust, ","), cargs...); err != nil {
			return err
		}
		if _, err := db.Exec("INSERT INTO customer_keys (kind, value, customer_id) VALUES "+strings.Join(keys, ","), kargs...); err != nil {
			return err
		}
	}
	return nil
}

// runConcurrent runs op from 64 goroutines b.N times in all and reports
// ops/s and p50/p99 latency.
func runConcurrent(b *testing.B, op func(worker int) error) {
	var mu sync.Mutex
	var lat []time.Duration
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < benchReps; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []time.Duration
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := op(w); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "ops/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

func dispatch(a *app, worker int, text string) error {
	res, err := a.router.Dispatch(context.Background(), bot.Message{Platform: "bench",
		ID: fmt.Sprintf("%d-%d", os.Getpid(), msgSeq.Add(1)), UserID: fmt.Sprintf("rep%02d", worker), Text: text})
	if err != nil {
		return err
	}
	if t := res.Replies[0].Text; !strings.HasPrefix(t, "报备成功") && !strings.HasPrefix(t, "已记录跟进") {
		return fmt.Errorf("unexpected reply: %s", t)
	}
	return nil
}

func BenchmarkPipelineReport(b *testing.B) {
	a := benchSetup(b)
	runConcurrent(b, func(w int) error {
		return dispatch(a, w, fmt.Sprintf("报备 137%08d 客户 来源:抖音 需求:沙发", phoneSeq.Add(1)))
	})
}

func BenchmarkPipelineFollowUp(b *testing.B) {
	a := benchSetup(b)
	var n atomic.Int64
	runConcurrent(b, func(w int) error {
		// customer ids w+1, w+1+64, … belong to rep w
		id := int64(w+1) + benchReps*(n.Add(1)%(benchCustomers/benchReps))
		return dispatch(a, w, fmt.Sprintf("跟进 #%d 电话沟通，客户想看样品 下次:明天 14:00", id))
	})
}

// BenchmarkRawInsert is the yardstick: one autocommitted single-row INSERT
// into customers per op, same pool, same 64 goroutines.
func BenchmarkRawInsert(b *testing.B) {
	a := benchSetup(b)
	db := a.store.DB()
	now := time.Now().UTC().Truncate(time.Second)
	runConcurrent(b, func(w int) error {
		_, err := db.Exec("INSERT INTO customers (name, phone, stage, status, owner_id, protected_until, reporter_id, reported_at) VALUES (?, ?, '新线索', 'owned', 1, ?, 1, ?)",
			"raw", fmt.Sprintf("136%08d", phoneSeq.Add(1)), now, now)
		return err
	})
}
