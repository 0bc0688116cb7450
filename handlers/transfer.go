package handlers

import (
	"context"
	"fmt"

	"baobei"
	"baobei/bot"
)

// Transfer handles 转移 (manager or admin): the receiver and the former owner are told.
func (h *Handlers) Transfer(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	to, err := h.svc.FindUser(ctx, req.Cmd.Target)
	if err != nil {
		return nil, err
	}
	before, err := h.svc.FindCustomers(ctx, ref(req.Cmd))
	if err != nil {
		return nil, err
	}
	c, err := h.svc.Transfer(ctx, req.Now, req.Actor, ref(req.Cmd), to)
	if err != nil {
		return nil, err
	}
	notes := []baobei.Notice{{ToUser: to.UID, Text: fmt.Sprintf("%s 把客户 #%d %s %s 转给了你，保护期至 %s。发「查询 #%d」查看详情。",
		req.Actor.Name, c.ID, c.Name, c.Phone, h.policy.DateTime(*c.ProtectedUntil), c.ID)}}
	if len(before) == 1 {
		if owner, owned := before[0].Owner(req.Now); owned && owner != req.Actor.ID {
			notes = append(notes, baobei.Notice{ToUser: before[0].OwnerUID, Text: fmt.Sprintf("你的客户 #%d %s 已由 %s 转给 %s。", c.ID, c.Name, req.Actor.Name, to.Name)})
		}
	}
	if err := h.svc.Notify(ctx, req.Now, notes...); err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("已将 #%d %s 转给 %s，保护期至 %s，已通知双方。", c.ID, c.Name, to.Name, h.policy.DateTime(*c.ProtectedUntil))), nil
}

// Handover handles 交接 (manager or admin): all of one rep's customers to another.
func (h *Handlers) Handover(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	from, err := h.svc.FindUser(ctx, req.Cmd.Ref)
	if err != nil {
		return nil, err
	}
	to, err := h.svc.FindUser(ctx, req.Cmd.Target)
	if err != nil {
		return nil, err
	}
	n, err := h.svc.Handover(ctx, req.Now, req.Actor, from, to)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return bot.Text(fmt.Sprintf("%s 名下没有客户，无需交接。", from.Name)), nil
	}
	err = h.svc.Notify(ctx, req.Now,
		baobei.Notice{ToUser: to.UID, Text: fmt.Sprintf("%s 把 %s 的 %d 个客户交接给了你。发「我的客户」查看。", req.Actor.Name, from.Name, n)},
		baobei.Notice{ToUser: from.UID, Text: fmt.Sprintf("你名下的 %d 个客户已由 %s 交接给 %s。", n, req.Actor.Name, to.Name)})
	if err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("已将 %s 的 %d 个客户交接给 %s，已通知双方。", from.Name, n, to.Name)), nil
}
