package handlers_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"baobei"
	"baobei/bot"
	"baobei/handlers"
	"baobei/handlers/handlertest"
	"baobei/store/storetest"
)

// Issue 12 item 13: 帮助 lists what the asker's role may use, one example
// each, and 帮助 <word> explains one command in full.
func TestHelpByRole(t *testing.T) {
	b := handlertest.New(t, storetest.Backends(t)[0], testPolicy())
	for _, u := range []struct {
		uid  string
		role baobei.Role
	}{{"zhangsan", baobei.RoleRep}, {"wangjl", baobei.RoleManager}, {"admin", baobei.RoleAdmin}} {
		help := b.Say(u.uid, "帮助")
		for _, s := range bot.Commands {
			line := handlers.HelpLine(&s)
			if got := strings.Contains(help, line); got != s.Allows(u.role) {
				t.Errorf("%s's 帮助 lists %q: %v, want %v\n%s", u.uid, s.Words[0], got, s.Allows(u.role), help)
			}
		}
	}
	for _, want := range []string{"延期", "审批", "统计", "锁定"} {
		if !strings.Contains(b.Say("wangjl", "帮助"), "\n"+want) {
			t.Errorf("a manager's 帮助 lacks %s", want)
		}
	}
	topic := b.Say("zhangsan", "帮助 报备")
	for _, want := range []string{"「报备」", "手机号", "例如：报备 13800138000"} {
		if !strings.Contains(topic, want) {
			t.Errorf("帮助 报备 = %q lacks %q", topic, want)
		}
	}
	if s := b.Say("zhangsan", "帮助 我的"); !strings.Contains(s, "「我的客户」") {
		t.Errorf("帮助 by an alias = %q", s)
	}
	if s := b.Say("zhangsan", "帮助 锁定"); !strings.Contains(s, "仅经理、管理员可用") {
		t.Errorf("帮助 锁定 to a rep = %q", s)
	}
	b.Want("zhangsan", "帮助 报背", baobei.EINVALID)
}

// Issue 12 items 18 and 21: a command limited to some roles is refused to
// every other role (EFORBIDDEN) before its handler runs, and changes nothing.
func TestRoleCheck(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, testPolicy())
			b.Want("zhangsan", "报备 13800138000 张先生", "")
			for _, s := range bot.Commands {
				for _, u := range []struct {
					uid  string
					role baobei.Role
				}{{"zhangsan", baobei.RoleRep}, {"wangjl", baobei.RoleManager}} {
					if s.Allows(u.role) {
						continue
					}
					audits := b.Count(t, "SELECT COUNT(*) FROM audit_events")
					b.Want(u.uid, s.Example, baobei.EFORBIDDEN)
					if n := b.Count(t, "SELECT COUNT(*) FROM audit_events"); n != audits {
						t.Errorf("%s: %q wrote %d audit rows", u.uid, s.Example, n-audits)
					}
				}
			}
		})
	}
}

// Issue 12 item 21: each command's refusals and permissions, by error code.
func TestCommandCodes(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, testPolicy())
			for _, c := range []struct{ user, text, code string }{
				{"zhangsan", "报备 13800138000 张先生", ""},
				{"zhangsan", "报备 12345 张先生", baobei.EINVALID},
				{"lisi", "报备 13800138000 李先生", baobei.ECONFLICT},
				{"zhangsan", "报备 13800138000 张先生", baobei.ECONFLICT},
				{"zhangsan", "你好", baobei.EINVALID},
				{"lisi", "跟进 #1 电话沟通", baobei.EFORBIDDEN},
				{"zhangsan", "跟进 #9 电话沟通", baobei.ENOTFOUND},
				{"zhangsan", "跟进 #1", baobei.EINVALID},
				{"zhangsan", "跟进 #1 电话沟通 阶段:报价", baobei.EINVALID}, // 报价 needs 金额
				{"zhangsan", "跟进 #1 电话沟通", ""},
				{"zhangsan", "等级 #1 D", baobei.EINVALID},
				{"lisi", "等级 #1 A", baobei.EFORBIDDEN},
				{"zhangsan", "等级 #1 A", ""},
				{"zhangsan", "等级 #1 A", baobei.EINVALID},
				{"lisi", "领取 #1", baobei.ECONFLICT},
				{"lisi", "释放 #1 原因:不想要", baobei.EFORBIDDEN},
				{"lisi", "查询 #1", ""},
				{"zhangsan", "查询 #9", baobei.ENOTFOUND},
				{"zhangsan", "延期 #1 100天 原因:装修", baobei.EINVALID},
				{"lisi", "延期 #1 15天 原因:装修", baobei.EFORBIDDEN},
				{"zhangsan", "延期 #1 15天 原因:装修", ""},
				{"zhangsan", "延期 #1 15天 原因:装修", baobei.ECONFLICT},
				{"zhangsan", "同意 A1", baobei.EFORBIDDEN},
				{"chenjl", "同意 A1", baobei.EFORBIDDEN},
				{"wangjl", "同意 B1", baobei.EINVALID},
				{"wangjl", "驳回 A1", baobei.EINVALID}, // a reason is required
				{"wangjl", "同意 A1", ""},
				{"admin", "同意 A1", baobei.ECONFLICT},
				{"zhangsan", "锁定 #1", baobei.EFORBIDDEN},
				{"chenjl", "锁定 #1", baobei.EFORBIDDEN},
				{"wangjl", "锁定 #1", ""},
				{"wangjl", "锁定 #1", baobei.EINVALID},
				{"wangjl", "解锁 #1", ""},
				{"wangjl", "转移 #1 @孙七", baobei.EFORBIDDEN}, // not of his team
				{"chenjl", "交接 @张三 @李四", baobei.EFORBIDDEN},
				{"zhangsan", "交接 @张三 @李四", baobei.EFORBIDDEN},
				{"wangjl", "系统状态", baobei.EFORBIDDEN},
				{"admin", "系统状态", ""},
				{"zhangsan", "成交 #1", baobei.EINVALID},
				{"zhangsan", "成交 #1 金额:12800", ""},
				{"admin", "改金额 #1 金额:13800", baobei.EINVALID}, // a reason is required
				{"admin", "改金额 #9 金额:13800 原因:补签", baobei.ENOTFOUND},
				{"admin", "改金额 #1 金额:13800 原因:补签", ""},
				{"lisi", "跟进记录 #1", baobei.EFORBIDDEN},
				{"zhangsan", "跟进记录 #1", ""},
				{"zhangsan", "释放 #1 原因:不要了", baobei.EINVALID}, // won customers stay
				{"wangjl", "交接 @张三 @李四", ""},
				{"zhangsan", "帮助 报背", baobei.EINVALID},
			} {
				b.Want(c.user, c.text, c.code)
			}
		})
	}
}

// Issue 12 item 18: the README's command table lists every command of the
// table, with its example, and nothing else.
func TestCommandsREADME(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, "| command | example |")
	if start < 0 {
		t.Fatal("README has no command table")
	}
	table := readme[start:]
	table = table[:strings.Index(table, "\n\n")]
	var listed []string
	for _, row := range strings.Split(table, "\n")[2:] {
		for _, w := range strings.Split(strings.Trim(strings.SplitN(row, "|", 3)[1], " "), " · ") {
			listed = append(listed, w)
		}
	}
	for _, s := range bot.Commands {
		if !slices.Contains(listed, s.Words[0]) {
			t.Errorf("the README's command table lacks %s", s.Words[0])
		}
		if !strings.Contains(table, "`"+s.Example+"`") {
			t.Errorf("the README's command table lacks the example `%s`", s.Example)
		}
	}
	for _, w := range listed {
		if bot.SpecOf(commandName(w)) == nil {
			t.Errorf("the README lists %q, which is no command", w)
		}
	}
	if !regexp.MustCompile("(?s)## Adding a command.*bot/commands.go").MatchString(readme) {
		t.Error("the README does not say how to add a command (bot/commands.go)")
	}
}

// commandName is the name of the command a word starts.
func commandName(word string) string {
	for _, s := range bot.Commands {
		if slices.Contains(s.Words, word) {
			return s.Name
		}
	}
	return ""
}
