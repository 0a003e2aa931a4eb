package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// DevicePlatform is a device platform as security settings management
// distinguishes them (enforcement scope and profile support differ between
// Windows clients and servers).
type DevicePlatform string

// Device platforms.
const (
	DeviceWindows       DevicePlatform = "windows"
	DeviceWindowsServer DevicePlatform = "windowsServer"
	DeviceMacOS         DevicePlatform = "macOS"
	DeviceLinux         DevicePlatform = "linux"
)

// Valid reports whether p is a declared device platform.
func (p DevicePlatform) Valid() bool {
	return p == DeviceWindows || p == DeviceWindowsServer || p == DeviceMacOS || p == DeviceLinux
}

// String returns the platform's name.
func (p DevicePlatform) String() string { return string(p) }

// policyPlatform is the Graph platform of policies for devices of p.
func (p DevicePlatform) policyPlatform() Platforms {
	switch p {
	case DeviceWindows, DeviceWindowsServer:
		return PlatformWindows10
	case DeviceMacOS:
		return PlatformMacOS
	case DeviceLinux:
		return PlatformLinux
	}
	return 0
}

// Channel is how a device receives endpoint-security policies.
type Channel string

// Channels.
const (
	// ChannelSecuritySettingsManagement is delivery through the Defender
	// for Endpoint agent to devices that are not MDM-enrolled.
	ChannelSecuritySettingsManagement Channel = "securitySettingsManagement"
	// ChannelMDM is delivery to devices enrolled in Intune (MDM).
	ChannelMDM Channel = "mdm"
)

// Valid reports whether c is a declared channel.
func (c Channel) Valid() bool { return c == ChannelSecuritySettingsManagement || c == ChannelMDM }

// String returns the channel's name.
func (c Channel) String() string { return string(c) }

// SupportReason says why a profile is or is not delivered.
type SupportReason string

// Support reasons.
const (
	// SupportOK: the profile is delivered.
	SupportOK SupportReason = "supported"
	// SupportUnknownTemplate: the support matrix does not know the template.
	SupportUnknownTemplate SupportReason = "unknownTemplate"
	// SupportWrongPlatform: the profile is for another platform.
	SupportWrongPlatform SupportReason = "wrongPlatform"
	// SupportNotInVariant: this variant of security settings management
	// does not deliver the profile (legacy: Windows only, no Windows
	// Security Experience, no Defender Update controls).
	SupportNotInVariant SupportReason = "notInVariant"
	// SupportMDMOnly: the profile is delivered to MDM-enrolled devices only
	// (device control, exploit protection, disk encryption, account
	// protection, ...).
	SupportMDMOnly SupportReason = "mdmOnly"
	// SupportDomainController: firewall profiles are not delivered to
	// domain controllers.
	SupportDomainController SupportReason = "domainController"
	// SupportNoMicrosoftSense: the policy's technologies do not include
	// microsoftSense.
	SupportNoMicrosoftSense SupportReason = "noMicrosoftSense"
	// SupportWindows10AndLater: profiles of the "Windows 10 and later"
	// platform (technologies without microsoftSense) are never delivered
	// through security settings management.
	SupportWindows10AndLater SupportReason = "windows10AndLater"
	// SupportNoMDMEnrollment: Windows Server devices are not MDM-enrolled,
	// so the MDM channel does not reach them.
	SupportNoMDMEnrollment SupportReason = "noMDMEnrollment"
	// SupportBadQuery: the question names an unknown platform, channel or
	// variant.
	SupportBadQuery SupportReason = "badQuery"
)

// String returns the reason's name.
func (r SupportReason) String() string { return string(r) }

// Support is the answer of the support matrix.
type Support struct {
	Supported bool
	Reason    SupportReason
	// Detail explains the answer in a sentence.
	Detail string
}

// DeviceClass describes the devices a support question is about.
type DeviceClass struct {
	Platform DevicePlatform
	// DomainController marks Windows Server domain controllers, to which
	// firewall profiles are not delivered.
	DomainController bool
}

// Profile is one row of the support matrix: an endpoint-security profile
// template.
type Profile struct {
	// TemplateID is the Graph templateId.
	TemplateID string
	// PolicyType is the endpoint security policy ("Antivirus", "Attack
	// surface reduction", ...) and Name the profile.
	PolicyType string
	Name       string
	// Platforms is the Graph platform of the template's policies.
	Platforms Platforms
	// Legacy and Current report delivery through security settings
	// management in each documentation variant.
	Legacy, Current bool
	// Firewall marks profiles that are not delivered to domain controllers.
	Firewall bool

	// why explains why the profile is not delivered where it is not.
	why    SupportReason
	detail string
}

const (
	win = PlatformWindows10
	mac = PlatformMacOS
	lnx = PlatformLinux
)

var profiles = []Profile{
	{TemplateID: "804339ad-1553-4478-a742-138fb5807418_1", PolicyType: "Antivirus", Name: "Microsoft Defender Antivirus", Platforms: win, Legacy: true, Current: true},
	{TemplateID: "45fea5e9-280d-4da1-9792-fb5736da0ca9_1", PolicyType: "Antivirus", Name: "Microsoft Defender Antivirus exclusions", Platforms: win, Legacy: true, Current: true},
	{TemplateID: "d948ff9b-99cb-4ee0-8012-1fbc09685377_1", PolicyType: "Antivirus", Name: "Windows Security Experience", Platforms: win, Current: true,
		why: SupportNotInVariant, detail: "in the legacy variant the Windows Security Experience profile applies only to devices managed by Intune"},
	{TemplateID: "e3f74c5a-a6de-411d-aef6-eb15628f3a0a_1", PolicyType: "Antivirus", Name: "Defender Update controls", Platforms: win, Current: true,
		why: SupportNotInVariant, detail: "the legacy variant does not list the Defender Update controls profile"},
	{TemplateID: "e8c053d6-9f95-42b1-a7f1-ebfd71c67a4b_1", PolicyType: "Attack surface reduction", Name: "Attack Surface Reduction Rules", Platforms: win, Legacy: true, Current: true},
	{TemplateID: "0385b795-0f2f-44ac-8602-9f65bf6adede_1", PolicyType: "Endpoint detection and response", Name: "Endpoint detection and response", Platforms: win, Legacy: true, Current: true},
	{TemplateID: "6078910e-d808-4a9f-a51d-1b8a7bacb7c0_1", PolicyType: "Firewall", Name: "Windows Firewall", Platforms: win, Legacy: true, Current: true, Firewall: true},
	{TemplateID: "19c8aa67-f286-4861-9aa0-f23541d31680_1", PolicyType: "Firewall", Name: "Windows Firewall Rules", Platforms: win, Legacy: true, Current: true, Firewall: true},
	{TemplateID: "2d345ec2-c817-49e5-9156-3ed416dc972a_1", PolicyType: "Antivirus", Name: "Microsoft Defender Antivirus", Platforms: mac, Current: true,
		why: SupportNotInVariant, detail: "the legacy variant supports Windows devices only"},
	{TemplateID: "43397174-2244-4006-b5ad-421b369e90d4_1", PolicyType: "Antivirus", Name: "Microsoft Defender Antivirus exclusions", Platforms: mac, Current: true,
		why: SupportNotInVariant, detail: "the legacy variant supports Windows devices only"},
	{TemplateID: "a6ff37f6-c841-4264-9249-1ecf793d94ef_1", PolicyType: "Endpoint detection and response", Name: "Endpoint detection and response", Platforms: mac, Current: true,
		why: SupportNotInVariant, detail: "the legacy variant supports Windows devices only"},
	{TemplateID: "4cfd164c-5e8a-4ea9-b15d-9aa71e4ffff4_1", PolicyType: "Antivirus", Name: "Microsoft Defender Antivirus", Platforms: lnx, Current: true,
		why: SupportNotInVariant, detail: "the legacy variant supports Windows devices only"},
	{TemplateID: "8a17a1e5-3df4-4e07-9d20-3878267a79b8_1", PolicyType: "Antivirus", Name: "Microsoft Defender Antivirus exclusions", Platforms: lnx, Current: true,
		why: SupportNotInVariant, detail: "the legacy variant supports Windows devices only"},
	{TemplateID: "3514388a-d4d1-4aa8-bd64-c317776008f5_1", PolicyType: "Endpoint detection and response", Name: "Endpoint detection and response", Platforms: lnx, Current: true,
		why: SupportNotInVariant, detail: "the legacy variant supports Windows devices only"},
	{TemplateID: "dfa57610-d11d-4bf8-89d6-1f5cb1679506_1", PolicyType: "Endpoint detection and response", Name: "Microsoft Defender Global Exclusions (AV+EDR)", Platforms: lnx, Current: true,
		why: SupportNotInVariant, detail: "the legacy variant supports Windows devices only"},
	{TemplateID: "0f2034c6-3cd6-4ee1-bd37-f3c0693e9548_1", PolicyType: "Attack surface reduction", Name: "Device Control", Platforms: win,
		why: SupportMDMOnly, detail: "the Device Control profile is supported only for devices managed by Intune"},
	{TemplateID: "d02f2162-fcac-48db-9b7b-b0a3f160d2c2_1", PolicyType: "Attack surface reduction", Name: "Exploit Protection", Platforms: win,
		why: SupportMDMOnly, detail: "of the attack surface reduction profiles only Attack Surface Reduction Rules is delivered"},
	{TemplateID: "9f667e40-8f3c-4f88-80d8-457f16906315_1", PolicyType: "Attack surface reduction", Name: "App and browser isolation", Platforms: win,
		why: SupportMDMOnly, detail: "of the attack surface reduction profiles only Attack Surface Reduction Rules is delivered"},
	{TemplateID: "a5481c22-7a2a-4f59-a33e-6eee30d02f94_1", PolicyType: "Firewall", Name: "Hyper-V Firewall Rules", Platforms: win,
		why: SupportMDMOnly, detail: "the Hyper-V firewall rules profile is an MDM-only profile"},
	{TemplateID: "46ddfc50-d10f-4867-b852-9434254b3bff_1", PolicyType: "Disk encryption", Name: "BitLocker", Platforms: win,
		why: SupportMDMOnly, detail: "disk encryption profiles are not delivered through security settings management"},
	{TemplateID: "0b5708d9-9bc2-49a9-b4f7-ec463fcc41e0_1", PolicyType: "Disk encryption", Name: "Personal Data Encryption", Platforms: win,
		why: SupportMDMOnly, detail: "disk encryption profiles are not delivered through security settings management"},
	{TemplateID: "fcef01f2-439d-4c3f-9184-823fd6e97646_1", PolicyType: "Account protection", Name: "Account Protection", Platforms: win,
		why: SupportMDMOnly, detail: "account protection profiles are not delivered through security settings management"},
	{TemplateID: "adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1", PolicyType: "Account protection", Name: "Local admin password solution (Windows LAPS)", Platforms: win,
		why: SupportMDMOnly, detail: "account protection profiles are not delivered through security settings management"},
	{TemplateID: "22968f54-45fa-486c-848e-f8224aa69772_1", PolicyType: "Account protection", Name: "Local user group membership", Platforms: win,
		why: SupportMDMOnly, detail: "account protection profiles are not delivered through security settings management"},
	{TemplateID: "4321b946-b76b-4450-8afd-769c08b16ffc_1", PolicyType: "App Control for Business", Name: "App Control for Business", Platforms: win,
		why: SupportMDMOnly, detail: "the App Control for Business profile is an MDM-only profile"},
}

var profileIndex = func() map[string]*Profile {
	m := make(map[string]*Profile, len(profiles))
	for i := range profiles {
		m[profiles[i].TemplateID] = &profiles[i]
	}
	return m
}()

// Profiles returns every row of the support matrix, ordered by platform,
// policy type, profile name and template id.
func Profiles() []Profile {
	out := slices.Clone(profiles)
	slices.SortFunc(out, func(a, b Profile) int {
		return cmp.Or(cmp.Compare(a.Platforms, b.Platforms),
			strings.Compare(a.PolicyType, b.PolicyType),
			strings.Compare(a.Name, b.Name),
			strings.Compare(a.TemplateID, b.TemplateID))
	})
	return out
}

// LookupProfile returns the support matrix row of a template.
func LookupProfile(templateID string) (Profile, bool) {
	p, ok := profileIndex[templateID]
	if !ok {
		return Profile{}, false
	}
	return *p, true
}

func yes() Support { return Support{Supported: true, Reason: SupportOK} }

func no(r SupportReason, format string, args ...any) Support {
	return Support{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// Supported answers the support matrix: is the profile template delivered
// to devices of the class through the channel, in the documentation
// variant? Every profile of the table is delivered through MDM to the
// platform it is for, except to Windows Server, which is not MDM-enrolled.
func Supported(templateID string, d DeviceClass, ch Channel, v Variant) Support {
	if !d.Platform.Valid() || !ch.Valid() || !v.Valid() {
		return no(SupportBadQuery, "platform %q, channel %q, variant %q: want a declared platform, channel and variant", d.Platform, ch, v)
	}
	prof, ok := profileIndex[templateID]
	if !ok {
		return no(SupportUnknownTemplate, "template %q is not in the support matrix", templateID)
	}
	if prof.Platforms != d.Platform.policyPlatform() {
		return no(SupportWrongPlatform, "%s (%s) is a %s profile, the device is %s", prof.Name, prof.PolicyType, prof.Platforms, d.Platform)
	}
	if ch == ChannelMDM {
		if d.Platform == DeviceWindowsServer {
			return no(SupportNoMDMEnrollment, "Windows Server devices are not MDM-enrolled; security settings management is their channel")
		}
		return yes()
	}
	delivered := prof.Current
	if v == VariantLegacy {
		delivered = prof.Legacy
	}
	if !delivered {
		r := prof.why
		if r == "" {
			r = SupportNotInVariant
		}
		return no(r, "%s (%s): %s", prof.Name, prof.PolicyType, prof.detail)
	}
	if prof.Firewall && d.DomainController {
		return no(SupportDomainController, "firewall policies are not delivered to domain controllers")
	}
	return yes()
}

// Deliverable reports whether security settings management delivers the
// policy to devices of the class in the documentation variant: the policy's
// technologies must include microsoftSense, its platform must be the
// device's, and its template must be supported (see Supported). A policy
// without a template (a settings catalog policy) is judged by its
// technologies and platform alone.
func Deliverable(p *Policy, d DeviceClass, v Variant) Support {
	if !d.Platform.Valid() || !v.Valid() {
		return no(SupportBadQuery, "platform %q, variant %q: want a declared platform and variant", d.Platform, v)
	}
	if !p.Technologies.Has(TechnologyMicrosoftSense) {
		if _, known := profileIndex[p.TemplateReference.TemplateID]; !known && p.Platforms.Has(PlatformWindows10) {
			return no(SupportWindows10AndLater, "profiles of the Windows 10 and later platform (technologies %q) are not delivered through security settings management", p.Technologies)
		}
		return no(SupportNoMicrosoftSense, "the policy's technologies %q do not include microsoftSense", p.Technologies)
	}
	if p.Platforms&d.Platform.policyPlatform() == 0 {
		return no(SupportWrongPlatform, "the policy is for %q, the device is %s", p.Platforms, d.Platform)
	}
	if p.TemplateReference.TemplateID == "" {
		return yes()
	}
	return Supported(p.TemplateReference.TemplateID, d, ChannelSecuritySettingsManagement, v)
}
