package handlers_test

import (
	"strings"
	"testing"

	"baobei"
	"baobei/handlers/handlertest"
	"baobei/store/storetest"
)

// Issue 16 item 4: tags — who may add and remove them, system tags stay,
// 我的客户 标签:… filters, 查询 shows them.
func TestTags(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, baobei.DefaultPolicy())
			b.Want("zhangsan", "报备 13800000001 王总", "")
			b.Want("zhangsan", "报备 13800000002 李总", "")
			if got := b.Say("zhangsan", "标签 #1 高意向 老客户介绍"); !strings.Contains(got, "高意向") || !strings.Contains(got, "老客户介绍") {
				t.Fatalf("标签 = %q", got)
			}
			b.Want("lisi", "标签 #1 抢单", baobei.EFORBIDDEN)
			b.Want("wangjl", "标签 #1 经理看过", "")
			b.Want("chenjl", "标签 #1 别组", baobei.EFORBIDDEN)
			b.Want("zhangsan", "标签 #1", baobei.EINVALID)
			b.Want("zhangsan", "标签 #1 这个标签实在是太长了超过十六个字了吧", baobei.EINVALID)
			if got := b.Say("zhangsan", "标签 #1 —老客户介绍"); strings.Contains(got, "老客户介绍") || !strings.Contains(got, "高意向") { // an IME's dash removes too
				t.Fatalf("removing a tag = %q", got)
			}
			if _, err := b.S.DB().Exec("INSERT INTO customer_tags (customer_id, tag, kind, created_at) VALUES (1, '高价值客户', 'system', ?)", storetest.T0.UTC()); err != nil {
				t.Fatal(err)
			}
			b.Want("zhangsan", "标签 #1 -高价值客户", baobei.EINVALID)
			if got := b.Say("zhangsan", "查询 #1"); !strings.Contains(got, "标签：高价值客户、") {
				t.Fatalf("查询 = %q", got)
			}
			if got := b.Say("zhangsan", "我的客户 标签:高意向"); !strings.Contains(got, "王总") || strings.Contains(got, "李总") {
				t.Fatalf("我的客户 标签:高意向 = %q", got)
			}
			if got := b.Say("zhangsan", "我的客户 标签:没有的"); !strings.Contains(got, "没有标签「没有的」") {
				t.Fatalf("an unused tag = %q", got)
			}
			if n := b.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = 'tag'"); n != 3 {
				t.Fatalf("tag audit rows = %d, want 3", n)
			}
			for i := range 9 {
				b.Want("zhangsan", "标签 #2 t"+string(rune('a'+i)), "")
			}
			b.Want("zhangsan", "标签 #2 tj", "")
			b.Want("zhangsan", "标签 #2 tk", baobei.ELIMIT)
		})
	}
}
