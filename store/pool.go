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
		taker, err := s.taker(ctx, tx, now, actor)
		if err != nil {
			return err
		}
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if taker.LostAt, err = lastLoss(ctx, tx, c.ID, actor.ID); err != nil {
			return err
		}
		if err := baobei.CheckClaim(c, taker, now, s.policy); err != nil {
			return err
		}
		from := formerOwnerPtr(c, now)
		if err := s.assign(ctx, tx, now, c, actor.ID, baobei.CustomerDraft{}); err != nil {
			return err
		}
		if err := audit(ctx, tx, now, c.ID, actor.ID, ActClaim, from, &actor.ID, ""); err != nil {
			return err
		}
		if err := startContacts(ctx, tx, s.policy, now, []contactStart{{c.ID, actor.ID}}); err != nil {
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
