package handlers_test

import (
	"strings"
	"testing"

	"baobei"
	"baobei/bot"
	"baobei/store/storetest"
)

// gradeApproval is testPolicy with reports of grade A waiting for approval.
func gradeApproval() baobei.Policy {
	p := testPolicy()
	p.Approval.Grades = []string{"A"}
	return p
}

// Issue 12 item 10: 查询 and 公海 tell each reader what they may do now,
// in CheckClaim's words: the former owner in cooldown when it ends, another
// rep to claim.
func TestClaimHintsPerReader(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			send := dispatcher(t, b)
			say := func(user, text string) string { t.Helper(); return send(user, "", text)[0].Text }
			say("zhangsan", "报备 13800138000 张先生")
			say("zhangsan", "释放 #1 不做了")

			in := "查询 #1"
			former := say("zhangsan", in)
			wantIn(t, in, former, "#1 张先生", "在公海", "7 天内不能重新领取", "11月30日 10:00 后可再领取")
			wantNot(t, in, former, "可发「领取 #1」领取")
			wantIn(t, in, say("lisi", in), "在公海。可发「领取 #1」领取。")

			in = "公海"
			outs := send("zhangsan", "", in)
			wantIn(t, in, outs[0].Text, "#1 张先生", "你 11月30日 10:00 后可领取", "先跟进其他客户吧")
			wantNot(t, in, outs[0].Text, "发「领取 #编号」领取")
			if c := outs[0].Card; c == nil || len(c.Buttons) != 0 {
				t.Errorf("%q: the former owner's card offers %+v", in, c)
			}
			outs = send("lisi", "", in)
			wantIn(t, in, outs[0].Text, "#1 张先生", "发「领取 #编号」领取")
			wantNot(t, in, outs[0].Text, "后可领取")
			if c := outs[0].Card; c == nil || len(c.Buttons) != 1 || c.Buttons[0].Label != "领取 #1" {
				t.Errorf("%q: another rep's card = %+v", in, c)
			}
			wantIn(t, "领取 #1", say("zhangsan", "领取 #1"), "11月30日 10:00 后可再领取") // the refusal says the same
		})
	}
}

// Issue 12 item 12: a pending report names the next step of whoever meets
// it: the requester follows it, an approver decides it, others wait.
func TestPendingReportSteps(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			say, _ := chatWith(t, b, gradeApproval())
			say("zhangsan", "报备 13800138000 王总 等级:A")
			in := "跟进 #1 电话"
			wantIn(t, in, say("zhangsan", in), "发「我的申请」查看进度")
			approver := say("wangjl", in)
			wantIn(t, in, approver, "你可以审批这条报备", "「同意 A编号」")
			wantNot(t, in, approver, "我的申请")
			wantIn(t, in, say("lisi", in), "审批通过前其他人不能报备或领取", "联系 张三")
			wantIn(t, "查询 #1", say("admin", "查询 #1"), "等待经理审批", "你可以审批这条报备")
		})
	}
}

// Issue 12 item 12 and 跟进记录: 查询 says how many follow-ups it leaves
// out; 跟进记录 shows them all to those who may see full details, privately
// from a group chat.
func TestFollowUpRecords(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			send := dispatcher(t, b)
			say := func(user, text string) string { t.Helper(); return send(user, "", text)[0].Text }
			say("zhangsan", "报备 13800138000 张先生")
			in := "跟进记录 #1"
			wantIn(t, in, say("zhangsan", in), "还没有跟进记录", "「跟进 #1 内容」")
			for _, s := range []string{"第一次电话", "第二次电话", "看样品"} {
				say("zhangsan", "跟进 #1 "+s)
			}
			wantNot(t, "查询 #1", say("zhangsan", "查询 #1"), "共 3 条", "跟进记录")
			say("zhangsan", "跟进 #1 报价沟通")
			in = "查询 #1"
			wantIn(t, in, say("zhangsan", in), "最近 3 条，共 4 条；发「跟进记录 #1」看全部", "报价沟通")
			wantNot(t, in, say("zhangsan", in), "第一次电话")

			in = "跟进记录 #1"
			all := say("wangjl", in)
			wantIn(t, in, all, "#1 张先生 的跟进记录（共 4 条", "第一次电话", "第二次电话", "看样品", "报价沟通")
			if strings.Index(all, "报价沟通") > strings.Index(all, "第一次电话") {
				t.Errorf("%q: not newest first: %q", in, all)
			}
			wantIn(t, in, say("lisi", in), "只有负责人、其团队经理和管理员能看")
			wantIn(t, in, say("sunqi", "跟进记录 13800138000"), "只有负责人")
			group, private := groupReply(t, send("zhangsan", "sales1", in), "sales1", "zhangsan")
			wantIn(t, in, group, "共 4 条", bot.PrivateNote)
			wantNot(t, in, group, "第一次电话")
			wantIn(t, in, private, "第一次电话", "报价沟通")
		})
	}
}

// Issue 12 item 11: a won amount is corrected by an admin with 改金额
// (the owner is told); anyone else is told how to get it corrected.
func TestAmountCorrection(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			say, f := chatWith(t, b, testPolicy())
			say("zhangsan", "报备 13800138000 张先生")
			in := "改金额 #1 金额:13800 原因:合同补签"
			wantIn(t, in, say("admin", in), "还没有成交", "成交 #1 金额:12800")
			say("zhangsan", "成交 #1 金额:12800")
			wantIn(t, "跟进 #1 金额:13800", say("zhangsan", "跟进 #1 补款 金额:13800"), "管理员发「改金额 #1 金额:… 原因:…」更正")
			wantIn(t, in, say("zhangsan", in), "「改金额」仅管理员可用")
			wantIn(t, in, say("wangjl", in), "「改金额」仅管理员可用")
			wantIn(t, "改金额 #1 13800", say("admin", "改金额 #1 13800"), "请写正确的成交金额和原因", "改金额 #3 金额:13800 原因:合同补签")
			wantIn(t, "改金额 #1 金额:13800", say("admin", "改金额 #1 金额:13800"), "改金额需要原因")
			wantIn(t, in, say("admin", in), "已把 #1 张先生 的成交金额从 ¥12800 改为 ¥13800（原因：合同补签），已通知张三", "「查询 #1」")
			wantIn(t, "查询 #1", say("zhangsan", "查询 #1"), "成交金额 ¥13800")
			if n := f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = 'zhangsan' AND payload LIKE '%从 ¥12800 改为 ¥13800（原因：合同补签）%'"); n != 1 {
				t.Errorf("owner notices = %d", n)
			}
			if n := f.Count(t, "SELECT COUNT(*) FROM audit_events WHERE action = 'amount'"); n != 1 {
				t.Errorf("amount audit rows = %d", n)
			}
		})
	}
}

// Issue 12 items 11 and 15: a rejected report tells the requester what to
// do, the former owner of a transfer whom to ask, and the typed 驳回 and a
// reason button's command reject alike.
func TestDecisionAndTransferNotices(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			say, f := chatWith(t, b, gradeApproval())
			notice := func(user, like string) int {
				t.Helper()
				return f.Count(t, "SELECT COUNT(*) FROM outbox WHERE to_user = ? AND payload LIKE ?", user, "%"+like+"%")
			}
			say("zhangsan", "报备 13800138000 张先生")
			say("lisi", "报备 13900139000 王总 等级:A")
			in := "驳回 A1 原因:与#1重复" // what the reason button 「驳回：重复报备」 sends, with another reason
			wantIn(t, in, say("wangjl", in), "A1 已驳回")
			if notice("lisi", "原因：与#1重复。报备已作废。有疑问请联系 王经理；信息补全后可重新「报备」。") != 1 {
				t.Error("the rejected report's notice names no next step")
			}
			say("wangjl", "转移 #1 @赵五")
			if notice("zhangsan", "已由 王经理 转给 赵五。有疑问请联系 王经理；发「我的客户」查看你名下的客户。") != 1 {
				t.Error("the former owner's transfer notice names no next step")
			}
			say("zhaowu", "报备 13700137000 李女士")
			say("wangjl", "交接 @赵五 @李四")
			if notice("zhaowu", "交接给 李四。有疑问请联系 王经理") != 1 {
				t.Error("the former owner's handover notice names no next step")
			}
			if notice("lisi", "联系客户后发「跟进 #编号 内容」记录") != 1 {
				t.Error("the receiver's handover notice names no next step")
			}
		})
	}
}
