package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// InboundAdd records a platform message; added is false when the same
// platform message id was recorded before (a redelivery).
func (s *Store) InboundAdd(ctx context.Context, now time.Time, platform, msgID string, payload []byte) (added bool, id int64, err error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO inbound (platform, msg_id, payload, status, attempts, lease_until, created_at)
		VALUES (?, ?, ?, ?, 0, ?, ?)`, platform, msgID, string(payload), baobei.InboundPending, ts(now), ts(now))
	if isDuplicate(err) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	id, err = res.LastInsertId()
	return err == nil, id, err
}

// LeaseInbound takes up to limit due messages (pending, lease run out) for
// owner until `until`, oldest first, counting an attempt on each.
func (s *Store) LeaseInbound(ctx context.Context, now, until time.Time, owner string, limit int) ([]baobei.InboundItem, error) {
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `SELECT id FROM inbound WHERE status = ? AND lease_until <= ? ORDER BY id LIMIT ?`,
		baobei.InboundPending, ts(now), limit); err != nil || len(ids) == 0 {
		return nil, err
	}
	q, args, err := sqlx.In(`UPDATE inbound SET lease_until = ?, lease_owner = ?, attempts = attempts + 1
		WHERE id IN (?) AND status = ? AND lease_until <= ?`, ts(until), owner, ids, baobei.InboundPending, ts(now))
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return nil, err
	}
	var items []baobei.InboundItem
	q, args, err = sqlx.In(`SELECT id, payload, attempts FROM inbound WHERE id IN (?) AND lease_owner = ? AND lease_until = ? AND status = ?
		ORDER BY id`, ids, owner, ts(until), baobei.InboundPending)
	if err == nil {
		err = s.db.SelectContext(ctx, &items, q, args...)
	}
	return items, err
}

// RenewInbound extends owner's lease on messages being processed.
func (s *Store) RenewInbound(ctx context.Context, until time.Time, owner string, ids []int64) error {
	_, err := s.byIDs(ctx, "UPDATE inbound SET lease_until = ? WHERE id IN (?) AND lease_owner = ? AND status = ?",
		ids, ts(until), owner, baobei.InboundPending)
	return err
}

// InboundRetry releases a message whose unit failed, due again at `at`.
func (s *Store) InboundRetry(ctx context.Context, at time.Time, owner string, id int64) error {
	_, err := s.db.ExecContext(ctx, "UPDATE inbound SET lease_until = ?, lease_owner = '' WHERE id = ? AND lease_owner = ? AND status = ?",
		ts(at), id, owner, baobei.InboundPending)
	return err
}

// InboundFinish marks a message done (or dead: it cannot be read).
func (s *Store) InboundFinish(ctx context.Context, id int64, status string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE inbound SET status = ? WHERE id = ?", status, id)
	return err
}

// finishInbound marks the messages of committed units done, in their transaction.
func finishInbound(ctx context.Context, tx *sqlx.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	q, args, err := sqlx.In("UPDATE inbound SET status = ? WHERE id IN (?)", baobei.InboundDone, ids)
	if err == nil {
		_, err = tx.ExecContext(ctx, q, args...)
	}
	return err
}
