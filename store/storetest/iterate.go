package storetest

import (
	"slices"
	"testing"

	"github.com/secmgmt/secmgmt/store"
)

// largeN is more than a few pages of every backend.
const largeN = 1100

var iterateCases = []testCase{
	{"Large", func(t *testing.T, e *env) {
		mustV(e.s.PutGroup(ctx(t), &store.Group{ID: "all"}))(t)
		mustV(e.s.PutGroup(ctx(t), &store.Group{ID: "odd"}))(t)
		var ids, odd []string
		for start := 0; start < largeN; start += 250 {
			must(t, e.s.Tx(ctx(t), func(tx store.Store) error {
				var delta store.MembershipDelta
				for i := start; i < min(start+250, largeN); i++ {
					d := id("d", (i*7919)%largeN) // not in key order
					mustV(tx.PutDevice(ctx(t), bareDevice(d)))(t)
					mustV(tx.PutEnrollment(ctx(t), &store.Enrollment{Record: fullRecord(d)}))(t)
					mustV(tx.PutStatusReport(ctx(t), sampleReport(d, "r", t0)))(t)
					delta.Added = append(delta.Added, store.Membership{DeviceID: d, GroupID: "all"})
					if (i*7919)%largeN%2 == 1 {
						delta.Added = append(delta.Added, store.Membership{DeviceID: d, GroupID: "odd"})
					}
				}
				return tx.ApplyMemberships(ctx(t), delta)
			}))
		}
		for i := range largeN {
			ids = append(ids, id("d", i))
			if i%2 == 1 {
				odd = append(odd, id("d", i))
			}
		}
		var got []string
		for _, d := range collect(t, e.s.Devices(ctx(t), "")) {
			got = append(got, d.ID)
		}
		sameIDs(t, "devices", got, ids)
		sameIDs(t, "members of all", collect(t, e.s.GroupMembers(ctx(t), "all", "")), ids)
		sameIDs(t, "members of odd", collect(t, e.s.GroupMembers(ctx(t), "odd", "")), odd)
		sameIDs(t, "members of all after the 500th", collect(t, e.s.GroupMembers(ctx(t), "all", ids[499])), ids[500:])
		if n := mustV(e.s.CountGroupMembers(ctx(t), "all"))(t); n != largeN {
			t.Fatalf("CountGroupMembers = %d", n)
		}
		got = got[:0]
		for _, en := range collect(t, e.s.Enrollments(ctx(t), "")) {
			got = append(got, en.Record.DeviceID)
		}
		sameIDs(t, "enrollments", got, ids)
		got = got[:0]
		for _, r := range collect(t, e.s.PolicyStatuses(ctx(t), "pol-b", ids[99])) {
			got = append(got, r.DeviceID)
		}
		sameIDs(t, "statuses of pol-b after the 100th", got, ids[100:])
		got = got[:0]
		for d, err := range e.s.Devices(ctx(t), "") {
			must(t, err)
			got = append(got, d.ID)
			if len(got) == 300 {
				break
			}
		}
		sameIDs(t, "the first 300 devices", got, ids[:300])
		// Breaking off released whatever the iterator held.
		mustV(e.s.PutDevice(ctx(t), bareDevice("after-break")))(t)
	}},
	{"WhileWriting", func(t *testing.T, e *env) {
		// Writing while iterating neither deadlocks nor breaks the order:
		// the devices deleted ahead may or may not be seen, every other one
		// is seen once, in order.
		const n = 700
		must(t, e.s.Tx(ctx(t), func(tx store.Store) error {
			for i := range n {
				mustV(tx.PutDevice(ctx(t), bareDevice(id("d", i))))(t)
			}
			return nil
		}))
		deleted := map[string]bool{}
		var seen []string
		for d, err := range e.s.Devices(ctx(t), "") {
			must(t, err)
			seen = append(seen, d.ID)
			if i := len(seen); i%3 == 0 && i+200 < n {
				victim := id("d", i+200)
				must(t, e.s.DeleteDevice(ctx(t), victim, 1))
				deleted[victim] = true
				mustV(e.s.PutDevice(ctx(t), bareDevice(id("a", i))))(t) // before the cursor: not seen
			}
		}
		if !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != len(seen) {
			t.Fatal("devices seen out of order or twice")
		}
		for i := range n {
			if d := id("d", i); !deleted[d] && !slices.Contains(seen, d) {
				t.Fatalf("%s was never deleted and not seen", d)
			}
		}
	}},
}
