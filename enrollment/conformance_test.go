package enrollment_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
)

// The enrollment conformance corpus: every *.json file of
// testdata/conformance is an array of cases, each run as the subtest
// <file>/<case name>. A case onboards one device in one tenant, applies
// its events in order, and checks every expect key present.
//
// Besides the keys of the corpus format, an event may carry
// "rejected": true: the event must then be refused (ErrInvalidTransition,
// or ErrInvalidInput when the event cannot happen to these facts) and
// leave the device as it was.

const conformanceDir = "testdata/conformance"

// t0 is when every case onboards its device; each event comes 10 minutes
// after the previous one.
var t0 = time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)

const eventSpacing = 10 * time.Minute

const caseDeviceID = "4c1a8e9f-0000-4000-8000-00000000c0de"

type confCase struct {
	Name   string            `json:"name"`
	Tenant json.RawMessage   `json:"tenant"`
	Device json.RawMessage   `json:"device"`
	Events []json.RawMessage `json:"events"`
	Expect json.RawMessage   `json:"expect"`
}

type confEvent struct {
	enrollment.Event
	Rejected bool `json:"rejected"`
}

type confExpect struct {
	Status         *enrollment.Status `json:"status"`
	Code           *int               `json:"code"`
	Reason         *string            `json:"reason"`
	ManagedBy      *string            `json:"managedBy"`
	Registration   *string            `json:"registration"`
	ManagementType *string            `json:"managementType"`
	SystemLabels   *[]string          `json:"systemLabels"`
}

func TestEnrollmentConformance(t *testing.T) {
	files := corpusFiles(t)
	n := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			for _, c := range readCases(t, file) {
				n++
				t.Run(c.name, func(t *testing.T) { c.run(t, nil) })
			}
		})
	}
	if n < 80 {
		t.Errorf("the corpus has %d cases; it should have at least 80", n)
	}
}

func corpusFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no case files in %s", conformanceDir)
	}
	slices.Sort(files)
	return files
}

// namedCase is one raw case with the name its subtest gets.
type namedCase struct {
	name string
	raw  json.RawMessage
}

// readCases reads a case file; a file that is not a JSON array fails its
// own subtest only.
func readCases(t *testing.T, file string) []namedCase {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &raws); err != nil {
		t.Fatalf("%s is not a JSON array of cases: %v", file, err)
	}
	out := make([]namedCase, len(raws))
	for i, raw := range raws {
		var head struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(raw, &head)
		if head.Name == "" {
			head.Name = fmt.Sprintf("case %d", i)
		}
		out[i] = namedCase{head.Name, raw}
	}
	return out
}

func strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// run decodes and runs one case. fired, when set, receives the index of
// every rule that applied.
func (c namedCase) run(t *testing.T, fired func(int)) {
	var cc confCase
	if err := strict(c.raw, &cc); err != nil {
		t.Fatalf("malformed case: %v", err)
	}
	tenant := enrollment.DefaultTenant()
	if len(cc.Tenant) > 0 {
		if err := json.Unmarshal(cc.Tenant, &tenant); err != nil {
			t.Fatalf("tenant: %v", err)
		}
	}
	facts := enrollment.HealthyFacts(enrollment.PlatformWindows)
	if len(cc.Device) > 0 {
		if err := json.Unmarshal(cc.Device, &facts); err != nil {
			t.Fatalf("device: %v", err)
		}
	}
	var expect confExpect
	if len(cc.Expect) == 0 {
		t.Fatal("malformed case: no expect")
	}
	if err := strict(cc.Expect, &expect); err != nil {
		t.Fatalf("malformed expect: %v", err)
	}
	events := make([]confEvent, len(cc.Events))
	for i, raw := range cc.Events {
		if err := strict(raw, &events[i]); err != nil {
			t.Fatalf("malformed event %d: %v", i, err)
		}
	}

	dir, err := identity.NewDirectory()
	if err != nil {
		t.Fatal(err)
	}
	env := enrollment.Env{Tenant: tenant, Facts: facts, Directory: dir, Jitter: rand.NewPCG(1, 2), Now: t0}
	rec, trs, err := enrollment.Onboard(caseDeviceID, env)
	if err != nil {
		t.Fatalf("onboard: %v", err)
	}
	commit(t, dir, rec, trs, env, fired)

	for i, ev := range events {
		env.Now = env.Now.Add(eventSpacing)
		tn, fc := env.Tenant, env.Facts
		err := ev.Update(&tn, &fc)
		var next enrollment.Record
		if err == nil {
			e2 := env
			e2.Tenant, e2.Facts = tn, fc
			next, trs, err = rec.Handle(ev.Event, e2)
		}
		if ev.Rejected {
			if !errors.Is(err, enrollment.ErrInvalidTransition) && !errors.Is(err, enrollment.ErrInvalidInput) {
				t.Fatalf("event %d (%s) in state %s: want it rejected, got %v", i, ev.Event, rec.State, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("event %d (%s) in state %s: %v", i, ev.Event, rec.State, err)
		}
		env.Tenant, env.Facts = tn, fc
		rec = next
		commit(t, dir, rec, trs, env, fired)
	}
	check(t, expect, rec, dir)
}

// commit applies the directory changes of trs and checks the invariants
// that hold after every handled event.
func commit(t *testing.T, dir *identity.Directory, rec enrollment.Record, trs []enrollment.Transition, env enrollment.Env, fired func(int)) {
	t.Helper()
	if err := dir.Apply(enrollment.Changes(trs)...); err != nil {
		t.Fatalf("applying the directory changes: %v", err)
	}
	for _, tr := range trs {
		if fired != nil {
			fired(tr.Rule)
		}
		if tr.Cause == "" || !tr.At.Equal(env.Now) {
			t.Errorf("transition %s: cause %q at %v", tr, tr.Cause, tr.At)
		}
		t.Logf("%s", tr)
	}
	if _, step := rec.State.Step(); step {
		t.Errorf("the device rests in flow step %s", rec.State)
	}
	obj, ok := dir.Lookup(rec.DeviceID)
	if ok != (rec.ObjectID != "") || (ok && obj.ObjectID != rec.ObjectID) {
		t.Errorf("record object %q, directory has %v", rec.ObjectID, obj)
	}
	if rec.State == enrollment.StateEnrolled {
		if !ok {
			t.Fatal("an enrolled device has no directory object")
		}
		marked := obj.ManagementType == identity.ManagementTypeMicrosoftSense
		if env.Tenant.Mode.Legacy() {
			marked = slices.Contains(obj.SystemLabels, identity.LabelMDEManaged)
		}
		if !marked {
			t.Errorf("enrolled device object is not marked as managed: %+v", obj)
		}
		if rec.NextCheckIn.IsZero() || rec.CheckInDue(rec.LastCheckIn) {
			t.Errorf("enrolled device without a check-in schedule: last %v next %v", rec.LastCheckIn, rec.NextCheckIn)
		}
	} else if !rec.NextCheckIn.IsZero() {
		t.Errorf("a %s device has a check-in schedule", rec.State)
	}
}

func check(t *testing.T, e confExpect, rec enrollment.Record, dir *identity.Directory) {
	t.Helper()
	obj, _ := dir.Lookup(rec.DeviceID)
	if obj == nil {
		obj = &identity.Device{}
	}
	if e.Status != nil && rec.Status != *e.Status {
		t.Errorf("status %s, want %s (%s)", rec.Status, *e.Status, rec.Cause)
	}
	if e.Code != nil && int(rec.Code) != *e.Code {
		t.Errorf("code %d, want %d (%s)", rec.Code, *e.Code, rec.Cause)
	}
	if e.Reason != nil && string(rec.Reason) != *e.Reason {
		t.Errorf("reason %q, want %q (%s)", rec.Reason, *e.Reason, rec.Cause)
	}
	if e.ManagedBy != nil && string(rec.ManagedBy) != *e.ManagedBy {
		t.Errorf("managedBy %s, want %s", rec.ManagedBy, *e.ManagedBy)
	}
	if e.Registration != nil && rec.Registration.String() != *e.Registration {
		t.Errorf("registration %s, want %s", rec.Registration, *e.Registration)
	}
	if e.ManagementType != nil && obj.ManagementType != *e.ManagementType {
		t.Errorf("managementType %q, want %q", obj.ManagementType, *e.ManagementType)
	}
	if e.SystemLabels != nil {
		got, want := slices.Clone(obj.SystemLabels), slices.Clone(*e.SystemLabels)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("systemLabels %q, want %q", strings.Join(got, ","), strings.Join(want, ","))
		}
	}
}
