package wecom

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"baobei/bot"
	"baobei/cards"

	"github.com/silenceper/wechat/v2/util"
)

// The access token is kept per process. That is safe: while a token is
// valid, WeCom's gettoken returns the same token to every caller, so
// replicas do not invalidate each other; each just fetches it once.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]tokenEntry
}

type tokenEntry struct {
	val any
	exp time.Time
}

func (c *tokenCache) Get(key string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok && time.Now().Before(e.exp) {
		return e.val
	}
	return nil
}

func (c *tokenCache) Set(key string, val any, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]tokenEntry{}
	}
	c.m[key] = tokenEntry{val: val, exp: time.Now().Add(timeout)}
	return nil
}

func (c *tokenCache) IsExist(key string) bool { return c.Get(key) != nil }

func (c *tokenCache) Delete(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	return nil
}

// clear forgets the token so that the next call fetches a new one.
func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

// Content limits in bytes, from WeCom's API docs: an app message's
// (message/send) text and markdown content at most 2048 (else errcode
// 45002, content size out of limit); a group robot's text 2048 and its
// markdown 4096.
const (
	appTextLimit       = 2048
	robotTextLimit     = 2048
	robotMarkdownLimit = 4096
)

// Limits are WeCom's documented limits (访问频率限制,
// https://developer.work.weixin.qq.com/document/path/90454): an app may send
// one member at most 30 messages a minute and 1,000 an hour, and what goes
// beyond is dropped without an error; a group robot takes 20 messages a
// minute. Message sending does not count against the base frequency (10,000
// calls a minute and 150,000 an hour per API), which card updates do: 200
// calls a second keeps well inside both (push.rate changes it).
func (a *Adapter) Limits() bot.Limits {
	return bot.Limits{Rate: 200, Burst: 50, TextBytes: appTextLimit,
		PerUser: []bot.Window{{N: 30, Per: time.Minute}, {N: 1000, Per: time.Hour}},
		PerChat: []bot.Window{{N: 20, Per: time.Minute}}}
}

// Send delivers one message: a card update, a group alert through the
// team's robot, or an app message to a user (text, then the card if any).
// Errors (rate limits, 5xx) make the outbox try again later.
//
// A text longer than WeCom allows goes out as several messages, in order
// (bot.SplitText). The outbox retries a push as a whole, so when a later
// part fails the earlier ones are sent again on the retry: a repeated part
// is the accepted price of never losing one.
func (a *Adapter) Send(ctx context.Context, o bot.Out) error {
	switch {
	case o.Update != "":
		return a.withToken(func() error { return a.updateCard(ctx, o) })
	case o.ToChat != "":
		return a.robot(ctx, o)
	}
	for _, req := range textMessages(o, appTextLimit) {
		req["touser"], req["agentid"] = o.ToUser, a.cfg.AgentID
		if err := a.withToken(func() error { return a.appMessage(req) }); err != nil {
			return err
		}
	}
	if o.Card != nil && len(o.Card.Buttons) > 0 {
		req := map[string]any{"touser": o.ToUser, "msgtype": "template_card", "agentid": a.cfg.AgentID, "template_card": TemplateCard(o.Card, newTaskID())}
		return a.withToken(func() error { return a.appMessage(req) })
	}
	return nil
}

func (a *Adapter) appMessage(req map[string]any) error {
	_, err := a.work.GetMessage().Send("message/send", req)
	return clean(err)
}

// updateCard replaces the tapped card's buttons with the outcome.
func (a *Adapter) updateCard(ctx context.Context, o bot.Out) error {
	token, err := a.work.GetContext().GetAccessToken()
	if err != nil {
		return clean(err)
	}
	req := map[string]any{"userids": []string{o.ToUser}, "agentid": a.cfg.AgentID, "response_code": o.Update,
		"button": map[string]string{"replace_name": o.Text}}
	body, err := util.PostJSONContext(ctx, DefaultAPIBase+"/cgi-bin/message/update_template_card?access_token="+token, req)
	if err != nil {
		return clean(err)
	}
	var res struct{ util.CommonError }
	return clean(util.DecodeWithError(body, &res, "update_template_card"))
}

// textMessages is o's text or markdown as message bodies, each within
// limit bytes; none when o has no text.
func textMessages(o bot.Out, limit int) []map[string]any {
	var msgs []map[string]any
	for _, part := range bot.SplitText(o.Text, limit) {
		if o.Markdown {
			msgs = append(msgs, map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": part}})
		} else {
			msgs = append(msgs, map[string]any{"msgtype": "text", "text": map[string]string{"content": part}})
		}
	}
	return msgs
}

// robot posts to a team's group chat through its group robot webhook: the
// text (or markdown, in parts when it is long; see Send), then the image if
// there is one.
func (a *Adapter) robot(ctx context.Context, o bot.Out) error {
	key := a.cfg.Robots[o.ToChat]
	if key == "" {
		a.log.Warn("wecom: no group robot for chat; alert dropped", "chat", o.ToChat)
		return nil
	}
	limit := robotTextLimit
	if o.Markdown {
		limit = robotMarkdownLimit
	}
	for _, msg := range textMessages(o, limit) {
		if err := a.broadcast(key, msg); err != nil {
			return err
		}
	}
	if len(o.Image) > 0 {
		sum := md5.Sum(o.Image)
		return a.broadcast(key, map[string]any{"msgtype": "image", "image": map[string]string{
			"base64": base64.StdEncoding.EncodeToString(o.Image), "md5": hex.EncodeToString(sum[:])}})
	}
	return nil
}

func (a *Adapter) broadcast(key string, msg map[string]any) error {
	info, err := a.work.GetRobot().RobotBroadcast(key, msg)
	if err != nil {
		return clean(err)
	}
	if info.ErrCode != 0 { // RobotBroadcast returns a nil error for a non-zero errcode
		return &apiError{code: info.ErrCode, err: fmt.Errorf("wecom robot: errcode=%d errmsg=%s", info.ErrCode, info.ErrMsg)}
	}
	return nil
}

// UserName looks a user up in the contacts API (for auto-registration).
func (a *Adapter) UserName(ctx context.Context, uid string) (string, error) {
	var name string
	err := a.withToken(func() error {
		res, err := a.work.GetAddressList().UserGet(uid)
		if err == nil {
			name = res.Name
		}
		return clean(err)
	})
	return name, err
}

// withToken runs call and, when WeCom says the token is invalid or expired
// (40014, 42001), forgets the token and runs it once more.
func (a *Adapter) withToken(call func() error) error {
	err := call()
	if code := errCode(err); code == 40014 || code == 42001 {
		a.tokens.clear()
		err = call()
	}
	return err
}

func errCode(err error) int64 {
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return ce.ErrCode
	}
	return 0
}

// clean keeps the secret and access tokens (in the URLs the client quotes)
// out of errors, which end up in logs and the outbox, and gives WeCom's
// refusals their code.
func clean(err error) error {
	if code := errCode(err); code != 0 {
		return &apiError{code: code, err: err}
	}
	return bot.StripURLQueries(err)
}

// apiError is a WeCom errcode (bot.CodedError).
type apiError struct {
	code int64
	err  error
}

func (e *apiError) Error() string     { return e.err.Error() }
func (e *apiError) Unwrap() error     { return e.err }
func (e *apiError) ErrorCode() string { return strconv.FormatInt(e.code, 10) }

// RateLimited: 45009 (API calls over the limit), 45033 (too many concurrent
// calls), 45047 (robot messages over the limit).
func (e *apiError) RateLimited() bool { return e.code == 45009 || e.code == 45033 || e.code == 45047 }

func newTaskID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "bb" + hex.EncodeToString(b)
}

// TemplateCard renders a card as a WeCom button_interaction template card:
// the first 6 rows as horizontal content, any others in the sub-title, at
// most 6 buttons whose keys are their signed action tokens.
func TemplateCard(c *cards.Card, taskID string) map[string]any {
	rows := []map[string]string{}
	var rest []string
	for i, f := range c.Fields {
		if i >= 6 {
			rest = append(rest, f.Label+"："+f.Value)
			continue
		}
		rows = append(rows, map[string]string{"keyname": f.Label, "value": f.Value})
	}
	buttons := []map[string]any{}
	for i, b := range c.Buttons {
		if i == 6 {
			break
		}
		buttons = append(buttons, map[string]any{"text": b.Label, "style": 1, "key": b.Action})
	}
	card := map[string]any{
		"card_type":               "button_interaction",
		"source":                  map[string]string{"desc": "报备助手"},
		"main_title":              map[string]string{"title": c.Title},
		"horizontal_content_list": rows,
		"task_id":                 taskID,
		"button_list":             buttons,
	}
	if len(rest) > 0 {
		card["sub_title_text"] = strings.Join(rest, "\n")
	}
	return card
}
