package identity_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/secmgmt/secmgmt/identity"
)

// exampleDirectory is a directory with a quota of 10 holding one Entra
// joined laptop and one server with a synthetic registration.
func exampleDirectory() *identity.Directory {
	laptop := &identity.Device{ObjectID: "1b6f0c52-8e3a-4d71-9a2c-5f0e7d3b8a14", DeviceID: "4e0f2d8a-6c1b-4a97-b3e5-9d7f1a2c0b68",
		DisplayName: "LAPTOP-17", DeviceOSType: "Windows", DeviceTrustType: "AzureAd", Registration: identity.RegistrationFull}
	dir, err := identity.NewDirectory(identity.WithQuota(10), identity.WithDevices(laptop))
	if err != nil {
		log.Fatal(err)
	}
	cs, err := identity.Register(nil, identity.Registrant{DeviceID: "srv-1", DisplayName: "SQL-PROD-01", OSType: "Windows Server"},
		identity.MethodSynthetic, time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	if err := dir.Apply(cs...); err != nil {
		log.Fatal(err)
	}
	return dir
}

func ExampleWithQuota() {
	dir, err := identity.NewDirectory(identity.WithQuota(1))
	if err != nil {
		log.Fatal(err)
	}
	for _, id := range []string{"srv-1", "srv-2"} {
		cs, _ := identity.Register(nil, identity.Registrant{DeviceID: id, OSType: "Linux"}, identity.MethodSynthetic, at)
		err := dir.Apply(cs...)
		var qe *identity.QuotaError
		fmt.Println(id, err == nil, errors.As(err, &qe))
	}
	_, err = identity.NewDirectory(identity.WithQuota(-1))
	fmt.Println(err)
	// Output:
	// srv-1 true false
	// srv-2 false true
	// identity: negative quota -1
}

func ExampleWithDevices() {
	laptop := &identity.Device{ObjectID: "o1", DeviceID: "d1", DeviceOSType: "Windows", DeviceTrustType: "AzureAD", Registration: identity.RegistrationFull}
	dup := &identity.Device{ObjectID: "o2", DeviceID: "d1", DeviceOSType: "Windows", Registration: identity.RegistrationFull}
	_, err := identity.NewDirectory(identity.WithDevices(laptop, dup))
	fmt.Println(err != nil)
	dir, err := identity.NewDirectory(identity.WithDevices(laptop))
	fmt.Println(dir.Len(), err)
	// Output:
	// true
	// 1 <nil>
}

func ExampleDirectory_Apply() {
	dir := exampleDirectory()
	d, _ := dir.Lookup("srv-1")
	err := dir.Apply(identity.SetManaged(d, identity.MarkManagementType, false)...)
	d, _ = dir.Lookup("srv-1")
	fmt.Println(err, d.ManagementType)
	// All or nothing: deleting an object twice leaves it in place.
	err = dir.Apply(append(identity.Delete(d), identity.Delete(d)...)...)
	fmt.Println(errors.Is(err, identity.ErrDeviceNotFound), dir.Len())
	// Output:
	// <nil> MicrosoftSense
	// true 2
}

func ExampleDirectory_Devices() {
	for _, d := range exampleDirectory().Devices() {
		fmt.Printf("%s %s %q\n", d.DisplayName, d.Registration, identity.TrustTypeOf(d))
	}
	// Output:
	// LAPTOP-17 full "AzureAD"
	// SQL-PROD-01 synthetic ""
}

// Lookup finds an object by device id, Get by object id; both return
// copies and compare ids case-insensitively.
func ExampleDirectory_Lookup() {
	dir := exampleDirectory()
	d, ok := dir.Lookup("4E0F2D8A-6C1B-4A97-B3E5-9D7F1A2C0B68")
	fmt.Println(ok, d.DisplayName)
	_, ok = dir.Lookup("srv-9")
	fmt.Println(ok)
	// Output:
	// true LAPTOP-17
	// false
}

func ExampleDirectory_Get() {
	dir := exampleDirectory()
	d, ok := dir.Get("1b6f0c52-8e3a-4d71-9a2c-5f0e7d3b8a14")
	fmt.Println(ok, d.DisplayName)
	d.DisplayName = "changed" // a copy: the directory keeps its own
	d, _ = dir.Get("1b6f0c52-8e3a-4d71-9a2c-5f0e7d3b8a14")
	fmt.Println(d.DisplayName)
	// Output:
	// true LAPTOP-17
	// LAPTOP-17
}

func ExampleDirectory_Len() {
	fmt.Println(exampleDirectory().Len())
	// Output: 2
}

func ExampleDirectory_Quota() {
	dir, _ := identity.NewDirectory()
	fmt.Println(exampleDirectory().Quota(), dir.Quota())
	// Output: 10 0
}

func ExampleDevice_ExtensionAttribute() {
	d := &identity.Device{}
	d.ExtensionAttributes[6] = "kiosk"
	fmt.Printf("%q %q %q\n", d.ExtensionAttribute(7), d.ExtensionAttribute(1), d.ExtensionAttribute(16))
	// Output: "kiosk" "" ""
}

func ExampleDevice_HasTag() {
	d := &identity.Device{Tags: []string{"MDE-Management", "tier-0"}}
	fmt.Println(d.HasTag("mde-management"), d.HasTag("tier-1"))
	// Output: true false
}

func ExampleBool() {
	d := &identity.Device{AccountEnabled: identity.Bool(true), IsRooted: identity.Bool(false)}
	fmt.Println(*d.AccountEnabled, *d.IsRooted)
	// Output: true false
}

func ExampleDevicesFromGraph() {
	list, err := identity.DevicesFromGraph([]byte(`{"value": [
		{"id": "1b6f0c52-8e3a-4d71-9a2c-5f0e7d3b8a14", "deviceId": "4e0f2d8a-6c1b-4a97-b3e5-9d7f1a2c0b68", "displayName": "LAPTOP-17",
		 "operatingSystem": "Windows", "trustType": "AzureAd", "accountEnabled": true},
		{"id": "7c2d9e41-0a5b-4f36-8d1e-2b9c6f0a4e73", "deviceId": "db-7", "displayName": "DB-7",
		 "operatingSystem": "Linux", "managementType": "MicrosoftSense", "systemLabels": ["MDEManaged"]}
	]}`))
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range list {
		fmt.Printf("%s %s full=%v %q %v\n", d.DisplayName, d.DeviceOSType, identity.TrustTypeOf(d).Full(), d.ManagementType, d.SystemLabels)
	}
	// Output:
	// LAPTOP-17 Windows full=true "" []
	// DB-7 Linux full=false "MicrosoftSense" [MDEManaged]
}

// The id of the duplicate object the macOS known issue creates is derived
// from the device id alone.
func ExampleDuplicateDeviceID() {
	a := identity.DuplicateDeviceID("mac-1")
	fmt.Println(a == identity.DuplicateDeviceID("mac-1"), a == identity.DuplicateDeviceID("mac-2"), a != "")
	// Output: true false true
}

func ExampleTrustType_Full() {
	for _, t := range []identity.TrustType{identity.TrustAzureAD, identity.TrustServerAD, identity.TrustWorkplace, identity.TrustNone} {
		fmt.Printf("%q %v\n", t, t.Full())
	}
	// Output:
	// "AzureAD" true
	// "ServerAD" true
	// "Workplace" true
	// "" false
}

func ExampleDirectory_Shared() {
	dir, err := identity.NewDirectory(identity.WithDevices(&identity.Device{ObjectID: "o-1", DeviceID: "dev-1", DisplayName: "PC-1", Registration: identity.RegistrationSynthetic}))
	if err != nil {
		log.Fatal(err)
	}
	// The directory's own object: read it, keep it, never change it.
	obj, _ := dir.Shared("dev-1")
	// An update replaces the object; the one kept above is unchanged.
	_ = dir.Apply(identity.Change{Kind: identity.ChangeUpdate, Device: &identity.Device{ObjectID: "o-1", DeviceID: "dev-1", DisplayName: "PC-1 (renamed)", Registration: identity.RegistrationSynthetic}})
	now, _ := dir.Shared("dev-1")
	fmt.Println(obj.DisplayName, "|", now.DisplayName)
	// Output: PC-1 | PC-1 (renamed)
}
