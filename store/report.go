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
		r := s.insertNew(ctx, now, actor, d, keys)
		if r.err != nil || r.c != nil {
			return &baobei.ReportResult{Customer: r.c}, r.err
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

func (s *Store) takeOver(ctx context.Context, now time.Time, actor *baobei.User, d baobei.CustomerDraft, keys []baobei.Key) (*baobei.ReportResult, error) {
	var res *baobei.ReportResult
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		c, key, err := customerByKeys(ctx, tx, keys)
		if err != nil {
			return err
		}
		if rerr := baobei.CheckReport(c, key, actor, now, s.policy); rerr != nil {
			return &baobei.Conflict{Err: rerr, Existing: c, Key: key}
		}
		from := formerOwnerPtr(c, now)
		if err := s.assign(ctx, tx, now, c, actor.ID, from, d); err != nil {
			return err
		}
		if err := addFreeKeys(ctx, tx, c.ID, keys); err != nil {
			return err
		}
		if err := audit(ctx, tx, now, c.ID, actor.ID, ActReport, from, &actor.ID, "takeover"); err != nil {
			return err
		}
		c, err = getCustomer(ctx, tx, c.ID)
		res = &baobei.ReportResult{Customer: c, TookFrom: from, Took: true}
		return err
	})
	return res, err
}

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
		if _, err := tx.ExecContext(ctx, "INSERT INTO customer_keys (kind, value, customer_id) VALUES (?, ?, ?)", k.Kind, k.Value, id); err != nil {
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
// the version that was checked. Empty fields are filled from d; a lost
// customer starts again as 新线索.
func (s *Store) assign(ctx context.Context, tx *sqlx.Tx, now time.Time, c *baobei.Customer, userID int64, prev *int64, d baobei.CustomerDraft) error {
	stage := c.Stage
	if stage == baobei.StageLost {
		stage = baobei.StageNew
	}
	status := baobei.StatusOwned
	if c.Status == baobei.StatusWon {
		status = baobei.StatusWon
	}
	if prev == nil {
		prev = c.PrevOwnerID
	}
	return affected(tx.ExecContext(ctx, `UPDATE customers SET owner_id = ?, status = ?, stage = ?, protected_until = ?,
		prev_owner_id = ?, lost_reason = '', next_followup_at = NULL,
		wechat = CASE WHEN wechat = '' THEN ? ELSE wechat END, company = CASE WHEN company = '' THEN ? ELSE company END,
		source = CASE WHEN source = '' THEN ? ELSE source END, demand = CASE WHEN demand = '' THEN ? ELSE demand END,
		version = version + 1 WHERE id = ? AND version = ?`,
		userID, status, stage, ts(now.Add(s.policy.Protection())), prev,
		d.Wechat, d.Company, d.Source, d.Demand, c.ID, c.Version))
}
