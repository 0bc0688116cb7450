package store

import (
	"context"
	"time"

	"baobei"
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

// InboundDue lists pending messages whose lease has run out, oldest first.
func (s *Store) InboundDue(ctx context.Context, now time.Time, limit int) ([]baobei.InboundItem, error) {
	var items []baobei.InboundItem
	err := s.db.SelectContext(ctx, &items, `SELECT id, payload, attempts FROM inbound
		WHERE status = ? AND lease_until <= ? ORDER BY id LIMIT ?`, baobei.InboundPending, ts(now), limit)
	return items, err
}

// InboundLease takes a due message for this worker until `until`; false
// when another worker has it.
func (s *Store) InboundLease(ctx context.Context, now, until time.Time, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE inbound SET lease_until = ?, attempts = attempts + 1
		WHERE id = ? AND status = ? AND lease_until <= ?`, ts(until), id, baobei.InboundPending, ts(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InboundFinish marks a message done (or dead after too many attempts).
func (s *Store) InboundFinish(ctx context.Context, id int64, status string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE inbound SET status = ? WHERE id = ?", status, id)
	return err
}
