package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/jmoiron/sqlx"
)

// Setting returns a stored setting; ok is false when it was never set.
func (s *Store) Setting(ctx context.Context, name string) (value string, ok bool, err error) {
	err = s.q().GetContext(ctx, &value, "SELECT value FROM settings WHERE name = ?", name)
	if notFound(err) {
		return "", false, nil
	}
	return value, err == nil, err
}

// SetSetting stores a setting, replacing its value.
func (s *Store) SetSetting(ctx context.Context, name, value string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE name = ?", name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO settings (name, value) VALUES (?, ?)", name, value)
		return err
	})
}

// Secret returns the named server secret, generating and storing 32 random
// bytes on first use so that every replica shares it.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	v, ok, err := s.Setting(ctx, name)
	if err != nil || ok {
		b, derr := hex.DecodeString(v)
		if err == nil {
			err = derr
		}
		return b, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	_, err = s.q().ExecContext(ctx, "INSERT INTO settings (name, value) VALUES (?, ?)", name, hex.EncodeToString(b))
	if err != nil && !isDuplicate(err) {
		return nil, err
	}
	return s.Secret(ctx, name) // a replica that was first wins
}
