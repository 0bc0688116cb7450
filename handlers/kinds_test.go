package handlers_test

import (
	"strings"
	"testing"

	"baobei/handlers/handlertest"
	"baobei/store/storetest"
)

// Issue 14 item 1: every follow-up has a kind, shown in 查询 and 跟进记录
// and counted in 统计.
func TestFollowUpKinds(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, testPolicy())
			b.Want("zhangsan", "报备 13800138000 张先生", "")
			for in, want := range map[string]string{
				"跟进 #1 电话沟通，想看样品":   "已记录跟进：#1 张先生 · 电话 · 阶段",
				"跟进 #1 打电话没人接":      "· 电话 ·",
				"跟进 #1 类型:微信 发了报价单": "· 微信 ·",
				"跟进 #1 客户说再考虑":      "· 其他 ·",
			} {
				if got := b.Say("zhangsan", in); !strings.Contains(got, want) {
					t.Errorf("%q: reply %q lacks %q", in, got, want)
				}
			}
			if got := b.Say("zhangsan", "跟进记录 #1"); strings.Count(got, "[电话]") != 2 || !strings.Contains(got, "[微信]：发了报价单") || !strings.Contains(got, "[其他]：客户说再考虑") {
				t.Errorf("跟进记录 = %q", got)
			}
			for _, who := range []string{"zhangsan", "wangjl", "admin"} {
				if got := b.Say(who, "统计"); !strings.Contains(got, "跟进方式：电话 2、微信 1、其他 1") {
					t.Errorf("%s's 统计 = %q", who, got)
				}
			}
			if got := b.Say("sunqi", "统计"); strings.Contains(got, "跟进方式") {
				t.Errorf("another rep's 统计 counts 张三's follow-ups: %q", got)
			}
		})
	}
}
