package conflict

import (
	"fmt"

	"github.com/secmgmt/secmgmt/policy"
)

// Device is what the merge needs to know about the device it merges for.
type Device struct {
	// Class is the device's platform (and whether it is a domain
	// controller). An empty platform means "the policies' platform": every
	// policy must then be for the same one.
	Class policy.DeviceClass
	// OSVersion is the device's OS version, dotted numbers such as
	// "10.0.22631.3007". Settings whose definition names a higher
	// MinOSVersion do not apply. Empty: not checked.
	OSVersion string
	// Variant is the documentation variant of security settings management
	// the tenant follows; settings UnsupportedIn it do not apply. Empty:
	// policy.VariantCurrent.
	Variant policy.Variant
}

// osVersion is a parsed dotted version; missing parts are zero.
type osVersion struct {
	parts [4]uint32
	set   bool
}

// parseOSVersion parses up to four dot-separated decimal numbers.
func parseOSVersion(s string) (osVersion, error) {
	var v osVersion
	if s == "" {
		return v, nil
	}
	n, digits := 0, 0
	var cur uint64
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || n == len(v.parts) {
				return v, fmt.Errorf("OS version %q: want up to %d dot-separated numbers", s, len(v.parts))
			}
			v.parts[n] = uint32(cur)
			n, digits, cur = n+1, 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return v, fmt.Errorf("OS version %q: %q is not a digit", s, c)
		}
		cur = cur*10 + uint64(c-'0')
		if cur > 1<<32-1 {
			return v, fmt.Errorf("OS version %q: a part is too large", s)
		}
		digits++
	}
	v.set = true
	return v, nil
}

// less reports whether v is older than w.
func (v osVersion) less(w osVersion) bool {
	for i := range v.parts {
		if v.parts[i] != w.parts[i] {
			return v.parts[i] < w.parts[i]
		}
	}
	return false
}

// platformOf maps a device platform to the Graph platform of its policies.
func platformOf(p policy.DevicePlatform) policy.Platforms {
	switch p {
	case policy.DeviceWindows, policy.DeviceWindowsServer:
		return policy.PlatformWindows10
	case policy.DeviceMacOS:
		return policy.PlatformMacOS
	case policy.DeviceLinux:
		return policy.PlatformLinux
	}
	return 0
}

// devicePlatformOf maps a policy's Graph platform to a device platform:
// windows10 is read as a Windows client.
func devicePlatformOf(p policy.Platforms) (policy.DevicePlatform, bool) {
	switch p {
	case policy.PlatformWindows10:
		return policy.DeviceWindows, true
	case policy.PlatformMacOS:
		return policy.DeviceMacOS, true
	case policy.PlatformLinux:
		return policy.DeviceLinux, true
	}
	return "", false
}
