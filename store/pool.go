package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Claim takes a customer from the pool for actor, within the limits: held
// customers, claims per day, and the former owner's cooldown. Concurrent
// claims of one customer are decided by the conditional update.
func (s *Store) Claim(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef) (*baobei.Customer, error) {
	var out *baobei.Customer
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		held, today, err := s.lockQuota(ctx, tx, now, actor.ID)
		if err != nil {
			return err
		}
		if err := baobei.CheckClaim(c, actor, held, today, now, s.policy); err != nil {
			return err
		}
		from := formerOwnerPtr(c, now)
		if err := s.assign(ctx, tx, now, c, actor.ID, baobei.CustomerDraft{}); err != nil {
			return err
		}
		if err := audit(ctx, tx, now, c.ID, actor.ID, ActClaim, from, &actor.ID, ""); err != nil {
			return err
		}
		out, err = getCustomer(ctx, tx, c.ID)
		return err
	})
	return out, err
}

// Release returns a customer to the pool by hand: one transaction with the
// audit row (reason manual) and, when someone else did it, the owner's notice.
func (s *Store) Release(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, reason string) (*baobei.Customer, error) {
	var out *baobei.Customer
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := baobei.CheckRelease(c, actor, now); err != nil {
			return err
		}
		if err := s.release(ctx, tx, now, actor, c, baobei.ReleaseManual, reason, c.AmountCents); err != nil {
			return err
		}
		out = c
		if *c.OwnerID == actor.ID {
			return nil
		}
		return enqueue(ctx, tx, now, baobei.NoticeReleasedBy(c, actor, reason, s.policy))
	})
	return out, err
}

// lockQuota serialises one user's claims (so that two at once cannot both
// pass the limits) and counts the customers userID holds (not 已成交) and
// the claims, including reports that took a customer, made today.
func (s *Store) lockQuota(ctx context.Context, tx *sqlx.Tx, now time.Time, userID int64) (held, today int, err error) {
	if _, err = tx.ExecContext(ctx, "UPDATE users SET active = active WHERE id = ?", userID); err != nil {
		return
	}
	err = tx.GetContext(ctx, &held, "SELECT COUNT(*) FROM customers WHERE owner_id = ? AND status = ? AND (protected_until > ? OR locked = 1)",
		userID, baobei.StatusOwned, ts(now))
	if err != nil {
		return
	}
	err = tx.GetContext(ctx, &today, `SELECT COUNT(*) FROM audit_events WHERE actor_id = ? AND at >= ?
		AND (action = ? OR (action = ? AND detail = ?))`,
		userID, ts(s.policy.DayStart(now)), ActClaim, ActReport, DetailTakeover)
	return
}
