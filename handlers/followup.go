package handlers

import (
	"context"
	"fmt"

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
	f := baobei.FollowUpDraft{Content: content, Stage: stage, NextAt: c.NextAt, AmountCents: c.Amount, Reason: c.Reason}
	cu, err := req.Svc.FollowUp(ctx, req.Now, req.Actor, ref(c), f)
	if err != nil {
		return nil, err
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		return h.followedUp(viewer == req.Actor, req.Actor, cu), nil
	})
}

// followedUp is the reply to a follow-up; the amount and the reason only
// in the sender's own copy, not in a group's.
func (h *Handlers) followedUp(own bool, actor *baobei.User, cu *baobei.Customer) string {
	switch {
	case cu.Stage == baobei.StageWon && own:
		return fmt.Sprintf("恭喜成交！#%d %s 金额 ¥%s，客户长期归 %s。\n售后沟通可继续发「跟进 #%d 内容」。",
			cu.ID, cu.Name, baobei.FormatCents(cu.AmountCents), cu.OwnerNameOr(actor.Name), cu.ID)
	case cu.Stage == baobei.StageWon:
		return fmt.Sprintf("恭喜成交！#%d %s，客户长期归 %s。", cu.ID, cu.Name, cu.OwnerNameOr(actor.Name))
	case cu.Stage == baobei.StageLost && own:
		return fmt.Sprintf("#%d %s 已标记流失（原因：%s），已退回公海。\n发「我的客户」看看其他客户。", cu.ID, cu.Name, cu.LostReason)
	case cu.Stage == baobei.StageLost:
		return fmt.Sprintf("#%d %s 已标记流失，已退回公海。", cu.ID, cu.Name)
	}
	text := fmt.Sprintf("已记录跟进：#%d %s · 阶段 %s", cu.ID, cu.Name, cu.Stage)
	if cu.NextFollowupAt != nil {
		text += fmt.Sprintf("\n下次跟进 %s，到时会出现在「待办」里。", h.policy.DateTime(*cu.NextFollowupAt))
	} else {
		text += "\n建议约好下次：跟进 #" + fmt.Sprint(cu.ID) + " 内容 下次:周五"
	}
	return text
}
