package dingtalk

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"baobei/bot"
	"baobei/bot/dingtalk/dingtalktest"
	"baobei/cards"

	"github.com/open-dingtalk/dingtalk-stream-sdk-go/chatbot"
)

const (
	batchSend = "/v1.0/robot/oToMessages/batchSend"
	groupSend = "/v1.0/robot/groupMessages/send"
	deliver   = "/v1.0/card/instances/createAndDeliver"
)

// sender is an adapter that sends to a fake DingTalk (no stream).
func sender(t *testing.T, groups map[string]GroupTarget) (*dingtalktest.Fake, *Adapter, *logBuffer) {
	fake := dingtalktest.Start()
	t.Cleanup(fake.Close)
	fake.RobotSecret = "SECrobot"
	log, logs := newLog()
	a := New(Config{ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, CardTemplateID: "tpl.schema",
		APIBase: fake.URL + "/", Groups: groups}, &recorder{}, log)
	a.SessionBase = fake.URL
	return fake, a, logs
}

func TestSendWithoutSessionUsesTheOpenAPIWithACachedToken(t *testing.T) {
	fake, a, _ := sender(t, nil)
	ctx := context.Background()
	if err := a.Send(ctx, bot.Out{ToUser: "lisi", Text: "你好"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Send(ctx, bot.Out{ToUser: "lisi", Text: "### 本周\n- 报备 3", Markdown: true}); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls(batchSend)
	if len(calls) != 2 || fake.Tokens() != 1 || calls[0].Token != "token-0" {
		t.Fatalf("%d tokens, calls %+v", fake.Tokens(), calls)
	}
	if got := jsonOf(calls[0].Body); got != `{"msgKey":"sampleText","msgParam":"{\"content\":\"你好\"}","robotCode":"dingbaobeitest","userIds":["lisi"]}` {
		t.Errorf("text body = %s", got)
	}
	if got := jsonOf(calls[1].Body); got != `{"msgKey":"sampleMarkdown","msgParam":"{\"text\":\"### 本周\\n- 报备 3\",\"title\":\"本周\"}","robotCode":"dingbaobeitest","userIds":["lisi"]}` {
		t.Errorf("markdown body = %s", got)
	}
}

func TestSendFetchesANewTokenOnceWhenItExpired(t *testing.T) {
	fake, a, _ := sender(t, nil)
	ctx := context.Background()
	if err := a.Send(ctx, bot.Out{ToUser: "lisi", Text: "一"}); err != nil {
		t.Fatal(err)
	}
	fake.ExpireToken()
	if err := a.Send(ctx, bot.Out{ToUser: "lisi", Text: "二"}); err != nil {
		t.Fatal(err)
	}
	if calls := fake.Calls(batchSend); len(calls) != 2 || fake.Tokens() != 2 || len(fake.Rejected()) != 1 || calls[1].Token != "token-1" {
		t.Fatalf("%d tokens, %d rejected, calls %+v", fake.Tokens(), len(fake.Rejected()), calls)
	}
}

func TestSendReturnsThrottlingAndServerErrors(t *testing.T) {
	fake, a, _ := sender(t, nil)
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		fake.FailNextOn(batchSend, status)
		var ae *APIError
		if err := a.Send(context.Background(), bot.Out{ToUser: "lisi", Text: "你好"}); !errors.As(err, &ae) || ae.Status != status {
			t.Errorf("HTTP %d: Send = %v", status, err)
		}
	}
	if err := a.Send(context.Background(), bot.Out{ToUser: "lisi", Text: "你好"}); err != nil {
		t.Fatal(err)
	}
}

// remember feeds a one-to-one message with a session webhook expiring at exp.
func remember(a *Adapter, fake *dingtalktest.Fake, uid string, exp time.Time) string {
	m := fake.Text(uid, "", "帮助")
	a.incoming(&chatbot.BotCallbackDataModel{MsgId: m.MsgID, SenderStaffId: uid, ConversationType: "1", Msgtype: "text",
		SessionWebhook: m.SessionWebhook, SessionWebhookExpiredTime: exp.UnixMilli()})
	return m.SessionWebhook
}

func TestSessionWebhookUntilItExpiresOrFails(t *testing.T) {
	fake, a, logs := sender(t, nil)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return now }
	ctx := context.Background()
	remember(a, fake, "lisi", now.Add(20*time.Second)) // about to expire
	remember(a, fake, "zhangsan", now.Add(90*time.Minute))
	for _, uid := range []string{"lisi", "zhangsan"} {
		if err := a.Send(ctx, bot.Out{ToUser: uid, Text: "你好"}); err != nil {
			t.Fatal(err)
		}
	}
	if s, b := fake.Calls("/robot/sendBySession"), fake.Calls(batchSend); len(s) != 1 || len(b) != 1 || jsonOf(b[0].Body["userIds"]) != `["lisi"]` {
		t.Fatalf("session webhook calls %+v, batchSend calls %+v", s, b)
	}
	fake.FailNextOn("/robot/sendBySession", http.StatusInternalServerError)
	if err := a.Send(ctx, bot.Out{ToUser: "zhangsan", Text: "再见"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Send(ctx, bot.Out{ToUser: "zhangsan", Text: "再见2"}); err != nil {
		t.Fatal(err)
	}
	if b := fake.Calls(batchSend); len(b) != 3 || !strings.Contains(logs.String(), "session webhook failed") {
		t.Fatalf("a failed session webhook must fall back to the OpenAPI and be forgotten: %+v", b)
	}
}

func TestSendToGroups(t *testing.T) {
	fake, a, _ := sender(t, nil)
	a.cfg.Groups = map[string]GroupTarget{
		"sales1": {ConversationID: "cidS1"},
		"sales2": {Webhook: fake.URL + "/robot/send?access_token=robot2", Secret: "SECrobot"},
		"sales3": {Webhook: fake.URL + "/robot/send?access_token=robot3", Secret: "SECwrong"},
	}
	ctx := context.Background()
	for _, chat := range []string{"sales1", "cidOther", "sales2", "nosuchteam"} {
		if err := a.Send(ctx, bot.Out{ToChat: chat, Text: "提醒：" + chat}); err != nil {
			t.Fatalf("%s: %v", chat, err)
		}
	}
	groups := fake.Calls(groupSend)
	if len(groups) != 2 || jsonOf(groups[0].Body) != `{"msgKey":"sampleText","msgParam":"{\"content\":\"提醒：sales1\"}","openConversationId":"cidS1","robotCode":"dingbaobeitest"}` ||
		groups[1].Body["openConversationId"] != "cidOther" {
		t.Fatalf("groupMessages/send calls = %+v", groups)
	}
	robot := fake.Calls("/robot/send")
	if len(robot) != 1 || robot[0].Query.Get("access_token") != "robot2" || jsonOf(robot[0].Body) != `{"msgtype":"text","text":{"content":"提醒：sales2"}}` {
		t.Fatalf("custom robot calls = %+v", robot)
	}
	var ae *APIError
	if err := a.Send(ctx, bot.Out{ToChat: "sales3", Text: "x"}); !errors.As(err, &ae) || ae.Code != "310000" {
		t.Fatalf("a wrongly signed custom robot post: %v", err)
	}
}

func TestCardsGoToGroupsAndAreDroppedWhenRefusedAfterText(t *testing.T) {
	fake, a, logs := sender(t, map[string]GroupTarget{"sales1": {ConversationID: "cidS1"}})
	ctx := context.Background()
	card := cards.New("公海（1）").Add("#3 张先生", "138****8000 · 新线索")
	card.Buttons = []cards.Button{{Label: "领取 #3", Action: "tok.sig"}}
	if err := a.Send(ctx, bot.Out{ToChat: "sales1", Text: "公海共 1 个客户", Card: card}); err != nil {
		t.Fatal(err)
	}
	if d := fake.Calls(deliver); len(d) != 1 || d[0].Body["openSpaceId"] != "dtv1.card//IM_GROUP.cidS1" {
		t.Fatalf("group card = %+v", d)
	}
	fake.FailNextOn(deliver, http.StatusBadRequest)
	if err := a.Send(ctx, bot.Out{ToUser: "lisi", Text: "公海共 1 个客户", Card: card}); err != nil || !strings.Contains(logs.String(), "card refused") {
		t.Fatalf("a refused card after its text: %v", err)
	}
	fake.FailNextOn(deliver, http.StatusTooManyRequests)
	if err := a.Send(ctx, bot.Out{ToUser: "lisi", Text: "公海共 1 个客户", Card: card}); err == nil {
		t.Fatal("a throttled card was not retried")
	}
	noButtons := cards.New("结果").Add("客户", "#3")
	if err := a.Send(ctx, bot.Out{ToUser: "lisi", Text: "ok", Card: noButtons}); err != nil || len(fake.Calls(deliver)) != 1 {
		t.Fatalf("a card without buttons was delivered: %v", err)
	}
}
