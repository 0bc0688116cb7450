package store

import (
	"context"
	"fmt"
	"time"

	"baobei"
)

// How long records that only guard against redelivery, and sent pushes, are kept.
const (
	// processed_messages, handled inbound messages, callback_signatures:
	// platforms redeliver within minutes, WeCom callbacks older than 5
	// minutes and DingTalk signatures older than an hour are refused, so a
	// week outlives every window by far.
	DedupeDays = 7
	SentDays   = 30 // pushes delivered; dead ones stay for 系统状态
)

// Cleanup deletes what no longer serves: dedupe records, handled inbound
// messages and callback signatures older than DedupeDays, and pushes and
// refused report attempts sent more than SentDays ago, a few thousand rows per statement so no lock is
// held for long.
func (s *Store) Cleanup(ctx context.Context, now time.Time) (int, error) {
	dedupe, sent := ts(now.AddDate(0, 0, -DedupeDays)), ts(now.AddDate(0, 0, -SentDays))
	total := 0
	for _, d := range []struct {
		table, where string
		args         []any
	}{
		{"processed_messages", "created_at < ?", []any{dedupe}},
		{"inbound", "status = ? AND lease_until < ?", []any{baobei.InboundDone, dedupe}},
		{"callback_signatures", "seen_at < ?", []any{dedupe}},
		// A sent push's next_attempt_at is its last lease, within a minute of sent_at, and indexed.
		{"outbox", "status = ? AND next_attempt_at < ?", []any{OutboxSent, sent}},
		{"report_attempts", "sent_at < ?", []any{sent}},      // waiting ones (sent_at NULL) stay
		{"api_idempotency", "created_at < ?", []any{dedupe}}, // an Idempotency-Key replays for a week
		{"downloads", "expires_at < ?", []any{dedupe}},       // export links live 10 minutes
	} {
		n, err := s.deleteBatched(ctx, d.table, d.where, d.args...)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// deleteBatched deletes the rows of table matching where, 5,000 at a time.
func (s *Store) deleteBatched(ctx context.Context, table, where string, args ...any) (int, error) {
	const batch = 5000
	q := fmt.Sprintf("DELETE FROM %s WHERE %s LIMIT %d", table, where, batch)
	if s.dialect == SQLite { // no DELETE … LIMIT; MySQL has no LIMIT in an IN subquery
		q = fmt.Sprintf("DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %[1]s WHERE %s LIMIT %d)", table, where, batch)
	}
	total := 0
	for {
		res, err := s.db.ExecContext(ctx, q, args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		total += int(n)
		if err != nil || n < batch {
			return total, err
		}
	}
}
