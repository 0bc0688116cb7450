package bot

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"baobei"
)

// dayWords are the relative day names, with their offset from today.
var dayWords = []struct {
	word string
	days int
}{{"大后天", 3}, {"今天", 0}, {"明天", 1}, {"后天", 2}, {"今日", 0}, {"明日", 1}}

// dateAliases rewrite the words that carry both a day and a time of day,
// and the other spellings of a time of day, into the forms parsed below.
var dateAliases = strings.NewReplacer(
	"今早", "今天早上", "明早", "明天早上", "今晚", "今天晚上", "明晚", "明天晚上", "明儿", "明天", "今儿", "今天",
	"早晨", "早上", "清晨", "早上", "晚间", "晚上", "夜里", "晚上", "夜晚", "晚上",
	"点钟", "点", "个钟头", "小时", "钟头", "小时", "以后", "后", "之后", "后",
)

// periods are the times of day; without a clock time each stands for one
// hour (上午 09:00, 中午 12:00, 下午 14:00, 傍晚 18:00, 晚上 19:00).
var periods = map[string]int{"上午": 9, "早上": 9, "中午": 12, "下午": 14, "傍晚": 18, "晚上": 19}

// dateForm is one way of writing a calendar date; year says whether the
// first group is the year.
type dateForm struct {
	re   *regexp.Regexp
	year bool
}

var (
	weekRe     = regexp.MustCompile(`^(本|这个?|下个?|下下个?)?(?:周|星期|礼拜)([1-7日天末])?`)
	afterRe    = regexp.MustCompile(`^(\d{1,3})个?(天|日|周|星期|礼拜|月)后`)
	hoursRe    = regexp.MustCompile(`^(?:(\d{1,3})(?:个)?(半)?|(半))小时后$`)
	minutesRe  = regexp.MustCompile(`^(\d{1,4})分钟?后$`)
	monthEndRe = regexp.MustCompile(`^(本|这个?|下个?)?月(底|末|初|中)`)
	monthDayRe = regexp.MustCompile(`^(?:(本|这个?|下个?)月)?(\d{1,2})[日号]`)
	clockRe    = regexp.MustCompile(`^(上午|早上|中午|下午|傍晚|晚上)?\s*(?:(\d{1,2})(?::(\d{2})|[点时](?:(\d{1,2})分?|(半)|([1-3])刻)?))?整?$`)
	dateForms  = []dateForm{
		{regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})`), true},
		{regexp.MustCompile(`^(\d{4})/(\d{1,2})/(\d{1,2})`), true},
		{regexp.MustCompile(`^(\d{4})\.(\d{1,2})\.(\d{1,2})`), true},
		{regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?`), true},
		{regexp.MustCompile(`^(\d{1,2})-(\d{1,2})`), false},
		{regexp.MustCompile(`^(\d{1,2})/(\d{1,2})`), false},
		{regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})`), false},
		{regexp.MustCompile(`^(\d{1,2})月(\d{1,2})[日号]?`), false},
	}
	weekdayNames = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
)

const dateHelp = "可以写 明天、周五、下周三、3天后、2小时后、月底、下个月3号、12.5、11-25，后面可加时间，例如 下次:周五 下午3点"

// ParseDate resolves a 下次: value against now, in loc (now's zone when
// nil): a day (今天 明天 后天 大后天, 周五 本周五 下周三 下下周三 周末, 3天后
// 两周后 一个月后, 月底 月初 月中 下个月3号 15号, 11-25 11/25 12.5 11月25日
// 2026-11-25 2026.11.25 2026年11月25日, Chinese numerals too) and/or a time of
// day (14:00, 14点, 7点半, 3点一刻, 下午3点, or a period alone: 上午 09:00,
// 中午 12:00, 下午 14:00, 傍晚 18:00, 晚上 19:00; 今晚 明早 明晚 combine both),
// or a span from now (1小时后, 半小时后, 30分钟后). A day without a time is
// 09:00; a time without a day is today, or tomorrow when it has passed. A
// result before now is an error.
func ParseDate(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = now.Location()
	}
	t := normDate(s)
	local := now.In(loc)
	if at, ok, err := spanOf(t, local); ok || err != nil {
		return at, err
	}
	day, rest, dated, err := dayOf(t, local)
	if err != nil {
		return time.Time{}, err
	}
	h, mi, err := clockOf(strings.TrimLeftFunc(rest, isSep))
	if err != nil {
		return time.Time{}, err
	}
	at := time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, loc)
	if !dated && at.Before(now) {
		at = time.Date(day.Year(), day.Month(), day.Day()+1, h, mi, 0, 0, loc)
	}
	if at.Before(now) {
		return time.Time{}, baobei.Errorf(baobei.EINVALID,
			"下次跟进时间已经过去（识别为 %s）。请写以后的时间，例如 下次:明天 10:00", formatAt(at))
	}
	return at, nil
}

// normDate folds width, trims, reads Chinese numerals as digits and
// rewrites the aliases.
func normDate(s string) string {
	t := strings.TrimSpace(baobei.FoldWidth(s))
	t = strings.TrimRightFunc(t, isNoise)
	return dateAliases.Replace(chineseDigits(t))
}

// spanOf reads a span from now: 2小时后, 半小时后, 一个半小时后, 30分钟后.
func spanOf(t string, now time.Time) (time.Time, bool, error) {
	var d time.Duration
	if m := hoursRe.FindStringSubmatch(t); m != nil {
		n, _ := strconv.Atoi(m[1])
		d = time.Duration(n) * time.Hour
		if m[2] != "" || m[3] != "" {
			d += 30 * time.Minute
		}
	} else if m := minutesRe.FindStringSubmatch(t); m != nil {
		n, _ := strconv.Atoi(m[1])
		d = time.Duration(n) * time.Minute
	} else {
		return time.Time{}, false, nil
	}
	if d <= 0 || d > 30*24*time.Hour {
		return time.Time{}, true, baobei.Errorf(baobei.EINVALID, "“%s”不行：要在30天以内，例如 下次:2小时后", t)
	}
	return now.Truncate(time.Minute).Add(d), true, nil
}

// dayOf reads the date at the start of t and returns it (midnight) and what
// follows; dated is false when t names no day (only a time: today).
func dayOf(t string, today time.Time) (day time.Time, rest string, dated bool, err error) {
	for _, w := range dayWords {
		if rest, ok := strings.CutPrefix(t, w.word); ok {
			return addDays(today, w.days), rest, true, nil
		}
	}
	if m := weekRe.FindStringSubmatch(t); m != nil && (m[1] != "" || m[2] != "") {
		return weekday(today, m[1], m[2]), t[len(m[0]):], true, nil
	}
	if m := afterRe.FindStringSubmatch(t); m != nil {
		n, _ := strconv.Atoi(m[1])
		switch m[2] {
		case "周", "星期", "礼拜":
			n *= 7
		case "月":
			if n < 1 || n > 12 {
				return time.Time{}, "", false, baobei.Errorf(baobei.EINVALID, "“%s”不行：月数要在1到12之间，例如 下次:1个月后", m[0])
			}
			d := today.AddDate(0, n, 0)
			return addDays(d, 0), t[len(m[0]):], true, nil
		}
		if n < 1 || n > 365 {
			return time.Time{}, "", false, baobei.Errorf(baobei.EINVALID, "“%s”不行：天数要在1到365之间，例如 下次:3天后", m[0])
		}
		return addDays(today, n), t[len(m[0]):], true, nil
	}
	if m := monthEndRe.FindStringSubmatch(t); m != nil {
		return monthPart(today, m[1], m[2]), t[len(m[0]):], true, nil
	}
	if m := monthDayRe.FindStringSubmatch(t); m != nil {
		d, err := monthDay(today, m[1], m[2], m[0])
		return d, t[len(m[0]):], true, err
	}
	for _, f := range dateForms {
		if m := f.re.FindStringSubmatch(t); m != nil {
			d, err := calendarDay(m, f.year, today)
			return d, t[len(m[0]):], true, err
		}
	}
	if t != "" && clockRe.MatchString(t) {
		return addDays(today, 0), t, false, nil
	}
	return time.Time{}, "", false, baobei.Errorf(baobei.EINVALID, "没看懂下次跟进时间“%s”。%s", t, dateHelp)
}

func addDays(today time.Time, n int) time.Time {
	return time.Date(today.Year(), today.Month(), today.Day()+n, 0, 0, 0, 0, today.Location())
}

// weekIndex maps 1…7 (一…日 after chineseDigits), 日, 天 to 0…6, Monday
// first; 末 (周末) is Saturday.
func weekIndex(s string) int {
	switch {
	case s == "末":
		return 5
	case s >= "1" && s <= "7":
		return int(s[0] - '1')
	}
	return 6 // 日, 天
}

// weekday resolves a weekday with its prefix: none is the next such day
// (today counts), 本/这 this Monday-based week's, 下 the next week's, 下下
// the one after. Without a day, 下周 and 下下周 are that week's Monday.
func weekday(today time.Time, prefix, day string) time.Time {
	cur := (int(today.Weekday()) + 6) % 7
	wd := 0
	if day != "" {
		wd = weekIndex(day)
	}
	switch strings.TrimSuffix(prefix, "个") {
	case "":
		return addDays(today, (wd-cur+7)%7)
	case "本", "这":
		return addDays(today, wd-cur)
	case "下":
		return addDays(today, 7-cur+wd)
	}
	return addDays(today, 14-cur+wd) // 下下
}

// monthOffset is 0 for this month (本月, 这个月, none) and 1 for 下(个)月.
func monthOffset(prefix string) int {
	if strings.HasPrefix(prefix, "下") {
		return 1
	}
	return 0
}

// monthPart is 月底 (the month's last day), 月初 (its first day: next
// month's when no month is named, this one's having begun) or 月中 (the
// 15th, next month's when this one's has passed and no month is named).
func monthPart(today time.Time, prefix, part string) time.Time {
	off := monthOffset(prefix)
	first := time.Date(today.Year(), today.Month()+time.Month(off), 1, 0, 0, 0, 0, today.Location())
	switch part {
	case "底", "末":
		return first.AddDate(0, 1, -1)
	case "初":
		if prefix == "" && today.Day() > 1 {
			return first.AddDate(0, 1, 0)
		}
		return first
	}
	if prefix == "" && today.Day() > 15 {
		return first.AddDate(0, 1, 14)
	}
	return first.AddDate(0, 0, 14)
}

// monthDay is 3号 (this month's, next month's once passed), 本月3号 or 下个月3号.
func monthDay(today time.Time, prefix, ds, text string) (time.Time, error) {
	d, _ := strconv.Atoi(ds)
	off := monthOffset(prefix)
	if prefix == "" && d < today.Day() {
		off = 1
	}
	first := time.Date(today.Year(), today.Month()+time.Month(off), 1, 0, 0, 0, 0, today.Location())
	day := first.AddDate(0, 0, d-1)
	if d < 1 || day.Month() != first.Month() {
		return time.Time{}, baobei.Errorf(baobei.EINVALID, "日期“%s”不存在（%d月没有%d日）。%s", text, int(first.Month()), d, dateHelp)
	}
	return day, nil
}

// calendarDay turns a matched date into a day; without a year it is this
// year's date, or next year's when this year's is already over.
func calendarDay(m []string, hasYear bool, today time.Time) (time.Time, error) {
	n := make([]int, len(m))
	for i := 1; i < len(m); i++ {
		n[i], _ = strconv.Atoi(m[i])
	}
	y, mo, d := today.Year(), n[1], n[2]
	if hasYear {
		y, mo, d = n[1], n[2], n[3]
	} else if mo < int(today.Month()) || mo == int(today.Month()) && d < today.Day() {
		y++
	}
	day := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, today.Location())
	if mo < 1 || mo > 12 || day.Day() != d || int(day.Month()) != mo {
		return time.Time{}, baobei.Errorf(baobei.EINVALID, "日期“%s”不存在（%d月没有%d日）。%s", m[0], mo, d, dateHelp)
	}
	return day, nil
}

// clockOf reads a time of day (14:00, 9:30, 14点, 14点30, 7点半, 3点1刻,
// 下午3点, 下午); empty means 09:00.
func clockOf(s string) (int, int, error) {
	if s == "" {
		return 9, 0, nil
	}
	m := clockRe.FindStringSubmatch(s)
	if m == nil || m[1] == "" && m[2] == "" {
		return 0, 0, baobei.Errorf(baobei.EINVALID, "没看懂时间“%s”。例如 下次:明天 14:00、下次:明天 9点30 或 下次:明天下午", s)
	}
	if m[2] == "" {
		return periods[m[1]], 0, nil
	}
	h, _ := strconv.Atoi(m[2])
	mi, _ := strconv.Atoi(m[3] + m[4])
	switch {
	case m[5] != "":
		mi = 30
	case m[6] != "":
		mi = 15 * int(m[6][0]-'0')
	}
	switch {
	case (m[1] == "下午" || m[1] == "傍晚" || m[1] == "晚上") && h < 12, m[1] == "中午" && h < 6:
		h += 12
	case (m[1] == "上午" || m[1] == "早上") && h > 12, (m[1] == "晚上" || m[1] == "傍晚") && h == 12:
		h = 24 // invalid
	}
	if h > 23 || mi > 59 {
		return 0, 0, baobei.Errorf(baobei.EINVALID, "时间“%s”不存在。例如 下次:明天 14:00 或 下次:明天 9点30", s)
	}
	return h, mi, nil
}

// isClock reports whether a token is a time of day (14:00, 下午3点, 晚上),
// to join it to the date of 下次:.
func isClock(s string) bool {
	m := clockRe.FindStringSubmatch(normDate(s))
	return m != nil && (m[1] != "" || m[2] != "")
}

// isTimeOfDay reports whether a token is a time of day, to join it to the
// date of 下次:.
func isTimeOfDay(s string) bool { return isClock(s) }

// chineseDigits writes Chinese numerals as digits: 十二月五日 → 12月5日,
// 两天后 → 2天后, 二〇二六 → 2026, 三点半 → 3点半.
func chineseDigits(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && strings.ContainsRune(cnDigits+"十百", rs[j]) {
			j++
		}
		if j == i {
			b.WriteRune(rs[i])
			i++
			continue
		}
		b.WriteString(cnNumber(rs[i:j]))
		i = j
	}
	return b.String()
}

const cnDigits = "零〇一二两三四五六七八九"

func cnDigit(r rune) int {
	switch r {
	case '零', '〇':
		return 0
	case '两':
		return 2
	}
	return strings.IndexRune("一二三四五六七八九", r)/len("一") + 1
}

// cnNumber reads one run of Chinese numerals: positional with 十 and 百
// (二十五, 一百二十), digit by digit without (二〇二六).
func cnNumber(rs []rune) string {
	if !strings.ContainsAny(string(rs), "十百") {
		var b strings.Builder
		for _, r := range rs {
			b.WriteString(strconv.Itoa(cnDigit(r)))
		}
		return b.String()
	}
	total, cur := 0, 0
	for _, r := range rs {
		switch r {
		case '百':
			total += max(cur, 1) * 100
			cur = 0
		case '十':
			total += max(cur, 1) * 10
			cur = 0
		default:
			cur = cnDigit(r)
		}
	}
	return strconv.Itoa(total + cur)
}

func formatAt(t time.Time) string {
	return t.Format("2006-01-02 ") + weekdayNames[t.Weekday()] + t.Format(" 15:04")
}

// pastDays are the day names a 日期: may use, with their offset from today.
var pastDays = []struct {
	word string
	days int
}{{"今天", 0}, {"今日", 0}, {"昨天", -1}, {"昨日", -1}, {"前天", -2}}

var agoRe = regexp.MustCompile(`^(\d{1,3})天前$`)

const boughtHelp = "可以写 今天、昨天、前天、3天前、11-25、11月25日、2026-11-25"

// ParseBoughtDate resolves a 日期: value (when a purchase was made) against
// now in loc: 今天 (now itself), 昨天, 前天, 3天前, or a calendar date (a date
// without a year is the latest one not after today); a past day is its
// 12:00. A day after today or more than 3 years back is an error.
func ParseBoughtDate(s string, now time.Time, loc *time.Location) (time.Time, error) {
	t, local := normDate(s), now.In(loc)
	day, ok := time.Time{}, false
	for _, w := range pastDays {
		if t == w.word {
			day, ok = addDays(local, w.days), true
		}
	}
	if m := agoRe.FindStringSubmatch(t); m != nil {
		n, _ := strconv.Atoi(m[1])
		day, ok = addDays(local, -n), true
	}
	for _, f := range dateForms {
		if m := f.re.FindStringSubmatch(t); !ok && m != nil && m[0] == t {
			var err error
			if day, err = calendarDay(m, f.year, local); err != nil {
				return time.Time{}, err
			}
			if !f.year && day.After(local) {
				day = day.AddDate(-1, 0, 0)
			}
			ok = true
		}
	}
	switch {
	case !ok:
		return time.Time{}, baobei.Errorf(baobei.EINVALID, "没看懂购买日期“%s”。%s", s, boughtHelp)
	case day.After(local):
		return time.Time{}, baobei.Errorf(baobei.EINVALID, "购买日期 %s 还没到。请写今天或以前的日期，例如 日期:昨天", day.Format("2006-01-02"))
	case day.Before(addDays(local, 0).AddDate(-3, 0, 0)):
		return time.Time{}, baobei.Errorf(baobei.EINVALID, "购买日期 %s 太早了（最多3年前）。%s", day.Format("2006-01-02"), boughtHelp)
	case day.Equal(addDays(local, 0)):
		return now, nil
	}
	return day.Add(12 * time.Hour), nil
}
