package secmgmt

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/internal/fleetgen"
	"github.com/secmgmt/secmgmt/policy"
)

// The what-if benchmarks run on a generated fleet (internal/fleetgen) of
// 100,000 devices (SECMGMT_WHATIF_DEVICES sets another size), 100 dynamic
// groups and 60 policies, onboarded through the enrollment flow, every
// enrolled device holding its configuration (it checked in once).

var (
	whatifOnce  sync.Once
	whatifSvc   *Service
	whatifFleet *fleetgen.Fleet
	whatifSetup time.Duration
)

// whatifService returns the shared benchmark fleet, built once.
func whatifService(b *testing.B) (*Service, *fleetgen.Fleet) {
	whatifOnce.Do(func() {
		n := 100_000
		if s := os.Getenv("SECMGMT_WHATIF_DEVICES"); s != "" {
			if v, err := strconv.Atoi(s); err == nil && v > 0 {
				n = v
			}
		}
		start := time.Now()
		// The fleet outlives the benchmark that builds it: a cleanup of
		// that benchmark must not close it.
		tb := &keepAlive{B: b}
		whatifSvc, whatifFleet = fleetService(tb, fleetgen.Options{Devices: n}, true)
		whatifSetup = time.Since(start)
		runtime.GC()
	})
	if whatifSvc == nil {
		b.Fatal("the benchmark fleet could not be built")
	}
	return whatifSvc, whatifFleet
}

// keepAlive is a testing.TB whose cleanups never run.
type keepAlive struct{ *testing.B }

func (k *keepAlive) Cleanup(func()) {}

// largestGroup returns the group of the fleet with the most members and
// the policies assigned to it.
func baselineOf(svc *Service, f *fleetgen.Fleet) (group string, pol *policy.Policy, overlay *policy.Policy) {
	group = f.Groups[0].ID // the managed Windows clients
	ctx := context.Background()
	for p, err := range svc.Policies(ctx) {
		if err != nil || len(p.Settings) < 2 {
			continue
		}
		targetsBaseline := false
		for _, a := range p.Assignments {
			if a.Target.Kind == policy.TargetGroup && a.Target.GroupID == group {
				targetsBaseline = true
			}
		}
		switch {
		case targetsBaseline && pol == nil:
			pol = p
		case !targetsBaseline && overlay == nil && p.Platforms.Has(policy.PlatformWindows10):
			overlay = p
		}
	}
	return group, pol, overlay
}

// BenchmarkSimulate measures Service.Simulate on the fleet for the three
// changes administrators ask about most: an edit of the baseline policy
// (every managed Windows client), an overlay policy assigned to the
// largest group as well, and a group's rule widened to three more sites.
func BenchmarkSimulate(b *testing.B) {
	svc, f := whatifService(b)
	b.Logf("fleet of %d devices built in %v", f.Len(), whatifSetup.Round(time.Second))
	ctx := context.Background()
	group, baseline, overlay := baselineOf(svc, f)
	if baseline == nil || overlay == nil {
		b.Fatal("no baseline or overlay policy in the fleet")
	}
	edited := baseline.Clone()
	edited.Settings = edited.Settings[1:]
	edited.Assignments = nil
	// A group an overlay is assigned to gets a rule that takes in every
	// managed Windows client of three sites.
	var ruleGroup string
	for _, a := range overlay.Assignments {
		if a.Target.Kind == policy.TargetGroup {
			ruleGroup = a.Target.GroupID
		}
	}
	cases := []struct {
		name   string
		change Change
	}{
		{"policyEdit", UpdatePolicyChange(edited)},
		{"assignLargeGroup", AssignPolicyChange(overlay.ID, append(overlay.Assignments, policy.Include(group))...)},
		{"ruleChange", SetGroupRuleChange(ruleGroup, `(device.deviceOSType -eq "Windows") -and (device.extensionAttribute1 -in ["AMS", "NYC", "LON", "SIN", "BER", "PAR"])`)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var imp *Impact
			b.ReportAllocs()
			cpu0, cpuOK := processCPU()
			n := 0
			for b.Loop() {
				var err error
				if imp, err = svc.Simulate(ctx, c.change); err != nil {
					b.Fatal(err)
				}
				n++
			}
			// On a shared machine the wall time per operation says more
			// about the neighbours than about Simulate: the process's CPU
			// time (every thread, the collector's included) is reported too.
			if cpu1, ok := processCPU(); ok && cpuOK && n > 0 {
				b.ReportMetric(float64(cpu1-cpu0)/float64(n), "cpu-ns/op")
			}
			settings := 0
			for _, d := range imp.Devices {
				settings += len(d.Settings)
			}
			b.ReportMetric(float64(imp.Evaluated), "evaluated")
			b.ReportMetric(float64(len(imp.Devices)), "changed")
			b.ReportMetric(float64(settings), "settingChanges")
		})
	}
}
