package store

import (
	"context"
	"errors"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Report stores a new customer owned by actor for the protection period.
// When a dedup key is taken, the unique index has decided who was first: the
// existing customer is either refused (a *baobei.Conflict naming its owner)
// or, when its protection has ended, taken over with a conditional update.
func (s *Store) Report(ctx context.Context, now time.Time, actor *baobei.User, d baobei.CustomerDraft) (*baobei.ReportResult, error) {
	keys := d.Keys(s.policy)
	for attempt := 0; attempt < 5; attempt++ {
		c, err := s.insertNew(ctx, now, actor, d, keys)
		if err != nil || c != nil {
			return &baobei.ReportResult{Customer: c}, err
		}
		res, err := s.takeOver(ctx, now, actor, d, keys)
		if !errors.Is(err, errKeyGone) {
			return res, err
		}
	}
	return nil, errors.New("report: key holder kept vanishing")
}

// errKeyGone: the duplicate key we collided with was rolled back; insert again.
var errKeyGone = errors.New("duplicate key holder rolled back")

// takeOver handles a report whose key exists. Refused because someone else
// holds the customer: the attempt is recorded and the owner told at once or
// with the hour's other attempts (noteAttempt); that commits (with the
// message record) and the *baobei.Conflict is returned. Allowed: the customer is assigned
// with the claim limits checked, and the former owner is told.
func (s *Store) takeOver(ctx context.Context, now time.Time, actor *baobei.User, d baobei.CustomerDraft, keys []baobei.Key) (*baobei.ReportResult, error) {
	var res *baobei.ReportResult
	var conflict *baobei.Conflict
	// READ COMMITTED: the searches take no gap locks, so many refused
	// reports of one customer at once do not deadlock on report_attempts.
	err := s.txRC(ctx, func(tx *sqlx.Tx) error {
		conflict = nil
		taker, err := s.taker(ctx, tx, now, actor)
		if err != nil {
			return err
		}
		c, key, err := customerByKeys(ctx, tx, keys)
		if err != nil {
			return err
		}
		if taker.LostAt, err = lastLoss(ctx, tx, c.ID, actor.ID); err != nil {
			return err
		}
		if rerr := baobei.CheckReport(c, key, taker, now, s.policy); rerr != nil {
			owner, owned := c.Owner(now)
			if !owned || owner == actor.ID {
				return rerr
			}
			conflict = &baobei.Conflict{Err: rerr, Existing: c, Key: key}
			return s.noteAttempt(ctx, tx, now, c, owner, actor)
		}
		if res, err = s.take(ctx, tx, now, actor, c, d, keys); err != nil {
			return err
		}
		return nil
	})
	if err == nil && conflict != nil {
		return nil, conflict
	}
	return res, err
}

// take assigns a customer that nobody holds to the reporter.
func (s *Store) take(ctx context.Context, tx *sqlx.Tx, now time.Time, actor *baobei.User, c *baobei.Customer, d baobei.CustomerDraft, keys []baobei.Key) (*baobei.ReportResult, error) {
	from := formerOwnerPtr(c, now)
	expired := c.Status == baobei.StatusOwned
	formerUID := c.PrevOwnerUID
	if expired {
		formerUID = c.OwnerUID
	}
	if err := s.assign(ctx, tx, now, c, actor.ID, d); err != nil {
		return nil, err
	}
	if err := addFreeKeys(ctx, tx, c.ID, keys); err != nil {
		return nil, err
	}
	if err := setFields(ctx, tx, now, c.ID, d.Custom, true); err != nil {
		return nil, err
	}
	if err := audit(ctx, tx, now, c.ID, actor.ID, ActReport, from, &actor.ID, DetailTakeover); err != nil {
		return nil, err
	}
	if err := startContacts(ctx, tx, s.policy, now, []contactStart{{c.ID, actor.ID}}); err != nil {
		return nil, err
	}
	if formerUID != "" && formerUID != actor.UID {
		if err := enqueue(ctx, tx, now, baobei.NoticeTaken(c, formerUID, expired, actor)); err != nil {
			return nil, err
		}
	}
	c, err := getCustomer(ctx, tx, c.ID)
	return &baobei.ReportResult{Customer: c, TookFrom: from, Took: true}, err
}

// DetailTakeover marks the audit row of a report that took an existing
// customer; such a report counts as a claim.
const DetailTakeover = "takeover"

// customerByKeys loads the customer holding the first taken key.
func customerByKeys(ctx context.Context, tx *sqlx.Tx, keys []baobei.Key) (*baobei.Customer, baobei.Key, error) {
	for _, k := range keys {
		var id int64
		err := tx.GetContext(ctx, &id, "SELECT customer_id FROM customer_keys WHERE kind = ? AND value = ?", k.Kind, k.Value)
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, k, err
		}
		c, err := getCustomer(ctx, tx, id)
		return c, k, err
	}
	return nil, baobei.Key{}, errKeyGone
}

func addFreeKeys(ctx context.Context, tx *sqlx.Tx, id int64, keys []baobei.Key) error {
	for _, k := range keys {
		var n int
		if err := tx.GetContext(ctx, &n, "SELECT COUNT(*) FROM customer_keys WHERE kind = ? AND value = ?", k.Kind, k.Value); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO customer_keys (kind, value, customer_id) VALUES (?, ?, ?)", k.Kind, k.Value, id)
		if err != nil && !isDuplicate(err) { // taken meanwhile by a new customer: it keeps the key
			return err
		}
	}
	return nil
}

// formerOwnerPtr is whoever held c last, for the audit row of a takeover.
func formerOwnerPtr(c *baobei.Customer, now time.Time) *int64 {
	if id, _, ok := c.FormerOwner(now); ok {
		return &id
	}
	return nil
}

// assign gives c to userID for a fresh protection period, if c is still at
// the version that was read. The former owner is kept as prev_owner_id,
// and their loss goes to the ownership history: now when c is moved away
// from them (转移, 交接), the end of their protection when it had run out.
// Taken from the pool, a customer starts afresh: a lost one as 新线索, with
// no amount, no planned follow-up; moved from an owner it keeps its stage,
// amount and planned follow-up. Empty fields are filled from d.
func (s *Store) assign(ctx context.Context, tx *sqlx.Tx, now time.Time, c *baobei.Customer, userID int64, d baobei.CustomerDraft) error {
	stage, amount, status, next := c.Stage, c.AmountCents, baobei.StatusOwned, c.NextFollowupAt
	if c.InPool(now) {
		amount, next = 0, nil
		if stage == baobei.StageLost {
			stage = baobei.StageNew
		}
	}
	if c.Status == baobei.StatusWon {
		status = baobei.StatusWon
	}
	prev := c.OwnerID
	if prev == nil {
		prev = c.PrevOwnerID
	}
	if err := affected(tx.ExecContext(ctx, `UPDATE customers SET owner_id = ?, status = ?, stage = ?, amount_cents = ?, protected_until = ?,
		prev_owner_id = ?, lost_reason = '', next_followup_at = ?, owned_since = ?, last_activity = ?,
		wechat = CASE WHEN wechat = '' THEN ? ELSE wechat END, company = CASE WHEN company = '' THEN ? ELSE company END,
		source = CASE WHEN source = '' THEN ? ELSE source END, demand = CASE WHEN demand = '' THEN ? ELSE demand END,
		version = version + 1 WHERE id = ? AND version = ?`,
		userID, status, stage, amount, ts(now.Add(s.policy.Protection())), prev, tsp(next), ts(now), ts(now),
		d.Wechat, d.Company, d.Source, d.Demand, c.ID, c.Version)); err != nil {
		return err
	}
	if l, ok := lossOnAssign(c, userID, now); ok {
		return recordLosses(ctx, tx, []loss{l})
	}
	return nil
}

// lossOnAssign is the loss of c's holder when c goes to userID: moved away
// at now, or expired at the end of the protection; none from the pool.
func lossOnAssign(c *baobei.Customer, userID int64, now time.Time) (loss, bool) {
	if c.OwnerID == nil || *c.OwnerID == userID || (c.Status != baobei.StatusOwned && c.Status != baobei.StatusWon) {
		return loss{}, false
	}
	if _, owned := c.Owner(now); owned || c.ProtectedUntil == nil {
		return loss{c.ID, *c.OwnerID, now, ActTransfer}, true
	}
	return loss{c.ID, *c.OwnerID, *c.ProtectedUntil, baobei.ReleaseExpired}, true
}
