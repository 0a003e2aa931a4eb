package agent

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/secmgmt/secmgmt/policy"
)

// ErrInvalid is wrapped by the errors of New: an argument or option that
// cannot work.
var ErrInvalid = errors.New("agent: invalid configuration")

// Defaults.
const (
	// DefaultInterval is the check-in interval of security settings
	// management: about every 90 minutes.
	DefaultInterval = 90 * time.Minute
	// DefaultBackoff and DefaultMaxBackoff bound the wait after a failed
	// check-in; it doubles from the first to the second.
	DefaultBackoff    = 30 * time.Second
	DefaultMaxBackoff = 15 * time.Minute
	// MinWait is the least time between two check-ins, whatever the service
	// says: a next check-in in the past does not make the agent spin.
	MinWait = time.Second
)

// RenderFailureCode is the error code reported for a setting the simulated
// device cannot write to its native format (the policy renderer refused
// it): Intune's 0x87D1FDE8, "remediation failed".
const RenderFailureCode = -2016281112

// Clock is the agent's time source. Tests pass a fake one and never sleep.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once after d.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	// C delivers the time when the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

// Random is the jitter source; *rand.Rand of math/rand/v2 is one.
type Random interface {
	// Int64N returns a uniform value in [0, n); n > 0.
	Int64N(n int64) int64
}

type realClock struct{}

func (realClock) Now() time.Time                 { return time.Now() }
func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// globalRandom uses the runtime's random source, safe for concurrent use.
type globalRandom struct{}

func (globalRandom) Int64N(n int64) int64 { return rand.Int64N(n) }

// Failure is an injected failure: applying the setting fails with this
// code and message.
type Failure struct {
	Code    int
	Message string
}

type config struct {
	catalog    *policy.Catalog
	clock      Clock
	random     Random
	tamper     *bool
	variant    policy.Variant
	failures   map[string]Failure
	osVersion  string
	interval   time.Duration
	jitter     time.Duration
	backoff    time.Duration
	maxBackoff time.Duration
	state      map[string]string
	errs       []error
}

// Option configures an Agent.
type Option func(*config)

// WithCatalog sets the catalog the device knows (default policy.Builtin).
func WithCatalog(c *policy.Catalog) Option { return func(o *config) { o.catalog = c } }

// WithClock sets the clock (default the real one).
func WithClock(c Clock) Option { return func(o *config) { o.clock = c } }

// WithRandom sets the jitter source (default the runtime's); pass a seeded
// *rand.Rand for reproducible runs. It is used by Run only.
func WithRandom(r Random) Option { return func(o *config) { o.random = r } }

// WithTamperProtection turns tamper protection on or off (default on for
// Windows devices; it locks only the settings the catalog marks
// TamperProtected, which are Windows settings).
func WithTamperProtection(on bool) Option { return func(o *config) { o.tamper = &on } }

// WithVariant sets the documentation variant whose support the device
// follows (default policy.VariantCurrent): a setting unsupported in it is
// reported not applicable.
func WithVariant(v policy.Variant) Option { return func(o *config) { o.variant = v } }

// WithFailure makes applying the setting (a top-level setting id, or the id
// of a child that is reported on its own, such as an attack surface
// reduction rule) fail with the code and message. Repeat it for more
// settings.
func WithFailure(settingID string, code int, message string) Option {
	return func(o *config) {
		if settingID == "" {
			o.errs = append(o.errs, fmt.Errorf("%w: a failure needs a setting id", ErrInvalid))
			return
		}
		o.failures[settingID] = Failure{Code: code, Message: message}
	}
}

// WithOSVersion sets the device's OS version ("10.0.19045"); a setting
// whose definition needs a later version is reported not applicable.
// Without it every version is assumed to be supported.
func WithOSVersion(v string) Option {
	return func(o *config) {
		if _, ok := parseVersion(v); !ok {
			o.errs = append(o.errs, fmt.Errorf("%w: OS version %q is not dotted numbers", ErrInvalid, v))
			return
		}
		o.osVersion = v
	}
}

// WithInterval sets the check-in interval used when the service names no
// next check-in (default DefaultInterval), and the jitter added to it, a
// uniform amount in [-jitter, +jitter] (default a tenth of the interval).
func WithInterval(interval, jitter time.Duration) Option {
	return func(o *config) {
		if interval < MinWait || jitter < 0 || jitter >= interval {
			o.errs = append(o.errs, fmt.Errorf("%w: interval %v with jitter %v", ErrInvalid, interval, jitter))
			return
		}
		o.interval, o.jitter = interval, jitter
	}
}

// WithBackoff bounds the wait after a failed check-in: it starts at first
// and doubles up to max, each wait drawn uniformly from its upper half
// (defaults DefaultBackoff and DefaultMaxBackoff).
func WithBackoff(first, max time.Duration) Option {
	return func(o *config) {
		if first < MinWait || max < first {
			o.errs = append(o.errs, fmt.Errorf("%w: backoff %v to %v", ErrInvalid, first, max))
			return
		}
		o.backoff, o.maxBackoff = first, max
	}
}

// WithState sets the device's values before any configuration (setting id
// → value in the device's terms, as State returns them), e.g. to start
// from values a tamper-protected device will keep.
func WithState(values map[string]string) Option {
	return func(o *config) {
		for k, v := range values {
			o.state[k] = v
		}
	}
}
