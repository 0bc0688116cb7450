package baobei

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Assignment strategies within a team.
const (
	RoundRobin  = "round_robin"  // the next rep after the last one assigned, in a fixed order
	LeastLoaded = "least_loaded" // the rep holding the fewest open customers (ties: round robin)
)

// AssignmentPolicy decides who gets a new lead (policy.assignment): the
// first rule that matches names the team, else DefaultTeam, else the lead
// goes to the pool; within the team Strategy picks a rep who is not away,
// holds fewer than max_held and got fewer than MaxPerDay leads today.
type AssignmentPolicy struct {
	Strategy    string       `yaml:"strategy"`
	MaxPerDay   int          `yaml:"max_per_day"` // 0: no daily cap
	DefaultTeam string       `yaml:"default_team"`
	Rules       []AssignRule `yaml:"rules"`
}

// AssignRule sends leads to a team: from one of Sources (a lead's source
// containing the word) and in one of Regions (its region containing the
// keyword); an empty list matches every lead.
type AssignRule struct {
	Sources []string `yaml:"sources"`
	Regions []string `yaml:"regions"`
	Team    string   `yaml:"team"` // the team's code or name
}

// TeamFor is the team (code or name) that gets a lead from source in
// region; "" sends it to the pool.
func (p AssignmentPolicy) TeamFor(source, region string) string {
	for _, r := range p.Rules {
		if containsAny(source, r.Sources) && containsAny(region, r.Regions) {
			return r.Team
		}
	}
	return p.DefaultTeam
}

func containsAny(s string, words []string) bool {
	if len(words) == 0 {
		return true
	}
	for _, w := range words {
		if w != "" && strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// Teams lists every team the policy names.
func (p AssignmentPolicy) Teams() []string {
	var out []string
	if p.DefaultTeam != "" {
		out = append(out, p.DefaultTeam)
	}
	for _, r := range p.Rules {
		out = append(out, r.Team)
	}
	return out
}

// Assignee is a rep who may get a lead, with the customers they hold
// (read for least_loaded only).
type Assignee struct {
	User
	Held int
}

// Order is the order in which the strategy tries the team's reps (in user
// id order, away ones left out): round robin starts after last, the rep
// assigned last time; least loaded takes the fewest held first, ties in
// round-robin order. The store takes the first one under the caps.
func (p AssignmentPolicy) Order(reps []Assignee, last int64) []Assignee {
	order := make([]Assignee, 0, len(reps))
	for _, after := range []bool{true, false} {
		for _, a := range reps {
			if (a.ID > last) == after {
				order = append(order, a)
			}
		}
	}
	if p.Strategy == LeastLoaded {
		slices.SortStableFunc(order, func(a, b Assignee) int { return a.Held - b.Held })
	}
	return order
}

// Away is how a user's leave (请假) reads: until when.
func (p Policy) Away(until time.Time) string {
	return p.Date(until.Add(-time.Second))
}

// LeadDraft is a new lead from outside chat (the HTTP API): the customer,
// and Via, who sent it (the API token's name), for the audit row.
type LeadDraft struct {
	CustomerDraft
	Via string
	// An Idempotency-Key of the posting token: the same key again answers
	// with the customer the first post made, and changes nothing.
	TokenID int64
	IdemKey string
}

// AssignResult is where a lead or a customer went: to Rep of Team, or (Rep
// nil) to the pool, with Why in Chinese when a matched team had nobody.
type AssignResult struct {
	Customer *Customer
	Rep      *User
	Team     *Team
	Why      string
	Held     int  // by hand: what the rep holds now (caps do not stop a manager)
	Replayed bool // a lead posted again with its Idempotency-Key: nothing changed
}

// LeadCard builds the push that tells a rep of a lead given to them (a
// card with 已联系 / 转给同事 buttons); the store writes it with the change.
type LeadCard func(c *Customer, rep *User, by string) Notice

// LeadText is the lead's text for its rep: who gave it, the customer, its
// source, demand and region, and what to do next.
func LeadText(c *Customer, by string, p Policy) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s分配给你一个新线索 #%d %s %s", by, c.ID, c.Name, c.Phone)
	for _, f := range [][2]string{{"来源", c.Source}, {"需求", c.Demand}, {"地区", c.Region}, {"公司", c.Company}} {
		if f[1] != "" {
			fmt.Fprintf(&b, "，%s:%s", f[0], f[1])
		}
	}
	fmt.Fprintf(&b, "。%s。联系后回复「跟进 #%d 内容」；不便跟进请发「转派 #%d」。", ProtectionText(c, p), c.ID, c.ID)
	return b.String()
}

// NoticeLeadTeam is the team chat's line about an assigned lead, or one
// that found nobody (rep nil) and went to the pool.
func NoticeLeadTeam(t *Team, c *Customer, rep *User, why string) Notice {
	text := fmt.Sprintf("新线索 #%d %s（%s）已分配给 %s。", c.ID, c.Name, sourceText(c.Source), repName(rep))
	if rep == nil {
		text = fmt.Sprintf("新线索 #%d %s（%s）%s，已进公海。经理可发「分配 #%d @同事」。", c.ID, c.Name, sourceText(c.Source), why, c.ID)
	}
	return Notice{ToChat: t.ChatID, Text: text}
}

func repName(u *User) string {
	if u == nil {
		return ""
	}
	return u.Name
}

func sourceText(s string) string {
	if s == "" {
		return "来源未填"
	}
	return s
}
