package handlers

import (
	"context"
	"errors"
	"fmt"

	"baobei"
	"baobei/bot"
)

// Report handles 报备: a new customer, a refusal naming the owner (who is
// told), or the takeover of a customer whose protection ended.
func (h *Handlers) Report(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	c := req.Cmd
	d := baobei.CustomerDraft{Name: c.CustName, Phone: c.Phone, Wechat: c.Wechat, Company: c.Company,
		Source: c.Source, Demand: c.Demand, Grade: c.Grade}
	res, err := h.svc.Report(ctx, req.Now, req.Actor, d)
	var conflict *baobei.Conflict
	if errors.As(err, &conflict) {
		if nerr := h.warnOwner(ctx, req, conflict.Existing); nerr != nil {
			return nil, nerr
		}
	}
	if err != nil {
		return nil, err
	}
	cu := res.Customer
	text := fmt.Sprintf("报备成功：#%d %s %s，保护期至 %s。\n下一步：联系后发「跟进 #%d 电话沟通 下次:明天」记录跟进。",
		cu.ID, cu.Name, cu.Phone, h.policy.DateTime(*cu.ProtectedUntil), cu.ID)
	if res.Took {
		text = fmt.Sprintf("该客户原保护期已结束，现已归你。\n%s", text)
		if err := h.tellFormer(ctx, req, res); err != nil {
			return nil, err
		}
	}
	return bot.Text(text), nil
}

// warnOwner tells the owner that someone else tried to report their customer.
func (h *Handlers) warnOwner(ctx context.Context, req *bot.Request, c *baobei.Customer) error {
	owner, owned := c.Owner(req.Now)
	if !owned || owner == req.Actor.ID || c.OwnerUID == "" {
		return nil
	}
	return h.svc.Notify(ctx, req.Now, baobei.Notice{ToUser: c.OwnerUID, Text: fmt.Sprintf(
		"提醒：%s 刚才尝试报备你的客户 #%d %s，已被系统拒绝（%s）。请尽快跟进：跟进 #%d 内容",
		req.Actor.Name, c.ID, c.Name, baobei.ProtectionText(c, h.policy), c.ID)})
}

// tellFormer tells the previous owner that their expired customer was taken.
func (h *Handlers) tellFormer(ctx context.Context, req *bot.Request, res *baobei.ReportResult) error {
	if res.TookFrom == nil || *res.TookFrom == req.Actor.ID {
		return nil
	}
	prev, err := h.svc.UserByID(ctx, *res.TookFrom)
	if err != nil {
		return err
	}
	return h.svc.Notify(ctx, req.Now, baobei.Notice{ToUser: prev.UID, Text: fmt.Sprintf(
		"你的客户 #%d %s 保护期已结束，已由 %s 重新报备。发「我的客户」查看你名下的客户。",
		res.Customer.ID, res.Customer.Name, req.Actor.Name)})
}
