package baobei

import "time"

// Role decides what a user sees and may do.
type Role string

const (
	RoleRep     Role = "rep"
	RoleManager Role = "manager"
	RoleAdmin   Role = "admin"
)

// User is a member of the sales organisation. UID is the id the platforms
// and the org config use (WeCom userid, DingTalk staffId, console name).
type User struct {
	ID     int64  `db:"id"`
	UID    string `db:"uid"`
	Name   string `db:"name"`
	Role   Role   `db:"role"`
	TeamID *int64 `db:"team_id"`
	Active bool   `db:"active"`
	// AwayUntil: on leave (请假) until then; leads are not assigned to them.
	AwayUntil *time.Time `db:"away_until"`
}

// Team is a group of reps with a manager and a group chat.
type Team struct {
	ID     int64  `db:"id"`
	Code   string `db:"code"`
	Name   string `db:"name"`
	ChatID string `db:"chat_id"`
}

// SameTeam reports whether both users belong to one team.
func (u *User) SameTeam(teamID *int64) bool {
	return u.TeamID != nil && teamID != nil && *u.TeamID == *teamID
}

// CanSeeFull reports whether u may see the customer's full phone and
// follow-ups: its owner, a manager of the owner's team, or an admin.
func (u *User) CanSeeFull(ownerID int64, ownerTeam *int64) bool {
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleManager:
		return u.ID == ownerID || u.SameTeam(ownerTeam)
	}
	return u.ID == ownerID
}

// SeesFull reports whether u may see c's full phone and details at now:
// the owner (or the requester of a pending report), a manager of the
// owner's team, or an admin — chat, exports and the dashboard all ask here.
func (u *User) SeesFull(c *Customer, now time.Time) bool {
	owner, _ := c.Owner(now)
	if c.Status == StatusPending && c.OwnerID != nil {
		owner = *c.OwnerID
	}
	return owner != 0 && u.CanSeeFull(owner, c.OwnerTeam) || u.Role == RoleAdmin
}

// CanManage reports whether u may reassign customers owned by someone in
// ownerTeam (转移, 交接): a manager of that team or an admin.
func (u *User) CanManage(ownerTeam *int64) bool {
	return u.Role == RoleAdmin || (u.Role == RoleManager && u.SameTeam(ownerTeam))
}

// Label names a role in Chinese.
func (r Role) Label() string {
	switch r {
	case RoleManager:
		return "经理"
	case RoleAdmin:
		return "管理员"
	}
	return "销售"
}
