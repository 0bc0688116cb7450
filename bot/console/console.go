// Package console is the local web chat: anyone on it may act as any user,
// so it is on by default only when no platform is configured. Every message
// it delivers is kept in console_messages so that inboxes survive restarts.
package console

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"baobei"
	"baobei/bot"

	"github.com/gin-gonic/gin"
)

//go:embed static/index.html
var page []byte

// Store is what the console keeps and lists.
type Store interface {
	ConsoleAppend(ctx context.Context, now time.Time, toUser, toChat string, payload []byte) error
	ConsoleInbox(ctx context.Context, user, chat string) ([]string, error)
	Users(ctx context.Context) ([]baobei.User, error)
	Teams(ctx context.Context) ([]baobei.Team, error)
	SetSetting(ctx context.Context, name, value string) error
}

// ClockSetting is where the console keeps its clock offset across restarts.
const ClockSetting = "console_clock_offset"

// Flusher sends queued pushes; the console flushes before it answers so that
// a push caused by a message is in its recipient's inbox at once.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Adapter is the console channel.
type Adapter struct {
	store  Store
	clock  baobei.Clock
	policy baobei.Policy
	// Pusher is set after construction (the pusher needs the adapter).
	Pusher Flusher
	// ClockControl enables POST /console/api/clock; nil when a platform is configured.
	ClockControl *baobei.OffsetClock
	// OnAdvance runs what came due between the old and the new time (the
	// scheduler's jobs) before the clock request is answered.
	OnAdvance func(ctx context.Context, from, to time.Time) error
}

// New returns the console adapter.
func New(s Store, clock baobei.Clock, p baobei.Policy) *Adapter {
	return &Adapter{store: s, clock: clock, policy: p}
}

// Name is "console".
func (a *Adapter) Name() string { return "console" }

// Send stores a push in its recipient's inbox.
func (a *Adapter) Send(ctx context.Context, o bot.Out) error {
	if o.Update != "" {
		return nil // the console shows no cards to update
	}
	return a.append(ctx, o)
}

// append stores a message in its recipient's inbox.
func (a *Adapter) append(ctx context.Context, o bot.Out) error {
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return a.store.ConsoleAppend(ctx, a.clock.Now(), o.ToUser, o.ToChat, b)
}

// Mount serves the page and the JSON API under /console.
func (a *Adapter) Mount(r gin.IRouter, d bot.Dispatcher) {
	g := r.Group("/console")
	g.GET("", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", page) })
	g.POST("/api/messages", a.messages(d))
	g.POST("/api/actions", a.actions(d))
	g.GET("/api/inbox", a.inbox)
	g.POST("/api/parse", a.parse)
	g.GET("/api/users", a.users)
	g.GET("/api/clock", a.getClock)
	g.POST("/api/clock", a.advance)
}

func (a *Adapter) messages(d bot.Dispatcher) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in struct {
			User  string `json:"user"`
			Text  string `json:"text"`
			Chat  string `json:"chat"`
			MsgID string `json:"msg_id"`
			// Location sends a location message, as WeCom does (Text is then 签到).
			Location *baobei.Location `json:"location"`
		}
		if !bind(c, &in) {
			return
		}
		if in.Location != nil {
			in.Text = "签到"
		}
		if len(in.MsgID) > 64 {
			c.JSON(http.StatusBadRequest, gin.H{"error": "msg_id is longer than 64 bytes"})
			return
		}
		id := ""
		if in.MsgID != "" {
			id = in.User + "/" + in.MsgID // msg_id is the client's: scope it to the user
		}
		a.deliver(c, d, bot.Message{Platform: "console", ID: id, UserID: in.User, ChatID: in.Chat, Text: in.Text, Location: in.Location})
	}
}

func (a *Adapter) actions(d bot.Dispatcher) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in struct {
			User   string `json:"user"`
			Action string `json:"action"`
		}
		if !bind(c, &in) {
			return
		}
		if in.Action == "" {
			c.JSON(http.StatusBadRequest, gin.H{"error": "action is required"})
			return
		}
		a.deliver(c, d, bot.Message{Platform: "console", UserID: in.User, Action: in.Action})
	}
}

// deliver dispatches and answers with the replies, once the pushes the
// command queued (its replies among them) are in their inboxes. A resent
// msg_id answers with the replies of the first time, and changes nothing.
func (a *Adapter) deliver(c *gin.Context, d bot.Dispatcher, m bot.Message) {
	ctx := c.Request.Context()
	res, err := d.Dispatch(ctx, m)
	if errors.Is(err, bot.ErrUnknownUser) {
		c.JSON(http.StatusForbidden, gin.H{"error": "unknown user " + m.UserID})
		return
	}
	if err == nil && a.Pusher != nil {
		err = a.Pusher.Flush(ctx)
	}
	if err != nil {
		c.Error(err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	replies := make([]bot.Out, 0, len(res.Replies))
	for _, o := range res.Replies {
		if o.Update == "" {
			replies = append(replies, o)
		}
	}
	c.JSON(http.StatusOK, gin.H{"replies": replies})
}

func raw(rows []string) []json.RawMessage {
	out := make([]json.RawMessage, len(rows))
	for i, r := range rows {
		out[i] = json.RawMessage(r)
	}
	return out
}

func (a *Adapter) inbox(c *gin.Context) {
	user, chat := c.Query("user"), c.Query("chat")
	if user == "" && chat == "" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "user or chat is required"})
		return
	}
	rows, err := a.store.ConsoleInbox(c.Request.Context(), user, chat)
	if err != nil {
		c.Error(err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"messages": raw(rows)})
}

func (a *Adapter) parse(c *gin.Context) {
	var in struct {
		Text string `json:"text"`
	}
	if !bind(c, &in) {
		return
	}
	cmd, err := bot.Parse(in.Text, a.clock.Now(), a.policy.Loc, a.policy)
	out := gin.H{"command": bot.CmdUnknown, "fields": map[string]string{}}
	if cmd != nil {
		out["command"], out["fields"] = cmd.Name, cmd.Fields(a.policy.Loc)
	}
	if err != nil {
		out["error"] = err.Error()
		var be *baobei.Error
		if errors.As(err, &be) {
			out["error"] = be.Message
		}
	}
	c.JSON(http.StatusOK, out)
}

func (a *Adapter) users(c *gin.Context) {
	ctx := c.Request.Context()
	users, err := a.store.Users(ctx)
	teams, terr := a.store.Teams(ctx)
	if err = errors.Join(err, terr); err != nil {
		c.Error(err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	chats, names := []gin.H{}, map[int64]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
		if t.ChatID != "" {
			chats = append(chats, gin.H{"id": t.ChatID, "name": t.Name})
		}
	}
	list := make([]gin.H, len(users))
	for i, u := range users {
		team := ""
		if u.TeamID != nil {
			team = names[*u.TeamID]
		}
		list[i] = gin.H{"uid": u.UID, "name": u.Name, "role": u.Role, "team": team}
	}
	c.JSON(http.StatusOK, gin.H{"users": list, "chats": chats})
}

func (a *Adapter) getClock(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"now": a.clock.Now().In(a.policy.Loc).Format(time.RFC3339), "enabled": a.ClockControl != nil})
}

func (a *Adapter) advance(c *gin.Context) {
	if a.ClockControl == nil {
		c.JSON(http.StatusForbidden, gin.H{"error": "clock control is only available in console-only mode"})
		return
	}
	var in struct {
		Advance string `json:"advance"`
	}
	if !bind(c, &in) {
		return
	}
	d, err := time.ParseDuration(in.Advance)
	if err != nil || d <= 0 {
		c.JSON(http.StatusBadRequest, gin.H{"error": `advance must be a positive duration such as "24h"`})
		return
	}
	from := a.clock.Now()
	now := a.ClockControl.Advance(d)
	err = a.store.SetSetting(c.Request.Context(), ClockSetting, a.ClockControl.Offset().String())
	if err == nil && a.OnAdvance != nil {
		err = a.OnAdvance(c.Request.Context(), from, now)
	}
	if err == nil && a.Pusher != nil {
		err = a.Pusher.Flush(c.Request.Context())
	}
	if err != nil {
		c.Error(err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"now": now.In(a.policy.Loc).Format(time.RFC3339)})
}

func bind(c *gin.Context, v any) bool {
	if err := json.NewDecoder(c.Request.Body).Decode(v); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid JSON: " + err.Error()})
		return false
	}
	return true
}
