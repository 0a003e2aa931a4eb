package tenantexport

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// FuzzRead feeds Read arbitrary groups and devices files next to the test
// tenant's policies: it must return an export or an *Error, never panic,
// and an export it returns must load or fail with an *Error.
func FuzzRead(f *testing.F) {
	groups, _ := os.ReadFile(filepath.Join("testdata", "tenant", "groups.json"))
	devices, _ := os.ReadFile(filepath.Join("testdata", "tenant", "devices.json"))
	f.Add(groups, devices)
	f.Add([]byte(`[{"id":"g","members":["x",{"id":1}]}]`), []byte(`[{"deviceId":"x","operatingSystem":"Windows"}]`))
	f.Add([]byte(`{"value":[{"id":"g","groupTypes":["DynamicMembership"]}]}`), []byte(`[]`))
	pol, _ := os.ReadFile(filepath.Join("testdata", "tenant", "policies", "windows-av-baseline.json"))
	f.Fuzz(func(t *testing.T, groups, devices []byte) {
		m := fstest.MapFS{
			"policies/p.json": {Data: pol},
			"groups.json":     {Data: groups},
			"devices.json":    {Data: devices},
		}
		e, err := Read(m)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%T is not an *Error: %v", err, err)
			}
			return
		}
		if len(e.Devices) > 50 || len(e.Groups) > 50 {
			return
		}
		svc, err := e.Load(context.Background())
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%T is not an *Error: %v", err, err)
			}
			return
		}
		svc.Close()
	})
}
