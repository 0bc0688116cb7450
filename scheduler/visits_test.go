package scheduler_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/scheduler"
	"baobei/store/storetest"
)

// Issue 14 items 2 and 5, through the hourly visit-duties job: the reminder
// before a visit (to the rep and the colleague), the report reminder when
// it is due, the manager's notice a day later, missed visits, each once.
func TestVisitDuties(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			p := baobei.DefaultPolicy()
			f := storetest.Seed(t, b, p)
			t0 := storetest.T0 // Monday 2026-11-23 10:00, Shanghai
			f.Report(t, t0.Add(-2*time.Hour), f.Zhangsan, "13800000001", "报告客户")
			f.Report(t, t0.Add(-2*time.Hour), f.Zhangsan, "13800000002", "签到客户")
			f.Report(t, t0.Add(-2*time.Hour), f.Zhangsan, "13800000003", "爽约客户")
			plan := func(id int64, at time.Time, companion *baobei.User) *baobei.Visit {
				v, err := f.S.PlanVisit(f.Ctx, t0.Add(-time.Hour), f.Zhangsan, baobei.CustomerRef{Number: id}, baobei.VisitDraft{At: at, Companion: companion})
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			v1 := plan(1, t0.Add(4*time.Hour+30*time.Minute), f.Lisi) // Mon 14:30 with 李四, reported at 15:00
			v2 := plan(2, t0.Add(6*time.Hour), nil)                   // Mon 16:00, checked in 16:10, never reported
			plan(3, t0.Add(time.Hour), nil)                           // Mon 11:00, neither
			run := func(from, to time.Time) {
				s := scheduler.New(f.S, clockAt{to}, slog.New(slog.NewTextHandler(io.Discard, nil)), scheduler.Jobs(f.S, p, nil)...)
				if err := s.RunDue(context.Background(), from, to); err != nil {
					t.Fatal(err)
				}
			}
			run(t0, t0.Add(5*time.Hour)) // through Mon 15:00
			if _, _, err := f.S.ReportVisit(f.Ctx, t0.Add(5*time.Hour), f.Lisi, v1.ID, baobei.VisitReport{Attendees: "王总", Pains: "交期", NextSteps: []baobei.NextStep{{Text: "发方案"}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.S.CheckIn(f.Ctx, t0.Add(6*time.Hour+10*time.Minute), f.Zhangsan, v2.ID, nil, "门店"); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ { // a second run over the same hours sends nothing again
				for h := 5; h < 96; h += 12 {
					run(t0.Add(time.Duration(h)*time.Hour), t0.Add(time.Duration(h+12)*time.Hour))
				}
			}
			count := func(uid, part string, want int) {
				t.Helper()
				if got := f.Texts(t, uid, part); len(got) != want {
					t.Errorf("%s got %d messages with %q, want %d: %q", uid, len(got), part, want, got)
				}
			}
			count("zhangsan", "提醒：11月23日 14:30 拜访 #1 报告客户（V1）", 1)
			count("lisi", "提醒：11月23日 14:30 拜访 #1 报告客户（V1）", 1)
			count("zhangsan", "提醒：11月23日 16:00 拜访 #2", 1)
			count("zhangsan", "提醒：11月23日 11:00 拜访 #3", 1)
			count("zhangsan", "V1（", 0)
			count("zhangsan", "V2（11月23日 16:00 拜访 #2 签到客户）的拜访报告还没交", 1)
			count("zhangsan", "V3（11月23日 11:00 拜访 #3 爽约客户）的拜访报告还没交", 1)
			count("wangjl", "张三 的拜访 V2", 1)
			count("wangjl", "张三 的拜访 V3", 1)
			count("wangjl", "张三 的拜访 V1", 0)
			count("chenjl", "张三 的拜访", 0)
			var statuses []string
			if err := f.S.DB().Select(&statuses, "SELECT status FROM visits ORDER BY id"); err != nil {
				t.Fatal(err)
			}
			if want := []string{"reported", "checked_in", "missed"}; len(statuses) != 3 || statuses[0] != want[0] || statuses[1] != want[1] || statuses[2] != want[2] {
				t.Errorf("statuses = %v, want %v", statuses, want)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = 'visit_missed'"); n != 1 {
				t.Errorf("missed audit rows = %d, want 1", n)
			}
		})
	}
}

// Issue 14 item 6: with visits.cadence {A: 20d}, an A customer with no
// visit planned or made in 20 days is in its owner's digest (and 待办) as
// a visit to plan; a planned visit settles it.
func TestVisitCadence(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			p := baobei.DefaultPolicy()
			p.Visits.Cadence = map[string]string{"A": "20d"}
			f := storetest.Seed(t, b, p)
			t0 := storetest.T0
			for i, c := range []struct{ phone, name, grade string }{
				{"13800000001", "久未拜访", "A"}, {"13800000002", "已约拜访", "A"}, {"13800000003", "B级客户", "B"},
			} {
				r, err := f.S.Report(f.Ctx, t0.Add(-25*24*time.Hour), f.Zhangsan, baobei.CustomerDraft{Phone: c.phone, Name: c.name, Grade: c.grade})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.S.FollowUp(f.Ctx, t0.Add(-time.Hour), f.Zhangsan, baobei.CustomerRef{Number: r.Customer.ID}, baobei.FollowUpDraft{Content: "电话"}); err != nil {
					t.Fatal(err)
				}
				if i == 1 {
					if _, err := f.S.PlanVisit(f.Ctx, t0, f.Zhangsan, baobei.CustomerRef{Number: r.Customer.ID}, baobei.VisitDraft{At: t0.Add(48 * time.Hour)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			ns, err := scheduler.DailyDigest(f.Ctx, f.S, t0.Add(23*time.Hour), p) // Tuesday 09:00
			if err != nil {
				t.Fatal(err)
			}
			var digest string
			for _, n := range ns {
				if n.ToUser == "zhangsan" {
					digest = n.Text
				}
			}
			_, section, _ := strings.Cut(digest, "按拜访周期该拜访 1 个：")
			if !strings.Contains(section, "#1 久未拜访 · 新线索（A级，该拜访了）") || strings.Contains(section, "已约拜访") || strings.Contains(section, "B级客户") ||
				!strings.Contains(digest, "「拜访 #编号 明天 14:00」") {
				t.Errorf("digest = %q", digest)
			}
		})
	}
}
