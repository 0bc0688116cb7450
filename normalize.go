package baobei

import (
	_ "embed"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// FoldWidth turns full-width ASCII (digits, letters, punctuation, the
// ideographic space) into their half-width forms.
func FoldWidth(s string) string { return width.Fold.String(s) }

// NormalizePhone reduces a mainland mobile number as people type it
// (+86 138-0013 8000, （138）00138000, full-width digits) to 11 ASCII digits.
// On failure the error shows what was understood.
func NormalizePhone(raw string) (string, error) {
	s := FoldWidth(strings.TrimSpace(raw))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '+' || r == '.':
		default:
			return "", Errorf(EINVALID, "手机号“%s”含有非数字字符。请发送11位手机号，例如 13800138000。", raw)
		}
	}
	d := b.String()
	switch {
	case len(d) == 15 && strings.HasPrefix(d, "0086"):
		d = d[4:]
	case len(d) == 13 && strings.HasPrefix(d, "86"):
		d = d[2:]
	}
	if !isMobile(d) {
		return "", Errorf(EINVALID, "“%s”不是有效的手机号（识别为 %s，共%d位）。请发送11位手机号，例如 13800138000。", raw, orDash(d), len(d))
	}
	return d, nil
}

func isMobile(d string) bool {
	if len(d) != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9' {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

func orDash(s string) string {
	if s == "" {
		return "空"
	}
	return s
}

// MaskPhone shows the first three and last four digits: 138****8000.
func MaskPhone(p string) string {
	if len(p) != 11 {
		return "****"
	}
	return p[:3] + "****" + p[7:]
}

// companySuffixes are the legal forms, group and branch words and shop
// words that NormalizeCompany strips from the end of a name, on top of the
// policy's company_suffixes. Longer ones are tried first.
var companySuffixes = []string{
	"集团股份有限公司", "集团有限公司", "有限责任公司", "股份有限公司", "有限公司", "集团公司", "股份公司",
	"总公司", "分公司", "子公司", "公司", "集团", "股份",
	"旗舰店", "专卖店", "体验店", "直营店", "加盟店", "分店", "总店", "门店", "店",
}

// NormalizeCompany turns a company name into its dedup key, so that
// 杭州明远家居有限公司, 明远家居 and 明远家居（杭州）有限公司 are one key
// (明远家居). It folds width and case; drops a bracketed place name with its
// brackets (other brackets lose only the bracket characters); drops
// punctuation, spaces and symbols; strips legal-form, group, branch and shop
// suffixes (companySuffixes and the policy's suffixes), a place name left at
// the end (明远家居杭州分公司), and leading province, city and district names
// (浙江省杭州市西湖区). A strip that would leave fewer than two characters is
// not made: 杭州公司 stays 杭州.
func NormalizeCompany(raw string, suffixes []string) string {
	s := []rune(strings.ToLower(FoldWidth(raw)))
	s = dropBracketedPlaces(s)
	s = slices.DeleteFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	all := append(slices.Clone(companySuffixes), suffixes...)
	for i := range all {
		all[i] = strings.ToLower(FoldWidth(all[i]))
	}
	slices.SortStableFunc(all, func(a, b string) int { return RuneLen(b) - RuneLen(a) })
	for changed := true; changed; {
		changed = false
		for _, suf := range all { // the longest that matches, or none
			if r := []rune(suf); len(r) > 0 && len(r) <= len(s) && string(s[len(s)-len(r):]) == suf {
				if len(s)-len(r) >= minCompanyRunes {
					s, changed = s[:len(s)-len(r)], true
				}
				break
			}
		}
		if !changed {
			if p := places.suffix(s); p > 0 && len(s)-p >= minCompanyRunes {
				s, changed = s[:len(s)-p], true
			}
		}
	}
	return string(stripLeadingPlaces(s))
}

// minCompanyRunes is the shortest key NormalizeCompany strips down to.
const minCompanyRunes = 2

// stripLeadingPlaces drops leading place names: 浙江省杭州市明远 → 明远. After
// a place written with its full name (杭州市), a district or county that
// follows (西湖区, 桐庐县) goes too.
func stripLeadingPlaces(s []rune) []rune {
	for afterFull := false; ; {
		n, full := places.prefix(s)
		if n == 0 && afterFull {
			n, full = districtPrefix(s), false
		}
		if n == 0 || len(s)-n < minCompanyRunes {
			return s
		}
		s, afterFull = s[n:], full
	}
}

// districtPrefix is the length of a leading 2–4 character name ending in
// 区, 县 or 市 (a district, county or county-level city), or 0.
func districtPrefix(s []rune) int {
	for n := 3; n <= 5 && n <= len(s); n++ {
		if strings.ContainsRune("区县市", s[n-1]) {
			return n
		}
	}
	return 0
}

// dropBracketedPlaces removes "(杭州)" and the like; the brackets of any
// other content go, the content stays.
func dropBracketedPlaces(s []rune) []rune {
	var out []rune
	for i := 0; i < len(s); i++ {
		closer, ok := brackets[s[i]]
		if !ok {
			out = append(out, s[i])
			continue
		}
		j := slices.Index(s[i+1:], closer)
		if j < 0 {
			continue // an unmatched opening bracket: drop it
		}
		inner := slices.DeleteFunc(slices.Clone(s[i+1:i+1+j]), unicode.IsSpace)
		if !places.whole(inner) {
			out = append(out, s[i+1:i+1+j]...)
		}
		i += j + 1
	}
	return out
}

var brackets = map[rune]rune{'(': ')', '[': ']', '{': '}', '【': '】', '〔': '〕', '〖': '〗', '《': '》', '「': '」', '『': '』', '<': '>'}

//go:embed places.txt
var placesTxt string

// placeSet holds the names of places.txt; full tells whether a name is
// written with its administrative ending (杭州市, 浙江省).
type placeSet struct {
	names  map[string]bool // name → full
	maxLen int
}

var places = loadPlaces(placesTxt)

// placeEndings are the administrative endings whose removal gives a short name.
var placeEndings = []string{"特别行政区", "地区", "林区", "省", "市", "盟"}

func loadPlaces(txt string) *placeSet {
	p := &placeSet{names: map[string]bool{}}
	add := func(name string, full bool) {
		if RuneLen(name) < 2 {
			return
		}
		if _, ok := p.names[name]; !ok || full {
			p.names[name] = full
		}
		p.maxLen = max(p.maxLen, RuneLen(name))
	}
	for _, line := range strings.Split(txt, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		add(f[0], true)
		for _, short := range f[1:] {
			add(short, false)
		}
		for _, end := range placeEndings {
			if short, ok := strings.CutSuffix(f[0], end); ok {
				add(short, false)
				break
			}
		}
	}
	return p
}

// prefix returns the length of the longest place name s starts with.
func (p *placeSet) prefix(s []rune) (int, bool) {
	for n := min(p.maxLen, len(s)); n >= 2; n-- {
		if full, ok := p.names[string(s[:n])]; ok {
			return n, full
		}
	}
	return 0, false
}

// suffix returns the length of the longest place name s ends with.
func (p *placeSet) suffix(s []rune) int {
	for n := min(p.maxLen, len(s)); n >= 2; n-- {
		if _, ok := p.names[string(s[len(s)-n:])]; ok {
			return n
		}
	}
	return 0
}

// whole reports whether s is nothing but place names (杭州, 浙江杭州, 杭州市西湖区).
func (p *placeSet) whole(s []rune) bool {
	if len(s) == 0 {
		return false
	}
	for len(s) > 0 {
		n, full := p.prefix(s)
		if n == 0 {
			return false
		}
		s = s[n:]
		if full && len(s) > 0 && districtPrefix(s) == len(s) {
			return true
		}
	}
	return true
}

// NormalizeWechat folds width and case: WeChat IDs are case-insensitive.
func NormalizeWechat(raw string) string {
	return strings.ToLower(strings.TrimSpace(FoldWidth(raw)))
}

// RuneLen counts characters, which is how limits are stated to users.
func RuneLen(s string) int { return utf8.RuneCountInString(s) }

// SafeCell keeps a spreadsheet from reading a cell as a formula: text
// starting with = + - @ (or their full-width forms, a tab or a return) gets
// a leading apostrophe. Every CSV and sheet baobei writes goes through it.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r＝＋－＠", []rune(s)[0]) {
		return "'" + s
	}
	return s
}

// UnsafeCell undoes SafeCell on a cell read back.
func UnsafeCell(s string) string {
	if t, ok := strings.CutPrefix(s, "'"); ok && SafeCell(t) == s {
		return t
	}
	return s
}
