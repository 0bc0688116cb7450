package store

import (
	"cmp"
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Refused reports of a customer someone else holds (report_attempts). The
// owner hears of the first at once; the attempts of the hour after it
// (baobei.AttemptWindow) wait in the table and reach the owner together, in
// one notice, when the hour is over (QueueDue). Being rows, they survive a
// restart, and any replica may send them, once.

const insertAttempt = `INSERT INTO report_attempts (customer_id, owner_id, actor_id, at, window_end, sent_at) VALUES (?, ?, ?, ?, ?, ?)`

// noteAttempt records actor's refused report of c, held by owner, in tx.
// The first attempt in an hour opens the window and queues the owner's
// notice at once; a later one waits for the window's end.
func (s *Store) noteAttempt(ctx context.Context, tx *sqlx.Tx, now time.Time, c *baobei.Customer, owner int64, actor *baobei.User) error {
	// The customer's row serialises the attempts on it: exactly one opens a window.
	if _, err := tx.ExecContext(ctx, "UPDATE customers SET version = version WHERE id = ?", c.ID); err != nil {
		return err
	}
	q := "SELECT window_end FROM report_attempts WHERE customer_id = ? AND owner_id = ? AND window_end > ? ORDER BY window_end DESC LIMIT 1"
	if s.dialect == MySQL {
		q += " FOR UPDATE" // the latest committed rows, at any isolation level
	}
	var end time.Time
	err := tx.GetContext(ctx, &end, q, c.ID, owner, ts(now))
	if err == nil {
		_, err = tx.ExecContext(ctx, insertAttempt, c.ID, owner, actor.ID, ts(now), ts(end), nil)
		return err
	}
	if !notFound(err) {
		return err
	}
	if _, err := tx.ExecContext(ctx, insertAttempt, c.ID, owner, actor.ID, ts(now), ts(now.Add(baobei.AttemptWindow)), ts(now)); err != nil {
		return err
	}
	return enqueue(ctx, tx, now, baobei.NoticeReportAttempt(c, actor, s.policy))
}

// dueAttempt is a waiting attempt whose window has ended.
type dueAttempt struct {
	ID       int64  `db:"id"`
	Customer int64  `db:"customer_id"`
	Owner    int64  `db:"owner_id"`
	Actor    int64  `db:"actor_id"`
	Name     string `db:"name"`
}

// QueueDue queues the pushes that fell due by now: for each customer whose
// attempt window ended, one notice to its owner listing who else tried,
// written in the transaction that marks those attempts sent. An owner who
// no longer holds the customer is not told. It returns the notices queued.
func (s *Store) QueueDue(ctx context.Context, now time.Time) (int, error) {
	// Every pusher asks every second: a read first, no write lock while nothing is due.
	var waiting int
	if err := s.db.GetContext(ctx, &waiting, "SELECT COUNT(*) FROM report_attempts WHERE sent_at IS NULL AND window_end <= ?", ts(now)); err != nil || waiting == 0 {
		return 0, err
	}
	queued := 0
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		queued = 0
		var due []dueAttempt
		if err := tx.SelectContext(ctx, &due, `SELECT a.id, a.customer_id, a.owner_id, a.actor_id, u.name FROM report_attempts a
			JOIN users u ON u.id = a.actor_id WHERE a.sent_at IS NULL AND a.window_end <= ? ORDER BY a.customer_id, a.owner_id, a.id`, ts(now)); err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		if err := markSent(ctx, tx, now, due); err != nil {
			return err
		}
		var ns []baobei.Notice
		for len(due) > 0 {
			n := 1
			for n < len(due) && due[n].Customer == due[0].Customer && due[n].Owner == due[0].Owner {
				n++
			}
			notice, ok, err := s.attemptsNotice(ctx, tx, now, due[:n])
			if err != nil {
				return err
			}
			if ok {
				ns = append(ns, notice)
			}
			due = due[n:]
		}
		queued = len(ns)
		return enqueue(ctx, tx, now, ns...)
	})
	return queued, err
}

// markSent marks the attempts sent, all or none: when another replica sent
// some meanwhile, the transaction runs again on what is left.
func markSent(ctx context.Context, tx *sqlx.Tx, now time.Time, due []dueAttempt) error {
	ids := make([]int64, len(due))
	for i, a := range due {
		ids[i] = a.ID
	}
	q, args, err := sqlx.In("UPDATE report_attempts SET sent_at = ? WHERE sent_at IS NULL AND id IN (?)", ts(now), ids)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || int(n) != len(due) {
		return cmp.Or(err, errStale)
	}
	return nil
}

// attemptsNotice is the owner's notice for one customer's waiting attempts,
// naming each person once; false when the owner no longer holds it.
func (s *Store) attemptsNotice(ctx context.Context, tx *sqlx.Tx, now time.Time, group []dueAttempt) (baobei.Notice, bool, error) {
	c, err := getCustomer(ctx, tx, group[0].Customer)
	if err != nil {
		return baobei.Notice{}, false, err
	}
	if owner, owned := c.Owner(now); !owned || owner != group[0].Owner {
		return baobei.Notice{}, false, nil
	}
	seen := map[int64]bool{}
	var names []string
	for _, a := range group {
		if !seen[a.Actor] {
			seen[a.Actor] = true
			names = append(names, a.Name)
		}
	}
	return baobei.NoticeReportAttempts(c, names, s.policy), true, nil
}
