package storetest

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/secmgmt/secmgmt/identity"

	"github.com/secmgmt/secmgmt/store"
)

var lifecycleCases = []testCase{
	{"Closed", func(t *testing.T, e *env) {
		populate(t, e.s)
		must(t, e.s.Close())
		must(t, e.s.Close())
		s := e.s
		c := ctx(t)
		errs := map[string]error{}
		_, errs["Tenant"] = s.Tenant(c)
		_, errs["Device"] = s.Device(c, id("d", 0))
		_, errs["PutDevice"] = s.PutDevice(c, bareDevice("x"))
		_, errs["CountDevices"] = s.CountDevices(c)
		_, errs["Devices"] = collectErr(s.Devices(c, ""))
		_, errs["Groups"] = collectErr(s.Groups(c, ""))
		_, errs["GroupMembers"] = collectErr(s.GroupMembers(c, id("g", 0), ""))
		errs["ApplyMemberships"] = s.ApplyMemberships(c, store.MembershipDelta{Added: []store.Membership{pair(0, 0)}})
		_, errs["Policy"] = s.Policy(c, "pol-a")
		_, errs["Assignments"] = s.Assignments(c, "pol-a")
		_, errs["Enrollment"] = s.Enrollment(c, id("d", 0))
		_, errs["History"] = collectErr(s.History(c, id("d", 0)))
		_, errs["PutStatusReport"] = s.PutStatusReport(c, sampleReport(id("d", 0), "x", t0))
		_, errs["PolicyStatuses"] = collectErr(s.PolicyStatuses(c, "pol-a", ""))
		_, errs["Credential"] = s.Credential(c, id("d", 0))
		errs["RecordCheckIn"] = s.RecordCheckIn(c, store.CheckIn{DeviceID: id("d", 0), At: t0})
		_, errs["AppendChange"] = s.AppendChange(c, store.Change{Kind: "k"})
		_, errs["Changes"] = s.Changes(c, 0, 10)
		_, errs["AppendAudit"] = s.AppendAudit(c, auditEntry(0))
		_, errs["Audit"] = collectErr(s.Audit(c, store.AuditQuery{}))
		errs["Tx"] = s.Tx(c, func(store.Store) error { return nil })
		for op, err := range errs {
			if err == nil {
				t.Errorf("%s on a closed store succeeded", op)
				continue
			}
			wantErr(t, err, store.ErrClosed)
		}
	}},
	{"Cancelled", func(t *testing.T, e *env) {
		c, cancel := context.WithCancel(ctx(t))
		cancel()
		_, err := e.s.PutDevice(c, bareDevice("d1"))
		wantErr(t, err, context.Canceled)
		_, err = e.s.Device(c, "d1")
		wantErr(t, err, context.Canceled)
		_, err = collectErr(e.s.Devices(c, ""))
		wantErr(t, err, context.Canceled)
		wantErr(t, e.s.Tx(c, func(tx store.Store) error {
			_, err := tx.PutDevice(c, bareDevice("d2"))
			return err
		}), context.Canceled)
		if n := mustV(e.s.CountDevices(ctx(t)))(t); n != 0 {
			t.Fatalf("%d devices written with a cancelled context", n)
		}
	}},
	{"Shared", func(t *testing.T, e *env) {
		if e.cfg.shared == nil {
			t.Skip("not a shared backend (no WithShared)")
		}
		other := e.cfg.shared(t, e.s)
		mustV(e.s.PutDevice(ctx(t), &store.Device{ID: "ctr", Object: &identity.Device{DisplayName: "0"}}))(t)
		// Seen by the other store at once.
		if d := mustV(other.Device(ctx(t), "ctr"))(t); d.Version != 1 {
			t.Fatalf("version %d through the other store", d.Version)
		}
		const writers, each = 4, 10
		parallel(writers, func(w int) {
			s := e.s
			if w%2 == 1 {
				s = other
			}
			for done := 0; done < each; {
				err := s.Tx(ctx(t), func(tx store.Store) error {
					d, n := counter(t, tx, "ctr")
					if d == nil {
						return errStop
					}
					d.Object.DisplayName = strconv.Itoa(n + 1)
					if _, err := tx.PutDevice(ctx(t), d); err != nil {
						return err
					}
					_, err := tx.AppendChange(ctx(t), store.Change{Kind: "ctr", Keys: []string{d.Object.DisplayName}})
					return err
				})
				switch {
				case errors.Is(err, store.ErrConflict):
				case err != nil:
					t.Error(err)
					return
				default:
					done++
				}
			}
		})
		for _, s := range []store.Store{e.s, other} {
			if _, n := counter(t, s, "ctr"); n != writers*each {
				t.Fatalf("counter = %d after %d increments through two stores", n, writers*each)
			}
			changes := mustV(s.Changes(ctx(t), 0, 1000))(t)
			if len(changes) != writers*each {
				t.Fatalf("%d changes, want %d", len(changes), writers*each)
			}
			for i, c := range changes {
				if c.Keys[0] != strconv.Itoa(i+1) {
					t.Fatalf("change %d says %v: the feed is not in commit order", c.Seq, c.Keys)
				}
			}
		}
	}},
	{"Reopen", func(t *testing.T, e *env) {
		if e.cfg.reopen == nil {
			t.Skip("not a persistent backend (no WithReopen)")
		}
		populate(t, e.s)
		before := snapshot(t, e.s)
		must(t, e.s.Close())
		s := e.cfg.reopen(t, e.s)
		deepEqual(t, "state after reopening", snapshot(t, s), before)
		// Versions and sequence numbers go on where they were.
		mustV(s.PutDevice(ctx(t), withVersion(fullDevice(id("d", 0), 0), 1)))(t)
		if seq := mustV(s.AppendChange(ctx(t), store.Change{Kind: "after"}))(t); seq != before.LastChange+1 {
			t.Fatalf("sequence after reopening = %d", seq)
		}
		must(t, s.Close())
		s = e.cfg.reopen(t, s)
		if d := mustV(s.Device(ctx(t), id("d", 0)))(t); d.Version != 2 {
			t.Fatalf("version after the second reopening = %d", d.Version)
		}
		if last := mustV(s.LastChange(ctx(t)))(t); last != before.LastChange+1 {
			t.Fatalf("LastChange after the second reopening = %d", last)
		}
		// The audit trail's numbers go on after the last entry.
		if seq := mustV(s.AppendAudit(ctx(t), auditEntry(5)))(t); seq <= before.Audit[len(before.Audit)-1].Seq {
			t.Fatalf("audit sequence after reopening = %d, after %d", seq, before.Audit[len(before.Audit)-1].Seq)
		}
		must(t, s.Close())
	}},
}
