package identity_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/secmgmt/secmgmt/identity"
)

var at = time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)

// A device that is not fully registered gets a synthetic registration,
// which counts against the directory quota like a full one.
func ExampleRegister() {
	dir, _ := identity.NewDirectory(identity.WithQuota(1))
	r := identity.Registrant{DeviceID: "device-1", DisplayName: "PC-1", OSType: "Windows"}
	changes, _ := identity.Register(nil, r, identity.MethodSynthetic, at)
	changes = append(changes, identity.SetManaged(changes[0].Device, identity.MarkManagementType, false)...)
	fmt.Println(dir.Apply(identity.Compact(changes)...))

	d, _ := dir.Lookup("device-1")
	fmt.Printf("%s %q %s\n", d.Registration, d.DeviceTrustType, d.ManagementType)

	more, _ := identity.Register(nil, identity.Registrant{DeviceID: "device-2"}, identity.MethodSynthetic, at)
	err := dir.Apply(more...)
	fmt.Println(errors.Is(err, identity.ErrQuotaExceeded), err)
	// Output:
	// <nil>
	// synthetic "" MicrosoftSense
	// true identity: directory quota of 1 device objects exceeded: the changes would leave 2
}

// In legacy mode a domain-joined device is hybrid joined and labelled.
func ExampleSetManaged() {
	r := identity.Registrant{DeviceID: "device-1", OSType: "Windows"}
	cs, _ := identity.Register(nil, r, identity.MethodHybridJoin, at)
	d := identity.SetManaged(cs[0].Device, identity.MarkSystemLabels, true)[0].Device
	fmt.Println(d.DeviceTrustType, d.SystemLabels)
	// Output: ServerAD [MDEJoined MDEManaged]
}

// When management stops, MDEManaged goes and MicrosoftSense is cleared.
func ExampleClearManaged() {
	d := &identity.Device{ObjectID: "o1", DeviceID: "device-1", ManagementType: "MicrosoftSense",
		SystemLabels: []string{"MDEJoined", "MDEManaged"}}
	after := identity.ClearManaged(d, "")[0].Device
	fmt.Printf("%q %v\n", after.ManagementType, after.SystemLabels)
	mdm := identity.ClearManaged(d, identity.ManagementTypeMDM)[0].Device
	fmt.Println(mdm.ManagementType)
	// Output:
	// "" [MDEJoined]
	// MDM
}

// A full registration replaces a synthetic one; management continues.
func ExampleReplaceSynthetic() {
	syn := &identity.Device{ObjectID: "o1", DeviceID: "device-1", Registration: identity.RegistrationSynthetic,
		ManagementType: "MicrosoftSense", MemberOf: []string{"static-group"}}
	cs, _ := identity.ReplaceSynthetic(syn, identity.TrustAzureAD, at)
	for _, c := range cs {
		fmt.Println(c.Kind, c.Device.Registration, c.Device.DeviceTrustType, c.Device.ManagementType, len(c.Device.MemberOf))
	}
	// Output:
	// delete synthetic  MicrosoftSense 1
	// create full AzureAD MicrosoftSense 0
}

// Deleting a device removes it from every group; re-adding it keeps its
// device id, with a new object and no static memberships.
func ExampleReadd() {
	d := &identity.Device{ObjectID: "o1", DeviceID: "device-1", Registration: identity.RegistrationSynthetic, MemberOf: []string{"g1"}}
	dir, _ := identity.NewDirectory(identity.WithDevices(d))
	_ = dir.Apply(identity.Delete(d)...)
	_, found := dir.Lookup("device-1")
	fmt.Println(found)
	_ = dir.Apply(identity.Readd(d, at)...)
	back, _ := dir.Lookup("device-1")
	fmt.Println(back.DeviceID, back.ObjectID != "o1", len(back.MemberOf))
	// Output:
	// false
	// device-1 true 0
}

// Delete plans the removal of an object.
func ExampleDelete() {
	d := &identity.Device{ObjectID: "o1", DeviceID: "device-1", Registration: identity.RegistrationSynthetic}
	fmt.Println(identity.Delete(d)[0])
	// Output: delete o1 (synthetic, device device-1)
}

// The macOS duplicate-object known issue, on request.
func ExampleDuplicateSynthetic() {
	mac := &identity.Device{ObjectID: "o1", DeviceID: "mac-1", DeviceOSType: "macOS",
		Registration: identity.RegistrationFull, DeviceTrustType: "Workplace"}
	cs, _ := identity.DuplicateSynthetic(mac, at)
	dup := cs[0].Device
	fmt.Printf("%s %q %t\n", dup.Registration, dup.DeviceTrustType, dup.DeviceID == identity.DuplicateDeviceID("mac-1"))
	// Output: synthetic "" true
}

// Compact merges the changes of several steps per object.
func ExampleCompact() {
	d := &identity.Device{ObjectID: "o1", DeviceID: "device-1", Registration: identity.RegistrationSynthetic}
	marked := identity.SetManaged(d, identity.MarkManagementType, false)[0].Device
	cs := identity.Compact([]identity.Change{{Kind: identity.ChangeCreate, Device: d}, {Kind: identity.ChangeUpdate, Device: marked}})
	fmt.Println(len(cs), cs[0].Kind, cs[0].Device.ManagementType)
	// Output: 1 create MicrosoftSense
}

// Object ids are deterministic GUID-shaped values.
func ExampleNewObjectID() {
	a := identity.NewObjectID("device-1", "synthetic", at)
	fmt.Println(len(a), a == identity.NewObjectID("device-1", "synthetic", at))
	// Output: 36 true
}

// Directory.Check tells whether changes would apply, without applying them.
func ExampleDirectory_Check() {
	dir, _ := identity.NewDirectory()
	err := dir.Check(identity.Change{Kind: identity.ChangeUpdate, Device: &identity.Device{ObjectID: "o9", DeviceID: "d9", Registration: identity.RegistrationSynthetic}})
	fmt.Println(errors.Is(err, identity.ErrDeviceNotFound))
	// Output: true
}

// A directory seeded with devices that are already registered.
func ExampleNewDirectory() {
	joined := &identity.Device{ObjectID: "o1", DeviceID: "device-1", Registration: identity.RegistrationFull, DeviceTrustType: "AzureAD"}
	dir, err := identity.NewDirectory(identity.WithQuota(100), identity.WithDevices(joined))
	fmt.Println(dir.Len(), dir.Quota(), err)
	// Output: 1 100 <nil>
}

// SyncTags copies the device tags onto its object.
func ExampleSyncTags() {
	d := &identity.Device{ObjectID: "o1", DeviceID: "device-1", Registration: identity.RegistrationSynthetic}
	cs := identity.SyncTags(d, []string{"MDE-Management"})
	fmt.Println(cs[0].Kind, cs[0].Device.Tags, identity.SyncTags(cs[0].Device, []string{"MDE-Management"}) == nil)
	// Output: update [MDE-Management] true
}

// TrustTypeOf reads a trust type whatever its spelling.
func ExampleTrustTypeOf() {
	fmt.Println(identity.TrustTypeOf(&identity.Device{DeviceTrustType: "ServerAd"}))
	// Output: ServerAD
}
