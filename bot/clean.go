package bot

import (
	"strings"
	"unicode"
)

// invisible are the zero-width characters that chat clients put around
// mentions and pasted text; the parser reads them as spaces.
const invisible = "\u200b\u200c\u2060\ufeff\u180e"

// isSpaceRune is a space of any width, or an invisible separator.
func isSpaceRune(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(invisible, r) }

// stripMentions drops the leading @name mentions (@ or ＠, ended by any kind
// of space: WeCom puts U+2005 after a mention, DingTalk a plain or
// no-break space) so that "@报备助手 报备 …" is "报备 …" in every channel.
// No command starts with @, so every leading mention goes.
func stripMentions(s string) string {
	s = strings.TrimLeftFunc(s, isSpaceRune)
	for strings.HasPrefix(s, "@") || strings.HasPrefix(s, "＠") {
		i := strings.IndexFunc(s, isSpaceRune)
		if i < 0 {
			return ""
		}
		s = strings.TrimLeftFunc(s[i:], isSpaceRune)
	}
	return s
}

// openers maps an opening bracket (as folded) to its closer.
var openers = map[rune]rune{'(': ')', '[': ']', '{': '}', '【': '】', '〔': '〕', '〖': '〗', '「': '」', '『': '』', '<': '>', '《': '》'}

// blankBrackets makes brackets around a field or the command word
// disappear from the folded text: 【来源：抖音】 reads as 来源:抖音, 【来源】抖音 as
// 来源:抖音 and 【报备】13800138000 as 报备 13800138000. Other brackets stay.
func (m *msg) blankBrackets() {
	f := m.fold
	for i, r := range f { // 来源=抖音 is 来源:抖音
		if r == '=' {
			j := i
			for j > 0 && !isSep(f[j-1]) && f[j-1] != ':' {
				j--
			}
			if keyName(asciiLower(strings.TrimSpace(string(f[j:i])))) != "" {
				f[i] = ':'
			}
		}
	}
	for i := 0; i < len(f); i++ {
		closer, ok := openers[f[i]]
		if !ok {
			continue
		}
		j := i + 1
		for j < len(f) && f[j] != closer && f[j] != '\n' {
			j++
		}
		if j >= len(f) || f[j] != closer {
			continue
		}
		inner := strings.TrimSpace(string(f[i+1 : j]))
		word, _, hasColon := strings.Cut(inner, ":")
		word = strings.TrimSpace(word)
		switch {
		case keyName(asciiLower(word)) != "" && hasColon:
			f[i], f[j] = ' ', ' '
		case keyName(asciiLower(word)) != "" && !hasColon:
			f[i], f[j] = ' ', ':'
		case strings.TrimSpace(string(f[:i])) == "" && isCommandWord(asciiLower(inner)):
			f[i], f[j] = ' ', ' '
		default:
			continue
		}
		i = j
	}
}

func isCommandWord(w string) bool {
	for _, c := range commands {
		if c.word == w {
			return true
		}
	}
	return false
}

// isNoise is punctuation, a symbol or an emoji: what trails a value as typed
// on a phone (抖音。 张先生！ A👍) and carries nothing.
func isNoise(r rune) bool {
	return unicode.IsPunct(r) || unicode.IsSymbol(r) || r == '\u200d' || r == '\ufe0f' || unicode.Is(unicode.Mn, r) || isSpaceRune(r)
}

// isOpenQuote is what may lead a value without belonging to it.
func isOpenQuote(r rune) bool {
	_, ok := openers[r]
	return ok || strings.ContainsRune("\"'“‘", r)
}

// trimValue drops trailing noise and leading brackets and quotes from a
// key's value.
func (m *msg) trimValue(s span) span {
	for s.end-s.start >= 2 && openers[m.fold[s.start]] == m.fold[s.end-1] && openers[m.fold[s.start]] != 0 {
		s.start, s.end = s.start+1, s.end-1 // 「抖音」
	}
	for s.end > s.start && isNoise(m.fold[s.end-1]) && !m.closes(s, s.end-1) {
		s.end--
	}
	for s.start < s.end && isOpenQuote(m.fold[s.start]) {
		s.start++
	}
	return s
}

// closes reports whether the bracket at i closes one opened inside s.
func (m *msg) closes(s span, i int) bool {
	for j := s.start; j < i; j++ {
		if c, ok := openers[m.fold[j]]; ok && c == m.fold[i] {
			return true
		}
	}
	return false
}

// trimNoise drops noise on both sides (a name: “张先生”！).
func (m *msg) trimNoise(s span) span {
	s = m.trimValue(s)
	for s.start < s.end && isNoise(m.fold[s.start]) {
		s.start++
	}
	return s
}

// hasWord reports whether s holds a letter of any script (CJK included).
func hasWord(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}
