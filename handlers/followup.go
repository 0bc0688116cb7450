package handlers

import (
	"context"
	"fmt"
	"strings"

	"baobei"
	"baobei/bot"
)

// FollowUp handles 跟进: log it, optionally move the stage and plan the next one.
func (h *Handlers) FollowUp(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	stage, _ := baobei.ParseStage(req.Cmd.Stage)
	return h.followUp(ctx, req, req.Cmd.Content, stage)
}

// Won handles 成交: the customer stays with its owner with no expiry.
func (h *Handlers) Won(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	content := "成交"
	if req.Cmd.Amount != nil {
		content += " 金额 " + baobei.FormatCents(*req.Cmd.Amount)
	}
	return h.followUp(ctx, req, content, baobei.StageWon)
}

// Lost handles 流失: the customer returns to the pool.
func (h *Handlers) Lost(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	return h.followUp(ctx, req, "流失 原因 "+req.Cmd.Reason, baobei.StageLost)
}

func (h *Handlers) followUp(ctx context.Context, req *bot.Request, content string, stage baobei.Stage) (*bot.Reply, error) {
	c := req.Cmd
	f := baobei.FollowUpDraft{Kind: c.Kind, Content: content, Stage: stage, NextAt: c.NextAt, AmountCents: c.Amount, Reason: c.Reason,
		StageExplicit: c.StageExplicit, Grade: c.Grade, Items: c.Items, BoughtAt: c.BoughtAt, Custom: c.Custom}
	cu, err := req.Svc.FollowUp(ctx, req.Now, req.Actor, ref(c), f)
	if err != nil {
		return nil, err
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		return h.followedUp(viewer == req.Actor, req.Actor, cu, f.Kind) + fieldsLine("\n已记录 ", c.Custom), nil
	})
}

// followedUp is the reply to a follow-up; the amount and the reason only
// in the sender's own copy, not in a group's.
func (h *Handlers) followedUp(own bool, actor *baobei.User, cu *baobei.CustomerChange, kind baobei.FollowUpKind) string {
	switch {
	case cu.Stage == baobei.StageWon && own:
		return fmt.Sprintf("恭喜成交！#%d %s 金额 ¥%s，客户长期归 %s。%s\n售后沟通可继续发「跟进 #%d 内容」。",
			cu.ID, cu.Name, baobei.FormatCents(cu.AmountCents), cu.OwnerNameOr(actor.Name), h.gradeNote(cu), cu.ID)
	case cu.Stage == baobei.StageWon:
		return fmt.Sprintf("恭喜成交！#%d %s，客户长期归 %s。%s", cu.ID, cu.Name, cu.OwnerNameOr(actor.Name), h.gradeNote(cu))
	case cu.Stage == baobei.StageLost && own:
		return fmt.Sprintf("#%d %s 已标记流失（原因：%s），已退回公海。%s\n发「我的客户」看看其他客户。", cu.ID, cu.Name, cu.LostReason, h.gradeNote(cu))
	case cu.Stage == baobei.StageLost:
		return fmt.Sprintf("#%d %s 已标记流失，已退回公海。%s", cu.ID, cu.Name, h.gradeNote(cu))
	}
	text := fmt.Sprintf("已记录跟进：#%d %s · %s · 阶段 %s", cu.ID, cu.Name, kindOr(kind), cu.Stage)
	if cu.StageBack() {
		text += fmt.Sprintf("（由「%s」退回，已记录）", cu.StageFrom)
	}
	text += h.gradeNote(cu)
	if cu.NextFollowupAt != nil {
		text += fmt.Sprintf("\n下次跟进 %s，到时会出现在「待办」里。", h.policy.DateTime(*cu.NextFollowupAt))
	} else {
		text += "\n建议约好下次：跟进 #" + fmt.Sprint(cu.ID) + " 内容 下次:周五"
	}
	return text
}

// fieldsLine renders custom field values in policy order after prefix
// (面积:120 户型:三居), or "" when there are none.
func fieldsLine(prefix string, vals map[string]string) string {
	var parts []string
	for _, f := range baobei.Fields {
		if v := vals[f.Key]; v != "" {
			parts = append(parts, f.Key+":"+v)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return prefix + strings.Join(parts, " ")
}

// kindOr names a follow-up's kind, 其他 when none was given.
func kindOr(k baobei.FollowUpKind) baobei.FollowUpKind {
	if k == "" {
		return baobei.KindOther
	}
	return k
}

// Grade handles 等级 #3 A: the owner, their manager or an admin sets the grade.
func (h *Handlers) Grade(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	cu, err := req.Svc.SetGrade(ctx, req.Now, req.Actor, ref(req.Cmd), req.Cmd.Grade)
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("#%d %s%s", cu.ID, cu.Name, h.gradeNote(cu))
	if at, why := h.policy.ReleaseAt(cu.Customer); why == baobei.ReleaseNoFollow && !at.After(req.Now) {
		return bot.Text(text + fmt.Sprintf("\n按新等级已超过未跟进期限，整点会退回公海；请马上发「跟进 #%d 内容」。", cu.ID)), nil
	}
	return bot.Text(text + fmt.Sprintf("\n发「跟进 #%d 内容 下次:周五」记录跟进。", cu.ID)), nil
}

// gradeNote confirms a grade change with the windows it brings, or is "".
func (h *Handlers) gradeNote(cu *baobei.CustomerChange) string {
	if cu.Grade == cu.GradeFrom {
		return ""
	}
	return fmt.Sprintf("\n等级 %s → %s：从现在起 %d 天未跟进提醒、%d 天未跟进退回公海。", baobei.GradeLabel(cu.GradeFrom), cu.Grade,
		int(h.policy.Stale(cu.Grade).Hours()/24), int(h.policy.Idle(cu.Grade).Hours()/24))
}

// Amount handles 改金额 #3 金额:13800 原因:… (admins): the won amount is
// corrected, audited, and the owner told. A group sees no amounts.
func (h *Handlers) Amount(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	cu, err := req.Svc.SetAmount(ctx, req.Now, req.Actor, ref(req.Cmd), *req.Cmd.Amount, req.Cmd.Reason)
	if err != nil {
		return nil, err
	}
	told := ""
	if *cu.OwnerID != req.Actor.ID {
		told = "，已通知" + cu.OwnerName
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		if viewer != req.Actor {
			return fmt.Sprintf("#%d %s 的成交金额已更正%s。", cu.ID, cu.Name, told), nil
		}
		return fmt.Sprintf("已把 #%d %s 的成交金额从 ¥%s 改为 ¥%s（原因：%s）%s。发「查询 #%d」查看。",
			cu.ID, cu.Name, baobei.FormatCents(cu.AmountFrom), baobei.FormatCents(cu.AmountCents), req.Cmd.Reason, told, cu.ID), nil
	})
}

// Repurchase handles 复购 #3 金额:3000 商品:靠垫: another purchase of a won customer.
func (h *Handlers) Repurchase(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	var cents int64
	if req.Cmd.Amount != nil {
		cents = *req.Cmd.Amount
	}
	c, ps, err := req.Svc.Repurchase(ctx, req.Now, req.Actor, ref(req.Cmd), baobei.PurchaseDraft{Cents: cents, Items: req.Cmd.Items, At: req.Cmd.BoughtAt})
	if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("已登记复购：#%d %s ¥%s", c.ID, c.Name, baobei.FormatCents(cents))
	if req.Cmd.Items != "" {
		text += "（" + req.Cmd.Items + "）"
	}
	return &bot.Reply{Text: text + "。" + ps.Text(h.policy) + "。发「查询 #" + fmt.Sprint(c.ID) + "」查看。", Masked: fmt.Sprintf("已登记 #%d %s 的复购。", c.ID, c.Name)}, nil
}
