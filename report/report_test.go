package report_test

import (
	"bytes"
	"errors"
	"flag"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	rt  = "device_vendor_msft_policy_config_defender_allowrealtimemonitoring"
	cl  = "device_vendor_msft_policy_config_defender_cloudblocklevel"
	ep  = "device_vendor_msft_policy_config_defender_excludedpaths"
	fw  = "vendor_msft_firewall_mdmstore_domainprofile_enablefirewall"
	din = "vendor_msft_firewall_mdmstore_domainprofile_defaultinboundaction"
	avT = "804339ad-1553-4478-a742-138fb5807418_1"
	exT = "45fea5e9-280d-4da1-9792-fb5736da0ca9_1"
	fwT = "6078910e-d808-4a9f-a51d-1b8a7bacb7c0_1"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func mustPolicy(t testing.TB, id, tmpl, name string, settings ...*policy.SettingInstance) *policy.Policy {
	t.Helper()
	p, err := policy.NewPolicy(policy.Builtin(), tmpl, name, settings...)
	if err != nil {
		t.Fatal(err)
	}
	p.ID = id
	return p
}

// fleetPolicies: two antivirus policies that agree on real-time protection
// and disagree on cloud block level, an exclusions policy, and a firewall
// policy.
func fleetPolicies(t testing.TB) []*policy.Policy {
	return []*policy.Policy{
		mustPolicy(t, "av-baseline", avT, "AV baseline",
			policy.Choice(rt, rt+"_1"), policy.Choice(cl, cl+"_2")),
		mustPolicy(t, "av-strict", avT, "AV strict",
			policy.Choice(rt, rt+"_1"), policy.Choice(cl, cl+"_6")),
		mustPolicy(t, "ex-erp", exT, "ERP exclusions", policy.Strings(ep, `C:\ERP\Data`)),
		mustPolicy(t, "fw-domain", fwT, "Domain firewall",
			policy.Choice(fw, fw+"_true", policy.Choice(din, din+"_1"))),
	}
}

func reportPolicies(t testing.TB) []report.Policy {
	var out []report.Policy
	for _, p := range fleetPolicies(t) {
		out = append(out, report.PolicyFrom(policy.Builtin(), p))
	}
	return out
}

// fleet builds five devices: one that reported everything fine except a
// firewall error, one whose report is for an older version, one that
// never reported, a Linux device (every policy not applicable) and a
// device that only got the exclusions and reported it.
func fleet(t testing.TB) []*report.DeviceRecord {
	t.Helper()
	m, err := conflict.New(policy.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	pols := fleetPolicies(t)
	win := conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}}
	merge := func(d conflict.Device, ps []*policy.Policy) *conflict.Result {
		res, err := m.Merge(d, ps)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	states := func(res *conflict.Result, rs []report.SettingResult, current bool, at time.Time) []report.PolicyState {
		st, err := report.States(res, rs, current, at)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	all := merge(win, pols)
	ok := []report.SettingResult{{SettingID: rt, Status: report.StatusSucceeded}, {SettingID: ep, Status: report.StatusSucceeded},
		{SettingID: fw, Status: report.StatusSucceeded}, {SettingID: din, Status: report.StatusError, ErrorCode: -2016281112, ErrorMessage: "Remediation failed"}}
	linux := merge(conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceLinux}}, pols)
	exOnly := merge(win, pols[2:3])
	return []*report.DeviceRecord{
		{Device: report.Device{ID: "d1", Name: "WS-0001", Platform: policy.DeviceWindows, ManagedBy: enrollment.ManagedByMDE,
			Enrollment: enrollment.StatusSuccess, LastCheckIn: t0.Add(-30 * time.Minute)},
			Policies: states(all, ok, true, t0.Add(-30*time.Minute))},
		{Device: report.Device{ID: "d2", Name: "WS-0002", Platform: policy.DeviceWindows, ManagedBy: enrollment.ManagedByMDE,
			Enrollment: enrollment.StatusSuccess, LastCheckIn: t0.Add(-6 * time.Hour)},
			Policies: states(all, ok, false, time.Time{})},
		{Device: report.Device{ID: "d3", Name: "WS-0003", Platform: policy.DeviceWindows, ManagedBy: enrollment.ManagedByCoManaged,
			Enrollment: enrollment.StatusConnectivityIssue},
			Policies: states(all, nil, false, time.Time{})},
		{Device: report.Device{ID: "d4", Name: "srv-linux-01", Platform: policy.DeviceLinux, ManagedBy: enrollment.ManagedByMDE,
			Enrollment: enrollment.StatusSuccess, LastCheckIn: t0.Add(-10 * time.Minute)},
			Policies: states(linux, nil, true, t0.Add(-10*time.Minute))},
		{Device: report.Device{ID: "d5", Name: "WS-0005", Platform: policy.DeviceWindows, ManagedBy: "",
			Enrollment: "", LastCheckIn: t0.Add(-2 * time.Hour)},
			Policies: states(exOnly, []report.SettingResult{{SettingID: ep, Status: report.StatusSucceeded}}, true, t0.Add(-2*time.Hour))},
	}
}

func seq(recs []*report.DeviceRecord) iter.Seq[*report.DeviceRecord] { return slices.Values(recs) }

func state(t *testing.T, rec *report.DeviceRecord, policyID string) report.PolicyState {
	t.Helper()
	for _, ps := range rec.Policies {
		if ps.PolicyID == policyID {
			return ps
		}
	}
	t.Fatalf("%s has no state for %s", rec.Device.ID, policyID)
	return report.PolicyState{}
}

func setting(t *testing.T, ps report.PolicyState, id string) report.SettingState {
	t.Helper()
	for _, s := range ps.Settings {
		if s.SettingID == id {
			return s
		}
	}
	t.Fatalf("%s has no setting %s", ps.PolicyID, id)
	return report.SettingState{}
}

func TestStates(t *testing.T) {
	f := fleet(t)
	d1, d2, d3, d4 := f[0], f[1], f[2], f[3]

	// d1: the conflict comes from the merge, the error from the device.
	if got := state(t, d1, "av-baseline"); got.Status != report.StatusConflict {
		t.Errorf("d1 av-baseline = %s, want conflict", got.Status)
	}
	if s := setting(t, state(t, d1, "av-baseline"), cl); s.Status != report.StatusConflict || !slices.Equal(s.OtherPolicies, []string{"av-strict"}) {
		t.Errorf("d1 cloud block level = %+v", s)
	}
	if s := setting(t, state(t, d1, "av-baseline"), rt); s.Status != report.StatusSucceeded || s.Value != rt+"_1" {
		t.Errorf("d1 real-time = %+v", s)
	}
	fwState := state(t, d1, "fw-domain")
	if fwState.Status != report.StatusError {
		t.Errorf("d1 firewall = %s, want error", fwState.Status)
	}
	if s := setting(t, fwState, fw); s.ErrorCode != -2016281112 || s.ErrorMessage != "Remediation failed" {
		t.Errorf("d1 firewall error = %+v", s)
	}
	if got := state(t, d1, "ex-erp").Status; got != report.StatusSucceeded {
		t.Errorf("d1 exclusions = %s", got)
	}
	// d2: a report for an older version leaves every delivered setting
	// pending; the conflict still shows.
	if got := state(t, d2, "ex-erp").Status; got != report.StatusPending {
		t.Errorf("d2 exclusions = %s, want pending", got)
	}
	if got := state(t, d2, "av-strict").Status; got != report.StatusConflict {
		t.Errorf("d2 av-strict = %s, want conflict", got)
	}
	if !state(t, d2, "ex-erp").LastReported.IsZero() {
		t.Error("d2 has a last report time for an old report")
	}
	// d3: never reported.
	if got := state(t, d3, "fw-domain").Status; got != report.StatusPending {
		t.Errorf("d3 firewall = %s, want pending", got)
	}
	// d4: Linux: nothing applies.
	for _, ps := range d4.Policies {
		if ps.Status != report.StatusNotApplicable {
			t.Errorf("d4 %s = %s, want notApplicable", ps.PolicyID, ps.Status)
		}
	}
}

func TestStatesPrecedence(t *testing.T) {
	m, _ := conflict.New(policy.Builtin())
	p := mustPolicy(t, "p", avT, "P", policy.Choice(rt, rt+"_1"), policy.Choice(cl, cl+"_2"),
		policy.Choice("device_vendor_msft_policy_config_defender_allowintrusionpreventionsystem", "device_vendor_msft_policy_config_defender_allowintrusionpreventionsystem_1"))
	q := mustPolicy(t, "q", avT, "Q", policy.Choice(cl, cl+"_4"))
	res, err := m.Merge(conflict.Device{}, []*policy.Policy{p, q})
	if err != nil {
		t.Fatal(err)
	}
	S, E, N := report.StatusSucceeded, report.StatusError, report.StatusNotApplicable
	cases := []struct {
		name    string
		results []report.SettingResult
		current bool
		want    report.Status
	}{
		{"error beats conflict", []report.SettingResult{{SettingID: rt, Status: E}}, true, report.StatusError},
		{"conflict beats succeeded", []report.SettingResult{{SettingID: rt, Status: S}}, true, report.StatusConflict},
		{"conflict beats pending", nil, true, report.StatusConflict},
		{"old report: conflict beats pending", []report.SettingResult{{SettingID: rt, Status: E}}, false, report.StatusConflict},
		{"device not applicable does not hide conflict", []report.SettingResult{{SettingID: rt, Status: N}}, true, report.StatusConflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := report.States(res, c.results, c.current, t0)
			if err != nil {
				t.Fatal(err)
			}
			if st[0].PolicyID != "p" || st[0].Status != c.want {
				t.Errorf("%s = %s, want %s", st[0].PolicyID, st[0].Status, c.want)
			}
		})
	}
	// Without the conflict: q alone.
	res2, _ := m.Merge(conflict.Device{}, []*policy.Policy{q})
	for _, c := range []struct {
		name    string
		results []report.SettingResult
		current bool
		want    report.Status
	}{
		{"succeeded", []report.SettingResult{{SettingID: cl, Status: S}}, true, S},
		{"error", []report.SettingResult{{SettingID: cl, Status: E, ErrorCode: 1}}, true, E},
		{"not applicable on the device", []report.SettingResult{{SettingID: cl, Status: N}}, true, N},
		{"not reported yet", nil, true, report.StatusPending},
		{"old version", []report.SettingResult{{SettingID: cl, Status: S}}, false, report.StatusPending},
	} {
		t.Run("single/"+c.name, func(t *testing.T) {
			st, err := report.States(res2, c.results, c.current, t0)
			if err != nil {
				t.Fatal(err)
			}
			if st[0].Status != c.want {
				t.Errorf("status = %s, want %s", st[0].Status, c.want)
			}
		})
	}
}

func TestStatesRefusesBadReports(t *testing.T) {
	m, _ := conflict.New(policy.Builtin())
	res, _ := m.Merge(conflict.Device{}, fleetPolicies(t)[:1])
	for _, bad := range [][]report.SettingResult{
		{{SettingID: rt, Status: report.StatusConflict}},
		{{SettingID: rt, Status: report.StatusPending}},
		{{SettingID: rt, Status: "Succeeded"}},
		{{Status: report.StatusSucceeded}},
	} {
		_, err := report.States(res, bad, true, t0)
		var re *report.ReportError
		if !errors.As(err, &re) || !errors.Is(err, report.ErrInvalidReport) {
			t.Errorf("%+v: error %v, want a *ReportError", bad, err)
		}
	}
	if _, err := report.States(nil, nil, true, t0); err == nil {
		t.Error("nil result accepted")
	}
}

func TestViewsAddUp(t *testing.T) {
	f := fleet(t)
	pols := reportPolicies(t)
	n := len(f)
	aggs := report.PolicyAggregates(pols, seq(f))
	for _, a := range aggs {
		assigned := 0
		for _, d := range f {
			for _, ps := range d.Policies {
				if ps.PolicyID == a.Policy.ID {
					assigned++
				}
			}
		}
		if a.Total() != assigned {
			t.Errorf("%s: counts add up to %d, %d devices have it", a.Policy.ID, a.Total(), assigned)
		}
		rows := 0
		for range report.PolicyDevices(a.Policy, seq(f)) {
			rows++
		}
		if rows != assigned {
			t.Errorf("%s: %d device rows, want %d", a.Policy.ID, rows, assigned)
		}
		for _, s := range report.SettingSummaries(a.Policy, seq(f)) {
			if s.Total() > assigned {
				t.Errorf("%s/%s: %d > %d devices", a.Policy.ID, s.SettingID, s.Total(), assigned)
			}
		}
	}
	for name, counts := range map[string][]report.Count{
		"managed by": report.ManagedByBreakdown(seq(f)),
		"enrollment": report.EnrollmentBreakdown(seq(f)),
		"freshness":  report.CheckInFreshness(report.DefaultStaleness(t0), seq(f)),
	} {
		sum := 0
		for _, c := range counts {
			sum += c.Devices
		}
		if sum != n {
			t.Errorf("%s: counts add up to %d, want %d", name, sum, n)
		}
	}
	if got := len(report.EnrollmentBreakdown(seq(f))); got != len(enrollment.Statuses())+1 {
		t.Errorf("enrollment rows = %d, want every status and unknown", got)
	}
}

func TestViews(t *testing.T) {
	f := fleet(t)
	pols := reportPolicies(t)
	aggs := report.PolicyAggregates(pols, seq(f))
	want := map[string][5]int{ // succeeded, error, conflict, pending, notApplicable
		"av-baseline": {0, 0, 3, 0, 1},
		"av-strict":   {0, 0, 3, 0, 1},
		"ex-erp":      {2, 0, 0, 2, 1},
		"fw-domain":   {0, 1, 0, 2, 1},
	}
	for _, a := range aggs {
		got := [5]int{a.Succeeded, a.Error, a.Conflict, a.Pending, a.NotApplicable}
		if got != want[a.Policy.ID] {
			t.Errorf("%s = %v, want %v", a.Policy.ID, got, want[a.Policy.ID])
		}
	}
	var failed []string
	for d := range report.FailedDevices(seq(f)) {
		failed = append(failed, d.ID)
	}
	if !slices.Equal(failed, []string{"d3"}) {
		t.Errorf("failed devices = %v", failed)
	}
	var stale []string
	for d := range report.StaleDevices(report.DefaultStaleness(t0), seq(f)) {
		stale = append(stale, d.ID)
	}
	if !slices.Equal(stale, []string{"d2", "d3"}) {
		t.Errorf("stale devices = %v", stale)
	}
	mb := report.ManagedByBreakdown(seq(f))
	if mb[0] != (report.Count{Value: "MDE", Devices: 3}) || mb[4] != (report.Count{Value: "Unknown", Devices: 1}) {
		t.Errorf("managed by = %v", mb)
	}
	sums := report.ConflictSummaries(pols, seq(f))
	if len(sums) != 1 || sums[0].ID != "av-baseline_av-strict" || sums[0].DeviceCheckinsImpacted != 3 ||
		!slices.Equal(sums[0].ContributingSettings, []string{cl}) || sums[0].ConflictingDeviceConfigurations[1].DisplayName != "AV strict" {
		t.Errorf("conflict summaries = %+v", sums)
	}
	rows := report.DeviceSettings(f[0], pols)
	found := false
	for _, r := range rows {
		if r.Policy.ID == "av-strict" && r.Setting.SettingID == cl {
			found = slices.Equal(r.Setting.OtherPolicies, []string{"av-baseline"}) && r.Setting.Value == cl+"_6"
		}
	}
	if !found {
		t.Errorf("device view lacks the conflicting setting with its other policy: %+v", rows)
	}
}

// TestGolden exports every view of the fleet as CSV and JSON and compares
// with testdata/golden (go test ./report -update rewrites them).
func TestGolden(t *testing.T) {
	f := fleet(t)
	pols := reportPolicies(t)
	tables := map[string]report.Table{
		"policy-aggregates":  report.PolicyAggregatesTable(report.PolicyAggregates(pols, seq(f))),
		"policy-devices":     report.PolicyDevicesTable(report.PolicyDevices(pols[3], seq(f))),
		"setting-summaries":  report.SettingSummariesTable(report.SettingSummaries(pols[0], seq(f))),
		"device-policies":    report.DevicePoliciesTable(report.DevicePolicies(f[0], pols)),
		"device-settings":    report.DeviceSettingsTable(report.DeviceSettings(f[0], pols)),
		"conflict-summaries": report.ConflictSummariesTable(report.ConflictSummaries(pols, seq(f))),
		"managed-by":         report.CountsTable("ManagedBy", report.ManagedByBreakdown(seq(f))),
		"enrollment":         report.CountsTable("EnrollmentStatus", report.EnrollmentBreakdown(seq(f))),
		"failed-devices":     report.DevicesTable(report.FailedDevices(seq(f))),
		"freshness":          report.CountsTable("CheckInStatus", report.CheckInFreshness(report.DefaultStaleness(t0), seq(f))),
		"stale-devices":      report.DevicesTable(report.StaleDevices(report.DefaultStaleness(t0), seq(f))),
	}
	for name, tab := range tables {
		for _, format := range []string{"csv", "json"} {
			t.Run(name+"."+format, func(t *testing.T) {
				var buf bytes.Buffer
				var err error
				if format == "csv" {
					err = tab.WriteCSV(&buf)
				} else {
					err = tab.WriteJSON(&buf)
				}
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "golden", name+"."+format)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./report -update)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%s differs from the golden file:\n%s\nwant:\n%s", path, buf.Bytes(), want)
				}
			})
		}
	}
}

// TestStreamingMemory streams a million devices through the aggregate views
// and an export and checks that the heap does not grow with the fleet.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("a million devices")
	}
	const n = 1_000_000
	base := fleet(t)
	devices := func(yield func(*report.DeviceRecord) bool) {
		rec := &report.DeviceRecord{}
		for i := 0; i < n; i++ {
			src := base[i%len(base)]
			rec.Device = src.Device
			rec.Policies = src.Policies
			if !yield(rec) {
				return
			}
		}
	}
	pols := reportPolicies(t)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	aggs := report.PolicyAggregates(pols, devices)
	_ = report.SettingSummaries(pols[0], devices)
	_ = report.ConflictSummaries(pols, devices)
	_ = report.ManagedByBreakdown(devices)
	if err := report.PolicyDevicesTable(report.PolicyDevices(pols[0], devices)).WriteCSV(discard{}); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if aggs[0].Total() != n/len(base)*(len(base)-1) { // d5 lacks av-baseline
		t.Fatalf("aggregate counted %d devices", aggs[0].Total())
	}
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap growth after streaming %d devices: %d bytes", n, growth)
	if growth > 1<<20 {
		t.Errorf("heap grew by %d bytes: the views keep per-device data", growth)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
