package enrollment

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/identity"
)

// Rule is one row of the transition table: in a state of From, on an
// event of On, when the condition named Guard holds ("" = always), the
// device moves to To.
type Rule struct {
	From  []State
	On    []EventKind
	Guard string
	To    State
}

// String renders the rule as the State documentation lists it, e.g.
// "surveyed --qualify [Intune toggle off]--> failed".
func (r Rule) String() string {
	g := ""
	if r.Guard != "" {
		g = " [" + r.Guard + "]"
	}
	return fmt.Sprintf("%s --%s%s--> %s", renderStates(r.From), renderEvents(r.On), g, r.To)
}

// Rules returns the transition table, in the order Apply tries it.
func Rules() []Rule {
	out := make([]Rule, len(table))
	for i, r := range table {
		out[i] = Rule{From: slices.Clone(r.from), On: slices.Clone(r.on), To: r.to}
		if r.when != nil {
			out[i].Guard = r.when.name
		}
	}
	return out
}

// Groups used by the table.
var (
	// changeEvents change the tenant or the device in ways that can move a
	// managed device out of (or a resting one into) management.
	changeEvents = []EventKind{EventAddTag, EventRemoveTag, EventScopeChange, EventIntuneToggle,
		EventConfigMgrClient, EventConfigMgrAuthority, EventDefenderForCloud}
	changePlus = append(slices.Clone(changeEvents), EventFullRegistration)
	// resting are the states of an onboarded device that is not managed
	// here for a reason that a change can lift.
	resting         = []State{StateNotEnrolled, StateNotSupported, StateFailed, StateManagedByConfigMgr, StateDeleted}
	onboardedStates = []State{StateOnboarded, StateSurveyed, StateInScope, StateEnrolled, StateNotEnrolled,
		StateNotSupported, StateFailed, StateManagedByMDM, StateManagedByConfigMgr, StateDeleted}
)

func renderStates(ss []State) string {
	if slices.Equal(ss, onboardedStates) {
		return "every state but notOnboarded and offboarded"
	}
	var parts []string
	rest := slices.Clone(ss)
	if hasAll(ss, resting) {
		i := slices.Index(ss, resting[0])
		for _, s := range ss[:i] {
			parts = append(parts, s.String())
		}
		parts = append(parts, "resting")
		rest = slices.DeleteFunc(slices.Clone(ss[i:]), func(s State) bool { return slices.Contains(resting, s) })
	}
	for _, s := range rest {
		parts = append(parts, s.String())
	}
	return strings.Join(parts, "|")
}

func hasAll[T comparable](set, sub []T) bool {
	for _, v := range sub {
		if !slices.Contains(set, v) {
			return false
		}
	}
	return true
}

func renderEvents(es []EventKind) string {
	switch {
	case slices.Equal(es, changeEvents):
		return "change"
	case slices.Equal(es, changePlus):
		return "change+"
	}
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = string(e)
	}
	return strings.Join(parts, "|")
}

// guard is a named condition of a rule. A guard may note why it failed in
// step.refusal, which becomes the reason of a TransitionError when no rule
// applies.
type guard struct {
	name string
	test func(*step) bool
}

type rule struct {
	from []State
	on   []EventKind
	when *guard
	to   State
	do   func(*step) error
}

func states(s ...State) []State         { return s }
func events(e ...EventKind) []EventKind { return e }

// The transition table. Order matters: for a state and an event, the first
// rule whose guard holds applies. The State documentation lists it; a test
// keeps the two in step.
var table = []rule{
	{states(StateNotOnboarded, StateOffboarded), events(EventOnboard), nil, StateOnboarded, doOnboard},

	{states(StateOnboarded), events(EventSurvey), gMDMPresent, StateManagedByMDM, doNotProcessedMDM},
	{states(StateOnboarded), events(EventSurvey), nil, StateSurveyed, doNoMDM},

	{states(StateSurveyed), events(EventQualify), gConfigMgrAuthority, StateManagedByConfigMgr, doConfigMgr},
	{states(StateSurveyed), events(EventQualify), gPrerequisiteFails, StateNotSupported, doNotSupported},
	{states(StateSurveyed), events(EventQualify), gIntuneOff, StateFailed, doIntuneOff},
	{states(StateSurveyed), events(EventQualify), gOutOfScope, StateNotEnrolled, doOutOfScope},
	{states(StateSurveyed), events(EventQualify), nil, StateInScope, doInScope},

	{states(StateInScope), events(EventRegister), gFaultNotEnrolled, StateNotEnrolled, doFault},
	{states(StateInScope), events(EventRegister), gFaultMDM, StateManagedByMDM, doFault},
	{states(StateInScope), events(EventRegister), gFaultConfigMgr, StateManagedByConfigMgr, doFault},
	{states(StateInScope), events(EventRegister), gFaultError, StateFailed, doFault},
	{states(StateInScope), events(EventRegister), gBoardVendorIssue, StateFailed, doBoardVendorIssue},
	{states(StateInScope), events(EventRegister), gDirectoryRefuses, StateFailed, doDirectoryRefused},
	{states(StateInScope), events(EventRegister), nil, StateEnrolled, doEnroll},

	{states(StateEnrolled), events(EventCheckIn), nil, StateEnrolled, doCheckIn},
	{states(StateEnrolled), events(EventPolicySync), nil, StateEnrolled, doPolicySync},

	{states(StateEnrolled), changeEvents, gConfigMgrAuthority, StateManagedByConfigMgr, doConfigMgr},
	{states(StateEnrolled), changeEvents, gPrerequisiteFails, StateNotSupported, doNotSupported},
	{states(StateEnrolled), changeEvents, gIntuneOff, StateFailed, doIntuneOff},
	{states(StateEnrolled), changeEvents, gOutOfScope, StateNotEnrolled, doOutOfScope},
	{states(StateEnrolled), changeEvents, nil, StateEnrolled, doStillManaged},
	{states(StateEnrolled), events(EventFullRegistration), gSynthetic, StateEnrolled, doReplaceSynthetic},

	{resting, changePlus, gNotFullyRegistered, StateSurveyed, doRequalify},
	{states(StateManagedByMDM), changePlus, gNotFullyRegistered, StateManagedByMDM, doMDMUnchanged},
	{append(states(StateEnrolled), resting...), events(EventMDMEnroll), nil, StateManagedByMDM, doMDMEnroll},
	{states(StateManagedByMDM), events(EventMDMUnenroll), nil, StateSurveyed, doMDMUnenroll},
	{append(slices.Clone(resting), StateManagedByMDM), events(EventRetry), nil, StateOnboarded, doRetry},
	{states(StateEnrolled, StateNotEnrolled, StateNotSupported, StateFailed, StateManagedByConfigMgr),
		events(EventDeleteFromIntune, EventDeleteFromDefender), nil, StateDeleted, doDelete},
	{onboardedStates, events(EventOffboard), nil, StateOffboarded, doOffboard},
}

// step is one application of a rule: its inputs, the transition being
// built, and scratch space the guards and actions share.
type step struct {
	rec Record
	ev  Event
	env Env
	obj *identity.Device // the device's object as the step goes; nil: none

	t       Transition
	refusal string // why the last guard that failed did

	reason  Reason // prerequisite that failed
	detail  string // sentence of the guard that held
	code    Code   // registration code, once asked
	asked   bool
	method  identity.Method
	planned []identity.Change
	planErr error
}

func (s *step) begin(i int, to State) {
	st := to.status()
	s.t = Transition{
		From: s.rec.State, To: to, Event: s.ev, Rule: i, At: s.env.Now,
		Status: st, Code: st.Code(), Registration: s.rec.Registration,
	}
	if to == StateEnrolled {
		s.t.LastCheckIn, s.t.NextCheckIn = s.rec.LastCheckIn, s.rec.NextCheckIn
	} else {
		s.t.LastCheckIn = s.rec.LastCheckIn
	}
}

// add appends directory changes and follows the device's own object.
func (s *step) add(cs []identity.Change) {
	for _, c := range cs {
		s.t.Changes = append(s.t.Changes, c)
		if c.Device == nil || !equalFold(c.Device.DeviceID, s.rec.DeviceID) {
			continue
		}
		if c.Kind == identity.ChangeDelete {
			s.obj = nil
		} else {
			s.obj = c.Device.Clone()
		}
	}
}

func (s *step) finish() Record {
	s.t.ManagedBy = managedBy(s.t.To, s.env.Facts)
	n := s.rec
	n.State, n.Status, n.Code, n.Reason, n.Cause = s.t.To, s.t.Status, s.t.Code, s.t.Reason, s.t.Cause
	n.ManagedBy, n.Registration = s.t.ManagedBy, s.t.Registration
	n.ObjectID = ""
	if s.obj != nil {
		n.ObjectID = s.obj.ObjectID
	}
	n.LastCheckIn, n.NextCheckIn = s.t.LastCheckIn, s.t.NextCheckIn
	n.History = append(slices.Clip(s.rec.History), s.t)
	return n
}

func (s *step) causef(format string, a ...any) { s.t.Cause = fmt.Sprintf(format, a...) }

// --- guards

var (
	gMDMPresent = &guard{"MDM enrollment present", func(s *step) bool { return s.env.Facts.MDMEnrolled }}

	gConfigMgrAuthority = &guard{"Configuration Manager has authority", func(s *step) bool {
		return s.env.Facts.ConfigMgrClient && s.env.Tenant.ConfigMgrAuthority
	}}
	gPrerequisiteFails = &guard{"a prerequisite fails", func(s *step) bool {
		s.reason, s.detail = prerequisite(s.env.Tenant, s.env.Facts)
		return s.reason != ReasonNone
	}}
	gIntuneOff  = &guard{"Intune toggle off", func(s *step) bool { return !s.env.Tenant.IntuneEnforcement }}
	gOutOfScope = &guard{"out of enforcement scope", func(s *step) bool {
		ok, why := inScope(s.env.Tenant, s.env.Facts)
		s.detail = why
		return !ok
	}}

	gFaultNotEnrolled = &guard{"fault 2", func(s *step) bool { return s.registrationCode() == 2 }}
	gFaultMDM         = &guard{"fault 3 or 21", func(s *step) bool { c := s.registrationCode(); return c == 3 || c == 21 }}
	gFaultConfigMgr   = &guard{"fault 4 or 22", func(s *step) bool { c := s.registrationCode(); return c == 4 || c == 22 }}
	gFaultError       = &guard{"fault of an error status", func(s *step) bool {
		c := s.registrationCode()
		st, ok := c.Status()
		return c != 0 && (!ok || st.Failed())
	}}
	gBoardVendorIssue = &guard{"Linux agent 101.23052.0009 without board_vendor", func(s *step) bool {
		return boardVendorIssue(s.env.Facts)
	}}
	gDirectoryRefuses = &guard{"the directory refuses the registration", func(s *step) bool {
		s.plan()
		if s.planErr == nil {
			s.planErr = s.env.Directory.Check(s.planned...)
		}
		return s.planErr != nil
	}}

	gSynthetic = &guard{"the registration is synthetic", func(s *step) bool {
		if s.obj != nil && s.obj.Registration == identity.RegistrationSynthetic {
			return true
		}
		s.refusal = "the device has no synthetic registration to replace"
		return false
	}}
	gNotFullyRegistered = &guard{"not yet fully registered, for fullRegistration", func(s *step) bool {
		if s.ev.Kind != EventFullRegistration || s.obj == nil || s.obj.Registration != identity.RegistrationFull {
			return true
		}
		s.refusal = "the device object is already a full registration"
		return false
	}}
)

// registrationCode asks Facts.Fault, then the Registrar, once per step.
func (s *step) registrationCode() Code {
	if s.asked {
		return s.code
	}
	s.asked = true
	s.code = s.env.Facts.Fault
	if s.code == 0 && s.env.Registrar != nil {
		s.plan()
		s.code = s.env.Registrar.Register(RegistrationRequest{
			DeviceID: s.rec.DeviceID, Method: s.method, Mode: s.env.Tenant.Mode, Facts: s.env.Facts,
		})
	}
	return s.code
}

// --- actions

func doOnboard(s *step) error {
	s.t.Registration = identity.MethodNone
	s.causef("onboarded to the endpoint-protection agent")
	return nil
}

func doRetry(s *step) error {
	s.causef("the agent runs the enrollment flow again")
	return nil
}

func doNotProcessedMDM(s *step) error {
	s.t.Registration = identity.MethodNone
	s.causef("the device is enrolled in MDM and gets endpoint-security policy from it, not here (code 3)")
	return nil
}

func doNoMDM(s *step) error {
	s.causef("no MDM enrollment: security settings management applies")
	return nil
}

func doConfigMgr(s *step) error {
	s.unmark("")
	s.syncTags()
	s.causef("the device has a Configuration Manager client and Configuration Manager has authority over its security settings (code 4)")
	return nil
}

func doNotSupported(s *step) error {
	s.t.Reason = s.reason
	s.unmark("")
	s.syncTags()
	s.causef("not supported (%s): %s", s.reason, s.detail)
	return nil
}

func doIntuneOff(s *step) error {
	s.t.Status, s.t.Code = StatusIntuneConfigurationIssue, 8
	s.unmark("")
	s.syncTags()
	s.causef("Intune does not allow Defender for Endpoint to enforce endpoint security configurations: %s (code 8)", StatusIntuneConfigurationIssue.Label())
	return nil
}

func doOutOfScope(s *step) error {
	wasManaged := s.rec.State == StateEnrolled
	s.unmark("")
	s.syncTags()
	s.causef("out of enforcement scope: %s", s.detail)
	if wasManaged {
		s.t.Cause += "; the device keeps the last settings it received"
	}
	return nil
}

func doInScope(s *step) error {
	s.causef("in enforcement scope")
	return nil
}

func doFault(s *step) error {
	c := s.registrationCode()
	st, ok := c.Status()
	if !ok {
		st = StatusGeneralError
	}
	s.t.Status, s.t.Code = st, c
	s.causef("registration reported code %d: %s", int(c), st.Label())
	if !ok {
		s.t.Cause += " (undocumented code)"
	}
	return nil
}

func doBoardVendorIssue(s *step) error {
	s.t.Status, s.t.Code = StatusGeneralError, 0
	s.causef("known issue: the Linux agent 101.23052.0009 fails to enroll without /sys/class/dmi/id/board_vendor: %s", StatusGeneralError.Label())
	return nil
}

func doDirectoryRefused(s *step) error {
	s.t.Status, s.t.Code = StatusGeneralError, 0
	s.causef("the directory refused the registration: %v: %s", s.planErr, StatusGeneralError.Label())
	return nil
}

func doEnroll(s *step) error {
	s.plan()
	if s.planErr != nil {
		return s.planErr
	}
	s.add(s.planned)
	s.t.Registration = s.method
	s.t.LastCheckIn = s.env.Now
	s.t.NextCheckIn = NextCheckIn(s.env.Now, s.env.Jitter)
	s.causef("enrolled with %s (code 1); next check-in at %s", describeMethod(s.method), s.t.NextCheckIn.Format(time.RFC3339))
	return nil
}

func doCheckIn(s *step) error {
	s.syncTags()
	s.t.LastCheckIn = s.env.Now
	s.t.NextCheckIn = NextCheckIn(s.env.Now, s.env.Jitter)
	s.causef("checked in; next check-in at %s", s.t.NextCheckIn.Format(time.RFC3339))
	return nil
}

func doPolicySync(s *step) error {
	s.t.NextCheckIn = s.env.Now
	s.causef("policy sync: a check-in is due now")
	return nil
}

func doStillManaged(s *step) error {
	s.syncTags()
	s.causef("%s: the device stays in scope and managed", s.ev.Kind)
	return nil
}

func doReplaceSynthetic(s *step) error {
	if err := s.replaceSynthetic(); err != nil {
		return err
	}
	s.causef("the synthetic registration is replaced by the device's full registration (%s); management continues", s.env.Facts.EntraRegistration)
	return nil
}

func doRequalify(s *step) error {
	if s.ev.Kind == EventFullRegistration && s.obj != nil && s.obj.Registration == identity.RegistrationSynthetic {
		if err := s.replaceSynthetic(); err != nil {
			return err
		}
	}
	s.syncTags()
	s.causef("%s: the enrollment flow runs again", s.ev.Kind)
	return nil
}

func doMDMUnchanged(s *step) error {
	s.syncTags()
	s.causef("%s: the device is enrolled in MDM and not processed here", s.ev.Kind)
	return nil
}

func doMDMEnroll(s *step) error {
	if s.obj != nil && s.obj.Registration == identity.RegistrationSynthetic {
		if err := s.replaceSynthetic(); err != nil {
			return err
		}
	}
	s.unmark(identity.ManagementTypeMDM)
	s.syncTags()
	if s.obj == nil {
		s.t.Registration = identity.MethodNone
	}
	s.causef("the device enrolled in MDM and stops processing security settings management policies (code 3)")
	return nil
}

func doMDMUnenroll(s *step) error {
	if s.obj != nil && s.obj.ManagementType == identity.ManagementTypeMDM {
		n := s.obj.Clone()
		n.ManagementType = ""
		s.add([]identity.Change{{Kind: identity.ChangeUpdate, Device: n}})
	}
	s.causef("the device left MDM: security settings management applies again")
	return nil
}

func doDelete(s *step) error {
	side := "Intune"
	if s.ev.Kind == EventDeleteFromDefender {
		side = "Defender"
	}
	s.add(identity.Delete(s.obj))
	s.t.Registration = identity.MethodNone
	s.causef("deleted from %s; the deletion reaches the other portal, and the device object and its group memberships are removed", side)
	return nil
}

func doOffboard(s *step) error {
	s.add(identity.Delete(s.obj))
	s.t.Registration = identity.MethodNone
	s.causef("offboarded from the endpoint-protection agent; the device object and its group memberships are removed")
	return nil
}

// --- helpers of the actions

// unmark removes the marks of management from the device object.
func (s *step) unmark(managementType string) { s.add(identity.ClearManaged(s.obj, managementType)) }

// syncTags copies the device tags to its object.
func (s *step) syncTags() { s.add(identity.SyncTags(s.obj, s.env.Facts.Tags)) }

func (s *step) replaceSynthetic() error {
	cs, err := identity.ReplaceSynthetic(s.obj, s.env.Facts.EntraRegistration.Trust(), s.env.Now)
	if err != nil {
		return err
	}
	if err := s.env.Directory.Check(cs...); err != nil {
		return err
	}
	s.add(cs)
	s.t.Registration = identity.MethodExisting
	return nil
}

// plan decides how the device registers and the directory changes that
// make it managed, once per step.
func (s *step) plan() {
	if s.method != "" || s.planErr != nil || s.planned != nil {
		return
	}
	f, t := s.env.Facts, s.env.Tenant
	obj := s.obj
	reg := f.registrant(s.rec.DeviceID, s.rec.DisplayName)
	full := obj != nil && obj.Registration == identity.RegistrationFull
	switch {
	case !t.Mode.Legacy() && (full || (obj == nil && f.EntraRegistration.Full())):
		s.method = identity.MethodExisting
	case !t.Mode.Legacy():
		s.method = identity.MethodSynthetic
	case full && (identity.TrustTypeOf(obj) == identity.TrustAzureAD || identity.TrustTypeOf(obj) == identity.TrustServerAD),
		obj == nil && (f.EntraRegistration == RegistrationEntraJoined || f.EntraRegistration == RegistrationHybridJoined):
		s.method = identity.MethodExisting
	case f.DomainJoined:
		s.method = identity.MethodHybridJoin
	default:
		s.method = identity.MethodEntraJoin
	}
	cs, err := identity.Register(obj, reg, s.method, s.env.Now)
	if err != nil {
		s.planErr = err
		return
	}
	cur := obj
	for _, c := range cs {
		cur = c.Device
	}
	marking, joined := identity.MarkManagementType, false
	if t.Mode.Legacy() {
		marking = identity.MarkSystemLabels
		joined = s.method == identity.MethodHybridJoin || s.method == identity.MethodEntraJoin
	}
	cs = append(cs, identity.SetManaged(cur, marking, joined)...)
	if len(cs) > 0 {
		cur = cs[len(cs)-1].Device
	}
	cs = append(cs, identity.SyncTags(cur, f.Tags)...)
	if s.env.MacOSDuplicateIssue && s.method == identity.MethodExisting && f.Platform == PlatformMacOS {
		if v, ok := parseVersion(f.AgentVersion); ok && v.compare(macOSDuplicateIssueAgent) == 0 {
			if _, exists := s.env.Directory.Lookup(identity.DuplicateDeviceID(s.rec.DeviceID)); !exists {
				if len(cs) > 0 {
					cur = cs[len(cs)-1].Device
				}
				dup, err := identity.DuplicateSynthetic(cur, s.env.Now)
				if err != nil {
					s.planErr = err
					return
				}
				cs = append(cs, dup...)
			}
		}
	}
	s.planned = identity.Compact(cs)
}

func describeMethod(m identity.Method) string {
	switch m {
	case identity.MethodExisting:
		return "its existing full registration"
	case identity.MethodSynthetic:
		return "a synthetic registration"
	case identity.MethodHybridJoin:
		return "an Entra hybrid join"
	case identity.MethodEntraJoin:
		return "an Entra join"
	}
	return "no registration"
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
