package fleetgen_test

import (
	"fmt"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/internal/fleetgen"
	"github.com/secmgmt/secmgmt/targeting"
)

func ExampleNew() {
	f, err := fleetgen.New(1, fleetgen.Options{Devices: 1000, Groups: 20, Policies: 30})
	if err != nil {
		panic(err)
	}
	x := targeting.NewIndex()
	for _, g := range f.Groups {
		if _, err := x.AddGroup(g); err != nil {
			panic(err)
		}
	}
	states := map[enrollment.State]int{}
	for d := range f.Devices() {
		if d.Object != nil {
			x.UpsertDevice(d.ID, d.Object)
		}
		states[d.Expected]++
	}
	fmt.Println(f.Len(), "devices,", len(f.Groups), "groups,", len(f.Policies), "policies")
	fmt.Println(x.DeviceCount(), "directory objects")
	for _, s := range enrollment.States() {
		if states[s] > 0 {
			fmt.Println(s, states[s])
		}
	}
	// Output:
	// 1000 devices, 20 groups, 30 policies
	// 949 directory objects
	// enrolled 889
	// notEnrolled 39
	// notSupported 29
	// failed 3
	// managedByMDM 14
	// managedByConfigMgr 26
}

func ExampleFleet_PolicyIndexes() {
	f, err := fleetgen.New(1, fleetgen.Options{Devices: 10})
	if err != nil {
		panic(err)
	}
	// A device in no group gets the policies assigned to all devices.
	for _, i := range f.PolicyIndexes(nil, nil) {
		fmt.Println(f.Policies[i].Name)
	}
	// Output:
	// Windows Endpoint detection and response - All devices
}
