// Package storetest is the conformance kit of store.Store: every backend's
// test calls Run, and passes when its backend behaves as the store package
// documents.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(tb testing.TB) store.Store {
//			s := memstore.New()
//			tb.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The kit covers every operation of every role (the audit trail
// included), not-found and conflict
// cases, bad input (refused with store.ErrInvalid, nothing written),
// transactions (commit, rollback on error and on panic, reads of the
// transaction's own writes, nesting), concurrent writers (no lost update,
// conflicts detected, idempotent status reports, a change feed that never
// skips), iteration over sets larger than a page, a closed store, and, for
// a persistent backend (WithReopen), that closing and reopening loses
// nothing, and for a shared one (WithShared), that two stores over the
// same data stay consistent.
//
// Each subtest gets a new, empty store from newStore, which should
// register its own cleanup (Close is idempotent, so closing a store the kit
// closed is fine).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"testing"

	"github.com/secmgmt/secmgmt/store"
)

// Option configures Run.
type Option func(*config)

type config struct {
	reopen func(tb testing.TB, closed store.Store) store.Store
	shared func(tb testing.TB, open store.Store) store.Store
}

// WithReopen declares the backend persistent. reopen is given a store the
// kit has written to and closed; it returns a new store over the same
// data (the same file, the same database schema).
func WithReopen(reopen func(tb testing.TB, closed store.Store) store.Store) Option {
	return func(c *config) { c.reopen = reopen }
}

// WithShared declares that several stores can share the backend's data at
// once, as service instances on several machines share one database. open
// is given a store that stays open and returns a second store over the
// same data; the kit checks that writes through one are seen by the other
// and that concurrent writers through both lose no update.
func WithShared(open func(tb testing.TB, s store.Store) store.Store) Option {
	return func(c *config) { c.shared = open }
}

// env is what a case gets: a fresh store and the means to make more.
type env struct {
	s        store.Store
	newStore func(tb testing.TB) store.Store
	cfg      config
}

type testCase struct {
	name string
	run  func(t *testing.T, e *env)
}

// Run runs the kit. newStore returns a new, empty store.
func Run(t *testing.T, newStore func(tb testing.TB) store.Store, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	groups := []struct {
		name  string
		cases []testCase
	}{
		{"Tenant", tenantCases},
		{"Device", deviceCases},
		{"Group", groupCases},
		{"Membership", membershipCases},
		{"Policy", policyCases},
		{"Assignments", assignmentCases},
		{"Enrollment", enrollmentCases},
		{"History", historyCases},
		{"Status", statusCases},
		{"Credential", credentialCases},
		{"CheckIn", checkInCases},
		{"Change", changeCases},
		{"Audit", auditCases},
		{"Tx", txCases},
		{"Concurrent", concurrentCases},
		{"Iterate", iterateCases},
		{"Lifecycle", lifecycleCases},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					c.run(t, &env{s: newStore(t), newStore: newStore, cfg: cfg})
				})
			}
		})
	}
}

// --- helpers ------------------------------------------------------------

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mustV returns a function that returns v, or fails the test on err:
// mustV(s.Device(ctx, id))(t).
func mustV[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantErr fails unless err wraps target.
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one wrapping %v", err, target)
	}
}

// wantInvalid fails unless err is a *store.InvalidError wrapping
// store.ErrInvalid.
func wantInvalid(t *testing.T, err error) {
	t.Helper()
	var ie *store.InvalidError
	if !errors.Is(err, store.ErrInvalid) || !errors.As(err, &ie) {
		t.Fatalf("error = %v, want a *store.InvalidError", err)
	}
}

// collect reads an iterator to its end, failing on an error.
func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	out, err := collectErr(seq)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// collectErr reads an iterator to its end or its first error.
func collectErr[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// errStop is a sentinel error for transactions that roll back on purpose.
var errStop = errors.New("storetest: stop")

// ctx returns the test's context.
func ctx(t *testing.T) context.Context { return t.Context() }

func id(prefix string, i int) string { return fmt.Sprintf("%s-%05d", prefix, i) }
