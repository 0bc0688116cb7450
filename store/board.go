package store

import (
	"cmp"
	"context"
	"math"
	"sort"
	"time"

	"baobei"
)

// Trend counts, for each of `weeks` weeks from `from`, the reports and the
// customers won in the scope, with the conditions Stats counts them by.
func (s *Store) Trend(ctx context.Context, scope baobei.Scope, from time.Time, weeks int) ([]baobei.WeekCount, error) {
	out := make([]baobei.WeekCount, weeks)
	for i := range out {
		out[i].Start = from.AddDate(0, 0, 7*i)
	}
	end := from.AddDate(0, 0, 7*weeks)
	actor, aargs := scopeWhere("actor_id", scope)
	var rows []struct {
		At     time.Time `db:"at"`
		Action string    `db:"action"`
	}
	if err := s.q().SelectContext(ctx, &rows, `SELECT at, action FROM audit_events
		WHERE ((action = ? AND detail IN ('new', 'takeover')) OR action = ?) AND `+actor+` AND at >= ? AND at < ?`,
		append(append([]any{ActReport, ActWon}, aargs...), ts(from), ts(end))...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		w := sort.Search(weeks, func(i int) bool { return out[i].Start.After(r.At) }) - 1
		if w < 0 {
			continue
		}
		if r.Action == ActWon {
			out[w].Won++
		} else {
			out[w].New++
		}
	}
	return out, nil
}

// People is the ranking of the scope's members: what they hold, and the
// period's follow-ups, reported visits and wins; overdue and stale among
// what they hold at now.
func (s *Store) People(ctx context.Context, scope baobei.Scope, from, to, now time.Time) ([]baobei.PersonRow, error) {
	who, wargs := scopeWhere("id", scope)
	var ps []baobei.PersonRow
	if err := s.q().SelectContext(ctx, &ps, "SELECT id, name FROM users WHERE active = ? AND role <> ? AND "+who+" ORDER BY id",
		append([]any{true, baobei.RoleAdmin}, wargs...)...); err != nil {
		return nil, err
	}
	by := map[int64]*baobei.PersonRow{}
	for i := range ps {
		by[ps[i].ID] = &ps[i]
	}
	counts := []struct {
		q    string
		args []any
		set  func(p *baobei.PersonRow, n int64)
	}{
		{`SELECT f.user_id AS id, COUNT(*) AS n FROM followups f WHERE f.created_at >= ? AND f.created_at < ? GROUP BY f.user_id`,
			[]any{ts(from), ts(to)}, func(p *baobei.PersonRow, n int64) { p.FollowUps = int(n) }},
		{`SELECT v.user_id AS id, COUNT(*) AS n FROM visits v WHERE v.reported_at >= ? AND v.reported_at < ? GROUP BY v.user_id`,
			[]any{ts(from), ts(to)}, func(p *baobei.PersonRow, n int64) { p.Visits = int(n) }},
		{`SELECT a.actor_id AS id, COUNT(*) AS n FROM audit_events a WHERE a.action = ? AND a.at >= ? AND a.at < ? GROUP BY a.actor_id`,
			[]any{ActWon, ts(from), ts(to)}, func(p *baobei.PersonRow, n int64) { p.WonCount = int(n) }},
		{`SELECT a.actor_id AS id, COALESCE(SUM(c.amount_cents), 0) AS n FROM audit_events a JOIN customers c ON c.id = a.customer_id
			WHERE a.action = ? AND a.at >= ? AND a.at < ? GROUP BY a.actor_id`,
			[]any{ActWon, ts(from), ts(to)}, func(p *baobei.PersonRow, n int64) { p.WonCents = n }},
	}
	for _, c := range counts {
		var rows []struct {
			ID int64 `db:"id"`
			N  int64 `db:"n"`
		}
		if err := s.q().SelectContext(ctx, &rows, c.q, c.args...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			if p := by[r.ID]; p != nil {
				c.set(p, r.N)
			}
		}
	}
	err := s.heldIn(ctx, scope, now, func(c *baobei.Customer) {
		p := by[*c.OwnerID]
		if p == nil || c.Status == baobei.StatusWon {
			return
		}
		p.Held++
		a := baobei.AttentionOf(c, now, s.policy)
		if a.Late {
			p.Overdue++
		}
		if a.Stale {
			p.Stale++
		}
	})
	return ps, err
}

// AtRisk lists the scope's held customers whose protection ends within 7
// days, whose planned follow-up has passed, or that are stale — soonest
// protection end first.
func (s *Store) AtRisk(ctx context.Context, scope baobei.Scope, now time.Time) ([]baobei.RiskRow, error) {
	var out []baobei.RiskRow
	err := s.heldIn(ctx, scope, now, func(c *baobei.Customer) {
		if c.Status == baobei.StatusWon {
			return
		}
		a := baobei.AttentionOf(c, now, s.policy)
		if a.Expiring || a.Late || a.Stale {
			out = append(out, baobei.RiskRow{Customer: *c, Expiring: a.Expiring, Overdue: a.Late, Stale: a.Stale})
		}
	})
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].ProtectedUntil != nil && (out[j].ProtectedUntil == nil || out[i].ProtectedUntil.Before(*out[j].ProtectedUntil))
	})
	return out, err
}

// heldIn hands each customer the scope's members hold at now (won ones
// too) to fn.
func (s *Store) heldIn(ctx context.Context, scope baobei.Scope, now time.Time, fn func(*baobei.Customer)) error {
	owner, oargs := scopeWhere("c.owner_id", scope)
	return eachRow(ctx, s.q(), customerSelect+`WHERE `+owner+` AND (c.status = ? OR (c.status = ? AND (c.protected_until > ? OR c.locked = 1)))`,
		append(oargs, baobei.StatusWon, baobei.StatusOwned, ts(now)), func(c *baobei.Customer) error { fn(c); return nil })
}

// eachRow streams the rows of a query, each scanned into a T, to fn.
func eachRow[T any](ctx context.Context, q querier, query string, args []any, fn func(*T) error) error {
	rows, err := q.QueryxContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := rows.StructScan(&v); err != nil {
			return err
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// dealRow is a customer as the channel and cycle pages read it.
type dealRow struct {
	ID         int64      `db:"id"`
	Source     string     `db:"source"`
	Owner      string     `db:"owner"`
	Status     string     `db:"status"`
	Amount     int64      `db:"amount_cents"`
	ReportedAt time.Time  `db:"reported_at"`
	Contacted  *time.Time `db:"last_followup_at"`
	WonAt      *time.Time `db:"won_at"`
}

// deals are the scope's customers reported in [from, to), with when each
// was first won.
func (s *Store) deals(ctx context.Context, scope baobei.Scope, from, to time.Time) ([]dealRow, error) {
	// By who reported them: a lead released or lost since is still theirs here.
	owner, oargs := scopeWhere("c.reporter_id", scope)
	var ds []dealRow
	// The first won row's at column itself, not MIN(at): SQLite types an aggregate as text.
	err := s.q().SelectContext(ctx, &ds, `SELECT c.id, c.source, COALESCE(u.name, '') AS owner, c.status, c.amount_cents, c.reported_at, c.last_followup_at,
		w.at AS won_at
		FROM customers c LEFT JOIN users u ON u.id = c.owner_id
		LEFT JOIN audit_events w ON w.id = (SELECT MIN(a.id) FROM audit_events a WHERE a.customer_id = c.id AND a.action = ?)
		WHERE `+owner+` AND c.reported_at >= ? AND c.reported_at < ?`,
		append(append([]any{ActWon}, oargs...), ts(from), ts(to))...)
	return ds, err
}

// Channels is the period's leads by source, most leads first.
func (s *Store) Channels(ctx context.Context, scope baobei.Scope, from, to time.Time) ([]baobei.ChannelRow, error) {
	ds, err := s.deals(ctx, scope, from, to)
	if err != nil {
		return nil, err
	}
	by, days := map[string]*baobei.ChannelRow{}, map[string][]float64{}
	var order []string
	for _, d := range ds {
		src := d.Source
		if src == "" {
			src = "未填来源"
		}
		r := by[src]
		if r == nil {
			r = &baobei.ChannelRow{Source: src}
			by[src] = r
			order = append(order, src)
		}
		r.Leads++
		if d.Contacted != nil {
			r.Contacted++
		}
		if d.WonAt != nil && d.Status == string(baobei.StatusWon) {
			r.Won++
			r.WonCents += d.Amount
			days[src] = append(days[src], d.WonAt.Sub(d.ReportedAt).Hours()/24)
		}
	}
	out := make([]baobei.ChannelRow, len(order))
	for i, src := range order {
		out[i] = *by[src]
		out[i].MedianDaysToWin, out[i].P75ToWin = quantile(days[src], 0.5), quantile(days[src], 0.75)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Leads > out[j].Leads })
	return out, nil
}

// Cycle is the days from report to won of the scope's customers won in
// [from, to), by source and by rep, and the median days spent per stage
// by the customers whose stage moved in the period.
func (s *Store) Cycle(ctx context.Context, scope baobei.Scope, from, to time.Time) (bySource, byRep []baobei.CycleRow, stages []baobei.StageTime, err error) {
	ds, err := s.deals(ctx, scope, from.AddDate(-1, 0, 0), to) // won in the period, reported within a year before it
	if err != nil {
		return nil, nil, nil, err
	}
	src, rep := map[string][]float64{}, map[string][]float64{}
	for _, d := range ds {
		if d.WonAt == nil || d.WonAt.Before(from) || !d.WonAt.Before(to) {
			continue
		}
		days := d.WonAt.Sub(d.ReportedAt).Hours() / 24
		src[cmp.Or(d.Source, "未填来源")] = append(src[cmp.Or(d.Source, "未填来源")], days)
		rep[cmp.Or(d.Owner, "无负责人")] = append(rep[cmp.Or(d.Owner, "无负责人")], days)
	}
	stages, err = s.stageTimes(ctx, scope, from, to)
	return cycleRows(src), cycleRows(rep), stages, err
}

func cycleRows(m map[string][]float64) []baobei.CycleRow {
	out := make([]baobei.CycleRow, 0, len(m))
	for k, v := range m {
		out = append(out, baobei.CycleRow{Key: k, Won: len(v), Median: quantile(v, 0.5), P75: quantile(v, 0.75)})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Won > out[j].Won || out[i].Won == out[j].Won && out[i].Key < out[j].Key
	})
	return out
}

// stageTimes: for each stage change in the period, the days since the
// customer entered the stage it left (its report, or the change before).
func (s *Store) stageTimes(ctx context.Context, scope baobei.Scope, from, to time.Time) ([]baobei.StageTime, error) {
	owner, oargs := scopeWhere("c.owner_id", scope)
	var rows []struct {
		Customer int64     `db:"customer_id"`
		From     string    `db:"stage_from"`
		To       string    `db:"stage_to"`
		At       time.Time `db:"created_at"`
		Reported time.Time `db:"reported_at"`
	}
	if err := s.q().SelectContext(ctx, &rows, `SELECT f.customer_id, f.stage_from, f.stage_to, f.created_at, c.reported_at
		FROM followups f JOIN customers c ON c.id = f.customer_id
		WHERE `+owner+` AND f.stage_from <> f.stage_to AND c.id IN (SELECT customer_id FROM followups WHERE created_at >= ? AND created_at < ?)
		ORDER BY f.customer_id, f.id`, append(oargs, ts(from), ts(to))...); err != nil {
		return nil, err
	}
	spent := map[baobei.Stage][]float64{}
	var entered time.Time
	for i, r := range rows {
		if i == 0 || rows[i-1].Customer != r.Customer {
			entered = r.Reported
		}
		if !r.At.Before(from) && r.At.Before(to) {
			spent[baobei.Stage(r.From)] = append(spent[baobei.Stage(r.From)], r.At.Sub(entered).Hours()/24)
		}
		entered = r.At
	}
	var out []baobei.StageTime
	for _, st := range baobei.Stages {
		if v := spent[st]; len(v) > 0 {
			out = append(out, baobei.StageTime{Stage: st, Median: quantile(v, 0.5), N: len(v)})
		}
	}
	return out, nil
}

// quantile is the q-th quantile of v (nearest rank), 0 when empty.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := int(math.Ceil(float64(len(s))*q)) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// Forecast is the expected revenue of the scope's open deals by expected
// close month (this month and the next two, later ones in the last) and by
// rep, with the amounts won: per month, and per rep in [from, to).
func (s *Store) Forecast(ctx context.Context, scope baobei.Scope, from, to, now time.Time) (byMonth, byRep []baobei.ForecastRow, err error) {
	p := s.policy
	month := func(t time.Time) time.Time {
		y, m, _ := t.In(p.Loc).Date()
		return time.Date(y, m, 1, 0, 0, 0, 0, p.Loc)
	}
	first := month(now)
	months := []time.Time{first, first.AddDate(0, 1, 0), first.AddDate(0, 2, 0)}
	byMonth = make([]baobei.ForecastRow, len(months))
	for i, m := range months {
		byMonth[i].Key = m.Format("2006-01")
	}
	reps, order := map[string]*baobei.ForecastRow{}, []string{}
	rep := func(name string) *baobei.ForecastRow {
		if reps[name] == nil {
			reps[name], order = &baobei.ForecastRow{Key: name}, append(order, name)
		}
		return reps[name]
	}
	err = s.heldIn(ctx, scope, now, func(c *baobei.Customer) {
		pct, ok := p.WinProbability[c.Stage]
		if !ok || c.Status != baobei.StatusOwned || c.AmountCents <= 0 {
			return
		}
		i := 0
		if c.NextFollowupAt != nil {
			for i < len(months)-1 && !month(*c.NextFollowupAt).Before(months[i+1]) {
				i++
			}
		}
		exp := c.AmountCents * int64(pct) / 100
		byMonth[i].Deals++
		byMonth[i].ExpectedCents += exp
		r := rep(c.OwnerName)
		r.Deals++
		r.ExpectedCents += exp
	})
	if err != nil {
		return nil, nil, err
	}
	actor, aargs := scopeWhere("a.actor_id", scope)
	var won []struct {
		At     time.Time `db:"at"`
		Rep    string    `db:"rep"`
		Amount int64     `db:"amount_cents"`
	}
	if err := s.q().SelectContext(ctx, &won, `SELECT a.at, COALESCE(u.name, '') AS rep, c.amount_cents FROM audit_events a
		JOIN customers c ON c.id = a.customer_id LEFT JOIN users u ON u.id = a.actor_id
		WHERE a.action = ? AND `+actor+` AND a.at >= ?`, append(append([]any{ActWon}, aargs...), ts(earliest(from, first)))...); err != nil {
		return nil, nil, err
	}
	for _, w := range won {
		for i, m := range months {
			if month(w.At).Equal(m) {
				byMonth[i].WonCents += w.Amount
			}
		}
		if !w.At.Before(from) && w.At.Before(to) {
			rep(w.Rep).WonCents += w.Amount
		}
	}
	for _, k := range order {
		byRep = append(byRep, *reps[k])
	}
	sort.SliceStable(byRep, func(i, j int) bool { return byRep[i].ExpectedCents > byRep[j].ExpectedCents })
	return byMonth, byRep, nil
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
