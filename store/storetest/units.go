package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"baobei"
	"baobei/store"
)

// report is a unit that reports phone as u and replies with the outcome.
func reportUnit(u *baobei.User, id, phone string, inbound int64) baobei.Unit {
	return baobei.Unit{Claim: baobei.MessageClaim{Platform: "wecom", ID: id}, Inbound: inbound,
		Do: func(ctx context.Context, svc baobei.Service) ([]baobei.Notice, error) {
			r, err := svc.Report(ctx, T0, u, baobei.CustomerDraft{Phone: phone, Name: "客户" + phone})
			if be := (*baobei.Error)(nil); errors.As(err, &be) {
				return []baobei.Notice{{ToUser: u.UID, Text: "拒绝：" + be.Message}}, nil
			}
			if err != nil {
				return nil, err
			}
			return []baobei.Notice{{ToUser: u.UID, Text: fmt.Sprintf("报备成功 #%d", r.Customer.ID)}}, nil
		}}
}

func run(t *testing.T, f *Fixture, units ...baobei.Unit) []baobei.UnitResult {
	t.Helper()
	rs, err := f.S.RunUnits(f.Ctx, T0, units)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// Several units share a transaction; one that fails is undone alone, with
// everything it wrote, and its message stays pending.
func testUnits(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	_, in1, _ := f.S.InboundAdd(f.Ctx, T0, "wecom", "m1", []byte("{}"))
	_, in2, _ := f.S.InboundAdd(f.Ctx, T0, "wecom", "m2", []byte("{}"))
	boom := errors.New("handler failed after writing")
	failing := reportUnit(f.Lisi, "m2", "13900000002", in2)
	inner := failing.Do
	failing.Do = func(ctx context.Context, svc baobei.Service) ([]baobei.Notice, error) {
		if _, err := inner(ctx, svc); err != nil {
			return nil, err
		}
		return nil, boom // the customer was written: it must be undone
	}
	rs := run(t, f, reportUnit(f.Zhangsan, "m1", "13900000001", in1), failing, reportUnit(f.Lisi, "m3", "13800138000", 0))
	if rs[0].Err != nil || len(rs[0].Replies) != 1 || rs[0].Replayed || !errors.Is(rs[1].Err, boom) || rs[2].Err != nil {
		t.Fatalf("results = %+v", rs)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE phone = ?", "13900000002"); n != 0 {
		t.Fatalf("the failed unit's customer stayed")
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM customers"); n != 2 {
		t.Fatalf("customers = %d, want 2", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM processed_messages"); n != 2 {
		t.Fatalf("dedupe records = %d, want 2 (not the failed one)", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE priority = ?", int(baobei.PriorityReply)); n != 2 {
		t.Fatalf("queued replies = %d, want 2", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM inbound WHERE status = ?", baobei.InboundDone); n != 1 {
		t.Fatalf("inbound done = %d, want 1 (m2 failed)", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events"); n != 2 {
		t.Fatalf("audit rows = %d, want 2", n)
	}
}

// A message handled before is replayed: the stored replies come back, its
// unit is undone (no second effect, no second reply queued).
func testUnitReplay(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	first := run(t, f, reportUnit(f.Zhangsan, "m1", "13900000001", 0))[0]
	// The same message again, now asking for something else: nothing of it may happen.
	again := run(t, f, reportUnit(f.Zhangsan, "m1", "13900000009", 0))[0]
	if again.Err != nil || !again.Replayed || len(again.Replies) != 1 || again.Replies[0].Text != first.Replies[0].Text {
		t.Fatalf("replay = %+v, first = %+v", again, first)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM customers"); n != 1 {
		t.Fatalf("customers = %d after a replay", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox"); n != 1 {
		t.Fatalf("outbox = %d after a replay, want 1", n)
	}
	// A refusal is a reply too, with the owner's warning in the same unit.
	refused := run(t, f, reportUnit(f.Lisi, "m2", "13900000001", 0))[0]
	if refused.Err != nil || len(refused.Replies) != 1 {
		t.Fatalf("refused = %+v", refused)
	}
	run(t, f, reportUnit(f.Lisi, "m2", "13900000001", 0))
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE priority = ?", int(baobei.PriorityNotice)); n != 1 {
		t.Fatalf("owner warnings = %d, want 1 despite the redelivery", n)
	}
	// The same id on another platform is another message.
	other := reportUnit(f.Zhaowu, "m1", "13900000003", 0)
	other.Claim.Platform = "dingtalk"
	if r := run(t, f, other)[0]; r.Err != nil || r.Replayed {
		t.Fatalf("same id on another platform: %+v", r)
	}
}

// Many processes handling the same message at once: one effect, and the
// others replay its replies.
func testUnitsConcurrent(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	const n = 12
	results := make([]baobei.UnitResult, n)
	errs := atOnce(n, func(i int) error {
		rs, err := f.S.RunUnits(f.Ctx, T0, []baobei.Unit{reportUnit(f.Zhangsan, "same", "13900000001", 0)})
		if err == nil {
			results[i] = rs[0]
		}
		return err
	})
	fresh := 0
	for i, err := range errs {
		if err != nil || results[i].Err != nil {
			t.Fatalf("run %d: %v %v", i, err, results[i].Err)
		}
		if !results[i].Replayed {
			fresh++
		}
		if results[i].Replies[0].Text != results[0].Replies[0].Text {
			t.Fatalf("replies differ: %+v", results)
		}
	}
	if fresh != 1 {
		t.Fatalf("%d runs were not replays, want 1", fresh)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox"); n != 1 {
		t.Fatalf("replies queued = %d, want 1", n)
	}
}

func testOutboxLease(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	var ns []baobei.Notice
	for i := 0; i < 5; i++ {
		ns = append(ns, baobei.Notice{ToUser: "zhangsan", Text: fmt.Sprint("日报", i), Priority: baobei.PriorityBulk})
	}
	ns = append(ns, baobei.Notice{ToChat: "sales1", Text: "群消息"}, baobei.Notice{ToUser: "lisi", Text: "回复", Priority: baobei.PriorityReply})
	if err := f.S.Notify(f.Ctx, T0, ns...); err != nil {
		t.Fatal(err)
	}
	until := T0.Add(10 * time.Second)
	if only, err := f.S.LeaseOutbox(f.Ctx, T0, T0, "p0", 10, baobei.PriorityReply); err != nil || len(only) != 1 || only[0].Notice.Text != "回复" {
		t.Fatalf("replies only = %+v %v", only, err)
	}
	got, err := f.S.LeaseOutbox(f.Ctx, T0, until, "p1", 3, baobei.PriorityBulk)
	if err != nil || len(got) != 3 {
		t.Fatalf("leased %+v %v", got, err)
	}
	if got[0].Notice.Text != "回复" || got[1].Notice.Text != "群消息" || got[2].Notice.Text != "日报0" || got[2].Notice.Priority != baobei.PriorityBulk {
		t.Fatalf("lease order = %q %q %q", got[0].Notice.Text, got[1].Notice.Text, got[2].Notice.Text)
	}
	rest, _ := f.S.LeaseOutbox(f.Ctx, T0, until, "p2", 10, baobei.PriorityBulk)
	if len(rest) != 4 || rest[0].Notice.Text != "日报1" {
		t.Fatalf("second lease = %+v", rest)
	}
	if again, _ := f.S.LeaseOutbox(f.Ctx, T0, until, "p3", 10, baobei.PriorityBulk); len(again) != 0 {
		t.Fatalf("leased pushes leased again: %d", len(again))
	}
	// p1 sends two, defers one; its heartbeat keeps nothing else.
	if n, err := f.S.OutboxSent(f.Ctx, T0, []int64{got[0].ID, got[1].ID}); n != 2 || err != nil {
		t.Fatalf("marked sent %d %v, want 2", n, err)
	}
	if n, _ := f.S.OutboxSent(f.Ctx, T0, []int64{got[0].ID}); n != 0 {
		t.Fatalf("a push marked sent twice (%d): a replica whose lease ran out counts it again", n)
	}
	if err := errors.Join(f.S.OutboxDefer(f.Ctx, T0.Add(time.Minute), "p1", []int64{got[2].ID}),
		f.S.RenewOutbox(f.Ctx, T0.Add(time.Hour), "p1", []int64{rest[0].ID})); err != nil {
		t.Fatal(err)
	}
	// p2 crashed: its lease runs out and another takes its pushes, p1's renewal notwithstanding.
	late, _ := f.S.LeaseOutbox(f.Ctx, until, T0.Add(time.Hour), "p3", 10, baobei.PriorityBulk)
	if len(late) != 4 {
		t.Fatalf("after p2's lease ran out: %d, want 4", len(late))
	}
	deferred, _ := f.S.LeaseOutbox(f.Ctx, T0.Add(time.Minute), T0.Add(2*time.Minute), "p4", 10, baobei.PriorityBulk)
	if len(deferred) != 1 || deferred[0].Attempts != 0 {
		t.Fatalf("deferred = %+v (a deferral is no attempt)", deferred)
	}
	retry := T0.Add(2 * time.Minute)
	if err := f.S.OutboxFailed(f.Ctx, T0, "p4", deferred[0].ID, &retry, "503"); err != nil {
		t.Fatal(err)
	}
	// p2 comes back and reports a failure of a push p3 holds now: ignored.
	if err := f.S.OutboxFailed(f.Ctx, retry, "p2", late[1].ID, nil, "gave up"); err != nil {
		t.Fatal(err)
	}
	if err := f.S.OutboxFailed(f.Ctx, retry, "p3", late[0].ID, nil, "gave up"); err != nil {
		t.Fatal(err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE status = ?", store.OutboxDead); n != 1 {
		t.Fatalf("dead = %d", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE status = ?", store.OutboxSent); n != 2 {
		t.Fatalf("sent = %d", n)
	}
}

// Replicas leasing at once take each push once.
func testOutboxLeaseOnce(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	var ns []baobei.Notice
	for i := 0; i < 200; i++ {
		ns = append(ns, baobei.Notice{ToUser: fmt.Sprint("u", i%7), Text: fmt.Sprint(i)})
	}
	if err := f.S.Notify(f.Ctx, T0, ns...); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	errs := atOnce(8, func(i int) error {
		for {
			got, err := f.S.LeaseOutbox(f.Ctx, T0, T0.Add(time.Minute), fmt.Sprint("replica", i), 16, baobei.PriorityBulk)
			if err != nil || len(got) == 0 {
				return err
			}
			mu.Lock()
			for _, it := range got {
				seen[it.ID]++
			}
			mu.Unlock()
		}
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 200 {
		t.Fatalf("leased %d distinct pushes, want 200", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("push %d leased %d times", id, n)
		}
	}
}

func testInboundLease(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	for i := 0; i < 5; i++ {
		if added, _, err := f.S.InboundAdd(f.Ctx, T0, "wecom", fmt.Sprint("m", i), []byte("{}")); !added || err != nil {
			t.Fatal(added, err)
		}
	}
	if added, _, err := f.S.InboundAdd(f.Ctx, T0, "wecom", "m0", []byte("{}")); added || err != nil {
		t.Fatalf("redelivery added: %v %v", added, err)
	}
	until := T0.Add(10 * time.Second)
	a, err := f.S.LeaseInbound(f.Ctx, T0, until, "w1", 3)
	if err != nil || len(a) != 3 || a[0].Attempts != 1 {
		t.Fatalf("lease = %+v %v", a, err)
	}
	bb, _ := f.S.LeaseInbound(f.Ctx, T0, until, "w2", 10)
	if len(bb) != 2 {
		t.Fatalf("second lease = %d", len(bb))
	}
	// w1 renews, w2 crashed: only w2's messages come due again.
	if err := f.S.RenewInbound(f.Ctx, until.Add(time.Minute), "w1", []int64{a[0].ID, a[1].ID, a[2].ID, bb[0].ID}); err != nil {
		t.Fatal(err)
	}
	c, _ := f.S.LeaseInbound(f.Ctx, until, until.Add(10*time.Second), "w3", 10)
	if len(c) != 2 || c[0].ID != bb[0].ID || c[0].Attempts != 2 {
		t.Fatalf("after w2 crashed = %+v", c)
	}
	if err := f.S.InboundRetry(f.Ctx, until.Add(5*time.Second), "w3", c[0].ID); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.S.LeaseInbound(f.Ctx, until.Add(5*time.Second), until.Add(time.Minute), "w4", 10); len(d) != 1 || d[0].ID != c[0].ID {
		t.Fatalf("retried message = %+v", d)
	}
}
