package baobei

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Clock tells the time. Production uses the system clock; the console and
// tests move it forward.
type Clock interface{ Now() time.Time }

// CustomerRef names a customer the way a chat message does: by phone, by
// short number or by name (exactly one of them is set).
type CustomerRef struct {
	Phone  string
	Number int64
	Name   string
}

// FollowUpKind is how a follow-up was made.
type FollowUpKind string

// The follow-up kinds, in the order 统计 lists them.
const (
	KindCall   FollowUpKind = "电话"
	KindWechat FollowUpKind = "微信"
	KindVisit  FollowUpKind = "拜访"
	KindStore  FollowUpKind = "到店"
	KindOther  FollowUpKind = "其他"
)

// FollowUpKinds lists every kind.
var FollowUpKinds = []FollowUpKind{KindCall, KindWechat, KindVisit, KindStore, KindOther}

// kindWords are the words that name a kind as reps write it: as 类型:… or
// leading the follow-up's text (电话沟通, 上门拜访, 加了微信).
var kindWords = []struct {
	word string
	kind FollowUpKind
}{
	{"打电话", KindCall}, {"电话", KindCall}, {"致电", KindCall}, {"通话", KindCall}, {"来电", KindCall},
	{"加微信", KindWechat}, {"加了微信", KindWechat}, {"微信", KindWechat},
	{"上门", KindVisit}, {"拜访", KindVisit}, {"面谈", KindVisit}, {"见面", KindVisit},
	{"到店", KindStore}, {"来店", KindStore}, {"进店", KindStore},
	{"其他", KindOther}, {"其它", KindOther},
}

// KindOf reads a kind written as a value (类型:电话, 类型:上门).
func KindOf(s string) (FollowUpKind, bool) {
	for _, w := range kindWords {
		if s == w.word || s == string(w.kind) {
			return w.kind, true
		}
	}
	return "", false
}

// KindLeading is the kind the follow-up's text starts with (电话沟通 → 电话), or "".
func KindLeading(text string) FollowUpKind {
	for _, w := range kindWords {
		if strings.HasPrefix(text, w.word) {
			return w.kind
		}
	}
	return ""
}

// FollowUpDraft is one 跟进 (or 成交 / 流失) as typed.
type FollowUpDraft struct {
	Kind        FollowUpKind // "" is 其他
	Content     string
	Stage       Stage // "" keeps the current stage
	NextAt      *time.Time
	AmountCents *int64
	Reason      string
	// StageExplicit: the stage was written as 阶段:…, which may move it back
	// in the funnel.
	StageExplicit bool
	Grade         string            // "" keeps the grade
	Items         string            // 商品: what a 成交 bought (its first purchase)
	BoughtAt      *time.Time        // 日期: when it was bought (nil: now)
	Custom        map[string]string // policy.fields values it sets
}

// CustomerChange is a customer after a follow-up, a grade or an amount
// change, and its stage, grade and amount before.
type CustomerChange struct {
	*Customer
	StageFrom  Stage
	GradeFrom  string
	AmountFrom int64
}

// StageBack reports whether the change moved the customer back in the funnel.
func (c *CustomerChange) StageBack() bool { return c.StageFrom.After(c.Stage) }

// ReportResult says what a report did: a new customer, a takeover, or a
// request waiting for approval (Approval set, Customer pending).
type ReportResult struct {
	Approval *Approval
	Customer *Customer
	TookFrom *int64 // the previous owner (nil when nobody held it) when the report took an expired or pooled customer
	Took     bool
}

// TransferResult is the transferred customer and, when someone held it, the
// former owner (who was told).
type TransferResult struct {
	Customer   *Customer
	FormerName string
	Held       int // what the receiver holds now, not counting 已成交
}

// HandoverResult is what a handover moved: the customers, and what the
// receiver holds now (not counting 已成交).
type HandoverResult struct {
	Moved []Customer
	Held  int
}

// Conflict is returned (wrapping an *Error) when a report names a customer
// that someone else holds; Existing tells who, so the owner can be told.
type Conflict struct {
	Err      *Error
	Existing *Customer
	Key      Key
}

func (c *Conflict) Error() string { return c.Err.Error() }
func (c *Conflict) Unwrap() error { return c.Err }

// Priority orders the outbox, higher first: a reply to a command goes before
// notices, and notices before bulk pushes (digests, summaries, release
// lists). The zero value is a notice.
type Priority int

// Priorities.
const (
	PriorityReply  Priority = 1
	PriorityNotice Priority = 0
	PriorityBulk   Priority = -1
)

// Notice is a push to a user or a group chat that is not a direct reply.
// It goes through the outbox, in the same transaction as its cause when it
// has one.
// Its JSON is the adapters' Out: Card and Update are filled by the bot layer.
type Notice struct {
	ToUser   string          `json:"to_user"`
	ToChat   string          `json:"to_chat"`
	Text     string          `json:"text"`
	Card     json.RawMessage `json:"card,omitempty"`
	Update   string          `json:"update,omitempty"`
	Markdown bool            `json:"markdown,omitempty"` // Text is markdown
	Image    []byte          `json:"image,omitempty"`    // a PNG, where the channel shows images
	Priority Priority        `json:"-"`                  // kept in its own outbox column

	// A webhook delivery (an outbox row of its own kind): the webhook's id
	// and the JSON body to post, kept in the outbox's webhook_id and payload.
	Webhook int64           `json:"-"`
	Body    json.RawMessage `json:"-"`
}

// OutboxItem is one queued push and how often sending it was tried.
type OutboxItem struct {
	ID       int64
	Notice   Notice
	Attempts int
}

// Inbound message states. A platform callback is recorded as pending and
// answered at once; a worker leases it, processes it and marks it done (or
// dead after too many attempts). A lease that runs out makes it due again;
// the message's dedupe keeps a second run from having a second effect.
const (
	InboundPending = "pending"
	InboundDone    = "done"
	InboundDead    = "dead"
)

// InboundItem is one recorded platform message waiting to be processed.
type InboundItem struct {
	ID       int64  `db:"id"`
	Payload  string `db:"payload"`
	Attempts int    `db:"attempts"`
}

// FollowUp is one logged follow-up.
type FollowUp struct {
	ID         int64        `db:"id"`
	CustomerID int64        `db:"customer_id"`
	UserID     int64        `db:"user_id"`
	UserName   string       `db:"user_name"`
	Kind       FollowUpKind `db:"kind"`
	Content    string       `db:"content"`
	StageFrom  Stage        `db:"stage_from"`
	StageTo    Stage        `db:"stage_to"`
	NextAt     *time.Time   `db:"next_at"`
	CreatedAt  time.Time    `db:"created_at"`
}

// Service is what the handlers need from the store. Every method that
// changes state runs in one transaction and writes its audit row there.
type Service interface {
	Report(ctx context.Context, now time.Time, actor *User, d CustomerDraft) (*ReportResult, error)
	FollowUp(ctx context.Context, now time.Time, actor *User, ref CustomerRef, f FollowUpDraft) (*CustomerChange, error)
	SetGrade(ctx context.Context, now time.Time, actor *User, ref CustomerRef, grade string) (*CustomerChange, error)
	// SetAmount corrects a won customer's amount (改金额, admins), with the
	// reason in its audit row; the owner is told.
	SetAmount(ctx context.Context, now time.Time, actor *User, ref CustomerRef, cents int64, reason string) (*CustomerChange, error)
	Claim(ctx context.Context, now time.Time, actor *User, ref CustomerRef) (*Customer, error)
	Transfer(ctx context.Context, now time.Time, actor *User, ref CustomerRef, to *User, reason string) (*TransferResult, error)
	Handover(ctx context.Context, now time.Time, actor, from, to *User) (*HandoverResult, error)

	FindCustomers(ctx context.Context, ref CustomerRef) ([]Customer, error)
	OwnedBy(ctx context.Context, now time.Time, userID int64) ([]Customer, error)
	Pool(ctx context.Context, now time.Time, limit int) ([]Customer, int, error)
	// FollowUps returns a customer's latest follow-ups, newest first (at
	// most limit), and how many it has in all.
	FollowUps(ctx context.Context, customerID int64, limit int) ([]FollowUp, int, error)
	// Takers reads, without locking, what the claim limits know about actor
	// for each of the customers: what 查询 and 公海 say actor may do now.
	Takers(ctx context.Context, now time.Time, actor *User, customerIDs []int64) (map[int64]Taker, error)

	// PlanVisit plans a visit (拜访); MoveVisit reschedules and CancelVisit
	// cancels one; CheckIn checks in by location or text; ReportVisit files
	// the report (a 拜访 follow-up); VisitCandidates are the actor's visits
	// whose check-in window holds now; VisitsOf lists a user's visits.
	PlanVisit(ctx context.Context, now time.Time, actor *User, ref CustomerRef, d VisitDraft) (*Visit, error)
	MoveVisit(ctx context.Context, now time.Time, actor *User, id int64, at time.Time) (*Visit, error)
	CancelVisit(ctx context.Context, now time.Time, actor *User, id int64, reason string) (*Visit, error)
	CheckIn(ctx context.Context, now time.Time, actor *User, id int64, loc *Location, address string) (*Visit, error)
	ReportVisit(ctx context.Context, now time.Time, actor *User, id int64, r VisitReport) (*Visit, *CustomerChange, error)
	VisitCandidates(ctx context.Context, now time.Time, actor *User) ([]Visit, error)
	VisitsOf(ctx context.Context, user *User, from, to time.Time) ([]Visit, error)
	FindUser(ctx context.Context, ref string) (*User, error)
	// RegisterRep adds a platform user unknown to the org as a rep without
	// a team (org.auto_register).
	RegisterRep(ctx context.Context, uid, name string, now time.Time) (*User, error)
	TeamName(ctx context.Context, u *User) (string, error)

	RequestReport(ctx context.Context, now time.Time, actor *User, d CustomerDraft, cards ApprovalNotices) (*ReportResult, error)
	RequestExtend(ctx context.Context, now time.Time, actor *User, ref CustomerRef, days int, reason string, cards ApprovalNotices) (*Approval, error)
	RequestTransfer(ctx context.Context, now time.Time, actor *User, ref CustomerRef, to *User, reason string, cards ApprovalNotices) (*Approval, error)
	Decide(ctx context.Context, now time.Time, actor *User, id int64, approve bool, note string) (*Approval, *Customer, error)
	PendingApprovals(ctx context.Context, actor *User) ([]Approval, error)
	RequestsBy(ctx context.Context, userID int64) ([]Approval, error)
	Stats(ctx context.Context, scope Scope, from, to time.Time) (*Stats, error)
	Status(ctx context.Context) (*SystemStatus, error)
	SetLock(ctx context.Context, now time.Time, actor *User, ref CustomerRef, lock bool) (*Customer, error)
	// Assign gives a pool customer to a rep by hand (分配); Reassign hands an
	// assigned lead on (转派); SetAway sets or ends a leave (请假 days, 销假 0).
	Assign(ctx context.Context, now time.Time, actor *User, ref CustomerRef, to *User, card LeadCard) (*AssignResult, error)
	Reassign(ctx context.Context, now time.Time, actor *User, ref CustomerRef, card LeadCard) (*AssignResult, error)
	SetAway(ctx context.Context, now time.Time, actor, u *User, days int) (*User, error)
	// CreateLink makes a one-time link token (导出, 看板) of kind for scope.
	CreateLink(ctx context.Context, now time.Time, actor *User, kind string, scope Scope) (string, error)
	// SetTags adds and removes people's tags (标签); TagsOf reads tags.
	SetTags(ctx context.Context, now time.Time, actor *User, ref CustomerRef, add, remove []string) (*Customer, []string, error)
	TagsOf(ctx context.Context, ids []int64) (map[int64][]string, error)
	// FieldsOf reads customers' policy.fields values, by customer and key.
	FieldsOf(ctx context.Context, ids []int64) (map[int64]map[string]string, error)
	// Repurchase records a repeat purchase (复购); PurchasesOf sums them.
	Repurchase(ctx context.Context, now time.Time, actor *User, ref CustomerRef, d PurchaseDraft) (*Customer, Purchases, error)
	PurchasesOf(ctx context.Context, customerID int64) (Purchases, error)
	// RFMOf is a customer's RFM (false: no purchases); Segmented lists the
	// won customers of scope in the segments, longest since buying first,
	// up to limit, and how many there are.
	RFMOf(ctx context.Context, now time.Time, customerID int64) (RFM, bool, error)
	Segmented(ctx context.Context, now time.Time, scope Scope, segments []string, limit int) ([]SegmentCustomer, int, error)
	// Release returns a customer to the pool by hand (释放), reason "manual".
	Release(ctx context.Context, now time.Time, actor *User, ref CustomerRef, reason string) (*Customer, error)
}

// ApprovalNotices builds the pushes that ask the approvers to decide (cards
// with signed buttons); the store writes them with the request.
type ApprovalNotices func(a *Approval, c *Customer, approvers []User) []Notice

// ReleasedRow is one customer released to the pool, for its team's chat.
type ReleasedRow struct {
	Chat   string `db:"chat_id"`
	ID     int64  `db:"id"`
	Name   string `db:"name"`
	Former string `db:"former"`
	Detail string `db:"detail"`
}

// SystemStatus is what 系统状态 shows an admin.
type SystemStatus struct {
	OutboxPending, OutboxDead, InboundPending, InboundDead int
	Customers, PendingApprovals                            int
	DeadPushes                                             []DeadPush
	Jobs                                                   []JobRun
	FailingJobs                                            []JobFailure
	FailingWebhooks                                        []WebhookFailure
}

// DeadPush is a push that was given up on after its last attempt.
type DeadPush struct {
	ToUser    string `db:"to_user"`
	ToChat    string `db:"to_chat"`
	Attempts  int    `db:"attempts"`
	LastError string `db:"last_error"`
}

// JobRun is the newest slot a job ran for.
type JobRun struct {
	Job  string    `db:"job"`
	Slot time.Time `db:"slot"`
}

// JobFailure is a job whose oldest unfinished slot failed again and again:
// how many attempts failed, the last one's time and error.
type JobFailure struct {
	Job       string     `db:"job"`
	Slot      time.Time  `db:"slot"`
	Failures  int        `db:"failures"`
	FailedAt  *time.Time `db:"failed_at"`
	LastError string     `db:"last_error"`
}
