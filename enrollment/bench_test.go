package enrollment_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
)

func benchEnv(b *testing.B) enrollment.Env {
	dir, err := identity.NewDirectory()
	if err != nil {
		b.Fatal(err)
	}
	return enrollment.Env{
		Tenant:    allScope(),
		Facts:     enrollment.HealthyFacts(enrollment.PlatformWindows),
		Directory: dir,
		Jitter:    rand.NewPCG(1, 2),
		Now:       time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC),
	}
}

// BenchmarkOnboard: the whole flow of a new device, from onboard to
// enrolled with a synthetic registration (four transitions).
func BenchmarkOnboard(b *testing.B) {
	env := benchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := enrollment.Onboard("dev-1", env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckIn: one check-in of an enrolled device (the service's hot
// path), with a record that already has a history.
func BenchmarkCheckIn(b *testing.B) {
	env := benchEnv(b)
	rec, trs, err := enrollment.Onboard("dev-1", env)
	if err != nil {
		b.Fatal(err)
	}
	if err := env.Directory.(*identity.Directory).Apply(enrollment.Changes(trs)...); err != nil {
		b.Fatal(err)
	}
	rec.History = rec.History[len(rec.History)-1:] // as a store would keep it: the last transition
	ev := enrollment.Event{Kind: enrollment.EventCheckIn}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := enrollment.Apply(rec, ev, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScopeChange: a tenant-wide scope change handled by one managed
// device that stays in scope.
func BenchmarkScopeChange(b *testing.B) {
	env := benchEnv(b)
	rec, trs, err := enrollment.Onboard("dev-1", env)
	if err != nil {
		b.Fatal(err)
	}
	if err := env.Directory.(*identity.Directory).Apply(enrollment.Changes(trs)...); err != nil {
		b.Fatal(err)
	}
	off := enrollment.ScopeOff
	ev := enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{MacOS: &off}}
	if err := ev.Update(&env.Tenant, &env.Facts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := rec.Handle(ev, env); err != nil {
			b.Fatal(err)
		}
	}
}
