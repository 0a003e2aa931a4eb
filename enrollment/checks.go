package enrollment

import (
	"fmt"
	"slices"
	"strings"
)

// Minimum agent versions for security settings management.
var (
	minLinuxAgent = mustVersion("101.23052.0009")
	minMacOSAgent = mustVersion("101.23052.0004")
)

// boardVendorIssueAgent is the Linux agent that fails to enroll when
// /sys/class/dmi/id/board_vendor is missing.
var boardVendorIssueAgent = mustVersion("101.23052.0009")

// macOSDuplicateIssueAgent is the macOS agent that created a duplicate
// synthetic object for devices already in the directory.
var macOSDuplicateIssueAgent = mustVersion("101.23052.0004")

// windowsBuild is a supported Windows build and the revision of the update
// it needs (-1: any revision).
type windowsBuild struct {
	major, minor, build, minRevision int
	name                             string
}

// Windows client: 10 with KB5023773 (19042/19044/19045.2788) and 11 with
// KB5023778 (22621.1485); later builds are supported.
var windowsClientBuilds = []windowsBuild{
	{10, 0, 19042, 2788, "Windows 10 20H2 with KB5023773"},
	{10, 0, 19044, 2788, "Windows 10 21H2 with KB5023773"},
	{10, 0, 19045, 2788, "Windows 10 22H2 with KB5023773"},
	{10, 0, 22621, 1485, "Windows 11 22H2 with KB5023778"},
}

// Windows Server: 2012 R2 and 2016 (through the modern unified agent),
// 2019 with KB5025229 (17763.4252), 2022 with KB5025230 (20348.1668);
// later builds are supported.
var windowsServerBuilds = []windowsBuild{
	{6, 3, 9600, -1, "Windows Server 2012 R2"},
	{10, 0, 14393, -1, "Windows Server 2016"},
	{10, 0, 17763, 4252, "Windows Server 2019 with KB5025229"},
	{10, 0, 20348, 1668, "Windows Server 2022 with KB5025230"},
}

// lastServerCoreUnsupported is the last build whose Server Core
// installation is not supported (Windows Server 2016).
const lastServerCoreUnsupported = 14393

// supportedWindows reports whether a Windows version is supported and, if
// not, why.
func supportedWindows(osVersion string, builds []windowsBuild) (bool, string) {
	if osVersion == "" {
		return true, ""
	}
	v, _ := parseVersion(osVersion)
	major, minor, build, rev := v.part(0), v.part(1), v.part(2), v.part(3)
	last := builds[len(builds)-1]
	for _, b := range builds {
		if major == b.major && minor == b.minor && build == b.build {
			if rev >= 0 && b.minRevision >= 0 && rev < b.minRevision {
				return false, fmt.Sprintf("%s needs revision %d or later (%s)", osVersion, b.minRevision, b.name)
			}
			return true, ""
		}
	}
	if major == last.major && minor == last.minor && build > last.build {
		return true, ""
	}
	names := make([]string, len(builds))
	for i, b := range builds {
		names[i] = b.name
	}
	return false, fmt.Sprintf("%s is not a supported version (%s, or later builds)", osVersion, strings.Join(names, ", "))
}

// supportedEditions are the Windows client editions security settings
// management supports.
var supportedEditions = []string{"pro", "professional", "enterprise"}

// prerequisite returns the first prerequisite the device fails, in the
// order of the specification, with a sentence saying why; ReasonNone when
// it meets them all.
func prerequisite(t Tenant, f Facts) (Reason, string) {
	if t.Mode.Legacy() && !f.Platform.Windows() {
		return ReasonPlatform, fmt.Sprintf("legacy mode manages Windows devices only, not %s", f.Platform.OSType())
	}
	switch f.Platform {
	case PlatformWindows:
		if ok, why := supportedWindows(f.OSVersion, windowsClientBuilds); !ok {
			return ReasonOSVersion, why
		}
		if f.Edition != "" && !slices.Contains(supportedEditions, strings.ToLower(f.Edition)) {
			return ReasonEdition, fmt.Sprintf("Windows %s is not supported (Pro or Enterprise)", f.Edition)
		}
	case PlatformWindowsServer:
		if ok, why := supportedWindows(f.OSVersion, windowsServerBuilds); !ok {
			return ReasonOSVersion, why
		}
	case PlatformLinux, PlatformMacOS:
		minimum, name := minLinuxAgent, "101.23052.0009"
		if f.Platform == PlatformMacOS {
			minimum, name = minMacOSAgent, "101.23052.0004"
		}
		if v, ok := parseVersion(f.AgentVersion); ok && v.compare(minimum) < 0 {
			return ReasonAgentVersion, fmt.Sprintf("agent %s is older than %s", f.AgentVersion, name)
		}
	}
	if f.NonPersistentVDI {
		return ReasonNonPersistentVDI, "non-persistent VDI and Azure Virtual Desktop are not supported"
	}
	if f.ServerCore {
		if v, ok := parseVersion(f.OSVersion); ok && v.part(2) >= 0 && v.part(2) <= lastServerCoreUnsupported {
			return ReasonServerCore, "Server Core 2016 and earlier is not supported"
		}
	}
	if f.DomainController {
		switch {
		case t.Mode.Legacy():
			return ReasonDomainController, "legacy mode does not support domain controllers"
		case !t.Scope.For(PlatformWindowsServer, true).Enabled():
			return ReasonDomainController, "domain controllers are not enabled in the enforcement scope"
		}
	}
	if f.Platform.Windows() && f.Arch32 {
		return ReasonArch32, "32-bit Windows is not supported"
	}
	if f.Platform.Windows() && f.PowerShellLanguageMode != "" && f.PowerShellLanguageMode != FullLanguage {
		return ReasonPowerShellLanguageMode, fmt.Sprintf("PowerShell runs in %s mode", f.PowerShellLanguageMode)
	}
	if t.Mode.Legacy() && t.GovernmentCloud {
		return ReasonGovernmentCloud, "legacy mode does not support government clouds"
	}
	if !t.MDEUserLicense {
		return ReasonLicense, "the tenant has Defender for Endpoint only through Defender for Servers"
	}
	return ReasonNone, ""
}

// inScope reports whether the enforcement scope covers the device and, if
// not, why.
func inScope(t Tenant, f Facts) (bool, string) {
	setting := t.Scope.For(f.Platform, f.DomainController)
	what := f.Platform.OSType()
	if f.DomainController {
		what = "domain controller"
	}
	switch {
	case setting == ScopeOff:
		return false, fmt.Sprintf("the %s enforcement scope is off", what)
	case setting == ScopeTagged && !f.HasTag(ManagementTag):
		return false, fmt.Sprintf("the %s enforcement scope is limited to tagged devices and the device lacks the %s tag", what, ManagementTag)
	case f.OnboardedVia == OnboardedViaDefenderForCloud && !t.DefenderForCloud:
		return false, "the device was onboarded through Defender for Cloud and that toggle is off"
	}
	return true, ""
}

// boardVendorIssue reports the known issue of the Linux agent
// 101.23052.0009 without /sys/class/dmi/id/board_vendor.
func boardVendorIssue(f Facts) bool {
	if f.Platform != PlatformLinux || f.BoardVendorPresent {
		return false
	}
	v, ok := parseVersion(f.AgentVersion)
	return ok && v.compare(boardVendorIssueAgent) == 0
}

// managedBy returns what the portals show in "Managed by" for a device in
// state s.
func managedBy(s State, f Facts) ManagedBy {
	switch {
	case s == StateEnrolled:
		return ManagedByMDE
	case s == StateManagedByMDM && f.ConfigMgrClient:
		return ManagedByCoManaged
	case s == StateManagedByMDM:
		return ManagedByIntune
	case s == StateOffboarded || s == StateNotOnboarded:
		return ManagedByUnknown
	case f.ConfigMgrClient:
		return ManagedByConfigMgr
	}
	return ManagedByUnknown
}
