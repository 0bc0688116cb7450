package store

import (
	"context"
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
	rows, err := s.q().QueryxContext(ctx, customerSelect+`WHERE `+owner+` AND (c.status = ? OR (c.status = ? AND (c.protected_until > ? OR c.locked = 1)))`,
		append(oargs, baobei.StatusWon, baobei.StatusOwned, ts(now))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c baobei.Customer
		if err := rows.StructScan(&c); err != nil {
			return err
		}
		fn(&c)
	}
	return rows.Err()
}
