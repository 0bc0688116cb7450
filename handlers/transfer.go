package handlers

import (
	"context"
	"fmt"
	"strings"

	"baobei"
	"baobei/bot"
)

// Transfer handles 转移 (managers and admins): the receiver and the former owner are told.
func (h *Handlers) Transfer(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	to, err := req.Svc.FindUser(ctx, req.Cmd.Target)
	if err != nil {
		return nil, err
	}
	if req.Actor.Role == baobei.RoleRep {
		a, err := req.Svc.RequestTransfer(ctx, req.Now, req.Actor, ref(req.Cmd), to, req.Cmd.Reason, h.approvalCards(req.Now))
		if err != nil {
			return nil, err
		}
		return bot.Text(fmt.Sprintf("已提交转移申请 A%d：%s 转给 %s，等待经理审批。发「我的申请」查看进度。", a.ID, a.CustomerName, to.Name)), nil
	}
	res, err := req.Svc.Transfer(ctx, req.Now, req.Actor, ref(req.Cmd), to, req.Cmd.Reason)
	if err != nil {
		return nil, err
	}
	c, told := res.Customer, to.Name
	if res.FormerName != "" {
		told += "和原负责人 " + res.FormerName
	}
	text := fmt.Sprintf("已将 #%d %s 转给 %s，保护期至 %s，已通知%s。", c.ID, c.Name, to.Name, h.policy.DateTime(*c.ProtectedUntil), told)
	if c.NextFollowupAt != nil {
		text += fmt.Sprintf("\n原定下次跟进 %s 已转给 %s。", h.policy.DateTime(*c.NextFollowupAt), to.Name)
	}
	return bot.Text(text + overCapNote(to, res.Held, h.policy)), nil
}

// Handover handles 交接 (manager or admin): all of one rep's customers to another.
func (h *Handlers) Handover(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	from, err := req.Svc.FindUser(ctx, req.Cmd.Ref)
	if err != nil {
		return nil, err
	}
	to, err := req.Svc.FindUser(ctx, req.Cmd.Target)
	if err != nil {
		return nil, err
	}
	res, err := req.Svc.Handover(ctx, req.Now, req.Actor, from, to)
	if err != nil {
		return nil, err
	}
	if len(res.Moved) == 0 {
		return bot.Text(fmt.Sprintf("%s 名下没有客户，无需交接。发「我的客户」或「公海」查看客户。", from.Name)), nil
	}
	text := fmt.Sprintf("已将 %s 的 %d 个客户交接给 %s，已通知双方。", from.Name, len(res.Moved), to.Name)
	if planned := baobei.PlannedLines(res.Moved, h.policy); len(planned) > 0 {
		text += fmt.Sprintf("\n已约的下次跟进一并转给 %s：\n%s", to.Name, strings.Join(planned, "\n"))
	}
	return bot.Text(text + overCapNote(to, res.Held, h.policy)), nil
}

// overCapNote tells a manager that the receiver of a transfer is now at or
// over max_held, or is "".
func overCapNote(to *baobei.User, held int, p baobei.Policy) string {
	if over := baobei.OverCap(to.Name+" ", held, p); over != "" {
		return "\n注意：" + over
	}
	return ""
}

// Lock handles 锁定 (managers, admins): the customer stays with its owner.
func (h *Handlers) Lock(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	c, err := req.Svc.SetLock(ctx, req.Now, req.Actor, ref(req.Cmd), true)
	if err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("已锁定 #%d %s（%s）：不会被退回公海，已通知%s。解除请发「解锁 #%d」。", c.ID, c.Name, c.OwnerName, c.OwnerName, c.ID)), nil
}

// Unlock handles 解锁.
func (h *Handlers) Unlock(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	c, err := req.Svc.SetLock(ctx, req.Now, req.Actor, ref(req.Cmd), false)
	if err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("已解锁 #%d %s，%s，已通知%s。", c.ID, c.Name, baobei.ProtectionText(c, h.policy), c.OwnerName)), nil
}
