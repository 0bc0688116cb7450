package cards

import (
	"fmt"
	"time"

	"baobei"
)

// ButtonTTL is how long an approval card's buttons work; afterwards the
// approver types 同意 / 驳回 with the number.
const ButtonTTL = 30 * 24 * time.Hour

// Approval is the card an approver decides on: the request with 同意 and
// 驳回 buttons while it is pending, the outcome once decided. Approvers (the
// requester's managers, admins) may see the phone in full.
func Approval(a *baobei.Approval, c *baobei.Customer, s *Signer, p baobei.Policy, now time.Time) *Card {
	card := New(fmt.Sprintf("%s审批 A%d", a.Kind.Label(), a.ID))
	card.Add("客户", fmt.Sprintf("#%d %s", c.ID, c.Name)).Add("电话", c.Phone)
	for _, f := range []Field{{"公司", c.Company}, {"来源", c.Source}, {"需求", c.Demand}, {"等级", c.Grade}} {
		if f.Value != "" {
			card.Add(f.Label, f.Value)
		}
	}
	card.Add("申请人", a.RequesterName)
	switch a.Kind {
	case baobei.ApproveExtend:
		card.Add("延期", fmt.Sprintf("%d 天（现保护期至 %s）", a.Days, protectedUntil(c, p)))
	case baobei.ApproveTransfer:
		card.Add("转给", a.TargetName)
	}
	if a.Reason != "" {
		card.Add("原因", a.Reason)
	}
	if a.Status != baobei.ApprovalPending {
		return card.Add("结果", outcome(a, p))
	}
	card.Buttons = []Button{s.Button("同意", fmt.Sprintf("同意 A%d", a.ID), "", now, ButtonTTL)}
	for _, r := range RejectReasons(a.Kind) {
		card.Buttons = append(card.Buttons, s.Button("驳回："+r, fmt.Sprintf("驳回 A%d 原因:%s", a.ID, r), "", now, ButtonTTL))
	}
	// 其他… asks for the reason to be typed.
	card.Buttons = append(card.Buttons, s.Button("驳回：其他…", fmt.Sprintf("驳回 A%d", a.ID), "", now, ButtonTTL))
	return card
}

// RejectReasons are the common reasons an approver rejects a request of
// kind with one tap.
func RejectReasons(kind baobei.ApprovalKind) []string {
	if kind == baobei.ApproveReport {
		return []string{"重复报备", "信息不全", "不符合政策"}
	}
	return []string{"信息不全", "不符合政策"}
}

func protectedUntil(c *baobei.Customer, p baobei.Policy) string {
	if c.ProtectedUntil == nil {
		return "—"
	}
	return p.DateTime(*c.ProtectedUntil)
}

func outcome(a *baobei.Approval, p baobei.Policy) string {
	s := a.StatusLabel()
	if a.DeciderName != "" {
		s += " · " + a.DeciderName
	}
	if a.DecidedAt != nil {
		s += " " + p.DateTime(*a.DecidedAt)
	}
	if a.Note != "" {
		s += " · " + a.Note
	}
	return s
}
