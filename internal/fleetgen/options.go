package fleetgen

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/secmgmt/secmgmt/policy"
)

// Defaults of Options.
const (
	DefaultDevices  = 10_000
	DefaultGroups   = 100
	DefaultPolicies = 60
	// MinGroups is the fewest dynamic groups a fleet has: one per platform.
	MinGroups = 4
	// MaxDevices, MaxGroups and MaxPolicies bound a fleet.
	MaxDevices  = 50_000_000
	MaxGroups   = 10_000
	MaxPolicies = 10_000
)

// DefaultNow is the time a fleet is generated at when Options.Now is zero:
// devices are onboarded then, policies were last modified before it.
var DefaultNow = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// Mix gives the share of each platform in the fleet. The shares are
// relative weights: they need not add up to 1.
type Mix struct {
	Windows       float64
	WindowsServer float64
	MacOS         float64
	Linux         float64
}

// DefaultMix is 60 % Windows clients, 15 % Windows Server, 12 % macOS and
// 13 % Linux.
var DefaultMix = Mix{Windows: 60, WindowsServer: 15, MacOS: 12, Linux: 13}

// Options configure a fleet. A zero field takes its default.
type Options struct {
	// Devices is the number of devices, N (DefaultDevices).
	Devices int
	// Groups is the number of dynamic groups, G (DefaultGroups); at least
	// MinGroups.
	Groups int
	// Policies is the number of policies, P (DefaultPolicies). Every
	// template of the catalog gets a policy once P reaches the number of
	// templates (plus one server baseline per Windows template).
	Policies int
	// Mix is the platform mix (DefaultMix).
	Mix Mix
	// TaggedShare is the share of Windows Server and Linux devices that
	// carry the MDE-Management tag, which the fleet's tenant requires of
	// them (0.85). Give a negative value for none.
	TaggedShare float64
	// Now is when the devices are onboarded (DefaultNow).
	Now time.Time
	// Catalog holds the templates and settings policies are made from
	// (policy.Builtin()).
	Catalog *policy.Catalog
}

// ErrInvalidOptions is wrapped by every *OptionError.
var ErrInvalidOptions = errors.New("fleetgen: invalid options")

// OptionError names an option that New cannot use.
type OptionError struct {
	Field  string
	Reason string
}

// Error names the field and the reason.
func (e *OptionError) Error() string {
	return fmt.Sprintf("fleetgen: option %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidOptions.
func (e *OptionError) Unwrap() error { return ErrInvalidOptions }

// withDefaults returns o with its zero fields set, or the first field that
// is out of range.
func (o Options) withDefaults() (Options, error) {
	fail := func(field, format string, a ...any) (Options, error) {
		return Options{}, &OptionError{Field: field, Reason: fmt.Sprintf(format, a...)}
	}
	if o.Devices == 0 {
		o.Devices = DefaultDevices
	}
	if o.Groups == 0 {
		o.Groups = DefaultGroups
	}
	if o.Policies == 0 {
		o.Policies = DefaultPolicies
	}
	if o.Mix == (Mix{}) {
		o.Mix = DefaultMix
	}
	switch {
	case o.TaggedShare == 0:
		o.TaggedShare = 0.85
	case o.TaggedShare < 0:
		o.TaggedShare = 0
	}
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
	if o.Catalog == nil {
		o.Catalog = policy.Builtin()
	}
	switch {
	case o.Devices < 0 || o.Devices > MaxDevices:
		return fail("Devices", "%d is not between 1 and %d", o.Devices, MaxDevices)
	case o.Groups < MinGroups || o.Groups > MaxGroups:
		return fail("Groups", "%d is not between %d and %d", o.Groups, MinGroups, MaxGroups)
	case o.Policies < 0 || o.Policies > MaxPolicies:
		return fail("Policies", "%d is not between 1 and %d", o.Policies, MaxPolicies)
	case o.TaggedShare > 1 || math.IsNaN(o.TaggedShare):
		return fail("TaggedShare", "%v is not a share between 0 and 1", o.TaggedShare)
	}
	for _, s := range []float64{o.Mix.Windows, o.Mix.WindowsServer, o.Mix.MacOS, o.Mix.Linux} {
		if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return fail("Mix", "share %v is not a non-negative number", s)
		}
	}
	if len(o.Catalog.Templates()) == 0 {
		return fail("Catalog", "the catalog has no templates")
	}
	return o, nil
}
