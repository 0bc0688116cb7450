package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"baobei"

	"github.com/jmoiron/sqlx"
)

// Webhook subscriptions and their events. An event is derived from the
// audit row of the change (audits) or, for a follow-up and a visit report,
// written next to it; each goes to the outbox once per subscribed webhook,
// in the transaction of the change, so a change that rolls back queues
// nothing.

// Audit actions of the webhook subscriptions themselves (no customer).
const (
	ActWebhookAdd    = "webhook_add"
	ActWebhookRemove = "webhook_remove"
)

// AddWebhook subscribes url to events with a new signing secret, returned
// once in the result.
func (s *Store) AddWebhook(ctx context.Context, now time.Time, url string, events []string) (*baobei.Webhook, error) {
	if err := baobei.CheckWebhookURL(url); err != nil {
		return nil, err
	}
	events, err := baobei.ParseWebhookEvents(strings.Join(events, ","))
	if err != nil {
		return nil, err
	}
	w := &baobei.Webhook{URL: url, Events: strings.Join(events, ","), Secret: randomHex(32), Active: true, CreatedAt: ts(now)}
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO webhooks (url, events, secret, active, created_at) VALUES (?, ?, ?, ?, ?)",
			w.URL, w.Events, w.Secret, true, w.CreatedAt)
		if err != nil {
			return err
		}
		if w.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return audit(ctx, tx, now, 0, 0, ActWebhookAdd, nil, nil, fmt.Sprintf("W%d %s %s", w.ID, baobei.ShownURL(url), w.Events))
	})
	return w, err
}

// RemoveWebhook ends a subscription: its waiting deliveries are kept as
// dead ("webhook removed"), nothing more is queued for it.
func (s *Store) RemoveWebhook(ctx context.Context, now time.Time, id int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE webhooks SET active = ? WHERE id = ? AND active = ?", false, id, true)
		if err := affected(res, err); err == errStale {
			return baobei.Errorf(baobei.ENOTFOUND, "没有编号为 W%d 的 webhook。用 baobei webhook list 查看编号。", id)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE outbox SET status = ?, last_error = ?, lease_owner = '' WHERE webhook_id = ? AND status = ?",
			OutboxDead, "webhook removed", id, OutboxPending); err != nil {
			return err
		}
		return audit(ctx, tx, now, 0, 0, ActWebhookRemove, nil, nil, fmt.Sprintf("W%d", id))
	})
}

// Webhooks lists the active subscriptions, oldest first.
func (s *Store) Webhooks(ctx context.Context) ([]baobei.Webhook, error) {
	var ws []baobei.Webhook
	err := s.q().SelectContext(ctx, &ws, "SELECT id, url, events, secret, active, created_at FROM webhooks WHERE active = ? ORDER BY id", true)
	return ws, err
}

// Webhook loads one subscription (active or not), for a delivery.
func (s *Store) Webhook(ctx context.Context, id int64) (*baobei.Webhook, error) {
	var w baobei.Webhook
	err := s.q().GetContext(ctx, &w, "SELECT id, url, events, secret, active, created_at FROM webhooks WHERE id = ?", id)
	if notFound(err) {
		return nil, baobei.Errorf(baobei.ENOTFOUND, "没有编号为 W%d 的 webhook。用 baobei webhook list 查看编号。", id)
	}
	return &w, err
}

// WebhookFailures lists the active webhooks with a waiting delivery that
// failed at least once.
func (s *Store) WebhookFailures(ctx context.Context) ([]baobei.WebhookFailure, error) {
	var fs []baobei.WebhookFailure
	err := s.q().SelectContext(ctx, &fs, `SELECT w.id, w.url, COUNT(*) AS pending, MAX(o.attempts) AS attempts,
		COALESCE((SELECT l.last_error FROM outbox l WHERE l.webhook_id = w.id AND l.status = ? ORDER BY l.attempts DESC, l.id LIMIT 1), '') AS last_error
		FROM webhooks w JOIN outbox o ON o.webhook_id = w.id AND o.status = ?
		WHERE w.active = ? GROUP BY w.id, w.url HAVING MAX(o.attempts) > 0 ORDER BY w.id`, OutboxPending, OutboxPending, true)
	for i := range fs {
		fs[i].URL = baobei.ShownURL(fs[i].URL)
	}
	return fs, err
}

// hookEvent is one event to deliver: the customer's state is read when it
// is queued, after the change.
type hookEvent struct {
	kind         string
	customer     int64
	actor        int64 // 0: the system
	from, to     *int64
	reason, note string
	followup     *baobei.WebhookFollowUp
	visit        *baobei.WebhookVisit
}

// visitHook is the visit.reported event of v.
func visitHook(actor *baobei.User, v *baobei.Visit) hookEvent {
	return hookEvent{kind: baobei.EventVisitReported, customer: v.CustomerID, actor: actor.ID, visit: &baobei.WebhookVisit{ID: v.ID,
		PlannedAt: v.PlannedAt, Goal: v.Goal, Address: v.Address, CheckinAt: v.CheckinAt, CheckinLabel: v.CheckinLabel, Report: v.Report}}
}

// hookOf is the event an audit row stands for, if any.
func hookOf(e auditEvent) (hookEvent, bool) {
	h := hookEvent{customer: e.customer, actor: e.actor, from: e.from, to: e.to}
	switch e.action {
	case ActReport:
		h.kind, h.reason = baobei.EventCustomerReported, e.detail // new or takeover
	case ActApprove:
		if e.from != nil || e.to == nil {
			return h, false // only an approved report gives a customer an owner from none
		}
		h.kind, h.reason = baobei.EventCustomerReported, "approved"
	case ActWon:
		h.kind = baobei.EventCustomerWon
	case ActRelease:
		why, note, _ := strings.Cut(e.detail, ": ")
		h.kind, h.reason, h.note = baobei.EventCustomerReleased, why, note
		if why == baobei.ReleaseLost {
			h.kind = baobei.EventCustomerLost
		}
	case ActAssign:
		h.kind, h.reason = baobei.EventLeadAssigned, e.detail // auto, 转派 or by hand
	case ActTransfer, ActHandover:
		h.kind, h.reason, h.note = baobei.EventCustomerTransferred, e.action, e.detail
	default:
		return h, false
	}
	return h, true
}

// queueHooks writes a delivery for each event and webhook subscribed to it.
func queueHooks(ctx context.Context, tx *sqlx.Tx, now time.Time, events []hookEvent) error {
	if len(events) == 0 {
		return nil
	}
	var subs []baobei.Webhook
	if err := tx.SelectContext(ctx, &subs, "SELECT id, events FROM webhooks WHERE active = ?", true); err != nil || len(subs) == 0 {
		return err
	}
	wanted := events[:0:0]
	for _, e := range events {
		for _, w := range subs {
			if w.Wants(e.kind) {
				wanted = append(wanted, e)
				break
			}
		}
	}
	if len(wanted) == 0 {
		return nil
	}
	bodies, err := hookBodies(ctx, tx, now, wanted)
	if err != nil {
		return err
	}
	var rows [][]any
	for i, e := range wanted {
		for _, w := range subs {
			if w.Wants(e.kind) {
				rows = append(rows, []any{"", "", string(bodies[i]), OutboxPending, int(baobei.PriorityNotice), ts(now), ts(now), w.ID})
			}
		}
	}
	for len(rows) > 0 { // 100 rows a statement, as enqueue
		chunk := rows[:min(len(rows), 100)]
		rows = rows[len(chunk):]
		var args []any
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (to_user, to_chat, payload, status, priority, next_attempt_at, created_at, webhook_id)
			VALUES `+placeholders(len(chunk), 8), args...); err != nil {
			return err
		}
	}
	return nil
}

// hookBodies renders the events' JSON with the customers as they are now.
func hookBodies(ctx context.Context, tx *sqlx.Tx, now time.Time, events []hookEvent) ([][]byte, error) {
	var ids, uids []int64
	for _, e := range events {
		ids = append(ids, e.customer)
		uids = append(uids, e.actor)
		for _, p := range []*int64{e.from, e.to} {
			if p != nil {
				uids = append(uids, *p)
			}
		}
	}
	var cs []baobei.Customer
	q, args, err := sqlx.In(customerSelect+"WHERE c.id IN (?)", ids)
	if err != nil {
		return nil, err
	}
	if err := tx.SelectContext(ctx, &cs, q, args...); err != nil {
		return nil, err
	}
	var us []struct {
		ID   int64  `db:"id"`
		UID  string `db:"uid"`
		Name string `db:"name"`
	}
	if q, args, err = sqlx.In("SELECT id, uid, name FROM users WHERE id IN (?)", uids); err != nil {
		return nil, err
	}
	if err := tx.SelectContext(ctx, &us, q, args...); err != nil {
		return nil, err
	}
	customers := map[int64]*baobei.Customer{}
	for i := range cs {
		customers[cs[i].ID] = &cs[i]
	}
	users := map[int64]*baobei.UserJSON{}
	for _, u := range us {
		users[u.ID] = &baobei.UserJSON{UID: u.UID, Name: u.Name}
	}
	user := func(p *int64) *baobei.UserJSON {
		if p == nil {
			return nil
		}
		return users[*p]
	}
	out := make([][]byte, len(events))
	for i, e := range events {
		ev := baobei.WebhookEvent{ID: "evt_" + randomHex(12), Type: e.kind, CreatedAt: ts(now), Actor: users[e.actor],
			Reason: e.reason, Note: e.note, FollowUp: e.followup, Visit: e.visit}
		if c := customers[e.customer]; c != nil {
			ev.Customer = baobei.CustomerJSONOf(c, now)
		}
		if e.from == nil || e.to == nil || *e.from != *e.to { // an owner change, not the owner's own act
			ev.From, ev.To = user(e.from), user(e.to)
		}
		if out[i], err = json.Marshal(ev); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
