package fleetgen

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/targeting"
)

func newFleet(t testing.TB, seed uint64, o Options) *Fleet {
	t.Helper()
	f, err := New(seed, o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSameSeedSameFleet(t *testing.T) {
	a := newFleet(t, 42, Options{Devices: 2000})
	b := newFleet(t, 42, Options{Devices: 2000})
	if !reflect.DeepEqual(a.Groups, b.Groups) {
		t.Error("groups differ")
	}
	if !reflect.DeepEqual(a.Assignments, b.Assignments) {
		t.Error("assignments differ")
	}
	if len(a.Policies) != len(b.Policies) {
		t.Fatalf("%d and %d policies", len(a.Policies), len(b.Policies))
	}
	for i := range a.Policies {
		ja, err := policy.EncodeGraph(a.Policies[i])
		if err != nil {
			t.Fatal(err)
		}
		jb, _ := policy.EncodeGraph(b.Policies[i])
		if string(ja) != string(jb) {
			t.Errorf("policy %d differs:\n%s\n%s", i, ja, jb)
		}
	}
	for i := range a.Len() {
		if da, db := a.Device(i), b.Device(i); !reflect.DeepEqual(da, db) {
			t.Fatalf("device %d differs:\n%+v\n%+v", i, da, db)
		}
	}
}

func TestDeviceDoesNotDependOnOrderOrSize(t *testing.T) {
	small := newFleet(t, 7, Options{Devices: 100})
	large := newFleet(t, 7, Options{Devices: 100_000})
	for i := small.Len() - 1; i >= 0; i-- {
		if a, b := small.Device(i), large.Device(i); !reflect.DeepEqual(a, b) {
			t.Fatalf("device %d differs between fleets of 100 and 100,000", i)
		}
	}
	var ids []string
	for d := range small.Devices() {
		if d.Index != len(ids) {
			t.Fatalf("Devices yielded index %d at %d", d.Index, len(ids))
		}
		ids = append(ids, d.ID)
	}
	if len(ids) != small.Len() {
		t.Fatalf("Devices yielded %d devices, want %d", len(ids), small.Len())
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != small.Len() {
		t.Error("device ids repeat")
	}
}

func TestDifferentSeedsDiffer(t *testing.T) {
	a := newFleet(t, 1, Options{Devices: 10})
	b := newFleet(t, 2, Options{Devices: 10})
	if a.Device(0).ID == b.Device(0).ID || a.Groups[0].ID == b.Groups[0].ID || a.Policies[0].ID == b.Policies[0].ID {
		t.Error("seeds 1 and 2 gave the same ids")
	}
}

func TestEveryRuleParses(t *testing.T) {
	for _, g := range []int{4, 5, 50, 100, 1000} {
		f := newFleet(t, uint64(g), Options{Devices: 10, Groups: g})
		if len(f.Groups) != g {
			t.Fatalf("%d groups, want %d", len(f.Groups), g)
		}
		x := targeting.NewIndex()
		for _, grp := range f.Groups {
			if _, err := targeting.Parse(grp.MembershipRule); err != nil {
				t.Errorf("group %q: %v", grp.DisplayName, err)
			}
			if !grp.Dynamic() {
				t.Errorf("group %q is not dynamic", grp.DisplayName)
			}
			if _, err := x.AddGroup(grp); err != nil { // memberOf groups name existing, unchained groups
				t.Errorf("group %q: %v", grp.DisplayName, err)
			}
		}
	}
}

// TestGroupsHaveMembers checks that the rules and the devices draw from the
// same values: most groups have members, and the baselines hold every
// managed device of their platform.
func TestGroupsHaveMembers(t *testing.T) {
	f := newFleet(t, 3, Options{Devices: 20_000})
	x := index(t, f)
	empty := 0
	for _, g := range f.Groups {
		n := 0
		for range x.Members(g.ID) {
			n++
		}
		if n == 0 {
			empty++
		}
	}
	if empty > len(f.Groups)/10 {
		t.Errorf("%d of %d groups have no member", empty, len(f.Groups))
	}
	for d := range f.Devices() {
		if d.Object == nil || d.Expected != enrollment.StateEnrolled {
			continue
		}
		gi := slices.Index(platformOrder, d.Facts.Platform)
		if !x.IsMember(f.Groups[gi].ID, d.ID) {
			t.Fatalf("enrolled %s device %s is not in %q", d.Facts.Platform, d.Name, f.Groups[gi].DisplayName)
		}
	}
}

func index(t testing.TB, f *Fleet) *targeting.Index {
	t.Helper()
	x := targeting.NewIndex()
	for _, g := range f.Groups {
		if _, err := x.AddGroup(g); err != nil {
			t.Fatal(err)
		}
	}
	for d := range f.Devices() {
		if d.Object != nil {
			x.UpsertDevice(d.ID, d.Object)
		}
	}
	return x
}

func TestEveryPolicyValidates(t *testing.T) {
	for _, p := range []int{1, 15, 60, 300} {
		f := newFleet(t, uint64(p), Options{Devices: 10, Policies: p})
		if len(f.Policies) != p || len(f.Assignments) != p {
			t.Fatalf("%d policies and %d assignments, want %d", len(f.Policies), len(f.Assignments), p)
		}
		ids := map[string]bool{}
		for i, pol := range f.Policies {
			if err := f.Options.Catalog.Validate(pol); err != nil {
				t.Errorf("policy %q: %v", pol.Name, err)
			}
			if _, err := policy.EncodeGraph(pol); err != nil {
				t.Errorf("policy %q: %v", pol.Name, err)
			}
			if ids[pol.ID] || pol.ID == "" {
				t.Errorf("policy %q: id %q empty or repeated", pol.Name, pol.ID)
			}
			ids[pol.ID] = true
			if err := f.Assignments[i].Validate(); err != nil {
				t.Errorf("policy %q: %v", pol.Name, err)
			}
			if got := AssignmentOf(pol); !reflect.DeepEqual(got, f.Assignments[i]) {
				t.Errorf("policy %q: Graph assignments read back as %+v, want %+v", pol.Name, got, f.Assignments[i])
			}
			if len(f.Assignments[i].IncludeGroups) == 0 && !f.Assignments[i].AllDevices {
				t.Errorf("policy %q targets nothing", pol.Name)
			}
		}
	}
}

func TestPoliciesCoverEveryTemplate(t *testing.T) {
	f := newFleet(t, 9, Options{Devices: 10})
	used := map[string]int{}
	for _, p := range f.Policies {
		used[p.TemplateReference.TemplateID]++
	}
	for _, tm := range f.Options.Catalog.Templates() {
		if used[tm.ID] == 0 {
			t.Errorf("no policy of template %s (%s)", tm.ID, tm.DisplayName)
		}
	}
	// Every setting kind and merge behaviour of the catalog appears.
	merges := map[policy.Merge]bool{}
	for _, p := range f.Policies {
		p.Walk(func(s *policy.SettingInstance) bool {
			if d, ok := f.Options.Catalog.Definition(s.DefinitionID); ok {
				merges[d.Merge] = true
			}
			return true
		})
	}
	for _, m := range []policy.Merge{policy.MergeConflict, policy.MergeUnion, policy.MergeUnionFold, policy.MergeItems, policy.MergeRules, policy.MergePerChild} {
		inCatalog := false
		for d := range f.Options.Catalog.Definitions() {
			inCatalog = inCatalog || d.Merge == m
		}
		if inCatalog && !merges[m] {
			t.Errorf("no policy sets a setting that merges by %s", m)
		}
	}
}

func TestPlatformMixAndTags(t *testing.T) {
	f := newFleet(t, 11, Options{Devices: 40_000})
	count := map[enrollment.Platform]int{}
	tagged, taggable := 0, 0
	objects := 0
	for d := range f.Devices() {
		count[d.Facts.Platform]++
		if p := d.Facts.Platform; p == enrollment.PlatformWindowsServer || p == enrollment.PlatformLinux {
			taggable++
			if d.Facts.HasTag(enrollment.ManagementTag) {
				tagged++
			}
		}
		if d.Object != nil {
			objects++
			if d.Object.DeviceID != d.ID {
				t.Fatalf("device %s has object of %s", d.ID, d.Object.DeviceID)
			}
		}
		if err := d.Facts.Validate(); err != nil {
			t.Fatalf("device %s: %v", d.Name, err)
		}
	}
	want := map[enrollment.Platform]float64{
		enrollment.PlatformWindows: 0.60, enrollment.PlatformWindowsServer: 0.15,
		enrollment.PlatformMacOS: 0.12, enrollment.PlatformLinux: 0.13,
	}
	for p, share := range want {
		if got := float64(count[p]) / float64(f.Len()); got < share-0.01 || got > share+0.01 {
			t.Errorf("%s: share %.3f, want %.2f", p, got, share)
		}
	}
	if got := float64(tagged) / float64(taggable); got < 0.83 || got > 0.87 {
		t.Errorf("share of servers and Linux tagged %s: %.3f, want 0.85", enrollment.ManagementTag, got)
	}
	if objects < f.Len()*9/10 {
		t.Errorf("%d of %d devices have a directory object", objects, f.Len())
	}
}

func TestOptionsMix(t *testing.T) {
	f := newFleet(t, 1, Options{Devices: 2000, Mix: Mix{Linux: 1}, TaggedShare: -1})
	for d := range f.Devices() {
		if d.Facts.Platform != enrollment.PlatformLinux {
			t.Fatalf("device %s is %s in an all-Linux fleet", d.Name, d.Facts.Platform)
		}
		if d.Facts.HasTag(enrollment.ManagementTag) || d.Expected == enrollment.StateEnrolled {
			t.Fatalf("device %s is tagged or enrolled with TaggedShare -1", d.Name)
		}
	}
}

// TestExpectedMatchesEnrollment onboards devices with the enrollment state
// machine and checks the generator's prediction: the state, and the
// directory object after the flow's changes.
func TestExpectedMatchesEnrollment(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 3000
	}
	f := newFleet(t, 5, Options{Devices: n})
	states := map[enrollment.State]int{}
	for d := range f.Devices() {
		var seed []*identity.Device
		if d.Existing != nil {
			seed = append(seed, d.Existing)
		}
		dir, err := identity.NewDirectory(identity.WithDevices(seed...))
		if err != nil {
			t.Fatal(err)
		}
		env := enrollment.Env{Tenant: f.Tenant, Facts: d.Facts, Directory: dir, Now: f.Options.Now}
		rec, ts, err := enrollment.Record{DeviceID: d.ID, DisplayName: d.Name}.Handle(enrollment.Event{Kind: enrollment.EventOnboard}, env)
		if err != nil {
			t.Fatalf("device %s: %v", d.Name, err)
		}
		if rec.State != d.Expected {
			t.Fatalf("device %s (%+v): state %s, generator expected %s (%s)", d.Name, d.Facts, rec.State, d.Expected, rec.Cause)
		}
		if err := dir.Apply(enrollment.Changes(ts)...); err != nil {
			t.Fatalf("device %s: %v", d.Name, err)
		}
		got, _ := dir.Lookup(d.ID)
		if !reflect.DeepEqual(got, d.Object) {
			t.Fatalf("device %s: object after onboarding\n%+v\ngenerator\n%+v", d.Name, got, d.Object)
		}
		states[rec.State]++
	}
	for _, s := range []enrollment.State{enrollment.StateEnrolled, enrollment.StateNotEnrolled, enrollment.StateNotSupported,
		enrollment.StateManagedByMDM, enrollment.StateManagedByConfigMgr, enrollment.StateFailed} {
		if states[s] == 0 && !testing.Short() {
			t.Errorf("no device reached %s", s)
		}
	}
	if float64(states[enrollment.StateEnrolled]) < 0.85*float64(n) {
		t.Errorf("%d of %d devices enrolled", states[enrollment.StateEnrolled], n)
	}
}

// TestOverlapsMergeAndConflict merges the policies of every device of a
// fleet and checks that the overlaps do what they are there for: equal
// values delivered once, conflicts, unions of exclusions, exclusion items,
// rule-by-rule merges of attack surface reduction rules with conflicts of
// single rules, firewall rules with contradictions, and policies that do
// not apply to the device.
func TestOverlapsMergeAndConflict(t *testing.T) {
	f := newFleet(t, 13, Options{Devices: 5000})
	x := index(t, f)
	m, err := conflict.New(f.Options.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[conflict.Reason]int{}
	warnings := 0
	perRuleConflict := 0
	var groups []string
	var idx []int
	policies, enrolled := 0, 0
	for d := range f.Devices() {
		if d.Expected != enrollment.StateEnrolled {
			continue
		}
		enrolled++
		groups = slices.AppendSeq(groups[:0], x.GroupsOf(d.ID))
		idx = f.PolicyIndexes(groups, idx[:0])
		var ps []*policy.Policy
		for _, i := range idx {
			if !x.Targets(&f.Assignments[i], d.ID) {
				t.Fatalf("PolicyIndexes gives policy %d for %s; Targets does not", i, d.Name)
			}
			ps = append(ps, f.Policies[i])
		}
		for i := range f.Policies {
			if x.Targets(&f.Assignments[i], d.ID) != slices.Contains(idx, i) {
				t.Fatalf("PolicyIndexes and Targets disagree on policy %d for %s", i, d.Name)
			}
		}
		policies += len(ps)
		res, err := m.Merge(conflict.Device{Class: d.Class(), OSVersion: d.Facts.OSVersion}, ps)
		if err != nil {
			t.Fatalf("device %s: %v", d.Name, err)
		}
		for _, o := range res.Outcomes() {
			reasons[o.Reason]++
			if o.Outcome == conflict.OutcomeConflict && strings.Contains(o.SettingID, "attacksurfacereductionrules_") {
				perRuleConflict++
			}
		}
		warnings += len(res.Warnings)
	}
	for _, r := range []conflict.Reason{conflict.ReasonOnlySource, conflict.ReasonEqualValues, conflict.ReasonMerged,
		conflict.ReasonAllRules, conflict.ReasonDifferentValues, conflict.ReasonNotDeliverable} {
		if reasons[r] == 0 {
			t.Errorf("no outcome with reason %s (%v)", r, reasons)
		}
	}
	if warnings == 0 {
		t.Error("no firewall rule contradiction")
	}
	if perRuleConflict == 0 {
		t.Error("no conflict of a single attack surface reduction rule")
	}
	t.Logf("%.1f policies per enrolled device; outcomes %v; %d warnings", float64(policies)/float64(enrolled), reasons, warnings)
}

func TestInvalidOptions(t *testing.T) {
	for _, o := range []Options{
		{Devices: -1},
		{Devices: MaxDevices + 1},
		{Groups: 3},
		{Groups: MaxGroups + 1},
		{Policies: -2},
		{TaggedShare: 1.5},
		{Mix: Mix{Windows: -1, Linux: 2}},
	} {
		_, err := New(1, o)
		var oe *OptionError
		if !errors.As(err, &oe) || !errors.Is(err, ErrInvalidOptions) || oe.Field == "" {
			t.Errorf("New(%+v) = %v, want an *OptionError", o, err)
		}
	}
}

func TestDefaults(t *testing.T) {
	f := newFleet(t, 1, Options{})
	if f.Len() != DefaultDevices || len(f.Groups) != DefaultGroups || len(f.Policies) != DefaultPolicies {
		t.Errorf("defaults: %d devices, %d groups, %d policies", f.Len(), len(f.Groups), len(f.Policies))
	}
	if !f.Options.Now.Equal(DefaultNow) || f.Options.Mix != DefaultMix || f.Options.Catalog != policy.Builtin() {
		t.Errorf("defaults: %+v", f.Options)
	}
	if err := f.Tenant.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDeviceOutOfRangePanics(t *testing.T) {
	f := newFleet(t, 1, Options{Devices: 3})
	for _, i := range []int{-1, 3} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Device(%d) did not panic", i)
				}
			}()
			f.Device(i)
		}()
	}
}

func TestAssignmentOfFilters(t *testing.T) {
	p := &policy.Policy{Assignments: []*policy.Assignment{
		policy.Include("g1"), policy.Exclude("g2"), policy.AllDevices(),
		{Target: policy.Target{Kind: policy.TargetAllLicensedUsers, FilterID: "f1", FilterType: policy.FilterInclude}},
		{Target: policy.Target{Kind: policy.TargetGroup, GroupID: "g3", FilterID: "00000000-0000-0000-0000-000000000000"}},
		nil,
	}}
	want := targeting.Assignment{
		IncludeGroups: []string{"g1", "g3"}, ExcludeGroups: []string{"g2"}, AllDevices: true, AllLicensedUsers: true,
		Filters: []targeting.AssignmentFilter{{Target: targeting.FilterTargetAllLicensedUsers, ID: "f1", Type: targeting.FilterInclude}},
	}
	if got := AssignmentOf(p); !reflect.DeepEqual(got, want) {
		t.Errorf("AssignmentOf = %+v, want %+v", got, want)
	}
}
