package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Ownership history: every loss of a customer — its protection ended, it
// was released, lost, transferred or handed over away — is one row of
// ownership_history, written in the transaction of the change. The reclaim
// cooldown reads it, so every rep who lost a customer waits, counted from
// their own loss, not only the last owner.

// loss is one rep losing one customer.
type loss struct {
	customer, user int64
	at             time.Time
	reason         string
}

// recordLosses writes losses to the ownership history, many per statement.
func recordLosses(ctx context.Context, tx *sqlx.Tx, losses []loss) error {
	for len(losses) > 0 {
		chunk := losses[:min(len(losses), 200)]
		losses = losses[len(chunk):]
		args := make([]any, 0, 4*len(chunk))
		for _, l := range chunk {
			args = append(args, l.customer, l.user, ts(l.at), l.reason)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO ownership_history (customer_id, user_id, lost_at, reason) VALUES "+
			placeholders(len(chunk), 4), args...); err != nil {
			return err
		}
	}
	return nil
}

// lastLoss is when userID last lost customerID, or zero.
func lastLoss(ctx context.Context, q querier, customerID, userID int64) (time.Time, error) {
	var t time.Time
	err := q.GetContext(ctx, &t, "SELECT lost_at FROM ownership_history WHERE customer_id = ? AND user_id = ? ORDER BY lost_at DESC LIMIT 1",
		customerID, userID)
	if notFound(err) {
		return time.Time{}, nil
	}
	return t, err
}

// OwnershipHistory lists who lost a customer and when, oldest first (for
// tests and audits).
func (s *Store) OwnershipHistory(ctx context.Context, customerID int64) ([]baobei.Loss, error) {
	var ls []baobei.Loss
	err := s.q().SelectContext(ctx, &ls, "SELECT user_id, lost_at, reason FROM ownership_history WHERE customer_id = ? ORDER BY lost_at, id", customerID)
	return ls, err
}

// heldBy counts the customers userID holds at now, not counting 已成交:
// owned and protected (or locked), and reports waiting for approval.
func heldBy(ctx context.Context, q querier, now time.Time, userID int64) (int, error) {
	var held int
	err := q.GetContext(ctx, &held, `SELECT COUNT(*) FROM customers WHERE owner_id = ?
		AND ((status = ? AND (protected_until > ? OR locked = 1)) OR status = ?)`,
		userID, baobei.StatusOwned, ts(now), baobei.StatusPending)
	return held, err
}

// taker serialises what one user takes (so that two reports or claims at
// once cannot both pass the limits: the lock on their users row is held
// until the transaction ends) and counts what the limits need: the
// customers held and the claims made today, reports that took a customer
// included. It runs first in its transaction, so that on MySQL the counts
// see every commit made before the lock was granted.
func (s *Store) taker(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User) (baobei.Taker, error) {
	if _, err := tx.ExecContext(ctx, "UPDATE users SET active = active WHERE id = ?", actor.ID); err != nil {
		return baobei.Taker{User: actor}, err
	}
	return s.counts(ctx, tx, now, actor)
}

// counts is what the limits need of actor: customers held, claims today.
func (s *Store) counts(ctx context.Context, q querier, now time.Time, actor *baobei.User) (baobei.Taker, error) {
	t := baobei.Taker{User: actor}
	var err error
	if t.Held, err = heldBy(ctx, q, now, actor.ID); err != nil {
		return t, err
	}
	err = q.GetContext(ctx, &t.ClaimedToday, `SELECT COUNT(*) FROM audit_events WHERE actor_id = ? AND at >= ?
		AND (action = ? OR (action = ? AND detail = ?))`,
		actor.ID, ts(s.policy.DayStart(now)), ActClaim, ActReport, DetailTakeover)
	return t, err
}

// Takers reads, without locking, what the claim limits know about actor for
// each of the customers: the counts, and when actor last lost each one.
func (s *Store) Takers(ctx context.Context, now time.Time, actor *baobei.User, customerIDs []int64) (map[int64]baobei.Taker, error) {
	t, err := s.counts(ctx, s.q(), now, actor)
	if err != nil || len(customerIDs) == 0 {
		return map[int64]baobei.Taker{}, err
	}
	q, args, err := sqlx.In("SELECT customer_id, lost_at FROM ownership_history WHERE user_id = ? AND customer_id IN (?) ORDER BY lost_at",
		actor.ID, customerIDs)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Customer int64     `db:"customer_id"`
		LostAt   time.Time `db:"lost_at"`
	}
	if err := s.q().SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make(map[int64]baobei.Taker, len(customerIDs))
	for _, id := range customerIDs {
		out[id] = t
	}
	for _, r := range rows { // oldest first: the last loss stays
		t.LostAt = r.LostAt
		out[r.Customer] = t
	}
	return out, nil
}
