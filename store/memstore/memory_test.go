package memstore_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
)

// fleetDevice is a typical device of a fleet: its own ids and name, the
// rest shared with many others.
func fleetDevice(i int) *store.Device {
	id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(i)*2654435761, i%65536, i%4096, (i/7)%4096, i)
	models := []string{"Latitude 7440", "EliteBook 840 G10", "ThinkPad T14 Gen 4", "Surface Laptop 6"}
	f := enrollment.HealthyFacts(enrollment.PlatformWindows)
	f.Tags = []string{"MDE-Management"}
	at := time.Date(2026, 3, 1, 0, 0, i%86400, 0, time.UTC)
	return &store.Device{
		ID: id,
		Object: &identity.Device{
			ObjectID:           fmt.Sprintf("%08x-aaaa-4bbb-8ccc-%012x", uint32(i)*40503, i),
			DeviceID:           id,
			DisplayName:        fmt.Sprintf("DESKTOP-%06d", i),
			AccountEnabled:     identity.Bool(true),
			DeviceManufacturer: "Contoso",
			DeviceModel:        models[i%len(models)],
			DeviceOSType:       "Windows",
			DeviceOSVersion:    "10.0.22631.4460",
			DeviceOwnership:    "Company",
			DeviceTrustType:    "AzureAD",
			ManagementType:     identity.ManagementTypeMicrosoftSense,
			ProfileType:        "RegisteredDevice",
			SystemLabels:       []string{identity.LabelMDEManaged},
			Tags:               []string{"MDE-Management"},
			Registration:       identity.RegistrationFull,
		},
		Facts:    &f,
		Created:  at,
		Modified: at,
	}
}

// BenchmarkMemoryPerDevice measures the heap a memstore holds per device
// for a fleet of 100,000 devices, each with its directory object, facts,
// ten group memberships (of 100 groups) and a check-in; and then with an
// enrollment record too.
func BenchmarkMemoryPerDevice(b *testing.B) {
	const devices, groups, perDevice = 100_000, 100, 10
	ctx := context.Background()
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		s := memstore.New()
		for g := range groups {
			if _, err := s.PutGroup(ctx, &store.Group{ID: fmt.Sprintf("group-%03d", g), MembershipRule: "(device.deviceOSType -eq \"Windows\")"}); err != nil {
				b.Fatal(err)
			}
		}
		ids := make([]string, devices)
		for start := 0; start < devices; start += 1000 {
			err := s.Tx(ctx, func(tx store.Store) error {
				var delta store.MembershipDelta
				for i := start; i < start+1000; i++ {
					d := fleetDevice(i)
					ids[i] = d.ID
					if _, err := tx.PutDevice(ctx, d); err != nil {
						return err
					}
					for k := range perDevice {
						delta.Added = append(delta.Added, store.Membership{DeviceID: d.ID, GroupID: fmt.Sprintf("group-%03d", (i+k*7)%groups)})
					}
					if err := tx.RecordCheckIn(ctx, store.CheckIn{DeviceID: d.ID, At: d.Created, ConfigurationVersion: "7f3a9c21"}); err != nil {
						return err
					}
				}
				return tx.ApplyMemberships(ctx, delta)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/devices, "B/device")
		for i, id := range ids {
			r := enrollment.Record{DeviceID: id, State: enrollment.StateEnrolled, Status: enrollment.StatusSuccess, Code: 1,
				ManagedBy: enrollment.ManagedByMDE, Registration: identity.MethodExisting, ObjectID: fmt.Sprintf("obj-%d", i),
				LastCheckIn: time.Unix(int64(i), 0), NextCheckIn: time.Unix(int64(i)+5400, 0)}
			if _, err := s.PutEnrollment(ctx, &store.Enrollment{Record: r}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/devices, "B/device+enrollment")
		runtime.KeepAlive(s)
		s.Close()
	}
}
