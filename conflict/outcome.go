package conflict

import "fmt"

// Outcome is what the merge made of one policy's value for one setting on
// one device. The device's own report (applied or failed) comes later and is
// the report package's business; the merge only knows whether it sends the
// value.
type Outcome string

// Outcomes.
const (
	// OutcomeSucceeded: the policy's value is delivered (alone, merged with
	// equal or mergeable values, or chosen by a resolver).
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomeConflict: other policies set the same setting to a different
	// value; the policy's value is not delivered.
	OutcomeConflict Outcome = "conflict"
	// OutcomeNotApplicable: the setting (or the whole policy) does not apply
	// to the device and is not delivered.
	OutcomeNotApplicable Outcome = "notApplicable"
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeSucceeded, OutcomeConflict, OutcomeNotApplicable}

// Valid reports whether o is a declared outcome.
func (o Outcome) Valid() bool {
	return o == OutcomeSucceeded || o == OutcomeConflict || o == OutcomeNotApplicable
}

// String returns the outcome's name.
func (o Outcome) String() string { return string(o) }

// MarshalText writes the outcome's name; an undeclared outcome is an error.
func (o Outcome) MarshalText() ([]byte, error) {
	if !o.Valid() {
		return nil, fmt.Errorf("conflict: unknown outcome %q", string(o))
	}
	return []byte(o), nil
}

// UnmarshalText reads an outcome's name.
func (o *Outcome) UnmarshalText(b []byte) error {
	v := Outcome(b)
	if !v.Valid() {
		return fmt.Errorf("conflict: unknown outcome %q", string(b))
	}
	*o = v
	return nil
}

// Reason says why a (policy, setting) pair has its outcome. Each reason
// belongs to exactly one outcome (see Outcome).
type Reason string

// Reasons.
const (
	// ReasonOnlySource (succeeded): no other policy configures the setting.
	ReasonOnlySource Reason = "onlySource"
	// ReasonEqualValues (succeeded): every policy that configures the
	// setting gives it the same value; it is delivered once.
	ReasonEqualValues Reason = "equalValues"
	// ReasonMerged (succeeded): the setting merges; the lists (or items) of
	// every source are combined without duplicates.
	ReasonMerged Reason = "merged"
	// ReasonAllRules (succeeded): firewall rules; every rule of every
	// policy is delivered.
	ReasonAllRules Reason = "allRules"
	// ReasonResolvedFor (succeeded): the values differ and the resolver
	// chose this policy's value.
	ReasonResolvedFor Reason = "resolvedFor"
	// ReasonDifferentValues (conflict): the values differ; nothing is
	// delivered.
	ReasonDifferentValues Reason = "differentValues"
	// ReasonResolvedAgainst (conflict): the values differ and the resolver
	// chose another policy's value.
	ReasonResolvedAgainst Reason = "resolvedAgainst"
	// ReasonNotDeliverable (notApplicable): the policy as a whole is not
	// delivered to the device (platform, technologies, template support).
	ReasonNotDeliverable Reason = "notDeliverable"
	// ReasonPlatform (notApplicable): the setting is not for the device's
	// platform.
	ReasonPlatform Reason = "platform"
	// ReasonOSVersion (notApplicable): the device's OS is older than the
	// setting's minimum version.
	ReasonOSVersion Reason = "osVersion"
	// ReasonUnsupported (notApplicable): security settings management does
	// not deliver the setting (in the device's documentation variant).
	ReasonUnsupported Reason = "unsupported"
)

var reasonOutcomes = map[Reason]Outcome{
	ReasonOnlySource:      OutcomeSucceeded,
	ReasonEqualValues:     OutcomeSucceeded,
	ReasonMerged:          OutcomeSucceeded,
	ReasonAllRules:        OutcomeSucceeded,
	ReasonResolvedFor:     OutcomeSucceeded,
	ReasonDifferentValues: OutcomeConflict,
	ReasonResolvedAgainst: OutcomeConflict,
	ReasonNotDeliverable:  OutcomeNotApplicable,
	ReasonPlatform:        OutcomeNotApplicable,
	ReasonOSVersion:       OutcomeNotApplicable,
	ReasonUnsupported:     OutcomeNotApplicable,
}

// Valid reports whether r is a declared reason.
func (r Reason) Valid() bool { _, ok := reasonOutcomes[r]; return ok }

// String returns the reason's name.
func (r Reason) String() string { return string(r) }

// Outcome returns the outcome the reason belongs to ("" for an undeclared
// reason).
func (r Reason) Outcome() Outcome {
	switch r {
	case ReasonOnlySource, ReasonEqualValues, ReasonMerged, ReasonAllRules, ReasonResolvedFor:
		return OutcomeSucceeded
	case ReasonDifferentValues, ReasonResolvedAgainst:
		return OutcomeConflict
	case ReasonNotDeliverable, ReasonPlatform, ReasonOSVersion, ReasonUnsupported:
		return OutcomeNotApplicable
	}
	return ""
}

// MarshalText writes the reason's name; an undeclared reason is an error.
func (r Reason) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("conflict: unknown reason %q", string(r))
	}
	return []byte(r), nil
}

// UnmarshalText reads a reason's name.
func (r *Reason) UnmarshalText(b []byte) error {
	v := Reason(b)
	if !v.Valid() {
		return fmt.Errorf("conflict: unknown reason %q", string(b))
	}
	*r = v
	return nil
}

// reasonCode is a Reason in one byte, as the merge's tables keep it: no
// pointer for the garbage collector to follow, no write barrier to pay.
// codeNone is "not decided yet".
type reasonCode uint8

const (
	codeNone reasonCode = iota
	codeOnlySource
	codeEqualValues
	codeMerged
	codeAllRules
	codeResolvedFor
	codeDifferentValues
	codeResolvedAgainst
	codeNotDeliverable
	codePlatform
	codeOSVersion
	codeUnsupported
)

// reasonNames maps codes to reasons.
var reasonNames = [...]Reason{
	codeNone:            "",
	codeOnlySource:      ReasonOnlySource,
	codeEqualValues:     ReasonEqualValues,
	codeMerged:          ReasonMerged,
	codeAllRules:        ReasonAllRules,
	codeResolvedFor:     ReasonResolvedFor,
	codeDifferentValues: ReasonDifferentValues,
	codeResolvedAgainst: ReasonResolvedAgainst,
	codeNotDeliverable:  ReasonNotDeliverable,
	codePlatform:        ReasonPlatform,
	codeOSVersion:       ReasonOSVersion,
	codeUnsupported:     ReasonUnsupported,
}

// reason returns the code's Reason.
func (c reasonCode) reason() Reason { return reasonNames[c] }
