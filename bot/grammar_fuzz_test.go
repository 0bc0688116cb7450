package bot

import (
	"strings"
	"testing"

	"baobei"
)

var fuzzSeeds = []string{
	"报备 13800138000 张先生 来源:抖音 需求:三人沙发",
	"报备13800138000 张先生",
	"报备 138 0013 8000 张先生",
	"报备 138-0013-8000 张先生",
	"报备 +86 13800138000 张先生",
	"报备 （+86）13800138000 张先生",
	"报备　１３８００１３８０００　张先生　来源：抖音",
	"报备 电话:138 0013 8000 姓名:王总 需求:看样品 全屋定制",
	"报备 138001380001 张先生",
	"报备 1380013800a 张先生",
	"跟进 13800138000 电话沟通，想看样品 下次:周五 阶段:需求确认",
	"跟进 张先生 客户说 '; DROP TABLE customers; -- 😀👍🏻",
	"跟进 3 内容: 电话沟通，想看样品 下次:11-25 14:00",
	"跟进 #3 到店 金额:1.28万 原因:比价 下次:下周三 9点30",
	"成交 13800138000 金额:12800",
	"成交 #3 1.2万",
	"成交 张先生 12,800",
	"流失 13800138000 原因:预算不足",
	"流失 张先生 预算不够，去别家了",
	"我的客户", "待办", "公海", "帮助", "?",
	"查询 13800138000", "查#3",
	"领取 3", "领取 #3",
	"转移 13800138000 @李四",
	"交接 @张三 @李四",
	"报被 13800138000 张先生",
	"下次:2026年11月25日 14点 3天后 11/25",
	"@报备助手\u2005报备 13800138000 张先生",
	"＠报备助手　【报备】13800138000 张先生【来源：抖音】",
	"报备\n客户：张先生\n电话：138 0013 8000\n需求：三人沙发 要现货",
	"报备 13800138003 ');",
	"成交：#3 ¥1,280,000.50",
	"成交 #3 12.8k 🎉",
	"跟进 #3 沟通 下次:下下周三 下午三点半",
	"跟进 #3 沟通 下次:十二月五日 晚上8点",
	"跟进 #3 沟通 下次:一个半小时后",
	"跟进 #3 沟通 下次 月底",
	"查询 #3 在吗 来源=抖音",
	"",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	p := baobei.DefaultPolicy()
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s, now, shanghai, p)
		if err != nil {
			if baobei.ErrorCode(err) != baobei.EINVALID {
				t.Fatalf("Parse(%q) error %v has code %q", s, err, baobei.ErrorCode(err))
			}
			if c != nil && c.Name != CmdUnknown {
				t.Fatalf("Parse(%q) returned %+v with error %v", s, c, err)
			}
			return
		}
		if c == nil || c.Name == CmdUnknown {
			t.Fatalf("Parse(%q) = %+v without error", s, c)
		}
		checkParsed(t, s, c, p)
	})
}

// checkParsed asserts what every successful parse promises.
func checkParsed(t *testing.T, s string, c *Command, p baobei.Policy) {
	if c.Phone != "" && (len(c.Phone) != 11 || strings.Trim(c.Phone, "0123456789") != "") {
		t.Fatalf("Parse(%q).Phone = %q, want 11 digits", s, c.Phone)
	}
	switch c.Name {
	case CmdReport:
		if len(c.Phone) != 11 || c.CustName == "" || baobei.RuneLen(c.CustName) > p.NameMaxRunes {
			t.Fatalf("Parse(%q) = report %+v", s, c)
		}
	case CmdFollowUp:
		if c.Content == "" || c.Ref == "" || baobei.RuneLen(c.Content) > p.ContentMaxRunes {
			t.Fatalf("Parse(%q) = followup %+v", s, c)
		}
	case CmdHandover:
		if c.Ref == "" || c.Target == "" {
			t.Fatalf("Parse(%q) = handover %+v", s, c)
		}
	}
	if c.NextAt != nil && c.NextAt.Before(now) {
		t.Fatalf("Parse(%q).NextAt = %v is in the past", s, c.NextAt)
	}
	if c.Amount != nil && (*c.Amount <= 0 || *c.Amount > 1e12) {
		t.Fatalf("Parse(%q).Amount = %d cents", s, *c.Amount)
	}
}
