package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// customerSelect joins the owner so that replies can name them.
const customerSelect = `SELECT c.id, c.name, c.phone, c.wechat, c.company, c.source, c.demand, c.grade,
	c.stage, c.status, c.owner_id, c.protected_until, c.reporter_id, c.reported_at, c.last_followup_at,
	c.next_followup_at, c.amount_cents, c.lost_reason, c.prev_owner_id, c.released_at, c.release_reason, c.owned_since, c.locked, c.extended_until,
	c.budget, c.decision_chain, c.competitors, c.last_visit_at, c.region, c.last_purchase_at,
	c.version, COALESCE(u.name, '') AS owner_name, COALESCE(u.uid, '') AS owner_uid, u.team_id AS owner_team_id,
	COALESCE(pu.uid, '') AS prev_owner_uid
	FROM customers c LEFT JOIN users u ON u.id = c.owner_id LEFT JOIN users pu ON pu.id = c.prev_owner_id `

func getCustomer(ctx context.Context, q querier, id int64) (*baobei.Customer, error) {
	var c baobei.Customer
	err := q.GetContext(ctx, &c, customerSelect+"WHERE c.id = ?", id)
	if notFound(err) {
		return nil, baobei.Errorf(baobei.ENOTFOUND, "没有编号为 #%d 的客户。发「我的客户」或「公海」查看编号。", id)
	}
	return &c, err
}

// resolve finds exactly one customer for a chat reference.
func resolve(ctx context.Context, q querier, ref baobei.CustomerRef) (*baobei.Customer, error) {
	cs, err := findCustomers(ctx, q, ref)
	if err != nil {
		return nil, err
	}
	switch len(cs) {
	case 0:
		return nil, baobei.Errorf(baobei.ENOTFOUND, "没有找到客户“%s”。请用手机号或编号（#3）指明客户；新客户请先「报备」。", refText(ref))
	case 1:
		return &cs[0], nil
	}
	return nil, baobei.Errorf(baobei.EAMBIGUOUS, "有多位客户叫“%s”。请改用手机号或编号（#3）；发「查询 %s」可看到各自的编号。", ref.Name, ref.Name)
}

func refText(ref baobei.CustomerRef) string {
	switch {
	case ref.Phone != "":
		return ref.Phone
	case ref.Number > 0:
		return fmt.Sprintf("#%d", ref.Number)
	}
	return ref.Name
}

func findCustomers(ctx context.Context, q querier, ref baobei.CustomerRef) ([]baobei.Customer, error) {
	var cs []baobei.Customer
	var err error
	switch {
	case ref.Phone != "":
		err = q.SelectContext(ctx, &cs, customerSelect+
			"WHERE c.id = (SELECT customer_id FROM customer_keys WHERE kind = ? AND value = ?)", baobei.KeyPhone, ref.Phone)
	case ref.Number > 0:
		err = q.SelectContext(ctx, &cs, customerSelect+"WHERE c.id = ?", ref.Number)
	default:
		err = q.SelectContext(ctx, &cs, customerSelect+"WHERE c.name = ? ORDER BY c.id DESC LIMIT 5", ref.Name)
	}
	return cs, err
}

// FindCustomers returns the customers a reference names (several for a
// shared name).
func (s *Store) FindCustomers(ctx context.Context, ref baobei.CustomerRef) ([]baobei.Customer, error) {
	return findCustomers(ctx, s.db, ref)
}

// OwnedBy lists the customers userID holds at now, won ones included, the
// most urgent first.
func (s *Store) OwnedBy(ctx context.Context, now time.Time, userID int64) ([]baobei.Customer, error) {
	var cs []baobei.Customer
	err := s.q().SelectContext(ctx, &cs, customerSelect+
		`WHERE c.owner_id = ? AND (c.status = ? OR (c.status = ? AND (c.protected_until > ? OR c.locked = 1)))
		ORDER BY c.status, c.protected_until, c.id LIMIT 500`,
		userID, baobei.StatusWon, baobei.StatusOwned, ts(now))
	return cs, err
}

// Pool lists customers anyone may claim at now — released, lost, or whose
// protection ended — newest first, and how many there are in all.
func (s *Store) Pool(ctx context.Context, now time.Time, limit int) ([]baobei.Customer, int, error) {
	where := "WHERE (c.status = ? OR (c.status = ? AND c.protected_until <= ? AND c.locked = 0)) "
	args := []any{baobei.StatusPool, baobei.StatusOwned, ts(now)}
	var n int
	if err := s.q().GetContext(ctx, &n, "SELECT COUNT(*) FROM customers c "+where, args...); err != nil {
		return nil, 0, err
	}
	var cs []baobei.Customer
	err := s.q().SelectContext(ctx, &cs, customerSelect+where+"ORDER BY c.id DESC LIMIT ?", append(args, limit)...)
	return cs, n, err
}

// FollowUps returns a customer's latest follow-ups, newest first (at most
// limit), and how many it has in all.
func (s *Store) FollowUps(ctx context.Context, customerID int64, limit int) ([]baobei.FollowUp, int, error) {
	var n int
	if err := s.q().GetContext(ctx, &n, "SELECT COUNT(*) FROM followups WHERE customer_id = ?", customerID); err != nil {
		return nil, 0, err
	}
	var fs []baobei.FollowUp
	err := s.q().SelectContext(ctx, &fs, `SELECT f.id, f.customer_id, f.user_id, COALESCE(u.name, '') AS user_name,
		f.kind, f.content, f.stage_from, f.stage_to, f.next_at, f.created_at
		FROM followups f LEFT JOIN users u ON u.id = f.user_id
		WHERE f.customer_id = ? ORDER BY f.id DESC LIMIT ?`, customerID, limit)
	return fs, n, err
}

// audit writes one audit row in tx; actor 0 is the system (a job).
func audit(ctx context.Context, tx *sqlx.Tx, now time.Time, customerID int64, actor int64, action string, from, to *int64, detail string) error {
	return audits(ctx, tx, now, []auditEvent{{customer: customerID, actor: actor, action: action, from: from, to: to, detail: detail}})
}

// auditEvent is one audit row to write; actor 0 is the system, customer 0
// none (a change of the webhooks), at zero the transaction's now.
type auditEvent struct {
	customer, actor int64
	action          string
	from, to        *int64
	detail          string
	at              time.Time
}

// audits writes audit rows, many per statement, and queues the webhook
// events they stand for.
func audits(ctx context.Context, tx *sqlx.Tx, now time.Time, events []auditEvent) error {
	var hooks []hookEvent
	for rest := events; len(rest) > 0; {
		chunk := rest[:min(len(rest), 2000)]
		rest = rest[len(chunk):]
		args := make([]any, 0, 7*len(chunk))
		for _, e := range chunk {
			at := now
			if !e.at.IsZero() {
				at = e.at
			}
			args = append(args, nullID(e.customer), nullID(e.actor), e.action, e.from, e.to, ts(at), e.detail)
			if h, ok := hookOf(e); ok {
				hooks = append(hooks, h)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (customer_id, actor_id, action, from_owner, to_owner, at, detail)
			VALUES `+placeholders(len(chunk), 7), args...); err != nil {
			return err
		}
	}
	return queueHooks(ctx, tx, now, hooks)
}

// nullID is id, or NULL for 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Audit actions.
const (
	ActReport    = "report"
	ActClaim     = "claim"
	ActRelease   = "release"
	ActTransfer  = "transfer"
	ActHandover  = "handover"
	ActWon       = "won"
	ActApprove   = "approve"
	ActReject    = "reject"
	ActLock      = "lock"
	ActUnlock    = "unlock"
	ActExpire    = "expire"
	ActGrade     = "grade"      // detail "C→A"
	ActStageBack = "stage_back" // detail "报价→新线索": a follow-up moved the stage back with 阶段:
	ActAmount    = "amount"     // detail "12,800.00→13,800.00 原因": an admin corrected a won amount
)

// AuditEvent is one row of audit_events.
type AuditEvent struct {
	ID         int64     `db:"id"`
	CustomerID *int64    `db:"customer_id"`
	ActorID    *int64    `db:"actor_id"`
	Action     string    `db:"action"`
	FromOwner  *int64    `db:"from_owner"`
	ToOwner    *int64    `db:"to_owner"`
	At         time.Time `db:"at"`
	Detail     string    `db:"detail"`
}

// AuditTrail lists a customer's audit rows, oldest first.
func (s *Store) AuditTrail(ctx context.Context, customerID int64) ([]AuditEvent, error) {
	var es []AuditEvent
	err := s.q().SelectContext(ctx, &es, "SELECT * FROM audit_events WHERE customer_id = ? ORDER BY id", customerID)
	return es, err
}

// Count runs a COUNT query; for tests and status pages.
func (s *Store) Count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := s.q().GetContext(ctx, &n, query, args...)
	return n, err
}

// CustomerFilter selects customers for the HTTP API: each set field must
// match; After is the cursor (the last id of the previous page).
type CustomerFilter struct {
	OwnerID, TeamID *int64
	Stage           string
	Status          baobei.Status // as Customer.Owner reads at Now: an owned one whose protection ended is in the pool
	Now             time.Time
	Source          string // contained in the source
	Grade           string
	Tag             string
	Search          string     // the phone, or contained in the name or company
	UpdatedSince    *time.Time // an audit row or a follow-up since then
	After           int64
	Limit           int
}

// ListCustomers is one page of customers by id.
func (s *Store) ListCustomers(ctx context.Context, f CustomerFilter) ([]baobei.Customer, error) {
	where, args := []string{"c.id > ?"}, []any{f.After}
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if f.OwnerID != nil {
		add("c.owner_id = ?", *f.OwnerID)
	}
	if f.TeamID != nil {
		add("u.team_id = ?", *f.TeamID)
	}
	if f.Stage != "" {
		add("c.stage = ?", f.Stage)
	}
	switch f.Status {
	case baobei.StatusOwned:
		add("c.status = ? AND (c.protected_until > ? OR c.locked = 1)", baobei.StatusOwned, ts(f.Now))
	case baobei.StatusPool:
		add("(c.status = ? OR (c.status = ? AND c.protected_until <= ? AND c.locked = 0))", baobei.StatusPool, baobei.StatusOwned, ts(f.Now))
	case "":
	default:
		add("c.status = ?", f.Status)
	}
	if f.Source != "" {
		add("c.source LIKE ? ESCAPE '!'", "%"+likeEscape(f.Source)+"%")
	}
	if f.Grade != "" {
		add("c.grade = ?", f.Grade)
	}
	if f.Tag != "" {
		add("c.id IN (SELECT customer_id FROM customer_tags WHERE tag = ?)", f.Tag)
	}
	if f.Search != "" {
		like := "%" + likeEscape(f.Search) + "%"
		add("(c.phone = ? OR c.name LIKE ? ESCAPE '!' OR c.company LIKE ? ESCAPE '!')", f.Search, like, like)
	}
	if f.UpdatedSince != nil {
		add("(c.id IN (SELECT customer_id FROM audit_events WHERE at >= ?) OR c.id IN (SELECT customer_id FROM followups WHERE created_at >= ?))",
			ts(*f.UpdatedSince), ts(*f.UpdatedSince))
	}
	var cs []baobei.Customer
	err := s.q().SelectContext(ctx, &cs, customerSelect+"WHERE "+strings.Join(where, " AND ")+" ORDER BY c.id LIMIT ?", append(args, f.Limit)...)
	return cs, err
}

// Customer is one customer by id, or ENOTFOUND.
func (s *Store) Customer(ctx context.Context, id int64) (*baobei.Customer, error) {
	return resolve(ctx, s.q(), baobei.CustomerRef{Number: id})
}

func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
