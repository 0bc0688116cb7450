package handlers_test

import (
	"strings"
	"testing"

	"baobei/bot"
	"baobei/store/storetest"
)

// groupReply splits what a message from a group chat delivered: the text
// in the group, and the sender's private copy ("" when there is none).
func groupReply(t *testing.T, outs []bot.Out, chat, user string) (group, private string) {
	t.Helper()
	for _, o := range outs {
		switch {
		case o.ToChat == chat:
			group = o.Text
		case o.ToChat == "" && o.ToUser == user:
			private = o.Text
		default:
			t.Fatalf("a reply to %q/%q", o.ToUser, o.ToChat)
		}
	}
	return group, private
}

func wantNot(t *testing.T, text, reply string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(reply, p) {
			t.Errorf("%q: reply %q shows %q", text, reply, p)
		}
	}
}

// Issue 11 item 6: in a group chat everyone sees the masked view — even of
// the owner's own customer — and the sender gets the full one privately;
// commands that change a customer confirm the same way.
func TestGroupRepliesMasked(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			send := dispatcher(t, b)
			in := "报备 13800138000 张先生 微信:zx123 想要沙发"
			group, private := groupReply(t, send("zhangsan", "sales1", in), "sales1", "zhangsan")
			wantIn(t, in, group, "报备成功：#1 张先生 138****8000", bot.PrivateNote)
			wantNot(t, in, group, "13800138000", "想要沙发")
			wantIn(t, in, private, "13800138000", "备注（已记入需求）：想要沙发")

			send("zhangsan", "", "跟进 #1 电话沟通，想看样品")
			for _, who := range []string{"zhangsan", "wangjl", "admin"} {
				in = "查询 #1"
				group, private = groupReply(t, send(who, "sales2", in), "sales2", who)
				wantIn(t, in, group, "#1 张先生 138****8000", "归属 张三", bot.PrivateNote)
				wantNot(t, in, group, "13800138000", "zx123", "电话沟通")
				wantIn(t, in, private, "13800138000", "微信：zx123", "电话沟通，想看样品")
			}

			in = "我的客户"
			group, private = groupReply(t, send("zhangsan", "sales1", in), "sales1", "zhangsan")
			wantIn(t, in, group, "#1 张先生 138****8000")
			wantIn(t, in, private, "#1 张先生 13800138000")

			in = "成交 #1 金额:12800"
			group, private = groupReply(t, send("zhangsan", "sales1", in), "sales1", "zhangsan")
			wantIn(t, in, group, "恭喜成交！#1 张先生")
			wantNot(t, in, group, "12800")
			wantIn(t, in, private, "金额 ¥12800")

			// Nothing to hide: one reply, in the group.
			in = "查询 #1"
			group, private = groupReply(t, send("sunqi", "sales2", in), "sales2", "sunqi")
			wantIn(t, in, group, "138****8000")
			wantNot(t, in, group, bot.PrivateNote)
			if private != "" {
				t.Errorf("%q: a private copy of the masked view: %q", in, private)
			}
			// A one-to-one chat gets the full reply, once.
			if outs := send("zhangsan", "", in); len(outs) != 1 || !strings.Contains(outs[0].Text, "13800138000") {
				t.Errorf("one-to-one %q = %+v", in, outs)
			}
		})
	}
}
