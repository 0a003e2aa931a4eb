package report

import "slices"

// Status is the state of a setting, or of a policy, on a device, as the
// admin portal shows it.
//
// A setting's status comes from the merge (conflict, notApplicable) or from
// the device's report (succeeded, error, notApplicable); it is pending while
// the device has not reported since the setting last changed.
//
// A policy's status on a device is the roll-up of its settings' statuses
// (RollUp), with the precedence error > conflict > pending > succeeded;
// notApplicable only when every setting is not applicable.
type Status string

// Status values.
const (
	// StatusSucceeded: applied as configured.
	StatusSucceeded Status = "succeeded"
	// StatusError: the device failed to apply it.
	StatusError Status = "error"
	// StatusConflict: other policies set the same setting to a different
	// value; it was not delivered.
	StatusConflict Status = "conflict"
	// StatusPending: assigned, but not reported since the last change.
	StatusPending Status = "pending"
	// StatusNotApplicable: the device cannot receive it (platform, OS
	// version, or not supported through this channel).
	StatusNotApplicable Status = "notApplicable"
)

// Statuses lists every status in precedence order, highest first.
var Statuses = []Status{StatusError, StatusConflict, StatusPending, StatusSucceeded, StatusNotApplicable}

// Valid reports whether s is a declared status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// String returns the status name.
func (s Status) String() string { return string(s) }

// rank orders statuses for the roll-up: a lower rank wins.
func (s Status) rank() int {
	if i := slices.Index(Statuses, s); i >= 0 {
		return i
	}
	return len(Statuses)
}

// RollUp returns the status of a policy on a device from the statuses of its
// settings: the highest of error > conflict > pending > succeeded, ignoring
// not-applicable settings; notApplicable when every setting is not
// applicable; pending when there is no setting status at all (nothing
// reported yet). Invalid statuses are ignored.
func RollUp(settings []Status) Status {
	best := Status("")
	for _, s := range settings {
		if !s.Valid() || s == StatusNotApplicable {
			continue
		}
		if best == "" || s.rank() < best.rank() {
			best = s
		}
	}
	switch {
	case best != "":
		return best
	case len(settings) > 0 && slices.Contains(settings, StatusNotApplicable):
		return StatusNotApplicable
	default:
		return StatusPending
	}
}
