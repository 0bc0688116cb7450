package storetest

import (
	"fmt"
	"testing"
	"time"

	"baobei"
	"baobei/store"
)

// Issue 12, items 2–7: ownership history and cooldowns, max_held, 延期
// against the idle rule, planned follow-ups on transfer, grades, stages.
var ownershipTests = []struct {
	name string
	fn   func(*testing.T, Backend)
}{
	{"CooldownEveryFormerOwner", testCooldownEveryFormerOwner},
	{"MaxHeldEveryTake", testMaxHeld},
	{"MaxHeldConcurrent", testMaxHeldConcurrent},
	{"ExtensionSuspendsIdle", testExtensionSuspendsIdle},
	{"ExpiringSuggestsExtendOnlyWhenItHelps", testExpiringSuggestions},
	{"TransferKeepsNextFollowUp", testTransferKeepsNext},
	{"GradeChange", testGradeChange},
	{"StageBack", testStageBack},
}

func (f *Fixture) claim(t testing.TB, now time.Time, u *baobei.User, id int64) error {
	t.Helper()
	_, err := f.S.Claim(f.Ctx, now, u, baobei.CustomerRef{Number: id})
	return err
}

// Every rep who lost a customer waits out the cooldown from their own loss:
// 张三 whose protection ended, 李四 who took it and marked it lost, and a
// rep whose customer was transferred away.
func testCooldownEveryFormerOwner(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	if _, err := f.S.Report(f.Ctx, T0.Add(31*day), f.Lisi, baobei.CustomerDraft{Phone: "13800138000", Name: "张先生"}); err != nil {
		t.Fatal(err)
	}
	lost := T0.Add(32 * day)
	if _, err := f.S.FollowUp(f.Ctx, lost, f.Lisi, baobei.CustomerRef{Number: c.ID},
		baobei.FollowUpDraft{Content: "不要了", Stage: baobei.StageLost, Reason: "预算不足"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.claim(t, lost, f.Zhangsan, c.ID), baobei.ELIMIT) // lost it at T0+30d, not the last owner
	wantCode(t, f.claim(t, lost, f.Lisi, c.ID), baobei.ELIMIT)
	_, err := f.S.Report(f.Ctx, lost, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "张先生"})
	wantCode(t, err, baobei.ELIMIT)
	free := T0.Add(37*day + time.Minute) // 张三's 7 days are over, 李四's are not
	wantCode(t, f.claim(t, free, f.Lisi, c.ID), baobei.ELIMIT)
	if err := f.claim(t, free, f.Zhangsan, c.ID); err != nil {
		t.Fatalf("claim after his own cooldown: %v", err)
	}
	hist, err := f.S.OwnershipHistory(f.Ctx, c.ID)
	if err != nil || len(hist) != 2 || hist[0].UserID != f.Zhangsan.ID || !hist[0].LostAt.Equal(T0.Add(30*day)) ||
		hist[0].Reason != baobei.ReleaseExpired || hist[1].UserID != f.Lisi.ID || !hist[1].LostAt.Equal(lost) || hist[1].Reason != baobei.ReleaseLost {
		t.Fatalf("history = %+v %v", hist, err)
	}

	// Transferred away, then released by the receiver: the first owner waits too.
	d := f.Report(t, T0, f.Zhangsan, "13900139000", "李女士")
	if _, err := f.S.Transfer(f.Ctx, T0.Add(day), f.Wangjl, baobei.CustomerRef{Number: d.ID}, f.Lisi, "休假"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.Release(f.Ctx, T0.Add(2*day), f.Lisi, baobei.CustomerRef{Number: d.ID}, ""); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.claim(t, T0.Add(3*day), f.Zhangsan, d.ID), baobei.ELIMIT)
	if err := f.claim(t, T0.Add(3*day), f.Zhaowu, d.ID); err != nil {
		t.Fatal(err)
	}
	// A release job writes the history in its batch, dated when the rule fired.
	e := f.Report(t, T0, f.Sunqi, "13700137000", "王女士")
	if n, err := f.S.ReleaseExpired(f.Ctx, T0.Add(20*day)); err != nil || n == 0 {
		t.Fatalf("released %d: %v", n, err)
	}
	if hist, err := f.S.OwnershipHistory(f.Ctx, e.ID); err != nil || len(hist) != 1 || hist[0].UserID != f.Sunqi.ID ||
		!hist[0].LostAt.Equal(T0.Add(15*day)) || hist[0].Reason != baobei.ReleaseNoFollow {
		t.Fatalf("job release history = %+v %v", hist, err)
	}
}

// held counts what u holds (not 已成交) the way the limits do.
func (f *Fixture) held(t testing.TB, now time.Time, u *baobei.User) int {
	t.Helper()
	return f.Count(t, `SELECT COUNT(*) FROM customers WHERE owner_id = ? AND ((status = 'owned' AND protected_until > ?) OR status = 'pending')`,
		u.ID, now.UTC())
}

// At max_held a rep keeps what they hold but takes nothing new: no 报备,
// no takeover, no 领取, no report waiting for approval. A manager's
// transfer and handover may go past the cap and say so.
func testMaxHeld(t *testing.T, b Backend) {
	p := baobei.DefaultPolicy()
	p.MaxHeld = 3
	f := Seed(t, b, p)
	for i := 0; i < 3; i++ {
		f.Report(t, T0, f.Zhangsan, fmt.Sprintf("1380000000%d", i), "客户")
	}
	_, err := f.S.Report(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13900000000", Name: "新客户"})
	wantCode(t, err, baobei.ELIMIT)
	_, err = f.S.RequestReport(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13900000001", Name: "大客户", Grade: "A"}, askAll)
	wantCode(t, err, baobei.ELIMIT)
	pooled := f.Report(t, T0.Add(-40*day), f.Lisi, "13700000000", "公海客户") // its protection ended
	wantCode(t, f.claim(t, T0, f.Zhangsan, pooled.ID), baobei.ELIMIT)
	_, err = f.S.Report(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13700000000", Name: "公海客户"})
	wantCode(t, err, baobei.ELIMIT)
	if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE phone IN ('13900000000', '13900000001')"); n != 0 {
		t.Fatalf("refused reports left %d customers", n)
	}
	// A duplicate is still answered as a duplicate, its owner told.
	_, err = f.S.Report(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13800000000", Name: "客户"})
	wantCode(t, err, baobei.ECONFLICT)

	tr, err := f.S.Transfer(f.Ctx, T0, f.Wangjl, baobei.CustomerRef{Number: pooled.ID}, f.Zhangsan, "")
	if err != nil || tr.Held != 4 {
		t.Fatalf("a manager's transfer past the cap: %+v %v", tr, err)
	}
	f.Report(t, T0, f.Lisi, "13600000000", "李的客户")
	h, err := f.S.Handover(f.Ctx, T0, f.Wangjl, f.Lisi, f.Zhangsan)
	if err != nil || len(h.Moved) != 1 || h.Held != 5 || f.held(t, T0, f.Zhangsan) != 5 {
		t.Fatalf("handover past the cap: %+v %v", h, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%超过上限 3%'"); n != 2 {
		t.Fatalf("the receiver is told he is over the cap: %d notices", n)
	}
	// Below the cap again (won customers do not count), he may take one.
	amount := int64(100)
	for i := 0; i < 3; i++ {
		if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Phone: fmt.Sprintf("1380000000%d", i)},
			baobei.FollowUpDraft{Content: "签了", Stage: baobei.StageWon, AmountCents: &amount}); err != nil {
			t.Fatal(err)
		}
	}
	f.Report(t, T0, f.Zhangsan, "13900000000", "新客户")
}

// Many reports and claims at once for one rep near the cap: exactly up to
// the cap succeed, whatever the interleaving.
func testMaxHeldConcurrent(t *testing.T, b Backend) {
	p := baobei.DefaultPolicy()
	p.MaxHeld, p.MaxClaimsPerDay = 6, 100
	f := Seed(t, b, p)
	f.Report(t, T0, f.Zhangsan, "13800000000", "已有")
	f.Report(t, T0, f.Zhangsan, "13800000001", "已有")
	const reports, claims = 24, 8
	var pooled []int64
	for i := 0; i < claims; i++ {
		by := []*baobei.User{f.Lisi, f.Zhaowu, f.Sunqi, f.Chenjl}[i%4]
		pooled = append(pooled, f.Report(t, T0.Add(-40*day), by, fmt.Sprintf("137%08d", i), "公海").ID)
	}
	errs := atOnce(reports+claims, func(i int) error {
		if i < reports {
			_, err := f.S.Report(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: fmt.Sprintf("139%08d", i), Name: "客户"})
			return err
		}
		return f.claim(t, T0, f.Zhangsan, pooled[i-reports])
	})
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if baobei.ErrorCode(err) != baobei.ELIMIT {
			t.Errorf("unexpected error: %v", err)
		}
	}
	if held := f.held(t, T0, f.Zhangsan); ok != 4 || held != 6 {
		t.Fatalf("%d takes succeeded, %d held; want 4 and the cap 6", ok, held)
	}
}

// An approved 延期 suspends the idle rule until the new protection end; the
// release job then releases for the protection end. A customer without one
// goes after idle_release_days as before.
func testExtensionSuspendsIdle(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	plain := f.Report(t, T0, f.Zhangsan, "13900139000", "李女士")
	a, err := f.S.RequestExtend(f.Ctx, T0.Add(day), f.Zhangsan, baobei.CustomerRef{Number: c.ID}, 15, "等装修", askAll)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.S.Decide(f.Ctx, T0.Add(day), f.Wangjl, a.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if n, err := f.S.WarnExpiring(f.Ctx, T0.Add(13*day)); err != nil || n != 1 {
		t.Fatalf("warned %d (only the one without 延期): %v", n, err)
	}
	if n, err := f.S.ReleaseExpired(f.Ctx, T0.Add(20*day)); err != nil || n != 1 {
		t.Fatalf("released %d at day 20, want only the idle one: %v", n, err)
	}
	mine, err := f.S.OwnedBy(f.Ctx, T0.Add(20*day), f.Zhangsan.ID)
	if err != nil || len(mine) != 1 || mine[0].ID != c.ID || !mine[0].ProtectedUntil.Equal(T0.Add(45*day)) {
		t.Fatalf("owned at day 20 = %+v %v", mine, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE id = ? AND release_reason = ?", plain.ID, baobei.ReleaseNoFollow); n != 1 {
		t.Fatal("the customer without 延期 is released for no follow-up")
	}
	if n, err := f.S.ReleaseExpired(f.Ctx, T0.Add(45*day+time.Hour)); err != nil || n != 1 {
		t.Fatalf("released at the new end: %d %v", n, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE id = ? AND status = 'pool' AND release_reason = ?", c.ID, baobei.ReleaseExpired); n != 1 {
		t.Fatal("the extended customer goes when its new protection ends")
	}
}

// The warning for an idle release suggests a follow-up; it suggests 延期
// only for a customer that can still be extended (none pending, some left).
func testExpiringSuggestions(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	waiting := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	free := f.Report(t, T0, f.Lisi, "13900139000", "李女士")
	if _, err := f.S.RequestExtend(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: waiting.ID}, 15, "等装修", askAll); err != nil {
		t.Fatal(err)
	}
	if n, err := f.S.WarnExpiring(f.Ctx, T0.Add(13*day)); err != nil || n != 2 {
		t.Fatalf("warned %d: %v", n, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%即将退回%' AND payload NOT LIKE '%延期%' AND payload LIKE '%跟进 #编号%'"); n != 1 {
		t.Fatal("a customer with a 延期 pending: the warning suggests a follow-up, not 延期")
	}
	want := fmt.Sprintf("%%延期 #%d%%", free.ID)
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'lisi' AND payload LIKE ?", want); n != 1 {
		t.Fatal("a customer that can be extended: the warning suggests 延期")
	}
}

// 转移 and 交接 keep the planned next follow-up; the receiver is told it.
func testTransferKeepsNext(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	next := T0.Add(3 * day)
	if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID}, baobei.FollowUpDraft{Content: "电话", NextAt: &next}); err != nil {
		t.Fatal(err)
	}
	tr, err := f.S.Transfer(f.Ctx, T0.Add(time.Hour), f.Wangjl, baobei.CustomerRef{Number: c.ID}, f.Lisi, "")
	if err != nil || tr.Customer.NextFollowupAt == nil || !tr.Customer.NextFollowupAt.Equal(next) {
		t.Fatalf("transfer: %+v %v", tr, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'lisi' AND payload LIKE '%原定下次跟进%'"); n != 1 {
		t.Fatal("the receiver of a transfer is told the planned follow-up")
	}
	h, err := f.S.Handover(f.Ctx, T0.Add(2*time.Hour), f.Wangjl, f.Lisi, f.Zhaowu)
	if err != nil || len(h.Moved) != 1 {
		t.Fatalf("handover: %+v %v", h, err)
	}
	mine, err := f.S.OwnedBy(f.Ctx, T0.Add(2*time.Hour), f.Zhaowu.ID)
	if err != nil || len(mine) != 1 || mine[0].NextFollowupAt == nil || !mine[0].NextFollowupAt.Equal(next) {
		t.Fatalf("after the handover: %+v %v", mine, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhaowu' AND payload LIKE '%下次跟进%'"); n != 1 {
		t.Fatal("the receiver of a handover is told the planned follow-ups")
	}
	// Taken from the pool, a customer starts without the old owner's plan.
	pooled := f.Report(t, T0.Add(-40*day), f.Sunqi, "13900139000", "李女士")
	if _, err := f.S.DB().Exec("UPDATE customers SET next_followup_at = ? WHERE id = ?", next.UTC(), pooled.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.S.Claim(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: pooled.ID})
	if err != nil || got.NextFollowupAt != nil {
		t.Fatalf("claimed: %+v %v", got, err)
	}
}

// 跟进 … 等级:A and 等级 #3 B change the grade with an audit row; the new
// grade's idle window applies from then on.
func testGradeChange(t *testing.T, b Backend) {
	p := baobei.DefaultPolicy()
	p.IdleRelease = map[string]int{"A": 30}
	f := Seed(t, b, p)
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	ref := baobei.CustomerRef{Number: c.ID}
	got, err := f.S.FollowUp(f.Ctx, T0.Add(time.Hour), f.Zhangsan, ref, baobei.FollowUpDraft{Content: "电话", Grade: "C"})
	if err != nil || got.Grade != "C" || got.GradeFrom != "" {
		t.Fatalf("follow-up with 等级: %+v %v", got, err)
	}
	_, err = f.S.SetGrade(f.Ctx, T0.Add(day), f.Lisi, ref, "A")
	wantCode(t, err, baobei.EFORBIDDEN)
	_, err = f.S.SetGrade(f.Ctx, T0.Add(day), f.Zhangsan, ref, "C")
	wantCode(t, err, baobei.EINVALID) // already C
	if got, err = f.S.SetGrade(f.Ctx, T0.Add(day), f.Wangjl, ref, "A"); err != nil || got.Grade != "A" || got.GradeFrom != "C" {
		t.Fatalf("a manager sets A: %+v %v", got, err)
	}
	trail, err := f.S.AuditTrail(f.Ctx, c.ID)
	if err != nil || len(trail) != 3 || trail[1].Action != store.ActGrade || trail[1].Detail != "未定级→C" ||
		trail[2].Detail != "C→A" || *trail[2].ActorID != f.Wangjl.ID {
		t.Fatalf("audit = %+v %v", trail, err)
	}
	if n, err := f.S.ReleaseExpired(f.Ctx, T0.Add(20*day)); err != nil || n != 0 {
		t.Fatalf("an A customer may go 30 days without a follow-up: released %d %v", n, err)
	}
}

// A stage goes back only with an explicit 阶段:, and the audit row says so.
func testStageBack(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	ref := baobei.CustomerRef{Number: c.ID}
	amount := int64(500000)
	if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "报价", Stage: baobei.StageQuoted, AmountCents: &amount}); err != nil {
		t.Fatal(err)
	}
	_, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "重新谈", Stage: baobei.StageNew})
	wantCode(t, err, baobei.EINVALID)
	got, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "重新谈", Stage: baobei.StageNew, StageExplicit: true})
	if err != nil || got.Stage != baobei.StageNew || !got.StageBack() || got.StageFrom != baobei.StageQuoted {
		t.Fatalf("back with 阶段: %+v %v", got, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE customer_id = ? AND action = ? AND detail = ?", c.ID, store.ActStageBack, "报价→新线索"); n != 1 {
		t.Fatalf("stage_back audit rows = %d", n)
	}
	if got, err = f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "推进", Stage: baobei.StageContacted}); err != nil || got.StageBack() {
		t.Fatalf("forward: %+v %v", got, err)
	}
}
