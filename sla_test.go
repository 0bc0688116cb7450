package baobei

import (
	"testing"
	"time"
)

func TestAddWorking(t *testing.T) {
	p := DefaultPolicy()
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, p.Loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		hours, start string
		d            time.Duration
		want         string
	}{
		{"09:00-21:00", "2026-11-23 10:00", 2 * time.Hour, "2026-11-23 12:00"},
		{"09:00-21:00", "2026-11-23 20:30", 2 * time.Hour, "2026-11-24 10:30"},    // 30 minutes today, 90 tomorrow
		{"09:00-21:00", "2026-11-23 23:00", 2 * time.Hour, "2026-11-24 11:00"},    // after hours: from the next opening
		{"09:00-21:00", "2026-11-23 06:00", time.Hour, "2026-11-23 10:00"},        // before hours
		{"09:00-21:00", "2026-11-23 19:00", 26 * time.Hour, "2026-11-25 21:00"},   // 2 + 12 + 12
		{"09:00-21:00", "2026-11-23 21:00", 0, "2026-11-24 09:00"},                // at closing: the next opening
		{"", "2026-11-23 23:00", 2 * time.Hour, "2026-11-24 01:00"},               // every hour counts
		{"08:30-18:00", "2026-11-23 17:45", 30 * time.Minute, "2026-11-24 08:45"}, // minutes
	} {
		p.SLA.WorkingHours = tc.hours
		if got := p.AddWorking(at(tc.start), tc.d); !got.Equal(at(tc.want)) {
			t.Errorf("%s + %v in %q = %s, want %s", tc.start, tc.d, tc.hours, got.In(p.Loc).Format("2006-01-02 15:04"), tc.want)
		}
	}
	for _, bad := range []string{"9-21", "21:00-09:00", "09:00", "09:00-25:00"} {
		if _, _, err := (SLAPolicy{WorkingHours: bad}).Hours(); err == nil {
			t.Errorf("working_hours %q accepted", bad)
		}
	}
}
