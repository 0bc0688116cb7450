package scheduler

import (
	"testing"
	"time"
)

func TestSchedules(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	cases := []struct {
		s    Schedule
		now  string
		prev string
	}{
		{EveryMinutes(10, loc), "2026-11-23 10:59", "2026-11-23 10:50"},
		{EveryMinutes(10, loc), "2026-11-23 10:00", "2026-11-23 10:00"},
		{Hourly(loc), "2026-11-23 10:59", "2026-11-23 10:00"},
		{Hourly(loc), "2026-11-23 10:00", "2026-11-23 10:00"},
		{Daily(9, 0, loc), "2026-11-23 08:59", "2026-11-22 09:00"},
		{Daily(9, 0, loc), "2026-11-23 09:00", "2026-11-23 09:00"},
		{Weekly(time.Monday, 9, 0, loc), "2026-11-23 10:00", "2026-11-23 09:00"}, // a Monday
		{Weekly(time.Monday, 9, 0, loc), "2026-11-23 08:00", "2026-11-16 09:00"},
		{Weekly(time.Monday, 9, 0, loc), "2026-11-29 23:00", "2026-11-23 09:00"},
	}
	for _, tc := range cases {
		if got := tc.s.Prev(at(tc.now)); !got.Equal(at(tc.prev)) {
			t.Errorf("%+v Prev(%s) = %s, want %s", tc.s, tc.now, got, tc.prev)
		}
	}
	week := Daily(9, 0, loc).Between(at("2026-11-23 09:00"), at("2026-11-30 09:00"))
	if len(week) != 7 || !week[0].Equal(at("2026-11-24 09:00")) || !week[6].Equal(at("2026-11-30 09:00")) {
		t.Fatalf("daily slots in a week = %v", week)
	}
	if n := len(Hourly(loc).Between(at("2026-11-23 09:30"), at("2026-11-24 09:30"))); n != 24 {
		t.Fatalf("hourly slots in a day = %d", n)
	}
	if n := len(EveryMinutes(10, loc).Between(at("2026-11-23 09:30"), at("2026-11-23 10:30"))); n != 6 {
		t.Fatalf("10-minute slots in an hour = %d", n)
	}
	if got := EveryMinutes(10, loc).Cron(); got != "*/10 * * * *" {
		t.Fatalf("cron = %q", got)
	}
	if got := Weekly(time.Monday, 9, 0, loc).Cron(); got != "0 9 * * 1" {
		t.Fatalf("cron = %q", got)
	}
}
