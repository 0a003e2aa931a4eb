package report

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
)

// ErrInvalidReport is wrapped by every *ReportError.
var ErrInvalidReport = errors.New("report: invalid device report")

// ReportError says what is wrong with a device's report. Nothing is built
// from a report that has one.
type ReportError struct {
	// Index is the position of the offending result, -1 for the report as a
	// whole.
	Index     int
	SettingID string
	Reason    string
}

// Error describes the problem.
func (e *ReportError) Error() string {
	if e.Index < 0 {
		return "report: device report: " + e.Reason
	}
	return fmt.Sprintf("report: device report, result %d (%s): %s", e.Index, e.SettingID, e.Reason)
}

// Unwrap returns ErrInvalidReport.
func (e *ReportError) Unwrap() error { return ErrInvalidReport }

// SettingResult is what the device reports for one setting it received:
// succeeded, error (with a code and message) or notApplicable.
type SettingResult struct {
	SettingID    string
	Status       Status
	ErrorCode    int64
	ErrorMessage string
}

// States builds the state of every policy of a merge on the device, from
// the merge's result and the device's per-setting results.
//
// current says whether the device's results are for the configuration
// version of res (res.Version); when they are not (or the device has not
// reported at all), every delivered setting is pending: this is where
// pending comes from. The merge decides conflict and notApplicable; the
// device's results decide the rest. A setting key takes the results
// reported for it and for the settings below it (a firewall profile's
// children, an ASR rule's exclusions): an error anywhere is an error;
// succeeded when something succeeded; notApplicable when all that was
// reported is; pending when the device said nothing about it.
//
// A policy's status is the RollUp of its settings; a policy without
// settings is succeeded once the device has reported the current version,
// pending before. at is the time of the device's report (LastReported of
// every state; zero when there is none).
//
// A result whose status is not succeeded, error or notApplicable, or
// without a setting id, is a *ReportError.
func States(res *conflict.Result, results []SettingResult, current bool, at time.Time) ([]PolicyState, error) {
	if res == nil {
		return nil, &ReportError{Index: -1, Reason: "no merge result"}
	}
	byID := make(map[string][]int, len(results))
	for i, r := range results {
		switch {
		case r.SettingID == "":
			return nil, &ReportError{Index: i, Reason: "no setting id"}
		case r.Status != StatusSucceeded && r.Status != StatusError && r.Status != StatusNotApplicable:
			return nil, &ReportError{Index: i, SettingID: r.SettingID,
				Reason: fmt.Sprintf("status %q: a device reports succeeded, error or notApplicable", r.Status)}
		}
		byID[r.SettingID] = append(byID[r.SettingID], i)
	}
	outcomes := res.Outcomes()
	states := make([]PolicyState, 0, len(res.Policies))
	for _, p := range res.Policies {
		ps := PolicyState{PolicyID: p.ID}
		if current {
			ps.LastReported = at
		}
		for _, o := range outcomes {
			if o.PolicyID != p.ID {
				continue
			}
			ss := SettingState{SettingID: o.SettingID, Value: res.FormatValue(o.Value), OtherPolicies: o.Others()}
			if o.Definition != nil {
				ss.SettingName = o.Definition.DisplayName
			}
			switch o.Outcome {
			case conflict.OutcomeConflict:
				ss.Status = StatusConflict
			case conflict.OutcomeNotApplicable:
				ss.Status = StatusNotApplicable
			default:
				ss.Status = StatusPending
				if current {
					applyResults(&ss, o.Value, results, byID)
				}
			}
			ps.Settings = append(ps.Settings, ss)
		}
		statuses := make([]Status, len(ps.Settings))
		for i, s := range ps.Settings {
			statuses[i] = s.Status
		}
		ps.Status = RollUp(statuses)
		if len(ps.Settings) == 0 && current {
			ps.Status = StatusSucceeded
		}
		states = append(states, ps)
	}
	return states, nil
}

// applyResults sets a delivered setting's state from the results reported
// for it and the settings below it.
func applyResults(ss *SettingState, value *policy.SettingInstance, results []SettingResult, byID map[string][]int) {
	var found []int
	found = append(found, byID[ss.SettingID]...)
	if value != nil {
		value.Walk(func(s *policy.SettingInstance) bool {
			if s.DefinitionID != ss.SettingID {
				found = append(found, byID[s.DefinitionID]...)
			}
			return true
		})
	}
	if len(found) == 0 {
		return // pending
	}
	statuses := make([]Status, len(found))
	var msgs []string
	for i, f := range found {
		r := results[f]
		statuses[i] = r.Status
		if r.Status == StatusError {
			if ss.ErrorCode == 0 {
				ss.ErrorCode = r.ErrorCode
			}
			if r.ErrorMessage != "" {
				msgs = append(msgs, r.ErrorMessage)
			}
		}
	}
	ss.Status = RollUp(statuses)
	ss.ErrorMessage = strings.Join(msgs, "; ")
}
