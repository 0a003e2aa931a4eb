package secmgmt_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
)

// whatifService is a service with every platform in scope, a dynamic
// group of Windows clients ("windows") with the antivirus baseline
// ("baseline") assigned, a static group "pilot" holding pc-2, an
// unassigned policy "strict" that sets the cloud block level higher, and
// three devices: pc-1 and pc-2 (Windows) and srv-1 (a server, outside the
// tagged server scope).
func whatifService(ctx context.Context) *secmgmt.Service {
	svc, err := secmgmt.New(secmgmt.WithSeed(1), secmgmt.WithAuthorizer(authz.AllowAll()))
	if err != nil {
		log.Fatal(err)
	}
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope = enrollment.Scope{WindowsClient: enrollment.ScopeAll, WindowsServer: enrollment.ScopeTagged,
		MacOS: enrollment.ScopeAll, Linux: enrollment.ScopeAll}
	if _, err := svc.SetTenant(ctx, t, 0); err != nil {
		log.Fatal(err)
	}
	for _, d := range []struct {
		id string
		p  enrollment.Platform
	}{{"pc-1", enrollment.PlatformWindows}, {"pc-2", enrollment.PlatformWindows}, {"srv-1", enrollment.PlatformWindowsServer}} {
		if _, err := svc.Onboard(ctx, d.id, enrollment.HealthyFacts(d.p), secmgmt.DisplayName(d.id)); err != nil {
			log.Fatal(err)
		}
	}
	for _, g := range []secmgmt.Group{
		{ID: "windows", DisplayName: "Windows clients", MembershipRule: `device.deviceOSType -eq "Windows"`},
		{ID: "pilot", DisplayName: "Pilot", Members: []string{"pc-2"}},
	} {
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			log.Fatal(err)
		}
	}
	base, err := policy.NewPolicy(svc.Catalog(), winAV, "Antivirus baseline",
		policy.Choice(realtime, realtime+"_1"), policy.Choice(cloudBlock, cloudBlock+"_2"))
	if err != nil {
		log.Fatal(err)
	}
	base.ID, base.Assignments = "baseline", []*policy.Assignment{policy.Include("windows")}
	strict, err := policy.NewPolicy(svc.Catalog(), winAV, "Strict cloud protection", policy.Choice(cloudBlock, cloudBlock+"_4"))
	if err != nil {
		log.Fatal(err)
	}
	strict.ID = "strict"
	for _, p := range []*policy.Policy{base, strict} {
		if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
			log.Fatal(err)
		}
	}
	return svc
}

func ExampleService_Simulate() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.AssignPolicyChange("strict", policy.Include("pilot")))
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := imp.Device("pc-2")
	fmt.Println("pc-2 receives", d.PoliciesAdded)
	for _, c := range d.ConflictsAppeared {
		fmt.Println("conflict on", c.SettingID, "between", c.Policies)
	}
	for _, s := range d.Settings {
		fmt.Println(s.Change, s.SettingID)
	}
	// Nothing was changed:
	as, _ := svc.Assignments(ctx, "strict")
	fmt.Println("assignments of strict:", len(as))
	// Output:
	// pc-2 receives [strict]
	// conflict on device_vendor_msft_policy_config_defender_cloudblocklevel between [baseline strict]
	// removed device_vendor_msft_policy_config_defender_cloudblocklevel
	// assignments of strict: 0
}

func ExampleDecodeChange() {
	c, err := secmgmt.DecodeChange([]byte(`[
		{"op": "createGroup", "group": {"id": "servers", "membershipRule": "device.deviceOSType -eq \"Windows Server\""}},
		{"op": "assignPolicy", "policyId": "baseline", "assignments": [
			{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "windows"}},
			{"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "servers"}}]}
	]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Kind(), len(c.Changes()))
	fmt.Println(c)

	_, err = secmgmt.DecodeChange([]byte(`{"op": "tagDevice", "deviceId": "pc-1", "tags": ["x"]}`))
	fmt.Println(err)
	// Output:
	// batch 2
	// batch of 2: createGroup servers: device.deviceOSType -eq "Windows Server"; assignPolicy baseline: include windows, include servers
	// secmgmt: DecodeChange: invalid input: tags: tagDevice takes no "tags" (it takes deviceId, tag)
}

func ExampleBatchChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	// A group made, then a policy assigned to it: the second change sees
	// the first.
	imp, err := svc.Simulate(ctx, secmgmt.BatchChange(
		secmgmt.CreateGroupChange(secmgmt.Group{ID: "servers", MembershipRule: `device.deviceOSType -eq "Windows Server"`}),
		secmgmt.TagDeviceChange("srv-1", enrollment.ManagementTag),
		secmgmt.AssignPolicyChange("baseline", policy.Include("windows"), policy.Include("servers")),
	))
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := imp.Device("srv-1")
	fmt.Println(d.Management, d.GroupsJoined, d.PoliciesAdded, len(d.Settings))
	// Output:
	// entering [servers] [baseline] 2
}

func ExampleCreatePolicyChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	p, _ := policy.NewPolicy(svc.Catalog(), winAV, "Real-time protection off", policy.Choice(realtime, realtime+"_0"))
	p.Assignments = []*policy.Assignment{policy.Include("pilot")}
	imp, err := svc.Simulate(ctx, secmgmt.CreatePolicyChange(p))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(imp.Change)
	for _, c := range imp.Conflicts {
		fmt.Println(c.ID, c.Appeared, c.Settings)
	}
	// Output:
	// createPolicy "Real-time protection off"
	// baseline_simulated-policy-1 1 [device_vendor_msft_policy_config_defender_allowrealtimemonitoring]
}

func ExampleUpdatePolicyChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	p, _, _ := svc.Policy(ctx, "baseline")
	p.Settings = p.Settings[:1] // drop the cloud block level
	imp, err := svc.Simulate(ctx, secmgmt.UpdatePolicyChange(p))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range imp.Devices {
		fmt.Println(d.DeviceID, d.Settings[0].Change, d.Settings[0].SettingID)
	}
	// Output:
	// pc-1 removed device_vendor_msft_policy_config_defender_cloudblocklevel
	// pc-2 removed device_vendor_msft_policy_config_defender_cloudblocklevel
}

func ExampleDeletePolicyChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.DeletePolicyChange("baseline"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(imp.Policies[0].PolicyID, "lost by", imp.Policies[0].Lost)
	_, err = svc.Simulate(ctx, secmgmt.DeletePolicyChange("nothing"))
	fmt.Println(err)
	// Output:
	// baseline lost by [pc-1 pc-2]
	// policy "nothing": store: not found
}

func ExampleAssignPolicyChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	// Excluding the pilot group from the baseline.
	imp, err := svc.Simulate(ctx, secmgmt.AssignPolicyChange("baseline", policy.Include("windows"), policy.Exclude("pilot")))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range imp.Devices {
		fmt.Println(d.DeviceID, "stops receiving", d.PoliciesRemoved)
	}
	// Output:
	// pc-2 stops receiving [baseline]
}

func ExampleCreateGroupChange() {
	fmt.Println(secmgmt.CreateGroupChange(secmgmt.Group{ID: "labs", MembershipRule: `device.displayName -startsWith "LAB-"`}))
	// Output:
	// createGroup labs: device.displayName -startsWith "LAB-"
}

func ExampleUpdateGroupChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.UpdateGroupChange(secmgmt.Group{ID: "windows", DisplayName: "Windows clients", MembershipRule: `device.displayName -eq "pc-1"`}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(imp.Groups[0].GroupID, "loses", imp.Groups[0].Removed)
	// Output:
	// windows loses [pc-2]
}

func ExampleSetGroupRuleChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.SetGroupRuleChange("windows", `device.displayName -eq "pc-1"`))
	if err != nil {
		fmt.Println(err)
		return
	}
	g := imp.Groups[0]
	fmt.Println(g.GroupID, "loses", g.Removed)
	d, _ := imp.Device("pc-2")
	fmt.Println("pc-2 stops receiving", d.PoliciesRemoved, "and loses", len(d.Settings), "settings")
	// Output:
	// windows loses [pc-2]
	// pc-2 stops receiving [baseline] and loses 2 settings
}

func ExamplePauseGroupChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	// Paused, the group keeps its members whatever its rule becomes.
	imp, err := svc.Simulate(ctx, secmgmt.BatchChange(
		secmgmt.PauseGroupChange("windows"),
		secmgmt.SetGroupRuleChange("windows", `device.displayName -eq "nobody"`),
	))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("groups changed:", len(imp.Groups))
	// Output:
	// groups changed: 0
}

func ExampleResumeGroupChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.BatchChange(
		secmgmt.PauseGroupChange("windows"),
		secmgmt.SetGroupRuleChange("windows", `device.displayName -eq "pc-1"`),
		secmgmt.ResumeGroupChange("windows"),
	))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(imp.Groups[0].Removed)
	// Output:
	// [pc-2]
}

func ExampleDeleteGroupChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	_, err := svc.Simulate(ctx, secmgmt.DeleteGroupChange("windows"))
	fmt.Println(err)
	// Output:
	// group "windows" is assigned to policies: secmgmt: in use
}

func ExampleAddGroupMembersChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.BatchChange(
		secmgmt.AssignPolicyChange("strict", policy.Include("pilot")),
		secmgmt.AddGroupMembersChange("pilot", "pc-1"),
	))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(imp.Policies[1].PolicyID, "gained by", imp.Policies[1].Gained)
	// Output:
	// strict gained by [pc-1 pc-2]
}

func ExampleRemoveGroupMembersChange() {
	fmt.Println(secmgmt.RemoveGroupMembersChange("pilot", "pc-2"))
	// Output:
	// removeGroupMembers pilot: pc-2
}

func ExampleSetTenantChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	t, _, _ := svc.Tenant(ctx)
	t.Scope.WindowsServer = enrollment.ScopeAll
	t.Scope.WindowsClient = enrollment.ScopeTagged
	imp, err := svc.Simulate(ctx, secmgmt.SetTenantChange(t))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("entering:", imp.Entering(), "leaving:", imp.Leaving())
	// Output:
	// entering: 1 leaving: 2
}

func ExampleTagDeviceChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.TagDeviceChange("srv-1", enrollment.ManagementTag))
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := imp.Device("srv-1")
	fmt.Println(d.Management, d.EnrollmentBefore, "→", d.EnrollmentAfter)
	// Output:
	// entering notEnrolled → success
}

func ExampleUntagDeviceChange() {
	fmt.Println(secmgmt.UntagDeviceChange("srv-1", enrollment.ManagementTag).Kind())
	// Output:
	// untagDevice
}

func ExampleUpdateDeviceChange() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.BatchChange(
		secmgmt.CreateGroupChange(secmgmt.Group{ID: "finance", MembershipRule: `device.extensionAttribute1 -eq "FIN"`}),
		secmgmt.AssignPolicyChange("strict", policy.Include("finance")),
		secmgmt.UpdateDeviceChange("pc-1", func(d *identity.Device) error {
			d.ExtensionAttributes[0] = "FIN"
			return nil
		}),
	))
	if err != nil {
		fmt.Println(err)
		return
	}
	d, _ := imp.Device("pc-1")
	fmt.Println(d.GroupsJoined, d.PoliciesAdded, len(d.ConflictsAppeared))
	// Output:
	// [finance] [strict] 1
}

func ExampleChangeKinds() {
	for _, k := range secmgmt.ChangeKinds()[:4] {
		fmt.Println(k, k.Valid())
	}
	// Output:
	// createPolicy true
	// updatePolicy true
	// deletePolicy true
	// assignPolicy true
}

func ExampleImpact_WriteText() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.AssignPolicyChange("strict", policy.Include("pilot")))
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = imp.WriteText(os.Stdout, 0)
	// Output:
	// Change: assignPolicy strict: include pilot
	// Devices evaluated: 1; changed: 1 (entering management: 0, leaving: 0)
	//
	// Devices
	//   pc-2, windows
	//     receives Strict cloud protection (strict)
	//     - device_vendor_msft_policy_config_defender_cloudblocklevel (was device_vendor_msft_policy_config_defender_cloudblocklevel_2)
	//     ! conflict appears on device_vendor_msft_policy_config_defender_cloudblocklevel between Antivirus baseline, Strict cloud protection
	//
	// Policies
	//   Antivirus baseline (baseline): gains 0 devices, loses 0 devices; enters a conflict on 1 device, leaves its conflicts on 0 devices
	//   Strict cloud protection (strict): gains 1 device, loses 0 devices; enters a conflict on 1 device, leaves its conflicts on 0 devices
	//
	// Conflicts
	//   Antivirus baseline (baseline) vs Strict cloud protection (strict): appear on 1 device, disappear from 0 devices; settings device_vendor_msft_policy_config_defender_cloudblocklevel
}

func ExampleImpact_WriteCSV() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.AssignPolicyChange("strict", policy.Include("pilot")))
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = imp.WriteCSV(os.Stdout)
	// Output:
	// DeviceId,DeviceName,Kind,Change,Subject,Before,After,Policies
	// pc-2,pc-2,policy,added,strict,,,
	// pc-2,pc-2,setting,removed,device_vendor_msft_policy_config_defender_cloudblocklevel,device_vendor_msft_policy_config_defender_cloudblocklevel_2,,baseline
	// pc-2,pc-2,conflict,appeared,device_vendor_msft_policy_config_defender_cloudblocklevel,,,baseline;strict
}

func ExampleImpact_WriteJSON() {
	imp := &secmgmt.Impact{Change: "deletePolicy p1", Evaluated: 1, Devices: []secmgmt.DeviceImpact{{
		DeviceID: "pc-1", Name: "PC-1", Platform: policy.DeviceWindows, EnrollmentBefore: enrollment.StatusSuccess, EnrollmentAfter: enrollment.StatusSuccess,
		PoliciesRemoved: []string{"p1"},
	}}}
	_ = imp.WriteJSON(os.Stdout)
	// Output:
	// {
	//   "change": "deletePolicy p1",
	//   "evaluated": 1,
	//   "devices": [
	//     {
	//       "deviceId": "pc-1",
	//       "name": "PC-1",
	//       "platform": "windows",
	//       "enrollmentBefore": "success",
	//       "enrollmentAfter": "success",
	//       "policiesRemoved": [
	//         "p1"
	//       ]
	//     }
	//   ],
	//   "groups": null,
	//   "policies": null,
	//   "conflicts": null
	// }
}

func ExampleImpact_Device() {
	ctx := context.Background()
	svc := whatifService(ctx)
	defer svc.Close()
	imp, err := svc.Simulate(ctx, secmgmt.AssignPolicyChange("strict", policy.Include("pilot")))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, changed := imp.Device("PC-1") // ids are case-insensitive
	fmt.Println("pc-1 changes:", changed)
	// Output:
	// pc-1 changes: false
}
