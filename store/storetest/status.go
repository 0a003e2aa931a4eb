package storetest

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
)

// policyStatuses lists PolicyStatuses as (device, report, results) in
// order.
func policyStatuses(t *testing.T, s store.Store, policyID, after string) []*store.StatusReport {
	t.Helper()
	return collect(t, s.PolicyStatuses(ctx(t), policyID, after))
}

// only returns r with only the results of one policy.
func only(r *store.StatusReport, policyID string) *store.StatusReport {
	c := r.Clone()
	c.Results = nil
	for _, res := range r.Results {
		if res.PolicyID == policyID {
			c.Results = append(c.Results, res)
		}
	}
	return c
}

var statusCases = []testCase{
	{"Stored", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		r := sampleReport("d1", "rep-1", t0)
		if o := mustV(e.s.PutStatusReport(ctx(t), r))(t); o != store.ReportStored {
			t.Fatalf("outcome %q", o)
		}
		deepEqual(t, "report", mustV(e.s.StatusReport(ctx(t), "d1"))(t), r)
	}},
	{"Duplicate", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		r := sampleReport("d1", "rep-1", t0)
		mustV(e.s.PutStatusReport(ctx(t), r))(t)
		retry := sampleReport("d1", "rep-1", t0.Add(time.Minute))
		retry.Results = retry.Results[:1]
		if o := mustV(e.s.PutStatusReport(ctx(t), retry))(t); o != store.ReportDuplicate {
			t.Fatalf("outcome %q, want duplicate", o)
		}
		deepEqual(t, "report after a retry", mustV(e.s.StatusReport(ctx(t), "d1"))(t), r)
	}},
	{"NewerReplaces", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		mustV(e.s.PutStatusReport(ctx(t), sampleReport("d1", "rep-1", t0)))(t)
		newer := sampleReport("d1", "rep-2", t0.Add(time.Hour))
		newer.Results = newer.Results[:1] // pol-b is gone from the device
		newer.ConfigurationVersion = "cfg-8"
		if o := mustV(e.s.PutStatusReport(ctx(t), newer))(t); o != store.ReportStored {
			t.Fatalf("outcome %q", o)
		}
		deepEqual(t, "report", mustV(e.s.StatusReport(ctx(t), "d1"))(t), newer)
		if got := policyStatuses(t, e.s, "pol-b", ""); len(got) != 0 {
			t.Fatalf("pol-b still lists %d devices", len(got))
		}
		// Same time, another report: the later call wins.
		same := sampleReport("d1", "rep-3", t0.Add(time.Hour))
		if o := mustV(e.s.PutStatusReport(ctx(t), same))(t); o != store.ReportStored {
			t.Fatalf("outcome %q", o)
		}
		deepEqual(t, "report", mustV(e.s.StatusReport(ctx(t), "d1"))(t), same)
	}},
	{"Superseded", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		r := sampleReport("d1", "rep-2", t0)
		mustV(e.s.PutStatusReport(ctx(t), r))(t)
		if o := mustV(e.s.PutStatusReport(ctx(t), sampleReport("d1", "rep-1", t0.Add(-time.Nanosecond))))(t); o != store.ReportSuperseded {
			t.Fatalf("outcome %q, want superseded", o)
		}
		deepEqual(t, "report", mustV(e.s.StatusReport(ctx(t), "d1"))(t), r)
	}},
	{"Canonical", func(t *testing.T, e *env) {
		// Results come back ordered by policy id, then setting id.
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		r := sampleReport("d1", "rep-1", t0)
		want := r.Clone()
		r.Results[0], r.Results[2] = r.Results[2], r.Results[0]
		r.Results[1], r.Results[2] = r.Results[2], r.Results[1]
		mustV(e.s.PutStatusReport(ctx(t), r))(t)
		deepEqual(t, "report", mustV(e.s.StatusReport(ctx(t), "d1"))(t), want)
	}},
	{"PolicyStatuses", func(t *testing.T, e *env) {
		for i := range 4 {
			mustV(e.s.PutDevice(ctx(t), bareDevice(id("d", i))))(t)
		}
		reports := map[int]*store.StatusReport{}
		for _, i := range []int{3, 0, 2} {
			reports[i] = sampleReport(id("d", i), "r", t0)
			if i == 2 { // d2 reports only on pol-b
				reports[i].Results = reports[i].Results[2:]
			}
			mustV(e.s.PutStatusReport(ctx(t), reports[i]))(t)
		}
		deepEqual(t, "pol-a", policyStatuses(t, e.s, "pol-a", ""), []*store.StatusReport{only(reports[0], "pol-a"), only(reports[3], "pol-a")})
		deepEqual(t, "pol-b", policyStatuses(t, e.s, "pol-b", ""), []*store.StatusReport{only(reports[0], "pol-b"), only(reports[2], "pol-b"), only(reports[3], "pol-b")})
		deepEqual(t, "pol-b after d0", policyStatuses(t, e.s, "pol-b", id("d", 0)), []*store.StatusReport{only(reports[2], "pol-b"), only(reports[3], "pol-b")})
		if got := policyStatuses(t, e.s, "pol-unknown", ""); len(got) != 0 {
			t.Fatalf("unknown policy: %d reports", len(got))
		}
	}},
	{"NeedsDevice", func(t *testing.T, e *env) {
		_, err := e.s.PutStatusReport(ctx(t), sampleReport("ghost", "r", t0))
		wantErr(t, err, store.ErrNotFound)
		_, err = e.s.StatusReport(ctx(t), "ghost")
		wantErr(t, err, store.ErrNotFound)
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		_, err = e.s.StatusReport(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
		mustV(e.s.PutStatusReport(ctx(t), sampleReport("d1", "r", t0)))(t)
		must(t, e.s.DeleteDevice(ctx(t), "d1", 1))
		if got := policyStatuses(t, e.s, "pol-a", ""); len(got) != 0 {
			t.Fatalf("a deleted device still reports: %d", len(got))
		}
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		_, err = e.s.StatusReport(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Delete", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		wantErr(t, e.s.DeleteStatusReport(ctx(t), "d1"), store.ErrNotFound)
		mustV(e.s.PutStatusReport(ctx(t), sampleReport("d1", "r", t0)))(t)
		must(t, e.s.DeleteStatusReport(ctx(t), "d1"))
		_, err := e.s.StatusReport(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
		if got := policyStatuses(t, e.s, "pol-a", ""); len(got) != 0 {
			t.Fatalf("a deleted report still lists: %d", len(got))
		}
		// After a delete, the same report id is new again.
		if o := mustV(e.s.PutStatusReport(ctx(t), sampleReport("d1", "r", t0)))(t); o != store.ReportStored {
			t.Fatalf("outcome %q", o)
		}
	}},
	{"Invalid", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		mk := func(f func(r *store.StatusReport)) *store.StatusReport {
			r := sampleReport("d1", "r", t0)
			f(r)
			return r
		}
		for name, r := range map[string]*store.StatusReport{
			"nil":                nil,
			"no device":          mk(func(r *store.StatusReport) { r.DeviceID = "" }),
			"no report id":       mk(func(r *store.StatusReport) { r.ReportID = "" }),
			"long report id":     mk(func(r *store.StatusReport) { r.ReportID = strings.Repeat("r", 300) }),
			"NUL in version":     mk(func(r *store.StatusReport) { r.ConfigurationVersion = "v\x00" }),
			"unknown status":     mk(func(r *store.StatusReport) { r.Results[1].Status = "fine" }),
			"empty status":       mk(func(r *store.StatusReport) { r.Results[1].Status = "" }),
			"no policy id":       mk(func(r *store.StatusReport) { r.Results[0].PolicyID = "" }),
			"no setting id":      mk(func(r *store.StatusReport) { r.Results[0].SettingID = "" }),
			"two results":        mk(func(r *store.StatusReport) { r.Results = append(r.Results, r.Results[0]) }),
			"reported year 1e4":  mk(func(r *store.StatusReport) { r.ReportedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }),
			"bad UTF-8 settings": mk(func(r *store.StatusReport) { r.Results[2].SettingID = "\xc0" }),
		} {
			_, err := e.s.PutStatusReport(ctx(t), r)
			if err == nil {
				t.Fatalf("%s: stored", name)
			}
			wantInvalid(t, err)
		}
		_, err := e.s.StatusReport(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
		// Every status is accepted.
		r := sampleReport("d1", "r", t0)
		r.Results = nil
		for i, st := range report.Statuses {
			r.Results = append(r.Results, store.SettingResult{PolicyID: "p", SettingID: string(rune('a' + i)), Status: st})
		}
		mustV(e.s.PutStatusReport(ctx(t), r))(t)
		deepEqual(t, "report", mustV(e.s.StatusReport(ctx(t), "d1"))(t), r)
	}},
	{"EmptyReport", func(t *testing.T, e *env) {
		// A report with no results replaces the results with none.
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		mustV(e.s.PutStatusReport(ctx(t), sampleReport("d1", "r1", t0)))(t)
		empty := &store.StatusReport{DeviceID: "d1", ReportID: "r2", ReportedAt: t0.Add(time.Second)}
		mustV(e.s.PutStatusReport(ctx(t), empty))(t)
		deepEqual(t, "report", mustV(e.s.StatusReport(ctx(t), "d1"))(t), empty)
		if got := policyStatuses(t, e.s, "pol-a", ""); len(got) != 0 {
			t.Fatalf("pol-a lists %d", len(got))
		}
	}},
}

var credentialCases = []testCase{
	{"PutGetRevoke", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		c := &store.Credential{DeviceID: "d1", Hash: []byte{0, 1, 2, 0xff}, IssuedAt: t0}
		must(t, e.s.PutCredential(ctx(t), c))
		want := c.Clone()
		c.Hash[0] = 9 // the store kept its own copy
		got := mustV(e.s.Credential(ctx(t), "d1"))(t)
		deepEqual(t, "credential", got, want)
		if got.Revoked() {
			t.Fatal("revoked at issue")
		}
		got.Hash[1] = 9
		deepEqual(t, "credential", mustV(e.s.Credential(ctx(t), "d1"))(t), want)
		must(t, e.s.RevokeCredential(ctx(t), "d1", t0.Add(time.Hour)))
		must(t, e.s.RevokeCredential(ctx(t), "d1", t0.Add(2*time.Hour))) // keeps the first time
		want.RevokedAt = t0.Add(time.Hour)
		deepEqual(t, "revoked credential", mustV(e.s.Credential(ctx(t), "d1"))(t), want)
		// A new credential replaces it.
		fresh := &store.Credential{DeviceID: "d1", Hash: []byte("new hash"), IssuedAt: t0.Add(3 * time.Hour)}
		must(t, e.s.PutCredential(ctx(t), fresh))
		deepEqual(t, "new credential", mustV(e.s.Credential(ctx(t), "d1"))(t), fresh)
	}},
	{"NotFound", func(t *testing.T, e *env) {
		wantErr(t, e.s.PutCredential(ctx(t), &store.Credential{DeviceID: "ghost", Hash: []byte{1}}), store.ErrNotFound)
		_, err := e.s.Credential(ctx(t), "ghost")
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, e.s.RevokeCredential(ctx(t), "ghost", t0), store.ErrNotFound)
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		wantErr(t, e.s.RevokeCredential(ctx(t), "d1", t0), store.ErrNotFound)
		must(t, e.s.PutCredential(ctx(t), &store.Credential{DeviceID: "d1", Hash: []byte{1}}))
		must(t, e.s.DeleteDevice(ctx(t), "d1", 1))
		_, err = e.s.Credential(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Invalid", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		for name, c := range map[string]*store.Credential{
			"nil":       nil,
			"no device": {Hash: []byte{1}},
			"no hash":   {DeviceID: "d1"},
			"year 1e4":  {DeviceID: "d1", Hash: []byte{1}, IssuedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		} {
			err := e.s.PutCredential(ctx(t), c)
			if err == nil {
				t.Fatalf("%s: stored", name)
			}
			wantInvalid(t, err)
		}
		_, err := e.s.Credential(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
		must(t, e.s.PutCredential(ctx(t), &store.Credential{DeviceID: "d1", Hash: bytes.Repeat([]byte{7}, 64)}))
		wantInvalid(t, e.s.RevokeCredential(ctx(t), "d1", time.Time{}))
		if mustV(e.s.Credential(ctx(t), "d1"))(t).Revoked() {
			t.Fatal("a refused revocation revoked")
		}
	}},
}

var checkInCases = []testCase{
	{"RecordRead", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		_, err := e.s.LastCheckIn(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
		zone := time.FixedZone("UTC-8", -8*3600)
		must(t, e.s.RecordCheckIn(ctx(t), store.CheckIn{DeviceID: "d1", At: t0.In(zone), ConfigurationVersion: "v1"}))
		deepEqual(t, "check-in", mustV(e.s.LastCheckIn(ctx(t), "d1"))(t), &store.CheckIn{DeviceID: "d1", At: t0, ConfigurationVersion: "v1"})
		must(t, e.s.RecordCheckIn(ctx(t), store.CheckIn{DeviceID: "d1", At: t0.Add(90 * time.Minute), ConfigurationVersion: "v2"}))
		deepEqual(t, "check-in", mustV(e.s.LastCheckIn(ctx(t), "d1"))(t), &store.CheckIn{DeviceID: "d1", At: t0.Add(90 * time.Minute), ConfigurationVersion: "v2"})
		// Last writer wins, even with an earlier time.
		must(t, e.s.RecordCheckIn(ctx(t), store.CheckIn{DeviceID: "d1", At: t0, ConfigurationVersion: ""}))
		deepEqual(t, "check-in", mustV(e.s.LastCheckIn(ctx(t), "d1"))(t), &store.CheckIn{DeviceID: "d1", At: t0})
		if d := mustV(e.s.Device(ctx(t), "d1"))(t); d.Version != 1 {
			t.Fatalf("check-ins changed the device's version to %d", d.Version)
		}
	}},
	{"NeedsDevice", func(t *testing.T, e *env) {
		wantErr(t, e.s.RecordCheckIn(ctx(t), store.CheckIn{DeviceID: "ghost", At: t0}), store.ErrNotFound)
		_, err := e.s.LastCheckIn(ctx(t), "ghost")
		wantErr(t, err, store.ErrNotFound)
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		must(t, e.s.RecordCheckIn(ctx(t), store.CheckIn{DeviceID: "d1", At: t0}))
		must(t, e.s.DeleteDevice(ctx(t), "d1", 1))
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		_, err = e.s.LastCheckIn(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Invalid", func(t *testing.T, e *env) {
		mustV(e.s.PutDevice(ctx(t), bareDevice("d1")))(t)
		for name, c := range map[string]store.CheckIn{
			"no device":      {At: t0},
			"NUL in version": {DeviceID: "d1", At: t0, ConfigurationVersion: "\x00"},
			"year 1e4":       {DeviceID: "d1", At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		} {
			err := e.s.RecordCheckIn(ctx(t), c)
			if err == nil {
				t.Fatalf("%s: recorded", name)
			}
			wantInvalid(t, err)
		}
		_, err := e.s.LastCheckIn(ctx(t), "d1")
		wantErr(t, err, store.ErrNotFound)
	}},
}

var changeCases = []testCase{
	{"AppendRead", func(t *testing.T, e *env) {
		if last := mustV(e.s.LastChange(ctx(t)))(t); last != 0 {
			t.Fatalf("LastChange of a new store = %d", last)
		}
		var want []store.Change
		for i := range 5 {
			c := store.Change{Kind: "device", Keys: []string{id("d", i), "x"}, Seq: 999}
			seq := mustV(e.s.AppendChange(ctx(t), c))(t)
			if seq != int64(i+1) {
				t.Fatalf("change %d got sequence number %d", i, seq)
			}
			c.Seq = seq
			want = append(want, c)
		}
		mustV(e.s.AppendChange(ctx(t), store.Change{Kind: "tenant"}))(t)
		want = append(want, store.Change{Seq: 6, Kind: "tenant"})
		deepEqual(t, "changes", mustV(e.s.Changes(ctx(t), 0, 100))(t), want)
		deepEqual(t, "changes after 2, 3 of them", mustV(e.s.Changes(ctx(t), 2, 3))(t), want[2:5])
		if got := mustV(e.s.Changes(ctx(t), 6, 10))(t); len(got) != 0 {
			t.Fatalf("after the last: %v", got)
		}
		if last := mustV(e.s.LastChange(ctx(t)))(t); last != 6 {
			t.Fatalf("LastChange = %d", last)
		}
	}},
	{"Trim", func(t *testing.T, e *env) {
		for range 5 {
			mustV(e.s.AppendChange(ctx(t), store.Change{Kind: "k"}))(t)
		}
		must(t, e.s.TrimChanges(ctx(t), 3))
		got := mustV(e.s.Changes(ctx(t), 0, 10))(t)
		if len(got) != 2 || got[0].Seq != 4 {
			t.Fatalf("after trimming through 3: %v", got)
		}
		must(t, e.s.TrimChanges(ctx(t), 10))
		if got := mustV(e.s.Changes(ctx(t), 0, 10))(t); len(got) != 0 {
			t.Fatalf("after trimming all: %v", got)
		}
		if last := mustV(e.s.LastChange(ctx(t)))(t); last != 5 {
			t.Fatalf("LastChange after trimming = %d", last)
		}
		if seq := mustV(e.s.AppendChange(ctx(t), store.Change{Kind: "k"}))(t); seq != 6 {
			t.Fatalf("numbering restarted: %d", seq)
		}
	}},
	{"ConsecutiveAfterRollback", func(t *testing.T, e *env) {
		mustV(e.s.AppendChange(ctx(t), store.Change{Kind: "k"}))(t)
		boom := errors.New("roll back")
		err := e.s.Tx(ctx(t), func(tx store.Store) error {
			if _, err := tx.AppendChange(ctx(t), store.Change{Kind: "k"}); err != nil {
				return err
			}
			return boom
		})
		wantErr(t, err, boom)
		if seq := mustV(e.s.AppendChange(ctx(t), store.Change{Kind: "k"}))(t); seq != 2 {
			t.Fatalf("the rolled-back append left a gap: the next change is %d, want 2", seq)
		}
		if last := mustV(e.s.LastChange(ctx(t)))(t); last != 2 {
			t.Fatalf("LastChange = %d", last)
		}
	}},
	{"Invalid", func(t *testing.T, e *env) {
		for name, c := range map[string]store.Change{
			"no kind":        {Keys: []string{"a"}},
			"NUL in a key":   {Kind: "k", Keys: []string{"a\x00"}},
			"bad UTF-8 kind": {Kind: "\xff"},
		} {
			_, err := e.s.AppendChange(ctx(t), c)
			if err == nil {
				t.Fatalf("%s: appended", name)
			}
			wantInvalid(t, err)
		}
		for _, limit := range []int{0, -1, 10001} {
			_, err := e.s.Changes(ctx(t), 0, limit)
			wantInvalid(t, err)
		}
		if last := mustV(e.s.LastChange(ctx(t)))(t); last != 0 {
			t.Fatalf("LastChange = %d", last)
		}
	}},
}
