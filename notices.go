package baobei

import (
	"fmt"
	"strings"
	"time"
)

// The pushes that ownership changes cause. The store writes them to the
// outbox in the transaction of the change, so a change and its notices
// commit together.

// NoticeReportAttempt tells the owner that actor tried to report their customer.
func NoticeReportAttempt(c *Customer, actor *User, p Policy) Notice {
	return Notice{ToUser: c.OwnerUID, Text: fmt.Sprintf(
		"提醒：%s 刚才尝试报备你的客户 #%d %s，已被系统拒绝（%s）。请尽快跟进：跟进 #%d 内容",
		actor.Name, c.ID, c.Name, ProtectionText(c, p), c.ID)}
}

// NoticeTaken tells the former owner that actor took the customer over,
// after its protection ended or from the pool.
func NoticeTaken(c *Customer, formerUID string, expired bool, actor *User) Notice {
	how := "已在公海中"
	if expired {
		how = "保护期已结束"
	}
	return Notice{ToUser: formerUID, Text: fmt.Sprintf("你之前的客户 #%d %s %s，现已由 %s 报备接手。发「我的客户」查看你名下的客户。",
		c.ID, c.Name, how, actor.Name)}
}

// NoticesTransfer tells the receiver, and the former owner when there was one.
func NoticesTransfer(c *Customer, formerUID string, actor, to *User, p Policy) []Notice {
	ns := []Notice{{ToUser: to.UID, Text: fmt.Sprintf("%s 把客户 #%d %s %s 转给了你，%s。发「查询 #%d」查看详情。",
		actor.Name, c.ID, c.Name, c.Phone, ProtectionText(c, p), c.ID)}}
	if formerUID != "" && formerUID != actor.UID {
		ns = append(ns, Notice{ToUser: formerUID, Text: fmt.Sprintf("你的客户 #%d %s 已由 %s 转给 %s。", c.ID, c.Name, actor.Name, to.Name)})
	}
	return ns
}

// NoticesHandover tells both sides of a handover of n customers.
func NoticesHandover(actor, from, to *User, n int) []Notice {
	return []Notice{
		{ToUser: to.UID, Text: fmt.Sprintf("%s 把 %s 的 %d 个客户交接给了你。发「我的客户」查看。", actor.Name, from.Name, n)},
		{ToUser: from.UID, Text: fmt.Sprintf("你名下的 %d 个客户已由 %s 交接给 %s。", n, actor.Name, to.Name)},
	}
}

// NoticeDecision tells the requester how their request was decided.
func NoticeDecision(a *Approval, c *Customer, p Policy) Notice {
	text := fmt.Sprintf("你的%s申请 A%d（#%d %s）%s，审批人 %s。", a.Kind.Label(), a.ID, c.ID, c.Name, a.StatusLabel(), a.DeciderName)
	switch {
	case a.Status == ApprovalRejected && a.Note != "":
		text += "原因：" + a.Note + "。"
	case a.Status == ApprovalCancelled:
		text += "客户已不在你名下，申请作废。"
	case a.Status == ApprovalExpired:
		text = fmt.Sprintf("你的%s申请 A%d（#%d %s）%d 天无人审批，已过期作废。请先联系经理，再重新提交。",
			a.Kind.Label(), a.ID, c.ID, c.Name, p.Approval.ExpireDays)
	case a.Status == ApprovalApproved && a.Kind != ApproveTransfer:
		text += ProtectionText(c, p) + "。发「跟进 #" + fmt.Sprint(c.ID) + " 内容」继续跟进。"
	}
	return Notice{ToUser: a.RequesterUID, Text: text}
}

// NoticeReleased tells a former owner which customers went to the pool
// because their protection ended.
func NoticeReleased(cs []Customer, p Policy) Notice {
	lines := []string{fmt.Sprintf("你有 %d 个客户已退回公海：", len(cs))}
	for _, c := range cs {
		at, why := p.ReleaseAt(&c)
		cause := "保护期结束"
		if why == ReleaseNoFollow {
			cause = fmt.Sprintf("%d 天未跟进", int(p.Idle(c.Grade).Hours()/24))
		}
		lines = append(lines, fmt.Sprintf("#%d %s（%s，%s）", c.ID, c.Name, cause, p.DateTime(at)))
	}
	lines = append(lines, fmt.Sprintf("%d 天内不能领回；发「公海」看看其他客户。", p.ReclaimCooldown))
	return Notice{ToUser: cs[0].OwnerUID, Text: strings.Join(lines, "\n")}
}

// NoticeExpiring warns an owner about customers whose protection ends soon.
func NoticeExpiring(cs []Customer, now time.Time, p Policy) Notice {
	lines := []string{fmt.Sprintf("提醒：%d 个客户即将退回公海：", len(cs))}
	for _, c := range cs {
		at, why := p.ReleaseAt(&c)
		left := int(at.Sub(now).Hours()/24 + 0.999)
		cause := "保护期结束"
		if why == ReleaseNoFollow {
			cause = fmt.Sprintf("%d 天未跟进", int(p.Idle(c.Grade).Hours()/24))
		}
		lines = append(lines, fmt.Sprintf("#%d %s · %s · 还剩 %d 天（%s %s）", c.ID, c.Name, c.Stage, left, p.DateTime(at), cause))
	}
	lines = append(lines, "请尽快跟进推进成交；确需更多时间，发「延期 #编号 15天 原因:…」申请延期。")
	return Notice{ToUser: cs[0].OwnerUID, Text: strings.Join(lines, "\n")}
}

// NoticeReleasedBy tells the owner that someone else returned their customer to the pool.
func NoticeReleasedBy(c *Customer, actor *User, reason string, p Policy) Notice {
	text := fmt.Sprintf("%s 把你的客户 #%d %s 释放到了公海", actor.Name, c.ID, c.Name)
	if reason != "" {
		text += "（原因：" + reason + "）"
	}
	text += fmt.Sprintf("。%d 天内你不能领回；有疑问请联系 %s。", p.ReclaimCooldown, actor.Name)
	return Notice{ToUser: c.OwnerUID, Text: text}
}

// NoticeLock tells the owner that a manager locked or unlocked a customer.
func NoticeLock(c *Customer, actor *User) Notice {
	text := fmt.Sprintf("%s 锁定了你的客户 #%d %s：到期也不会退回公海，请继续跟进。", actor.Name, c.ID, c.Name)
	if !c.Locked {
		text = fmt.Sprintf("%s 解除了客户 #%d %s 的锁定：保护期和跟进规则恢复生效。", actor.Name, c.ID, c.Name)
	}
	return Notice{ToUser: c.OwnerUID, Text: text}
}
