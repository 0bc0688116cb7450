package baobei

import (
	"fmt"
	"strings"
	"time"
)

// SLAPolicy is the first-contact rule (policy.sla): a new lead — assigned,
// claimed before anyone followed it up, or reported — must get its first
// follow-up within FirstContact, counted inside the working hours; then
// the rep is reminded, and after EscalateAfter more the team's managers
// are told. Each once.
type SLAPolicy struct {
	FirstContact  time.Duration `yaml:"first_contact"`  // 0: no first-contact rule
	EscalateAfter time.Duration `yaml:"escalate_after"` // after the reminder
	WorkingHours  string        `yaml:"working_hours"`  // "09:00-21:00"; "" counts every hour
}

// DefaultSLAPolicy: 2 hours, escalated 1 hour later, 09:00–21:00.
func DefaultSLAPolicy() SLAPolicy {
	return SLAPolicy{FirstContact: 2 * time.Hour, EscalateAfter: time.Hour, WorkingHours: "09:00-21:00"}
}

// Hours reads WorkingHours as offsets from midnight; all day when empty.
func (p SLAPolicy) Hours() (open, close time.Duration, err error) {
	if p.WorkingHours == "" {
		return 0, 24 * time.Hour, nil
	}
	a, b, ok := strings.Cut(p.WorkingHours, "-")
	t1, err1 := time.Parse("15:04", strings.TrimSpace(a))
	t2, err2 := time.Parse("15:04", strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || !t1.Before(t2) {
		return 0, 0, fmt.Errorf("policy.sla.working_hours %q: write HH:MM-HH:MM, the start before the end (09:00-21:00)", p.WorkingHours)
	}
	day := func(t time.Time) time.Duration {
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	return day(t1), day(t2), nil
}

// AddWorking is t plus d of working time: only the hours inside
// sla.working_hours count, in the policy's zone.
func (p Policy) AddWorking(t time.Time, d time.Duration) time.Time {
	open, close, err := p.SLA.Hours()
	if err != nil { // refused at start-up; count every hour
		open, close = 0, 24*time.Hour
	}
	for {
		day := p.DayStart(t)
		start, end := day.Add(open), day.Add(close)
		switch {
		case t.Before(start):
			t = start
		case !t.Before(end):
			t = p.DayStart(day.Add(36 * time.Hour)).Add(open) // the next day's opening
			continue
		}
		if left := end.Sub(t); d <= left {
			return t.Add(d)
		} else {
			d -= left
			t = end
		}
	}
}

// ContactDue is when a lead given at start must have been contacted, and
// when its manager is told if it has not.
func (p Policy) ContactDue(start time.Time) (due, escalate time.Time) {
	due = p.AddWorking(start, p.SLA.FirstContact)
	return due, p.AddWorking(due, p.SLA.EscalateAfter)
}

// ContactLate is one lead past its first-contact time.
type ContactLate struct {
	CustomerID int64     `db:"customer_id"`
	Name       string    `db:"name"`
	Source     string    `db:"source"`
	RepUID     string    `db:"rep_uid"`
	RepName    string    `db:"rep_name"`
	TeamID     *int64    `db:"team_id"`
	StartedAt  time.Time `db:"started_at"`
}

// NoticeContactDue reminds a rep of leads not contacted in time.
func NoticeContactDue(uid string, late []ContactLate, p Policy) Notice {
	lines := make([]string, len(late))
	for i, l := range late {
		lines[i] = fmt.Sprintf("#%d %s（%s，%s 分配）", l.CustomerID, l.Name, sourceText(l.Source), p.DateTime(l.StartedAt))
	}
	return Notice{ToUser: uid, Text: fmt.Sprintf("首次联系超时：以下新线索超过 %s 还没有跟进记录，请马上联系并发「跟进 #编号 内容」；再过 %s 仍未跟进会告知经理。\n%s",
		hoursText(p.SLA.FirstContact), hoursText(p.SLA.EscalateAfter), strings.Join(lines, "\n"))}
}

// NoticeContactEscalate tells a manager of their reps' leads still not
// contacted after the reminder.
func NoticeContactEscalate(uid string, late []ContactLate, p Policy) Notice {
	lines := make([]string, len(late))
	for i, l := range late {
		lines[i] = fmt.Sprintf("#%d %s → %s（%s 分配）", l.CustomerID, l.Name, l.RepName, p.DateTime(l.StartedAt))
	}
	return Notice{ToUser: uid, Text: fmt.Sprintf("首次联系超时未处理：以下新线索已提醒负责人，仍没有跟进记录。请督促联系，或发「转移 #编号 @同事 原因:…」换人。\n%s",
		strings.Join(lines, "\n"))}
}

func hoursText(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d 小时", d/time.Hour)
	}
	return fmt.Sprintf("%d 分钟", d/time.Minute)
}

// ContactCount is one rep's first contacts in a period: leads whose time
// ran out or that were contacted, and those contacted in time.
type ContactCount struct {
	Rep      string `db:"rep" json:"rep"`
	Assigned int    `db:"assigned" json:"assigned"`
	OnTime   int    `db:"on_time" json:"on_time"`
}
