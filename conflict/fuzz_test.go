package conflict_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
)

// FuzzMerge decodes two Graph policies and merges them for a device in both
// orders, each way (Merge, and MergePrepared of the prepared policies): no
// panic, the same version in either order, every outcome consistent, and
// the prepared merge the same as the plain one.
func FuzzMerge(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "conformance", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var cases []struct {
			Policies []json.RawMessage `json:"policies"`
		}
		if json.Unmarshal(data, &cases) != nil {
			continue
		}
		for _, c := range cases {
			if len(c.Policies) >= 2 {
				f.Add([]byte(c.Policies[0]), []byte(c.Policies[1]), uint8(0))
			}
		}
	}
	m, err := conflict.New(policy.Builtin(), conflict.WithResolver(conflict.TieBreak(conflict.DefaultRanking())))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b []byte, device uint8) {
		pa, err := policy.DecodeGraph(a)
		if err != nil {
			return
		}
		pb, err := policy.DecodeGraph(b)
		if err != nil {
			return
		}
		dev := otherDevices[int(device)%len(otherDevices)]
		pols := []*policy.Policy{pa, pb}
		r1, err1 := m.Merge(dev, pols)
		r2, err2 := m.Merge(dev, []*policy.Policy{pb, pa})
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("order changes the error: %v / %v", err1, err2)
		}
		preps := prepareAll(t, m, pols)
		p1, perr := m.MergePrepared(dev, preps)
		sameMerge(t, "prepared", r1, err1, p1, perr)
		if err1 != nil {
			return
		}
		if r1.Version != r2.Version {
			t.Fatal("order changes the version")
		}
		for _, o := range r1.Outcomes() {
			if o.Reason.Outcome() != o.Outcome {
				t.Fatalf("outcome %+v", o)
			}
		}
		_ = r1.Flatten()
		for _, inst := range r1.Effective {
			conflict.Explain(r1, inst.DefinitionID)
		}
	})
}
