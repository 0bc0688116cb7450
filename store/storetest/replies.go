package storetest

import (
	"testing"

	"baobei"
	"baobei/store"
)

// Issue 12, items 10–12: what 查询 and 公海 say a reader may do, the
// admin's 改金额, and the follow-up count of 查询.
var repliesTests = []struct {
	name string
	fn   func(*testing.T, Backend)
}{
	{"TakersAgreeWithClaim", testTakersAgreeWithClaim},
	{"SetAmount", testSetAmount},
	{"FollowUpsCounted", testFollowUpsCounted},
}

// Takers reads what Claim decides on: the former owner's last loss (not an
// earlier one), and nothing for a rep who never held the customer.
func testTakersAgreeWithClaim(t *testing.T, b Backend) {
	p := baobei.DefaultPolicy()
	f := Seed(t, b, p)
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	other := f.Report(t, T0, f.Lisi, "13900139000", "李女士")
	ref := baobei.CustomerRef{Number: c.ID}
	if _, err := f.S.Release(f.Ctx, T0.Add(day), f.Zhangsan, ref, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.claim(t, T0.Add(9*day), f.Zhangsan, c.ID); err != nil {
		t.Fatal(err)
	}
	released := T0.Add(10 * day)
	if _, err := f.S.Release(f.Ctx, released, f.Zhangsan, ref, ""); err != nil {
		t.Fatal(err)
	}
	now := released.Add(day)
	ids := []int64{c.ID, other.ID}
	for i, u := range []*baobei.User{f.Zhangsan, f.Zhaowu} { // in cooldown, then free to claim
		takers, err := f.S.Takers(f.Ctx, now, u, ids)
		if err != nil || len(takers) != 2 {
			t.Fatalf("takers = %+v %v", takers, err)
		}
		if u == f.Zhangsan && (!takers[c.ID].LostAt.Equal(released) || takers[c.ID].Held != 0 || takers[c.ID].ClaimedToday != 0) {
			t.Fatalf("former owner's taker = %+v, want the last loss %v", takers[c.ID], released)
		}
		if !takers[other.ID].LostAt.IsZero() || takers[other.ID].User != u {
			t.Fatalf("taker of a customer %s never lost = %+v", u.Name, takers[other.ID])
		}
		cs, err := f.S.FindCustomers(f.Ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		var predicted error
		if err := baobei.CheckClaim(&cs[0], takers[c.ID], now, p); err != nil {
			predicted = err
		}
		if got := f.claim(t, now, u, c.ID); baobei.ErrorCode(got) != baobei.ErrorCode(predicted) {
			t.Fatalf("%s: Takers predicted %v, Claim said %v", u.Name, predicted, got)
		}
		if (predicted == nil) != (i == 1) {
			t.Fatalf("%s: predicted %v", u.Name, predicted)
		}
	}
	takers, err := f.S.Takers(f.Ctx, now, f.Zhaowu, []int64{other.ID})
	if err != nil || takers[other.ID].Held != 1 || takers[other.ID].ClaimedToday != 1 {
		t.Fatalf("after a claim: %+v %v", takers, err)
	}
}

// 改金额: admins only, on won customers, with a reason; one audit row with
// the old and new amount; the owner is told; refusals change nothing.
func testSetAmount(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	ref := baobei.CustomerRef{Number: c.ID}
	_, err := f.S.SetAmount(f.Ctx, T0, f.Admin, ref, 1380000, "合同补签")
	wantCode(t, err, baobei.EINVALID) // not won yet
	amount := int64(1280000)
	if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "成交", Stage: baobei.StageWon, AmountCents: &amount}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*baobei.User{f.Zhangsan, f.Wangjl} {
		_, err = f.S.SetAmount(f.Ctx, T0, u, ref, 1380000, "合同补签")
		wantCode(t, err, baobei.EFORBIDDEN)
	}
	_, err = f.S.SetAmount(f.Ctx, T0, f.Admin, ref, 1380000, " ")
	wantCode(t, err, baobei.EINVALID)
	_, err = f.S.SetAmount(f.Ctx, T0, f.Admin, ref, amount, "合同补签")
	wantCode(t, err, baobei.EINVALID) // the same amount
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActAmount); n != 0 {
		t.Fatalf("refusals wrote %d audit rows", n)
	}
	before := T0.Add(-day) // a 复购 dated before the deal: 改金额 still corrects the deal's purchase
	if _, _, err := f.S.Repurchase(f.Ctx, T0, f.Zhangsan, ref, baobei.PurchaseDraft{Cents: 300000, At: &before}); err != nil {
		t.Fatal(err)
	}
	cu, err := f.S.SetAmount(f.Ctx, T0, f.Admin, ref, 1380000, "合同补签")
	if err != nil || cu.AmountCents != 1380000 || cu.AmountFrom != amount || cu.Stage != baobei.StageWon {
		t.Fatalf("set amount = %+v %v", cu, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ? AND actor_id = ? AND detail = ?",
		store.ActAmount, f.Admin.ID, "12800→13800 合同补签"); n != 1 {
		t.Fatalf("audit rows = %d", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%13800（原因：合同补签）%'"); n != 1 {
		t.Fatalf("owner notices = %d", n)
	}
	if ps, err := f.S.PurchasesOf(f.Ctx, c.ID); err != nil || ps.Count != 2 || ps.TotalCents != 1380000+300000 {
		t.Fatalf("purchases after 改金额 = %+v %v, want the deal corrected, the 复购 as it was", ps, err)
	}
	st, err := f.S.Stats(f.Ctx, baobei.Scope{}, T0, T0.Add(day))
	if err != nil || st.WonCents != 1380000 {
		t.Fatalf("stats won = %+v %v", st, err)
	}
}

// FollowUps returns the newest ones up to the limit and counts them all.
func testFollowUpsCounted(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	for _, text := range []string{"一", "二", "三", "四"} {
		if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID}, baobei.FollowUpDraft{Content: text}); err != nil {
			t.Fatal(err)
		}
	}
	fs, n, err := f.S.FollowUps(f.Ctx, c.ID, 3)
	if err != nil || n != 4 || len(fs) != 3 || fs[0].Content != "四" || fs[2].Content != "二" {
		t.Fatalf("follow-ups = %+v, %d, %v", fs, n, err)
	}
}
