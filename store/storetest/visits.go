package storetest

import (
	"testing"
	"time"

	"baobei"
)

// visitTests are issue 14's contract: plan, check-in by location and by
// text, report, move and cancel, who may do what, missed, and the counts.
var visitTests = []struct {
	name string
	fn   func(*testing.T, Backend)
}{
	{"VisitLifecycle", testVisitLifecycle},
	{"VisitStats", testVisitStats},
}

func (f *Fixture) plan(t testing.TB, actor *baobei.User, id int64, at time.Time, companion *baobei.User) *baobei.Visit {
	t.Helper()
	v, err := f.S.PlanVisit(f.Ctx, T0, actor, baobei.CustomerRef{Number: id}, baobei.VisitDraft{At: at, Goal: "演示", Companion: companion})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func testVisitLifecycle(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	c := f.Report(t, T0, f.Zhangsan, "13800000001", "张先生")
	_, err := f.S.PlanVisit(f.Ctx, T0, f.Lisi, baobei.CustomerRef{Number: c.ID}, baobei.VisitDraft{At: T0.Add(time.Hour)})
	wantCode(t, err, baobei.EFORBIDDEN) // not his customer
	_, err = f.S.PlanVisit(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID}, baobei.VisitDraft{At: T0.Add(-time.Hour)})
	wantCode(t, err, baobei.EINVALID)
	_, err = f.S.PlanVisit(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: c.ID}, baobei.VisitDraft{At: T0.Add(time.Hour), Companion: f.Zhangsan})
	wantCode(t, err, baobei.EINVALID)
	v := f.plan(t, f.Zhangsan, c.ID, T0.Add(3*time.Hour), f.Lisi)

	_, err = f.S.CheckIn(f.Ctx, T0, f.Zhangsan, v.ID, nil, "")
	wantCode(t, err, baobei.EINVALID) // 3 hours early: the window opens 2 hours before
	_, err = f.S.CheckIn(f.Ctx, T0.Add(2*time.Hour), f.Zhaowu, v.ID, nil, "")
	wantCode(t, err, baobei.EFORBIDDEN)
	if vs, err := f.S.VisitCandidates(f.Ctx, T0.Add(2*time.Hour), f.Lisi); err != nil || len(vs) != 1 {
		t.Fatalf("the colleague's candidates = %v, %v", vs, err)
	}
	got, err := f.S.CheckIn(f.Ctx, T0.Add(2*time.Hour), f.Lisi, v.ID, &baobei.Location{Lat: 30.27, Lng: 120.15, Label: "门店"}, "")
	if err != nil || got.Status != baobei.VisitCheckedIn || got.CheckinLat == nil || *got.CheckinLat != 30.27 || got.CheckinLabel != "门店" {
		t.Fatalf("check-in = %+v, %v", got, err)
	}
	_, err = f.S.CheckIn(f.Ctx, T0.Add(2*time.Hour), f.Zhangsan, v.ID, nil, "")
	wantCode(t, err, baobei.ECONFLICT)
	if vs, err := f.S.VisitCandidates(f.Ctx, T0.Add(2*time.Hour), f.Lisi); err != nil || len(vs) != 0 {
		t.Fatalf("candidates after the check-in = %v, %v", vs, err)
	}

	_, _, err = f.S.ReportVisit(f.Ctx, T0.Add(4*time.Hour), f.Zhangsan, v.ID, baobei.VisitReport{Attendees: "王总"})
	wantCode(t, err, baobei.EINVALID) // 痛点 and 下一步 are required
	due := T0.Add(72 * time.Hour)
	rv, cu, err := f.S.ReportVisit(f.Ctx, T0.Add(4*time.Hour), f.Zhangsan, v.ID, baobei.VisitReport{Attendees: "王总", Pains: "交期", Budget: "20万",
		NextSteps: []baobei.NextStep{{Text: "发方案", Due: &due}}, Stage: baobei.StageNeeds})
	if err != nil || rv.Status != baobei.VisitReported || cu.Stage != baobei.StageNeeds || cu.Budget != "20万" ||
		cu.NextFollowupAt == nil || !cu.NextFollowupAt.Equal(due) || cu.LastFollowupAt == nil {
		t.Fatalf("report = %+v, %+v, %v", rv, cu, err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM followups WHERE customer_id = ? AND kind = ?", c.ID, baobei.KindVisit); n != 1 {
		t.Errorf("拜访 follow-ups = %d, want 1", n)
	}
	back := f.plan(t, f.Zhangsan, c.ID, T0.Add(5*time.Hour), nil)
	_, _, err = f.S.ReportVisit(f.Ctx, T0.Add(4*time.Hour), f.Zhangsan, back.ID, baobei.VisitReport{Attendees: "x", Pains: "y", NextSteps: []baobei.NextStep{{Text: "z"}}})
	wantCode(t, err, baobei.EINVALID) // before the visit
	if _, _, err = f.S.ReportVisit(f.Ctx, T0.Add(6*time.Hour), f.Zhangsan, back.ID, baobei.VisitReport{Attendees: "x", Pains: "y",
		NextSteps: []baobei.NextStep{{Text: "z"}}, Stage: baobei.StageNew, StageExplicit: true}); err != nil {
		t.Fatal(err)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = 'stage_back' AND customer_id = ?", c.ID); n != 1 {
		t.Errorf("stage_back rows after a report moving the stage back = %d, want 1", n)
	}
	c2 := f.Report(t, T0, f.Zhangsan, "13800000009", "另一位")
	gone := f.plan(t, f.Zhangsan, c2.ID, T0.Add(7*time.Hour), nil)
	if _, err := f.S.Release(f.Ctx, T0.Add(7*time.Hour), f.Zhangsan, baobei.CustomerRef{Number: c2.ID}, "不要了"); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.S.ReportVisit(f.Ctx, T0.Add(8*time.Hour), f.Zhangsan, gone.ID, baobei.VisitReport{Attendees: "x", Pains: "y", NextSteps: []baobei.NextStep{{Text: "z"}}})
	wantCode(t, err, baobei.EFORBIDDEN) // released: no longer his
	if _, err := f.S.CancelVisit(f.Ctx, T0.Add(8*time.Hour), f.Zhangsan, gone.ID, "客户已释放"); err != nil {
		t.Fatal(err)
	}

	_, err = f.S.CancelVisit(f.Ctx, T0.Add(5*time.Hour), f.Zhangsan, v.ID, "x")
	wantCode(t, err, baobei.EINVALID) // reported

	w := f.plan(t, f.Zhangsan, c.ID, T0.Add(24*time.Hour), nil)
	_, err = f.S.MoveVisit(f.Ctx, T0, f.Lisi, w.ID, T0.Add(48*time.Hour))
	wantCode(t, err, baobei.EFORBIDDEN)
	if m, err := f.S.MoveVisit(f.Ctx, T0, f.Zhangsan, w.ID, T0.Add(48*time.Hour)); err != nil || !m.PlannedAt.Equal(T0.Add(48*time.Hour)) {
		t.Fatalf("move = %+v, %v", m, err)
	}
	_, err = f.S.CancelVisit(f.Ctx, T0, f.Zhangsan, w.ID, "")
	wantCode(t, err, baobei.EINVALID)
	if x, err := f.S.CancelVisit(f.Ctx, T0, f.Zhangsan, w.ID, "客户出差"); err != nil || x.Status != baobei.VisitCancelled {
		t.Fatalf("cancel = %+v, %v", x, err)
	}

	m := f.plan(t, f.Zhangsan, c.ID, T0.Add(time.Hour), nil)
	for _, at := range []time.Time{T0.Add(24 * time.Hour), T0.Add(38 * time.Hour)} { // Tuesday 10:00, Wednesday 00:00
		if _, err := f.S.VisitDuties(f.Ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := f.S.VisitsOf(f.Ctx, f.Zhangsan, T0, T0.Add(7*24*time.Hour)); err != nil || len(got) != 3 || got[0].ID != m.ID || got[0].Status != baobei.VisitMissed {
		t.Fatalf("visits = %+v, %v (want V%d missed; cancelled ones left out)", got, err, m.ID)
	}
	if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action LIKE 'visit_%'"); n != 12 {
		t.Errorf("visit audit rows = %d, want 12", n) // 5 plans, check-in, 2 reports, move, 2 cancels, missed
	}
}

func testVisitStats(t *testing.T, b Backend) {
	f := Seed(t, b, baobei.DefaultPolicy())
	a := f.Report(t, T0, f.Zhangsan, "13800000001", "甲")
	if _, err := f.S.SetGrade(f.Ctx, T0, f.Zhangsan, baobei.CustomerRef{Number: a.ID}, "A"); err != nil {
		t.Fatal(err)
	}
	c := f.Report(t, T0, f.Zhangsan, "13800000002", "乙")
	report := func(v *baobei.Visit, at time.Time) {
		t.Helper()
		if _, _, err := f.S.ReportVisit(f.Ctx, at, f.Zhangsan, v.ID, baobei.VisitReport{Attendees: "x", Pains: "y", NextSteps: []baobei.NextStep{{Text: "z"}}}); err != nil {
			t.Fatal(err)
		}
	}
	report(f.plan(t, f.Zhangsan, a.ID, T0.Add(time.Hour), nil), T0.Add(2*time.Hour))    // on time
	report(f.plan(t, f.Zhangsan, a.ID, T0.Add(2*time.Hour), nil), T0.Add(30*time.Hour)) // late: over 24 hours
	f.plan(t, f.Zhangsan, c.ID, T0.Add(3*time.Hour), nil)                               // never reported
	f.plan(t, f.Lisi, f.Report(t, T0, f.Lisi, "13800000003", "丙").ID, T0.Add(3*time.Hour), nil)
	amount := int64(100000)
	if _, err := f.S.FollowUp(f.Ctx, T0.Add(31*time.Hour), f.Zhangsan, baobei.CustomerRef{Number: a.ID}, baobei.FollowUpDraft{Content: "签了", Stage: baobei.StageWon, AmountCents: &amount}); err != nil {
		t.Fatal(err)
	}
	st, err := f.S.Stats(f.Ctx, baobei.Scope{UserID: &f.Zhangsan.ID}, T0.Add(-time.Hour), T0.Add(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Visits) != 1 || st.Visits[0] != (baobei.VisitCount{Rep: "张三", Planned: 3, Done: 2}) || st.VisitReports != 2 || st.VisitReportsOnTime != 1 ||
		st.VisitsToWon != 2 || len(st.VisitsByGrade) != 1 || st.VisitsByGrade[0] != (baobei.Count{Label: "A", N: 2}) {
		t.Errorf("stats = %+v", st)
	}
	team, err := f.S.Stats(f.Ctx, baobei.Scope{TeamID: f.Zhangsan.TeamID}, T0.Add(-time.Hour), T0.Add(7*24*time.Hour))
	if err != nil || len(team.Visits) != 2 {
		t.Errorf("team stats = %+v, %v", team.Visits, err)
	}
}
