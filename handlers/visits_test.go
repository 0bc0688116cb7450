package handlers_test

import (
	"strings"
	"testing"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/handlers/handlertest"
	"baobei/store/storetest"
)

// Issue 14 items 2-4: plan, invite, check in by location and by text,
// report with next steps (a 拜访 follow-up, the next step in 待办), move,
// cancel, and who may do what.
func TestVisitLoop(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			b := handlertest.New(t, be, testPolicy()) // T0 is Monday 2026-11-23 10:00 in Shanghai
			b.Want("zhangsan", "报备 13800138000 张先生 等级:B", "")
			b.Want("zhangsan", "报备 13900139000 李女士", "")

			in := "拜访 #1 明天 14:00 目标:演示方案 同行:@李四"
			res := b.Send("zhangsan", "", in)
			wantIn(t, in, res.Replies[0].Text, "已计划拜访 V1 11月24日 14:00 #1 张先生（B级） · 目标：演示方案 · 同行 李四", "已邀请 李四", "签到 V1")
			if got := b.Outbox("lisi"); !strings.Contains(got, "张三 约你 11月24日 14:00 一起拜访 #1 张先生（V1）") {
				t.Errorf("the colleague's invitation = %q", got)
			}
			b.Want("zhangsan", "拜访 #2 明天 09:00", "")
			b.Want("zhangsan", "拜访 #1 昨天 14:00", baobei.EINVALID)
			b.Want("zhangsan", "拜访 #1", baobei.EINVALID)
			b.Want("sunqi", "拜访 #1 明天 15:00", baobei.EFORBIDDEN) // not his customer
			b.Want("zhaowu", "签到 V1", baobei.EFORBIDDEN)

			plan := b.Say("zhangsan", "拜访计划")
			wantIn(t, "拜访计划", plan, "本周拜访 2 个", "【11月24日 周二】")
			if strings.Index(plan, "V1 ") > strings.Index(plan, "V2 ") {
				t.Errorf("拜访计划 lists the C customer before the B one:\n%s", plan)
			}

			b.Want("zhangsan", "签到 V1", baobei.EINVALID)                // a day early
			b.Clock.T = storetest.T0.Add(27*time.Hour + 50*time.Minute) // Tue 13:50
			wantIn(t, "待办", b.Say("zhangsan", "待办"), "今天拜访 1 个", "V1 11月24日 14:00")
			res = b.Dispatch(bot.Message{Platform: "console", UserID: "zhangsan", Text: "签到",
				Location: &baobei.Location{Lat: 30.27, Lng: 120.15, Scale: 15, Label: "杭州市西湖区文三路"}})
			wantIn(t, "location", res.Replies[0].Text, "已签到 V1", "杭州市西湖区文三路", "拜访报告 V1")
			b.Want("lisi", "签到 V1", baobei.ECONFLICT)

			b.Clock.T = storetest.T0.Add(30 * time.Hour)              // Tue 16:00
			b.Want("zhangsan", "拜访报告 V1 参会:王总(决策人)", baobei.EINVALID) // 痛点 and 下一步 are required
			in = "拜访报告 V1\n参会：王总(决策人),李工(使用者)\n痛点：交期长 价格高\n预算：20万\n竞品：某某家居\n下一步：周五前发方案；下周一 电话确认\n阶段：需求确认"
			wantIn(t, in, b.Say("lisi", in), "已提交拜访报告 V1", "阶段 需求确认", "11月27日 09:00「周五前发方案」", "已设为下次跟进")
			b.Want("zhangsan", "拜访报告 V1 参会:x 痛点:y 下一步:z", baobei.EINVALID) // already reported
			q := b.Say("zhangsan", "查询 #1")
			wantIn(t, "查询 #1", q, "[拜访]：拜访报告 V1", "痛点：交期长 价格高", "\n预算：20万\n竞品：某某家居\n", "下次跟进：11月27日 09:00")

			b.Want("zhangsan", "拜访 V2 改到 周四 10:00", "")
			b.Want("zhangsan", "取消拜访 V2", baobei.EINVALID)
			b.Want("lisi", "取消拜访 V2 原因:客户出差", baobei.EFORBIDDEN)
			b.Want("zhangsan", "取消拜访 V2 原因:客户出差", "")
			b.Want("zhangsan", "签到 V2", baobei.EINVALID)
			if n := b.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action LIKE 'visit_%'"); n != 6 {
				t.Errorf("visit audit rows = %d, want 6 (2 plans, check-in, report, move, cancel)", n)
			}
		})
	}
}
