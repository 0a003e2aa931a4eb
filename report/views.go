package report

import (
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
)

// Every view reads devices one at a time from an iterator and keeps only
// its aggregates: per policy, per setting of one policy, per status. Each
// counts a device (or a device's state of a policy, or of a setting) in
// exactly one row, so the counts of a view add up to the devices it saw.

// PolicyAggregate is one row of the per-policy view (Intune's
// ConfigurationPolicyDeviceAggregates): how many devices are in each
// status for the policy.
type PolicyAggregate struct {
	Policy        Policy
	Succeeded     int
	Error         int
	Conflict      int
	Pending       int
	NotApplicable int
}

// Total is the number of devices the policy is assigned to.
func (a PolicyAggregate) Total() int {
	return a.Succeeded + a.Error + a.Conflict + a.Pending + a.NotApplicable
}

func (a *PolicyAggregate) add(s Status) {
	switch s {
	case StatusSucceeded:
		a.Succeeded++
	case StatusError:
		a.Error++
	case StatusConflict:
		a.Conflict++
	case StatusNotApplicable:
		a.NotApplicable++
	default:
		a.Pending++
	}
}

// PolicyAggregates counts, for every policy, the devices in each status.
// Rows follow the order of policies; policies the devices name that are not
// in policies follow, by id, with only their id. A state with an
// undeclared status counts as pending.
func PolicyAggregates(policies []Policy, devices iter.Seq[*DeviceRecord]) []PolicyAggregate {
	rows := make([]PolicyAggregate, len(policies))
	index := make(map[string]int, len(policies))
	for i, p := range policies {
		rows[i].Policy = p
		index[p.ID] = i
	}
	known := len(rows)
	for d := range devices {
		for _, ps := range d.Policies {
			i, ok := index[ps.PolicyID]
			if !ok {
				i = len(rows)
				index[ps.PolicyID] = i
				rows = append(rows, PolicyAggregate{Policy: Policy{ID: ps.PolicyID}})
			}
			rows[i].add(ps.Status)
		}
	}
	slices.SortFunc(rows[known:], func(a, b PolicyAggregate) int { return strings.Compare(a.Policy.ID, b.Policy.ID) })
	return rows
}

// PolicyDeviceRow is one row of a policy's device list (Intune's
// DeviceStatusesByConfigurationProfile).
type PolicyDeviceRow struct {
	Device Device
	Policy Policy
	Status Status
	// LastReported is when the device last reported on the policy.
	LastReported time.Time
}

// PolicyDevices streams the devices the policy is assigned to, with the
// policy's status on each and when it last reported, in the order of the
// devices.
func PolicyDevices(p Policy, devices iter.Seq[*DeviceRecord]) iter.Seq[PolicyDeviceRow] {
	return func(yield func(PolicyDeviceRow) bool) {
		for d := range devices {
			for _, ps := range d.Policies {
				if ps.PolicyID != p.ID {
					continue
				}
				if !yield(PolicyDeviceRow{Device: d.Device, Policy: p, Status: ps.Status, LastReported: ps.LastReported}) {
					return
				}
			}
		}
	}
}

// SettingSummary is one row of a policy's per-setting view (Intune's
// PerSettingSummaryByDeviceConfigurationPolicy): how many devices are in
// each status for one setting.
type SettingSummary struct {
	PolicyID      string
	SettingID     string
	SettingName   string
	Succeeded     int
	Error         int
	Conflict      int
	Pending       int
	NotApplicable int
}

// Total is the number of devices that have the setting.
func (s SettingSummary) Total() int {
	return s.Succeeded + s.Error + s.Conflict + s.Pending + s.NotApplicable
}

// SettingSummaries counts, for every setting of the policy, the devices in
// each status, ordered by setting id.
func SettingSummaries(p Policy, devices iter.Seq[*DeviceRecord]) []SettingSummary {
	index := map[string]int{}
	var rows []SettingSummary
	for d := range devices {
		for _, ps := range d.Policies {
			if ps.PolicyID != p.ID {
				continue
			}
			for _, ss := range ps.Settings {
				i, ok := index[ss.SettingID]
				if !ok {
					i = len(rows)
					index[ss.SettingID] = i
					rows = append(rows, SettingSummary{PolicyID: p.ID, SettingID: ss.SettingID})
				}
				r := &rows[i]
				if r.SettingName == "" {
					r.SettingName = ss.SettingName
				}
				switch ss.Status {
				case StatusSucceeded:
					r.Succeeded++
				case StatusError:
					r.Error++
				case StatusConflict:
					r.Conflict++
				case StatusNotApplicable:
					r.NotApplicable++
				default:
					r.Pending++
				}
			}
		}
	}
	slices.SortFunc(rows, func(a, b SettingSummary) int { return strings.Compare(a.SettingID, b.SettingID) })
	return rows
}

// DevicePolicyRow is one row of a device's policy list (Intune's
// getConfigurationPoliciesReportForDevice).
type DevicePolicyRow struct {
	Device       Device
	Policy       Policy
	Status       Status
	LastReported time.Time
}

// DevicePolicies lists every policy of one device with its status, in the
// record's order. Policies missing from policies show their id only.
func DevicePolicies(rec *DeviceRecord, policies []Policy) []DevicePolicyRow {
	idx := policyIndex(policies)
	rows := make([]DevicePolicyRow, 0, len(rec.Policies))
	for _, ps := range rec.Policies {
		rows = append(rows, DevicePolicyRow{Device: rec.Device, Policy: idx.get(ps.PolicyID), Status: ps.Status, LastReported: ps.LastReported})
	}
	return rows
}

// DeviceSettingRow is one row of a device's per-setting view (Intune's
// DevicePolicySettingsComplianceReport), with the other policies that
// manage the same setting.
type DeviceSettingRow struct {
	Device  Device
	Policy  Policy
	Setting SettingState
}

// DeviceSettings lists every setting of every policy of one device, with
// its state, value and the other policies that manage it.
func DeviceSettings(rec *DeviceRecord, policies []Policy) []DeviceSettingRow {
	idx := policyIndex(policies)
	var rows []DeviceSettingRow
	for _, ps := range rec.Policies {
		p := idx.get(ps.PolicyID)
		for _, ss := range ps.Settings {
			rows = append(rows, DeviceSettingRow{Device: rec.Device, Policy: p, Setting: ss})
		}
	}
	return rows
}

type policyLookup map[string]Policy

func policyIndex(policies []Policy) policyLookup {
	m := make(policyLookup, len(policies))
	for _, p := range policies {
		m[p.ID] = p
	}
	return m
}

func (l policyLookup) get(id string) Policy {
	if p, ok := l[id]; ok {
		return p
	}
	return Policy{ID: id}
}

// ConflictSummaries gives the conflict summaries of the devices (Graph's
// deviceConfigurationConflictSummary): for each set of policies that
// conflict on a device, the settings and the number of devices. A setting
// in conflict on a device makes its policy and the setting's other
// policies one set. Policy names come from policies.
func ConflictSummaries(policies []Policy, devices iter.Seq[*DeviceRecord]) []conflict.Summary {
	idx := policyIndex(policies)
	var sums conflict.Summaries
	var cs []conflict.Conflicting
	var srcs []conflict.SettingSource // the sources of every conflict of a device, one after the other
	for d := range devices {
		cs, srcs = cs[:0], srcs[:0]
		for _, ps := range d.Policies {
			for _, ss := range ps.Settings {
				if ss.Status != StatusConflict {
					continue
				}
				start := len(srcs)
				srcs = append(srcs, conflict.SettingSource{ID: ps.PolicyID, DisplayName: idx.get(ps.PolicyID).Name})
				for _, o := range ss.OtherPolicies {
					srcs = append(srcs, conflict.SettingSource{ID: o, DisplayName: idx.get(o).Name})
				}
				cs = append(cs, conflict.Conflicting{Policies: srcs[start:len(srcs):len(srcs)], SettingID: ss.SettingID})
			}
		}
		sums.AddDevice(cs) // keeps nothing of cs
	}
	return sums.List()
}

// Count is one row of a breakdown: a value and the number of devices that
// have it.
type Count struct {
	Value   string
	Devices int
}

// ManagedByBreakdown counts the devices by management authority, one row
// per value in the order MDE, Intune, ConfigMgr, Co-managed, Unknown
// (zeros included). Empty or undeclared values count as Unknown.
func ManagedByBreakdown(devices iter.Seq[*DeviceRecord]) []Count {
	order := []enrollment.ManagedBy{enrollment.ManagedByMDE, enrollment.ManagedByIntune,
		enrollment.ManagedByConfigMgr, enrollment.ManagedByCoManaged, enrollment.ManagedByUnknown}
	counts := make([]Count, len(order))
	for i, m := range order {
		counts[i].Value = string(m)
	}
	for d := range devices {
		i := slices.Index(order, d.Device.ManagedBy)
		if i < 0 {
			i = len(order) - 1
		}
		counts[i].Devices++
	}
	return counts
}

// UnknownEnrollment is the row of the enrollment breakdown for devices
// whose status is empty or undeclared.
const UnknownEnrollment = "unknown"

// EnrollmentBreakdown counts the devices by enrollment status: one row per
// status of the enrollment package, in its order (zeros included), then a
// row UnknownEnrollment when some devices have no declared status.
func EnrollmentBreakdown(devices iter.Seq[*DeviceRecord]) []Count {
	order := enrollment.Statuses()
	counts := make([]Count, len(order), len(order)+1)
	for i, s := range order {
		counts[i].Value = string(s)
	}
	unknown := 0
	for d := range devices {
		if i := slices.Index(order, d.Device.Enrollment); i >= 0 {
			counts[i].Devices++
		} else {
			unknown++
		}
	}
	if unknown > 0 {
		counts = append(counts, Count{Value: UnknownEnrollment, Devices: unknown})
	}
	return counts
}

// FailedDevices streams the devices whose enrollment failed (statuses for
// which enrollment.Status.Failed is true).
func FailedDevices(devices iter.Seq[*DeviceRecord]) iter.Seq[Device] {
	return func(yield func(Device) bool) {
		for d := range devices {
			if d.Device.Enrollment.Failed() && !yield(d.Device) {
				return
			}
		}
	}
}

// Freshness classes.
const (
	// FreshnessCurrent: the device checked in within the allowed intervals.
	FreshnessCurrent = "current"
	// FreshnessStale: the device has not checked in for more than the
	// allowed intervals.
	FreshnessStale = "stale"
	// FreshnessNever: the device never checked in.
	FreshnessNever = "never"
)

// Staleness says when a device counts as not seen: more than Intervals
// check-in intervals of length Interval before Now.
type Staleness struct {
	Now       time.Time
	Interval  time.Duration
	Intervals int
}

// DefaultStaleness is stale after three missed 90-minute check-ins.
func DefaultStaleness(now time.Time) Staleness {
	return Staleness{Now: now, Interval: enrollment.CheckInInterval, Intervals: 3}
}

// Class returns the freshness class of a last check-in.
func (s Staleness) Class(last time.Time) string {
	switch {
	case last.IsZero():
		return FreshnessNever
	case s.Now.Sub(last) > time.Duration(s.Intervals)*s.Interval:
		return FreshnessStale
	}
	return FreshnessCurrent
}

// CheckInFreshness counts the devices as current, stale and never seen, in
// that order.
func CheckInFreshness(s Staleness, devices iter.Seq[*DeviceRecord]) []Count {
	counts := []Count{{Value: FreshnessCurrent}, {Value: FreshnessStale}, {Value: FreshnessNever}}
	for d := range devices {
		switch s.Class(d.Device.LastCheckIn) {
		case FreshnessCurrent:
			counts[0].Devices++
		case FreshnessStale:
			counts[1].Devices++
		default:
			counts[2].Devices++
		}
	}
	return counts
}

// StaleDevices streams the devices that are stale or never checked in.
func StaleDevices(s Staleness, devices iter.Seq[*DeviceRecord]) iter.Seq[Device] {
	return func(yield func(Device) bool) {
		for d := range devices {
			if s.Class(d.Device.LastCheckIn) != FreshnessCurrent && !yield(d.Device) {
				return
			}
		}
	}
}
