package tenantexport

import (
	"cmp"
	"context"
	"slices"
	"strings"

	secmgmt "github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
)

// Analysis is what a tenant delivers: per device its groups, effective
// configuration and conflicts, and per policy who gets it. Lists are
// sorted by id.
type Analysis struct {
	Devices  []DeviceAnalysis `json:"devices"`
	Policies []PolicyAnalysis `json:"policies"`
	Groups   []GroupAnalysis  `json:"groups"`
	// Skipped are the export's devices of platforms security settings
	// management does not manage (Analyze leaves it empty; AnalyzeExport
	// fills it).
	Skipped []Skipped `json:"skipped,omitempty"`
}

// DeviceAnalysis is one device: where it stands and what it receives.
type DeviceAnalysis struct {
	DeviceID   string            `json:"deviceId"`
	Name       string            `json:"name"`
	Platform   string            `json:"platform"`
	Enrollment enrollment.Status `json:"enrollment"`
	// Groups are the groups it is a member of.
	Groups []string `json:"groups"`
	// Assigned are the policies assigned to it; Delivered those of them
	// security settings management delivers to its platform.
	Assigned  []string `json:"assigned"`
	Delivered []string `json:"delivered"`
	// Version is the version of its effective configuration ("" when it
	// is not managed).
	Version string `json:"version,omitempty"`
	// Settings is its effective configuration, flattened (conformance's
	// view: a choice is its option's itemId, a collection a list), secrets
	// masked, each with the policies whose value is delivered.
	Settings []SettingValue `json:"settings"`
	// Conflicts are the settings in conflict, withheld from the device.
	Conflicts []Conflict `json:"conflicts"`
}

// SettingValue is one setting of an effective configuration.
type SettingValue struct {
	SettingID string   `json:"settingId"`
	Value     any      `json:"value"`
	Policies  []string `json:"policies"`
}

// Conflict is a setting that policies set to different values on a
// device.
type Conflict struct {
	SettingID string   `json:"settingId"`
	Policies  []string `json:"policies"`
}

// GroupAnalysis is one group and its members.
type GroupAnalysis struct {
	GroupID string `json:"groupId"`
	Name    string `json:"name"`
	// Rule is a dynamic group's membership rule ("" for a static group),
	// Processing its processing state.
	Rule       string `json:"rule,omitempty"`
	Processing string `json:"processing,omitempty"`
	// Members are its members, devices of every state.
	Members []string `json:"members"`
}

// PolicyAnalysis is one policy and who gets it.
type PolicyAnalysis struct {
	PolicyID  string `json:"policyId"`
	Name      string `json:"name"`
	Platforms string `json:"platforms"`
	// Assignments describe its assignments ("include g1", "exclude g2",
	// "all devices").
	Assignments []string `json:"assignments"`
	// Targeted are the managed devices its assignments reach; Delivered
	// those it is delivered to; NotApplicable those of another platform.
	Targeted      int      `json:"targeted"`
	Delivered     []string `json:"delivered"`
	NotApplicable []string `json:"notApplicable"`
	// InConflict are the devices on which one of its settings is in
	// conflict.
	InConflict []string `json:"inConflict"`
}

// Analyze reports what a service's tenant delivers: every managed device
// (enrolled, with the facts of an agent), every policy and every group. It
// only reads the service, through its administrative reads (Policies,
// Groups, GroupMembers, Devices, EffectiveConfiguration), so the caller in
// ctx needs policies.read, groups.read and devices.read, and a caller
// limited by scope tags sees what it reaches.
func Analyze(ctx context.Context, svc *secmgmt.Service) (*Analysis, error) {
	a := &Analysis{}
	cat := svc.Catalog()
	byPolicy := map[string]*PolicyAnalysis{}
	var pols []*policy.Policy
	for p, err := range svc.Policies(ctx) {
		if err != nil {
			return nil, err
		}
		pols = append(pols, p)
		byPolicy[p.ID] = &PolicyAnalysis{PolicyID: p.ID, Name: p.Name, Platforms: p.Platforms.String(),
			Assignments: describeAssignments(p.Assignments), Delivered: []string{}, NotApplicable: []string{}, InConflict: []string{}}
	}
	for g, err := range svc.Groups(ctx) {
		if err != nil {
			return nil, err
		}
		members, err := svc.GroupMembers(ctx, g.ID)
		if err != nil {
			return nil, err
		}
		a.Groups = append(a.Groups, GroupAnalysis{GroupID: g.ID, Name: g.DisplayName, Rule: g.MembershipRule,
			Processing: string(g.Processing), Members: nonNil(members)})
	}
	slices.SortFunc(a.Groups, func(x, y GroupAnalysis) int { return cmp.Compare(x.GroupID, y.GroupID) })
	for d, err := range svc.Devices(ctx) {
		if err != nil {
			return nil, err
		}
		if d.Facts == nil || d.Enrollment.State != enrollment.StateEnrolled {
			continue
		}
		da := DeviceAnalysis{
			DeviceID: d.ID, Name: d.ID, Platform: string(d.Facts.Platform), Enrollment: d.Enrollment.Status,
			Groups: nonNil(d.Groups), Assigned: nonNil(d.Policies), Delivered: []string{}, Settings: []SettingValue{}, Conflicts: []Conflict{},
		}
		if d.Object != nil && d.Object.DisplayName != "" {
			da.Name = d.Object.DisplayName
		}
		res, err := svc.EffectiveConfiguration(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		da.Version = res.Version
		for _, p := range res.Policies {
			pa := byPolicy[p.ID]
			if pa != nil {
				pa.Targeted++
			}
			if p.Support.Supported {
				da.Delivered = append(da.Delivered, p.ID)
				if pa != nil {
					pa.Delivered = append(pa.Delivered, d.ID)
				}
			} else if pa != nil {
				pa.NotApplicable = append(pa.NotApplicable, d.ID)
			}
		}
		flat := res.Flatten()
		for _, k := range sortedKeys(flat) {
			da.Settings = append(da.Settings, SettingValue{SettingID: k, Value: mask(cat, k, flat[k]), Policies: sources(res, k)})
		}
		seen := map[string]bool{}
		inConflict := map[string]bool{}
		for o := range res.Conflicts() {
			key := o.SettingID + "\x00" + strings.Join(o.Sources, "\x00")
			if seen[key] {
				continue
			}
			seen[key] = true
			da.Conflicts = append(da.Conflicts, Conflict{SettingID: o.SettingID, Policies: slices.Clone(o.Sources)})
			for _, p := range o.Sources {
				inConflict[p] = true
			}
		}
		slices.SortFunc(da.Conflicts, func(x, y Conflict) int {
			return cmp.Or(cmp.Compare(x.SettingID, y.SettingID), slices.Compare(x.Policies, y.Policies))
		})
		for _, p := range sortedKeys(inConflict) {
			if pa := byPolicy[p]; pa != nil {
				pa.InConflict = append(pa.InConflict, d.ID)
			}
		}
		a.Devices = append(a.Devices, da)
	}
	slices.SortFunc(a.Devices, func(x, y DeviceAnalysis) int { return cmp.Compare(x.DeviceID, y.DeviceID) })
	for _, p := range pols {
		pa := byPolicy[p.ID]
		slices.Sort(pa.Delivered)
		slices.Sort(pa.NotApplicable)
		slices.Sort(pa.InConflict)
		a.Policies = append(a.Policies, *pa)
	}
	slices.SortFunc(a.Policies, func(x, y PolicyAnalysis) int { return cmp.Compare(x.PolicyID, y.PolicyID) })
	return a, nil
}

// AnalyzeExport loads an export into a new Service (Export.Load, with
// opts), analyzes it, and closes the Service. The analysis lists the
// export's skipped devices.
func AnalyzeExport(ctx context.Context, e *Export, opts ...secmgmt.Option) (*Analysis, error) {
	svc, err := e.Load(ctx, opts...)
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	a, err := Analyze(ctx, svc)
	if err != nil {
		return nil, err
	}
	a.Skipped = slices.Clone(e.Skipped)
	return a, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sources returns the delivered policies whose value of a flattened key is
// delivered.
func sources(res *conflict.Result, key string) []string {
	out := []string{}
	for _, p := range res.Policies {
		if !p.Support.Supported {
			continue
		}
		if o, ok := res.Outcome(p.ID, key); ok && o.Outcome == conflict.OutcomeSucceeded {
			out = append(out, p.ID)
		}
	}
	return out
}

// mask replaces a secret setting's value (at any depth) with
// conflict.SecretMask.
func mask(cat *policy.Catalog, key string, v any) any {
	if d, ok := cat.Definition(key); ok && d.Kind == policy.KindSecret {
		return conflict.SecretMask
	}
	items, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(items))
	for i, it := range items {
		sub, ok := it.(map[string]any)
		if !ok {
			out[i] = it
			continue
		}
		m := make(map[string]any, len(sub))
		for k, sv := range sub {
			m[k] = mask(cat, k, sv)
		}
		out[i] = m
	}
	return out
}

// describeAssignments describes assignments in words.
func describeAssignments(as []*policy.Assignment) []string {
	out := []string{}
	for _, a := range as {
		if a == nil {
			continue
		}
		switch a.Target.Kind {
		case policy.TargetGroup:
			out = append(out, "include "+a.Target.GroupID)
		case policy.TargetExclusionGroup:
			out = append(out, "exclude "+a.Target.GroupID)
		case policy.TargetAllDevices:
			out = append(out, "all devices")
		case policy.TargetAllLicensedUsers:
			out = append(out, "all users (reaches no device here)")
		default:
			out = append(out, string(a.Target.Kind)+" (reaches no device here)")
		}
	}
	return out
}
