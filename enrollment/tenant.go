package enrollment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Mode is the generation of the service's behaviour a tenant follows.
type Mode string

// Modes. The zero value is ModeCurrent.
const (
	// ModeCurrent: synthetic registration, Windows, macOS and Linux,
	// managementType MicrosoftSense (the behaviour since September 2023).
	ModeCurrent Mode = "current"
	// ModeLegacy: Windows only, hybrid join for domain-joined devices and
	// Entra join for the others, system labels MDEJoined / MDEManaged (the
	// generally available behaviour of 2023).
	ModeLegacy Mode = "legacy"
)

// String returns the mode name; the zero value reads "current".
func (m Mode) String() string {
	if m == "" {
		return string(ModeCurrent)
	}
	return string(m)
}

// Valid reports whether m is a declared mode ("" is ModeCurrent).
func (m Mode) Valid() bool { return m == "" || m == ModeCurrent || m == ModeLegacy }

// Legacy reports whether m is ModeLegacy.
func (m Mode) Legacy() bool { return m == ModeLegacy }

// MarshalText writes the mode name ("current" for the zero value).
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a mode name.
func (m *Mode) UnmarshalText(b []byte) error {
	v := Mode(b)
	if v == "" || !v.Valid() {
		return fmt.Errorf("unknown mode %q (want current or legacy)", string(b))
	}
	*m = v
	return nil
}

// ScopeSetting is the enforcement scope of one platform.
type ScopeSetting string

// Scope settings. The zero value is ScopeOff.
const (
	ScopeOff    ScopeSetting = "off"    // the platform is not managed
	ScopeAll    ScopeSetting = "all"    // every device of the platform
	ScopeTagged ScopeSetting = "tagged" // devices with the MDE-Management tag
)

// ManagementTag is the device tag that puts a device in a "tagged" scope.
const ManagementTag = "MDE-Management"

// String returns the setting name; the zero value reads "off".
func (s ScopeSetting) String() string {
	if s == "" {
		return string(ScopeOff)
	}
	return string(s)
}

// Valid reports whether s is a declared setting ("" is ScopeOff).
func (s ScopeSetting) Valid() bool {
	return s == "" || s == ScopeOff || s == ScopeAll || s == ScopeTagged
}

// Enabled reports whether the platform is managed at all.
func (s ScopeSetting) Enabled() bool { return s == ScopeAll || s == ScopeTagged }

// MarshalText writes the setting name ("off" for the zero value).
func (s ScopeSetting) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a setting name.
func (s *ScopeSetting) UnmarshalText(b []byte) error {
	v := ScopeSetting(b)
	if v == "" || !v.Valid() {
		return fmt.Errorf("unknown scope %q (want all, tagged or off)", string(b))
	}
	*s = v
	return nil
}

// Scope is the enforcement scope page: one setting per platform, and the
// separate domain-controller switch.
type Scope struct {
	WindowsClient ScopeSetting `json:"windowsClient"`
	WindowsServer ScopeSetting `json:"windowsServer"`
	MacOS         ScopeSetting `json:"macOS"`
	Linux         ScopeSetting `json:"linux"`
	// DomainControllers needs WindowsServer enabled; when either is
	// "tagged", domain controllers are limited to tagged devices.
	DomainControllers ScopeSetting `json:"domainControllers"`
}

// For returns the setting of a platform. For a domain controller it is the
// effective one: off if Windows Server or domain controllers are off,
// tagged if either is tagged, all otherwise.
func (s Scope) For(p Platform, domainController bool) ScopeSetting {
	switch p {
	case PlatformWindows:
		return norm(s.WindowsClient)
	case PlatformWindowsServer:
		if !domainController {
			return norm(s.WindowsServer)
		}
		srv, dc := norm(s.WindowsServer), norm(s.DomainControllers)
		switch {
		case srv == ScopeOff || dc == ScopeOff:
			return ScopeOff
		case srv == ScopeTagged || dc == ScopeTagged:
			return ScopeTagged
		}
		return ScopeAll
	case PlatformMacOS:
		return norm(s.MacOS)
	case PlatformLinux:
		return norm(s.Linux)
	}
	return ScopeOff
}

func norm(s ScopeSetting) ScopeSetting {
	if s == "" {
		return ScopeOff
	}
	return s
}

// Tenant is a tenant's configuration of security settings management.
// DefaultTenant gives the starting point; the JSON form uses the keys of
// the conformance corpus, and omitted keys keep DefaultTenant's values.
type Tenant struct {
	Mode Mode `json:"mode"`
	// IntuneEnforcement is the Intune toggle "Allow Microsoft Defender for
	// Endpoint to enforce Endpoint Security Configurations".
	IntuneEnforcement bool  `json:"intuneEnforcement"`
	Scope             Scope `json:"scope"`
	// ConfigMgrAuthority is "Manage Security settings using Configuration
	// Manager": on, a Configuration Manager client is left to it.
	ConfigMgrAuthority bool `json:"configMgrAuthority"`
	// DefenderForCloud: devices onboarded through Defender for Cloud are in
	// scope only when on.
	DefenderForCloud bool `json:"defenderForCloud"`
	// GovernmentCloud: the tenant is in a government cloud, which legacy
	// mode does not support.
	GovernmentCloud bool `json:"governmentCloud"`
	// MDEUserLicense: the tenant has at least one Defender for Endpoint
	// (user) licence; false means Defender for Servers only, which does not
	// include security settings management.
	MDEUserLicense bool `json:"mdeUserLicense"`
}

// DefaultTenant returns a tenant in current mode with the Intune toggle off,
// every platform out of scope, every other toggle off, and a Defender for
// Endpoint user licence.
func DefaultTenant() Tenant {
	return Tenant{
		Mode:           ModeCurrent,
		Scope:          Scope{ScopeOff, ScopeOff, ScopeOff, ScopeOff, ScopeOff},
		MDEUserLicense: true,
	}
}

// Validate checks the enumerations and that domain controllers are enabled
// only together with Windows Server.
func (t Tenant) Validate() error {
	fail := func(field, reason string) error { return &InputError{What: "tenant", Field: field, Reason: reason} }
	if !t.Mode.Valid() {
		return fail("mode", fmt.Sprintf("unknown mode %q", string(t.Mode)))
	}
	for _, f := range [...]struct {
		name string
		v    ScopeSetting
	}{
		{"scope.windowsClient", t.Scope.WindowsClient}, {"scope.windowsServer", t.Scope.WindowsServer},
		{"scope.macOS", t.Scope.MacOS}, {"scope.linux", t.Scope.Linux}, {"scope.domainControllers", t.Scope.DomainControllers},
	} {
		if !f.v.Valid() {
			return fail(f.name, fmt.Sprintf("unknown scope %q", string(f.v)))
		}
	}
	if t.Scope.DomainControllers.Enabled() && !t.Scope.WindowsServer.Enabled() {
		return fail("scope.domainControllers", "domain controllers need Windows Server enabled")
	}
	return nil
}

// UnmarshalJSON decodes the conformance form over DefaultTenant. Unknown
// keys are an error.
func (t *Tenant) UnmarshalJSON(b []byte) error {
	type plain Tenant
	v := plain(DefaultTenant())
	if err := decodeStrict(b, &v); err != nil {
		return &InputError{What: "tenant", Reason: err.Error()}
	}
	if err := Tenant(v).Validate(); err != nil {
		return err
	}
	*t = Tenant(v)
	return nil
}

// decodeStrict decodes one JSON value into v, rejecting unknown keys and
// trailing data.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}
