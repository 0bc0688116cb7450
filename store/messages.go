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
		args := make([]any, 0, 7*len(chunk))
		for _, n := range chunk {
			payload, err := json.Marshal(n)
			if err != nil {
				return err
			}
			args = append(args, n.ToUser, n.ToChat, string(payload), OutboxPending, int(n.Priority), ts(now), ts(now))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (to_user, to_chat, payload, status, priority, next_attempt_at, created_at)
			VALUES `+placeholders(len(chunk), 7), args...); err != nil {
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

// LeaseOutbox takes up to limit due pushes of priority lowest or higher for
// owner until `until`: replies first, then notices, then bulk, oldest first
// within each. Pushes leased by someone else are left alone, so each push is
// sent by one replica.
func (s *Store) LeaseOutbox(ctx context.Context, now, until time.Time, owner string, limit int, lowest baobei.Priority) ([]baobei.OutboxItem, error) {
	var items []baobei.OutboxItem
	for _, p := range []baobei.Priority{baobei.PriorityReply, baobei.PriorityNotice, baobei.PriorityBulk} {
		if len(items) >= limit || p < lowest {
			break
		}
		var ids []int64
		if err := s.db.SelectContext(ctx, &ids, `SELECT id FROM outbox WHERE status = ? AND priority = ? AND next_attempt_at <= ?
			ORDER BY id LIMIT ?`, OutboxPending, int(p), ts(now), limit-len(items)); err != nil {
			return items, err
		}
		got, err := s.leaseOutbox(ctx, now, until, owner, ids)
		items = append(items, got...)
		if err != nil {
			return items, err
		}
	}
	return items, nil
}

func (s *Store) leaseOutbox(ctx context.Context, now, until time.Time, owner string, ids []int64) ([]baobei.OutboxItem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q, args, err := sqlx.In(`UPDATE outbox SET next_attempt_at = ?, lease_owner = ? WHERE id IN (?) AND status = ? AND next_attempt_at <= ?`,
		ts(until), owner, ids, OutboxPending, ts(now))
	if err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		return nil, err
	}
	var rows []struct {
		ID       int64  `db:"id"`
		Payload  string `db:"payload"`
		Attempts int    `db:"attempts"`
		Priority int    `db:"priority"`
		Webhook  *int64 `db:"webhook_id"`
	}
	q, args, err = sqlx.In(`SELECT id, payload, attempts, priority, webhook_id FROM outbox WHERE id IN (?) AND lease_owner = ? AND next_attempt_at = ?
		AND status = ? ORDER BY id`, ids, owner, ts(until), OutboxPending)
	if err != nil {
		return nil, err
	}
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	items := make([]baobei.OutboxItem, len(rows))
	for i, r := range rows {
		items[i] = baobei.OutboxItem{ID: r.ID, Attempts: r.Attempts}
		if r.Webhook != nil { // the payload is the body to post
			items[i].Notice = baobei.Notice{Webhook: *r.Webhook, Body: json.RawMessage(r.Payload), Priority: baobei.Priority(r.Priority)}
			continue
		}
		if err := json.Unmarshal([]byte(r.Payload), &items[i].Notice); err != nil {
			return nil, fmt.Errorf("outbox %d: %w", r.ID, err)
		}
		items[i].Notice.Priority = baobei.Priority(r.Priority)
	}
	return items, nil
}

// RenewOutbox extends owner's lease on the given pushes (the heartbeat of
// sends in progress).
func (s *Store) RenewOutbox(ctx context.Context, until time.Time, owner string, ids []int64) error {
	_, err := s.byIDs(ctx, `UPDATE outbox SET next_attempt_at = ? WHERE id IN (?) AND lease_owner = ? AND status = ?`,
		ids, ts(until), owner, OutboxPending)
	return err
}

// OutboxSent marks pushes delivered and returns how many it marked: fewer
// than ids when another replica marked some first (its lease had run out).
func (s *Store) OutboxSent(ctx context.Context, now time.Time, ids []int64) (int, error) {
	n, err := s.byIDs(ctx, "UPDATE outbox SET status = ?, attempts = attempts + 1, sent_at = ?, lease_owner = '' WHERE id IN (?) AND status = ?",
		ids, OutboxSent, ts(now), OutboxPending)
	return int(n), err
}

// OutboxDefer puts pushes back, due at `at`, without counting an attempt
// (a recipient's rate limit said not yet).
func (s *Store) OutboxDefer(ctx context.Context, at time.Time, owner string, ids []int64) error {
	_, err := s.byIDs(ctx, "UPDATE outbox SET next_attempt_at = ?, lease_owner = '' WHERE id IN (?) AND lease_owner = ? AND status = ?",
		ids, ts(at), owner, OutboxPending)
	return err
}

// byIDs runs q, whose "IN (?)" takes ids and whose other placeholders
// take args (those before the IN first), in chunks of 500 ids; it returns
// the rows changed.
func (s *Store) byIDs(ctx context.Context, q string, ids []int64, args ...any) (int64, error) {
	var changed int64
	before := strings.Count(q[:strings.Index(q, "IN (?)")], "?")
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		all := append(append(append([]any{}, args[:before]...), chunk), args[before:]...)
		query, qargs, err := sqlx.In(q, all...)
		if err != nil {
			return changed, err
		}
		res, err := s.db.ExecContext(ctx, query, qargs...)
		if err != nil {
			return changed, err
		}
		n, _ := res.RowsAffected()
		changed += n
	}
	return changed, nil
}

// OutboxFailed schedules another attempt at next, or marks the push dead
// when next is nil, if owner still holds its lease. Nothing is deleted.
func (s *Store) OutboxFailed(ctx context.Context, now time.Time, owner string, id int64, next *time.Time, cause string) error {
	status, at := OutboxDead, now
	if next != nil {
		status, at = OutboxPending, *next
	}
	if len(cause) > 500 {
		cause = strings.ToValidUTF8(cause[:500], "")
	}
	_, err := s.db.ExecContext(ctx, "UPDATE outbox SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ?, lease_owner = '' WHERE id = ? AND lease_owner = ? AND status = ?",
		status, ts(at), cause, id, owner, OutboxPending)
	return err
}

// QueueDepth is how many rows wait and since when, for the metrics.
type QueueDepth struct {
	Priority int        `db:"priority"`
	Count    int        `db:"n"`
	Oldest   *time.Time `db:"oldest"`
}

// OutboxDepth counts pending pushes by priority, with the oldest's age.
func (s *Store) OutboxDepth(ctx context.Context) ([]QueueDepth, error) {
	var out []QueueDepth
	err := s.db.SelectContext(ctx, &out, "SELECT priority, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE status = ? GROUP BY priority", OutboxPending)
	return out, err
}

// InboundDepth counts messages waiting to be processed, with the oldest's age.
func (s *Store) InboundDepth(ctx context.Context) (QueueDepth, error) {
	var d QueueDepth
	err := s.db.GetContext(ctx, &d, "SELECT 0 AS priority, COUNT(*) AS n, MIN(created_at) AS oldest FROM inbound WHERE status = ?", baobei.InboundPending)
	return d, err
}

// ConsoleAppend stores a message the console channel delivered.
func (s *Store) ConsoleAppend(ctx context.Context, now time.Time, toUser, toChat string, payload []byte) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO console_messages (to_user, to_chat, payload, created_at) VALUES (?, ?, ?, ?)",
		toUser, toChat, string(payload), ts(now))
	return err
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
