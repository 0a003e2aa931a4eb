package agent_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/agent"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/inproc"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

// run starts Run and returns a function that stops it and returns its
// error.
func run(t *testing.T, a *agent.Agent) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRunWaitsForTheNextCheckIn(t *testing.T) {
	e := newEnv(t)
	e.configure(t, "v1", policy.DeviceWindows, policy.Integer(def+"avgcpuloadfactor", 30))
	a := e.agent(t, policy.DeviceWindows)
	stop := run(t, a)
	for i := 1; i <= 3; i++ {
		tm := e.clock.nextTimer(t)
		if tm.d != 90*time.Minute {
			t.Fatalf("round %d waits %v, want the service's 90 minutes", i, tm.d)
		}
		if n := e.srv.CheckIns("dev"); n != i {
			t.Fatalf("%d check-ins before wait %d", n, i)
		}
		e.clock.Advance(90 * time.Minute)
	}
	e.clock.nextTimer(t)
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if e.srv.ReportCount("dev") != 1 || e.srv.Waiting("dev") != 0 {
		t.Fatalf("%d reports, %d sync waiters left", e.srv.ReportCount("dev"), e.srv.Waiting("dev"))
	}
}

func TestRunJitterWhenTheServiceNamesNoTime(t *testing.T) {
	for _, c := range []struct {
		name         string
		opts         []agent.Option
		lo, hi       time.Duration
		wantDistinct bool
	}{
		{"default", nil, 81 * time.Minute, 99 * time.Minute, true},
		{"no jitter", []agent.Option{agent.WithInterval(time.Hour, 0)}, time.Hour, time.Hour, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			f := &flaky{Transport: e.tr, zeroNext: true}
			a, err := agent.New("dev", policy.DeviceLinux, f, append([]agent.Option{agent.WithClock(e.clock)}, c.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			stop := run(t, a)
			seen := map[time.Duration]bool{}
			for range 6 {
				tm := e.clock.nextTimer(t)
				if tm.d < c.lo || tm.d > c.hi {
					t.Fatalf("waited %v, want within [%v, %v]", tm.d, c.lo, c.hi)
				}
				seen[tm.d] = true
				e.clock.Advance(tm.d)
			}
			e.clock.nextTimer(t)
			stop()
			if c.wantDistinct && len(seen) < 2 {
				t.Fatalf("no jitter: %v", seen)
			}
		})
	}
}

func TestRunPolicySync(t *testing.T) {
	e := newEnv(t)
	a := e.agent(t, policy.DeviceMacOS)
	stop := run(t, a)
	e.clock.nextTimer(t)
	eventually(t, "the agent to wait for a policy sync", func() bool { return e.srv.Waiting("dev") > 0 })
	if err := e.srv.RequestSync("dev"); err != nil {
		t.Fatal(err)
	}
	e.clock.nextTimer(t) // checked in again without the clock moving
	if n := e.srv.CheckIns("dev"); n != 2 {
		t.Fatalf("%d check-ins after a policy sync", n)
	}
	stop()
}

func TestRunBacksOff(t *testing.T) {
	e := newEnv(t)
	f := &flaky{Transport: e.tr, failChecks: []error{errNetwork}}
	a, err := agent.New("dev", policy.DeviceLinux, f, agent.WithClock(e.clock), agent.WithBackoff(30*time.Second, 4*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, a)
	bounds := [][2]time.Duration{{15 * time.Second, 30 * time.Second}, {30 * time.Second, time.Minute}, {time.Minute, 2 * time.Minute},
		{2 * time.Minute, 4 * time.Minute}, {2 * time.Minute, 4 * time.Minute}, {2 * time.Minute, 4 * time.Minute}}
	for i, b := range bounds {
		tm := e.clock.nextTimer(t)
		if tm.d < b[0] || tm.d > b[1] {
			t.Fatalf("failure %d: waited %v, want within %v", i+1, tm.d, b)
		}
		e.clock.Advance(tm.d)
	}
	// Recovery: back to the normal schedule.
	f.mu.Lock()
	f.failChecks = nil
	f.mu.Unlock()
	if tm := e.clock.nextTimer(t); tm.d != 90*time.Minute {
		t.Fatalf("after recovery: waited %v", tm.d)
	}
	stop()
}

func TestRunStops(t *testing.T) {
	for _, c := range []struct {
		name string
		prep func(*transporttest.FakeServer) error
		cred transport.Credential
		want error
	}{
		{"revoked", func(s *transporttest.FakeServer) error { return s.Revoke("dev") }, transport.Credential{DeviceID: "dev", Secret: "secret"}, transport.ErrRevoked},
		{"wrong secret", nil, transport.Credential{DeviceID: "dev", Secret: "guess"}, transport.ErrUnauthenticated},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if c.prep != nil {
				if err := c.prep(e.srv); err != nil {
					t.Fatal(err)
				}
			}
			a, _ := agent.New("dev", policy.DeviceLinux, inproc.New(e.srv, c.cred), agent.WithClock(e.clock))
			if err := a.Run(context.Background()); !errors.Is(err, c.want) {
				t.Fatalf("Run returned %v", err)
			}
		})
	}
}

func TestRunNotManagedKeepsTheSchedule(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetManaged("dev", false); err != nil {
		t.Fatal(err)
	}
	a := e.agent(t, policy.DeviceLinux)
	stop := run(t, a)
	for range 3 {
		tm := e.clock.nextTimer(t)
		if tm.d < 81*time.Minute || tm.d > 99*time.Minute {
			t.Fatalf("an unmanaged device waited %v", tm.d)
		}
		e.clock.Advance(tm.d)
	}
	stop()
}

// syncer is a SyncTransport whose WaitSync answers from a list, then blocks
// until the context ends.
type syncer struct {
	transport.Transport
	mu      sync.Mutex
	answers []error
	calls   int
}

func (s *syncer) WaitSync(ctx context.Context) error {
	s.mu.Lock()
	s.calls++
	if len(s.answers) > 0 {
		err := s.answers[0]
		s.answers = s.answers[1:]
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()
	<-ctx.Done()
	return ctx.Err()
}

func (s *syncer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func TestRunSyncUnsupportedIsNotAskedAgain(t *testing.T) {
	e := newEnv(t)
	s := &syncer{Transport: e.tr, answers: []error{errors.ErrUnsupported}}
	a, _ := agent.New("dev", policy.DeviceLinux, s, agent.WithClock(e.clock))
	stop := run(t, a)
	tm := e.clock.nextTimer(t)
	eventually(t, "the first WaitSync", func() bool { return s.count() == 1 })
	e.clock.Advance(tm.d)
	tm = e.clock.nextTimer(t)
	e.clock.Advance(tm.d)
	e.clock.nextTimer(t)
	if n := s.count(); n != 1 {
		t.Fatalf("WaitSync called %d times on a transport without policy sync", n)
	}
	stop()
}

func TestRunSyncErrorsAreRetriedAfterABackoff(t *testing.T) {
	e := newEnv(t)
	s := &syncer{Transport: e.tr, answers: []error{errNetwork}}
	a, _ := agent.New("dev", policy.DeviceLinux, s, agent.WithClock(e.clock))
	stop := run(t, a)
	main := e.clock.nextTimer(t)
	retry := e.clock.nextTimer(t)
	if main.d != 90*time.Minute || retry.d < 15*time.Second || retry.d > 30*time.Second {
		t.Fatalf("timers %v and %v", main.d, retry.d)
	}
	e.clock.Advance(retry.d)
	eventually(t, "WaitSync to be asked again", func() bool { return s.count() == 2 })
	if n := e.srv.CheckIns("dev"); n != 1 {
		t.Fatalf("a failed WaitSync caused %d check-ins", n)
	}
	stop()
}

func TestRunSyncRefusalIsNotRetried(t *testing.T) {
	e := newEnv(t)
	s := &syncer{Transport: e.tr, answers: []error{transport.ErrNotManaged}}
	a, _ := agent.New("dev", policy.DeviceLinux, s, agent.WithClock(e.clock))
	stop := run(t, a)
	main := e.clock.nextTimer(t)
	eventually(t, "the first WaitSync", func() bool { return s.count() == 1 })
	e.clock.Advance(main.d)
	// The next timer is the next round's, not a retry of WaitSync.
	if tm := e.clock.nextTimer(t); tm.d != 90*time.Minute {
		t.Fatalf("next timer %v", tm.d)
	}
	stop()
}
