package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"baobei"
)

var rfmTests = []struct {
	name string
	fn   func(*testing.T, Backend)
}{
	{"RFMOnPurchase", testRFMOnPurchase},
	{"RFMDriftTaskOnce", testRFMDrift},
	{"RFMConcurrentPurchases", testRFMConcurrent},
	{"PurchaseDated", testPurchaseDated},
}

// 日期: dates a purchase: recency counts from it, a purchase dated before the
// last one leaves the last purchase alone, and a deal dated 40 days back is
// no longer 高价值客户 (bought within 30 days).
func testPurchaseDated(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800000009", "王总")
	cents, won := int64(6000000), T0.Add(-40*day)
	if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID},
		baobei.FollowUpDraft{Content: "签了", Stage: baobei.StageWon, AmountCents: &cents, BoughtAt: &won}); err != nil {
		t.Fatal(err)
	}
	earlier := T0.Add(-50 * day)
	if _, ps, err := f.S.Repurchase(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID}, baobei.PurchaseDraft{Cents: 100000, At: &earlier}); err != nil ||
		ps.Count != 2 || !ps.Last.BoughtAt.Equal(won) {
		t.Fatalf("dated 复购: %+v %v", ps, err)
	}
	r, ok, err := f.S.RFMOf(f.Ctx, T0, c.ID)
	if err != nil || !ok || r.RecencyDays != 40 || r.Frequency != 2 {
		t.Fatalf("RFMOf = %+v %v %v, want recency 40 from the dated deal", r, ok, err)
	}
	if got := f.systemTag(t, c.ID); got != "[]" {
		t.Fatalf("a deal 40 days back: %s", got)
	}
}

// won reports phone as u at at and wins it for cents (the first purchase).
func (f *Fixture) won(t testing.TB, at time.Time, u *baobei.User, phone string, cents int64) *baobei.Customer {
	t.Helper()
	c := f.Report(t, at, u, phone, "客户"+phone[len(phone)-4:])
	if _, err := f.S.FollowUp(f.Ctx, at, u, baobei.CustomerRef{Number: c.ID},
		baobei.FollowUpDraft{Content: "签了", Stage: baobei.StageWon, AmountCents: &cents}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *Fixture) systemTag(t testing.TB, id int64) string {
	t.Helper()
	var tags []string
	if err := f.S.DB().Select(&tags, "SELECT tag FROM customer_tags WHERE customer_id = ? AND kind = 'system' ORDER BY tag", id); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(tags)
}

func (f *Fixture) resegment(t testing.TB, now time.Time) int {
	t.Helper()
	n, err := f.S.Resegment(f.Ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A purchase moves its customer at once: a first deal of ¥60,000 is
// 高价值客户; 改金额 down to ¥6,000 makes it 新客户; people can neither add
// nor remove a segment's tag.
func testRFMOnPurchase(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.won(t, T0, f.Zhangsan, "13800000001", 6000000)
	if got := f.systemTag(t, c.ID); got != "[高价值客户]" {
		t.Fatalf("after a deal of ¥60000: %s", got)
	}
	if _, err := f.S.SetAmount(f.Ctx, T0.Add(time.Hour), f.Admin, baobei.CustomerRef{Number: c.ID}, 600000, "录错"); err != nil {
		t.Fatal(err)
	}
	if got := f.systemTag(t, c.ID); got != "[新客户]" {
		t.Fatalf("after 改金额 to ¥6000: %s", got)
	}
	_, _, err := f.S.SetTags(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID}, nil, []string{"新客户"})
	wantCode(t, err, baobei.EINVALID)
	_, _, err = f.S.SetTags(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID}, []string{"潜在流失"}, nil)
	wantCode(t, err, baobei.EINVALID)
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE customer_id = ? AND action = 'segment'", c.ID); n != 2 {
		t.Fatalf("segment audit rows = %d, want 2", n)
	}
	if n := f.resegment(t, T0.Add(2*time.Hour)); n != 0 {
		t.Fatalf("the nightly run moved %d customers a purchase had placed", n)
	}
	r, ok, err := f.S.RFMOf(f.Ctx, T0.Add(10*day), c.ID)
	if err != nil || !ok || r.RecencyDays != 10 || r.Frequency != 1 || r.Monetary != 6000 {
		t.Fatalf("RFMOf = %+v %v %v", r, ok, err)
	}
}

// Days pass: a customer who bought twice drifts into 潜在流失 on the 91st
// calendar day after; its owner gets one task (a follow-up due that day, one message),
// however often the nightly run goes; buying again takes it out, and
// drifting in again gives a new task.
func testRFMDrift(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.won(t, T0, f.Zhangsan, "13800000002", 300000)
	if _, _, err := f.S.Repurchase(f.Ctx, T0.Add(time.Hour), f.Zhangsan, baobei.CustomerRef{Number: c.ID}, baobei.PurchaseDraft{Cents: 200000, Items: "靠垫"}); err != nil {
		t.Fatal(err)
	}
	plain := f.won(t, T0, f.Lisi, "13800000003", 300000) // one purchase: never 潜在流失
	for d := 1; d <= 95; d++ {
		f.resegment(t, T0.Add(time.Duration(d)*day))
	}
	if got := f.systemTag(t, c.ID); got != "[潜在流失]" {
		t.Fatalf("after 95 days: %s", got)
	}
	if got := f.systemTag(t, plain.ID); got != "[]" {
		t.Fatalf("one purchase, 95 days: %s", got)
	}
	tasks := f.Texts(t, "zhangsan", "进入「潜在流失」")
	if len(tasks) != 1 {
		t.Fatalf("tasks = %q, want one", tasks)
	}
	cs, err := f.S.FindCustomers(f.Ctx, baobei.CustomerRef{Number: c.ID})
	if err != nil || cs[0].NextFollowupAt == nil || !cs[0].NextFollowupAt.Equal(T0.Add(91*day)) {
		t.Fatalf("next follow-up = %+v %v, want the day it entered", cs[0].NextFollowupAt, err)
	}
	if a := baobei.AttentionOf(&cs[0], T0.Add(95*day), baobei.DefaultPolicy()); !a.Due || a.Overdue != 4 {
		t.Fatalf("attention = %+v", a)
	}
	if _, _, err := f.S.Repurchase(f.Ctx, T0.Add(96*day), f.Zhangsan, baobei.CustomerRef{Number: c.ID}, baobei.PurchaseDraft{Cents: 100000, Items: ""}); err != nil {
		t.Fatal(err)
	}
	if got := f.systemTag(t, c.ID); got != "[]" {
		t.Fatalf("after buying again: %s", got)
	}
	for d := 97; d <= 190; d++ {
		f.resegment(t, T0.Add(time.Duration(d)*day))
	}
	if got := f.Texts(t, "zhangsan", "进入「潜在流失」"); len(got) != 2 {
		t.Fatalf("tasks after drifting in again = %d, want 2", len(got))
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE customer_id = ? AND action = 'segment'", c.ID); n != 5 {
		t.Fatalf("segment audit rows = %d, want 新客户 in, out, 潜在流失 in, out, in", n)
	}
}

// Purchases of many customers at once, while the nightly run goes: every
// customer ends in the segment its purchases say (a second run moves
// nobody), tagged once.
func testRFMConcurrent(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	const n = 12
	var cs []*baobei.Customer
	for i := range n {
		cs = append(cs, f.won(t, T0.Add(-100*day), f.Zhangsan, fmt.Sprintf("1380000%04d", i), 300000))
		if _, _, err := f.S.Repurchase(f.Ctx, T0.Add(-99*day), f.Zhangsan, baobei.CustomerRef{Number: cs[i].ID}, baobei.PurchaseDraft{Cents: 300000, Items: ""}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, n+1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 {
				if _, _, err := f.S.Repurchase(f.Ctx, T0.Add(time.Duration(k)*time.Minute), f.Zhangsan, baobei.CustomerRef{Number: cs[i].ID}, baobei.PurchaseDraft{Cents: 2000000, Items: ""}); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); _, errs[n] = f.S.Resegment(f.Ctx, T0.Add(time.Minute)) }()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	if m := f.resegment(t, T0.Add(3*time.Minute)); m != 0 {
		t.Fatalf("a second run moved %d", m)
	}
	for _, c := range cs {
		if got := f.systemTag(t, c.ID); got != "[高价值客户]" { // ¥66,000 in 5 purchases, the last today
			t.Fatalf("#%d: %s", c.ID, got)
		}
	}
	if k := f.Count(t, "SELECT COUNT(*) FROM customer_tags WHERE kind = 'system'"); k != n {
		t.Fatalf("system tags = %d, want %d", k, n)
	}
}
