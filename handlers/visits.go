package handlers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"baobei"
	"baobei/bot"
)

// Visit handles 拜访: plan a visit (拜访 #3 明天 14:00 目标:…), or move one
// (拜访 V3 改到 周五 10:00).
func (h *Handlers) Visit(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	c := req.Cmd
	if c.Visit > 0 {
		v, err := req.Svc.MoveVisit(ctx, req.Now, req.Actor, c.Visit, *c.NextAt)
		if err != nil {
			return nil, err
		}
		return bot.Text(fmt.Sprintf("已改期：%s。%s", h.policy.VisitLine(v), h.visitNext(v))), nil
	}
	d := baobei.VisitDraft{At: *c.NextAt, Goal: c.Goal, Address: c.Address}
	if c.Target != "" {
		u, err := req.Svc.FindUser(ctx, c.Target)
		if err != nil {
			return nil, err
		}
		d.Companion = u
	}
	v, err := req.Svc.PlanVisit(ctx, req.Now, req.Actor, ref(c), d)
	if err != nil {
		return nil, err
	}
	text := "已计划拜访 " + h.policy.VisitLine(v) + "。"
	if v.CompanionName != "" {
		text += "已邀请 " + v.CompanionName + "。"
	}
	return bot.Text(text + h.visitNext(v)), nil
}

// visitNext says what comes next for a planned visit.
func (h *Handlers) visitNext(v *baobei.Visit) string {
	p := h.policy.Visits
	remind := ""
	if p.RemindMinutes > 0 {
		remind = fmt.Sprintf("开始前 %d 分钟会提醒你；", p.RemindMinutes)
	}
	return fmt.Sprintf("\n%s到了发「签到 V%d」或发位置，结束后 %d 小时内发「拜访报告 V%d 参会:… 痛点:… 下一步:…」。",
		remind, v.ID, p.ReportHours, v.ID)
}

// Visits handles 拜访计划: this week's visits by day, A and B customers first.
func (h *Handlers) Visits(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	from := h.policy.WeekStart(req.Now)
	vs, err := req.Svc.VisitsOf(ctx, req.Actor, from, from.AddDate(0, 0, 7))
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return bot.Text("本周还没有拜访计划。计划一次：拜访 #3 明天 14:00 目标:演示方案"), nil
	}
	lines := []string{fmt.Sprintf("本周拜访 %d 个（%s起）：", len(vs), h.policy.Date(from))}
	day := ""
	for _, v := range byDayThenGrade(vs, h.policy) {
		if d := h.policy.Date(v.PlannedAt) + " " + weekday(v.PlannedAt, h.policy); d != day {
			day = d
			lines = append(lines, "【"+d+"】")
		}
		lines = append(lines, h.policy.VisitLine(&v))
	}
	lines = append(lines, "改期发「拜访 V编号 改到 周五 10:00」，取消发「取消拜访 V编号 原因:…」。")
	return bot.Text(strings.Join(lines, "\n")), nil
}

// byDayThenGrade orders visits by day, then A and B customers before the
// others, then by time.
func byDayThenGrade(vs []baobei.Visit, p baobei.Policy) []baobei.Visit {
	rank := func(g string) int {
		if g == "A" || g == "B" {
			return 0
		}
		return 1
	}
	out := slices.Clone(vs)
	slices.SortStableFunc(out, func(a, b baobei.Visit) int {
		return cmp.Or(p.DayStart(a.PlannedAt).Compare(p.DayStart(b.PlannedAt)), cmp.Compare(rank(a.CustomerGrade), rank(b.CustomerGrade)),
			a.PlannedAt.Compare(b.PlannedAt))
	})
	return out
}

func weekday(t time.Time, p baobei.Policy) string {
	return "周" + string([]rune("日一二三四五六")[t.In(p.Loc).Weekday()])
}

// CancelVisit handles 取消拜访 V3 原因:….
func (h *Handlers) CancelVisit(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	v, err := req.Svc.CancelVisit(ctx, req.Now, req.Actor, req.Cmd.Visit, req.Cmd.Reason)
	if err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("已取消拜访 V%d（#%d %s，%s）。要重新约发「拜访 #%d 明天 14:00」。",
		v.ID, v.CustomerID, v.CustomerName, h.policy.DateTime(v.PlannedAt), v.CustomerID)), nil
}

// CheckIn handles 签到 and location messages: the visit named, or the one
// visit whose check-in window holds now; with several, it asks which.
func (h *Handlers) CheckIn(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	id := req.Cmd.Visit
	if id == 0 {
		vs, err := req.Svc.VisitCandidates(ctx, req.Now, req.Actor)
		if err != nil {
			return nil, err
		}
		switch len(vs) {
		case 0:
			return nil, baobei.Errorf(baobei.ENOTFOUND, "现在没有可签到的拜访（计划时间前 %d 小时到后 %d 小时内可签到）。先计划：拜访 #3 明天 14:00 目标:演示方案",
				h.policy.Visits.CheckinBefore, h.policy.Visits.CheckinAfter)
		case 1:
			id = vs[0].ID
		default:
			lines := []string{"你现在有几个拜访可签到，请发「签到 V编号」选一个："}
			for i := range vs {
				lines = append(lines, h.policy.VisitLine(&vs[i]))
			}
			return nil, &baobei.Error{Code: baobei.EAMBIGUOUS, Message: strings.Join(lines, "\n")}
		}
	}
	v, err := req.Svc.CheckIn(ctx, req.Now, req.Actor, id, req.Msg.Location, req.Cmd.Address)
	if err != nil {
		return nil, err
	}
	where := ""
	if v.CheckinLabel != "" {
		where = "，" + v.CheckinLabel
	}
	return bot.Text(fmt.Sprintf("已签到 V%d（#%d %s，%s%s）。结束后 %d 小时内发「拜访报告 V%d 参会:… 痛点:… 下一步:…」。",
		v.ID, v.CustomerID, v.CustomerName, h.policy.DateTime(*v.CheckinAt), where, h.policy.Visits.ReportHours, v.ID)), nil
}

// VisitReport handles 拜访报告: the report, a 拜访 follow-up, and the
// earliest dated next step as the next follow-up.
func (h *Handlers) VisitReport(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	r := req.Cmd.Report
	v, cu, err := req.Svc.ReportVisit(ctx, req.Now, req.Actor, req.Cmd.Visit, r)
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("已提交拜访报告 V%d（#%d %s），记为一次拜访跟进 · 阶段 %s", v.ID, v.CustomerID, v.CustomerName, cu.Stage)
	if cu.StageBack() {
		text += fmt.Sprintf("（由「%s」退回，已记录）", cu.StageFrom)
	}
	text += "。"
	var dated []string
	for _, s := range r.NextSteps {
		if s.Due != nil {
			dated = append(dated, h.policy.DateTime(*s.Due)+"「"+s.Text+"」")
		}
	}
	if len(dated) > 0 {
		return bot.Text(text + fmt.Sprintf("\n下一步：%s；最早的一条已设为下次跟进，会出现在「待办」里。", strings.Join(dated, "、"))), nil
	}
	return bot.Text(text + fmt.Sprintf("\n下一步没有日期，建议约好：跟进 #%d 发方案 下次:周五", v.CustomerID)), nil
}

// visitTodo is 待办's part of the visits: today's, A and B customers first,
// and the reports still owed.
func (h *Handlers) visitTodo(vs []baobei.Visit, now time.Time) []string {
	var today, owed []string
	for _, v := range byDayThenGrade(vs, h.policy) {
		switch {
		case !v.Status.Open():
		case h.policy.DayStart(v.PlannedAt).Equal(h.policy.DayStart(now)) && v.PlannedAt.After(now):
			today = append(today, h.policy.VisitLine(&v))
		case v.PlannedAt.Before(now):
			owed = append(owed, fmt.Sprintf("%s（请发「拜访报告 V%d …」，%s 前）", h.policy.VisitLine(&v), v.ID, h.policy.DateTime(h.policy.Visits.ReportDue(&v))))
		}
	}
	var out []string
	if len(today) > 0 {
		out = append(out, fmt.Sprintf("今天拜访 %d 个：\n%s", len(today), strings.Join(today, "\n")))
	}
	if len(owed) > 0 {
		out = append(out, fmt.Sprintf("待交拜访报告 %d 个：\n%s", len(owed), strings.Join(owed, "\n")))
	}
	return out
}

// VisitStats handles 拜访统计 (managers, admins): the last 4 weeks of the
// team's (or everyone's) visits, week by week, then per rep.
func (h *Handlers) VisitStats(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	scope := baobei.ScopeOf(req.Actor)
	end := h.policy.WeekStart(req.Now).AddDate(0, 0, 7)
	start := end.AddDate(0, 0, -28)
	lines := []string{fmt.Sprintf("近 4 周拜访（%s–%s）：", h.policy.Date(start), h.policy.Date(end.AddDate(0, 0, -1)))}
	for from := start; from.Before(end); from = from.AddDate(0, 0, 7) {
		st, err := req.Svc.Stats(ctx, scope, from, from.AddDate(0, 0, 7))
		if err != nil {
			return nil, err
		}
		var planned, done, missed int
		for _, v := range st.Visits {
			planned, done, missed = planned+v.Planned, done+v.Done, missed+v.Missed
		}
		line := fmt.Sprintf("%s 起：计划 %d · 完成 %d · 未去 %d", h.policy.Date(from), planned, done, missed)
		if st.VisitReports > 0 {
			line += fmt.Sprintf(" · 报告及时率 %d%%", st.VisitReportsOnTime*100/st.VisitReports)
		}
		lines = append(lines, line)
	}
	all, err := req.Svc.Stats(ctx, scope, start, end)
	if err != nil {
		return nil, err
	}
	if len(all.Visits) == 0 {
		return bot.Text(strings.Join(append(lines, "还没有拜访记录。让销售发「拜访 #3 明天 14:00 目标:…」计划拜访。"), "\n")), nil
	}
	return bot.Text(strings.Join(append(lines, all.VisitText(), "看本周安排发「拜访计划」；提醒未交报告的同事发「拜访报告 V编号 …」。"), "\n")), nil
}
