package fleetgen

import "testing"

// BenchmarkDevice generates one device of a fleet (facts, existing
// registration, directory object after onboarding).
func BenchmarkDevice(b *testing.B) {
	f := newFleet(b, 1, Options{Devices: 1_000_000})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = f.Device(i % f.Len())
		i++
	}
}

// BenchmarkNew generates the groups and policies of a default fleet.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(1, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
