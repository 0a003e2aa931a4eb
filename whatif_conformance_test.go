package secmgmt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
)

// The what-if corpus (testdata/whatif/*.json). A file is one object:
//
//	{
//	  "setup": {
//	    "tenant":   {the enrollment conformance tenant keys},
//	    "devices":  [{"id": "…", "name": "…", "facts": {the enrollment conformance device keys},
//	                  "attributes": {rule-property names: values}}],
//	    "groups":   [groups as a change file spells them (id, displayName, membershipRule,
//	                  membershipRuleProcessingState, members)],
//	    "policies": [Graph policies, with their assignments]
//	  },
//	  "cases": [{"name": "…", "change": {a change file's change}, "expect": {…}}]
//	}
//
// Every case starts from the setup, built afresh (tenant, devices onboarded
// in order with their attributes set on their directory objects, groups,
// policies, one check-in of every enrolled device). The tenant defaults to
// one with the Intune toggle on and every platform in scope.
//
// "expect" holds either "error" (a substring of the error, case-insensitive)
// with optionally "errorIs" (invalidInput | notFound | conflict | inUse), or
// the impact:
//
//	"devices": {device id: {"management", "enrollmentBefore", "enrollmentAfter",
//	            "groupsJoined", "groupsLeft", "policiesAdded", "policiesRemoved",
//	            "settings": {setting id: {"change", "before", "after", "policies"}},
//	            "conflictsAppeared", "conflictsResolved": [{"settingId", "policies"}]}}
//	"groups":   {group id: {"added", "removed"}}
//	"policies": {policy id: {"gained", "lost", "conflictsAppeared", "conflictsResolved"}}
//
// "devices" and "groups" list exactly the devices and groups that change
// (an empty object: none); within a device every key but the enrollment
// statuses is compared exactly (absent: empty). "policies", when present,
// lists exactly the policies the impact names. Every case is also applied
// for real, and the impact must equal the difference the service shows.

type whatifFile struct {
	Setup whatifCaseSetup `json:"setup"`
	Cases []whatifCase    `json:"cases"`
}

type whatifCaseSetup struct {
	Tenant   *enrollment.Tenant `json:"tenant"`
	Devices  []whatifDevice     `json:"devices"`
	Groups   []json.RawMessage  `json:"groups"`
	Policies []json.RawMessage  `json:"policies"`
}

type whatifDevice struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Facts      *enrollment.Facts `json:"facts"`
	Attributes json.RawMessage   `json:"attributes"`
}

type whatifCase struct {
	Name   string          `json:"name"`
	Change json.RawMessage `json:"change"`
	Expect whatifExpect    `json:"expect"`
}

type whatifExpect struct {
	Error    string                        `json:"error"`
	ErrorIs  string                        `json:"errorIs"`
	Devices  map[string]whatifExpectDevice `json:"devices"`
	Groups   map[string]whatifExpectGroup  `json:"groups"`
	Policies map[string]whatifExpectPolicy `json:"policies"`
}

type whatifExpectSettings = map[string]whatifExpectSetting

type whatifExpectDevice struct {
	Management        ManagementChange     `json:"management"`
	EnrollmentBefore  string               `json:"enrollmentBefore"`
	EnrollmentAfter   string               `json:"enrollmentAfter"`
	GroupsJoined      []string             `json:"groupsJoined"`
	GroupsLeft        []string             `json:"groupsLeft"`
	PoliciesAdded     []string             `json:"policiesAdded"`
	PoliciesRemoved   []string             `json:"policiesRemoved"`
	Settings          whatifExpectSettings `json:"settings"`
	ConflictsAppeared []Conflict           `json:"conflictsAppeared"`
	ConflictsResolved []Conflict           `json:"conflictsResolved"`
}

type whatifExpectSetting struct {
	Change   SettingChangeKind `json:"change"`
	Before   any               `json:"before"`
	After    any               `json:"after"`
	Policies []string          `json:"policies"`
}

type whatifExpectGroup struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

type whatifExpectPolicy struct {
	Gained            []string `json:"gained"`
	Lost              []string `json:"lost"`
	ConflictsAppeared int      `json:"conflictsAppeared"`
	ConflictsResolved int      `json:"conflictsResolved"`
}

// decodeStrict decodes JSON refusing unknown keys, so that a misspelt key
// in a case fails it.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func TestWhatIfConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "whatif", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no case files in testdata/whatif")
	}
	for _, file := range files {
		base := filepath.Base(file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var f whatifFile
		if err := decodeStrict(data, &f); err != nil {
			t.Run(base, func(t *testing.T) { t.Fatalf("malformed case file: %v", err) })
			continue
		}
		if len(f.Cases) == 0 {
			t.Run(base, func(t *testing.T) { t.Fatal("no cases") })
			continue
		}
		for _, c := range f.Cases {
			t.Run(base+"/"+c.Name, func(t *testing.T) {
				runWhatIfCase(t, f.Setup, c)
			})
		}
	}
}

// buildWhatIfSetup makes a service holding a case file's setup.
func buildWhatIfSetup(t testing.TB, s whatifCaseSetup) *Service {
	t.Helper()
	ctx := context.Background()
	svc, err := New(WithSeed(3), WithAuthorizer(authz.AllowAll()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	tn := enrollment.DefaultTenant()
	tn.IntuneEnforcement = true
	tn.Scope = enrollment.Scope{WindowsClient: enrollment.ScopeAll, WindowsServer: enrollment.ScopeAll, MacOS: enrollment.ScopeAll, Linux: enrollment.ScopeAll}
	if s.Tenant != nil {
		tn = *s.Tenant
	}
	if _, err := svc.SetTenant(ctx, tn, 0); err != nil {
		t.Fatalf("setup: tenant: %v", err)
	}
	for i, d := range s.Devices {
		facts := enrollment.HealthyFacts(enrollment.PlatformWindows)
		if d.Facts != nil {
			facts = *d.Facts
		}
		var opts []OnboardOption
		if d.Name != "" {
			opts = append(opts, DisplayName(d.Name))
		}
		if _, err := svc.Onboard(ctx, d.ID, facts, opts...); err != nil {
			t.Fatalf("setup: devices[%d]: %v", i, err)
		}
		if len(d.Attributes) == 0 {
			continue
		}
		edit, _, err := attributeEdit(d.Attributes, fmt.Sprintf("setup.devices[%d].attributes", i))
		if err != nil {
			t.Fatalf("setup: %v", err)
		}
		if _, err := svc.UpdateDeviceObject(ctx, d.ID, func(o *identity.Device) error { return edit(o) }); err != nil {
			t.Fatalf("setup: devices[%d]: attributes: %v", i, err)
		}
	}
	for i, raw := range s.Groups {
		g, err := decodeGroup(raw, fmt.Sprintf("setup.groups[%d]", i))
		if err != nil {
			t.Fatalf("setup: %v", err)
		}
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			t.Fatalf("setup: groups[%d]: %v", i, err)
		}
	}
	for i, raw := range s.Policies {
		p, err := policy.DecodeGraph(raw)
		if err != nil {
			t.Fatalf("setup: policies[%d]: %v", i, err)
		}
		if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
			t.Fatalf("setup: policies[%d]: %v", i, err)
		}
	}
	checkInAll(t, svc)
	return svc
}

var whatifSentinels = map[string]error{
	"invalidInput": ErrInvalidInput,
	"notFound":     ErrNotFound,
	"conflict":     ErrConflict,
	"inUse":        ErrInUse,
}

func runWhatIfCase(t *testing.T, setup whatifCaseSetup, c whatifCase) {
	ch, err := DecodeChange(c.Change)
	if err != nil {
		if c.Expect.Error == "" {
			t.Fatalf("change: %v", err)
		}
		checkWhatIfError(t, c.Expect, err)
		return
	}
	svc := buildWhatIfSetup(t, setup)
	imp, err := svc.Simulate(context.Background(), ch)
	if c.Expect.Error != "" || c.Expect.ErrorIs != "" {
		if err == nil {
			t.Fatalf("simulated without an error; want one containing %q", c.Expect.Error)
		}
		checkWhatIfError(t, c.Expect, err)
		checkAgainstOracle(t, svc, ch) // the operation refuses it too
		return
	}
	if err != nil {
		t.Fatalf("Simulate: %v", err)
	}
	if c.Expect.Devices == nil || c.Expect.Groups == nil {
		t.Fatal(`malformed case: "expect" needs "devices" and "groups" (an empty object: none change)`)
	}

	got := map[string]whatifExpectDevice{}
	for _, d := range imp.Devices {
		e := whatifExpectDevice{
			Management: d.Management, EnrollmentBefore: string(d.EnrollmentBefore), EnrollmentAfter: string(d.EnrollmentAfter),
			GroupsJoined: d.GroupsJoined, GroupsLeft: d.GroupsLeft, PoliciesAdded: d.PoliciesAdded, PoliciesRemoved: d.PoliciesRemoved,
			ConflictsAppeared: d.ConflictsAppeared, ConflictsResolved: d.ConflictsResolved,
		}
		for _, s := range d.Settings {
			if e.Settings == nil {
				e.Settings = whatifExpectSettings{}
			}
			e.Settings[s.SettingID] = whatifExpectSetting{Change: s.Change, Before: s.Before, After: s.After, Policies: s.Policies}
		}
		got[d.DeviceID] = e
	}
	for _, id := range sortedKeysOf(c.Expect.Devices) {
		want := c.Expect.Devices[id]
		g, ok := got[id]
		if !ok {
			t.Errorf("device %s: expected to change, the impact leaves it out", id)
			continue
		}
		if want.EnrollmentBefore == "" {
			g.EnrollmentBefore = ""
		}
		if want.EnrollmentAfter == "" {
			g.EnrollmentAfter = ""
		}
		if gj, wj := normJSON(t, g), normJSON(t, want); !reflect.DeepEqual(gj, wj) {
			t.Errorf("device %s:\n got: %s\nwant: %s", id, compactJSON(gj), compactJSON(wj))
		}
	}
	for _, id := range sortedKeysOf(got) {
		if _, ok := c.Expect.Devices[id]; !ok {
			t.Errorf("device %s: the impact lists it, the case expects no change: %s", id, compactJSON(normJSON(t, got[id])))
		}
	}

	gotGroups := map[string]whatifExpectGroup{}
	for _, g := range imp.Groups {
		gotGroups[g.GroupID] = whatifExpectGroup{Added: g.Added, Removed: g.Removed}
	}
	if gj, wj := normJSON(t, gotGroups), normJSON(t, c.Expect.Groups); !reflect.DeepEqual(gj, wj) {
		t.Errorf("groups:\n got: %s\nwant: %s", compactJSON(gj), compactJSON(wj))
	}
	if c.Expect.Policies != nil {
		gotPolicies := map[string]whatifExpectPolicy{}
		for _, p := range imp.Policies {
			gotPolicies[p.PolicyID] = whatifExpectPolicy{Gained: p.Gained, Lost: p.Lost, ConflictsAppeared: p.ConflictsAppeared, ConflictsResolved: p.ConflictsResolved}
		}
		if gj, wj := normJSON(t, gotPolicies), normJSON(t, c.Expect.Policies); !reflect.DeepEqual(gj, wj) {
			t.Errorf("policies:\n got: %s\nwant: %s", compactJSON(gj), compactJSON(wj))
		}
	}
	if t.Failed() {
		var b strings.Builder
		_ = imp.WriteText(&b, 0)
		t.Logf("the impact:\n%s", b.String())
		return
	}
	// The service makes up another id for a policy or group created
	// without one than the simulation's "simulated-…": the oracle cannot
	// compare those.
	for _, p := range imp.Policies {
		if strings.HasPrefix(p.PolicyID, "simulated-") {
			return
		}
	}
	for _, g := range imp.Groups {
		if strings.HasPrefix(g.GroupID, "simulated-") {
			return
		}
	}
	checkAgainstOracle(t, svc, ch)
}

func checkWhatIfError(t *testing.T, want whatifExpect, err error) {
	t.Helper()
	if want.Error != "" && !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(want.Error)) {
		t.Errorf("error %q does not contain %q", err, want.Error)
	}
	if want.ErrorIs != "" {
		sentinel, ok := whatifSentinels[want.ErrorIs]
		if !ok {
			t.Fatalf("malformed case: errorIs %q (invalidInput, notFound, conflict, inUse)", want.ErrorIs)
		}
		if !errors.Is(err, sentinel) {
			t.Errorf("error %q is not %s", err, want.ErrorIs)
		}
	}
}

// normJSON returns v as generic JSON with empty lists and objects and
// empty strings dropped, so that absent and empty compare equal.
func normJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return dropEmpty(out)
}

func dropEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = dropEmpty(e)
			if isEmptyJSON(e) {
				delete(x, k)
				continue
			}
			x[k] = e
		}
	case []any:
		for i, e := range x {
			x[i] = dropEmpty(e)
		}
	}
	return v
}

func isEmptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
