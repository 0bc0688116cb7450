package store

import (
	"context"
	"fmt"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

const userCols = "id, uid, name, role, team_id, active, away_until"

// SyncOrg makes teams and users match the configured org. Users missing from
// the config are left as they are (their customers stay theirs).
func (s *Store) SyncOrg(ctx context.Context, org baobei.Org, now time.Time) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		for _, t := range org.Teams {
			id, err := upsertTeam(ctx, tx, t)
			if err != nil {
				return err
			}
			for _, m := range t.Members {
				if err := upsertUser(ctx, tx, m, &id, now); err != nil {
					return err
				}
			}
		}
		for _, m := range org.Admins {
			m.Role = baobei.RoleAdmin
			if err := upsertUser(ctx, tx, m, nil, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func upsertTeam(ctx context.Context, tx *sqlx.Tx, t baobei.OrgTeam) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, "SELECT id FROM teams WHERE code = ?", t.TeamCode())
	if notFound(err) {
		res, err := tx.ExecContext(ctx, "INSERT INTO teams (code, name, chat_id) VALUES (?, ?, ?)", t.TeamCode(), t.Name, t.Chat)
		if err != nil {
			return 0, fmt.Errorf("insert team %s: %w", t.Name, err)
		}
		return res.LastInsertId()
	}
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, "UPDATE teams SET name = ?, chat_id = ? WHERE id = ?", t.Name, t.Chat, id)
	return id, err
}

func upsertUser(ctx context.Context, tx *sqlx.Tx, m baobei.OrgMember, team *int64, now time.Time) error {
	if m.Role == "" {
		m.Role = baobei.RoleRep
	}
	if m.Name == "" {
		m.Name = m.ID
	}
	res, err := tx.ExecContext(ctx, "UPDATE users SET name = ?, role = ?, team_id = ?, active = ? WHERE uid = ?", m.Name, m.Role, team, true, m.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var exists int
	if err := tx.GetContext(ctx, &exists, "SELECT COUNT(*) FROM users WHERE uid = ?", m.ID); err != nil || exists > 0 {
		return err // MySQL reports 0 affected rows when nothing changed
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO users (uid, name, role, team_id, active, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		m.ID, m.Name, m.Role, team, true, ts(now))
	return err
}

// UserByUID returns the user with that platform id, or an ENOTFOUND error.
func (s *Store) UserByUID(ctx context.Context, uid string) (*baobei.User, error) {
	return s.getUser(ctx, "uid = ?", uid)
}

// UserByID returns the user with that id.
func (s *Store) UserByID(ctx context.Context, id int64) (*baobei.User, error) {
	return s.getUser(ctx, "id = ?", id)
}

// FindUser resolves how a chat message names a colleague: id or name.
func (s *Store) FindUser(ctx context.Context, ref string) (*baobei.User, error) {
	u, err := s.getUser(ctx, "uid = ?", ref)
	if baobei.ErrorCode(err) != baobei.ENOTFOUND {
		return u, err
	}
	var us []baobei.User
	if err := s.q().SelectContext(ctx, &us, "SELECT "+userCols+" FROM users WHERE name = ? AND active = ? LIMIT 3", ref, true); err != nil {
		return nil, err
	}
	switch len(us) {
	case 0:
		return nil, baobei.Errorf(baobei.ENOTFOUND, "找不到同事“%s”。请用 @姓名 或 @账号，例如 @李四。", ref)
	case 1:
		return &us[0], nil
	}
	return nil, baobei.Errorf(baobei.EAMBIGUOUS, "有多位同事叫“%s”。请改用账号，例如 @%s。", ref, us[0].UID)
}

func (s *Store) getUser(ctx context.Context, where string, arg any) (*baobei.User, error) {
	var u baobei.User
	err := s.q().GetContext(ctx, &u, "SELECT "+userCols+" FROM users WHERE "+where, arg)
	if notFound(err) {
		return nil, baobei.Errorf(baobei.ENOTFOUND, "找不到用户 %v。请让管理员把你加入组织配置。", arg)
	}
	return &u, err
}

// RegisterRep adds an unknown platform user as a rep without a team
// (org.auto_register); a concurrent registration of the same uid is fine.
func (s *Store) RegisterRep(ctx context.Context, uid, name string, now time.Time) (*baobei.User, error) {
	if name == "" {
		name = uid
	}
	_, err := s.q().ExecContext(ctx, "INSERT INTO users (uid, name, role, team_id, active, created_at) VALUES (?, ?, ?, NULL, ?, ?)",
		uid, name, baobei.RoleRep, true, ts(now))
	if err != nil && !isDuplicate(err) {
		return nil, err
	}
	return s.UserByUID(ctx, uid)
}

// Users lists the active users, team by team.
func (s *Store) Users(ctx context.Context) ([]baobei.User, error) {
	var us []baobei.User
	err := s.q().SelectContext(ctx, &us, "SELECT "+userCols+" FROM users WHERE active = ? ORDER BY team_id, id", true)
	return us, err
}

// Teams lists the teams.
func (s *Store) Teams(ctx context.Context) ([]baobei.Team, error) {
	var ts []baobei.Team
	err := s.q().SelectContext(ctx, &ts, "SELECT id, code, name, chat_id FROM teams ORDER BY id")
	return ts, err
}
