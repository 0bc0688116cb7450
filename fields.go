package baobei

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The types of a custom field (policy.fields).
const (
	FieldNumber = "number"
	FieldText   = "text"
	FieldDate   = "date"
	FieldChoice = "choice"
)

// FieldDef is one custom field of policy.fields: typed as 面积:120 in 报备
// and 跟进, read from the sheet column of that header on import, written
// to it on export, shown by 查询. Required: 报备 must carry it.
type FieldDef struct {
	Key      string   `yaml:"key"`
	Type     string   `yaml:"type"`
	Choices  []string `yaml:"choices"`
	Required bool     `yaml:"required"`
}

// ReportPolicy is policy.report: what 报备 must carry.
type ReportPolicy struct {
	Required []string `yaml:"required"` // 电话 姓名 来源 需求 公司 微信 等级 or a field key
}

// ReportKeys are the built-in keys policy.report.required may name.
var ReportKeys = []string{"电话", "姓名", "来源", "需求", "公司", "微信", "等级"}

// Fields are the custom fields in use, in policy order; set by UseFields.
var Fields []FieldDef

// FieldOf returns the custom field with key k.
func FieldOf(k string) (FieldDef, bool) {
	i := slices.IndexFunc(Fields, func(f FieldDef) bool { return f.Key == k })
	if i < 0 {
		return FieldDef{}, false
	}
	return Fields[i], true
}

// FieldKeys lists the keys of the fields in use.
func FieldKeys() []string {
	keys := make([]string, len(Fields))
	for i, f := range Fields {
		keys[i] = f.Key
	}
	return keys
}

// UseFields checks defs and makes them the fields in use; taken reports a
// key that is already a built-in key of chat or of the import sheet. It is
// called once at start-up, before UseStages (and by tests, which restore
// none after).
func UseFields(defs []FieldDef, taken func(string) bool) error {
	seen := map[string]bool{}
	for i, d := range defs {
		d.Key = strings.TrimSpace(d.Key)
		switch {
		case d.Key == "":
			return fmt.Errorf("policy.fields[%d]: key is empty", i)
		case utf8.RuneCountInString(d.Key) > 16 || strings.ContainsAny(d.Key, " :：#@,，"):
			return fmt.Errorf("policy.fields: key %q must be a short word without spaces, colons, commas, # or @", d.Key)
		case taken(d.Key):
			return fmt.Errorf("policy.fields: %q is already a built-in key (来源 需求 公司 …); give the field another name", d.Key)
		case seen[d.Key]:
			return fmt.Errorf("policy.fields: %q is listed twice", d.Key)
		case !slices.Contains([]string{FieldNumber, FieldText, FieldDate, FieldChoice}, d.Type):
			return fmt.Errorf("policy.fields: %q has type %q; use number, text, date or choice", d.Key, d.Type)
		case d.Type == FieldChoice && len(d.Choices) == 0:
			return fmt.Errorf("policy.fields: %q is a choice and needs choices: [...]", d.Key)
		case d.Type != FieldChoice && len(d.Choices) > 0:
			return fmt.Errorf("policy.fields: %q has choices but type %q (write type: choice)", d.Key, d.Type)
		}
		seen[d.Key] = true
		defs[i] = d
	}
	Fields = defs
	return nil
}

// Check checks policy.report.required against the built-in
// keys and the fields in use. 电话 cannot be left out: a customer is known
// by its phone.
func (r ReportPolicy) Check() error {
	if len(r.Required) > 0 && !slices.Contains(r.Required, "电话") {
		return fmt.Errorf("policy.report.required must name 电话: a customer is known by its phone (has %s)", strings.Join(r.Required, " "))
	}
	for _, k := range r.Required {
		if _, ok := FieldOf(k); !ok && !slices.Contains(ReportKeys, k) {
			return fmt.Errorf("policy.report.required: %q is neither one of %s nor a key of policy.fields", k, strings.Join(ReportKeys, " "))
		}
	}
	return nil
}

// Needs lists what 报备 must carry: policy.report.required (default 电话
// 姓名) and the fields marked required.
func (r ReportPolicy) Needs() []string {
	need := r.Required
	if len(need) == 0 {
		need = []string{"电话", "姓名"}
	}
	need = slices.Clone(need)
	for _, f := range Fields {
		if f.Required && !slices.Contains(need, f.Key) {
			need = append(need, f.Key)
		}
	}
	return need
}

// Example is how to write the field in chat.
func (d FieldDef) Example() string {
	switch d.Type {
	case FieldNumber:
		return d.Key + ":120"
	case FieldDate:
		return d.Key + ":2027-03-01"
	case FieldChoice:
		return d.Key + ":" + d.Choices[0]
	}
	return d.Key + ":…"
}

// Parse checks v by the field's type and returns it as stored: a number
// without grouping (120, 85.5), a date as 2027-03-01, a choice as
// configured, text trimmed (at most maxRunes).
func (d FieldDef) Parse(v string, now time.Time, loc *time.Location, maxRunes int) (string, *Error) {
	f := strings.TrimSpace(FoldWidth(v))
	switch d.Type {
	case FieldNumber:
		if n, ok := fieldNumber(f); ok {
			return n, nil
		}
		return "", Errorf(EINVALID, "「%s」要写数字，“%s”不是。例如 %s", d.Key, v, d.Example())
	case FieldDate:
		if t, ok := fieldDate(f, now.In(loc)); ok {
			return t.Format("2006-01-02"), nil
		}
		return "", Errorf(EINVALID, "「%s」要写日期，“%s”没看懂。例如 %s 或 %s:明天", d.Key, v, d.Example(), d.Key)
	case FieldChoice:
		for _, c := range d.Choices {
			if strings.EqualFold(FoldWidth(c), f) {
				return c, nil
			}
		}
		return "", Errorf(EINVALID, "「%s」只能是 %s，“%s”不在其中。例如 %s", d.Key, strings.Join(d.Choices, "、"), v, d.Example())
	}
	v = strings.TrimSpace(v)
	if RuneLen(v) > maxRunes {
		return "", Errorf(EINVALID, "「%s」太长（%d个字，最多%d个）。请写短一些，例如 %s", d.Key, RuneLen(v), maxRunes, d.Example())
	}
	return v, nil
}

// fieldNumber reads 120, 85.5, 1,200, -3: digits with at most one point,
// commas only between groups of three (120平 and 120,5 are no numbers).
func fieldNumber(s string) (string, bool) {
	if !numberRE.MatchString(s) || len(s) > 18 {
		return "", false
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil {
		return "", false
	}
	return strconv.FormatFloat(n, 'f', -1, 64), true
}

var numberRE = regexp.MustCompile(`^-?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?$`)

// fieldDate reads 今天 明天 后天 昨天, a date as sheets hold it
// (2027-03-01, 2027/3/1, 2027年3月1日, an Excel day number) or a month and
// day of this year (3-1, 3/1, 3月1日).
func fieldDate(s string, today time.Time) (time.Time, bool) {
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, today.Location())
	if n, ok := map[string]int{"今天": 0, "明天": 1, "后天": 2, "昨天": -1, "前天": -2}[s]; ok {
		return day.AddDate(0, 0, n), true
	}
	if t, ok := ParseCellTime(s, today.Location()); ok {
		return t, true
	}
	for _, layout := range []string{"1-2", "1/2", "1月2日", "1月2号"} {
		if md, err := time.Parse(layout, s); err == nil {
			t := time.Date(today.Year(), md.Month(), md.Day(), 0, 0, 0, 0, today.Location())
			return t, t.Day() == md.Day() // 2-29 in a common year is no date
		}
	}
	return time.Time{}, false
}

// ParseCellTime reads a date or date and time as sheets hold it, also an
// Excel serial day number.
func ParseCellTime(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(FoldWidth(v))
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-1-2", "2006/1/2 15:04:05", "2006/1/2 15:04", "2006/1/2",
		"2006.1.2", "2006年1月2日", "2006年1月2日 15:04", "1/2/06 15:04", "01-02-06", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 20000 && n < 80000 { // days since 1899-12-30
		days := math.Floor(n) // by calendar days: the zone's offset changed since 1899 (China's summer time)
		base := time.Date(1899, 12, 30, 0, 0, 0, 0, loc).AddDate(0, 0, int(days))
		return base.Add(time.Duration((n - days) * 24 * float64(time.Hour))), true
	}
	return time.Time{}, false
}
