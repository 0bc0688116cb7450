package main

import (
	"strings"
	"testing"

	"baobei"
	"baobei/store/storetest"
)

const customStagesYAML = `policy:
  stages:
    - {name: 初访, aliases: [新线索]}
    - {name: 量房, required: [面积]}
    - {name: 方案, aliases: [出方案], required: [金额, 下次]}
    - {name: 签单, aliases: [成交], required: [金额], won: true}
    - {name: 丢单, aliases: [流失], required: [原因], lost: true}
  win_probability: {初访: 10, 方案: 50}
  fields:
    - {key: 面积, type: number}
    - {key: 户型, type: choice, choices: [两居, 三居], required: true}
`

// A stage list and custom fields configured in baobei.yaml: new customers
// start at its first stage, 阶段: takes its names and aliases and refuses
// others naming the list, its required keys (a custom field too) are asked
// for one by one, 成交 moves to its won stage and 统计 shows its funnel; a
// required field is asked for on 报备, typed values are checked, stored and
// shown by 查询.
func TestConsoleCustomStages(t *testing.T) {
	cfg, err := loadConfig("serve", []string{"--config", writeConfig(t, customStagesYAML)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		baobei.UseFields(nil, func(string) bool { return false })
		baobei.UseStages(baobei.DefaultStages())
	})
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			c := consoleWith(t, b, cfg)
			wantHas(t, c.say("zhangsan", "报备 13800138000 张先生 来源:抖音"), "报备还需要写户型", "户型:两居")
			wantHas(t, c.say("zhangsan", "报备 13800138000 张先生 来源:抖音 户型:四居"), "「户型」只能是 两居、三居")
			if n := c.count("SELECT COUNT(*) FROM customers"); n != 0 {
				t.Fatalf("refused reports wrote %d customers", n)
			}
			wantHas(t, c.say("zhangsan", "报备 13800138000 张先生 来源:抖音 户型:三居"), "报备成功", "#1", "已记录 户型:三居")
			wantHas(t, c.say("zhangsan", "查询 #1"), "初访", "户型：三居")
			wantHas(t, c.say("zhangsan", "帮助 跟进"), "本公司的字段：面积:120 户型:两居")
			wantHas(t, c.say("zhangsan", "跟进 #1 约量房 阶段:量房"), "进入「量房」需要面积", "面积:120")
			wantHas(t, c.say("zhangsan", "跟进 #1 量了 阶段:量房 面积:大约90"), "「面积」要写数字")
			wantHas(t, c.say("zhangsan", "跟进 #1 量了 阶段:量房 面积:89.5"), "阶段 量房", "已记录 面积:89.5")
			wantHas(t, c.say("zhangsan", "查询 #1"), "面积：89.5", "户型：三居")
			wantHas(t, c.say("zhangsan", "跟进 #1 电话沟通 阶段:报价"), "阶段“报价”不认识", "初访、量房、方案、签单、丢单")
			wantHas(t, c.say("zhangsan", "跟进 #1 发了方案 阶段:出方案"), "进入「方案」需要金额", "金额:12800")
			wantHas(t, c.say("zhangsan", "跟进 #1 发了方案 阶段:方案 金额:5000"), "进入「方案」需要下次", "下次:周五")
			if n := c.count("SELECT COUNT(*) FROM followups"); n != 1 {
				t.Fatalf("refused follow-ups wrote %d rows", n)
			}
			wantHas(t, c.say("zhangsan", "跟进 #1 发了方案 阶段:方案 金额:5000 下次:明天"), "阶段 方案", "下次跟进")
			wantHas(t, c.say("zhangsan", "成交 #1 金额:12800"), "恭喜成交")
			if n := c.count("SELECT COUNT(*) FROM customers WHERE stage = '签单' AND status = 'won'"); n != 1 {
				t.Fatalf("成交 did not move #1 to 签单")
			}
			wantHas(t, c.say("zhangsan", "报备 13900139000 李女士 户型:两居"), "#2")
			wantHas(t, c.say("zhangsan", "我的客户 户型:三居"), "户型:三居 的客户共 1 个", "#1 张先生")
			wantHas(t, c.say("zhangsan", "我的客户 户型:两居 面积:89.5"), "没有 面积:89.5 户型:两居 的客户")
			st := c.say("wangjl", "统计")
			wantHas(t, st, "初访 1", "方案 0", "量房 0", "签单 1")
			if strings.Contains(st, "需求确认") {
				t.Fatalf("统计 shows a default stage: %s", st)
			}
		})
	}
}
