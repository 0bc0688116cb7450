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
}{{"大后天", 3}, {"今天", 0}, {"明天", 1}, {"后天", 2}}

// dateForm is one way of writing a calendar date; year says whether the
// first group is the year.
type dateForm struct {
	re   *regexp.Regexp
	year bool
}

var (
	weekRe    = regexp.MustCompile(`^(下)?(?:周|星期|礼拜)([一二三四五六日天1-7])`)
	afterRe   = regexp.MustCompile(`^(\d{1,3})天之?后`)
	clockRe   = regexp.MustCompile(`^(上午|早上|中午|下午|晚上)?(\d{1,2})(?::(\d{2})|点(?:(\d{1,2})分?|(半))?)$`)
	dateForms = []dateForm{
		{regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})`), true},
		{regexp.MustCompile(`^(\d{4})/(\d{1,2})/(\d{1,2})`), true},
		{regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?`), true},
		{regexp.MustCompile(`^(\d{1,2})-(\d{1,2})`), false},
		{regexp.MustCompile(`^(\d{1,2})/(\d{1,2})`), false},
		{regexp.MustCompile(`^(\d{1,2})月(\d{1,2})[日号]?`), false},
	}
	weekdayNames = []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
)

const dateHelp = "可以写 明天、周五、下周三、3天后、11-25、2026-11-25，后面可加时间，例如 下次:周五 14:00"

// ParseDate resolves a 下次: value such as 明天, 周五 14:00, 下周三, 3天后,
// 11-25 or 2026年11月25日 9点30 against now, in loc (now's zone when nil).
// Without a time of day the result is 09:00. A time before now is an error.
func ParseDate(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = now.Location()
	}
	t := strings.TrimSpace(baobei.FoldWidth(s))
	day, rest, err := dayOf(t, now.In(loc))
	if err != nil {
		return time.Time{}, err
	}
	h, mi, err := clockOf(strings.TrimLeftFunc(rest, isSep))
	if err != nil {
		return time.Time{}, err
	}
	at := time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, loc)
	if at.Before(now) {
		return time.Time{}, baobei.Errorf(baobei.EINVALID,
			"下次跟进时间已经过去（识别为 %s）。请写以后的时间，例如 下次:明天 10:00", formatAt(at))
	}
	return at, nil
}

// dayOf reads the date at the start of t and returns it (midnight) and what follows.
func dayOf(t string, today time.Time) (time.Time, string, error) {
	for _, w := range dayWords {
		if rest, ok := strings.CutPrefix(t, w.word); ok {
			return addDays(today, w.days), rest, nil
		}
	}
	if m := weekRe.FindStringSubmatch(t); m != nil {
		return weekday(today, m[1] != "", weekIndex(m[2])), t[len(m[0]):], nil
	}
	if m := afterRe.FindStringSubmatch(t); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > 365 {
			return time.Time{}, "", baobei.Errorf(baobei.EINVALID, "“%s”不行：天数要在1到365之间，例如 下次:3天后", m[0])
		}
		return addDays(today, n), t[len(m[0]):], nil
	}
	for _, f := range dateForms {
		if m := f.re.FindStringSubmatch(t); m != nil {
			d, err := calendarDay(m, f.year, today)
			return d, t[len(m[0]):], err
		}
	}
	return time.Time{}, "", baobei.Errorf(baobei.EINVALID, "没看懂下次跟进时间“%s”。%s", t, dateHelp)
}

func addDays(today time.Time, n int) time.Time {
	return time.Date(today.Year(), today.Month(), today.Day()+n, 0, 0, 0, 0, today.Location())
}

// weekIndex maps 一…日 (or 1…7) to 0…6, Monday first.
func weekIndex(s string) int {
	if i := strings.Index("一二三四五六", s); i >= 0 {
		return i / len("一")
	}
	if s >= "1" && s <= "7" {
		return int(s[0] - '1')
	}
	return 6 // 日, 天
}

// weekday returns the next day with Monday-first index wd (today counts),
// or with next set that day of the following Monday-based week.
func weekday(today time.Time, next bool, wd int) time.Time {
	cur := (int(today.Weekday()) + 6) % 7
	if next {
		return addDays(today, 7-cur+wd)
	}
	return addDays(today, (wd-cur+7)%7)
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

// clockOf reads a time of day (14:00, 9:30, 14点, 14点30, 下午3点); empty means 09:00.
func clockOf(s string) (int, int, error) {
	if s == "" {
		return 9, 0, nil
	}
	m := clockRe.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, baobei.Errorf(baobei.EINVALID, "没看懂时间“%s”。例如 下次:明天 14:00 或 下次:明天 9点30", s)
	}
	h, _ := strconv.Atoi(m[2])
	mi, _ := strconv.Atoi(m[3] + m[4])
	if m[5] != "" {
		mi = 30
	}
	switch {
	case (m[1] == "下午" || m[1] == "晚上") && h < 12, m[1] == "中午" && h < 6:
		h += 12
	case (m[1] == "上午" || m[1] == "早上") && h > 12:
		h = 24 // invalid
	}
	if h > 23 || mi > 59 {
		return 0, 0, baobei.Errorf(baobei.EINVALID, "时间“%s”不存在。例如 下次:明天 14:00 或 下次:明天 9点30", s)
	}
	return h, mi, nil
}

// isClock reports whether a token is a time of day, to join it to 下次:.
func isClock(s string) bool { return clockRe.MatchString(s) }

func formatAt(t time.Time) string {
	return t.Format("2006-01-02 ") + weekdayNames[t.Weekday()] + t.Format(" 15:04")
}
