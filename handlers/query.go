package handlers

import (
	"context"
	"fmt"
	"slices"
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
	title := fmt.Sprintf("你名下共 %d 个客户：", len(cs))
	if tag := req.Cmd.Tag; tag != "" {
		if cs, err = withTag(ctx, req.Svc, cs, tag); err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			return bot.Text(fmt.Sprintf("你名下没有标签「%s」的客户。发「我的客户」看全部，「标签 #编号 %s」给客户加上。", tag, tag)), nil
		}
		title = fmt.Sprintf("你名下标签「%s」的客户共 %d 个：", tag, len(cs))
	}
	if want := fieldsLine("", req.Cmd.Custom); want != "" {
		if cs, err = withFields(ctx, req.Svc, cs, req.Cmd.Custom); err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			return bot.Text(fmt.Sprintf("你名下没有 %s 的客户。发「我的客户」看全部。", want)), nil
		}
		title = fmt.Sprintf("你名下 %s 的客户共 %d 个：", want, len(cs))
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		lines := []string{title}
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
	day := h.policy.DayStart(req.Now)
	vs, err := req.Svc.VisitsOf(ctx, req.Actor, day.AddDate(0, 0, -30), day.AddDate(0, 0, 1)) // reports owed for up to 30 days
	if err != nil {
		return nil, err
	}
	visits := h.visitTodo(vs, req.Now)
	return shown(req, func(viewer *baobei.User) (string, error) { return h.todo(viewer, cs, visits, req.Now), nil })
}

func (h *Handlers) todo(viewer *baobei.User, cs []baobei.Customer, visits []string, now time.Time) string {
	var due, expiring, visit, revisit []string
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
		if a.VisitDue {
			visit = append(visit, h.line(viewer, c, now))
		}
		if a.Revisit && !a.Due {
			revisit = append(revisit, h.line(viewer, c, now))
		}
	}
	if len(due)+len(expiring)+len(visits)+len(visit)+len(revisit) == 0 {
		return "今天没有待办。发「我的客户」查看全部客户。"
	}
	var b strings.Builder
	for _, v := range visits {
		b.WriteString(v + "\n")
	}
	if len(due) > 0 {
		fmt.Fprintf(&b, "今天要跟进 %d 个：\n%s\n", len(due), strings.Join(due, "\n"))
	}
	if len(expiring) > 0 {
		fmt.Fprintf(&b, "7天内保护期到期 %d 个（到期后进入公海）：\n%s\n", len(expiring), strings.Join(expiring, "\n"))
	}
	if len(visit) > 0 {
		fmt.Fprintf(&b, "按拜访周期该拜访 %d 个（发「拜访 #编号 明天 14:00」安排）：\n%s\n", len(visit), strings.Join(visit, "\n"))
	}
	if len(revisit) > 0 {
		fmt.Fprintf(&b, "成交客户该回访 %d 个（%d 天没跟进）：\n%s\n", len(revisit), h.policy.Care.RevisitDays, strings.Join(revisit, "\n"))
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
	takers, err := req.Svc.Takers(ctx, req.Now, req.Actor, ids(cs))
	if err != nil {
		return nil, err
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		parts := make([]string, 0, len(cs))
		for i := range cs {
			s, err := h.detail(ctx, req, viewer, takerOf(takers, viewer, cs[i].ID), &cs[i])
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "\n\n"), nil
	})
}

// ids lists the customers' numbers.
func ids(cs []baobei.Customer) []int64 {
	out := make([]int64, len(cs))
	for i := range cs {
		out[i] = cs[i].ID
	}
	return out
}

// takerOf is viewer as a claimer of customer id: the sender with what the
// store knows of them, or any group member, of whom nothing is known.
func takerOf(takers map[int64]baobei.Taker, viewer *baobei.User, id int64) baobei.Taker {
	if t, ok := takers[id]; ok && t.User == viewer {
		return t
	}
	return baobei.Taker{User: viewer}
}

// followUpsShown is how many follow-ups 查询 shows; 跟进记录 shows them all.
const followUpsShown = 3

func (h *Handlers) detail(ctx context.Context, req *bot.Request, viewer *baobei.User, taker baobei.Taker, c *baobei.Customer) (string, error) {
	switch c.Status {
	case baobei.StatusPending:
		return fmt.Sprintf("#%d %s %s · 等待经理审批（%s 报备）。%s", c.ID, c.Name, phone(viewer, c, req.Now), c.OwnerName,
			baobei.PendingStep(c, viewer)), nil
	case baobei.StatusRejected:
		return fmt.Sprintf("#%d 的报备未通过审批，已作废。", c.ID), nil
	}
	if _, owned := c.Owner(req.Now); !owned {
		return fmt.Sprintf("#%d %s %s · %s · 在公海。%s", c.ID, c.Name, phone(viewer, c, req.Now), c.Stage,
			baobei.ClaimStep(c, taker, req.Now, h.policy)), nil
	}
	if !full(viewer, c, req.Now) {
		return fmt.Sprintf("#%d %s %s · 归属 %s · %s。\n如需合作请联系 %s 或你的经理。", c.ID, c.Name, baobei.MaskPhone(c.Phone),
			c.OwnerName, baobei.ProtectionText(c, h.policy), c.OwnerName), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s\n归属 %s · %s · 阶段 %s", c.ID, c.Name, c.Phone, c.OwnerName, baobei.ProtectionText(c, h.policy), c.Stage)
	if c.Status == baobei.StatusWon {
		fmt.Fprintf(&b, " · 成交金额 ¥%s", baobei.FormatCents(c.AmountCents))
		ps, err := req.Svc.PurchasesOf(ctx, c.ID)
		if err != nil {
			return "", err
		}
		if t := ps.Text(h.policy); t != "" {
			fmt.Fprintf(&b, "\n%s", t)
		}
		if r, ok, err := req.Svc.RFMOf(ctx, req.Now, c.ID); err != nil {
			return "", err
		} else if ok {
			fmt.Fprintf(&b, "\n%s", h.policy.RFM.Text(r))
		}
	}
	for _, kv := range [][2]string{{"公司", c.Company}, {"微信", c.Wechat}, {"来源", c.Source}, {"需求", c.Demand}, {"等级", c.Grade},
		{"预算", c.Budget}, {"决策链", c.DecisionChain}, {"竞品", c.Competitors}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "\n%s：%s", kv[0], kv[1])
		}
	}
	vals, err := req.Svc.FieldsOf(ctx, []int64{c.ID})
	if err != nil {
		return "", err
	}
	for _, f := range baobei.Fields {
		if v := vals[c.ID][f.Key]; v != "" {
			fmt.Fprintf(&b, "\n%s：%s", f.Key, v)
		}
	}
	tags, err := req.Svc.TagsOf(ctx, []int64{c.ID})
	if err != nil {
		return "", err
	}
	if t := tags[c.ID]; len(t) > 0 {
		fmt.Fprintf(&b, "\n标签：%s", baobei.TagText(t))
	}
	if c.NextFollowupAt != nil {
		fmt.Fprintf(&b, "\n下次跟进：%s", h.policy.DateTime(*c.NextFollowupAt))
	}
	fs, total, err := req.Svc.FollowUps(ctx, c.ID, followUpsShown)
	if total > len(fs) {
		fmt.Fprintf(&b, "\n跟进（最近 %d 条，共 %d 条；发「跟进记录 #%d」看全部）：", len(fs), total, c.ID)
	}
	h.followUpLines(&b, fs)
	return b.String(), err
}

// followUpLines writes one line per follow-up.
func (h *Handlers) followUpLines(b *strings.Builder, fs []baobei.FollowUp) {
	for _, f := range fs {
		fmt.Fprintf(b, "\n· %s %s [%s]：%s", h.policy.DateTime(f.CreatedAt), f.UserName, kindOr(f.Kind), f.Content)
	}
}

// followUpsMax caps 跟进记录 to what one chat message carries.
const followUpsMax = 50

// FollowUps handles 跟进记录 #3: all follow-ups of one customer, newest
// first, for those who may see its full details. In a group chat the list
// goes privately.
func (h *Handlers) FollowUps(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	cs, err := req.Svc.FindCustomers(ctx, ref(req.Cmd))
	switch {
	case err != nil:
		return nil, err
	case len(cs) == 0:
		return nil, baobei.Errorf(baobei.ENOTFOUND, "没有找到“%s”。请用手机号或编号（#3）指明客户；发「查询 %s」查找。", req.Cmd.Ref, req.Cmd.Ref)
	case len(cs) > 1:
		return nil, baobei.Errorf(baobei.EAMBIGUOUS, "有多位客户叫“%s”。请改用手机号或编号（#3）；发「查询 %s」可看到各自的编号。", req.Cmd.Ref, req.Cmd.Ref)
	}
	c := &cs[0]
	if !full(req.Actor, c, req.Now) {
		return nil, baobei.Errorf(baobei.EFORBIDDEN, "跟进记录只有负责人、其团队经理和管理员能看。发「查询 #%d」查看归属。", c.ID)
	}
	fs, total, err := req.Svc.FollowUps(ctx, c.ID, followUpsMax)
	if err != nil {
		return nil, err
	}
	return shown(req, func(viewer *baobei.User) (string, error) {
		if viewer != req.Actor {
			return fmt.Sprintf("#%d %s 的跟进记录共 %d 条。", c.ID, c.Name, total), nil
		}
		if total == 0 {
			return fmt.Sprintf("#%d %s 还没有跟进记录。发「跟进 #%d 内容」记录第一条。", c.ID, c.Name, c.ID), nil
		}
		var b strings.Builder
		fmt.Fprintf(&b, "#%d %s 的跟进记录（共 %d 条，最新在前", c.ID, c.Name, total)
		if total > len(fs) {
			fmt.Fprintf(&b, "，显示最近 %d 条", len(fs))
		}
		b.WriteString("）：")
		h.followUpLines(&b, fs)
		fmt.Fprintf(&b, "\n发「跟进 #%d 内容」记录新的跟进。", c.ID)
		return b.String(), nil
	})
}

// withFields keeps the customers whose custom fields have the values want.
func withFields(ctx context.Context, svc baobei.Service, cs []baobei.Customer, want map[string]string) ([]baobei.Customer, error) {
	vals, err := svc.FieldsOf(ctx, ids(cs))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cs, func(c baobei.Customer) bool {
		for k, v := range want {
			if vals[c.ID][k] != v {
				return true
			}
		}
		return false
	}), nil
}

// withTag keeps the customers that carry tag.
func withTag(ctx context.Context, svc baobei.Service, cs []baobei.Customer, tag string) ([]baobei.Customer, error) {
	tags, err := svc.TagsOf(ctx, ids(cs))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cs, func(c baobei.Customer) bool { return !slices.Contains(tags[c.ID], tag) }), nil
}

// Tag handles 标签 #3 高意向 -老客户: the owner, a manager of the owner's
// team or an admin.
func (h *Handlers) Tag(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	c, tags, err := req.Svc.SetTags(ctx, req.Now, req.Actor, ref(req.Cmd), req.Cmd.Tags, req.Cmd.RemoveTags)
	if err != nil {
		return nil, err
	}
	return bot.Text(fmt.Sprintf("#%d %s 的标签：%s。发「我的客户 标签:%s」按标签查看。", c.ID, c.Name, baobei.TagText(tags),
		firstOr(tags, "高意向"))), nil
}

func firstOr(tags []string, def string) string {
	if len(tags) > 0 {
		return tags[0]
	}
	return def
}
