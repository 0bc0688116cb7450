package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// SetLock locks a customer (exempt from release: it stays with its owner
// past the protection end) or unlocks it, with an audit row and a notice to
// the owner.
func (s *Store) SetLock(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, lock bool) (*baobei.Customer, error) {
	var out *baobei.Customer
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		var locks int
		if c.OwnerID != nil {
			if err := tx.GetContext(ctx, &locks, "SELECT COUNT(*) FROM customers WHERE owner_id = ? AND locked = ? AND status = ?",
				*c.OwnerID, true, baobei.StatusOwned); err != nil {
				return err
			}
		}
		if err := baobei.CheckLock(c, actor, lock, locks, now, s.policy); err != nil {
			return err
		}
		if err := affected(tx.ExecContext(ctx, "UPDATE customers SET locked = ?, version = version + 1 WHERE id = ? AND version = ?",
			lock, c.ID, c.Version)); err != nil {
			return err
		}
		action := ActUnlock
		if lock {
			action = ActLock
		}
		if err := audit(ctx, tx, now, c.ID, actor.ID, action, c.OwnerID, c.OwnerID, ""); err != nil {
			return err
		}
		if out, err = getCustomer(ctx, tx, c.ID); err != nil {
			return err
		}
		return enqueue(ctx, tx, now, baobei.NoticeLock(out, actor))
	})
	return out, err
}
