// Package wecom connects baobei to WeCom (企业微信): a self-built app's
// encrypted callbacks in, app messages, template cards and group-robot
// alerts out. It is the only package that imports silenceper/wechat.
package wecom

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"baobei"
	"baobei/bot"

	"github.com/gin-gonic/gin"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work"
	wcfg "github.com/silenceper/wechat/v2/work/config"
)

// DefaultAPIBase is WeCom's API host.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// Config is the `wecom:` section of baobei.yaml; Secret, Token and AESKey
// come from the environment.
type Config struct {
	CorpID       string            `yaml:"corp_id"`
	AgentID      int               `yaml:"agent_id"`
	CallbackPath string            `yaml:"callback_path"`
	APIBase      string            `yaml:"api_base"`
	Robots       map[string]string `yaml:"-"` // group chat id → robot webhook key
	Secret       string            `yaml:"-"`
	Token        string            `yaml:"-"`
	AESKey       string            `yaml:"-"`
}

// Configured reports whether WeCom is in use.
func (c Config) Configured() bool { return c.CorpID != "" }

// Acceptor records a message for asynchronous processing (bot.Worker).
type Acceptor interface {
	Accept(ctx context.Context, m bot.Message) (bool, error)
}

// Adapter is the WeCom channel.
type Adapter struct {
	cfg    Config
	work   *work.Work
	tokens *tokenCache
	inbox  Acceptor
	log    *slog.Logger
	now    func() time.Time
}

// New returns the adapter. All WeCom API calls go to cfg.APIBase, so an
// enterprise gateway or a test server can stand in for WeCom.
func New(cfg Config, inbox Acceptor, log *slog.Logger) *Adapter {
	if cfg.APIBase == "" {
		cfg.APIBase = DefaultAPIBase
	}
	if cfg.CallbackPath == "" {
		cfg.CallbackPath = "/wecom/callback"
	}
	base := strings.TrimSuffix(cfg.APIBase, "/")
	util.SetURIModifier(func(uri string) string { return strings.Replace(uri, DefaultAPIBase, base, 1) })
	util.DefaultHTTPClient = &http.Client{Timeout: 10 * time.Second}
	tokens := &tokenCache{}
	w := work.NewWork(&wcfg.Config{CorpID: cfg.CorpID, CorpSecret: cfg.Secret, AgentID: strconv.Itoa(cfg.AgentID),
		Cache: tokens, Token: cfg.Token, EncodingAESKey: cfg.AESKey})
	return &Adapter{cfg: cfg, work: w, tokens: tokens, inbox: inbox, log: log, now: time.Now}
}

// Name is "wecom".
func (a *Adapter) Name() string { return "wecom" }

// Mount serves the callback URL. Messages go to the inbox given to New; the
// dispatcher is used by the worker behind it.
func (a *Adapter) Mount(r gin.IRouter, _ bot.Dispatcher) {
	r.GET(a.cfg.CallbackPath, a.verifyURL)
	r.POST(a.cfg.CallbackPath, a.callback)
}

// verifyURL answers WeCom's URL check with the decrypted echostr.
func (a *Adapter) verifyURL(c *gin.Context) {
	echo := c.Query("echostr")
	plain, ok := a.open(c, echo)
	if !ok {
		return
	}
	c.String(http.StatusOK, "%s", plain)
}

// callback records a message and answers at once; the worker does the rest.
func (a *Adapter) callback(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	var env struct {
		Encrypt string `xml:"Encrypt"`
	}
	if err != nil || xml.Unmarshal(body, &env) != nil || env.Encrypt == "" {
		a.refuse(c, "malformed body")
		return
	}
	plain, ok := a.open(c, env.Encrypt)
	if !ok {
		return
	}
	var ev event
	switch err := xml.Unmarshal(plain, &ev); {
	case err != nil || ev.FromUserName == "":
		a.refuse(c, "malformed message")
		return
	case ev.CreateTime != 0 && a.stale(ev.CreateTime):
		a.refuse(c, "stale CreateTime")
		return
	}
	if _, err := a.inbox.Accept(c.Request.Context(), ev.message()); err != nil {
		status := bot.AcceptStatus(err)
		a.log.Error("wecom: message not recorded", "status", status, "err", err)
		c.Status(status) // 503: WeCom delivers it again
		return
	}
	c.String(http.StatusOK, "")
}

// callbackWindow is how far a callback's timestamp and its message's
// CreateTime may be from now. WeCom signs and sends a callback at once and
// retries it within seconds; without a window a captured callback could be
// replayed once its dedupe record is gone (store.DedupeDays, far longer).
const callbackWindow = 5 * time.Minute

// stale reports whether a Unix time in seconds is outside callbackWindow.
func (a *Adapter) stale(unix int64) bool {
	return a.now().Sub(time.Unix(unix, 0)).Abs() > callbackWindow
}

// open checks the signature over (token, timestamp, nonce, data) and the
// timestamp's window, and decrypts data, which must be addressed to our
// CorpID. On failure it answers 403 and returns false.
func (a *Adapter) open(c *gin.Context, data string) ([]byte, bool) {
	sig := util.Signature(a.cfg.Token, c.Query("timestamp"), c.Query("nonce"), data)
	if data == "" || subtle.ConstantTimeCompare([]byte(sig), []byte(c.Query("msg_signature"))) != 1 {
		a.refuse(c, "bad signature")
		return nil, false
	}
	if ts, err := strconv.ParseInt(c.Query("timestamp"), 10, 64); err != nil || a.stale(ts) {
		a.refuse(c, "stale timestamp")
		return nil, false
	}
	_, plain, err := util.DecryptMsg(a.cfg.CorpID, data, a.cfg.AESKey)
	if err != nil {
		a.refuse(c, "decrypt: "+err.Error())
		return nil, false
	}
	return plain, true
}

func (a *Adapter) refuse(c *gin.Context, why string) {
	a.log.Warn("wecom: callback refused", "reason", why, "remote", c.ClientIP())
	c.String(http.StatusForbidden, "forbidden")
}

// event is a decrypted callback: a message or an event.
type event struct {
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MsgID        string `xml:"MsgId"`
	Event        string `xml:"Event"`
	EventKey     string `xml:"EventKey"`
	TaskID       string `xml:"TaskId"`
	ResponseCode string `xml:"ResponseCode"`
	// A location message: latitude, longitude, map scale and place name.
	LocationX float64 `xml:"Location_X"`
	LocationY float64 `xml:"Location_Y"`
	Scale     int     `xml:"Scale"`
	Label     string  `xml:"Label"`
}

// Canned replies for callbacks that carry no command.
const (
	welcome     = "欢迎使用报备助手！发「报备 13800138000 张先生」报备客户，发「帮助」查看全部命令。"
	unsupported = "暂不支持此类消息。请发送文字命令，发「帮助」查看用法。"
)

// message normalises the callback. Events have no MsgId: their identity is
// the sender, the time and what was tapped, which a redelivery repeats.
func (e event) message() bot.Message {
	m := bot.Message{Platform: "wecom", UserID: e.FromUserName, ID: e.MsgID}
	if m.ID == "" {
		sum := sha256.Sum256([]byte(strings.Join([]string{e.FromUserName, strconv.FormatInt(e.CreateTime, 10), e.Event, e.TaskID, e.EventKey}, "\x00")))
		m.ID = "evt:" + hex.EncodeToString(sum[:16])
	}
	switch {
	case e.MsgType == "text":
		m.Text = e.Content
	case e.MsgType == "location": // checks the sender in to a visit
		m.Text, m.Location = "签到", &baobei.Location{Lat: e.LocationX, Lng: e.LocationY, Scale: e.Scale, Label: e.Label}
	case e.Event == "template_card_event":
		m.Action, m.CardRef = e.EventKey, e.ResponseCode
	case e.Event == "enter_agent":
		m.Canned = welcome
	default:
		m.Canned = unsupported
	}
	return m
}
