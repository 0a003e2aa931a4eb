package enrollment_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
)

func TestNextCheckInWithoutJitter(t *testing.T) {
	last := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	if got := enrollment.NextCheckIn(last, nil); !got.Equal(last.Add(90 * time.Minute)) {
		t.Fatalf("got %v", got)
	}
}

func TestNextCheckInJitter(t *testing.T) {
	last := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	src := rand.NewPCG(7, 11)
	lo, hi := time.Duration(1<<62), -time.Duration(1<<62)
	var draws []time.Time
	for range 2000 {
		next := enrollment.NextCheckIn(last, src)
		off := next.Sub(last) - enrollment.CheckInInterval
		if off < -enrollment.CheckInJitter || off > enrollment.CheckInJitter || off%time.Second != 0 {
			t.Fatalf("offset %v outside ±%v or not whole seconds", off, enrollment.CheckInJitter)
		}
		lo, hi = min(lo, off), max(hi, off)
		draws = append(draws, next)
	}
	if lo > -4*time.Minute || hi < 4*time.Minute {
		t.Fatalf("jitter does not spread over the range: [%v, %v]", lo, hi)
	}
	// The same source state gives the same schedule.
	again := rand.NewPCG(7, 11)
	for i, want := range draws[:50] {
		if got := enrollment.NextCheckIn(last, again); !got.Equal(want) {
			t.Fatalf("draw %d: %v, then %v", i, want, got)
		}
	}
}

func TestCheckInSchedule(t *testing.T) {
	env := baseEnv(t)
	env.Jitter = rand.NewPCG(1, 2)
	rec, _, err := enrollment.Onboard("dev-1", env)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.LastCheckIn.Equal(env.Now) {
		t.Fatalf("enrolling is a check-in: last %v", rec.LastCheckIn)
	}
	if d := rec.NextCheckIn.Sub(env.Now); d < 85*time.Minute || d > 95*time.Minute {
		t.Fatalf("next check-in after %v", d)
	}
	if rec.CheckInDue(env.Now.Add(80*time.Minute)) || !rec.CheckInDue(rec.NextCheckIn) {
		t.Fatal("CheckInDue")
	}

	env.Now = env.Now.Add(91 * time.Minute)
	rec, _, err = rec.Handle(enrollment.Event{Kind: enrollment.EventCheckIn}, env)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.LastCheckIn.Equal(env.Now) || rec.NextCheckIn.Sub(env.Now) < 85*time.Minute {
		t.Fatalf("after check-in: last %v next %v", rec.LastCheckIn, rec.NextCheckIn)
	}

	env.Now = env.Now.Add(3 * time.Minute)
	last := rec.LastCheckIn
	rec, _, err = rec.Handle(enrollment.Event{Kind: enrollment.EventPolicySync}, env)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.NextCheckIn.Equal(env.Now) || !rec.CheckInDue(env.Now) || !rec.LastCheckIn.Equal(last) {
		t.Fatalf("policy sync: next %v last %v", rec.NextCheckIn, rec.LastCheckIn)
	}

	// Leaving management ends the schedule; policy sync is then refused.
	env.Now = env.Now.Add(time.Minute)
	off := false
	ev := enrollment.Event{Kind: enrollment.EventIntuneToggle, On: &off}
	if err := ev.Update(&env.Tenant, &env.Facts); err != nil {
		t.Fatal(err)
	}
	rec, _, err = rec.Handle(ev, env)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.NextCheckIn.IsZero() || rec.CheckInDue(env.Now) || !rec.LastCheckIn.Equal(last) {
		t.Fatalf("unmanaged device keeps a schedule: %v", rec.NextCheckIn)
	}
	if _, _, err := rec.Handle(enrollment.Event{Kind: enrollment.EventPolicySync}, env); !errors.Is(err, enrollment.ErrInvalidTransition) {
		t.Fatalf("policy sync of an unmanaged device: %v", err)
	}
}
