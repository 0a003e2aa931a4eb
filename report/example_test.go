package report_test

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
)

// exampleFleet merges two antivirus policies for two devices and builds
// their states: one device reported the current version, the other not yet.
func exampleFleet() ([]report.Policy, []*report.DeviceRecord) {
	cat := policy.Builtin()
	a, _ := policy.NewPolicy(cat, avT, "AV baseline", policy.Choice(rt, rt+"_1"), policy.Choice(cl, cl+"_2"))
	b, _ := policy.NewPolicy(cat, avT, "AV strict", policy.Choice(cl, cl+"_6"))
	a.ID, b.ID = "av-baseline", "av-strict"
	res, _ := conflict.Merge(cat, []*policy.Policy{a, b})

	reported, _ := report.States(res, []report.SettingResult{{SettingID: rt, Status: report.StatusSucceeded}}, true, t0)
	waiting, _ := report.States(res, nil, false, time.Time{})
	devices := []*report.DeviceRecord{
		{Device: report.Device{ID: "d1", Name: "WS-0001", Platform: policy.DeviceWindows, ManagedBy: enrollment.ManagedByMDE,
			Enrollment: enrollment.StatusSuccess, LastCheckIn: t0}, Policies: reported},
		{Device: report.Device{ID: "d2", Name: "WS-0002", Platform: policy.DeviceWindows, ManagedBy: enrollment.ManagedByMDE,
			Enrollment: enrollment.StatusDNSError}, Policies: waiting},
	}
	return []report.Policy{report.PolicyFrom(cat, a), report.PolicyFrom(cat, b)}, devices
}

// Build the per-(device, policy) states from a merge and the device's
// results.
func ExampleStates() {
	cat := policy.Builtin()
	a, _ := policy.NewPolicy(cat, avT, "AV", policy.Choice(rt, rt+"_1"))
	a.ID = "av"
	res, _ := conflict.Merge(cat, []*policy.Policy{a})
	states, _ := report.States(res, []report.SettingResult{
		{SettingID: rt, Status: report.StatusError, ErrorCode: 0x87d1fde8, ErrorMessage: "Remediation failed"},
	}, true, t0)
	for _, ps := range states {
		fmt.Println(ps.PolicyID, ps.Status, ps.Settings[0].ErrorCode)
	}
	// Output:
	// av error 2278686184
}

// Build a per-policy report: device counts by status, then the device list
// of one policy.
func ExamplePolicyAggregates() {
	pols, devices := exampleFleet()
	for _, a := range report.PolicyAggregates(pols, slices.Values(devices)) {
		fmt.Printf("%s: succeeded %d, error %d, conflict %d, pending %d, not applicable %d\n",
			a.Policy.Name, a.Succeeded, a.Error, a.Conflict, a.Pending, a.NotApplicable)
	}
	for row := range report.PolicyDevices(pols[0], slices.Values(devices)) {
		fmt.Println(row.Device.Name, row.Status.ReportStatus())
	}
	// Output:
	// AV baseline: succeeded 0, error 0, conflict 2, pending 0, not applicable 0
	// AV strict: succeeded 0, error 0, conflict 2, pending 0, not applicable 0
	// WS-0001 Conflict
	// WS-0002 Conflict
}

// Export a view as JSON in the Graph reports shape.
func ExampleTable_WriteJSON() {
	pols, devices := exampleFleet()
	tab := report.SettingSummariesTable(report.SettingSummaries(pols[0], slices.Values(devices)))
	if err := tab.WriteJSON(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// {"Schema":[{"Column":"PolicyId","PropertyType":"String"},{"Column":"SettingId","PropertyType":"String"},{"Column":"SettingName","PropertyType":"String"},{"Column":"NumberOfCompliantDevices","PropertyType":"Int32"},{"Column":"NumberOfErrorDevices","PropertyType":"Int32"},{"Column":"NumberOfConflictDevices","PropertyType":"Int32"},{"Column":"NumberOfInProgressDevices","PropertyType":"Int32"},{"Column":"NumberOfNotApplicableDevices","PropertyType":"Int32"}],"Values":[["av-baseline","device_vendor_msft_policy_config_defender_allowrealtimemonitoring","Allow Realtime Monitoring",1,0,0,1,0],["av-baseline","device_vendor_msft_policy_config_defender_cloudblocklevel","Cloud Block Level",0,0,2,0,0]],"TotalRowCount":2}
}

// Export a view as CSV with Intune's column names.
func ExampleTable_WriteCSV() {
	_, devices := exampleFleet()
	tab := report.CountsTable("ManagedBy", report.ManagedByBreakdown(slices.Values(devices)))
	_ = tab.WriteCSV(os.Stdout)
	// Output:
	// ManagedBy,NumberOfDevices
	// MDE,2
	// Intune,0
	// ConfigMgr,0
	// Co-managed,0
	// Unknown,0
}

// A device's drill-down: every setting with its state, value and the other
// policies that manage it.
func ExampleDeviceSettings() {
	pols, devices := exampleFleet()
	for _, r := range report.DeviceSettings(devices[0], pols) {
		fmt.Println(r.Policy.ID, r.Setting.SettingName, r.Setting.Status, r.Setting.OtherPolicies)
	}
	for _, r := range report.DevicePolicies(devices[0], pols) {
		fmt.Println(r.Policy.Name, r.Status.PolicyStatus(), r.Status.ReportStatus())
	}
	// Output:
	// av-baseline Allow Realtime Monitoring succeeded []
	// av-baseline Cloud Block Level conflict [av-strict]
	// av-strict Cloud Block Level conflict [av-baseline]
	// AV baseline 6 Conflict
	// AV strict 6 Conflict
}

// Conflict summaries from stored states.
func ExampleConflictSummaries() {
	pols, devices := exampleFleet()
	for _, s := range report.ConflictSummaries(pols, slices.Values(devices)) {
		fmt.Println(s.ID, s.DeviceCheckinsImpacted, s.ConflictingDeviceConfigurations[1].DisplayName)
	}
	// Output:
	// av-baseline_av-strict 2 AV strict
}

// Enrollment breakdown and the devices that failed to enroll.
func ExampleEnrollmentBreakdown() {
	_, devices := exampleFleet()
	for _, c := range report.EnrollmentBreakdown(slices.Values(devices)) {
		if c.Devices > 0 {
			fmt.Println(c.Value, c.Devices)
		}
	}
	for d := range report.FailedDevices(slices.Values(devices)) {
		fmt.Println("failed:", d.Name)
	}
	// Output:
	// success 1
	// dnsError 1
	// failed: WS-0002
}

// Check-in freshness: devices not seen for more than three intervals.
func ExampleCheckInFreshness() {
	_, devices := exampleFleet()
	s := report.DefaultStaleness(t0.Add(2 * time.Hour))
	fmt.Println(report.CheckInFreshness(s, slices.Values(devices)))
	for d := range report.StaleDevices(s, slices.Values(devices)) {
		fmt.Println(d.Name, s.Class(d.LastCheckIn))
	}
	// Output:
	// [{current 1} {stale 0} {never 1}]
	// WS-0002 never
}
