package baobei

import (
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

// NormalizeCompany folds width and case, trims, removes inner spaces and drops
// legal-form suffixes so that "杭州某某家居有限公司" and "杭州某某家居" are one key.
func NormalizeCompany(raw string, suffixes []string) string {
	s := strings.ToLower(FoldWidth(raw))
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	for changed := true; changed; {
		changed = false
		for _, suf := range suffixes {
			if t := strings.TrimSuffix(s, suf); t != s && t != "" {
				s, changed = t, true
			}
		}
	}
	return s
}

// NormalizeWechat folds width and case: WeChat IDs are case-insensitive.
func NormalizeWechat(raw string) string {
	return strings.ToLower(strings.TrimSpace(FoldWidth(raw)))
}

// RuneLen counts characters, which is how limits are stated to users.
func RuneLen(s string) int { return utf8.RuneCountInString(s) }
