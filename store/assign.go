package store

import (
	"context"
	"errors"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Audit actions of leads and their assignment.
const (
	ActLead   = "lead"   // a lead came in from outside chat (detail: who sent it)
	ActAssign = "assign" // a lead or pool customer was given to a rep (detail: auto, 转派 or by hand)
	ActAway   = "away"   // a user's leave was set or ended (no customer; to_owner is the user)
)

// AddLead stores a lead from outside chat, deduplicated like a 报备 (a
// taken key is a *baobei.Conflict naming the existing customer), and
// assigns it by policy.assignment — one transaction with the audit rows,
// the rep's card and the team chat's line. A lead nobody can take stays in
// the pool.
func (s *Store) AddLead(ctx context.Context, now time.Time, d baobei.LeadDraft, card baobei.LeadCard) (*baobei.AssignResult, error) {
	for attempt := 0; ; attempt++ {
		out, err := s.addLead(ctx, now, d, card)
		switch {
		case errors.Is(err, errIdemTaken):
			return s.replayLead(ctx, now, d)
		case isDuplicate(err) && attempt < 3:
			continue // a key taken meanwhile: the next run finds it and answers the conflict
		}
		return out, err
	}
}

// errIdemTaken: the lead's Idempotency-Key was used before.
var errIdemTaken = errors.New("idempotency key used")

func (s *Store) addLead(ctx context.Context, now time.Time, d baobei.LeadDraft, card baobei.LeadCard) (*baobei.AssignResult, error) {
	var out *baobei.AssignResult
	err := s.txRC(ctx, func(tx *sqlx.Tx) error {
		if d.IdemKey != "" {
			// First, so that a second post with the key waits for the first
			// to end and then finds its row taken.
			if _, err := tx.ExecContext(ctx, "INSERT INTO api_idempotency (token_id, idem_key, customer_id, created_at) VALUES (?, ?, 0, ?)",
				d.TokenID, d.IdemKey, ts(now)); isDuplicate(err) {
				return errIdemTaken
			} else if err != nil {
				return err
			}
		}
		res, err := s.importBatch(ctx, tx, now, []baobei.ImportRow{{Draft: d.CustomerDraft, Via: d.Via}})
		if err != nil {
			return err
		}
		if res[0].Status != baobei.ImportImported {
			c, k, err := customerByKeys(ctx, tx, d.Keys(s.policy))
			if err != nil {
				return err
			}
			return &baobei.Conflict{Existing: c, Key: k, Err: baobei.Errorf(baobei.ECONFLICT, "%s已存在：客户 #%d。", baobei.KeyLabel(k.Kind), c.ID)}
		}
		c, err := getCustomer(ctx, tx, res[0].CustomerID)
		if err != nil {
			return err
		}
		if out, err = s.autoAssign(ctx, tx, now, c, 0, card); err != nil || d.IdemKey == "" {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE api_idempotency SET customer_id = ? WHERE token_id = ? AND idem_key = ?", c.ID, d.TokenID, d.IdemKey)
		return err
	})
	return out, err
}

// replayLead answers a lead posted again with its Idempotency-Key: the
// customer the first post made, as it is now.
func (s *Store) replayLead(ctx context.Context, now time.Time, d baobei.LeadDraft) (*baobei.AssignResult, error) {
	var id int64
	if err := s.q().GetContext(ctx, &id, "SELECT customer_id FROM api_idempotency WHERE token_id = ? AND idem_key = ?", d.TokenID, d.IdemKey); err != nil {
		return nil, err
	}
	c, err := getCustomer(ctx, s.q(), id)
	if err != nil {
		return nil, err
	}
	out := &baobei.AssignResult{Customer: c, Replayed: true}
	if owner, ok := c.Owner(now); ok {
		out.Rep = &baobei.User{ID: owner, UID: c.OwnerUID, Name: c.OwnerName, TeamID: c.OwnerTeam}
	}
	return out, nil
}

// autoAssign gives c to a rep of the team the rules name, skipping
// exclude (a rep handing it on); with no team, or nobody free in it, c
// stays in the pool (and the team chat hears why).
func (s *Store) autoAssign(ctx context.Context, tx *sqlx.Tx, now time.Time, c *baobei.Customer, exclude int64, card baobei.LeadCard) (*baobei.AssignResult, error) {
	out := &baobei.AssignResult{Customer: c}
	key := s.policy.Assignment.TeamFor(c.Source, c.Region)
	if key == "" {
		return out, nil
	}
	team, err := lockTeam(ctx, tx, key)
	if err != nil || team == nil {
		return out, err
	}
	out.Team = team
	rep, err := s.pickRep(ctx, tx, now, team, exclude)
	if err != nil {
		return nil, err
	}
	if rep == nil {
		out.Why = "组内暂无可分配的销售（请假、客户已满或今日分配已达上限）"
		if team.ChatID == "" {
			return out, nil
		}
		return out, enqueue(ctx, tx, now, baobei.NoticeLeadTeam(team, c, nil, out.Why))
	}
	detail := "auto"
	if exclude != 0 {
		detail = "转派"
	}
	return s.giveLead(ctx, tx, now, 0, c, rep, team, detail, card)
}

// lockTeam finds the team by code or name and locks its row, so that one
// team's assignments take turns (the round-robin cursor and the caps are
// read under the lock); nil when no such team exists.
func lockTeam(ctx context.Context, tx *sqlx.Tx, key string) (*baobei.Team, error) {
	var t baobei.Team
	err := tx.GetContext(ctx, &t, "SELECT id, code, name, chat_id FROM teams WHERE code = ? OR name = ? ORDER BY code = ? DESC LIMIT 1", key, key, key)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, "UPDATE teams SET rr_last = rr_last WHERE id = ?", t.ID)
	return &t, err
}

// pickRep chooses the team's rep by strategy among those not away and
// under the caps. Each candidate's row is locked (as a report would) before
// their counts are read, so that a report of theirs at the same moment
// cannot take them past max_held; round robin reads the counts of the
// candidates it tries only (usually one), least loaded the team's held
// customers once.
func (s *Store) pickRep(ctx context.Context, tx *sqlx.Tx, now time.Time, team *baobei.Team, exclude int64) (*baobei.User, error) {
	reps, err := s.assignees(ctx, tx, now, team.ID, exclude)
	if err != nil || len(reps) == 0 {
		return nil, err
	}
	var last int64
	if err := tx.GetContext(ctx, &last, "SELECT rr_last FROM teams WHERE id = ?", team.ID); err != nil {
		return nil, err
	}
	for _, a := range s.policy.Assignment.Order(reps, last) {
		u := a.User
		t, err := s.taker(ctx, tx, now, &u)
		if err != nil {
			return nil, err
		}
		if baobei.CheckHeld(t.Held, s.policy) != nil {
			continue
		}
		if max := s.policy.Assignment.MaxPerDay; max > 0 {
			var today int
			if err := tx.GetContext(ctx, &today, "SELECT COUNT(*) FROM audit_events WHERE to_owner = ? AND action = ? AND at >= ?",
				u.ID, ActAssign, ts(s.policy.DayStart(now))); err != nil {
				return nil, err
			}
			if today >= max {
				continue
			}
		}
		return &u, nil
	}
	return nil, nil
}

// assignees are the team's active reps not away at now, other than
// exclude, in id order; for least_loaded with the customers they hold.
func (s *Store) assignees(ctx context.Context, tx *sqlx.Tx, now time.Time, teamID, exclude int64) ([]baobei.Assignee, error) {
	var us []baobei.User
	if err := tx.SelectContext(ctx, &us, "SELECT "+userCols+` FROM users WHERE team_id = ? AND role = ? AND active = ? AND id <> ?
		AND (away_until IS NULL OR away_until <= ?) ORDER BY id`, teamID, baobei.RoleRep, true, exclude, ts(now)); err != nil || len(us) == 0 {
		return nil, err
	}
	held := map[int64]int{}
	if s.policy.Assignment.Strategy == baobei.LeastLoaded {
		ids := make([]int64, len(us))
		for i, u := range us {
			ids[i] = u.ID
		}
		var err error
		if held, err = countBy(ctx, tx, `SELECT owner_id AS id, COUNT(*) AS n FROM customers WHERE owner_id IN (?)
			AND ((status = ? AND (protected_until > ? OR locked = 1)) OR status = ?) GROUP BY owner_id`,
			ids, baobei.StatusOwned, ts(now), baobei.StatusPending); err != nil {
			return nil, err
		}
	}
	out := make([]baobei.Assignee, len(us))
	for i, u := range us {
		out[i] = baobei.Assignee{User: u, Held: held[u.ID]}
	}
	return out, nil
}

// countBy runs a GROUP BY query of (id, n) with an IN list and maps it.
func countBy(ctx context.Context, tx *sqlx.Tx, q string, args ...any) (map[int64]int, error) {
	q, args, err := sqlx.In(q, args...)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID int64 `db:"id"`
		N  int   `db:"n"`
	}
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), args...); err != nil {
		return nil, err
	}
	m := make(map[int64]int, len(rows))
	for _, r := range rows {
		m[r.ID] = r.N
	}
	return m, nil
}

// giveLead makes rep c's owner (a claim: protection starts now) with the
// audit row assign, moves the team's round-robin cursor, and queues the
// rep's card and the team chat's line.
func (s *Store) giveLead(ctx context.Context, tx *sqlx.Tx, now time.Time, actor int64, c *baobei.Customer, rep *baobei.User, team *baobei.Team, detail string, card baobei.LeadCard) (*baobei.AssignResult, error) {
	from := formerOwnerPtr(c, now)
	if err := s.assign(ctx, tx, now, c, rep.ID, baobei.CustomerDraft{}); err != nil {
		return nil, err
	}
	if err := audit(ctx, tx, now, c.ID, actor, ActAssign, from, &rep.ID, detail); err != nil {
		return nil, err
	}
	if err := startContacts(ctx, tx, s.policy, now, []contactStart{{c.ID, rep.ID}}); err != nil {
		return nil, err
	}
	if team != nil {
		if _, err := tx.ExecContext(ctx, "UPDATE teams SET rr_last = ? WHERE id = ?", rep.ID, team.ID); err != nil {
			return nil, err
		}
	}
	c, err := getCustomer(ctx, tx, c.ID)
	if err != nil {
		return nil, err
	}
	by := "系统"
	if actor != 0 {
		if by, err = nameOf(ctx, tx, actor); err != nil {
			return nil, err
		}
	}
	ns := []baobei.Notice{leadNotice(c, rep, by, card, s.policy)}
	if team != nil && team.ChatID != "" {
		ns = append(ns, baobei.NoticeLeadTeam(team, c, rep, ""))
	}
	return &baobei.AssignResult{Customer: c, Rep: rep, Team: team}, enqueue(ctx, tx, now, ns...)
}

func leadNotice(c *baobei.Customer, rep *baobei.User, by string, card baobei.LeadCard, p baobei.Policy) baobei.Notice {
	if card == nil {
		return baobei.Notice{ToUser: rep.UID, Text: baobei.LeadText(c, by, p)}
	}
	return card(c, rep, by)
}

func nameOf(ctx context.Context, q querier, id int64) (string, error) {
	var name string
	err := q.GetContext(ctx, &name, "SELECT name FROM users WHERE id = ?", id)
	return name, err
}

// Assign gives a pool customer to a rep by hand (分配 #3 @李四): a manager
// to someone of their team, an admin to anyone. A customer someone holds
// is refused with the way to transfer it; caps do not apply, but the reply
// says what the rep holds now.
func (s *Store) Assign(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, to *baobei.User, card baobei.LeadCard) (*baobei.AssignResult, error) {
	var out *baobei.AssignResult
	err := s.txRC(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		if to, err = s.getUserTx(ctx, tx, to.ID); err != nil { // its leave as of now
			return err
		}
		if err := baobei.CheckAssign(c, actor, to, now, s.policy); err != nil {
			return err
		}
		var team *baobei.Team
		if to.TeamID != nil {
			if team, err = teamByID(ctx, tx, *to.TeamID); err != nil {
				return err
			}
		}
		if out, err = s.giveLead(ctx, tx, now, actor.ID, c, to, team, "by hand", card); err != nil {
			return err
		}
		out.Held, err = heldBy(ctx, tx, now, to.ID)
		return err
	})
	return out, err
}

func teamByID(ctx context.Context, q querier, id int64) (*baobei.Team, error) {
	var t baobei.Team
	err := q.GetContext(ctx, &t, "SELECT id, code, name, chat_id FROM teams WHERE id = ?", id)
	return &t, err
}

// Reassign hands an assigned lead on (转派): its owner gives it back and
// the team's strategy picks someone else. Only a customer whose current
// ownership came from an assignment may be handed on.
func (s *Store) Reassign(ctx context.Context, now time.Time, actor *baobei.User, ref baobei.CustomerRef, card baobei.LeadCard) (*baobei.AssignResult, error) {
	var out *baobei.AssignResult
	err := s.txRC(ctx, func(tx *sqlx.Tx) error {
		c, err := resolve(ctx, tx, ref)
		if err != nil {
			return err
		}
		var last string
		// How the current owner got it: the latest row that gave it an owner
		// (visits, grades and locks write rows too, and do not count).
		q, args, err := sqlx.In("SELECT action FROM audit_events WHERE customer_id = ? AND to_owner = ? AND action IN (?) ORDER BY id DESC LIMIT 1",
			c.ID, actor.ID, []string{ActAssign, ActClaim, ActReport, ActTransfer, ActHandover, ActApprove, ActImport, ActLead})
		if err != nil {
			return err
		}
		err = tx.GetContext(ctx, &last, tx.Rebind(q), args...)
		if err != nil && !notFound(err) {
			return err
		}
		if err := baobei.CheckReassign(c, actor, now, last == ActAssign); err != nil {
			return err
		}
		if actor.TeamID == nil {
			return baobei.Errorf(baobei.EINVALID, "你不在任何团队，无法转派。请用「转移 #%d @同事」或联系经理。", c.ID)
		}
		team, err := teamByID(ctx, tx, *actor.TeamID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE teams SET rr_last = rr_last WHERE id = ?", team.ID); err != nil {
			return err
		}
		rep, err := s.pickRep(ctx, tx, now, team, actor.ID)
		if err != nil {
			return err
		}
		if rep == nil {
			return baobei.Errorf(baobei.EINVALID, "组内暂无可接手的同事（请假、客户已满或今日分配已达上限）。#%d 仍在你名下；可发「释放 #%d」放回公海，或请经理「分配」。", c.ID, c.ID)
		}
		out, err = s.giveLead(ctx, tx, now, actor.ID, c, rep, team, "转派", card)
		return err
	})
	return out, err
}

// SetAway marks a user away (请假) until the start of the day `days` days
// from today, or back (销假, days 0): the user themselves, a manager of
// their team or an admin; audited.
func (s *Store) SetAway(ctx context.Context, now time.Time, actor, u *baobei.User, days int) (*baobei.User, error) {
	if actor.ID != u.ID && !actor.CanManage(u.TeamID) {
		return nil, baobei.Errorf(baobei.EFORBIDDEN, "只能为自己，或由经理、管理员为本团队同事请假、销假。请联系你的经理。")
	}
	var until *time.Time
	detail := "销假"
	if days > 0 {
		t := s.policy.DayStart(now).AddDate(0, 0, days)
		until, detail = &t, "至 "+s.policy.Away(t)
	}
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET away_until = ? WHERE id = ?", tsp(until), u.ID); err != nil {
			return err
		}
		return audit(ctx, tx, now, 0, actor.ID, ActAway, nil, &u.ID, detail)
	})
	if err != nil {
		return nil, err
	}
	v := *u
	v.AwayUntil = until
	return &v, nil
}
