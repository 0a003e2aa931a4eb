package enrollment_test

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
)

// allScope is a current-mode tenant that manages every platform.
func allScope() enrollment.Tenant {
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.DefenderForCloud = true
	t.Scope = enrollment.Scope{
		WindowsClient: enrollment.ScopeAll, WindowsServer: enrollment.ScopeAll,
		MacOS: enrollment.ScopeAll, Linux: enrollment.ScopeAll, DomainControllers: enrollment.ScopeOff,
	}
	return t
}

func newDir(t *testing.T, opts ...identity.DirectoryOption) *identity.Directory {
	t.Helper()
	d, err := identity.NewDirectory(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// guardSetup makes the named guard of a rule hold in env; the guards that
// precede it in the table do not hold in a healthy environment.
var guardSetup = map[string]func(t *testing.T, env *enrollment.Env){
	"": func(*testing.T, *enrollment.Env) {},
	"MDM enrollment present": func(_ *testing.T, env *enrollment.Env) {
		env.Facts.MDMEnrolled = true
	},
	"Configuration Manager has authority": func(_ *testing.T, env *enrollment.Env) {
		env.Facts.ConfigMgrClient, env.Tenant.ConfigMgrAuthority = true, true
	},
	"a prerequisite fails":     func(_ *testing.T, env *enrollment.Env) { env.Facts.Arch32 = true },
	"Intune toggle off":        func(_ *testing.T, env *enrollment.Env) { env.Tenant.IntuneEnforcement = false },
	"out of enforcement scope": func(_ *testing.T, env *enrollment.Env) { env.Tenant.Scope.WindowsClient = enrollment.ScopeOff },
	"fault 2":                  func(_ *testing.T, env *enrollment.Env) { env.Facts.Fault = 2 },
	"fault 3 or 21":            func(_ *testing.T, env *enrollment.Env) { env.Facts.Fault = 21 },
	"fault 4 or 22":            func(_ *testing.T, env *enrollment.Env) { env.Facts.Fault = 4 },
	"fault of an error status": func(_ *testing.T, env *enrollment.Env) { env.Facts.Fault = 13 },
	"Linux agent 101.23052.0009 without board_vendor": func(_ *testing.T, env *enrollment.Env) {
		env.Facts = enrollment.HealthyFacts(enrollment.PlatformLinux)
		env.Facts.AgentVersion, env.Facts.BoardVendorPresent = "101.23052.0009", false
	},
	"the directory refuses the registration": func(t *testing.T, env *enrollment.Env) {
		other := &identity.Device{ObjectID: "o-other", DeviceID: "d-other", Registration: identity.RegistrationSynthetic}
		env.Directory = newDir(t, identity.WithQuota(1), identity.WithDevices(other))
	},
	"the registration is synthetic":                  func(*testing.T, *enrollment.Env) {},
	"not yet fully registered, for fullRegistration": func(*testing.T, *enrollment.Env) {},
}

// eventFor returns an event of kind k whose effect keeps the guard's setup.
func eventFor(k enrollment.EventKind, guard string) enrollment.Event {
	on := func(b bool) *bool { return &b }
	ev := enrollment.Event{Kind: k}
	switch k {
	case enrollment.EventAddTag, enrollment.EventRemoveTag:
		ev.Tag = "Finance"
	case enrollment.EventScopeChange:
		s := enrollment.ScopeOff
		ev.Scope = &enrollment.ScopeUpdate{MacOS: &s}
		if guard == "out of enforcement scope" {
			ev.Scope = &enrollment.ScopeUpdate{WindowsClient: &s}
		}
	case enrollment.EventIntuneToggle:
		ev.On = on(guard != "Intune toggle off")
	case enrollment.EventConfigMgrClient, enrollment.EventConfigMgrAuthority:
		ev.On = on(guard == "Configuration Manager has authority")
	case enrollment.EventDefenderForCloud:
		ev.On = on(true)
	}
	return ev
}

// reach returns a record in state s, and the directory it lives in.
// Flow steps are reached with env itself, so that the guard setup applies
// to the step; resting states are reached in a healthy environment of
// their own.
func reach(t *testing.T, s enrollment.State, env enrollment.Env) enrollment.Record {
	t.Helper()
	rec := enrollment.Record{DeviceID: "dev-1", DisplayName: "PC-1"}
	apply := func(r enrollment.Record, k enrollment.EventKind, e enrollment.Env) enrollment.Record {
		t.Helper()
		n, tr, err := enrollment.Apply(r, enrollment.Event{Kind: k}, e)
		if err != nil {
			t.Fatalf("reaching %s: %v", s, err)
		}
		if err := e.Directory.(*identity.Directory).Apply(tr.Changes...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	step := env
	step.Facts.Fault, step.Facts.MDMEnrolled, step.Facts.Arch32 = 0, false, false
	step.Tenant = allScope()
	handle := func(r enrollment.Record, ev enrollment.Event, mutate func(*enrollment.Env)) enrollment.Record {
		t.Helper()
		e := step
		if mutate != nil {
			mutate(&e)
		}
		if err := ev.Update(&e.Tenant, &e.Facts); err != nil {
			t.Fatal(err)
		}
		n, trs, err := r.Handle(ev, e)
		if err != nil {
			t.Fatalf("reaching %s: %v", s, err)
		}
		if err := e.Directory.(*identity.Directory).Apply(enrollment.Changes(trs)...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	onboard := enrollment.Event{Kind: enrollment.EventOnboard}
	switch s {
	case enrollment.StateNotOnboarded:
		return rec
	case enrollment.StateOnboarded:
		return apply(rec, enrollment.EventOnboard, env)
	case enrollment.StateSurveyed:
		return apply(apply(rec, enrollment.EventOnboard, env), enrollment.EventSurvey, env)
	case enrollment.StateInScope:
		return apply(apply(apply(rec, enrollment.EventOnboard, env), enrollment.EventSurvey, env), enrollment.EventQualify, env)
	case enrollment.StateEnrolled:
		return handle(rec, onboard, nil)
	case enrollment.StateNotEnrolled:
		return handle(rec, onboard, func(e *enrollment.Env) { e.Tenant.Scope.WindowsClient = enrollment.ScopeOff })
	case enrollment.StateNotSupported:
		return handle(rec, onboard, func(e *enrollment.Env) { e.Facts.Arch32 = true })
	case enrollment.StateFailed:
		return handle(rec, onboard, func(e *enrollment.Env) { e.Facts.Fault = 13 })
	case enrollment.StateManagedByMDM:
		return handle(rec, onboard, func(e *enrollment.Env) { e.Facts.MDMEnrolled = true })
	case enrollment.StateManagedByConfigMgr:
		return handle(rec, onboard, func(e *enrollment.Env) { e.Facts.ConfigMgrClient, e.Tenant.ConfigMgrAuthority = true, true })
	case enrollment.StateDeleted:
		return handle(handle(rec, onboard, nil), enrollment.Event{Kind: enrollment.EventDeleteFromIntune}, nil)
	case enrollment.StateOffboarded:
		return handle(handle(rec, onboard, nil), enrollment.Event{Kind: enrollment.EventOffboard}, nil)
	}
	t.Fatalf("no way to reach %s", s)
	return rec
}

func baseEnv(t *testing.T) enrollment.Env {
	return enrollment.Env{
		Tenant:    allScope(),
		Facts:     enrollment.HealthyFacts(enrollment.PlatformWindows),
		Directory: newDir(t),
		Now:       time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC),
	}
}

// TestEveryTransition fires every rule of the table from every state and
// on every event it lists, and checks that exactly that rule applied.
func TestEveryTransition(t *testing.T) {
	for i, rule := range enrollment.Rules() {
		setup, ok := guardSetup[rule.Guard]
		if !ok {
			t.Errorf("rule %d: no test setup for guard %q", i, rule.Guard)
			continue
		}
		for _, from := range rule.From {
			for _, k := range rule.On {
				t.Run(fmt.Sprintf("%d/%s/%s", i, from, k), func(t *testing.T) {
					env := baseEnv(t)
					setup(t, &env)
					rec := reach(t, from, env)
					env.Now = env.Now.Add(time.Hour)
					ev := eventFor(k, rule.Guard)
					if err := ev.Update(&env.Tenant, &env.Facts); err != nil {
						t.Fatal(err)
					}
					next, tr, err := enrollment.Apply(rec, ev, env)
					if err != nil {
						t.Fatalf("%s: %v", rule, err)
					}
					if tr.Rule != i || next.State != rule.To || tr.From != from || tr.To != rule.To {
						t.Fatalf("want rule %d (%s), got rule %d: %s", i, rule, tr.Rule, tr)
					}
					if tr.Cause == "" || !tr.At.Equal(env.Now) || tr.Event.Kind != k {
						t.Errorf("transition record incomplete: %+v", tr)
					}
					if len(next.History) != len(rec.History)+1 {
						t.Errorf("history not appended")
					}
				})
			}
		}
	}
}

// TestInvalidTransitions checks that every event in every state that no
// rule lists is refused with ErrInvalidTransition and changes nothing.
func TestInvalidTransitions(t *testing.T) {
	n := 0
	for _, s := range enrollment.States() {
		for _, k := range enrollment.EventKinds() {
			if s.Accepts(k) {
				continue
			}
			n++
			t.Run(fmt.Sprintf("%s/%s", s, k), func(t *testing.T) {
				env := baseEnv(t)
				rec := reach(t, s, env)
				ev := eventFor(k, "")
				if err := ev.Update(&env.Tenant, &env.Facts); err != nil {
					t.Fatal(err)
				}
				next, _, err := enrollment.Apply(rec, ev, env)
				var te *enrollment.TransitionError
				if !errors.Is(err, enrollment.ErrInvalidTransition) || !errors.As(err, &te) || te.State != s || te.Event != k {
					t.Fatalf("want a TransitionError for %s in %s, got %v", k, s, err)
				}
				if next.State != rec.State || len(next.History) != len(rec.History) {
					t.Errorf("a refused event changed the record")
				}
				if _, _, err := rec.Handle(ev, env); !errors.Is(err, enrollment.ErrInvalidTransition) {
					t.Errorf("Handle: %v", err)
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no invalid pair tested")
	}
}

// A rule whose only condition fails is refused too, with its reason.
func TestGuardRefusal(t *testing.T) {
	env := baseEnv(t)
	env.Facts.EntraRegistration = enrollment.RegistrationEntraJoined
	rec := reach(t, enrollment.StateEnrolled, env)
	if rec.Registration != identity.MethodExisting {
		t.Fatalf("registration %s", rec.Registration)
	}
	_, _, err := enrollment.Apply(rec, enrollment.Event{Kind: enrollment.EventFullRegistration}, env)
	var te *enrollment.TransitionError
	if !errors.As(err, &te) || !strings.Contains(te.Reason, "no synthetic registration") {
		t.Fatalf("got %v", err)
	}
}

// TestStateDocListsTheTable keeps the State doc comment and the table in
// step: every rule appears in the comment and every listed transition is
// a rule.
func TestStateDocListsTheTable(t *testing.T) {
	src, err := os.ReadFile("state.go")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^//\t(.*-->.*)$`)
	var doc []string
	for _, m := range line.FindAllSubmatch(src, -1) {
		doc = append(doc, strings.Join(strings.Fields(string(m[1])), " "))
	}
	var rules []string
	for _, r := range enrollment.Rules() {
		rules = append(rules, r.String())
	}
	if !slices.Equal(doc, rules) {
		t.Errorf("the State documentation and the table differ:\ndoc:\n%s\ntable:\n%s", strings.Join(doc, "\n"), strings.Join(rules, "\n"))
	}
}

// TestRulesAreACopy checks that Rules cannot change the table.
func TestRulesAreACopy(t *testing.T) {
	r := enrollment.Rules()
	r[0].From[0] = enrollment.StateEnrolled
	r[0].On[0] = enrollment.EventCheckIn
	if got := enrollment.Rules()[0]; got.From[0] != enrollment.StateNotOnboarded || got.On[0] != enrollment.EventOnboard {
		t.Fatalf("Rules shares memory with the table: %v", got)
	}
}
