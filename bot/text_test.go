package bot_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"baobei/bot"
)

func TestSplitText(t *testing.T) {
	cases := []struct {
		name  string
		s     string
		limit int
		want  []string
	}{
		{"empty", "", 10, nil},
		{"short", "hello", 10, []string{"hello"}},
		{"exactly the limit", "0123456789", 10, []string{"0123456789"}},
		{"one byte over", "01234\n56789", 10, []string{"01234", "56789"}},
		{"lines packed up to the limit", "aaa\nbbb\nccc\nddd", 7, []string{"aaa\nbbb", "ccc\nddd"}},
		{"a part exactly at the limit", "aaaa\nbbbbb\nc", 10, []string{"aaaa\nbbbbb", "c"}},
		{"CJK: 3-byte runes", "张先生\n李女士\n王先生", 19, []string{"张先生\n李女士", "王先生"}},
		{"CJK line cut between runes", "一二三四五", 7, []string{"一二", "三四", "五"}},
		{"a long line between short ones", "ab\n0123456789abc\ncd", 6, []string{"ab", "012345", "6789ab", "c\ncd"}},
		{"blank lines at a cut are dropped", "aaaaa\n\n\nbbbbb", 5, []string{"aaaaa", "bbbbb"}},
		{"blank lines inside a part are kept", "a\n\nb\n" + strings.Repeat("c", 9), 9, []string{"a\n\nb", strings.Repeat("c", 9)}},
		{"a tiny limit still fits a rune", "一二", 1, []string{"一", "二"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := bot.SplitText(tc.s, tc.limit)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("SplitText(%q, %d) = %q, want %q", tc.s, tc.limit, got, tc.want)
			}
			for _, p := range got {
				if len(p) > max(tc.limit, utf8.UTFMax) || !utf8.ValidString(p) {
					t.Errorf("part %q: %d bytes or not UTF-8", p, len(p))
				}
			}
		})
	}
}

func TestSplitTextRejoins(t *testing.T) {
	var b strings.Builder
	for i := range 120 {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.Repeat("客户报备", i%7+1))
	}
	s := b.String()
	for _, limit := range []int{13, 64, 100, 2048} {
		parts := bot.SplitText(s, limit)
		for _, p := range parts {
			if len(p) > limit {
				t.Fatalf("limit %d: a part of %d bytes", limit, len(p))
			}
		}
		if limit >= 84 && strings.Join(parts, "\n") != s { // every line fits: the cuts are all at line ends
			t.Fatalf("limit %d: parts do not join back into the text", limit)
		}
		if limit < 84 && strings.ReplaceAll(strings.Join(parts, ""), "\n", "") != strings.ReplaceAll(s, "\n", "") {
			t.Fatalf("limit %d: parts lost text", limit)
		}
	}
}
