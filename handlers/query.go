package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"baobei"
	"baobei/bot"
)

const listMax = 30

// Mine handles 我的客户: what the sender holds, most urgent first.
func (h *Handlers) Mine(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	cs, err := req.Svc.OwnedBy(ctx, req.Now, req.Actor.ID)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return bot.Text("你名下还没有客户。发「报备 13800138000 张先生」报备新客户，或发「公海」领取客户。"), nil
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		lines := []string{fmt.Sprintf("你名下共 %d 个客户：", len(cs))}
		for i := range cs {
			if i == listMax {
				lines = append(lines, fmt.Sprintf("……还有 %d 个，发「查询 手机号」看单个客户。", len(cs)-listMax))
				break
			}
			lines = append(lines, h.line(viewer, &cs[i], req.Now))
		}
		lines = append(lines, "发「跟进 #编号 内容」记录跟进。")
		return strings.Join(lines, "\n"), nil
	})
}

// Todo handles 待办: follow-ups due by the end of today and customers whose
// protection ends within 7 days, as baobei.AttentionOf decides.
func (h *Handlers) Todo(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	cs, err := req.Svc.OwnedBy(ctx, req.Now, req.Actor.ID)
	if err != nil {
		return nil, err
	}
	return shown(req, func(viewer *baobei.User) (string, error) { return h.todo(viewer, cs, req.Now), nil })
}

func (h *Handlers) todo(viewer *baobei.User, cs []baobei.Customer, now time.Time) string {
	var due, expiring []string
	for i := range cs {
		c := &cs[i]
		a := baobei.AttentionOf(c, now, h.policy)
		if a.Due {
			mark := ""
			if a.Late {
				mark = "（已逾期）"
			}
			due = append(due, h.line(viewer, c, now)+mark)
		}
		if a.Expiring {
			expiring = append(expiring, h.line(viewer, c, now))
		}
	}
	if len(due)+len(expiring) == 0 {
		return "今天没有待办。发「我的客户」查看全部客户。"
	}
	var b strings.Builder
	if len(due) > 0 {
		fmt.Fprintf(&b, "今天要跟进 %d 个：\n%s\n", len(due), strings.Join(due, "\n"))
	}
	if len(expiring) > 0 {
		fmt.Fprintf(&b, "7天内保护期到期 %d 个（到期后进入公海）：\n%s\n", len(expiring), strings.Join(expiring, "\n"))
	}
	b.WriteString("跟进后发「跟进 #编号 内容 下次:周五」记录。")
	return b.String()
}

// Query handles 查询: full details for those allowed, otherwise a masked
// phone, the owner and the protection end, never the follow-ups. In a
// group chat everyone there sees the masked view; the sender gets the
// full one privately.
func (h *Handlers) Query(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	cs, err := req.Svc.FindCustomers(ctx, ref(req.Cmd))
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, baobei.Errorf(baobei.ENOTFOUND, "没有找到“%s”。新客户请发「报备 手机号 称呼」。", req.Cmd.Ref)
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		parts := make([]string, 0, len(cs))
		for i := range cs {
			s, err := h.detail(ctx, req, viewer, &cs[i])
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "\n\n"), nil
	})
}

func (h *Handlers) detail(ctx context.Context, req *bot.Request, viewer *baobei.User, c *baobei.Customer) (string, error) {
	switch c.Status {
	case baobei.StatusPending:
		return fmt.Sprintf("#%d %s %s · 等待经理审批（%s 报备）。", c.ID, c.Name, phone(viewer, c, req.Now), c.OwnerName), nil
	case baobei.StatusRejected:
		return fmt.Sprintf("#%d 的报备未通过审批，已作废。", c.ID), nil
	}
	if _, owned := c.Owner(req.Now); !owned {
		return fmt.Sprintf("#%d %s %s · %s · 在公海，可发「领取 #%d」领取。", c.ID, c.Name, phone(viewer, c, req.Now), c.Stage, c.ID), nil
	}
	if !full(viewer, c, req.Now) {
		return fmt.Sprintf("#%d %s %s · 归属 %s · %s。\n如需合作请联系 %s 或你的经理。", c.ID, c.Name, baobei.MaskPhone(c.Phone),
			c.OwnerName, baobei.ProtectionText(c, h.policy), c.OwnerName), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s\n归属 %s · %s · 阶段 %s", c.ID, c.Name, c.Phone, c.OwnerName, baobei.ProtectionText(c, h.policy), c.Stage)
	for _, kv := range [][2]string{{"公司", c.Company}, {"微信", c.Wechat}, {"来源", c.Source}, {"需求", c.Demand}, {"等级", c.Grade}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "\n%s：%s", kv[0], kv[1])
		}
	}
	if c.NextFollowupAt != nil {
		fmt.Fprintf(&b, "\n下次跟进：%s", h.policy.DateTime(*c.NextFollowupAt))
	}
	fs, err := req.Svc.RecentFollowUps(ctx, c.ID, 3)
	for _, f := range fs {
		fmt.Fprintf(&b, "\n· %s %s：%s", h.policy.DateTime(f.CreatedAt), f.UserName, f.Content)
	}
	return b.String(), err
}
