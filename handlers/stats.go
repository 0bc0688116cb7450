package handlers

import (
	"context"
	"fmt"
	"strings"

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
	from := h.policy.WeekStart(req.Now)
	st, err := req.Svc.Stats(ctx, scope, from, baobei.Until(req.Now))
	if err != nil {
		return nil, err
	}
	return bot.Text(st.Text(whose + "本周统计（" + h.policy.Date(from) + "起）")), nil
}

// Status handles 系统状态 (admins): queues, dead pushes, the jobs' last
// runs, the jobs failing again and again, and the webhooks whose deliveries
// fail.
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
	for _, w := range st.FailingWebhooks {
		lines = append(lines, fmt.Sprintf("✗ Webhook W%d %s：%d 条待投递，已尝试 %d 次：%s", w.ID, w.URL, w.Pending, w.Attempts, clip(w.LastError, 80)))
	}
	if st.OutboxDead > 0 {
		lines = append(lines, "发送失败的消息已保留；检查平台配置（密钥、可信IP）后联系开发处理。")
	}
	if len(st.FailingWebhooks) > 0 {
		lines = append(lines, "Webhook 投递会一直重试（间隔最长 1 小时），不会丢弃；请检查接收方，再用 baobei webhook test 编号 测试。")
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
