package fleetgen

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/targeting"
)

// groupInfo is what the generator knows about a group it made: the
// platform its members are on ("" for any) and whether it is the baseline
// group of that platform.
type groupInfo struct {
	platform enrollment.Platform
	baseline bool
	pilot    bool
	memberOf bool
}

// Platform names as rules write deviceOSType.
var osTypes = map[enrollment.Platform]string{
	enrollment.PlatformWindows:       "Windows",
	enrollment.PlatformWindowsServer: "Windows Server",
	enrollment.PlatformMacOS:         "macOS",
	enrollment.PlatformLinux:         "Linux",
}

var platformOrder = []enrollment.Platform{
	enrollment.PlatformWindows, enrollment.PlatformWindowsServer, enrollment.PlatformMacOS, enrollment.PlatformLinux,
}

// ruleKind makes one kind of rule. It returns the rule, a display name and
// the platform of its members ("" for any).
type ruleKind struct {
	weight int
	make   func(r *rand.Rand) (rule, name string, p enrollment.Platform)
}

func q(s string) string { return `"` + s + `"` }

func osEq(p enrollment.Platform) string { return "(device.deviceOSType -eq " + q(osTypes[p]) + ")" }

const managed = `(device.managementType -eq "MicrosoftSense")`

// The kinds of rules tenants write for security settings management:
// platform and site, department lists, OS builds, device tags (region,
// tier, environment), server and Linux roles by name, Autopilot group
// tags, categories, trust types, hardware, negations, alternatives and a
// few regular expressions.
var ruleKinds = []ruleKind{
	{14, func(r *rand.Rand) (string, string, enrollment.Platform) { // platform and site
		p := []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformWindows, enrollment.PlatformWindowsServer, enrollment.PlatformMacOS}[r.IntN(4)]
		s := sites[siteWeights.pick(r)].code
		return osEq(p) + " -and (device.extensionAttribute1 -eq " + q(s) + ")", osTypes[p] + " - site " + s, p
	}},
	{8, func(r *rand.Rand) (string, string, enrollment.Platform) { // departments
		a := departments[departmentWeights.pick(r)]
		b := departments[departmentWeights.pick(r)]
		if a == b {
			return "(device.extensionAttribute2 -eq " + q(a) + ") -and " + managed, "Managed - " + a, ""
		}
		return "(device.extensionAttribute2 -in [" + q(a) + ", " + q(b) + "]) -and " + managed, "Managed - " + a + " and " + b, ""
	}},
	{8, func(r *rand.Rand) (string, string, enrollment.Platform) { // OS builds
		switch r.IntN(4) {
		case 0, 1:
			b := []string{"10.0.19045", "10.0.22621", "10.0.22631", "10.0.26100"}[r.IntN(4)]
			return osEq(enrollment.PlatformWindows) + " -and (device.deviceOSVersion -startsWith " + q(b) + ")", "Windows build " + b, enrollment.PlatformWindows
		case 2:
			b := []string{"6.3.9600", "10.0.14393", "10.0.17763", "10.0.20348", "10.0.26100"}[r.IntN(5)]
			return osEq(enrollment.PlatformWindowsServer) + " -and (device.deviceOSVersion -startsWith " + q(b) + ")", "Windows Server build " + b, enrollment.PlatformWindowsServer
		}
		v := []string{"13.", "14.", "15."}[r.IntN(3)]
		return osEq(enrollment.PlatformMacOS) + " -and (device.deviceOSVersion -startsWith " + q(v) + ")", "macOS " + strings.TrimSuffix(v, "."), enrollment.PlatformMacOS
	}},
	{8, func(r *rand.Rand) (string, string, enrollment.Platform) { // region tag
		reg := []string{"EMEA", "AMER", "APAC"}[r.IntN(3)]
		p := platformOrder[r.IntN(4)]
		return osEq(p) + " -and (device.tags -any (_ -eq " + q(reg) + "))", osTypes[p] + " - " + reg, p
	}},
	{6, func(r *rand.Rand) (string, string, enrollment.Platform) { // server tier and environment
		if r.IntN(2) == 0 {
			t := tierTags[r.IntN(3)]
			return osEq(enrollment.PlatformWindowsServer) + " -and (device.tags -contains " + q(t) + ")", "Servers - " + t, enrollment.PlatformWindowsServer
		}
		e := environments[environmentWeights.pick(r)]
		return osEq(enrollment.PlatformWindowsServer) + " -and (device.extensionAttribute10 -eq " + q(e) + ")", "Servers - " + e, enrollment.PlatformWindowsServer
	}},
	{6, func(r *rand.Rand) (string, string, enrollment.Platform) { // server role by name
		role := serverRoles[serverRoleWeights.pick(r)]
		return osEq(enrollment.PlatformWindowsServer) + " -and (device.displayName -contains " + q("-"+role+"-") + ")", "Servers - role " + role, enrollment.PlatformWindowsServer
	}},
	{6, func(r *rand.Rand) (string, string, enrollment.Platform) { // Linux role and environment
		role := linuxRoles[linuxRoleWeights.pick(r)]
		if r.IntN(3) == 0 {
			e := environments[environmentWeights.pick(r)]
			return osEq(enrollment.PlatformLinux) + " -and (device.tags -any (_ -eq " + q(e) + "))", "Linux - " + e, enrollment.PlatformLinux
		}
		return osEq(enrollment.PlatformLinux) + " -and " + managed + " -and (device.displayName -startsWith " + q(role+"-") + ")", "Linux - " + role, enrollment.PlatformLinux
	}},
	{5, func(r *rand.Rand) (string, string, enrollment.Platform) { // Autopilot group tag
		t := groupTags[groupTagWeights.pick(r)]
		return "device.devicePhysicalIds -any (_ -eq " + q("[OrderID]:"+t) + ")", "Autopilot - " + t, enrollment.PlatformWindows
	}},
	{4, func(r *rand.Rand) (string, string, enrollment.Platform) { // category
		c := categories[categoryWeights.pick(r)]
		return "(device.deviceCategory -eq " + q(c) + ") -and " + osEq(enrollment.PlatformWindows), "Windows - category " + c, enrollment.PlatformWindows
	}},
	{4, func(r *rand.Rand) (string, string, enrollment.Platform) { // trust type
		switch r.IntN(3) {
		case 0:
			return managed + " -and (device.deviceTrustType -eq null)", "Managed - synthetic registrations", ""
		case 1:
			return osEq(enrollment.PlatformWindows) + " -and (device.deviceTrustType -eq \"ServerAD\")", "Windows - hybrid joined", enrollment.PlatformWindows
		}
		return osEq(enrollment.PlatformWindows) + " -and (device.deviceTrustType -eq \"AzureAD\") -and (device.accountEnabled -eq true)", "Windows - Entra joined", enrollment.PlatformWindows
	}},
	{4, func(r *rand.Rand) (string, string, enrollment.Platform) { // hardware
		h := windowsHardware[windowsHardwareWeights.pick(r)]
		family, _, _ := strings.Cut(h.model, " ")
		if h.manufacturer == "HP" {
			family = strings.Join(strings.Fields(h.model)[:2], " ")
		}
		return "(device.deviceManufacturer -eq " + q(h.manufacturer) + ") -and (device.deviceModel -startsWith " + q(family) + ")", "Hardware - " + family, enrollment.PlatformWindows
	}},
	{4, func(r *rand.Rand) (string, string, enrollment.Platform) { // negation
		s := sites[siteWeights.pick(r)].code
		if r.IntN(2) == 0 {
			return osEq(enrollment.PlatformWindows) + " -and (device.extensionAttribute1 -ne " + q(s) + ") -and -not (device.tags -contains \"Pilot\")", "Windows - outside " + s, enrollment.PlatformWindows
		}
		return osEq(enrollment.PlatformLinux) + " -and (device.tags -notContains \"prod\")", "Linux - not production", enrollment.PlatformLinux
	}},
	{4, func(r *rand.Rand) (string, string, enrollment.Platform) { // alternatives
		a, b := sites[siteWeights.pick(r)].code, sites[siteWeights.pick(r)].code
		p := []enrollment.Platform{enrollment.PlatformMacOS, enrollment.PlatformWindows}[r.IntN(2)]
		return osEq(p) + " -and ((device.extensionAttribute1 -eq " + q(a) + ") -or (device.extensionAttribute1 -eq " + q(b) + "))", osTypes[p] + " - " + a + " or " + b, p
	}},
	{2, func(r *rand.Rand) (string, string, enrollment.Platform) { // regular expression
		role := strings.ToLower(serverRoles[serverRoleWeights.pick(r)])
		return `device.displayName -match "^[a-z]{3}-` + role + `-[0-9]+$"`, "Servers - " + role + " by name pattern", enrollment.PlatformWindowsServer
	}},
	{2, func(r *rand.Rand) (string, string, enrollment.Platform) { // cost centre
		cc := "CC-" + fmt.Sprint(1000+10*departmentWeights.pick(r))
		return "device.extensionAttribute3 -startsWith " + q(cc[:6]), "Cost centre " + cc[:6] + "x", ""
	}},
	{2, func(r *rand.Rand) (string, string, enrollment.Platform) { // MDM devices
		return osEq(enrollment.PlatformWindows) + ` -and (device.managementType -eq "MDM")`, "Windows - Intune enrolled", enrollment.PlatformWindows
	}},
}

var ruleKindWeights = func() weights {
	w := make([]int, len(ruleKinds))
	for i, k := range ruleKinds {
		w[i] = k.weight
	}
	return newWeights(w)
}()

// makeGroups makes Options.Groups dynamic groups: the four platform
// baselines, pilot devices, then rules of the kinds above, avoiding
// duplicates, with one memberOf group per fifty.
func (f *Fleet) makeGroups(r *rand.Rand) {
	n := f.Options.Groups
	seen := map[string]bool{}
	add := func(rule, name string, info groupInfo) {
		g, err := targeting.NewDynamicGroup(guid(r), "SSM - "+name, rule)
		if err != nil {
			panic("fleetgen: generated rule does not parse: " + rule + ": " + err.Error())
		}
		seen[rule] = true
		f.Groups = append(f.Groups, g)
		f.groups = append(f.groups, info)
	}
	for _, p := range platformOrder {
		add(osEq(p)+" -and "+managed, osTypes[p]+" devices", groupInfo{platform: p, baseline: true})
	}
	if len(f.Groups) < n {
		add(`device.tags -any (_ -eq "Pilot")`, "Pilot devices", groupInfo{pilot: true})
	}
	for len(f.Groups) < n {
		if len(f.Groups)%50 == 49 {
			f.addMemberOf(r, add)
			continue
		}
		var rule, name string
		var p enrollment.Platform
		for try := 0; try < 20; try++ {
			rule, name, p = ruleKinds[ruleKindWeights.pick(r)].make(r)
			if !seen[rule] {
				break
			}
		}
		add(rule, name, groupInfo{platform: p})
	}
}

// addMemberOf adds a group whose members are those of two or three other
// groups of one platform (memberOf rules cannot be chained).
func (f *Fleet) addMemberOf(r *rand.Rand, add func(rule, name string, info groupInfo)) {
	byPlatform := map[enrollment.Platform][]int{}
	for i, g := range f.groups {
		if i >= len(platformOrder) && !g.memberOf && g.platform != "" {
			byPlatform[g.platform] = append(byPlatform[g.platform], i)
		}
	}
	var p enrollment.Platform
	off := r.IntN(len(platformOrder))
	for k := range platformOrder {
		q := platformOrder[(k+off)%len(platformOrder)]
		if len(byPlatform[q]) >= 2 {
			p = q
			break
		}
	}
	if p == "" {
		p = enrollment.PlatformWindows // too few groups of any platform: name the baseline
		byPlatform[p] = []int{0}
	}
	cand := byPlatform[p]
	r.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	cand = cand[:min(len(cand), 2+r.IntN(2))]
	ids := make([]string, len(cand))
	for k, i := range cand {
		ids[k] = "'" + f.Groups[i].ID + "'"
	}
	add("device.memberOf -any (group.objectId -in ["+strings.Join(ids, ", ")+"])", osTypes[p]+" - combined", groupInfo{platform: p, memberOf: true})
}
