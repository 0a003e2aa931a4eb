package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/tenantexport"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestWhatIf runs the command on the shipped tenant: the analysis in each
// format, and simulated changes from a change file and from the flags,
// each compared with its golden file (refresh with -update).
func TestWhatIf(t *testing.T) {
	dir := "testdata"
	for _, tc := range []struct {
		golden string
		o      options
	}{
		{"analysis.txt", options{format: "text"}},
		{"analysis.json", options{format: "json"}},
		{"analysis.csv", options{format: "csv"}},
		{"servers-and-pilot.txt", options{format: "text", changeFile: filepath.Join(dir, "changes", "servers-and-pilot.json")}},
		{"finance-to-engineering.json", options{format: "json", changeFile: filepath.Join(dir, "changes", "finance-to-engineering.json")}},
		{"assign-cpu-limit.csv", options{format: "csv", assign: []string{"Finance - CPU limit=Engineering,!Pilot ring"}}},
		{"rule-amsterdam.txt", options{format: "text", rules: []string{`Finance=device.displayName -startsWith "AMS-"`}, maxDevices: 2}},
		{"batch-of-flags.txt", options{format: "text",
			assign: []string{"Windows - archive scanning off=Windows servers"},
			rules:  []string{`Windows servers=device.displayName -startsWith "NYC-"`}}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			tc.o.dir = dir
			var out bytes.Buffer
			if err := run(context.Background(), &out, tc.o); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "golden", tc.golden)
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("the output differs from %s:\n%s", file, out.String())
			}
		})
	}
}

func TestWhatIfErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		o    options
		want string
	}{
		{"unknown format", options{dir: "testdata", format: "xml"}, "-format"},
		{"unknown policy", options{dir: "testdata", format: "text", assign: []string{"No such policy=Finance"}}, `policy "No such policy"`},
		{"unknown group", options{dir: "testdata", format: "text", rules: []string{`Nobody=device.displayName -eq "x"`}}, `group "Nobody"`},
		{"flag without =", options{dir: "testdata", format: "text", rules: []string{"Finance"}}, "want GROUP=RULE"},
		{"bad rule", options{dir: "testdata", format: "text", rules: []string{"Finance=device.displayName -eq"}}, "SetGroupRule"},
		{"missing folder", options{dir: filepath.Join("testdata", "nothing-here"), format: "text"}, "policies"},
		{"bad change file", options{dir: "testdata", format: "text", changeFile: filepath.Join("testdata", "groups.json")}, "op"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(ctx, &out, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if tc.name == "missing folder" && !errors.Is(err, tenantexport.ErrUnreadable) {
				t.Errorf("%v is not tenantexport.ErrUnreadable", err)
			}
		})
	}
}
