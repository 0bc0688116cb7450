package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"baobei"
	"baobei/bot"
)

// Stats handles 统计: this week's funnel, for the sender's own customers, a
// manager's team, or (admins) everyone.
func (h *Handlers) Stats(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	scope, whose := baobei.ScopeOf(req.Actor), "我的"
	switch {
	case scope.TeamID != nil:
		team, err := req.Svc.TeamName(ctx, req.Actor)
		if err != nil {
			return nil, err
		}
		whose = team
	case scope.UserID == nil:
		whose = "全公司"
	}
	from := WeekStart(req.Now, h.policy)
	st, err := req.Svc.Stats(ctx, scope, from, req.Now.Add(time.Second)) // times are stored to the second
	if err != nil {
		return nil, err
	}
	return bot.Text(st.Text(whose + "本周统计（" + h.policy.Date(from) + "起）")), nil
}

// WeekStart is Monday 00:00 of t's week in the policy's zone.
func WeekStart(t time.Time, p baobei.Policy) time.Time {
	day := p.DayStart(t)
	back := (int(day.Weekday()) + 6) % 7
	return day.AddDate(0, 0, -back)
}

// Status handles 系统状态 (admins): queues, dead pushes, the jobs' last
// runs, and the jobs failing again and again.
func (h *Handlers) Status(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	st, err := req.Svc.Status(ctx)
	if err != nil {
		return nil, err
	}
	lines := []string{"系统状态：",
		fmt.Sprintf("客户 %d · 待审批 %d", st.Customers, st.PendingApprovals),
		fmt.Sprintf("待发送消息 %d · 发送失败(已放弃) %d", st.OutboxPending, st.OutboxDead),
		fmt.Sprintf("待处理平台消息 %d · 处理失败 %d", st.InboundPending, st.InboundDead)}
	for _, d := range st.DeadPushes {
		lines = append(lines, fmt.Sprintf("✗ 发往 %s%s 的消息，尝试 %d 次：%s", d.ToUser, d.ToChat, d.Attempts, d.LastError))
	}
	for _, j := range st.Jobs {
		lines = append(lines, fmt.Sprintf("任务 %s 最近一次：%s", j.Job, h.policy.DateTime(j.Slot)))
	}
	for _, j := range st.FailingJobs {
		when := ""
		if j.FailedAt != nil {
			when = "，最近 " + h.policy.DateTime(*j.FailedAt)
		}
		lines = append(lines, fmt.Sprintf("✗ 任务 %s（%s 那次）已失败 %d 次%s：%s", j.Job, h.policy.DateTime(j.Slot), j.Failures, when, clip(j.LastError, 80)))
	}
	if st.OutboxDead > 0 {
		lines = append(lines, "发送失败的消息已保留；检查平台配置（密钥、可信IP）后联系开发处理。")
	}
	if len(st.FailingJobs) > 0 {
		lines = append(lines, "失败的任务会自动重试；请查看日志（搜 job=任务名）排查原因。")
	}
	return bot.Text(strings.Join(lines, "\n")), nil
}

// clip cuts s to n characters, marking the cut.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
