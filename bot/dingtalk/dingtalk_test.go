package dingtalk

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"baobei/bot"

	"github.com/open-dingtalk/dingtalk-stream-sdk-go/chatbot"
)

// recorder stands in for the worker: it records what the adapter accepts,
// or refuses everything while fail is set.
type recorder struct {
	mu   sync.Mutex
	got  []bot.Message
	fail error
}

func (r *recorder) Accept(_ context.Context, m bot.Message) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return false, r.fail
	}
	r.got = append(r.got, m)
	return true, nil
}

func (r *recorder) messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.got...)
}

func (r *recorder) failWith(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// logBuffer collects log lines from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLog() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, nil)), buf
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func TestStripMention(t *testing.T) {
	cases := map[string]string{
		"报备 13800138000 张先生":         "报备 13800138000 张先生",
		" 报备 13800138000 张先生 ":       "报备 13800138000 张先生",
		"@报备助手 帮助":                   "帮助",
		"@报备助手\u2005帮助":              "帮助",
		"@报备助手 @别人 帮助":               "帮助",
		"@报备助手":                      "",
		"转移 #3 @李四":                  "转移 #3 @李四",
		"@报备助手\u2005转移 #3 @李四\u2005": "转移 #3 @李四",
	}
	for in, want := range cases {
		if got := stripMention(in); got != want {
			t.Errorf("stripMention(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIncoming(t *testing.T) {
	log, _ := newLog()
	a := New(Config{ClientID: "ding", Groups: map[string]GroupTarget{"sales1": {ConversationID: "cidS1"}}}, nil, log)
	a.SessionBase = "http://127.0.0.1"
	exp := time.Now().Add(time.Hour).UnixMilli()
	p2p := &chatbot.BotCallbackDataModel{MsgId: "m1", SenderStaffId: "zhangsan", SenderNick: "张三", ConversationType: "1",
		ConversationId: "cidP", Msgtype: "text", Text: chatbot.BotCallbackDataTextModel{Content: " 帮助 "},
		SessionWebhook: "http://127.0.0.1/s1", SessionWebhookExpiredTime: exp}
	if m := a.incoming(p2p); m != (bot.Message{Platform: "dingtalk", ID: "m1", UserID: "zhangsan", UserName: "张三", Text: "帮助"}) {
		t.Errorf("one-to-one = %+v", m)
	}
	group := *p2p
	group.MsgId, group.ConversationType, group.ConversationId, group.SessionWebhook = "m2", "2", "cidS1", "http://127.0.0.1/s2"
	group.Text.Content = "@报备助手\u2005我的客户"
	if m := a.incoming(&group); m.ChatID != "sales1" || m.Text != "我的客户" {
		t.Errorf("group of a team = %+v", m)
	}
	group.ConversationId = "cidOther"
	if m := a.incoming(&group); m.ChatID != "cidOther" {
		t.Errorf("group of no team = %+v", m)
	}
	if a.sessions.get("u:zhangsan", time.Now()) != "http://127.0.0.1/s1" || a.sessions.get("c:sales1", time.Now()) != "http://127.0.0.1/s2" {
		t.Errorf("session webhooks not remembered: %+v", a.sessions.m)
	}
	picture := *p2p
	picture.Msgtype, picture.Text.Content = "picture", ""
	if m := a.incoming(&picture); m.Canned != unsupported || m.ID != "m1" || m.Text != "" {
		t.Errorf("picture = %+v", m)
	}
	noID := *p2p
	noID.MsgId, noID.CreateAt = "", 1700000000000
	if m := a.incoming(&noID); !strings.HasPrefix(m.ID, "h:") || m.ID != a.incoming(&noID).ID {
		t.Errorf("message without msgId = %+v", m)
	}
}

func TestAddRobots(t *testing.T) {
	c := Config{Groups: map[string]GroupTarget{"sales1": {ConversationID: "cidS1"}}}
	err := c.AddRobots("sales1=https://oapi.dingtalk.com/robot/send?access_token=a1|SECx, sales2=https://oapi.dingtalk.com/robot/send?access_token=a2")
	want := map[string]GroupTarget{
		"sales1": {ConversationID: "cidS1", Webhook: "https://oapi.dingtalk.com/robot/send?access_token=a1", Secret: "SECx"},
		"sales2": {Webhook: "https://oapi.dingtalk.com/robot/send?access_token=a2"},
	}
	if err != nil || len(c.Groups) != 2 || c.Groups["sales1"] != want["sales1"] || c.Groups["sales2"] != want["sales2"] {
		t.Fatalf("AddRobots = %v, %+v", err, c.Groups)
	}
	if err := c.AddRobots("sales3"); err == nil {
		t.Fatal("a robot without a webhook was accepted")
	}
}

func TestValidate(t *testing.T) {
	if err := (Config{ClientID: "ding"}).Validate(); err == nil {
		t.Error("no secret accepted")
	}
	if err := (Config{ClientID: "ding", ClientSecret: "s", Mode: "webhook"}).Validate(); err == nil {
		t.Error("unknown mode accepted")
	}
	if err := (Config{ClientID: "ding", ClientSecret: "s"}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestReconnectDelay(t *testing.T) {
	want := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	for fails, w := range want {
		if got := reconnectDelay(fails); got != w {
			t.Errorf("reconnectDelay(%d) = %v, want %v", fails, got, w)
		}
	}
}

func TestTitle(t *testing.T) {
	cases := map[string]string{
		"### 本周统计\n- 报备 3": "本周统计",
		"**公海** 12 个":      "公海 12 个",
		"":                 "报备助手",
		"一二三四五六七八九十一二三四五六七八九十一二": "一二三四五六七八九十一二三四五六七八九十",
	}
	for in, want := range cases {
		if got := title(in); got != want {
			t.Errorf("title(%q) = %q, want %q", in, got, want)
		}
	}
}

// A message names its own session webhook: only https on DingTalk's host
// is used, and never for longer than DingTalk's 90 minutes.
func TestSessionWebhookOnlyOnDingTalk(t *testing.T) {
	log, logs := newLog()
	a := New(Config{ClientID: "ding"}, nil, log)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return now }
	in := func(uid, hook string) {
		a.incoming(&chatbot.BotCallbackDataModel{MsgId: "m-" + uid, SenderStaffId: uid, ConversationType: "1", Msgtype: "text",
			SessionWebhook: hook, SessionWebhookExpiredTime: now.Add(240 * time.Hour).UnixMilli()})
	}
	for uid, hook := range map[string]string{
		"local":  "http://127.0.0.1:1/hijack",
		"plain":  "http://oapi.dingtalk.com/robot/sendBySession?session=x",
		"suffix": "https://oapi.dingtalk.com.example.cn/robot/sendBySession?session=x",
		"user":   "https://me@oapi.dingtalk.com/robot/sendBySession?session=x",
		"other":  "https://api.example.com/robot/sendBySession?session=x",
	} {
		in(uid, hook)
		if got := a.sessions.get(userKey(uid), now); got != "" {
			t.Errorf("%s: session webhook %s was kept", uid, got)
		}
	}
	if !strings.Contains(logs.String(), "session webhook not on DingTalk") || strings.Contains(logs.String(), "session=x") {
		t.Errorf("refusals must be logged without the session: %s", logs.String())
	}
	const good = "https://oapi.dingtalk.com/robot/sendBySession?session=ok"
	in("wangjl", good)
	if got := a.sessions.get(userKey("wangjl"), now.Add(89*time.Minute)); got != good {
		t.Fatalf("DingTalk's session webhook = %q", got)
	}
	if got := a.sessions.get(userKey("wangjl"), now.Add(91*time.Minute)); got != "" {
		t.Fatalf("a claimed expiry of 10 days must be cut to 90 minutes; still %q", got)
	}
}
