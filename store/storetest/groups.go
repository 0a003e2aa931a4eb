package storetest

import (
	"testing"

	"github.com/secmgmt/secmgmt/store"
)

var groupCases = []testCase{
	{"RoundTrip", func(t *testing.T, e *env) {
		static := &store.Group{ID: "g-static", DisplayName: "Finance laptops", Description: "By hand",
			ProcessingState: store.ProcessingOn, Members: []string{"d1", "d2"}}
		dynamic := &store.Group{ID: "g-dyn", DisplayName: "Windows", MembershipRule: `(device.deviceOSType -eq "Windows")`,
			ProcessingState: store.ProcessingPaused}
		for _, g := range []*store.Group{static, dynamic} {
			if v := mustV(e.s.PutGroup(ctx(t), g))(t); v != 1 {
				t.Fatalf("create %s = version %d", g.ID, v)
			}
			want := g.Clone()
			want.Version = 1
			deepEqual(t, "group", mustV(e.s.Group(ctx(t), g.ID))(t), want)
			if want.Dynamic() != (g.MembershipRule != "") {
				t.Fatal("Dynamic disagrees with the rule")
			}
		}
	}},
	{"Versions", func(t *testing.T, e *env) {
		g := &store.Group{ID: "g1", DisplayName: "one"}
		mustV(e.s.PutGroup(ctx(t), g))(t)
		_, err := e.s.PutGroup(ctx(t), g)
		wantErr(t, err, store.ErrConflict)
		g.Version = 1
		g.DisplayName = "two"
		if v := mustV(e.s.PutGroup(ctx(t), g))(t); v != 2 {
			t.Fatalf("update = version %d", v)
		}
		_, err = e.s.PutGroup(ctx(t), g)
		wantErr(t, err, store.ErrConflict)
		wantErr(t, e.s.DeleteGroup(ctx(t), "g1", 1), store.ErrConflict)
		must(t, e.s.DeleteGroup(ctx(t), "g1", 2))
		_, err = e.s.Group(ctx(t), "g1")
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, e.s.DeleteGroup(ctx(t), "g1", 2), store.ErrNotFound)
		g.Version = 4
		_, err = e.s.PutGroup(ctx(t), g)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Canonical", func(t *testing.T, e *env) {
		// Members sorted and without duplicates; an empty processing
		// state is On.
		mustV(e.s.PutGroup(ctx(t), &store.Group{ID: "g1", Members: []string{"d3", "d1", "d3", "d2"}}))(t)
		deepEqual(t, "group", mustV(e.s.Group(ctx(t), "g1"))(t),
			&store.Group{ID: "g1", ProcessingState: store.ProcessingOn, Members: []string{"d1", "d2", "d3"}, Version: 1})
	}},
	{"ScopeTags", func(t *testing.T, e *env) {
		// Scope tags read back sorted and without duplicates, and change
		// with the group.
		g := &store.Group{ID: "g1", RoleScopeTagIDs: []string{"7", "0", "7", "12"}}
		mustV(e.s.PutGroup(ctx(t), g))(t)
		deepEqual(t, "group", mustV(e.s.Group(ctx(t), "g1"))(t),
			&store.Group{ID: "g1", ProcessingState: store.ProcessingOn, RoleScopeTagIDs: []string{"0", "12", "7"}, Version: 1})
		g.Version, g.RoleScopeTagIDs = 1, nil
		mustV(e.s.PutGroup(ctx(t), g))(t)
		if got := mustV(e.s.Group(ctx(t), "g1"))(t); got.RoleScopeTagIDs != nil {
			t.Fatalf("scope tags after removing them: %q", got.RoleScopeTagIDs)
		}
	}},
	{"Invalid", func(t *testing.T, e *env) {
		for name, g := range map[string]*store.Group{
			"empty scope tag":      {ID: "g", RoleScopeTagIDs: []string{"0", ""}},
			"NUL in a scope tag":   {ID: "g", RoleScopeTagIDs: []string{"1\x002"}},
			"nil":                  nil,
			"empty id":             {DisplayName: "x"},
			"unknown state":        {ID: "g", ProcessingState: "Off"},
			"dynamic with members": {ID: "g", MembershipRule: `(device.deviceOSType -eq "Windows")`, Members: []string{"d1"}},
			"empty member":         {ID: "g", Members: []string{"d1", ""}},
			"NUL in a member":      {ID: "g", Members: []string{"d\x001"}},
			"negative version":     {ID: "g", Version: -2},
			"bad UTF-8 id":         {ID: "g\xc3"},
		} {
			_, err := e.s.PutGroup(ctx(t), g)
			if err == nil {
				t.Fatalf("%s: stored", name)
			}
			wantInvalid(t, err)
		}
		if gs := collect(t, e.s.Groups(ctx(t), "")); len(gs) != 0 {
			t.Fatalf("%d groups stored", len(gs))
		}
	}},
	{"Iterate", func(t *testing.T, e *env) {
		var want []string
		for i := range 7 {
			mustV(e.s.PutGroup(ctx(t), &store.Group{ID: id("g", 6-i)}))(t)
			want = append(want, id("g", i))
		}
		var got []string
		for _, g := range collect(t, e.s.Groups(ctx(t), "")) {
			got = append(got, g.ID)
		}
		deepEqual(t, "group ids", got, want)
		got = got[:0]
		for _, g := range collect(t, e.s.Groups(ctx(t), want[4])) {
			got = append(got, g.ID)
		}
		deepEqual(t, "group ids after the fifth", got, want[5:])
	}},
}

// members lists a group's members.
func members(t *testing.T, s store.Store, groupID string) []string {
	t.Helper()
	return collect(t, s.GroupMembers(ctx(t), groupID, ""))
}

// setupMemberships creates devices d-00000..d-(n-1) and groups g-00000..
func setupMemberships(t *testing.T, s store.Store, devices, groups int) {
	t.Helper()
	for i := range devices {
		mustV(s.PutDevice(ctx(t), bareDevice(id("d", i))))(t)
	}
	for i := range groups {
		mustV(s.PutGroup(ctx(t), &store.Group{ID: id("g", i)}))(t)
	}
}

func pair(d, g int) store.Membership {
	return store.Membership{DeviceID: id("d", d), GroupID: id("g", g)}
}

var membershipCases = []testCase{
	{"Apply", func(t *testing.T, e *env) {
		setupMemberships(t, e.s, 4, 3)
		must(t, e.s.ApplyMemberships(ctx(t), store.MembershipDelta{Added: []store.Membership{
			pair(2, 0), pair(0, 0), pair(1, 0), pair(0, 2), pair(0, 1),
		}}))
		sameIDs(t, "members of g0", members(t, e.s, id("g", 0)), []string{id("d", 0), id("d", 1), id("d", 2)})
		sameIDs(t, "groups of d0", mustV(e.s.DeviceGroups(ctx(t), id("d", 0)))(t), []string{id("g", 0), id("g", 1), id("g", 2)})
		sameIDs(t, "groups of d3", mustV(e.s.DeviceGroups(ctx(t), id("d", 3)))(t), nil)
		if n := mustV(e.s.CountGroupMembers(ctx(t), id("g", 0)))(t); n != 3 {
			t.Fatalf("CountGroupMembers = %d", n)
		}
		must(t, e.s.ApplyMemberships(ctx(t), store.MembershipDelta{
			Added:   []store.Membership{pair(3, 0)},
			Removed: []store.Membership{pair(1, 0), pair(0, 2)},
		}))
		sameIDs(t, "members of g0", members(t, e.s, id("g", 0)), []string{id("d", 0), id("d", 2), id("d", 3)})
		sameIDs(t, "members of g0 after d0", collect(t, e.s.GroupMembers(ctx(t), id("g", 0), id("d", 0))), []string{id("d", 2), id("d", 3)})
		sameIDs(t, "groups of d0", mustV(e.s.DeviceGroups(ctx(t), id("d", 0)))(t), []string{id("g", 0), id("g", 1)})
	}},
	{"Idempotent", func(t *testing.T, e *env) {
		setupMemberships(t, e.s, 2, 1)
		add := store.MembershipDelta{Added: []store.Membership{pair(0, 0), pair(0, 0)}}
		must(t, e.s.ApplyMemberships(ctx(t), add))
		must(t, e.s.ApplyMemberships(ctx(t), add))
		must(t, e.s.ApplyMemberships(ctx(t), store.MembershipDelta{Removed: []store.Membership{pair(1, 0),
			{DeviceID: "gone", GroupID: id("g", 0)}, {DeviceID: id("d", 0), GroupID: "gone"}}}))
		sameIDs(t, "members", members(t, e.s, id("g", 0)), []string{id("d", 0)})
	}},
	{"NotFound", func(t *testing.T, e *env) {
		setupMemberships(t, e.s, 2, 1)
		err := e.s.ApplyMemberships(ctx(t), store.MembershipDelta{Added: []store.Membership{pair(0, 0), {DeviceID: "ghost", GroupID: id("g", 0)}}})
		wantErr(t, err, store.ErrNotFound)
		if m := members(t, e.s, id("g", 0)); len(m) != 0 {
			t.Fatalf("a failed delta left members %v", m)
		}
		must(t, e.s.ApplyMemberships(ctx(t), store.MembershipDelta{Added: []store.Membership{pair(1, 0)}}))
		err = e.s.ApplyMemberships(ctx(t), store.MembershipDelta{
			Removed: []store.Membership{pair(1, 0)},
			Added:   []store.Membership{pair(0, 0), {DeviceID: id("d", 0), GroupID: "ghost"}}})
		wantErr(t, err, store.ErrNotFound)
		sameIDs(t, "members after a failed delta", members(t, e.s, id("g", 0)), []string{id("d", 1)})
		_, err = collectErr(e.s.GroupMembers(ctx(t), "ghost", ""))
		wantErr(t, err, store.ErrNotFound)
		_, err = e.s.CountGroupMembers(ctx(t), "ghost")
		wantErr(t, err, store.ErrNotFound)
		_, err = e.s.DeviceGroups(ctx(t), "ghost")
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, e.s.RemoveDeviceMemberships(ctx(t), "ghost"), store.ErrNotFound)
		wantErr(t, e.s.RemoveGroupMemberships(ctx(t), "ghost"), store.ErrNotFound)
	}},
	{"Invalid", func(t *testing.T, e *env) {
		setupMemberships(t, e.s, 1, 1)
		for name, d := range map[string]store.MembershipDelta{
			"added and removed": {Added: []store.Membership{pair(0, 0)}, Removed: []store.Membership{pair(0, 0)}},
			"empty device":      {Added: []store.Membership{{GroupID: id("g", 0)}}},
			"empty group":       {Removed: []store.Membership{{DeviceID: id("d", 0)}}},
			"bad UTF-8":         {Added: []store.Membership{{DeviceID: "\xff", GroupID: id("g", 0)}}},
		} {
			err := e.s.ApplyMemberships(ctx(t), d)
			if err == nil {
				t.Fatalf("%s: applied", name)
			}
			wantInvalid(t, err)
		}
		if m := members(t, e.s, id("g", 0)); len(m) != 0 {
			t.Fatalf("members %v", m)
		}
	}},
	{"RemoveAll", func(t *testing.T, e *env) {
		setupMemberships(t, e.s, 3, 3)
		var all []store.Membership
		for d := range 3 {
			for g := range 3 {
				all = append(all, pair(d, g))
			}
		}
		must(t, e.s.ApplyMemberships(ctx(t), store.MembershipDelta{Added: all}))
		must(t, e.s.RemoveDeviceMemberships(ctx(t), id("d", 1)))
		sameIDs(t, "groups of d1", mustV(e.s.DeviceGroups(ctx(t), id("d", 1)))(t), nil)
		sameIDs(t, "members of g2", members(t, e.s, id("g", 2)), []string{id("d", 0), id("d", 2)})
		must(t, e.s.RemoveGroupMemberships(ctx(t), id("g", 0)))
		sameIDs(t, "members of g0", members(t, e.s, id("g", 0)), nil)
		sameIDs(t, "groups of d0", mustV(e.s.DeviceGroups(ctx(t), id("d", 0)))(t), []string{id("g", 1), id("g", 2)})
		// The group and device records stay.
		mustV(e.s.Group(ctx(t), id("g", 0)))(t)
		mustV(e.s.Device(ctx(t), id("d", 1)))(t)
	}},
	{"Cascade", func(t *testing.T, e *env) {
		setupMemberships(t, e.s, 2, 2)
		must(t, e.s.ApplyMemberships(ctx(t), store.MembershipDelta{Added: []store.Membership{pair(0, 0), pair(0, 1), pair(1, 0), pair(1, 1)}}))
		must(t, e.s.DeleteDevice(ctx(t), id("d", 0), 1))
		sameIDs(t, "members of g0", members(t, e.s, id("g", 0)), []string{id("d", 1)})
		must(t, e.s.DeleteGroup(ctx(t), id("g", 1), 1))
		sameIDs(t, "groups of d1", mustV(e.s.DeviceGroups(ctx(t), id("d", 1)))(t), []string{id("g", 0)})
		// Recreated, they start empty.
		mustV(e.s.PutDevice(ctx(t), bareDevice(id("d", 0))))(t)
		mustV(e.s.PutGroup(ctx(t), &store.Group{ID: id("g", 1)}))(t)
		sameIDs(t, "groups of the new d0", mustV(e.s.DeviceGroups(ctx(t), id("d", 0)))(t), nil)
		sameIDs(t, "members of the new g1", members(t, e.s, id("g", 1)), nil)
	}},
	{"UpdatesKeepMemberships", func(t *testing.T, e *env) {
		setupMemberships(t, e.s, 1, 1)
		must(t, e.s.ApplyMemberships(ctx(t), store.MembershipDelta{Added: []store.Membership{pair(0, 0)}}))
		mustV(e.s.PutDevice(ctx(t), withVersion(fullDevice(id("d", 0), 1), 1)))(t)
		mustV(e.s.PutGroup(ctx(t), &store.Group{ID: id("g", 0), DisplayName: "renamed", Version: 1}))(t)
		sameIDs(t, "members", members(t, e.s, id("g", 0)), []string{id("d", 0)})
	}},
	{"ManyGroups", func(t *testing.T, e *env) {
		// Groups deleted and created again reuse nothing of the old ones.
		setupMemberships(t, e.s, 1, 0)
		for round := range 3 {
			for g := range 4 {
				mustV(e.s.PutGroup(ctx(t), &store.Group{ID: id("g", g)}))(t)
			}
			must(t, e.s.ApplyMemberships(ctx(t), store.MembershipDelta{Added: []store.Membership{pair(0, round)}}))
			sameIDs(t, "groups", mustV(e.s.DeviceGroups(ctx(t), id("d", 0)))(t), []string{id("g", round)})
			for g := range 4 {
				must(t, e.s.DeleteGroup(ctx(t), id("g", g), 1))
			}
			sameIDs(t, "groups after deletes", mustV(e.s.DeviceGroups(ctx(t), id("d", 0)))(t), nil)
		}
	}},
}
