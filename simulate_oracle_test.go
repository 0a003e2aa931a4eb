package secmgmt

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
)

// The oracle: a change simulated, then applied for real; the impact must
// be exactly the difference between the service's answers before and
// after (memberships, enrollment, effective configurations).

// applyChange applies a change to the service for real, against the
// current versions, the way Simulate reads it.
func applyChange(ctx context.Context, svc *Service, c Change) error {
	switch c.kind {
	case ChangeCreatePolicy:
		_, _, err := svc.CreatePolicy(ctx, c.policy)
		return err
	case ChangeUpdatePolicy:
		_, v, err := svc.Policy(ctx, c.policy.ID)
		if err != nil {
			return err
		}
		_, err = svc.UpdatePolicy(ctx, c.policy, v)
		return err
	case ChangeDeletePolicy:
		return svc.DeletePolicy(ctx, c.policyID)
	case ChangeAssignPolicy:
		_, err := svc.AssignPolicy(ctx, c.policyID, c.assignments)
		return err
	case ChangeCreateGroup:
		_, err := svc.CreateGroup(ctx, c.group)
		return err
	case ChangeUpdateGroup:
		cur, err := svc.Group(ctx, c.group.ID)
		if err != nil {
			return err
		}
		g := c.group
		g.Version = cur.Version
		_, err = svc.UpdateGroup(ctx, g)
		return err
	case ChangeSetGroupRule:
		_, err := svc.SetGroupRule(ctx, c.groupID, c.rule)
		return err
	case ChangePauseGroup:
		_, err := svc.PauseGroup(ctx, c.groupID)
		return err
	case ChangeResumeGroup:
		_, err := svc.ResumeGroup(ctx, c.groupID)
		return err
	case ChangeDeleteGroup:
		return svc.DeleteGroup(ctx, c.groupID)
	case ChangeAddGroupMembers:
		_, err := svc.AddGroupMembers(ctx, c.groupID, c.deviceIDs...)
		return err
	case ChangeRemoveGroupMembers:
		_, err := svc.RemoveGroupMembers(ctx, c.groupID, c.deviceIDs...)
		return err
	case ChangeSetTenant:
		_, v, err := svc.Tenant(ctx)
		if err != nil {
			return err
		}
		_, err = svc.SetTenant(ctx, c.tenant, v)
		return err
	case ChangeTagDevice:
		_, err := svc.TagDevice(ctx, c.deviceID, c.tag)
		return err
	case ChangeUntagDevice:
		_, err := svc.UntagDevice(ctx, c.deviceID, c.tag)
		return err
	case ChangeUpdateDevice:
		_, err := svc.UpdateDeviceObject(ctx, c.deviceID, c.edit)
		return err
	case ChangeBatch:
		for i, sub := range c.changes {
			if err := applyChange(ctx, svc, sub); err != nil {
				return fmt.Errorf("changes[%d]: %w", i, err)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown change %q", c.kind)
}

// snapshot is what the service says of every device and group.
type snapshot struct {
	status  map[string]enrollment.Status
	results map[string]*conflict.Result // enrolled devices
	members map[string][]string         // by group
	names   map[string]string
}

func takeSnapshot(t testing.TB, svc *Service) snapshot {
	t.Helper()
	ctx := context.Background()
	sn := snapshot{status: map[string]enrollment.Status{}, results: map[string]*conflict.Result{}, members: map[string][]string{}, names: map[string]string{}}
	for d, err := range svc.Devices(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		sn.status[d.ID] = d.Enrollment.Status
		if d.Enrollment.State == enrollment.StateEnrolled && d.Facts != nil {
			res, err := svc.EffectiveConfiguration(ctx, d.ID)
			if err != nil {
				t.Fatalf("device %s: %v", d.ID, err)
			}
			sn.results[d.ID] = res
		}
	}
	for g, err := range svc.Groups(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		ms, err := svc.GroupMembers(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		sn.members[g.ID] = ms
		sn.names[g.ID] = g.DisplayName
	}
	return sn
}

// expectedImpact is the impact the oracle sees between two snapshots.
func expectedImpact(svc *Service, before, after snapshot) (map[string]DeviceImpact, map[string]GroupImpact) {
	m := &merges{w: &world{s: svc}, diffs: map[[2]*conflict.Result]*configDiff{}, flat: map[*conflict.Result]map[string]any{}}
	devs := map[string]DeviceImpact{}
	ids := map[string]bool{}
	for id := range before.status {
		ids[id] = true
	}
	for id := range after.status {
		ids[id] = true
	}
	for id := range ids {
		rb, ra := before.results[id], after.results[id]
		if rb == nil && ra == nil {
			continue
		}
		diff, _ := m.diff(rb, ra)
		di := DeviceImpact{DeviceID: id, EnrollmentBefore: before.status[id], EnrollmentAfter: after.status[id]}
		switch {
		case rb == nil:
			di.Management = ManagementEntering
		case ra == nil:
			di.Management = ManagementLeaving
		}
		if di.Management == "" && !diff.changed() {
			continue
		}
		di.PoliciesAdded, di.PoliciesRemoved = diff.added, diff.removed
		if di.Management != ManagementLeaving {
			di.Settings, di.ConflictsAppeared, di.ConflictsResolved = diff.settings, diff.appeared, diff.resolved
		}
		if rb != nil {
			di.VersionBefore = rb.Version
		}
		if ra != nil {
			di.VersionAfter = ra.Version
		}
		devs[id] = di
	}
	groups := map[string]GroupImpact{}
	gids := map[string]bool{}
	for g := range before.members {
		gids[g] = true
	}
	for g := range after.members {
		gids[g] = true
	}
	for g := range gids {
		added, removed := minus(after.members[g], before.members[g]), minus(before.members[g], after.members[g])
		if len(added)+len(removed) > 0 {
			groups[g] = GroupImpact{GroupID: g, Added: added, Removed: removed}
		}
	}
	return devs, groups
}

// checkAgainstOracle simulates c, applies it, and compares. It returns the
// impact, or nil when the change was refused (both ways alike).
func checkAgainstOracle(t *testing.T, svc *Service, c Change) *Impact {
	t.Helper()
	ctx := context.Background()
	before := takeSnapshot(t, svc)
	last, _ := svc.st.LastChange(ctx)
	imp, simErr := svc.Simulate(ctx, c)
	if l, _ := svc.st.LastChange(ctx); l != last {
		t.Fatalf("%s: Simulate wrote to the store (feed %d → %d)", c, last, l)
	}
	realErr := applyChange(ctx, svc, c)
	if (simErr == nil) != (realErr == nil) {
		t.Fatalf("%s:\nsimulated error: %v\nreal error:      %v", c, simErr, realErr)
	}
	if simErr != nil {
		for _, sentinel := range []error{ErrInvalidInput, ErrNotFound, ErrConflict, ErrInUse} {
			if errors.Is(simErr, sentinel) != errors.Is(realErr, sentinel) {
				t.Errorf("%s: simulated %v, real %v: they differ on %v", c, simErr, realErr, sentinel)
			}
		}
		return nil
	}
	after := takeSnapshot(t, svc)
	wantDevs, wantGroups := expectedImpact(svc, before, after)

	got := map[string]DeviceImpact{}
	for _, d := range imp.Devices {
		got[d.DeviceID] = d
	}
	for id, want := range wantDevs {
		g, ok := got[id]
		if !ok {
			t.Errorf("%s: device %s changes but the impact lacks it:\n%s", c, id, describeDeviceImpact(want))
			continue
		}
		if msg := compareDeviceImpact(g, want); msg != "" {
			t.Errorf("%s: device %s: %s\nsimulated:\n%s\nreal:\n%s", c, id, msg, describeDeviceImpact(g), describeDeviceImpact(want))
		}
	}
	for id, g := range got {
		if _, ok := wantDevs[id]; !ok {
			t.Errorf("%s: the impact lists device %s, which does not change:\n%s", c, id, describeDeviceImpact(g))
		}
	}
	gotGroups := map[string]GroupImpact{}
	for _, g := range imp.Groups {
		gotGroups[g.GroupID] = g
	}
	for id, want := range wantGroups {
		g := gotGroups[id]
		if !slices.Equal(g.Added, want.Added) || !slices.Equal(g.Removed, want.Removed) {
			t.Errorf("%s: group %s: simulated +%v -%v, real +%v -%v", c, id, g.Added, g.Removed, want.Added, want.Removed)
		}
	}
	for id, g := range gotGroups {
		if _, ok := wantGroups[id]; !ok {
			t.Errorf("%s: the impact lists group %s (+%v -%v), whose members do not change", c, id, g.Added, g.Removed)
		}
	}
	return imp
}

func compareDeviceImpact(got, want DeviceImpact) string {
	var diffs []string
	if got.Management != want.Management {
		diffs = append(diffs, fmt.Sprintf("management %q, want %q", got.Management, want.Management))
	}
	if got.EnrollmentBefore != want.EnrollmentBefore || got.EnrollmentAfter != want.EnrollmentAfter {
		diffs = append(diffs, fmt.Sprintf("enrollment %s→%s, want %s→%s", got.EnrollmentBefore, got.EnrollmentAfter, want.EnrollmentBefore, want.EnrollmentAfter))
	}
	if !slices.Equal(got.PoliciesAdded, want.PoliciesAdded) || !slices.Equal(got.PoliciesRemoved, want.PoliciesRemoved) {
		diffs = append(diffs, "policies differ")
	}
	if !reflect.DeepEqual(got.Settings, want.Settings) {
		diffs = append(diffs, "settings differ")
	}
	if !reflect.DeepEqual(got.ConflictsAppeared, want.ConflictsAppeared) || !reflect.DeepEqual(got.ConflictsResolved, want.ConflictsResolved) {
		diffs = append(diffs, "conflicts differ")
	}
	if got.VersionBefore != want.VersionBefore || got.VersionAfter != want.VersionAfter {
		diffs = append(diffs, fmt.Sprintf("versions %s→%s, want %s→%s", got.VersionBefore, got.VersionAfter, want.VersionBefore, want.VersionAfter))
	}
	return strings.Join(diffs, "; ")
}

func describeDeviceImpact(d DeviceImpact) string {
	imp := &Impact{Devices: []DeviceImpact{d}}
	var b strings.Builder
	_ = imp.WriteText(&b, 0)
	return b.String()
}
