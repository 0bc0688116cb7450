package scheduler

import (
	"fmt"
	"time"
)

// Schedule yields the slots of a job: the instants it is due, in a zone.
type Schedule struct {
	Every   time.Duration // every so many minutes (dividing an hour), on the clock
	Hourly  bool
	Hour    int          // daily and weekly: the local time of day
	Minute  int          //
	Weekly  bool         // on Weekday only
	Weekday time.Weekday //
	Loc     *time.Location
}

// EveryMinutes is due every n minutes on the clock (n divides 60).
func EveryMinutes(n int, loc *time.Location) Schedule {
	return Schedule{Every: time.Duration(n) * time.Minute, Loc: loc}
}

// Hourly is due at the top of every hour.
func Hourly(loc *time.Location) Schedule { return Schedule{Hourly: true, Loc: loc} }

// Daily is due every day at hh:mm local time.
func Daily(hh, mm int, loc *time.Location) Schedule { return Schedule{Hour: hh, Minute: mm, Loc: loc} }

// Weekly is due every week on day at hh:mm local time.
func Weekly(day time.Weekday, hh, mm int, loc *time.Location) Schedule {
	return Schedule{Weekly: true, Weekday: day, Hour: hh, Minute: mm, Loc: loc}
}

// Prev is the latest slot at or before t.
func (s Schedule) Prev(t time.Time) time.Time {
	t = t.In(s.Loc)
	if s.Every > 0 {
		return t.Truncate(s.Every)
	}
	if s.Hourly {
		return t.Truncate(time.Hour)
	}
	y, m, d := t.Date()
	slot := time.Date(y, m, d, s.Hour, s.Minute, 0, 0, s.Loc)
	for slot.After(t) || (s.Weekly && slot.Weekday() != s.Weekday) {
		slot = slot.AddDate(0, 0, -1)
	}
	return slot
}

// Between lists the slots in (from, to], oldest first.
func (s Schedule) Between(from, to time.Time) []time.Time {
	var slots []time.Time
	for slot := s.Prev(to); slot.After(from); slot = s.Prev(slot.Add(-time.Second)) {
		slots = append(slots, slot)
	}
	for i, j := 0, len(slots)-1; i < j; i, j = i+1, j-1 {
		slots[i], slots[j] = slots[j], slots[i]
	}
	return slots
}

// Cron is the schedule as a crontab line for gocron.
func (s Schedule) Cron() string {
	switch {
	case s.Every > 0:
		return fmt.Sprintf("*/%d * * * *", int(s.Every/time.Minute))
	case s.Hourly:
		return "0 * * * *"
	case s.Weekly:
		return fmt.Sprintf("%d %d * * %d", s.Minute, s.Hour, int(s.Weekday))
	}
	return fmt.Sprintf("%d %d * * *", s.Minute, s.Hour)
}
