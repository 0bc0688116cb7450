package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/bot/wecom"
	"baobei/bot/wecom/wecomtest"
	"baobei/store/storetest"
)

const (
	testCorp   = "wwbaobeitest"
	testToken  = "callbacktoken"
	testAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" // BAOBEI_SECRET, required with a platform
)

// wecomEnv is the service wired to a fake WeCom on 127.0.0.1.
type wecomEnv struct {
	t    *testing.T
	fake *wecomtest.Fake
	app  *app
	srv  *httptest.Server
	at   int64
}

func newWeCom(t *testing.T, b storetest.Backend, org *baobei.Org) *wecomEnv {
	fake := wecomtest.Start()
	t.Cleanup(fake.Close)
	e := wireWeCom(t, b, org, fake.URL, "appsecret", slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.fake = fake
	return e
}

// wireWeCom is the service with WeCom's API at apiBase and the app secret
// secret, serving its callbacks on 127.0.0.1.
func wireWeCom(t *testing.T, b storetest.Backend, org *baobei.Org, apiBase, secret string, log *slog.Logger) *wecomEnv {
	cfg := defaultConfig()
	cfg.Org = org
	cfg.WeCom = wecom.Config{CorpID: testCorp, AgentID: 1000002, Secret: secret, Token: testToken, AESKey: testAESKey,
		APIBase: apiBase, Robots: map[string]string{"sales1": "robot-key-1"}}
	cfg.secret = testSecret
	if err := cfg.finish(); err != nil {
		t.Fatal(err)
	}
	a, err := wire(context.Background(), cfg, b.Open(t, cfg.Policy), log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	return &wecomEnv{t: t, app: a, srv: srv, at: time.Now().Unix()}
}

// deliver posts a sealed callback and returns the HTTP status.
func (e *wecomEnv) deliver(plainXML string) int {
	e.t.Helper()
	q, body := wecomtest.Seal(testToken, testAESKey, testCorp, plainXML, e.at)
	resp, err := http.Post(e.srv.URL+"/wecom/callback?"+q.Encode(), "text/xml", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// say delivers a text message and lets the worker process it.
func (e *wecomEnv) say(from, text, msgID string) {
	e.t.Helper()
	if code := e.deliver(wecomtest.Text(testCorp, from, text, msgID, e.at)); code != http.StatusOK {
		e.t.Fatalf("callback %q: %d", text, code)
	}
	e.drain()
}

func (e *wecomEnv) drain() {
	e.t.Helper()
	if err := errors.Join(e.app.worker.Drain(context.Background()), e.app.pusher.Flush(context.Background())); err != nil {
		e.t.Fatal(err)
	}
}

func lastText(texts []string) string {
	if len(texts) == 0 {
		return ""
	}
	return texts[len(texts)-1]
}

func wecomBackends(t *testing.T, org *baobei.Org, fn func(*testing.T, *wecomEnv)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, newWeCom(t, b, org)) })
	}
}

func TestWeComReportFlow(t *testing.T) {
	wecomBackends(t, nil, func(t *testing.T, e *wecomEnv) {
		e.say("zhangsan", "报备 13800138000 张先生 来源:抖音", "1001")
		wantHas(t, lastText(e.fake.Texts("zhangsan")), "报备成功", "#1")

		e.say("lisi", "报备 13800138000 张总", "1002")
		wantHas(t, lastText(e.fake.Texts("lisi")), "张三", "保护期至")
		wantHas(t, lastText(e.fake.Texts("zhangsan")), "李四", "#1")

		for i := 0; i < 3; i++ { // WeCom redelivers a callback it thinks was missed
			e.say("zhaowu", "报备 13900139000 王女士", "1003")
		}
		if n := len(e.fake.Texts("zhaowu")); n != 1 {
			t.Fatalf("zhaowu got %d replies to one message delivered 3 times", n)
		}
		if n := e.app.countOf(t, "SELECT COUNT(*) FROM customers"); n != 2 {
			t.Fatalf("customers = %d", n)
		}
	})
}

func TestWeComCardTapUpdatesCard(t *testing.T) {
	wecomBackends(t, nil, func(t *testing.T, e *wecomEnv) {
		e.say("zhangsan", "报备 13800138000 张先生", "2001")
		e.say("zhangsan", "流失 #1 原因:预算不足", "2002")
		e.say("lisi", "公海", "2003")
		cards := e.fake.Cards("lisi")
		if len(cards) != 1 {
			t.Fatalf("lisi got %d cards", len(cards))
		}
		key := cards[0]["button_list"].([]any)[0].(map[string]any)["key"].(string)
		if code := e.deliver(wecomtest.CardEvent(testCorp, "lisi", key, cards[0]["task_id"].(string), "rc-42", e.at)); code != http.StatusOK {
			t.Fatalf("card event: %d", code)
		}
		e.drain()
		wantHas(t, lastText(e.fake.Texts("lisi")), "领取成功", "#1")
		if len(e.fake.Updates) != 1 || e.fake.Updates[0]["response_code"] != "rc-42" {
			t.Fatalf("card updates = %+v", e.fake.Updates)
		}
	})
}

func TestWeComRetriesRateLimitsAndExpiredTokens(t *testing.T) {
	wecomBackends(t, nil, func(t *testing.T, e *wecomEnv) {
		e.fake.FailNext(45009, 45009)
		e.say("zhangsan", "帮助", "3001")
		if n := len(e.fake.Texts("zhangsan")); n != 0 {
			t.Fatalf("delivered despite the rate limit: %d", n)
		}
		for i := 0; i < 2; i++ { // the outbox retries after 10s, then 20s
			e.app.clock.Advance(time.Minute)
			if err := e.app.pusher.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(e.fake.Texts("zhangsan")); n != 1 {
			t.Fatalf("after two 45009s the reply was delivered %d times, want once", n)
		}

		tokens := e.fake.Tokens()
		e.fake.FailNext(42001)
		e.say("zhangsan", "待办", "3002")
		if n := len(e.fake.Texts("zhangsan")); n != 2 || e.fake.Tokens() != tokens+1 {
			t.Fatalf("after 42001: %d replies, %d new tokens", n, e.fake.Tokens()-tokens)
		}
	})
}

func TestWeComRobotAndAutoRegister(t *testing.T) {
	org := baobei.DemoOrg()
	org.AutoRegister = true
	wecomBackends(t, &org, func(t *testing.T, e *wecomEnv) {
		e.fake.Names["xiaoliu"] = "小刘"
		e.say("xiaoliu", "报备 13700137000 陈先生", "4001")
		wantHas(t, lastText(e.fake.Texts("xiaoliu")), "报备成功")
		if n := e.app.countOf(t, "SELECT COUNT(*) FROM users WHERE uid = 'xiaoliu' AND name = '小刘' AND role = 'rep'"); n != 1 {
			t.Fatal("xiaoliu was not registered with the name from the contacts API")
		}
		ctx := context.Background()
		png := []byte("\x89PNG\r\n\x1a\nfake")
		e.fake.FailNext(45009) // the robot's errcode must not be mistaken for success
		if err := e.app.store.Notify(ctx, e.app.clock.Now(), baobei.Notice{ToChat: "sales1", Text: "**本周漏斗**", Markdown: true, Image: png}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := e.app.pusher.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			e.app.clock.Advance(time.Minute)
		}
		if len(e.fake.Robot) != 2 || e.fake.Robot[0]["key"] != "robot-key-1" || e.fake.Robot[0]["msgtype"] != "markdown" ||
			e.fake.Robot[1]["msgtype"] != "image" || e.fake.Robot[1]["image"].(map[string]any)["md5"] != "dc7b97b363d63f0eb8d4686afa2bc39b" {
			t.Fatalf("robot posts = %+v", e.fake.Robot)
		}
	})
}

func TestWeComForgedCallbackStoresNothing(t *testing.T) {
	wecomBackends(t, nil, func(t *testing.T, e *wecomEnv) {
		q, body := wecomtest.Seal("another-token", testAESKey, testCorp, wecomtest.Text(testCorp, "zhangsan", "报备 13800138000 张先生", "5001", e.at), e.at)
		resp, err := http.Post(e.srv.URL+"/wecom/callback?"+q.Encode(), "text/xml", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("forged callback: %d", resp.StatusCode)
		}
		if n := e.app.countOf(t, "SELECT COUNT(*) FROM inbound"); n != 0 {
			t.Fatalf("inbound rows = %d", n)
		}
		if resp, err := http.Get(e.srv.URL + "/console"); err != nil || resp.StatusCode != http.StatusNotFound {
			t.Fatalf("console must be off with WeCom configured: %v %v", resp.StatusCode, err)
		}
	})
}

func (a *app) countOf(t *testing.T, q string) int {
	t.Helper()
	n, err := a.store.Count(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConsoleNextToWeCom(t *testing.T) {
	cfg := defaultConfig()
	cfg.WeCom = wecom.Config{CorpID: testCorp, AgentID: 1, Secret: "s", Token: testToken, AESKey: testAESKey, APIBase: "http://127.0.0.1:1"}
	cfg.Console.Enabled = true
	cfg.Addr = ":8080"
	cfg.secret = testSecret
	if err := cfg.finish(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := wire(context.Background(), cfg, storetest.OpenSQLite(t, cfg.Policy), log); err == nil {
		t.Fatal("a console open to the network without a password must be refused")
	}
	cfg.Console.password = "pw"
	a, err := wire(context.Background(), cfg, storetest.OpenSQLite(t, cfg.Policy), log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	defer srv.Close()
	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"", "", http.StatusUnauthorized}, {"admin", "wrong", http.StatusUnauthorized}, {"admin", "pw", http.StatusOK}} {
		req, _ := http.NewRequest("GET", srv.URL+"/console/api/clock", nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || (tc.want == http.StatusOK && !strings.Contains(string(body), `"enabled":false`)) {
			t.Fatalf("%s/%s: %d %s", tc.user, tc.pass, resp.StatusCode, body)
		}
	}
}

// A manager approves a key-customer report by tapping 同意 on the WeCom card.
func TestWeComApprovalCard(t *testing.T) {
	wecomBackends(t, nil, func(t *testing.T, e *wecomEnv) {
		e.say("zhangsan", "报备 13800138000 王总 等级:A", "6001")
		wantHas(t, lastText(e.fake.Texts("zhangsan")), "已提交报备审批 A1")
		cards := e.fake.Cards("wangjl")
		if len(cards) != 1 || cards[0]["main_title"].(map[string]any)["title"] != "报备审批 A1" {
			t.Fatalf("wangjl's cards = %+v", cards)
		}
		approve := cards[0]["button_list"].([]any)[0].(map[string]any)["key"].(string)
		e.deliver(wecomtest.CardEvent(testCorp, "wangjl", approve, cards[0]["task_id"].(string), "rc-approve", e.at))
		e.drain()
		if len(e.fake.Updates) != 1 || e.fake.Updates[0]["response_code"] != "rc-approve" ||
			e.fake.Updates[0]["button"].(map[string]any)["replace_name"] != "已同意" {
			t.Fatalf("card updates = %+v", e.fake.Updates)
		}
		wantHas(t, lastText(e.fake.Texts("zhangsan")), "A1", "已同意")
	})
}

// Issue 12 item 15: a reason button rejects in one tap with its reason; the
// card shows 已驳回 and the requester hears the reason and the next step.
func TestWeComRejectReasonButton(t *testing.T) {
	wecomBackends(t, nil, func(t *testing.T, e *wecomEnv) {
		e.say("zhangsan", "报备 13800138000 王总 等级:A", "6101")
		cards := e.fake.Cards("wangjl")
		if len(cards) != 1 {
			t.Fatalf("wangjl's cards = %+v", cards)
		}
		var labels []string
		key := ""
		for _, b := range cards[0]["button_list"].([]any) {
			b := b.(map[string]any)
			labels = append(labels, b["text"].(string))
			if b["text"] == "驳回：信息不全" {
				key = b["key"].(string)
			}
		}
		if strings.Join(labels, " ") != "同意 驳回：重复报备 驳回：信息不全 驳回：不符合政策 驳回：其他…" {
			t.Fatalf("buttons = %q", labels)
		}
		e.deliver(wecomtest.CardEvent(testCorp, "wangjl", key, cards[0]["task_id"].(string), "rc-reject", e.at))
		e.drain()
		if len(e.fake.Updates) != 1 || e.fake.Updates[0]["button"].(map[string]any)["replace_name"] != "已驳回" {
			t.Fatalf("card updates = %+v", e.fake.Updates)
		}
		wantHas(t, lastText(e.fake.Texts("zhangsan")), "A1", "已驳回", "原因：信息不全", "信息补全后可重新「报备」")
	})
}

// Issue 14 item 3: a WeCom location message (sealed like every callback)
// checks the rep in to the visit whose window holds now, with its place.
func TestWeComLocationChecksIn(t *testing.T) {
	wecomBackends(t, nil, func(t *testing.T, e *wecomEnv) {
		e.say("zhangsan", "报备 13800138000 张先生", "5001")
		e.say("zhangsan", "拜访 #1 1小时后 目标:演示方案", "5002")
		wantHas(t, lastText(e.fake.Texts("zhangsan")), "已计划拜访 V1")
		if code := e.deliver(wecomtest.Location(testCorp, "zhangsan", 30.2741, 120.1551, "杭州市西湖区文三路", "5003", e.at)); code != http.StatusOK {
			t.Fatalf("location callback: %d", code)
		}
		e.drain()
		wantHas(t, lastText(e.fake.Texts("zhangsan")), "已签到 V1", "杭州市西湖区文三路", "拜访报告 V1")
		var lat, lng float64
		if err := e.app.store.DB().QueryRow("SELECT checkin_lat, checkin_lng FROM visits WHERE id = 1").Scan(&lat, &lng); err != nil || lat != 30.2741 || lng != 120.1551 {
			t.Errorf("stored check-in = %v, %v (%v)", lat, lng, err)
		}
	})
}
