package policy

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"
)

// Platforms is the Graph deviceManagementConfigurationPlatforms flag set,
// written as a comma list ("windows10", "macOS", "linux", ...).
type Platforms uint32

// The platform flags, with the values Graph gives them.
const (
	PlatformNone               Platforms = 1
	PlatformAndroid            Platforms = 2
	PlatformIOS                Platforms = 4
	PlatformMacOS              Platforms = 8
	PlatformWindows10X         Platforms = 16
	PlatformWindows10          Platforms = 32
	PlatformLinux              Platforms = 64
	PlatformUnknownFutureValue Platforms = 128
	PlatformAndroidEnterprise  Platforms = 256
	PlatformAOSP               Platforms = 512
	PlatformVisionOS           Platforms = 1024
	PlatformTvOS               Platforms = 2048
)

var platformNames = flagNames[Platforms]{
	{PlatformNone, "none"},
	{PlatformAndroid, "android"},
	{PlatformIOS, "iOS"},
	{PlatformMacOS, "macOS"},
	{PlatformWindows10X, "windows10X"},
	{PlatformWindows10, "windows10"},
	{PlatformLinux, "linux"},
	{PlatformUnknownFutureValue, "unknownFutureValue"},
	{PlatformAndroidEnterprise, "androidEnterprise"},
	{PlatformAOSP, "aosp"},
	{PlatformVisionOS, "visionOS"},
	{PlatformTvOS, "tvOS"},
}

// String returns the comma list Graph writes, e.g. "windows10".
// The zero value is the empty string.
func (p Platforms) String() string { return platformNames.format(p) }

// Has reports whether every flag of q is set in p.
func (p Platforms) Has(q Platforms) bool { return q != 0 && p&q == q }

// Valid reports whether p holds only declared flags.
func (p Platforms) Valid() bool { return platformNames.valid(p) }

// ParsePlatforms parses a comma list such as "windows10" or "macOS,linux".
// Names are matched case-insensitively; an unknown name is an error.
func ParsePlatforms(s string) (Platforms, error) { return platformNames.parse("platform", s) }

// MarshalJSON writes the comma list as a JSON string.
func (p Platforms) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads a JSON string comma list.
func (p *Platforms) UnmarshalJSON(b []byte) error {
	return unmarshalFlags(b, p, ParsePlatforms)
}

// Technologies is the Graph deviceManagementConfigurationTechnologies flag
// set, written as a comma list ("mdm,microsoftSense").
type Technologies uint32

// The technology flags, with the values Graph gives them.
const (
	TechnologyNone                        Technologies = 1
	TechnologyMDM                         Technologies = 2
	TechnologyWindows10XManagement        Technologies = 4
	TechnologyConfigManager               Technologies = 8
	TechnologyIntuneManagementExtension   Technologies = 16
	TechnologyThirdParty                  Technologies = 32
	TechnologyDocumentGateway             Technologies = 64
	TechnologyAppleRemoteManagement       Technologies = 128
	TechnologyMicrosoftSense              Technologies = 256
	TechnologyExchangeOnline              Technologies = 512
	TechnologyMobileApplicationManagement Technologies = 1024
	TechnologyLinuxMDM                    Technologies = 2048
	TechnologyEnrollment                  Technologies = 4096
	TechnologyEndpointPrivilegeManagement Technologies = 8192
	TechnologyUnknownFutureValue          Technologies = 16384
	TechnologyWindowsOSRecovery           Technologies = 32768
	TechnologyAndroid                     Technologies = 65536
)

var technologyNames = flagNames[Technologies]{
	{TechnologyNone, "none"},
	{TechnologyMDM, "mdm"},
	{TechnologyWindows10XManagement, "windows10XManagement"},
	{TechnologyConfigManager, "configManager"},
	{TechnologyIntuneManagementExtension, "intuneManagementExtension"},
	{TechnologyThirdParty, "thirdParty"},
	{TechnologyDocumentGateway, "documentGateway"},
	{TechnologyAppleRemoteManagement, "appleRemoteManagement"},
	{TechnologyMicrosoftSense, "microsoftSense"},
	{TechnologyExchangeOnline, "exchangeOnline"},
	{TechnologyMobileApplicationManagement, "mobileApplicationManagement"},
	{TechnologyLinuxMDM, "linuxMdm"},
	{TechnologyEnrollment, "enrollment"},
	{TechnologyEndpointPrivilegeManagement, "endpointPrivilegeManagement"},
	{TechnologyUnknownFutureValue, "unknownFutureValue"},
	{TechnologyWindowsOSRecovery, "windowsOsRecovery"},
	{TechnologyAndroid, "android"},
}

// String returns the comma list Graph writes, e.g. "mdm,microsoftSense".
func (t Technologies) String() string { return technologyNames.format(t) }

// Has reports whether every flag of u is set in t.
func (t Technologies) Has(u Technologies) bool { return u != 0 && t&u == u }

// Valid reports whether t holds only declared flags.
func (t Technologies) Valid() bool { return technologyNames.valid(t) }

// ParseTechnologies parses a comma list such as "mdm,microsoftSense".
// Names are matched case-insensitively; an unknown name is an error.
func ParseTechnologies(s string) (Technologies, error) {
	return technologyNames.parse("technology", s)
}

// MarshalJSON writes the comma list as a JSON string.
func (t Technologies) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// UnmarshalJSON reads a JSON string comma list.
func (t *Technologies) UnmarshalJSON(b []byte) error {
	return unmarshalFlags(b, t, ParseTechnologies)
}

// FlagError reports an unknown name in a flag-set comma list.
type FlagError struct {
	Set  string // "platform" or "technology"
	Name string
}

func (e *FlagError) Error() string {
	return fmt.Sprintf("policy: unknown %s %q", e.Set, e.Name)
}

type flagName[F ~uint32] struct {
	flag F
	name string
}

// flagNames is ordered by flag value, which is the order Graph writes.
type flagNames[F ~uint32] []flagName[F]

func (n flagNames[F]) format(f F) string {
	if f == 0 {
		return ""
	}
	var b strings.Builder
	for _, fn := range n {
		if f&fn.flag != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(fn.name)
			f &^= fn.flag
		}
	}
	for f != 0 { // undeclared bits: write them as numbers so nothing is lost
		bit := F(1) << bits.TrailingZeros32(uint32(f))
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d", uint32(bit))
		f &^= bit
	}
	return b.String()
}

func (n flagNames[F]) valid(f F) bool {
	for _, fn := range n {
		f &^= fn.flag
	}
	return f == 0
}

func (n flagNames[F]) parse(set, s string) (F, error) {
	var f F
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		found := false
		for _, fn := range n {
			if strings.EqualFold(fn.name, part) {
				f |= fn.flag
				found = true
				break
			}
		}
		if !found {
			return 0, &FlagError{Set: set, Name: part}
		}
	}
	return f, nil
}

func unmarshalFlags[F ~uint32](b []byte, dst *F, parse func(string) (F, error)) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("policy: flag set: want a string: %w", err)
	}
	if s == nil {
		*dst = 0
		return nil
	}
	f, err := parse(*s)
	if err != nil {
		return err
	}
	*dst = f
	return nil
}
