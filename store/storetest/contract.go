package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"baobei"
	"baobei/store"
)

// T0 is the fixed start of every contract test: Monday 2026-11-23 10:00 +08:00.
var T0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// Fixture is a store seeded with the demo org.
type Fixture struct {
	S                             *store.Store
	Ctx                           context.Context
	Zhangsan, Lisi, Zhaowu, Sunqi *baobei.User
	Wangjl, Chenjl, Admin         *baobei.User
}

// Seed opens a store on b and loads the demo org.
func Seed(t testing.TB, b Backend, p baobei.Policy) *Fixture {
	t.Helper()
	s := b.Open(t, p)
	ctx := context.Background()
	if err := s.SyncOrg(ctx, baobei.DemoOrg(), T0); err != nil {
		t.Fatal(err)
	}
	u := func(uid string) *baobei.User {
		x, err := s.UserByUID(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	return &Fixture{S: s, Ctx: ctx, Zhangsan: u("zhangsan"), Lisi: u("lisi"), Zhaowu: u("zhaowu"), Sunqi: u("sunqi"),
		Wangjl: u("wangjl"), Chenjl: u("chenjl"), Admin: u("admin")}
}

// Report reports phone/name as u at now and fails the test on error.
func (f *Fixture) Report(t testing.TB, now time.Time, u *baobei.User, phone, name string) *baobei.Customer {
	t.Helper()
	r, err := f.S.Report(f.Ctx, now, u, baobei.CustomerDraft{Phone: phone, Name: name})
	if err != nil {
		t.Fatalf("report %s by %s: %v", phone, u.UID, err)
	}
	return r.Customer
}

// Count runs a COUNT(*) query.
func (f *Fixture) Count(t testing.TB, query string, args ...any) int {
	t.Helper()
	n, err := f.S.Count(f.Ctx, query, args...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := baobei.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func ownerOf(t testing.TB, c *baobei.Customer, now time.Time) int64 {
	t.Helper()
	id, _ := c.Owner(now)
	return id
}

// Run is the store contract: every backend must pass it.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, Backend)
	}{
		{"ReportNew", testReportNew},
		{"DuplicateRefused", testDuplicateRefused},
		{"DedupByWechatAndCompany", testDedupKeys},
		{"ExpiredTakenByReport", testExpiredTaken},
		{"CooldownForFormerOwner", testCooldown},
		{"ClaimLimits", testClaimLimits},
		{"FollowUpRules", testFollowUpRules},
		{"WonStaysLostReturns", testWonAndLost},
		{"TransferAndHandover", testTransfer},
		{"VerbatimText", testVerbatim},
		{"UnitsCommitTogether", testUnits},
		{"UnitReplayedNotRedone", testUnitReplay},
		{"UnitsConcurrentSameMessage", testUnitsConcurrent},
		{"OutboxLeaseByPriority", testOutboxLease},
		{"OutboxLeaseOnce", testOutboxLeaseOnce},
		{"InboundLease", testInboundLease},
		{"ConcurrentReports", testConcurrentReports},
		{"ConcurrentClaims", testConcurrentClaims},
		{"ConcurrentDistinctReports", testConcurrentDistinct},
		{"ConcurrentContendedReports", testConcurrentContended},
		{"JobSlots", testJobSlots},
		{"JobSlotRetry", testJobSlotRetry},
		{"JobSlotLease", testJobSlotLease},
		{"JobSlotConcurrent", testJobSlotConcurrent},
		{"Locks", testLocks},
		{"ManualRelease", testManualRelease},
		{"Cleanup", testCleanup},
		{"CallbackSignatures", testCallbackSignatures},
	}
	for _, tc := range slices.Concat(tests, approvalTests, ownershipTests, attemptTests, repliesTests, visitTests, webhookTests, assignTests, contactTests, rfmTests) {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

func testReportNew(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	if ownerOf(t, c, T0) != f.Zhangsan.ID || c.Stage != baobei.StageNew || c.OwnerName != "张三" {
		t.Fatalf("customer = %+v", c)
	}
	if want := T0.Add(30 * day); !c.ProtectedUntil.Equal(want) {
		t.Fatalf("protected until %v, want %v", c.ProtectedUntil, want)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE customer_id = ? AND action = ?", c.ID, store.ActReport); n != 1 {
		t.Fatalf("audit rows = %d", n)
	}
}

func testDuplicateRefused(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	_, err := f.S.Report(f.Ctx, T0.Add(time.Hour), f.Lisi, baobei.CustomerDraft{Phone: "13800138000", Name: "张总"})
	wantCode(t, err, baobei.ECONFLICT)
	var conflict *baobei.Conflict
	if !errors.As(err, &conflict) || conflict.Existing.ID != c.ID || conflict.Existing.OwnerUID != "zhangsan" {
		t.Fatalf("conflict = %+v", conflict)
	}
	_, err = f.S.Report(f.Ctx, T0.Add(time.Hour), f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "张先生"})
	wantCode(t, err, baobei.ECONFLICT)
	if n := f.Count(t, "SELECT COUNT(*) FROM customers"); n != 1 {
		t.Fatalf("customers = %d", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events"); n != 1 {
		t.Fatalf("audit rows = %d", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan'"); n != 1 {
		t.Fatalf("owner warnings = %d, want one for lisi's attempt and none for his own", n)
	}
}

func testDedupKeys(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	_, err := f.S.Report(f.Ctx, T0, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "张先生", Wechat: "ZhangWX", Company: "杭州某某家居有限公司"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []baobei.CustomerDraft{
		{Phone: "13900139000", Name: "张", Wechat: "zhangwx"},
		{Phone: "13700137000", Name: "王", Company: "杭州某某家居"},
		{Phone: "13600136000", Name: "李", Company: " 杭州某某家居股份有限公司"},
	}
	for _, d := range cases {
		_, err := f.S.Report(f.Ctx, T0, f.Lisi, d)
		wantCode(t, err, baobei.ECONFLICT)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM customers"); n != 1 {
		t.Fatalf("customers = %d", n)
	}
}

func testExpiredTaken(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	now := T0.Add(31 * day)
	r, err := f.S.Report(f.Ctx, now, f.Lisi, baobei.CustomerDraft{Phone: "13800138000", Name: "张总", Source: "抖音"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Took || r.Customer.ID != c.ID || ownerOf(t, r.Customer, now) != f.Lisi.ID || *r.TookFrom != f.Zhangsan.ID {
		t.Fatalf("result = %+v", r)
	}
	if !r.Customer.ProtectedUntil.Equal(now.Add(30*day)) || r.Customer.Source != "抖音" {
		t.Fatalf("customer = %+v", r.Customer)
	}
	trail, err := f.S.AuditTrail(f.Ctx, c.ID)
	if err != nil || len(trail) != 2 || *trail[1].FromOwner != f.Zhangsan.ID || *trail[1].ToOwner != f.Lisi.ID {
		t.Fatalf("audit = %+v, %v", trail, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan'"); n != 1 {
		t.Fatalf("former owner notices = %d", n)
	}
}

func testCooldown(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	expired := T0.Add(31 * day) // protection ended a day ago
	ref := baobei.CustomerRef{Number: c.ID}
	_, err := f.S.Claim(f.Ctx, expired, f.Zhangsan, ref)
	wantCode(t, err, baobei.ELIMIT)
	_, err = f.S.Report(f.Ctx, expired, f.Zhangsan, baobei.CustomerDraft{Phone: "13800138000", Name: "张先生"})
	wantCode(t, err, baobei.ELIMIT)
	later := T0.Add(37 * day)
	got, err := f.S.Claim(f.Ctx, later, f.Zhangsan, ref)
	if err != nil || ownerOf(t, got, later) != f.Zhangsan.ID {
		t.Fatalf("claim after cooldown: %+v %v", got, err)
	}
	// A release job that runs late still counts the cooldown from when the rule fired.
	d := f.Report(t, T0, f.Lisi, "13900139000", "李女士")
	if n, err := f.S.ReleaseExpired(f.Ctx, T0.Add(35*day)); err != nil || n != 1 {
		t.Fatalf("released %d: %v", n, err)
	}
	if got, err := f.S.Claim(f.Ctx, T0.Add(37*day+time.Hour), f.Lisi, baobei.CustomerRef{Number: d.ID}); err != nil || ownerOf(t, got, T0.Add(38*day)) != f.Lisi.ID {
		t.Fatalf("claim 7 days after the protection ended: %+v %v", got, err)
	}
}

func testClaimLimits(t *testing.T, b Backend) {
	p := baobei.DefaultPolicy()
	p.MaxHeld, p.MaxClaimsPerDay = 3, 2
	f := Seed(t, b, p)
	var ids []int64
	for i, ph := range []string{"13800000001", "13800000002", "13800000003", "13800000004"} {
		by := f.Zhangsan
		if i == 3 {
			by = f.Sunqi // zhangsan is at the cap
		}
		ids = append(ids, f.Report(t, T0.Add(time.Duration(i)*time.Minute), by, ph, "客户").ID)
	}
	now := T0.Add(31 * day) // all four in the pool now
	for _, id := range ids[:2] {
		if _, err := f.S.Claim(f.Ctx, now, f.Lisi, baobei.CustomerRef{Number: id}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.S.Claim(f.Ctx, now, f.Lisi, baobei.CustomerRef{Number: ids[2]})
	wantCode(t, err, baobei.ELIMIT) // 2 claims today
	_, err = f.S.Report(f.Ctx, now, f.Lisi, baobei.CustomerDraft{Phone: "13800000003", Name: "客户"})
	wantCode(t, err, baobei.ELIMIT) // taking a pooled customer by 报备 is a claim too
	tomorrow := now.Add(day)
	if _, err := f.S.Claim(f.Ctx, tomorrow, f.Lisi, baobei.CustomerRef{Number: ids[2]}); err != nil {
		t.Fatal(err)
	}
	_, err = f.S.Claim(f.Ctx, tomorrow, f.Lisi, baobei.CustomerRef{Number: ids[3]})
	wantCode(t, err, baobei.ELIMIT) // holds 3
	_, err = f.S.Claim(f.Ctx, tomorrow, f.Sunqi, baobei.CustomerRef{Number: ids[0]})
	wantCode(t, err, baobei.ECONFLICT) // owned by lisi
	_, err = f.S.Claim(f.Ctx, tomorrow, f.Sunqi, baobei.CustomerRef{Number: 9999})
	wantCode(t, err, baobei.ENOTFOUND)
}

func testFollowUpRules(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	ref := baobei.CustomerRef{Phone: "13800138000"}
	next := T0.Add(3 * day)
	got, err := f.S.FollowUp(f.Ctx, T0.Add(time.Hour), f.Zhangsan, ref, baobei.FollowUpDraft{Content: "电话沟通", Stage: baobei.StageNeeds, NextAt: &next})
	if err != nil || got.Stage != baobei.StageNeeds || !got.NextFollowupAt.Equal(next) || got.LastFollowupAt == nil {
		t.Fatalf("follow-up: %+v %v", got, err)
	}
	_, err = f.S.FollowUp(f.Ctx, T0, f.Zhangsan, ref, baobei.FollowUpDraft{Content: "报价", Stage: baobei.StageQuoted})
	wantCode(t, err, baobei.EINVALID) // 报价 needs an amount
	_, err = f.S.FollowUp(f.Ctx, T0, f.Lisi, ref, baobei.FollowUpDraft{Content: "我来"})
	wantCode(t, err, baobei.EFORBIDDEN)
	_, err = f.S.FollowUp(f.Ctx, T0, f.Chenjl, ref, baobei.FollowUpDraft{Content: "别组经理"})
	wantCode(t, err, baobei.EFORBIDDEN)
	if _, err = f.S.FollowUp(f.Ctx, T0, f.Wangjl, ref, baobei.FollowUpDraft{Content: "经理协助"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Name: "不存在"}, baobei.FollowUpDraft{Content: "x"})
	wantCode(t, err, baobei.ENOTFOUND)
	fs, n, err := f.S.FollowUps(f.Ctx, c.ID, 10)
	if err != nil || len(fs) != 2 || n != 2 || fs[0].Content != "经理协助" || fs[1].UserName != "张三" {
		t.Fatalf("follow-ups = %+v %v", fs, err)
	}
}

func testWonAndLost(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	won := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	lost := f.Report(t, T0, f.Zhangsan, "13900139000", "李女士")
	amount := int64(1280000)
	if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: won.ID},
		baobei.FollowUpDraft{Content: "签了", Stage: baobei.StageWon, AmountCents: &amount}); err != nil {
		t.Fatal(err)
	}
	other := int64(1)
	_, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: won.ID},
		baobei.FollowUpDraft{Content: "再签", Stage: baobei.StageWon, AmountCents: &other})
	wantCode(t, err, baobei.EINVALID) // won is final
	quote := int64(500000)
	if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: lost.ID},
		baobei.FollowUpDraft{Content: "报价", Stage: baobei.StageQuoted, AmountCents: &quote}); err != nil {
		t.Fatal(err)
	}
	_, err = f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: lost.ID}, baobei.FollowUpDraft{Content: "不要了", Stage: baobei.StageLost})
	wantCode(t, err, baobei.EINVALID) // reason required
	if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: lost.ID},
		baobei.FollowUpDraft{Content: "不要了", Stage: baobei.StageLost, Reason: "预算不足"}); err != nil {
		t.Fatal(err)
	}
	later := T0.Add(90 * day)
	mine, err := f.S.OwnedBy(f.Ctx, later, f.Zhangsan.ID)
	if err != nil || len(mine) != 1 || mine[0].ID != won.ID || mine[0].AmountCents != amount {
		t.Fatalf("owned after 90 days = %+v %v", mine, err)
	}
	pool, n, err := f.S.Pool(f.Ctx, T0, 10)
	if err != nil || n != 1 || pool[0].ID != lost.ID || pool[0].Stage != baobei.StageLost || pool[0].LostReason != "预算不足" {
		t.Fatalf("pool = %+v %d %v", pool, n, err)
	}
	got, err := f.S.Claim(f.Ctx, T0, f.Lisi, baobei.CustomerRef{Number: lost.ID})
	if err != nil || got.Stage != baobei.StageNew || ownerOf(t, got, T0) != f.Lisi.ID || got.AmountCents != 0 {
		t.Fatalf("claim lost: %+v %v", got, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE customer_id = ?", lost.ID); n != 3 {
		t.Fatalf("lost customer audit rows = %d, want report+release+claim", n)
	}
}

func testTransfer(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	f.Report(t, T0, f.Zhangsan, "13900139000", "李女士")
	ref := baobei.CustomerRef{Number: c.ID}
	_, err := f.S.Transfer(f.Ctx, T0, f.Zhangsan, ref, f.Lisi, "")
	wantCode(t, err, baobei.EFORBIDDEN) // reps cannot
	_, err = f.S.Transfer(f.Ctx, T0, f.Chenjl, ref, f.Lisi, "")
	wantCode(t, err, baobei.EFORBIDDEN) // another team's manager cannot
	_, err = f.S.Transfer(f.Ctx, T0, f.Wangjl, ref, f.Sunqi, "")
	wantCode(t, err, baobei.EFORBIDDEN) // nor give it outside the team
	got, err := f.S.Transfer(f.Ctx, T0, f.Wangjl, ref, f.Lisi, "张三休假")
	if err != nil || ownerOf(t, got.Customer, T0) != f.Lisi.ID || got.FormerName != "张三" {
		t.Fatalf("transfer: %+v %v", got, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ? AND detail = ?", store.ActTransfer, "张三休假"); n != 1 {
		t.Fatalf("transfer audit rows = %d", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user IN ('lisi', 'zhangsan')"); n != 2 {
		t.Fatalf("transfer notices = %d, want receiver and former owner", n)
	}
	_, err = f.S.Handover(f.Ctx, T0, f.Lisi, f.Zhangsan, f.Zhaowu)
	wantCode(t, err, baobei.EFORBIDDEN)
	h, err := f.S.Handover(f.Ctx, T0, f.Admin, f.Zhangsan, f.Zhaowu)
	if err != nil || len(h.Moved) != 1 || h.Held != 1 {
		t.Fatalf("handover moved %+v, %v", h, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActHandover); n != 1 {
		t.Fatalf("handover audit rows = %d", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox"); n != 4 {
		t.Fatalf("notices = %d, want 2 for the transfer and 2 for the handover", n)
	}
	mine, _ := f.S.OwnedBy(f.Ctx, T0, f.Zhaowu.ID)
	if len(mine) != 1 {
		t.Fatalf("zhaowu holds %d", len(mine))
	}
}

func testVerbatim(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	name := "Robert'); DROP TABLE customers;--"
	c := f.Report(t, T0, f.Zhangsan, "13800138000", name)
	content := "客户说😀👍 \"quoted\" 100% OK; SELECT * FROM users; -- \\n"
	if _, err := f.S.FollowUp(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Name: name}, baobei.FollowUpDraft{Content: content}); err != nil {
		t.Fatal(err)
	}
	fs, _, err := f.S.FollowUps(f.Ctx, c.ID, 1)
	if err != nil || fs[0].Content != content {
		t.Fatalf("content = %q, %v", fs[0].Content, err)
	}
	cs, err := f.S.FindCustomers(f.Ctx, baobei.CustomerRef{Name: name})
	if err != nil || len(cs) != 1 || cs[0].Name != name {
		t.Fatalf("find = %+v %v", cs, err)
	}
}

func testConcurrentReports(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	const n = 50
	users := make([]*baobei.User, n)
	for i := range users {
		users[i] = registerRep(t, f, i)
	}
	errs := atOnce(n, func(i int) error {
		_, err := f.S.Report(f.Ctx, T0, users[i], baobei.CustomerDraft{Phone: "13800138000", Name: "抢单"})
		return err
	})
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case baobei.ErrorCode(err) == baobei.ECONFLICT:
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("ok = %d, conflicts = %d", ok, conflicts)
	}
	if c := f.Count(t, "SELECT COUNT(*) FROM customers"); c != 1 {
		t.Fatalf("customers = %d", c)
	}
	if c := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActReport); c != 1 {
		t.Fatalf("report audit rows = %d", c)
	}
}

func registerRep(t testing.TB, f *Fixture, i int) *baobei.User {
	u, err := f.S.RegisterRep(f.Ctx, fmt.Sprintf("rep%02d", i), "", T0)
	if err != nil {
		t.Error(err)
	}
	return u
}

func testConcurrentClaims(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Chenjl, "13800138000", "公海客户")
	now := T0.Add(31 * day)
	const n = 20
	users := make([]*baobei.User, n)
	for i := range users {
		users[i] = registerRep(t, f, i)
	}
	errs := atOnce(n, func(i int) error {
		_, err := f.S.Claim(f.Ctx, now, users[i], baobei.CustomerRef{Number: c.ID})
		return err
	})
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if baobei.ErrorCode(err) != baobei.ECONFLICT {
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d claims succeeded", ok)
	}
	if k := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActClaim); k != 1 {
		t.Fatalf("claim audit rows = %d", k)
	}
}

// Many reports at once, each phone twice: batched inserts must hand every
// reporter their own customer and refuse every second report.
func testConcurrentDistinct(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	const phones = 40
	users := make([]*baobei.User, 2*phones)
	for i := range users {
		users[i] = registerRep(t, f, i)
	}
	type out struct {
		c   *baobei.Customer
		err error
	}
	outs := make([]out, len(users))
	atOnce(len(users), func(i int) error {
		phone := fmt.Sprintf("137%08d", i%phones)
		r, err := f.S.Report(f.Ctx, T0, users[i], baobei.CustomerDraft{Phone: phone, Name: fmt.Sprintf("客户%d", i)})
		if err == nil {
			outs[i].c = r.Customer
		}
		outs[i].err = err
		return err
	})
	owners := map[string]int64{}
	for i, o := range outs {
		if o.err != nil {
			wantCode(t, o.err, baobei.ECONFLICT)
			continue
		}
		phone := fmt.Sprintf("137%08d", i%phones)
		if o.c.Phone != phone || ownerOf(t, o.c, T0) != users[i].ID || owners[phone] != 0 {
			t.Fatalf("report %d: %+v (owners %v)", i, o.c, owners)
		}
		owners[phone] = users[i].ID
		stored, err := f.S.FindCustomers(f.Ctx, baobei.CustomerRef{Number: o.c.ID})
		if err != nil || len(stored) != 1 || stored[0].Phone != phone || *stored[0].OwnerID != users[i].ID {
			t.Fatalf("customer #%d as stored: %+v %v", o.c.ID, stored, err)
		}
	}
	if len(owners) != phones {
		t.Fatalf("%d phones have an owner, want %d", len(owners), phones)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActReport); n != phones {
		t.Fatalf("report audit rows = %d", n)
	}
}

// Rounds of many reps reporting a few phones at once, with WeChat IDs that
// cross between the phones, so that batches collide, deadlock and retry:
// every success must name a stored customer that the reporter owns.
func testConcurrentContended(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	const reps, phones, rounds = 48, 6, 10
	users := make([]*baobei.User, reps)
	for i := range users {
		users[i] = registerRep(t, f, i)
	}
	for r := 0; r < rounds; r++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := map[int64]int64{}
		for i := 0; i < reps; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				d := baobei.CustomerDraft{Phone: fmt.Sprintf("13%d%08d", 5+r%4, r*100+i%phones), Name: "客户",
					Wechat: fmt.Sprintf("wx%d-%d", r, (i+1)%phones)}
				res, err := f.S.Report(f.Ctx, T0, users[i], d)
				if err != nil {
					if c := baobei.ErrorCode(err); c != baobei.ECONFLICT {
						t.Errorf("report: %v", err)
					}
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if prev, dup := won[res.Customer.ID]; dup {
					t.Errorf("#%d reported successfully by %d and %d", res.Customer.ID, prev, users[i].ID)
				}
				won[res.Customer.ID] = users[i].ID
			}(i)
		}
		wg.Wait()
		for id, owner := range won {
			cs, err := f.S.FindCustomers(f.Ctx, baobei.CustomerRef{Number: id})
			if err != nil || len(cs) != 1 || *cs[0].OwnerID != owner {
				t.Fatalf("round %d: success for #%d by %d, stored: %+v %v", r, id, owner, cs, err)
			}
		}
	}
	customers := f.Count(t, "SELECT COUNT(*) FROM customers")
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActReport); n != customers {
		t.Fatalf("%d report audit rows for %d customers", n, customers)
	}
}

func testJobSlots(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	if last, err := f.S.LastSlot(f.Ctx, "warn"); err != nil || !last.IsZero() {
		t.Fatalf("no runs yet: %v %v", last, err)
	}
	for _, slot := range []time.Time{T0, T0.Add(time.Hour)} {
		tok := claim(t, f, "warn", slot, T0)
		if tok == "" {
			t.Fatalf("claim %v: refused", slot)
		}
		finish(t, f, "warn", slot, tok, true)
	}
	if tok := claim(t, f, "warn", T0, T0.Add(time.Hour)); tok != "" {
		t.Fatal("a done slot runs once")
	}
	if last, err := f.S.LastSlot(f.Ctx, "warn"); err != nil || !last.Equal(T0.Add(time.Hour)) {
		t.Fatalf("last slot = %v %v", last, err)
	}
	if st, err := f.S.Status(f.Ctx); err != nil || len(st.Jobs) != 1 || !st.Jobs[0].Slot.Equal(T0.Add(time.Hour)) || len(st.FailingJobs) != 0 {
		t.Fatalf("status jobs = %+v %+v %v", st.Jobs, st.FailingJobs, err)
	}
	// Records older than a week go, done or not (a slot given up on).
	if tok := claim(t, f, "warn", T0.Add(-8*day), T0); tok == "" {
		t.Fatal("claim refused")
	}
	if n, err := f.S.PruneSlots(f.Ctx, T0.Add(-7*day)); err != nil || n != 1 {
		t.Fatalf("pruned %d: %v", n, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM job_runs"); n != 2 {
		t.Fatalf("job_runs after pruning = %d", n)
	}
}

// claim claims (job, slot) at now with a 2-minute lease.
func claim(t testing.TB, f *Fixture, job string, slot, now time.Time) string {
	t.Helper()
	tok, err := f.S.ClaimSlot(f.Ctx, job, slot, now, now.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func finish(t testing.TB, f *Fixture, job string, slot time.Time, tok string, want bool, ns ...baobei.Notice) {
	t.Helper()
	if ok, err := f.S.FinishSlot(f.Ctx, job, slot, tok, slot, ns...); err != nil || ok != want {
		t.Fatalf("finish %s %v = %v %v, want %v", job, slot, ok, err, want)
	}
}

// A failed run frees its slot: claimable again, its failures counted and
// shown in 系统状态 from the third, until a run succeeds.
func testJobSlotRetry(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	failures := func() int {
		t.Helper()
		n, err := f.S.SlotFailures(f.Ctx, "digest")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 1; i <= store.FailingAfter; i++ {
		now := T0.Add(time.Duration(i) * time.Minute)
		tok := claim(t, f, "digest", T0, now)
		if tok == "" {
			t.Fatalf("attempt %d: a failed slot must be claimable again", i)
		}
		if err := f.S.FailSlot(f.Ctx, "digest", T0, tok, now, fmt.Sprintf("boom %d", i)); err != nil {
			t.Fatal(err)
		}
		if n := failures(); n != i {
			t.Fatalf("failures after %d attempts = %d", i, n)
		}
		st, err := f.S.Status(f.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := i >= store.FailingAfter; (len(st.FailingJobs) == 1) != want {
			t.Fatalf("after %d failures: failing jobs = %+v", i, st.FailingJobs)
		}
		if i == store.FailingAfter {
			j := st.FailingJobs[0]
			if j.Job != "digest" || j.Failures != 3 || j.FailedAt == nil || !j.FailedAt.Equal(now) || j.LastError != "boom 3" || !j.Slot.Equal(T0) {
				t.Fatalf("failing job = %+v", j)
			}
		}
	}
	if slots, err := f.S.UnfinishedSlots(f.Ctx, "digest", T0.Add(-time.Hour), T0); err != nil || len(slots) != 1 || !slots[0].Equal(T0) {
		t.Fatalf("unfinished = %v %v", slots, err)
	}
	if last, err := f.S.LastSlot(f.Ctx, "digest"); err != nil || !last.Equal(T0) {
		t.Fatalf("last slot = %v %v", last, err)
	}
	now := T0.Add(time.Hour)
	tok := claim(t, f, "digest", T0, now)
	if tok == "" {
		t.Fatal("the fourth attempt was refused")
	}
	finish(t, f, "digest", T0, tok, true, baobei.Notice{ToUser: "zhangsan", Text: "早上好"})
	if tok := claim(t, f, "digest", T0, now.Add(time.Hour)); tok != "" {
		t.Fatal("a slot done after retries must not run again")
	}
	if n := failures(); n != 0 {
		t.Fatalf("failures once done = %d", n)
	}
	if slots, err := f.S.UnfinishedSlots(f.Ctx, "digest", T0.Add(-time.Hour), now); err != nil || len(slots) != 0 {
		t.Fatalf("unfinished once done = %v %v", slots, err)
	}
	if st, err := f.S.Status(f.Ctx); err != nil || len(st.FailingJobs) != 0 || len(st.Jobs) != 1 {
		t.Fatalf("status once done = %+v %v", st, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%早上好%'"); n != 1 {
		t.Fatalf("notices queued with the done-mark = %d", n)
	}
}

// A live lease keeps other claimers out, a renewed one too; an expired one
// lets another in, counted as a failed attempt, and the former holder can
// then change nothing: its notices are not queued.
func testJobSlotLease(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	first := claim(t, f, "weekly", T0, T0) // leased until T0+2m
	if first == "" {
		t.Fatal("first claim refused")
	}
	if tok := claim(t, f, "weekly", T0, T0.Add(time.Minute)); tok != "" {
		t.Fatal("a held lease let a second claimer in")
	}
	if ok, err := f.S.RenewSlot(f.Ctx, "weekly", T0, first, T0.Add(4*time.Minute)); err != nil || !ok {
		t.Fatalf("renew = %v %v", ok, err)
	}
	if ok, err := f.S.RenewSlot(f.Ctx, "weekly", T0, first, T0.Add(4*time.Minute)); err != nil || !ok {
		t.Fatalf("renew to the same time = %v %v", ok, err)
	}
	if tok := claim(t, f, "weekly", T0, T0.Add(3*time.Minute)); tok != "" {
		t.Fatal("a renewed lease let a second claimer in")
	}
	second := claim(t, f, "weekly", T0, T0.Add(5*time.Minute))
	if second == "" || second == first {
		t.Fatalf("an expired lease must let another replica in: %q", second)
	}
	if n, err := f.S.SlotFailures(f.Ctx, "weekly"); err != nil || n != 1 {
		t.Fatalf("an expired lease counts as a failed attempt: %d %v", n, err)
	}
	if ok, err := f.S.RenewSlot(f.Ctx, "weekly", T0, first, T0.Add(9*time.Minute)); err != nil || ok {
		t.Fatalf("the former holder renewed: %v %v", ok, err)
	}
	finish(t, f, "weekly", T0, first, false, baobei.Notice{ToChat: "sales1", Text: "上周统计 first"})
	if err := f.S.FailSlot(f.Ctx, "weekly", T0, first, T0.Add(6*time.Minute), "late"); err != nil {
		t.Fatal(err)
	}
	if tok := claim(t, f, "weekly", T0, T0.Add(6*time.Minute)); tok != "" {
		t.Fatal("the former holder's failure freed the new holder's slot")
	}
	finish(t, f, "weekly", T0, second, true, baobei.Notice{ToChat: "sales1", Text: "上周统计 second"})
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%上周统计%'"); n != 1 {
		t.Fatalf("summaries queued = %d, want only the holder's", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%上周统计 second%'"); n != 1 {
		t.Fatal("the holder's summary is missing")
	}
}

// Many replicas claiming one slot at once, new or failed: exactly one wins.
func testJobSlotConcurrent(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	const n = 24
	race := func(slot time.Time) string {
		t.Helper()
		toks := make([]string, n)
		errs := atOnce(n, func(i int) error {
			var err error
			toks[i], err = f.S.ClaimSlot(f.Ctx, "release", slot, T0, T0.Add(2*time.Minute))
			return err
		})
		var won []string
		for i, err := range errs {
			if err != nil {
				t.Fatalf("claimer %d: %v", i, err)
			}
			if toks[i] != "" {
				won = append(won, toks[i])
			}
		}
		if len(won) != 1 {
			t.Fatalf("slot %v: %d claimers won, want 1", slot, len(won))
		}
		return won[0]
	}
	tok := race(T0)
	if err := f.S.FailSlot(f.Ctx, "release", T0, tok, T0, "boom"); err != nil {
		t.Fatal(err)
	}
	race(T0) // the failed slot: all contend for the same update
}

// atOnce runs fn for 0..n-1 in n goroutines released together and returns
// their errors.
func atOnce(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}(i)
	}
	close(start)
	wg.Wait()
	return errs
}

func testLocks(t *testing.T, b Backend) {
	p := baobei.DefaultPolicy()
	p.MaxLocks = 1
	f := Seed(t, b, p)
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	f.Report(t, T0, f.Zhangsan, "13900139000", "李女士")
	ref := baobei.CustomerRef{Number: c.ID}
	_, err := f.S.SetLock(f.Ctx, T0, f.Zhangsan, ref, true)
	wantCode(t, err, baobei.EFORBIDDEN)
	_, err = f.S.SetLock(f.Ctx, T0, f.Chenjl, ref, true)
	wantCode(t, err, baobei.EFORBIDDEN)
	if got, err := f.S.SetLock(f.Ctx, T0, f.Wangjl, ref, true); err != nil || !got.Locked {
		t.Fatalf("lock: %+v %v", got, err)
	}
	_, err = f.S.SetLock(f.Ctx, T0, f.Wangjl, baobei.CustomerRef{Number: c.ID + 1}, true)
	wantCode(t, err, baobei.ELIMIT) // one lock per rep in this policy
	later := T0.Add(40 * day)       // protection and the idle limit long past
	if _, err := f.S.ReleaseExpired(f.Ctx, later); err != nil {
		t.Fatal(err)
	}
	mine, _ := f.S.OwnedBy(f.Ctx, later, f.Zhangsan.ID)
	if len(mine) != 1 || mine[0].ID != c.ID {
		t.Fatalf("the locked customer stays with its owner: %+v", mine)
	}
	_, err = f.S.Claim(f.Ctx, later, f.Lisi, ref)
	wantCode(t, err, baobei.ECONFLICT)
	if _, err := f.S.SetLock(f.Ctx, later, f.Admin, ref, false); err != nil {
		t.Fatal(err)
	}
	if n, err := f.S.ReleaseExpired(f.Ctx, later); err != nil || n != 1 {
		t.Fatalf("released after unlocking: %d %v", n, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action IN ('lock', 'unlock')"); n != 2 {
		t.Fatalf("lock audit rows = %d", n)
	}
}

// 释放: the owner, their manager or an admin returns a customer to the pool
// (reason manual, one audit row, the owner told when it was not them); the
// former owner's cooldown applies, so releasing cannot renew a protection.
func testManualRelease(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800138000", "张先生")
	d := f.Report(t, T0, f.Zhangsan, "13900139000", "李女士")
	ref := baobei.CustomerRef{Number: c.ID}
	_, err := f.S.Release(f.Ctx, T0, f.Lisi, ref, "")
	wantCode(t, err, baobei.EFORBIDDEN)
	_, err = f.S.Release(f.Ctx, T0, f.Chenjl, ref, "") // another team's manager
	wantCode(t, err, baobei.EFORBIDDEN)
	if _, err := f.S.Release(f.Ctx, T0, f.Zhangsan, ref, "客户已找别家"); err != nil {
		t.Fatal(err)
	}
	_, err = f.S.Release(f.Ctx, T0, f.Zhangsan, ref, "")
	wantCode(t, err, baobei.EINVALID) // already in the pool
	_, err = f.S.Claim(f.Ctx, T0.Add(day), f.Zhangsan, ref)
	wantCode(t, err, baobei.ELIMIT) // cooldown
	if got, err := f.S.Claim(f.Ctx, T0.Add(day), f.Lisi, ref); err != nil || ownerOf(t, got, T0.Add(day)) != f.Lisi.ID {
		t.Fatalf("claim after release: %+v %v", got, err)
	}
	if _, err := f.S.SetLock(f.Ctx, T0, f.Wangjl, baobei.CustomerRef{Number: d.ID}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.Release(f.Ctx, T0, f.Wangjl, baobei.CustomerRef{Number: d.ID}, ""); err != nil {
		t.Fatal(err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM customers WHERE id = ? AND status = 'pool' AND locked = 0 AND release_reason = 'manual'", d.ID); n != 1 {
		t.Fatal("a manager's release returns even a locked customer to the pool, unlocked")
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = 'release' AND detail LIKE 'manual%'"); n != 2 {
		t.Fatalf("release audit rows = %d", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%释放到了公海%'"); n != 1 {
		t.Fatalf("the owner is told only when someone else released: %d", n)
	}
}

// Cleanup deletes old dedupe records, handled inbound messages and sent
// pushes, and keeps recent ones, pending and dead ones.
func testCleanup(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	old, recent := T0.Add(-8*day), T0.Add(-6*day)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.S.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	for i, at := range []time.Time{old, old, recent} {
		exec("INSERT INTO processed_messages (platform, msg_id, created_at) VALUES ('wecom', ?, ?)", fmt.Sprint(i), at.UTC())
		exec("INSERT INTO callback_signatures (sig, body, seen_at) VALUES (?, 'b', ?)", fmt.Sprint(i), at.UTC())
	}
	for i, row := range []struct {
		status string
		at     time.Time
	}{{"done", old}, {"done", recent}, {"pending", old}, {"dead", old}} {
		exec("INSERT INTO inbound (platform, msg_id, payload, status, lease_until, created_at) VALUES ('wecom', ?, '{}', ?, ?, ?)",
			fmt.Sprint(i), row.status, row.at.UTC(), row.at.UTC())
	}
	for _, row := range []struct {
		status string
		at     time.Time
	}{{"sent", T0.Add(-31 * day)}, {"sent", T0.Add(-29 * day)}, {"dead", T0.Add(-31 * day)}, {"pending", T0.Add(-31 * day)}} {
		exec("INSERT INTO outbox (to_user, payload, status, next_attempt_at, created_at) VALUES ('zhangsan', '{}', ?, ?, ?)",
			row.status, row.at.UTC(), row.at.UTC())
	}
	for _, sent := range []any{T0.Add(-31 * day).UTC(), T0.Add(-29 * day).UTC(), nil} {
		exec("INSERT INTO report_attempts (customer_id, owner_id, actor_id, at, window_end, sent_at) VALUES (1, 1, 2, ?, ?, ?)",
			T0.Add(-40*day).UTC(), T0.Add(-40*day).UTC(), sent)
	}
	for i, at := range []time.Time{old, recent} {
		exec("INSERT INTO api_idempotency (token_id, idem_key, customer_id, created_at) VALUES (1, ?, 1, ?)", fmt.Sprint(i), at.UTC())
		exec("INSERT INTO downloads (hash, user_id, created_at, expires_at) VALUES (?, 1, ?, ?)", fmt.Sprint(i), at.UTC(), at.UTC())
	}
	if n, err := f.S.Cleanup(f.Ctx, T0); err != nil || n != 9 {
		t.Fatalf("cleanup deleted %d, want 9: %v", n, err)
	}
	for q, want := range map[string]int{
		"SELECT COUNT(*) FROM processed_messages":  1,
		"SELECT COUNT(*) FROM callback_signatures": 1,
		"SELECT COUNT(*) FROM inbound":             3,
		"SELECT COUNT(*) FROM outbox":              3,
		"SELECT COUNT(*) FROM report_attempts":     2, // sent 29 days ago, and one waiting
		"SELECT COUNT(*) FROM api_idempotency":     1,
		"SELECT COUNT(*) FROM downloads":           1,
	} {
		if n := f.Count(t, q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
}

// A callback signature is taken once per body: again with the same body (a
// redelivery), never with another, on whichever replica it arrives.
func testCallbackSignatures(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	use := func(sig, body string) bool {
		t.Helper()
		ok, err := f.S.UseSignature(f.Ctx, sig, body, T0)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !use("sig1", "body1") || !use("sig1", "body1") || !use("sig2", "body2") {
		t.Fatal("a new signature, or one redelivered with its body, must be taken")
	}
	if use("sig1", "body2") || use("sig2", "body1") {
		t.Fatal("a signature seen with another body must be refused")
	}
}

// Clock is a settable clock for tests.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }
