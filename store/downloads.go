package store

import (
	"context"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// LinkTTL is how long a one-time link (导出, 看板) works.
const LinkTTL = 10 * time.Minute

// CreateLink makes a one-time link token of kind (baobei.LinkExport,
// baobei.LinkDash) for actor and scope, valid LinkTTL; only its hash is
// kept, and an audit row (action "<kind>_link") records it.
func (s *Store) CreateLink(ctx context.Context, now time.Time, actor *baobei.User, kind string, scope baobei.Scope) (string, error) {
	plain := randomHex(24)
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO downloads (hash, kind, user_id, scope_user, scope_team, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, TokenHash(plain), kind, actor.ID, scope.UserID, scope.TeamID, ts(now), ts(now.Add(LinkTTL))); err != nil {
			return err
		}
		return audit(ctx, tx, now, 0, actor.ID, kind+"_link", nil, nil, scopeText(scope))
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

// Link is a used one-time link: who asked and the scope it was made for.
type Link struct {
	User  *baobei.User
	Scope baobei.Scope
}

// UseLink spends a link of kind: the first use within its time gets who
// made it and its scope; a used, expired or unknown one is ENOTFOUND.
func (s *Store) UseLink(ctx context.Context, now time.Time, kind, plain string) (*Link, error) {
	var out *Link
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE downloads SET used_at = ? WHERE hash = ? AND kind = ? AND used_at IS NULL AND expires_at > ?",
			ts(now), TokenHash(plain), kind, ts(now))
		if err := affected(res, err); err == errStale {
			return baobei.Errorf(baobei.ENOTFOUND, "链接已失效：链接 10 分钟内有效，只能打开一次。请在聊天里重新发「%s」。", baobei.LinkCommand(kind))
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
		out = &Link{User: u, Scope: baobei.Scope{UserID: d.ScopeUser, TeamID: d.ScopeTeam}}
		return nil
	})
	return out, err
}
