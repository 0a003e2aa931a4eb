package secmgmt

import (
	"context"
	"fmt"
	"slices"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/report"
)

// Scope tags decide which objects a scoped administrator reaches:
//
//   - a policy by its roleScopeTagIds;
//   - a group by its RoleScopeTagIDs;
//   - a device by the scope tags of the groups it is a member of, as
//     Intune gives a scope tag to the devices of the groups it is
//     assigned to: the union of their tags other than the Default, or the
//     Default tag alone when they have none.
//
// An object without tags carries the Default tag ("0").

// forbidden is the refusal of an object out of the caller's reach.
func forbidden(a *access, kind, id, reason string) error {
	return &authz.ForbiddenError{PrincipalID: a.principal(), Permission: a.perm, ObjectKind: kind, ObjectID: id, Reason: reason}
}

// outOfScope is the reason an object is refused for its scope tags.
func outOfScope(a *access) string {
	return fmt.Sprintf("it is outside the principal's scope tags %q", a.grant.Tags())
}

// reach checks that the access reaches the object of the given kind with
// the given id. An object that does not exist passes: the operation says
// it is not found. st is held for reading.
func (st *state) reach(a *access, kind, id string) error {
	if !a.scoped() {
		return nil
	}
	switch kind {
	case objectPolicy:
		if pe := st.policies[id]; pe != nil && !a.sees(pe.pol.RoleScopeTagIDs) {
			return forbidden(a, objectPolicy, id, outOfScope(a))
		}
	case objectGroup:
		id = canonicalID(id)
		if ge := st.groups[id]; ge != nil && !a.sees(ge.g.RoleScopeTagIDs) {
			return forbidden(a, objectGroup, id, outOfScope(a))
		}
	case objectDevice:
		id = canonicalID(id)
		if !st.seesDevice(a, id, st.index.GroupsOf(id)) {
			return forbidden(a, objectDevice, id, outOfScope(a))
		}
	}
	return nil
}

// seesDevice reports whether the access reaches a device that is a member
// of groups. st is held for reading.
func (st *state) seesDevice(a *access, id string, groups func(yield func(string) bool)) bool {
	if !a.scoped() {
		return true
	}
	tagged := false
	for gid := range groups {
		ge := st.groups[gid]
		if ge == nil {
			continue
		}
		for _, t := range ge.g.RoleScopeTagIDs {
			if t == authz.DefaultScopeTag {
				continue
			}
			tagged = true
			if a.grant.Holds(t) {
				return true
			}
		}
	}
	return !tagged && a.grant.Holds(authz.DefaultScopeTag)
}

// seesDeviceID is seesDevice with the device's current memberships.
func (st *state) seesDeviceID(a *access, id string) bool {
	if !a.scoped() {
		return true
	}
	return st.seesDevice(a, id, st.index.GroupsOf(id))
}

// stamp returns the scope tags of an object a caller creates: the tags it
// gives, or, when it gives none and its grant is scoped, the grant's
// tags, as Intune tags an object with its creator's scope tags. The
// Default tag alone, given by a scoped caller that does not hold it, reads
// as none given: policy.NewPolicy and Graph exports carry it when no tag
// was chosen.
func (a *access) stamp(tags []string) []string {
	if !a.scoped() {
		return tags
	}
	if len(tags) == 0 || (len(tags) == 1 && tags[0] == authz.DefaultScopeTag && !a.grant.Holds(authz.DefaultScopeTag)) {
		return a.grant.Tags()
	}
	return tags
}

// trimDevice removes from a device's view the groups and policies out of
// the access's reach. st is held for reading.
func (st *state) trimDevice(a *access, d *Device) {
	if !a.scoped() {
		return
	}
	d.Groups = slices.DeleteFunc(d.Groups, func(g string) bool {
		ge := st.groups[g]
		return ge != nil && !a.sees(ge.g.RoleScopeTagIDs)
	})
	d.Policies = slices.DeleteFunc(d.Policies, func(p string) bool {
		pe := st.policies[p]
		return pe != nil && !a.sees(pe.pol.RoleScopeTagIDs)
	})
}

// seesPolicyID reports whether the access reaches a policy; a policy the
// state does not hold (deleted meanwhile) is not reached by a scoped
// access. st is held for reading.
func (st *state) seesPolicyID(a *access, id string) bool {
	if !a.scoped() {
		return true
	}
	pe := st.policies[id]
	return pe != nil && a.sees(pe.pol.RoleScopeTagIDs)
}

// trimRecord removes from a device's report record the policies out of
// the access's reach, and their ids from the other policies that manage a
// setting. st is held for reading.
func (st *state) trimRecord(a *access, r *report.DeviceRecord) {
	if !a.scoped() {
		return
	}
	r.Policies = slices.DeleteFunc(r.Policies, func(ps report.PolicyState) bool { return !st.seesPolicyID(a, ps.PolicyID) })
	for i := range r.Policies {
		ss := r.Policies[i].Settings
		for j := range ss {
			if len(ss[j].OtherPolicies) == 0 {
				continue
			}
			ss[j].OtherPolicies = slices.DeleteFunc(slices.Clone(ss[j].OtherPolicies), func(id string) bool { return !st.seesPolicyID(a, id) })
		}
	}
}

// checkMerge refuses a device's effective configuration to a scoped
// access when a policy of the merge is out of its reach: the merge is the
// device's whole configuration, and would show the other policies' ids and
// values. st is held for reading.
func (st *state) checkMerge(a *access, deviceID string, res *conflict.Result) error {
	if !a.scoped() {
		return nil
	}
	for _, p := range res.Policies {
		if !st.seesPolicyID(a, p.ID) {
			return forbidden(a, objectDevice, deviceID, "its effective configuration includes policies outside the principal's scope")
		}
	}
	return nil
}

// scopeTags checks the scope tags a caller gives an object and returns
// them sorted, each once; nil for none.
func scopeTags(op string, tags []string) ([]string, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	if len(tags) > authz.MaxScopeTags {
		return nil, invalid(op, "RoleScopeTagIDs", fmt.Sprintf("%d scope tags, at most %d", len(tags), authz.MaxScopeTags), nil)
	}
	for _, t := range tags {
		if why := authz.CheckScopeTag(t); why != "" {
			return nil, invalid(op, "RoleScopeTagIDs", fmt.Sprintf("scope tag %q %s", t, why), nil)
		}
	}
	out := slices.Clone(tags)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// seesRecord reports whether the caller reaches a device, for the report
// streams.
func (s *Service) seesRecord(ctx context.Context, id string) bool {
	a := accessOf(ctx)
	if !a.scoped() {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.state.seesDeviceID(a, id)
}

// trimRecord removes from a report record what the caller does not reach.
func (s *Service) trimRecord(ctx context.Context, r *report.DeviceRecord) {
	a := accessOf(ctx)
	if !a.scoped() {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.state.trimRecord(a, r)
}
