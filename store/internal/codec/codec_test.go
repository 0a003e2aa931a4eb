package codec

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
)

// fill sets every exported field reachable from v to a distinct non-zero
// value, so that a round trip that drops a field fails. Types whose text
// form is checked get a valid value.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2026, 1, 1, 0, 0, *n, *n, time.UTC)))
		return
	case reflect.TypeFor[identity.RegistrationKind]():
		v.SetString(string(identity.RegistrationSynthetic))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	default:
		panic("fill: " + v.Type().String())
	}
}

// TestRecordCarriesEveryField fails when enrollment.Record gains a field
// the stored document does not carry.
func TestRecordCarriesEveryField(t *testing.T) {
	var r enrollment.Record
	n := 0
	fill(reflect.ValueOf(&r).Elem(), &n)
	r.History = nil // kept apart
	got, err := CanonicalEnrollment(&store.Enrollment{Record: r, Version: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &store.Enrollment{Record: r, Version: 3}) {
		t.Fatalf("round trip lost a field:\n got %+v\nwant %+v", got.Record, r)
	}
}

// TestTransitionCarriesEveryField fails when enrollment.Transition, Event
// or ScopeUpdate gains a field the stored document does not carry.
func TestTransitionCarriesEveryField(t *testing.T) {
	var tr enrollment.Transition
	n := 0
	fill(reflect.ValueOf(&tr).Elem(), &n)
	got, err := CanonicalHistory("d1", []enrollment.Transition{tr})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got[0], &tr) {
		t.Fatalf("round trip lost a field:\n got %+v\nwant %+v", got[0], tr)
	}
	if c := CloneTransition(&tr); !reflect.DeepEqual(c, &tr) {
		t.Fatal("CloneTransition is not a copy")
	}
}

// TestCloneTransitionIsDeep checks that a clone shares nothing.
func TestCloneTransitionIsDeep(t *testing.T) {
	var tr enrollment.Transition
	n := 0
	fill(reflect.ValueOf(&tr).Elem(), &n)
	c := CloneTransition(&tr)
	*c.Event.On = false
	*c.Event.Fault = 0
	*c.Event.Scope.Linux = "x"
	c.Changes[0].Device.Tags[0] = "x"
	if *tr.Event.On == false || *tr.Event.Fault == 0 || *tr.Event.Scope.Linux == "x" || tr.Changes[0].Device.Tags[0] == "x" {
		t.Fatal("the clone shares memory with the original")
	}
}

func TestTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
		ok   bool
	}{
		{time.Time{}, "0001-01-01T00:00:00.000000000Z", true},
		{time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC), "2026-03-14T15:09:26.535897932Z", true},
		{time.Date(2026, 3, 14, 20, 9, 26, 5, time.FixedZone("", 5*3600)), "2026-03-14T15:09:26.000000005Z", true},
		{time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), "0000-01-01T00:00:00.000000000Z", true},
		{time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), "9999-12-31T23:59:59.999999999Z", true},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "", false},
		{time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC), "", false},
	}
	for _, tt := range tests {
		got, ok := Time(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Time(%v) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		back, err := ParseTime(got)
		if err != nil || !back.Equal(tt.in) || back.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v", got, back, err)
		}
		if !reflect.DeepEqual(back, tt.in.UTC()) {
			t.Errorf("ParseTime(%q) is not the UTC time", got)
		}
	}
	// Fixed width: stored times sort as the times do.
	a, _ := Time(time.Date(2026, 1, 1, 0, 0, 0, 100, time.UTC))
	b, _ := Time(time.Date(2026, 1, 1, 0, 0, 0, 99, time.UTC).Add(time.Nanosecond * 2))
	if !(a < b) {
		t.Errorf("%q does not sort before %q", a, b)
	}
	if _, err := ParseTime("2026-01-01"); err == nil {
		t.Error("ParseTime accepted a date")
	}
}

func TestCheckKey(t *testing.T) {
	tests := map[string]string{
		"d1":                         "",
		"":                           "empty",
		strings.Repeat("x", 256):     "",
		strings.Repeat("x", 257):     "longer than 256 bytes",
		"a\x00b":                     "contains a NUL byte",
		"\xff":                       "not valid UTF-8",
		"0f8fad5b-d9cb-469f-a165-70": "",
		"Ω device":                   "",
	}
	for key, reason := range tests {
		err := CheckKey("device", "ID", key)
		var ie *store.InvalidError
		switch {
		case reason == "" && err != nil:
			t.Errorf("CheckKey(%q) = %v", key, err)
		case reason != "" && (!errors.As(err, &ie) || ie.Reason != reason || !errors.Is(err, store.ErrInvalid)):
			t.Errorf("CheckKey(%q) = %v, want %q", key, err, reason)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		err    error
		target error
		text   string
	}{
		{NotFound("device", "d1"), store.ErrNotFound, `device "d1": store: not found`},
		{Conflict("device", "d1", 3, 4), store.ErrConflict, `device "d1": version 3 given, 4 stored: store: version conflict`},
		{Conflict("group", "g", 0, 2), store.ErrConflict, `group "g": create, but version 2 is stored: store: version conflict`},
		{Conflict("tenant", "", 1, 0), store.ErrConflict, `tenant: version 1 given, 0 stored: store: version conflict`},
		{&store.InvalidError{Record: "device", Key: "d1", Field: "Facts", Err: enrollment.ErrInvalidInput}, enrollment.ErrInvalidInput,
			`store: invalid device "d1": Facts: enrollment: invalid input`},
		{&store.InvalidError{Record: "change", Field: "limit", Reason: "0 is not between 1 and 10000"}, store.ErrInvalid,
			`store: invalid change: limit: 0 is not between 1 and 10000`},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.target) || tt.err.Error() != tt.text {
			t.Errorf("%v: want %q wrapping %v", tt.err, tt.text, tt.target)
		}
	}
}

// TestCanonicalIsIdempotent: what reads back, stored again, reads back the
// same.
func TestCanonicalIsIdempotent(t *testing.T) {
	f := enrollment.HealthyFacts(enrollment.PlatformLinux)
	d := &store.Device{ID: "d1", Facts: &f, Object: &identity.Device{DeviceID: "d1", Tags: []string{}}, Created: time.Now()}
	c1, err := CanonicalDevice(d)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := CanonicalDevice(c1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c1, c2) {
		t.Fatalf("not idempotent:\n%+v\n%+v", c1, c2)
	}
	if c1.Facts.OnboardedVia != enrollment.OnboardedViaMDE || c1.Object.Tags != nil || c1.Created.Location() != time.UTC {
		t.Fatalf("not canonical: %+v %+v", c1.Facts, c1.Object)
	}
}
