package baobei

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Status is the ownership state of a customer as stored.
type Status string

const (
	StatusOwned Status = "owned" // has an owner, protected until ProtectedUntil
	StatusPool  Status = "pool"  // in 公海: released, expired-and-released or lost
	StatusWon   Status = "won"   // 已成交: stays with its owner, no expiry
	// StatusPending: reported, waiting for a manager's approval; its keys are
	// reserved and owner_id is the requester, but nobody owns it yet.
	StatusPending Status = "pending"
	// StatusRejected: a report that was not approved; its keys are released.
	StatusRejected Status = "rejected"
)

// Release reasons, recorded on the customer and in the audit row.
const (
	ReleaseExpired  = "expired"
	ReleaseLost     = "lost"
	ReleaseManual   = "manual"
	ReleaseNoFollow = "no_followup"
)

// Customer is one reported customer. Times are UTC.
type Customer struct {
	ID             int64      `db:"id"`
	Name           string     `db:"name"`
	Phone          string     `db:"phone"`
	Wechat         string     `db:"wechat"`
	Company        string     `db:"company"`
	Source         string     `db:"source"`
	Demand         string     `db:"demand"`
	Grade          string     `db:"grade"`
	Stage          Stage      `db:"stage"`
	Status         Status     `db:"status"`
	OwnerID        *int64     `db:"owner_id"`
	ProtectedUntil *time.Time `db:"protected_until"`
	ReporterID     int64      `db:"reporter_id"`
	ReportedAt     time.Time  `db:"reported_at"`
	LastFollowupAt *time.Time `db:"last_followup_at"`
	NextFollowupAt *time.Time `db:"next_followup_at"`
	AmountCents    int64      `db:"amount_cents"`
	LostReason     string     `db:"lost_reason"`
	PrevOwnerID    *int64     `db:"prev_owner_id"`
	ReleasedAt     *time.Time `db:"released_at"`
	ReleaseReason  string     `db:"release_reason"`
	OwnedSince     *time.Time `db:"owned_since"`    // when the current owner got it
	Locked         bool       `db:"locked"`         // a manager exempted it from release
	ExtendedUntil  *time.Time `db:"extended_until"` // the protection end an approved 延期 set
	Budget         string     `db:"budget"`         // from the latest visit report
	DecisionChain  string     `db:"decision_chain"` // …
	Competitors    string     `db:"competitors"`    // …
	LastVisitAt    *time.Time `db:"last_visit_at"`  // the latest visit planned or made
	Region         string     `db:"region"`         // city or address of a lead, for assignment
	LastPurchaseAt *time.Time `db:"last_purchase_at"`
	Version        int64      `db:"version"`

	// Filled by queries that join the owners; not columns of customers.
	OwnerName    string `db:"owner_name"`
	OwnerUID     string `db:"owner_uid"`
	OwnerTeam    *int64 `db:"owner_team_id"`
	PrevOwnerUID string `db:"prev_owner_uid"`

	// Custom holds the policy.fields values, loaded only where they are
	// used: stage checks, 查询, export.
	Custom map[string]string `db:"-"`
}

// Owner returns the effective owner at now: nobody when the customer is in
// the pool or its protection has ended, whether or not a job released it.
func (c *Customer) Owner(now time.Time) (int64, bool) {
	if c.OwnerID == nil {
		return 0, false
	}
	switch c.Status {
	case StatusWon:
		return *c.OwnerID, true
	case StatusOwned:
		if c.Locked || (c.ProtectedUntil != nil && now.Before(*c.ProtectedUntil)) {
			return *c.OwnerID, true
		}
	}
	return 0, false
}

// LastActivity is when the owner last worked the customer: the latest of
// the last follow-up, the last purchase and the moment they got it.
func (c *Customer) LastActivity() time.Time {
	t := c.ReportedAt
	for _, u := range []*time.Time{c.OwnedSince, c.LastFollowupAt, c.LastPurchaseAt} {
		if u != nil && u.After(t) {
			t = *u
		}
	}
	return t
}

// InPool reports whether anyone may claim the customer at now: released,
// lost, or its protection ended.
func (c *Customer) InPool(now time.Time) bool {
	_, owned := c.Owner(now)
	return c.Status == StatusPool || (c.Status == StatusOwned && !owned)
}

// FormerOwner returns who last lost the customer and since when: the owner
// whose protection ran out, or the owner recorded when it was released.
func (c *Customer) FormerOwner(now time.Time) (id int64, since time.Time, ok bool) {
	if _, owned := c.Owner(now); owned {
		return 0, time.Time{}, false
	}
	if c.Status == StatusOwned && c.OwnerID != nil && c.ProtectedUntil != nil {
		return *c.OwnerID, *c.ProtectedUntil, true
	}
	if c.PrevOwnerID != nil && c.ReleasedAt != nil {
		return *c.PrevOwnerID, *c.ReleasedAt, true
	}
	return 0, time.Time{}, false
}

// Extended reports whether c's protection end is the one an approved 延期
// set: until then the idle rule is suspended.
func (c *Customer) Extended() bool {
	return c.ExtendedUntil != nil && c.ProtectedUntil != nil && c.ExtendedUntil.Equal(*c.ProtectedUntil)
}

// Loss is one row of the ownership history: a user lost the customer at
// LostAt (its protection ended, it was released, lost or moved away).
type Loss struct {
	UserID int64     `db:"user_id"`
	LostAt time.Time `db:"lost_at"`
	Reason string    `db:"reason"`
}

// CustomerDraft is what a report carries before it is stored.
type CustomerDraft struct {
	Name, Phone, Wechat, Company, Source, Demand, Grade string
	Region                                              string            // city or address (leads and imports)
	Custom                                              map[string]string // policy.fields values by key, as FieldDef.Parse stores them
}

// Key kinds of customer_keys; the unique index on (kind, value) decides
// who reported a customer first.
const (
	KeyPhone   = "phone"
	KeyWechat  = "wechat"
	KeyCompany = "company"
)

// Key is one deduplication key of a customer.
type Key struct {
	Kind  string
	Value string
}

// Keys returns the dedup keys of a draft, phone first.
func (d CustomerDraft) Keys(p Policy) []Key {
	keys := []Key{{KeyPhone, d.Phone}}
	if w := NormalizeWechat(d.Wechat); w != "" {
		keys = append(keys, Key{KeyWechat, w})
	}
	if c := NormalizeCompany(d.Company, p.CompanySuffixes); c != "" {
		keys = append(keys, Key{KeyCompany, c})
	}
	return keys
}

// KeyLabel names a key kind in Chinese.
func KeyLabel(kind string) string {
	switch kind {
	case KeyWechat:
		return "微信号"
	case KeyCompany:
		return "公司"
	}
	return "手机号"
}

// FormatCents prints an amount in yuan: 1280000 → "12800", 1250 → "12.5".
func FormatCents(cents int64) string {
	s := strconv.FormatInt(cents/100, 10)
	if r := cents % 100; r != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", r), "0")
	}
	return s
}

// OwnerNameOr returns the owner's name, or fallback when it is not loaded.
func (c *Customer) OwnerNameOr(fallback string) string {
	if c.OwnerName != "" {
		return c.OwnerName
	}
	return fallback
}
