package secmgmt

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
)

// TestSimulateAuthorization: Simulate passes the choke point with
// policies.read; a scoped caller must reach the policies the change names
// and sees only the devices, groups and policies it reaches.
func TestSimulateAuthorization(t *testing.T) {
	svc, err := New(WithAuthorizer(authz.RoleBased()), WithSeed(5))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	admin := authz.NewContext(context.Background(), authz.Principal{ID: "admin", Roles: []authz.Role{authz.IntuneAdministrator()}})
	tn := enrollment.DefaultTenant()
	tn.IntuneEnforcement = true
	tn.Scope = enrollment.Scope{WindowsClient: enrollment.ScopeAll, WindowsServer: enrollment.ScopeAll, MacOS: enrollment.ScopeAll, Linux: enrollment.ScopeAll}
	if _, err := svc.SetTenant(admin, tn, 0); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"hq-1", "emea-1"} {
		if _, err := svc.Onboard(admin, id, enrollment.HealthyFacts(enrollment.PlatformWindows), DisplayName(id)); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []Group{
		{ID: "win", MembershipRule: `device.deviceOSType -eq "Windows"`},
		{ID: "emea-pcs", MembershipRule: `device.displayName -startsWith "emea"`, RoleScopeTagIDs: []string{"emea"}},
	} {
		if _, err := svc.CreateGroup(admin, g); err != nil {
			t.Fatal(err)
		}
	}
	d := "device_vendor_msft_policy_config_defender_"
	av := "804339ad-1553-4478-a742-138fb5807418_1"
	base, _ := policy.NewPolicy(svc.Catalog(), av, "baseline", policy.Choice(d+"allowrealtimemonitoring", d+"allowrealtimemonitoring_1"))
	base.ID, base.Assignments = "baseline", []*policy.Assignment{policy.Include("win")}
	emea, _ := policy.NewPolicy(svc.Catalog(), av, "emea", policy.Choice(d+"cloudblocklevel", d+"cloudblocklevel_2"))
	emea.ID, emea.RoleScopeTagIDs = "emea-av", []string{"emea"}
	for _, p := range []*policy.Policy{base, emea} {
		if _, _, err := svc.CreatePolicy(admin, p); err != nil {
			t.Fatal(err)
		}
	}
	assignEmea := AssignPolicyChange("emea-av", policy.Include("win"))

	// No principal, and a principal without policies.read: refused.
	for _, ctx := range []context.Context{
		context.Background(),
		authz.NewContext(context.Background(), authz.Principal{ID: "groups-only", Roles: []authz.Role{{Name: "groups", Permissions: []authz.Permission{authz.GroupsRead}}}}),
	} {
		if _, err := svc.Simulate(ctx, assignEmea); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("Simulate without policies.read: %v, want authz.ErrForbidden", err)
		}
	}

	// An unscoped administrator sees both devices.
	imp, err := svc.Simulate(admin, assignEmea)
	if err != nil {
		t.Fatal(err)
	}
	if got := deviceIDsOf(imp); !slices.Equal(got, []string{"emea-1", "hq-1"}) {
		t.Errorf("administrator: devices %v", got)
	}

	// A reader scoped to "emea" sees the emea device only, and may not
	// name the baseline, which it does not reach.
	reader := authz.NewContext(context.Background(), authz.Principal{ID: "emea-ro", Roles: []authz.Role{authz.ReadOnlyOperator()}, ScopeTags: []string{"emea"}})
	imp, err = svc.Simulate(reader, assignEmea)
	if err != nil {
		t.Fatal(err)
	}
	if got := deviceIDsOf(imp); !slices.Equal(got, []string{"emea-1"}) {
		t.Errorf("scoped reader: devices %v, want [emea-1]", got)
	}
	if len(imp.Policies) != 1 || imp.Policies[0].PolicyID != "emea-av" {
		t.Errorf("scoped reader: policies %+v", imp.Policies)
	}
	if _, err := svc.Simulate(reader, BatchChange(assignEmea, DeletePolicyChange("baseline"))); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("scoped reader naming the baseline: %v, want authz.ErrForbidden", err)
	}
}

func deviceIDsOf(imp *Impact) []string {
	var out []string
	for _, d := range imp.Devices {
		out = append(out, d.DeviceID)
	}
	return out
}
