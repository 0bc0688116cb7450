package wecom

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"baobei/bot"
	"baobei/bot/wecom/wecomtest"
)

// longDigest is a daily digest of about 5,000 bytes, mostly 3-byte runes.
var longDigest = "【每日摘要】今日待跟进客户 85 个：" + strings.Repeat("\n#12 张先生 138****8000 · 新线索 · 三天未跟进", 85)

func TestLongTextsAreSentInParts(t *testing.T) {
	fake := wecomtest.Start()
	t.Cleanup(fake.Close)
	a := New(Config{CorpID: "wwtest", AgentID: 1000002, Secret: "appsecret", APIBase: fake.URL, Robots: map[string]string{"sales1": "robot-key-1"}},
		nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	text := longDigest
	if len(text) < 4500 || len(text) > 5500 {
		t.Fatalf("the digest has %d bytes", len(text))
	}

	// The fake refuses what WeCom refuses.
	whole := map[string]any{"touser": "lisi", "agentid": 1000002, "msgtype": "text", "text": map[string]string{"content": text}}
	if err := a.withToken(func() error { return a.appMessage(whole) }); errCode(err) != 45002 {
		t.Fatalf("a %d-byte text in one message: %v, want errcode 45002", len(text), err)
	}

	if err := a.Send(ctx, bot.Out{ToUser: "lisi", Text: text}); err != nil {
		t.Fatal(err)
	}
	parts := fake.Texts("lisi")
	checkParts(t, "app text", parts, appTextLimit, text)

	if err := a.Send(ctx, bot.Out{ToChat: "sales1", Text: text, Markdown: true}); err != nil {
		t.Fatal(err)
	}
	var md []string
	for _, p := range fake.Posts() {
		if p["key"] != "robot-key-1" || p["msgtype"] != "markdown" {
			t.Fatalf("robot post = %+v", p)
		}
		md = append(md, p["markdown"].(map[string]any)["content"].(string))
	}
	checkParts(t, "robot markdown", md, robotMarkdownLimit, text)
}

func checkParts(t *testing.T, what string, parts []string, limit int, text string) {
	t.Helper()
	if len(parts) < 2 {
		t.Fatalf("%s: %d messages, want several", what, len(parts))
	}
	for i, p := range parts {
		if len(p) > limit {
			t.Errorf("%s: part %d has %d bytes, over %d", what, i+1, len(p), limit)
		}
	}
	if strings.Join(parts, "\n") != text {
		t.Errorf("%s: the parts do not join back into the text", what)
	}
}
