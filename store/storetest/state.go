package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
)

// state is everything a store shows, read through its API.
type state struct {
	Tenant       *store.Tenant
	Devices      []*store.Device
	DeviceGroups map[string][]string
	Enrollments  []*store.Enrollment
	History      map[string][]*enrollment.Transition
	Reports      map[string]*store.StatusReport
	Credentials  map[string]*store.Credential
	CheckIns     map[string]*store.CheckIn
	Groups       []*store.Group
	Members      map[string][]string
	Policies     map[string]any
	PolicyVers   map[string]int64
	Assignments  map[string]any
	AssignVers   map[string]int64
	Statuses     map[string][]*store.StatusReport
	Changes      []store.Change
	LastChange   int64
	DeviceCount  int
	MemberCounts map[string]int
	Audit        []*store.AuditEntry
}

// optional returns v, or nil when err is ErrNotFound.
func optional[T any](t *testing.T, v *T, err error) *T {
	t.Helper()
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	must(t, err)
	return v
}

// snapshot reads everything a store shows.
func snapshot(t *testing.T, s store.Store) *state {
	t.Helper()
	st := &state{
		Tenant:       mustV(s.Tenant(ctx(t)))(t),
		Devices:      collect(t, s.Devices(ctx(t), "")),
		DeviceGroups: map[string][]string{},
		Enrollments:  collect(t, s.Enrollments(ctx(t), "")),
		History:      map[string][]*enrollment.Transition{},
		Reports:      map[string]*store.StatusReport{},
		Credentials:  map[string]*store.Credential{},
		CheckIns:     map[string]*store.CheckIn{},
		Groups:       collect(t, s.Groups(ctx(t), "")),
		Members:      map[string][]string{},
		Policies:     map[string]any{},
		PolicyVers:   map[string]int64{},
		Assignments:  map[string]any{},
		AssignVers:   map[string]int64{},
		LastChange:   mustV(s.LastChange(ctx(t)))(t),
		DeviceCount:  mustV(s.CountDevices(ctx(t)))(t),
		MemberCounts: map[string]int{},
		Statuses:     map[string][]*store.StatusReport{},
	}
	for _, d := range st.Devices {
		st.DeviceGroups[d.ID] = mustV(s.DeviceGroups(ctx(t), d.ID))(t)
		if h := collect(t, s.History(ctx(t), d.ID)); len(h) > 0 {
			st.History[d.ID] = h
		}
		r, err := s.StatusReport(ctx(t), d.ID)
		if r := optional(t, r, err); r != nil {
			st.Reports[d.ID] = r
		}
		c, err := s.Credential(ctx(t), d.ID)
		if c := optional(t, c, err); c != nil {
			st.Credentials[d.ID] = c
		}
		ci, err := s.LastCheckIn(ctx(t), d.ID)
		if ci := optional(t, ci, err); ci != nil {
			st.CheckIns[d.ID] = ci
		}
	}
	for _, g := range st.Groups {
		st.Members[g.ID] = collect(t, s.GroupMembers(ctx(t), g.ID, ""))
		st.MemberCounts[g.ID] = mustV(s.CountGroupMembers(ctx(t), g.ID))(t)
	}
	for _, pid := range []string{"pol-a", "pol-b", "pol-z"} {
		st.Statuses[pid] = collect(t, s.PolicyStatuses(ctx(t), pid, ""))
	}
	for _, p := range collect(t, s.Policies(ctx(t), "")) {
		st.Policies[p.Policy.ID] = graphJSON(t, p.Policy)
		st.PolicyVers[p.Policy.ID] = p.Version
	}
	for _, a := range collect(t, s.AllAssignments(ctx(t), "")) {
		st.Assignments[a.PolicyID] = assignmentsJSON(t, a.Assignments)
		st.AssignVers[a.PolicyID] = a.Version
	}
	st.Audit = collect(t, s.Audit(ctx(t), store.AuditQuery{}))
	for after := int64(0); ; {
		page := mustV(s.Changes(ctx(t), after, 100))(t)
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			if c.Seq <= after {
				t.Fatalf("Changes(%d) returned change %d", after, c.Seq)
			}
			after = c.Seq
		}
		st.Changes = append(st.Changes, page...)
	}
	return st
}

// populate writes some of everything.
func populate(t *testing.T, s store.Store) {
	t.Helper()
	cfg := enrollment.DefaultTenant()
	cfg.IntuneEnforcement = true
	cfg.Scope.MacOS = enrollment.ScopeTagged
	mustV(s.PutTenant(ctx(t), &store.Tenant{Config: cfg}))(t)
	for i := range 3 {
		d := id("d", i)
		mustV(s.PutDevice(ctx(t), fullDevice(d, i)))(t)
		mustV(s.PutEnrollment(ctx(t), &store.Enrollment{Record: fullRecord(d)}))(t)
		must(t, s.AppendHistory(ctx(t), d, transitions(d)...))
		mustV(s.PutStatusReport(ctx(t), sampleReport(d, "r", t0)))(t)
		must(t, s.PutCredential(ctx(t), &store.Credential{DeviceID: d, Hash: []byte("hash of " + d), IssuedAt: t0}))
		must(t, s.RecordCheckIn(ctx(t), store.CheckIn{DeviceID: d, At: t0.Add(time.Duration(i) * time.Minute), ConfigurationVersion: "cfg-7"}))
	}
	mustV(s.PutGroup(ctx(t), &store.Group{ID: id("g", 0), DisplayName: "static", Members: []string{id("d", 0), id("d", 1)}, RoleScopeTagIDs: []string{"1", "0"}}))(t)
	mustV(s.PutGroup(ctx(t), &store.Group{ID: id("g", 1), DisplayName: "dynamic", MembershipRule: `(device.deviceOSType -eq "Windows")`}))(t)
	must(t, s.ApplyMemberships(ctx(t), store.MembershipDelta{Added: []store.Membership{pair(0, 0), pair(1, 0), pair(0, 1), pair(1, 1), pair(2, 1)}}))
	for _, p := range []string{"pol-a", "pol-b"} {
		mustV(s.PutPolicy(ctx(t), samplePolicy(p, "policy "+p)))(t)
	}
	mustV(s.PutAssignments(ctx(t), &store.Assignments{PolicyID: "pol-a", Assignments: []*policy.Assignment{policy.Include(id("g", 1)), policy.Exclude(id("g", 0))}}))(t)
	for i := range 4 {
		mustV(s.AppendChange(ctx(t), store.Change{Kind: "device", Keys: []string{id("d", i%3)}}))(t)
	}
	for i := range 3 {
		mustV(s.AppendAudit(ctx(t), auditEntry(i)))(t)
	}
}

// scramble changes something of everything populate wrote, through s.
func scramble(t *testing.T, s store.Store) {
	t.Helper()
	cfg := enrollment.DefaultTenant()
	mustV(s.PutTenant(ctx(t), &store.Tenant{Config: cfg, Version: 1}))(t)
	d0 := withVersion(fullDevice(id("d", 0), 0), 1)
	d0.Object.DisplayName = "renamed in a transaction"
	mustV(s.PutDevice(ctx(t), d0))(t)
	must(t, s.DeleteDevice(ctx(t), id("d", 1), 1))
	mustV(s.PutDevice(ctx(t), fullDevice(id("d", 9), 9)))(t)
	mustV(s.PutEnrollment(ctx(t), &store.Enrollment{Record: fullRecord(id("d", 9))}))(t)
	must(t, s.AppendHistory(ctx(t), id("d", 2), transitions(id("d", 2))[:1]...))
	must(t, s.DeleteEnrollment(ctx(t), id("d", 0), 1))
	mustV(s.PutStatusReport(ctx(t), sampleReport(id("d", 2), "r2", t0.Add(time.Hour))))(t)
	must(t, s.DeleteStatusReport(ctx(t), id("d", 0)))
	must(t, s.RevokeCredential(ctx(t), id("d", 2), t0.Add(time.Hour)))
	must(t, s.PutCredential(ctx(t), &store.Credential{DeviceID: id("d", 9), Hash: []byte{9}, IssuedAt: t0}))
	must(t, s.RecordCheckIn(ctx(t), store.CheckIn{DeviceID: id("d", 2), At: t0.Add(time.Hour), ConfigurationVersion: "cfg-8"}))
	must(t, s.DeleteGroup(ctx(t), id("g", 0), 1))
	mustV(s.PutGroup(ctx(t), &store.Group{ID: id("g", 0), DisplayName: "again"}))(t)
	mustV(s.PutGroup(ctx(t), &store.Group{ID: id("g", 7), DisplayName: "new"}))(t)
	must(t, s.ApplyMemberships(ctx(t), store.MembershipDelta{
		Added:   []store.Membership{pair(9, 7), pair(9, 1), pair(0, 0)},
		Removed: []store.Membership{pair(2, 1)},
	}))
	must(t, s.RemoveGroupMemberships(ctx(t), id("g", 1)))
	must(t, s.DeletePolicy(ctx(t), "pol-a", 1))
	mustV(s.PutAssignments(ctx(t), &store.Assignments{PolicyID: "pol-b", Assignments: []*policy.Assignment{policy.AllDevices()}}))(t)
	p := samplePolicy("pol-b", "renamed")
	p.Version = 1
	mustV(s.PutPolicy(ctx(t), p))(t)
	mustV(s.PutPolicy(ctx(t), samplePolicy("pol-z", "new")))(t)
	mustV(s.AppendChange(ctx(t), store.Change{Kind: "scramble"}))(t)
	must(t, s.TrimChanges(ctx(t), 2))
	mustV(s.AppendAudit(ctx(t), auditEntry(9)))(t)
}
