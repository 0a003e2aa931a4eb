package enrollment_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
)

func TestRegistrarInjection(t *testing.T) {
	var asked []enrollment.RegistrationRequest
	env := baseEnv(t)
	env.Registrar = enrollment.RegistrarFunc(func(r enrollment.RegistrationRequest) enrollment.Code {
		asked = append(asked, r)
		return 14
	})
	rec, trs, err := enrollment.Onboard("dev-1", env)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != enrollment.StateFailed || rec.Status != enrollment.StatusConnectivityIssue || rec.Code != 14 || !strings.Contains(rec.Cause, "14") {
		t.Fatalf("%+v", rec)
	}
	if len(asked) != 1 || asked[0].Method != identity.MethodSynthetic || asked[0].DeviceID != "dev-1" || asked[0].Mode != enrollment.ModeCurrent {
		t.Fatalf("registrar asked %+v", asked)
	}
	if len(enrollment.Changes(trs)) != 0 {
		t.Fatal("a failed registration wrote to the directory")
	}

	// Facts.Fault comes first: the registrar is not asked.
	asked = nil
	env.Facts.Fault = 40
	if rec, _, _ := enrollment.Onboard("dev-1", env); rec.Status != enrollment.StatusClockSyncIssue || len(asked) != 0 {
		t.Fatalf("%s, asked %d", rec.Status, len(asked))
	}

	// A legacy hybrid join is what the registrar is asked for.
	env.Facts.Fault = 0
	env.Facts.DomainJoined = true
	env.Tenant.Mode = enrollment.ModeLegacy
	env.Tenant.Scope.MacOS, env.Tenant.Scope.Linux = enrollment.ScopeOff, enrollment.ScopeOff
	env.Registrar = enrollment.RegistrarFunc(func(r enrollment.RegistrationRequest) enrollment.Code {
		asked = append(asked, r)
		return 10
	})
	if rec, _, _ := enrollment.Onboard("dev-1", env); rec.Status != enrollment.StatusHybridJoinFailure || asked[0].Method != identity.MethodHybridJoin {
		t.Fatalf("%s %+v", rec.Status, asked)
	}

	// A code the documentation does not list is a general error, kept as is.
	env.Registrar = enrollment.RegistrarFunc(func(enrollment.RegistrationRequest) enrollment.Code { return 99 })
	if rec, _, _ := enrollment.Onboard("dev-1", env); rec.Status != enrollment.StatusGeneralError || rec.Code != 99 || !strings.Contains(rec.Cause, "undocumented") {
		t.Fatalf("%+v", rec)
	}
	// Success codes.
	for _, c := range []enrollment.Code{0, 1} {
		env.Registrar = enrollment.RegistrarFunc(func(enrollment.RegistrationRequest) enrollment.Code { return c })
		if rec, _, _ := enrollment.Onboard("dev-1", env); rec.Status != enrollment.StatusSuccess {
			t.Fatalf("code %d: %s", c, rec.Status)
		}
	}
}

func TestQuotaRefusesSyntheticRegistration(t *testing.T) {
	other := &identity.Device{ObjectID: "o-1", DeviceID: "other", Registration: identity.RegistrationFull, DeviceTrustType: "AzureAD"}
	dir := newDir(t, identity.WithQuota(1), identity.WithDevices(other))
	env := baseEnv(t)
	env.Directory = dir
	rec, trs, err := enrollment.Onboard("dev-1", env)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != enrollment.StatusGeneralError || rec.Code != 0 || !strings.Contains(rec.Cause, "quota") {
		t.Fatalf("%+v", rec)
	}
	if len(enrollment.Changes(trs)) != 0 || dir.Len() != 1 {
		t.Fatal("a refused registration wrote to the directory")
	}
	// A device that reuses its known full registration needs no new object.
	env.Facts.EntraRegistration = enrollment.RegistrationEntraJoined
	rec, trs, err = enrollment.Onboard("other", env)
	if err != nil || rec.Status != enrollment.StatusSuccess || rec.Registration != identity.MethodExisting {
		t.Fatalf("%+v %v", rec, err)
	}
	if err := dir.Apply(enrollment.Changes(trs)...); err != nil {
		t.Fatal(err)
	}
	if d, _ := dir.Lookup("other"); d.ManagementType != identity.ManagementTypeMicrosoftSense {
		t.Fatalf("%+v", d)
	}
}

func TestMacOSDuplicateIssue(t *testing.T) {
	run := func(issue bool, agent string) (*identity.Directory, enrollment.Record) {
		env := baseEnv(t)
		env.Facts = enrollment.HealthyFacts(enrollment.PlatformMacOS)
		env.Facts.AgentVersion = agent
		env.Facts.EntraRegistration = enrollment.RegistrationRegistered
		env.MacOSDuplicateIssue = issue
		rec, trs, err := enrollment.Onboard("mac-1", env)
		if err != nil {
			t.Fatal(err)
		}
		dir := env.Directory.(*identity.Directory)
		if err := dir.Apply(enrollment.Changes(trs)...); err != nil {
			t.Fatal(err)
		}
		// Running the flow again does not add a second duplicate.
		env.Now = env.Now.Add(time.Hour)
		for _, k := range []enrollment.EventKind{enrollment.EventDeleteFromDefender, enrollment.EventRetry} {
			var err error
			rec, trs, err = rec.Handle(enrollment.Event{Kind: k}, env)
			if err != nil {
				t.Fatal(err)
			}
			if err := dir.Apply(enrollment.Changes(trs)...); err != nil {
				t.Fatal(err)
			}
		}
		return dir, rec
	}
	dir, rec := run(true, "101.23052.0004")
	if rec.Status != enrollment.StatusSuccess || rec.Registration != identity.MethodExisting || dir.Len() != 2 {
		t.Fatalf("%s %s, %d objects", rec.Status, rec.Registration, dir.Len())
	}
	dup, ok := dir.Lookup(identity.DuplicateDeviceID("mac-1"))
	if !ok || dup.Registration != identity.RegistrationSynthetic || dup.DeviceTrustType != "" || dup.DeviceOSType != "macOS" {
		t.Fatalf("duplicate: %+v", dup)
	}
	own, _ := dir.Lookup("mac-1")
	if own.Registration != identity.RegistrationFull || own.ManagementType != identity.ManagementTypeMicrosoftSense {
		t.Fatalf("own object: %+v", own)
	}
	if dir, _ := run(false, "101.23052.0004"); dir.Len() != 1 {
		t.Fatal("the issue appeared without being asked for")
	}
	if dir, _ := run(true, "101.24092.0004"); dir.Len() != 1 {
		t.Fatal("the issue appeared with another agent version")
	}
}

// Handle and Apply never modify the record they are given, and the
// histories of two records derived from one do not share memory.
func TestRecordsAreValues(t *testing.T) {
	env := baseEnv(t)
	rec, _, err := enrollment.Onboard("dev-1", env)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := fmt.Sprint(rec)
	a, _, err := rec.Handle(enrollment.Event{Kind: enrollment.EventCheckIn}, env)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := rec.Handle(enrollment.Event{Kind: enrollment.EventPolicySync}, env)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rec) != snapshot {
		t.Fatal("Handle modified its record")
	}
	last := func(r enrollment.Record) enrollment.EventKind { return r.History[len(r.History)-1].Event.Kind }
	if last(a) != enrollment.EventCheckIn || last(b) != enrollment.EventPolicySync {
		t.Fatalf("histories share memory: %s %s", last(a), last(b))
	}
}

// The same inputs give the same transitions, directory changes and ids.
func TestDeterministic(t *testing.T) {
	run := func() []enrollment.Transition {
		env := baseEnv(t)
		env.Jitter = rand.NewPCG(3, 4)
		env.Facts.Tags = []string{"MDE-Management"}
		rec, trs, err := enrollment.Onboard("dev-1", env)
		if err != nil {
			t.Fatal(err)
		}
		all := trs
		for _, ev := range []enrollment.Event{{Kind: enrollment.EventCheckIn}, {Kind: enrollment.EventFullRegistration}, {Kind: enrollment.EventMDMEnroll}} {
			env.Now = env.Now.Add(time.Hour)
			if err := env.Directory.(*identity.Directory).Apply(enrollment.Changes(trs)...); err != nil {
				t.Fatal(err)
			}
			if err := ev.Update(&env.Tenant, &env.Facts); err != nil {
				t.Fatal(err)
			}
			rec, trs, err = rec.Handle(ev, env)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, trs...)
		}
		if rec.State != enrollment.StateManagedByMDM {
			t.Fatalf("ended in %s", rec.State)
		}
		return all
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs differ")
	}
}

// Apply takes one step; Handle goes on through the flow, seeing the
// changes of its earlier steps; a nil directory is an empty one.
func TestApplyStepsAndHandleSettles(t *testing.T) {
	env := baseEnv(t)
	env.Directory = nil
	rec, tr, err := enrollment.Apply(enrollment.Record{DeviceID: "dev-1"}, enrollment.Event{Kind: enrollment.EventOnboard}, env)
	if err != nil || rec.State != enrollment.StateOnboarded || tr.Status != enrollment.StatusNotEnrolled {
		t.Fatalf("%s %s %v", rec.State, tr.Status, err)
	}
	if k, ok := rec.State.Step(); !ok || k != enrollment.EventSurvey {
		t.Fatal("onboarded is a step of the flow")
	}
	rec, trs, err := enrollment.Onboard("dev-1", env)
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for _, tr := range trs {
		path = append(path, tr.To.String())
	}
	if strings.Join(path, ",") != "onboarded,surveyed,inScope,enrolled" || len(rec.History) != 4 {
		t.Fatalf("path %v", path)
	}
	// fullRegistration of an unenrolled device with a synthetic object, then
	// re-qualification into enrollment within one Handle: the register
	// step must see the replacement made by the first step.
	env.Directory = newDir(t)
	env.Tenant.Scope.WindowsClient = enrollment.ScopeTagged
	env.Facts.Tags = []string{"MDE-Management"}
	rec, trs, err = enrollment.Onboard("dev-1", env)
	if err != nil {
		t.Fatal(err)
	}
	dir := env.Directory.(*identity.Directory)
	mustApply := func(trs []enrollment.Transition) {
		if err := dir.Apply(enrollment.Changes(trs)...); err != nil {
			t.Fatal(err)
		}
	}
	mustApply(trs)
	handle := func(ev enrollment.Event) {
		t.Helper()
		if err := ev.Update(&env.Tenant, &env.Facts); err != nil {
			t.Fatal(err)
		}
		rec, trs, err = rec.Handle(ev, env)
		if err != nil {
			t.Fatal(err)
		}
		mustApply(trs)
	}
	handle(enrollment.Event{Kind: enrollment.EventRemoveTag})
	all := enrollment.ScopeAll
	handle(enrollment.Event{Kind: enrollment.EventFullRegistration})
	handle(enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{WindowsClient: &all}})
	obj, _ := dir.Lookup("dev-1")
	if rec.State != enrollment.StateEnrolled || rec.Registration != identity.MethodExisting || obj.Registration != identity.RegistrationFull ||
		obj.ManagementType != identity.ManagementTypeMicrosoftSense || dir.Len() != 1 || rec.ObjectID != obj.ObjectID {
		t.Fatalf("%+v / %+v", rec, obj)
	}
}

// Tags follow the device onto its directory object, so that tag-based
// dynamic groups see them.
func TestTagsFollowTheDevice(t *testing.T) {
	env := baseEnv(t)
	rec, trs, err := enrollment.Onboard("dev-1", env)
	if err != nil {
		t.Fatal(err)
	}
	dir := env.Directory.(*identity.Directory)
	if err := dir.Apply(enrollment.Changes(trs)...); err != nil {
		t.Fatal(err)
	}
	ev := enrollment.Event{Kind: enrollment.EventAddTag, Tag: "Finance"}
	if err := ev.Update(&env.Tenant, &env.Facts); err != nil {
		t.Fatal(err)
	}
	_, trs, err = rec.Handle(ev, env)
	if err != nil {
		t.Fatal(err)
	}
	cs := enrollment.Changes(trs)
	if len(cs) != 1 || cs[0].Kind != identity.ChangeUpdate || !cs[0].Device.HasTag("Finance") {
		t.Fatalf("%v", cs)
	}
}
