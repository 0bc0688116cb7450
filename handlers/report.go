package handlers

import (
	"context"
	"fmt"
	"time"

	"baobei"
	"baobei/bot"
)

// Report handles 报备: a new customer, a refusal naming the owner (who is
// told), or the takeover of a customer nobody holds any more.
func (h *Handlers) Report(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	c := req.Cmd
	if c.Stage != "" || c.Amount != nil || c.NextAt != nil {
		return nil, baobei.Errorf(baobei.EINVALID, "报备时不记录阶段、金额或下次跟进。先发「报备 %s 称呼」，再用「跟进 手机号 内容 下次:周五」记录。", c.Phone)
	}
	d := baobei.CustomerDraft{Name: c.CustName, Phone: c.Phone, Wechat: c.Wechat, Company: c.Company,
		Source: c.Source, Demand: c.Demand, Grade: c.Grade, Custom: c.Custom}
	res, err := h.report(ctx, req, d)
	if err != nil {
		return nil, err
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		text := h.reported(viewer, res, c.Note, req.Now)
		if res.Took { // a takeover keeps the values the customer has
			return text, nil
		}
		return text + fieldsLine("\n已记录 ", c.Custom), nil
	})
}

// reported is the reply to a report as viewer may see it: the note (kept
// in 需求) only with the full phone.
func (h *Handlers) reported(viewer *baobei.User, res *baobei.ReportResult, note string, now time.Time) string {
	cu := res.Customer
	if note != "" && full(viewer, cu, now) {
		note = "\n备注（已记入需求）：" + note
	} else {
		note = ""
	}
	if res.Approval != nil {
		return fmt.Sprintf("已提交报备审批 A%d：#%d %s %s，等待经理审批。%s\n审批期间该客户为你保留，其他人不能报备。发「我的申请」查看进度。",
			res.Approval.ID, cu.ID, cu.Name, phone(viewer, cu, now), note)
	}
	text := fmt.Sprintf("报备成功：#%d %s %s，保护期至 %s。%s\n下一步：联系后发「跟进 #%d 电话沟通 下次:明天」记录跟进。",
		cu.ID, cu.Name, phone(viewer, cu, now), h.policy.DateTime(*cu.ProtectedUntil), note, cu.ID)
	if res.Took {
		text = fmt.Sprintf("该客户已登记过（#%d %s），现已无人负责，归你所有。\n%s", cu.ID, cu.Name, text)
	}
	return text
}

// report stores the draft, through an approval when the policy asks for
// one and the reporter could not approve it themselves.
func (h *Handlers) report(ctx context.Context, req *bot.Request, d baobei.CustomerDraft) (*baobei.ReportResult, error) {
	return ReportAs(ctx, req.Svc, req.Now, req.Actor, d, h.policy, h.approvalCards(req.Now))
}

// ReportAs is 报备 by actor with the chat rules, for chat and the HTTP API:
// through an approval when the policy asks for one and actor could not
// approve it themselves.
func ReportAs(ctx context.Context, svc baobei.Service, now time.Time, actor *baobei.User, d baobei.CustomerDraft, p baobei.Policy, ask baobei.ApprovalNotices) (*baobei.ReportResult, error) {
	team, err := svc.TeamName(ctx, actor)
	if err != nil {
		return nil, err
	}
	if p.Approval.NeedsApproval(d, team) && !actor.MayDecide(actor.TeamID) {
		return svc.RequestReport(ctx, now, actor, d, ask)
	}
	return svc.Report(ctx, now, actor, d)
}
