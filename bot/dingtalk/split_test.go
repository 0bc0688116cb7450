package dingtalk

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"baobei/bot"
	"baobei/bot/dingtalk/dingtalktest"
)

// longDigest is a daily digest of about 5,000 bytes, mostly 3-byte runes.
var longDigest = "【每日摘要】今日待跟进客户 85 个：" + strings.Repeat("\n#12 张先生 138****8000 · 新线索 · 三天未跟进", 85)

func TestLongTextsAreSentInParts(t *testing.T) {
	fake, a, _ := sender(t, map[string]GroupTarget{"sales1": {ConversationID: "cidS1"}})
	ctx := context.Background()
	text := longDigest
	if len(text) < 4500 || len(text) > 5500 {
		t.Fatalf("the digest has %d bytes", len(text))
	}

	// To a user through the OpenAPI: sampleText parts.
	if err := a.Send(ctx, bot.Out{ToUser: "lisi", Text: text}); err != nil {
		t.Fatal(err)
	}
	checkParts(t, "batchSend", fake.Calls(batchSend), "content", text)

	// To a group as markdown: sampleMarkdown parts.
	if err := a.Send(ctx, bot.Out{ToChat: "sales1", Text: text, Markdown: true}); err != nil {
		t.Fatal(err)
	}
	checkParts(t, "groupMessages/send", fake.Calls(groupSend), "text", text)

	// Through a session webhook: one post per part, no OpenAPI call.
	now := time.Now()
	a.now = func() time.Time { return now }
	remember(a, fake, "wangwu", now.Add(time.Hour))
	before := len(fake.Calls(batchSend))
	if err := a.Send(ctx, bot.Out{ToUser: "wangwu", Text: text}); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range fake.Calls("/robot/sendBySession") {
		parts = append(parts, c.Body["text"].(map[string]any)["content"].(string))
	}
	if len(parts) < 2 || strings.Join(parts, "\n") != text || len(fake.Calls(batchSend)) != before {
		t.Fatalf("session webhook: %d parts, %d more batchSend calls", len(parts), len(fake.Calls(batchSend))-before)
	}
}

// checkParts checks that calls carry text in several parts within textLimit,
// in order; field is the msgParam field that holds a part.
func checkParts(t *testing.T, what string, calls []dingtalktest.Call, field, text string) {
	t.Helper()
	var parts []string
	for _, c := range calls {
		var param map[string]string
		if err := json.Unmarshal([]byte(c.Body["msgParam"].(string)), &param); err != nil {
			t.Fatalf("%s: msgParam: %v", what, err)
		}
		parts = append(parts, param[field])
	}
	if len(parts) < 2 {
		t.Fatalf("%s: %d messages, want several", what, len(parts))
	}
	for i, p := range parts {
		if len(p) > textLimit {
			t.Errorf("%s: part %d has %d bytes, over %d", what, i+1, len(p), textLimit)
		}
	}
	if strings.Join(parts, "\n") != text {
		t.Errorf("%s: the parts do not join back into the text", what)
	}
}
