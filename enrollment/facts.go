package enrollment

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/secmgmt/secmgmt/identity"
)

// Platform is a device platform as the enforcement scope knows it.
type Platform string

// Platforms.
const (
	PlatformWindows       Platform = "windows"       // Windows client (10, 11)
	PlatformWindowsServer Platform = "windowsServer" // Windows Server, domain controllers included
	PlatformMacOS         Platform = "macOS"
	PlatformLinux         Platform = "linux"
)

// String returns the platform name.
func (p Platform) String() string { return string(p) }

// Valid reports whether p is a declared platform.
func (p Platform) Valid() bool {
	switch p {
	case PlatformWindows, PlatformWindowsServer, PlatformMacOS, PlatformLinux:
		return true
	}
	return false
}

// Windows reports whether p is Windows client or Windows Server.
func (p Platform) Windows() bool { return p == PlatformWindows || p == PlatformWindowsServer }

// OSType returns the directory's deviceOSType for the platform: "Windows",
// "Windows Server", "macOS" or "Linux".
func (p Platform) OSType() string {
	switch p {
	case PlatformWindows:
		return "Windows"
	case PlatformWindowsServer:
		return "Windows Server"
	case PlatformMacOS:
		return "macOS"
	case PlatformLinux:
		return "Linux"
	}
	return ""
}

// UnmarshalText reads a platform name.
func (p *Platform) UnmarshalText(b []byte) error {
	v := Platform(b)
	if !v.Valid() {
		return fmt.Errorf("unknown platform %q (want windows, windowsServer, macOS or linux)", string(b))
	}
	*p = v
	return nil
}

// EntraRegistration is the directory registration a device has made itself.
type EntraRegistration string

// Entra registrations. The zero value is RegistrationNone.
const (
	RegistrationNone         EntraRegistration = "none"
	RegistrationEntraJoined  EntraRegistration = "entraJoined"  // trust type AzureAD
	RegistrationHybridJoined EntraRegistration = "hybridJoined" // trust type ServerAD
	RegistrationRegistered   EntraRegistration = "registered"   // trust type Workplace
)

// String returns the name; the zero value reads "none".
func (r EntraRegistration) String() string {
	if r == "" {
		return string(RegistrationNone)
	}
	return string(r)
}

// Valid reports whether r is declared ("" is RegistrationNone).
func (r EntraRegistration) Valid() bool {
	switch r {
	case "", RegistrationNone, RegistrationEntraJoined, RegistrationHybridJoined, RegistrationRegistered:
		return true
	}
	return false
}

// Full reports whether r is a full registration.
func (r EntraRegistration) Full() bool { return r.Trust().Full() }

// Trust returns the trust type of the registration (blank for none).
func (r EntraRegistration) Trust() identity.TrustType {
	switch r {
	case RegistrationEntraJoined:
		return identity.TrustAzureAD
	case RegistrationHybridJoined:
		return identity.TrustServerAD
	case RegistrationRegistered:
		return identity.TrustWorkplace
	}
	return identity.TrustNone
}

// MarshalText writes the registration name ("none" for the zero value).
func (r EntraRegistration) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a registration name.
func (r *EntraRegistration) UnmarshalText(b []byte) error {
	v := EntraRegistration(b)
	if v == "" || !v.Valid() {
		return fmt.Errorf("unknown Entra registration %q (want none, entraJoined, hybridJoined or registered)", string(b))
	}
	*r = v
	return nil
}

// OnboardingSource is how a device was onboarded to the agent.
type OnboardingSource string

// Onboarding sources. The zero value is OnboardedViaMDE.
const (
	OnboardedViaMDE              OnboardingSource = "mde"
	OnboardedViaDefenderForCloud OnboardingSource = "defenderForCloud"
)

// Valid reports whether s is declared ("" is OnboardedViaMDE).
func (s OnboardingSource) Valid() bool {
	return s == "" || s == OnboardedViaMDE || s == OnboardedViaDefenderForCloud
}

// MarshalText writes the source name ("mde" for the zero value).
func (s OnboardingSource) MarshalText() ([]byte, error) {
	if s == "" {
		s = OnboardedViaMDE
	}
	return []byte(s), nil
}

// UnmarshalText reads a source name.
func (s *OnboardingSource) UnmarshalText(b []byte) error {
	v := OnboardingSource(b)
	if v == "" || !v.Valid() {
		return fmt.Errorf("unknown onboarding source %q (want mde or defenderForCloud)", string(b))
	}
	*s = v
	return nil
}

// LanguageMode is the PowerShell language mode of a Windows device.
type LanguageMode string

// Language modes. The zero value is FullLanguage.
const (
	FullLanguage        LanguageMode = "FullLanguage"
	ConstrainedLanguage LanguageMode = "ConstrainedLanguage"
	RestrictedLanguage  LanguageMode = "RestrictedLanguage"
	NoLanguage          LanguageMode = "NoLanguage"
)

// Valid reports whether m is declared ("" is FullLanguage).
func (m LanguageMode) Valid() bool {
	switch m {
	case "", FullLanguage, ConstrainedLanguage, RestrictedLanguage, NoLanguage:
		return true
	}
	return false
}

// MarshalText writes the mode ("FullLanguage" for the zero value).
func (m LanguageMode) MarshalText() ([]byte, error) {
	if m == "" {
		m = FullLanguage
	}
	return []byte(m), nil
}

// UnmarshalText reads a language mode.
func (m *LanguageMode) UnmarshalText(b []byte) error {
	v := LanguageMode(b)
	if v == "" || !v.Valid() {
		return fmt.Errorf("unknown PowerShell language mode %q", string(b))
	}
	*m = v
	return nil
}

// Facts are what the agent reports about a device at onboarding and at
// check-in. HealthyFacts gives a healthy, supported device of a platform;
// the JSON form (the conformance "device" keys) starts from it, so omitted
// facts take the healthy values. The zero Facts is a Windows device that
// reports no versions and no board_vendor file: use HealthyFacts.
type Facts struct {
	Platform            Platform `json:"platform"`
	OSVersion           string   `json:"osVersion"`
	Edition             string   `json:"edition"`
	AgentVersion        string   `json:"agentVersion"`
	Distribution        string   `json:"distribution"`
	DistributionVersion string   `json:"distributionVersion"`
	DomainJoined        bool     `json:"domainJoined"`
	DomainController    bool     `json:"domainController"`
	ServerCore          bool     `json:"serverCore"`
	// NonPersistentVDI covers non-persistent VDI clients and Azure Virtual
	// Desktop.
	NonPersistentVDI       bool              `json:"nonPersistentVDI"`
	Arch32                 bool              `json:"arch32"`
	PowerShellLanguageMode LanguageMode      `json:"powerShellLanguageMode"`
	MDMEnrolled            bool              `json:"mdmEnrolled"`
	ConfigMgrClient        bool              `json:"configMgrClient"`
	EntraRegistration      EntraRegistration `json:"entraRegistration"`
	Tags                   []string          `json:"tags"`
	OnboardedVia           OnboardingSource  `json:"onboardedVia"`
	// BoardVendorPresent: /sys/class/dmi/id/board_vendor exists (Linux).
	BoardVendorPresent bool `json:"boardVendorPresent"`
	// Fault injects a registration failure: a documented code (see Code),
	// 0 for none.
	Fault Code `json:"fault"`
}

// HealthyFacts returns the facts of a healthy device of platform p that
// every prerequisite accepts: a current, supported OS and agent, not
// domain joined, no MDM or Configuration Manager, no Entra registration,
// no tags, onboarded directly, PowerShell in FullLanguage mode.
func HealthyFacts(p Platform) Facts {
	f := Facts{
		Platform:               p,
		PowerShellLanguageMode: FullLanguage,
		EntraRegistration:      RegistrationNone,
		OnboardedVia:           OnboardedViaMDE,
		BoardVendorPresent:     true,
	}
	switch p {
	case PlatformWindows:
		f.OSVersion, f.Edition, f.AgentVersion = "10.0.22631.4460", "Enterprise", "10.8760.22631.4460"
	case PlatformWindowsServer:
		f.OSVersion, f.Edition, f.AgentVersion = "10.0.20348.2849", "Datacenter", "10.8760.20348.2849"
	case PlatformMacOS:
		f.OSVersion, f.AgentVersion = "14.7.1", "101.24092.0004"
	case PlatformLinux:
		f.OSVersion, f.AgentVersion = "5.15.0", "101.24092.0004"
		f.Distribution, f.DistributionVersion = "ubuntu", "22.04"
	}
	return f
}

// Validate checks the enumerations, the versions the prerequisites read,
// the injected fault, and facts that only make sense on some platforms
// (e.g. a domain controller is a Windows Server).
func (f Facts) Validate() error {
	fail := func(field, format string, a ...any) error {
		return &InputError{What: "device", Field: field, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case !f.Platform.Valid():
		return fail("platform", "unknown platform %q", string(f.Platform))
	case !f.PowerShellLanguageMode.Valid():
		return fail("powerShellLanguageMode", "unknown mode %q", string(f.PowerShellLanguageMode))
	case !f.EntraRegistration.Valid():
		return fail("entraRegistration", "unknown registration %q", string(f.EntraRegistration))
	case !f.OnboardedVia.Valid():
		return fail("onboardedVia", "unknown source %q", string(f.OnboardedVia))
	case f.Fault != 0 && !f.Fault.Valid():
		return fail("fault", "%d is not a documented enrollment code", int(f.Fault))
	}
	if f.Platform.Windows() && f.OSVersion != "" {
		if v, ok := parseVersion(f.OSVersion); !ok || v.n < 3 {
			return fail("osVersion", "%q is not a Windows version such as 10.0.22631 or 10.0.22631.4460", f.OSVersion)
		}
	}
	if (f.Platform == PlatformMacOS || f.Platform == PlatformLinux) && f.AgentVersion != "" {
		if _, ok := parseVersion(f.AgentVersion); !ok {
			return fail("agentVersion", "%q is not a version such as 101.23052.0009", f.AgentVersion)
		}
	}
	if f.Platform != PlatformWindowsServer {
		if f.DomainController {
			return fail("domainController", "a domain controller is a windowsServer device")
		}
		if f.ServerCore {
			return fail("serverCore", "Server Core is a windowsServer installation")
		}
	}
	if f.DomainController && !f.DomainJoined {
		return fail("domainJoined", "a domain controller is domain joined")
	}
	if !f.Platform.Windows() {
		if f.Arch32 {
			return fail("arch32", "the 32-bit prerequisite concerns Windows")
		}
		if f.PowerShellLanguageMode != "" && f.PowerShellLanguageMode != FullLanguage {
			return fail("powerShellLanguageMode", "the language-mode prerequisite concerns Windows")
		}
		if f.EntraRegistration == RegistrationHybridJoined {
			return fail("entraRegistration", "hybrid join concerns Windows")
		}
	}
	if f.EntraRegistration == RegistrationHybridJoined && !f.DomainJoined {
		return fail("entraRegistration", "a hybrid-joined device is domain joined")
	}
	if f.Platform != PlatformLinux && (f.Distribution != "" || f.DistributionVersion != "") {
		return fail("distribution", "a distribution is a Linux fact")
	}
	if f.Platform != PlatformLinux && !f.BoardVendorPresent {
		return fail("boardVendorPresent", "board_vendor is a Linux fact")
	}
	for i, tag := range f.Tags {
		if strings.TrimSpace(tag) == "" {
			return fail("tags", "tag %d is empty", i)
		}
	}
	return nil
}

// HasTag reports whether the device carries tag (case-insensitive).
func (f Facts) HasTag(tag string) bool {
	for _, t := range f.Tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

// UnmarshalJSON decodes the conformance form over HealthyFacts of the
// platform given (windows when omitted). Unknown keys are an error, and so
// are facts that Validate rejects.
func (f *Facts) UnmarshalJSON(b []byte) error {
	var head struct {
		Platform *Platform `json:"platform"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return &InputError{What: "device", Reason: err.Error()}
	}
	p := PlatformWindows
	if head.Platform != nil {
		p = *head.Platform
	}
	type plain Facts
	v := plain(HealthyFacts(p))
	if err := decodeStrict(b, &v); err != nil {
		return &InputError{What: "device", Reason: err.Error()}
	}
	if err := Facts(v).Validate(); err != nil {
		return err
	}
	*f = Facts(v)
	return nil
}

// registrant describes the device to the directory.
func (f Facts) registrant(deviceID, name string) identity.Registrant {
	return identity.Registrant{
		DeviceID:    deviceID,
		DisplayName: name,
		OSType:      f.Platform.OSType(),
		OSVersion:   f.OSVersion,
		Tags:        f.Tags,
		Trust:       f.EntraRegistration.Trust(),
	}
}
