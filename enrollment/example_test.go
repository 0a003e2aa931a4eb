package enrollment_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
)

// exampleTenant manages every Windows client.
func exampleTenant() enrollment.Tenant {
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope.WindowsClient = enrollment.ScopeAll
	return t
}

// Onboard a Windows client and read its enrollment status.
func ExampleOnboard() {
	dir, _ := identity.NewDirectory()
	env := enrollment.Env{
		Tenant:    exampleTenant(),
		Facts:     enrollment.HealthyFacts(enrollment.PlatformWindows),
		Directory: dir,
		Now:       time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC),
	}
	rec, transitions, err := enrollment.Onboard("device-1", env)
	if err != nil {
		panic(err)
	}
	if err := dir.Apply(enrollment.Changes(transitions)...); err != nil {
		panic(err)
	}
	obj, _ := dir.Lookup("device-1")
	fmt.Println(rec.Status, rec.Code, rec.ManagedBy, rec.Registration, obj.ManagementType)
	fmt.Println("next check-in:", rec.NextCheckIn.Format(time.Kitchen))
	for _, t := range transitions {
		fmt.Printf("%s -> %s\n", t.From, t.To)
	}
	// Output:
	// success 1 MDE synthetic MicrosoftSense
	// next check-in: 9:30AM
	// notOnboarded -> onboarded
	// onboarded -> surveyed
	// surveyed -> inScope
	// inScope -> enrolled
}

// A managed device enrolls in MDM later: it stops processing security
// settings management policies and its directory object changes.
func ExampleRecord_Handle() {
	dir, _ := identity.NewDirectory()
	env := enrollment.Env{
		Tenant:    exampleTenant(),
		Facts:     enrollment.HealthyFacts(enrollment.PlatformWindows),
		Directory: dir,
		Now:       time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC),
	}
	rec, trs, _ := enrollment.Onboard("device-1", env)
	_ = dir.Apply(enrollment.Changes(trs)...)

	env.Now = env.Now.Add(24 * time.Hour)
	ev := enrollment.Event{Kind: enrollment.EventMDMEnroll}
	if err := ev.Update(&env.Tenant, &env.Facts); err != nil { // the world after the event
		panic(err)
	}
	rec, trs, err := rec.Handle(ev, env)
	if err != nil {
		panic(err)
	}
	_ = dir.Apply(enrollment.Changes(trs)...)
	obj, _ := dir.Lookup("device-1")
	fmt.Println(rec.Status, rec.Code, rec.ManagedBy)
	fmt.Println(obj.ManagementType, obj.Registration, obj.DeviceTrustType)
	fmt.Println(rec.Cause)
	// Output:
	// managedByMDM 3 Intune
	// MDM full AzureAD
	// the device enrolled in MDM and stops processing security settings management policies (code 3)
}

// Apply takes one transition at a time; an event the table does not allow
// is an error.
func ExampleApply() {
	env := enrollment.Env{
		Tenant: exampleTenant(),
		Facts:  enrollment.HealthyFacts(enrollment.PlatformWindows),
		Now:    time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC),
	}
	rec := enrollment.Record{DeviceID: "device-1"}
	rec, t, _ := enrollment.Apply(rec, enrollment.Event{Kind: enrollment.EventOnboard}, env)
	fmt.Println(t.From, "->", t.To, "by rule", t.Rule)
	_, _, err := enrollment.Apply(rec, enrollment.Event{Kind: enrollment.EventPolicySync}, env)
	fmt.Println(err)
	// Output:
	// notOnboarded -> onboarded by rule 0
	// enrollment: event policySync is not allowed in state onboarded: no rule of the table handles it
}

// A device that fails a prerequisite reports notSupported with a reason.
func ExampleHealthyFacts() {
	facts := enrollment.HealthyFacts(enrollment.PlatformWindows)
	facts.PowerShellLanguageMode = enrollment.ConstrainedLanguage
	rec, _, _ := enrollment.Onboard("device-1", enrollment.Env{Tenant: exampleTenant(), Facts: facts})
	fmt.Println(rec.Status, rec.Reason)
	fmt.Println(rec.Cause)
	// Output:
	// notSupported powerShellLanguageMode
	// not supported (powerShellLanguageMode): PowerShell runs in ConstrainedLanguage mode
}

// The tenant and the facts decode from the conformance corpus form;
// omitted keys take their defaults.
func ExampleDefaultTenant() {
	var t enrollment.Tenant
	_ = json.Unmarshal([]byte(`{"intuneEnforcement": true, "scope": {"linux": "tagged"}}`), &t)
	var f enrollment.Facts
	_ = json.Unmarshal([]byte(`{"platform": "linux", "tags": ["MDE-Management"]}`), &f)
	fmt.Println(t.Mode, t.MDEUserLicense, t.Scope.Linux, t.Scope.MacOS)
	fmt.Println(f.AgentVersion, f.BoardVendorPresent)
	// Output:
	// current true tagged off
	// 101.24092.0004 true
}

// Event.Update applies an event's effect to the tenant and the facts.
func ExampleEvent_Update() {
	t, f := exampleTenant(), enrollment.HealthyFacts(enrollment.PlatformWindows)
	tagged := enrollment.ScopeTagged
	_ = enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{WindowsClient: &tagged}}.Update(&t, &f)
	_ = enrollment.Event{Kind: enrollment.EventAddTag}.Update(&t, &f)
	fmt.Println(t.Scope.WindowsClient, f.Tags)
	// Output: tagged [MDE-Management]
}

// Each documented code belongs to one status.
func ExampleCode_Status() {
	for _, c := range []enrollment.Code{1, 14, 42, 44} {
		s, _ := c.Status()
		fmt.Printf("%d %s (%s)\n", c, s, s.Label())
	}
	fmt.Println(enrollment.StatusGeneralError.Codes())
	// Output:
	// 1 success (Success)
	// 14 connectivityIssue (Connectivity issue)
	// 42 hybridJoinFailure (General hybrid join failure)
	// 44 intuneConfigurationIssue (Microsoft Intune configuration issue)
	// [5 6 7 9 11 12 26 27 28 29 30 31 32 33]
}

// Status.Code gives the first documented code of a status.
func ExampleStatus_Code() {
	fmt.Println(enrollment.StatusManagedByConfigMgr.Code(), enrollment.StatusNotSupported.Code())
	// Output: 4 0
}

// Check-ins come every 90 minutes, with a jitter drawn from the caller's
// source.
func ExampleNextCheckIn() {
	last := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	fmt.Println(enrollment.NextCheckIn(last, nil).Format(time.Kitchen))
	next := enrollment.NextCheckIn(last, rand.NewPCG(1, 2))
	fmt.Println(next.Sub(last) >= 85*time.Minute && next.Sub(last) <= 95*time.Minute)
	// Output:
	// 9:30AM
	// true
}

// The transition table is data.
func ExampleRules() {
	for _, r := range enrollment.Rules()[3:8] {
		fmt.Println(r)
	}
	// Output:
	// surveyed --qualify [Configuration Manager has authority]--> managedByConfigMgr
	// surveyed --qualify [a prerequisite fails]--> notSupported
	// surveyed --qualify [Intune toggle off]--> failed
	// surveyed --qualify [out of enforcement scope]--> notEnrolled
	// surveyed --qualify--> inScope
}

// Registration failures are injected with a Registrar (or Facts.Fault).
func ExampleRegistrarFunc() {
	env := enrollment.Env{
		Tenant: exampleTenant(),
		Facts:  enrollment.HealthyFacts(enrollment.PlatformWindows),
		Registrar: enrollment.RegistrarFunc(func(r enrollment.RegistrationRequest) enrollment.Code {
			return 38 // DNS error
		}),
	}
	rec, _, _ := enrollment.Onboard("device-1", env)
	fmt.Println(rec.State, rec.Status, rec.Code)
	// Output: failed dnsError 38
}

// State.Accepts tells which events the table handles in a state.
func ExampleState_Accepts() {
	fmt.Println(enrollment.StateEnrolled.Accepts(enrollment.EventCheckIn), enrollment.StateNotEnrolled.Accepts(enrollment.EventCheckIn))
	// Output: true false
}

// Changes merges the directory writes of the transitions of one Handle.
func ExampleChanges() {
	_, trs, _ := enrollment.Onboard("device-1", enrollment.Env{Tenant: exampleTenant(), Facts: enrollment.HealthyFacts(enrollment.PlatformWindows)})
	for _, c := range enrollment.Changes(trs) {
		fmt.Println(c.Kind, c.Device.DeviceID, c.Device.Registration, c.Device.ManagementType)
	}
	// Output: create device-1 synthetic MicrosoftSense
}

// CheckInDue tells whether an enrolled device should check in.
func ExampleRecord_CheckInDue() {
	now := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	rec, _, _ := enrollment.Onboard("device-1", enrollment.Env{Tenant: exampleTenant(), Facts: enrollment.HealthyFacts(enrollment.PlatformWindows), Now: now})
	fmt.Println(rec.CheckInDue(now.Add(time.Hour)), rec.CheckInDue(now.Add(90*time.Minute)))
	// Output: false true
}

// Domain controllers follow the Windows Server scope and their own switch.
func ExampleScope_For() {
	s := enrollment.Scope{WindowsServer: enrollment.ScopeTagged, DomainControllers: enrollment.ScopeAll}
	fmt.Println(s.For(enrollment.PlatformWindowsServer, false), s.For(enrollment.PlatformWindowsServer, true), s.For(enrollment.PlatformLinux, false))
	// Output: tagged tagged off
}

// Domain controllers need Windows Server enabled.
func ExampleTenant_Validate() {
	t := enrollment.DefaultTenant()
	t.Scope.DomainControllers = enrollment.ScopeAll
	fmt.Println(t.Validate())
	// Output: enrollment: invalid tenant: "scope.domainControllers": domain controllers need Windows Server enabled
}
