package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// FollowUp logs a follow-up by actor and moves the stage: to 已成交 the
// customer stays with its owner for good; to 已流失 it returns to the pool.
func (s *Store) FollowUp(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, f baobei.FollowUpDraft) (*baobei.Customer, error) {
	var out *baobei.Customer
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := baobei.CheckWork(c, actor, now, s.policy); err != nil {
			return err
		}
		if err := baobei.CheckStage(c, f.Stage, f.AmountCents, f.Reason); err != nil {
			return err
		}
		if err := s.applyFollowUp(ctx, tx, now, actor, c, f); err != nil {
			return err
		}
		out, err = getCustomer(ctx, tx, c.ID)
		return err
	})
	return out, err
}

func (s *Store) applyFollowUp(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, c *baobei.Customer, f baobei.FollowUpDraft) error {
	to := f.Stage
	if to == "" {
		to = c.Stage
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO followups (customer_id, user_id, content, stage_from, stage_to, next_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, actor.ID, f.Content, c.Stage, to, tsp(f.NextAt), ts(now)); err != nil {
		return err
	}
	amount := c.AmountCents
	if f.AmountCents != nil {
		amount = *f.AmountCents
	}
	next := f.NextAt
	if next == nil && c.NextFollowupAt != nil && c.NextFollowupAt.After(now) {
		next = c.NextFollowupAt // a follow-up settles what was due, not what is planned
	}
	switch to {
	case baobei.StageLost:
		return s.release(ctx, tx, now, actor, c, baobei.ReleaseLost, f.Reason, amount)
	case baobei.StageWon:
		if err := affected(tx.ExecContext(ctx, `UPDATE customers SET stage = ?, status = ?, amount_cents = ?, last_followup_at = ?, last_activity = ?,
			next_followup_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			to, baobei.StatusWon, amount, ts(now), ts(now), tsp(next), c.ID, c.Version)); err != nil {
			return err
		}
		if c.Stage == baobei.StageWon {
			return nil
		}
		return audit(ctx, tx, now, c.ID, actor.ID, ActWon, c.OwnerID, c.OwnerID, baobei.FormatCents(amount))
	}
	return affected(tx.ExecContext(ctx, `UPDATE customers SET stage = ?, amount_cents = ?, last_followup_at = ?, last_activity = ?, next_followup_at = ?,
		version = version + 1 WHERE id = ? AND version = ?`, to, amount, ts(now), ts(now), tsp(next), c.ID, c.Version))
}

// release returns c to the pool and records why.
func (s *Store) release(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, c *baobei.Customer, why, reason string, amount int64) error {
	stage, lost, followed := c.Stage, "", c.LastFollowupAt
	if why == baobei.ReleaseLost {
		stage, lost, followed = baobei.StageLost, reason, &now
	}
	if err := affected(tx.ExecContext(ctx, `UPDATE customers SET stage = ?, status = ?, owner_id = NULL, protected_until = NULL, locked = ?,
		prev_owner_id = ?, released_at = ?, release_reason = ?, lost_reason = ?, amount_cents = ?, last_followup_at = ?,
		next_followup_at = NULL, version = version + 1 WHERE id = ? AND version = ?`,
		stage, baobei.StatusPool, false, c.OwnerID, ts(now), why, lost, amount, tsp(followed), c.ID, c.Version)); err != nil {
		return err
	}
	return audit(ctx, tx, now, c.ID, actor.ID, ActRelease, c.OwnerID, nil, why+": "+reason)
}
