// Package dingtalk connects baobei to DingTalk (钉钉) through an internal
// app's robot: chat messages come in over the stream connection (or, in
// HTTP mode, the outgoing robot's signed callback); replies go out through
// the message's session webhook while it is valid, else through the robot
// OpenAPI; approval cards are interactive cards whose taps come back over
// the stream; team alerts go to a group through the app robot or a custom
// robot's signed webhook. It is the only package that imports
// dingtalk-stream-sdk-go.
//
// # Card template
//
// Cards are created from the template named by card_template_id (built in
// DingTalk's card platform, 卡片平台). Every variable is a string:
//
//	title                       the card title
//	content                     the rows as markdown, one "**label**：value" per line
//	fields                      the rows as a JSON array of {"label", "value"}, for a loop component
//	btn_count                   how many buttons are set, "0" to "6"
//	btn_1_label … btn_6_label   button texts; "" for a button that must be hidden
//	btn_1_action … btn_6_action the signed action of each button
//	status                      the outcome, "" until a button is tapped
//	done                        "true" once a button was tapped and handled, else "false"
//
// Each button i must be shown only when btn_i_label is not empty and done
// is not "true", and its callback (回传请求) must carry one parameter named
// action whose value is ${btn_i_action}. Show status under the rows when
// it is not empty. A tap answers status "处理中…" at once; when the command
// has run, the card gets done "true" and status the outcome (已同意, 已驳回,
// 已处理).
package dingtalk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"baobei/bot"

	"github.com/gin-gonic/gin"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/chatbot"
)

// Defaults of the Config.
const (
	DefaultAPIBase      = "https://api.dingtalk.com"
	DefaultCallbackPath = "/dingtalk/callback"
	ModeStream          = "stream"
	ModeHTTP            = "http"
)

// Config is the `dingtalk:` section of baobei.yaml; ClientSecret and the
// custom robots' webhooks come from the environment.
type Config struct {
	ClientID       string                 `yaml:"client_id"`        // the app's AppKey (Client ID)
	RobotCode      string                 `yaml:"robot_code"`       // defaults to ClientID
	CardTemplateID string                 `yaml:"card_template_id"` // "" sends no interactive cards
	APIBase        string                 `yaml:"api_base"`         // default DefaultAPIBase
	Mode           string                 `yaml:"mode"`             // ModeStream (default) or ModeHTTP
	CallbackPath   string                 `yaml:"callback_path"`    // HTTP mode; default DefaultCallbackPath
	Groups         map[string]GroupTarget `yaml:"groups"`           // team chat id → its DingTalk group
	ClientSecret   string                 `yaml:"-"`                // the app's AppSecret (Client Secret)
}

// GroupTarget is where a team's group alerts go: the group's
// openConversationId (sent by the app robot, which must be in the group),
// or a custom robot's webhook, signed with Secret when it has one.
type GroupTarget struct {
	ConversationID string `yaml:"conversation_id"`
	Webhook        string `yaml:"-"` // https://oapi.dingtalk.com/robot/send?access_token=…
	Secret         string `yaml:"-"` // SEC…
}

// Configured reports whether DingTalk is in use.
func (c Config) Configured() bool { return c.ClientID != "" }

// Validate reports what is missing or wrong in a configured DingTalk.
func (c Config) Validate() error {
	switch {
	case c.ClientSecret == "":
		return errors.New("dingtalk: client_id needs the client secret (AppSecret)")
	case c.Mode != "" && c.Mode != ModeStream && c.Mode != ModeHTTP:
		return fmt.Errorf("dingtalk: mode %q: want stream or http", c.Mode)
	}
	return nil
}

// AddRobots reads custom robots from "chat=WEBHOOK|SECRET,chat2=WEBHOOK2"
// (the secret is optional) into Groups.
func (c *Config) AddRobots(spec string) error {
	for _, item := range strings.Split(spec, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		chat, rest, _ := strings.Cut(item, "=")
		hook, secret, _ := strings.Cut(rest, "|")
		if chat == "" || !strings.HasPrefix(hook, "http") {
			return fmt.Errorf("dingtalk robots: %q is not chat=WEBHOOK|SECRET", chat)
		}
		if c.Groups == nil {
			c.Groups = map[string]GroupTarget{}
		}
		t := c.Groups[chat]
		t.Webhook, t.Secret = hook, secret
		c.Groups[chat] = t
	}
	return nil
}

// Acceptor records a message for asynchronous processing (bot.Worker).
type Acceptor interface {
	Accept(ctx context.Context, m bot.Message) (bool, error)
}

// SignatureLog remembers the signatures of HTTP-mode callbacks with the
// digest of their body, across replicas (store.Store).
type SignatureLog interface {
	// UseSignature reports whether sig may be taken with body: never seen,
	// or seen with the same body (a redelivery).
	UseSignature(ctx context.Context, sig, body string, now time.Time) (bool, error)
}

// Adapter is the DingTalk channel.
type Adapter struct {
	// Signatures is required in HTTP mode: without it every callback is
	// refused.
	Signatures SignatureLog
	// SessionBase is the scheme and host a session webhook must have to be
	// used: DingTalk's (DefaultSessionBase) unless a test points it at its
	// fake.
	SessionBase string

	cfg      Config
	inbox    Acceptor
	log      *slog.Logger
	http     *http.Client
	now      func() time.Time
	token    accessToken
	sessions sessions
	streamUp atomic.Bool
}

// New returns the adapter. All OpenAPI calls and the stream's connection
// request go to cfg.APIBase, so a gateway or a fake can stand in.
func New(cfg Config, inbox Acceptor, log *slog.Logger) *Adapter {
	cfg.APIBase = strings.TrimSuffix(cfg.APIBase, "/")
	if cfg.APIBase == "" {
		cfg.APIBase = DefaultAPIBase
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeStream
	}
	if cfg.CallbackPath == "" {
		cfg.CallbackPath = DefaultCallbackPath
	}
	if cfg.RobotCode == "" {
		cfg.RobotCode = cfg.ClientID
	}
	return &Adapter{cfg: cfg, inbox: inbox, log: log, http: &http.Client{Timeout: 10 * time.Second}, now: time.Now, SessionBase: DefaultSessionBase}
}

// Name is "dingtalk".
func (a *Adapter) Name() string { return "dingtalk" }

// Mount serves the outgoing robot's callback in HTTP mode; in stream mode
// messages arrive through Start and nothing is mounted. Messages go to the
// inbox given to New; the dispatcher is used by the worker behind it.
func (a *Adapter) Mount(r gin.IRouter, _ bot.Dispatcher) {
	if a.cfg.Mode == ModeHTTP {
		r.POST(a.cfg.CallbackPath, a.callback)
	}
}

// Canned answer to a message that is not text.
const unsupported = "暂不支持此类消息。请发送文字命令，发「帮助」查看用法。"

// incoming normalises a robot message and remembers its session webhook
// for the replies. A group's ChatID is the team chat id whose group it is,
// else its openConversationId.
func (a *Adapter) incoming(d *chatbot.BotCallbackDataModel) bot.Message {
	m := bot.Message{Platform: "dingtalk", ID: d.MsgId, UserID: d.SenderStaffId, UserName: d.SenderNick}
	if m.ID == "" {
		m.ID = "h:" + digest(d.SenderId, fmt.Sprint(d.CreateAt), d.Text.Content)
	}
	key := userKey(m.UserID)
	if d.ConversationType == "2" {
		m.ChatID = a.chatOf(d.ConversationId)
		key = chatKey(m.ChatID)
	}
	if key != "" && a.onDingTalk(d.SessionWebhook) {
		a.sessions.put(key, d.SessionWebhook, sessionExpiry(d.SessionWebhookExpiredTime, a.now()), a.now())
	}
	if d.Msgtype == "text" {
		m.Text = stripMention(d.Text.Content)
	} else {
		m.Canned = unsupported
	}
	return m
}

// chatOf maps a group's openConversationId to the team chat configured for it.
func (a *Adapter) chatOf(conversationID string) string {
	for chat, t := range a.cfg.Groups {
		if t.ConversationID == conversationID {
			return chat
		}
	}
	return conversationID
}

// stripMention drops the leading @mentions (the robot's name in a group)
// and the spaces around the text; no command starts with "@".
func stripMention(s string) string {
	s = strings.TrimSpace(s)
	for strings.HasPrefix(s, "@") {
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		s = strings.TrimSpace(s[i:])
	}
	return s
}

// digest is a short stable hash of parts.
func digest(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}
