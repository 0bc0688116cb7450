package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
)

// RawInsert is the benchmarks' yardstick: n autocommitted single-row
// INSERTs into table (customers, or a table like it) from workers
// goroutines through db's pool. It returns rows per second.
func RawInsert(db *sqlx.DB, table string, n, workers int) (float64, error) {
	if n == 0 {
		return 0, nil
	}
	now := time.Now().UTC().Truncate(time.Second)
	until := now.Add(30 * 24 * time.Hour)
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if _, err := db.Exec("INSERT INTO "+table+" (name, phone, stage, status, owner_id, protected_until, reporter_id, reported_at) VALUES (?, ?, '新线索', 'owned', 1, ?, 1, ?)",
					"raw", fmt.Sprintf("136%08d", i), until, now); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return 0, fmt.Errorf("raw insert: %w", err)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
