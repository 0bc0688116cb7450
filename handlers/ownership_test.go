package handlers_test

import (
	"testing"

	"baobei"
	"baobei/store/storetest"
)

// Issue 12 items 3, 5, 6 and 7 as a rep and a manager see them: the cap's
// refusal says how many are held and how to free room; a grade change is
// confirmed with its windows; a stage goes back only with 阶段: and the
// reply says so; 转移 and 交接 past the cap say the receiver is over it and
// carry the planned follow-ups into the receiver's 待办.
func TestOwnershipReplies(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			p := baobei.DefaultPolicy()
			p.Approval = baobei.ApprovalPolicy{MaxExtendDays: 30, MaxExtensions: 2, ExpireDays: 7}
			p.MaxHeld = 2
			say, _ := chatWith(t, b, p)

			say("zhangsan", "报备 13800138000 张先生")
			say("zhangsan", "报备 13800138001 李女士")
			in := "报备 13800138002 王总"
			wantIn(t, in, say("zhangsan", in), "已有 2 个未成交客户", "上限 2", "「释放 #编号」")

			in = "跟进 #1 电话 等级:A 下次:今天 18:00"
			wantIn(t, in, say("zhangsan", in), "已记录跟进：#1", "等级 未定级 → A", "3 天未跟进提醒", "15 天未跟进退回公海")
			in = "等级 #1 B"
			wantIn(t, in, say("lisi", in), "不能跟进") // not his customer
			wantIn(t, in, say("wangjl", in), "#1 张先生", "等级 A → B", "7 天未跟进提醒")

			say("zhangsan", "跟进 #1 报价 阶段:报价 金额:12800")
			in = "跟进 #1 重新谈 阶段新线索"
			wantIn(t, in, say("zhangsan", in), "现在是「报价」", "阶段:新线索")
			in = "跟进 #1 预算没批 重新谈 阶段:新线索"
			wantIn(t, in, say("zhangsan", in), "阶段 新线索（由「报价」退回，已记录）")

			say("lisi", "报备 13900139000 孙先生")
			in = "转移 #1 @李四"
			wantIn(t, in, say("wangjl", in), "已将 #1 张先生 转给 李四", "原定下次跟进 11月23日 18:00", "注意：李四 名下现有 2 个未成交客户，已达上限")
			say("zhangsan", "跟进 #2 电话 下次:明天")
			in = "交接 @张三 @李四"
			wantIn(t, in, say("wangjl", in), "1 个客户交接给 李四", "#2 李女士 · 下次跟进 11月24日 09:00", "超过上限 2")
			wantIn(t, "待办", say("lisi", "待办"), "今天要跟进 1 个", "#1 张先生")
		})
	}
}
