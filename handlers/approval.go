package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/cards"
)

// approvalCards asks each approver with a card (written with the request).
func (h *Handlers) approvalCards(now time.Time) baobei.ApprovalNotices {
	return ApprovalCards(h.signer, h.policy, now)
}

// ApprovalCards asks each approver with a card; the HTTP API uses it too.
func ApprovalCards(s *cards.Signer, p baobei.Policy, now time.Time) baobei.ApprovalNotices {
	return func(a *baobei.Approval, c *baobei.Customer, approvers []baobei.User) []baobei.Notice {
		out := bot.Out{Text: fmt.Sprintf("%s 提交了%s申请 A%d（#%d %s），请审批：点卡片按钮，或回复「同意 A%d」/「驳回 A%d 原因:…」。",
			a.RequesterName, a.Kind.Label(), a.ID, c.ID, c.Name, a.ID, a.ID), Card: cards.Approval(a, c, s, p, now)}
		ns := make([]baobei.Notice, 0, len(approvers))
		for _, u := range approvers {
			out.ToUser = u.UID
			n, _ := out.Notice() // a card always marshals
			ns = append(ns, n)
		}
		return ns
	}
}

// Extend handles 延期: the owner asks a manager to move the protection end.
func (h *Handlers) Extend(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	a, err := req.Svc.RequestExtend(ctx, req.Now, req.Actor, ref(req.Cmd), req.Cmd.Days, req.Cmd.Reason, h.approvalCards(req.Now))
	if err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("已提交延期申请 A%d：%s 延期 %d 天，等待经理审批。发「我的申请」查看进度。", a.ID, a.CustomerName, a.Days)), nil
}

// Approve handles 同意 A12 (typed or tapped).
func (h *Handlers) Approve(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	return h.decide(ctx, req, true, "")
}

// Reject handles 驳回 A12 原因:…; without a reason it asks for one.
func (h *Handlers) Reject(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if strings.TrimSpace(req.Cmd.Reason) == "" {
		return nil, baobei.Errorf(baobei.EINVALID, "驳回需要说明原因，申请人会收到。请回复「驳回 A%d 原因:…」。", req.Cmd.Number)
	}
	return h.decide(ctx, req, false, req.Cmd.Reason)
}

func (h *Handlers) decide(ctx context.Context, req *bot.Request, approve bool, note string) (*bot.Reply, error) {
	a, c, err := req.Svc.Decide(ctx, req.Now, req.Actor, req.Cmd.Number, approve, note)
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("A%d %s：%s的%s申请（#%d %s），已通知%s。", a.ID, a.StatusLabel(), a.RequesterName, a.Kind.Label(), c.ID, c.Name, a.RequesterName)
	// The card shows the full phone: in a group chat it goes privately.
	return &bot.Reply{Text: text, Card: cards.Approval(a, c, h.signer, h.policy, req.Now), Outcome: a.StatusLabel(), Masked: text}, nil
}

// Approvals handles 审批: the requests the sender may decide.
func (h *Handlers) Approvals(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	if req.Actor.Role == baobei.RoleRep {
		return bot.Text("审批由经理和管理员处理。查看自己的申请请发「我的申请」。"), nil
	}
	as, err := req.Svc.PendingApprovals(ctx, req.Actor)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return bot.Text("没有待审批的申请。"), nil
	}
	lines := []string{fmt.Sprintf("待审批 %d 条：", len(as))}
	for _, a := range as {
		lines = append(lines, fmt.Sprintf("A%d %s · %s · %s（%s）", a.ID, a.Kind.Label(), a.CustomerName, a.RequesterName, h.policy.DateTime(a.CreatedAt)))
	}
	lines = append(lines, "回复「同意 A编号」或「驳回 A编号 原因:…」。")
	return bot.Text(strings.Join(lines, "\n")), nil
}

// Requests handles 我的申请.
func (h *Handlers) Requests(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	as, err := req.Svc.RequestsBy(ctx, req.Actor.ID)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return bot.Text("你还没有提交过申请。报备重点客户、「延期」和「转移」会生成申请。"), nil
	}
	lines := []string{"你最近的申请："}
	for _, a := range as {
		s := fmt.Sprintf("A%d %s · %s · %s", a.ID, a.Kind.Label(), a.CustomerName, a.StatusLabel())
		if a.Note != "" {
			s += "（" + a.Note + "）"
		}
		lines = append(lines, s)
	}
	return bot.Text(strings.Join(lines, "\n")), nil
}
