package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"baobei"
	"baobei/store"
)

var webhookTests = []struct {
	name string
	fn   func(*testing.T, Backend)
}{
	{"WebhookEvents", testWebhookEvents},
	{"WebhookEventRolledBack", testWebhookRolledBack},
	{"WebhookEventWithChange", testWebhookWithChange},
	{"WebhookRemoveAndRefuse", testWebhookRemove},
	{"WebhookFailuresShown", testWebhookFailures},
	{"WebhookJobBatch", testWebhookJobBatch},
	{"WebhookApprovals", testWebhookApprovals},
	{"WebhookVisitReported", testWebhookVisit},
}

// Deliveries lists the bodies queued for webhook id, oldest first.
func Deliveries(t testing.TB, s *store.Store, id int64) []baobei.WebhookEvent {
	t.Helper()
	var payloads []string
	if err := s.DB().Select(&payloads, s.DB().Rebind("SELECT payload FROM outbox WHERE webhook_id = ? ORDER BY id"), id); err != nil {
		t.Fatal(err)
	}
	out := make([]baobei.WebhookEvent, len(payloads))
	for i, p := range payloads {
		if err := json.Unmarshal([]byte(p), &out[i]); err != nil {
			t.Fatalf("delivery %d: %v: %s", i, err, p)
		}
	}
	return out
}

func addHook(t testing.TB, f *Fixture, events ...string) *baobei.Webhook {
	t.Helper()
	w, err := f.S.AddWebhook(f.Ctx, T0, "http://127.0.0.1:9/hooks", events)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func types(es []baobei.WebhookEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Type)
	}
	return out
}

// Each change queues one delivery per event and subscribed webhook, with the
// customer as it is after the change.
func testWebhookEvents(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	all := addHook(t, f, baobei.WebhookEvents...)
	won := addHook(t, f, baobei.EventCustomerWon)
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	ref := baobei.CustomerRef{Number: c.ID}
	amount := int64(1280000)
	if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "签了", Stage: baobei.StageWon, AmountCents: &amount}); err != nil {
		t.Fatal(err)
	}
	d := f.Report(t, T0, f.Zhangsan, "13900139000", "李女士")
	dref := baobei.CustomerRef{Number: d.ID}
	if _, err := f.S.Transfer(f.Ctx, T0, f.Wangjl, dref, f.Lisi, "张三休假"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.Release(f.Ctx, T0, f.Lisi, dref, "客户已找别家"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.Claim(f.Ctx, T0.Add(time.Hour), f.Zhaowu, dref); err != nil { // a claim is no event
		t.Fatal(err)
	}
	if _, err := f.S.FollowUp(f.Ctx, T0.Add(time.Hour), f.Zhaowu, dref, baobei.FollowUpDraft{Content: "不要了", Stage: baobei.StageLost, Reason: "预算不足"}); err != nil {
		t.Fatal(err)
	}
	e := f.Report(t, T0, f.Lisi, "13700137000", "王先生")
	if n, err := f.S.ReleaseExpired(f.Ctx, T0.Add(31*day)); err != nil || n != 1 {
		t.Fatalf("released %d %v", n, err)
	}

	got := Deliveries(t, f.S, all.ID)
	want := []string{baobei.EventCustomerReported, baobei.EventCustomerWon, baobei.EventFollowUpCreated, baobei.EventCustomerReported,
		baobei.EventCustomerTransferred, baobei.EventCustomerReleased, baobei.EventCustomerLost, baobei.EventFollowUpCreated,
		baobei.EventCustomerReported, baobei.EventCustomerReleased}
	if !slices.Equal(types(got), want) {
		t.Fatalf("events = %v, want %v", types(got), want)
	}
	ids := map[string]bool{}
	for _, ev := range got {
		if ev.ID == "" || ids[ev.ID] || ev.Customer == nil {
			t.Fatalf("event without its own id or customer: %+v", ev)
		}
		ids[ev.ID] = true
	}
	if w := got[1]; w.Customer.ID != c.ID || w.Customer.Stage != baobei.StageWon || w.Customer.AmountCents != amount ||
		w.Actor == nil || w.Actor.UID != "zhangsan" || w.Customer.Phone != "13800138000" || w.From != nil {
		t.Fatalf("won = %+v %+v", w, w.Customer)
	}
	if tr := got[4]; tr.From == nil || tr.From.UID != "zhangsan" || tr.To == nil || tr.To.UID != "lisi" || tr.Note != "张三休假" ||
		tr.Actor.UID != "wangjl" || tr.Customer.Owner.UID != "lisi" {
		t.Fatalf("transferred = %+v", tr)
	}
	if rel := got[5]; rel.Reason != baobei.ReleaseManual || rel.Note != "客户已找别家" || rel.From.UID != "lisi" || rel.Customer.Owner != nil {
		t.Fatalf("released = %+v", rel)
	}
	if lost := got[6]; lost.Reason != baobei.ReleaseLost || lost.Note != "预算不足" || lost.Customer.Stage != baobei.StageLost {
		t.Fatalf("lost = %+v", lost)
	}
	if fu := got[7]; fu.FollowUp == nil || fu.FollowUp.Content != "不要了" || fu.FollowUp.StageTo != baobei.StageLost {
		t.Fatalf("followup = %+v", fu)
	}
	if job := got[9]; job.Actor != nil || (job.Reason != baobei.ReleaseExpired && job.Reason != baobei.ReleaseNoFollow) || job.Customer.ID != e.ID {
		t.Fatalf("released by the job = %+v", job)
	}
	if w := Deliveries(t, f.S, won.ID); len(w) != 1 || w[0].Type != baobei.EventCustomerWon || w[0].ID != got[1].ID {
		t.Fatalf("won-only webhook got %v, want the same customer.won once", types(w))
	}
}

// A unit that fails after its change is undone with the change's events.
func testWebhookRolledBack(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	w := addHook(t, f, baobei.EventCustomerWon, baobei.EventFollowUpCreated)
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	boom := errors.New("handler failed after the change")
	amount := int64(100)
	win := func(fail bool) baobei.Unit {
		return baobei.Unit{Do: func(ctx context.Context, svc baobei.Service) ([]baobei.Notice, error) {
			_, err := svc.FollowUp(ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID},
				baobei.FollowUpDraft{Content: "签了", Stage: baobei.StageWon, AmountCents: &amount})
			if err == nil && fail {
				err = boom
			}
			return nil, err
		}}
	}
	rs := run(t, f, win(true))
	if !errors.Is(rs[0].Err, boom) {
		t.Fatalf("result = %+v", rs[0])
	}
	if got := Deliveries(t, f.S, w.ID); len(got) != 0 {
		t.Fatalf("rolled-back change queued %v", types(got))
	}
	if rs := run(t, f, win(false)); rs[0].Err != nil {
		t.Fatal(rs[0].Err)
	}
	if got := types(Deliveries(t, f.S, w.ID)); !slices.Equal(got, []string{baobei.EventCustomerWon, baobei.EventFollowUpCreated}) {
		t.Fatalf("events = %v", got)
	}
}

// The event is written by the change's transaction: when its outbox row
// cannot be written, the change does not happen either.
func testWebhookWithChange(t *testing.T, b Backend) {
	faults := &Faults{}
	s, _ := OpenFaulty(t, b.Name, baobei.DefaultPolicy(), faults)
	ctx := context.Background()
	if err := s.SyncOrg(ctx, baobei.DemoOrg(), T0); err != nil {
		t.Fatal(err)
	}
	zs, _ := s.UserByUID(ctx, "zhangsan")
	w, err := s.AddWebhook(ctx, T0, "https://example.com/hooks?token=x", []string{baobei.EventCustomerReported})
	if err != nil {
		t.Fatal(err)
	}
	faults.Fail("webhook_id)", 1, nil)
	if _, err := s.Report(ctx, T0, zs, baobei.CustomerDraft{Phone: "13800138000", Name: "张先生"}); !errors.Is(err, ErrInjected) {
		t.Fatalf("report with the event's row failing: %v", err)
	}
	if n, _ := s.Count(ctx, "SELECT COUNT(*) FROM customers"); n != 0 {
		t.Fatalf("customers = %d: the change committed without its event", n)
	}
	if _, err := s.Report(ctx, T0, zs, baobei.CustomerDraft{Phone: "13800138000", Name: "张先生"}); err != nil {
		t.Fatal(err)
	}
	if got := Deliveries(t, s, w.ID); len(got) != 1 || got[0].Type != baobei.EventCustomerReported || got[0].Reason != "new" {
		t.Fatalf("events = %+v", got)
	}
}

// Bad input is refused and changes nothing; a removed webhook gets nothing
// more and its waiting deliveries are kept as dead.
func testWebhookRemove(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	_, err := f.S.AddWebhook(f.Ctx, T0, "ftp://example.com/x", []string{baobei.EventCustomerWon})
	wantCode(t, err, baobei.EINVALID)
	_, err = f.S.AddWebhook(f.Ctx, T0, "https://example.com/x", []string{"customer.signed"})
	wantCode(t, err, baobei.EINVALID)
	_, err = f.S.AddWebhook(f.Ctx, T0, "https://example.com/x", nil)
	wantCode(t, err, baobei.EINVALID)
	if n := f.Count(t, "SELECT COUNT(*) FROM webhooks"); n != 0 {
		t.Fatalf("refused webhooks stored: %d", n)
	}
	w := addHook(t, f, baobei.EventCustomerReported)
	other := addHook(t, f, baobei.EventCustomerReported)
	if len(w.Secret) != 64 || w.Secret == other.Secret {
		t.Fatalf("secrets %q %q", w.Secret, other.Secret)
	}
	f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	if err := f.S.RemoveWebhook(f.Ctx, T0, w.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.S.RemoveWebhook(f.Ctx, T0, w.ID), baobei.ENOTFOUND)
	f.Report(t, T0, f.Zhangsan, "13900139000", "李女士")
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE webhook_id = ? AND status = ? AND last_error = ?", w.ID, store.OutboxDead, "webhook removed"); n != 1 {
		t.Fatalf("removed webhook's deliveries: %d dead, want the one queued before", n)
	}
	if n := len(Deliveries(t, f.S, other.ID)); n != 2 {
		t.Fatalf("remaining webhook got %d deliveries, want 2", n)
	}
	ws, err := f.S.Webhooks(f.Ctx)
	if err != nil || len(ws) != 1 || ws[0].ID != other.ID {
		t.Fatalf("webhooks = %+v %v", ws, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action IN (?, ?)", store.ActWebhookAdd, store.ActWebhookRemove); n != 3 {
		t.Fatalf("webhook audit rows = %d, want 2 adds and 1 remove", n)
	}
}

// A delivery that failed shows in 系统状态 with its webhook (no query
// string), and is leased with its body.
func testWebhookFailures(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	w, err := f.S.AddWebhook(f.Ctx, T0, "https://example.com/hooks?token=secret", []string{baobei.EventCustomerReported})
	if err != nil {
		t.Fatal(err)
	}
	f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	items, err := f.S.LeaseOutbox(f.Ctx, T0, T0.Add(time.Minute), "me", 10, baobei.PriorityBulk)
	if err != nil || len(items) != 1 || items[0].Notice.Webhook != w.ID || !json.Valid(items[0].Notice.Body) {
		t.Fatalf("leased %+v %v", items, err)
	}
	st, err := f.S.Status(f.Ctx)
	if err != nil || len(st.FailingWebhooks) != 0 {
		t.Fatalf("failing before any failure: %+v %v", st, err)
	}
	next := T0.Add(time.Hour)
	if err := f.S.OutboxFailed(f.Ctx, T0, "me", items[0].ID, &next, "webhook W1: HTTP 500: down"); err != nil {
		t.Fatal(err)
	}
	st, err = f.S.Status(f.Ctx)
	if err != nil || len(st.FailingWebhooks) != 1 {
		t.Fatalf("status = %+v %v", st, err)
	}
	if fw := st.FailingWebhooks[0]; fw.ID != w.ID || fw.URL != "https://example.com/hooks" || fw.Pending != 1 || fw.Attempts != 1 || fw.LastError != "webhook W1: HTTP 500: down" {
		t.Fatalf("failing = %+v", fw)
	}
}

// A job's batch queues one delivery per customer and webhook, past one
// statement's worth of rows.
func testWebhookJobBatch(t *testing.T, b Backend) {
	p := baobei.DefaultPolicy()
	p.MaxHeld = 1000
	f := Seed(t, b, p)
	one, two := addHook(t, f, baobei.EventCustomerReleased), addHook(t, f, baobei.EventCustomerReleased, baobei.EventCustomerWon)
	const n = 120
	for i := 0; i < n; i++ {
		f.Report(t, T0, f.Zhangsan, fmt.Sprintf("138%08d", i), "客户")
	}
	if got, err := f.S.ReleaseExpired(f.Ctx, T0.Add(31*day)); err != nil || got != n {
		t.Fatalf("released %d %v", got, err)
	}
	for _, w := range []*baobei.Webhook{one, two} {
		seen := map[int64]bool{}
		for _, ev := range Deliveries(t, f.S, w.ID) {
			if ev.Type != baobei.EventCustomerReleased || seen[ev.Customer.ID] || ev.From == nil || ev.From.UID != "zhangsan" {
				t.Fatalf("W%d: %+v", w.ID, ev)
			}
			seen[ev.Customer.ID] = true
		}
		if len(seen) != n {
			t.Fatalf("W%d got %d releases, want %d", w.ID, len(seen), n)
		}
	}
}

// A report waiting for approval is reported when approved, not before; an
// approved extension is no event.
func testWebhookApprovals(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	w := addHook(t, f, baobei.WebhookEvents...)
	res, err := f.S.RequestReport(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "王总", Grade: "A"}, askAll)
	if err != nil {
		t.Fatal(err)
	}
	if got := Deliveries(t, f.S, w.ID); len(got) != 0 {
		t.Fatalf("a pending report sent %v", types(got))
	}
	if _, _, err := f.S.Decide(f.Ctx, T0, f.Wangjl, res.Approval.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	ext, err := f.S.RequestExtend(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: res.Customer.ID}, 10, "等装修", askAll)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.S.Decide(f.Ctx, T0, f.Wangjl, ext.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	got := Deliveries(t, f.S, w.ID)
	if len(got) != 1 || got[0].Type != baobei.EventCustomerReported || got[0].Reason != "approved" || got[0].Actor.UID != "wangjl" ||
		got[0].To == nil || got[0].To.UID != "zhangsan" || got[0].Customer.Status != baobei.StatusOwned {
		t.Fatalf("events = %+v", got)
	}
}

// A visit report sends followup.created (its 拜访 follow-up) and
// visit.reported; planning and checking in send nothing.
func testWebhookVisit(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	w := addHook(t, f, baobei.WebhookEvents...)
	c := f.Report(t, T0, f.Zhangsan, "13800000001", "张先生")
	v := f.plan(t, f.Zhangsan, c.ID, T0.Add(3*time.Hour), nil)
	if _, err := f.S.CheckIn(f.Ctx, T0.Add(2*time.Hour), f.Zhangsan, v.ID, nil, "门店"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.S.ReportVisit(f.Ctx, T0.Add(4*time.Hour), f.Zhangsan, v.ID, baobei.VisitReport{Attendees: "王总", Pains: "交期",
		NextSteps: []baobei.NextStep{{Text: "发方案"}}, Stage: baobei.StageNeeds}); err != nil {
		t.Fatal(err)
	}
	got := Deliveries(t, f.S, w.ID)
	if want := []string{baobei.EventCustomerReported, baobei.EventFollowUpCreated, baobei.EventVisitReported}; !slices.Equal(types(got), want) {
		t.Fatalf("events = %v, want %v", types(got), want)
	}
	vr := got[2]
	if vr.Visit == nil || vr.Visit.ID != v.ID || vr.Visit.CheckinLabel != "门店" || vr.Visit.Report == "" || vr.Customer.Stage != baobei.StageNeeds ||
		vr.Actor.UID != "zhangsan" || got[1].FollowUp.StageTo != baobei.StageNeeds {
		t.Fatalf("visit.reported = %+v %+v", vr, vr.Visit)
	}
}
