package baobei

import (
	"strings"
	"testing"
	"time"
)

func TestRFMScore(t *testing.T) {
	p := DefaultRFMPolicy()
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	days := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	for _, tc := range []struct {
		last          time.Time
		n             int
		cents         int64
		wantR, F, M   int
		wantRecency   int
		wantSegment   string
		wantMonetary  float64
		wantFrequency int
	}{
		{days(0), 1, 1280000, 5, 1, 3, 0, "新客户", 12800, 1},
		{days(30), 1, 9999900, 5, 1, 5, 30, "高价值客户", 99999, 1}, // the first rule wins
		{days(31), 1, 100, 4, 1, 1, 31, "", 1, 1},
		{days(91), 2, 500000, 3, 2, 3, 91, "潜在流失", 5000, 2},
		{days(90), 2, 500000, 4, 2, 3, 90, "", 5000, 2},
		{days(400), 10, 5000000, 1, 5, 5, 400, "潜在流失", 50000, 10},
		{days(181), 5, 99900, 2, 4, 1, 181, "潜在流失", 999, 5},
	} {
		r := p.Score(now, tc.last, tc.n, tc.cents, tc.n, tc.cents)
		if r.R != tc.wantR || r.F != tc.F || r.M != tc.M || r.RecencyDays != tc.wantRecency || r.Monetary != tc.wantMonetary || r.Frequency != tc.wantFrequency {
			t.Errorf("Score(%v, %d, %d) = %+v", tc.last, tc.n, tc.cents, r)
		}
		seg, ok := p.Segment(r)
		if seg.Name != tc.wantSegment || ok != (tc.wantSegment != "") {
			t.Errorf("Segment(%+v) = %q %v, want %q", r, seg.Name, ok, tc.wantSegment)
		}
	}
}

func TestRFMCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		edit func(*RFMPolicy)
		want string
	}{
		{func(p *RFMPolicy) { p.Segments[0].Rule = "recency_days <= " }, "segments[0] 高价值客户: rule"},
		{func(p *RFMPolicy) { p.Segments[1].Rule = "recency > 90" }, "unknown name recency"},
		{func(p *RFMPolicy) { p.Segments[1].Rule = "monetary + 1" }, "segments[1]"}, // not a bool
		{func(p *RFMPolicy) { p.Segments[2].Name = "新 客户" }, "segments[2]: name"},
		{func(p *RFMPolicy) { p.Segments[2].Name = "高价值客户" }, "unique tag"},
		{func(p *RFMPolicy) { p.Window = 0 }, "policy.rfm.window"},
		{func(p *RFMPolicy) { p.Recency = []int{30, 90} }, "policy.rfm.recency: write 4 thresholds"},
		{func(p *RFMPolicy) { p.Monetary = []float64{5, 4, 3, 2} }, "ascending"},
	} {
		p := DefaultRFMPolicy()
		p.Segments = append([]Segment(nil), p.Segments...)
		tc.edit(&p)
		err := p.Compile()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile() = %v, want %q", err, tc.want)
		}
	}
	p := DefaultRFMPolicy()
	p.Segments = []Segment{{Name: "老客户", Rule: "purchases >= 3 and total > 10000 and (r + f + m) >= 9"}}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	if seg, ok := p.Segment(RFM{Purchases: 3, Total: 20000, R: 3, F: 3, M: 3}); !ok || seg.Name != "老客户" {
		t.Fatalf("Segment = %+v %v", seg, ok)
	}
}

func TestRevisitDue(t *testing.T) {
	p := DefaultPolicy()
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	bought := now.AddDate(0, 0, -90)
	followed := now.AddDate(0, 0, -89)
	won := &Customer{Status: StatusWon, ReportedAt: now.AddDate(0, 0, -200), LastPurchaseAt: &bought}
	if a := AttentionOf(won, now, p); !a.Revisit || a.Stale || a.Escalate || !a.Any() {
		t.Fatalf("won, 90 days since the last purchase: %+v", a)
	}
	won.LastFollowupAt = &followed
	if a := AttentionOf(won, now, p); a.Revisit || a.Any() {
		t.Fatalf("won, followed up 89 days ago: %+v", a)
	}
	p.Care.RevisitDays = 0
	won.LastFollowupAt = nil
	if a := AttentionOf(won, now, p); a.Revisit {
		t.Fatalf("revisit_days 0: %+v", a)
	}
}
