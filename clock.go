package baobei

import (
	"sync/atomic"
	"time"
)

// OffsetClock is the system clock plus an offset that only grows. The
// console moves it forward so that a 30-day lifecycle plays out in seconds.
type OffsetClock struct{ offset atomic.Int64 }

// Now is the system time plus the offset.
func (c *OffsetClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d (d ≤ 0 is ignored) and returns the new time.
func (c *OffsetClock) Advance(d time.Duration) time.Time {
	if d > 0 {
		c.offset.Add(int64(d))
	}
	return c.Now()
}

// Offset is how far the clock is ahead of the system clock.
func (c *OffsetClock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// SetOffset restores an offset kept from an earlier run.
func (c *OffsetClock) SetOffset(d time.Duration) { c.offset.Store(int64(d)) }
