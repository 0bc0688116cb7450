package baobei

import (
	"strings"
	"testing"
	"time"
)

func TestFieldParse(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, shanghai)
	num := FieldDef{Key: "面积", Type: FieldNumber}
	txt := FieldDef{Key: "楼盘", Type: FieldText}
	day := FieldDef{Key: "交房", Type: FieldDate}
	pick := FieldDef{Key: "户型", Type: FieldChoice, Choices: []string{"一居", "两居", "三居", "Loft"}}
	for _, tc := range []struct {
		f        FieldDef
		in, want string // want "" expects an error
	}{
		{num, "120", "120"}, {num, "１２０", "120"}, {num, "85.50", "85.5"}, {num, "1,200", "1200"}, {num, "-3", "-3"},
		{num, "大概120", ""}, {num, "120平", ""}, {num, "1e9", ""}, {num, "NaN", ""}, {num, "Inf", ""},
		{num, "120，5", ""}, {num, "1,2,3", ""}, {num, "0x1p4", ""}, {num, "12,345.5", "12345.5"},
		{txt, " 滨江金色家园 ", "滨江金色家园"}, {txt, strings.Repeat("长", 21), ""},
		{day, "2027-03-01", "2027-03-01"}, {day, "2027/3/1", "2027-03-01"}, {day, "2027年3月1日", "2027-03-01"},
		{day, "3月1日", "2026-03-01"}, {day, "12-25", "2026-12-25"}, {day, "明天", "2026-12-05"}, {day, "昨天", "2026-12-03"},
		{day, "46082", "2026-03-01"}, {day, "下个月", ""}, {day, "2027-02-30", ""},
		{day, "2027-3-1", "2027-03-01"}, {day, "2-29", ""}, {day, "2028-2-29", "2028-02-29"},
		{pick, "三居", "三居"}, {pick, "loft", "Loft"}, {pick, "四居", ""},
	} {
		got, err := tc.f.Parse(tc.in, now, shanghai, 20)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%s %q = %q, want an error", tc.f.Type, tc.in, got)
		case tc.want == "" && (!strings.Contains(err.Message, tc.f.Key) || !strings.Contains(err.Message, "例如")):
			t.Errorf("%s %q: %q should name the field and show an example", tc.f.Type, tc.in, err.Message)
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("%s %q = %q, %v; want %q", tc.f.Type, tc.in, got, err, tc.want)
		}
	}
}

func TestUseFieldsErrors(t *testing.T) {
	t.Cleanup(func() { UseFields(nil, func(string) bool { return false }) })
	builtin := func(k string) bool { return k == "来源" }
	for _, tc := range []struct {
		defs []FieldDef
		want string
	}{
		{[]FieldDef{{Key: "", Type: FieldText}}, "key is empty"},
		{[]FieldDef{{Key: "面 积", Type: FieldText}}, "short word"},
		{[]FieldDef{{Key: "来源", Type: FieldText}}, "built-in key"},
		{[]FieldDef{{Key: "面积", Type: FieldNumber}, {Key: "面积", Type: FieldText}}, "listed twice"},
		{[]FieldDef{{Key: "面积", Type: "int"}}, "number, text, date or choice"},
		{[]FieldDef{{Key: "户型", Type: FieldChoice}}, "needs choices"},
		{[]FieldDef{{Key: "户型", Type: FieldText, Choices: []string{"一居"}}}, "type: choice"},
	} {
		if err := UseFields(tc.defs, builtin); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error with %q", tc.defs, err, tc.want)
		}
	}
	if err := UseFields([]FieldDef{{Key: " 面积 ", Type: FieldNumber}, {Key: "户型", Type: FieldChoice, Choices: []string{"三居"}, Required: true}}, builtin); err != nil {
		t.Fatal(err)
	}
	if _, ok := FieldOf("面积"); !ok {
		t.Error("the key is used trimmed")
	}
	if got := strings.Join((ReportPolicy{}).Needs(), " "); got != "电话 姓名 户型" {
		t.Errorf("needs %q, want the default and the required field", got)
	}
	for _, tc := range []struct {
		req  []string
		want string
	}{
		{[]string{"姓名"}, "must name 电话"},
		{[]string{"电话", "楼层"}, `"楼层" is neither`},
	} {
		if err := (ReportPolicy{Required: tc.req}).Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("report.required %v: %v, want %q", tc.req, err, tc.want)
		}
	}
	if err := (ReportPolicy{Required: []string{"电话", "来源", "面积"}}).Check(); err != nil {
		t.Error(err)
	}
}
