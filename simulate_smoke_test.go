package secmgmt

import (
	"context"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
)

func TestSimulateSmoke(t *testing.T) {
	ctx := context.Background()
	svc, err := New(WithSeed(1), WithAuthorizer(authz.AllowAll()))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	tn := enrollment.DefaultTenant()
	tn.IntuneEnforcement = true
	tn.Scope = enrollment.Scope{WindowsClient: enrollment.ScopeAll, WindowsServer: enrollment.ScopeTagged, MacOS: enrollment.ScopeAll, Linux: enrollment.ScopeAll}
	if _, err := svc.SetTenant(ctx, tn, 0); err != nil {
		t.Fatal(err)
	}
	for _, g := range []Group{
		{ID: "win", MembershipRule: `device.deviceOSType -eq "Windows"`},
		{ID: "fin", MembershipRule: `device.displayName -startsWith "fin"`},
		{ID: "vip", Members: nil},
	} {
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformWindows, enrollment.PlatformWindowsServer, enrollment.PlatformMacOS} {
		name := []string{"fin-1", "ws-2", "srv-3", "mac-4"}[i]
		if _, err := svc.Onboard(ctx, name, enrollment.HealthyFacts(p), DisplayName(name)); err != nil {
			t.Fatal(err)
		}
	}
	cat := svc.Catalog()
	d := "device_vendor_msft_policy_config_defender_"
	base, _ := policy.NewPolicy(cat, "804339ad-1553-4478-a742-138fb5807418_1", "baseline",
		policy.Choice(d+"allowrealtimemonitoring", d+"allowrealtimemonitoring_1"),
		policy.Choice(d+"cloudblocklevel", d+"cloudblocklevel_2"))
	base.ID = "p-base"
	base.Assignments = []*policy.Assignment{policy.Include("win")}
	fin, _ := policy.NewPolicy(cat, "804339ad-1553-4478-a742-138fb5807418_1", "finance",
		policy.Choice(d+"cloudblocklevel", d+"cloudblocklevel_4"))
	fin.ID = "p-fin"
	for _, p := range []*policy.Policy{base, fin} {
		if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	imp := checkAgainstOracle(t, svc, AssignPolicyChange("p-fin", policy.Include("fin")))
	if imp == nil || len(imp.Devices) != 1 {
		t.Fatalf("impact: %+v", imp)
	}
	var b strings.Builder
	_ = imp.WriteText(&b, 0)
	t.Log("\n" + b.String())
	checkAgainstOracle(t, svc, SetGroupRuleChange("fin", `device.deviceOSType -startsWith "Windows"`))
	checkAgainstOracle(t, svc, TagDeviceChange("srv-3", enrollment.ManagementTag))
	tn2 := tn
	tn2.Scope.MacOS = enrollment.ScopeOff
	checkAgainstOracle(t, svc, SetTenantChange(tn2))
	checkAgainstOracle(t, svc, PauseGroupChange("fin"))
	checkAgainstOracle(t, svc, UpdatePolicyChange(base))
	checkAgainstOracle(t, svc, DeleteGroupChange("fin"))
	checkAgainstOracle(t, svc, AddGroupMembersChange("vip", "ws-2"))
}

// TestImpactListsNotNil: an impact's lists are empty, not nil, so that its
// JSON has arrays where a reader expects them.
func TestImpactListsNotNil(t *testing.T) {
	svc, err := New(WithSeed(1), WithAuthorizer(authz.AllowAll()))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	tn := enrollment.DefaultTenant()
	tn.IntuneEnforcement = true
	for _, c := range []Change{SetTenantChange(tn), PauseGroupChange("nothing")} {
		imp, err := svc.Simulate(context.Background(), c)
		if err != nil {
			continue
		}
		if imp.Devices == nil || imp.Groups == nil || imp.Policies == nil || imp.Conflicts == nil {
			t.Errorf("%s: nil list in %+v", c, imp)
		}
	}
}
