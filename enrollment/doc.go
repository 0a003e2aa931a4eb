// Package enrollment decides how a device onboarded to the
// endpoint-protection agent comes to be managed, or not, by security
// settings management: the MDM survey, Configuration Manager authority, the
// prerequisites, the Intune toggle, the enforcement scope, the directory
// registration, the status codes the portals show, and the 90-minute
// check-in schedule.
//
// # Main types
//
//   - Tenant: the tenant's configuration (mode, Intune toggle, enforcement
//     scope per platform, Configuration Manager authority, Defender for
//     Cloud, government cloud, licence). DefaultTenant is the starting point.
//   - Facts: what the agent reports about a device. HealthyFacts gives a
//     healthy, supported device of a platform; the JSON form starts from it.
//   - State, EventKind, Event: the state machine. The transition table is
//     data (Rules); State's documentation lists every transition.
//   - Record: one device's state, Status (with its Code and Reason),
//     ManagedBy, registration method, check-in schedule and History of
//     Transitions, each with its cause and time.
//   - Apply takes one transition; Record.Handle takes an event and the
//     flow's steps that follow it; Onboard starts a device.
//
// # The flow
//
//	            onboard
//	notOnboarded ───────► onboarded ──survey──► managedByMDM        (MDM enrollment: code 3)
//	                          │
//	                          ▼ no MDM
//	                      surveyed ──qualify──► managedByConfigMgr  (client + authority: code 4)
//	                          │             ├─► notSupported        (a prerequisite, with a Reason)
//	                          │             ├─► failed              (Intune toggle off: code 8)
//	                          │             └─► notEnrolled         (out of scope: code 2)
//	                          ▼ qualified
//	                       inScope ──register──► failed             (codes 5–44 by class)
//	                          │
//	                          ▼ existing / synthetic / hybrid join / Entra join
//	                      enrolled ◄── checkIn, policySync, changes that keep it in scope,
//	                          │        fullRegistration (synthetic → full)
//	                          ├─ mdmEnroll ─────────────► managedByMDM ──mdmUnenroll──► surveyed
//	                          ├─ change out of scope ───► notEnrolled, notSupported, failed,
//	                          │                           managedByConfigMgr ──change / retry──► flow again
//	                          ├─ deleteFromIntune / deleteFromDefender ──► deleted ──retry──► onboarded
//	                          └─ offboard (from any onboarded state) ──► offboarded ──onboard──► onboarded
//
// # Events
//
// The events a caller reports (the "event" of the conformance corpus) and
// their parameters:
//
//	onboard             the agent is onboarded (again, after offboarding)
//	offboard            the agent is offboarded; the directory object goes
//	retry               the agent runs the flow again; fault (optional) replaces the injected fault
//	checkIn             an enrolled device checks in; the next check-in is scheduled
//	policySync          an administrator asks an enrolled device to check in now
//	mdmEnroll           the device enrolls in MDM
//	mdmUnenroll         the device leaves MDM
//	fullRegistration    the device registers fully; entraRegistration (optional)
//	addTag, removeTag   tag (default MDE-Management)
//	scopeChange         scope: the platform settings that change, e.g. {"windowsClient": "off"}
//	intuneToggle        on: true | false
//	configMgrClient     on (default true): a Configuration Manager client is installed or removed
//	configMgrAuthority  on: true | false
//	defenderForCloud    on: true | false
//	deleteFromIntune    the device is deleted in Intune; the deletion reaches Defender
//	deleteFromDefender  the device is removed in Defender; the deletion reaches Intune
//
// survey, qualify and register are the flow's own steps; Record.Handle
// takes them by itself. Event.Update applies an event's effect to the
// tenant and the facts; Apply and Handle take the environment as it is
// after the event, and refuse one that does not show the event's effect.
//
// # Directory
//
// The machine never writes the directory: each Transition lists the
// identity.Change values to apply (Changes merges them per object). It
// reads the directory through DirectoryView, which *identity.Directory
// implements, and asks it whether a registration would apply: a
// registration the directory refuses (its quota, for one) fails with
// generalError. Within Handle the machine sees the changes of the earlier
// steps.
//
// # Errors
//
// An event that the table does not allow in the record's state is a
// *TransitionError wrapping ErrInvalidTransition, never a silent no-op.
// A tenant, facts, event or record that is not valid is an *InputError
// wrapping ErrInvalidInput, naming the JSON key at fault. In both cases the
// record is returned unchanged.
//
// # Concurrency
//
// The package is pure: no I/O, no goroutines, no clock (Env.Now is the
// time). Records, tenants, facts and events are values; functions return
// new values and never modify their arguments, except that the check-in
// jitter advances the caller's rand.Source. The same inputs give the same
// transitions, directory changes and object ids.
//
// # Choices where the specification is silent
//
//   - Status codes: a record's Code is the code the agent would write; the
//     flow's own outcomes use the first documented code of their status
//     (success 1, notEnrolled 2, managedByMDM 3, managedByConfigMgr 4,
//     Intune toggle off 8). notSupported, the Linux board_vendor known issue
//     and a registration the directory refuses have no documented code: 0.
//     Codes 21 and 22, which the agent's client analyzer reads as MDM and
//     Configuration Manager, map to managedByMDM and managedByConfigMgr.
//   - Statuses of devices that are not processed: the flow steps,
//     notOnboarded, deleted and offboarded read notEnrolled (code 2).
//   - Managed by: MDE when enrolled; Intune when MDM-enrolled, Co-managed
//     when it also has a Configuration Manager client; otherwise ConfigMgr
//     when a Configuration Manager client is present, else Unknown.
//   - Code 43 (MDE and ConfigMgr) arises only by injection: with the
//     authority toggle off, a Configuration Manager client enrolls here.
//   - OS versions: Windows 10 20H2/21H2/22H2 at revision 2788
//     (KB5023773), Windows 11 22H2 at 1485 (KB5023778) and later builds;
//     Windows 11 21H2, which the documentation does not name, is not
//     supported. Windows Server 2012 R2, 2016, 2019 at 4252 (KB5025229),
//     2022 at 1668 (KB5025230) and later builds. A version without a
//     revision counts as up to date. Editions: Pro, Professional and
//     Enterprise. macOS and Linux OS versions and distributions are not
//     checked (no documented list); their agents are.
//   - PowerShell: any language mode but FullLanguage fails, not only
//     ConstrainedLanguage. Non-persistent VDI fails on every platform.
//   - Domain controllers: in current mode they need the domain-controller
//     switch (which needs Windows Server enabled) and follow a "tagged"
//     choice of either; legacy mode does not support them. A tenant with
//     domain controllers on and Windows Server off is invalid.
//   - Registration: in current mode any full registration (Entra joined,
//     hybrid joined or registered) is reused; in legacy mode only a join is,
//     and a registered (Workplace) device is joined like an unregistered
//     one, its object becoming the joined one. MDEJoined marks only devices
//     the flow joined; MDEManaged marks every managed device.
//   - A synthetic registration replaced by a full one keeps the device id,
//     tags and management marks; it is a new object, so its static
//     memberships are not carried over. MDM enrollment replaces a synthetic
//     registration the same way and sets managementType to MDM.
//   - Leaving management (scope, toggle, authority, prerequisites) keeps
//     the directory object and removes the marks (managementType becomes
//     empty, MDEManaged goes); the device keeps its last settings.
//     Offboarding and deletion delete the object; the device comes back,
//     with a new object and the same device id, when the flow runs again.
//   - Check-in: every 90 minutes ± 5 minutes of jitter (CheckInJitter);
//     enrolling counts as a check-in. Policy sync makes the next check-in
//     due at once (NextCheckIn = now); the documented "about 10 minutes"
//     is delivery latency that a model does not need to add.
//   - The macOS duplicate-object known issue is reproduced only when
//     Env.MacOSDuplicateIssue is set, for agent 101.23052.0004 reusing a
//     full registration: the duplicate is a separate synthetic object,
//     unmarked, counted against the quota, created once per device.
package enrollment
