package store

import (
	"context"
	"time"
)

// UseSignature records that a callback's signature sig (a digest of its
// signed headers) came with a body of digest body, and reports whether the
// callback may be taken: the signature was never seen, or was seen with the
// same body (a redelivery). The same signature with another body is a
// forgery, and false. Replicas share the record.
func (s *Store) UseSignature(ctx context.Context, sig, body string, now time.Time) (bool, error) {
	_, err := s.db.ExecContext(ctx, "INSERT INTO callback_signatures (sig, body, seen_at) VALUES (?, ?, ?)", sig, body, ts(now))
	if err == nil || !isDuplicate(err) {
		return err == nil, err
	}
	var first string
	if err := s.db.GetContext(ctx, &first, "SELECT body FROM callback_signatures WHERE sig = ?", sig); err != nil {
		return false, err
	}
	return first == body, nil
}
