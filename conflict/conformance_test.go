package conflict_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
)

// The merge corpus: every *.json file of testdata/conformance is a JSON
// array of cases, each its own subtest "<file>/<case name>".
//
// Case keys (the contract): name, policies (Graph policy objects), platform
// (optional device platform; otherwise the policies'), expect.effective,
// expect.absent, expect.outcomes. Optional keys this corpus adds:
// osVersion, variant and domainController (the rest of the device);
// resolver ("tieBreak": the documented tie-break with the default ranking);
// error (the merge must fail with an error whose message contains it);
// expect.warnings (the device-side warnings, each {kind, policies}, in
// order); expect.others (policy id → setting id → the other policies
// named in that outcome).
type mergeCase struct {
	Name             string            `json:"name"`
	Policies         []json.RawMessage `json:"policies"`
	Platform         string            `json:"platform"`
	OSVersion        string            `json:"osVersion"`
	Variant          string            `json:"variant"`
	DomainController bool              `json:"domainController"`
	Resolver         string            `json:"resolver"`
	Error            string            `json:"error"`
	Expect           struct {
		Effective map[string]json.RawMessage     `json:"effective"`
		Absent    []string                       `json:"absent"`
		Outcomes  map[string]map[string]string   `json:"outcomes"`
		Others    map[string]map[string][]string `json:"others"`
		Warnings  []struct {
			Kind     string   `json:"kind"`
			Policies []string `json:"policies"`
		} `json:"warnings"`
	} `json:"expect"`
}

func TestMergeConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no case files in testdata/conformance")
	}
	total := 0
	for _, file := range files {
		base := filepath.Base(file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var raw []json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Run(base, func(t *testing.T) { t.Fatalf("the file is not a JSON array of cases: %v", err) })
			continue
		}
		for i, rc := range raw {
			var c mergeCase
			dec := json.NewDecoder(bytes.NewReader(rc))
			dec.DisallowUnknownFields()
			err := dec.Decode(&c)
			name := c.Name
			if name == "" {
				name = fmt.Sprintf("case %d", i)
			}
			total++
			t.Run(base+"/"+name, func(t *testing.T) {
				if err != nil {
					t.Fatalf("malformed case: %v", err)
				}
				runMergeCase(t, &c)
			})
		}
	}
	t.Logf("%d merge cases in %d files", total, len(files))
}

func runMergeCase(t *testing.T, c *mergeCase) {
	t.Helper()
	var pols []*policy.Policy
	for i, rp := range c.Policies {
		p, err := policy.DecodeGraph(rp)
		if err != nil {
			t.Fatalf("policies[%d]: %v", i, err)
		}
		pols = append(pols, p)
	}
	dev := conflict.Device{
		Class:     policy.DeviceClass{Platform: policy.DevicePlatform(c.Platform), DomainController: c.DomainController},
		OSVersion: c.OSVersion,
		Variant:   policy.Variant(c.Variant),
	}
	var opts []conflict.Option
	switch c.Resolver {
	case "":
	case "tieBreak":
		opts = append(opts, conflict.WithResolver(conflict.TieBreak(conflict.DefaultRanking())))
	default:
		t.Fatalf("unknown resolver %q", c.Resolver)
	}
	m, err := conflict.New(policy.Builtin(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Merge(dev, pols)
	// Every case, error cases included, also runs through Prepare and
	// MergePrepared, for its device and for others.
	checkPrepared(t, m, dev, pols)
	if c.Error != "" {
		if err == nil {
			t.Fatalf("merge succeeded, want an error containing %q", c.Error)
		}
		if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.Error)) {
			t.Fatalf("error %q does not contain %q", err, c.Error)
		}
		return
	}
	if err != nil {
		t.Fatalf("merge: %v", err)
	}

	flat := normalize(t, res.Flatten())
	for key, want := range c.Expect.Effective {
		got, ok := flat[key]
		if !ok {
			t.Errorf("effective: %s is not delivered, want %s", key, want)
			continue
		}
		var w any
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatalf("expect.effective[%s]: %v", key, err)
		}
		if !sameJSON(got, w) {
			gotJSON, _ := json.Marshal(got)
			t.Errorf("effective: %s = %s, want %s", key, gotJSON, want)
		}
	}
	for _, key := range c.Expect.Absent {
		if v, ok := flat[key]; ok {
			gotJSON, _ := json.Marshal(v)
			t.Errorf("absent: %s is delivered as %s", key, gotJSON)
		}
	}
	for pid, settings := range c.Expect.Outcomes {
		for sid, want := range settings {
			o, ok := res.Outcome(pid, sid)
			if !ok {
				t.Errorf("outcome %s/%s: none, want %s", pid, sid, want)
				continue
			}
			if string(o.Outcome) != want {
				t.Errorf("outcome %s/%s = %s (%s), want %s", pid, sid, o.Outcome, o.Reason, want)
			}
		}
	}
	for pid, settings := range c.Expect.Others {
		for sid, want := range settings {
			o, ok := res.Outcome(pid, sid)
			if !ok {
				t.Errorf("others %s/%s: no outcome", pid, sid)
				continue
			}
			if got := o.Others(); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("others %s/%s = %v, want %v", pid, sid, got, want)
			}
		}
	}
	if c.Expect.Warnings != nil {
		if len(res.Warnings) != len(c.Expect.Warnings) {
			t.Fatalf("%d warnings, want %d: %+v", len(res.Warnings), len(c.Expect.Warnings), res.Warnings)
		}
		for i, w := range c.Expect.Warnings {
			got := res.Warnings[i]
			var ids []string
			for _, r := range got.Rules {
				ids = append(ids, r.PolicyID)
			}
			ids = slices.Compact(ids)
			if string(got.Kind) != w.Kind || !slices.Equal(ids, w.Policies) {
				t.Errorf("warning %d = %s %v, want %s %v", i, got.Kind, ids, w.Kind, w.Policies)
			}
		}
	}
	checkInvariants(t, m, dev, pols, res)
}

// checkInvariants checks, on every corpus case, what must hold for any
// merge: the same input in another order gives the same result, every
// outcome is consistent with its reason, and what is delivered is exactly
// what the succeeded outcomes say.
func checkInvariants(t *testing.T, m *conflict.Merger, dev conflict.Device, pols []*policy.Policy, res *conflict.Result) {
	t.Helper()
	rev := slices.Clone(pols)
	slices.Reverse(rev)
	again, err := m.Merge(dev, rev)
	if err != nil {
		t.Fatalf("merge in reverse order: %v", err)
	}
	if again.Version != res.Version {
		t.Errorf("version depends on input order: %s vs %s", res.Version, again.Version)
	}
	if !reflect.DeepEqual(normalize(t, again.Flatten()), normalize(t, res.Flatten())) {
		t.Errorf("effective configuration depends on input order")
	}
	if len(again.Outcomes()) != len(res.Outcomes()) {
		t.Fatalf("outcomes depend on input order")
	}
	for i := range res.Outcomes() {
		a, b := res.Outcomes()[i], again.Outcomes()[i]
		if a.PolicyID != b.PolicyID || a.SettingID != b.SettingID || a.Reason != b.Reason || !slices.Equal(a.Sources, b.Sources) {
			t.Errorf("outcome %d depends on input order: %+v vs %+v", i, a, b)
		}
	}
	for _, o := range res.Outcomes() {
		if !o.Outcome.Valid() || o.Reason.Outcome() != o.Outcome {
			t.Errorf("outcome %s/%s: %s with reason %s", o.PolicyID, o.SettingID, o.Outcome, o.Reason)
		}
		if !sort.StringsAreSorted(o.Sources) || slices.Contains(o.Others(), o.PolicyID) ||
			slices.Contains(o.Sources, o.PolicyID) == (o.Reason == conflict.ReasonNotDeliverable) {
			t.Errorf("outcome %s/%s: sources %v", o.PolicyID, o.SettingID, o.Sources)
		}
		_, delivered := res.Setting(o.SettingID)
		if o.Outcome == conflict.OutcomeSucceeded && !delivered {
			t.Errorf("%s/%s succeeded but is not delivered", o.PolicyID, o.SettingID)
		}
	}
	for _, inst := range res.Effective {
		e, ok := conflict.Explain(res, inst.DefinitionID)
		if ok && e.Text == "" {
			t.Errorf("explanation of %s is empty", inst.DefinitionID)
		}
	}
}

// normalize turns a flattened view into plain JSON values.
func normalize(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameJSON compares JSON values, arrays as sets.
func sameJSON(a, b any) bool {
	switch a := a.(type) {
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return false
		}
		used := make([]bool, len(bs))
		for _, x := range a {
			found := false
			for j, y := range bs {
				if !used[j] && sameJSON(x, y) {
					used[j], found = true, true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			if w, ok := bm[k]; !ok || !sameJSON(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
