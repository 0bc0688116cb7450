package main

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"baobei/bot"
)

// lastCard is the newest card in an inbox.
func lastCard(t *testing.T, outs []bot.Out) *bot.Out {
	t.Helper()
	for i := len(outs) - 1; i >= 0; i-- {
		if outs[i].Card != nil {
			return &outs[i]
		}
	}
	t.Fatal("no card in the inbox")
	return nil
}

func (c *consoleClient) tap(user, action string) string {
	c.t.Helper()
	code, body := c.post("/console/api/actions", map[string]string{"user": user, "action": action})
	if code != http.StatusOK {
		c.t.Fatalf("tap: %d %s", code, body["error"])
	}
	return string(body["replies"])
}

func TestConsoleApprovals(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		wantHas(t, c.say("zhangsan", "报备 13800138000 王总 等级:A 来源:展会"), "已提交报备审批 A1", "#1")
		wantHas(t, c.say("lisi", "报备 13800138000 王总"), "等待经理审批")
		wantHas(t, c.say("wangjl", "审批"), "A1", "报备", "张三")

		card := lastCard(t, c.inbox("user=wangjl")).Card
		if card.Title != "报备审批 A1" || len(card.Buttons) != 5 || !strings.Contains(card.Fields[1].Value, "13800138000") {
			t.Fatalf("approval card = %+v", card)
		}
		approve, reject := card.Buttons[0].Action, card.Buttons[4].Action // 驳回：其他… asks for the reason
		wantHas(t, c.tap("zhangsan", approve), "「同意」仅经理、管理员可用")           // reps decide nothing, not even their own
		wantHas(t, c.tap("chenjl", approve), "你不是该审批的审批人")
		wantHas(t, c.tap("wangjl", approve[:len(approve)-2]+"xx"), "无效")
		wantHas(t, c.tap("wangjl", reject), "驳回需要说明原因")

		var wg sync.WaitGroup
		replies := make([]string, 2)
		for i, who := range []string{"wangjl", "admin"} { // two deciders at once: one wins
			wg.Add(1)
			go func(i int, who string) {
				defer wg.Done()
				replies[i] = c.tap(who, approve)
			}(i, who)
		}
		wg.Wait()
		joined := replies[0] + replies[1]
		if strings.Count(joined, "A1 已同意") != 1 || !strings.Contains(joined, "无需再处理") {
			t.Fatalf("concurrent taps: %q", replies)
		}
		wantHas(t, c.tap("wangjl", approve), "A1 的结果：已同意（", "无需再处理") // a replayed token changes nothing
		wantHas(t, lastText(inboxTexts(c, "zhangsan")), "A1", "已同意", "保护期至")
		wantHas(t, c.say("zhangsan", "跟进 #1 见面沟通"), "已记录跟进")

		wantHas(t, c.say("lisi", "报备 13900139000 李总 公司:某某集团"), "A2")
		wantHas(t, c.say("wangjl", "驳回 A2 原因:已是老客户"), "A2 已驳回")
		wantHas(t, lastText(inboxTexts(c, "lisi")), "已驳回", "已是老客户", "有疑问请联系 王经理")
		wantHas(t, c.say("zhaowu", "报备 13900139000 李总"), "报备成功")
		wantHas(t, c.say("lisi", "我的申请"), "A2", "已驳回")

		wantHas(t, c.say("lisi", "报备 13600136000 赵总 公司:某某集团"), "A3")
		card = lastCard(t, c.inbox("user=wangjl")).Card
		if card.Title != "报备审批 A3" || card.Buttons[1].Label != "驳回：重复报备" {
			t.Fatalf("approval card = %+v", card)
		}
		wantHas(t, c.tap("wangjl", card.Buttons[1].Action), "A3 已驳回") // one tap, with its reason
		wantHas(t, lastText(inboxTexts(c, "lisi")), "A3", "已驳回", "原因：重复报备")
	})
}

func TestConsoleExtensionsAndTransferRequests(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生")
		for i := 0; i < 2; i++ {
			wantHas(t, c.say("zhangsan", "延期 #1 15天 原因:等装修完工"), "已提交延期申请")
			n := c.count("SELECT MAX(id) FROM approvals")
			wantHas(t, c.say("wangjl", "同意 A"+itoa(n)), "已同意")
		}
		moved := c.app.clock.Now().Add(60 * 24 * time.Hour) // 30 days, plus two extensions of 15
		wantHas(t, c.say("zhangsan", "查询 #1"), "保护期至 "+defaultConfig().Policy.Date(moved))
		wantHas(t, c.say("zhangsan", "延期 #1 10天"), "达到上限")
		wantHas(t, c.say("zhangsan", "转移 #1 @李四 原因:休假"), "已提交转移申请")
		n := c.count("SELECT MAX(id) FROM approvals")
		wantHas(t, c.say("wangjl", "同意 A"+itoa(n)), "已同意")
		wantHas(t, c.say("lisi", "我的客户"), "#1", "13800138000")
	})
}

func inboxTexts(c *consoleClient, user string) []string {
	var out []string
	for _, o := range c.inbox("user=" + user) {
		out = append(out, o.Text)
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// Issue 11 items 3 and 4: a manager's request goes to the admin, and his
// own tap on it is refused; a rep's transfer request to another team is
// refused as the manager's direct transfer is.
func TestConsoleNoSelfApprovalNoCrossTeamRequest(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		wantHas(t, c.say("wangjl", "报备 13800138000 张先生"), "报备成功")
		wantHas(t, c.say("wangjl", "延期 #1 10天 原因:等装修"), "已提交延期申请 A1")
		for _, o := range c.inbox("user=wangjl") {
			if o.Card != nil {
				t.Fatalf("wangjl got a card for his own request: %+v", o.Card)
			}
		}
		approve := lastCard(t, c.inbox("user=admin")).Card.Buttons[0].Action
		wantHas(t, c.tap("wangjl", approve), "你自己的申请", "我的申请")
		wantHas(t, c.say("wangjl", "同意 A1"), "你自己的申请")
		wantHas(t, c.say("wangjl", "审批"), "没有待审批")
		wantHas(t, c.tap("admin", approve), "A1 已同意")
		wantHas(t, c.say("admin", "报备 13900139000 李总"), "报备成功")
		wantHas(t, c.say("admin", "延期 #2 10天"), "没有其他人能审批")

		wantHas(t, c.say("zhangsan", "报备 13700137000 赵总"), "报备成功", "#3")
		wantHas(t, c.say("wangjl", "转移 #3 @孙七"), "不在你的团队")
		wantHas(t, c.say("zhangsan", "转移 #3 @孙七 原因:休假"), "不在你的团队")
		if n := c.count("SELECT COUNT(*) FROM approvals WHERE kind = 'transfer'"); n != 0 {
			t.Fatalf("%d transfer requests stored", n)
		}
	})
}
