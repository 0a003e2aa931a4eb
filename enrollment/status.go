package enrollment

import (
	"fmt"
	"strconv"
)

// Status is the enrollment status of a device as the portals report it
// ("MDE Enrollment status"). Each status has the numeric codes the
// endpoint-protection agent writes for it (SenseCM\EnrollmentStatus);
// notSupported has none.
type Status string

// Statuses.
const (
	StatusSuccess                      Status = "success"                      // 1
	StatusNotEnrolled                  Status = "notEnrolled"                  // 2
	StatusManagedByMDM                 Status = "managedByMDM"                 // 3, 21
	StatusManagedByConfigMgr           Status = "managedByConfigMgr"           // 4, 22
	StatusNotSupported                 Status = "notSupported"                 // no code
	StatusIntuneConfigurationIssue     Status = "intuneConfigurationIssue"     // 8, 44
	StatusConnectivityIssue            Status = "connectivityIssue"            // 13, 14, 20, 24, 25
	StatusHybridJoinFailure            Status = "hybridJoinFailure"            // 10, 42
	StatusTenantMismatch               Status = "tenantMismatch"               // 15
	StatusSCPError                     Status = "scpError"                     // 16, 17
	StatusCertificateError             Status = "certificateError"             // 18
	StatusEntraConnectMisconfiguration Status = "entraConnectMisconfiguration" // 36, 37
	StatusDNSError                     Status = "dnsError"                     // 38, 41
	StatusClockSyncIssue               Status = "clockSyncIssue"               // 40
	StatusMDEAndConfigMgr              Status = "mdeAndConfigMgr"              // 43
	StatusGeneralError                 Status = "generalError"                 // 5-7, 9, 11-12, 26-33
)

type statusInfo struct {
	codes []Code
	label string
	err   bool
}

var statuses = map[Status]statusInfo{
	StatusSuccess:                      {[]Code{1}, "Success", false},
	StatusNotEnrolled:                  {[]Code{2}, "Not enrolled", false},
	StatusManagedByMDM:                 {[]Code{3, 21}, "Managed by MDM agent", false},
	StatusManagedByConfigMgr:           {[]Code{4, 22}, "Managed by Configuration Manager agent", false},
	StatusNotSupported:                 {nil, "Not supported", false},
	StatusIntuneConfigurationIssue:     {[]Code{8, 44}, "Microsoft Intune configuration issue", true},
	StatusConnectivityIssue:            {[]Code{13, 14, 20, 24, 25}, "Connectivity issue", true},
	StatusHybridJoinFailure:            {[]Code{10, 42}, "General hybrid join failure", true},
	StatusTenantMismatch:               {[]Code{15}, "Tenant mismatch", true},
	StatusSCPError:                     {[]Code{16, 17}, "Hybrid error - service connection point", true},
	StatusCertificateError:             {[]Code{18}, "Certificate error", true},
	StatusEntraConnectMisconfiguration: {[]Code{36, 37}, "Microsoft Entra Connect misconfiguration", true},
	StatusDNSError:                     {[]Code{38, 41}, "DNS error", true},
	StatusClockSyncIssue:               {[]Code{40}, "Clock sync issue", true},
	StatusMDEAndConfigMgr:              {[]Code{43}, "MDE and ConfigMgr", true},
	StatusGeneralError:                 {[]Code{5, 6, 7, 9, 11, 12, 26, 27, 28, 29, 30, 31, 32, 33}, "General error", true},
}

// Statuses returns every status in the order the specification lists them.
func Statuses() []Status {
	return []Status{
		StatusSuccess, StatusNotEnrolled, StatusManagedByMDM, StatusManagedByConfigMgr,
		StatusNotSupported, StatusIntuneConfigurationIssue, StatusConnectivityIssue,
		StatusHybridJoinFailure, StatusTenantMismatch, StatusSCPError, StatusCertificateError,
		StatusEntraConnectMisconfiguration, StatusDNSError, StatusClockSyncIssue,
		StatusMDEAndConfigMgr, StatusGeneralError,
	}
}

// String returns the status name.
func (s Status) String() string { return string(s) }

// Valid reports whether s is a declared status.
func (s Status) Valid() bool { _, ok := statuses[s]; return ok }

// Code returns the status's first documented code, or 0 when it has none
// (notSupported) or s is not valid.
func (s Status) Code() Code {
	if c := statuses[s].codes; len(c) > 0 {
		return c[0]
	}
	return 0
}

// Codes returns every documented code of the status.
func (s Status) Codes() []Code { return append([]Code(nil), statuses[s].codes...) }

// Label returns the status as a portal shows it, e.g. "Connectivity issue".
func (s Status) Label() string { return statuses[s].label }

// Failed reports whether s is an error status (the device tried to enroll
// and failed), as opposed to success or a status that says why the device
// is not processed here.
func (s Status) Failed() bool { return statuses[s].err }

// MarshalText writes the status name.
func (s Status) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("enrollment: unknown status %q", string(s))
	}
	return []byte(s), nil
}

// UnmarshalText reads a status name.
func (s *Status) UnmarshalText(b []byte) error {
	v := Status(b)
	if !v.Valid() {
		return fmt.Errorf("enrollment: unknown status %q", string(b))
	}
	*s = v
	return nil
}

// Code is a numeric enrollment code (SenseCM\EnrollmentStatus). 0 means
// "no documented code".
type Code int

var codeStatus = func() map[Code]Status {
	m := map[Code]Status{}
	for s, info := range statuses {
		for _, c := range info.codes {
			m[c] = s
		}
	}
	return m
}()

// Status returns the status class of a documented code.
func (c Code) Status() (Status, bool) {
	s, ok := codeStatus[c]
	return s, ok
}

// Valid reports whether c is a documented code.
func (c Code) Valid() bool { _, ok := codeStatus[c]; return ok }

// String returns the code in decimal.
func (c Code) String() string { return strconv.Itoa(int(c)) }

// ManagedBy is the "Managed by" value a portal shows for a device.
type ManagedBy string

// Managed-by values.
const (
	ManagedByMDE       ManagedBy = "MDE"        // security settings management
	ManagedByIntune    ManagedBy = "Intune"     // MDM enrollment
	ManagedByConfigMgr ManagedBy = "ConfigMgr"  // Configuration Manager client
	ManagedByCoManaged ManagedBy = "Co-managed" // MDM and Configuration Manager
	ManagedByUnknown   ManagedBy = "Unknown"    // no management tool known
)

// String returns the value.
func (m ManagedBy) String() string { return string(m) }

// Valid reports whether m is a declared value.
func (m ManagedBy) Valid() bool {
	switch m {
	case ManagedByMDE, ManagedByIntune, ManagedByConfigMgr, ManagedByCoManaged, ManagedByUnknown:
		return true
	}
	return false
}

// Reason says which prerequisite a notSupported device fails.
type Reason string

// Reasons, in the order the prerequisites are checked. The zero value is
// "no reason" (the device is not notSupported).
const (
	ReasonNone                   Reason = ""
	ReasonPlatform               Reason = "platform"               // platform not enabled in the tenant's mode
	ReasonOSVersion              Reason = "osVersion"              // OS version or build not supported
	ReasonEdition                Reason = "edition"                // Windows edition not supported
	ReasonAgentVersion           Reason = "agentVersion"           // agent older than the minimum
	ReasonNonPersistentVDI       Reason = "nonPersistentVDI"       // non-persistent VDI or Azure Virtual Desktop
	ReasonServerCore             Reason = "serverCore"             // Server Core 2016 and earlier
	ReasonDomainController       Reason = "domainController"       // domain controllers not enabled
	ReasonArch32                 Reason = "arch32"                 // 32-bit Windows
	ReasonPowerShellLanguageMode Reason = "powerShellLanguageMode" // PowerShell not in FullLanguage mode
	ReasonGovernmentCloud        Reason = "governmentCloud"        // government cloud in legacy mode
	ReasonLicense                Reason = "license"                // only a Defender for Servers licence
)

// String returns the reason name.
func (r Reason) String() string { return string(r) }

// Valid reports whether r is a declared reason (ReasonNone included).
func (r Reason) Valid() bool {
	switch r {
	case ReasonNone, ReasonPlatform, ReasonOSVersion, ReasonEdition, ReasonAgentVersion,
		ReasonNonPersistentVDI, ReasonServerCore, ReasonDomainController, ReasonArch32,
		ReasonPowerShellLanguageMode, ReasonGovernmentCloud, ReasonLicense:
		return true
	}
	return false
}
