package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Audit actions of API tokens (no customer).
const (
	ActTokenCreate = "token_create"
	ActTokenRevoke = "token_revoke"
)

// TokenHash is what the store keeps of a token.
func TokenHash(plain string) string {
	h := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(h[:])
}

// CreateToken makes a token with scopes and returns it with its plain
// text, which is shown once and never stored.
func (s *Store) CreateToken(ctx context.Context, now time.Time, name string, scopes []string) (*baobei.APIToken, string, error) {
	if name = strings.TrimSpace(name); name == "" || baobei.RuneLen(name) > 64 {
		return nil, "", baobei.Errorf(baobei.EINVALID, "a token needs a name of 1 to 64 characters (--name)")
	}
	plain := "bb_" + randomHex(24)
	t := &baobei.APIToken{Name: name, Prefix: plain[:9], Scopes: strings.Join(scopes, ","), CreatedAt: ts(now)}
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO api_tokens (name, hash, prefix, scopes, created_at) VALUES (?, ?, ?, ?, ?)",
			t.Name, TokenHash(plain), t.Prefix, t.Scopes, t.CreatedAt)
		if err != nil {
			return err
		}
		if t.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit(ctx, tx, now, 0, 0, ActTokenCreate, nil, nil, fmt.Sprintf("T%d %s %s", t.ID, t.Name, t.Scopes))
	})
	return t, plain, err
}

const tokenCols = "id, name, prefix, scopes, created_at, last_used_at, revoked_at"

// TokenByPlain is the live token with that plain text, or ENOTFOUND; its
// last use is recorded (at most once a minute).
func (s *Store) TokenByPlain(ctx context.Context, now time.Time, plain string) (*baobei.APIToken, error) {
	var t baobei.APIToken
	err := s.q().GetContext(ctx, &t, "SELECT "+tokenCols+" FROM api_tokens WHERE hash = ? AND revoked_at IS NULL", TokenHash(plain))
	if notFound(err) {
		return nil, baobei.Errorf(baobei.ENOTFOUND, "unknown or revoked token")
	}
	if err != nil {
		return nil, err
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if _, err := s.db.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", ts(now), t.ID); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// Tokens lists every token, revoked ones too, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]baobei.APIToken, error) {
	var ts []baobei.APIToken
	err := s.q().SelectContext(ctx, &ts, "SELECT "+tokenCols+" FROM api_tokens ORDER BY id")
	return ts, err
}

// RevokeToken ends a token at once.
func (s *Store) RevokeToken(ctx context.Context, now time.Time, id int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", ts(now), id)
		if err := affected(res, err); err == errStale {
			return baobei.Errorf(baobei.ENOTFOUND, "no live token T%d (baobei token list shows them)", id)
		} else if err != nil {
			return err
		}
		return audit(ctx, tx, now, 0, 0, ActTokenRevoke, nil, nil, fmt.Sprintf("T%d", id))
	})
}
