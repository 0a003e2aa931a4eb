package scale

import (
	"context"
	"testing"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
)

// TestSmoke runs what the benchmarks measure on a small fleet, so that a
// change elsewhere that breaks a benchmark fails `go test` instead of the
// next benchmark run, and checks that the three ways of merging the fleet
// give every device the same configuration.
func TestSmoke(t *testing.T) {
	const n = 400
	fd, x := fleetOf(t, n), indexOf(t, n)
	if d := x.Recompute(); !d.Empty() {
		t.Fatal("recomputing a fresh index changed memberships")
	}
	if changes := attributeChanges(fd, 10); len(changes) == 0 {
		t.Fatal("no attribute changes")
	} else {
		c := changes[0]
		x.UpsertDevice(c.key, c.after)
		x.UpsertDevice(c.key, c.before)
	}

	m, err := conflict.New(fd.fleet.Options.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	every := computeEffective(t, fd, x, m, mergeEvery)
	prepared := computeEffective(t, fd, x, m, mergePrepared)
	memo := computeEffective(t, fd, x, m, mergeMemo)
	if every.merged == 0 || len(memo.results) >= every.merged {
		t.Fatalf("%d devices merged, %d distinct merges", every.merged, len(memo.results))
	}
	for i := range fd.devices {
		a, b, c := every.device[i], prepared.device[i], memo.device[i]
		if (a < 0) != (b < 0) || (a < 0) != (c < 0) {
			t.Fatalf("device %d: enrolled in one mode only", i)
		}
		if a < 0 {
			continue
		}
		va, vb, vc := every.results[a].Version, prepared.results[b].Version, memo.results[c].Version
		if va != vb || va != vc {
			t.Errorf("device %d: versions %s (Merge), %s (MergePrepared), %s (shared)", i, va, vb, vc)
		}
	}

	recs := recordsOf(t, n)
	pols := make([]report.Policy, len(fd.fleet.Policies))
	for i, p := range fd.fleet.Policies {
		pols[i] = report.PolicyFrom(fd.fleet.Options.Catalog, p)
	}
	if sums := report.ConflictSummaries(pols, seqOf(recs)); len(sums) == 0 {
		t.Error("the fleet has no conflicts")
	}

	sd := serviceOf(t, n)
	if len(sd.ids) == 0 || sd.heapPerDevice <= 0 {
		t.Fatalf("service of %d enrolled devices, %.0f B/device", len(sd.ids), sd.heapPerDevice)
	}
	ctx := context.Background()
	resp, err := sd.svc.Transport(transport.Credential{DeviceID: sd.ids[0], Secret: sd.secrets[0]}).
		CheckIn(ctx, transport.CheckIn{DeviceID: sd.ids[0], ConfigurationVersion: sd.versions[0]})
	if err != nil || !resp.NotModified {
		t.Fatalf("check-in with the current version: %+v, %v", resp, err)
	}
	if _, err := sd.svc.PolicyReport(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sd.svc.EnrollmentReport(ctx); err != nil {
		t.Fatal(err)
	}
}
