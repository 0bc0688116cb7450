package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// ClaimMessage records a platform message that no transaction recorded
// (a command that changed nothing); ErrDuplicateMessage if it was seen before.
func (s *Store) ClaimMessage(ctx context.Context, claim *baobei.MessageClaim) error {
	return s.tx(baobei.WithMessageClaim(ctx, claim), func(*sqlx.Tx) error { return nil })
}

// recordMessages inserts processed_messages rows in tx; a duplicate means
// the message was handled before.
func recordMessages(ctx context.Context, tx *sqlx.Tx, now time.Time, claims ...*baobei.MessageClaim) error {
	if len(claims) == 0 {
		return nil
	}
	q := "INSERT INTO processed_messages (platform, msg_id, created_at) VALUES " + placeholders(len(claims), 3)
	args := make([]any, 0, 3*len(claims))
	for _, c := range claims {
		args = append(args, c.Platform, c.ID, ts(now))
	}
	_, err := tx.ExecContext(ctx, q, args...)
	if isDuplicate(err) {
		return baobei.ErrDuplicateMessage
	}
	return err
}

// placeholders returns "(?, ?), (?, ?)" for rows rows of n columns.
func placeholders(rows, n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

// Notify queues pushes in the outbox.
func (s *Store) Notify(ctx context.Context, now time.Time, ns ...baobei.Notice) error {
	if len(ns) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error { return enqueue(ctx, tx, now, ns...) })
}

// enqueue writes pushes to the outbox in tx, 100 rows a statement.
func enqueue(ctx context.Context, tx *sqlx.Tx, now time.Time, ns ...baobei.Notice) error {
	for len(ns) > 0 {
		chunk := ns[:min(len(ns), 100)]
		ns = ns[len(chunk):]
		args := make([]any, 0, 6*len(chunk))
		for _, n := range chunk {
			payload, err := json.Marshal(n)
			if err != nil {
				return err
			}
			args = append(args, n.ToUser, n.ToChat, string(payload), OutboxPending, ts(now), ts(now))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (to_user, to_chat, payload, status, next_attempt_at, created_at)
			VALUES `+placeholders(len(chunk), 6), args...); err != nil {
			return err
		}
	}
	return nil
}

// Outbox states.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxDead    = "dead"
)

// DueOutbox returns pending pushes whose next attempt is due, oldest first.
func (s *Store) DueOutbox(ctx context.Context, now time.Time, limit int) ([]baobei.OutboxItem, error) {
	var rows []struct {
		ID       int64  `db:"id"`
		Payload  string `db:"payload"`
		Attempts int    `db:"attempts"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT id, payload, attempts FROM outbox
		WHERE status = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?`, OutboxPending, ts(now), limit)
	items := make([]baobei.OutboxItem, len(rows))
	for i, r := range rows {
		items[i] = baobei.OutboxItem{ID: r.ID, Attempts: r.Attempts}
		if err := json.Unmarshal([]byte(r.Payload), &items[i].Notice); err != nil {
			return nil, fmt.Errorf("outbox %d: %w", r.ID, err)
		}
	}
	return items, err
}

// OutboxLease takes a due push for this sender until `until`; false when
// another replica took it, so a push is sent by one replica only.
func (s *Store) OutboxLease(ctx context.Context, now, until time.Time, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = ? AND next_attempt_at <= ?`,
		ts(until), id, OutboxPending, ts(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// OutboxSent marks a push delivered.
func (s *Store) OutboxSent(ctx context.Context, now time.Time, id int64) error {
	_, err := s.db.ExecContext(ctx, "UPDATE outbox SET status = ?, attempts = attempts + 1, sent_at = ? WHERE id = ?", OutboxSent, ts(now), id)
	return err
}

// OutboxFailed schedules another attempt at next, or marks the push dead
// when next is nil. Nothing is deleted.
func (s *Store) OutboxFailed(ctx context.Context, now time.Time, id int64, next *time.Time, cause string) error {
	status, at := OutboxDead, now
	if next != nil {
		status, at = OutboxPending, *next
	}
	if len(cause) > 500 {
		cause = cause[:500]
	}
	_, err := s.db.ExecContext(ctx, "UPDATE outbox SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
		status, ts(at), cause, id)
	return err
}

// ConsoleAppend stores a message the console channel delivered; msgID is
// the message it answers ("" for pushes).
func (s *Store) ConsoleAppend(ctx context.Context, now time.Time, toUser, toChat, msgID string, payload []byte) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO console_messages (to_user, to_chat, msg_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
		toUser, toChat, msgID, string(payload), ts(now))
	return err
}

// ConsoleReplies returns the payloads delivered in answer to msgID, in order.
func (s *Store) ConsoleReplies(ctx context.Context, msgID string) ([]string, error) {
	var out []string
	err := s.db.SelectContext(ctx, &out, "SELECT payload FROM console_messages WHERE msg_id = ? ORDER BY id", msgID)
	return out, err
}

// ConsoleInbox returns the payloads delivered to a user (or, with chat set,
// a group chat), oldest first.
func (s *Store) ConsoleInbox(ctx context.Context, user, chat string) ([]string, error) {
	var out []string
	q, arg := "SELECT payload FROM console_messages WHERE to_user = ? AND to_chat = '' ORDER BY id", user
	if chat != "" {
		q, arg = "SELECT payload FROM console_messages WHERE to_chat = ? ORDER BY id", chat
	}
	err := s.db.SelectContext(ctx, &out, q, arg)
	return out, err
}
