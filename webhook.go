package baobei

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Outgoing webhook events. The store queues one delivery per event and
// subscribed webhook in the transaction of the change.
const (
	EventCustomerReported    = "customer.reported"
	EventCustomerWon         = "customer.won"
	EventCustomerLost        = "customer.lost"
	EventCustomerReleased    = "customer.released"
	EventCustomerTransferred = "customer.transferred"
	EventFollowUpCreated     = "followup.created"
	EventVisitReported       = "visit.reported"
	EventLeadAssigned        = "lead.assigned" // a lead or pool customer given to a rep (auto, 转派, by hand)
	EventWebhookTest         = "webhook.test"  // sent by `baobei webhook test` only
)

// WebhookEvents are the events a webhook may subscribe to.
var WebhookEvents = []string{EventCustomerReported, EventCustomerWon, EventCustomerLost, EventCustomerReleased,
	EventCustomerTransferred, EventFollowUpCreated, EventLeadAssigned, EventVisitReported}

// Webhook is a subscription: deliveries of its events go to URL, signed
// with Secret.
type Webhook struct {
	ID        int64     `db:"id"`
	URL       string    `db:"url"`
	Events    string    `db:"events"` // comma-separated
	Secret    string    `db:"secret"`
	Active    bool      `db:"active"`
	CreatedAt time.Time `db:"created_at"`
}

// Wants reports whether the webhook subscribed to event.
func (w *Webhook) Wants(event string) bool {
	return slices.Contains(strings.Split(w.Events, ","), event)
}

// WebhookFailure is a webhook whose oldest waiting delivery failed: how
// many wait, the most attempts one took, and its last error.
type WebhookFailure struct {
	ID        int64  `db:"id"`
	URL       string `db:"url"`
	Pending   int    `db:"pending"`
	Attempts  int    `db:"attempts"`
	LastError string `db:"last_error"`
}

// ParseWebhookEvents reads a comma-separated list of event names.
func ParseWebhookEvents(s string) ([]string, error) {
	var out []string
	for _, e := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		if !slices.Contains(WebhookEvents, e) {
			return nil, Errorf(EINVALID, "未知事件“%s”。可用事件：%s", e, strings.Join(WebhookEvents, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EINVALID, "请用 --events 指定事件，例如 --events customer.won,customer.reported。可用事件：%s", strings.Join(WebhookEvents, ", "))
	}
	return out, nil
}

// CheckWebhookURL refuses what is not an absolute http(s) URL.
func CheckWebhookURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 500 {
		return Errorf(EINVALID, "--url 须是 http:// 或 https:// 开头的完整地址（至多 500 字符），例如 --url https://example.com/baobei/hooks")
	}
	return nil
}

// ShownURL is a webhook URL without its query and credentials, for status
// pages and lists (a receiver's token may sit in the query).
func ShownURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// SignWebhook is the X-Baobei-Signature of body sent at timestamp (Unix
// seconds, as in X-Baobei-Timestamp): "sha256=" and the hex HMAC-SHA256,
// keyed with the webhook's secret as printed, of timestamp + "." + body.
func SignWebhook(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// WebhookEvent is the JSON body of a delivery. ID is the same in every
// attempt and for every webhook (receivers dedupe on it: delivery is at
// least once).
type WebhookEvent struct {
	ID        string           `json:"id"`
	Type      string           `json:"type"`
	CreatedAt time.Time        `json:"created_at"`
	Actor     *UserJSON        `json:"actor"` // null: the system (a scheduled job)
	Customer  *CustomerJSON    `json:"customer,omitempty"`
	From      *UserJSON        `json:"from,omitempty"`   // the former owner, when it changed
	To        *UserJSON        `json:"to,omitempty"`     // the new owner, when it changed
	Reason    string           `json:"reason,omitempty"` // a code: new, takeover, approved; expired, no_followup, manual, lost; transfer, handover
	Note      string           `json:"note,omitempty"`   // the reason as typed
	FollowUp  *WebhookFollowUp `json:"followup,omitempty"`
	Visit     *WebhookVisit    `json:"visit,omitempty"`
}

// UserJSON names a user (in webhook deliveries and API answers).
type UserJSON struct {
	UID  string `json:"uid"`
	Name string `json:"name"`
}

// CustomerJSON is a customer as webhook deliveries (after the change) and
// the HTTP API show it.
type CustomerJSON struct {
	ID             int64             `json:"id"`
	Name           string            `json:"name"`
	Phone          string            `json:"phone"`
	Wechat         string            `json:"wechat"`
	Company        string            `json:"company"`
	Source         string            `json:"source"`
	Demand         string            `json:"demand"`
	Grade          string            `json:"grade"`
	Region         string            `json:"region"`
	Stage          Stage             `json:"stage"`
	Status         Status            `json:"status"` // owned, pool (also an owned one whose protection ended), won, pending
	Owner          *UserJSON         `json:"owner"`
	Locked         bool              `json:"locked"`
	ProtectedUntil *time.Time        `json:"protected_until"`
	ReportedAt     time.Time         `json:"reported_at"`
	LastFollowupAt *time.Time        `json:"last_followup_at"`
	NextFollowupAt *time.Time        `json:"next_followup_at"`
	AmountCents    int64             `json:"amount_cents"`
	Tags           []string          `json:"tags,omitempty"`   // the API\'s customers
	Fields         map[string]string `json:"fields,omitempty"` // policy.fields values: the API's customer detail
}

// WebhookFollowUp is the follow-up of a followup.created event.
type WebhookFollowUp struct {
	Content   string     `json:"content"`
	StageFrom Stage      `json:"stage_from"`
	StageTo   Stage      `json:"stage_to"`
	NextAt    *time.Time `json:"next_at"`
}

// WebhookVisit is the visit of a visit.reported event.
type WebhookVisit struct {
	ID           int64      `json:"id"`
	PlannedAt    time.Time  `json:"planned_at"`
	Goal         string     `json:"goal"`
	Address      string     `json:"address"`
	CheckinAt    *time.Time `json:"checkin_at"`
	CheckinLabel string     `json:"checkin_label"`
	Report       string     `json:"report"` // as typed, one field a line
}

// CustomerJSONOf is c at now as a delivery or the API shows it: the owner
// and status as Customer.Owner reads them (a report waiting for approval
// shows its reporter).
func CustomerJSONOf(c *Customer, now time.Time) *CustomerJSON {
	w := &CustomerJSON{ID: c.ID, Name: c.Name, Phone: c.Phone, Wechat: c.Wechat, Company: c.Company, Source: c.Source,
		Demand: c.Demand, Grade: c.Grade, Region: c.Region, Stage: c.Stage, Status: c.Status, Locked: c.Locked,
		ProtectedUntil: c.ProtectedUntil, ReportedAt: c.ReportedAt, LastFollowupAt: c.LastFollowupAt,
		NextFollowupAt: c.NextFollowupAt, AmountCents: c.AmountCents}
	if _, owned := c.Owner(now); owned || (c.Status == StatusPending && c.OwnerID != nil) {
		w.Owner = &UserJSON{UID: c.OwnerUID, Name: c.OwnerName}
	} else if c.Status == StatusOwned {
		w.Status = StatusPool
	}
	return w
}
