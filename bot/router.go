package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"baobei"
	"baobei/cards"
)

// ErrUnknownUser: the sender is not in the org and auto-registration is off.
var ErrUnknownUser = errors.New("unknown user")

// Store is what the router needs: message dedupe and user lookup.
type Store interface {
	ClaimMessage(ctx context.Context, claim *baobei.MessageClaim) error
	UserByUID(ctx context.Context, uid string) (*baobei.User, error)
	RegisterRep(ctx context.Context, uid, name string, now time.Time) (*baobei.User, error)
}

// Router dedupes, identifies the sender, parses and dispatches to handlers,
// and turns errors into replies, all in one place.
type Router struct {
	store        Store
	clock        baobei.Clock
	policy       baobei.Policy
	signer       *cards.Signer
	autoRegister bool
	log          *slog.Logger
	handlers     map[string]HandlerFunc
	users        userCache
	names        map[string]NameLookup
}

// NameLookup finds a platform user's display name (for auto-registration).
type NameLookup func(ctx context.Context, uid string) (string, error)

// SetNameLookup names users of a platform when they register themselves.
func (r *Router) SetNameLookup(platform string, f NameLookup) {
	if r.names == nil {
		r.names = map[string]NameLookup{}
	}
	r.names[platform] = f
}

// NewRouter returns a router with no handlers.
func NewRouter(s Store, clock baobei.Clock, p baobei.Policy, signer *cards.Signer, autoRegister bool, log *slog.Logger) *Router {
	return &Router{store: s, clock: clock, policy: p, signer: signer, autoRegister: autoRegister, log: log, handlers: map[string]HandlerFunc{}}
}

// Handle registers the handler of a command name (CmdReport, …).
func (r *Router) Handle(cmd string, h HandlerFunc) { r.handlers[cmd] = h }

// Dispatch handles one message. A message ID is recorded by the transaction
// that acts on it (or after a command that changed nothing), so a redelivered
// message has no second effect: it comes back Replayed, without replies. The
// only errors returned are ErrUnknownUser and failures to reach the store;
// everything else is a reply.
func (r *Router) Dispatch(ctx context.Context, m Message) (*Result, error) {
	start, now := time.Now(), r.clock.Now()
	actor, err := r.actor(ctx, m, now)
	if err != nil {
		return nil, err
	}
	var claim *baobei.MessageClaim
	if m.ID != "" {
		claim = &baobei.MessageClaim{Platform: m.Platform, ID: m.ID}
		ctx = baobei.WithMessageClaim(ctx, claim)
	}
	cmd, reply, outcome, err := r.run(ctx, m, actor, now)
	if err == nil && claim != nil && !claim.Done() {
		err = r.store.ClaimMessage(ctx, claim)
	}
	if errors.Is(err, baobei.ErrDuplicateMessage) {
		r.log.Info("command", "platform", m.Platform, "user", m.UserID, "command", cmd, "outcome", "replayed")
		return &Result{Replayed: true}, nil
	}
	if err != nil {
		return nil, err
	}
	r.log.Info("command", "platform", m.Platform, "user", m.UserID, "command", cmd,
		"latency_ms", time.Since(start).Milliseconds(), "outcome", outcome)
	return &Result{Replies: []Out{{ToUser: m.UserID, ToChat: m.ChatID, Text: reply.Text, Card: reply.Card}}, Outcome: reply.Outcome}, nil
}

func (r *Router) actor(ctx context.Context, m Message, now time.Time) (*baobei.User, error) {
	if u := r.users.get(m.UserID); u != nil {
		return u, nil
	}
	u, err := r.store.UserByUID(ctx, m.UserID)
	if baobei.ErrorCode(err) == baobei.ENOTFOUND {
		if !r.autoRegister || m.UserID == "" {
			return nil, ErrUnknownUser
		}
		u, err = r.store.RegisterRep(ctx, m.UserID, r.displayName(ctx, m), now)
	}
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, ErrUnknownUser
	}
	r.users.put(u)
	return u, nil
}

// displayName is the sender's name from the message or the platform's
// directory, or "" (the uid is then used).
func (r *Router) displayName(ctx context.Context, m Message) string {
	if m.UserName != "" || r.names[m.Platform] == nil {
		return m.UserName
	}
	name, err := r.names[m.Platform](ctx, m.UserID)
	if err != nil {
		r.log.Warn("user name lookup failed; using the id", "platform", m.Platform, "err", err)
	}
	return name
}

// userCache keeps users for a few seconds: every message needs its sender,
// and the org changes rarely.
type userCache struct {
	mu sync.Mutex
	m  map[string]cachedUser
}

type cachedUser struct {
	u  *baobei.User
	at time.Time
}

const userTTL = 10 * time.Second

func (c *userCache) get(uid string) *baobei.User {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[uid]; ok && time.Since(e.at) < userTTL {
		return e.u
	}
	return nil
}

func (c *userCache) put(u *baobei.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cachedUser{}
	}
	c.m[u.UID] = cachedUser{u: u, at: time.Now()}
}

// run parses and calls the handler; it returns the command name, the reply
// and the outcome for the log (ok, an error code, or an incident number).
// The only error is ErrDuplicateMessage.
func (r *Router) run(ctx context.Context, m Message, actor *baobei.User, now time.Time) (string, *Reply, string, error) {
	text := m.Text
	if m.Action != "" {
		a, err := r.signer.Verify(m.Action, actor.UID, now)
		if err != nil {
			return "action", r.errorReply(err), baobei.ErrorCode(err), nil
		}
		text = a.Command
	}
	cmd, err := Parse(text, now, r.policy.Loc, r.policy)
	if err != nil {
		return CmdUnknown, r.errorReply(err), baobei.ErrorCode(err), nil
	}
	h, ok := r.handlers[cmd.Name]
	if !ok {
		return cmd.Name, Text("这个功能还没有开放。发「帮助」查看可用命令。"), "unhandled", nil
	}
	reply, err := h(ctx, &Request{Msg: m, Actor: actor, Cmd: cmd, Now: now})
	if errors.Is(err, baobei.ErrDuplicateMessage) {
		return cmd.Name, nil, "replayed", err
	}
	if err != nil {
		return cmd.Name, r.errorReply(err), outcome(err), nil
	}
	return cmd.Name, reply, "ok", nil
}

// errorReply shows a *baobei.Error's message; anything else is logged with
// an incident number that the user can quote.
func (r *Router) errorReply(err error) *Reply {
	var be *baobei.Error
	if errors.As(err, &be) {
		return Text(be.Message)
	}
	b := make([]byte, 4)
	rand.Read(b)
	id := hex.EncodeToString(b)
	r.log.Error("command failed", "incident", id, "err", err)
	return Text("系统繁忙，请稍后再试（编号 " + id + "）。")
}

func outcome(err error) string {
	if c := baobei.ErrorCode(err); c != "" {
		return c
	}
	return "internal"
}
