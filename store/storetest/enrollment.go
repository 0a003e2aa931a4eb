package storetest

import (
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/store"
)

var enrollmentCases = []testCase{
	{"RoundTrip", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		mustV(e.s.PutDevice(ctx(t), bareDevice("d2")))(t)
		r := fullRecord("d1")
		r.History = transitions("d1") // not stored with the state
		if v := mustV(e.s.PutEnrollment(ctx(t), &store.Enrollment{Record: r}))(t); v != 1 {
			t.Fatalf("create = version %d", v)
		}
		want := fullRecord("d1")
		deepEqual(t, "enrollment", mustV(e.s.Enrollment(ctx(t), "d1"))(t), &store.Enrollment{Record: want, Version: 1})
		if h := collect(t, e.s.History(ctx(t), "d1")); len(h) != 0 {
			t.Fatalf("PutEnrollment stored %d transitions", len(h))
		}
		// The zero record (not onboarded) is a record too.
		mustV(e.s.PutEnrollment(ctx(t), &store.Enrollment{Record: enrollment.Record{DeviceID: "d2"}}))(t)
		deepEqual(t, "zero record", mustV(e.s.Enrollment(ctx(t), "d2"))(t), &store.Enrollment{Record: enrollment.Record{DeviceID: "d2"}, Version: 1})
	}},
	{"Versions", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		en := &store.Enrollment{Record: fullRecord("d1")}
		mustV(e.s.PutEnrollment(ctx(t), en))(t)
		_, err := e.s.PutEnrollment(ctx(t), en)
		wantErr(t, err, store.ErrConflict)
		en.Version = 1
		en.Record.State = enrollment.StateNotEnrolled
		if v := mustV(e.s.PutEnrollment(ctx(t), en))(t); v != 2 {
			t.Fatalf("update = version %d", v)
		}
		_, err = e.s.PutEnrollment(ctx(t), en)
		wantErr(t, err, store.ErrConflict)
		wantErr(t, e.s.DeleteEnrollment(ctx(t), "d1", 1), store.ErrConflict)
		must(t, e.s.DeleteEnrollment(ctx(t), "d1", 2))
		_, err = e.s.Enrollment(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, e.s.DeleteEnrollment(ctx(t), "d1", 2), store.ErrNotFound)
		en.Version = 3
		_, err = e.s.PutEnrollment(ctx(t), en)
		wantErr(t, err, store.ErrNotFound)
		mustV(e.s.Device(ctx(t), "d1"))(t) // the device stays
	}},
	{"NeedsDevice", func(t *testing.T, e *env) {
		_, err := e.s.PutEnrollment(ctx(t), &store.Enrollment{Record: fullRecord("ghost")})
		wantErr(t, err, store.ErrNotFound)
		_, err = e.s.Enrollment(ctx(t), "ghost")
		wantErr(t, err, store.ErrNotFound)
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		mustV(e.s.PutEnrollment(ctx(t), &store.Enrollment{Record: fullRecord("d1")}))(t)
		must(t, e.s.AppendHistory(ctx(t), "d1", transitions("d1")...))
		must(t, e.s.DeleteDevice(ctx(t), "d1", 1))
		_, err = e.s.Enrollment(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		if h := collect(t, e.s.History(ctx(t), "d1")); len(h) != 0 {
			t.Fatalf("a new device inherited %d transitions", len(h))
		}
	}},
	{"Invalid", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		late := fullRecord("d1")
		late.NextCheckIn = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
		for name, en := range map[string]*store.Enrollment{
			"nil":              nil,
			"no device id":     {Record: fullRecord("")},
			"negative version": {Record: fullRecord("d1"), Version: -1},
			"year 12000":       {Record: late},
		} {
			_, err := e.s.PutEnrollment(ctx(t), en)
			if err == nil {
				t.Fatalf("%s: stored", name)
			}
			wantInvalid(t, err)
		}
		_, err := e.s.Enrollment(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Iterate", func(t *testing.T, e *env) {
		for i := range 6 {
			mustV(e.s.PutDevice(ctx(t), bareDevice(id("d", i))))(t)
			if i%2 == 1 {
				mustV(e.s.PutEnrollment(ctx(t), &store.Enrollment{Record: fullRecord(id("d", i))}))(t)
			}
		}
		var ids []string
		for _, en := range collect(t, e.s.Enrollments(ctx(t), "")) {
			ids = append(ids, en.Record.DeviceID)
			deepEqual(t, "enrollment", en, &store.Enrollment{Record: fullRecord(en.Record.DeviceID), Version: 1})
		}
		deepEqual(t, "enrolled devices", ids, []string{id("d", 1), id("d", 3), id("d", 5)})
		ids = ids[:0]
		for _, en := range collect(t, e.s.Enrollments(ctx(t), id("d", 3))) {
			ids = append(ids, en.Record.DeviceID)
		}
		deepEqual(t, "enrolled devices after d3", ids, []string{id("d", 5)})
	}},
}

var historyCases = []testCase{
	{"AppendList", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		mustV(e.s.PutDevice(ctx(t), bareDevice("d2")))(t)
		ts := transitions("d1")
		must(t, e.s.AppendHistory(ctx(t), "d1", ts[:1]...))
		must(t, e.s.AppendHistory(ctx(t), "d2", transitions("d2")[2:]...))
		must(t, e.s.AppendHistory(ctx(t), "d1", ts[1:]...))
		must(t, e.s.AppendHistory(ctx(t), "d1")) // nothing to append
		got := collect(t, e.s.History(ctx(t), "d1"))
		if len(got) != len(ts) {
			t.Fatalf("%d transitions, want %d", len(got), len(ts))
		}
		for i := range ts {
			deepEqual(t, "transition", got[i], &ts[i])
		}
		if n := len(collect(t, e.s.History(ctx(t), "d2"))); n != 2 {
			t.Fatalf("d2 has %d transitions", n)
		}
		// Copies: changing what was read changes nothing stored.
		got[1].Changes[0].Device.Tags[0] = "changed"
		*got[3].Event.Fault = 99
		deepEqual(t, "transition", collect(t, e.s.History(ctx(t), "d1"))[1], &ts[1])
		deepEqual(t, "transition", collect(t, e.s.History(ctx(t), "d1"))[3], &ts[3])
	}},
	{"NeedsDevice", func(t *testing.T, e *env) {
		wantErr(t, e.s.AppendHistory(ctx(t), "ghost", transitions("ghost")...), store.ErrNotFound)
		_, err := collectErr(e.s.History(ctx(t), "ghost"))
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Long", func(t *testing.T, e *env) {
		// More transitions than a page.
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		var ts []enrollment.Transition
		for i := range 700 {
			ts = append(ts, enrollment.Transition{From: enrollment.StateEnrolled, To: enrollment.StateEnrolled,
				Event: enrollment.Event{Kind: enrollment.EventCheckIn}, Rule: i, At: t0.Add(time.Duration(i) * time.Minute)})
		}
		must(t, e.s.AppendHistory(ctx(t), "d1", ts[:300]...))
		must(t, e.s.AppendHistory(ctx(t), "d1", ts[300:]...))
		got := collect(t, e.s.History(ctx(t), "d1"))
		if len(got) != len(ts) {
			t.Fatalf("%d transitions, want %d", len(got), len(ts))
		}
		for i, tr := range got {
			if tr.Rule != i {
				t.Fatalf("transition %d is the %dth appended", i, tr.Rule)
			}
		}
	}},
	{"DeletedWithEnrollment", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		mustV(e.s.PutEnrollment(ctx(t), &store.Enrollment{Record: fullRecord("d1")}))(t)
		must(t, e.s.AppendHistory(ctx(t), "d1", transitions("d1")...))
		must(t, e.s.DeleteEnrollment(ctx(t), "d1", 1))
		if h := collect(t, e.s.History(ctx(t), "d1")); len(h) != 0 {
			t.Fatalf("%d transitions left", len(h))
		}
	}},
	{"Invalid", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		ts := transitions("d1")
		ts[2].At = time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)
		wantInvalid(t, e.s.AppendHistory(ctx(t), "d1", ts...))
		wantInvalid(t, e.s.AppendHistory(ctx(t), "", transitions("d1")...))
		if h := collect(t, e.s.History(ctx(t), "d1")); len(h) != 0 {
			t.Fatalf("a refused append left %d transitions", len(h))
		}
	}},
}
