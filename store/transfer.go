package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Transfer gives a customer to another user with a fresh protection period
// and its planned follow-up (see baobei.CheckTransfer); the receiver and the
// former owner are told. A manager may give past the receiver's max_held:
// the result says what the receiver holds now.
func (s *Store) Transfer(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, to *baobei.User, reason string) (*baobei.TransferResult, error) {
	var out *baobei.TransferResult
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := baobei.CheckTransfer(c, actor, to, now); err != nil {
			return err
		}
		if owner, owned := c.Owner(now); owned && owner == to.ID {
			return baobei.Errorf(baobei.EINVALID, "#%d 已在 %s 名下，无需转移。", c.ID, to.Name)
		}
		var from *int64
		formerUID, formerName := "", ""
		if _, owned := c.Owner(now); owned {
			from, formerUID, formerName = c.OwnerID, c.OwnerUID, c.OwnerName
		}
		if err := s.assign(ctx, tx, now, c, to.ID, baobei.CustomerDraft{}); err != nil {
			return err
		}
		if err := audit(ctx, tx, now, c.ID, actor.ID, ActTransfer, from, &to.ID, reason); err != nil {
			return err
		}
		if err := startContacts(ctx, tx, s.policy, now, []contactStart{{c.ID, to.ID}}); err != nil {
			return err
		}
		if c, err = getCustomer(ctx, tx, c.ID); err != nil {
			return err
		}
		if formerUID == actor.UID {
			formerName = ""
		}
		held, err := heldBy(ctx, tx, now, to.ID)
		if err != nil {
			return err
		}
		out = &baobei.TransferResult{Customer: c, FormerName: formerName, Held: held}
		return enqueue(ctx, tx, now, baobei.NoticesTransfer(c, formerUID, actor, to, held, s.policy)...)
	})
	return out, err
}

// Handover moves every customer that `from` holds at now (won ones too) to
// `to`, with their planned follow-ups, in one transaction with one audit row
// per customer; it may go past the receiver's max_held. The receiver is told
// what came with a planned follow-up.
func (s *Store) Handover(ctx context.Context, now time.Time, actor, from, to *baobei.User) (*baobei.HandoverResult, error) {
	if from.ID == to.ID {
		return nil, baobei.Errorf(baobei.EINVALID, "交接双方是同一人。格式：交接 @离职同事 @接手同事")
	}
	if !actor.CanManage(from.TeamID) {
		return nil, baobei.Errorf(baobei.EFORBIDDEN, "交接需要 %s 所在团队的经理或管理员操作。请联系你的经理。", from.Name)
	}
	var out *baobei.HandoverResult
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		out = &baobei.HandoverResult{}
		var cs []baobei.Customer
		if err := tx.SelectContext(ctx, &cs, customerSelect+`WHERE c.owner_id = ? AND (c.status = ? OR (c.status = ? AND (c.protected_until > ? OR c.locked = 1)))
			ORDER BY c.id`, from.ID, baobei.StatusWon, baobei.StatusOwned, ts(now)); err != nil {
			return err
		}
		for i := range cs {
			c := &cs[i]
			if err := baobei.CheckTransfer(c, actor, to, now); err != nil {
				return err
			}
			if err := s.assign(ctx, tx, now, c, to.ID, baobei.CustomerDraft{}); err != nil {
				return err
			}
			if err := audit(ctx, tx, now, c.ID, actor.ID, ActHandover, c.OwnerID, &to.ID, ""); err != nil {
				return err
			}
		}
		if len(cs) == 0 {
			return nil
		}
		starts := make([]contactStart, len(cs))
		for i := range cs {
			starts[i] = contactStart{cs[i].ID, to.ID}
		}
		if err := startContacts(ctx, tx, s.policy, now, starts); err != nil {
			return err
		}
		held, err := heldBy(ctx, tx, now, to.ID)
		if err != nil {
			return err
		}
		out = &baobei.HandoverResult{Moved: cs, Held: held}
		return enqueue(ctx, tx, now, baobei.NoticesHandover(actor, from, to, cs, held, s.policy)...)
	})
	return out, err
}
