package enrollment_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
)

// corpusSeeds adds the tenant, device and event objects of the
// conformance corpus as seeds.
func corpusSeeds(f *testing.F, key string) {
	files, _ := filepath.Glob(filepath.Join(conformanceDir, "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var cases []map[string]json.RawMessage
		if json.Unmarshal(data, &cases) != nil {
			continue
		}
		for _, c := range cases {
			if key == "events" {
				var evs []json.RawMessage
				_ = json.Unmarshal(c["events"], &evs)
				for _, e := range evs {
					f.Add([]byte(e))
				}
				continue
			}
			if v, ok := c[key]; ok {
				f.Add([]byte(v))
			}
		}
	}
}

func FuzzFactsJSON(f *testing.F) {
	corpusSeeds(f, "device")
	f.Add([]byte(`{"platform":"linux","agentVersion":"101.23052.0009","boardVendorPresent":false}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var facts enrollment.Facts
		if err := json.Unmarshal(data, &facts); err != nil {
			return
		}
		if err := facts.Validate(); err != nil {
			t.Fatalf("decoded facts do not validate: %v", err)
		}
		out, err := json.Marshal(facts)
		if err != nil {
			t.Fatal(err)
		}
		var back enrollment.Facts
		if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, facts) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, facts, back)
		}
	})
}

func FuzzTenantJSON(f *testing.F) {
	corpusSeeds(f, "tenant")
	f.Fuzz(func(t *testing.T, data []byte) {
		var tn enrollment.Tenant
		if err := json.Unmarshal(data, &tn); err != nil {
			if !errors.Is(err, enrollment.ErrInvalidInput) {
				var se *json.SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("untyped error: %v", err)
				}
			}
			return
		}
		if err := tn.Validate(); err != nil {
			t.Fatalf("decoded tenant does not validate: %v", err)
		}
		out, _ := json.Marshal(tn)
		var back enrollment.Tenant
		if err := json.Unmarshal(out, &back); err != nil || back != tn {
			t.Fatalf("round trip: %v %+v %+v", err, tn, back)
		}
	})
}

func FuzzEventJSON(f *testing.F) {
	corpusSeeds(f, "events")
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev enrollment.Event
		if json.Unmarshal(data, &ev) != nil {
			return
		}
		_ = ev.String()
		tn, facts := allScope(), enrollment.HealthyFacts(enrollment.PlatformWindows)
		before := tn
		if err := ev.Update(&tn, &facts); err != nil {
			if !errors.Is(err, enrollment.ErrInvalidInput) || tn != before {
				t.Fatalf("failed Update: %v, tenant changed: %t", err, tn != before)
			}
			return
		}
		if ev.Validate() != nil {
			t.Fatal("Update accepted an invalid event")
		}
	})
}

// fuzzEvents is the alphabet FuzzHandle draws from.
var fuzzEvents = func() []enrollment.Event {
	on, off := true, false
	zero, c13, c3 := enrollment.Code(0), enrollment.Code(13), enrollment.Code(3)
	all, tagged, none := enrollment.ScopeAll, enrollment.ScopeTagged, enrollment.ScopeOff
	return []enrollment.Event{
		{Kind: enrollment.EventOnboard}, {Kind: enrollment.EventOffboard}, {Kind: enrollment.EventRetry},
		{Kind: enrollment.EventRetry, Fault: &zero}, {Kind: enrollment.EventRetry, Fault: &c13}, {Kind: enrollment.EventRetry, Fault: &c3},
		{Kind: enrollment.EventCheckIn}, {Kind: enrollment.EventPolicySync}, {Kind: enrollment.EventMDMEnroll}, {Kind: enrollment.EventMDMUnenroll},
		{Kind: enrollment.EventFullRegistration}, {Kind: enrollment.EventAddTag}, {Kind: enrollment.EventRemoveTag},
		{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{WindowsClient: &tagged}},
		{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{WindowsClient: &none, MacOS: &all}},
		{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{WindowsClient: &all, DomainControllers: &tagged}},
		{Kind: enrollment.EventIntuneToggle, On: &on}, {Kind: enrollment.EventIntuneToggle, On: &off},
		{Kind: enrollment.EventConfigMgrClient, On: &on}, {Kind: enrollment.EventConfigMgrClient, On: &off},
		{Kind: enrollment.EventConfigMgrAuthority, On: &on}, {Kind: enrollment.EventConfigMgrAuthority, On: &off},
		{Kind: enrollment.EventDefenderForCloud, On: &off}, {Kind: enrollment.EventDeleteFromIntune},
		{Kind: enrollment.EventDeleteFromDefender}, {Kind: enrollment.EventSurvey}, {Kind: enrollment.EventQualify},
		{Kind: enrollment.EventRegister},
	}
}()

// FuzzHandle drives a device through arbitrary event sequences in an
// arbitrary small tenant and checks that nothing panics, every error is
// typed, a refused event changes nothing, and the invariants of the
// conformance test hold after every event.
func FuzzHandle(f *testing.F) {
	f.Add([]byte{0, 0, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{1, 3, 12, 13, 14, 15, 16, 17, 24, 0, 2})
	f.Add([]byte{2, 5, 1, 0, 21, 20, 24, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		env := baseEnv(t)
		env.Tenant.Mode = []enrollment.Mode{enrollment.ModeCurrent, enrollment.ModeLegacy}[data[0]&1]
		env.Tenant.ConfigMgrAuthority = data[0]&2 != 0
		env.Tenant.IntuneEnforcement = data[0]&4 == 0
		env.Directory = newDir(t, identity.WithQuota(int(data[0]>>4)))
		platforms := []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformWindowsServer, enrollment.PlatformMacOS, enrollment.PlatformLinux}
		env.Facts = enrollment.HealthyFacts(platforms[data[1]&3])
		env.Facts.DomainJoined = data[1]&4 != 0
		env.Facts.MDMEnrolled = data[1]&8 != 0
		env.Facts.Tags = [][]string{nil, {"MDE-Management"}}[data[1]>>4&1]
		dir := env.Directory.(*identity.Directory)
		rec := enrollment.Record{DeviceID: "fuzz-device"}
		for _, b := range data[2:] {
			ev := fuzzEvents[int(b)%len(fuzzEvents)]
			env.Now = env.Now.Add(7 * time.Minute)
			tn, fc := env.Tenant, env.Facts
			if err := ev.Update(&tn, &fc); err != nil {
				if !errors.Is(err, enrollment.ErrInvalidInput) {
					t.Fatalf("untyped error: %v", err)
				}
				continue
			}
			e2 := env
			e2.Tenant, e2.Facts = tn, fc
			next, trs, err := rec.Handle(ev, e2)
			if err != nil {
				if !errors.Is(err, enrollment.ErrInvalidTransition) && !errors.Is(err, enrollment.ErrInvalidInput) && !errors.Is(err, identity.ErrLifecycle) && !errors.Is(err, identity.ErrQuotaExceeded) {
					t.Fatalf("%s in %s: untyped error %v", ev, rec.State, err)
				}
				if next.State != rec.State || len(next.History) != len(rec.History) || trs != nil {
					t.Fatal("a refused event changed the record")
				}
				continue
			}
			env.Tenant, env.Facts, rec = tn, fc, next
			commit(t, dir, rec, trs, env, nil)
		}
	})
}
