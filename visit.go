package baobei

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// VisitStatus is where a field visit (拜访) stands.
type VisitStatus string

// Visit statuses: planned → checked_in → reported; cancelled; missed (no
// check-in and no report by the end of the day after the planned day; a
// late report still makes it reported).
const (
	VisitPlanned   VisitStatus = "planned"
	VisitCheckedIn VisitStatus = "checked_in"
	VisitReported  VisitStatus = "reported"
	VisitCancelled VisitStatus = "cancelled"
	VisitMissed    VisitStatus = "missed"
)

// Label names a status in Chinese.
func (s VisitStatus) Label() string {
	switch s {
	case VisitCheckedIn:
		return "已签到"
	case VisitReported:
		return "已报告"
	case VisitCancelled:
		return "已取消"
	case VisitMissed:
		return "未拜访"
	}
	return "待拜访"
}

// Open reports whether the visit still waits for its report.
func (s VisitStatus) Open() bool { return s == VisitPlanned || s == VisitCheckedIn || s == VisitMissed }

// Location is where a rep checked in: from a platform's location message
// (WeCom: Location_X, Location_Y, Scale, Label) or the console's button.
type Location struct {
	Lat   float64 `json:"lat"`
	Lng   float64 `json:"lng"`
	Scale int     `json:"scale,omitempty"`
	Label string  `json:"label"`
}

// Visit is one planned field visit and what became of it.
type Visit struct {
	ID            int64       `db:"id"`
	CustomerID    int64       `db:"customer_id"`
	CustomerName  string      `db:"customer_name"`
	CustomerGrade string      `db:"customer_grade"`
	UserID        int64       `db:"user_id"`
	UserName      string      `db:"user_name"`
	UserUID       string      `db:"user_uid"`
	TeamID        *int64      `db:"team_id"` // the planner's team
	CompanionID   *int64      `db:"companion_id"`
	CompanionName string      `db:"companion_name"`
	CompanionUID  string      `db:"companion_uid"`
	PlannedAt     time.Time   `db:"planned_at"`
	Goal          string      `db:"goal"`
	Address       string      `db:"address"`
	Status        VisitStatus `db:"status"`
	CheckinAt     *time.Time  `db:"checkin_at"`
	CheckinLat    *float64    `db:"checkin_lat"`
	CheckinLng    *float64    `db:"checkin_lng"`
	CheckinLabel  string      `db:"checkin_label"`
	ReportedAt    *time.Time  `db:"reported_at"`
	Report        string      `db:"report"` // the report as typed, one field a line
	CancelReason  string      `db:"cancel_reason"`
	CreatedAt     time.Time   `db:"created_at"`
	Version       int64       `db:"version"`
}

// VisitDraft is a 拜访 as typed.
type VisitDraft struct {
	At        time.Time
	Goal      string
	Address   string
	Companion *User // invited colleague (同行), or nil
}

// NextStep is one 下一步 of a visit report; one with a date is a task.
type NextStep struct {
	Text string
	Due  *time.Time
}

// VisitReport is a 拜访报告 as typed.
type VisitReport struct {
	Attendees, Pains, Needs, Budget, DecisionChain, Competitors, Concerns string
	NextSteps                                                             []NextStep
	Stage                                                                 Stage // "" keeps it
	StageExplicit                                                         bool
}

// Fields lists the report's fields as label and value, in the order of the
// form, leaving out empty ones.
func (r VisitReport) Fields() [][2]string {
	var steps []string
	for _, s := range r.NextSteps {
		steps = append(steps, s.Text)
	}
	var out [][2]string
	for _, f := range [][2]string{{"参会", r.Attendees}, {"痛点", r.Pains}, {"需求", r.Needs}, {"预算", r.Budget},
		{"决策链", r.DecisionChain}, {"竞品", r.Competitors}, {"关注点", r.Concerns}, {"下一步", strings.Join(steps, "；")}} {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	return out
}

// Text is the report as stored and shown: one field a line.
func (r VisitReport) Text() string {
	var lines []string
	for _, f := range r.Fields() {
		lines = append(lines, f[0]+"："+f[1])
	}
	return strings.Join(lines, "\n")
}

// FirstDue is the earliest dated next step, or nil.
func (r VisitReport) FirstDue() *time.Time {
	var first *time.Time
	for _, s := range r.NextSteps {
		if s.Due != nil && (first == nil || s.Due.Before(*first)) {
			first = s.Due
		}
	}
	return first
}

// VisitPolicy tunes the visit loop.
type VisitPolicy struct {
	RemindMinutes  int               `yaml:"remind_before_minutes"` // the rep is reminded this long before a planned visit
	CheckinBefore  int               `yaml:"checkin_before_hours"`  // a check-in counts from this long before the planned time …
	CheckinAfter   int               `yaml:"checkin_after_hours"`   // … to this long after it
	ReportHours    int               `yaml:"report_hours"`          // the report is due this long after the check-in (or the planned time)
	EscalateHours  int               `yaml:"escalate_hours"`        // still none this long later: the manager is told
	ReportRequired []string          `yaml:"report_required"`       // fields a report must have
	Cadence        map[string]string `yaml:"cadence"`               // per grade, e.g. A: 30d: no visit for this long → 该拜访了 (待办, digest)
}

// DefaultVisitPolicy is the README's default.
func DefaultVisitPolicy() VisitPolicy {
	return VisitPolicy{RemindMinutes: 60, CheckinBefore: 2, CheckinAfter: 4, ReportHours: 24, EscalateHours: 24,
		ReportRequired: []string{"参会", "痛点", "下一步"}, Cadence: map[string]string{}}
}

// VisitFields are the fields of a visit report, in the order of the form.
var VisitFields = []string{"参会", "痛点", "需求", "预算", "决策链", "竞品", "关注点", "下一步"}

// InWindow reports whether t falls in v's check-in window.
func (p VisitPolicy) InWindow(v *Visit, t time.Time) bool {
	return !t.Before(v.PlannedAt.Add(-time.Duration(p.CheckinBefore)*time.Hour)) &&
		!t.After(v.PlannedAt.Add(time.Duration(p.CheckinAfter)*time.Hour))
}

// ReportDue is when v's report is due: ReportHours after the check-in, or
// after the planned time when there was none.
func (p VisitPolicy) ReportDue(v *Visit) time.Time {
	from := v.PlannedAt
	if v.CheckinAt != nil {
		from = *v.CheckinAt
	}
	return from.Add(time.Duration(p.ReportHours) * time.Hour)
}

// CheckVisitPlan: a visit is planned in the future, at most 90 days ahead,
// and a companion is someone else who is active.
func CheckVisitPlan(d VisitDraft, actor *User, now time.Time) error {
	if !d.At.After(now) {
		return Errorf(EINVALID, "拜访时间要在现在之后。例如：拜访 #3 明天 14:00 目标:演示方案")
	}
	if d.At.After(now.Add(90 * 24 * time.Hour)) {
		return Errorf(EINVALID, "拜访最多提前 90 天计划。请写近一点的时间，例如：拜访 #3 下周三 10:00")
	}
	if d.Companion != nil && (d.Companion.ID == actor.ID || !d.Companion.Active) {
		return Errorf(EINVALID, "同行要写另一位在职同事，例如：同行:@李四")
	}
	return nil
}

// CheckVisitActor: only the rep who planned the visit or the invited
// colleague may check in, report, reschedule or cancel it.
func CheckVisitActor(v *Visit, actor *User) error {
	if actor.ID == v.UserID || v.CompanionID != nil && *v.CompanionID == actor.ID {
		return nil
	}
	return Errorf(EFORBIDDEN, "V%d 是 %s 的拜访，只有他和同行的同事能操作。发「拜访计划」查看你的拜访。", v.ID, v.UserName)
}

// CheckVisitOpen refuses a change to a visit that is done or cancelled.
func CheckVisitOpen(v *Visit) error {
	switch v.Status {
	case VisitCancelled:
		return Errorf(EINVALID, "V%d 已取消。要再去请重新计划：拜访 #%d 明天 14:00", v.ID, v.CustomerID)
	case VisitReported:
		return Errorf(EINVALID, "V%d 已提交报告。要再去请重新计划：拜访 #%d 明天 14:00", v.ID, v.CustomerID)
	}
	return nil
}

// CheckVisitReportable: a report comes after the visit (its check-in, or
// its planned time), and only while the customer is still with the rep who
// planned it (or one the actor may work): a released or transferred
// customer's history is its new owner's.
func CheckVisitReportable(v *Visit, c *Customer, actor *User, now time.Time, p Policy) error {
	if v.CheckinAt == nil && now.Before(v.PlannedAt) {
		return Errorf(EINVALID, "V%d 计划在 %s，拜访后再写报告。到了发「签到 V%d」或发位置。", v.ID, p.DateTime(v.PlannedAt), v.ID)
	}
	if owner, ok := c.Owner(now); ok && (owner == v.UserID || CheckWork(c, actor, now, p) == nil) {
		return nil
	}
	return Errorf(EFORBIDDEN, "#%d %s 已不在 %s 名下，拜访报告不能再记入。有新情况请告诉现在的负责人；发「取消拜访 V%d 原因:…」结束这次拜访。",
		c.ID, c.Name, v.UserName, v.ID)
}

// CheckVisitReport requires the configured fields.
func CheckVisitReport(v *Visit, r VisitReport, p VisitPolicy) error {
	have := map[string]bool{}
	for _, f := range r.Fields() {
		have[f[0]] = true
	}
	var missing []string
	for _, f := range p.ReportRequired {
		if !have[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return Errorf(EINVALID, "拜访报告还缺：%s。例如：拜访报告 V%d 参会:王总(决策人) 痛点:交期长 下一步:周五前发方案", strings.Join(missing, "、"), v.ID)
	}
	return nil
}

// VisitLine is one visit in a list: V3 12月2日 14:00 #3 张先生 · 目标 · 状态.
func (p Policy) VisitLine(v *Visit) string {
	s := fmt.Sprintf("V%d %s #%d %s", v.ID, p.DateTime(v.PlannedAt), v.CustomerID, v.CustomerName)
	if v.CustomerGrade != "" {
		s += "（" + v.CustomerGrade + "级）"
	}
	if v.Goal != "" {
		s += " · 目标：" + v.Goal
	}
	if v.CompanionName != "" {
		s += " · 同行 " + v.CompanionName
	}
	return s + " · " + v.Status.Label()
}

// others is who of a visit's two people is not the actor, as a notice
// recipient ("" when the planner acts alone).
func (v *Visit) others(actor *User) string {
	switch {
	case actor.ID == v.UserID:
		return v.CompanionUID
	case v.CompanionID != nil && actor.ID == *v.CompanionID:
		return v.UserUID
	}
	return ""
}

// NoticeVisitInvite tells an invited colleague about the visit.
func NoticeVisitInvite(v *Visit, p Policy) []Notice {
	if v.CompanionUID == "" {
		return nil
	}
	return []Notice{{ToUser: v.CompanionUID, Text: fmt.Sprintf("%s 约你 %s 一起拜访 #%d %s（V%d）%s。到了发「签到 V%d」，结束后你们谁写「拜访报告 V%d」都可以。",
		v.UserName, p.DateTime(v.PlannedAt), v.CustomerID, v.CustomerName, v.ID, goalText(v), v.ID, v.ID)}}
}

// NoticeVisitMoved tells the other one going of a new time.
func NoticeVisitMoved(v *Visit, actor *User, p Policy) []Notice {
	to := v.others(actor)
	if to == "" {
		return nil
	}
	return []Notice{{ToUser: to, Text: fmt.Sprintf("%s 把拜访 V%d（#%d %s）改到 %s。发「拜访计划」查看本周安排。",
		actor.Name, v.ID, v.CustomerID, v.CustomerName, p.DateTime(v.PlannedAt))}}
}

// NoticeVisitCancelled tells the other one going that the visit is off.
func NoticeVisitCancelled(v *Visit, actor *User, p Policy) []Notice {
	to := v.others(actor)
	if to == "" {
		return nil
	}
	return []Notice{{ToUser: to, Text: fmt.Sprintf("%s 取消了 %s 拜访 #%d %s（V%d），原因：%s。发「拜访计划」查看本周安排。",
		actor.Name, p.DateTime(v.PlannedAt), v.CustomerID, v.CustomerName, v.ID, v.CancelReason)}}
}

func goalText(v *Visit) string {
	if v.Goal == "" {
		return ""
	}
	return "，目标：" + v.Goal
}

// NoticeVisitSoon reminds the planner and the colleague going of a visit.
func NoticeVisitSoon(v *Visit, p Policy) []Notice {
	text := fmt.Sprintf("提醒：%s 拜访 #%d %s（V%d）%s%s。到了发「签到 V%d」或发位置。",
		p.DateTime(v.PlannedAt), v.CustomerID, v.CustomerName, v.ID, goalText(v), addressText(v), v.ID)
	ns := []Notice{{ToUser: v.UserUID, Text: text}}
	if v.CompanionUID != "" {
		ns = append(ns, Notice{ToUser: v.CompanionUID, Text: text})
	}
	return ns
}

// NoticeVisitReportDue reminds the planner that the report is due.
func NoticeVisitReportDue(v *Visit, p Policy) []Notice {
	return []Notice{{ToUser: v.UserUID, Text: fmt.Sprintf("V%d（%s 拜访 #%d %s）的拜访报告还没交。请发「拜访报告 V%d 参会:… 痛点:… 下一步:…」；没去成请发「取消拜访 V%d 原因:…」。",
		v.ID, p.DateTime(v.PlannedAt), v.CustomerID, v.CustomerName, v.ID, v.ID)}}
}

// NoticeVisitOverdue tells the planner's managers that a report is overdue.
func NoticeVisitOverdue(v *Visit, managers []User, p Policy) []Notice {
	var ns []Notice
	for _, m := range managers {
		ns = append(ns, Notice{ToUser: m.UID, Text: fmt.Sprintf("%s 的拜访 V%d（%s，#%d %s）已过 %d 小时仍未交拜访报告。请提醒他发「拜访报告 V%d …」。",
			v.UserName, v.ID, p.DateTime(v.PlannedAt), v.CustomerID, v.CustomerName, p.Visits.ReportHours+p.Visits.EscalateHours, v.ID)})
	}
	return ns
}

func addressText(v *Visit) string {
	if v.Address == "" {
		return ""
	}
	return "，地址：" + v.Address
}

// CadenceDays is the visit cadence of a grade in days (visits.cadence:
// 30d, 30天 or 30), 0 when none; ok is false for a value it cannot read.
func (p VisitPolicy) CadenceDays(grade string) (days int, ok bool) {
	v, set := p.Cadence[grade]
	if !set {
		return 0, true
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(v), "d"), "天"))
	return n, err == nil && n > 0
}
