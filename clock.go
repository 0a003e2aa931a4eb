package secmgmt

import "time"

// Clock tells the time. The service reads every time stamp from its clock,
// so a test or a what-if tool can run it on simulated time.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to the Clock interface.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// systemClock is the default clock.
type systemClock struct{}

// Now returns the system time.
func (systemClock) Now() time.Time { return time.Now() }
