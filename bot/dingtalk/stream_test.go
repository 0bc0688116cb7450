package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"baobei/bot"
	"baobei/bot/dingtalk/dingtalktest"
	"baobei/cards"
)

const ackWait = 5 * time.Second

// startStream runs an adapter against a fake DingTalk until the test ends,
// and checks that Start returns once its context is cancelled.
func startStream(t *testing.T) (*dingtalktest.Fake, *Adapter, *recorder, *logBuffer) {
	t.Helper()
	fake := dingtalktest.Start()
	rec := &recorder{}
	log, logs := newLog()
	a := New(Config{ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, CardTemplateID: "tpl.schema", APIBase: fake.URL}, rec, log)
	a.SessionBase = fake.URL
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Start: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Start did not return after its context ended")
		}
		fake.Close()
	})
	if err := fake.WaitConnections(1, ackWait); err != nil {
		t.Fatal(err)
	}
	return fake, a, rec, logs
}

func push(t *testing.T, fake *dingtalktest.Fake, fr dingtalktest.Frame) dingtalktest.Ack {
	t.Helper()
	ack, err := fake.PushAndWait(fr, ackWait)
	if err != nil {
		t.Fatal(err)
	}
	return ack
}

func TestStreamMessageIsAckedAndAnsweredOnItsSessionWebhook(t *testing.T) {
	fake, a, rec, _ := startStream(t)
	subs := fake.Subscriptions()
	for _, topic := range []string{dingtalktest.BotTopic, dingtalktest.CardTopic} {
		if !strings.Contains(jsonOf(subs), `"type":"CALLBACK","topic":"`+topic+`"`) {
			t.Errorf("no CALLBACK subscription for %s in %s", topic, jsonOf(subs))
		}
	}
	msg := fake.Text("zhangsan", "张三", "报备 13800138000 张先生")
	if ack := push(t, fake, dingtalktest.BotFrame(msg)); ack.Code != 200 {
		t.Fatalf("ACK = %+v", ack)
	}
	want := bot.Message{Platform: "dingtalk", ID: msg.MsgID, UserID: "zhangsan", UserName: "张三", Text: "报备 13800138000 张先生"}
	if got := rec.messages(); len(got) != 1 || got[0] != want {
		t.Fatalf("accepted %+v, want %+v", got, want)
	}
	if err := a.Send(context.Background(), bot.Out{ToUser: "zhangsan", Text: "报备成功"}); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls("/robot/sendBySession")
	if len(calls) != 1 || !strings.HasSuffix(msg.SessionWebhook, "session="+calls[0].Query.Get("session")) ||
		jsonOf(calls[0].Body) != `{"msgtype":"text","text":{"content":"报备成功"}}` {
		t.Fatalf("session webhook calls = %+v", calls)
	}
	if n := len(fake.Calls("/v1.0/robot/oToMessages/batchSend")); n != 0 || fake.Tokens() != 0 {
		t.Fatalf("the OpenAPI was used: %d sends, %d tokens", n, fake.Tokens())
	}
}

func TestStreamRedeliveryKeepsTheMessageID(t *testing.T) {
	fake, _, rec, _ := startStream(t)
	frame := dingtalktest.BotFrame(fake.Text("lisi", "李四", "报备 13900139000 李女士"))
	for range 2 {
		if ack := push(t, fake, frame); ack.Code != 200 {
			t.Fatalf("ACK = %+v", ack)
		}
	}
	got := rec.messages()
	if len(got) != 2 || got[0].ID == "" || got[0].ID != got[1].ID {
		t.Fatalf("a redelivered message must keep its ID (the inbox dedupes on it): %+v", got)
	}
}

func TestStreamUnrecordedMessageIsNotAcked(t *testing.T) {
	fake, _, rec, _ := startStream(t)
	rec.failWith(errors.New("database is down"))
	frame := dingtalktest.BotFrame(fake.Text("lisi", "李四", "帮助"))
	if ack := push(t, fake, frame); ack.Code != 500 {
		t.Fatalf("ACK of an unrecorded message = %+v, want code 500 (DingTalk delivers again)", ack)
	}
	rec.failWith(nil)
	if ack := push(t, fake, frame); ack.Code != 200 || len(rec.messages()) != 1 {
		t.Fatalf("redelivery: ACK %+v, accepted %+v", ack, rec.messages())
	}
}

func TestStreamCardTapAndUpdate(t *testing.T) {
	fake, a, rec, _ := startStream(t)
	ctx := context.Background()
	card := cards.New("延期审批 A7").Add("客户", "#3 张先生")
	card.Buttons = []cards.Button{{Label: "同意", Action: "tok-approve.sig"}, {Label: "驳回", Action: "tok-reject.sig"}}
	if err := a.Send(ctx, bot.Out{ToUser: "wangjl", Text: "张三申请延期", Card: card}); err != nil {
		t.Fatal(err)
	}
	delivered := fake.Calls("/v1.0/card/instances/createAndDeliver")
	if len(delivered) != 1 {
		t.Fatalf("createAndDeliver calls = %+v", delivered)
	}
	body := delivered[0].Body
	outTrackID, _ := body["outTrackId"].(string)
	if body["openSpaceId"] != "dtv1.card//IM_ROBOT.wangjl" || body["callbackType"] != "STREAM" || body["cardTemplateId"] != "tpl.schema" || outTrackID == "" {
		t.Fatalf("createAndDeliver body = %s", jsonOf(body))
	}
	tap := dingtalktest.CardFrame(dingtalktest.Tap{OutTrackID: outTrackID, UserID: "wangjl", Action: "tok-approve.sig"})
	ack := push(t, fake, tap)
	if ack.Code != 200 || !strings.Contains(ack.Data, `"status":"处理中…"`) {
		t.Fatalf("card ACK = %+v", ack)
	}
	push(t, fake, tap)
	got := rec.messages()
	if len(got) != 2 || got[0].Action != "tok-approve.sig" || got[0].CardRef != outTrackID || got[0].UserID != "wangjl" ||
		!strings.HasPrefix(got[0].ID, "tap:") || got[0].ID != got[1].ID || got[0].Text != "" {
		t.Fatalf("taps = %+v", got)
	}
	if err := a.Send(ctx, bot.Out{ToUser: "wangjl", Update: outTrackID, Text: "已处理"}); err != nil {
		t.Fatal(err)
	}
	updates := fake.Calls("/v1.0/card/instances")
	if len(updates) != 1 || updates[0].Method != "PUT" || updates[0].Body["outTrackId"] != outTrackID ||
		!strings.Contains(jsonOf(updates[0].Body), `"cardParamMap":{"done":"true","status":"已处理"}`) {
		t.Fatalf("card updates = %+v", updates)
	}
}

func TestStreamReconnects(t *testing.T) {
	fake, _, rec, logs := startStream(t)
	fake.Drop()
	if err := fake.WaitConnections(2, ackWait); err != nil {
		t.Fatal(err)
	}
	if ack := push(t, fake, dingtalktest.BotFrame(fake.Text("zhaowu", "赵五", "待办"))); ack.Code != 200 {
		t.Fatalf("ACK after reconnecting = %+v", ack)
	}
	if _, err := fake.Push(dingtalktest.SystemFrame("disconnect", "")); err != nil {
		t.Fatal(err)
	}
	if err := fake.WaitConnections(3, ackWait); err != nil {
		t.Fatal(err)
	}
	if ack := push(t, fake, dingtalktest.BotFrame(fake.Text("zhaowu", "赵五", "我的客户"))); ack.Code != 200 {
		t.Fatalf("ACK after a requested reconnect = %+v", ack)
	}
	if got := rec.messages(); len(got) != 2 || got[0].Text != "待办" || got[1].Text != "我的客户" {
		t.Fatalf("accepted %+v", got)
	}
	if n := strings.Count(logs.String(), `stream connected" reconnect=true`); n != 2 {
		t.Fatalf("%d reconnects logged:\n%s", n, logs)
	}
}

func TestStreamSystemPingAndUnknownTopics(t *testing.T) {
	fake, _, rec, _ := startStream(t)
	if ack := push(t, fake, dingtalktest.SystemFrame("ping", `{"opaque":"x1"}`)); ack.Code != 200 || ack.Data != `{"opaque":"x1"}` {
		t.Fatalf("ping ACK = %+v", ack)
	}
	other := dingtalktest.BotFrame(fake.Text("zhangsan", "张三", "帮助"))
	other.Headers["topic"] = "/v1.0/im/bot/other"
	if ack := push(t, fake, other); ack.Code != 404 || len(rec.messages()) != 0 {
		t.Fatalf("unknown topic: ACK %+v, accepted %+v", ack, rec.messages())
	}
}

func TestStartKeepsTryingWithBadCredentialsUntilCancelled(t *testing.T) {
	fake := dingtalktest.Start()
	defer fake.Close()
	log, logs := newLog()
	a := New(Config{ClientID: fake.ClientID, ClientSecret: "wrong", APIBase: fake.URL}, &recorder{}, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Start(ctx) }()
	eventually(t, "a logged connection failure", func() bool { return strings.Contains(logs.String(), "stream disconnected; reconnecting") })
	cancel()
	select {
	case err := <-done:
		if err != nil || fake.Connections() != 0 {
			t.Fatalf("Start = %v with %d connections", err, fake.Connections())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Start did not return after its context ended")
	}
	if err := New(Config{ClientID: "ding"}, &recorder{}, log).Start(context.Background()); err == nil {
		t.Fatal("Start without a secret did not fail")
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
