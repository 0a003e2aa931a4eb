package enrollment_test

import (
	"fmt"

	"github.com/secmgmt/secmgmt/enrollment"
)

func ExampleStatuses() {
	for _, s := range enrollment.Statuses() {
		fmt.Printf("%s %v %v %q\n", s, s.Codes(), s.Failed(), s.Label())
	}
	// Output:
	// success [1] false "Success"
	// notEnrolled [2] false "Not enrolled"
	// managedByMDM [3 21] false "Managed by MDM agent"
	// managedByConfigMgr [4 22] false "Managed by Configuration Manager agent"
	// notSupported [] false "Not supported"
	// intuneConfigurationIssue [8 44] true "Microsoft Intune configuration issue"
	// connectivityIssue [13 14 20 24 25] true "Connectivity issue"
	// hybridJoinFailure [10 42] true "General hybrid join failure"
	// tenantMismatch [15] true "Tenant mismatch"
	// scpError [16 17] true "Hybrid error - service connection point"
	// certificateError [18] true "Certificate error"
	// entraConnectMisconfiguration [36 37] true "Microsoft Entra Connect misconfiguration"
	// dnsError [38 41] true "DNS error"
	// clockSyncIssue [40] true "Clock sync issue"
	// mdeAndConfigMgr [43] true "MDE and ConfigMgr"
	// generalError [5 6 7 9 11 12 26 27 28 29 30 31 32 33] true "General error"
}

func ExampleStatus_Codes() {
	fmt.Println(enrollment.StatusConnectivityIssue.Codes(), enrollment.StatusNotSupported.Codes())
	// Output: [13 14 20 24 25] []
}

// Failed tells an error apart from a status that says why a device is not
// processed here.
func ExampleStatus_Failed() {
	for _, s := range []enrollment.Status{enrollment.StatusSuccess, enrollment.StatusManagedByMDM, enrollment.StatusDNSError} {
		fmt.Println(s, s.Failed())
	}
	// Output:
	// success false
	// managedByMDM false
	// dnsError true
}

func ExampleStatus_Label() {
	fmt.Println(enrollment.StatusEntraConnectMisconfiguration.Label())
	// Output: Microsoft Entra Connect misconfiguration
}

func ExampleStates() {
	for _, s := range enrollment.States() {
		if ev, step := s.Step(); step {
			fmt.Println(s, "(step, left by", ev, "event)")
		} else {
			fmt.Println(s)
		}
	}
	// Output:
	// notOnboarded
	// onboarded (step, left by survey event)
	// surveyed (step, left by qualify event)
	// inScope (step, left by register event)
	// enrolled
	// notEnrolled
	// notSupported
	// failed
	// managedByMDM
	// managedByConfigMgr
	// deleted
	// offboarded
}

// The steps of the flow are left at once by the event named.
func ExampleState_Step() {
	ev, ok := enrollment.StateSurveyed.Step()
	fmt.Println(ev, ok)
	_, ok = enrollment.StateEnrolled.Step()
	fmt.Println(ok)
	// Output:
	// qualify true
	// false
}

func ExampleEventKinds() {
	kinds := enrollment.EventKinds()
	fmt.Println(len(kinds), kinds[0], kinds[len(kinds)-1])
	// Output: 20 onboard register
}

func ExampleEvent_Validate() {
	tag := enrollment.Event{Kind: enrollment.EventAddTag, Tag: enrollment.ManagementTag}
	fmt.Println(tag.Validate())
	on := true
	fmt.Println(enrollment.Event{Kind: enrollment.EventCheckIn, On: &on}.Validate())
	fmt.Println(enrollment.Event{Kind: "reboot"}.Validate())
	// Output:
	// <nil>
	// enrollment: invalid event: "on": checkIn takes no on
	// enrollment: invalid event: "event": unknown event "reboot"
}

func ExampleFacts_HasTag() {
	f := enrollment.HealthyFacts(enrollment.PlatformWindows)
	f.Tags = []string{"mde-management"}
	fmt.Println(f.HasTag(enrollment.ManagementTag), f.HasTag("tier-0"))
	// Output: true false
}

func ExampleFacts_Validate() {
	f := enrollment.HealthyFacts(enrollment.PlatformLinux)
	fmt.Println(f.Validate())
	f.Platform = "solaris"
	fmt.Println(f.Validate())
	// Output:
	// <nil>
	// enrollment: invalid device: "platform": unknown platform "solaris"
}

func ExampleEntraRegistration_Full() {
	for _, r := range []enrollment.EntraRegistration{enrollment.RegistrationNone, enrollment.RegistrationEntraJoined,
		enrollment.RegistrationHybridJoined, enrollment.RegistrationRegistered} {
		fmt.Printf("%s full=%v trust=%q\n", r, r.Full(), r.Trust())
	}
	// Output:
	// none full=false trust=""
	// entraJoined full=true trust="AzureAD"
	// hybridJoined full=true trust="ServerAD"
	// registered full=true trust="Workplace"
}

func ExampleEntraRegistration_Trust() {
	fmt.Println(enrollment.RegistrationHybridJoined.Trust())
	// Output: ServerAD
}

func ExampleMode_Legacy() {
	fmt.Println(enrollment.ModeLegacy.Legacy(), enrollment.ModeCurrent.Legacy(), enrollment.Mode("").Legacy())
	// Output: true false false
}

func ExamplePlatform_OSType() {
	for _, p := range []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformWindowsServer, enrollment.PlatformMacOS, enrollment.PlatformLinux} {
		fmt.Printf("%s %q %v\n", p, p.OSType(), p.Windows())
	}
	// Output:
	// windows "Windows" true
	// windowsServer "Windows Server" true
	// macOS "macOS" false
	// linux "Linux" false
}

func ExamplePlatform_Windows() {
	fmt.Println(enrollment.PlatformWindowsServer.Windows(), enrollment.PlatformMacOS.Windows())
	// Output: true false
}

func ExampleScopeSetting_Enabled() {
	for _, s := range []enrollment.ScopeSetting{enrollment.ScopeOff, enrollment.ScopeAll, enrollment.ScopeTagged} {
		fmt.Println(s, s.Enabled())
	}
	// Output:
	// off false
	// all true
	// tagged true
}

func ExampleRegistrarFunc_Register() {
	r := enrollment.RegistrarFunc(func(req enrollment.RegistrationRequest) enrollment.Code {
		if req.Facts.Platform == enrollment.PlatformWindows && req.Mode.Legacy() {
			return 10 // hybrid join failure
		}
		return 0
	})
	code := r.Register(enrollment.RegistrationRequest{DeviceID: "pc-1", Mode: enrollment.ModeLegacy, Facts: enrollment.HealthyFacts(enrollment.PlatformWindows)})
	st, _ := code.Status()
	fmt.Println(code, st)
	// Output: 10 hybridJoinFailure
}
