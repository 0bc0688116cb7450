package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// ClaimSlot records that job runs for the scheduled slot; false when some
// replica already did. Keyed on (job, slot), so a replica whose clock is a
// little late cannot run a slot again after the first one finished.
func (s *Store) ClaimSlot(ctx context.Context, job string, slot, now time.Time) (bool, error) {
	_, err := s.db.ExecContext(ctx, "INSERT INTO job_runs (job, slot, ran_at) VALUES (?, ?, ?)", job, ts(slot), ts(now))
	if isDuplicate(err) {
		return false, nil
	}
	return err == nil, err
}

// LastSlot is the newest slot a job ran for, or zero.
func (s *Store) LastSlot(ctx context.Context, job string) (time.Time, error) {
	var t time.Time // the column, not MAX(slot): SQLite types an aggregate as text
	err := s.db.GetContext(ctx, &t, "SELECT slot FROM job_runs WHERE job = ? ORDER BY slot DESC LIMIT 1", job)
	if notFound(err) {
		return time.Time{}, nil
	}
	return t, err
}

const scanBatch = 500

// lastActivity is Customer.LastActivity, kept in a column (set on report,
// claim, transfer, approval and follow-up) so that the idle scans are an
// index range on (status, locked, last_activity).
const lastActivity = "c.last_activity"

// minIdle is the shortest idle limit of any grade.
func (s *Store) minIdle() time.Duration {
	d := s.policy.Idle("")
	for g := range s.policy.IdleRelease {
		d = min(d, s.policy.Idle(g))
	}
	return d
}

// ReleaseExpired returns to the pool the customers a release rule fired
// for — protection ended, or no follow-up for too long — except locked
// ones, owner by owner: one transaction per owner releases theirs (each
// with an audit row and its reason) and tells them in one message.
func (s *Store) ReleaseExpired(ctx context.Context, now time.Time) (int, error) {
	total, err := s.releaseEnded(ctx, now)
	if err != nil {
		return total, err
	}
	idle := "c.status = ? AND c.locked = ? AND " + lastActivity + " <= ?"
	args := []any{baobei.StatusOwned, false, ts(now.Add(-s.minIdle()))}
	err = s.byOwners(ctx, idle, args, idle, args, func(cs []baobei.Customer) error {
		var due []baobei.Customer
		for _, c := range cs {
			if at, why := s.policy.ReleaseAt(&c); why == baobei.ReleaseNoFollow && !at.After(now) {
				due = append(due, c)
			}
		}
		if len(due) == 0 {
			return nil
		}
		n, err := s.releaseGroup(ctx, now, due)
		total += n
		return err
	})
	return total, err
}

// releaseEnded releases the customers whose protection ended (an index range).
func (s *Store) releaseEnded(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for {
		var cs []baobei.Customer
		err := s.db.SelectContext(ctx, &cs, customerSelect+`WHERE c.status = ? AND c.protected_until <= ? AND c.locked = ?
			ORDER BY c.owner_id, c.id LIMIT ?`, baobei.StatusOwned, ts(now), false, scanBatch)
		if err != nil || len(cs) == 0 {
			return total, err
		}
		for _, group := range byOwner(cs) {
			n, err := s.releaseGroup(ctx, now, group)
			if err != nil {
				return total, err
			}
			total += n
		}
		if len(cs) < scanBatch {
			return total, nil
		}
	}
}

func byOwner(cs []baobei.Customer) [][]baobei.Customer {
	var groups [][]baobei.Customer
	for i, c := range cs {
		if i == 0 || *cs[i-1].OwnerID != *c.OwnerID {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], c)
	}
	return groups
}

func (s *Store) releaseGroup(ctx context.Context, now time.Time, group []baobei.Customer) (int, error) {
	var released []baobei.Customer
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		released = released[:0]
		for _, c := range group {
			at, why := s.policy.ReleaseAt(&c)
			res, err := tx.ExecContext(ctx, `UPDATE customers SET status = ?, owner_id = NULL, protected_until = NULL, prev_owner_id = ?,
				released_at = ?, release_reason = ?, next_followup_at = NULL, version = version + 1
				WHERE id = ? AND version = ?`, baobei.StatusPool, c.OwnerID, ts(at), why, c.ID, c.Version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // someone took or extended it meanwhile
			}
			if err := audit(ctx, tx, now, c.ID, 0, ActRelease, c.OwnerID, nil, why); err != nil {
				return err
			}
			released = append(released, c)
		}
		if len(released) == 0 {
			return nil
		}
		return enqueue(ctx, tx, now, baobei.NoticeReleased(released, s.policy))
	})
	return len(released), err
}

// WarnExpiring tells each owner, in one message, which customers a release
// rule will take within `ahead` (protection ending, or no follow-up for too
// long). A customer is warned once per protection period and once per idle
// spell: warned_until and idle_warned_for remember which.
func (s *Store) WarnExpiring(ctx context.Context, now time.Time, ahead time.Duration) (int, error) {
	ending := `c.status = ? AND c.locked = ? AND c.protected_until > ? AND c.protected_until <= ?
		AND (c.warned_until IS NULL OR c.warned_until <> c.protected_until)`
	idle := `c.status = ? AND c.locked = ? AND ` + lastActivity + ` <= ?
		AND (c.idle_warned_for IS NULL OR c.idle_warned_for <> ` + lastActivity + `)`
	total := 0
	for _, pass := range []struct {
		where, reason string
		args          []any
	}{
		{ending, baobei.ReleaseExpired, []any{baobei.StatusOwned, false, ts(now), ts(now.Add(ahead))}},
		{idle, baobei.ReleaseNoFollow, []any{baobei.StatusOwned, false, ts(now.Add(ahead - s.minIdle()))}},
	} {
		err := s.byOwners(ctx, pass.where, pass.args, pass.where, pass.args, func(cs []baobei.Customer) error {
			var due []baobei.Customer
			for _, c := range cs {
				if at, why := s.policy.ReleaseAt(&c); why == pass.reason && at.After(now) && !at.After(now.Add(ahead)) {
					due = append(due, c)
				}
			}
			if len(due) == 0 {
				return nil
			}
			n, err := s.warnGroup(ctx, now, due, pass.reason)
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// warnMark is the statement that remembers a warning, by reason (no table
// alias: SQLite's UPDATE has none).
func warnMark(reason string) string {
	if reason == baobei.ReleaseNoFollow {
		last := strings.ReplaceAll(lastActivity, "c.", "")
		return "UPDATE customers SET idle_warned_for = " + last + ` WHERE id IN (?) AND status = ?
			AND (idle_warned_for IS NULL OR idle_warned_for <> ` + last + ")"
	}
	return `UPDATE customers SET warned_until = protected_until WHERE id IN (?) AND status = ?
		AND (warned_until IS NULL OR warned_until <> protected_until)`
}

// warnGroup marks and warns one owner's customers in one transaction. When
// another run marked some of them meanwhile (the statement touches fewer
// rows), it goes row by row and leaves those out: nobody is warned twice.
func (s *Store) warnGroup(ctx context.Context, now time.Time, group []baobei.Customer, reason string) (int, error) {
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		n, err := mark(ctx, tx, reason, group)
		if err != nil {
			return err
		}
		if n != len(group) {
			return errRaced
		}
		return enqueue(ctx, tx, now, baobei.NoticeExpiring(group, now, s.policy))
	})
	if !errors.Is(err, errRaced) {
		return len(group), err
	}
	var warn []baobei.Customer
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		warn = warn[:0]
		for _, c := range group {
			n, err := mark(ctx, tx, reason, []baobei.Customer{c})
			if err != nil {
				return err
			}
			if n == 1 {
				warn = append(warn, c)
			}
		}
		if len(warn) == 0 {
			return nil
		}
		return enqueue(ctx, tx, now, baobei.NoticeExpiring(warn, now, s.policy))
	})
	return len(warn), err
}

func mark(ctx context.Context, tx *sqlx.Tx, reason string, cs []baobei.Customer) (int, error) {
	ids := make([]any, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	q, args, err := sqlx.In(warnMark(reason), ids, baobei.StatusOwned)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// errRaced: another run changed some of the rows; not retried as such.
var errRaced = errors.New("raced with another run")

func (s *Store) warnEach(ctx context.Context, now time.Time, group []baobei.Customer) (int, error) {
	var warn []baobei.Customer
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		warn = warn[:0]
		for _, c := range group {
			res, err := tx.ExecContext(ctx, `UPDATE customers SET warned_until = protected_until WHERE id = ? AND status = ?
				AND protected_until = ? AND (warned_until IS NULL OR warned_until <> protected_until)`, c.ID, baobei.StatusOwned, ts(*c.ProtectedUntil))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				warn = append(warn, c)
			}
		}
		if len(warn) == 0 {
			return nil
		}
		return enqueue(ctx, tx, now, baobei.NoticeExpiring(warn, now, s.policy))
	})
	return len(warn), err
}

// ReleasedSince lists, per team chat, the customers released to the pool
// since `since` (for the teams' daily message).
func (s *Store) ReleasedSince(ctx context.Context, since, now time.Time) (map[string][]baobei.ReleasedRow, error) {
	var rows []baobei.ReleasedRow
	err := s.db.SelectContext(ctx, &rows, `SELECT t.chat_id, c.id, c.name, COALESCE(u.name, '') AS former, e.detail
		FROM audit_events e JOIN customers c ON c.id = e.customer_id JOIN users u ON u.id = e.from_owner
		JOIN teams t ON t.id = u.team_id
		WHERE e.action = ? AND e.at > ? AND e.at <= ? AND t.chat_id <> '' ORDER BY e.id`, ActRelease, ts(since), ts(now))
	out := map[string][]baobei.ReleasedRow{}
	for _, r := range rows {
		out[r.Chat] = append(out[r.Chat], r)
	}
	return out, err
}

// ScanAttention walks the customers that may need attention today (a
// follow-up due, protection ending within 7 days, or no follow-up for 3 days
// or more), one owner at a time.
func (s *Store) ScanAttention(ctx context.Context, now time.Time, fn func(owner []baobei.Customer) error) error {
	endOfDay := s.policy.DayStart(now).Add(24 * time.Hour)
	where := `c.status = ? AND c.protected_until > ? AND (c.next_followup_at < ? OR c.protected_until <= ?
		OR COALESCE(c.last_followup_at, c.owned_since, c.reported_at) <= ?)`
	return s.byOwners(ctx, "c.status = ?", []any{baobei.StatusOwned}, where,
		[]any{baobei.StatusOwned, ts(now), ts(endOfDay), ts(now.Add(7 * 24 * time.Hour)), ts(now.Add(-3 * 24 * time.Hour))}, fn)
}

// byOwners pages the owners of customers matching ownerWhere (by the owner
// index), reads the customers matching where of 50 owners a query, and
// calls fn with each owner's customers: memory holds one page of owners and
// the customers of 50 of them (at most max_held each).
func (s *Store) byOwners(ctx context.Context, ownerWhere string, ownerArgs []any, where string, args []any, fn func([]baobei.Customer) error) error {
	var last int64
	for {
		var owners []int64
		if err := s.db.SelectContext(ctx, &owners, "SELECT DISTINCT c.owner_id FROM customers c WHERE "+ownerWhere+
			" AND c.owner_id > ? ORDER BY c.owner_id LIMIT ?", append(ownerArgs, last, scanBatch)...); err != nil {
			return err
		}
		for start := 0; start < len(owners); start += 50 {
			chunk := owners[start:min(start+50, len(owners))]
			q, qargs, err := sqlx.In(customerSelect+"WHERE c.owner_id IN (?) AND "+where+" ORDER BY c.owner_id, c.id",
				append([]any{chunk}, args...)...)
			if err != nil {
				return err
			}
			var cs []baobei.Customer
			if err := s.db.SelectContext(ctx, &cs, q, qargs...); err != nil {
				return err
			}
			for _, group := range byOwner(cs) {
				if err := fn(group); err != nil {
					return err
				}
			}
		}
		if len(owners) < scanBatch {
			return nil
		}
		last = owners[len(owners)-1]
	}
}

// Managers lists each team's active managers.
func (s *Store) Managers(ctx context.Context) (map[int64][]baobei.User, error) {
	var us []baobei.User
	err := s.db.SelectContext(ctx, &us, "SELECT "+userCols+" FROM users WHERE role = ? AND active = ? AND team_id IS NOT NULL", baobei.RoleManager, true)
	out := map[int64][]baobei.User{}
	for _, u := range us {
		out[*u.TeamID] = append(out[*u.TeamID], u)
	}
	return out, err
}
