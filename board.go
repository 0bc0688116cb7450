package baobei

import "time"

// The dashboard's rows (看板). Its headline numbers are Stats, the same as
// 统计 and the weekly summary; these add what a table of people and a list
// of customers need.

// WeekCount is one week of a trend: reports (as Stats.NewReports counts
// them) and customers won.
type WeekCount struct {
	Start    time.Time
	New, Won int
}

// PersonRow is one member in the People ranking.
type PersonRow struct {
	ID        int64  `db:"id"`
	Name      string `db:"name"`
	Held      int    // customers held now, not counting 已成交
	FollowUps int    // in the period
	Visits    int    // reported in the period
	WonCount  int    // in the period
	WonCents  int64  //
	Overdue   int    // held customers whose planned follow-up has passed
	Stale     int    // held customers idle longer than their grade allows
}

// RiskRow is a customer needing attention, and why (to show in order).
type RiskRow struct {
	Customer
	Expiring, Overdue, Stale bool
}

// ChannelRow is one source's leads of a period: how many were reported,
// contacted (followed up at least once) and won, the won amount, and the
// median and 75th percentile of the days from report to won.
type ChannelRow struct {
	Source                    string
	Leads, Contacted, Won     int
	WonCents                  int64
	MedianDaysToWin, P75ToWin float64
}

// CycleRow is how long deals took for one source or rep (days from report
// to won, of the customers won in the period).
type CycleRow struct {
	Key         string
	Won         int
	Median, P75 float64
}

// StageTime is the median days customers spent in a stage before leaving it.
type StageTime struct {
	Stage  Stage
	Median float64
	N      int
}

// ForecastRow is expected revenue — Σ amount × the stage's win probability
// (policy.win_probability) of the open deals with an amount — for one month
// (by the deal's next planned follow-up, else this month) or one rep, next
// to what was won (in that month, or in the period).
type ForecastRow struct {
	Key           string
	Deals         int
	ExpectedCents int64
	WonCents      int64
}
