package fleetgen

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
)

// Device is one device of a fleet: what its agent reports, the directory
// object it had before it was onboarded, and what onboarding under the
// fleet's tenant makes of it.
type Device struct {
	// Index is the device's position in the fleet, 0 … N-1.
	Index int
	// ID is the device id: the agent's and the directory's ("deviceId").
	ID string
	// Name is the device name.
	Name string
	// Facts are what the agent reports at onboarding.
	Facts enrollment.Facts
	// Existing is the device's own full registration (Entra joined,
	// hybrid joined or registered), in the directory before the device
	// is onboarded; nil when it has none.
	Existing *identity.Device
	// Expected is the enrollment state the device reaches when it is
	// onboarded under the fleet's tenant (Fleet.Tenant).
	Expected enrollment.State
	// Object is the device's directory object after onboarding, as
	// dynamic groups see it: the existing object, or the synthetic one
	// onboarding created, marked as managed and with the device tags
	// synced when the device enrolled. nil when the device has no object
	// (it did not enroll and has no registration of its own).
	Object *identity.Device
}

// Class returns the device's platform as policies and merges see it.
func (d *Device) Class() policy.DeviceClass {
	c := policy.DeviceClass{DomainController: d.Facts.DomainController}
	switch d.Facts.Platform {
	case enrollment.PlatformWindows:
		c.Platform = policy.DeviceWindows
	case enrollment.PlatformWindowsServer:
		c.Platform = policy.DeviceWindowsServer
	case enrollment.PlatformMacOS:
		c.Platform = policy.DeviceMacOS
	case enrollment.PlatformLinux:
		c.Platform = policy.DeviceLinux
	}
	return c
}

// intuneAppID is the application id of Intune as an MDM
// (deviceManagementAppId of MDM-enrolled devices).
const intuneAppID = "0000000a-0000-0000-c000-000000000000"

// Tags a device may carry besides the management tag.
const (
	tagPilot = "Pilot"
	tagVIP   = "VIP"
	tagPCI   = "PCI"
)

var tierTags = []string{"Tier0", "Tier1", "Tier2"}

// Device returns device i (0 ≤ i < Len). The same fleet always returns the
// same device for the same i, whatever else was generated before; Device
// is safe for concurrent use, so callers may generate a fleet on several
// goroutines. It panics when i is out of range, like a slice index.
func (f *Fleet) Device(i int) Device {
	if i < 0 || i >= f.n {
		panic("fleetgen: device index " + strconv.Itoa(i) + " out of range [0, " + strconv.Itoa(f.n) + ")")
	}
	var src rand.PCG
	src.Seed(mix64(f.Seed^0x6a09e667f3bcc909, uint64(i)), mix64(f.Seed^0xbb67ae8584caa73b, uint64(i)))
	r := rand.New(&src)
	g := devGen{f: f, r: r, i: i}
	return g.device()
}

// devGen generates one device.
type devGen struct {
	f *Fleet
	r *rand.Rand
	i int
	d Device
	// what a registration of the device's own carries
	site       site
	department int
	hw         hardware
}

func (g *devGen) device() Device {
	g.d = Device{Index: g.i, ID: guid(g.r)}
	g.site = sites[siteWeights.pick(g.r)]
	g.department = departmentWeights.pick(g.r)
	switch g.f.platforms.pick(g.r) {
	case 0:
		g.windows()
	case 1:
		g.server()
	case 2:
		g.mac()
	default:
		g.linux()
	}
	if chance(g.r, 0.003) {
		g.d.Facts.Fault = enrollment.Code(faults[g.r.IntN(len(faults))])
	}
	var qualified bool
	g.d.Expected, qualified = expect(g.f.Tenant, g.d.Facts)
	g.d.Object = objectAfter(&g.d, qualified, g.f.Options.Now)
	return g.d
}

// windows makes a Windows client: mostly Entra or hybrid joined, some with
// Intune (MDM) or a Configuration Manager client, a few on builds or
// editions security settings management does not support.
func (g *devGen) windows() {
	r, d := g.r, &g.d
	kind := "LT"
	if chance(r, 0.3) {
		kind = "DT"
	}
	d.Name = g.site.code + "-" + kind + "-" + pad(g.i, 6)
	v := windowsVersions[windowsVersionWeights.pick(r)].version
	f := enrollment.HealthyFacts(enrollment.PlatformWindows)
	f.OSVersion = v
	f.AgentVersion = "10.8760." + strings.TrimPrefix(v, "10.0.")
	switch n := r.IntN(100); {
	case n < 80:
		f.Edition = "Enterprise"
	case n < 99:
		f.Edition = "Pro"
	default:
		f.Edition = "Education"
	}
	switch n := r.IntN(100); {
	case n < 45:
		f.EntraRegistration, f.DomainJoined = enrollment.RegistrationHybridJoined, true
	case n < 83:
		f.EntraRegistration = enrollment.RegistrationEntraJoined
	case n < 88:
		f.EntraRegistration = enrollment.RegistrationRegistered
	default:
		f.DomainJoined = chance(r, 0.5)
	}
	if chance(r, 0.03) { // Intune-enrolled: MDM enrollment joins the device
		f.MDMEnrolled = true
		f.EntraRegistration, f.DomainJoined = enrollment.RegistrationEntraJoined, false
	}
	if f.DomainJoined && chance(r, 0.08) {
		f.ConfigMgrClient = true
	}
	if chance(r, 0.008) {
		f.NonPersistentVDI = true
	}
	if chance(r, 0.003) {
		f.PowerShellLanguageMode = enrollment.ConstrainedLanguage
	}
	f.Tags = g.tags(0.4, false)
	d.Facts = f
	g.hw = windowsHardware[windowsHardwareWeights.pick(r)]
	if f.EntraRegistration.Full() {
		o := g.existing(f)
		switch f.EntraRegistration {
		case enrollment.RegistrationEntraJoined: // Autopilot
			tag := groupTags[groupTagWeights.pick(r)]
			o.DevicePhysicalIDs = []string{"[ZTDId]:" + guid(r), "[OrderID]:" + tag, "[PurchaseOrderId]:" + strconv.Itoa(4500000+r.IntN(90000))}
			o.EnrollmentProfileName = "Autopilot " + tag
			o.DeviceCategory = categories[categoryWeights.pick(r)]
		case enrollment.RegistrationRegistered: // a personal device
			o.DeviceOwnership = "Personal"
			o.ExtensionAttributes = [15]string{}
		}
		if f.MDMEnrolled {
			o.ManagementType = identity.ManagementTypeMDM
			o.DeviceManagementAppID = intuneAppID
		}
		d.Existing = o
	}
}

// server makes a Windows Server: mostly domain joined, a third hybrid
// joined, some in Azure (onboarded through Defender for Cloud), a few
// domain controllers.
func (g *devGen) server() {
	r, d := g.r, &g.d
	f := enrollment.HealthyFacts(enrollment.PlatformWindowsServer)
	role := serverRoles[serverRoleWeights.pick(r)]
	dc := chance(r, 0.03)
	if dc {
		role = "DC"
	}
	d.Name = g.site.code + "-" + role + "-" + pad(g.i, 6)
	v := serverVersions[serverVersionWeights.pick(r)].version
	f.OSVersion = v
	f.AgentVersion = "10.8760." + strings.TrimPrefix(strings.TrimPrefix(v, "10.0."), "6.3.")
	f.Edition = "Datacenter"
	if chance(r, 0.4) {
		f.Edition = "Standard"
	}
	f.ServerCore = chance(r, 0.15)
	f.DomainJoined = dc || chance(r, 0.85)
	f.DomainController = dc
	if f.DomainJoined && chance(r, 0.35) {
		f.EntraRegistration = enrollment.RegistrationHybridJoined
	}
	g.hw = serverHardware[serverHardwareWeights.pick(r)]
	if !dc && g.hw.model == "Virtual Machine" && chance(r, 0.6) {
		f.OnboardedVia = enrollment.OnboardedViaDefenderForCloud
	}
	if f.DomainJoined && chance(r, 0.05) {
		f.ConfigMgrClient = true
	}
	tags := g.tags(g.f.Options.TaggedShare, true)
	tier := tierTags[1+r.IntN(2)]
	if dc {
		tier = tierTags[0]
	}
	tags = append(tags, tier)
	if chance(r, 0.05) {
		tags = append(tags, tagPCI)
	}
	f.Tags = tags
	d.Facts = f
	if f.EntraRegistration.Full() {
		o := g.existing(f)
		o.ExtensionAttributes[1] = ""
		o.ExtensionAttributes[2] = ""
		o.ExtensionAttributes[9] = environments[environmentWeights.pick(r)]
		o.ExtensionAttributes[10] = role
		d.Existing = o
	}
}

// mac makes a macOS device; some are registered through Company Portal.
func (g *devGen) mac() {
	r, d := g.r, &g.d
	f := enrollment.HealthyFacts(enrollment.PlatformMacOS)
	d.Name = g.site.code + "-MAC-" + pad(g.i, 6)
	f.OSVersion = macVersions[macVersionWeights.pick(r)].version
	f.AgentVersion = macAgents[macAgentWeights.pick(r)].version
	if chance(r, 0.45) {
		f.EntraRegistration = enrollment.RegistrationRegistered
	}
	f.Tags = g.tags(0.3, false)
	d.Facts = f
	g.hw = macHardware[macHardwareWeights.pick(r)]
	if f.EntraRegistration.Full() {
		d.Existing = g.existing(f)
	}
}

// linux makes a Linux server, without a registration of its own; some in
// Azure, a few on an agent security settings management refuses or hit by
// the board_vendor known issue.
func (g *devGen) linux() {
	r, d := g.r, &g.d
	f := enrollment.HealthyFacts(enrollment.PlatformLinux)
	role := linuxRoles[linuxRoleWeights.pick(r)]
	d.Name = role + "-" + strings.ToLower(g.site.code) + "-" + pad(g.i, 6)
	dist := linuxDistros[linuxDistroWeights.pick(r)]
	f.Distribution, f.DistributionVersion, f.OSVersion = dist.distribution, dist.version, dist.kernel
	f.AgentVersion = linuxAgents[linuxAgentWeights.pick(r)].version
	if chance(r, 0.003) {
		f.AgentVersion, f.BoardVendorPresent = "101.23052.0009", false
	}
	if chance(r, 0.2) {
		f.OnboardedVia = enrollment.OnboardedViaDefenderForCloud
	}
	tags := g.tags(g.f.Options.TaggedShare, true)
	if chance(r, 0.6) {
		tags = append(tags, environments[environmentWeights.pick(r)])
	}
	f.Tags = tags
	d.Facts = f
}

// tags returns the device tags: the management tag with probability
// managed, the region, and a few others.
func (g *devGen) tags(managed float64, server bool) []string {
	r := g.r
	tags := make([]string, 0, 5)
	if chance(r, managed) {
		tags = append(tags, enrollment.ManagementTag)
	}
	if chance(r, 0.7) {
		tags = append(tags, g.site.region)
	}
	if !server {
		if chance(r, 0.04) {
			tags = append(tags, tagPilot)
		}
		if chance(r, 0.01) {
			tags = append(tags, tagVIP)
		}
	}
	return tags
}

// existing returns the device's own full registration as the directory
// holds it: the properties Intune, Autopilot or directory sync set.
func (g *devGen) existing(f enrollment.Facts) *identity.Device {
	r := g.r
	o := &identity.Device{
		ObjectID:           guid(r),
		DeviceID:           g.d.ID,
		DisplayName:        g.d.Name,
		AccountEnabled:     identity.Bool(!chance(r, 0.01)),
		DeviceManufacturer: g.hw.manufacturer,
		DeviceModel:        g.hw.model,
		DeviceOSType:       f.Platform.OSType(),
		DeviceOSVersion:    f.OSVersion,
		DeviceOwnership:    "Company",
		DeviceTrustType:    string(f.EntraRegistration.Trust()),
		ProfileType:        "RegisteredDevice",
		Registration:       identity.RegistrationFull,
	}
	o.ExtensionAttributes[0] = g.site.code
	o.ExtensionAttributes[1] = departments[g.department]
	o.ExtensionAttributes[2] = "CC-" + strconv.Itoa(1000+10*g.department+r.IntN(10))
	return o
}

// expect predicts the state onboarding leads to under tenant t, following
// the order of the enrollment flow: MDM survey, Configuration Manager
// authority, prerequisites, Intune toggle, scope, registration. stopped
// tells whether the device stopped at the qualification step, where the
// flow syncs the device tags to an existing object.
func expect(t enrollment.Tenant, f enrollment.Facts) (s enrollment.State, stopped bool) {
	switch {
	case f.MDMEnrolled:
		return enrollment.StateManagedByMDM, false
	case t.ConfigMgrAuthority && f.ConfigMgrClient:
		return enrollment.StateManagedByConfigMgr, true
	case !supported(t, f):
		return enrollment.StateNotSupported, true
	case !t.IntuneEnforcement:
		return enrollment.StateFailed, true
	case !inScope(t, f):
		return enrollment.StateNotEnrolled, true
	}
	switch f.Fault {
	case 0, 1:
	case 2:
		return enrollment.StateNotEnrolled, false
	case 3, 21:
		return enrollment.StateManagedByMDM, false
	case 4, 22:
		return enrollment.StateManagedByConfigMgr, false
	default:
		return enrollment.StateFailed, false
	}
	if f.Platform == enrollment.PlatformLinux && !f.BoardVendorPresent && f.AgentVersion == "101.23052.0009" {
		return enrollment.StateFailed, false
	}
	return enrollment.StateEnrolled, false
}

// supported reports whether the device meets the prerequisites, for the
// facts this generator produces (the tests compare it with the enrollment
// package on every kind of device generated).
func supported(t enrollment.Tenant, f enrollment.Facts) bool {
	switch f.Platform {
	case enrollment.PlatformWindows:
		if !versionSupported(windowsVersions, f.OSVersion) || f.Edition == "Education" {
			return false
		}
	case enrollment.PlatformWindowsServer:
		if !versionSupported(serverVersions, f.OSVersion) {
			return false
		}
		if f.ServerCore && (strings.HasPrefix(f.OSVersion, "10.0.14393") || strings.HasPrefix(f.OSVersion, "6.3.")) {
			return false
		}
		if f.DomainController && !t.Scope.For(enrollment.PlatformWindowsServer, true).Enabled() {
			return false
		}
	case enrollment.PlatformMacOS:
		if !versionSupported(macAgents, f.AgentVersion) {
			return false
		}
	case enrollment.PlatformLinux:
		if !versionSupported(linuxAgents, f.AgentVersion) {
			return false
		}
	}
	if f.NonPersistentVDI || f.PowerShellLanguageMode == enrollment.ConstrainedLanguage {
		return false
	}
	return t.MDEUserLicense
}

func versionSupported(vs []osVersion, v string) bool {
	for _, x := range vs {
		if x.version == v {
			return x.supported
		}
	}
	return true
}

func inScope(t enrollment.Tenant, f enrollment.Facts) bool {
	s := t.Scope.For(f.Platform, f.DomainController)
	switch {
	case !s.Enabled():
		return false
	case s == enrollment.ScopeTagged && !f.HasTag(enrollment.ManagementTag):
		return false
	case f.OnboardedVia == enrollment.OnboardedViaDefenderForCloud && !t.DefenderForCloud:
		return false
	}
	return true
}

// objectAfter returns the directory object of d after onboarding at now,
// applying with the identity lifecycle functions the changes the
// enrollment flow plans in current mode: for an enrolled device, reuse the
// full registration or create a synthetic one, mark it managed and sync
// the tags; for a device that stopped at qualification, clear the marks
// and sync the tags of its existing object; otherwise nothing.
func objectAfter(d *Device, stopped bool, now time.Time) *identity.Device {
	if d.Expected != enrollment.StateEnrolled {
		if !stopped || d.Existing == nil {
			return d.Existing
		}
		cur := last(d.Existing, identity.ClearManaged(d.Existing, ""))
		cur = last(cur, identity.SyncTags(cur, d.Facts.Tags))
		if cur == d.Existing {
			cur = cur.Clone()
		}
		return cur
	}
	cur, method := d.Existing, identity.MethodSynthetic
	if cur != nil {
		method = identity.MethodExisting
	}
	reg := identity.Registrant{
		DeviceID: d.ID, DisplayName: d.Name,
		OSType: d.Facts.Platform.OSType(), OSVersion: d.Facts.OSVersion,
		Tags: d.Facts.Tags, Trust: d.Facts.EntraRegistration.Trust(),
	}
	cs, err := identity.Register(cur, reg, method, now)
	if err != nil {
		panic("fleetgen: " + err.Error()) // the generator's own inconsistency
	}
	cur = last(cur, cs)
	cur = last(cur, identity.SetManaged(cur, identity.MarkManagementType, false))
	cur = last(cur, identity.SyncTags(cur, d.Facts.Tags))
	if cur == d.Existing {
		cur = cur.Clone()
	}
	return cur
}

func last(cur *identity.Device, cs []identity.Change) *identity.Device {
	if len(cs) > 0 {
		return cs[len(cs)-1].Device
	}
	return cur
}

// pad writes i in decimal with at least n digits.
func pad(i, n int) string {
	s := strconv.Itoa(i)
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// guid returns a random version-4 GUID.
func guid(r *rand.Rand) string {
	const hex = "0123456789abcdef"
	a, b := r.Uint64(), r.Uint64()
	a = a&^(0xf<<12) | 0x4<<12 // version 4
	b = b&^(0x3<<62) | 0x2<<62 // RFC 9562 variant
	var out [36]byte
	j := 0
	for k := 0; k < 32; k++ {
		if k == 8 || k == 12 || k == 16 || k == 20 {
			out[j] = '-'
			j++
		}
		var nib uint64
		if k < 16 {
			nib = a >> (60 - 4*k) & 0xf
		} else {
			nib = b >> (60 - 4*(k-16)) & 0xf
		}
		out[j] = hex[nib]
		j++
	}
	return string(out[:])
}

// mix64 mixes two words into a well-distributed seed (SplitMix64's
// finaliser over their combination).
func mix64(a, b uint64) uint64 {
	z := a + 0x9e3779b97f4a7c15*(b+1)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
