package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/store"
)

var txCases = []testCase{
	{"Commit", func(t *testing.T, e *env) {
		populate(t, e.s)
		must(t, e.s.Tx(ctx(t), func(tx store.Store) error {
			scramble(t, tx)
			return nil
		}))
		want := e.newStore(t)
		populate(t, want)
		scramble(t, want)
		deepEqual(t, "state after a committed transaction", snapshot(t, e.s), snapshot(t, want))
	}},
	{"RollbackOnError", func(t *testing.T, e *env) {
		populate(t, e.s)
		before := snapshot(t, e.s)
		err := e.s.Tx(ctx(t), func(tx store.Store) error {
			scramble(t, tx)
			return errStop
		})
		wantErr(t, err, errStop)
		deepEqual(t, "state after a rolled back transaction", snapshot(t, e.s), before)
		// The store is usable, and the numbers it handed out in the
		// transaction come again.
		if seq := mustV(e.s.AppendChange(ctx(t), store.Change{Kind: "after"}))(t); seq != before.LastChange+1 {
			t.Fatalf("sequence after a rollback = %d, want %d", seq, before.LastChange+1)
		}
	}},
	{"RollbackOnPanic", func(t *testing.T, e *env) {
		populate(t, e.s)
		before := snapshot(t, e.s)
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Fatalf("recovered %v, want the panic to go on", r)
				}
			}()
			_ = e.s.Tx(ctx(t), func(tx store.Store) error {
				scramble(t, tx)
				panic("boom")
			})
		}()
		deepEqual(t, "state after a panic", snapshot(t, e.s), before)
		mustV(e.s.PutDevice(ctx(t), bareDevice("after")))(t)
	}},
	{"ConflictRollsBack", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		err := e.s.Tx(ctx(t), func(tx store.Store) error {
			mustV(tx.PutDevice(ctx(t), bareDevice("new")))(t)
			_, err := tx.PutDevice(ctx(t), bareDevice("d1")) // a create: conflicts
			return err
		})
		wantErr(t, err, store.ErrConflict)
		_, err = e.s.Device(ctx(t), "new")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"ReadsOwnWrites", func(t *testing.T, e *env) {
		populate(t, e.s)
		must(t, e.s.Tx(ctx(t), func(tx store.Store) error {
			scramble(t, tx)
			want := e.newStore(t)
			populate(t, want)
			scramble(t, want)
			deepEqual(t, "state inside the transaction", snapshot(t, tx), snapshot(t, want))
			if n := mustV(tx.CountDevices(ctx(t)))(t); n != 3 {
				t.Fatalf("CountDevices inside = %d", n)
			}
			return nil
		}))
	}},
	{"Nested", func(t *testing.T, e *env) {
		must(t, e.s.Tx(ctx(t), func(tx store.Store) error {
			mustV(tx.PutDevice(ctx(t), bareDevice("outer")))(t)
			err := tx.Tx(ctx(t), func(inner store.Store) error {
				mustV(inner.PutDevice(ctx(t), bareDevice("inner-failed")))(t)
				mustV(inner.AppendChange(ctx(t), store.Change{Kind: "inner-failed"}))(t)
				must(t, inner.RecordCheckIn(ctx(t), store.CheckIn{DeviceID: "outer", At: t0}))
				return errStop
			})
			wantErr(t, err, errStop)
			if _, err := tx.Device(ctx(t), "inner-failed"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the failed inner transaction's write is there: %v", err)
			}
			if _, err := tx.LastCheckIn(ctx(t), "outer"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the failed inner transaction's check-in is there: %v", err)
			}
			mustV(tx.Device(ctx(t), "outer"))(t)
			must(t, tx.Tx(ctx(t), func(inner store.Store) error {
				mustV(inner.PutDevice(ctx(t), bareDevice("inner-ok")))(t)
				return nil
			}))
			// A panic in an inner transaction that the outer one recovers
			// rolls back the inner one alone.
			func() {
				defer func() { _ = recover() }()
				_ = tx.Tx(ctx(t), func(inner store.Store) error {
					mustV(inner.PutDevice(ctx(t), bareDevice("inner-panicked")))(t)
					panic("inner")
				})
			}()
			mustV(tx.AppendChange(ctx(t), store.Change{Kind: "outer"}))(t)
			return nil
		}))
		for id, want := range map[string]bool{"outer": true, "inner-ok": true, "inner-failed": false, "inner-panicked": false} {
			_, err := e.s.Device(ctx(t), id)
			if got := err == nil; got != want {
				t.Fatalf("device %s there: %v, want %v (%v)", id, got, want, err)
			}
		}
		deepEqual(t, "changes", mustV(e.s.Changes(ctx(t), 0, 10))(t), []store.Change{{Seq: 1, Kind: "outer"}})
		// An inner transaction that succeeded is rolled back with the outer.
		err := e.s.Tx(ctx(t), func(tx store.Store) error {
			must(t, tx.Tx(ctx(t), func(inner store.Store) error {
				mustV(inner.PutDevice(ctx(t), bareDevice("doomed")))(t)
				return nil
			}))
			return errStop
		})
		wantErr(t, err, errStop)
		_, err = e.s.Device(ctx(t), "doomed")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Finished", func(t *testing.T, e *env) {
		var leaked store.Store
		must(t, e.s.Tx(ctx(t), func(tx store.Store) error {
			leaked = tx
			if err := tx.Close(); err == nil {
				t.Error("Close inside a transaction succeeded")
			}
			mustV(tx.PutDevice(ctx(t), bareDevice("d1")))(t)
			return nil
		}))
		_, err := leaked.Device(ctx(t), "d1")
		wantErr(t, err, store.ErrClosed)
		_, err = leaked.PutDevice(ctx(t), bareDevice("d2"))
		wantErr(t, err, store.ErrClosed)
		_, err = collectErr(leaked.Devices(ctx(t), ""))
		wantErr(t, err, store.ErrClosed)
		wantErr(t, leaked.Tx(ctx(t), func(store.Store) error { return nil }), store.ErrClosed)
		mustV(e.s.Device(ctx(t), "d1"))(t)
	}},
	{"NoDirtyReads", func(t *testing.T, e *env) {
		// A reader outside a transaction never sees its writes, whether it
		// runs during the transaction or waits for it.
		read := make(chan error, 1)
		err := e.s.Tx(ctx(t), func(tx store.Store) error {
			mustV(tx.PutDevice(ctx(t), bareDevice("uncommitted")))(t)
			go func() {
				_, err := e.s.Device(ctx(t), "uncommitted")
				read <- err
			}()
			time.Sleep(50 * time.Millisecond)
			return errStop
		})
		wantErr(t, err, errStop)
		select {
		case err := <-read:
			wantErr(t, err, store.ErrNotFound)
		case <-time.After(30 * time.Second):
			t.Fatal("the reader did not return")
		}
	}},
}
