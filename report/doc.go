// Package report turns stored statuses into the views an administrator
// reads: the status of each policy and setting on each device, rolled up
// with a fixed precedence so that counts add up, and exports them as CSV
// and as JSON in the shape of Microsoft Graph's reports, with Intune's
// column names.
//
// # Main types
//
// Status is the vocabulary shared by the merge, the device reports and the
// views; RollUp gives a policy's status on a device from its settings'
// (error > conflict > pending > succeeded; notApplicable only when every
// setting is). The input records hold no I/O: a Device (id, name, platform,
// managed by, enrollment status, last check-in), a Policy (id, name,
// platform, type, template) and a DeviceRecord, a device with the
// PolicyState of every policy assigned to it and each policy's
// SettingStates (status, value, error code and message, the other policies
// that manage the setting).
//
// States builds a device's PolicyStates from a *conflict.Result, the
// device's per-setting results (succeeded, error with a code and message,
// notApplicable) and whether those results are for the current
// configuration version: the merge decides conflict and notApplicable;
// a delivered setting is pending until the device reports the current
// version, then takes the results reported for it and for the settings
// below it.
//
// # Views
//
// Every view reads devices from an iter.Seq[*DeviceRecord], one at a time,
// and keeps only aggregates; lists are streamed out as iterators. Memory
// does not grow with the fleet (a million devices stream through in
// constant memory; see the tests). Each view counts a device once per row
// family, so its counts add up:
//
//   - PolicyAggregates: per policy, devices by status; PolicyDevices: a
//     policy's devices with status and last report.
//   - SettingSummaries: per setting of a policy, devices by status.
//   - DevicePolicies and DeviceSettings: one device, every policy and every
//     setting with state, value and the other policies managing it.
//   - ConflictSummaries: Graph's deviceConfigurationConflictSummary, from the
//     stored conflicts (via conflict.Summaries).
//   - ManagedByBreakdown (MDE, Intune, ConfigMgr, Co-managed, Unknown),
//     EnrollmentBreakdown (every enrollment.Status) with FailedDevices,
//     CheckInFreshness (current, stale, never) with StaleDevices.
//
// # Export
//
// Every view has a Table constructor (PolicyAggregatesTable, ...); a Table
// writes CSV (a header of column names) and the Graph reports JSON shape
// {"Schema": [{"Column", "PropertyType"}], "Values": [[...]],
// "TotalRowCount"}. Status.ReportStatus gives the ReportStatus text
// (Succeeded, Error, Conflict, Pending, Not applicable) and
// Status.PolicyStatus the numeric PolicyStatus.
//
// # Concurrency and errors
//
// The package is pure: no I/O beyond the io.Writer given to an export, no
// goroutines, no clock (times come in as values). Views never modify their
// input. A device report with a status a device cannot report (conflict,
// pending, anything undeclared) or without a setting id is a *ReportError
// wrapping ErrInvalidReport, and nothing is built from it.
//
// # Choices where the specification is silent
//
//   - PolicyStatus: only 2 = succeeded is confirmed from the service; the
//     others follow Graph's complianceStatus: notApplicable 1, error 5,
//     conflict 6, pending 0 (unknown).
//   - The JSON export streams its rows, so TotalRowCount is written after
//     Values; times are RFC 3339 in UTC (null when zero); lists are arrays
//     in JSON and ";"-joined in CSV.
//   - Per-setting views add NumberOfInProgressDevices and
//     NumberOfNotApplicableDevices to Intune's columns so that a row adds
//     up; the device drill-down adds OtherPolicyIds, which Intune shows but
//     does not export, and writes the status text in SettingStatus_loc and
//     the error message in StateDetails.
//   - A setting key takes the device's results for itself and for the
//     settings below it: an error anywhere is an error, notApplicable only
//     when everything reported is. A policy without settings is succeeded
//     once the device reported the current version. A device report for an
//     older version keeps no LastReported time.
//   - Unknown managed-by values count as Unknown; unknown enrollment
//     statuses get a row of their own, "unknown", so the breakdown still adds
//     up. A device is stale after more than three 90-minute intervals
//     without a check-in (DefaultStaleness; Staleness is configurable).
//   - Policies a device names that the caller did not list are shown with
//     their id only.
package report
