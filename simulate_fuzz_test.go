package secmgmt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeChange reads arbitrary change files: DecodeChange returns a
// change or an *InputError, never panics, and a change it returns is
// simulated on a small service without panicking and without an error
// other than the operations' own.
func FuzzDecodeChange(f *testing.F) {
	for _, s := range []string{
		`{"op": "assignPolicy", "policyId": "p-fin", "assignments": [{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g-fin"}}]}`,
		`[{"op": "pauseGroup", "groupId": "g-fin"}, {"op": "setGroupRule", "groupId": "g-fin", "membershipRule": "device.displayName -startsWith \"ops\""}]`,
		`{"op": "updateDevice", "deviceId": "fin-02", "attributes": {"extensionAttribute1": "OPS", "accountEnabled": false}}`,
		`{"op": "setTenant", "tenant": {"intuneEnforcement": false}}`,
		`{"op": "batch", "changes": [{"op": "tagDevice", "deviceId": "srv-01", "tag": "MDE-Management"}]}`,
		`{"op": "createGroup", "group": {"id": "g", "members": ["fin-01"]}}`,
		`[[[]]]`, `{"op": 1}`, `null`,
	} {
		f.Add([]byte(s))
	}
	// The corpus's changes are seeds too.
	files, _ := filepath.Glob(filepath.Join("testdata", "whatif", "*.json"))
	var setup *whatifFile
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		var wf whatifFile
		if decodeStrict(data, &wf) != nil {
			continue
		}
		if setup == nil {
			setup = &wf
		}
		for _, c := range wf.Cases {
			f.Add([]byte(c.Change))
		}
	}
	if setup == nil {
		f.Fatal("no corpus file to build the service from")
	}
	svc := buildWhatIfSetup(f, setup.Setup)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeChange(data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("%T is not an *InputError: %v", err, err)
			}
			return
		}
		_ = c.String()
		if _, err := svc.Simulate(context.Background(), c); err != nil {
			for _, sentinel := range []error{ErrInvalidInput, ErrNotFound, ErrConflict, ErrInUse} {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Logf("%s: %v", c, err)
		}
	})
}
