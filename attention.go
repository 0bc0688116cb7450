package baobei

import (
	"fmt"
	"strings"
	"time"
)

// Attention is what one customer needs today, if anything.
type Attention struct {
	Due      bool // a planned follow-up is due today or overdue
	Overdue  int  // days past the planned follow-up
	Idle     int  // days without a follow-up (since the later of the last follow-up and the claim)
	Stale    bool // idle longer than its grade allows
	Expiring bool // protection ends within 7 days
	Escalate bool // the manager should know: overdue ≥ 2 days, or idle ≥ 7 days or 2 days past stale
}

// AttentionOf classifies c at now.
func AttentionOf(c *Customer, now time.Time, p Policy) Attention {
	var a Attention
	endOfDay := p.DayStart(now).Add(24 * time.Hour)
	if c.NextFollowupAt != nil && c.NextFollowupAt.Before(endOfDay) {
		a.Due = true
		a.Overdue = int(now.Sub(*c.NextFollowupAt).Hours() / 24)
	}
	idle := now.Sub(c.LastActivity())
	a.Idle = int(idle.Hours() / 24)
	a.Stale = idle >= p.Stale(c.Grade)
	a.Expiring = c.Status == StatusOwned && c.ProtectedUntil != nil && c.ProtectedUntil.Before(now.Add(7*24*time.Hour))
	a.Escalate = a.Overdue >= 2 || idle >= 7*24*time.Hour || idle >= p.Stale(c.Grade)+48*time.Hour
	return a
}

// Any reports whether the owner should hear about the customer today.
func (a Attention) Any() bool { return a.Due || a.Stale || a.Expiring }

// NoticeDigest is a rep's morning message: due, stale and expiring customers.
func NoticeDigest(uid string, cs []Customer, now time.Time, p Policy) Notice {
	var due, stale, expiring []string
	for i := range cs {
		c, a := &cs[i], AttentionOf(&cs[i], now, p)
		label := fmt.Sprintf("#%d %s · %s", c.ID, c.Name, c.Stage)
		switch {
		case a.Overdue > 0:
			due = append(due, fmt.Sprintf("%s（逾期 %d 天）", label, a.Overdue))
		case a.Due:
			due = append(due, label)
		}
		if a.Stale && !a.Due {
			stale = append(stale, fmt.Sprintf("%s（%d 天未跟进）", label, a.Idle))
		}
		if a.Expiring {
			expiring = append(expiring, fmt.Sprintf("%s（保护期至 %s）", label, p.DateTime(*c.ProtectedUntil)))
		}
	}
	var b strings.Builder
	b.WriteString("早上好！今天的待办：")
	section(&b, "要跟进", due)
	section(&b, "太久没跟进", stale)
	section(&b, "本周保护期到期", expiring)
	b.WriteString("\n跟进后发「跟进 #编号 内容 下次:周五」记录。")
	return Notice{ToUser: uid, Text: b.String()}
}

func section(b *strings.Builder, title string, lines []string) {
	if len(lines) > 0 {
		fmt.Fprintf(b, "\n%s %d 个：\n%s", title, len(lines), strings.Join(lines, "\n"))
	}
}

// NoticeEscalation tells a manager which of the team's customers are neglected.
func NoticeEscalation(uid string, cs []Customer, now time.Time, p Policy) Notice {
	lines := []string{fmt.Sprintf("团队有 %d 个客户需要关注：", len(cs))}
	for i := range cs {
		c, a := &cs[i], AttentionOf(&cs[i], now, p)
		why := fmt.Sprintf("%d 天未跟进", a.Idle)
		if a.Overdue >= 2 {
			why = fmt.Sprintf("计划跟进已逾期 %d 天", a.Overdue)
		}
		lines = append(lines, fmt.Sprintf("%s：#%d %s（%s）", c.OwnerName, c.ID, c.Name, why))
	}
	lines = append(lines, "请提醒负责人跟进；需要时可「转移 #编号 @同事」。")
	return Notice{ToUser: uid, Text: strings.Join(lines, "\n")}
}
