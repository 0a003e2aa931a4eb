package targeting_test

import (
	"errors"
	"fmt"
	"log"
	"slices"

	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/targeting"
)

// fleetIndex is an index of three devices and two dynamic groups: Windows
// devices managed by Defender for Endpoint, and Linux servers.
func fleetIndex() *targeting.Index {
	x := targeting.NewIndex()
	x.UpsertDevice("pc-1", &identity.Device{DisplayName: "PC-1", DeviceOSType: "Windows", ManagementType: "MicrosoftSense"})
	x.UpsertDevice("pc-2", &identity.Device{DisplayName: "PC-2", DeviceOSType: "Windows", ManagementType: "MDM"})
	x.UpsertDevice("db-7", &identity.Device{DisplayName: "DB-7", DeviceOSType: "Linux", ManagementType: "MicrosoftSense"})
	for _, g := range []struct{ id, rule string }{
		{"mde-windows", `(device.deviceOSType -eq "Windows") -and (device.managementType -eq "MicrosoftSense")`},
		{"linux", `device.deviceOSType -eq "Linux"`},
	} {
		grp, err := targeting.NewDynamicGroup(g.id, "", g.rule)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := x.AddGroup(grp); err != nil {
			log.Fatal(err)
		}
	}
	return x
}

// An index that accepts only what the directory accepts: the tags
// extension of the rule language is refused.
func ExampleNewIndex() {
	x := targeting.NewIndex(targeting.WithRuleOptions(targeting.Strict()))
	x.UpsertDevice("srv-1", &identity.Device{DeviceOSType: "Windows Server", Tags: []string{"MDE-Management"}})
	_, err := x.AddGroup(targeting.Group{ID: "tagged", MembershipRule: `device.tags -any (_ -eq "MDE-Management")`,
		MembershipRuleProcessingState: targeting.ProcessingOn})
	var re *targeting.RuleError
	fmt.Println(errors.As(err, &re), re.Kind)
	fmt.Println(x.GroupCount(), x.DeviceCount())
	// Output:
	// true unknown property
	// 0 1
}

// The index parses membership rules with the options given.
func ExampleWithRuleOptions() {
	x := targeting.NewIndex(targeting.WithRuleOptions(targeting.WithEngine(targeting.EngineExpr)))
	g, err := targeting.NewDynamicGroup("linux", "Linux", `device.deviceOSType -eq "Linux"`)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := x.AddGroup(g); err != nil {
		log.Fatal(err)
	}
	stored, _ := x.Group("linux")
	fmt.Println(stored.Rule().Engine())
	// Output: expr
}

func ExampleIndex_UpsertDevice() {
	x := fleetIndex()
	// pc-2 leaves MDM for security settings management: it joins the group.
	d := x.UpsertDevice("pc-2", &identity.Device{DisplayName: "PC-2", DeviceOSType: "Windows", ManagementType: "MicrosoftSense"})
	fmt.Println("added:", d.Added, "removed:", d.Removed)
	// The same device again changes nothing.
	fmt.Println(x.UpsertDevice("pc-2", &identity.Device{DisplayName: "PC-2", DeviceOSType: "Windows", ManagementType: "MicrosoftSense"}).Empty())
	// Output:
	// added: [{pc-2 mde-windows}] removed: []
	// true
}

func ExampleIndex_RemoveDevice() {
	x := fleetIndex()
	fmt.Println(x.RemoveDevice("db-7").Removed, x.DeviceCount())
	// Output: [{db-7 linux}] 2
}

func ExampleIndex_Device() {
	x := fleetIndex()
	d, ok := x.Device("db-7")
	fmt.Println(ok, d.DisplayName, d.DeviceOSType)
	_, ok = x.Device("db-9")
	fmt.Println(ok)
	// Output:
	// true DB-7 Linux
	// false
}

func ExampleIndex_DeviceCount() {
	fmt.Println(fleetIndex().DeviceCount())
	// Output: 3
}

func ExampleIndex_GroupCount() {
	fmt.Println(fleetIndex().GroupCount())
	// Output: 2
}

func ExampleIndex_AddGroup() {
	x := fleetIndex()
	g, err := targeting.NewDynamicGroup("windows", "All Windows", `device.deviceOSType -startsWith "Windows"`)
	if err != nil {
		log.Fatal(err)
	}
	d, err := x.AddGroup(g)
	fmt.Println(d.Added, err)
	_, err = x.AddGroup(g)
	fmt.Println(errors.Is(err, targeting.ErrGroupExists))
	// Output:
	// [{pc-1 windows} {pc-2 windows}] <nil>
	// true
}

func ExampleIndex_RemoveGroup() {
	x := fleetIndex()
	d, err := x.RemoveGroup("linux")
	fmt.Println(d.Removed, err, x.GroupCount())
	// Output: [{db-7 linux}] <nil> 1
}

func ExampleIndex_AddMember() {
	x := fleetIndex()
	g, _ := targeting.NewStaticGroup("pilot", "Pilot ring")
	if _, err := x.AddGroup(g); err != nil {
		log.Fatal(err)
	}
	d, err := x.AddMember("pilot", "pc-2")
	fmt.Println(d.Added, err)
	_, err = x.AddMember("pilot", "pc-9")
	fmt.Println(errors.Is(err, targeting.ErrUnknownDevice))
	// Output:
	// [{pc-2 pilot}] <nil>
	// true
}

func ExampleIndex_RemoveMember() {
	x := fleetIndex()
	g, _ := targeting.NewStaticGroup("pilot", "Pilot ring", "pc-1", "pc-2")
	if _, err := x.AddGroup(g); err != nil {
		log.Fatal(err)
	}
	d, err := x.RemoveMember("pilot", "pc-1")
	fmt.Println(d.Removed, err, slices.Collect(x.Members("pilot")))
	// Output: [{pc-1 pilot}] <nil> [pc-2]
}

func ExampleIndex_Group() {
	x := fleetIndex()
	g, ok := x.Group("linux")
	fmt.Println(ok, g.Dynamic(), g.MembershipRule)
	// Output: true true device.deviceOSType -eq "Linux"
}

func ExampleIndex_Groups() {
	for g := range fleetIndex().Groups() {
		fmt.Println(g.ID, g.MembershipRuleProcessingState)
	}
	// Output:
	// linux On
	// mde-windows On
}

func ExampleIndex_GroupsOf() {
	x := fleetIndex()
	for _, dev := range []string{"pc-1", "pc-2", "db-7"} {
		fmt.Println(dev, slices.Collect(x.GroupsOf(dev)))
	}
	// Output:
	// pc-1 [mde-windows]
	// pc-2 []
	// db-7 [linux]
}

func ExampleIndex_Members() {
	fmt.Println(slices.Collect(fleetIndex().Members("mde-windows")))
	// Output: [pc-1]
}

func ExampleIndex_IsMember() {
	x := fleetIndex()
	fmt.Println(x.IsMember("mde-windows", "pc-1"), x.IsMember("mde-windows", "pc-2"))
	// Output: true false
}

// A policy assigned to the Defender-managed Windows devices and the Linux
// servers, excluding a static group of one.
func ExampleIndex_Targets() {
	x := fleetIndex()
	g, _ := targeting.NewStaticGroup("excluded", "Excluded", "db-7")
	if _, err := x.AddGroup(g); err != nil {
		log.Fatal(err)
	}
	a := &targeting.Assignment{IncludeGroups: []string{"mde-windows", "linux"}, ExcludeGroups: []string{"excluded"}}
	for _, dev := range []string{"pc-1", "pc-2", "db-7"} {
		fmt.Println(dev, x.Targets(a, dev))
	}
	// Output:
	// pc-1 true
	// pc-2 false
	// db-7 false
}

func ExampleAssignment_TargetsGroups() {
	a := targeting.Assignment{AllDevices: true, ExcludeGroups: []string{"Kiosks"}}
	fmt.Println(a.TargetsGroups(), a.TargetsGroups("kiosks"))
	// Output: true false
}

func ExampleAssignment_Validate() {
	a := targeting.Assignment{IncludeGroups: []string{"linux", ""}}
	err := a.Validate()
	fmt.Println(errors.Is(err, targeting.ErrInvalidAssignment), err)
	// Output: true targeting: invalid assignment: an empty group id
}

func ExampleDelta_Empty() {
	x := fleetIndex()
	fmt.Println(x.Recompute().Empty())
	d := x.UpsertDevice("db-8", &identity.Device{DeviceOSType: "Linux"})
	fmt.Println(d.Empty(), d.Added)
	// Output:
	// true
	// false [{db-8 linux}]
}

func ExampleEnv_Device() {
	env := targeting.NewEnv(&identity.Device{DisplayName: "DB-7"})
	fmt.Println(env.Device().DisplayName)
	// Output: DB-7
}

// One Evaluator per goroutine evaluates every rule against one Env per
// device.
func ExampleEvaluator_Match() {
	rules := []*targeting.Rule{
		targeting.MustParse(`device.deviceOSType -eq "Linux"`),
		targeting.MustParse(`device.managementType -eq "MicrosoftSense"`, targeting.WithEngine(targeting.EngineExpr)),
		targeting.MustParse(`device.displayName -startsWith "SQL-"`),
	}
	ev := targeting.NewEvaluator()
	env := targeting.NewEnv(&identity.Device{DisplayName: "DB-7", DeviceOSType: "Linux", ManagementType: "MicrosoftSense"})
	for _, r := range rules {
		fmt.Println(ev.Match(r, env), r)
	}
	// Output:
	// true device.deviceOSType -eq "Linux"
	// true device.managementType -eq "MicrosoftSense"
	// false device.displayName -startsWith "SQL-"
}

func ExampleNewEvaluator() {
	ev := targeting.NewEvaluator()
	r := targeting.MustParse(`device.deviceOSVersion -startsWith "10.0.2"`)
	fmt.Println(ev.Match(r, targeting.NewEnv(&identity.Device{DeviceOSVersion: "10.0.22631.4460"})))
	// Output: true
}

func ExampleGroup_Dynamic() {
	static, _ := targeting.NewStaticGroup("pilot", "Pilot ring", "pc-1")
	dynamic, _ := targeting.NewDynamicGroup("linux", "Linux", `device.deviceOSType -eq "Linux"`)
	fmt.Println(static.Dynamic(), dynamic.Dynamic())
	// Output: false true
}

func ExampleGroup_Paused() {
	g, _ := targeting.NewDynamicGroup("linux", "Linux", `device.deviceOSType -eq "Linux"`)
	fmt.Println(g.Paused())
	g.MembershipRuleProcessingState = targeting.ProcessingPaused
	fmt.Println(g.Paused())
	// Output:
	// false
	// true
}

func ExampleGroup_Rule() {
	g, _ := targeting.NewDynamicGroup("linux", "Linux", `device.deviceOSType  -eq  'Linux'`)
	fmt.Println(g.Rule())
	// Output: device.deviceOSType -eq "Linux"
}

func ExampleProcessingState_CanTransition() {
	fmt.Println(targeting.ProcessingOn.CanTransition(targeting.ProcessingPaused))
	fmt.Println(targeting.ProcessingPaused.CanTransition(targeting.ProcessingOn))
	fmt.Println(targeting.ProcessingState("").CanTransition(targeting.ProcessingOn))
	// Output:
	// true
	// true
	// false
}

func ExampleNodeBudget() {
	_, err := targeting.Parse(`device.deviceOSType -eq "Windows" -or device.deviceOSType -eq "Linux" -or device.deviceOSType -eq "macOS"`,
		targeting.NodeBudget(3))
	fmt.Println(err)
	// Output: rule: line 1, column 1: Rule exceeds a limit: the rule has 4 expressions and operators, more than the budget of 3
}

func ExamplePropertyNames() {
	names := targeting.PropertyNames()
	fmt.Println(len(names), names[0], names[len(names)-1])
	// Output: 36 accountEnabled tags
}

// Equal compares syntax trees, whatever the spelling.
func ExampleRule_Equal() {
	a := targeting.MustParse(`(device.deviceOSType -eq "Linux")`)
	b := targeting.MustParse(`device.deviceostype eq 'Linux'`)
	fmt.Println(a.Equal(b), a.Text() == b.Text())
	// Output: true false
}

func ExampleRule_Text() {
	r := targeting.MustParse(`device.deviceostype eq 'Linux'`)
	fmt.Println(r.Text())
	fmt.Println(r.String())
	// Output:
	// device.deviceostype eq 'Linux'
	// device.deviceOSType -eq "Linux"
}

func ExampleRule_Engine() {
	fmt.Println(targeting.MustParse(`device.accountEnabled -eq true`).Engine())
	// Output: direct
}

func ExampleRule_Properties() {
	r := targeting.MustParse(`device.deviceType -eq "Windows" -and device.tags -contains "tier-0"`)
	fmt.Println(r.Properties())
	// Output: [deviceOSType deviceType tags]
}

func ExampleRule_Reads() {
	r := targeting.MustParse(`device.extensionAttribute7 -eq "kiosk"`)
	fmt.Println(r.Reads("extensionAttribute7"), r.Reads("ExtensionAttribute7"), r.Reads("deviceOSType"))
	// Output: true true false
}

func ExampleRule_MemberOfGroups() {
	r := targeting.MustParse(`device.memberOf -any (group.objectId -in ['11111111-1111-1111-1111-111111111111', '22222222-2222-2222-2222-222222222222'])`)
	fmt.Println(r.MemberOfGroups())
	fmt.Println(targeting.MustParse(`device.deviceOSType -eq "Linux"`).MemberOfGroups() == nil)
	// Output:
	// [11111111-1111-1111-1111-111111111111 22222222-2222-2222-2222-222222222222]
	// true
}

func ExampleRule_MatchEnv() {
	env := targeting.NewEnv(&identity.Device{DeviceOSType: "Windows Server", Tags: []string{"MDE-Management"}})
	for _, text := range []string{`device.deviceOSType -eq "Windows Server"`, `device.tags -any (_ -eq "MDE-Management")`} {
		fmt.Println(targeting.MustParse(text).MatchEnv(env))
	}
	// Output:
	// true
	// true
}

func ExampleRequirements_Admits() {
	q := targeting.MustParse(`device.deviceOSType -eq "Linux" -and device.displayName -startsWith "DB-"`).Requirements()
	fmt.Println(q.Admits(&identity.Device{DeviceOSType: "Linux"}), q.Admits(&identity.Device{DeviceOSType: "macOS"}))
	// Output: true false
}
