package enrollment

import (
	"math/rand/v2"
	"time"
)

// CheckInInterval is how often an enrolled device checks in to update its
// policy.
const CheckInInterval = 90 * time.Minute

// CheckInJitter bounds the random offset added to each check-in so that a
// fleet does not check in at once: the next check-in falls within
// CheckInInterval ± CheckInJitter of the last one. The service does not
// document its spread; this package chooses ±5 minutes.
const CheckInJitter = 5 * time.Minute

// NextCheckIn returns when a device that checked in at last checks in
// next: last + CheckInInterval + a jitter drawn uniformly, to the second,
// from [-CheckInJitter, +CheckInJitter] using src. A nil src means no
// jitter. The function is deterministic for a given source state.
func NextCheckIn(last time.Time, src rand.Source) time.Time {
	return last.Add(CheckInInterval + jitter(src))
}

func jitter(src rand.Source) time.Duration {
	if src == nil {
		return 0
	}
	span := uint64(2*CheckInJitter/time.Second) + 1
	return time.Duration(int64(src.Uint64()%span)-int64(CheckInJitter/time.Second)) * time.Second
}
