package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
)

// benchDevices is how many devices the benchmarks load.
const benchDevices = 10_000

// benchMembers is the size of the group ListGroupMembers lists.
const benchMembers = 1000

// Benchmark measures a backend's hot paths, as sub-benchmarks:
//
//   - PutDevice: replace a device (a full directory object and facts).
//   - GetDevice: read one.
//   - ListGroupMembers: list a group of 1,000 members (ns/member too).
//   - PutStatusReport: record a newer report of 30 results over 3 policies.
//   - RecordCheckIn: record a check-in; RecordCheckInParallel from every
//     goroutine of b.RunParallel.
//   - Tx: a device update, a history entry and a change in one transaction.
//
// The store holds 10,000 devices. newStore is as for Run.
func Benchmark(b *testing.B, newStore func(tb testing.TB) store.Store) {
	b.Run("PutDevice", func(b *testing.B) {
		s, ids := loadDevices(b, newStore(b), benchDevices)
		versions := make([]int64, len(ids))
		for i := range versions {
			versions[i] = 1
		}
		devs := make([]*store.Device, len(ids))
		for i, id := range ids {
			devs[i] = fullDevice(id, i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			k := i % len(ids)
			devs[k].Version = versions[k]
			v, err := s.PutDevice(b.Context(), devs[k])
			if err != nil {
				b.Fatal(err)
			}
			versions[k] = v
			i++
		}
	})
	b.Run("GetDevice", func(b *testing.B) {
		s, ids := loadDevices(b, newStore(b), benchDevices)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := s.Device(b.Context(), ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("ListGroupMembers", func(b *testing.B) {
		s, ids := loadDevices(b, newStore(b), benchDevices)
		if _, err := s.PutGroup(b.Context(), &store.Group{ID: "bench"}); err != nil {
			b.Fatal(err)
		}
		var delta store.MembershipDelta
		for _, id := range ids[:benchMembers] {
			delta.Added = append(delta.Added, store.Membership{DeviceID: id, GroupID: "bench"})
		}
		if err := s.ApplyMemberships(b.Context(), delta); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, err := range s.GroupMembers(b.Context(), "bench", "") {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != benchMembers {
				b.Fatalf("%d members", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchMembers), "ns/member")
	})
	b.Run("PutStatusReport", func(b *testing.B) {
		s, ids := loadDevices(b, newStore(b), benchDevices)
		r := &store.StatusReport{ConfigurationVersion: "cfg-1"}
		for p := range 3 {
			for k := range 10 {
				r.Results = append(r.Results, store.SettingResult{PolicyID: fmt.Sprintf("pol-%d", p), SettingID: fmt.Sprintf("setting-%02d", k),
					Status: report.StatusSucceeded, Value: "true"})
			}
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r.DeviceID = ids[i%len(ids)]
			r.ReportID = fmt.Sprintf("r-%d", i)
			r.ReportedAt = t0.Add(time.Duration(i) * time.Second)
			if o, err := s.PutStatusReport(b.Context(), r); err != nil || o != store.ReportStored {
				b.Fatal(o, err)
			}
			i++
		}
	})
	b.Run("RecordCheckIn", func(b *testing.B) {
		s, ids := loadDevices(b, newStore(b), benchDevices)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := s.RecordCheckIn(b.Context(), store.CheckIn{DeviceID: ids[i%len(ids)], At: t0, ConfigurationVersion: "cfg-1"}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("RecordCheckInParallel", func(b *testing.B) {
		s, ids := loadDevices(b, newStore(b), benchDevices)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if err := s.RecordCheckIn(b.Context(), store.CheckIn{DeviceID: ids[i%len(ids)], At: t0, ConfigurationVersion: "cfg-1"}); err != nil {
					b.Error(err)
					return
				}
				i += 7
			}
		})
	})
	b.Run("Tx", func(b *testing.B) {
		s, ids := loadDevices(b, newStore(b), benchDevices)
		versions := make([]int64, len(ids))
		for i := range versions {
			versions[i] = 1
		}
		tr := transitions("x")[0]
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			k := i % len(ids)
			err := s.Tx(b.Context(), func(tx store.Store) error {
				d := bareDevice(ids[k])
				d.Version = versions[k]
				v, err := tx.PutDevice(b.Context(), d)
				if err != nil {
					return err
				}
				versions[k] = v
				if err := tx.AppendHistory(b.Context(), ids[k], tr); err != nil {
					return err
				}
				_, err = tx.AppendChange(b.Context(), store.Change{Kind: "device", Keys: []string{ids[k]}})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// loadDevices puts n full devices in s, in transactions of 1,000, and
// returns their ids.
func loadDevices(tb testing.TB, s store.Store, n int) (store.Store, []string) {
	tb.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08x-0000-4000-8000-%012d", uint32(i)*2654435761, i)
	}
	for start := 0; start < n; start += 1000 {
		err := s.Tx(tb.Context(), func(tx store.Store) error {
			for i := start; i < min(start+1000, n); i++ {
				if _, err := tx.PutDevice(tb.Context(), fullDevice(ids[i], i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return s, ids
}
