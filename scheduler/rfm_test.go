package scheduler_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"baobei"
	"baobei/scheduler"
	"baobei/store/storetest"
)

// A won customer who bought twice, the last time 85 days ago, drifts into
// 潜在流失 (recency_days > 90 and frequency >= 2) as the scheduler's days
// pass: on the night it crosses, once, it gets a follow-up due that day
// and its owner one message; the nights after, still in the segment and
// followed up, it gets neither again.
func TestRFMDriftOneTask(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := storetest.Seed(t, b, baobei.DefaultPolicy())
			p := f.S.Policy()
			c := f.Report(t, storetest.T0.Add(-160*24*time.Hour), f.Zhangsan, "13800000001", "王总")
			ref := baobei.CustomerRef{Number: c.ID}
			first, last := storetest.T0.Add(-150*24*time.Hour), storetest.T0.Add(-85*24*time.Hour)
			amount := int64(500000)
			if _, err := f.S.FollowUp(f.Ctx, first, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "成交", Stage: baobei.StageWon, AmountCents: &amount, BoughtAt: &first}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.S.Repurchase(f.Ctx, last, f.Zhangsan, ref, baobei.PurchaseDraft{Cents: 300000, At: &last}); err != nil {
				t.Fatal(err)
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			s := scheduler.New(f.S, clockAt{storetest.T0}, log, scheduler.Jobs(f.S, p, nil)...)
			entered := "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%进入「潜在流失」%'"
			for day := 0; day < 10; day++ {
				from := storetest.T0.Add(time.Duration(day) * 24 * time.Hour)
				if err := s.RunDue(context.Background(), from, from.Add(24*time.Hour)); err != nil {
					t.Fatal(err)
				}
				recency := 86 + day // calendar days at the 03:00 run of the next morning in Shanghai
				want := 0
				if recency > 90 {
					want = 1
				}
				if n := f.Count(t, entered); n != want {
					t.Fatalf("day %d (%d days since the last purchase): %d entry messages, want %d", day, recency, n, want)
				}
				if day == 5 { // entered today: the follow-up is due, and the owner works it
					cs, err := f.S.FindCustomers(f.Ctx, ref)
					if err != nil || cs[0].NextFollowupAt == nil || cs[0].NextFollowupAt.After(from.Add(24*time.Hour)) {
						t.Fatalf("on entry: %+v %v, want a follow-up due that day", cs, err)
					}
					followUp(t, f, f.Zhangsan, c.ID, from.Add(20*time.Hour))
				}
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = 'segment' AND customer_id = ? AND detail LIKE '%潜在流失'", c.ID); n != 1 {
				t.Errorf("%d moves into 潜在流失 audited, want 1", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM customer_tags WHERE customer_id = ? AND tag = '潜在流失' AND kind = 'system'", c.ID); n != 1 {
				t.Errorf("not tagged 潜在流失")
			}
		})
	}
}
