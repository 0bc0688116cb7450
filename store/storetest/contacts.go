package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"baobei"
)

// contactTests are issue 13 item 5's contract: the first-contact clock of
// a new lead, counted in working hours; the reminder once, the escalation
// once; a follow-up stops it; the hit rate per rep.
var contactTests = []struct {
	name string
	fn   func(*testing.T, Backend)
}{
	{"FirstContactSLA", testFirstContact},
}

func (f *Fixture) duties(t testing.TB, at time.Time) int {
	t.Helper()
	n, err := f.S.ContactDuties(f.Ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testFirstContact(t *testing.T, b Backend) {
	f := Seed(t, b, assignPolicy(baobei.RoundRobin))                                     // 2h, then 1h, 09:00-21:00
	late := f.lead(t, T0, "13900000001", "官网", "杭州")                                     // zhangsan, Monday 10:00: due 12:00, managers at 13:00
	done := f.lead(t, T0, "13900000002", "官网", "杭州")                                     // lisi, contacted in time
	evening := f.lead(t, T0.Add(10*time.Hour+30*time.Minute), "13900000003", "官网", "杭州") // zhaowu, 20:30: due Tuesday 10:30
	reported := f.Report(t, T0, f.Zhaowu, "13900000004", "自报")                           // a report starts the clock too
	if _, err := f.S.FollowUp(f.Ctx, T0.Add(time.Hour), f.Lisi, baobei.CustomerRef{Number: done.Customer.ID}, baobei.FollowUpDraft{Content: "电话沟通"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.FollowUp(f.Ctx, T0.Add(3*time.Hour), f.Zhaowu, baobei.CustomerRef{Number: reported.ID}, baobei.FollowUpDraft{Content: "电话沟通，晚了"}); err != nil {
		t.Fatal(err)
	}
	if n := f.duties(t, T0.Add(2*time.Hour-time.Minute)); n != 0 {
		t.Fatalf("before the due time: %d", n)
	}
	if n := f.duties(t, T0.Add(2*time.Hour)); n != 1 {
		t.Fatalf("at the due time: %d reminders, want 1 (zhangsan's)", n)
	}
	if n := f.duties(t, T0.Add(2*time.Hour+10*time.Minute)); n != 0 {
		t.Fatalf("a second run reminded again: %d", n)
	}
	if got := f.Texts(t, "zhangsan", "首次联系超时"); len(got) != 1 || !strings.Contains(got[0], fmt.Sprintf("#%d", late.Customer.ID)) {
		t.Fatalf("zhangsan's reminders = %q", got)
	}
	if n := f.duties(t, T0.Add(3*time.Hour)); n != 1 {
		t.Fatalf("an hour later: %d escalations, want 1", n)
	}
	f.duties(t, T0.Add(4*time.Hour))
	if got := f.Texts(t, "wangjl", "首次联系超时未处理"); len(got) != 1 || !strings.Contains(got[0], "张三") {
		t.Fatalf("the manager's escalations = %q", got)
	}
	// The evening lead waits for Tuesday's working hours.
	if n := f.duties(t, T0.Add(23*time.Hour)); n != 0 { // Tuesday 09:00
		t.Fatalf("Tuesday 09:00: %d", n)
	}
	if n := f.duties(t, T0.Add(24*time.Hour+30*time.Minute)); n != 1 { // Tuesday 10:30
		t.Fatalf("Tuesday 10:30: %d reminders for the evening lead, want 1", n)
	}
	if got := f.Texts(t, "zhaowu", "首次联系超时"); len(got) != 1 || !strings.Contains(got[0], fmt.Sprintf("#%d", evening.Customer.ID)) {
		t.Fatalf("zhaowu's reminders = %q", got)
	}
	// Hit rate: lisi 1/1, zhangsan 0/1, zhaowu 0/2 (the report late, the evening lead late).
	st, err := f.S.Stats(f.Ctx, baobei.Scope{}, T0.Add(-time.Hour), T0.Add(2*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{"张三": {0, 1}, "李四": {1, 1}, "赵五": {0, 2}}
	if len(st.FirstContacts) != 3 {
		t.Fatalf("first contacts = %+v", st.FirstContacts)
	}
	for _, c := range st.FirstContacts {
		if w := want[c.Rep]; c.OnTime != w[0] || c.Assigned != w[1] {
			t.Errorf("%s: %d/%d, want %d/%d", c.Rep, c.OnTime, c.Assigned, w[0], w[1])
		}
	}
	if text := st.Text("统计"); !strings.Contains(text, "首次联系及时率：张三 0/1（0%）、李四 1/1（100%）、赵五 0/2（0%）") {
		t.Errorf("统计 = %s", text)
	}
	// A lead handed on starts afresh for the new owner.
	r, err := f.S.Reassign(f.Ctx, T0.Add(5*time.Hour), f.Zhangsan, baobei.CustomerRef{Number: late.Customer.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM first_contacts WHERE customer_id = ? AND contacted_at IS NULL AND ended_at IS NULL", late.Customer.ID); n != 1 {
		t.Fatalf("open clocks after 转派 = %d", n)
	}
	if n := f.duties(t, T0.Add(7*time.Hour)); n != 1 {
		t.Fatalf("the new owner %s reminded: %d", r.Rep.UID, n)
	}
	// 张三's miss stays counted after he handed the lead on; a 转移 starts
	// the new owner's clock, and only the owner's follow-up stops it.
	st, err = f.S.Stats(f.Ctx, baobei.Scope{UserID: &f.Zhangsan.ID}, T0.Add(-time.Hour), T0.Add(2*24*time.Hour))
	if err != nil || len(st.FirstContacts) != 1 || st.FirstContacts[0].Assigned != 1 || st.FirstContacts[0].OnTime != 0 {
		t.Fatalf("zhangsan's record after 转派 = %+v, %v", st.FirstContacts, err)
	}
	moved := f.lead(t, T0.Add(8*time.Hour), "13900000005", "官网", "杭州")
	if _, err := f.S.Transfer(f.Ctx, T0.Add(8*time.Hour), f.Wangjl, baobei.CustomerRef{Number: moved.Customer.ID}, f.Sunqi, "换人"); err == nil {
		t.Fatal("a manager moved a lead to another team")
	}
	to := f.Zhangsan
	if moved.Rep.ID == to.ID {
		to = f.Lisi
	}
	if _, err := f.S.Transfer(f.Ctx, T0.Add(8*time.Hour), f.Wangjl, baobei.CustomerRef{Number: moved.Customer.ID}, to, "换人"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.FollowUp(f.Ctx, T0.Add(9*time.Hour), to, baobei.CustomerRef{Number: moved.Customer.ID}, baobei.FollowUpDraft{Content: "电话"}); err != nil {
		t.Fatal(err)
	}
	var who int64
	if err := f.S.DB().Get(&who, "SELECT user_id FROM first_contacts WHERE customer_id = ? AND contacted_at IS NOT NULL", moved.Customer.ID); err != nil || who != to.ID {
		t.Fatalf("the contact went to user %d (%v), want the new owner %d", who, err, to.ID)
	}
}
