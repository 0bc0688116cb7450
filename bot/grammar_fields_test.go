package bot

import (
	"maps"
	"strings"
	"testing"

	"baobei"
)

// withFields configures the custom fields of the tests below.
func withFields(t *testing.T) {
	t.Helper()
	defs := []baobei.FieldDef{{Key: "面积", Type: baobei.FieldNumber}, {Key: "户型", Type: baobei.FieldChoice, Choices: []string{"两居", "三居"}},
		{Key: "楼盘", Type: baobei.FieldText}, {Key: "交房", Type: baobei.FieldDate}}
	if err := baobei.UseFields(defs, IsKey); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { baobei.UseFields(nil, IsKey) })
}

func TestParseCustomFields(t *testing.T) {
	withFields(t)
	for _, tc := range []struct {
		in, name string
		want     fields
	}{
		{"报备 13800138000 张先生 面积:120 户型:三居", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "field:面积": "120", "field:户型": "三居"}},
		{"报备 13800138000 张先生 面积：１２０ 【户型】两居", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "field:面积": "120", "field:户型": "两居"}},
		{"报备 13800138000 张先生\n楼盘：滨江 金色家园\n来源:抖音", CmdReport,
			fields{"phone": "13800138000", "name": "张先生", "field:楼盘": "滨江 金色家园", "source": "抖音"}},
		{"报备 13800138000 张先生 面积 : 85.5", CmdReport, fields{"phone": "13800138000", "name": "张先生", "field:面积": "85.5"}},
		{"跟进 #3 量房了 面积:135 交房:2027-03-01", CmdFollowUp,
			fields{"ref": "#3", "number": "3", "content": "量房了", "field:面积": "135", "field:交房": "2027-03-01"}},
		{"成交 #3 金额:12800 户型:三居", CmdWon, fields{"ref": "#3", "number": "3", "amount": "12800", "field:户型": "三居"}},
		{"我的客户 面积:120", CmdMine, fields{"field:面积": "120"}},
		{"领取 #3 面积:120", CmdClaim, fields{"ref": "#3", "number": "3", "ignored": "面积:120"}},
	} {
		c, err := parse(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := c.Fields(shanghai); c.Name != tc.name || !maps.Equal(got, tc.want) {
			t.Errorf("%q = %s %v, want %s %v", tc.in, c.Name, got, tc.name, tc.want)
		}
	}
	for in, want := range map[string]string{
		"报备 13800138000 张先生 面积:大概120":  "「面积」要写数字",
		"报备 13800138000 张先生 户型:四居":     "「户型」只能是 两居、三居",
		"跟进 #3 量房 交房:下个月":              "「交房」要写日期",
		"报备 13800138000 张先生 面积:1 面积:2": "「面积」写了两次",
		"报备 13800138000 张先生 面积:":       "「面积:」后面没有内容。例如 面积:120",
	} {
		if _, err := parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

func TestParseReportRequired(t *testing.T) {
	withFields(t)
	p := baobei.DefaultPolicy()
	p.Report.Required = []string{"电话", "来源", "面积"}
	for in, want := range map[string]string{
		"报备 13800138000 张先生 面积:120":      "报备还需要写来源。请加上 来源:抖音",
		"报备 13800138000 张先生 来源:抖音":       "报备还需要写面积。请加上 面积:120",
		"报备 13800138000 来源:抖音 面积:120":    "", // 姓名 not required: named by the phone
		"报备 13800138000 王总 来源:抖音 面积:120": "",
	} {
		c, err := Parse(in, now, shanghai, p)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", in, err)
		case want == "" && c.CustName != "王总" && c.CustName != "客户8000":
			t.Errorf("%q: name %q", in, c.CustName)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

// With one open stage, the example of 阶段 names it (not the won stage).
func TestStageExampleOneOpenStage(t *testing.T) {
	if err := baobei.UseStages([]baobei.StageDef{{Name: "初访"}, {Name: "签单", Won: true}, {Name: "丢单", Lost: true}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { baobei.UseStages(baobei.DefaultStages()) })
	if _, err := parse("跟进 #3 电话 阶段:乱写"); err == nil || !strings.Contains(err.Error(), "例如 阶段:初访") {
		t.Errorf("%v, want the example 阶段:初访", err)
	}
}
