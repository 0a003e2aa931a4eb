package secmgmt

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/internal/fleetgen"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/targeting"
	"github.com/secmgmt/secmgmt/transport"
)

// fleetService builds a service holding a generated fleet: the fleet's
// tenant, groups and policies, every device onboarded through the
// enrollment flow with its directory attributes copied onto the object the
// flow made. With checkIn, every enrolled device then checks in once, so
// that it holds its configuration as a live fleet's devices do.
func fleetService(tb testing.TB, opts fleetgen.Options, checkIn bool) (*Service, *fleetgen.Fleet) {
	tb.Helper()
	ctx := context.Background()
	f, err := fleetgen.New(7, opts)
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := New(WithSeed(7), WithAuthorizer(authz.AllowAll()), WithClock(ClockFunc(func() time.Time { return f.Options.Now })))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { svc.Close() })
	if _, err := svc.SetTenant(ctx, f.Tenant, 0); err != nil {
		tb.Fatal(err)
	}
	for i := range f.Len() {
		d := f.Device(i)
		if _, err := svc.Onboard(ctx, d.ID, d.Facts, DisplayName(d.Name)); err != nil {
			tb.Fatalf("onboarding %s: %v", d.ID, err)
		}
		if d.Object == nil {
			continue
		}
		src := d.Object
		_, err := svc.UpdateDeviceObject(ctx, d.ID, func(o *identity.Device) error {
			o.DisplayName, o.AccountEnabled, o.DeviceCategory = src.DisplayName, src.AccountEnabled, src.DeviceCategory
			o.DeviceManufacturer, o.DeviceModel, o.DeviceOwnership = src.DeviceManufacturer, src.DeviceModel, src.DeviceOwnership
			o.DevicePhysicalIDs, o.EnrollmentProfileName = slices.Clone(src.DevicePhysicalIDs), src.EnrollmentProfileName
			o.ExtensionAttributes, o.IsRooted, o.ProfileType = src.ExtensionAttributes, src.IsRooted, src.ProfileType
			if o.DeviceManagementAppID == "" {
				o.DeviceManagementAppID = src.DeviceManagementAppID
			}
			return nil
		})
		if err != nil && !errorsIsNotFound(err) {
			tb.Fatalf("object of %s: %v", d.ID, err)
		}
	}
	groups := slices.Clone(f.Groups)
	slices.SortStableFunc(groups, func(a, b targeting.Group) int {
		am, bm := a.Rule() != nil && a.Rule().MemberOfGroups() != nil, b.Rule() != nil && b.Rule().MemberOfGroups() != nil
		switch {
		case am == bm:
			return 0
		case am:
			return 1
		}
		return -1
	})
	for _, g := range groups {
		if _, err := svc.CreateGroup(ctx, Group{ID: g.ID, DisplayName: g.DisplayName, MembershipRule: g.MembershipRule}); err != nil {
			tb.Fatalf("group %s: %v", g.ID, err)
		}
	}
	for _, p := range f.Policies {
		if _, _, err := svc.CreatePolicy(ctx, p); err != nil {
			tb.Fatalf("policy %s: %v", p.Name, err)
		}
	}
	if checkIn {
		checkInAll(tb, svc)
	}
	return svc, f
}

// checkInAll checks in every enrolled device.
func checkInAll(tb testing.TB, svc *Service) {
	tb.Helper()
	ctx := context.Background()
	svc.mu.RLock()
	var ids []string
	for id, d := range svc.state.devices {
		if d.managed() {
			ids = append(ids, id)
		}
	}
	svc.mu.RUnlock()
	for _, id := range ids {
		if _, err := svc.CheckIn(ctx, transport.CheckIn{DeviceID: id}); err != nil {
			tb.Fatalf("check-in of %s: %v", id, err)
		}
	}
}

func errorsIsNotFound(err error) bool {
	return err != nil && strings.Contains(err.Error(), "not found")
}

// randomChange draws a change over the service's current state.
func randomChange(r *rand.Rand, svc *Service, f *fleetgen.Fleet, n int) Change {
	ctx := context.Background()
	var pols []*policy.Policy
	for p, err := range svc.Policies(ctx) {
		if err == nil {
			pols = append(pols, p)
		}
	}
	var groups []*Group
	for g, err := range svc.Groups(ctx) {
		if err == nil {
			groups = append(groups, g)
		}
	}
	var devs []*Device
	for d, err := range svc.Devices(ctx) {
		if err == nil && d.Facts != nil {
			devs = append(devs, d)
		}
	}
	pickPolicy := func() *policy.Policy { return pols[r.IntN(len(pols))] }
	pickGroup := func() *Group { return groups[r.IntN(len(groups))] }
	pickDevice := func() *Device { return devs[r.IntN(len(devs))] }
	assignments := func() []*policy.Assignment {
		var as []*policy.Assignment
		if r.IntN(8) == 0 {
			as = append(as, policy.AllDevices())
		}
		for range 1 + r.IntN(2) {
			as = append(as, policy.Include(pickGroup().ID))
		}
		if r.IntN(3) == 0 {
			as = append(as, policy.Exclude(pickGroup().ID))
		}
		return as
	}
	switch r.IntN(16) {
	case 0, 1:
		return AssignPolicyChange(pickPolicy().ID, assignments()...)
	case 2:
		p := pickPolicy().Clone()
		if len(p.Settings) > 1 {
			p.Settings = slices.Delete(p.Settings, 0, 1)
		}
		p.Assignments = nil
		return UpdatePolicyChange(p)
	case 3:
		// Another policy's settings of the same template.
		p := pickPolicy()
		for _, q := range pols {
			if q.ID != p.ID && q.TemplateReference.TemplateID == p.TemplateReference.TemplateID {
				c := q.Clone()
				c.ID, c.Name, c.Assignments = p.ID, p.Name, nil
				return UpdatePolicyChange(c)
			}
		}
		return DeletePolicyChange(p.ID)
	case 4:
		c := pickPolicy().Clone()
		c.ID = fmt.Sprintf("copy-%d", n)
		c.Assignments = assignments()
		return CreatePolicyChange(c)
	case 5:
		return DeletePolicyChange(pickPolicy().ID)
	case 6, 7:
		a, b := pickGroup(), pickGroup()
		rule := b.MembershipRule
		if rule == "" || r.IntN(3) == 0 {
			rule = f.Groups[r.IntN(len(f.Groups))].MembershipRule
		}
		return SetGroupRuleChange(a.ID, rule)
	case 8:
		g := pickGroup()
		if g.Processing == targeting.ProcessingPaused {
			return ResumeGroupChange(g.ID)
		}
		return PauseGroupChange(g.ID)
	case 9:
		members := []string{pickDevice().ID, pickDevice().ID, pickDevice().ID}
		id := fmt.Sprintf("static-%d", n)
		return BatchChange(
			CreateGroupChange(Group{ID: id, DisplayName: "static " + id, Members: members}),
			AssignPolicyChange(pickPolicy().ID, policy.Include(id), policy.Include(pickGroup().ID)))
	case 10:
		g := pickGroup()
		if g.Dynamic() {
			return UpdateGroupChange(Group{ID: g.ID, DisplayName: g.DisplayName, Members: []string{pickDevice().ID}})
		}
		if len(g.Members) > 0 && r.IntN(2) == 0 {
			return RemoveGroupMembersChange(g.ID, g.Members[0])
		}
		return AddGroupMembersChange(g.ID, pickDevice().ID)
	case 11:
		return DeleteGroupChange(pickGroup().ID)
	case 12:
		d := pickDevice()
		tag := []string{enrollment.ManagementTag, "Pilot", "VIP"}[r.IntN(3)]
		if d.Facts.HasTag(tag) {
			return UntagDeviceChange(d.ID, tag)
		}
		return TagDeviceChange(d.ID, tag)
	case 13:
		d := pickDevice()
		site := []string{"AMS", "NYC", "SIN", "BER", "LON"}[r.IntN(5)]
		dept := []string{"Finance", "Sales", "Engineering"}[r.IntN(3)]
		return UpdateDeviceChange(d.ID, func(o *identity.Device) error {
			o.ExtensionAttributes[0], o.ExtensionAttributes[1] = site, dept
			return nil
		})
	case 14:
		t, _, _ := svc.Tenant(ctx)
		settings := []enrollment.ScopeSetting{enrollment.ScopeOff, enrollment.ScopeAll, enrollment.ScopeTagged}
		switch r.IntN(5) {
		case 0:
			t.Scope.WindowsClient = settings[r.IntN(3)]
		case 1:
			t.Scope.MacOS = settings[r.IntN(3)]
		case 2:
			t.Scope.Linux = settings[r.IntN(3)]
		case 3:
			t.IntuneEnforcement = !t.IntuneEnforcement
		case 4:
			t.ConfigMgrAuthority = !t.ConfigMgrAuthority
		}
		return SetTenantChange(t)
	}
	return BatchChange(
		TagDeviceChange(pickDevice().ID, enrollment.ManagementTag),
		SetGroupRuleChange(pickGroup().ID, `device.tags -any (_ -eq "MDE-Management")`),
		AssignPolicyChange(pickPolicy().ID, assignments()...))
}

// TestSimulateMatchesApplying walks a generated fleet through random
// changes: each is simulated, then applied, and the impact must be exactly
// what the service reports before and after.
func TestSimulateMatchesApplying(t *testing.T) {
	svc, f := fleetService(t, fleetgen.Options{Devices: 400, Groups: 24, Policies: 30}, true)
	r := rand.New(rand.NewPCG(11, 12))
	steps := 120
	if testing.Short() {
		steps = 30
	}
	applied := 0
	for n := range steps {
		c := randomChange(r, svc, f, n)
		if imp := checkAgainstOracle(t, svc, c); imp != nil {
			applied++
		}
		if t.Failed() {
			t.Fatalf("step %d failed", n)
		}
		if r.IntN(3) == 0 {
			checkInAll(t, svc)
		}
	}
	if applied < steps/3 {
		t.Errorf("only %d of %d random changes were accepted: the walk tests little", applied, steps)
	}
}
