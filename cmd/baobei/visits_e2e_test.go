package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"baobei/bot"
)

// Issue 14, end to end on the console: plan → location check-in (the
// console's 发送位置) → report → the next step in 待办 → 统计 and 拜访统计.
func TestConsoleVisitLoop(t *testing.T) {
	backends(t, func(t *testing.T, c *consoleClient) {
		c.say("zhangsan", "报备 13800138000 张先生 等级:B")
		wantHas(t, c.say("zhangsan", "拜访 #1 1小时后 目标:演示方案"), "已计划拜访 V1", "目标：演示方案")
		code, body := c.post("/console/api/messages", map[string]any{"user": "zhangsan", "msg_id": "loc-1",
			"location": map[string]any{"lat": 30.2741, "lng": 120.1551, "scale": 15, "label": "杭州市西湖区文三路 100 号"}})
		var outs []bot.Out
		if code != http.StatusOK || json.Unmarshal(body["replies"], &outs) != nil || len(outs) != 1 {
			t.Fatalf("location: %d %s", code, body["replies"])
		}
		wantHas(t, outs[0].Text, "已签到 V1", "杭州市西湖区文三路 100 号")
		c.advance("2h")
		wantHas(t, c.say("zhangsan", "拜访报告 V1 参会:王总(决策人) 痛点:交期长 预算:20万 下一步:明天 发方案"),
			"已提交拜访报告 V1", "「明天 发方案」", "已设为下次跟进")
		c.advance("24h")
		wantHas(t, c.say("zhangsan", "待办"), "今天要跟进 1 个", "#1 张先生")
		wantHas(t, c.say("zhangsan", "查询 #1"), "预算：20万", "[拜访]：拜访报告 V1")
		wantHas(t, c.say("wangjl", "拜访统计"), "近 4 周拜访", "张三 计划 1 · 完成 1 · 未去 0", "报告及时率 100%")
		wantHas(t, c.say("zhangsan", "拜访统计"), "仅经理、管理员可用")
	})
}
