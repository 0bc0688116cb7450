package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// ActExportLink is the audit action of a one-time export link (no customer).
const ActExportLink = "export_link"

// DownloadTTL is how long an export link works.
const DownloadTTL = 10 * time.Minute

// CreateDownload makes a one-time link token for actor to export scope,
// valid DownloadTTL; only its hash is kept.
func (s *Store) CreateDownload(ctx context.Context, now time.Time, actor *baobei.User, scope baobei.Scope) (string, error) {
	plain := randomHex(24)
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO downloads (hash, user_id, scope_user, scope_team, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, TokenHash(plain), actor.ID, scope.UserID, scope.TeamID, ts(now), ts(now.Add(DownloadTTL))); err != nil {
			return err
		}
		return audit(ctx, tx, now, 0, actor.ID, ActExportLink, nil, nil, scopeText(scope))
	})
	return plain, err
}

func scopeText(s baobei.Scope) string {
	switch {
	case s.UserID != nil:
		return "own"
	case s.TeamID != nil:
		return "team"
	}
	return "all"
}

// Download is a used export link: who asked and what they may export.
type Download struct {
	User  *baobei.User
	Scope baobei.Scope
}

// UseDownload spends a link: the first use within its time gets what it
// exports; a used, expired or unknown one is ENOTFOUND.
func (s *Store) UseDownload(ctx context.Context, now time.Time, plain string) (*Download, error) {
	var out *Download
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE downloads SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?",
			ts(now), TokenHash(plain), ts(now))
		if err := affected(res, err); err == errStale {
			return baobei.Errorf(baobei.ENOTFOUND, "链接已失效：导出链接 10 分钟内有效，只能下载一次。请在聊天里重新发「导出」。")
		} else if err != nil {
			return err
		}
		var d struct {
			UserID    int64  `db:"user_id"`
			ScopeUser *int64 `db:"scope_user"`
			ScopeTeam *int64 `db:"scope_team"`
		}
		if err := tx.GetContext(ctx, &d, "SELECT user_id, scope_user, scope_team FROM downloads WHERE hash = ?", TokenHash(plain)); err != nil {
			return err
		}
		u, err := s.getUserTx(ctx, tx, d.UserID)
		if err != nil {
			return err
		}
		if !u.Active {
			return baobei.Errorf(baobei.EFORBIDDEN, "账号已停用，不能下载。")
		}
		out = &Download{User: u, Scope: baobei.Scope{UserID: d.ScopeUser, TeamID: d.ScopeTeam}}
		return nil
	})
	return out, err
}
