package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Job slots. A (job, slot) is done only once the job's work committed. A
// replica runs a slot under a lease: ClaimSlot gives it a token valid until
// lease_until, RenewSlot (the scheduler's heartbeat) extends it, FinishSlot
// marks the slot done and FailSlot records a failed attempt and frees the
// slot for the next try. Every change is conditional on the token, so a
// replica whose lease ran out and was taken over changes nothing. Times come
// from the replicas' clocks: they must agree to well within a lease.

// Slot states in job_runs.status.
const (
	SlotRunning = "running"
	SlotFailed  = "failed"
	SlotDone    = "done"
)

// FailingAfter is how many failed attempts of one slot make a job show in 系统状态.
const FailingAfter = 3

// errLeaseLost rolls back FinishSlot when the lease is no longer the caller's.
var errLeaseLost = errors.New("job slot lease lost")

// ClaimSlot leases (job, slot) to the caller until `until` and returns the
// lease's token, or "" when the slot is done or another replica holds a live
// lease on it. A slot whose last attempt failed, or whose lease expired (the
// replica running it stopped), can be claimed again; an expired lease counts
// as a failed attempt.
func (s *Store) ClaimSlot(ctx context.Context, job string, slot, now, until time.Time) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	// Single statements, not transactions: a slot's bookkeeping is two
	// round trips, which matters when the console runs 2,000 slots at once.
	_, err = s.exec(ctx, `INSERT INTO job_runs (job, slot, ran_at, status, lease_until, token) VALUES (?, ?, ?, ?, ?, ?)`,
		job, ts(slot), ts(now), SlotRunning, ts(until), token)
	if err == nil {
		return token, nil
	}
	if !isDuplicate(err) {
		return "", err
	}
	// The counters before status and lease_until: MySQL assigns left to
	// right, so they must see the old values (SQLite always does).
	n, err := s.exec(ctx, `UPDATE job_runs SET
		failures = failures + CASE WHEN status = ? THEN 1 ELSE 0 END,
		failed_at = CASE WHEN status = ? THEN lease_until ELSE failed_at END,
		last_error = CASE WHEN status = ? THEN ? ELSE last_error END,
		status = ?, lease_until = ?, token = ?, ran_at = ?
		WHERE job = ? AND slot = ? AND (status = ? OR (status = ? AND lease_until <= ?))`,
		SlotRunning, SlotRunning, SlotRunning, "lease expired: the replica running it stopped mid-run",
		SlotRunning, ts(until), token, ts(now),
		job, ts(slot), SlotFailed, SlotRunning, ts(now))
	if err != nil || n == 0 {
		return "", err
	}
	return token, nil
}

// exec runs one statement outside a transaction, again on a deadlock or a
// busy database (as tx does), and returns the rows it changed.
func (s *Store) exec(ctx context.Context, q string, args ...any) (int64, error) {
	var err error
	for i := 0; i < 8; i++ {
		var res sql.Result
		if res, err = s.db.ExecContext(ctx, q, args...); err == nil {
			return res.RowsAffected()
		}
		if !retryable(err) {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Duration(1+i*5) * time.Millisecond):
		}
	}
	return 0, err
}

func newToken() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// leaseWhere matches a slot still leased to token.
const leaseWhere = " WHERE job = ? AND slot = ? AND token = ? AND status = '" + SlotRunning + "'"

// RenewSlot extends the caller's lease to until; false when it is no longer
// the caller's (it expired and another replica took the slot).
func (s *Store) RenewSlot(ctx context.Context, job string, slot time.Time, token string, until time.Time) (bool, error) {
	if _, err := s.exec(ctx, "UPDATE job_runs SET lease_until = ?"+leaseWhere, ts(until), job, ts(slot), token); err != nil {
		return false, err
	}
	// Not RowsAffected: MySQL counts a row set to the value it had as unchanged.
	var n int
	err := s.db.GetContext(ctx, &n, "SELECT COUNT(*) FROM job_runs"+leaseWhere, job, ts(slot), token)
	return n == 1, err
}

// FinishSlot marks the caller's slot done and queues ns (created at now) in
// the same transaction, so a job's messages and its done-mark commit
// together: a run that fails or loses its lease before this commit has
// queued nothing, and a slot that is done is never run again. False (and
// nothing queued) when the lease is no longer the caller's.
func (s *Store) FinishSlot(ctx context.Context, job string, slot time.Time, token string, now time.Time, ns ...baobei.Notice) (bool, error) {
	if len(ns) == 0 {
		n, err := s.exec(ctx, "UPDATE job_runs SET status = ?, lease_until = NULL"+leaseWhere, SlotDone, job, ts(slot), token)
		return n == 1, err
	}
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		// The row first: it is locked until commit, so no claimer slips in.
		res, err := tx.ExecContext(ctx, "UPDATE job_runs SET status = ?, lease_until = NULL"+leaseWhere, SlotDone, job, ts(slot), token)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, errLeaseLost)
		}
		return enqueue(ctx, tx, now, ns...)
	})
	if errors.Is(err, errLeaseLost) {
		return false, nil
	}
	return err == nil, err
}

// FailSlot records a failed attempt of the caller's slot — the time and the
// error (cut to the column) — and frees the slot for the next try. A lease
// that is no longer the caller's is left alone.
func (s *Store) FailSlot(ctx context.Context, job string, slot time.Time, token string, now time.Time, cause string) error {
	if r := []rune(cause); len(r) > 500 {
		cause = string(r[:500])
	}
	_, err := s.exec(ctx, "UPDATE job_runs SET failures = failures + 1, failed_at = ?, last_error = ?, status = ?, lease_until = NULL"+leaseWhere,
		ts(now), cause, SlotFailed, job, ts(slot), token)
	return err
}

// LastSlot is the newest slot a job was started for, done or not, or zero.
func (s *Store) LastSlot(ctx context.Context, job string) (time.Time, error) {
	var t time.Time // the column, not MAX(slot): SQLite types an aggregate as text
	err := s.db.GetContext(ctx, &t, "SELECT slot FROM job_runs WHERE job = ? ORDER BY slot DESC LIMIT 1", job)
	if notFound(err) {
		return time.Time{}, nil
	}
	return t, err
}

// UnfinishedSlots lists, oldest first, the job's slots in (after, upTo] that
// were started but are not done: failed, or running (perhaps under a lease
// that expired).
func (s *Store) UnfinishedSlots(ctx context.Context, job string, after, upTo time.Time) ([]time.Time, error) {
	var out []time.Time
	err := s.db.SelectContext(ctx, &out, "SELECT slot FROM job_runs WHERE job = ? AND status <> ? AND slot > ? AND slot <= ? ORDER BY slot",
		job, SlotDone, ts(after), ts(upTo))
	return out, err
}

// SlotFailures is the number of failed attempts of the job's oldest slot
// that is not done, or 0 when every slot it started is done.
func (s *Store) SlotFailures(ctx context.Context, job string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, "SELECT failures FROM job_runs WHERE job = ? AND status <> ? ORDER BY slot LIMIT 1", job, SlotDone)
	if notFound(err) {
		return 0, nil
	}
	return n, err
}

// PruneSlots deletes the records of slots before `before`, done or not: the
// scheduler retries only slots of the last two days, and a slot given up on
// should not show in 系统状态 forever.
func (s *Store) PruneSlots(ctx context.Context, before time.Time) (int, error) {
	return s.deleteBatched(ctx, "job_runs", "slot < ?", ts(before))
}

const scanBatch = 500

// The release and warning jobs work in three steps. The candidates — ids
// and owners — come from a covering index (ix_customers_status for
// protections, ix_customers_idle for idle spells), so a run reads no row it
// will not act on. They are grouped by owner and loaded about 500 at a time.
// Each batch is one transaction: it locks the rows, drops those changed
// since they were read, changes the rest with multi-row statements and
// queues one message per owner.

// candidate is a customer a job may act on, with its owner.
type candidate struct{ id, owner int64 }

// candidates returns the customers matching where, sorted by owner.
func (s *Store) candidates(ctx context.Context, where string, args ...any) ([]candidate, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT c.id, c.owner_id FROM customers c WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &c.owner); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// eachBatch loads the candidates' customers, about scanBatch at a time and
// an owner's always together, and calls fn with them ordered by owner.
func (s *Store) eachBatch(ctx context.Context, cands []candidate, fn func([]baobei.Customer) error) error {
	slices.SortFunc(cands, func(a, b candidate) int { return cmp.Or(cmp.Compare(a.owner, b.owner), cmp.Compare(a.id, b.id)) })
	cands = slices.Compact(cands)
	for len(cands) > 0 {
		n := min(scanBatch, len(cands))
		for n < len(cands) && cands[n].owner == cands[n-1].owner {
			n++
		}
		ids := make([]int64, n)
		for i, c := range cands[:n] {
			ids[i] = c.id
		}
		cands = cands[n:]
		q, args, err := sqlx.In(customerSelect+"WHERE c.id IN (?) ORDER BY c.owner_id, c.id", ids)
		if err != nil {
			return err
		}
		var cs []baobei.Customer
		if err := s.db.SelectContext(ctx, &cs, q, args...); err != nil {
			return err
		}
		if err := fn(cs); err != nil {
			return err
		}
	}
	return nil
}

// idleWhere matches the owned, unlocked customers whose idle limit (by
// grade) is reached at t, but for those whose protection end an approved
// 延期 set: their idle rule is suspended until then.
func (s *Store) idleWhere(t time.Time) (string, []any) {
	where := "c.status = ? AND c.locked = ? AND c.last_activity <= ? AND (c.extended_until IS NULL OR c.extended_until <> c.protected_until)"
	args := []any{baobei.StatusOwned, false, ts(t.Add(-s.minIdle()))}
	if len(s.policy.IdleRelease) == 0 {
		return where, args
	}
	grades := slices.Sorted(maps.Keys(s.policy.IdleRelease))
	var parts []string
	for _, g := range grades {
		parts = append(parts, "(c.grade = ? AND c.last_activity <= ?)")
		args = append(args, g, ts(t.Add(-s.policy.Idle(g))))
	}
	parts = append(parts, "(c.grade NOT IN ("+strings.TrimSuffix(strings.Repeat("?,", len(grades)), ",")+") AND c.last_activity <= ?)")
	for _, g := range grades {
		args = append(args, g)
	}
	args = append(args, ts(t.Add(-s.policy.Idle(""))))
	return where + " AND (" + strings.Join(parts, " OR ") + ")", args
}

// minIdle is the shortest idle limit of any grade.
func (s *Store) minIdle() time.Duration {
	d := s.policy.Idle("")
	for g := range s.policy.IdleRelease {
		d = min(d, s.policy.Idle(g))
	}
	return d
}

// ReleaseExpired returns to the pool the customers a release rule fired
// for — protection ended, or no follow-up for too long — except locked
// ones: each with an audit row and its reason, each owner told in one
// message.
func (s *Store) ReleaseExpired(ctx context.Context, now time.Time) (int, error) {
	cands, err := s.candidates(ctx, "c.status = ? AND c.protected_until <= ? AND c.locked = ?", baobei.StatusOwned, ts(now), false)
	if err != nil {
		return 0, err
	}
	where, args := s.idleWhere(now)
	idle, err := s.candidates(ctx, where, args...)
	if err != nil {
		return 0, err
	}
	total := 0
	err = s.eachBatch(ctx, append(cands, idle...), func(cs []baobei.Customer) error {
		due := slices.DeleteFunc(cs, func(c baobei.Customer) bool {
			at, why := s.policy.ReleaseAt(&c)
			return why == "" || at.After(now)
		})
		n, err := s.releaseBatch(ctx, now, due)
		total += n
		return err
	})
	return total, err
}

func (s *Store) releaseBatch(ctx context.Context, now time.Time, cs []baobei.Customer) (int, error) {
	if len(cs) == 0 {
		return 0, nil
	}
	var released []baobei.Customer
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.lockRows(ctx, tx, cs)
		if err != nil {
			return err
		}
		released = slices.DeleteFunc(slices.Clone(cs), func(c baobei.Customer) bool { return cur[c.ID].Version != c.Version })
		if len(released) == 0 {
			return nil
		}
		byWhy := map[string][]baobei.Customer{}
		events := make([]auditEvent, len(released))
		losses := make([]loss, len(released)) // each owner lost theirs when the rule fired
		for i, c := range released {
			at, why := s.policy.ReleaseAt(&c)
			byWhy[why] = append(byWhy[why], c)
			events[i] = auditEvent{customer: c.ID, action: ActRelease, from: c.OwnerID, detail: why}
			losses[i] = loss{c.ID, *c.OwnerID, at, why}
		}
		for why, cs := range byWhy {
			if err := s.releaseRows(ctx, tx, why, cs); err != nil {
				return err
			}
		}
		if err := recordLosses(ctx, tx, losses); err != nil {
			return err
		}
		if err := audits(ctx, tx, now, events); err != nil {
			return err
		}
		var ns []baobei.Notice
		for _, group := range byOwner(released) {
			ns = append(ns, baobei.NoticeReleased(group, s.policy))
		}
		return enqueue(ctx, tx, now, ns...)
	})
	if err != nil {
		return 0, err
	}
	return len(released), nil
}

// releaseRows returns customers to the pool for one reason, each released
// as of the moment its rule fired (the former owner's cooldown counts from
// there, however late the job ran).
func (s *Store) releaseRows(ctx context.Context, tx *sqlx.Tx, why string, cs []baobei.Customer) error {
	var when strings.Builder
	args := []any{baobei.StatusPool}
	for _, c := range cs {
		at, _ := s.policy.ReleaseAt(&c)
		when.WriteString(" WHEN ? THEN ?")
		args = append(args, c.ID, ts(at))
	}
	args = append(args, why)
	for _, c := range cs {
		args = append(args, c.ID)
	}
	// prev_owner_id before owner_id: MySQL assigns left to right.
	_, err := tx.ExecContext(ctx, `UPDATE customers SET status = ?, prev_owner_id = owner_id, owner_id = NULL, protected_until = NULL,
		released_at = CASE id`+when.String()+` END, release_reason = ?, next_followup_at = NULL, version = version + 1
		WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(cs)), ",")+")", args...)
	return err
}

// rowState is a customer row as a job's transaction found it, locked.
type rowState struct {
	ID         int64 `db:"id"`
	Version    int64 `db:"version"`
	EndWarned  bool  `db:"end_warned"`
	IdleWarned bool  `db:"idle_warned"`
}

// lockRows locks the customers' rows until tx ends (SQLite's write
// transaction holds the whole database) and returns them by id: a job acts
// only on rows whose version is the one it read.
func (s *Store) lockRows(ctx context.Context, tx *sqlx.Tx, cs []baobei.Customer) (map[int64]rowState, error) {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	q := `SELECT id, version, CASE WHEN warned_until = protected_until THEN 1 ELSE 0 END AS end_warned,
		CASE WHEN idle_warned_for = last_activity THEN 1 ELSE 0 END AS idle_warned FROM customers WHERE id IN (?)`
	if s.dialect == MySQL {
		q += " FOR UPDATE"
	}
	q, args, err := sqlx.In(q, ids)
	if err != nil {
		return nil, err
	}
	var rows []rowState
	if err := tx.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make(map[int64]rowState, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// WarnExpiring tells each owner, in one message, which customers a release
// rule will take within the policy's warning window (protection ending, or
// no follow-up for too long), as baobei.AttentionOf decides. A customer is
// warned once per protection period and once per idle spell: warned_until
// and idle_warned_for remember which.
func (s *Store) WarnExpiring(ctx context.Context, now time.Time) (int, error) {
	ahead := s.policy.WarnAhead()
	ending, err := s.candidates(ctx, `c.status = ? AND c.protected_until > ? AND c.protected_until <= ? AND c.locked = ?
		AND (c.warned_until IS NULL OR c.warned_until <> c.protected_until)`, baobei.StatusOwned, ts(now), ts(now.Add(ahead)), false)
	if err != nil {
		return 0, err
	}
	where, args := s.idleWhere(now.Add(ahead))
	idle, err := s.candidates(ctx, where+" AND (c.idle_warned_for IS NULL OR c.idle_warned_for <> c.last_activity)", args...)
	if err != nil {
		return 0, err
	}
	total := 0
	for reason, cands := range map[string][]candidate{baobei.ReleaseExpired: ending, baobei.ReleaseNoFollow: idle} {
		err := s.eachBatch(ctx, cands, func(cs []baobei.Customer) error {
			due := slices.DeleteFunc(cs, func(c baobei.Customer) bool {
				a := baobei.AttentionOf(&c, now, s.policy)
				return !a.Warn || a.ReleaseWhy != reason
			})
			n, err := s.warnBatch(ctx, now, due, reason)
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// warnBatch marks and warns customers, one message per owner, in one
// transaction; rows changed or warned by another run meanwhile are left out.
func (s *Store) warnBatch(ctx context.Context, now time.Time, cs []baobei.Customer, reason string) (int, error) {
	if len(cs) == 0 {
		return 0, nil
	}
	var warn []baobei.Customer
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.lockRows(ctx, tx, cs)
		if err != nil {
			return err
		}
		warn = slices.DeleteFunc(slices.Clone(cs), func(c baobei.Customer) bool {
			r := cur[c.ID]
			return r.Version != c.Version || (reason == baobei.ReleaseNoFollow && r.IdleWarned) || (reason == baobei.ReleaseExpired && r.EndWarned)
		})
		if len(warn) == 0 {
			return nil
		}
		ids := make([]int64, len(warn))
		for i, c := range warn {
			ids[i] = c.ID
		}
		q := "UPDATE customers SET warned_until = protected_until WHERE id IN (?)"
		if reason == baobei.ReleaseNoFollow {
			q = "UPDATE customers SET idle_warned_for = last_activity WHERE id IN (?)"
		}
		q, args, err := sqlx.In(q, ids)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		extendable, err := s.extendable(ctx, tx, ids)
		if err != nil {
			return err
		}
		var ns []baobei.Notice
		for _, group := range byOwner(warn) {
			ns = append(ns, baobei.NoticeExpiring(group, now, extendable, s.policy))
		}
		return enqueue(ctx, tx, now, ns...)
	})
	if err != nil {
		return 0, err
	}
	return len(warn), nil
}

// extendable tells which of the customers a 延期 could still help: those
// with extensions left and none pending.
func (s *Store) extendable(ctx context.Context, tx *sqlx.Tx, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if s.policy.Approval.MaxExtendDays <= 0 || s.policy.Approval.MaxExtensions <= 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT customer_id, status FROM approvals WHERE kind = ? AND status IN (?, ?) AND customer_id IN (?)`,
		baobei.ApproveExtend, baobei.ApprovalApproved, baobei.ApprovalPending, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID     int64  `db:"customer_id"`
		Status string `db:"status"`
	}
	if err := tx.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	approved, pending := map[int64]int{}, map[int64]bool{}
	for _, r := range rows {
		if r.Status == baobei.ApprovalPending {
			pending[r.ID] = true
		} else {
			approved[r.ID]++
		}
	}
	for _, id := range ids {
		out[id] = !pending[id] && approved[id] < s.policy.Approval.MaxExtensions
	}
	return out, nil
}

func byOwner(cs []baobei.Customer) [][]baobei.Customer {
	var groups [][]baobei.Customer
	for i, c := range cs {
		if i == 0 || *cs[i-1].OwnerID != *c.OwnerID {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], c)
	}
	return groups
}

// ReleasedSince lists, per team chat, the customers released to the pool
// since `since` (for the teams' daily message).
func (s *Store) ReleasedSince(ctx context.Context, since, now time.Time) (map[string][]baobei.ReleasedRow, error) {
	var rows []baobei.ReleasedRow
	err := s.db.SelectContext(ctx, &rows, `SELECT t.chat_id, c.id, c.name, COALESCE(u.name, '') AS former, e.detail
		FROM audit_events e JOIN customers c ON c.id = e.customer_id JOIN users u ON u.id = e.from_owner
		JOIN teams t ON t.id = u.team_id
		WHERE e.action = ? AND e.at > ? AND e.at <= ? AND t.chat_id <> '' ORDER BY e.id`, ActRelease, ts(since), ts(now))
	out := map[string][]baobei.ReleasedRow{}
	for _, r := range rows {
		out[r.Chat] = append(out[r.Chat], r)
	}
	return out, err
}

// ScanAttention streams, in table order, the owned customers that may need
// attention at now (baobei.AttentionOf decides): a follow-up due today,
// protection ending within baobei.ExpiringWithin, or idle as long as the
// shortest stale limit or 7 days (the managers' escalation); and the won
// customers with a follow-up due or a 回访 due (care.revisit_days). One pass over
// the table: read in owner order, the same rows would cost a random read each. fn must
// not use the store (the query holds its connection).
func (s *Store) ScanAttention(ctx context.Context, now time.Time, fn func(*baobei.Customer) error) error {
	stale := min(s.policy.Stale(""), 7*24*time.Hour)
	for g := range s.policy.StaleDays {
		stale = min(stale, s.policy.Stale(g))
	}
	endOfDay := s.policy.DayStart(now).Add(24 * time.Hour)
	cadence, cargs := "1 = 0", []any(nil) // grades with a visit cadence, not visited within it
	for g := range s.policy.Visits.Cadence {
		days, _ := s.policy.Visits.CadenceDays(g)
		cadence += " OR (c.grade = ? AND COALESCE(c.last_visit_at, c.owned_since, c.reported_at) <= ?)"
		cargs = append(cargs, g, ts(now.AddDate(0, 0, -days)))
	}
	return eachRow(ctx, s.db, `SELECT c.id, c.name, c.grade, c.stage, c.status, c.owner_id, c.protected_until,
		c.reported_at, c.last_followup_at, c.next_followup_at, c.owned_since, c.locked, c.extended_until, c.last_visit_at, c.last_purchase_at,
		u.name AS owner_name, u.uid AS owner_uid, u.team_id AS owner_team_id
		FROM customers c JOIN users u ON u.id = c.owner_id
		WHERE (c.status = ? AND (c.next_followup_at < ? OR c.protected_until <= ? OR c.last_activity <= ? OR `+cadence+`))
		OR (c.status = ? AND (c.next_followup_at < ? OR c.last_activity <= ?))`,
		append(append([]any{baobei.StatusOwned, ts(endOfDay), ts(now.Add(baobei.ExpiringWithin)), ts(now.Add(-stale))}, cargs...),
			baobei.StatusWon, ts(endOfDay), ts(s.revisitCutoff(now))), fn)
}

// revisitCutoff: a won customer last active before it is due a 回访 (the
// far past when care.revisit_days is 0).
func (s *Store) revisitCutoff(now time.Time) time.Time {
	if s.policy.Care.RevisitDays <= 0 {
		return time.Unix(0, 0)
	}
	return now.AddDate(0, 0, -s.policy.Care.RevisitDays)
}

// Managers lists each team's active managers.
func (s *Store) Managers(ctx context.Context) (map[int64][]baobei.User, error) {
	var us []baobei.User
	err := s.db.SelectContext(ctx, &us, "SELECT "+userCols+" FROM users WHERE role = ? AND active = ? AND team_id IS NOT NULL", baobei.RoleManager, true)
	out := map[int64][]baobei.User{}
	for _, u := range us {
		out[*u.TeamID] = append(out[*u.TeamID], u)
	}
	return out, err
}
