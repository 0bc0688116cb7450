package bot

import (
	"maps"
	"strings"
	"testing"
	"time"

	"baobei"
)

// now is Monday 2026-11-23 10:00 in Shanghai.
var (
	shanghai = mustLoc("Asia/Shanghai")
	now      = time.Date(2026, 11, 23, 10, 0, 0, 0, shanghai)
)

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func parse(s string) (*Command, error) {
	return Parse(s, now, shanghai, baobei.DefaultPolicy())
}

type fields = map[string]string

func TestParseOK(t *testing.T) {
	tests := []struct {
		in   string
		name string
		want fields
	}{
		// 报备
		{"报备 13800138000 张先生 来源:抖音 需求:三人沙发", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "source": "抖音", "demand": "三人沙发"}},
		{"报备13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
		{"报备 138 0013 8000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
		{"报备 138-0013-8000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
		{"报备 +86 13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
		{"报备 +86 138 0013 8000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
		{"报备 （+86）13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
		{"报备 0086 13800138000 李女士", CmdReport, fields{"phone": "13800138000", "name": "李女士"}},
		{"报备　１３８００１３８０００　张先生　来源：抖音", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "source": "抖音"}},
		{"报备：13800138000 张先生", CmdReport, fields{"phone": "13800138000", "name": "张先生"}},
		{"  报备 张先生 13800138000 公司:杭州某某家居 微信:zhang_wx 等级:b  ", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "company": "杭州某某家居", "wechat": "zhang_wx", "grade": "B"}},
		{"报备，13800138000，张先生，想要沙发、茶几\n周末看店", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "demand": "想要沙发 茶几 周末看店", "note": "想要沙发 茶几 周末看店"}},
		{"报备 13800138000 张先生 来源: 抖音 需求 :沙发", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "source": "抖音", "demand": "沙发"}},
		{"报备 电话:138 0013 8000 姓名:王总 需求:看样品 全屋定制", CmdReport,
			fields{"phone": "13800138000", "name": "王总", "demand": "看样品 全屋定制", "note": "全屋定制"}},
		{"报备 手机：13800138000 名字：王总", CmdReport, fields{"phone": "13800138000", "name": "王总"}},
		{"报备 13800138000 张先生 备注:周末有空", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "demand": "周末有空", "note": "周末有空"}},
		{"报备 13800138000 张先生 阶段:需求 下次:明天 14:00", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "stage": "需求确认", "next_at": "2026-11-24T14:00:00+08:00"}},
		{"报备 13800138000 Tom 微信:13900139000", CmdReport,
			fields{"phone": "13800138000", "name": "Tom", "wechat": "13900139000"}},
		{"报备 13800138000 " + strings.Repeat("张", 32), CmdReport,
			fields{"phone": "13800138000", "name": strings.Repeat("张", 32)}},

		// 跟进
		{"跟进 13800138000 电话沟通，想看样品 下次:周五 阶段:需求确认", CmdFollowUp,
			fields{"ref": "13800138000", "phone": "13800138000", "content": "电话沟通，想看样品",
				"next_at": "2026-11-27T09:00:00+08:00", "stage": "需求确认", "kind": "电话"}},
		{"跟进 张先生 客户说 '; DROP TABLE customers; -- 😀👍🏻", CmdFollowUp,
			fields{"ref": "张先生", "content": "客户说 '; DROP TABLE customers; -- 😀👍🏻"}},
		{"跟进 张先生 x' OR '1'='1 /* 🙂 */", CmdFollowUp,
			fields{"ref": "张先生", "content": "x' OR '1'='1 /* 🙂 */"}},
		{"跟进 #3 到店看了样品 金额:1.28万 原因:比价", CmdFollowUp,
			fields{"ref": "#3", "number": "3", "content": "到店看了样品", "amount": "12800", "reason": "比价", "kind": "到店"}},
		{"跟进 3 内容: 电话沟通，想看样品", CmdFollowUp, fields{"ref": "3", "number": "3", "content": "电话沟通，想看样品", "kind": "电话"}},
		{"跟进 张先生 ａｂｃ１２３，全角保留", CmdFollowUp, fields{"ref": "张先生", "content": "ａｂｃ１２３，全角保留"}},
		{"跟进 13800138000 客户换号了 13900139000", CmdFollowUp,
			fields{"ref": "13800138000", "phone": "13800138000", "content": "客户换号了 13900139000"}},
		{"跟进 张先生 上午电话 阶段:报价 下午又来电 下次:11-25 14:00", CmdFollowUp,
			fields{"ref": "张先生", "content": "上午电话 下午又来电", "stage": "报价", "next_at": "2026-11-25T14:00:00+08:00"}},
		{"跟进 138 0013 8000 聊了 下次：明天１４：００", CmdFollowUp,
			fields{"ref": "138 0013 8000", "phone": "13800138000", "content": "聊了", "next_at": "2026-11-24T14:00:00+08:00"}},
		{"跟进 张先生 客户说:周末来 下次: 下周三", CmdFollowUp,
			fields{"ref": "张先生", "content": "客户说:周末来", "next_at": "2026-12-02T09:00:00+08:00"}},

		// 成交
		{"成交 13800138000 金额:12800", CmdWon, fields{"ref": "13800138000", "phone": "13800138000", "amount": "12800"}},
		{"成交 13800138000 12800元", CmdWon, fields{"ref": "13800138000", "phone": "13800138000", "amount": "12800"}},
		{"成交 #3 1.2万", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12000"}},
		{"成交 #3 金额:12800 日期:昨天", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800", "bought_at": "2026-11-22T12:00:00+08:00"}},
		{"复购 #3 金额:3000 商品:靠垫 购买日期：11-20", CmdRepurchase,
			fields{"ref": "#3", "number": "3", "amount": "3000", "bought_at": "2026-11-20T12:00:00+08:00"}},
		{"成交 张先生 1.28w", CmdWon, fields{"ref": "张先生", "amount": "12800"}},
		{"成交 张先生 金额:12800.5", CmdWon, fields{"ref": "张先生", "amount": "12800.5"}},
		{"成交 张先生 ￥１２８００", CmdWon, fields{"ref": "张先生", "amount": "12800"}},
		{"成交 张先生 金额：10000000000", CmdWon, fields{"ref": "张先生", "amount": "10000000000"}},
		{"成交 张先生", CmdWon, fields{"ref": "张先生"}},

		// 流失
		{"流失 13800138000 原因:预算不足", CmdLost, fields{"ref": "13800138000", "phone": "13800138000", "reason": "预算不足"}},
		{"流失 张先生 预算不够，去别家了", CmdLost, fields{"ref": "张先生", "reason": "预算不够，去别家了"}},
		{"流失 张先生 原因：预算不够，去别家了", CmdLost, fields{"ref": "张先生", "reason": "预算不够，去别家了"}},
		{"流失 #12", CmdLost, fields{"ref": "#12", "number": "12"}},
		// 释放
		{"释放 #3", CmdRelease, fields{"ref": "#3", "number": "3"}},
		{"释放 #3 原因:客户已找别家", CmdRelease, fields{"ref": "#3", "number": "3", "reason": "客户已找别家"}},
		{"释放 13800138000 不做了", CmdRelease, fields{"ref": "13800138000", "phone": "13800138000", "reason": "不做了"}},

		// 跟进记录 · 改金额
		{"跟进记录 #3", CmdFollowUps, fields{"ref": "#3", "number": "3"}},
		{"跟进记录#3", CmdFollowUps, fields{"ref": "#3", "number": "3"}},
		{"改金额 #3 金额:13800 原因:合同补签", CmdAmount, fields{"ref": "#3", "number": "3", "amount": "13800", "reason": "合同补签"}},
		{"改金额 #3 金额1.38万 合同补签", CmdAmount, fields{"ref": "#3", "number": "3", "amount": "13800", "reason": "合同补签"}},

		// 无参数命令
		{"我的客户", CmdMine, fields{}},
		{"我的", CmdMine, fields{}},
		{"我的客户 全部 下次:乱写", CmdMine, fields{"ignored": "全部 下次:乱写"}},
		{"待办", CmdTodo, fields{}},
		{"公海", CmdPool, fields{}},
		{"帮助", CmdHelp, fields{}},
		{"help", CmdHelp, fields{}},
		{"HELP", CmdHelp, fields{}},
		{"?", CmdHelp, fields{}},
		{"？", CmdHelp, fields{}},

		// 查询
		{"查询 13800138000", CmdQuery, fields{"ref": "13800138000", "phone": "13800138000"}},
		{"查询13800138000", CmdQuery, fields{"ref": "13800138000", "phone": "13800138000"}},
		{"查 张先生", CmdQuery, fields{"ref": "张先生"}},
		{"查#3", CmdQuery, fields{"ref": "#3", "number": "3"}},

		// 领取
		{"领取 3", CmdClaim, fields{"ref": "3", "number": "3"}},
		{"领取 #3", CmdClaim, fields{"ref": "#3", "number": "3"}},
		{"领取3", CmdClaim, fields{"ref": "3", "number": "3"}},
		{"领取 ＃３", CmdClaim, fields{"ref": "＃３", "number": "3"}},
		{"领取 13800138000", CmdClaim, fields{"ref": "13800138000", "phone": "13800138000"}},
		{"领取 999999", CmdClaim, fields{"ref": "999999", "number": "999999"}},

		// 转移、交接
		{"转移 13800138000 @李四", CmdTransfer, fields{"ref": "13800138000", "phone": "13800138000", "target": "李四"}},
		{"转移 @李四 #3", CmdTransfer, fields{"ref": "#3", "number": "3", "target": "李四"}},
		{"转移 张先生 ＠李四", CmdTransfer, fields{"ref": "张先生", "target": "李四"}},
		{"交接 @张三 @李四", CmdHandover, fields{"ref": "张三", "target": "李四"}},
		{"交接 @张三\u2005@李四\u2005", CmdHandover, fields{"ref": "张三", "target": "李四"}},
	}
	for _, tt := range tests {
		c, err := parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if c.Name != tt.name {
			t.Errorf("Parse(%q).Name = %s, want %s", tt.in, c.Name, tt.name)
		}
		if got := c.Fields(shanghai); !maps.Equal(got, tt.want) {
			t.Errorf("Parse(%q) = %v,\n want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseAmountCents(t *testing.T) {
	tests := map[string]int64{
		"成交 张先生 12800":         1280000,
		"成交 张先生 12800.5":       1280050,
		"成交 张先生 12800.55元":     1280055,
		"成交 张先生 1.28万":         1280000,
		"成交 张先生 1.28万元":        1280000,
		"成交 张先生 0.01":          1,
		"成交 张先生 金额:1.234567w":  1234567,
		"成交 张先生 金额:12,800":     1280000,
		"成交 张先生 12,800":        1280000,
		"成交 张先生 ¥1,280,000.50": 128000050,
		"成交 张先生 12.8k":         1280000,
		"成交 张先生 3千":            300000,
		"成交 张先生 RMB12800":      1280000,
	}
	for in, want := range tests {
		c, err := parse(in)
		if err != nil || c.Amount == nil || *c.Amount != want {
			t.Errorf("Parse(%q) amount = %v, %v; want %d", in, c, err, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	long := func(n int) string { return strings.Repeat("字", n) }
	tests := []string{
		"改金额 #3 原因:合同补签", // no amount
		"改金额 金额:13800",   // no customer
		"跟进记录",
		// 报备
		"报备 张先生",
		"报备 13800138000",
		"报备 138001380001 张先生",
		"报备 1380013800a 张先生",
		"报备 13800138000a 张先生",
		"报备 12345678901 张先生",
		"报备 +86 1380013800 张先生",
		"报备 1380013800 张先生",
		"报备 138-0013-800 张先生",
		"报备 13800138000 " + long(33),
		"报备 13800138000 123",
		"报备 13800138000 张先生 等级:D",
		"报备 13800138000 张先生 阶段:谈恋爱",
		"报备 13800138000 张先生 来源:",
		"报备 13800138000 张先生 来源: 需求:沙发",
		"报备 13800138000 13900139000 张先生",
		"报备 13800138000 张先生 电话:13900139000",
		"报备 13800138000 张先生 电话:1234",
		"报备 13800138000 张先生 来源:抖音 来源:快手",
		"报备 13800138000 张先生 需求:" + long(201),
		"报备 13800138000 张先生 下次:昨天",
		// 跟进
		"跟进",
		"跟进 13800138000",
		"跟进 13800138000 下次:周五",
		"跟进 13800138000 " + long(2001),
		"跟进 13800138000 沟通 阶段:不存在",
		"跟进 13800138000 沟通 下次:今天",
		"跟进 13800138000 沟通 下次:2026-11-20",
		"跟进 13800138000 沟通 下次:2-30",
		"跟进 1380013800a 沟通",
		"跟进 1234567 沟通",
		"跟进 #0 沟通",
		"跟进 #1234567 沟通",
		"跟进 #张 沟通",
		"跟进 " + long(33) + " 沟通",
		// 成交
		"成交",
		"成交 张先生 金额:0",
		"成交 张先生 金额:-5",
		"成交 张先生 金额:20000000000",
		"成交 张先生 金额:12,80",
		"成交 张先生 金额:1,2800",
		"成交 张先生 很开心",
		"成交 张先生 金额:12800 12800",
		"成交 张先生 1.234",
		"成交 张先生 金额:一万",
		// 流失
		"流失",
		"流失 张先生 " + long(201),
		// 查询、领取
		"查询",
		"查",
		"查询 电话:1234",
		"领取",
		"领取 3 4",
		// 转移、交接
		"转移 13800138000",
		"转移 @李四",
		"转移 13800138000 李四",
		"转移 13800138000 @",
		"转移 13800138000 @李四 @王五",
		"交接 @张三",
		"交接 张三 李四",
		"交接 @张三 @张三",
		"交接 @张三 @李四 @王五",
	}
	for _, in := range tests {
		c, err := parse(in)
		if code := baobei.ErrorCode(err); code != baobei.EINVALID {
			t.Errorf("Parse(%q) = %+v, %v; want code %s", in, c, err, baobei.EINVALID)
		}
		if c != nil {
			t.Errorf("Parse(%q) returned a command with its error: %+v", in, c)
		}
	}
}

func TestParseUnknown(t *testing.T) {
	tests := []struct{ in, suggest string }{
		{"报被 13800138000 张先生", "「报备」"},
		{"13800138000 张先生", "「报备」"},
		{"138 0013 8000 张先生", "「报备」"},
		{"1380013800a 张先生", "「报备」"},
		{"跟近 张先生 沟通", "「跟进」"},
		{"我的客服", "「我的客户」"},
		{"领去 3", "「领取」"},
		{"hepl", "「帮助」"},
		{"你好", ""},
		{"", ""},
		{"   ", ""},
		{"流失了 张先生", ""},
	}
	for _, tt := range tests {
		c, err := parse(tt.in)
		if c == nil || c.Name != CmdUnknown {
			t.Errorf("Parse(%q) = %+v, want %s", tt.in, c, CmdUnknown)
		}
		if baobei.ErrorCode(err) != baobei.EINVALID {
			t.Errorf("Parse(%q) error = %v, want %s", tt.in, err, baobei.EINVALID)
			continue
		}
		if tt.suggest != "" && !strings.Contains(err.Error(), "你是不是想发"+tt.suggest) {
			t.Errorf("Parse(%q) error = %v, want suggestion %s", tt.in, err, tt.suggest)
		}
	}
}

func TestParsePolicyLimits(t *testing.T) {
	p := baobei.DefaultPolicy()
	p.NameMaxRunes, p.ContentMaxRunes, p.FieldMaxRunes = 2, 3, 2
	for _, in := range []string{"报备 13800138000 张先生", "跟进 张 四个字啊", "报备 13800138000 张 来源:小红书", "查询 张先生", "转移 张 @李四五"} {
		if _, err := Parse(in, now, shanghai, p); baobei.ErrorCode(err) != baobei.EINVALID {
			t.Errorf("Parse(%q) with small limits: %v, want %s", in, err, baobei.EINVALID)
		}
	}
	if _, err := Parse("跟进 张 三个字", now, shanghai, p); err != nil {
		t.Errorf("Parse within limits: %v", err)
	}
}

func TestParseLooksLikePhone(t *testing.T) {
	tests := map[string]bool{
		"1380013800a": true, "138001380001": true, "138-0013-800": true, "12345678901": true,
		"2026-11-25": false, "12800": false, "1280000": false, "iPhone15": false, "张先生": false,
	}
	for in, want := range tests {
		if got := looksLikePhone(in); got != want {
			t.Errorf("looksLikePhone(%q) = %v, want %v", in, got, want)
		}
	}
}

// Issue 12 items 6 and 7: 跟进 reads 等级; 等级 #3 A is a command; a stage
// written 阶段:… (or 【阶段】…) is explicit, one glued or spaced is not.
func TestParseGradeAndExplicitStage(t *testing.T) {
	ok := []struct {
		in       string
		name     string
		want     fields
		explicit bool
	}{
		{"跟进 #3 电话 等级:A", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "电话", "kind": "电话", "grade": "A"}, false},
		{"跟进 #3 电话 等级 b", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "电话", "kind": "电话", "grade": "B"}, false},
		{"等级 #3 A", CmdGrade, fields{"ref": "#3", "number": "3", "grade": "A"}, false},
		{"等级 A #3", CmdGrade, fields{"ref": "#3", "number": "3", "grade": "A"}, false},
		{"等级：13800138000 c级", CmdGrade, fields{"ref": "13800138000", "phone": "13800138000", "grade": "C"}, false},
		{"等级 张先生 等级:B", CmdGrade, fields{"ref": "张先生", "grade": "B"}, false},
		{"跟进 #3 重新谈 阶段:新线索", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "重新谈", "stage": "新线索"}, true},
		{"跟进 #3 重新谈 阶段： 新线索", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "重新谈", "stage": "新线索"}, true},
		{"跟进 #3 重新谈 【阶段】新线索", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "重新谈", "stage": "新线索"}, true},
		{"跟进 #3 重新谈 阶段=新线索", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "重新谈", "stage": "新线索"}, true},
		{"跟进 #3 重新谈 阶段新线索", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "重新谈", "stage": "新线索"}, false},
		{"跟进 #3 重新谈 阶段 新线索", CmdFollowUp, fields{"ref": "#3", "number": "3", "content": "重新谈", "stage": "新线索"}, false},
	}
	for _, tt := range ok {
		c, err := parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := c.Fields(shanghai); c.Name != tt.name || !maps.Equal(got, tt.want) || c.StageExplicit != tt.explicit {
			t.Errorf("Parse(%q) = %s %v explicit=%v,\n want %s %v explicit=%v", tt.in, c.Name, got, c.StageExplicit, tt.name, tt.want, tt.explicit)
		}
	}
	for _, in := range []string{"等级 #3", "等级 #3 D", "等级 A", "等级 #3 A B", "跟进 #3 电话 等级:D"} {
		if _, err := parse(in); baobei.ErrorCode(err) != baobei.EINVALID || !strings.Contains(err.Error(), "例如") {
			t.Errorf("Parse(%q) = %v, want a refusal with an example", in, err)
		}
	}
}

// Issue 14 item 1: a follow-up's kind comes from 类型: or from the word its
// text starts with; neither leaves it unset (其他 when stored).
func TestParseFollowUpKind(t *testing.T) {
	for in, want := range map[string]baobei.FollowUpKind{
		"跟进 #3 类型:微信 发了报价单":   baobei.KindWechat,
		"跟进 #3 发了报价单 跟进方式：拜访": baobei.KindVisit,
		"跟进 #3 类型:上门 演示方案":    baobei.KindVisit,
		"跟进 #3 电话 等级:A":       baobei.KindCall,
		"跟进 #3 打电话没人接":        baobei.KindCall,
		"跟进 #3 上门演示了方案":       baobei.KindVisit,
		"跟进 #3 加了微信，发了图片":     baobei.KindWechat,
		"跟进 #3 来店看了样品":        baobei.KindStore,
		"跟进 #3 类型:电话 上门前先确认":  baobei.KindCall,
		"跟进 #3 客户说再考虑":        "",
		"跟进 #3 说电话里不方便":       "",
	} {
		c, err := parse(in)
		if err != nil || c.Kind != want {
			t.Errorf("Parse(%q).Kind = %q (%v), want %q", in, c.Kind, err, want)
		}
	}
	if _, err := parse("跟进 #3 类型:飞鸽 发了信"); baobei.ErrorCode(err) != baobei.EINVALID {
		t.Errorf("an unknown 类型 = %v, want EINVALID", err)
	}
}

// Issue 14: the visit commands' forms, relative to Monday 2026-11-23 10:00.
func TestParseVisits(t *testing.T) {
	for _, tt := range []struct {
		in   string
		name string
		want fields
	}{
		{"拜访 #3 明天 14:00 目标:演示方案", CmdVisit, fields{"ref": "#3", "number": "3", "next_at": "2026-11-24T14:00:00+08:00", "goal": "演示方案"}},
		{"拜访 #3 周五 下午3点 目标：演示方案 地址：文三路100号 同行:@李四", CmdVisit,
			fields{"ref": "#3", "number": "3", "next_at": "2026-11-27T15:00:00+08:00", "goal": "演示方案", "address": "文三路100号", "target": "李四"}},
		{"拜访 13800138000 后天上午 @李四", CmdVisit, fields{"ref": "13800138000", "phone": "13800138000", "next_at": "2026-11-25T09:00:00+08:00", "target": "李四"}},
		{"拜访 V3 改到 周五 10:00", CmdVisit, fields{"visit": "V3", "next_at": "2026-11-27T10:00:00+08:00"}},
		{"拜访 v12 下周一 9点", CmdVisit, fields{"visit": "V12", "next_at": "2026-11-30T09:00:00+08:00"}},
		{"拜访 #3 明天 14:00 目标:演示 新方案 地址:文三路 100 号", CmdVisit,
			fields{"ref": "#3", "number": "3", "next_at": "2026-11-24T14:00:00+08:00", "goal": "演示 新方案", "address": "文三路 100 号"}},
		{"拜访计划", CmdVisits, fields{}},
		{"取消拜访 V3 原因:客户临时出差", CmdVisitCancel, fields{"visit": "V3", "reason": "客户临时出差"}},
		{"取消拜访 V3 客户临时出差", CmdVisitCancel, fields{"visit": "V3", "reason": "客户临时出差"}},
		{"签到", CmdCheckIn, fields{}},
		{"签到 V3", CmdCheckIn, fields{"visit": "V3"}},
		{"签到 V3 地址:文三路100号", CmdCheckIn, fields{"visit": "V3", "address": "文三路100号"}},
		{"签到 文三路100号", CmdCheckIn, fields{"address": "文三路100号"}},
		{"拜访报告 V3 参会:王总(决策人),李工(使用者) 痛点:交期长 需求:三人沙发 预算:20万 决策链:王总拍板 竞品:某某家居 关注点:售后 下一步:周五前发方案 阶段:需求确认", CmdVisitReport,
			fields{"visit": "V3", "stage": "需求确认", "report": "参会：王总(决策人),李工(使用者)\n痛点：交期长\n需求：三人沙发\n预算：20万\n决策链：王总拍板\n竞品：某某家居\n关注点：售后\n下一步：周五前发方案"}},
		{"拜访报告 V3\n参会：王总（决策人）、李工（使用者）\n痛点：交期长 价格高\n下一步：周五前发方案\n下一步：下周一 电话确认", CmdVisitReport,
			fields{"visit": "V3", "report": "参会：王总（决策人）、李工（使用者）\n痛点：交期长 价格高\n下一步：周五前发方案；下周一 电话确认"}},
		{"拜访报告 V3 参会:王总 痛点:价格 太高 下一步:发方案；12月5日 报价", CmdVisitReport,
			fields{"visit": "V3", "report": "参会：王总\n痛点：价格 太高\n下一步：发方案；12月5日 报价"}},
	} {
		c, err := parse(tt.in)
		switch {
		case err != nil:
			t.Errorf("Parse(%q): %v", tt.in, err)
		case c.Name != tt.name || !maps.Equal(c.Fields(shanghai), tt.want):
			t.Errorf("Parse(%q) = %s %v,\n want %s %v", tt.in, c.Name, c.Fields(shanghai), tt.name, tt.want)
		}
	}
	c, err := parse("拜访报告 V3 参会:王总 痛点:x 下一步:周五前发方案；下周一 电话确认；再说")
	if err != nil || len(c.Report.NextSteps) != 3 || c.Report.NextSteps[0].Due == nil || c.Report.NextSteps[0].Due.In(shanghai).Format("01-02 15:04") != "11-27 09:00" ||
		c.Report.NextSteps[1].Due == nil || c.Report.NextSteps[1].Due.In(shanghai).Format("01-02") != "11-30" || c.Report.NextSteps[2].Due != nil {
		t.Errorf("next steps = %+v (%v)", c.Report.NextSteps, err)
	}
	for _, in := range []string{"拜访 #3", "拜访 #3 乱写", "拜访 #3 昨天 10:00", "取消拜访 原因:x", "拜访报告 参会:王总", "拜访 同行:李四 #3 明天", "拜访 V3 改到 周五 同行:@李四",
		"拜访 #3 明天 目标:" + strings.Repeat("长", 201), "拜访报告 V3 参会:x 痛点:y 下一步:z 预算:" + strings.Repeat("长", 201)} {
		if _, err := parse(in); baobei.ErrorCode(err) != baobei.EINVALID {
			t.Errorf("Parse(%q) = %v, want EINVALID", in, err)
		}
	}
}
