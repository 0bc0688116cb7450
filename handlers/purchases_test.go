package handlers_test

import (
	"strings"
	"testing"

	"baobei"
	"baobei/handlers/handlertest"
	"baobei/store/storetest"
)

// Issue 16 item 1: 成交 is the first purchase, 复购 the next ones; 查询
// shows the count, the total and the last; 改金额 corrects the first.
func TestPurchases(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, baobei.DefaultPolicy())
			b.Want("zhangsan", "报备 13800000001 王总", "")
			b.Want("zhangsan", "复购 #1 金额:3000", baobei.EINVALID) // not won yet
			b.Want("zhangsan", "成交 #1 金额:12800 商品:三人沙发", "")
			b.Want("zhangsan", "复购 #1", baobei.EINVALID) // no amount
			b.Want("lisi", "复购 #1 金额:3000", baobei.EFORBIDDEN)
			b.Want("chenjl", "复购 #1 金额:3000", baobei.EFORBIDDEN)
			if got := b.Say("zhangsan", "复购 #1 金额:3000 商品:靠垫"); !strings.Contains(got, "购买 2 次 · 合计 ¥15800") || !strings.Contains(got, "¥3000（靠垫）") {
				t.Fatalf("复购 = %q", got)
			}
			b.Want("wangjl", "复购 #1 2000", "")
			if got := b.Say("zhangsan", "查询 #1"); !strings.Contains(got, "购买 3 次 · 合计 ¥17800") {
				t.Fatalf("查询 = %q", got)
			}
			b.Want("admin", "改金额 #1 金额:13800 原因:合同补签", "")
			if got := b.Say("zhangsan", "查询 #1"); !strings.Contains(got, "合计 ¥18800") {
				t.Fatalf("查询 after 改金额 = %q", got)
			}
			var items string
			if err := b.S.DB().Get(&items, "SELECT items FROM purchases WHERE customer_id = 1 ORDER BY id LIMIT 1"); err != nil || items != "三人沙发" {
				t.Fatalf("the first purchase's items = %q, %v", items, err)
			}
			if n := b.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = 'purchase'"); n != 2 {
				t.Fatalf("purchase audit rows = %d", n)
			}
		})
	}
}
