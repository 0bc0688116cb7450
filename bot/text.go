package bot

import (
	"strings"
	"unicode/utf8"
)

// SplitText cuts s into parts of at most limit bytes, for platforms that
// cap a message's size. It cuts at line ends, dropping the "\n" there, and
// packs as many whole lines into each part as fit; a line longer than limit
// is cut between runes (never inside one). Joined with "\n" the parts give
// s back, except that the pieces of a line cut between runes join without
// one and blank parts at the cuts (empty lines) are dropped. A string
// within limit is its own single part; "" has none. A limit below
// utf8.UTFMax is taken as utf8.UTFMax, so that every rune fits.
func SplitText(s string, limit int) []string {
	if s == "" {
		return nil
	}
	if len(s) <= limit {
		return []string{s}
	}
	limit = max(limit, utf8.UTFMax)
	var parts []string
	cur, open := "", false // open: cur holds at least one line, perhaps empty
	flush := func() {
		if open && strings.TrimSpace(cur) != "" {
			parts = append(parts, cur)
		}
		cur, open = "", false
	}
	for _, line := range strings.Split(s, "\n") {
		if open && len(cur)+1+len(line) <= limit {
			cur += "\n" + line
			continue
		}
		flush()
		for len(line) > limit {
			i := limit
			for i > 0 && !utf8.RuneStart(line[i]) {
				i--
			}
			if i == 0 { // not UTF-8: cut anywhere
				i = limit
			}
			parts = append(parts, line[:i])
			line = line[i:]
		}
		cur, open = line, true
	}
	flush()
	return parts
}
