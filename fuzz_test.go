package secmgmt_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/targeting"
	"github.com/secmgmt/secmgmt/transport"
)

// fuzzService is a service with two enrolled devices, a policy assigned to
// one of them, and each device's current configuration.
func fuzzService(f *testing.F) (*secmgmt.Service, map[string]string) {
	ctx := context.Background()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithSeed(5))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { svc.Close() })
	setTenant(f, svc, inScope())
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "workstations", MembershipRule: `device.deviceOSType -eq "Windows"`}); err != nil {
		f.Fatal(err)
	}
	versions := map[string]string{}
	for id, p := range map[string]enrollment.Platform{"w1": enrollment.PlatformWindows, "l1": enrollment.PlatformLinux} {
		if _, err := svc.Onboard(ctx, id, facts(p, enrollment.ManagementTag)); err != nil {
			f.Fatal(err)
		}
	}
	p := mustPolicy(f, winAV, "AV", policy.Choice(realtime, realtime+"_1"), policy.Strings(excludedPath, `C:\x`))
	p.Assignments = []*policy.Assignment{policy.Include("workstations")}
	if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
		f.Fatal(err)
	}
	for _, id := range []string{"w1", "l1"} {
		resp, err := svc.CheckIn(ctx, transport.CheckIn{DeviceID: id})
		if err != nil {
			f.Fatal(err)
		}
		versions[id] = resp.Configuration.Version
	}
	return svc, versions
}

// FuzzReportStatus: whatever a device sends as a status report, the
// service answers nil or a transport error, never panics, and stores
// nothing from a report it refuses.
func FuzzReportStatus(f *testing.F) {
	svc, versions := fuzzService(f)
	ctx := context.Background()
	f.Add([]byte(`{"deviceId":"w1","reportId":"r1","configurationVersion":"V","results":[{"settingId":"`+realtime+`","status":"succeeded"}]}`), true)
	f.Add([]byte(`{"deviceId":"w1","reportId":"r2","configurationVersion":"V","results":[{"settingId":"x","status":"conflict"}]}`), true)
	f.Add([]byte(`{"deviceId":"l1","reportId":"","configurationVersion":"V","results":[]}`), true)
	f.Add([]byte(`{"deviceId":"W1","reportId":"r3","configurationVersion":"old","results":[{"settingId":"`+excludedPath+`","status":"error","errorCode":-1}]}`), false)
	f.Add([]byte(`{"deviceId":"ghost","reportId":"r4","configurationVersion":"V"}`), false)
	f.Fuzz(func(t *testing.T, data []byte, current bool) {
		var rep transport.StatusReport
		if json.Unmarshal(data, &rep) != nil {
			return
		}
		if current {
			if v, ok := versions[rep.DeviceID]; ok {
				rep.ConfigurationVersion = v
			}
		}
		before, beforeErr := svc.Store().StatusReport(ctx, rep.DeviceID)
		err := svc.ReportStatus(ctx, rep)
		if err == nil {
			return
		}
		known := false
		for _, s := range []error{transport.ErrBadRequest, transport.ErrTooLarge, transport.ErrStale, transport.ErrNotManaged} {
			known = known || errors.Is(err, s)
		}
		if !known {
			t.Fatalf("report %+v: unexpected error %v", rep, err)
		}
		after, afterErr := svc.Store().StatusReport(ctx, rep.DeviceID)
		if (beforeErr == nil) != (afterErr == nil) || (beforeErr == nil && before.ReportID != after.ReportID) {
			t.Fatalf("a refused report changed the stored one: %+v → %+v", before, after)
		}
	})
}

// FuzzImportPolicies: whatever JSON is imported, the service stores the
// policies whole or refuses with a typed error and stores nothing.
func FuzzImportPolicies(f *testing.F) {
	svc, _ := fuzzService(f)
	ctx := context.Background()
	p := mustPolicy(f, winAV, "seed", policy.Choice(realtime, realtime+"_0"))
	p.Assignments = []*policy.Assignment{policy.Include("workstations"), policy.Exclude("nope")}
	seed, err := policy.EncodeGraph(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"value":[` + string(seed) + `]}`))
	f.Add([]byte(`{"name":"x","platforms":"linux","technologies":"microsoftSense","settings":[]}`))
	f.Add([]byte(`{"value":[{"id":"a"},{"id":"a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		count := func() int {
			n := 0
			for _, err := range svc.Policies(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			return n
		}
		before := count()
		got, err := svc.ImportPolicies(ctx, data)
		if err != nil {
			if !errors.Is(err, secmgmt.ErrInvalidInput) && !errors.Is(err, secmgmt.ErrConflict) && !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("unexpected error %v", err)
			}
			if count() != before {
				t.Fatal("a refused import stored policies")
			}
			return
		}
		if count() != before+len(got) {
			t.Fatalf("imported %d, the service holds %d more", len(got), count()-before)
		}
		for _, p := range got {
			if err := svc.DeletePolicy(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzGroupRule: a group with any rule is created and applied, or refused
// with a typed error; the service's memberships stay the store's.
func FuzzGroupRule(f *testing.F) {
	svc, _ := fuzzService(f)
	ctx := context.Background()
	for _, r := range []string{
		`device.deviceOSType -eq "Windows"`,
		`(device.tags -any (_ -eq "MDE-Management")) -and (device.deviceOSType -in ["Linux","Windows"])`,
		`device.memberOf -any (group.objectId -in ["workstations"])`,
		`device.displayName -match "^w[0-9]+$"`,
		`device.deviceOSType -eq`,
	} {
		f.Add(r)
	}
	f.Fuzz(func(t *testing.T, rule string) {
		g, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "fuzz", MembershipRule: rule})
		if err != nil {
			var re *targeting.RuleError
			if !errors.Is(err, secmgmt.ErrInvalidInput) && !errors.As(err, &re) {
				t.Fatalf("rule %q: unexpected error %v", rule, err)
			}
			if _, err := svc.Group(ctx, "fuzz"); !errors.Is(err, secmgmt.ErrNotFound) {
				t.Fatalf("a refused group exists: %v", err)
			}
			return
		}
		members, err := svc.GroupMembers(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		var stored []string
		for m, err := range svc.Store().GroupMembers(ctx, g.ID, "") {
			if err != nil {
				t.Fatal(err)
			}
			stored = append(stored, m)
		}
		if len(members) != len(stored) {
			t.Fatalf("rule %q: service members %v, store %v", rule, members, stored)
		}
		if err := svc.DeleteGroup(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
	})
}
