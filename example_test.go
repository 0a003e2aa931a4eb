package secmgmt_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/agent"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store/memstore"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
)

// exampleTenant puts every platform in scope, Windows clients when tagged.
func exampleTenant(ctx context.Context, svc *secmgmt.Service) {
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope = enrollment.Scope{
		WindowsClient: enrollment.ScopeTagged,
		WindowsServer: enrollment.ScopeAll,
		MacOS:         enrollment.ScopeAll,
		Linux:         enrollment.ScopeAll,
	}
	if _, err := svc.SetTenant(ctx, t, 0); err != nil {
		log.Fatal(err)
	}
}

// exampleService is a service with the tenant in scope, a dynamic group of
// Windows devices, an antivirus policy assigned to it, and one enrolled
// Windows device, "pc-1", whose credential it returns.
func exampleService(ctx context.Context) (*secmgmt.Service, transport.Credential) {
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	exampleTenant(ctx, svc)
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "windows", DisplayName: "Windows devices", MembershipRule: `device.deviceOSType -eq "Windows"`}); err != nil {
		log.Fatal(err)
	}
	p, err := policy.NewPolicy(svc.Catalog(), winAV, "Antivirus baseline",
		policy.Choice(realtime, realtime+"_1"),
		policy.Choice(cloudBlock, cloudBlock+"_2"))
	if err != nil {
		log.Fatal(err)
	}
	p.Assignments = []*policy.Assignment{policy.Include("windows")}
	if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
		log.Fatal(err)
	}
	f := enrollment.HealthyFacts(enrollment.PlatformWindows)
	f.Tags = []string{enrollment.ManagementTag}
	en, err := svc.Onboard(ctx, "pc-1", f, secmgmt.DisplayName("PC-1"))
	if err != nil {
		log.Fatal(err)
	}
	return svc, en.Credential
}

// The main job: a tenant, a group, a policy, a device that onboards, its
// agent checking in and reporting, and the policy's report.
func Example() {
	ctx := context.Background()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	exampleTenant(ctx, svc)
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "linux", MembershipRule: `device.deviceOSType -eq "Linux"`}); err != nil {
		log.Fatal(err)
	}
	p, err := policy.NewPolicy(svc.Catalog(), linuxAV, "Linux antivirus", policy.Choice(linuxRTP, linuxRTP+"_true"))
	if err != nil {
		log.Fatal(err)
	}
	p.Assignments = []*policy.Assignment{policy.Include("linux")}
	if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
		log.Fatal(err)
	}
	en, err := svc.Onboard(ctx, "db-7", enrollment.HealthyFacts(enrollment.PlatformLinux))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("enrollment:", en.Record.Status)

	a, err := agent.New("db-7", policy.DeviceLinux, svc.Transport(en.Credential))
	if err != nil {
		log.Fatal(err)
	}
	round, err := a.CheckIn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new configuration:", round.Modified, "reported:", round.Reported)

	rows, err := svc.PolicyReport(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Printf("%s: %d succeeded\n", r.Policy.Name, r.Succeeded)
	}
	// Output:
	// enrollment: success
	// new configuration: true reported: true
	// Linux antivirus: 1 succeeded
}

func ExampleNew() {
	svc, err := secmgmt.New(
		// A program without a principal model of its own allows every
		// administrative operation explicitly; the default refuses them.
		secmgmt.WithAuthorizer(authz.AllowAll()),
		secmgmt.WithClock(secmgmt.ClockFunc(func() time.Time { return time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC) })),
		secmgmt.WithMode(enrollment.ModeCurrent),
		secmgmt.WithSeed(42),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	t, version, err := svc.Tenant(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.Mode, version, t.IntuneEnforcement)
	// Output: current 0 false
}

func ExampleService_Onboard() {
	ctx := context.Background()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	exampleTenant(ctx, svc)

	untagged := enrollment.HealthyFacts(enrollment.PlatformWindows)
	en, err := svc.Onboard(ctx, "pc-2", untagged)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(en.Record.Status, en.Record.Code)

	server := enrollment.HealthyFacts(enrollment.PlatformWindowsServer)
	en, err = svc.Onboard(ctx, "srv-1", server, secmgmt.DisplayName("SRV-1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(en.Record.Status, en.Record.ManagedBy, en.Record.Registration, en.Credential.Secret != "")
	// Output:
	// notEnrolled 2
	// success MDE synthetic true
}

func ExampleService_Transport() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	tr := svc.Transport(cred)

	resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1"})
	if err != nil {
		log.Fatal(err)
	}
	cfg := resp.Configuration
	fmt.Println("settings:", len(cfg.Settings), "from", cfg.Policies[0].Name)

	err = tr.ReportStatus(ctx, transport.StatusReport{
		DeviceID: "pc-1", ReportID: "r-1", ConfigurationVersion: cfg.Version,
		Results: []transport.SettingResult{
			{SettingID: realtime, Status: report.StatusSucceeded},
			{SettingID: cloudBlock, Status: report.StatusSucceeded},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	again, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1", ConfigurationVersion: cfg.Version})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("not modified:", again.NotModified)
	// Output:
	// settings: 2 from Antivirus baseline
	// not modified: true
}

func ExampleService_CreatePolicy() {
	ctx := context.Background()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	p, err := policy.NewPolicy(svc.Catalog(), winAV, "Workstations", policy.Integer(defender+"avgcpuloadfactor", 40))
	if err != nil {
		log.Fatal(err)
	}
	stored, version, err := svc.CreatePolicy(ctx, p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stored.Name, version, stored.ID != "")

	// A bad value is refused with every problem listed.
	p.Settings[0].Instance.Simple.Integer = 400
	_, _, err = svc.CreatePolicy(ctx, p)
	var ve *policy.ValidationError
	fmt.Println(errors.Is(err, secmgmt.ErrInvalidInput), errors.As(err, &ve) && ve.Has(policy.ReasonOutOfRange))
	// Output:
	// Workstations 1 true
	// true true
}

func ExampleService_ImportPolicies() {
	ctx := context.Background()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	export := []byte(`{"value": [{
		"id": "6f1e0b43-2d5c-4e7a-9b18-3c0d5a7e9f21",
		"name": "Linux - real-time protection",
		"platforms": "linux",
		"technologies": "microsoftSense",
		"templateReference": {"templateId": "4cfd164c-5e8a-4ea9-b15d-9aa71e4ffff4_1", "templateFamily": "endpointSecurityAntivirus"},
		"settings": [{"id": "0", "settingInstance": {
			"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
			"settingDefinitionId": "linux_mdatp_managed_antivirusengine_enablerealtimeprotection",
			"choiceSettingValue": {"value": "linux_mdatp_managed_antivirusengine_enablerealtimeprotection_true", "children": []}
		}}]
	}]}`)
	ps, err := svc.ImportPolicies(ctx, export)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(ps), ps[0].ID, ps[0].Name)
	// Output: 1 6f1e0b43-2d5c-4e7a-9b18-3c0d5a7e9f21 Linux - real-time protection
}

func ExampleService_AssignPolicy() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	tr := svc.Transport(cred)
	first, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "excluded"}); err != nil {
		log.Fatal(err)
	}
	if _, err := svc.AddGroupMembers(ctx, "excluded", "pc-1"); err != nil {
		log.Fatal(err)
	}
	var id string
	for p := range svc.Policies(ctx) {
		id = p.ID
	}
	// Exclusion wins over inclusion: the device no longer gets the policy.
	if _, err := svc.AssignPolicy(ctx, id, []*policy.Assignment{policy.Include("windows"), policy.Exclude("excluded")}); err != nil {
		log.Fatal(err)
	}
	resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1", ConfigurationVersion: first.Configuration.Version})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("settings:", len(resp.Configuration.Settings))
	// Output: settings: 0
}

func ExampleService_CreateGroup() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	g, err := svc.CreateGroup(ctx, secmgmt.Group{
		ID:             "Tagged",
		DisplayName:    "Tagged devices",
		MembershipRule: `device.tags -any (_ -eq "MDE-Management")`,
	})
	if err != nil {
		log.Fatal(err)
	}
	members, err := svc.GroupMembers(ctx, g.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.ID, g.Processing, members)

	_, err = svc.CreateGroup(ctx, secmgmt.Group{ID: "bad", MembershipRule: `device.deviceOSType -eq`})
	fmt.Println(errors.Is(err, secmgmt.ErrInvalidInput))
	// Output:
	// tagged On [pc-1]
	// true
}

func ExampleService_SetGroupRule() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.SetGroupRule(ctx, "windows", `device.deviceOSType -eq "Linux"`); err != nil {
		log.Fatal(err)
	}
	members, _ := svc.GroupMembers(ctx, "windows")
	fmt.Println(len(members))
	// Output: 0
}

func ExampleService_PauseGroup() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.PauseGroup(ctx, "windows"); err != nil {
		log.Fatal(err)
	}
	if _, err := svc.SetGroupRule(ctx, "windows", `device.deviceOSType -eq "Linux"`); err != nil {
		log.Fatal(err)
	}
	paused, _ := svc.GroupMembers(ctx, "windows")
	if _, err := svc.ResumeGroup(ctx, "windows"); err != nil {
		log.Fatal(err)
	}
	resumed, _ := svc.GroupMembers(ctx, "windows")
	fmt.Println(paused, resumed)
	// Output: [pc-1] []
}

func ExampleService_AddGroupMembers() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "pilot", DisplayName: "Pilot"}); err != nil {
		log.Fatal(err)
	}
	g, err := svc.AddGroupMembers(ctx, "pilot", "PC-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Members)
	if g, err = svc.RemoveGroupMembers(ctx, "pilot", "pc-1"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(g.Members))
	// Output:
	// [pc-1]
	// 0
}

func ExampleService_UpdateGroup() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	g, err := svc.Group(ctx, "windows")
	if err != nil {
		log.Fatal(err)
	}
	g.DisplayName = "All Windows devices"
	g, err = svc.UpdateGroup(ctx, *g)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.DisplayName, g.Version)
	// Output: All Windows devices 2
}

func ExampleService_DeleteGroup() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	err := svc.DeleteGroup(ctx, "windows")
	fmt.Println(errors.Is(err, secmgmt.ErrInUse))
	// Output: true
}

func ExampleService_SetTenant() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	t, version, err := svc.Tenant(ctx)
	if err != nil {
		log.Fatal(err)
	}
	t.Scope.WindowsClient = enrollment.ScopeOff
	if _, err := svc.SetTenant(ctx, t, version); err != nil {
		log.Fatal(err)
	}
	d, _ := svc.Device(ctx, "pc-1")
	fmt.Println(d.Enrollment.Status)
	_, err = svc.Transport(cred).CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1"})
	fmt.Println(errors.Is(err, transport.ErrNotManaged))
	// Output:
	// notEnrolled
	// true
}

func ExampleService_TagDevice() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	rec, err := svc.UntagDevice(ctx, "pc-1", enrollment.ManagementTag)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Status)
	if rec, err = svc.TagDevice(ctx, "pc-1", enrollment.ManagementTag); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Status)
	// Output:
	// notEnrolled
	// success
}

func ExampleService_UpdateFacts() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	d, _ := svc.Device(ctx, "pc-1")
	f := *d.Facts
	f.MDMEnrolled = true
	rec, err := svc.UpdateFacts(ctx, "pc-1", f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Status, rec.ManagedBy)
	// Output: managedByMDM Intune
}

func ExampleService_UpdateDeviceObject() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "finance", MembershipRule: `device.extensionAttribute1 -eq "Finance"`}); err != nil {
		log.Fatal(err)
	}
	obj, err := svc.UpdateDeviceObject(ctx, "pc-1", func(d *identity.Device) error {
		d.ExtensionAttributes[0] = "Finance"
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	members, _ := svc.GroupMembers(ctx, "finance")
	fmt.Println(obj.ExtensionAttribute(1), members)
	// Output: Finance [pc-1]
}

func ExampleService_PolicySync() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	tr := svc.Transport(cred).(transport.SyncTransport)
	woke := make(chan error)
	go func() { woke <- tr.WaitSync(ctx) }()
	if _, err := svc.PolicySync(ctx, "pc-1"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("woken:", <-woke == nil)
	// Output: woken: true
}

func ExampleService_WaitSync() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.PolicySync(ctx, "pc-1"); err != nil {
		log.Fatal(err)
	}
	// The sync is pending until the device checks in.
	fmt.Println(svc.WaitSync(ctx, "pc-1"))
	// Output: <nil>
}

func ExampleService_MDMEnroll() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	rec, err := svc.MDMEnroll(ctx, "pc-1")
	if err != nil {
		log.Fatal(err)
	}
	d, _ := svc.Device(ctx, "pc-1")
	fmt.Println(rec.Status, d.Object.ManagementType)
	if rec, err = svc.MDMUnenroll(ctx, "pc-1"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Status)
	// Output:
	// managedByMDM MDM
	// success
}

func ExampleService_Offboard() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.Offboard(ctx, "pc-1"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(errors.Is(svc.Authenticate(ctx, cred), transport.ErrRevoked))
	// Output: true
}

func ExampleService_DeleteDevice() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	rec, err := svc.DeleteDevice(ctx, "pc-1", secmgmt.FromDefender)
	if err != nil {
		log.Fatal(err)
	}
	d, _ := svc.Device(ctx, "pc-1")
	fmt.Println(rec.State, d.Object == nil, d.Groups, d.CredentialRevoked)
	// Output: deleted true [] true
}

func ExampleService_Retry() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.DeleteDevice(ctx, "pc-1", secmgmt.FromIntune); err != nil {
		log.Fatal(err)
	}
	en, err := svc.Retry(ctx, "pc-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(en.Record.Status, svc.Authenticate(ctx, en.Credential))
	// Output: success <nil>
}

func ExampleService_ReissueCredential() {
	ctx := context.Background()
	svc, old := exampleService(ctx)
	defer svc.Close()
	cred, err := svc.ReissueCredential(ctx, "pc-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(svc.Authenticate(ctx, cred), errors.Is(svc.Authenticate(ctx, old), transport.ErrUnauthenticated))
	// Output: <nil> true
}

func ExampleService_Authenticate() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	fmt.Println(svc.Authenticate(ctx, cred))
	cred.Secret = "guess"
	fmt.Println(errors.Is(svc.Authenticate(ctx, cred), transport.ErrUnauthenticated))
	// Output:
	// <nil>
	// true
}

func ExampleService_CheckIn() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	// The Service is the transports' server: a transport authenticates the
	// device, then calls CheckIn.
	resp, err := svc.CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(resp.Configuration.Settings), resp.NextCheckIn.After(time.Now().Add(80*time.Minute)))
	// Output: 2 true
}

func ExampleService_ReportStatus() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	err := svc.ReportStatus(ctx, transport.StatusReport{DeviceID: "pc-1", ReportID: "r-1", ConfigurationVersion: "old"})
	fmt.Println(errors.Is(err, transport.ErrStale))
	// Output: true
}

func ExampleService_EffectiveConfiguration() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	res, err := svc.EffectiveConfiguration(ctx, "pc-1")
	if err != nil {
		log.Fatal(err)
	}
	e, _ := conflict.Explain(res, cloudBlock)
	fmt.Println(res.Flatten()[cloudBlock], e.Decision)
	// Output: device_vendor_msft_policy_config_defender_cloudblocklevel_2 onlySource
}

func ExampleService_Device() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	d, err := svc.Device(ctx, "PC-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.ID, d.Object.DisplayName, d.Object.ManagementType, d.Groups, len(d.Policies))
	// Output: pc-1 PC-1 MicrosoftSense [windows] 1
}

func ExampleService_Devices() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.Onboard(ctx, "mac-1", enrollment.HealthyFacts(enrollment.PlatformMacOS)); err != nil {
		log.Fatal(err)
	}
	for d, err := range svc.Devices(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(d.ID, d.Enrollment.Status)
	}
	// Output:
	// mac-1 success
	// pc-1 success
}

func ExampleService_DeviceHistory() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	for t, err := range svc.DeviceHistory(ctx, "pc-1") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(t.From, "->", t.To)
	}
	// Output:
	// notOnboarded -> onboarded
	// onboarded -> surveyed
	// surveyed -> inScope
	// inScope -> enrolled
}

func ExampleService_UpdatePolicy() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	var id string
	for p := range svc.Policies(ctx) {
		id = p.ID
	}
	p, version, err := svc.Policy(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	p.Name = "Antivirus baseline v2"
	if _, err := svc.UpdatePolicy(ctx, p, version); err != nil {
		log.Fatal(err)
	}
	_, err = svc.UpdatePolicy(ctx, p, version) // the version read is stale now
	fmt.Println(errors.Is(err, secmgmt.ErrConflict))
	// Output: true
}

func ExampleService_DeletePolicy() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	for p := range svc.Policies(ctx) {
		if err := svc.DeletePolicy(ctx, p.ID); err != nil {
			log.Fatal(err)
		}
	}
	res, _ := svc.EffectiveConfiguration(ctx, "pc-1")
	fmt.Println(len(res.Effective))
	// Output: 0
}

func ExampleService_Assignments() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	for p := range svc.Policies(ctx) {
		as, err := svc.Assignments(ctx, p.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(as[0].Target.Kind, as[0].Target.GroupID)
	}
	// Output: group windows
}

func ExampleService_Groups() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	for g := range svc.Groups(ctx) {
		fmt.Println(g.ID, g.DisplayName, g.Dynamic())
	}
	// Output: windows Windows devices true
}

// checkedIn has every device of the example service check in and report
// through an agent.
func checkedIn(ctx context.Context, svc *secmgmt.Service, cred transport.Credential) {
	a, err := agent.New(cred.DeviceID, policy.DeviceWindows, svc.Transport(cred))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := a.CheckIn(ctx); err != nil {
		log.Fatal(err)
	}
}

func ExampleService_PolicyReport() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	rows, _ := svc.PolicyReport(ctx)
	fmt.Printf("%s: %d pending\n", rows[0].Policy.Name, rows[0].Pending)
	checkedIn(ctx, svc, cred)
	rows, _ = svc.PolicyReport(ctx)
	fmt.Printf("%s: %d succeeded\n", rows[0].Policy.Name, rows[0].Succeeded)
	// Output:
	// Antivirus baseline: 1 pending
	// Antivirus baseline: 1 succeeded
}

func ExampleService_PolicyDeviceReport() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	checkedIn(ctx, svc, cred)
	ps, _ := svc.ReportPolicies(ctx)
	rows, err := svc.PolicyDeviceReport(ctx, ps[0].ID)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Println(r.Device.Name, r.Status.ReportStatus())
	}
	// Output: PC-1 Succeeded
}

func ExampleService_SettingReport() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	checkedIn(ctx, svc, cred)
	ps, _ := svc.ReportPolicies(ctx)
	rows, err := svc.SettingReport(ctx, ps[0].ID)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Println(r.SettingName, r.Succeeded)
	}
	// Output:
	// Allow Realtime Monitoring 1
	// Cloud Block Level 1
}

func ExampleService_DeviceReport() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	p, err := policy.NewPolicy(svc.Catalog(), winAV, "Strict cloud", policy.Choice(cloudBlock, cloudBlock+"_4"))
	if err != nil {
		log.Fatal(err)
	}
	p.Assignments = []*policy.Assignment{policy.Include("windows")}
	if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
		log.Fatal(err)
	}
	checkedIn(ctx, svc, cred)
	dr, err := svc.DeviceReport(ctx, "pc-1")
	if err != nil {
		log.Fatal(err)
	}
	for _, row := range dr.Policies {
		fmt.Println(row.Policy.Name, row.Status)
	}
	// Output:
	// Strict cloud conflict
	// Antivirus baseline conflict
}

func ExampleService_ConflictReport() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	p, err := policy.NewPolicy(svc.Catalog(), winAV, "Strict cloud", policy.Choice(cloudBlock, cloudBlock+"_4"))
	if err != nil {
		log.Fatal(err)
	}
	p.Assignments = []*policy.Assignment{policy.Include("windows")}
	if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
		log.Fatal(err)
	}
	sums, err := svc.ConflictReport(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sums {
		fmt.Println(len(s.ConflictingDeviceConfigurations), s.ContributingSettings, s.DeviceCheckinsImpacted)
	}
	// Output: 2 [device_vendor_msft_policy_config_defender_cloudblocklevel] 1
}

func ExampleService_EnrollmentReport() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.Onboard(ctx, "pc-2", enrollment.HealthyFacts(enrollment.PlatformWindows)); err != nil {
		log.Fatal(err)
	}
	counts, err := svc.EnrollmentReport(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range counts {
		if c.Devices > 0 {
			fmt.Println(c.Value, c.Devices)
		}
	}
	// Output:
	// success 1
	// notEnrolled 1
}

func ExampleService_FailedEnrollments() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	f := enrollment.HealthyFacts(enrollment.PlatformLinux)
	f.Fault = 38 // a DNS error at registration
	if _, err := svc.Onboard(ctx, "lnx-9", f); err != nil {
		log.Fatal(err)
	}
	devices, err := svc.FailedEnrollments(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range devices {
		fmt.Println(d.ID, d.Enrollment)
	}
	// Output: lnx-9 dnsError
}

func ExampleService_ManagedByReport() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	counts, err := svc.ManagedByReport(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(counts[0].Value, counts[0].Devices)
	// Output: MDE 1
}

func ExampleService_FreshnessReport() {
	ctx := context.Background()
	clk := newFakeClock()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithClock(clk))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	exampleTenant(ctx, svc)
	en, err := svc.Onboard(ctx, "srv-1", enrollment.HealthyFacts(enrollment.PlatformWindowsServer))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svc.Onboard(ctx, "srv-2", enrollment.HealthyFacts(enrollment.PlatformWindowsServer)); err != nil {
		log.Fatal(err)
	}
	clk.Advance(6 * time.Hour)
	if _, err := svc.Transport(en.Credential).CheckIn(ctx, transport.CheckIn{DeviceID: "srv-1"}); err != nil {
		log.Fatal(err)
	}
	counts, err := svc.FreshnessReport(ctx, report.Staleness{}) // three missed 90-minute check-ins
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range counts {
		fmt.Println(c.Value, c.Devices)
	}
	stale, _ := svc.StaleDevices(ctx, report.Staleness{})
	fmt.Println(stale[0].ID)
	// Output:
	// current 1
	// stale 1
	// never 0
	// srv-2
}

func ExampleService_DeviceRecords() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	checkedIn(ctx, svc, cred)
	var records []*report.DeviceRecord
	for r, err := range svc.DeviceRecords(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		records = append(records, r)
	}
	ps, _ := svc.ReportPolicies(ctx)
	table := report.PolicyAggregatesTable(report.PolicyAggregates(ps, slices.Values(records)))
	if err := table.WriteCSV(os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// PolicyId,PolicyName,UnifiedPolicyType,PolicyPlatformType,NumberOfCompliantDevices,NumberOfErrorDevices,NumberOfConflictDevices,NumberOfInProgressDevices,NumberOfNotApplicableDevices
	// 8707a01d-6329-483f-87df-1bd4a477b564,Antivirus baseline,Antivirus,windows10,1,0,0,0,0
}

func ExampleService_HTTPHandler() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	srv := httptest.NewServer(svc.HTTPHandler())
	defer srv.Close()
	client, err := httptransport.NewClient(srv.URL, cred)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1"})
	if err != nil {
		log.Fatal(err)
	}
	again, err := client.CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1", ConfigurationVersion: resp.Configuration.Version})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(resp.Configuration.Settings), again.NotModified)
	// Output: 2 true
}

func ExampleService_Stats() {
	ctx := context.Background()
	svc, cred := exampleService(ctx)
	defer svc.Close()
	tr := svc.Transport(cred)
	resp, _ := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1"})
	for range 3 {
		if _, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "pc-1", ConfigurationVersion: resp.Configuration.Version}); err != nil {
			log.Fatal(err)
		}
	}
	st := svc.Stats()
	fmt.Println(st.CheckIns, st.NotModified, st.Recomputations)
	// Output: 4 3 1
}

func ExampleService_Close() {
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(svc.Close())
	_, _, err = svc.Tenant(context.Background())
	fmt.Println(errors.Is(err, secmgmt.ErrClosed))
	// Output:
	// <nil>
	// true
}

func ExampleService_Policy() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	for p := range svc.Policies(ctx) {
		got, version, err := svc.Policy(ctx, p.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(got.Name, version, len(got.Settings), len(got.Assignments))
	}
	// Output: Antivirus baseline 1 2 1
}

func ExampleService_Policies() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	for p, err := range svc.Policies(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.Name, p.Platforms, p.Technologies)
	}
	// Output: Antivirus baseline windows10 mdm,microsoftSense
}

func ExampleService_Group() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	g, err := svc.Group(ctx, "WINDOWS")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.ID, g.MembershipRule)
	// Output: windows device.deviceOSType -eq "Windows"
}

func ExampleService_GroupMembers() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	members, err := svc.GroupMembers(ctx, "windows")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(members)
	// Output: [pc-1]
}

func ExampleService_Tenant() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	t, version, err := svc.Tenant(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.IntuneEnforcement, t.Scope.WindowsClient, version)
	// Output: true tagged 1
}

func ExampleService_Store() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	n, err := svc.Store().CountDevices(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n)
	// Output: 1
}

func ExampleService_Catalog() {
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	d, ok := svc.Catalog().Definition(cloudBlock)
	fmt.Println(ok, d.DisplayName)
	// Output: true Cloud Block Level
}

func ExampleService_ReportPolicies() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	ps, err := svc.ReportPolicies(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ps[0].Name, ps[0].Type)
	// Output: Antivirus baseline Antivirus
}

func ExampleService_StaleDevices() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	later := report.Staleness{Now: time.Now().Add(24 * time.Hour), Interval: enrollment.CheckInInterval, Intervals: 3}
	stale, err := svc.StaleDevices(ctx, later)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(stale), stale[0].Name)
	// Output: 1 PC-1
}

func ExampleService_UntagDevice() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	rec, err := svc.UntagDevice(ctx, "pc-1", enrollment.ManagementTag)
	if err != nil {
		log.Fatal(err)
	}
	d, _ := svc.Device(ctx, "pc-1")
	fmt.Println(rec.State, d.Object.ManagementType == "")
	// Output: notEnrolled true
}

func ExampleService_ResumeGroup() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.PauseGroup(ctx, "windows"); err != nil {
		log.Fatal(err)
	}
	g, err := svc.ResumeGroup(ctx, "windows")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Processing)
	// Output: On
}

func ExampleService_MDMUnenroll() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.MDMEnroll(ctx, "pc-1"); err != nil {
		log.Fatal(err)
	}
	rec, err := svc.MDMUnenroll(ctx, "pc-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.State)
	// Output: enrolled
}

func ExampleService_RemoveGroupMembers() {
	ctx := context.Background()
	svc, _ := exampleService(ctx)
	defer svc.Close()
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "pilot", Members: []string{"pc-1"}}); err != nil {
		log.Fatal(err)
	}
	g, err := svc.RemoveGroupMembers(ctx, "pilot", "pc-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(g.Members))
	// Output: 0
}

func ExampleWithStore() {
	st := memstore.New()
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(st), secmgmt.WithSyncInterval(0), secmgmt.WithCheckInFlush(0))
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	fmt.Println(svc.Store() == st)
	// Output: true
}
