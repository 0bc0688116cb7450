package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// ActPurchase is the audit action of a repeat purchase (detail "3000 靠垫").
const ActPurchase = "purchase"

// recordPurchase writes a purchase of the customer, keeps its last
// purchase (the recency of RFM, the 回访 clock) and moves it to the segment
// the purchase puts it in.
func (s *Store) recordPurchase(ctx context.Context, tx *sqlx.Tx, now time.Time, customerID, actor int64, d baobei.PurchaseDraft) error {
	at := now
	if d.At != nil {
		at = *d.At
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO purchases (customer_id, amount_cents, items, bought_at, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		customerID, d.Cents, d.Items, ts(at), actor, ts(now)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE customers SET
		last_purchase_at = CASE WHEN last_purchase_at IS NULL OR last_purchase_at < ? THEN ? ELSE last_purchase_at END,
		last_activity = CASE WHEN last_activity IS NULL OR last_activity < ? THEN ? ELSE last_activity END,
		version = version + 1 WHERE id = ?`, ts(at), ts(at), ts(at), ts(at), customerID); err != nil {
		return err
	}
	_, err := s.resegment(ctx, tx, now, []int64{customerID}, baobei.PriorityNotice)
	return err
}

// Repurchase records a repeat purchase (复购) of a won customer, in one
// transaction with its audit row, and returns the customer's purchases.
func (s *Store) Repurchase(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, d baobei.PurchaseDraft) (*baobei.Customer, baobei.Purchases, error) {
	var c *baobei.Customer
	var ps baobei.Purchases
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if c, err = resolve(ctx, tx, ref); err != nil {
			return err
		}
		if err := baobei.CheckRepurchase(c, actor, d.Cents); err != nil {
			return err
		}
		if err := s.recordPurchase(ctx, tx, now, c.ID, actor.ID, d); err != nil {
			return err
		}
		if err := audit(ctx, tx, now, c.ID, actor.ID, ActPurchase, nil, nil, baobei.FormatCents(d.Cents)+" "+d.Items); err != nil {
			return err
		}
		ps, err = purchasesOf(ctx, tx, c.ID)
		return err
	})
	return c, ps, err
}

// PurchasesOf sums a customer's purchases.
func (s *Store) PurchasesOf(ctx context.Context, customerID int64) (baobei.Purchases, error) {
	return purchasesOf(ctx, s.q(), customerID)
}

func purchasesOf(ctx context.Context, q querier, customerID int64) (baobei.Purchases, error) {
	var all []baobei.Purchase
	if err := q.SelectContext(ctx, &all, `SELECT id, customer_id, amount_cents, items, bought_at, recorded_by FROM purchases
		WHERE customer_id = ? ORDER BY bought_at, id`, customerID); err != nil {
		return baobei.Purchases{}, err
	}
	ps := baobei.Purchases{Count: len(all)}
	for i := range all {
		ps.TotalCents += all[i].AmountCents
		ps.Last = &all[i]
	}
	return ps, nil
}

// correctFirstPurchase keeps the first purchase equal to a corrected won
// amount (改金额).
func correctFirstPurchase(ctx context.Context, tx *sqlx.Tx, customerID, cents int64) error {
	var id int64
	err := tx.GetContext(ctx, &id, "SELECT id FROM purchases WHERE customer_id = ? ORDER BY id LIMIT 1", customerID)
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE purchases SET amount_cents = ? WHERE id = ?", cents, id)
	return err
}
