package codec

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
)

// FuzzDecode feeds arbitrary stored documents to every decoder: none may
// panic, and storing what one returns must reach a fixed point: what reads
// back, stored again, reads back the same.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`{"object":{"deviceId":"d1","tags":["a"]},"facts":{"platform":"linux"},"created":"2026-01-01T00:00:00.000000000Z","modified":"0001-01-01T00:00:00.000000000Z"}`,
		`{"displayName":"g","processingState":"On","members":["b","a"]}`,
		`{"state":"enrolled","status":"success","code":1,"lastCheckIn":"2026-01-01T00:00:00.000000000Z","nextCheckIn":"2026-01-01T01:30:00.000000000Z"}`,
		`{"from":"inScope","to":"enrolled","event":{"kind":"register","scope":{"linux":"all"},"fault":5},"rule":3,"at":"2026-01-01T00:00:00.000000000Z","changes":[{"kind":"create","device":{"deviceId":"d1"}}],"lastCheckIn":"0001-01-01T00:00:00.000000000Z","nextCheckIn":"0001-01-01T00:00:00.000000000Z"}`,
		`[{"setting":"s1","status":"succeeded","value":"1"}]`,
		`["k1","k2"]`,
		`{"mode":"legacy","intuneEnforcement":true}`,
		`{"assignments":[{"target":{"@odata.type":"#microsoft.graph.groupAssignmentTarget","groupId":"g"}}]}`,
		`{"id":"p","name":"n","settings":[]}`,
	}
	for i, s := range seeds {
		for kind := range 9 {
			f.Add(uint8(kind), []byte(s), int64(i))
		}
	}
	f.Fuzz(func(t *testing.T, kind uint8, doc []byte, version int64) {
		if version < 0 {
			version = -version
		}
		roundTrip := func(decoded any, canonical func(any) (any, error)) {
			once, err := canonical(decoded)
			if err != nil {
				return // e.g. a key or a time a write refuses
			}
			twice, err := canonical(once)
			if err != nil {
				t.Fatalf("%+v read back, but does not store again: %v", once, err)
			}
			if !reflect.DeepEqual(once, twice) {
				t.Fatalf("stored once: %+v\nstored twice: %+v", once, twice)
			}
		}
		switch kind % 9 {
		case 0:
			if d, err := DecodeDevice("d1", doc, version); err == nil {
				roundTrip(d, func(x any) (any, error) { return CanonicalDevice(x.(*store.Device)) })
			}
		case 1:
			if g, err := DecodeGroup("g1", doc, version); err == nil {
				roundTrip(g, func(x any) (any, error) { return CanonicalGroup(x.(*store.Group)) })
			}
		case 2:
			if e, err := DecodeEnrollment("d1", doc, version); err == nil {
				roundTrip(e, func(x any) (any, error) { return CanonicalEnrollment(x.(*store.Enrollment)) })
			}
		case 3:
			if tr, err := DecodeTransition("d1", doc); err == nil {
				roundTrip(tr, func(x any) (any, error) {
					c, err := CanonicalHistory("d1", []enrollment.Transition{*x.(*enrollment.Transition)})
					if err != nil {
						return nil, err
					}
					return c[0], nil
				})
			}
		case 4:
			if r, err := DecodeReport(&EncodedReport{DeviceID: "d1", ReportID: "r", ReportedAt: "2026-01-01T00:00:00.000000000Z",
				Policies: []PolicyResults{{PolicyID: "p", Doc: doc}}}); err == nil {
				roundTrip(r, func(x any) (any, error) { return CanonicalReport(x.(*store.StatusReport)) })
			}
		case 5:
			DecodeChange(version, "k", doc)
		case 6:
			if tn, err := DecodeTenant(doc, version); err == nil {
				roundTrip(tn, func(x any) (any, error) { return CanonicalTenant(x.(*store.Tenant)) })
			}
		case 7:
			if a, err := DecodeAssignments("p", doc, version); err == nil {
				_, _ = CanonicalAssignments(a)
			}
		case 8:
			if p, err := DecodePolicy("p", doc, version); err == nil {
				_, _ = CanonicalPolicy(p)
			}
		}
	})
}

// fuzzDevice builds a device from fuzz input: strings from data, the
// choices (nil or not, empty or not, which enumeration) from bits.
func fuzzDevice(data []byte, bits uint64) *store.Device {
	parts := strings.Split(string(data), "|")
	n := 0
	next := func() string { n++; return parts[n%len(parts)] }
	bit := func() bool { b := bits&1 == 1; bits = bits>>1 | bits<<63; return b }
	list := func() []string {
		switch {
		case bit():
			return nil
		case bit():
			return []string{}
		}
		return []string{next(), next()}
	}
	d := &store.Device{ID: "d1", Created: time.Unix(int64(bits%1e9), int64(bits%1e9)), Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", int(bits%7)*3600))}
	if bit() {
		o := &identity.Device{DevicePhysicalIDs: list(), MemberOf: list(), SystemLabels: list(), Tags: list()}
		v := reflect.ValueOf(o).Elem()
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.String && v.Type().Field(i).Name != "Registration" {
				f.SetString(next())
			}
		}
		for i := range o.ExtensionAttributes {
			o.ExtensionAttributes[i] = next()
		}
		if bit() {
			o.DeviceID = "d1"
		}
		if bit() {
			o.AccountEnabled = identity.Bool(bit())
		}
		if bit() {
			o.IsRooted = identity.Bool(bit())
		}
		o.Registration = identity.RegistrationKind([]string{"", "full", "synthetic", "none", next()}[bits%5])
		d.Object = o
	}
	if bit() {
		platforms := []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformWindowsServer, enrollment.PlatformMacOS, enrollment.PlatformLinux}
		f := enrollment.HealthyFacts(platforms[bits%4])
		f.Tags = list()
		if bit() {
			f.Edition = next()
		}
		if bit() {
			f.OnboardedVia = ""
		}
		if bit() {
			f.PowerShellLanguageMode = ""
		}
		if bit() {
			f.EntraRegistration = ""
		}
		if bit() {
			f.AgentVersion = next()
		}
		d.Facts = &f
	}
	return d
}

// FuzzCanonicalDevice holds CanonicalDevice, the memory backend's fast
// path, to the round trip through the stored document: the same value, or
// both refuse.
func FuzzCanonicalDevice(f *testing.F) {
	f.Add([]byte("DESKTOP-1|Windows|10.0.22631.4460|MDE-Management"), uint64(0xffffffffffffffff))
	f.Add([]byte("a\xffb|\xc3|é|"), uint64(0x5555555555555555))
	f.Add([]byte("x"), uint64(0))
	f.Add([]byte("|Enterprise|101.24092.0004"), uint64(0x0123456789abcdef))
	f.Fuzz(func(t *testing.T, data []byte, bits uint64) {
		d := fuzzDevice(data, bits)
		fast, ferr := CanonicalDevice(d)
		slow, serr := canonicalDeviceJSON(d)
		if (ferr == nil) != (serr == nil) {
			t.Fatalf("fast path: %v\nround trip: %v", ferr, serr)
		}
		if ferr != nil {
			if !errors.Is(ferr, store.ErrInvalid) || !errors.Is(serr, store.ErrInvalid) {
				t.Fatalf("not invalid-input errors: %v / %v", ferr, serr)
			}
			return
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast path:\n%+v\n%+v\nround trip:\n%+v\n%+v", fast, fast.Object, slow, slow.Object)
		}
	})
}
