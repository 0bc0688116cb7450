package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"baobei/cards"
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

// The lifecycle of issue 6 on the console: warned once within three days,
// released at the end of protection, owner and team chat told.
func TestConsoleExpiryLifecycle(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		wantHas(t, c.say("zhangsan", "报备 13800138000 张先生"), "报备成功")
		for i := 0; i < 2; i++ { // worked every 10 days: the no-follow-up rule (15 days) never fires
			c.advance("240h")
			wantHas(t, c.say("zhangsan", "跟进 #1 电话沟通"), "已记录跟进")
		}
		c.advance("169h") // 27 days and an hour: an hourly run has found it within warn_days (3) of its end
		if n := countHas(inboxTexts(c, "zhangsan"), "还剩 3 天"); n != 1 {
			t.Fatalf("warnings after 27 days = %d, want 1", n)
		}
		c.advance("23h")
		if n := countHas(inboxTexts(c, "zhangsan"), "即将退回公海"); n != 1 {
			t.Fatalf("warnings after 28 days = %d, want still 1", n)
		}
		c.advance("72h")
		wantHas(t, lastWith(inboxTexts(c, "zhangsan"), "退回公海"), "已退回公海", "#1", "保护期结束")
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
		wantHas(t, c.say("admin", "系统状态"), "客户 1", "任务 release-expired 最近一次", "发送失败(已放弃) 0")
		wantHas(t, c.say("zhangsan", "系统状态"), "仅管理员")
	})
}

// Monday 09:00: each team's chat gets last week's funnel; 统计 answers the same numbers.
func TestConsoleWeeklySummary(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生")
		c.say("zhangsan", "报备 13900139000 李女士")
		c.say("lisi", "报备 13700137000 王先生")
		c.say("zhangsan", "跟进 #1 电话沟通 阶段:已联系")
		c.say("zhangsan", "成交 #2 金额:12800")
		c.say("lisi", "流失 #3 原因:预算不足")
		wantHas(t, c.say("wangjl", "统计"), "销售一组本周统计", "已联系 1", "已成交 1", "新报备 3", "成交 1 单 ¥12800", "流失 1", "预算不足 1", "张三 2")
		wantHas(t, c.say("lisi", "统计"), "我的本周统计", "新报备 1", "流失 1")
		c.advance("168h") // a Monday 09:00 passes within any 7 days
		var chat []string
		pictures := 0
		for _, o := range c.inbox("chat=sales1") {
			chat = append(chat, o.Text)
			if len(o.Image) > 0 {
				pictures++
			}
		}
		if countHas(chat, "上周统计") != 1 {
			t.Fatalf("sales1 = %q", chat)
		}
		if want := map[bool]int{true: 1, false: 0}[cards.LoadFonts("").CJK != nil]; pictures != want {
			t.Fatalf("funnel pictures = %d, want %d (a CJK font is found: %v)", pictures, want, want == 1)
		}
		if c.count("SELECT COUNT(*) FROM outbox WHERE to_chat = 'sales2' AND payload LIKE '%上周统计%'") != 1 {
			t.Fatal("sales2 got no summary")
		}
	})
}

// Every morning the rep hears what is due; two days overdue, the manager hears too.
func TestConsoleDailyDigestAndEscalation(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生")
		wantHas(t, c.say("zhangsan", "跟进 #1 电话沟通 下次:明天 10:00"), "下次跟进")
		before := len(inboxTexts(c, "zhangsan"))
		c.advance("120h") // five mornings, whatever the hour the test starts
		texts := inboxTexts(c, "zhangsan")[before:]
		digests := countHas(texts, "早上好")
		if digests < 4 || digests > 5 || countHas(texts, "逾期") < 1 {
			t.Fatalf("zhangsan's mornings (%d digests) = %q", digests, texts)
		}
		wantHas(t, lastText(inboxTexts(c, "wangjl")), "需要关注", "张三", "#1", "逾期")
		if n := countHas(inboxTexts(c, "lisi"), "早上好"); n != 0 {
			t.Fatalf("lisi has nothing to do but got %d digests", n)
		}
	})
}

// No follow-up for 15 days: warned at day 12, released at day 15.
func TestConsoleIdleRelease(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生")
		c.advance("289h") // 12 days and an hour
		// Warnings are notices, digests bulk: a warning may arrive before the morning's digest.
		wantHas(t, lastWith(inboxTexts(c, "zhangsan"), "退回公海"), "即将退回公海", "15 天未跟进")
		c.advance("72h")
		wantHas(t, lastWith(inboxTexts(c, "zhangsan"), "退回公海"), "已退回公海", "15 天未跟进")
		wantHas(t, c.say("lisi", "公海"), "#1")
	})
}

// 释放 by hand, and a report request nobody decides, expiring after 7 days.
func TestConsoleReleaseAndApprovalExpiry(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生")
		wantHas(t, c.say("lisi", "释放 #1"), "只有负责人")
		wantHas(t, c.say("wangjl", "释放 #1 原因:客户已找别家"), "已把 #1 张先生（原负责人 张三）释放到公海")
		wantHas(t, lastText(inboxTexts(c, "zhangsan")), "王经理 把你的客户 #1 张先生 释放到了公海", "客户已找别家")
		wantHas(t, c.say("zhangsan", "领取 #1"), "不能")
		wantHas(t, c.say("lisi", "领取 #1"), "领取成功")

		wantHas(t, c.say("wangjl", "报备 13700137000 刘总 等级:A"), "报备成功") // a manager's own report needs nobody's approval
		wantHas(t, c.say("zhangsan", "报备 13900139000 王总 等级:A"), "审批")
		c.advance("167h")
		if n := countHas(inboxTexts(c, "zhangsan"), "已过期"); n != 0 {
			t.Fatalf("expired before 7 days")
		}
		c.advance("2h")
		wantHas(t, lastText(inboxTexts(c, "zhangsan")), "A1", "7 天无人审批，已过期作废")
		wantHas(t, c.say("wangjl", "同意 A1"), "系统", "已过期")
		wantHas(t, c.say("sunqi", "报备 13900139000 王总"), "报备成功")
	})
}

// A job slot that failed three times shows in 系统状态 with its error and
// the next step; once it ran, it no longer does.
func TestConsoleStatusShowsFailingJob(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		ctx, s := context.Background(), c.app.store
		now := c.app.clock.Now()
		slot := now.Truncate(time.Hour)
		attempt := func(i int, fail bool) {
			t.Helper()
			at := now.Add(time.Duration(i) * time.Minute)
			tok, err := s.ClaimSlot(ctx, "daily-digest", slot, at, at.Add(2*time.Minute))
			if err != nil || tok == "" {
				t.Fatalf("attempt %d: claim %q %v", i, tok, err)
			}
			if fail {
				err = s.FailSlot(ctx, "daily-digest", slot, tok, at, "scan attention: Error 1205: Lock wait timeout exceeded")
			} else {
				_, err = s.FinishSlot(ctx, "daily-digest", slot, tok, at)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 2; i++ {
			attempt(i, true)
		}
		if got := c.say("admin", "系统状态"); strings.Contains(got, "已失败") {
			t.Fatalf("two failures already shown: %s", got)
		}
		attempt(2, true)
		wantHas(t, c.say("admin", "系统状态"), "✗ 任务 daily-digest", "已失败 3 次", "Lock wait timeout", "查看日志")
		attempt(3, false)
		if got := c.say("admin", "系统状态"); strings.Contains(got, "已失败") || !strings.Contains(got, "任务 daily-digest 最近一次") {
			t.Fatalf("after the slot ran: %s", got)
		}
	})
}

// lastWith is the newest text containing sub, or "".
func lastWith(texts []string, sub string) string {
	for i := len(texts) - 1; i >= 0; i-- {
		if strings.Contains(texts[i], sub) {
			return texts[i]
		}
	}
	return ""
}
