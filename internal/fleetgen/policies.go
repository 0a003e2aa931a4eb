package fleetgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/targeting"
)

// How policies are laid out. Every template first gets a baseline for its
// platform's managed devices (the Windows endpoint detection and response
// baseline goes to all devices); then every Windows template gets a second
// baseline for servers; the remaining policies are overlays on narrower
// groups, more of them for templates with more settings and for the
// platforms with more devices. An overlay sets some of its template's
// settings, mostly those the baseline sets: to the same value about half
// the time (delivered once), to another value otherwise (a conflict on the
// devices in both groups). Exclusion lists and exclusion items combine;
// attack surface reduction rules and threat severity actions merge rule by
// rule, a rule in two states being a conflict of that rule alone; firewall
// rules are all delivered, and overlays allow inbound traffic the
// baselines block (a device-side contradiction). Some policies exclude a
// group; one overlay in eleven targets the pilot devices of every
// platform, so that it is not applicable on some of them.

type policyRole int

const (
	roleBaseline policyRole = iota
	roleServerBaseline
	roleOverlay
)

type policySlot struct {
	tmpl *policy.Template
	role policyRole
}

// templatePlatforms returns the device platforms a template's policies are
// for.
func templatePlatforms(t *policy.Template) []enrollment.Platform {
	var ps []enrollment.Platform
	if t.Platforms.Has(policy.PlatformWindows10) {
		ps = append(ps, enrollment.PlatformWindows, enrollment.PlatformWindowsServer)
	}
	if t.Platforms.Has(policy.PlatformMacOS) {
		ps = append(ps, enrollment.PlatformMacOS)
	}
	if t.Platforms.Has(policy.PlatformLinux) {
		ps = append(ps, enrollment.PlatformLinux)
	}
	return ps
}

// orderedTemplates returns the catalog's templates, Windows first, then
// macOS and Linux, each in the catalog's order.
func orderedTemplates(c *policy.Catalog) []*policy.Template {
	ts := slices.Clone(c.Templates())
	rank := func(t *policy.Template) int {
		switch {
		case t.Platforms.Has(policy.PlatformWindows10):
			return 0
		case t.Platforms.Has(policy.PlatformMacOS):
			return 1
		case t.Platforms.Has(policy.PlatformLinux):
			return 2
		}
		return 3
	}
	slices.SortStableFunc(ts, func(a, b *policy.Template) int { return rank(a) - rank(b) })
	return ts
}

func (f *Fleet) makePolicies(r *rand.Rand) error {
	tmpls := orderedTemplates(f.Options.Catalog)
	n := f.Options.Policies
	var slots []policySlot
	for _, t := range tmpls {
		if len(slots) < n {
			slots = append(slots, policySlot{t, roleBaseline})
		}
	}
	for _, t := range tmpls {
		if len(slots) < n && t.Platforms.Has(policy.PlatformWindows10) {
			slots = append(slots, policySlot{t, roleServerBaseline})
		}
	}
	w := make([]int, len(tmpls))
	for i, t := range tmpls {
		share := 1
		if t.Platforms.Has(policy.PlatformWindows10) {
			share = 4
		}
		w[i] = share * (2 + len(t.Settings)/8)
	}
	tw := newWeights(w)
	for len(slots) < n {
		slots = append(slots, policySlot{tmpls[tw.pick(r)], roleOverlay})
	}

	b := policyBuilder{f: f, r: r, baseline: map[string][]int{}, names: map[string]int{}}
	for k, s := range slots {
		p, a, err := b.build(k, s)
		if err != nil {
			return err
		}
		f.Policies = append(f.Policies, p)
		f.Assignments = append(f.Assignments, a)
	}
	return nil
}

type policyBuilder struct {
	f        *Fleet
	r        *rand.Rand
	baseline map[string][]int // template id → the setting indexes its baseline sets
	names    map[string]int
}

func (b *policyBuilder) build(k int, s policySlot) (*policy.Policy, targeting.Assignment, error) {
	r, t := b.r, s.tmpl
	var insts []*policy.SettingInstance
	for _, si := range b.pickSettings(s) {
		insts = append(insts, b.value(k, s, t.Settings[si].Definition))
	}
	a, target := b.assignment(k, s)
	name := b.name(platformLabel(t) + " " + t.DisplayName + " - " + target)
	p, err := policy.NewPolicy(b.f.Options.Catalog, t.ID, name, insts...)
	if err != nil {
		return nil, targeting.Assignment{}, fmt.Errorf("fleetgen: policy %q: %w", name, err)
	}
	p.ID = guid(r)
	p.Description = "Fleet policy " + fmt.Sprint(k) + " (" + [...]string{"baseline", "server baseline", "overlay"}[s.role] + ")."
	now := b.f.Options.Now
	p.CreatedDateTime = now.Add(-time.Duration(400+r.IntN(300)) * 24 * time.Hour)
	p.LastModifiedDateTime = now.Add(-time.Duration(k+1)*time.Hour - time.Duration(r.IntN(60))*time.Minute)
	p.SettingCount = len(p.Settings)
	for _, g := range a.IncludeGroups {
		p.Assignments = append(p.Assignments, policy.Include(g))
	}
	for _, g := range a.ExcludeGroups {
		p.Assignments = append(p.Assignments, policy.Exclude(g))
	}
	if a.AllDevices {
		p.Assignments = append(p.Assignments, policy.AllDevices())
	}
	return p, a, nil
}

func platformLabel(t *policy.Template) string {
	switch {
	case t.Platforms.Has(policy.PlatformWindows10):
		return "Windows"
	case t.Platforms.Has(policy.PlatformMacOS):
		return "macOS"
	case t.Platforms.Has(policy.PlatformLinux):
		return "Linux"
	}
	return t.Platforms.String()
}

// name makes policy names unique.
func (b *policyBuilder) name(s string) string {
	b.names[s]++
	if n := b.names[s]; n > 1 {
		return fmt.Sprintf("%s (%d)", s, n)
	}
	return s
}

// pickSettings returns the indexes of the template settings a policy
// sets, in template order.
func (b *policyBuilder) pickSettings(s policySlot) []int {
	r, t := b.r, s.tmpl
	n := len(t.Settings)
	var out []int
	switch s.role {
	case roleBaseline, roleServerBaseline:
		if prev, ok := b.baseline[t.ID]; ok && s.role == roleServerBaseline {
			return prev // servers get the clients' settings
		}
		for i, ts := range t.Settings {
			keep := n <= 6 || chance(r, 0.7)
			if len(ts.Definition.UnsupportedIn) > 0 {
				keep = chance(r, 0.3)
			}
			if keep && len(out) < 40 {
				out = append(out, i)
			}
		}
		if len(out) == 0 {
			out = []int{r.IntN(n)}
		}
		b.baseline[t.ID] = out
	default:
		base := b.baseline[t.ID]
		want := min(n, 1+r.IntN(max(1, n/4))+min(1, n/4))
		seen := map[int]bool{}
		for tries := 0; len(out) < want && tries < 8*want; tries++ {
			i := r.IntN(n)
			if len(base) > 0 && chance(r, 0.8) {
				i = base[r.IntN(len(base))]
			}
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
		slices.Sort(out)
	}
	return out
}

// value returns policy k's instance of a setting.
func (b *policyBuilder) value(k int, s policySlot, def *policy.Definition) *policy.SettingInstance {
	r := b.r
	overlay := s.role == roleOverlay
	switch def.Merge {
	case policy.MergeUnion, policy.MergeUnionFold, policy.MergeItems:
		return valueOf(def, k)
	case policy.MergePerChild:
		return perChildValue(def, b.perChildPicks(k, def, overlay))
	case policy.MergeRules:
		if inst, ok := firewallRules(def, b.rules(overlay)); ok {
			return inst
		}
		return valueOf(def, k)
	}
	v := 0
	if overlay {
		switch n := r.IntN(100); {
		case n < 30:
			v = 1
		case n < 45:
			v = 2
		}
	}
	return valueOf(def, v)
}

// perChildPicks chooses the children of a group that merges per child.
// A baseline sets two children in three (most to the first state after
// "off", some to the second); an overlay sets a few, some the baseline
// sets too (in the same state or another) and some it does not, now and
// then with exclusions of its own.
func (b *policyBuilder) perChildPicks(k int, def *policy.Definition, overlay bool) []childPick {
	r, n := b.r, len(def.Children)
	var picks []childPick
	if !overlay {
		for c := range n {
			if c%3 == 2 && n > 4 {
				continue
			}
			v := 0
			if c%5 == 4 {
				v = 1
			}
			picks = append(picks, childPick{child: c, variant: v, exclusions: -1})
		}
		return picks
	}
	want := min(n, 2+r.IntN(3))
	seen := map[int]bool{}
	for len(picks) < want {
		c := r.IntN(n)
		if seen[c] {
			continue
		}
		seen[c] = true
		v := 0
		if chance(r, 0.5) {
			v = 1 + r.IntN(2)
		}
		ex := -1
		if chance(r, 0.15) {
			ex = k
		}
		picks = append(picks, childPick{child: c, variant: v, exclusions: ex})
	}
	slices.SortFunc(picks, func(a, b childPick) int { return a.child - b.child })
	return picks
}

// Network profile bit sets.
const (
	profileDomain int64 = 1
	profileAll    int64 = 2147483647
)

// rules returns the firewall rules of a policy: baselines block risky
// inbound services and allow the outbound basics; overlays allow a few
// inbound services on the domain network.
func (b *policyBuilder) rules(overlay bool) []fwRule {
	r := b.r
	if !overlay {
		var out []fwRule
		for _, s := range services {
			switch s.name {
			case "Telnet", "FTP", "SMB", "SNMP", "Remote Desktop":
				out = append(out, fwRule{svc: s, profiles: []int64{profileAll}})
			case "HTTPS", "DNS", "NTP":
				out = append(out, fwRule{svc: s, allow: true, profiles: []int64{profileAll}})
			}
		}
		return out
	}
	var out []fwRule
	seen := map[string]bool{}
	for want := 2 + r.IntN(3); len(out) < want; {
		s := services[r.IntN(len(services))]
		if seen[s.name] {
			continue
		}
		seen[s.name] = true
		out = append(out, fwRule{svc: s, allow: s.inbound || chance(r, 0.5), profiles: []int64{profileDomain}})
	}
	return out
}

// assignment chooses the targets of policy k and describes them.
func (b *policyBuilder) assignment(k int, s policySlot) (targeting.Assignment, string) {
	r, f := b.r, b.f
	platforms := templatePlatforms(s.tmpl)
	pilot := -1
	for i, g := range f.groups {
		if g.pilot {
			pilot = i
		}
	}
	var a targeting.Assignment
	var target string
	switch s.role {
	case roleBaseline, roleServerBaseline:
		if s.role == roleBaseline && s.tmpl.PolicyType == "Endpoint detection and response" && slices.Contains(platforms, enrollment.PlatformWindows) {
			a.AllDevices = true
			return a, "All devices"
		}
		p := platforms[0]
		if s.role == roleServerBaseline {
			p = enrollment.PlatformWindowsServer
		}
		gi := slices.Index(platformOrder, p)
		a.IncludeGroups = []string{f.Groups[gi].ID}
		target = "Baseline " + osTypes[p]
		if pilot >= 0 && k%3 == 0 && s.role == roleBaseline {
			a.ExcludeGroups = []string{f.Groups[pilot].ID}
		}
		return a, target
	}
	if pilot >= 0 && k%11 == 5 {
		a.IncludeGroups = []string{f.Groups[pilot].ID}
		return a, "Pilot"
	}
	var cand []int
	for i, g := range f.groups {
		if !g.baseline && !g.pilot && slices.Contains(platforms, g.platform) {
			cand = append(cand, i)
		}
	}
	var anyPlatform []int
	for i, g := range f.groups {
		if !g.baseline && !g.pilot && g.platform == "" {
			anyPlatform = append(anyPlatform, i)
		}
	}
	var gi int
	switch {
	case len(anyPlatform) > 0 && (len(cand) == 0 || chance(r, 0.1)):
		gi = anyPlatform[r.IntN(len(anyPlatform))]
	case len(cand) > 0:
		gi = cand[r.IntN(len(cand))]
	default:
		gi = slices.Index(platformOrder, platforms[0])
	}
	a.IncludeGroups = []string{f.Groups[gi].ID}
	target = strings.TrimPrefix(f.Groups[gi].DisplayName, "SSM - ")
	if chance(r, 0.25) {
		ex := -1
		if pilot >= 0 && chance(r, 0.5) {
			ex = pilot
		} else if len(cand) > 1 {
			ex = cand[r.IntN(len(cand))]
		}
		if ex >= 0 && ex != gi {
			a.ExcludeGroups = []string{f.Groups[ex].ID}
		}
	}
	return a, target
}

// AssignmentOf returns the targets of a policy's Graph assignments in
// the terms of the targeting package: included groups, excluded groups,
// all devices; all licensed users, user groups and filters are recorded.
// Configuration Manager collections target nothing here.
func AssignmentOf(p *policy.Policy) targeting.Assignment {
	var a targeting.Assignment
	for _, x := range p.Assignments {
		if x == nil {
			continue
		}
		t := x.Target
		switch t.Kind {
		case policy.TargetGroup:
			a.IncludeGroups = append(a.IncludeGroups, t.GroupID)
		case policy.TargetExclusionGroup:
			a.ExcludeGroups = append(a.ExcludeGroups, t.GroupID)
		case policy.TargetAllDevices:
			a.AllDevices = true
		case policy.TargetAllLicensedUsers:
			a.AllLicensedUsers = true
		}
		if t.FilterID != "" && t.FilterID != "00000000-0000-0000-0000-000000000000" {
			on := t.GroupID
			switch t.Kind {
			case policy.TargetAllDevices:
				on = targeting.FilterTargetAllDevices
			case policy.TargetAllLicensedUsers:
				on = targeting.FilterTargetAllLicensedUsers
			}
			typ := targeting.FilterType(t.FilterType)
			if typ == "" {
				typ = targeting.FilterNone
			}
			a.Filters = append(a.Filters, targeting.AssignmentFilter{Target: on, ID: t.FilterID, Type: typ})
		}
	}
	return a
}
