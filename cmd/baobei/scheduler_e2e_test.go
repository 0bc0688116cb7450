package main

import (
	"strings"
	"testing"
)

func countHas(outs []string, part string) int {
	n := 0
	for _, o := range outs {
		if strings.Contains(o, part) {
			n++
		}
	}
	return n
}

// The lifecycle of issue 6 on the console: warned once three days ahead,
// released at the end of protection, owner and team chat told.
func TestConsoleExpiryLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		wantHas(t, c.say("zhangsan", "报备 13800138000 张先生"), "报备成功")
		c.advance("648h") // 27 days
		if n := countHas(inboxTexts(c, "zhangsan"), "即将退回公海"); n != 1 {
			t.Fatalf("warnings after 27 days = %d, want 1", n)
		}
		c.advance("24h")
		if n := countHas(inboxTexts(c, "zhangsan"), "即将退回公海"); n != 1 {
			t.Fatalf("warnings after 28 days = %d, want still 1", n)
		}
		c.advance("72h")
		wantHas(t, lastText(inboxTexts(c, "zhangsan")), "保护期已结束", "#1")
		var chat []string
		for _, o := range c.inbox("chat=sales1") {
			chat = append(chat, o.Text)
		}
		if countHas(chat, "#1 张先生") != 1 {
			t.Fatalf("team chat = %q", chat)
		}
		wantHas(t, c.say("lisi", "公海"), "#1")
		if n := c.count("SELECT COUNT(*) FROM audit_events WHERE action = 'release' AND actor_id IS NULL"); n != 1 {
			t.Fatalf("release audit rows = %d", n)
		}
	})
}
