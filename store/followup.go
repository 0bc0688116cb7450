package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// FollowUp logs a follow-up by actor, moves the stage and sets the grade:
// to 已成交 the customer stays with its owner for good; to 已流失 it
// returns to the pool. A grade change and a move back in the funnel get an
// audit row each.
func (s *Store) FollowUp(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, f baobei.FollowUpDraft) (*baobei.CustomerChange, error) {
	var out *baobei.CustomerChange
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := baobei.CheckWork(c, actor, now, s.policy); err != nil {
			return err
		}
		if err := checkStage(ctx, tx, c, f); err != nil {
			return err
		}
		if err := s.applyFollowUp(ctx, tx, now, actor, c, f); err != nil {
			return err
		}
		if c.Stage.After(f.Stage) {
			if err := audit(ctx, tx, now, c.ID, actor.ID, ActStageBack, c.OwnerID, c.OwnerID, string(c.Stage)+"→"+string(f.Stage)); err != nil {
				return err
			}
		}
		if err := changeGrade(ctx, tx, now, actor, c, c.Version+1, f.Grade); err != nil {
			return err
		}
		out, err = changed(ctx, tx, c)
		return err
	})
	return out, err
}

// followUpHook is the followup.created event of f, logged on c by actor.
func followUpHook(actor *baobei.User, c *baobei.Customer, f baobei.FollowUpDraft) hookEvent {
	to := f.Stage
	if to == "" {
		to = c.Stage
	}
	return hookEvent{kind: baobei.EventFollowUpCreated, customer: c.ID, actor: actor.ID,
		followup: &baobei.WebhookFollowUp{Content: f.Content, StageFrom: c.Stage, StageTo: to, NextAt: tsp(f.NextAt)}}
}

// SetGrade changes a customer's grade (等级 #3 A): its owner, a manager of
// the owner's team or an admin, with an audit row. The new grade's release
// and stale windows apply from then on.
func (s *Store) SetGrade(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, grade string) (*baobei.CustomerChange, error) {
	var out *baobei.CustomerChange
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := baobei.CheckGrade(c, actor, grade, now, s.policy); err != nil {
			return err
		}
		if err := changeGrade(ctx, tx, now, actor, c, c.Version, grade); err != nil {
			return err
		}
		out, err = changed(ctx, tx, c)
		return err
	})
	return out, err
}

// SetAmount corrects a won customer's amount (改金额, admins): the update,
// an audit row with the old and new amount and the reason, and the owner's
// notice, in one transaction.
func (s *Store) SetAmount(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, cents int64, reason string) (*baobei.CustomerChange, error) {
	var out *baobei.CustomerChange
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if err := baobei.CheckAmount(c, actor, cents, reason); err != nil {
			return err
		}
		if err := affected(tx.ExecContext(ctx, "UPDATE customers SET amount_cents = ?, version = version + 1 WHERE id = ? AND version = ?",
			cents, c.ID, c.Version)); err != nil {
			return err
		}
		if err := correctFirstPurchase(ctx, tx, c.ID, cents); err != nil {
			return err
		}
		if _, err := s.resegment(ctx, tx, now, []int64{c.ID}, baobei.PriorityNotice); err != nil {
			return err
		}
		detail := baobei.FormatCents(c.AmountCents) + "→" + baobei.FormatCents(cents) + " " + reason
		if err := audit(ctx, tx, now, c.ID, actor.ID, ActAmount, c.OwnerID, c.OwnerID, detail); err != nil {
			return err
		}
		if out, err = changed(ctx, tx, c); err != nil || *c.OwnerID == actor.ID {
			return err
		}
		return enqueue(ctx, tx, now, baobei.NoticeAmount(out.Customer, actor, c.AmountCents, reason))
	})
	return out, err
}

// changeGrade sets c's grade when it differs, if c is at version, with an
// audit row "C→A".
func changeGrade(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, c *baobei.Customer, version int64, grade string) error {
	if grade == "" || grade == c.Grade {
		return nil
	}
	if err := affected(tx.ExecContext(ctx, "UPDATE customers SET grade = ?, version = version + 1 WHERE id = ? AND version = ?",
		grade, c.ID, version)); err != nil {
		return err
	}
	return audit(ctx, tx, now, c.ID, actor.ID, ActGrade, c.OwnerID, c.OwnerID, baobei.GradeLabel(c.Grade)+"→"+grade)
}

// changed reloads c after a change and says what it was before.
func changed(ctx context.Context, tx *sqlx.Tx, before *baobei.Customer) (*baobei.CustomerChange, error) {
	c, err := getCustomer(ctx, tx, before.ID)
	if err != nil {
		return nil, err
	}
	return &baobei.CustomerChange{Customer: c, StageFrom: before.Stage, GradeFrom: before.Grade, AmountFrom: before.AmountCents}, nil
}

// applyFollowUp logs f on c (跟进, 成交, 流失, a visit report) with its
// followup.created event.
func (s *Store) applyFollowUp(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, c *baobei.Customer, f baobei.FollowUpDraft) error {
	if err := s.writeFollowUp(ctx, tx, now, actor, c, f); err != nil {
		return err
	}
	if err := followUpFields(ctx, tx, now, actor, c, f.Custom); err != nil {
		return err
	}
	return queueHooks(ctx, tx, now, []hookEvent{followUpHook(actor, c, f)})
}

// writeFollowUp stores the follow-up and moves the customer: stage, amount,
// next follow-up; to 已成交 it stays, to 已流失 it is released.
func (s *Store) writeFollowUp(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, c *baobei.Customer, f baobei.FollowUpDraft) error {
	to := f.Stage
	if to == "" {
		to = c.Stage
	}
	kind := f.Kind
	if kind == "" {
		kind = baobei.KindOther
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO followups (customer_id, user_id, kind, content, stage_from, stage_to, next_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, actor.ID, kind, f.Content, c.Stage, to, tsp(f.NextAt), ts(now)); err != nil {
		return err
	}
	if c.LastFollowupAt == nil {
		if err := contacted(ctx, tx, now, c.ID); err != nil {
			return err
		}
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
		if err := s.recordPurchase(ctx, tx, now, c.ID, actor.ID, baobei.PurchaseDraft{Cents: amount, Items: f.Items, At: f.BoughtAt}); err != nil { // the first purchase
			return err
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
	if err := recordLosses(ctx, tx, []loss{{c.ID, *c.OwnerID, now, why}}); err != nil {
		return err
	}
	return audit(ctx, tx, now, c.ID, actor.ID, ActRelease, c.OwnerID, nil, why+": "+reason)
}
