package baobei

import "time"

// Policy holds every business rule that a company may tune in baobei.yaml.
type Policy struct {
	ProtectionDays  int              `yaml:"protection_days"`    // 保护期 from report or claim
	MaxHeld         int              `yaml:"max_held"`           // customers held at once, not counting 已成交
	MaxClaimsPerDay int              `yaml:"max_claims_per_day"` // claims from the pool per calendar day
	ReclaimCooldown int              `yaml:"reclaim_cooldown_days"`
	NameMaxRunes    int              `yaml:"name_max"`
	ContentMaxRunes int              `yaml:"content_max"`
	FieldMaxRunes   int              `yaml:"field_max"`        // source, demand, company, wechat, reason
	CompanySuffixes []string         `yaml:"company_suffixes"` // stripped from company names on top of the built-in list
	Approval        ApprovalPolicy   `yaml:"approval"`
	StaleDays       map[string]int   `yaml:"stale_days"`           // no follow-up for this many days is stale, by grade
	StaleDefault    int              `yaml:"stale_default"`        // …for customers without a grade
	IdleRelease     map[string]int   `yaml:"idle_release_days"`    // released after this many days without a follow-up, by grade
	IdleDefault     int              `yaml:"idle_release_default"` // …for customers without a grade
	MaxLocks        int              `yaml:"max_locks"`            // locked customers per rep
	WarnDays        int              `yaml:"warn_days"`            // an owner is warned this many days before a release rule takes a customer
	Visits          VisitPolicy      `yaml:"visits"`
	Assignment      AssignmentPolicy `yaml:"assignment"`
	SLA             SLAPolicy        `yaml:"sla"`
	Report          ReportPolicy     `yaml:"report"`
	Fields          []FieldDef       `yaml:"fields"`          // custom fields; UseFields makes them the ones in use
	Stages          []StageDef       `yaml:"stages"`          // the funnel; UseStages makes it the one in use
	WinProbability  map[Stage]int    `yaml:"win_probability"` // percent per open stage, for the dashboard's forecast
	RFM             RFMPolicy        `yaml:"rfm"`
	Care            CarePolicy       `yaml:"care"`
	Loc             *time.Location   `yaml:"-"` // dates in replies and chat input; from config timezone
}

// DefaultPolicy returns the defaults documented in the README.
func DefaultPolicy() Policy {
	return Policy{
		ProtectionDays:  30,
		MaxHeld:         100,
		MaxClaimsPerDay: 10,
		ReclaimCooldown: 7,
		NameMaxRunes:    32,
		ContentMaxRunes: 2000,
		FieldMaxRunes:   200,
		Loc:             shanghai,
		Approval:        ApprovalPolicy{Company: true, Grades: []string{"A"}, MaxExtendDays: 30, MaxExtensions: 2, ExpireDays: 7},
		StaleDays:       map[string]int{"A": 3, "B": 7, "C": 15},
		StaleDefault:    7,
		IdleRelease:     map[string]int{},
		IdleDefault:     15,
		MaxLocks:        10,
		WarnDays:        3,
		Visits:          DefaultVisitPolicy(),
		Assignment:      AssignmentPolicy{Strategy: RoundRobin},
		SLA:             DefaultSLAPolicy(),
		Stages:          DefaultStages(),
		WinProbability:  map[Stage]int{"新线索": 5, StageContacted: 10, StageNeeds: 30, StageQuoted: 60, StageSigning: 90},
		RFM:             DefaultRFMPolicy(),
		Care:            CarePolicy{RevisitDays: 90},
	}
}

// Protection is the protection period as a duration.
func (p Policy) Protection() time.Duration {
	return time.Duration(p.ProtectionDays) * 24 * time.Hour
}

// WarnAhead is the warning window: a customer a release rule takes within
// it is in the owner's warning (warn-expiring), which counts the days left
// up to WarnDays.
func (p Policy) WarnAhead() time.Duration {
	return time.Duration(p.WarnDays) * 24 * time.Hour
}

// Cooldown is how long a former owner must wait before taking a customer back.
func (p Policy) Cooldown() time.Duration {
	return time.Duration(p.ReclaimCooldown) * 24 * time.Hour
}

var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// Date formats a time as a date in the policy's zone: 12月23日.
func (p Policy) Date(t time.Time) string { return t.In(p.Loc).Format("1月2日") }

// DateTime formats a time with minutes: 12月23日 14:00.
func (p Policy) DateTime(t time.Time) string { return t.In(p.Loc).Format("1月2日 15:04") }

// DayStart is midnight of t's day in the policy's zone.
func (p Policy) DayStart(t time.Time) time.Time {
	y, m, d := t.In(p.Loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, p.Loc)
}

// WeekStart is Monday 00:00 of t's week in the policy's zone.
func (p Policy) WeekStart(t time.Time) time.Time {
	day := p.DayStart(t)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// Until is the open end of a period that runs up to now: times are stored
// to the second, so what happened in now's second counts too.
func Until(now time.Time) time.Time { return now.Truncate(time.Second).Add(time.Second) }

// Stale is how long a customer of grade may go without a follow-up.
func (p Policy) Stale(grade string) time.Duration {
	d, ok := p.StaleDays[grade]
	if !ok {
		d = p.StaleDefault
	}
	return time.Duration(d) * 24 * time.Hour
}

// Idle is how long a customer of grade may go without a follow-up before it
// is released to the pool.
func (p Policy) Idle(grade string) time.Duration {
	d, ok := p.IdleRelease[grade]
	if !ok {
		d = p.IdleDefault
	}
	return time.Duration(d) * 24 * time.Hour
}

// ReleaseAt is when a release rule fires for c: the end of its protection,
// or its idle limit, whichever comes first (an approved 延期 suspends the
// idle limit until the new end); zero for won or locked ones.
func (p Policy) ReleaseAt(c *Customer) (time.Time, string) {
	if c.Status != StatusOwned || c.Locked || c.ProtectedUntil == nil {
		return time.Time{}, ""
	}
	if c.Extended() {
		return *c.ProtectedUntil, ReleaseExpired
	}
	if idle := c.LastActivity().Add(p.Idle(c.Grade)); idle.Before(*c.ProtectedUntil) {
		return idle, ReleaseNoFollow
	}
	return *c.ProtectedUntil, ReleaseExpired
}
