package secmgmt_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
)

// propFleet is a service with a fleet whose devices all checked in once,
// for the change-propagation tests.
type propFleet struct {
	svc      *secmgmt.Service
	creds    map[string]transport.Credential
	versions map[string]string // the configuration each device holds
	finance  *policy.Policy
	baseline *policy.Policy
}

// newPropFleet: 12 Windows workstations (the first four in finance by
// extension attribute, win-04..05 in the static pilot group), 4 servers,
// 4 macOS and 4 Linux devices.
func newPropFleet(t *testing.T) *propFleet {
	t.Helper()
	ctx := context.Background()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	f := &propFleet{svc: svc, creds: map[string]transport.Credential{}, versions: map[string]string{}}
	setTenant(t, svc, inScope())
	for _, g := range []secmgmt.Group{
		{ID: "workstations", MembershipRule: `device.deviceOSType -eq "Windows"`},
		{ID: "servers", MembershipRule: `device.deviceOSType -eq "Windows Server"`},
		{ID: "finance", MembershipRule: `device.extensionAttribute1 -eq "Finance"`},
		{ID: "sales", MembershipRule: `device.extensionAttribute1 -eq "Sales"`},
		{ID: "unassigned", MembershipRule: `device.deviceOSType -eq "Windows"`},
		{ID: "pilot"},
		{ID: "unix", MembershipRule: `(device.deviceOSType -eq "macOS") -or (device.deviceOSType -eq "Linux")`},
	} {
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	onboard := func(id string, fc enrollment.Facts) {
		en, err := svc.Onboard(ctx, id, fc)
		if err != nil {
			t.Fatal(err)
		}
		f.creds[id] = en.Credential
	}
	for i := range 12 {
		id := fmt.Sprintf("win-%02d", i)
		onboard(id, facts(enrollment.PlatformWindows, enrollment.ManagementTag))
		if i < 4 {
			setAttr(t, svc, id, "Finance")
		}
	}
	for i := range 4 {
		onboard(fmt.Sprintf("srv-%02d", i), facts(enrollment.PlatformWindowsServer))
		onboard(fmt.Sprintf("mac-%02d", i), facts(enrollment.PlatformMacOS))
		onboard(fmt.Sprintf("lnx-%02d", i), facts(enrollment.PlatformLinux))
	}
	if _, err := svc.AddGroupMembers(ctx, "pilot", "win-04", "win-05"); err != nil {
		t.Fatal(err)
	}
	create := func(p *policy.Policy, as ...*policy.Assignment) *policy.Policy {
		p.Assignments = as
		out, _, err := svc.CreatePolicy(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	f.baseline = create(mustPolicy(t, winAV, "baseline", policy.Choice(realtime, realtime+"_1")),
		policy.Include("workstations"), policy.Include("servers"), policy.Exclude("pilot"))
	f.finance = create(mustPolicy(t, winAVExcl, "finance", policy.Strings(excludedPath, `F:\Ledger`)), policy.Include("finance"))
	create(mustPolicy(t, macAV, "mac", policy.Choice(macRTP, macRTP+"_true")), policy.Include("unix"))
	f.checkInAll(t)
	return f
}

func setAttr(t *testing.T, svc *secmgmt.Service, id, value string) {
	t.Helper()
	_, err := svc.UpdateDeviceObject(context.Background(), id, func(d *identity.Device) error {
		d.ExtensionAttributes[0] = value
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkInAll checks every device in with the configuration it holds and
// returns the devices whose configuration had to be computed again, and
// those refused as not managed.
func (f *propFleet) checkInAll(t *testing.T) (recomputed, unmanaged []string) {
	t.Helper()
	ctx := context.Background()
	ids := make([]string, 0, len(f.creds))
	for id := range f.creds {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		before := f.svc.Stats().Recomputations
		resp, err := f.svc.Transport(f.creds[id]).CheckIn(ctx, transport.CheckIn{DeviceID: id, ConfigurationVersion: f.versions[id]})
		if errors.Is(err, transport.ErrNotManaged) {
			unmanaged = append(unmanaged, id)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if f.svc.Stats().Recomputations != before {
			recomputed = append(recomputed, id)
		}
		if resp.Configuration != nil {
			f.versions[id] = resp.Configuration.Version
		}
	}
	return recomputed, unmanaged
}

// TestChangePropagation: after each kind of change, exactly the devices it
// affects have their configuration computed again at their next check-in;
// every other device is answered "not modified" from its cache.
func TestChangePropagation(t *testing.T) {
	ctx := context.Background()
	f := newPropFleet(t)
	steps := []struct {
		name       string
		change     func(t *testing.T)
		recomputed []string
		unmanaged  []string
	}{
		{"nothing changed", func(*testing.T) {}, nil, nil},
		{"policy edit: the devices the policy targets", func(t *testing.T) {
			p, v, err := f.svc.Policy(ctx, f.finance.ID)
			if err != nil {
				t.Fatal(err)
			}
			p.Settings[0].Instance = policy.Strings(excludedPath, `F:\Ledger`, `F:\Archive`)
			if _, err := f.svc.UpdatePolicy(ctx, p, v); err != nil {
				t.Fatal(err)
			}
		}, []string{"win-00", "win-01", "win-02", "win-03"}, nil},
		{"assignment change: the old targets and the new", func(t *testing.T) {
			if _, err := f.svc.AssignPolicy(ctx, f.finance.ID, []*policy.Assignment{policy.Include("pilot")}); err != nil {
				t.Fatal(err)
			}
		}, []string{"win-00", "win-01", "win-02", "win-03", "win-04", "win-05"}, nil},
		{"rule change of an assigned group: the delta", func(t *testing.T) {
			if _, err := f.svc.SetGroupRule(ctx, "servers", `(device.deviceOSType -eq "Windows Server") -and (device.extensionAttribute1 -ne "Lab")`); err != nil {
				t.Fatal(err)
			}
			setAttr(t, f.svc, "srv-03", "Lab")
		}, []string{"srv-03"}, nil},
		{"rule change of a group no policy is assigned to: nobody", func(t *testing.T) {
			if _, err := f.svc.SetGroupRule(ctx, "unassigned", `device.deviceOSType -eq "Linux"`); err != nil {
				t.Fatal(err)
			}
		}, nil, nil},
		{"static member added to an excluding group: that device", func(t *testing.T) {
			if _, err := f.svc.AddGroupMembers(ctx, "pilot", "win-06"); err != nil {
				t.Fatal(err)
			}
		}, []string{"win-06"}, nil},
		{"device attribute change: that device", func(t *testing.T) {
			setAttr(t, f.svc, "srv-02", "Lab")
		}, []string{"srv-02"}, nil},
		{"device attribute change no assigned group reads: nobody", func(t *testing.T) {
			setAttr(t, f.svc, "win-08", "Sales")
		}, nil, nil},
		{"device facts change (OS version): that device", func(t *testing.T) {
			d, err := f.svc.Device(ctx, "win-10")
			if err != nil {
				t.Fatal(err)
			}
			fc := *d.Facts
			fc.OSVersion = "10.0.26100.2605"
			if _, err := f.svc.UpdateFacts(ctx, "win-10", fc); err != nil {
				t.Fatal(err)
			}
		}, []string{"win-10"}, nil},
		{"scope tag removed: that device leaves management", func(t *testing.T) {
			if _, err := f.svc.UntagDevice(ctx, "win-09", enrollment.ManagementTag); err != nil {
				t.Fatal(err)
			}
		}, nil, []string{"win-09"}},
		{"scope tag back: that device", func(t *testing.T) {
			if _, err := f.svc.TagDevice(ctx, "win-09", enrollment.ManagementTag); err != nil {
				t.Fatal(err)
			}
		}, []string{"win-09"}, nil},
		{"tenant scope change: the devices whose enrollment changed", func(t *testing.T) {
			tn, v, err := f.svc.Tenant(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tn.Scope.MacOS = enrollment.ScopeOff
			if _, err := f.svc.SetTenant(ctx, tn, v); err != nil {
				t.Fatal(err)
			}
		}, nil, []string{"mac-00", "mac-01", "mac-02", "mac-03"}},
		{"tenant mode change: every managed device", func(t *testing.T) {
			tn, v, err := f.svc.Tenant(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tn.Scope.MacOS = enrollment.ScopeAll
			tn.Mode = enrollment.ModeLegacy
			if _, err := f.svc.SetTenant(ctx, tn, v); err != nil {
				t.Fatal(err)
			}
		}, nil, nil}, // checked below: legacy mode manages Windows only
	}
	for _, st := range steps {
		st.change(t)
		recomputed, unmanaged := f.checkInAll(t)
		if st.name == "tenant mode change: every managed device" {
			// Legacy mode is Windows only: the servers and workstations
			// stay and recompute (the variant changed), the rest leave.
			if len(recomputed) != 16 || len(unmanaged) != 8 {
				t.Errorf("%s: %d recomputed (%v), %d unmanaged (%v); want 16 and 8", st.name, len(recomputed), recomputed, len(unmanaged), unmanaged)
			}
			continue
		}
		if !slices.Equal(recomputed, st.recomputed) || !slices.Equal(unmanaged, st.unmanaged) {
			t.Errorf("%s: recomputed %v, want %v; unmanaged %v, want %v", st.name, recomputed, st.recomputed, unmanaged, st.unmanaged)
		}
	}
}
