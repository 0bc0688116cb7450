package store

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"baobei"
)

// scopeWhere restricts a user-id column to the scope.
func scopeWhere(col string, s baobei.Scope) (string, []any) {
	switch {
	case s.UserID != nil:
		return col + " = ?", []any{*s.UserID}
	case s.TeamID != nil:
		return col + " IN (SELECT id FROM users WHERE team_id = ?)", []any{*s.TeamID}
	}
	return "1 = 1", nil
}

// Stats counts the funnel held now and the activity in [from, to) of a scope.
func (s *Store) Stats(ctx context.Context, scope baobei.Scope, from, to time.Time) (*baobei.Stats, error) {
	st := &baobei.Stats{Stages: map[baobei.Stage]int{}}
	owner, oargs := scopeWhere("owner_id", scope)
	var stages []baobei.Count
	err := s.q().SelectContext(ctx, &stages, `SELECT stage AS label, COUNT(*) AS n FROM customers
		WHERE `+owner+` AND (status = ? OR (status = ? AND (protected_until > ? OR locked = 1))) GROUP BY stage`,
		append(oargs, baobei.StatusWon, baobei.StatusOwned, ts(to))...)
	if err != nil {
		return nil, err
	}
	for _, c := range stages {
		st.Stages[baobei.Stage(c.Label)] = c.N
	}
	actor, aargs := scopeWhere("actor_id", scope)
	period := append(aargs, ts(from), ts(to))
	counts := []struct {
		dst   *int
		where string
		args  []any
	}{
		{&st.NewReports, "action = ? AND detail IN ('new', 'takeover')", []any{ActReport}},
		{&st.WonCount, "action = ?", []any{ActWon}},
		{&st.PoolOut, "(action = ? OR (action = ? AND detail = ?))", []any{ActClaim, ActReport, DetailTakeover}},
	}
	for _, c := range counts {
		q := "SELECT COUNT(*) FROM audit_events WHERE " + c.where + " AND " + actor + " AND at >= ? AND at < ?"
		if err := s.q().GetContext(ctx, c.dst, q, append(c.args, period...)...); err != nil {
			return nil, err
		}
	}
	if err := s.poolAndLost(ctx, st, scope, from, to); err != nil {
		return nil, err
	}
	if err := s.visitStats(ctx, st, scope, from, to); err != nil {
		return nil, err
	}
	if err := s.contactStats(ctx, st, scope, from, to); err != nil {
		return nil, err
	}
	if err := s.purchaseStats(ctx, st, scope, from, to); err != nil {
		return nil, err
	}
	return st, s.activity(ctx, st, scope, from, to)
}

// visitStats counts the scope's visits planned in the period per rep
// (planned, reported, missed) and by grade (reported), how many reports
// were filed within report_hours, and the visits made to the customers
// won in the period.
func (s *Store) visitStats(ctx context.Context, st *baobei.Stats, scope baobei.Scope, from, to time.Time) error {
	user, uargs := scopeWhere("v.user_id", scope)
	var vs []struct {
		RepID    int64      `db:"rep_id"`
		Rep      string     `db:"rep"`
		Grade    string     `db:"grade"`
		Status   string     `db:"status"`
		Planned  time.Time  `db:"planned_at"`
		CheckIn  *time.Time `db:"checkin_at"`
		Reported *time.Time `db:"reported_at"`
	}
	if err := s.q().SelectContext(ctx, &vs, `SELECT u.id AS rep_id, u.name AS rep, c.grade, v.status, v.planned_at, v.checkin_at, v.reported_at
		FROM visits v JOIN users u ON u.id = v.user_id JOIN customers c ON c.id = v.customer_id
		WHERE `+user+` AND v.status <> ? AND v.planned_at >= ? AND v.planned_at < ?`, append(uargs, baobei.VisitCancelled, ts(from), ts(to))...); err != nil {
		return err
	}
	reps, grades := map[int64]*baobei.VisitCount{}, map[string]int{}
	for _, v := range vs {
		r := reps[v.RepID]
		if r == nil {
			r = &baobei.VisitCount{Rep: v.Rep}
			reps[v.RepID] = r
		}
		r.Planned++
		switch baobei.VisitStatus(v.Status) {
		case baobei.VisitReported:
			r.Done++
			grades[baobei.GradeLabel(v.Grade)]++
			st.VisitReports++
			due := s.policy.Visits.ReportDue(&baobei.Visit{PlannedAt: v.Planned, CheckinAt: v.CheckIn})
			if !v.Reported.After(due) {
				st.VisitReportsOnTime++
			}
		case baobei.VisitMissed:
			r.Missed++
		}
	}
	for _, r := range reps {
		st.Visits = append(st.Visits, *r)
	}
	slices.SortFunc(st.Visits, func(a, b baobei.VisitCount) int {
		return cmp.Or(cmp.Compare(b.Planned, a.Planned), cmp.Compare(a.Rep, b.Rep))
	})
	st.VisitsByGrade = top(grades, len(grades))
	owner, oargs := scopeWhere("c.owner_id", scope)
	return s.q().GetContext(ctx, &st.VisitsToWon, `SELECT COUNT(*) FROM visits v JOIN customers c ON c.id = v.customer_id
		WHERE v.status = ? AND `+owner+` AND c.id IN (SELECT customer_id FROM audit_events WHERE action = ? AND at >= ? AND at < ?)`,
		append(append([]any{baobei.VisitReported}, oargs...), ActWon, ts(from), ts(to))...)
}

// poolAndLost counts releases of the scope's customers (by former owner)
// and the lost reasons.
func (s *Store) poolAndLost(ctx context.Context, st *baobei.Stats, scope baobei.Scope, from, to time.Time) error {
	former, fargs := scopeWhere("from_owner", scope)
	var details []string
	if err := s.q().SelectContext(ctx, &details, "SELECT detail FROM audit_events WHERE action = ? AND "+former+" AND at >= ? AND at < ?",
		append(append([]any{ActRelease}, fargs...), ts(from), ts(to))...); err != nil {
		return err
	}
	st.PoolIn = len(details)
	reasons := map[string]int{}
	for _, d := range details {
		if r, ok := strings.CutPrefix(d, baobei.ReleaseLost+": "); ok {
			st.Lost++
			reasons[r]++
		}
	}
	st.LostTop = top(reasons, 3)
	return nil
}

// activity sums the amounts won and ranks follow-ups per rep.
func (s *Store) activity(ctx context.Context, st *baobei.Stats, scope baobei.Scope, from, to time.Time) error {
	// By who recorded the win, as WonCount counts them.
	actor, aargs := scopeWhere("a.actor_id", scope)
	err := s.q().GetContext(ctx, &st.WonCents, `SELECT COALESCE(SUM(c.amount_cents), 0) FROM audit_events a JOIN customers c ON c.id = a.customer_id
		WHERE a.action = ? AND a.at >= ? AND a.at < ? AND `+actor,
		append([]any{ActWon, ts(from), ts(to)}, aargs...)...)
	if err != nil {
		return err
	}
	user, uargs := scopeWhere("f.user_id", scope)
	if err := s.q().SelectContext(ctx, &st.FollowUps, `SELECT u.name AS label, COUNT(*) AS n FROM followups f JOIN users u ON u.id = f.user_id
		WHERE `+user+` AND f.created_at >= ? AND f.created_at < ? GROUP BY u.name ORDER BY n DESC, u.name LIMIT 10`,
		append(uargs, ts(from), ts(to))...); err != nil {
		return err
	}
	var kinds []baobei.Count
	if err := s.q().SelectContext(ctx, &kinds, `SELECT f.kind AS label, COUNT(*) AS n FROM followups f
		WHERE `+user+` AND f.created_at >= ? AND f.created_at < ? GROUP BY f.kind`, append(uargs, ts(from), ts(to))...); err != nil {
		return err
	}
	st.FollowUpKinds = baobei.ByKind(kinds)
	return nil
}

func top(m map[string]int, n int) []baobei.Count {
	var cs []baobei.Count
	for k, v := range m {
		cs = append(cs, baobei.Count{Label: k, N: v})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].N > cs[j].N || cs[i].N == cs[j].N && cs[i].Label < cs[j].Label })
	if len(cs) > n {
		cs = cs[:n]
	}
	return cs
}

// purchaseStats counts the period's purchases by who recorded them, the
// won customers held now that bought once and again, and those held now
// per RFM segment.
func (s *Store) purchaseStats(ctx context.Context, st *baobei.Stats, scope baobei.Scope, from, to time.Time) error {
	by, bargs := scopeWhere("recorded_by", scope)
	var sum struct {
		N     int   `db:"n"`
		Cents int64 `db:"cents"`
	}
	if err := s.q().GetContext(ctx, &sum, "SELECT COUNT(*) AS n, COALESCE(SUM(amount_cents), 0) AS cents FROM purchases WHERE "+by+" AND bought_at >= ? AND bought_at < ?",
		append(bargs, ts(from), ts(to))...); err != nil {
		return err
	}
	st.Purchases, st.PurchaseCents = sum.N, sum.Cents
	owner, oargs := scopeWhere("c.owner_id", scope)
	var buyers struct {
		N      int `db:"n"`
		Repeat int `db:"again"`
	}
	if err := s.q().GetContext(ctx, &buyers, `SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN k >= 2 THEN 1 ELSE 0 END), 0) AS again
		FROM (SELECT p.customer_id, COUNT(*) AS k FROM purchases p JOIN customers c ON c.id = p.customer_id
		WHERE c.status = ? AND `+owner+` AND p.bought_at < ? GROUP BY p.customer_id) x`, append(append([]any{baobei.StatusWon}, oargs...), ts(to))...); err != nil {
		return err
	}
	st.Buyers, st.RepeatBuyers = buyers.N, buyers.Repeat
	var segs []baobei.Count
	if err := s.q().SelectContext(ctx, &segs, `SELECT t.tag AS label, COUNT(*) AS n FROM customer_tags t JOIN customers c ON c.id = t.customer_id
		WHERE t.kind = ? AND c.status = ? AND `+owner+` GROUP BY t.tag`, append([]any{baobei.TagSystem, baobei.StatusWon}, oargs...)...); err != nil {
		return err
	}
	for _, seg := range s.policy.RFM.Segments {
		for _, c := range segs {
			if c.Label == seg.Name {
				st.Segments = append(st.Segments, c)
			}
		}
	}
	return nil
}
