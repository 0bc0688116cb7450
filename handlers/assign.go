package handlers

import (
	"context"
	"fmt"
	"time"

	"baobei"
	"baobei/bot"
	"baobei/cards"
)

// LeadCards builds the card a rep gets with a lead (written with the
// assignment); the HTTP API uses it too.
func LeadCards(s *cards.Signer, p baobei.Policy, now time.Time) baobei.LeadCard {
	return func(c *baobei.Customer, rep *baobei.User, by string) baobei.Notice {
		n, _ := bot.Out{ToUser: rep.UID, Text: baobei.LeadText(c, by, p), Card: cards.Lead(c, rep, by, s, p, now)}.Notice() // a card always marshals
		return n
	}
}

// Assign handles 分配 #3 @李四 (managers, admins): a pool customer by hand.
func (h *Handlers) Assign(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	to, err := req.Svc.FindUser(ctx, req.Cmd.Target)
	if err != nil {
		return nil, err
	}
	res, err := req.Svc.Assign(ctx, req.Now, req.Actor, ref(req.Cmd), to, LeadCards(h.signer, h.policy, req.Now))
	if err != nil {
		return nil, err
	}
	c := res.Customer
	return bot.Text(fmt.Sprintf("已将 #%d %s 分配给 %s，保护期至 %s，已通知 %s。", c.ID, c.Name, to.Name,
		h.policy.DateTime(*c.ProtectedUntil), to.Name) + overCapNote(to, res.Held, h.policy)), nil
}

// Reassign handles 转派 #3: the owner hands an assigned lead on.
func (h *Handlers) Reassign(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	res, err := req.Svc.Reassign(ctx, req.Now, req.Actor, ref(req.Cmd), LeadCards(h.signer, h.policy, req.Now))
	if err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("已把 #%d %s 转派给 %s，已通知 %s。", res.Customer.ID, res.Customer.Name, res.Rep.Name, res.Rep.Name)), nil
}

// Away handles 请假 [@张三] 3天.
func (h *Handlers) Away(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	u, err := h.awayUser(ctx, req)
	if err != nil {
		return nil, err
	}
	u, err = req.Svc.SetAway(ctx, req.Now, req.Actor, u, req.Cmd.Days)
	if err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("已登记 %s 请假到 %s（含）：期间不分配新线索，名下客户照常保留。提前回来请发「%s」。",
		u.Name, h.policy.Away(*u.AwayUntil), backCommand(req))), nil
}

// Back handles 销假 [@张三].
func (h *Handlers) Back(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	u, err := h.awayUser(ctx, req)
	if err != nil {
		return nil, err
	}
	if u.AwayUntil == nil || !u.AwayUntil.After(req.Now) {
		return bot.Text(fmt.Sprintf("%s 没有在请假，新线索照常分配。", u.Name)), nil
	}
	if u, err = req.Svc.SetAway(ctx, req.Now, req.Actor, u, 0); err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("%s 已销假，恢复分配新线索。", u.Name)), nil
}

// awayUser is whose leave 请假 / 销假 is about: the one named, else the
// sender — read from the store, not the router's cached actor, so that a
// leave set a moment ago shows.
func (h *Handlers) awayUser(ctx context.Context, req *bot.Request) (*baobei.User, error) {
	if req.Cmd.Target == "" {
		return req.Svc.FindUser(ctx, req.Actor.UID)
	}
	return req.Svc.FindUser(ctx, req.Cmd.Target)
}

func backCommand(req *bot.Request) string {
	if req.Cmd.Target == "" {
		return "销假"
	}
	return "销假 @" + req.Cmd.Target
}
