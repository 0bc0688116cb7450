package handlers_test

import (
	"strings"
	"testing"

	"baobei"
	"baobei/handlers/handlertest"
	"baobei/store/storetest"
)

// 导出: without public_url the reply says how to set it; with it, a link
// for what the asker may export, privately from a group.
func TestExportLink(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			none := handlertest.NewPublic(t, be, baobei.DefaultPolicy(), "")
			for _, cmd := range []string{"导出", "看板"} {
				if got := none.Say("zhangsan", cmd); !strings.Contains(got, "public_url") || none.Code("zhangsan", cmd) != baobei.EINVALID {
					t.Fatalf("%s without public_url = %q", cmd, got)
				}
			}
			if got := b0(t, be).Say("wangjl", "看板"); !strings.HasPrefix(got, "本团队的客户的看板链接") || !strings.Contains(got, handlertest.PublicURL+"/dash/open/") {
				t.Fatalf("看板 = %q", got)
			}
			b := handlertest.New(t, be, baobei.DefaultPolicy())
			for user, what := range map[string]string{"zhangsan": "你名下的客户", "wangjl": "本团队的客户", "admin": "全部客户"} {
				got := b.Say(user, "导出")
				if !strings.HasPrefix(got, what) || !strings.Contains(got, handlertest.PublicURL+"/dl/") || !strings.Contains(got, "10 分钟") {
					t.Errorf("%s: 导出 = %q", user, got)
				}
			}
			if n := b.Count(t, "SELECT COUNT(*) FROM downloads"); n != 3 {
				t.Fatalf("links = %d", n)
			}
			res := b.Send("zhangsan", "sales1", "导出")
			if len(res.Replies) != 2 || strings.Contains(res.Replies[0].Text, "/dl/") || res.Replies[1].ToChat != "" || !strings.Contains(res.Replies[1].Text, "/dl/") {
				t.Fatalf("导出 in a group = %+v", res.Replies)
			}
		})
	}
}

func b0(t *testing.T, be storetest.Backend) *handlertest.Bot {
	return handlertest.New(t, be, baobei.DefaultPolicy())
}
