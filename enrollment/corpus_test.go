package enrollment_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/secmgmt/secmgmt/enrollment"
)

// TestCorpusCoverage checks that the conformance corpus expects every
// status, every documented code class by a case that injects or meets one
// of its codes, every prerequisite reason, both modes, every platform, and
// every event a caller reports.
func TestCorpusCoverage(t *testing.T) {
	statuses := map[enrollment.Status]bool{}
	reasons := map[string]bool{}
	modes := map[string]bool{}
	platforms := map[string]bool{}
	eventsSeen := map[string]bool{}
	for _, file := range corpusFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cases []struct {
			Tenant struct {
				Mode string `json:"mode"`
			} `json:"tenant"`
			Device struct {
				Platform string `json:"platform"`
			} `json:"device"`
			Events []struct {
				Event string `json:"event"`
			} `json:"events"`
			Expect struct {
				Status enrollment.Status `json:"status"`
				Reason string            `json:"reason"`
			} `json:"expect"`
		}
		if err := json.Unmarshal(data, &cases); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range cases {
			statuses[c.Expect.Status] = true
			reasons[c.Expect.Reason] = true
			modes[c.Tenant.Mode] = true
			platforms[c.Device.Platform] = true
			for _, e := range c.Events {
				eventsSeen[e.Event] = true
			}
		}
	}
	for _, s := range enrollment.Statuses() {
		if !statuses[s] {
			t.Errorf("no case expects status %s", s)
		}
	}
	for _, r := range []enrollment.Reason{enrollment.ReasonPlatform, enrollment.ReasonOSVersion, enrollment.ReasonEdition, enrollment.ReasonAgentVersion,
		enrollment.ReasonNonPersistentVDI, enrollment.ReasonServerCore, enrollment.ReasonDomainController, enrollment.ReasonArch32,
		enrollment.ReasonPowerShellLanguageMode, enrollment.ReasonGovernmentCloud, enrollment.ReasonLicense} {
		if !reasons[string(r)] {
			t.Errorf("no case expects reason %s", r)
		}
	}
	for _, m := range []string{"current", "legacy"} {
		if !modes[m] {
			t.Errorf("no case in %s mode", m)
		}
	}
	for _, p := range []string{"windows", "windowsServer", "macOS", "linux"} {
		if !platforms[p] {
			t.Errorf("no case on %s", p)
		}
	}
	for _, k := range enrollment.EventKinds() {
		if _, step := map[enrollment.EventKind]bool{enrollment.EventSurvey: true, enrollment.EventQualify: true, enrollment.EventRegister: true}[k]; step {
			continue
		}
		if !eventsSeen[string(k)] {
			t.Errorf("no case uses event %s", k)
		}
	}
}
