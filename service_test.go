package secmgmt_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/targeting"
	"github.com/secmgmt/secmgmt/transport"
)

// newService returns a service on a fake clock with the tenant in scope and
// the groups workstations (dynamic, Windows) and pilot (static).
func newService(t *testing.T, opts ...secmgmt.Option) (*secmgmt.Service, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	svc, err := secmgmt.New(append([]secmgmt.Option{secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithClock(clk), secmgmt.WithSeed(11)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	setTenant(t, svc, inScope())
	ctx := context.Background()
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "workstations", MembershipRule: `device.deviceOSType -eq "Windows"`}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "pilot"}); err != nil {
		t.Fatal(err)
	}
	return svc, clk
}

// snapshot is what a failed operation must leave unchanged.
type snapshot struct {
	tenant   enrollment.Tenant
	tenantV  int64
	policies []string
	groups   []string
	devices  []string
	feed     int64
}

func take(t *testing.T, svc *secmgmt.Service) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	if s.tenant, s.tenantV, err = svc.Tenant(ctx); err != nil {
		t.Fatal(err)
	}
	for p, err := range svc.Policies(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		s.policies = append(s.policies, fmt.Sprintf("%s %s %d", p.ID, p.Name, len(p.Assignments)))
	}
	for g, err := range svc.Groups(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		members, _ := svc.GroupMembers(ctx, g.ID)
		s.groups = append(s.groups, fmt.Sprintf("%s %d %s %s %v", g.ID, g.Version, g.MembershipRule, g.Processing, members))
	}
	for d, err := range svc.Devices(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		s.devices = append(s.devices, fmt.Sprintf("%s %d %s %v %v", d.ID, d.Version, d.Enrollment.State, d.Groups, d.Object != nil))
	}
	s.feed, err = svc.Store().LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (s snapshot) equal(o snapshot) bool {
	return s.tenant == o.tenant && s.tenantV == o.tenantV && slices.Equal(s.policies, o.policies) &&
		slices.Equal(s.groups, o.groups) && slices.Equal(s.devices, o.devices) && s.feed == o.feed
}

// TestBadInput: every kind of bad input is refused with its typed error,
// and changes nothing.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	if _, err := svc.Onboard(ctx, "w1", facts(enrollment.PlatformWindows, enrollment.ManagementTag)); err != nil {
		t.Fatal(err)
	}
	p, pv, err := svc.CreatePolicy(ctx, mustPolicy(t, winAV, "AV", policy.Choice(realtime, realtime+"_1")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AssignPolicy(ctx, p.ID, []*policy.Assignment{policy.Include("workstations")}); err != nil {
		t.Fatal(err)
	}
	_, tv, _ := svc.Tenant(ctx)

	badPolicy := mustPolicy(t, winAV, "bad", policy.Integer(defender+"avgcpuloadfactor", 50))
	badPolicy.Settings[0].Instance.Simple.Integer = 400
	badFacts := facts(enrollment.PlatformWindows)
	badFacts.OSVersion = "ten"
	badTenant := inScope()
	badTenant.Scope = enrollment.Scope{DomainControllers: enrollment.ScopeAll}
	updated := p.Clone()
	updated.Name = "renamed"

	var ve *policy.ValidationError
	var re *targeting.RuleError
	var ie *enrollment.InputError
	var te *enrollment.TransitionError
	var de *policy.DecodeError
	cases := []struct {
		name  string
		do    func() error
		is    error
		as    any
		field string
	}{
		{"invalid policy", func() error { _, _, err := svc.CreatePolicy(ctx, badPolicy); return err }, secmgmt.ErrInvalidInput, &ve, ""},
		{"nil policy", func() error { _, _, err := svc.CreatePolicy(ctx, nil); return err }, secmgmt.ErrInvalidInput, nil, "policy"},
		{"policy id taken", func() error { c := p.Clone(); _, _, err := svc.CreatePolicy(ctx, c); return err }, secmgmt.ErrConflict, nil, ""},
		{"policy assigned to an unknown group", func() error {
			q := mustPolicy(t, winAV, "q")
			q.Assignments = []*policy.Assignment{policy.Include("nope")}
			_, _, err := svc.CreatePolicy(ctx, q)
			return err
		}, secmgmt.ErrNotFound, nil, "assignments"},
		{"assignment to an unknown group", func() error {
			_, err := svc.AssignPolicy(ctx, p.ID, []*policy.Assignment{policy.Include("nope")})
			return err
		}, secmgmt.ErrNotFound, nil, "assignments"},
		{"assignment of an unknown policy", func() error {
			_, err := svc.AssignPolicy(ctx, "nope", nil)
			return err
		}, secmgmt.ErrNotFound, nil, ""},
		{"update with a stale version", func() error { _, err := svc.UpdatePolicy(ctx, updated, pv+1); return err }, secmgmt.ErrConflict, nil, ""},
		{"update of an unknown policy", func() error {
			c := updated.Clone()
			c.ID = "nope"
			_, err := svc.UpdatePolicy(ctx, c, 1)
			return err
		}, secmgmt.ErrNotFound, nil, ""},
		{"update to an invalid policy", func() error {
			c := badPolicy.Clone()
			c.ID = p.ID
			_, err := svc.UpdatePolicy(ctx, c, pv)
			return err
		}, secmgmt.ErrInvalidInput, &ve, ""},
		{"import of malformed JSON", func() error { _, err := svc.ImportPolicies(ctx, []byte(`{"settings": [1]}`)); return err }, secmgmt.ErrInvalidInput, &de, "graphJSON"},
		{"delete of an unknown policy", func() error { return svc.DeletePolicy(ctx, "nope") }, secmgmt.ErrNotFound, nil, ""},
		{"invalid rule", func() error {
			_, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "g", MembershipRule: `device.deviceOSType -eq`})
			return err
		}, secmgmt.ErrInvalidInput, &re, "MembershipRule"},
		{"group id taken", func() error { _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "PILOT"}); return err }, secmgmt.ErrConflict, nil, ""},
		{"static members of a dynamic group", func() error {
			_, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "g", MembershipRule: `device.deviceOSType -eq "Linux"`, Members: []string{"w1"}})
			return err
		}, targeting.ErrStaticMembersOnDynamicGroup, nil, "Members"},
		{"a member that has no directory object", func() error { _, err := svc.AddGroupMembers(ctx, "pilot", "ghost"); return err }, secmgmt.ErrNotFound, nil, "group"},
		{"editing a dynamic group's members", func() error { _, err := svc.AddGroupMembers(ctx, "workstations", "w1"); return err }, targeting.ErrStaticMembersOnDynamicGroup, nil, "group"},
		{"removing a device that is not a member", func() error { _, err := svc.RemoveGroupMembers(ctx, "pilot", "w1"); return err }, secmgmt.ErrNotFound, nil, "deviceIDs"},
		{"pausing a static group", func() error { _, err := svc.PauseGroup(ctx, "pilot"); return err }, targeting.ErrInvalidGroup, nil, "group"},
		{"deleting an assigned group", func() error { return svc.DeleteGroup(ctx, "workstations") }, secmgmt.ErrInUse, nil, ""},
		{"stale group version", func() error {
			_, err := svc.UpdateGroup(ctx, secmgmt.Group{ID: "pilot", DisplayName: "x", Version: 99})
			return err
		}, secmgmt.ErrConflict, nil, ""},
		{"invalid facts", func() error { _, err := svc.Onboard(ctx, "w2", badFacts); return err }, secmgmt.ErrInvalidInput, &ie, "facts"},
		{"empty device id", func() error { _, err := svc.Onboard(ctx, " ", facts(enrollment.PlatformLinux)); return err }, secmgmt.ErrInvalidInput, nil, "deviceID"},
		{"device id with a colon", func() error { _, err := svc.Onboard(ctx, "a:b", facts(enrollment.PlatformLinux)); return err }, secmgmt.ErrInvalidInput, nil, "deviceID"},
		{"device id with a control character", func() error { _, err := svc.Onboard(ctx, "a\x00b", facts(enrollment.PlatformLinux)); return err }, secmgmt.ErrInvalidInput, nil, "deviceID"},
		{"onboarding an onboarded device", func() error {
			_, err := svc.Onboard(ctx, "w1", facts(enrollment.PlatformWindows))
			return err
		}, enrollment.ErrInvalidTransition, &te, ""},
		{"policy sync of an unknown device", func() error { _, err := svc.PolicySync(ctx, "nope"); return err }, secmgmt.ErrNotFound, nil, ""},
		{"unknown deletion source", func() error { _, err := svc.DeleteDevice(ctx, "w1", "portal"); return err }, secmgmt.ErrInvalidInput, nil, "from"},
		{"empty tag", func() error { _, err := svc.TagDevice(ctx, "w1", " "); return err }, secmgmt.ErrInvalidInput, nil, "tag"},
		{"changing a protected attribute", func() error {
			_, err := svc.UpdateDeviceObject(ctx, "w1", func(d *identity.Device) error { d.ManagementType = "MDM"; return nil })
			return err
		}, secmgmt.ErrInvalidInput, nil, "ManagementType"},
		{"an edit that fails", func() error {
			_, err := svc.UpdateDeviceObject(ctx, "w1", func(d *identity.Device) error {
				d.DeviceCategory = "x"
				return errors.New("no")
			})
			return err
		}, secmgmt.ErrInvalidInput, nil, "edit"},
		{"invalid tenant", func() error { _, err := svc.SetTenant(ctx, badTenant, tv); return err }, secmgmt.ErrInvalidInput, &ie, "tenant"},
		{"stale tenant version", func() error { _, err := svc.SetTenant(ctx, inScope(), tv+1); return err }, secmgmt.ErrConflict, nil, ""},
		{"reissue to an unknown device", func() error { _, err := svc.ReissueCredential(ctx, "nope"); return err }, secmgmt.ErrNotFound, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := take(t, svc)
			err := c.do()
			if !errors.Is(err, c.is) {
				t.Fatalf("error %v, want %v", err, c.is)
			}
			if c.as != nil && !errors.As(err, c.as) {
				t.Errorf("error %v is not a %T", err, c.as)
			}
			var in *secmgmt.InputError
			if c.field != "" && (!errors.As(err, &in) || in.Field != c.field) {
				t.Errorf("error %v: want an *InputError on field %q", err, c.field)
			}
			if after := take(t, svc); !before.equal(after) {
				t.Errorf("the failed operation changed the state:\n%+v\n%+v", before, after)
			}
		})
	}
}

// TestDeviceLifecycle follows a device through the enrollment events the
// service exposes, checking what each does to its check-ins.
func TestDeviceLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	p := mustPolicy(t, winAV, "AV", policy.Choice(realtime, realtime+"_1"))
	p.Assignments = []*policy.Assignment{policy.Include("workstations")}
	if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	en, err := svc.Onboard(ctx, "W1", facts(enrollment.PlatformWindows), secmgmt.DisplayName("PC-1"))
	if err != nil {
		t.Fatal(err)
	}
	if en.Record.State != enrollment.StateNotEnrolled || en.Credential.DeviceID != "w1" {
		t.Fatalf("untagged device: %s, credential for %q", en.Record.State, en.Credential.DeviceID)
	}
	tr := svc.Transport(en.Credential)
	checkIn := func() (*transport.CheckInResponse, error) {
		return tr.CheckIn(ctx, transport.CheckIn{DeviceID: "w1"})
	}
	if _, err := checkIn(); !errors.Is(err, transport.ErrNotManaged) {
		t.Fatalf("out of scope: %v", err)
	}

	rec, err := svc.TagDevice(ctx, "w1", enrollment.ManagementTag)
	if err != nil || rec.State != enrollment.StateEnrolled {
		t.Fatalf("tagged: %s, %v", rec.State, err)
	}
	d, err := svc.Device(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Object == nil || d.Object.ManagementType != identity.ManagementTypeMicrosoftSense || !d.Object.HasTag(enrollment.ManagementTag) ||
		!slices.Equal(d.Groups, []string{"workstations"}) || d.Object.DisplayName != "PC-1" {
		t.Fatalf("device after tagging: %+v, object %+v", d, d.Object)
	}
	if resp, err := checkIn(); err != nil || resp.Configuration == nil {
		t.Fatalf("enrolled: %+v, %v", resp, err)
	}

	if rec, err = svc.MDMEnroll(ctx, "w1"); err != nil || rec.State != enrollment.StateManagedByMDM {
		t.Fatalf("MDM enroll: %s, %v", rec.State, err)
	}
	if _, err := checkIn(); !errors.Is(err, transport.ErrNotManaged) {
		t.Fatalf("MDM-enrolled: %v", err)
	}
	if rec, err = svc.MDMUnenroll(ctx, "w1"); err != nil || rec.State != enrollment.StateEnrolled {
		t.Fatalf("MDM unenroll: %s, %v", rec.State, err)
	}

	// Policy sync: a waiting device is woken; the sync stays pending until
	// it checks in.
	woke := make(chan error, 1)
	go func() { woke <- tr.(transport.SyncTransport).WaitSync(ctx) }()
	if _, err := svc.PolicySync(ctx, "w1"); err != nil {
		t.Fatal(err)
	}
	if err := <-woke; err != nil {
		t.Fatal(err)
	}
	if err := svc.WaitSync(ctx, "w1"); err != nil {
		t.Fatalf("a pending sync: %v", err)
	}
	if _, err := checkIn(); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := svc.WaitSync(short, "w1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("no sync pending after the check-in: %v", err)
	}

	// A new credential replaces the old one.
	cred2, err := svc.ReissueCredential(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkIn(); !errors.Is(err, transport.ErrUnauthenticated) {
		t.Fatalf("old secret after reissue: %v", err)
	}
	tr = svc.Transport(cred2)

	// Deleted: revoked; Retry brings it back with a new credential.
	if rec, err = svc.DeleteDevice(ctx, "w1", secmgmt.FromIntune); err != nil || rec.State != enrollment.StateDeleted {
		t.Fatalf("delete: %s, %v", rec.State, err)
	}
	if _, err := checkIn(); !errors.Is(err, transport.ErrRevoked) {
		t.Fatalf("deleted: %v", err)
	}
	if d, _ := svc.Device(ctx, "w1"); d.Object != nil || len(d.Groups) != 0 {
		t.Fatalf("deleted device keeps %+v", d)
	}
	back, err := svc.Retry(ctx, "w1")
	if err != nil || back.Record.State != enrollment.StateEnrolled || back.Credential.Secret == "" {
		t.Fatalf("retry: %+v, %v", back, err)
	}
	tr = svc.Transport(back.Credential)
	if _, err := checkIn(); err != nil {
		t.Fatal(err)
	}

	// Offboarded: revoked; onboarding again issues a new credential.
	if rec, err = svc.Offboard(ctx, "w1"); err != nil || rec.State != enrollment.StateOffboarded {
		t.Fatalf("offboard: %s, %v", rec.State, err)
	}
	if _, err := checkIn(); !errors.Is(err, transport.ErrRevoked) {
		t.Fatalf("offboarded: %v", err)
	}
	if _, err := svc.ReissueCredential(ctx, "w1"); !errors.Is(err, secmgmt.ErrInvalidInput) {
		t.Fatalf("reissue to an offboarded device: %v", err)
	}
	again, err := svc.Onboard(ctx, "w1", facts(enrollment.PlatformWindows, enrollment.ManagementTag))
	if err != nil || again.Record.State != enrollment.StateEnrolled {
		t.Fatalf("onboard again: %+v, %v", again, err)
	}
	if _, err := svc.Transport(again.Credential).CheckIn(ctx, transport.CheckIn{DeviceID: "w1"}); err != nil {
		t.Fatal(err)
	}

	var kinds []string
	for tr, err := range svc.DeviceHistory(ctx, "w1") {
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, string(tr.Event.Kind))
	}
	for _, k := range []string{"onboard", "addTag", "mdmEnroll", "mdmUnenroll", "policySync", "deleteFromIntune", "retry", "offboard"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("history %v lacks %s", kinds, k)
		}
	}
	if slices.Contains(kinds, "checkIn") {
		t.Error("the history records check-ins")
	}
}

// TestUpdateFacts: changed facts become the enrollment events they stand
// for.
func TestUpdateFacts(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	f := facts(enrollment.PlatformWindows, enrollment.ManagementTag)
	if _, err := svc.Onboard(ctx, "w1", f); err != nil {
		t.Fatal(err)
	}
	f.ConfigMgrClient = true
	f.AgentVersion = "10.8760.22631.5000"
	rec, err := svc.UpdateFacts(ctx, "w1", f)
	if err != nil || rec.State != enrollment.StateEnrolled {
		t.Fatalf("Configuration Manager client without authority: %s, %v", rec.State, err)
	}
	tn, v, _ := svc.Tenant(ctx)
	tn.ConfigMgrAuthority = true
	if _, err := svc.SetTenant(ctx, tn, v); err != nil {
		t.Fatal(err)
	}
	if d, _ := svc.Device(ctx, "w1"); d.Enrollment.State != enrollment.StateManagedByConfigMgr || d.Facts.AgentVersion != f.AgentVersion {
		t.Fatalf("authority on: %s, facts %+v", d.Enrollment.State, d.Facts)
	}
	f.ConfigMgrClient = false
	if rec, err = svc.UpdateFacts(ctx, "w1", f); err != nil || rec.State != enrollment.StateEnrolled {
		t.Fatalf("client removed: %s, %v", rec.State, err)
	}
	f.Tags = nil
	if rec, err = svc.UpdateFacts(ctx, "w1", f); err != nil || rec.State != enrollment.StateNotEnrolled {
		t.Fatalf("tag removed: %s, %v", rec.State, err)
	}
	f.Tags = []string{enrollment.ManagementTag}
	f.MDMEnrolled = true
	if rec, err = svc.UpdateFacts(ctx, "w1", f); err != nil || rec.State != enrollment.StateManagedByMDM {
		t.Fatalf("tag back and MDM: %s, %v", rec.State, err)
	}
}

// TestStatusReports: results are attributed to the policies the settings
// came from, a report is pending until the device reports the current
// version, a stale report is refused, and a retry counts once.
func TestStatusReports(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	en, err := svc.Onboard(ctx, "w1", facts(enrollment.PlatformWindows, enrollment.ManagementTag))
	if err != nil {
		t.Fatal(err)
	}
	a := mustPolicy(t, winAV, "A", policy.Choice(realtime, realtime+"_1"), policy.Choice(cloudBlock, cloudBlock+"_2"))
	a.Assignments = []*policy.Assignment{policy.Include("workstations")}
	b := mustPolicy(t, winAV, "B", policy.Choice(realtime, realtime+"_1"))
	b.Assignments = []*policy.Assignment{policy.Include("workstations")}
	a, _, err = svc.CreatePolicy(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreatePolicy(ctx, b); err != nil {
		t.Fatal(err)
	}
	tr := svc.Transport(en.Credential)
	resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "w1"})
	if err != nil {
		t.Fatal(err)
	}
	status := func() map[string]report.Status {
		rows, err := svc.PolicyDeviceReport(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		aggs, err := svc.PolicyReport(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]report.Status{}
		for _, r := range rows {
			m["A"] = r.Status
		}
		for _, g := range aggs {
			if g.Policy.Name == "B" {
				switch {
				case g.Succeeded == 1:
					m["B"] = report.StatusSucceeded
				case g.Pending == 1:
					m["B"] = report.StatusPending
				case g.Error == 1:
					m["B"] = report.StatusError
				}
			}
		}
		return m
	}
	if got := status(); got["A"] != report.StatusPending || got["B"] != report.StatusPending {
		t.Fatalf("before any report: %v", got)
	}
	rep := transport.StatusReport{DeviceID: "w1", ReportID: "r1", ConfigurationVersion: resp.Configuration.Version, Results: []transport.SettingResult{
		{SettingID: realtime, Status: report.StatusSucceeded},
		{SettingID: cloudBlock, Status: report.StatusError, ErrorCode: 5, Message: "denied"},
	}}
	if err := tr.ReportStatus(ctx, rep); err != nil {
		t.Fatal(err)
	}
	if got := status(); got["A"] != report.StatusError || got["B"] != report.StatusSucceeded {
		t.Fatalf("after the report: %v (the shared setting counts for both)", got)
	}
	before := svc.Stats().StatusReports
	clk.Advance(time.Minute)
	if err := tr.ReportStatus(ctx, rep); err != nil {
		t.Fatal(err)
	}
	if svc.Stats().StatusReports != before {
		t.Error("a retried report was counted again")
	}
	stale := rep
	stale.ReportID, stale.ConfigurationVersion = "r2", "old"
	if err := tr.ReportStatus(ctx, stale); !errors.Is(err, transport.ErrStale) {
		t.Fatalf("stale report: %v", err)
	}
	for _, bad := range []transport.StatusReport{
		{DeviceID: "w1", ConfigurationVersion: "v"},
		{DeviceID: "w1", ReportID: "r", ConfigurationVersion: "v", Results: []transport.SettingResult{{SettingID: "x", Status: report.StatusConflict}}},
		{DeviceID: "w1", ReportID: "r", ConfigurationVersion: "v", Results: []transport.SettingResult{{SettingID: "x", Status: "succeeded"}, {SettingID: "x", Status: "error"}}},
		{DeviceID: "w1", ReportID: strings.Repeat("r", 300), ConfigurationVersion: "v"},
	} {
		if err := svc.ReportStatus(ctx, bad); !errors.Is(err, transport.ErrBadRequest) {
			t.Errorf("bad report %+v: %v", bad, err)
		}
	}

	// A change of the configuration makes its policies pending again until
	// the device reports on the new one: a report covers a configuration
	// as a whole.
	p, v, _ := svc.Policy(ctx, a.ID)
	p.Settings[1].Instance = policy.Choice(cloudBlock, cloudBlock+"_4")
	if _, err := svc.UpdatePolicy(ctx, p, v); err != nil {
		t.Fatal(err)
	}
	if got := status(); got["A"] != report.StatusPending || got["B"] != report.StatusPending {
		t.Fatalf("after A changed: %v", got)
	}
	if err := tr.ReportStatus(ctx, rep); !errors.Is(err, transport.ErrStale) {
		t.Fatalf("a report on the replaced version: %v", err)
	}
}

// TestGroups: paused groups keep their members, resumed groups apply
// their rule again, and static groups become dynamic and back.
func TestGroups(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	for i, p := range []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformLinux, enrollment.PlatformMacOS} {
		if _, err := svc.Onboard(ctx, fmt.Sprintf("d%d", i), facts(p, enrollment.ManagementTag)); err != nil {
			t.Fatal(err)
		}
	}
	members := func(id string) []string {
		t.Helper()
		m, err := svc.GroupMembers(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := members("workstations"); !slices.Equal(m, []string{"d0"}) {
		t.Fatalf("workstations %v", m)
	}
	if _, err := svc.PauseGroup(ctx, "workstations"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetGroupRule(ctx, "workstations", `device.deviceOSType -eq "Linux"`); err != nil {
		t.Fatal(err)
	}
	if m := members("workstations"); !slices.Equal(m, []string{"d0"}) {
		t.Fatalf("paused group changed: %v", m)
	}
	g, err := svc.ResumeGroup(ctx, "workstations")
	if err != nil || g.Processing != targeting.ProcessingOn {
		t.Fatal(g, err)
	}
	if m := members("workstations"); !slices.Equal(m, []string{"d1"}) {
		t.Fatalf("resumed group: %v", m)
	}
	if _, err := svc.AddGroupMembers(ctx, "pilot", "D2", "d0"); err != nil {
		t.Fatal(err)
	}
	if m := members("pilot"); !slices.Equal(m, []string{"d0", "d2"}) {
		t.Fatalf("pilot %v", m)
	}
	if _, err := svc.SetGroupRule(ctx, "pilot", `device.deviceOSType -eq "macOS"`); err != nil {
		t.Fatal(err)
	}
	if m := members("pilot"); !slices.Equal(m, []string{"d2"}) {
		t.Fatalf("static turned dynamic: %v", m)
	}
	g, err = svc.Group(ctx, "pilot")
	if err != nil {
		t.Fatal(err)
	}
	g.MembershipRule, g.Processing = "", ""
	if _, err := svc.UpdateGroup(ctx, *g); err != nil {
		t.Fatal(err)
	}
	if m := members("pilot"); !slices.Equal(m, []string{"d2"}) {
		t.Fatalf("dynamic turned static keeps its members: %v", m)
	}
	if _, err := svc.RemoveGroupMembers(ctx, "pilot", "d2"); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteGroup(ctx, "pilot"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Group(ctx, "pilot"); !errors.Is(err, secmgmt.ErrNotFound) {
		t.Fatalf("deleted group: %v", err)
	}
}

// TestDirectoryQuota: a registration the directory quota refuses fails
// the enrollment; nothing else is written.
func TestDirectoryQuota(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, secmgmt.WithDirectoryQuota(2))
	for i := range 3 {
		en, err := svc.Onboard(ctx, fmt.Sprintf("l%d", i), facts(enrollment.PlatformLinux))
		if err != nil {
			t.Fatal(err)
		}
		want := enrollment.StateEnrolled
		if i == 2 {
			want = enrollment.StateFailed
		}
		if en.Record.State != want {
			t.Fatalf("device %d: %s (%s), want %s", i, en.Record.State, en.Record.Cause, want)
		}
	}
	d, err := svc.Device(ctx, "l2")
	if err != nil || d.Object != nil {
		t.Fatalf("refused device: %+v, %v", d, err)
	}
}

// TestLegacyMode: in legacy mode devices are joined and labelled, and the
// merge follows the legacy variant.
func TestLegacyMode(t *testing.T) {
	ctx := context.Background()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithMode(enrollment.ModeLegacy))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	tn, v, _ := svc.Tenant(ctx)
	if tn.Mode != enrollment.ModeLegacy {
		t.Fatalf("mode %s", tn.Mode)
	}
	scoped := inScope()
	scoped.Mode = enrollment.ModeLegacy
	if _, err := svc.SetTenant(ctx, scoped, v); err != nil {
		t.Fatal(err)
	}
	en, err := svc.Onboard(ctx, "w1", facts(enrollment.PlatformWindows, enrollment.ManagementTag))
	if err != nil || en.Record.State != enrollment.StateEnrolled {
		t.Fatal(en, err)
	}
	d, _ := svc.Device(ctx, "w1")
	if !slices.Contains(d.Object.SystemLabels, identity.LabelMDEManaged) || d.Object.DeviceTrustType != string(identity.TrustAzureAD) {
		t.Fatalf("legacy object %+v", d.Object)
	}
	if en, err := svc.Onboard(ctx, "l1", facts(enrollment.PlatformLinux)); err != nil || en.Record.State != enrollment.StateNotSupported {
		t.Fatalf("Linux in legacy mode: %+v, %v", en, err)
	}
	res, err := svc.EffectiveConfiguration(ctx, "w1")
	if err != nil || res.Device.Variant != policy.VariantLegacy {
		t.Fatalf("variant %v, %v", res, err)
	}
}

// TestImportPolicies: an export with expanded assignments is imported
// whole, or not at all.
func TestImportPolicies(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	p := mustPolicy(t, winAV, "exported", policy.Choice(realtime, realtime+"_1"))
	p.ID = "0f9d2c1e-5b7a-4c3d-8e2f-1a6b9c0d4e5f"
	p.Assignments = []*policy.Assignment{policy.Include("workstations"), policy.Exclude("pilot")}
	one, err := policy.EncodeGraph(p)
	if err != nil {
		t.Fatal(err)
	}
	list := []byte(`{"value": [` + string(one) + `]}`)
	got, err := svc.ImportPolicies(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != p.ID || len(got[0].Assignments) != 2 {
		t.Fatalf("imported %+v", got)
	}
	as, err := svc.Assignments(ctx, p.ID)
	if err != nil || len(as) != 2 || as[0].ID != p.ID+"_workstations" {
		t.Fatalf("assignments %+v, %v", as, err)
	}
	// Again: the id is taken, so nothing of the second list is stored.
	q := mustPolicy(t, winAV, "new")
	two, _ := policy.EncodeGraph(q)
	before := take(t, svc)
	if _, err := svc.ImportPolicies(ctx, []byte(`{"value": [`+string(two)+`,`+string(one)+`]}`)); !errors.Is(err, secmgmt.ErrConflict) {
		t.Fatalf("re-import: %v", err)
	}
	if after := take(t, svc); !before.equal(after) {
		t.Error("a failed import stored something")
	}
}
