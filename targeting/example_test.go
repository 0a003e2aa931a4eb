package targeting_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/targeting"
)

func ExampleParse() {
	rule, err := targeting.Parse(`(device.deviceOSType -eq "Windows") -and (device.managementType -eq "MicrosoftSense")`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rule)
	fmt.Println(rule.Properties())
	// Output:
	// device.deviceOSType -eq "Windows" -and device.managementType -eq "MicrosoftSense"
	// [deviceOSType managementType]
}

func ExampleParse_error() {
	_, err := targeting.Parse(`device.accountEnabled -contains true`)
	var re *targeting.RuleError
	if errors.As(err, &re) {
		fmt.Println(re.Kind)
		fmt.Println(re.Message)
		fmt.Println(re.Snippet)
	}
	// Output:
	// operator
	// Operator isn't supported on attribute: -contains can't be used on type Boolean (device.accountEnabled takes -eq or -ne)
	// device.accountEnabled -contains true
	//                       ^
}

func ExampleStrict() {
	_, err := targeting.Parse(`device.tags -any (_ -eq "MDE-Management")`, targeting.Strict())
	fmt.Println(err)
	// Output:
	// rule: line 1, column 1: Attribute not supported: device.tags is an extension of this package, which Strict rejects
}

func ExampleRule_Match() {
	rule := targeting.MustParse(`device.deviceOSType -eq "Windows"`)
	for _, os := range []string{"Windows", "Windows Server"} {
		fmt.Println(os, rule.Match(&identity.Device{DeviceOSType: os}))
	}
	// Output:
	// Windows true
	// Windows Server false
}

func ExampleRule_String() {
	rule := targeting.MustParse(`device.devicephysicalids -any _ -startswith '[ZTDId]' or not device.isRooted eq $null`)
	fmt.Println(rule.String())
	fmt.Println(targeting.MustParse(rule.String()).Equal(rule))
	// Output:
	// device.devicePhysicalIds -any (_ -startsWith "[ZTDId]") -or -not (device.isRooted -eq null)
	// true
}

func ExampleRule_Explain() {
	rule := targeting.MustParse(`(device.deviceOSType -eq "Windows") -and (device.tags -any (_ -eq "MDE-Management"))`)
	dev := &identity.Device{DeviceOSType: "Windows", Tags: []string{"Corp"}}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rule.Explain(dev))
	// Output:
	// {
	//   "expression": "device.deviceOSType -eq \"Windows\" -and device.tags -any (_ -eq \"MDE-Management\")",
	//   "expressionResult": false,
	//   "expressionEvaluationDetails": [
	//     {
	//       "expression": "device.deviceOSType -eq \"Windows\"",
	//       "expressionResult": true,
	//       "propertyToEvaluate": {
	//         "propertyName": "deviceOSType",
	//         "propertyValue": "Windows"
	//       }
	//     },
	//     {
	//       "expression": "device.tags -any (_ -eq \"MDE-Management\")",
	//       "expressionResult": false,
	//       "propertyToEvaluate": {
	//         "propertyName": "tags",
	//         "propertyValue": "[\"Corp\"]"
	//       }
	//     }
	//   ]
	// }
}

// Bulk evaluation: one Env per device, shared by every rule, and one
// Evaluator per goroutine.
func ExampleNewEnv() {
	rules := []*targeting.Rule{
		targeting.MustParse(`device.deviceOSType -startsWith "Windows"`),
		targeting.MustParse(`device.managementType -eq "MicrosoftSense"`, targeting.WithEngine(targeting.EngineExpr)),
	}
	ev := targeting.NewEvaluator()
	env := targeting.NewEnv(&identity.Device{DeviceOSType: "Windows Server", ManagementType: "MicrosoftSense"})
	for _, r := range rules {
		fmt.Println(r.Engine(), ev.Match(r, env), r.MatchEnv(env))
	}
	// Output:
	// direct true true
	// expr true true
}

func ExampleNewDynamicGroup() {
	g, err := targeting.NewDynamicGroup("0f5e1c56-0000-4000-8000-000000000001", "MDE-managed Windows",
		`(device.deviceOSType -eq "Windows") -and (device.managementType -eq "MicrosoftSense")`)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := targeting.NewIndex()
	x.UpsertDevice("dev-1", &identity.Device{DeviceOSType: "Windows", ManagementType: "MicrosoftSense"})
	x.UpsertDevice("dev-2", &identity.Device{DeviceOSType: "Windows", ManagementType: "MDM"})
	delta, _ := x.AddGroup(g)
	fmt.Println("added:", delta.Added)
	// dev-2 leaves MDM for security settings management.
	delta = x.UpsertDevice("dev-2", &identity.Device{DeviceOSType: "Windows", ManagementType: "MicrosoftSense"})
	fmt.Println("added:", delta.Added)
	_, err = x.AddMember(g.ID, "dev-1")
	fmt.Println(errors.Is(err, targeting.ErrStaticMembersOnDynamicGroup))
	// Output:
	// added: [{dev-1 0f5e1c56-0000-4000-8000-000000000001}]
	// added: [{dev-2 0f5e1c56-0000-4000-8000-000000000001}]
	// true
}

func ExampleNewStaticGroup() {
	x := targeting.NewIndex()
	x.UpsertDevice("dev-1", &identity.Device{})
	g, _ := targeting.NewStaticGroup("pilot", "Pilot devices", "dev-1")
	delta, _ := x.AddGroup(g)
	fmt.Println(delta.Added)
	// Deleting a device removes its static memberships for good.
	fmt.Println(x.RemoveDevice("dev-1").Removed)
	x.UpsertDevice("dev-1", &identity.Device{})
	fmt.Println(x.IsMember("pilot", "dev-1"))
	// Output:
	// [{dev-1 pilot}]
	// [{dev-1 pilot}]
	// false
}

func ExampleAssignment_Targets() {
	a := targeting.Assignment{
		IncludeGroups: []string{"all-windows"},
		ExcludeGroups: []string{"kiosks"},
		UserGroups:    []string{"finance-users"}, // recorded, never reaches a device
	}
	fmt.Println(a.TargetsGroups("all-windows"))
	fmt.Println(a.TargetsGroups("all-windows", "kiosks")) // exclusion wins
	fmt.Println(a.TargetsGroups("finance-users"))
	// Output:
	// true
	// false
	// false
}

func ExampleIndex() {
	x := targeting.NewIndex()
	tagged, _ := targeting.NewDynamicGroup("tagged", "", `device.tags -any (_ -eq "MDE-Management")`)
	servers, _ := targeting.NewDynamicGroup("servers", "", `device.deviceOSType -eq "Windows Server"`)
	_, _ = x.AddGroup(tagged)
	_, _ = x.AddGroup(servers)
	x.UpsertDevice("srv-1", &identity.Device{DeviceOSType: "Windows Server", Tags: []string{"MDE-Management"}})
	x.UpsertDevice("pc-1", &identity.Device{DeviceOSType: "Windows", Tags: []string{"MDE-Management"}})
	for g := range x.GroupsOf("srv-1") {
		fmt.Println("srv-1 in", g)
	}
	for d := range x.Members("tagged") {
		fmt.Println("tagged:", d)
	}
	policy := &targeting.Assignment{IncludeGroups: []string{"tagged"}, ExcludeGroups: []string{"servers"}}
	fmt.Println(x.Targets(policy, "pc-1"), x.Targets(policy, "srv-1"))
	// Output:
	// srv-1 in servers
	// srv-1 in tagged
	// tagged: pc-1
	// tagged: srv-1
	// true false
}

func ExampleIndex_UpdateGroup() {
	x := targeting.NewIndex()
	x.UpsertDevice("a", &identity.Device{DeviceOSType: "Linux"})
	g, _ := targeting.NewDynamicGroup("linux", "", `device.deviceOSType -eq "Linux"`)
	_, _ = x.AddGroup(g)
	// Pausing keeps the members; resuming applies the rule again.
	g.MembershipRuleProcessingState = targeting.ProcessingPaused
	_, _ = x.UpdateGroup(g)
	x.UpsertDevice("a", &identity.Device{DeviceOSType: "macOS"})
	fmt.Println(x.IsMember("linux", "a"))
	g.MembershipRuleProcessingState = targeting.ProcessingOn
	delta, _ := x.UpdateGroup(g)
	fmt.Println(delta.Removed)
	// Output:
	// true
	// [{a linux}]
}

func ExampleRule_Requirements() {
	rule := targeting.MustParse(`device.deviceOSType -in ["Windows", "Windows Server"] -and device.managementType -eq "MicrosoftSense" -and device.tags -contains "tier-0"`)
	q := rule.Requirements()
	fmt.Println(q.OSTypes, q.ManagementTypes)
	fmt.Println(q.Admits(&identity.Device{DeviceOSType: "Linux", ManagementType: "MicrosoftSense"}))
	// Output:
	// [windows windows server] [microsoftsense]
	// false
}

func ExampleWithEngine() {
	rule := targeting.MustParse(`device.displayName -match "^kiosk-[0-9]+$"`, targeting.WithEngine(targeting.EngineExpr))
	fmt.Println(rule.Engine(), rule.Match(&identity.Device{DisplayName: "KIOSK-12"}))
	// Output: expr true
}

func ExampleMustParse() {
	allDevices := targeting.MustParse(`device.objectId -ne null`)
	fmt.Println(allDevices.Match(&identity.Device{ObjectID: "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb"}))
	// Output: true
}

func ExampleIndex_Recompute() {
	x := targeting.NewIndex()
	g, _ := targeting.NewDynamicGroup("rooted", "", `device.isRooted -eq true`)
	_, _ = x.AddGroup(g)
	x.UpsertDevice("phone-1", &identity.Device{IsRooted: identity.Bool(true)})
	// The index is kept up to date as it changes, so a full recompute
	// finds nothing to do.
	fmt.Println(x.Recompute().Empty())
	// Output: true
}
