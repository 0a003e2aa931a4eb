package storetest

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
)

var tenantCases = []testCase{
	{"Default", func(t *testing.T, e *env) {
		got := mustV(e.s.Tenant(ctx(t)))(t)
		deepEqual(t, "tenant", got, &store.Tenant{Config: enrollment.DefaultTenant(), Version: 0})
	}},
	{"PutGet", func(t *testing.T, e *env) {
		cfg := enrollment.DefaultTenant()
		cfg.IntuneEnforcement = true
		cfg.Scope.WindowsClient = enrollment.ScopeTagged
		cfg.Scope.Linux = enrollment.ScopeAll
		v := mustV(e.s.PutTenant(ctx(t), &store.Tenant{Config: cfg}))(t)
		if v != 1 {
			t.Fatalf("first PutTenant = version %d, want 1", v)
		}
		deepEqual(t, "tenant", mustV(e.s.Tenant(ctx(t)))(t), &store.Tenant{Config: cfg, Version: 1})
		cfg.Mode = enrollment.ModeLegacy
		if v := mustV(e.s.PutTenant(ctx(t), &store.Tenant{Config: cfg, Version: 1}))(t); v != 2 {
			t.Fatalf("second PutTenant = version %d, want 2", v)
		}
		deepEqual(t, "tenant", mustV(e.s.Tenant(ctx(t)))(t), &store.Tenant{Config: cfg, Version: 2})
	}},
	{"Conflict", func(t *testing.T, e *env) {
		cfg := enrollment.DefaultTenant()
		mustV(e.s.PutTenant(ctx(t), &store.Tenant{Config: cfg}))(t)
		_, err := e.s.PutTenant(ctx(t), &store.Tenant{Config: cfg})
		wantErr(t, err, store.ErrConflict)
		_, err = e.s.PutTenant(ctx(t), &store.Tenant{Config: cfg, Version: 7})
		wantErr(t, err, store.ErrConflict)
		if got := mustV(e.s.Tenant(ctx(t)))(t); got.Version != 1 {
			t.Fatalf("version after conflicts = %d, want 1", got.Version)
		}
	}},
	{"Invalid", func(t *testing.T, e *env) {
		bad := enrollment.DefaultTenant()
		bad.Scope.DomainControllers = enrollment.ScopeAll // needs Windows Server on
		for _, tn := range []*store.Tenant{nil, {Config: bad}, {Config: enrollment.DefaultTenant(), Version: -1}} {
			_, err := e.s.PutTenant(ctx(t), tn)
			wantInvalid(t, err)
		}
		var ie *store.InvalidError
		_, err := e.s.PutTenant(ctx(t), &store.Tenant{Config: bad})
		if !errors.As(err, &ie) || !errors.Is(err, enrollment.ErrInvalidInput) {
			t.Fatalf("error = %v, want it to wrap the enrollment package's error", err)
		}
		deepEqual(t, "tenant", mustV(e.s.Tenant(ctx(t)))(t), &store.Tenant{Config: enrollment.DefaultTenant()})
	}},
}

var deviceCases = []testCase{
	{"RoundTrip", func(t *testing.T, e *env) {
		for _, d := range []*store.Device{fullDevice("d-full", 1), bareDevice("d-bare"),
			{ID: "d-object", Object: &identity.Device{DisplayName: "only a name"}}} {
			v := mustV(e.s.PutDevice(ctx(t), d))(t)
			if v != 1 {
				t.Fatalf("create %s = version %d, want 1", d.ID, v)
			}
			deepEqual(t, "device "+d.ID, mustV(e.s.Device(ctx(t), d.ID))(t), withVersion(d, 1))
		}
	}},
	{"NotFound", func(t *testing.T, e *env) {
		_, err := e.s.Device(ctx(t), "nobody")
		wantErr(t, err, store.ErrNotFound)
		if !strings.Contains(err.Error(), `"nobody"`) {
			t.Errorf("error %q does not name the device", err)
		}
		wantErr(t, e.s.DeleteDevice(ctx(t), "nobody", 1), store.ErrNotFound)
		d := fullDevice("nobody", 1)
		d.Version = 3
		_, err = e.s.PutDevice(ctx(t), d)
		wantErr(t, err, store.ErrNotFound)
		if n := mustV(e.s.CountDevices(ctx(t)))(t); n != 0 {
			t.Fatalf("CountDevices = %d after failed writes", n)
		}
	}},
	{"Versions", func(t *testing.T, e *env) {
		d := fullDevice("d1", 1)
		mustV(e.s.PutDevice(ctx(t), d))(t)
		_, err := e.s.PutDevice(ctx(t), d)
		wantErr(t, err, store.ErrConflict)
		if !strings.Contains(err.Error(), `"d1"`) {
			t.Errorf("conflict %q does not name the device", err)
		}
		d.Version = 1
		d.Object.DisplayName = "renamed"
		if v := mustV(e.s.PutDevice(ctx(t), d))(t); v != 2 {
			t.Fatalf("update = version %d, want 2", v)
		}
		d.Object.DisplayName = "lost update"
		_, err = e.s.PutDevice(ctx(t), d) // still version 1: stale
		wantErr(t, err, store.ErrConflict)
		got := mustV(e.s.Device(ctx(t), "d1"))(t)
		if got.Object.DisplayName != "renamed" || got.Version != 2 {
			t.Fatalf("after a stale write: %q at version %d", got.Object.DisplayName, got.Version)
		}
		wantErr(t, e.s.DeleteDevice(ctx(t), "d1", 1), store.ErrConflict)
		must(t, e.s.DeleteDevice(ctx(t), "d1", 2))
		_, err = e.s.Device(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, e.s.DeleteDevice(ctx(t), "d1", 2), store.ErrNotFound)
		d.Version = 0
		if v := mustV(e.s.PutDevice(ctx(t), d))(t); v != 1 {
			t.Fatalf("create after delete = version %d, want 1", v)
		}
	}},
	{"Copies", func(t *testing.T, e *env) {
		d := fullDevice("d1", 1)
		mustV(e.s.PutDevice(ctx(t), d))(t)
		want := withVersion(d, 1)
		d.Object.Tags[0] = "changed after put"
		d.Facts.Tags[0] = "changed after put"
		got := mustV(e.s.Device(ctx(t), "d1"))(t)
		got.Object.Tags[0] = "changed after get"
		got.Object.DisplayName = "changed after get"
		*got.Object.AccountEnabled = false
		got.Facts.Tags[0] = "changed after get"
		deepEqual(t, "device", mustV(e.s.Device(ctx(t), "d1"))(t), want)
	}},
	{"Canonical", func(t *testing.T, e *env) {
		// Times come back in UTC; empty collections come back nil.
		zone := time.FixedZone("UTC+5:30", 5*3600+1800)
		d := &store.Device{ID: "d1", Created: t0.In(zone), Modified: t0.In(zone),
			Object: &identity.Device{DeviceID: "d1", Tags: []string{}, SystemLabels: []string{}}}
		mustV(e.s.PutDevice(ctx(t), d))(t)
		got := mustV(e.s.Device(ctx(t), "d1"))(t)
		deepEqual(t, "device", got, &store.Device{ID: "d1", Created: t0, Modified: t0, Object: &identity.Device{DeviceID: "d1"}, Version: 1})
	}},
	{"Invalid", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), fullDevice("keep", 1)))(t)
		badFacts := fullFacts()
		badFacts.Platform = "amiga"
		longID := strings.Repeat("x", 257)
		cases := map[string]*store.Device{
			"nil":              nil,
			"empty id":         {},
			"NUL in id":        {ID: "a\x00b"},
			"bad UTF-8 id":     {ID: "a\xffb"},
			"id too long":      {ID: longID},
			"negative version": {ID: "keep", Version: -1},
			"object of another device": {ID: "keep", Version: 1,
				Object: &identity.Device{DeviceID: "someone-else"}},
			"invalid facts":   {ID: "keep", Version: 1, Facts: badFacts},
			"year 10000":      {ID: "keep", Version: 1, Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
			"year before one": {ID: "keep", Version: 1, Modified: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
		}
		for name, d := range cases {
			_, err := e.s.PutDevice(ctx(t), d)
			if err == nil {
				t.Fatalf("%s: stored", name)
			}
			wantInvalid(t, err)
		}
		var ie *store.InvalidError
		_, err := e.s.PutDevice(ctx(t), &store.Device{ID: "keep", Version: 1, Facts: badFacts})
		if !errors.As(err, &ie) || ie.Field != "Facts" || ie.Key != "keep" || !errors.Is(err, enrollment.ErrInvalidInput) {
			t.Fatalf("invalid facts: %#v", err)
		}
		if n := mustV(e.s.CountDevices(ctx(t)))(t); n != 1 {
			t.Fatalf("CountDevices = %d, want 1", n)
		}
		deepEqual(t, "untouched device", mustV(e.s.Device(ctx(t), "keep"))(t), withVersion(fullDevice("keep", 1), 1))
	}},
	{"Count", func(t *testing.T, e *env) {
		for i := range 5 {
			mustV(e.s.PutDevice(ctx(t), bareDevice(id("d", i))))(t)
		}
		must(t, e.s.DeleteDevice(ctx(t), id("d", 2), 1))
		if n := mustV(e.s.CountDevices(ctx(t)))(t); n != 4 {
			t.Fatalf("CountDevices = %d, want 4", n)
		}
	}},
	{"Order", func(t *testing.T, e *env) {
		// Byte order: upper case before lower case, ASCII before the rest.
		ids := []string{"b", "a", "B", "a-1", "A", "é", "z", "a0", "Ω", "aa"}
		for _, x := range ids {
			mustV(e.s.PutDevice(ctx(t), bareDevice(x)))(t)
		}
		want := slices.Clone(ids)
		slices.SortFunc(want, func(a, b string) int { return bytes.Compare([]byte(a), []byte(b)) })
		var got []string
		for _, d := range collect(t, e.s.Devices(ctx(t), "")) {
			got = append(got, d.ID)
		}
		deepEqual(t, "ids", got, want)
		got = got[:0]
		for _, d := range collect(t, e.s.Devices(ctx(t), "a0")) {
			got = append(got, d.ID)
		}
		deepEqual(t, "ids after a0", got, want[slices.Index(want, "a0")+1:])
		if rest := collect(t, e.s.Devices(ctx(t), "Ω")); len(rest) != 0 {
			t.Fatalf("after the last id: %d devices", len(rest))
		}
		n := 0
		for _, err := range e.s.Devices(ctx(t), "") {
			must(t, err)
			n++
			if n == 3 {
				break
			}
		}
	}},
}
