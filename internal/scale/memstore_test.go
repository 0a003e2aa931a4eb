package scale

import (
	"context"
	"crypto/sha256"
	"runtime"
	"testing"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
)

// BenchmarkMemstoreMemory loads the fleet into a memstore through the
// store API, as the service writes it, in transactions of 1,000 devices,
// and reports the live heap per device of the fleet at three stages:
//
//   - devices: every device's record (directory object and facts), its
//     group memberships (from the membership index) and a check-in — the
//     DESIGN target, ≤ 2 KiB per device;
//   - +enrollment: and its enrollment record and credential hash;
//   - +history: and the transitions of its onboarding (with the directory
//     changes they planned), as the service appends them.
//
// Records and histories come from running the enrollment state machine on
// each device as it is stored; they are garbage by the time the heap is
// measured.
func BenchmarkMemstoreMemory(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		fd, x := fleetOf(b, n), indexOf(b, n)
		ctx := context.Background()
		f := fd.fleet
		// The enrollment record of device i, with the history of its
		// onboarding: computed when it is stored (transient, so outside
		// the measure), not kept for the million devices.
		record := func(i int) enrollment.Record {
			d := f.Device(i)
			var seed []*identity.Device
			if d.Existing != nil {
				seed = append(seed, d.Existing)
			}
			dir, err := identity.NewDirectory(identity.WithDevices(seed...))
			if err != nil {
				b.Fatal(err)
			}
			env := enrollment.Env{Tenant: f.Tenant, Facts: d.Facts, Directory: dir, Now: f.Options.Now}
			rec, _, err := enrollment.Record{DeviceID: d.ID, DisplayName: d.Name}.Handle(enrollment.Event{Kind: enrollment.EventOnboard}, env)
			if err != nil {
				b.Fatal(err)
			}
			return rec
		}
		transitions := 0
		var devices, withEnrollment, withHistory float64
		for b.Loop() {
			base := heapAfterGC()
			s := memstore.New()
			for _, g := range f.Groups {
				if _, err := s.PutGroup(ctx, &store.Group{ID: g.ID, DisplayName: g.DisplayName, MembershipRule: g.MembershipRule, ProcessingState: store.ProcessingOn}); err != nil {
					b.Fatal(err)
				}
			}
			batches(b, ctx, s, n, func(tx store.Store, i int, delta *store.MembershipDelta) error {
				d := &fd.devices[i]
				facts := d.Facts
				if _, err := tx.PutDevice(ctx, &store.Device{ID: d.ID, Object: d.Object, Facts: &facts, Created: f.Options.Now, Modified: f.Options.Now}); err != nil {
					return err
				}
				for g := range x.GroupsOf(d.ID) {
					delta.Added = append(delta.Added, store.Membership{DeviceID: d.ID, GroupID: g})
				}
				if d.Expected == enrollment.StateEnrolled {
					return tx.RecordCheckIn(ctx, store.CheckIn{DeviceID: d.ID, At: f.Options.Now, ConfigurationVersion: "7f3a9c210b4d8e65"})
				}
				return nil
			})
			devices = float64(heapAfterGC()-base) / float64(n)
			batches(b, ctx, s, n, func(tx store.Store, i int, _ *store.MembershipDelta) error {
				r := record(i)
				r.History = nil
				if _, err := tx.PutEnrollment(ctx, &store.Enrollment{Record: r}); err != nil {
					return err
				}
				h := sha256.Sum256([]byte(fd.devices[i].ID))
				return tx.PutCredential(ctx, &store.Credential{DeviceID: fd.devices[i].ID, Hash: h[:], IssuedAt: f.Options.Now})
			})
			withEnrollment = float64(heapAfterGC()-base) / float64(n)
			batches(b, ctx, s, n, func(tx store.Store, i int, _ *store.MembershipDelta) error {
				h := record(i).History
				transitions += len(h)
				return tx.AppendHistory(ctx, fd.devices[i].ID, h...)
			})
			withHistory = float64(heapAfterGC()-base) / float64(n)
			runtime.KeepAlive(s)
			s.Close()
		}
		b.ReportMetric(devices, "devices-B/device")
		b.ReportMetric(withEnrollment, "+enrollment-B/device")
		b.ReportMetric(withHistory, "+history-B/device")
		b.ReportMetric(float64(transitions)/float64(n*b.N), "transitions/device")
	})
}

// batches calls fn for every device, 1,000 devices per transaction,
// applying the memberships fn adds at the end of each.
func batches(b *testing.B, ctx context.Context, s store.Store, n int, fn func(tx store.Store, i int, delta *store.MembershipDelta) error) {
	b.Helper()
	for start := 0; start < n; start += 1000 {
		err := s.Tx(ctx, func(tx store.Store) error {
			var delta store.MembershipDelta
			for i := start; i < min(n, start+1000); i++ {
				if err := fn(tx, i, &delta); err != nil {
					return err
				}
			}
			if len(delta.Added) > 0 {
				return tx.ApplyMemberships(ctx, delta)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
