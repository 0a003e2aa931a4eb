package tenantexport_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing/fstest"

	secmgmt "github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/tenantexport"
)

func ExampleReadDir() {
	e, err := tenantexport.ReadDir("testdata/tenant")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d policies, %d groups, %d devices, %d skipped (%s)\n",
		len(e.Policies), len(e.Groups), len(e.Devices), len(e.Skipped), e.Skipped[0].OperatingSystem)
	// Output:
	// 3 policies, 4 groups, 5 devices, 1 skipped (iOS)
}

func ExampleRead() {
	fsys := fstest.MapFS{
		"policies.json": {Data: []byte(`[]`)},
		"groups.json":   {Data: []byte(`{"value": [{"id": "g1", "membershipRule": "device.deviceOSType -eq"}]}`)},
		"devices.json":  {Data: []byte(`{"value": []}`)},
	}
	e, err := tenantexport.Read(fsys)
	if err == nil {
		_, err = e.Load(context.Background())
	}
	var xe *tenantexport.Error
	if errors.As(err, &xe) {
		fmt.Println(xe.File, xe.Path)
	}
	// Output:
	// groups.json value[0].membershipRule
}

func ExampleExport_Load() {
	ctx := context.Background()
	e, err := tenantexport.ReadDir("testdata/tenant")
	if err != nil {
		fmt.Println(err)
		return
	}
	svc, err := e.Load(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer svc.Close()
	// What would assigning the pilot policy to every Windows client do?
	imp, err := svc.Simulate(ctx, secmgmt.AssignPolicyChange("5a1e0000-0000-4000-8000-000000000003",
		policy.Include("9e0c1a10-0000-4000-8000-000000000001")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d devices would change", len(imp.Devices))
	fmt.Println(" (FIN-LT-002, in the pilot ring, has it already)")
	// Output:
	// 2 devices would change (FIN-LT-002, in the pilot ring, has it already)
}

func ExampleAnalyze() {
	ctx := context.Background()
	e, err := tenantexport.ReadDir("testdata/tenant")
	if err != nil {
		fmt.Println(err)
		return
	}
	svc, err := e.Load(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer svc.Close()
	a, err := tenantexport.Analyze(ctx, svc)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range a.Devices {
		fmt.Printf("%s: %d settings, %d conflicts\n", d.Name, len(d.Settings), len(d.Conflicts))
	}
	// Output:
	// FIN-LT-001: 2 settings, 1 conflicts
	// FIN-LT-002: 4 settings, 0 conflicts
	// OPS-LT-001: 3 settings, 0 conflicts
	// SRV-SQL-01: 3 settings, 0 conflicts
	// MAC-DSN-01: 0 settings, 0 conflicts
}

func ExampleAnalyzeExport() {
	e, err := tenantexport.ReadDir("testdata/tenant")
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := tenantexport.AnalyzeExport(context.Background(), e)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range a.Policies {
		fmt.Printf("%s: delivered to %d, in conflict on %d\n", p.Name, len(p.Delivered), len(p.InConflict))
	}
	// Output:
	// Windows AV baseline: delivered to 4, in conflict on 1
	// Finance AV: delivered to 1, in conflict on 1
	// Pilot CPU limit: delivered to 1, in conflict on 0
}

func ExampleAnalysis_WriteText() {
	e, _ := tenantexport.ReadDir("testdata/tenant")
	a, err := tenantexport.AnalyzeExport(context.Background(), e)
	if err != nil {
		fmt.Println(err)
		return
	}
	a.Skipped = nil
	a.Devices, a.Policies, a.Groups = a.Devices[4:], nil, nil // the Mac only
	_ = a.WriteText(os.Stdout)
	// Output:
	// Devices managed: 1 (with conflicts: 0); policies: 0; groups: 0; devices left out: 0
	//
	// Devices
	//   MAC-DSN-01 (de71ce00-0000-4000-8000-000000000005), macOS, enrollment success
	//     groups: none
	//     policies: none
}

func ExampleAnalysis_WriteCSV() {
	e, _ := tenantexport.ReadDir("testdata/tenant")
	a, err := tenantexport.AnalyzeExport(context.Background(), e)
	if err != nil {
		fmt.Println(err)
		return
	}
	a.Devices, a.Policies, a.Groups = a.Devices[4:], nil, nil
	_ = a.WriteCSV(os.Stdout)
	// Output:
	// Section,Id,Name,Kind,Subject,Value,Policies
	// device,de71ce00-0000-4000-8000-000000000005,MAC-DSN-01,enrollment,macOS,success,
	// skipped,de71ce00-0000-4000-8000-000000000006,IPHONE-07,platform,iOS,security settings management does not manage this platform,
}

func ExampleAnalysis_WriteJSON() {
	a := &tenantexport.Analysis{Skipped: []tenantexport.Skipped{{DeviceID: "d1", Name: "phone", OperatingSystem: "Android", Reason: "not managed here"}}}
	_ = a.WriteJSON(os.Stdout)
	// Output:
	// {
	//   "devices": null,
	//   "policies": null,
	//   "groups": null,
	//   "skipped": [
	//     {
	//       "deviceId": "d1",
	//       "name": "phone",
	//       "operatingSystem": "Android",
	//       "reason": "not managed here"
	//     }
	//   ]
	// }
}
