package enrollment

import (
	"fmt"
	"slices"
	"strings"
)

// EventKind names something that happens to a device or its tenant.
type EventKind string

// Events a caller reports.
const (
	EventOnboard            EventKind = "onboard"            // the agent is onboarded
	EventOffboard           EventKind = "offboard"           // the agent is offboarded
	EventRetry              EventKind = "retry"              // the agent runs the enrollment flow again
	EventCheckIn            EventKind = "checkIn"            // the enrolled device checks in
	EventPolicySync         EventKind = "policySync"         // an administrator asks for a check-in now
	EventMDMEnroll          EventKind = "mdmEnroll"          // the device enrolls in MDM
	EventMDMUnenroll        EventKind = "mdmUnenroll"        // the device leaves MDM
	EventFullRegistration   EventKind = "fullRegistration"   // the device registers fully in the directory
	EventAddTag             EventKind = "addTag"             // a device tag is added
	EventRemoveTag          EventKind = "removeTag"          // a device tag is removed
	EventScopeChange        EventKind = "scopeChange"        // the enforcement scope changes
	EventIntuneToggle       EventKind = "intuneToggle"       // the Intune toggle is switched
	EventConfigMgrClient    EventKind = "configMgrClient"    // a Configuration Manager client is installed or removed
	EventConfigMgrAuthority EventKind = "configMgrAuthority" // the Configuration Manager authority toggle is switched
	EventDefenderForCloud   EventKind = "defenderForCloud"   // the Defender for Cloud toggle is switched
	EventDeleteFromIntune   EventKind = "deleteFromIntune"   // an administrator deletes the device in Intune
	EventDeleteFromDefender EventKind = "deleteFromDefender" // an administrator removes the device in Defender
)

// Steps of the enrollment flow. Record.Handle applies them by itself after
// onboarding and re-evaluation; Apply accepts them for callers that step
// through the flow one transition at a time.
const (
	EventSurvey   EventKind = "survey"   // look for an MDM enrollment
	EventQualify  EventKind = "qualify"  // authority, prerequisites, Intune toggle, scope
	EventRegister EventKind = "register" // establish the directory registration
)

var eventKinds = []EventKind{
	EventOnboard, EventOffboard, EventRetry, EventCheckIn, EventPolicySync,
	EventMDMEnroll, EventMDMUnenroll, EventFullRegistration, EventAddTag, EventRemoveTag,
	EventScopeChange, EventIntuneToggle, EventConfigMgrClient, EventConfigMgrAuthority,
	EventDefenderForCloud, EventDeleteFromIntune, EventDeleteFromDefender,
	EventSurvey, EventQualify, EventRegister,
}

// EventKinds returns every event kind.
func EventKinds() []EventKind { return slices.Clone(eventKinds) }

// String returns the event name.
func (k EventKind) String() string { return string(k) }

// Valid reports whether k is a declared event kind.
func (k EventKind) Valid() bool { return slices.Contains(eventKinds, k) }

// UnmarshalText reads an event name.
func (k *EventKind) UnmarshalText(b []byte) error {
	v := EventKind(b)
	if !v.Valid() {
		return fmt.Errorf("unknown event %q", string(b))
	}
	*k = v
	return nil
}

// Event is one event with its parameters. Which parameters an event takes:
//
//	addTag, removeTag   tag (default "MDE-Management")
//	scopeChange         scope: the platforms whose setting changes (required)
//	intuneToggle, configMgrAuthority, defenderForCloud
//	                    on (required)
//	configMgrClient     on (default true: installed)
//	fullRegistration    entraRegistration (default: hybridJoined for a
//	                    domain-joined Windows device, entraJoined for another
//	                    Windows device, registered for macOS and Linux)
//	retry               fault: the injected fault from now on (default:
//	                    unchanged; 0 clears it)
//
// Other events take none.
type Event struct {
	Kind              EventKind         `json:"event"`
	Tag               string            `json:"tag,omitempty"`
	Scope             *ScopeUpdate      `json:"scope,omitempty"`
	On                *bool             `json:"on,omitempty"`
	EntraRegistration EntraRegistration `json:"entraRegistration,omitempty"`
	Fault             *Code             `json:"fault,omitempty"`
}

// ScopeUpdate lists the scope settings a scopeChange sets; nil fields stay.
type ScopeUpdate struct {
	WindowsClient     *ScopeSetting `json:"windowsClient,omitempty"`
	WindowsServer     *ScopeSetting `json:"windowsServer,omitempty"`
	MacOS             *ScopeSetting `json:"macOS,omitempty"`
	Linux             *ScopeSetting `json:"linux,omitempty"`
	DomainControllers *ScopeSetting `json:"domainControllers,omitempty"`
}

func (u *ScopeUpdate) fields(s *Scope) []struct {
	set *ScopeSetting
	to  **ScopeSetting
} {
	return []struct {
		set *ScopeSetting
		to  **ScopeSetting
	}{
		{&s.WindowsClient, &u.WindowsClient}, {&s.WindowsServer, &u.WindowsServer},
		{&s.MacOS, &u.MacOS}, {&s.Linux, &u.Linux}, {&s.DomainControllers, &u.DomainControllers},
	}
}

// String renders the event and its parameters, e.g. "addTag MDE-Management".
func (e Event) String() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	if e.Tag != "" {
		b.WriteString(" " + e.Tag)
	}
	if e.Scope != nil {
		b.WriteString(" scope{")
		var parts []string
		for name, v := range map[string]*ScopeSetting{"windowsClient": e.Scope.WindowsClient, "windowsServer": e.Scope.WindowsServer,
			"macOS": e.Scope.MacOS, "linux": e.Scope.Linux, "domainControllers": e.Scope.DomainControllers} {
			if v != nil {
				parts = append(parts, name+"="+v.String())
			}
		}
		slices.Sort(parts)
		b.WriteString(strings.Join(parts, ",") + "}")
	}
	if e.On != nil {
		fmt.Fprintf(&b, " on=%t", *e.On)
	}
	if e.EntraRegistration != "" {
		b.WriteString(" " + e.EntraRegistration.String())
	}
	if e.Fault != nil {
		fmt.Fprintf(&b, " fault=%d", int(*e.Fault))
	}
	return b.String()
}

// Validate checks the kind and that the event carries exactly the
// parameters its kind takes.
func (e Event) Validate() error {
	fail := func(field, format string, a ...any) error {
		return &InputError{What: "event", Field: field, Reason: fmt.Sprintf(format, a...)}
	}
	if !e.Kind.Valid() {
		return fail("event", "unknown event %q", string(e.Kind))
	}
	takes := func(k ...EventKind) bool { return slices.Contains(k, e.Kind) }
	if e.Tag != "" && !takes(EventAddTag, EventRemoveTag) {
		return fail("tag", "%s takes no tag", e.Kind)
	}
	if takes(EventAddTag, EventRemoveTag) && e.Tag != "" && strings.TrimSpace(e.Tag) == "" {
		return fail("tag", "empty tag")
	}
	if (e.Scope != nil) != takes(EventScopeChange) {
		if e.Scope == nil {
			return fail("scope", "scopeChange needs the scope settings that change")
		}
		return fail("scope", "%s takes no scope", e.Kind)
	}
	if e.Scope != nil {
		n := 0
		for _, f := range e.Scope.fields(&Scope{}) {
			if *f.to != nil {
				n++
				if !(*f.to).Valid() || **f.to == "" {
					return fail("scope", "unknown scope %q", string(**f.to))
				}
			}
		}
		if n == 0 {
			return fail("scope", "no scope setting changes")
		}
	}
	switch {
	case takes(EventIntuneToggle, EventConfigMgrAuthority, EventDefenderForCloud):
		if e.On == nil {
			return fail("on", "%s needs on: true or false", e.Kind)
		}
	case takes(EventConfigMgrClient):
	default:
		if e.On != nil {
			return fail("on", "%s takes no on", e.Kind)
		}
	}
	if e.EntraRegistration != "" {
		if !takes(EventFullRegistration) {
			return fail("entraRegistration", "%s takes no registration", e.Kind)
		}
		if !e.EntraRegistration.Full() {
			return fail("entraRegistration", "%q is not a full registration", string(e.EntraRegistration))
		}
	}
	if e.Fault != nil {
		if !takes(EventRetry) {
			return fail("fault", "%s takes no fault", e.Kind)
		}
		if *e.Fault != 0 && !e.Fault.Valid() {
			return fail("fault", "%d is not a documented enrollment code", int(*e.Fault))
		}
	}
	return nil
}

// tag returns the tag an addTag or removeTag is about.
func (e Event) tag() string {
	if e.Tag == "" {
		return ManagementTag
	}
	return e.Tag
}

// fullRegistration returns the registration a fullRegistration event makes.
func (e Event) fullRegistration(f Facts) EntraRegistration {
	switch {
	case e.EntraRegistration != "":
		return e.EntraRegistration
	case !f.Platform.Windows():
		return RegistrationRegistered
	case f.DomainJoined:
		return RegistrationHybridJoined
	}
	return RegistrationEntraJoined
}

// Update applies the event's effect on the world to the tenant and the
// device facts: addTag adds the tag, scopeChange sets the scope, mdmEnroll
// marks the device MDM-enrolled (and fully registered, as MDM enrollment
// registers it), and so on. Events of the flow itself (onboard, checkIn,
// deletions, ...) change neither. On error nothing is changed.
//
// Apply and Record.Handle take the environment as it is after the event:
// call Update first. A tenant event (scopeChange, intuneToggle,
// configMgrAuthority, defenderForCloud) is applied to the tenant once and
// then handled by every device of the tenant.
func (e Event) Update(t *Tenant, f *Facts) error {
	if err := e.Validate(); err != nil {
		return err
	}
	nt, nf := *t, *f
	nf.Tags = slices.Clone(f.Tags)
	switch e.Kind {
	case EventAddTag:
		if !nf.HasTag(e.tag()) {
			nf.Tags = append(nf.Tags, e.tag())
		}
	case EventRemoveTag:
		nf.Tags = slices.DeleteFunc(nf.Tags, func(t string) bool { return strings.EqualFold(t, e.tag()) })
	case EventScopeChange:
		for _, s := range e.Scope.fields(&nt.Scope) {
			if *s.to != nil {
				*s.set = **s.to
			}
		}
	case EventIntuneToggle:
		nt.IntuneEnforcement = *e.On
	case EventConfigMgrAuthority:
		nt.ConfigMgrAuthority = *e.On
	case EventDefenderForCloud:
		nt.DefenderForCloud = *e.On
	case EventConfigMgrClient:
		nf.ConfigMgrClient = e.On == nil || *e.On
	case EventMDMEnroll:
		nf.MDMEnrolled = true
		if !nf.EntraRegistration.Full() {
			nf.EntraRegistration = e.fullRegistration(nf)
		}
	case EventMDMUnenroll:
		nf.MDMEnrolled = false
	case EventFullRegistration:
		if nf.EntraRegistration.Full() {
			return &InputError{What: "event", Field: "event", Reason: "the device already has a full registration (" + nf.EntraRegistration.String() + ")"}
		}
		nf.EntraRegistration = e.fullRegistration(nf)
	case EventRetry:
		if e.Fault != nil {
			nf.Fault = *e.Fault
		}
	}
	if err := nt.Validate(); err != nil {
		return err
	}
	if err := nf.Validate(); err != nil {
		return err
	}
	*t, *f = nt, nf
	return nil
}

// reflected reports whether the environment shows the event's effect, so
// that Apply can refuse an environment from before the event.
func (e Event) reflected(t Tenant, f Facts) (bool, string) {
	switch e.Kind {
	case EventAddTag:
		return f.HasTag(e.tag()), "the device facts lack tag " + e.tag()
	case EventRemoveTag:
		return !f.HasTag(e.tag()), "the device facts still carry tag " + e.tag()
	case EventScopeChange:
		for _, s := range e.Scope.fields(&t.Scope) {
			if *s.to != nil && norm(*s.set) != **s.to {
				return false, "the tenant scope does not show the change"
			}
		}
	case EventIntuneToggle:
		return t.IntuneEnforcement == *e.On, "the tenant's Intune toggle does not show the change"
	case EventConfigMgrAuthority:
		return t.ConfigMgrAuthority == *e.On, "the tenant's Configuration Manager authority does not show the change"
	case EventDefenderForCloud:
		return t.DefenderForCloud == *e.On, "the tenant's Defender for Cloud toggle does not show the change"
	case EventConfigMgrClient:
		return f.ConfigMgrClient == (e.On == nil || *e.On), "the device facts do not show the Configuration Manager client change"
	case EventMDMEnroll:
		return f.MDMEnrolled, "the device facts do not show the MDM enrollment"
	case EventMDMUnenroll:
		return !f.MDMEnrolled, "the device facts still show an MDM enrollment"
	case EventFullRegistration:
		return f.EntraRegistration.Full() && (e.EntraRegistration == "" || f.EntraRegistration == e.EntraRegistration),
			"the device facts do not show the full registration"
	case EventRetry:
		return e.Fault == nil || f.Fault == *e.Fault, "the device facts do not show the new fault"
	}
	return true, ""
}
