package baobei

import (
	"strings"
	"testing"
	"time"
)

// A digest lists the most urgent DigestLines of each section, most urgent
// first, and counts the rest.
func TestDigestKeepsMostUrgent(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	d := Digest{UID: "rep"}
	for i := 1; i <= 25; i++ {
		next := now.Add(-time.Duration(i) * 24 * time.Hour)
		c := Customer{ID: int64(i), Name: "客户", Stage: StageNew, Status: StatusOwned, NextFollowupAt: &next,
			ReportedAt: now.Add(-time.Hour)}
		d.Add(&c, AttentionOf(&c, now, p), now, p)
	}
	text := d.Notice().Text
	if !strings.Contains(text, "要跟进 25 个") || !strings.Contains(text, "…另有 15 个") {
		t.Fatalf("counts missing:\n%s", text)
	}
	lines := strings.Split(text, "\n")
	if !strings.HasPrefix(lines[2], "#25 ") || !strings.HasPrefix(lines[11], "#16 ") {
		t.Fatalf("want #25 … #16, most overdue first:\n%s", text)
	}
	if strings.Contains(text, "#15 ") {
		t.Fatalf("listed more than %d:\n%s", DigestLines, text)
	}
	if (&Digest{}).Empty() != true || d.Empty() {
		t.Fatal("Empty is wrong")
	}
}
