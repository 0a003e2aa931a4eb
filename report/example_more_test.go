package report_test

import (
	"fmt"
	"log"
	"os"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
)

// printCSV writes a table as CSV to standard output.
func printCSV(t report.Table) {
	if err := t.WriteCSV(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func ExamplePolicyFrom() {
	cat := policy.Builtin()
	p, err := policy.NewPolicy(cat, avT, "AV baseline", policy.Choice(rt, rt+"_1"))
	if err != nil {
		log.Fatal(err)
	}
	p.ID = "av-baseline"
	r := report.PolicyFrom(cat, p)
	fmt.Printf("%s %q %s %q\n", r.ID, r.Name, r.Platform, r.Type)
	// Output: av-baseline "AV baseline" windows10 "Antivirus"
}

func ExamplePolicyAggregate_Total() {
	pols, devices := exampleFleet()
	a := report.PolicyAggregates(pols, slices.Values(devices))[0]
	fmt.Println(a.Policy.Name, a.Total())
	// Output: AV baseline 2
}

func ExamplePolicyAggregatesTable() {
	pols, devices := exampleFleet()
	printCSV(report.PolicyAggregatesTable(report.PolicyAggregates(pols, slices.Values(devices))))
	// Output:
	// PolicyId,PolicyName,UnifiedPolicyType,PolicyPlatformType,NumberOfCompliantDevices,NumberOfErrorDevices,NumberOfConflictDevices,NumberOfInProgressDevices,NumberOfNotApplicableDevices
	// av-baseline,AV baseline,Antivirus,windows10,0,0,2,0,0
	// av-strict,AV strict,Antivirus,windows10,0,0,2,0,0
}

func ExamplePolicyDevices() {
	pols, devices := exampleFleet()
	for row := range report.PolicyDevices(pols[1], slices.Values(devices)) {
		fmt.Println(row.Device.Name, row.Status, row.Status.PolicyStatus())
	}
	// Output:
	// WS-0001 conflict 6
	// WS-0002 conflict 6
}

func ExamplePolicyDevicesTable() {
	pols, devices := exampleFleet()
	printCSV(report.PolicyDevicesTable(report.PolicyDevices(pols[0], slices.Values(devices))))
	// Output:
	// DeviceName,IntuneDeviceId,PolicyId,PolicyName,UnifiedPolicyPlatformType,PolicyStatus,ReportStatus,PspdpuLastModifiedTimeUtc
	// WS-0001,d1,av-baseline,AV baseline,windows,6,Conflict,2026-03-02T09:00:00Z
	// WS-0002,d2,av-baseline,AV baseline,windows,6,Conflict,
}

func ExampleSettingSummaries() {
	pols, devices := exampleFleet()
	for _, s := range report.SettingSummaries(pols[0], slices.Values(devices)) {
		fmt.Printf("%s: succeeded %d, conflict %d, pending %d of %d\n", s.SettingName, s.Succeeded, s.Conflict, s.Pending, s.Total())
	}
	// Output:
	// Allow Realtime Monitoring: succeeded 1, conflict 0, pending 1 of 2
	// Cloud Block Level: succeeded 0, conflict 2, pending 0 of 2
}

func ExampleSettingSummary_Total() {
	pols, devices := exampleFleet()
	s := report.SettingSummaries(pols[0], slices.Values(devices))[0]
	fmt.Println(s.SettingName, s.Total())
	// Output: Allow Realtime Monitoring 2
}

func ExampleSettingSummariesTable() {
	pols, devices := exampleFleet()
	printCSV(report.SettingSummariesTable(report.SettingSummaries(pols[1], slices.Values(devices))))
	// Output:
	// PolicyId,SettingId,SettingName,NumberOfCompliantDevices,NumberOfErrorDevices,NumberOfConflictDevices,NumberOfInProgressDevices,NumberOfNotApplicableDevices
	// av-strict,device_vendor_msft_policy_config_defender_cloudblocklevel,Cloud Block Level,0,0,2,0,0
}

func ExampleDevicePolicies() {
	pols, devices := exampleFleet()
	for _, r := range report.DevicePolicies(devices[1], pols) {
		fmt.Println(r.Policy.Name, r.Status)
	}
	// Output:
	// AV baseline conflict
	// AV strict conflict
}

func ExampleDevicePoliciesTable() {
	pols, devices := exampleFleet()
	printCSV(report.DevicePoliciesTable(report.DevicePolicies(devices[0], pols)))
	// Output:
	// IntuneDeviceId,DeviceName,PolicyId,PolicyName,UnifiedPolicyType,PolicyStatus,ReportStatus,PspdpuLastModifiedTimeUtc
	// d1,WS-0001,av-baseline,AV baseline,Antivirus,6,Conflict,2026-03-02T09:00:00Z
	// d1,WS-0001,av-strict,AV strict,Antivirus,6,Conflict,2026-03-02T09:00:00Z
}

func ExampleDeviceSettingsTable() {
	pols, devices := exampleFleet()
	printCSV(report.DeviceSettingsTable(report.DeviceSettings(devices[0], pols)))
	// Output:
	// DeviceId,DeviceName,PolicyId,PolicyName,SettingId,SettingName,SettingStatus,SettingStatus_loc,SettingValue,ErrorCode,StateDetails,OtherPolicyIds
	// d1,WS-0001,av-baseline,AV baseline,device_vendor_msft_policy_config_defender_allowrealtimemonitoring,Allow Realtime Monitoring,2,Succeeded,device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1,0,,
	// d1,WS-0001,av-baseline,AV baseline,device_vendor_msft_policy_config_defender_cloudblocklevel,Cloud Block Level,6,Conflict,device_vendor_msft_policy_config_defender_cloudblocklevel_2,0,,av-strict
	// d1,WS-0001,av-strict,AV strict,device_vendor_msft_policy_config_defender_cloudblocklevel,Cloud Block Level,6,Conflict,device_vendor_msft_policy_config_defender_cloudblocklevel_6,0,,av-baseline
}

func ExampleConflictSummariesTable() {
	pols, devices := exampleFleet()
	printCSV(report.ConflictSummariesTable(report.ConflictSummaries(pols, slices.Values(devices))))
	// Output:
	// Id,ConflictingPolicyIds,ConflictingPolicyNames,ContributingSettings,DeviceCheckinsImpacted
	// av-baseline_av-strict,av-baseline;av-strict,AV baseline;AV strict,device_vendor_msft_policy_config_defender_cloudblocklevel,2
}

func ExampleManagedByBreakdown() {
	_, devices := exampleFleet()
	for _, c := range report.ManagedByBreakdown(slices.Values(devices)) {
		fmt.Println(c.Value, c.Devices)
	}
	// Output:
	// MDE 2
	// Intune 0
	// ConfigMgr 0
	// Co-managed 0
	// Unknown 0
}

func ExampleCountsTable() {
	_, devices := exampleFleet()
	printCSV(report.CountsTable("EnrollmentStatus", report.EnrollmentBreakdown(slices.Values(devices))))
	// Output:
	// EnrollmentStatus,NumberOfDevices
	// success,1
	// notEnrolled,0
	// managedByMDM,0
	// managedByConfigMgr,0
	// notSupported,0
	// intuneConfigurationIssue,0
	// connectivityIssue,0
	// hybridJoinFailure,0
	// tenantMismatch,0
	// scpError,0
	// certificateError,0
	// entraConnectMisconfiguration,0
	// dnsError,1
	// clockSyncIssue,0
	// mdeAndConfigMgr,0
	// generalError,0
}

func ExampleFailedDevices() {
	_, devices := exampleFleet()
	for d := range report.FailedDevices(slices.Values(devices)) {
		fmt.Println(d.ID, d.Name, d.Enrollment)
	}
	// Output: d2 WS-0002 dnsError
}

func ExampleDevicesTable() {
	_, devices := exampleFleet()
	printCSV(report.DevicesTable(report.FailedDevices(slices.Values(devices))))
	// Output:
	// IntuneDeviceId,DeviceName,Platform,ManagedBy,EnrollmentStatus,LastSyncDateTime
	// d2,WS-0002,windows,MDE,dnsError,
}

func ExampleDefaultStaleness() {
	s := report.DefaultStaleness(t0)
	fmt.Println(s.Interval, s.Intervals)
	// Output: 1h30m0s 3
}

func ExampleStaleness_Class() {
	s := report.DefaultStaleness(t0)
	for _, last := range []time.Time{t0.Add(-time.Hour), t0.Add(-5 * time.Hour), {}} {
		fmt.Println(s.Class(last))
	}
	// Output:
	// current
	// stale
	// never
}

// A day later both devices are stale or never seen.
func ExampleStaleDevices() {
	_, devices := exampleFleet()
	for d := range report.StaleDevices(report.DefaultStaleness(t0.Add(24*time.Hour)), slices.Values(devices)) {
		fmt.Println(d.Name)
	}
	// Output:
	// WS-0001
	// WS-0002
}

// The status as the portal's reports spell it, and the numeric policy
// status of Graph's device-level report.
func ExampleStatus_ReportStatus() {
	for _, s := range report.Statuses {
		fmt.Println(s, s.ReportStatus())
	}
	// Output:
	// error Error
	// conflict Conflict
	// pending Pending
	// succeeded Succeeded
	// notApplicable Not applicable
}

func ExampleStatus_PolicyStatus() {
	for _, s := range report.Statuses {
		fmt.Println(s, s.PolicyStatus())
	}
	// Output:
	// error 5
	// conflict 6
	// pending 0
	// succeeded 2
	// notApplicable 1
}
