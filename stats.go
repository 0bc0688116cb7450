package baobei

import (
	"fmt"
	"strings"
)

// Scope is whose numbers a summary counts: one user, one team, or all.
type Scope struct {
	UserID *int64
	TeamID *int64
}

// ScopeOf is what u may see: their own numbers, their team's, or all.
func ScopeOf(u *User) Scope {
	switch {
	case u.Role == RoleAdmin:
		return Scope{}
	case u.Role == RoleManager && u.TeamID != nil:
		return Scope{TeamID: u.TeamID}
	}
	return Scope{UserID: &u.ID}
}

// Count is a labelled number.
type Count struct {
	Label string `db:"label" json:"label"`
	N     int    `db:"n" json:"n"`
}

// Stats is a funnel and the activity of a period.
type Stats struct {
	Stages     map[Stage]int `json:"stages"`      // customers held now (owned and won), by stage
	NewReports int           `json:"new_reports"` // customers reported in the period
	WonCount   int           `json:"won_count"`
	WonCents   int64         `json:"won_cents"`
	Lost       int           `json:"lost"`
	LostTop    []Count       `json:"lost_top"`   // lost reasons, most frequent first
	FollowUps  []Count       `json:"follow_ups"` // follow-ups per rep, most first
	// FollowUpKinds counts the period's follow-ups by kind, in the order of
	// FollowUpKinds, kinds with none left out.
	FollowUpKinds []Count `json:"follow_up_kinds"`
	// Visits per rep planned in the period (not cancelled), reported and
	// missed; VisitReports of them reported, VisitReportsOnTime within
	// visits.report_hours; VisitsByGrade reported, by customer grade;
	// VisitsToWon the visits made to the customers won in the period.
	Visits             []VisitCount `json:"visits"`
	VisitReports       int          `json:"visit_reports"`
	VisitReportsOnTime int          `json:"visit_reports_on_time"`
	VisitsByGrade      []Count      `json:"visits_by_grade"`
	VisitsToWon        int          `json:"visits_to_won"`
	// FirstContacts per rep: leads given in the period whose first-contact
	// time ran out or that were contacted, and those contacted in time.
	FirstContacts []ContactCount `json:"first_contacts"`
	PoolIn        int            `json:"pool_in"`  // customers that went to the pool
	PoolOut       int            `json:"pool_out"` // customers claimed (or taken by 报备) from the pool
	// Purchases recorded in the period (by who recorded them, as wins are
	// counted) and their total: the average order value.
	Purchases     int   `json:"purchases"`
	PurchaseCents int64 `json:"purchase_cents"`
	// Buyers are the won customers held now; RepeatBuyers of them bought
	// twice or more: the repeat-purchase rate.
	Buyers       int `json:"buyers"`
	RepeatBuyers int `json:"repeat_buyers"`
	// Segments counts the customers held now per RFM segment, in the
	// policy's order, empty ones left out.
	Segments []Count `json:"segments"`
}

// OrderValue is the average order value of the period's purchases, in cents.
func (s Stats) OrderValue() int64 {
	if s.Purchases == 0 {
		return 0
	}
	return s.PurchaseCents / int64(s.Purchases)
}

// RepeatRate is the percent of the won customers held that bought again.
func (s Stats) RepeatRate() int {
	if s.Buyers == 0 {
		return 0
	}
	return s.RepeatBuyers * 100 / s.Buyers
}

// PurchaseText is the purchases part of a summary, "" when there are none.
func (s Stats) PurchaseText() string {
	if s.Purchases == 0 && s.Buyers == 0 {
		return ""
	}
	out := fmt.Sprintf("【复购】平均客单价 ¥%s（本期 %d 笔）· 复购率 %d%%（%d/%d 个成交客户）",
		FormatCents(s.OrderValue()), s.Purchases, s.RepeatRate(), s.RepeatBuyers, s.Buyers)
	if len(s.Segments) > 0 {
		out += "\n客户分群：" + joinCounts(s.Segments)
	}
	return out
}

// FunnelStep is one stage of the funnel with how many are there now, how
// many reached it (there or beyond) and the conversion from the stage
// before (percent; -1 for the first or when none reached the one before).
type FunnelStep struct {
	Stage      Stage
	Now, Reach int
	Conversion int
}

// Funnel is the funnel as 统计 prints it.
func (s Stats) Funnel() []FunnelStep {
	reach, funnel := s.Reach(), FunnelStages()
	out := make([]FunnelStep, len(funnel))
	for i, st := range funnel {
		out[i] = FunnelStep{Stage: st, Now: s.Stages[st], Reach: reach[i], Conversion: -1}
		if i > 0 && reach[i-1] > 0 {
			out[i].Conversion = reach[i] * 100 / reach[i-1]
		}
	}
	return out
}

// Text renders the summary as plain text with a title.
func (s Stats) Text(title string) string {
	var b strings.Builder
	b.WriteString(title + "\n【漏斗】")
	for _, f := range s.Funnel() {
		fmt.Fprintf(&b, "\n%s %d", f.Stage, f.Now)
		if f.Conversion >= 0 {
			fmt.Fprintf(&b, "（转化 %d%%）", f.Conversion)
		}
	}
	fmt.Fprintf(&b, "\n【本期】新报备 %d · 成交 %d 单 ¥%s · 流失 %d · 入公海 %d · 领取 %d",
		s.NewReports, s.WonCount, FormatCents(s.WonCents), s.Lost, s.PoolIn, s.PoolOut)
	if len(s.LostTop) > 0 {
		b.WriteString("\n流失原因：" + joinCounts(s.LostTop))
	}
	if len(s.FollowUps) > 0 {
		b.WriteString("\n跟进排行：" + joinCounts(s.FollowUps))
	}
	if len(s.FollowUpKinds) > 0 {
		b.WriteString("\n跟进方式：" + joinCounts(s.FollowUpKinds))
	}
	if len(s.FirstContacts) > 0 {
		b.WriteString("\n" + s.ContactText())
	}
	if len(s.Visits) > 0 {
		b.WriteString("\n" + s.VisitText())
	}
	if t := s.PurchaseText(); t != "" {
		b.WriteString("\n" + t)
	}
	return b.String()
}

// Reach counts, per funnel stage, the customers at that stage or beyond:
// the conversion from stage i-1 to i is Reach[i] / Reach[i-1].
func (s Stats) Reach() []int {
	funnel := FunnelStages()
	reach := make([]int, len(funnel))
	for i := len(funnel) - 1; i >= 0; i-- {
		reach[i] = s.Stages[funnel[i]]
		if i+1 < len(funnel) {
			reach[i] += reach[i+1]
		}
	}
	return reach
}

func joinCounts(cs []Count) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s %d", c.Label, c.N)
	}
	return strings.Join(parts, "、")
}

// ByKind orders counts by follow-up kind (电话 微信 拜访 到店 其他).
func ByKind(cs []Count) []Count {
	var out []Count
	for _, k := range FollowUpKinds {
		for _, c := range cs {
			if c.Label == string(k) && c.N > 0 {
				out = append(out, c)
			}
		}
	}
	return out
}

// VisitCount is one rep's visits of a period.
type VisitCount struct {
	Rep     string `json:"rep"`
	Planned int    `json:"planned"`
	Done    int    `json:"done"`
	Missed  int    `json:"missed"`
}

// VisitText is the visits part of a summary: per rep, report timeliness,
// visits per won deal and by grade.
func (s Stats) VisitText() string {
	var reps []string
	for _, v := range s.Visits {
		reps = append(reps, fmt.Sprintf("%s 计划 %d · 完成 %d · 未去 %d", v.Rep, v.Planned, v.Done, v.Missed))
	}
	out := "【拜访】" + strings.Join(reps, "；")
	if s.VisitReports > 0 {
		out += fmt.Sprintf("\n报告及时率 %d%%（%d/%d 在时限内）", s.VisitReportsOnTime*100/s.VisitReports, s.VisitReportsOnTime, s.VisitReports)
	}
	if s.WonCount > 0 {
		out += fmt.Sprintf("\n平均每单拜访 %.1f 次", float64(s.VisitsToWon)/float64(s.WonCount))
	}
	if len(s.VisitsByGrade) > 0 {
		out += "\n按等级：" + joinCounts(s.VisitsByGrade)
	}
	return out
}

// ContactText is the first-contact line of a summary: per rep, leads
// contacted in time out of those due (with the rate).
func (s Stats) ContactText() string {
	reps := make([]string, len(s.FirstContacts))
	for i, c := range s.FirstContacts {
		reps[i] = fmt.Sprintf("%s %d/%d", c.Rep, c.OnTime, c.Assigned)
		if c.Assigned > 0 {
			reps[i] += fmt.Sprintf("（%d%%）", c.OnTime*100/c.Assigned)
		}
	}
	return "首次联系及时率：" + strings.Join(reps, "、")
}
