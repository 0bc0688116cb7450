package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"baobei"
	"baobei/cards"
	"baobei/internal/metrics"
)

// ErrUnknownUser: the sender is not in the org and auto-registration is off.
var ErrUnknownUser = errors.New("unknown user")

// Store is what the router needs: units of work and user lookup.
type Store interface {
	baobei.UnitRunner
	UserByUID(ctx context.Context, uid string) (*baobei.User, error)
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
	handlers     Handlers
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

// NewRouter returns a router that answers no command until Serve.
func NewRouter(s Store, clock baobei.Clock, p baobei.Policy, signer *cards.Signer, autoRegister bool, log *slog.Logger) *Router {
	return &Router{store: s, clock: clock, policy: p, signer: signer, autoRegister: autoRegister, log: log}
}

// Serve makes h answer every command of the table (Commands).
func (r *Router) Serve(h Handlers) { r.handlers = h }

// Inbound is one message to process: its inbound row (0 when none) and
// whether this is its last attempt, on which a failure is answered with an
// incident number instead of being tried again.
type Inbound struct {
	Msg  Message
	ID   int64
	Last bool
}

// Dispatch handles one message now (the console): ErrUnknownUser for a
// sender who is not in the org, else what to deliver. A message handled
// before comes back Replayed, with the replies of its first run.
func (r *Router) Dispatch(ctx context.Context, m Message) (*Result, error) {
	if m.Canned == "" {
		if _, _, err := r.actor(ctx, m); err != nil {
			return nil, err
		}
	}
	rs, err := r.Process(ctx, []Inbound{{Msg: m, Last: true}})
	if err != nil {
		return nil, err
	}
	return rs[0], rs[0].Err
}

// Process handles messages as units of work in one transaction (see
// baobei.Unit): each message's effect, dedupe record and replies commit
// together. The error is for the whole batch; a message's own failure is
// in its Result.
func (r *Router) Process(ctx context.Context, items []Inbound) ([]*Result, error) {
	now := r.clock.Now()
	results := make([]*Result, len(items))
	runs := make([]*unitRun, len(items))
	var units []baobei.Unit
	var index []int
	for i, it := range items {
		u, run, err := r.unit(ctx, it, now)
		if err != nil {
			results[i] = &Result{Err: err}
			continue
		}
		runs[i] = run
		units = append(units, u)
		index = append(index, i)
	}
	urs, err := r.store.RunUnits(ctx, now, units)
	if err != nil {
		return nil, err
	}
	for k, ur := range urs {
		i := index[k]
		results[i] = r.result(items[i].Msg, runs[i], ur)
	}
	return results, nil
}

// unitRun is what a unit tells the log and the metrics once it committed.
type unitRun struct {
	start   time.Time
	cmd     string
	outcome string
	card    string // the outcome shown on a tapped card
}

// unit builds the unit of work of one message.
func (r *Router) unit(ctx context.Context, it Inbound, now time.Time) (baobei.Unit, *unitRun, error) {
	m := it.Msg
	run := &unitRun{start: time.Now(), cmd: "canned", outcome: "ok"}
	unit := baobei.Unit{Claim: baobei.MessageClaim{Platform: m.Platform, ID: m.ID}, Inbound: it.ID}
	reply := func(o Out) {
		unit.Do = func(context.Context, baobei.Service) ([]baobei.Notice, error) { return notices(o) }
	}
	if m.Canned != "" {
		reply(Out{ToUser: m.UserID, ToChat: m.ChatID, Text: m.Canned})
		return unit, run, nil
	}
	actor, register, err := r.actor(ctx, m)
	switch {
	case errors.Is(err, ErrUnknownUser):
		run.cmd, run.outcome = "stranger", "unknown_user"
		reply(Out{ToUser: m.UserID, Text: "你还不在报备助手的成员名单里。请联系管理员把你加入组织后再试。"})
		return unit, run, nil
	case err != nil && it.Last: // the database kept failing: tell the user, once
		run.cmd, run.outcome = "lookup", "internal"
		reply(Out{ToUser: m.UserID, ToChat: m.ChatID, Text: r.errorReply(err).Text})
		return unit, run, nil
	case err != nil:
		return unit, nil, err
	}
	unit.Do = func(ctx context.Context, svc baobei.Service) ([]baobei.Notice, error) {
		actor := actor
		if register != "" { // the registration commits with the first message
			u, err := svc.RegisterRep(ctx, m.UserID, register, now)
			if err != nil {
				return nil, err
			}
			actor = u
		}
		cmd, rep, outcome, err := r.run(ctx, svc, m, actor, now, it.Last)
		if err != nil {
			return nil, err
		}
		run.cmd, run.outcome, run.card = cmd, outcome, rep.Outcome
		outs := rep.outs(m)
		if m.CardRef != "" {
			card := rep.Outcome
			if card == "" {
				card = "已处理"
			}
			outs = append(outs, Out{ToUser: m.UserID, Update: m.CardRef, Text: card})
		}
		return notices(outs...)
	}
	return unit, run, nil
}

func notices(outs ...Out) ([]baobei.Notice, error) {
	ns := make([]baobei.Notice, len(outs))
	for i, o := range outs {
		n, err := o.Notice()
		if err != nil {
			return nil, err
		}
		ns[i] = n
	}
	return ns, nil
}

// result turns a unit's result into what the caller delivers, and logs and
// counts the command once it committed.
func (r *Router) result(m Message, run *unitRun, ur baobei.UnitResult) *Result {
	if ur.Err != nil {
		return &Result{Err: ur.Err}
	}
	res := &Result{Replayed: ur.Replayed, Outcome: run.card, Command: run.cmd}
	if run.outcome != "ok" {
		res.Code = run.outcome
	}
	for _, n := range ur.Replies {
		o, err := OutOf(n)
		if err != nil {
			return &Result{Err: err}
		}
		res.Replies = append(res.Replies, o)
	}
	outcome := run.outcome
	if ur.Replayed {
		outcome = "replayed"
	}
	elapsed := time.Since(run.start)
	metrics.Commands.WithLabelValues(run.cmd, outcome).Inc()
	metrics.CommandSeconds.WithLabelValues(run.cmd).Observe(elapsed.Seconds())
	r.log.Info("command", "platform", m.Platform, "user", m.UserID, "command", run.cmd,
		"latency_ms", elapsed.Milliseconds(), "outcome", outcome)
	return res
}

// actor is the sender, or, for a stranger who may register, the name to
// register under (the registration is part of the message's unit).
func (r *Router) actor(ctx context.Context, m Message) (u *baobei.User, register string, err error) {
	if u := r.users.get(m.UserID); u != nil {
		return u, "", nil
	}
	u, err = r.store.UserByUID(ctx, m.UserID)
	switch {
	case baobei.ErrorCode(err) == baobei.ENOTFOUND && r.autoRegister && m.UserID != "":
		name := r.displayName(ctx, m)
		if name == "" {
			name = m.UserID
		}
		return nil, name, nil
	case baobei.ErrorCode(err) == baobei.ENOTFOUND:
		return nil, "", ErrUnknownUser
	case err != nil:
		return nil, "", err
	case !u.Active:
		return nil, "", ErrUnknownUser
	}
	r.users.put(u)
	return u, "", nil
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
// A failure that is not the user's (the database) is returned, so that the
// unit is undone and tried again, except on the last attempt: then the user
// is told, with an incident number.
func (r *Router) run(ctx context.Context, svc baobei.Service, m Message, actor *baobei.User, now time.Time, last bool) (string, *Reply, string, error) {
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
	spec := specs[cmd.Name]
	if r.handlers == nil {
		return cmd.Name, Text("这个功能还没有开放。发「帮助」查看可用命令。"), "unhandled", nil
	}
	var reply *Reply
	err = spec.guard(actor)
	if err == nil {
		reply, err = spec.Run(r.handlers, ctx, &Request{Msg: m, Actor: actor, Cmd: cmd, Now: now, Svc: svc})
	}
	reply, err = sayIgnored(cmd, reply, err)
	var be *baobei.Error
	switch {
	case err == nil:
		return cmd.Name, reply, "ok", nil
	case errors.Is(err, baobei.ErrRetry): // the unit runs again
	case errors.As(err, &be) || last:
		return cmd.Name, r.errorReply(err), outcome(err), nil
	}
	return cmd.Name, nil, "", err
}

// sayIgnored adds to a reply (or a refusal) the text the command did not
// use, so that nothing typed is dropped silently.
func sayIgnored(cmd *Command, reply *Reply, err error) (*Reply, error) {
	if len(cmd.Ignored) == 0 {
		return reply, err
	}
	note := fmt.Sprintf("（已忽略“%s”：「%s」用不到这些内容。）", strings.Join(cmd.Ignored, " "), CommandWord(cmd.Name))
	if be, ok := err.(*baobei.Error); ok {
		return nil, &baobei.Error{Code: be.Code, Message: be.Message + "\n" + note}
	}
	if err == nil && reply != nil {
		out := *reply
		out.Text += "\n" + note
		if out.Masked != "" {
			out.Masked += "\n" + note
		}
		return &out, nil
	}
	return reply, err
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
