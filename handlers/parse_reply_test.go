package handlers_test

import (
	"strings"
	"testing"

	"baobei"
	"baobei/bot"
	"baobei/handlers/handlertest"
	"baobei/store/storetest"
)

// testPolicy is the default policy with approvals on.
func testPolicy() baobei.Policy {
	p := baobei.DefaultPolicy()
	p.Approval = baobei.ApprovalPolicy{MaxExtendDays: 30, MaxExtensions: 2, ExpireDays: 7}
	return p
}

// dispatcher wires the router and the handlers to a seeded store; send
// handles one message from user in chat ("" for a one-to-one chat) and
// returns what was delivered.
func dispatcher(t *testing.T, b storetest.Backend) func(user, chat, text string) []bot.Out {
	send, _ := dispatcherWith(t, b, testPolicy())
	return send
}

// dispatcherWith is dispatcher with a policy, and the fixture for looking at the store.
func dispatcherWith(t *testing.T, b storetest.Backend, p baobei.Policy) (func(user, chat, text string) []bot.Out, *storetest.Fixture) {
	h := handlertest.New(t, b, p)
	return func(user, chat, text string) []bot.Out {
		t.Helper()
		return h.Send(user, chat, text).Replies
	}, h.Fixture
}

// chat is dispatcher for one-to-one chats: say returns the reply's text.
func chat(t *testing.T, b storetest.Backend) func(user, text string) string {
	say, _ := chatWith(t, b, testPolicy())
	return say
}

// chatWith is chat with a policy, and the fixture for looking at the store.
func chatWith(t *testing.T, b storetest.Backend, p baobei.Policy) (func(user, text string) string, *storetest.Fixture) {
	send, f := dispatcherWith(t, b, p)
	return func(user, text string) string {
		t.Helper()
		return send(user, "", text)[0].Text
	}, f
}

func wantIn(t *testing.T, text, reply string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(reply, p) {
			t.Errorf("%q: reply %q lacks %q", text, reply, p)
		}
	}
}

// Issue 12 items 16 and 17: a name without letters is refused with an
// example; text 报备 does not read is kept as a note and shown; other
// commands say what they ignored; a leading @mention works in any channel.
func TestRepliesShowUnusedText(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			say := chat(t, b)

			in := "报备 13800138003 ');"
			wantIn(t, in, say("zhangsan", in), "里没有文字", "例如：报备 13800138003 张先生")

			in = "@报备助手\u2005报备 13800138000 张先生 想要沙发，周末看店 来源:抖音"
			wantIn(t, in, say("zhangsan", in), "报备成功：#1 张先生", "备注（已记入需求）：想要沙发 周末看店", "下一步")
			wantIn(t, "查询 #1", say("zhangsan", "查询 #1"), "需求：想要沙发 周末看店")

			in = "查询 #1 在吗"
			wantIn(t, in, say("zhangsan", in), "#1 张先生", "已忽略“在吗”", "「查询」")

			in = "我的客户 全部 下次:乱写"
			wantIn(t, in, say("zhangsan", in), "#1 张先生", "已忽略“全部 下次:乱写”")

			in = "＠报备助手 跟进 #1 电话沟通 来源:快手"
			wantIn(t, in, say("zhangsan", in), "已记录跟进：#1", "已忽略“来源:快手”")

			in = "锁定 #1 重点客户" // refused (a rep may not lock), and still told
			wantIn(t, in, say("zhangsan", in), "已忽略“重点客户”")
		})
	}
}
