package baobei

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// RFMPolicy scores won customers by their purchases (recency, frequency,
// monetary) and puts each in the first segment whose rule it meets; a
// segment is a system tag of the customer.
type RFMPolicy struct {
	Window    int       `yaml:"window"`    // days counted by frequency and monetary
	Recency   []int     `yaml:"recency"`   // days since the last purchase: ≤ [0] scores 5 … > [3] scores 1
	Frequency []int     `yaml:"frequency"` // purchases in the window: ≥ [3] scores 5 … < [0] scores 1
	Monetary  []float64 `yaml:"monetary"`  // yuan in the window: ≥ [3] scores 5 … < [0] scores 1
	Segments  []Segment `yaml:"segments"`  // in order; the first whose rule holds
}

// Segment is a named group of customers by an expression over RFM.
type Segment struct {
	Name   string `yaml:"name"`
	Rule   string `yaml:"rule"`
	Remind bool   `yaml:"remind"` // entering it gives the owner a follow-up task (潜在流失)

	prog *vm.Program
}

// RFM is one customer's purchase record as the segment rules read it.
type RFM struct {
	RecencyDays int     `expr:"recency_days"` // days since the last purchase
	Frequency   int     `expr:"frequency"`    // purchases within the window
	Monetary    float64 `expr:"monetary"`     // yuan within the window
	Purchases   int     `expr:"purchases"`    // purchases in all
	Total       float64 `expr:"total"`        // yuan in all
	R           int     `expr:"r"`            // scores 1–5
	F           int     `expr:"f"`
	M           int     `expr:"m"`
}

// RFMVars names what a segment rule may use.
const RFMVars = "recency_days frequency monetary purchases total r f m"

// DefaultRFMPolicy is the README's default.
func DefaultRFMPolicy() RFMPolicy {
	p := RFMPolicy{
		Window:    365,
		Recency:   []int{30, 90, 180, 365},
		Frequency: []int{2, 3, 5, 10},
		Monetary:  []float64{1000, 5000, 20000, 50000},
		Segments: []Segment{
			{Name: "高价值客户", Rule: "recency_days <= 30 and monetary >= 50000"},
			{Name: "潜在流失", Rule: "recency_days > 90 and frequency >= 2", Remind: true},
			{Name: "新客户", Rule: "frequency == 1 and recency_days <= 30"},
		},
	}
	if err := p.Compile(); err != nil {
		panic(err)
	}
	return p
}

// Compile checks the thresholds and compiles the segment rules, naming the
// first that is wrong. Start-up calls it once; Segment compiles a rule that
// was not.
func (p *RFMPolicy) Compile() error {
	if p.Window < 1 {
		return fmt.Errorf("policy.rfm.window: %d must be a positive number of days", p.Window)
	}
	for name, n := range map[string]int{"recency": len(p.Recency), "frequency": len(p.Frequency), "monetary": len(p.Monetary)} {
		if n != 4 {
			return fmt.Errorf("policy.rfm.%s: write 4 thresholds in ascending order (scores 5 to 1), e.g. [30, 90, 180, 365]", name)
		}
	}
	if !slices.IsSorted(p.Recency) || !slices.IsSorted(p.Frequency) || !slices.IsSorted(p.Monetary) {
		return fmt.Errorf("policy.rfm: thresholds must be in ascending order")
	}
	seen := map[string]bool{}
	for i := range p.Segments {
		s := &p.Segments[i]
		if _, err := ParseTag(s.Name); err != nil || seen[s.Name] {
			return fmt.Errorf("policy.rfm.segments[%d]: name %q must be a unique tag of 1 to 16 characters without spaces, #, @ or colons", i, s.Name)
		}
		seen[s.Name] = true
		prog, err := compileRule(s.Rule)
		if err != nil {
			return fmt.Errorf("policy.rfm.segments[%d] %s: rule %q: %v (it may use %s)", i, s.Name, s.Rule, err, RFMVars)
		}
		s.prog = prog
	}
	return nil
}

// calendarDays is how many midnights of to's location lie between from and to.
func calendarDays(from, to time.Time) int {
	y, m, d := from.In(to.Location()).Date()
	a := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	y, m, d = to.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(a).Hours() / 24)
}

func compileRule(rule string) (*vm.Program, error) {
	return expr.Compile(rule, expr.Env(RFM{}), expr.AsBool())
}

// Score computes a customer's RFM at now from the last purchase, the
// purchases (and their cents) within the window and in all. Recency counts
// calendar days in now's location: bought yesterday is 1 at any hour.
func (p RFMPolicy) Score(now, last time.Time, inWindow int, windowCents int64, all int, allCents int64) RFM {
	r := RFM{RecencyDays: max(0, calendarDays(last, now)), Frequency: inWindow, Monetary: float64(windowCents) / 100,
		Purchases: all, Total: float64(allCents) / 100}
	r.R = 5 - countBelow(p.Recency, func(t int) bool { return r.RecencyDays > t })
	r.F = 1 + countBelow(p.Frequency, func(t int) bool { return r.Frequency >= t })
	r.M = 1 + countBelow(p.Monetary, func(t float64) bool { return r.Monetary >= t })
	return r
}

func countBelow[T any](ts []T, past func(T) bool) int {
	n := 0
	for _, t := range ts {
		if past(t) {
			n++
		}
	}
	return n
}

// Segment is the first segment whose rule r meets, if any.
func (p RFMPolicy) Segment(r RFM) (Segment, bool) {
	for _, s := range p.Segments {
		prog := s.prog
		if prog == nil {
			var err error
			if prog, err = compileRule(s.Rule); err != nil {
				continue // Compile refused it at start-up
			}
		}
		if ok, err := expr.Run(prog, r); err == nil && ok == true {
			return s, true
		}
	}
	return Segment{}, false
}

// Named is the segment called name, if the policy has one.
func (p RFMPolicy) Named(name string) (Segment, bool) {
	i := slices.IndexFunc(p.Segments, func(s Segment) bool { return s.Name == name })
	if i < 0 {
		return Segment{}, false
	}
	return p.Segments[i], true
}

// Reminded lists the names of the segments whose entry gives a task.
func (p RFMPolicy) Reminded() []string {
	var out []string
	for _, s := range p.Segments {
		if s.Remind {
			out = append(out, s.Name)
		}
	}
	return out
}

// Text is r for 查询 and the lists: RFM 5-3-4（最近购买 12 天前，近365天 3 次 ¥15800）.
func (p RFMPolicy) Text(r RFM) string {
	return fmt.Sprintf("RFM %d-%d-%d（最近购买 %d 天前，近%d天 %d 次 ¥%s）", r.R, r.F, r.M, r.RecencyDays, p.Window, r.Frequency,
		FormatCents(int64(r.Monetary*100)))
}

// SegmentCustomer is a won customer in a segment, as 流失预警 lists it.
type SegmentCustomer struct {
	ID        int64  `db:"id"`
	Name      string `db:"name"`
	OwnerName string `db:"owner_name"`
	Segment   string `db:"tag"`
	RFM       RFM    `db:"-"`
}

// CarePolicy is the after-sale care of won customers.
type CarePolicy struct {
	RevisitDays int `yaml:"revisit_days"` // a won customer not followed up (nor bought) for this long is due a 回访; 0: never
}

// revisitDue: c is won and neither followed up nor bought within
// care.revisit_days.
func revisitDue(c *Customer, now time.Time, p Policy) bool {
	d := p.Care.RevisitDays
	return c.Status == StatusWon && d > 0 && !c.LastActivity().After(now.AddDate(0, 0, -d))
}

// SegmentEntry is a customer that entered a segment with remind.
type SegmentEntry struct {
	UID     string // its owner
	ID      int64
	Name    string
	Segment string
	RFM     RFM
}

// NoticeSegmentEntries tells each owner, once per segment, which of their
// customers entered it and that a follow-up is due today.
func NoticeSegmentEntries(es []SegmentEntry, p Policy) []Notice {
	type key struct{ uid, segment string }
	byKey := map[key][]SegmentEntry{}
	var order []key
	for _, e := range es {
		k := key{e.UID, e.Segment}
		if byKey[k] == nil {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], e)
	}
	ns := make([]Notice, 0, len(order))
	for _, k := range order {
		group := byKey[k]
		lines := []string{fmt.Sprintf("%d 个成交客户进入「%s」，已设为今天跟进：", len(group), k.segment)}
		for _, e := range group[:min(len(group), DigestLines)] {
			lines = append(lines, fmt.Sprintf("#%d %s · %s", e.ID, e.Name, p.RFM.Text(e.RFM)))
		}
		if more := len(group) - DigestLines; more > 0 {
			lines = append(lines, fmt.Sprintf("…另有 %d 个", more))
		}
		lines = append(lines, fmt.Sprintf("请尽快回访，然后发「跟进 #%d 内容」记录。", group[0].ID))
		ns = append(ns, Notice{ToUser: k.uid, Text: strings.Join(lines, "\n")})
	}
	return ns
}
