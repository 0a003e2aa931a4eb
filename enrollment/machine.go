package enrollment

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/identity"
)

// DirectoryView is what the machine needs of the directory: the device's
// current object, and whether a list of changes would apply (quota,
// conflicts). *identity.Directory implements it; a store-backed service
// implements it over its store.
type DirectoryView interface {
	Lookup(deviceID string) (*identity.Device, bool)
	Check(changes ...identity.Change) error
}

// RegistrationRequest is what a Registrar is asked to register.
type RegistrationRequest struct {
	DeviceID string
	Method   identity.Method
	Mode     Mode
	Facts    Facts
}

// Registrar is the environment's side of the registration step: the
// directory and network services the device talks to. It returns 0 (or 1)
// when registration succeeds, or the documented code of the failure.
// Tests inject failures with it, or with Facts.Fault.
type Registrar interface {
	Register(RegistrationRequest) Code
}

// RegistrarFunc adapts a function to a Registrar.
type RegistrarFunc func(RegistrationRequest) Code

// Register calls f.
func (f RegistrarFunc) Register(r RegistrationRequest) Code { return f(r) }

// Env is the world a transition sees, as it is after the event (see
// Event.Update).
type Env struct {
	Tenant Tenant
	Facts  Facts
	// Directory holds the device objects; nil is an empty directory
	// without quota.
	Directory DirectoryView
	// Registrar, when set, is asked after Facts.Fault at registration.
	Registrar Registrar
	// Jitter draws the check-in jitter (see NextCheckIn); nil: none.
	Jitter rand.Source
	// MacOSDuplicateIssue reproduces the known issue of the macOS agent
	// 101.23052.0004: a device reusing its full registration also gets a
	// duplicate synthetic object (see identity.DuplicateSynthetic).
	MacOSDuplicateIssue bool
	// Now is the time of the event.
	Now time.Time
}

// Record is one device's enrollment: where it stands, what the portals
// show for it, and every transition it went through. A Record is a value:
// Apply and Handle return a new one and never modify the one they are
// given.
type Record struct {
	// DeviceID is the device's directory device id; DisplayName names the
	// objects created for it.
	DeviceID    string
	DisplayName string

	State        State
	Status       Status
	Code         Code   // the code behind Status; 0 when undocumented
	Reason       Reason // for notSupported
	Cause        string // why the last transition happened
	ManagedBy    ManagedBy
	Registration identity.Method // how the device got the registration it is managed with
	ObjectID     string          // its directory object, "" when none

	// LastCheckIn is the last check-in (enrollment counts as one);
	// NextCheckIn is when the next is due, zero unless enrolled.
	LastCheckIn time.Time
	NextCheckIn time.Time

	History []Transition
}

// CheckInDue reports whether an enrolled device is due to check in at now.
func (r Record) CheckInDue(now time.Time) bool {
	return r.State == StateEnrolled && !now.Before(r.NextCheckIn)
}

// Transition records one step of a device: the rule that applied, why, and
// the outcome.
type Transition struct {
	From  State
	To    State
	Event Event
	Rule  int    // index in Rules()
	Cause string // human-readable reason, with the code when there is one
	At    time.Time

	Status       Status
	Code         Code
	Reason       Reason
	ManagedBy    ManagedBy
	Registration identity.Method
	// Changes are the directory writes of the step, to apply in order.
	Changes     []identity.Change
	LastCheckIn time.Time
	NextCheckIn time.Time
}

// String renders the transition on one line.
func (t Transition) String() string {
	return fmt.Sprintf("%s %s --%s--> %s: %s", t.At.Format(time.RFC3339), t.From, t.Event, t.To, t.Cause)
}

// Changes returns the directory writes of a list of transitions, merged
// per object (see identity.Compact).
func Changes(ts []Transition) []identity.Change {
	var all []identity.Change
	for _, t := range ts {
		all = append(all, t.Changes...)
	}
	return identity.Compact(all)
}

// Apply applies one event to a record: the first rule of the table for
// the record's state and the event whose condition holds. It returns the
// new record (with the transition appended to its history) and the
// transition. An event no rule allows is a *TransitionError wrapping
// ErrInvalidTransition; an invalid record, event or environment is an
// *InputError. On error the record is returned unchanged.
//
// Apply takes one step: after onboard it leaves the device in
// StateOnboarded. Record.Handle also takes the flow's steps that follow.
func Apply(r Record, ev Event, env Env) (Record, Transition, error) {
	if err := validate(r, ev, env); err != nil {
		return r, Transition{}, err
	}
	if env.Directory == nil {
		env.Directory = emptyDirectory()
	}
	s := &step{rec: r, ev: ev, env: env}
	if obj, ok := env.Directory.Lookup(r.DeviceID); ok {
		s.obj = obj
	}
	matched := false
	for i, rule := range table {
		if !slices.Contains(rule.from, r.State) || !slices.Contains(rule.on, ev.Kind) {
			continue
		}
		matched = true
		if rule.when != nil && !rule.when.test(s) {
			continue
		}
		s.begin(i, rule.to)
		if err := rule.do(s); err != nil {
			return r, Transition{}, err
		}
		return s.finish(), s.t, nil
	}
	reason := "no rule of the table handles it"
	if matched {
		reason = s.refusal
	}
	return r, Transition{}, &TransitionError{State: r.State, Event: ev.Kind, Reason: reason}
}

// maxSteps bounds the flow steps Handle takes after an event.
const maxSteps = 8

// Handle applies an event and then the flow's steps that follow it (survey,
// qualify, register) until the device rests in a state that waits for an
// event. It returns the new record and every transition taken; the
// directory changes of all of them (Changes) are to be applied together.
// Between the steps the machine sees the directory with the earlier
// changes applied. On error nothing is returned but the error and r.
func (r Record) Handle(ev Event, env Env) (Record, []Transition, error) {
	if env.Directory == nil {
		env.Directory = emptyDirectory()
	}
	view := &pendingView{base: env.Directory}
	env.Directory = view
	cur := r
	var out []Transition
	for i := 0; ; i++ {
		next, t, err := Apply(cur, ev, env)
		if err != nil {
			return r, nil, err
		}
		out = append(out, t)
		view.changes = append(view.changes, t.Changes...)
		cur = next
		k, ok := cur.State.Step()
		if !ok {
			return cur, out, nil
		}
		if i == maxSteps {
			return r, nil, fmt.Errorf("enrollment: the flow did not settle after %d steps", maxSteps)
		}
		ev = Event{Kind: k}
	}
}

// Onboard onboards a device with the given directory device id: it handles
// the onboard event on a new record (see Record.Handle).
func Onboard(deviceID string, env Env) (Record, []Transition, error) {
	return Record{DeviceID: deviceID}.Handle(Event{Kind: EventOnboard}, env)
}

func validate(r Record, ev Event, env Env) error {
	if r.DeviceID == "" {
		return &InputError{What: "record", Field: "deviceId", Reason: "no device id"}
	}
	if !r.State.Valid() {
		return &InputError{What: "record", Field: "state", Reason: fmt.Sprintf("unknown state %q", string(r.State))}
	}
	if err := ev.Validate(); err != nil {
		return err
	}
	if err := env.Tenant.Validate(); err != nil {
		return err
	}
	if err := env.Facts.Validate(); err != nil {
		return err
	}
	if ok, why := ev.reflected(env.Tenant, env.Facts); !ok {
		return &InputError{What: "environment", Reason: why + " (call Event.Update before handling the event)"}
	}
	return nil
}

// emptyDirectory is the view used when Env.Directory is nil.
func emptyDirectory() DirectoryView {
	d, _ := identity.NewDirectory()
	return d
}

// pendingView shows a directory with changes not yet applied to it.
type pendingView struct {
	base    DirectoryView
	changes []identity.Change
}

func (p *pendingView) Lookup(deviceID string) (*identity.Device, bool) {
	for i := len(p.changes) - 1; i >= 0; i-- {
		c := p.changes[i]
		if c.Device == nil || !equalFold(c.Device.DeviceID, deviceID) {
			continue
		}
		if c.Kind == identity.ChangeDelete {
			return nil, false
		}
		return c.Device.Clone(), true
	}
	return p.base.Lookup(deviceID)
}

func (p *pendingView) Check(changes ...identity.Change) error {
	return p.base.Check(append(slices.Clip(p.changes), changes...)...)
}
