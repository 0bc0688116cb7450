package main

import "testing"

// Issue 12 item 8 on the console: three reps try 张三's customer; 张三 hears
// of the first at once and of the other two in one message once the hour
// is over.
func TestConsoleGatheredAttempts(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		wantHas(t, c.say("zhangsan", "报备 13800138000 张先生"), "报备成功")
		for _, u := range []string{"lisi", "zhaowu", "sunqi"} {
			wantHas(t, c.say(u, "报备 13800138000 张总"), "已被 张三 报备")
		}
		if n := countHas(inboxTexts(c, "zhangsan"), "尝试报备"); n != 1 {
			t.Fatalf("owner told %d times at once, want 1", n)
		}
		c.advance("59m")
		if n := countHas(inboxTexts(c, "zhangsan"), "尝试报备"); n != 1 {
			t.Fatalf("owner told %d times within the hour, want 1", n)
		}
		c.advance("1m")
		wantHas(t, lastWith(inboxTexts(c, "zhangsan"), "尝试报备"), "赵五、孙七也尝试报备你的客户 #1 张先生", "跟进 #1")
		if n := countHas(inboxTexts(c, "zhangsan"), "尝试报备"); n != 2 {
			t.Fatalf("owner told %d times in all, want 2", n)
		}
	})
}
