package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickstart runs the quickstart's main job in memory and over HTTP,
// and twice on one SQLite file: the second run finds the first's state.
func TestQuickstart(t *testing.T) {
	ctx := context.Background()
	mustRun := func(t *testing.T, o options) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, &out, o); err != nil {
			t.Fatalf("%s\n%v", out.String(), err)
		}
		return out.String()
	}
	firstRun := []string{
		"WS-LAB-07      windows                        Not enrolled",
		"WS-SALES-11    windows        MDE-Management  Managed by MDM agent  Intune",
		"WS-LAB-07      refused: not managed here",
		"Windows - antivirus baseline and Windows - accounting hardening conflict on " + cloudBlock + " (1 device)",
		"LNX-DB-02: " + linuxEngine + " failed with code 13",
		"The setting merges (unionFold)",
		"WS-ACCT-02 gets configuration",
		"1 device got a new configuration; 1 configuration was computed again",
		"admin@contoso.example  UpdatePolicy",
	}
	for _, o := range []options{{store: "memory"}, {store: "memory", http: true}} {
		out := mustRun(t, o)
		for _, want := range firstRun {
			if !strings.Contains(out, want) {
				t.Errorf("-http=%v: the output lacks %q:\n%s", o.http, want, out)
			}
		}
	}

	o := options{store: "sqlite:" + filepath.Join(t.TempDir(), "quickstart.db")}
	if out := mustRun(t, o); !strings.Contains(out, "run again with the same -store") {
		t.Errorf("first SQLite run:\n%s", out)
	}
	out := mustRun(t, o)
	for _, want := range []string{
		"The state of an earlier run survived the restart:",
		"Windows - accounting hardening        windows10  1         accounting",
		"WS-ACCT-02     Success               accounting,workstations",
		"WS-ACCT-02     same as last run",
		"Report: conflicts\nnone",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("second SQLite run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Devices onboard") {
		t.Error("the second run onboarded the devices again")
	}
}
