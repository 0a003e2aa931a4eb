package scale

import (
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/internal/fleetgen"
	"github.com/secmgmt/secmgmt/report"
)

// What devices report: most report every delivered setting succeeded for
// the current configuration, one in fifty has not reported it yet
// (pending), one in ninety-seven failed to apply a setting.
const (
	reportCurrent = iota
	reportPending
	reportError
)

func reportKind(i int) int {
	switch {
	case i%50 == 7:
		return reportPending
	case i%97 == 3:
		return reportError
	}
	return reportCurrent
}

// deviceResults returns what a device reports for the merge res.
func deviceResults(res *conflict.Result, kind int) []report.SettingResult {
	var out []report.SettingResult
	seen := map[string]bool{}
	for _, o := range res.Outcomes() {
		if o.Outcome != conflict.OutcomeSucceeded || seen[o.SettingID] {
			continue
		}
		seen[o.SettingID] = true
		r := report.SettingResult{SettingID: o.SettingID, Status: report.StatusSucceeded}
		if kind == reportError && len(out) == 0 {
			r = report.SettingResult{SettingID: o.SettingID, Status: report.StatusError, ErrorCode: -2016281112, ErrorMessage: "Remediation failed"}
		}
		out = append(out, r)
	}
	return out
}

// enrollmentStatus returns the status the portals show for a device that
// reached its expected state.
func enrollmentStatus(d *fleetgen.Device) (enrollment.Status, enrollment.ManagedBy) {
	f := d.Facts
	switch d.Expected {
	case enrollment.StateEnrolled:
		return enrollment.StatusSuccess, enrollment.ManagedByMDE
	case enrollment.StateManagedByMDM:
		if f.ConfigMgrClient {
			return enrollment.StatusManagedByMDM, enrollment.ManagedByCoManaged
		}
		return enrollment.StatusManagedByMDM, enrollment.ManagedByIntune
	}
	mb := enrollment.ManagedByUnknown
	if f.ConfigMgrClient {
		mb = enrollment.ManagedByConfigMgr
	}
	switch d.Expected {
	case enrollment.StateManagedByConfigMgr:
		return enrollment.StatusManagedByConfigMgr, mb
	case enrollment.StateNotSupported:
		return enrollment.StatusNotSupported, mb
	case enrollment.StateFailed:
		if s, ok := f.Fault.Status(); ok {
			return s, mb
		}
		return enrollment.StatusGeneralError, mb
	}
	return enrollment.StatusNotEnrolled, mb
}

// records returns one report record per device of the fleet: the device,
// its enrollment, and for an enrolled device the state of every policy
// assigned to it, from its merge and what it reported. Devices with the
// same merge and report share their policy states.
func records(tb testing.TB, fd *fleetData, e *effective, now time.Time) []*report.DeviceRecord {
	type key struct {
		res  int32
		kind int
	}
	states := map[key][]report.PolicyState{}
	out := make([]*report.DeviceRecord, len(fd.devices))
	for i := range fd.devices {
		d := &fd.devices[i]
		status, managedBy := enrollmentStatus(d)
		rec := &report.DeviceRecord{Device: report.Device{ID: d.ID, Name: d.Name, Platform: d.Class().Platform,
			ManagedBy: managedBy, Enrollment: status}}
		if r := e.device[i]; r >= 0 {
			rec.Device.LastCheckIn = now.Add(-time.Duration(i%5400) * time.Second)
			if i%200 == 11 {
				rec.Device.LastCheckIn = now.Add(-30 * time.Hour) // stale
			}
			k := key{r, reportKind(i)}
			ps, ok := states[k]
			if !ok {
				res := e.results[r]
				var err error
				ps, err = report.States(res, deviceResults(res, k.kind), k.kind != reportPending, now)
				if err != nil {
					tb.Fatal(err)
				}
				states[k] = ps
			}
			rec.Policies = ps
		}
		out[i] = rec
	}
	return out
}

var (
	recordsMu    sync.Mutex
	recordsCache = map[int][]*report.DeviceRecord{}
)

func recordsOf(tb testing.TB, n int) []*report.DeviceRecord {
	fd, e := fleetOf(tb, n), effectiveOf(tb, n)
	recordsMu.Lock()
	defer recordsMu.Unlock()
	if r, ok := recordsCache[n]; ok {
		return r
	}
	r := records(tb, fd, e, fd.fleet.Options.Now)
	recordsCache[n] = r
	return r
}

func seqOf(recs []*report.DeviceRecord) iter.Seq[*report.DeviceRecord] {
	return func(yield func(*report.DeviceRecord) bool) {
		for _, r := range recs {
			if !yield(r) {
				return
			}
		}
	}
}

// BenchmarkReport computes the fleet-wide report over every device
// record: the per-policy status counts, the enrollment and managed-by
// breakdowns, check-in freshness and the conflict summaries (the views
// examples/fleet prints), each a pass over the records; view=all runs them
// all.
func BenchmarkReport(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		fd := fleetOf(b, n)
		recs := recordsOf(b, n)
		pols := make([]report.Policy, len(fd.fleet.Policies))
		for i, p := range fd.fleet.Policies {
			pols[i] = report.PolicyFrom(fd.fleet.Options.Catalog, p)
		}
		seq := seqOf(recs)
		stale := report.DefaultStaleness(fd.fleet.Options.Now)
		views := []struct {
			name string
			run  func()
		}{
			{"policies", func() {
				if aggs := report.PolicyAggregates(pols, seq); len(aggs) != len(pols) {
					b.Fatalf("%d aggregates for %d policies", len(aggs), len(pols))
				}
			}},
			{"enrollment", func() { report.EnrollmentBreakdown(seq) }},
			{"managedBy", func() { report.ManagedByBreakdown(seq) }},
			{"freshness", func() { report.CheckInFreshness(stale, seq) }},
			{"conflicts", func() {
				if sums := report.ConflictSummaries(pols, seq); len(sums) == 0 {
					b.Fatal("no conflict summaries")
				}
			}},
		}
		each := slices.Clone(views)
		all := func() {
			for _, v := range each {
				v.run()
			}
		}
		views = append(views, struct {
			name string
			run  func()
		}{"all", all})
		for _, v := range views {
			b.Run("view="+v.name, func(b *testing.B) {
				b.ReportAllocs()
				c0 := cpuTime()
				for b.Loop() {
					v.run()
				}
				reportCPU(b, c0, float64(len(recs))*float64(b.N), "cpu-µs/device")
				b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "devices/s")
			})
		}
	})
}
