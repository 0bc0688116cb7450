package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"baobei"
	"baobei/store"
)

// assignTests are issue 13 item 4's contract: rules, both strategies, the
// caps, leave, the pool fallback, 分配 and 转派 by hand, and 50 leads at
// once to 5 reps.
var assignTests = []struct {
	name string
	fn   func(*testing.T, Backend)
}{
	{"AssignRulesRoundRobin", testAssignRoundRobin},
	{"AssignCapsAndLeave", testAssignCaps},
	{"AssignLeastLoaded", testAssignLeastLoaded},
	{"AssignByHandAndReassign", testAssignByHand},
	{"AssignConcurrent", testAssignConcurrent},
}

func assignPolicy(strategy string) baobei.Policy {
	p := baobei.DefaultPolicy()
	p.Assignment = baobei.AssignmentPolicy{Strategy: strategy, Rules: []baobei.AssignRule{
		{Sources: []string{"抖音"}, Team: "销售二组"},
		{Regions: []string{"杭州", "宁波"}, Team: "sales1"},
	}}
	return p
}

func (f *Fixture) lead(t testing.TB, now time.Time, phone, source, region string) *baobei.AssignResult {
	t.Helper()
	r, err := f.S.AddLead(f.Ctx, now, baobei.LeadDraft{Via: "官网表单", CustomerDraft: baobei.CustomerDraft{
		Name: "线索" + phone[len(phone)-3:], Phone: phone, Source: source, Region: region}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func repOf(r *baobei.AssignResult) string {
	if r.Rep == nil {
		return ""
	}
	return r.Rep.UID
}

func testAssignRoundRobin(t *testing.T, b Backend) {
	f := Seed(t, b, assignPolicy(baobei.RoundRobin))
	hook, err := f.S.AddWebhook(f.Ctx, T0, "https://erp.example.com/hook", []string{baobei.EventLeadAssigned})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range 4 {
		r := f.lead(t, T0, fmt.Sprintf("1390000000%d", i), "官网", "浙江省杭州市西湖区")
		got = append(got, repOf(r))
		if i == 0 {
			c := r.Customer
			if ownerOf(t, c, T0) != f.Zhangsan.ID || !c.ProtectedUntil.Equal(T0.Add(30*day)) || c.Region != "浙江省杭州市西湖区" {
				t.Fatalf("assigned lead = %+v", c)
			}
		}
	}
	if want := fmt.Sprint([]string{"zhangsan", "lisi", "zhaowu", "zhangsan"}); fmt.Sprint(got) != want {
		t.Fatalf("round robin gave %v, want %s", got, want)
	}
	if r := f.lead(t, T0, "13900000010", "抖音直播", "杭州"); repOf(r) != "sunqi" {
		t.Fatalf("the first rule (抖音 → 销售二组) gave %q", repOf(r))
	}
	r := f.lead(t, T0, "13900000011", "百度", "北京")
	if r.Rep != nil || r.Team != nil || !r.Customer.InPool(T0) {
		t.Fatalf("no rule and no default team: %+v", r)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActAssign); n != 5 {
		t.Fatalf("assign audit rows = %d, want 5", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ? AND detail = ?", store.ActLead, "官网表单"); n != 6 {
		t.Fatalf("lead audit rows = %d, want 6", n)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE webhook_id = ? AND payload LIKE ?", hook.ID, "%lead.assigned%"); n != 5 {
		t.Fatalf("lead.assigned deliveries = %d, want one per assignment (5)", n)
	}
	if n := len(f.Texts(t, "zhangsan", "分配给你一个新线索")); n != 2 {
		t.Fatalf("zhangsan's lead notices = %d, want 2", n)
	}
	var team int
	if err := f.S.DB().Get(&team, "SELECT COUNT(*) FROM outbox WHERE to_chat = ? AND payload LIKE ?", "sales1", "%已分配给%"); err != nil || team != 4 {
		t.Fatalf("team lines = %d, %v", team, err)
	}
	// A lead whose phone exists is a conflict naming the customer.
	_, err = f.S.AddLead(f.Ctx, T0, baobei.LeadDraft{CustomerDraft: baobei.CustomerDraft{Name: "又来", Phone: "13900000000"}}, nil)
	var conflict *baobei.Conflict
	if !errors.As(err, &conflict) || conflict.Existing.ID != got0(t, f) {
		t.Fatalf("duplicate lead: %v", err)
	}
	wantCode(t, err, baobei.ECONFLICT)
	if n := f.Count(t, "SELECT COUNT(*) FROM customers"); n != 6 {
		t.Fatalf("customers = %d after a duplicate lead", n)
	}
	// The default team takes what no rule matches.
	p := assignPolicy(baobei.RoundRobin)
	p.Assignment.DefaultTeam = "销售二组"
	f2 := Seed(t, b, p)
	if r := f2.lead(t, T0, "13900000020", "", ""); repOf(r) != "sunqi" {
		t.Fatalf("default team gave %q", repOf(r))
	}
}

func got0(t testing.TB, f *Fixture) int64 {
	cs, err := f.S.FindCustomers(f.Ctx, baobei.CustomerRef{Phone: "13900000000"})
	if err != nil || len(cs) != 1 {
		t.Fatalf("find: %v %v", cs, err)
	}
	return cs[0].ID
}

func testAssignCaps(t *testing.T, b Backend) {
	p := assignPolicy(baobei.RoundRobin)
	p.Assignment.MaxPerDay = 1
	p.MaxHeld = 2
	f := Seed(t, b, p)
	f.Report(t, T0, f.Zhangsan, "13800000001", "自己的一")
	f.Report(t, T0, f.Zhangsan, "13800000002", "自己的二") // zhangsan at max_held
	if _, err := f.S.SetAway(f.Ctx, T0, f.Zhangsan, f.Lisi, 2); err == nil {
		t.Fatal("a rep set a colleague's leave")
	}
	away, err := f.S.SetAway(f.Ctx, T0, f.Lisi, f.Lisi, 2)
	if err != nil || !away.AwayUntil.Equal(p.DayStart(T0).AddDate(0, 0, 2)) {
		t.Fatalf("leave = %+v, %v", away, err)
	}
	if r := f.lead(t, T0, "13900000001", "", "杭州"); repOf(r) != "zhaowu" {
		t.Fatalf("first lead went to %q: zhangsan is full, lisi away", repOf(r))
	}
	r := f.lead(t, T0, "13900000002", "", "杭州")
	if r.Rep != nil || r.Team == nil || r.Why == "" || !r.Customer.InPool(T0) {
		t.Fatalf("zhaowu at the daily cap: %+v", r)
	}
	var line int
	if err := f.S.DB().Get(&line, "SELECT COUNT(*) FROM outbox WHERE to_chat = ? AND payload LIKE ?", "sales1", "%已进公海%"); err != nil || line != 1 {
		t.Fatalf("team told of the unassigned lead: %d, %v", line, err)
	}
	// Next day zhaowu may take one again; lisi is back two days later.
	if r := f.lead(t, T0.Add(day), "13900000003", "", "杭州"); repOf(r) != "zhaowu" {
		t.Fatalf("next day: %q", repOf(r))
	}
	if r := f.lead(t, T0.Add(2*day), "13900000004", "", "杭州"); repOf(r) != "lisi" {
		t.Fatalf("after the leave: %q", repOf(r))
	}
	if _, err := f.S.SetAway(f.Ctx, T0, f.Wangjl, f.Zhaowu, 5); err != nil {
		t.Fatalf("the manager sets a leave: %v", err)
	}
	if _, err := f.S.SetAway(f.Ctx, T0, f.Zhaowu, f.Zhaowu, 0); err != nil {
		t.Fatal(err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = ?", store.ActAway); n != 3 {
		t.Fatalf("away audit rows = %d", n)
	}
}

func testAssignLeastLoaded(t *testing.T, b Backend) {
	f := Seed(t, b, assignPolicy(baobei.LeastLoaded))
	f.Report(t, T0, f.Zhangsan, "13800000001", "一")
	f.Report(t, T0, f.Zhangsan, "13800000002", "二")
	f.Report(t, T0, f.Lisi, "13800000003", "三")
	var got []string
	for i := range 4 {
		got = append(got, repOf(f.lead(t, T0, fmt.Sprintf("1390000000%d", i), "", "宁波")))
	}
	// held 2,1,0 → zhaowu; 2,1,1 → lisi (tie broken in turn after zhaowu); 2,2,1 → zhaowu; 2,2,2 → zhangsan.
	if want := fmt.Sprint([]string{"zhaowu", "lisi", "zhaowu", "zhangsan"}); fmt.Sprint(got) != want {
		t.Fatalf("least loaded gave %v, want %s", got, want)
	}
}

func testAssignByHand(t *testing.T, b Backend) {
	f := Seed(t, b, assignPolicy(baobei.RoundRobin))
	pooled := f.lead(t, T0, "13900000001", "百度", "北京").Customer
	ref := baobei.CustomerRef{Number: pooled.ID}
	_, err := f.S.Assign(f.Ctx, T0, f.Zhangsan, ref, f.Lisi, nil)
	wantCode(t, err, baobei.EFORBIDDEN)
	_, err = f.S.Assign(f.Ctx, T0, f.Wangjl, ref, f.Sunqi, nil)
	wantCode(t, err, baobei.EFORBIDDEN) // another team
	if _, err := f.S.SetAway(f.Ctx, T0, f.Lisi, f.Lisi, 1); err != nil {
		t.Fatal(err)
	}
	_, err = f.S.Assign(f.Ctx, T0, f.Wangjl, ref, f.Lisi, nil)
	wantCode(t, err, baobei.EINVALID) // on leave
	lisi, err := f.S.SetAway(f.Ctx, T0, f.Lisi, f.Lisi, 0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.S.Assign(f.Ctx, T0, f.Wangjl, ref, lisi, nil)
	if err != nil || ownerOf(t, r.Customer, T0) != f.Lisi.ID || r.Held != 1 {
		t.Fatalf("分配 = %+v, %v", r, err)
	}
	_, err = f.S.Assign(f.Ctx, T0, f.Admin, ref, f.Sunqi, nil)
	wantCode(t, err, baobei.EINVALID) // held: 转移 is the way
	if n := len(f.Texts(t, "lisi", "王经理分配给你一个新线索")); n != 1 {
		t.Fatalf("lisi's notice = %d", n)
	}

	// 转派: only the owner, only an assigned one; the strategy picks the next.
	_, err = f.S.Reassign(f.Ctx, T0, f.Zhangsan, ref, nil)
	wantCode(t, err, baobei.EFORBIDDEN)
	r, err = f.S.Reassign(f.Ctx, T0, f.Lisi, ref, nil)
	if err != nil || r.Rep.UID == "lisi" || ownerOf(t, r.Customer, T0) != r.Rep.ID {
		t.Fatalf("转派 = %+v, %v", r, err)
	}
	own := f.Report(t, T0, f.Zhangsan, "13800000009", "自己报的")
	_, err = f.S.Reassign(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: own.ID}, nil)
	wantCode(t, err, baobei.EINVALID)
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE customer_id = ? AND action = ?", pooled.ID, store.ActAssign); n != 2 {
		t.Fatalf("assign rows = %d", n)
	}
}

// Issue 13: 50 leads at once to 5 reps — round robin gives each exactly 10;
// with a daily cap of 8 each gets 8 and 10 stay in the pool; least loaded
// spreads them evenly too.
func testAssignConcurrent(t *testing.T, b Backend) {
	for _, tc := range []struct {
		strategy string
		cap      int
		each     int
	}{{baobei.RoundRobin, 0, 10}, {baobei.RoundRobin, 8, 8}, {baobei.LeastLoaded, 0, 10}} {
		p := assignPolicy(tc.strategy)
		p.Assignment.MaxPerDay = tc.cap
		f := Seed(t, b, p)
		org := baobei.DemoOrg()
		for i := range 2 {
			org.Teams[0].Members = append(org.Teams[0].Members, baobei.OrgMember{ID: fmt.Sprintf("rep%d", i), Name: fmt.Sprintf("销售%d", i)})
		}
		if err := f.S.SyncOrg(f.Ctx, org, T0); err != nil {
			t.Fatal(err)
		}
		errs := atOnce(50, func(i int) error {
			_, err := f.S.AddLead(f.Ctx, T0, baobei.LeadDraft{CustomerDraft: baobei.CustomerDraft{
				Name: "并发", Phone: fmt.Sprintf("139%08d", i), Region: "杭州"}}, nil)
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var rows []struct {
			Owner int64 `db:"owner_id"`
			N     int   `db:"n"`
		}
		if err := f.S.DB().Select(&rows, "SELECT owner_id, COUNT(*) AS n FROM customers WHERE owner_id IS NOT NULL GROUP BY owner_id"); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 5 {
			t.Fatalf("%s cap %d: %d reps got leads (%+v), want 5", tc.strategy, tc.cap, len(rows), rows)
		}
		for _, r := range rows {
			if r.N != tc.each {
				t.Fatalf("%s cap %d: spread %+v, want %d each", tc.strategy, tc.cap, rows, tc.each)
			}
		}
		pool := f.Count(t, "SELECT COUNT(*) FROM customers WHERE owner_id IS NULL")
		if pool != 50-5*tc.each {
			t.Fatalf("%s cap %d: %d in the pool", tc.strategy, tc.cap, pool)
		}
	}
}
