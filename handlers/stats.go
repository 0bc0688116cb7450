package handlers

import (
	"context"
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
		team, err := h.svc.TeamName(ctx, req.Actor)
		if err != nil {
			return nil, err
		}
		whose = team
	case scope.UserID == nil:
		whose = "全公司"
	}
	from := WeekStart(req.Now, h.policy)
	st, err := h.svc.Stats(ctx, scope, from, req.Now.Add(time.Second)) // times are stored to the second
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
