package identity

import (
	"fmt"
	"testing"
)

// BenchmarkDirectoryRegister: plan and apply one synthetic registration
// with its management mark into a directory of 100k objects.
func BenchmarkDirectoryRegister(b *testing.B) {
	seed := make([]*Device, 100_000)
	for i := range seed {
		seed[i] = &Device{ObjectID: fmt.Sprintf("o%d", i), DeviceID: fmt.Sprintf("d%d", i), Registration: RegistrationSynthetic}
	}
	dir, err := NewDirectory(WithDevices(seed...))
	if err != nil {
		b.Fatal(err)
	}
	r := Registrant{DeviceID: "new", OSType: "Windows", Tags: []string{"MDE-Management"}}
	b.ReportAllocs()
	for b.Loop() {
		cs, err := Register(nil, r, MethodSynthetic, at)
		if err != nil {
			b.Fatal(err)
		}
		cs = Compact(append(cs, SetManaged(cs[0].Device, MarkManagementType, false)...))
		if err := dir.Apply(cs...); err != nil {
			b.Fatal(err)
		}
		if err := dir.Apply(Delete(cs[0].Device)...); err != nil {
			b.Fatal(err)
		}
	}
}
