package bot

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"baobei"
)

// reportKeys are the fields of a 拜访报告; its parser reads them itself,
// with the free text after each (痛点:价格高 交期长) and 下一步 as often as
// it is written.
var reportKeys = map[string]bool{"参会": true, "痛点": true, "需求": true, "预算": true, "决策链": true, "竞品": true, "关注点": true, "下一步": true}

// visitNo reads a visit number: V3, v3.
func (m *msg) visitNo(s span) (int64, bool) {
	t := m.text(m.trimValue(s))
	if len(t) < 2 || t[0] != 'V' && t[0] != 'v' || !allDigits(t[1:]) || len(t) > 8 {
		return 0, false
	}
	n, err := strconv.ParseInt(t[1:], 10, 64)
	return n, err == nil && n > 0
}

// visitPlan reads 拜访 #3 明天 14:00 目标:… 地址:… 同行:@李四, and 拜访 V3
// 改到 周五 10:00. The free text after 目标 or 地址 belongs to it (地址:文三路
// 100 号); the time is the free text between the customer and the keys.
func (m *msg) visitPlan(c *Command, items []item, lim limits) error {
	var when []string
	first, key, cur := true, "", span{}
	text := map[string]*string{"目标": &c.Goal, "地址": &c.Address}
	flush := func() {
		if key != "" {
			*text[key] = strings.TrimSpace(string(m.orig[cur.start:cur.end]))
		}
		key = ""
	}
	for _, it := range items {
		switch {
		case it.key == "同行" || it.key == "" && m.isMention(it.val):
			flush()
			if !m.isMention(it.val) {
				return baobei.Errorf(baobei.EINVALID, "同行要用 @ 写同事，例如：同行:@李四")
			}
			name, err := m.mention(it.val, lim)
			if err != nil {
				return err
			}
			c.Target = name
		case text[it.key] != nil:
			flush()
			key, cur = it.key, it.val
		case it.key != "":
			flush()
		case key != "":
			cur.end = it.val.end
		case first:
			first = false
			if n, ok := m.visitNo(it.val); ok {
				c.Visit = n
				continue
			}
			if err := m.setRef(c, it.val, lim); err != nil {
				return err
			}
		case c.Visit > 0 && len(when) == 0 && slices.Contains([]string{"改到", "改期", "改期到", "改成", "改为", "改在"}, m.text(it.val)):
		default:
			when = append(when, m.raw(it.val))
		}
	}
	flush()
	if first {
		return baobei.Errorf(baobei.EINVALID, "要拜访哪个客户？例如：%s", examples[CmdVisit])
	}
	if c.Visit > 0 && (c.Target != "" || c.Goal != "" || c.Address != "") {
		return baobei.Errorf(baobei.EINVALID, "改期只改时间，例如：拜访 V%d 改到 周五 10:00。要换目标、地址或同行，请取消后重新计划。", c.Visit)
	}
	if len(when) == 0 {
		return baobei.Errorf(baobei.EINVALID, "请写拜访时间，例如：%s", examples[CmdVisit])
	}
	at, err := ParseDate(strings.Join(when, " "), m.now, m.loc)
	if err != nil {
		return baobei.Errorf(baobei.EINVALID, "拜访时间“%s”没看懂。例如：%s", strings.Join(when, " "), examples[CmdVisit])
	}
	c.NextAt = &at
	return nil
}

// visitRef reads the visit number of 签到, 取消拜访 and 拜访报告 (optional for
// 签到), and returns the items after it.
func (m *msg) visitRef(c *Command, items []item, required bool) ([]item, error) {
	for i, it := range items {
		if it.key != "" {
			continue
		}
		if n, ok := m.visitNo(it.val); ok {
			c.Visit = n
			return append(items[:i:i], items[i+1:]...), nil
		}
		break
	}
	if required {
		return nil, baobei.Errorf(baobei.EINVALID, "请写拜访编号（V3），例如：%s。发「拜访计划」查看编号。", examples[c.Name])
	}
	return items, nil
}

// visitCancel reads 取消拜访 V3 原因:… (also the reason as free text).
func (m *msg) visitCancel(c *Command, items []item, _ limits) error {
	rest, err := m.visitRef(c, items, true)
	if err != nil {
		return err
	}
	if c.Reason == "" {
		c.Reason = m.verbatim(rest, -1, "原因")
	}
	return nil
}

// checkIn reads 签到 [V3] [地址:…]; other text is the place.
func (m *msg) checkIn(c *Command, items []item, _ limits) error {
	rest, err := m.visitRef(c, items, false)
	if err != nil {
		return err
	}
	if c.Address == "" {
		c.Address = m.verbatim(rest, -1, "地址")
	}
	return nil
}

// visitReport reads 拜访报告 V3 参会:… 痛点:… 下一步:周五前发方案 [阶段:…],
// on one line or one field a line. Free text belongs to the field before
// it; 下一步 may come more than once, or list steps split by ；.
func (m *msg) visitReport(c *Command, items []item, _ limits) error {
	rest, err := m.visitRef(c, items, true)
	if err != nil {
		return err
	}
	r := &c.Report
	field := map[string]*string{"参会": &r.Attendees, "痛点": &r.Pains, "需求": &r.Needs, "预算": &r.Budget,
		"决策链": &r.DecisionChain, "竞品": &r.Competitors, "关注点": &r.Concerns}
	var steps []string
	key, cur := "", span{}
	flush := func() {
		v := strings.TrimFunc(string(m.orig[cur.start:cur.end]), func(r rune) bool { return isSpaceRune(r) || strings.ContainsRune("，,、；;。", r) })
		switch {
		case key == "" || v == "":
		case key == "下一步":
			steps = append(steps, v)
		case *field[key] != "":
			*field[key] += "；" + v
		default:
			*field[key] = v
		}
		key = ""
	}
	for _, it := range rest {
		switch {
		case reportKeys[it.key]:
			flush()
			key, cur = it.key, it.val
		case it.key == "" && key != "":
			cur.end = it.val.end
		case it.key == "":
			c.Ignored = append(c.Ignored, m.line(it.val))
		default:
			flush()
		}
	}
	flush()
	for _, s := range steps {
		for _, one := range strings.FieldsFunc(s, func(r rune) bool { return r == '；' || r == ';' }) {
			if one = strings.TrimSpace(one); one != "" {
				r.NextSteps = append(r.NextSteps, baobei.NextStep{Text: one, Due: dueOf(one, m.now, m.loc)})
			}
		}
	}
	if st, ok := baobei.ParseStage(c.Stage); ok {
		r.Stage, r.StageExplicit = st, c.StageExplicit
	}
	return nil
}

// dueOf is the date a next step starts with (周五前发方案, 12月5日 报价), or nil.
func dueOf(step string, now time.Time, loc *time.Location) *time.Time {
	rs := []rune(step)
	for n := min(len(rs), 16); n > 0; n-- {
		if at, err := ParseDate(strings.TrimSuffix(strings.TrimSuffix(string(rs[:n]), "前"), "之"), now, loc); err == nil {
			return &at
		}
	}
	return nil
}
