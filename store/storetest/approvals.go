package storetest

import (
	"slices"
	"testing"
	"time"

	"baobei"
	"baobei/store"
)

// askAll is the approvers' notice builder of the tests: one text each.
func askAll(a *baobei.Approval, c *baobei.Customer, approvers []baobei.User) []baobei.Notice {
	ns := make([]baobei.Notice, len(approvers))
	for i, u := range approvers {
		ns[i] = baobei.Notice{ToUser: u.UID, Text: "请审批"}
	}
	return ns
}

var approvalTests = []struct {
	name string
	fn   func(*testing.T, Backend)
}{
	{"ApprovalReportReservesKeys", testApprovalReport},
	{"ApprovalRejectReleasesKeys", testApprovalReject},
	{"ApprovalWhoMayDecide", testApprovalDeciders},
	{"ApprovalConcurrentDecisions", testApprovalConcurrent},
	{"ApprovalExtensions", testApprovalExtend},
	{"ApprovalTransferRequest", testApprovalTransfer},
	{"ApprovalExpiry", testApprovalExpiry},
	{"ApprovalNotOwnRequest", testApprovalNotOwn},
	{"ApprovalNobodyElse", testApprovalNobodyElse},
	{"ApprovalTransferScope", testApprovalTransferScope},
}

// withMember is the demo org with one more member in team 0 (销售一组) or
// 1 (销售二组), or moved there when the uid is already in the org.
func withMember(team int, m baobei.OrgMember) baobei.Org {
	org := baobei.DemoOrg()
	for i := range org.Teams {
		org.Teams[i].Members = slices.DeleteFunc(org.Teams[i].Members, func(x baobei.OrgMember) bool { return x.ID == m.ID })
	}
	org.Teams[team].Members = append(org.Teams[team].Members, m)
	return org
}

// A manager's request goes to the others who may decide it, never to him,
// and he cannot decide it: the admins when he is his team's only manager,
// else the team's other managers.
func testApprovalNotOwn(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Wangjl, "13800138000", "张先生")
	a, err := f.S.RequestExtend(f.Ctx, T0, f.Wangjl, baobei.CustomerRef{Number: c.ID}, 10, "等装修", askAll)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'wangjl'"); n != 0 {
		t.Fatalf("the requester was asked to approve his own request (%d cards)", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'admin'"); n != 1 {
		t.Fatalf("admin asked %d times, want 1", n)
	}
	_, _, err = f.S.Decide(f.Ctx, T0, f.Wangjl, a.ID, true, "")
	wantCode(t, err, baobei.EFORBIDDEN)
	if pending, err := f.S.PendingApprovals(f.Ctx, f.Wangjl); err != nil || len(pending) != 0 {
		t.Fatalf("his own request is listed for him to decide: %+v %v", pending, err)
	}
	if _, _, err := f.S.Decide(f.Ctx, T0, f.Admin, a.ID, true, ""); err != nil {
		t.Fatalf("the admin decides: %v", err)
	}

	// With a second manager in the team, he is asked instead of the admins.
	if err := f.S.SyncOrg(f.Ctx, withMember(0, baobei.OrgMember{ID: "liujl", Name: "刘经理", Role: baobei.RoleManager}), T0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.RequestExtend(f.Ctx, T0, f.Wangjl, baobei.CustomerRef{Number: c.ID}, 5, "", askAll); err != nil {
		t.Fatal(err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'liujl'"); n != 1 {
		t.Fatalf("the other manager asked %d times, want 1", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user IN ('wangjl', 'admin') AND payload LIKE '%请审批%'"); n != 1 {
		t.Fatalf("cards to wangjl and admin = %d, want only the first one to admin", n)
	}
}

// When the requester is the only one who could decide (the only admin of a
// small shop), the request is refused when made: nothing is stored, and
// nobody approves it by default.
func testApprovalNobodyElse(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Admin, "13800138000", "张先生")
	_, err := f.S.RequestExtend(f.Ctx, T0, f.Admin, baobei.CustomerRef{Number: c.ID}, 10, "", askAll)
	wantCode(t, err, baobei.EINVALID)
	if n := f.Count(t, "SELECT COUNT(*) FROM approvals"); n != 0 {
		t.Fatalf("%d approvals stored", n)
	}
}

// A transfer request obeys CheckTransfer as its approvers would: a request
// across teams is refused when made, and a request that became one (the
// receiver moved to another team) cannot be approved by the team's manager.
func testApprovalTransferScope(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	ref := baobei.CustomerRef{Number: c.ID}
	_, err := f.S.RequestTransfer(f.Ctx, T0, f.Zhangsan, ref, f.Sunqi, "", askAll)
	wantCode(t, err, baobei.EFORBIDDEN)
	if n := f.Count(t, "SELECT COUNT(*) FROM approvals"); n != 0 {
		t.Fatalf("%d approvals stored for a cross-team request", n)
	}

	a, err := f.S.RequestTransfer(f.Ctx, T0, f.Zhangsan, ref, f.Lisi, "休假", askAll)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.S.SyncOrg(f.Ctx, withMember(1, baobei.OrgMember{ID: "lisi", Name: "李四"}), T0); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.S.Decide(f.Ctx, T0, f.Wangjl, a.ID, true, "")
	wantCode(t, err, baobei.EFORBIDDEN)
	if mine, err := f.S.RequestsBy(f.Ctx, f.Zhangsan.ID); err != nil || mine[0].Status != baobei.ApprovalPending {
		t.Fatalf("refused approval changed the request: %+v %v", mine, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE id = ? AND owner_id = ?", c.ID, f.Zhangsan.ID); n != 1 {
		t.Fatal("the customer moved")
	}
	if a, _, err := f.S.Decide(f.Ctx, T0, f.Wangjl, a.ID, false, "李四已调到二组"); err != nil || a.Status != baobei.ApprovalRejected {
		t.Fatalf("the manager can still reject: %+v %v", a, err)
	}
}

// A request nobody decides within expire_days expires once: the requester
// is told, an expired report frees its keys, a late tap changes nothing.
func testApprovalExpiry(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	res, err := f.S.RequestReport(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "王总", Grade: "A"}, askAll)
	if err != nil {
		t.Fatal(err)
	}
	c := f.Report(t, T0, f.Lisi, "13900139000", "李女士")
	if _, err := f.S.RequestExtend(f.Ctx, T0.Add(time.Hour), f.Lisi, baobei.CustomerRef{Number: c.ID}, 10, "等装修", askAll); err != nil {
		t.Fatal(err)
	}
	if n, err := f.S.ExpireApprovals(f.Ctx, T0.Add(7*day-time.Minute)); err != nil || n != 0 {
		t.Fatalf("expired early: %d %v", n, err)
	}
	if n, err := f.S.ExpireApprovals(f.Ctx, T0.Add(7*day+time.Hour)); err != nil || n != 2 {
		t.Fatalf("expired %d, want 2: %v", n, err)
	}
	if n, err := f.S.ExpireApprovals(f.Ctx, T0.Add(8*day)); err != nil || n != 0 {
		t.Fatalf("expired again: %d %v", n, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user IN ('zhangsan', 'lisi') AND payload LIKE '%已过期%'"); n != 2 {
		t.Fatalf("requesters told %d times", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActExpire); n != 2 {
		t.Fatalf("expire audit rows = %d", n)
	}
	_, _, err = f.S.Decide(f.Ctx, T0.Add(8*day), f.Wangjl, res.Approval.ID, true, "")
	wantCode(t, err, baobei.ECONFLICT)
	if _, err := f.S.Report(f.Ctx, T0.Add(8*day), f.Sunqi, baobei.CustomerDraft{Phone: "13800138000", Name: "王总"}); err != nil {
		t.Fatalf("the expired report's phone is free again: %v", err)
	}
}

func testApprovalReport(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	d := baobei.CustomerDraft{Phone: "13800138000", Name: "王总", Grade: "A"}
	res, err := f.S.RequestReport(f.Ctx, T0, f.Zhangsan, d, askAll)
	if err != nil || res.Approval == nil || res.Customer.Status != baobei.StatusPending {
		t.Fatalf("request: %+v %v", res, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'wangjl'"); n != 1 {
		t.Fatalf("approver asked %d times", n)
	}
	_, err = f.S.Report(f.Ctx, T0, f.Lisi, baobei.CustomerDraft{Phone: "13800138000", Name: "王总"})
	wantCode(t, err, baobei.ECONFLICT) // the keys are reserved while pending
	_, err = f.S.Claim(f.Ctx, T0, f.Lisi, baobei.CustomerRef{Number: res.Customer.ID})
	wantCode(t, err, baobei.ECONFLICT)
	_, err = f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: res.Customer.ID}, baobei.FollowUpDraft{Content: "x"})
	wantCode(t, err, baobei.ECONFLICT)

	at := T0.Add(2 * time.Hour)
	a, c, err := f.S.Decide(f.Ctx, at, f.Wangjl, res.Approval.ID, true, "")
	if err != nil || a.Status != baobei.ApprovalApproved || ownerOf(t, c, at) != f.Zhangsan.ID || !c.ProtectedUntil.Equal(at.Add(30*day)) {
		t.Fatalf("approve: %+v %+v %v", a, c, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ? AND to_owner = ?", store.ActApprove, f.Zhangsan.ID); n != 1 {
		t.Fatalf("approve audit rows = %d", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan'"); n != 1 {
		t.Fatalf("requester told %d times", n)
	}
	_, _, err = f.S.Decide(f.Ctx, at, f.Admin, res.Approval.ID, false, "晚了")
	wantCode(t, err, baobei.ECONFLICT) // decided already: nothing changes
}

func testApprovalReject(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	res, err := f.S.RequestReport(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "王总", Company: "某某集团"}, askAll)
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := f.S.Decide(f.Ctx, T0, f.Wangjl, res.Approval.ID, false, "信息不全")
	if err != nil || a.Status != baobei.ApprovalRejected || a.Note != "信息不全" {
		t.Fatalf("reject: %+v %v", a, err)
	}
	r, err := f.S.Report(f.Ctx, T0, f.Lisi, baobei.CustomerDraft{Phone: "13800138000", Name: "王总", Company: "某某集团"})
	if err != nil || ownerOf(t, r.Customer, T0) != f.Lisi.ID || r.Customer.ID == res.Customer.ID {
		t.Fatalf("after rejection the keys are free: %+v %v", r, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActReject); n != 1 {
		t.Fatalf("reject audit rows = %d", n)
	}
}

func testApprovalDeciders(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	res, err := f.S.RequestReport(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "王总", Grade: "A"}, askAll)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []*baobei.User{f.Zhangsan, f.Lisi, f.Chenjl} {
		_, _, err := f.S.Decide(f.Ctx, T0, u, res.Approval.ID, true, "")
		wantCode(t, err, baobei.EFORBIDDEN)
	}
	_, _, err = f.S.Decide(f.Ctx, T0, f.Wangjl, 999, true, "")
	wantCode(t, err, baobei.ENOTFOUND)
	if _, _, err := f.S.Decide(f.Ctx, T0, f.Admin, res.Approval.ID, true, ""); err != nil {
		t.Fatalf("an admin may decide: %v", err)
	}
	pending, err := f.S.PendingApprovals(f.Ctx, f.Wangjl)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending = %+v %v", pending, err)
	}
}

func testApprovalConcurrent(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	res, err := f.S.RequestReport(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "王总", Grade: "A"}, askAll)
	if err != nil {
		t.Fatal(err)
	}
	deciders := []*baobei.User{f.Wangjl, f.Admin}
	const n = 16
	errs := atOnce(n, func(i int) error {
		_, _, err := f.S.Decide(f.Ctx, T0, deciders[i%2], res.Approval.ID, i%3 != 0, "并发")
		return err
	})
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else if baobei.ErrorCode(err) != baobei.ECONFLICT {
			t.Errorf("unexpected: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d decisions won, want exactly 1", won)
	}
	if k := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action IN (?, ?)", store.ActApprove, store.ActReject); k != 1 {
		t.Fatalf("decision audit rows = %d", k)
	}
}

func testApprovalExtend(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	ref := baobei.CustomerRef{Number: c.ID}
	_, err := f.S.RequestExtend(f.Ctx, T0, f.Lisi, ref, 10, "", askAll)
	wantCode(t, err, baobei.EFORBIDDEN) // only the owner
	_, err = f.S.RequestExtend(f.Ctx, T0, f.Zhangsan, ref, 31, "", askAll)
	wantCode(t, err, baobei.EINVALID) // at most 30 days a request
	until := *c.ProtectedUntil
	for i := 0; i < 2; i++ {
		a, err := f.S.RequestExtend(f.Ctx, T0, f.Zhangsan, ref, 15, "等装修", askAll)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.S.RequestExtend(f.Ctx, T0, f.Zhangsan, ref, 5, "", askAll)
		wantCode(t, err, baobei.ECONFLICT) // one pending at a time
		_, moved, err := f.S.Decide(f.Ctx, T0, f.Wangjl, a.ID, true, "")
		until = until.Add(15 * day)
		if err != nil || !moved.ProtectedUntil.Equal(until) {
			t.Fatalf("extension %d: %+v %v", i, moved, err)
		}
	}
	_, err = f.S.RequestExtend(f.Ctx, T0, f.Zhangsan, ref, 15, "", askAll)
	wantCode(t, err, baobei.ELIMIT) // a third extension
}

func testApprovalTransfer(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	ref := baobei.CustomerRef{Number: c.ID}
	_, err := f.S.RequestTransfer(f.Ctx, T0, f.Lisi, ref, f.Zhaowu, "", askAll)
	wantCode(t, err, baobei.EFORBIDDEN)
	a, err := f.S.RequestTransfer(f.Ctx, T0, f.Zhangsan, ref, f.Lisi, "休假", askAll)
	if err != nil {
		t.Fatal(err)
	}
	a, moved, err := f.S.Decide(f.Ctx, T0, f.Wangjl, a.ID, true, "")
	if err != nil || a.Status != baobei.ApprovalApproved || ownerOf(t, moved, T0) != f.Lisi.ID {
		t.Fatalf("transfer approved: %+v %+v %v", a, moved, err)
	}
	// A request whose customer changed hands meanwhile is cancelled, not applied.
	a, err = f.S.RequestTransfer(f.Ctx, T0, f.Lisi, ref, f.Zhaowu, "", askAll)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.Transfer(f.Ctx, T0, f.Wangjl, ref, f.Zhangsan, ""); err != nil {
		t.Fatal(err)
	}
	a, still, err := f.S.Decide(f.Ctx, T0, f.Wangjl, a.ID, true, "")
	if err != nil || a.Status != baobei.ApprovalCancelled || ownerOf(t, still, T0) != f.Zhangsan.ID {
		t.Fatalf("stale transfer: %+v %+v %v", a, still, err)
	}
	if mine, err := f.S.RequestsBy(f.Ctx, f.Lisi.ID); err != nil || len(mine) != 1 {
		t.Fatalf("lisi's requests = %+v %v", mine, err)
	}
}
