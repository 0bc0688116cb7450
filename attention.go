package baobei

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ExpiringWithin is how far ahead 待办 and the digest list protections ending.
const ExpiringWithin = 7 * 24 * time.Hour

// Attention is what one customer needs, if anything. AttentionOf is the one
// place that decides it: 待办, the daily digest, the managers' escalation
// and the expiry warnings all ask it.
type Attention struct {
	Due        bool      // a planned follow-up is due today or overdue
	Late       bool      // …and its time has passed
	Overdue    int       // days past the planned follow-up
	Idle       int       // days without a follow-up (since the later of the last follow-up and the claim)
	Stale      bool      // idle longer than its grade allows
	Expiring   bool      // owned, not locked, and its protection ends within ExpiringWithin (not yet ended)
	Escalate   bool      // the manager should know: overdue ≥ 2 days, or idle ≥ 7 days or 2 days past stale
	Release    time.Time // when a release rule takes it (Policy.ReleaseAt); zero when none does (won, locked, pool)
	ReleaseWhy string    // ReleaseExpired or ReleaseNoFollow
	Warn       bool      // a release rule takes it within the warning window (Policy.WarnAhead)
	VisitDue   bool      // its grade's visit cadence (visits.cadence) passed with no visit planned or made
	Revisit    bool      // won, and neither followed up nor bought within care.revisit_days (回访)
}

// AttentionOf classifies c at now.
func AttentionOf(c *Customer, now time.Time, p Policy) Attention {
	var a Attention
	endOfDay := p.DayStart(now).Add(24 * time.Hour)
	if c.NextFollowupAt != nil && c.NextFollowupAt.Before(endOfDay) {
		a.Due, a.Late = true, c.NextFollowupAt.Before(now)
		a.Overdue = int(now.Sub(*c.NextFollowupAt).Hours() / 24)
	}
	idle := now.Sub(c.LastActivity())
	a.Idle = int(idle.Hours() / 24)
	if c.Status == StatusWon { // no longer at risk of release: only what is planned, and the 回访
		a.Revisit = revisitDue(c, now, p)
		return a
	}
	a.Stale = idle >= p.Stale(c.Grade)
	a.Expiring = c.Status == StatusOwned && !c.Locked && c.ProtectedUntil != nil &&
		now.Before(*c.ProtectedUntil) && c.ProtectedUntil.Before(now.Add(ExpiringWithin))
	a.Escalate = a.Overdue >= 2 || idle >= 7*24*time.Hour || idle >= p.Stale(c.Grade)+48*time.Hour
	a.Release, a.ReleaseWhy = p.ReleaseAt(c)
	a.Warn = a.ReleaseWhy != "" && a.Release.After(now) && !a.Release.After(now.Add(p.WarnAhead()))
	a.VisitDue = c.Status == StatusOwned && visitDue(c, now, p)
	return a
}

// visitDue: c's grade has a visit cadence, and no visit was planned or made
// (nor c taken) within it.
func visitDue(c *Customer, now time.Time, p Policy) bool {
	days, _ := p.Visits.CadenceDays(c.Grade)
	if days <= 0 {
		return false
	}
	since := c.ReportedAt
	for _, t := range []*time.Time{c.OwnedSince, c.LastVisitAt} {
		if t != nil && t.After(since) {
			since = *t
		}
	}
	return !since.After(now.AddDate(0, 0, -days))
}

// Any reports whether the owner should hear about the customer today.
func (a Attention) Any() bool { return a.Due || a.Stale || a.Expiring || a.VisitDue || a.Revisit }

// DigestLines is how many customers a digest section lists; the rest are counted.
const DigestLines = 10

// Digest is one rep's morning message, built as their customers stream by:
// follow-ups due (most overdue first), customers gone stale (longest idle
// first) and protections ending this week (soonest first).
type Digest struct {
	UID                                  string
	due, stale, expiring, visit, revisit top
}

// Add counts c in the sections its attention a puts it in.
func (d *Digest) Add(c *Customer, a Attention, now time.Time, p Policy) {
	label := func() string { return fmt.Sprintf("#%d %s · %s", c.ID, c.Name, c.Stage) }
	switch {
	case a.Overdue > 0:
		d.due.add(now.Sub(*c.NextFollowupAt), func() string { return fmt.Sprintf("%s（逾期 %d 天）", label(), a.Overdue) })
	case a.Due:
		d.due.add(now.Sub(*c.NextFollowupAt), label)
	}
	if a.Stale && !a.Due {
		d.stale.add(now.Sub(c.LastActivity()), func() string { return fmt.Sprintf("%s（%d 天未跟进）", label(), a.Idle) })
	}
	if a.VisitDue {
		d.visit.add(now.Sub(c.LastActivity()), func() string { return fmt.Sprintf("%s（%s级，该拜访了）", label(), c.Grade) })
	}
	if a.Revisit && !a.Due {
		d.revisit.add(now.Sub(c.LastActivity()), func() string { return fmt.Sprintf("%s（%d 天未回访）", label(), a.Idle) })
	}
	if a.Expiring {
		d.expiring.add(now.Sub(*c.ProtectedUntil), func() string { return fmt.Sprintf("%s（保护期至 %s）", label(), p.DateTime(*c.ProtectedUntil)) })
	}
}

// Empty reports whether there is nothing to tell.
func (d *Digest) Empty() bool { return d.due.n+d.stale.n+d.expiring.n+d.visit.n+d.revisit.n == 0 }

// Notice is the message.
func (d *Digest) Notice() Notice {
	var b strings.Builder
	b.WriteString("早上好！今天的待办：")
	d.due.write(&b, "要跟进")
	d.stale.write(&b, "太久没跟进")
	d.expiring.write(&b, "本周保护期到期")
	d.visit.write(&b, "按拜访周期该拜访")
	d.revisit.write(&b, "成交客户该回访")
	b.WriteString("\n跟进后发「跟进 #编号 内容 下次:周五」记录；")
	if d.visit.n > 0 {
		b.WriteString("该拜访的发「拜访 #编号 明天 14:00」安排；")
	}
	b.WriteString("发「我的客户」看全部。")
	return Notice{ToUser: d.UID, Text: b.String()}
}

// top keeps the DigestLines most urgent lines of a section and counts all.
type top struct {
	n     int
	items []ranked
}

type ranked struct {
	rank time.Duration // larger is more urgent
	line string
}

func (t *top) add(rank time.Duration, line func() string) {
	t.n++
	if len(t.items) < DigestLines {
		t.items = append(t.items, ranked{rank, line()})
		return
	}
	least := 0
	for i, it := range t.items {
		if it.rank < t.items[least].rank {
			least = i
		}
	}
	if rank > t.items[least].rank {
		t.items[least] = ranked{rank, line()}
	}
}

func (t *top) write(b *strings.Builder, title string) {
	if t.n == 0 {
		return
	}
	slices.SortStableFunc(t.items, func(x, y ranked) int { return cmp.Compare(y.rank, x.rank) })
	fmt.Fprintf(b, "\n%s %d 个：", title, t.n)
	for _, it := range t.items {
		b.WriteString("\n" + it.line)
	}
	if more := t.n - len(t.items); more > 0 {
		fmt.Fprintf(b, "\n…另有 %d 个", more)
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
