package scheduler_test

import (
	"context"
	"testing"
	"time"

	"baobei"
	"baobei/scheduler"
	"baobei/store/storetest"

	"github.com/jmoiron/sqlx"
)

// BenchmarkRFMMillion runs the nightly rfm job over 1,000,000 won customers
// with 3,000,000 purchases in MySQL (BENCH_CUSTOMERS to change): the first
// night, when every customer needs its segment, then the next night, when
// only the drift moves. It reports the time of each, customers a second,
// the peak RSS of the process and, as the yardstick, the raw single-row
// INSERT rate of the same server.
func BenchmarkRFMMillion(b *testing.B) {
	s, n := benchStore(b)
	p, ctx := s.Policy(), context.Background()
	now := storetest.T0
	var have int
	if err := s.DB().Get(&have, "SELECT COUNT(*) FROM customers"); err != nil || have > 0 {
		b.Fatalf("the RFM benchmark seeds its own first night: BENCH_DB must name an empty database (%d customers, %v)", have, err)
	}
	seedMillion(b, s.DB(), n, now)
	seedPurchases(b, s.DB(), now)
	if _, err := s.DB().Exec("CREATE TABLE raw_customers LIKE customers"); err != nil {
		b.Fatal(err)
	}
	raw, err := storetest.RawInsert(s.DB(), "raw_customers", 20000, 16)
	if err != nil {
		b.Fatal(err)
	}
	var rfm scheduler.Job
	for _, j := range scheduler.Jobs(s, p, nil) {
		if j.Name == "rfm" {
			rfm = j
		}
	}
	b.ResetTimer()
	for i, night := range []string{"first-", "next-"} {
		start := time.Now()
		res, err := rfm.Run(ctx, now.Add(time.Duration(i+1)*24*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Notify(ctx, now, res.Notices...); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start).Seconds()
		b.ReportMetric(d, night+"s")
		b.ReportMetric(float64(n)/d, night+"customers/s")
	}
	b.StopTimer()
	var segmented int
	if err := s.DB().Get(&segmented, "SELECT COUNT(DISTINCT customer_id) FROM customer_tags WHERE kind = 'system'"); err != nil || segmented == 0 {
		b.Fatalf("%d customers segmented: %v", segmented, err)
	}
	b.ReportMetric(float64(segmented), "segmented")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
	b.ReportMetric(raw, "raw-insert-rows/s")
}

// seedPurchases makes every customer seedMillion left a won one with three
// purchases: the last 0–399 days ago, the others 30 and 200 days before it,
// amounts from ¥1,000 to ¥50,000, so every segment of the default rules
// has its share.
func seedPurchases(b *testing.B, db *sqlx.DB, now time.Time) {
	var hi int64
	if err := db.Get(&hi, "SELECT MAX(id) FROM customers"); err != nil {
		b.Fatal(err)
	}
	const chunk = 100000
	for lo := int64(0); lo < hi; lo += chunk {
		for _, back := range []int{0, 30, 200} {
			if _, err := db.Exec(`INSERT INTO purchases (customer_id, amount_cents, items, bought_at, recorded_by, created_at)
				SELECT id, 100000 + (id % 50) * 100000, '', DATE_SUB(?, INTERVAL (id % 400) + ? DAY), owner_id, ?
				FROM customers WHERE id > ? AND id <= ?`, now.UTC(), back, now.UTC(), lo, lo+chunk); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := db.Exec(`UPDATE customers SET status = 'won', stage = ?, amount_cents = 100000 + (id % 50) * 100000,
			last_purchase_at = DATE_SUB(?, INTERVAL (id % 400) DAY) WHERE id > ? AND id <= ?`, baobei.StageWon, now.UTC(), lo, lo+chunk); err != nil {
			b.Fatal(err)
		}
	}
}
