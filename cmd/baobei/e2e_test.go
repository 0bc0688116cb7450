package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"baobei/bot"
	"baobei/store/storetest"
)

// console drives the console HTTP API of a fully wired service.
type consoleClient struct {
	t   *testing.T
	srv *httptest.Server
	app *app
}

func newConsole(t *testing.T, b storetest.Backend) *consoleClient {
	cfg := defaultConfig()
	if err := cfg.finish(); err != nil {
		t.Fatal(err)
	}
	return consoleWith(t, b, cfg)
}

func consoleWith(t *testing.T, b storetest.Backend, cfg Config) *consoleClient {
	s := b.Open(t, cfg.Policy)
	a, err := wire(context.Background(), cfg, s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	return &consoleClient{t: t, srv: srv, app: a}
}

func (c *consoleClient) post(path string, body any) (int, map[string]json.RawMessage) {
	c.t.Helper()
	var buf bytes.Buffer
	switch b := body.(type) {
	case string:
		buf.WriteString(b)
	default:
		json.NewEncoder(&buf).Encode(b)
	}
	resp, err := http.Post(c.srv.URL+path, "application/json", &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]json.RawMessage{}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// say sends a chat message as user and returns the reply text.
func (c *consoleClient) say(user, text string) string {
	c.t.Helper()
	return c.send(map[string]string{"user": user, "text": text})[0].Text
}

func (c *consoleClient) send(msg map[string]string) []bot.Out {
	c.t.Helper()
	code, body := c.post("/console/api/messages", msg)
	if code != http.StatusOK {
		c.t.Fatalf("POST messages %v: %d %s", msg, code, body["error"])
	}
	var outs []bot.Out
	if err := json.Unmarshal(body["replies"], &outs); err != nil || len(outs) == 0 {
		c.t.Fatalf("replies = %s (%v)", body["replies"], err)
	}
	return outs
}

func (c *consoleClient) inbox(query string) []bot.Out {
	c.t.Helper()
	resp, err := http.Get(c.srv.URL + "/console/api/inbox?" + query)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Messages []bot.Out }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		c.t.Fatal(err)
	}
	return body.Messages
}

func (c *consoleClient) advance(d string) {
	c.t.Helper()
	if code, body := c.post("/console/api/clock", map[string]string{"advance": d}); code != http.StatusOK {
		c.t.Fatalf("advance: %d %s", code, body["error"])
	}
}

func (c *consoleClient) count(query string, args ...any) int {
	c.t.Helper()
	n, err := c.app.store.Count(context.Background(), query, args...)
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

func wantHas(t *testing.T, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Fatalf("%q does not contain %q", s, p)
		}
	}
}

func backends(t *testing.T, fn func(*testing.T, *consoleClient)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, newConsole(t, b)) })
	}
}

// Issue 11 item 6: a 查询 in another team's group shows that group the
// masked view; the full one reaches the sender privately.
func TestConsoleGroupQueryMasked(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生 微信:zx123")
		c.say("zhangsan", "跟进 #1 电话沟通，想看样品")
		outs := c.send(map[string]string{"user": "zhangsan", "chat": "sales2", "text": "查询 13800138000"})
		wantHas(t, outs[0].Text, "138****8000", "完整信息已私信发你")
		for _, o := range c.inbox("chat=sales2") {
			if strings.Contains(o.Text, "13800138000") || strings.Contains(o.Text, "zx123") || strings.Contains(o.Text, "电话沟通") {
				t.Fatalf("the group sees %q", o.Text)
			}
		}
		wantHas(t, lastText(inboxTexts(c, "zhangsan")), "13800138000", "zx123", "电话沟通，想看样品")
	})
}

// The lifecycle of the issue: report, duplicate (owner told), follow-up,
// expiry, takeover by another rep, no reclaim by the former owner.
func TestConsoleLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		wantHas(t, c.say("zhangsan", "报备 13800138000 张先生 来源:抖音 需求:三人沙发"), "报备成功", "#1", "保护期至")
		wantHas(t, c.say("lisi", "报备 +86 138-0013-8000 张总"), "张三", "保护期至")
		inbox := c.inbox("user=zhangsan")
		if len(inbox) != 2 || !strings.Contains(inbox[1].Text, "李四") {
			t.Fatalf("zhangsan's inbox = %+v", inbox)
		}
		wantHas(t, c.say("zhangsan", "跟进 13800138000 电话沟通，想看样品 下次:明天 14:00 阶段:需求确认"), "需求确认", "下次跟进")
		wantHas(t, c.say("zhangsan", "查询 13800138000"), "13800138000", "需求确认", "电话沟通，想看样品")
		q := c.say("sunqi", "查询 13800138000")
		wantHas(t, q, "138****8000", "张三")
		if strings.Contains(q, "电话沟通") || strings.Contains(q, "13800138000") {
			t.Fatalf("another team's rep sees too much: %q", q)
		}
		wantHas(t, c.say("zhangsan", "报备 13900139000 李女士"), "#2")

		for i := 0; i < 2; i++ { // worked every 10 days, so protection (not the 15-day idle rule) ends them
			c.advance("240h")
			c.say("zhangsan", "跟进 #1 电话")
			c.say("zhangsan", "跟进 #2 电话")
		}
		c.advance("264h") // 31 days: both protections ended
		wantHas(t, c.say("lisi", "报备 13800138000 张总"), "报备成功", "无人负责")
		inbox = c.inbox("user=zhangsan")
		wantHas(t, inbox[len(inbox)-1].Text, "李四", "#1", "报备接手")
		wantHas(t, c.say("zhangsan", "领取 #1"), "李四")
		wantHas(t, c.say("zhangsan", "领取 #2"), "天内不能重新领取")
		wantHas(t, c.say("zhaowu", "公海"), "#2")
		wantHas(t, c.say("zhaowu", "领取 #2"), "领取成功")
		if n := c.count("SELECT COUNT(*) FROM audit_events WHERE customer_id = 1"); n != 3 {
			t.Fatalf("audit rows for #1 = %d, want report, release, takeover", n)
		}
	})
}

func TestConsoleIdempotentMsgID(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		msg := map[string]string{"user": "zhangsan", "text": "报备 13800138000 张先生", "msg_id": "m-1"}
		first := c.send(msg)
		again := c.send(msg)
		if first[0].Text != again[0].Text || !strings.Contains(again[0].Text, "报备成功") {
			t.Fatalf("replies differ: %q vs %q", first[0].Text, again[0].Text)
		}
		if n := c.count("SELECT COUNT(*) FROM customers"); n != 1 {
			t.Fatalf("customers = %d", n)
		}
		if n := len(c.inbox("user=zhangsan")); n != 1 {
			t.Fatalf("inbox has %d messages, want the reply once", n)
		}
		// Concurrent resends of a new message: one effect, the same replies for all.
		msg = map[string]string{"user": "zhangsan", "text": "跟进 #1 电话沟通", "msg_id": "m-2"}
		texts := make([]string, 20)
		var wg sync.WaitGroup
		for i := range texts {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if outs := c.send(msg); len(outs) == 1 {
					texts[i] = outs[0].Text
				}
			}(i)
		}
		wg.Wait()
		for _, text := range texts {
			if !strings.Contains(text, "已记录跟进") {
				t.Fatalf("concurrent resend answered %q", text)
			}
		}
		if n := c.count("SELECT COUNT(*) FROM followups"); n != 1 {
			t.Fatalf("follow-ups = %d", n)
		}
	})
}

func TestConsoleCardAction(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生")
		c.say("zhangsan", "流失 #1 原因:预算不足")
		outs := c.send(map[string]string{"user": "lisi", "text": "公海"})
		card := outs[0].Card
		if card == nil || len(card.Buttons) != 1 {
			t.Fatalf("pool card = %+v", card)
		}
		code, body := c.post("/console/api/actions", map[string]string{"user": "lisi", "action": card.Buttons[0].Action + "x"})
		if code != http.StatusOK || !strings.Contains(string(body["replies"]), "无效") {
			t.Fatalf("forged action: %d %s", code, body["replies"])
		}
		code, body = c.post("/console/api/actions", map[string]string{"user": "lisi", "action": card.Buttons[0].Action})
		if code != http.StatusOK || !strings.Contains(string(body["replies"]), "领取成功") {
			t.Fatalf("action: %d %s", code, body["replies"])
		}
	})
}

func TestConsoleHTTPErrors(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		if code, _ := c.post("/console/api/messages", "{not json"); code != http.StatusBadRequest {
			t.Fatalf("bad JSON: %d", code)
		}
		if code, _ := c.post("/console/api/messages", map[string]string{"user": "stranger", "text": "帮助"}); code != http.StatusForbidden {
			t.Fatalf("unknown user: %d", code)
		}
		code, body := c.post("/console/api/parse", map[string]string{"text": "报备 13800138000 张先生 来源:抖音"})
		if code != http.StatusOK || string(body["command"]) != `"report"` ||
			string(body["fields"]) != `{"name":"张先生","phone":"13800138000","source":"抖音"}` {
			t.Fatalf("parse: %d %s %s", code, body["command"], body["fields"])
		}
		code, body = c.post("/console/api/parse", map[string]string{"text": "报被 13800138000"})
		if code != http.StatusOK || string(body["command"]) != `"unknown"` || !strings.Contains(string(body["error"]), "报备") {
			t.Fatalf("parse unknown: %d %s", code, body)
		}
		resp, err := http.Get(c.srv.URL + "/console")
		if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET /console: %v %v", resp, err)
		}
		resp.Body.Close()
	})
}

// Bad input gets a clear reply and changes nothing.
func TestConsoleBadInputChangesNothing(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生")
		snapshot := func() [5]int {
			return [5]int{c.count("SELECT COUNT(*) FROM customers"), c.count("SELECT COUNT(*) FROM followups"),
				c.count("SELECT COUNT(*) FROM audit_events"), c.count("SELECT COUNT(*) FROM outbox WHERE priority <> 1"), // replies are rows too
				c.count("SELECT COUNT(*) FROM customer_keys")}
		}
		before := snapshot()
		bad := []struct{ user, text, want string }{
			{"lisi", "报备", "手机号"},
			{"lisi", "报备 张先生", "手机号"},
			{"lisi", "报备 1380013800 张先生", "手机号"},
			{"lisi", "报备 138001380001 张先生", "手机号"},
			{"lisi", "报备 1380013800a 张先生", "手机号"},
			{"lisi", "报备 23800138000 张先生", "手机号"},
			{"lisi", "报备 13900139000", "称呼"},
			{"lisi", "报备 13900139000 " + strings.Repeat("张", 33), "32"},
			{"lisi", "报备 13900139000 王先生 阶段:报价 金额:100", "跟进"},
			{"zhangsan", "跟进 13800138000 " + strings.Repeat("长", 2001), "2000"},
			{"zhangsan", "跟进 13800138000 沟通 阶段:火星", "阶段"},
			{"zhangsan", "跟进 13800138000 沟通 阶段:报价", "金额"},
			{"zhangsan", "流失 13800138000", "原因"},
			{"lisi", "跟进 13800138000 我来跟", "张三"},
			{"lisi", "转移 13800138000 @李四", "经理"},
			{"zhangsan", "跟进 13700137000 沟通", "没有找到"},
			{"zhangsan", "跟进 13800138000 沟通 下次:2020-01-01", "过去"},
			{"zhangsan", "领取 #1", "已在你名下"},
			{"zhangsan", "你好呀", "帮助"},
			{"zhangsan", "", "帮助"},
		}
		for _, b := range bad {
			wantHas(t, c.say(b.user, b.text), b.want)
			if after := snapshot(); after != before {
				t.Fatalf("%q changed state: %v → %v", b.text, before, after)
			}
		}
		// SQL-looking text and emoji are data, stored verbatim.
		content := "'); DROP TABLE customers; -- 😀👍"
		wantHas(t, c.say("zhangsan", "跟进 13800138000 "+content), "已记录跟进")
		wantHas(t, c.say("zhangsan", "查询 #1"), content)
	})
}

func TestConsoleTransferAndHandover(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生")
		c.say("zhangsan", "报备 13900139000 李女士")
		wantHas(t, c.say("zhangsan", "转移 #1 @李四"), "经理")
		wantHas(t, c.say("chenjl", "转移 #1 @李四"), "经理")
		wantHas(t, c.say("wangjl", "转移 #1 @李四"), "已将 #1", "李四")
		wantHas(t, last(c.inbox("user=lisi")).Text, "王经理", "#1", "13800138000")
		wantHas(t, last(c.inbox("user=zhangsan")).Text, "#1", "转给 李四")
		wantHas(t, c.say("wangjl", "交接 @张三 @赵五"), "1 个客户", "赵五")
		wantHas(t, c.say("zhaowu", "我的客户"), "#2", "13900139000")
		wantHas(t, c.say("zhangsan", "我的客户"), "还没有客户")
		if n := c.count("SELECT COUNT(*) FROM audit_events WHERE action IN ('transfer', 'handover')"); n != 2 {
			t.Fatalf("audit rows = %d", n)
		}
	})
}

func last(outs []bot.Out) bot.Out {
	if len(outs) == 0 {
		return bot.Out{}
	}
	return outs[len(outs)-1]
}

func TestConsoleClockSurvivesRestart(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.advance("48h")
		cfg := defaultConfig()
		cfg.finish()
		again, err := wire(context.Background(), cfg, c.app.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if ahead := again.clock.Now().Sub(time.Now()); ahead < 47*time.Hour || ahead > 49*time.Hour {
			t.Fatalf("restarted clock is %v ahead, want 48h", ahead)
		}
		if code, _ := c.post("/console/api/clock", map[string]string{"advance": "-1h"}); code != http.StatusBadRequest {
			t.Fatalf("negative advance: %d", code)
		}
	})
}
