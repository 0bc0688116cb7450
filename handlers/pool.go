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

const poolShown = 10

// Pool handles 公海: the newest claimable customers, with 领取 buttons.
func (h *Handlers) Pool(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	cs, total, err := req.Svc.Pool(ctx, req.Now, poolShown)
	if err != nil {
		return nil, err
	}
	if total == 0 {
		return bot.Text("公海里暂时没有客户。发「报备 手机号 称呼」报备新客户。"), nil
	}
	takers, err := req.Svc.Takers(ctx, req.Now, req.Actor, ids(cs))
	if err != nil {
		return nil, err
	}
	reply, err := shown(req, func(viewer *baobei.User) (string, error) {
		lines := []string{fmt.Sprintf("公海共 %d 个客户，最新 %d 个：", total, len(cs))}
		claimable := 0
		var refusal string
		for i := range cs {
			line, err := h.poolLine(viewer, takerOf(takers, viewer, cs[i].ID), &cs[i], req.Now)
			if err == nil {
				claimable++
			} else if refusal == "" {
				refusal = err.Message
			}
			lines = append(lines, line)
		}
		if claimable == 0 {
			return strings.Join(append(lines, refusal), "\n"), nil
		}
		return strings.Join(append(lines, "发「领取 #编号」领取。"), "\n"), nil
	})
	if err != nil {
		return nil, err
	}
	reply.Card = cards.New(fmt.Sprintf("公海（%d）", total))
	for i := range cs {
		c := &cs[i]
		reply.Card.Add(fmt.Sprintf("#%d %s", c.ID, c.Name), fmt.Sprintf("%s · %s", baobei.MaskPhone(c.Phone), c.Stage))
		if baobei.CheckClaim(c, takers[c.ID], req.Now, h.policy) == nil && len(reply.Card.Buttons) < 5 {
			reply.Card.Buttons = append(reply.Card.Buttons, h.signer.Button(fmt.Sprintf("领取 #%d", c.ID), fmt.Sprintf("领取 #%d", c.ID), "", req.Now, 24*time.Hour))
		}
	}
	return reply, nil
}

// poolLine is a pool customer's line for viewer, marked with when viewer may
// claim it when the cooldown holds them back, and CheckClaim's verdict.
func (h *Handlers) poolLine(viewer *baobei.User, t baobei.Taker, c *baobei.Customer, now time.Time) (string, *baobei.Error) {
	line := h.line(viewer, c, now)
	if end, ok := baobei.CooldownEnd(c, t, now, h.policy); ok {
		line += fmt.Sprintf(" · 你 %s 后可领取", h.policy.DateTime(end))
	}
	return line, baobei.CheckClaim(c, t, now, h.policy)
}

// Release handles 释放: the owner, their manager or an admin returns a customer to the pool.
func (h *Handlers) Release(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	c, err := req.Svc.Release(ctx, req.Now, req.Actor, ref(req.Cmd), req.Cmd.Reason)
	if err != nil {
		return nil, err
	}
	if *c.OwnerID == req.Actor.ID {
		return bot.Text(fmt.Sprintf("已把 #%d %s 释放到公海，同事现在可以领取。%d 天内你不能领回。", c.ID, c.Name, h.policy.ReclaimCooldown)), nil
	}
	return bot.Text(fmt.Sprintf("已把 #%d %s（原负责人 %s）释放到公海，已通知%s。发「公海」查看，或「转移 #编号 @同事」直接分配。", c.ID, c.Name, c.OwnerName, c.OwnerName)), nil
}

// Claim handles 领取.
func (h *Handlers) Claim(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	c, err := req.Svc.Claim(ctx, req.Now, req.Actor, ref(req.Cmd))
	if err != nil {
		return nil, err
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		return fmt.Sprintf("领取成功：#%d %s %s · %s，保护期至 %s。\n下一步：联系后发「跟进 #%d 内容 下次:明天」。",
			c.ID, c.Name, phone(viewer, c, req.Now), c.Stage, h.policy.DateTime(*c.ProtectedUntil), c.ID), nil
	})
}
