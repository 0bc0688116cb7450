package baobei

import (
	"fmt"
	"slices"
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

// AttemptWindow is the hour after a refused report during which further
// attempts on the customer are gathered: the owner hears of the first at
// once (NoticeReportAttempt) and of the rest together when it ends
// (NoticeReportAttempts).
const AttemptWindow = time.Hour

// NoticeReportAttempts tells the owner who else tried to report their
// customer in the hour after the first attempt: the first two names and,
// past two, how many people in all.
func NoticeReportAttempts(c *Customer, names []string, p Policy) Notice {
	who := strings.Join(names[:min(2, len(names))], "、")
	if len(names) > 2 {
		who += fmt.Sprintf("等 %d 人", len(names))
	}
	return Notice{ToUser: c.OwnerUID, Text: fmt.Sprintf(
		"提醒：过去一小时 %s也尝试报备你的客户 #%d %s，已被系统拒绝（%s）。请尽快跟进：跟进 #%d 内容",
		who, c.ID, c.Name, ProtectionText(c, p), c.ID)}
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

// NoticesTransfer tells the receiver, with the planned follow-up and
// whether they are now at or over the cap (held), and the former owner when
// there was one.
func NoticesTransfer(c *Customer, formerUID string, actor, to *User, held int, p Policy) []Notice {
	text := fmt.Sprintf("%s 把客户 #%d %s %s 转给了你，%s。", actor.Name, c.ID, c.Name, c.Phone, ProtectionText(c, p))
	if c.NextFollowupAt != nil {
		text += "原定下次跟进 " + p.DateTime(*c.NextFollowupAt) + "，已记入你的「待办」。"
	}
	text += OverCap("你", held, p) + fmt.Sprintf("发「查询 #%d」查看详情。", c.ID)
	ns := []Notice{{ToUser: to.UID, Text: text}}
	if formerUID != "" && formerUID != actor.UID {
		ns = append(ns, Notice{ToUser: formerUID, Text: fmt.Sprintf("你的客户 #%d %s 已由 %s 转给 %s。有疑问请联系 %s；发「我的客户」查看你名下的客户。",
			c.ID, c.Name, actor.Name, to.Name, actor.Name)})
	}
	return ns
}

// PlannedLines lists the planned next follow-ups of cs, soonest first, at
// most DigestLines of them.
func PlannedLines(cs []Customer, p Policy) []string {
	var planned []Customer
	for _, c := range cs {
		if c.NextFollowupAt != nil {
			planned = append(planned, c)
		}
	}
	slices.SortFunc(planned, func(a, b Customer) int { return a.NextFollowupAt.Compare(*b.NextFollowupAt) })
	var lines []string
	for i, c := range planned {
		if i == DigestLines {
			lines = append(lines, fmt.Sprintf("…另有 %d 个", len(planned)-i))
			break
		}
		lines = append(lines, fmt.Sprintf("#%d %s · 下次跟进 %s", c.ID, c.Name, p.DateTime(*c.NextFollowupAt)))
	}
	return lines
}

// NoticesHandover tells both sides of a handover: the receiver with the
// planned follow-ups and whether they are now at or over the cap.
func NoticesHandover(actor, from, to *User, moved []Customer, held int, p Policy) []Notice {
	lines := []string{fmt.Sprintf("%s 把 %s 的 %d 个客户交接给了你。", actor.Name, from.Name, len(moved))}
	if planned := PlannedLines(moved, p); len(planned) > 0 {
		lines = append(lines, "已约的下次跟进（已记入你的「待办」）：")
		lines = append(lines, planned...)
	}
	if over := OverCap("你", held, p); over != "" {
		lines = append(lines, over)
	}
	lines = append(lines, "发「我的客户」查看，联系客户后发「跟进 #编号 内容」记录。")
	return []Notice{
		{ToUser: to.UID, Text: strings.Join(lines, "\n")},
		{ToUser: from.UID, Text: fmt.Sprintf("你名下的 %d 个客户已由 %s 交接给 %s。有疑问请联系 %s；发「我的客户」查看你名下还有的客户。",
			len(moved), actor.Name, to.Name, actor.Name)},
	}
}

// NoticeDecision tells the requester how their request was decided.
func NoticeDecision(a *Approval, c *Customer, p Policy) Notice {
	text := fmt.Sprintf("你的%s申请 A%d（#%d %s）%s，审批人 %s。", a.Kind.Label(), a.ID, c.ID, c.Name, a.StatusLabel(), a.DeciderName)
	switch {
	case a.Status == ApprovalRejected:
		if a.Note != "" {
			text += "原因：" + a.Note + "。"
		}
		text += rejectedStep(a, c)
	case a.Status == ApprovalCancelled:
		text += fmt.Sprintf("客户已不在你名下，申请作废。发「查询 #%d」查看现在的归属。", c.ID)
	case a.Status == ApprovalExpired:
		text = fmt.Sprintf("你的%s申请 A%d（#%d %s）%d 天无人审批，已过期作废。请先联系经理，再重新提交。",
			a.Kind.Label(), a.ID, c.ID, c.Name, p.Approval.ExpireDays)
	case a.Kind == ApproveTransfer:
		text += "客户已转给 " + a.TargetName + "。发「我的客户」查看你名下的客户。"
	default:
		text += ProtectionText(c, p) + "。发「跟进 #" + fmt.Sprint(c.ID) + " 内容」继续跟进。"
	}
	return Notice{ToUser: a.RequesterUID, Text: text}
}

// rejectedStep is what the requester of a rejected request may do next.
func rejectedStep(a *Approval, c *Customer) string {
	switch a.Kind {
	case ApproveReport:
		return fmt.Sprintf("报备已作废。有疑问请联系 %s；信息补全后可重新「报备」。", a.DeciderName)
	case ApproveTransfer:
		return fmt.Sprintf("客户仍在你名下，发「跟进 #%d 内容」继续跟进。", c.ID)
	}
	return fmt.Sprintf("保护期不变，请抓紧跟进：跟进 #%d 内容", c.ID)
}

// NoticeAmount tells the owner that an admin corrected the won amount.
func NoticeAmount(c *Customer, actor *User, fromCents int64, reason string) Notice {
	return Notice{ToUser: c.OwnerUID, Text: fmt.Sprintf("%s 把你的客户 #%d %s 的成交金额从 ¥%s 改为 ¥%s（原因：%s）。发「查询 #%d」查看。",
		actor.Name, c.ID, c.Name, FormatCents(fromCents), FormatCents(c.AmountCents), reason, c.ID)}
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

// NoticeExpiring warns an owner about the customers a release rule takes
// within the warning window (Policy.WarnDays), each with the days left,
// counted up: never more than WarnDays. It suggests a follow-up where the
// idle rule fires, and 延期 only when it would help: for the customers in
// extendable (extensions left, none pending), whose approved 延期 moves the
// end and suspends the idle rule.
func NoticeExpiring(cs []Customer, now time.Time, extendable map[int64]bool, p Policy) Notice {
	lines := []string{fmt.Sprintf("提醒：%d 个客户即将退回公海（%d 天内）：", len(cs), p.WarnDays)}
	idle, ending, ext := false, false, int64(0)
	for _, c := range cs {
		at, why := p.ReleaseAt(&c)
		left := int((at.Sub(now) + 24*time.Hour - time.Second) / (24 * time.Hour))
		cause := "保护期结束"
		if why == ReleaseNoFollow {
			cause = fmt.Sprintf("%d 天未跟进", int(p.Idle(c.Grade).Hours()/24))
		}
		idle, ending = idle || why == ReleaseNoFollow, ending || why != ReleaseNoFollow
		if extendable[c.ID] && ext == 0 {
			ext = c.ID
		}
		lines = append(lines, fmt.Sprintf("#%d %s · %s · 还剩 %d 天（%s %s）", c.ID, c.Name, c.Stage, left, p.DateTime(at), cause))
	}
	if idle {
		lines = append(lines, "未跟进的：发「跟进 #编号 内容」记一次跟进，就不会因此退回。")
	}
	if ending {
		lines = append(lines, "保护期到期的：请尽快推进成交。")
	}
	if ext != 0 {
		lines = append(lines, fmt.Sprintf("确需更多时间，发「延期 #%d 15天 原因:…」申请延期（批准后保护期延长，期间不因未跟进退回）。", ext))
	}
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
