package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
)

// PropertyType is the type of a column in the Graph reports shape.
type PropertyType string

// Property types.
const (
	TypeString   PropertyType = "String"
	TypeInt32    PropertyType = "Int32"
	TypeInt64    PropertyType = "Int64"
	TypeDateTime PropertyType = "DateTime"
)

// Column is one column of an exported view: an Intune column name and its
// type.
type Column struct {
	Column       string
	PropertyType PropertyType
}

// Table is a view ready to export: its columns and a stream of rows, each
// value a string, an int64, a time.Time or a []string. A Table built from
// an iterator is exported once for each time the iterator can be read.
type Table struct {
	Columns []Column
	Rows    iter.Seq[[]any]
}

// ReportStatus returns the status as Intune's ReportStatus column writes
// it: Succeeded, Error, Conflict, Pending or Not applicable.
func (s Status) ReportStatus() string {
	switch s {
	case StatusSucceeded:
		return "Succeeded"
	case StatusError:
		return "Error"
	case StatusConflict:
		return "Conflict"
	case StatusNotApplicable:
		return "Not applicable"
	}
	return "Pending"
}

// PolicyStatus returns the status as Intune's numeric PolicyStatus column
// writes it. Only 2 (succeeded) is confirmed from the service; the others
// follow Graph's complianceStatus enumeration: notApplicable 1, error 5,
// conflict 6, and pending as unknown 0.
func (s Status) PolicyStatus() int64 {
	switch s {
	case StatusSucceeded:
		return 2
	case StatusNotApplicable:
		return 1
	case StatusError:
		return 5
	case StatusConflict:
		return 6
	}
	return 0
}

// WriteCSV writes the table as CSV: a header of the column names, then one
// line per row. Times are RFC 3339 in UTC (empty when zero), lists are
// joined with ";".
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Column
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	line := make([]string, len(t.Columns))
	for row := range t.Rows {
		for i, v := range row {
			line[i] = csvValue(v)
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case time.Time:
		return formatTime(v)
	case []string:
		return strings.Join(v, ";")
	}
	return ""
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// WriteJSON writes the table in the Graph reports shape:
// {"Schema": [{"Column", "PropertyType"}], "Values": [[...]], "TotalRowCount"}.
// The rows are streamed, so TotalRowCount comes last (JSON objects are
// unordered; Graph writes it first). Times are RFC 3339 strings in UTC or
// null when zero; lists are JSON arrays.
func (t Table) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	schema, err := json.Marshal(t.Columns)
	if err != nil {
		return err
	}
	bw.WriteString(`{"Schema":`)
	bw.Write(schema)
	bw.WriteString(`,"Values":[`)
	n := 0
	for row := range t.Rows {
		if n > 0 {
			bw.WriteByte(',')
		}
		vals := make([]any, len(row))
		for i, v := range row {
			if tm, ok := v.(time.Time); ok {
				if tm.IsZero() {
					vals[i] = nil
				} else {
					vals[i] = formatTime(tm)
				}
				continue
			}
			vals[i] = v
		}
		data, err := json.Marshal(vals)
		if err != nil {
			return err
		}
		bw.Write(data)
		n++
	}
	bw.WriteString(`],"TotalRowCount":`)
	bw.WriteString(strconv.Itoa(n))
	bw.WriteString("}\n")
	return bw.Flush()
}

// rowsOf turns a slice into a row stream.
func rowsOf[T any](items []T, values func(T) []any) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, it := range items {
			if !yield(values(it)) {
				return
			}
		}
	}
}

// rowsFrom turns a stream into a row stream.
func rowsFrom[T any](items iter.Seq[T], values func(T) []any) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for it := range items {
			if !yield(values(it)) {
				return
			}
		}
	}
}

func col(name string, t PropertyType) Column { return Column{Column: name, PropertyType: t} }

// PolicyAggregatesTable exports the per-policy view with the columns of
// Intune's ConfigurationPolicyDeviceAggregates report.
func PolicyAggregatesTable(rows []PolicyAggregate) Table {
	return Table{
		Columns: []Column{col("PolicyId", TypeString), col("PolicyName", TypeString), col("UnifiedPolicyType", TypeString),
			col("PolicyPlatformType", TypeString), col("NumberOfCompliantDevices", TypeInt32), col("NumberOfErrorDevices", TypeInt32),
			col("NumberOfConflictDevices", TypeInt32), col("NumberOfInProgressDevices", TypeInt32), col("NumberOfNotApplicableDevices", TypeInt32)},
		Rows: rowsOf(rows, func(a PolicyAggregate) []any {
			return []any{a.Policy.ID, a.Policy.Name, a.Policy.Type, a.Policy.Platform.String(), int64(a.Succeeded), int64(a.Error),
				int64(a.Conflict), int64(a.Pending), int64(a.NotApplicable)}
		}),
	}
}

// PolicyDevicesTable exports a policy's device list with the columns of
// Intune's DeviceStatusesByConfigurationProfile report.
func PolicyDevicesTable(rows iter.Seq[PolicyDeviceRow]) Table {
	return Table{
		Columns: []Column{col("DeviceName", TypeString), col("IntuneDeviceId", TypeString), col("PolicyId", TypeString),
			col("PolicyName", TypeString), col("UnifiedPolicyPlatformType", TypeString), col("PolicyStatus", TypeInt32),
			col("ReportStatus", TypeString), col("PspdpuLastModifiedTimeUtc", TypeDateTime)},
		Rows: rowsFrom(rows, func(r PolicyDeviceRow) []any {
			return []any{r.Device.Name, r.Device.ID, r.Policy.ID, r.Policy.Name, string(r.Device.Platform),
				r.Status.PolicyStatus(), r.Status.ReportStatus(), r.LastReported}
		}),
	}
}

// SettingSummariesTable exports a policy's per-setting view with the
// columns of Intune's PerSettingSummaryByDeviceConfigurationPolicy report,
// plus the pending and not applicable counts so that a row adds up.
func SettingSummariesTable(rows []SettingSummary) Table {
	return Table{
		Columns: []Column{col("PolicyId", TypeString), col("SettingId", TypeString), col("SettingName", TypeString),
			col("NumberOfCompliantDevices", TypeInt32), col("NumberOfErrorDevices", TypeInt32), col("NumberOfConflictDevices", TypeInt32),
			col("NumberOfInProgressDevices", TypeInt32), col("NumberOfNotApplicableDevices", TypeInt32)},
		Rows: rowsOf(rows, func(s SettingSummary) []any {
			return []any{s.PolicyID, s.SettingID, s.SettingName, int64(s.Succeeded), int64(s.Error), int64(s.Conflict),
				int64(s.Pending), int64(s.NotApplicable)}
		}),
	}
}

// DevicePoliciesTable exports a device's policy list with the columns of
// Intune's report of the policies of a device.
func DevicePoliciesTable(rows []DevicePolicyRow) Table {
	return Table{
		Columns: []Column{col("IntuneDeviceId", TypeString), col("DeviceName", TypeString), col("PolicyId", TypeString),
			col("PolicyName", TypeString), col("UnifiedPolicyType", TypeString), col("PolicyStatus", TypeInt32),
			col("ReportStatus", TypeString), col("PspdpuLastModifiedTimeUtc", TypeDateTime)},
		Rows: rowsOf(rows, func(r DevicePolicyRow) []any {
			return []any{r.Device.ID, r.Device.Name, r.Policy.ID, r.Policy.Name, r.Policy.Type,
				r.Status.PolicyStatus(), r.Status.ReportStatus(), r.LastReported}
		}),
	}
}

// DeviceSettingsTable exports a device's per-setting view with the columns
// of Intune's DevicePolicySettingsComplianceReport (SettingStatus numeric
// as PolicyStatus, its text in SettingStatus_loc, the error message in
// StateDetails) and OtherPolicyIds, the other policies that manage the
// setting, which that report does not have.
func DeviceSettingsTable(rows []DeviceSettingRow) Table {
	return Table{
		Columns: []Column{col("DeviceId", TypeString), col("DeviceName", TypeString), col("PolicyId", TypeString),
			col("PolicyName", TypeString), col("SettingId", TypeString), col("SettingName", TypeString),
			col("SettingStatus", TypeInt32), col("SettingStatus_loc", TypeString), col("SettingValue", TypeString),
			col("ErrorCode", TypeInt64), col("StateDetails", TypeString), col("OtherPolicyIds", TypeString)},
		Rows: rowsOf(rows, func(r DeviceSettingRow) []any {
			s := r.Setting
			return []any{r.Device.ID, r.Device.Name, r.Policy.ID, r.Policy.Name, s.SettingID, s.SettingName,
				s.Status.PolicyStatus(), s.Status.ReportStatus(), s.Value, s.ErrorCode, s.ErrorMessage, nonNil(s.OtherPolicies)}
		}),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ConflictSummariesTable exports conflict summaries, one row per set of
// conflicting policies, with the members of Graph's
// deviceConfigurationConflictSummary as columns.
func ConflictSummariesTable(rows []conflict.Summary) Table {
	return Table{
		Columns: []Column{col("Id", TypeString), col("ConflictingPolicyIds", TypeString), col("ConflictingPolicyNames", TypeString),
			col("ContributingSettings", TypeString), col("DeviceCheckinsImpacted", TypeInt32)},
		Rows: rowsOf(rows, func(s conflict.Summary) []any {
			ids := make([]string, len(s.ConflictingDeviceConfigurations))
			names := make([]string, len(s.ConflictingDeviceConfigurations))
			for i, c := range s.ConflictingDeviceConfigurations {
				ids[i], names[i] = c.ID, c.DisplayName
			}
			return []any{s.ID, ids, names, nonNil(s.ContributingSettings), int64(s.DeviceCheckinsImpacted)}
		}),
	}
}

// CountsTable exports a breakdown: a column named for what is counted
// (e.g. "ManagedBy", "EnrollmentStatus", "CheckInStatus") and
// NumberOfDevices.
func CountsTable(column string, counts []Count) Table {
	return Table{
		Columns: []Column{col(column, TypeString), col("NumberOfDevices", TypeInt32)},
		Rows:    rowsOf(counts, func(c Count) []any { return []any{c.Value, int64(c.Devices)} }),
	}
}

// DevicesTable exports a list of devices (failed enrollments, stale
// devices): IntuneDeviceId, DeviceName, the platform, ManagedBy, the
// enrollment status and the last check-in (Graph's lastSyncDateTime).
func DevicesTable(devices iter.Seq[Device]) Table {
	return Table{
		Columns: []Column{col("IntuneDeviceId", TypeString), col("DeviceName", TypeString), col("Platform", TypeString),
			col("ManagedBy", TypeString), col("EnrollmentStatus", TypeString), col("LastSyncDateTime", TypeDateTime)},
		Rows: rowsFrom(devices, func(d Device) []any {
			return []any{d.ID, d.Name, string(d.Platform), string(d.ManagedBy), string(d.Enrollment), d.LastCheckIn}
		}),
	}
}
