package store_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
)

// A transaction: a device, its group membership and the change feed entry
// that tells other instances, all or nothing.
func Example_transaction() {
	ctx := context.Background()
	var s store.Store = memstore.New()
	defer s.Close()
	if _, err := s.PutGroup(ctx, &store.Group{ID: "finance", DisplayName: "Finance"}); err != nil {
		panic(err)
	}

	err := s.Tx(ctx, func(tx store.Store) error {
		if _, err := tx.PutDevice(ctx, &store.Device{ID: "d1"}); err != nil {
			return err
		}
		err := tx.ApplyMemberships(ctx, store.MembershipDelta{Added: []store.Membership{{DeviceID: "d1", GroupID: "finance"}}})
		if err != nil {
			return err
		}
		_, err = tx.AppendChange(ctx, store.Change{Kind: "device", Keys: []string{"d1"}})
		return err
	})
	fmt.Println("committed:", err)

	err = s.Tx(ctx, func(tx store.Store) error {
		if _, err := tx.PutDevice(ctx, &store.Device{ID: "d2"}); err != nil {
			return err
		}
		// d2 joins a group that does not exist: the whole transaction
		// rolls back, d2 included.
		return tx.ApplyMemberships(ctx, store.MembershipDelta{Added: []store.Membership{{DeviceID: "d2", GroupID: "sales"}}})
	})
	fmt.Println("rolled back:", errors.Is(err, store.ErrNotFound))

	n, _ := s.CountDevices(ctx)
	members, _ := s.CountGroupMembers(ctx, "finance")
	last, _ := s.LastChange(ctx)
	fmt.Println(n, "device,", members, "member, change", last)
	// Output:
	// committed: <nil>
	// rolled back: true
	// 1 device, 1 member, change 1
}

// Optimistic concurrency: read, change, write with the version read, and
// retry on a conflict.
func Example_optimisticUpdate() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	if _, err := s.PutGroup(ctx, &store.Group{ID: "g1", DisplayName: "Pilot"}); err != nil {
		panic(err)
	}

	rename := func(name string) error {
		for {
			g, err := s.Group(ctx, "g1")
			if err != nil {
				return err
			}
			g.DisplayName = name // g.Version is the version read
			_, err = s.PutGroup(ctx, g)
			if !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
	}
	fmt.Println(rename("Pilot ring 1"))
	g, _ := s.Group(ctx, "g1")
	fmt.Println(g.DisplayName, g.Version)
	// Output:
	// <nil>
	// Pilot ring 1 2
}

// Iterate over a large set a page at a time, resuming after a key.
func Example_iterate() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	for _, id := range []string{"d3", "d1", "d2"} {
		if _, err := s.PutDevice(ctx, &store.Device{ID: id}); err != nil {
			panic(err)
		}
	}
	for d, err := range s.Devices(ctx, "d1") {
		if err != nil {
			panic(err)
		}
		fmt.Println(d.ID)
	}
	// Output:
	// d2
	// d3
}

// Bad input is refused with an *InvalidError naming what is wrong, and
// nothing is written.
func ExampleInvalidError() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	_, err := s.PutGroup(ctx, &store.Group{ID: "g1", ProcessingState: "Off"})
	var ie *store.InvalidError
	fmt.Println(errors.Is(err, store.ErrInvalid), errors.As(err, &ie) && ie.Field == "ProcessingState")
	fmt.Println(err)
	// Output:
	// true true
	// store: invalid group "g1": ProcessingState: "Off" is neither On nor Paused
}

// A device's status report is idempotent: a retry is a duplicate.
func ExampleStatusStore() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()
	if _, err := s.PutDevice(ctx, &store.Device{ID: "d1"}); err != nil {
		panic(err)
	}
	r := &store.StatusReport{DeviceID: "d1", ReportID: "9b1f", Results: []store.SettingResult{
		{PolicyID: "p1", SettingID: "cloudservice_enabled", Status: "succeeded", Value: "true"}}}
	for range 2 {
		outcome, err := s.PutStatusReport(ctx, r)
		fmt.Println(outcome, err)
	}
	// Output:
	// stored <nil>
	// duplicate <nil>
}

// The audit trail: an entry appended in the transaction of the change it
// records, then queried.
func ExampleAuditStore() {
	ctx := context.Background()
	var s store.Store = memstore.New()
	defer s.Close()
	at := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	err := s.Tx(ctx, func(tx store.Store) error {
		v, err := tx.PutGroup(ctx, &store.Group{ID: "pilot", DisplayName: "Pilot"})
		if err != nil {
			return err
		}
		_, err = tx.AppendAudit(ctx, store.AuditEntry{At: at, PrincipalID: "ana@contoso.com", Operation: "CreateGroup",
			ObjectKind: "group", ObjectID: "pilot", AfterVersion: v, Detail: "created"})
		return err
	})
	if err != nil {
		panic(err)
	}
	_, err = s.AppendAudit(ctx, store.AuditEntry{At: at, Operation: "", ObjectKind: "group"})
	fmt.Println(errors.Is(err, store.ErrInvalid))
	for e, err := range s.Audit(ctx, store.AuditQuery{PrincipalID: "ana@contoso.com"}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(e.Seq, e.Operation, e.ObjectKind, e.ObjectID, e.BeforeVersion, e.AfterVersion)
	}
	// Output:
	// true
	// 1 CreateGroup group pilot 0 1
}

func ExampleAuditQuery_Matches() {
	at := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	e := &store.AuditEntry{Seq: 7, At: at, PrincipalID: "ana@contoso.com", Operation: "UpdatePolicy", ObjectKind: "policy", ObjectID: "p1"}
	fmt.Println(store.AuditQuery{ObjectKind: "policy", From: at}.Matches(e))
	fmt.Println(store.AuditQuery{To: at}.Matches(e), store.AuditQuery{After: 7}.Matches(e))
	// Output:
	// true
	// false false
}
