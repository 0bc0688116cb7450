package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// contactStart is a lead that got an owner: its first-contact clock starts.
type contactStart struct{ customer, user int64 }

// startContacts starts the first-contact clock of each customer that has
// never been followed up (sla.first_contact 0: none), ending whatever
// clock of it was still open: a lead handed on starts afresh for its new
// owner, and the old clock still counts as a miss when it was past due.
func startContacts(ctx context.Context, tx *sqlx.Tx, p baobei.Policy, now time.Time, starts []contactStart) error {
	if p.SLA.FirstContact <= 0 || len(starts) == 0 {
		return nil
	}
	ids := make([]int64, len(starts))
	for i, st := range starts {
		ids[i] = st.customer
	}
	q, args, err := sqlx.In("UPDATE first_contacts SET ended_at = ? WHERE customer_id IN (?) AND contacted_at IS NULL AND ended_at IS NULL", ts(now), ids)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
		return err
	}
	q, args, err = sqlx.In("SELECT id FROM customers WHERE id IN (?) AND last_followup_at IS NULL", ids)
	if err != nil {
		return err
	}
	var fresh []int64
	if err := tx.SelectContext(ctx, &fresh, tx.Rebind(q), args...); err != nil || len(fresh) == 0 {
		return err
	}
	isFresh := map[int64]bool{}
	for _, id := range fresh {
		isFresh[id] = true
	}
	var news []contactStart
	for _, st := range starts {
		if isFresh[st.customer] {
			news = append(news, st)
		}
	}
	return newContacts(ctx, tx, p, now, news)
}

// newContacts starts the clocks of customers that have none (new reports:
// no statement that could lock a range of first_contacts, which concurrent
// reports would deadlock on).
func newContacts(ctx context.Context, tx *sqlx.Tx, p baobei.Policy, now time.Time, starts []contactStart) error {
	if p.SLA.FirstContact <= 0 || len(starts) == 0 {
		return nil
	}
	due, escalate := p.ContactDue(now)
	var rows []any
	for _, st := range starts {
		rows = append(rows, st.customer, st.user, ts(now), ts(due), ts(escalate))
	}
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), 5*200)]
		rows = rows[len(chunk):]
		if _, err := tx.ExecContext(ctx, "INSERT INTO first_contacts (customer_id, user_id, started_at, due_at, escalate_at) VALUES "+
			placeholders(len(chunk)/5, 5), chunk...); err != nil {
			return err
		}
	}
	return nil
}

// contacted stops the first-contact clock of a customer at its first
// follow-up: the clock of its current owner.
func contacted(ctx context.Context, tx *sqlx.Tx, now time.Time, customerID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE first_contacts SET contacted_at = ? WHERE customer_id = ? AND contacted_at IS NULL AND ended_at IS NULL
		AND user_id = (SELECT owner_id FROM customers WHERE id = ?)`, ts(now), customerID, customerID)
	return err
}

// ContactDuties reminds each rep of their leads past the first-contact
// time, and tells the team's managers of those still not contacted after
// sla.escalate_after — each lead once, marked in the transaction that
// queues the message. Leads that changed hands since are left alone.
func (s *Store) ContactDuties(ctx context.Context, now time.Time) (int, error) {
	if s.policy.SLA.FirstContact <= 0 {
		return 0, nil
	}
	managers, err := s.Managers(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, step := range []struct {
		mark, at string
		notices  func([]lateRow) []baobei.Notice
	}{
		{"reminded_at", "due_at", func(ls []lateRow) []baobei.Notice { return s.byRep(ls) }},
		{"escalated_at", "escalate_at", func(ls []lateRow) []baobei.Notice { return s.byManager(ls, managers) }},
	} {
		m, err := s.contactStep(ctx, now, step.mark, step.at, step.notices)
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

type lateRow struct {
	ID int64 `db:"id"`
	baobei.ContactLate
}

// contactStep marks and tells, in one transaction, the open clocks whose
// `at` passed; each is marked by a conditional update, and only those this
// run marked are told (a concurrent run, a follow-up or a change of hands
// in between leaves it out).
func (s *Store) contactStep(ctx context.Context, now time.Time, mark, at string, notices func([]lateRow) []baobei.Notice) (int, error) {
	var n int
	err := s.txRC(ctx, func(tx *sqlx.Tx) error {
		var ls []lateRow
		if err := tx.SelectContext(ctx, &ls, `SELECT f.id, f.customer_id, c.name, c.source, u.uid AS rep_uid, u.name AS rep_name, u.team_id, f.started_at
			FROM first_contacts f JOIN customers c ON c.id = f.customer_id JOIN users u ON u.id = f.user_id
			WHERE f.contacted_at IS NULL AND f.ended_at IS NULL AND f.escalated_at IS NULL AND f.`+mark+` IS NULL AND f.`+at+` <= ?
			AND c.owner_id = f.user_id AND c.status = ? ORDER BY f.id LIMIT 1000`, ts(now), baobei.StatusOwned); err != nil || len(ls) == 0 {
			return err
		}
		marked := ls[:0]
		for _, l := range ls {
			res, err := tx.ExecContext(ctx, "UPDATE first_contacts SET "+mark+" = ? WHERE id = ? AND "+mark+" IS NULL AND contacted_at IS NULL AND ended_at IS NULL",
				ts(now), l.ID)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err != nil {
				return err
			} else if k == 1 {
				marked = append(marked, l)
			}
		}
		n = len(marked)
		return enqueue(ctx, tx, now, notices(marked)...)
	})
	return n, err
}

// byRep is one reminder per rep, listing their late leads.
func (s *Store) byRep(ls []lateRow) []baobei.Notice {
	return lateNotices(ls, func(l lateRow) []string { return []string{l.RepUID} }, func(uid string, late []baobei.ContactLate) baobei.Notice {
		return baobei.NoticeContactDue(uid, late, s.policy)
	})
}

// byManager is one message per manager of the late leads' teams.
func (s *Store) byManager(ls []lateRow, managers map[int64][]baobei.User) []baobei.Notice {
	to := func(l lateRow) []string {
		var uids []string
		if l.TeamID != nil {
			for _, m := range managers[*l.TeamID] {
				uids = append(uids, m.UID)
			}
		}
		return uids
	}
	return lateNotices(ls, to, func(uid string, late []baobei.ContactLate) baobei.Notice {
		return baobei.NoticeContactEscalate(uid, late, s.policy)
	})
}

// lateNotices groups the late leads by recipient, in the order they come.
func lateNotices(ls []lateRow, to func(lateRow) []string, notice func(string, []baobei.ContactLate) baobei.Notice) []baobei.Notice {
	var order []string
	by := map[string][]baobei.ContactLate{}
	for _, l := range ls {
		for _, uid := range to(l) {
			if _, ok := by[uid]; !ok {
				order = append(order, uid)
			}
			by[uid] = append(by[uid], l.ContactLate)
		}
	}
	ns := make([]baobei.Notice, len(order))
	for i, uid := range order {
		ns[i] = notice(uid, by[uid])
	}
	return ns
}

// contactStats counts, per rep of the scope, the leads given in [from, to)
// that were contacted, or whose first-contact time ran out by `to` while
// still theirs, and those contacted in time.
func (s *Store) contactStats(ctx context.Context, st *baobei.Stats, scope baobei.Scope, from, to time.Time) error {
	user, uargs := scopeWhere("f.user_id", scope)
	return s.q().SelectContext(ctx, &st.FirstContacts, `SELECT u.name AS rep, COUNT(*) AS assigned,
		SUM(CASE WHEN f.contacted_at IS NOT NULL AND f.contacted_at <= f.due_at THEN 1 ELSE 0 END) AS on_time
		FROM first_contacts f JOIN users u ON u.id = f.user_id
		WHERE `+user+` AND f.started_at >= ? AND f.started_at < ?
		AND (f.contacted_at IS NOT NULL OR (f.due_at <= ? AND (f.ended_at IS NULL OR f.ended_at > f.due_at)))
		GROUP BY u.id, u.name ORDER BY u.id`, append(uargs, ts(from), ts(to), ts(to))...)
}
