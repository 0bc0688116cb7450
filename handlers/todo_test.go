package handlers_test

import (
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/store/storetest"
)

// Issue 12 item 14: 待办 asks baobei.AttentionOf, so a locked customer
// whose protection date has passed (it stays with its owner) is not listed
// as ending; one whose protection really ends this week is.
func TestTodoLeavesLockedOut(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			p := testPolicy()
			say, f := chatWith(t, b, p)
			day := 24 * time.Hour
			locked := f.Report(t, storetest.T0.Add(-35*day), f.Zhangsan, "13800138000", "张先生")
			if _, err := f.S.SetLock(f.Ctx, storetest.T0.Add(-34*day), f.Wangjl, baobei.CustomerRef{Number: locked.ID}, true); err != nil {
				t.Fatal(err)
			}
			ending := f.Report(t, storetest.T0.Add(-27*day), f.Zhangsan, "13900139000", "李女士")
			if _, err := f.S.FollowUp(f.Ctx, storetest.T0.Add(-time.Hour), f.Zhangsan, baobei.CustomerRef{Number: ending.ID}, baobei.FollowUpDraft{Content: "电话"}); err != nil {
				t.Fatal(err)
			}
			reply := say("zhangsan", "待办")
			wantIn(t, "待办", reply, "7天内保护期到期 1 个", "#2 李女士")
			if strings.Contains(reply, "#1 张先生") {
				t.Fatalf("待办 lists the locked customer, its protection date past:\n%s", reply)
			}
			cs, err := f.S.FindCustomers(f.Ctx, baobei.CustomerRef{Number: locked.ID})
			if err != nil || len(cs) != 1 || !cs[0].Locked {
				t.Fatalf("locked customer: %+v %v", cs, err)
			}
			a := baobei.AttentionOf(&cs[0], storetest.T0, p)
			if a.Expiring || a.Warn || !a.Release.IsZero() {
				t.Fatalf("attention of the locked customer = %+v", a)
			}
		})
	}
}
