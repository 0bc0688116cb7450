package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"baobei"
	"baobei/cards"
)

// ErrUnknownUser: the sender is not in the org and auto-registration is off.
var ErrUnknownUser = errors.New("unknown user")

// Store is what the router needs: message dedupe and user lookup.
type Store interface {
	ClaimMessage(ctx context.Context, now time.Time, platform, msgID string) (bool, []byte, error)
	FinishMessage(ctx context.Context, platform, msgID string, replies []byte) error
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
}

// NewRouter returns a router with no handlers.
func NewRouter(s Store, clock baobei.Clock, p baobei.Policy, signer *cards.Signer, autoRegister bool, log *slog.Logger) *Router {
	return &Router{store: s, clock: clock, policy: p, signer: signer, autoRegister: autoRegister, log: log, handlers: map[string]HandlerFunc{}}
}

// Handle registers the handler of a command name (CmdReport, …).
func (r *Router) Handle(cmd string, h HandlerFunc) { r.handlers[cmd] = h }

// Dispatch handles one message. A redelivered message ID gets the replies of
// its first delivery (Replayed) and has no second effect. The only errors
// returned are ErrUnknownUser and failures to reach the store; everything
// else is a reply.
func (r *Router) Dispatch(ctx context.Context, m Message) (*Result, error) {
	start, now := time.Now(), r.clock.Now()
	actor, err := r.actor(ctx, m, now)
	if err != nil {
		return nil, err
	}
	if m.ID != "" {
		first, prev, err := r.store.ClaimMessage(ctx, now, m.Platform, m.ID)
		if err != nil {
			return nil, err
		}
		if !first {
			res := &Result{Replayed: true}
			if prev != nil {
				err = json.Unmarshal(prev, &res.Replies)
			}
			return res, err
		}
	}
	cmd, reply, outcome := r.run(ctx, m, actor, now)
	outs := []Out{{ToUser: m.UserID, ToChat: m.ChatID, Text: reply.Text, Card: reply.Card}}
	if m.ID != "" {
		b, _ := json.Marshal(outs)
		if err := r.store.FinishMessage(ctx, m.Platform, m.ID, b); err != nil {
			r.log.Error("finish message", "platform", m.Platform, "err", err)
		}
	}
	r.log.Info("command", "platform", m.Platform, "user", m.UserID, "command", cmd,
		"latency_ms", time.Since(start).Milliseconds(), "outcome", outcome)
	return &Result{Replies: outs}, nil
}

func (r *Router) actor(ctx context.Context, m Message, now time.Time) (*baobei.User, error) {
	u, err := r.store.UserByUID(ctx, m.UserID)
	if baobei.ErrorCode(err) == baobei.ENOTFOUND {
		if !r.autoRegister || m.UserID == "" {
			return nil, ErrUnknownUser
		}
		return r.store.RegisterRep(ctx, m.UserID, m.UserName, now)
	}
	if err == nil && !u.Active {
		return nil, ErrUnknownUser
	}
	return u, err
}

// run parses and calls the handler; it returns the command name, the reply
// and the outcome for the log (ok, an error code, or an incident number).
func (r *Router) run(ctx context.Context, m Message, actor *baobei.User, now time.Time) (string, *Reply, string) {
	text := m.Text
	if m.Action != "" {
		a, err := r.signer.Verify(m.Action, actor.UID, now)
		if err != nil {
			return "action", r.errorReply(err), baobei.ErrorCode(err)
		}
		text = a.Command
	}
	cmd, err := Parse(text, now, r.policy.Loc, r.policy)
	if err != nil {
		return CmdUnknown, r.errorReply(err), baobei.ErrorCode(err)
	}
	h, ok := r.handlers[cmd.Name]
	if !ok {
		return cmd.Name, Text("这个功能还没有开放。发「帮助」查看可用命令。"), "unhandled"
	}
	reply, err := h(ctx, &Request{Msg: m, Actor: actor, Cmd: cmd, Now: now})
	if err != nil {
		return cmd.Name, r.errorReply(err), outcome(err)
	}
	return cmd.Name, reply, "ok"
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
