package handlers

import (
	"context"
	"fmt"
	"strings"

	"baobei"
	"baobei/bot"
)

// churnShown is how many customers 流失预警 lists.
const churnShown = 20

// Churn handles 流失预警 (managers, admins): the won customers of their
// scope in a segment with remind (潜在流失), longest since buying first.
func (h *Handlers) Churn(ctx context.Context, req *bot.Request) (*bot.Reply, error) {
	names := h.policy.RFM.Reminded()
	if len(names) == 0 {
		return bot.Text("没有设置需要提醒的客户分群。请管理员在 baobei.yaml 的 policy.rfm.segments 里给分群加上 remind: true。"), nil
	}
	cs, n, err := req.Svc.Segmented(ctx, req.Now, baobei.ScopeOf(req.Actor), names, churnShown)
	if err != nil {
		return nil, err
	}
	label := strings.Join(names, "、")
	if n == 0 {
		return bot.Text(fmt.Sprintf("目前没有「%s」的成交客户。分群每晚按购买记录更新；发「统计」看各分群人数。", label)), nil
	}
	lines := []string{fmt.Sprintf("「%s」的成交客户 %d 个（最久没购买的在前）：", label, n)}
	for _, c := range cs {
		lines = append(lines, fmt.Sprintf("#%d %s · %s · %s%s", c.ID, c.Name, c.OwnerName, h.policy.RFM.Text(c.RFM), segmentMark(c.Segment, names)))
	}
	if n > len(cs) {
		lines = append(lines, fmt.Sprintf("…另有 %d 个：发「看板」，在「客户」页按标签筛选。", n-len(cs)))
	}
	lines = append(lines, "负责人已收到回访提醒；请督促回访，回访后发「跟进 #编号 内容」记录，再次购买后自动移出。")
	return bot.Text(strings.Join(lines, "\n")), nil
}

// segmentMark names the segment when several are listed.
func segmentMark(seg string, names []string) string {
	if len(names) < 2 {
		return ""
	}
	return "（" + seg + "）"
}
