package enrollment

import (
	"fmt"
	"slices"
)

// State is where a device stands in the enrollment flow. The zero value is
// StateNotOnboarded.
//
// onboarded, surveyed and inScope are steps of the flow: Record.Handle
// leaves them at once by the flow's own events (survey, qualify,
// register). The other states rest until an event arrives. Status reports
// the state to the portals: enrolled is success; failed carries the status
// of its code; the flow steps, notOnboarded, deleted and offboarded read
// notEnrolled.
//
// The transitions, in the order the table tries them (the first rule whose
// condition holds applies; an event with no applicable rule is an
// ErrInvalidTransition). "change" stands for the events
// addTag|removeTag|scopeChange|intuneToggle|configMgrClient|configMgrAuthority|defenderForCloud,
// "change+" for those and fullRegistration, "resting" for
// notEnrolled|notSupported|failed|managedByConfigMgr|deleted:
//
//	notOnboarded|offboarded --onboard--> onboarded
//	onboarded --survey [MDM enrollment present]--> managedByMDM
//	onboarded --survey--> surveyed
//	surveyed --qualify [Configuration Manager has authority]--> managedByConfigMgr
//	surveyed --qualify [a prerequisite fails]--> notSupported
//	surveyed --qualify [Intune toggle off]--> failed
//	surveyed --qualify [out of enforcement scope]--> notEnrolled
//	surveyed --qualify--> inScope
//	inScope --register [fault 2]--> notEnrolled
//	inScope --register [fault 3 or 21]--> managedByMDM
//	inScope --register [fault 4 or 22]--> managedByConfigMgr
//	inScope --register [fault of an error status]--> failed
//	inScope --register [Linux agent 101.23052.0009 without board_vendor]--> failed
//	inScope --register [the directory refuses the registration]--> failed
//	inScope --register--> enrolled
//	enrolled --checkIn--> enrolled
//	enrolled --policySync--> enrolled
//	enrolled --change [Configuration Manager has authority]--> managedByConfigMgr
//	enrolled --change [a prerequisite fails]--> notSupported
//	enrolled --change [Intune toggle off]--> failed
//	enrolled --change [out of enforcement scope]--> notEnrolled
//	enrolled --change--> enrolled
//	enrolled --fullRegistration [the registration is synthetic]--> enrolled
//	resting --change+ [not yet fully registered, for fullRegistration]--> surveyed
//	managedByMDM --change+ [not yet fully registered, for fullRegistration]--> managedByMDM
//	enrolled|resting --mdmEnroll--> managedByMDM
//	managedByMDM --mdmUnenroll--> surveyed
//	resting|managedByMDM --retry--> onboarded
//	enrolled|notEnrolled|notSupported|failed|managedByConfigMgr --deleteFromIntune|deleteFromDefender--> deleted
//	every state but notOnboarded and offboarded --offboard--> offboarded
//
// Rules returns the same table as data.
type State string

// States.
const (
	StateNotOnboarded       State = ""                   // the agent is not onboarded yet
	StateOnboarded          State = "onboarded"          // step: survey for an MDM enrollment
	StateSurveyed           State = "surveyed"           // step: no MDM; authority, prerequisites, toggle, scope
	StateInScope            State = "inScope"            // step: qualified; registration next
	StateEnrolled           State = "enrolled"           // managed by security settings management (success)
	StateNotEnrolled        State = "notEnrolled"        // out of enforcement scope
	StateNotSupported       State = "notSupported"       // a prerequisite fails
	StateFailed             State = "failed"             // the Intune toggle is off or registration failed
	StateManagedByMDM       State = "managedByMDM"       // MDM-enrolled: policies come through MDM
	StateManagedByConfigMgr State = "managedByConfigMgr" // left to Configuration Manager
	StateDeleted            State = "deleted"            // deleted from Intune or Defender; the agent stays
	StateOffboarded         State = "offboarded"         // the agent was offboarded
)

var allStates = []State{
	StateNotOnboarded, StateOnboarded, StateSurveyed, StateInScope, StateEnrolled,
	StateNotEnrolled, StateNotSupported, StateFailed, StateManagedByMDM,
	StateManagedByConfigMgr, StateDeleted, StateOffboarded,
}

// States returns every state.
func States() []State { return slices.Clone(allStates) }

// String returns the state name ("notOnboarded" for the zero value).
func (s State) String() string {
	if s == StateNotOnboarded {
		return "notOnboarded"
	}
	return string(s)
}

// Valid reports whether s is a declared state.
func (s State) Valid() bool { return slices.Contains(allStates, s) }

// Step reports whether s is a step of the flow that Record.Handle leaves
// at once, and by which event.
func (s State) Step() (EventKind, bool) {
	switch s {
	case StateOnboarded:
		return EventSurvey, true
	case StateSurveyed:
		return EventQualify, true
	case StateInScope:
		return EventRegister, true
	}
	return "", false
}

// Accepts reports whether some rule of the table handles event k in state
// s (its condition may still fail).
func (s State) Accepts(k EventKind) bool {
	for _, r := range table {
		if slices.Contains(r.from, s) && slices.Contains(r.on, k) {
			return true
		}
	}
	return false
}

// MarshalText writes the state name.
func (s State) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("enrollment: unknown state %q", string(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a state name; "notOnboarded" and "" are the zero state.
func (s *State) UnmarshalText(b []byte) error {
	v := State(b)
	if v == "notOnboarded" {
		v = StateNotOnboarded
	}
	if !v.Valid() {
		return fmt.Errorf("enrollment: unknown state %q", string(b))
	}
	*s = v
	return nil
}

// status returns the status a state reports when no code says otherwise.
func (s State) status() Status {
	switch s {
	case StateEnrolled:
		return StatusSuccess
	case StateManagedByMDM:
		return StatusManagedByMDM
	case StateManagedByConfigMgr:
		return StatusManagedByConfigMgr
	case StateNotSupported:
		return StatusNotSupported
	}
	return StatusNotEnrolled
}
