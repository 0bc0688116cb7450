package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"baobei/bot"
)

// textLimit is the most bytes of text or markdown sent in one message.
// DingTalk documents msgParam of groupMessages/send as at most 15,000 bytes
// (https://help.dingtalk.io/open/development/the-robot-sends-a-group-message)
// but no limit that we could find for oToMessages/batchSend, session
// webhooks or custom robots' webhooks, so a conservative 4000 bytes is used
// everywhere. In msgParam, JSON escaping of ordinary text (CJK is not
// escaped, "\n" takes 2 bytes) keeps it well within 15,000 bytes.
const textLimit = 4000

// Limits are DingTalk's: an app's calls to one OpenAPI are limited to 20 a
// second on the standard edition (40 on 专业版, 60 on 专属版; push.rate
// raises it), and a group's robot takes 20 messages a minute. DingTalk
// documents no per-user cap for robot one-to-one messages.
func (a *Adapter) Limits() bot.Limits {
	return bot.Limits{Rate: 20, Burst: 20, TextBytes: textLimit, PerChat: []bot.Window{{N: 20, Per: time.Minute}}}
}

// Send delivers one message: a card update, a message to a group, or a
// message to a user; text (or markdown) first, then the interactive card
// if it has buttons. Errors (rate limits, 5xx) make the outbox try again
// later. Images are not sent: the text carries the content.
//
// A text longer than textLimit goes out as several messages, in order
// (bot.SplitText). The outbox retries a push as a whole, so when a later
// part fails the earlier ones are sent again on the retry: a repeated part
// is the accepted price of never losing one.
func (a *Adapter) Send(ctx context.Context, o bot.Out) error {
	switch {
	case o.Update != "":
		return a.updateCard(ctx, o.Update, o.Text)
	case o.ToChat != "":
		return a.sendGroup(ctx, o)
	case o.ToUser == "":
		a.log.Warn("dingtalk: message without a recipient dropped (a sender without a staffId)")
		return nil
	}
	return a.sendUser(ctx, o)
}

func (a *Adapter) sendUser(ctx context.Context, o bot.Out) error {
	for _, p := range textParts(o) {
		if a.viaSession(ctx, userKey(o.ToUser), p) {
			continue
		}
		if err := a.batchSend(ctx, p); err != nil {
			return err
		}
	}
	if a.withCard(o) {
		return a.cardAfterText(ctx, o, robotSpace(o.ToUser))
	}
	return nil
}

// sendGroup posts to a group: through the session webhook of a message
// from it, else the team's custom robot, else the app robot in the group.
func (a *Adapter) sendGroup(ctx context.Context, o bot.Out) error {
	t := a.group(o.ToChat)
	for _, p := range textParts(o) {
		if a.viaSession(ctx, chatKey(o.ToChat), p) {
			continue
		}
		var err error
		switch {
		case t.Webhook != "":
			err = a.customRobot(ctx, t, p)
		case t.ConversationID != "":
			err = a.groupSend(ctx, t.ConversationID, p)
		default:
			a.log.Warn("dingtalk: no group for chat; alert dropped", "chat", o.ToChat)
			return nil
		}
		if err != nil {
			return err
		}
	}
	if a.withCard(o) && t.ConversationID != "" {
		return a.cardAfterText(ctx, o, groupSpace(t.ConversationID))
	}
	return nil
}

// textParts is o's text split into messages within textLimit, each an Out
// like o with one part as its text; none when o has no text.
func textParts(o bot.Out) []bot.Out {
	var outs []bot.Out
	for _, part := range bot.SplitText(o.Text, textLimit) {
		p := o
		p.Text = part
		outs = append(outs, p)
	}
	return outs
}

// cardAfterText delivers o's card. When o's text went out already, a
// permanent refusal (a 4xx but 429: a wrong template, a missing
// permission) is logged rather than retried, which would repeat the text;
// the text carries what the card shows.
func (a *Adapter) cardAfterText(ctx context.Context, o bot.Out, to openSpace) error {
	err := a.deliverCard(ctx, o.Card, to)
	var ae *APIError
	if err != nil && o.Text != "" && errors.As(err, &ae) && ae.Status/100 == 4 && ae.Status != http.StatusTooManyRequests {
		a.log.Error("dingtalk: card refused; check card_template_id and the app's card permission", "err", err)
		return nil
	}
	return err
}

// group is the configured target of a team chat; a chat id that is an
// openConversationId (a group the robot was messaged in) is its own target.
func (a *Adapter) group(chat string) GroupTarget {
	if t, ok := a.cfg.Groups[chat]; ok {
		return t
	}
	if strings.HasPrefix(chat, "cid") {
		return GroupTarget{ConversationID: chat}
	}
	return GroupTarget{}
}

// withCard reports whether o's card is sent as an interactive card: it has
// buttons, a template is configured, and taps can come back (stream mode).
func (a *Adapter) withCard(o bot.Out) bool {
	return o.Card != nil && len(o.Card.Buttons) > 0 && a.cfg.CardTemplateID != "" && a.cfg.Mode == ModeStream
}

// viaSession posts o to the conversation's session webhook while it is
// valid and reports whether it did; a webhook that fails is forgotten and
// the caller falls back to the OpenAPI.
func (a *Adapter) viaSession(ctx context.Context, key string, o bot.Out) bool {
	hook := a.sessions.get(key, a.now())
	if hook == "" {
		return false
	}
	if err := a.webhook(ctx, hook, webhookMessage(o)); err != nil {
		a.sessions.forget(key)
		a.log.Warn("dingtalk: session webhook failed; using the OpenAPI", "err", err)
		return false
	}
	return true
}

func (a *Adapter) customRobot(ctx context.Context, t GroupTarget, o bot.Out) error {
	hook := t.Webhook
	if t.Secret != "" {
		hook = SignedURL(hook, t.Secret, a.now())
	}
	return a.webhook(ctx, hook, webhookMessage(o))
}

// batchSend sends o to one user through the app robot.
func (a *Adapter) batchSend(ctx context.Context, o bot.Out) error {
	key, param := robotMessage(o)
	req := map[string]any{"robotCode": a.cfg.RobotCode, "userIds": []string{o.ToUser}, "msgKey": key, "msgParam": param}
	var res struct {
		Invalid   []string `json:"invalidStaffIdList"`
		Throttled []string `json:"flowControlledStaffIdList"`
	}
	if err := a.openAPI(ctx, http.MethodPost, "/v1.0/robot/oToMessages/batchSend", req, &res); err != nil {
		return err
	}
	if len(res.Invalid)+len(res.Throttled) > 0 {
		return fmt.Errorf("dingtalk: batchSend not delivered (invalid %v, flow controlled %v)", res.Invalid, res.Throttled)
	}
	return nil
}

// groupSend sends o to a group through the app robot.
func (a *Adapter) groupSend(ctx context.Context, conversationID string, o bot.Out) error {
	key, param := robotMessage(o)
	req := map[string]any{"robotCode": a.cfg.RobotCode, "openConversationId": conversationID, "msgKey": key, "msgParam": param}
	return a.openAPI(ctx, http.MethodPost, "/v1.0/robot/groupMessages/send", req, nil)
}

// robotMessage is o as the robot API's message template and its JSON parameters.
func robotMessage(o bot.Out) (key, param string) {
	if o.Markdown {
		b, _ := json.Marshal(map[string]string{"title": title(o.Text), "text": o.Text})
		return "sampleMarkdown", string(b)
	}
	b, _ := json.Marshal(map[string]string{"content": o.Text})
	return "sampleText", string(b)
}

// webhookMessage is o as a robot webhook's message.
func webhookMessage(o bot.Out) map[string]any {
	if o.Markdown {
		return map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": title(o.Text), "text": o.Text}}
	}
	return map[string]any{"msgtype": "text", "text": map[string]string{"content": o.Text}}
}

var markup = strings.NewReplacer("**", "", "#", "", "`", "")

// title is the notification title of a markdown message: its first line
// without markup, at most 20 characters.
func title(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	line = strings.TrimSpace(strings.TrimLeft(markup.Replace(line), ">- "))
	if r := []rune(line); len(r) > 20 {
		line = string(r[:20])
	}
	if line == "" {
		return "报备助手"
	}
	return line
}
