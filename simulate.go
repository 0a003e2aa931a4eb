package secmgmt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/targeting"
)

// Simulate answers "what would this change do?" without doing it: it
// applies the change (an administrative operation, or a batch of them) to
// a simulation laid over the service's state and returns its Impact: the
// devices whose effective configuration would change, with the settings
// added, removed and changed and the conflicts that would appear or
// disappear (naming the policies involved); the devices that would enter
// or leave security settings management; the group memberships that would
// change; and per policy, the devices that would start or stop receiving
// it.
//
// The change is judged as the operation itself judges it, against the
// current state (versions are not asked for): a change the operation would
// refuse is refused with the operation's error (an *InputError wrapping
// ErrInvalidInput, ErrNotFound, ErrConflict, ErrInUse), and a batch names
// the change at fault ("changes[2]: ..."). Nothing is written: neither the
// store nor the service's in-memory state (its memberships, records,
// cached configurations, counters or random source) changes, and check-ins
// go on while a simulation runs; administrative writes wait for it.
//
// The impact is computed, not copied from a rehearsal: the devices a
// change can reach (the targets of the old and new assignments, the
// devices whose memberships the change moves, the devices the enrollment
// machine moves) are found from the membership index, each of them is
// evaluated once, and merges are shared between devices with the same
// inputs, as check-ins share them.
//
// Simulate is an administrative read: it needs the policies.read
// permission (authz.PoliciesRead), and a caller whose grant is limited by
// scope tags must reach the policies the change names. It does not judge
// whether the caller could make the change (the permissions and scope-tag
// rules of the operations themselves); for such a caller the impact lists
// only the devices, groups and policies it reaches (a device by the groups
// it is a member of now) and the conflicts whose policies it reaches; the
// lines of a device it reaches are complete, as its effective
// configuration is.
func (s *Service) Simulate(ctx context.Context, c Change) (*Impact, error) {
	const op = "Simulate"
	if err := s.adminRead(&ctx, op, c.policyIDs()...); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.newWorld()
	if err := w.apply(ctx, c, ""); err != nil {
		return nil, err
	}
	imp, err := w.impact(ctx)
	if err != nil {
		return nil, err
	}
	imp.Change = c.String()
	if a := accessOf(ctx); a.scoped() {
		w.st.limit(a, imp)
	}
	return imp, nil
}

// policyIDs returns the ids of the existing policies a change names, for
// the choke point.
func (c Change) policyIDs() []string {
	var out []string
	switch c.kind {
	case ChangeUpdatePolicy:
		if c.policy != nil {
			out = append(out, c.policy.ID)
		}
	case ChangeDeletePolicy, ChangeAssignPolicy:
		out = append(out, c.policyID)
	case ChangeBatch:
		for _, sub := range c.changes {
			out = append(out, sub.policyIDs()...)
		}
	}
	return out
}

// limit leaves in an impact only what a grant limited by scope tags
// reaches: devices (by their groups in the state), groups and policies by
// their tags, conflicts whose policies it all reaches. A policy or group
// the simulation made up (not in the state) is kept.
func (st *state) limit(a *access, imp *Impact) {
	seesPolicy := func(id string) bool {
		pe := st.policies[id]
		return pe == nil || a.sees(pe.pol.RoleScopeTagIDs)
	}
	imp.Devices = slices.DeleteFunc(imp.Devices, func(d DeviceImpact) bool {
		return !st.seesDevice(a, d.DeviceID, st.index.GroupsOf(d.DeviceID))
	})
	imp.Groups = slices.DeleteFunc(imp.Groups, func(g GroupImpact) bool {
		ge := st.groups[g.GroupID]
		return ge != nil && !a.sees(ge.g.RoleScopeTagIDs)
	})
	imp.Policies = slices.DeleteFunc(imp.Policies, func(p PolicyImpact) bool { return !seesPolicy(p.PolicyID) })
	imp.Conflicts = slices.DeleteFunc(imp.Conflicts, func(c ConflictImpact) bool {
		return slices.ContainsFunc(c.Policies, func(s conflict.SettingSource) bool { return !seesPolicy(s.ID) })
	})
}

// apply applies one change to the world; path names it inside a batch.
func (w *world) apply(ctx context.Context, c Change, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.kind == ChangeBatch {
		for i, sub := range c.changes {
			p := fmt.Sprintf("%schanges[%d]", path, i)
			if err := w.apply(ctx, sub, p+"."); err != nil {
				return err
			}
		}
		return nil
	}
	w.step++
	err := w.applyOne(c)
	if err != nil && path != "" {
		return fmt.Errorf("%s: %w", strings.TrimSuffix(path, "."), err)
	}
	return err
}

func (w *world) applyOne(c Change) error {
	switch c.kind {
	case ChangeCreatePolicy:
		return w.createPolicy(c.policy)
	case ChangeUpdatePolicy:
		return w.updatePolicy(c.policy)
	case ChangeDeletePolicy:
		return w.deletePolicy(c.policyID)
	case ChangeAssignPolicy:
		return w.assignPolicy(c.policyID, c.assignments)
	case ChangeCreateGroup:
		return w.createGroup(c.group)
	case ChangeUpdateGroup:
		return w.updateGroup(c.group)
	case ChangeSetGroupRule:
		return w.modifyGroup("SetGroupRule", c.groupID, func(g *Group) error {
			if strings.TrimSpace(c.rule) == "" {
				return invalid("SetGroupRule", "rule", "empty", nil)
			}
			if !g.Dynamic() {
				g.Members, g.Processing = nil, targeting.ProcessingOn
			}
			g.MembershipRule = c.rule
			return nil
		})
	case ChangePauseGroup:
		return w.setProcessing("PauseGroup", c.groupID, targeting.ProcessingPaused)
	case ChangeResumeGroup:
		return w.setProcessing("ResumeGroup", c.groupID, targeting.ProcessingOn)
	case ChangeDeleteGroup:
		return w.deleteGroup(c.groupID)
	case ChangeAddGroupMembers:
		return w.editMembers("AddGroupMembers", c.groupID, c.deviceIDs, true)
	case ChangeRemoveGroupMembers:
		return w.editMembers("RemoveGroupMembers", c.groupID, c.deviceIDs, false)
	case ChangeSetTenant:
		return w.setTenant(c.tenant)
	case ChangeTagDevice:
		return w.tag("TagDevice", c.deviceID, enrollment.Event{Kind: enrollment.EventAddTag, Tag: c.tag}, true)
	case ChangeUntagDevice:
		return w.tag("UntagDevice", c.deviceID, enrollment.Event{Kind: enrollment.EventRemoveTag, Tag: c.tag}, false)
	case ChangeUpdateDevice:
		return w.updateDevice(c.deviceID, c.edit)
	}
	return invalid("Simulate", "change", fmt.Sprintf("unknown change kind %q", string(c.kind)), nil)
}

// --- policies ---------------------------------------------------------

// createPolicy is CreatePolicy in the simulation.
func (w *world) createPolicy(p *policy.Policy) error {
	const op = "CreatePolicy"
	if p == nil {
		return invalid(op, "policy", "nil", nil)
	}
	c := p.Clone()
	if c.ID == "" {
		c.ID = w.newPolicyID()
	} else if why := checkID(c.ID); why != "" {
		return invalid(op, "id", why, nil)
	}
	if w.policy(c.ID) != nil {
		return fmt.Errorf("policy %q exists: %w", c.ID, ErrConflict)
	}
	if err := w.s.catalog.Validate(c); err != nil {
		return invalid(op, "policy "+c.ID, "", err)
	}
	as := c.Assignments
	c.Assignments = nil
	var checked []*policy.Assignment
	if len(as) > 0 {
		var err error
		if checked, err = w.checkAssignments(op, c.ID, as); err != nil {
			return err
		}
	}
	c.CreatedDateTime = w.now.UTC()
	c.LastModifiedDateTime = c.CreatedDateTime
	pe, err := w.entry(c)
	if err != nil {
		return err
	}
	if err := pe.setAssignments(checked, 0); err != nil {
		return invalid(op, "assignments", "", err)
	}
	w.setPolicy(c.ID, pe, true)
	return nil
}

// newPolicyID makes up the id of a new policy that has none.
func (w *world) newPolicyID() string {
	for {
		w.newPolicies++
		id := "simulated-policy-" + strconv.Itoa(w.newPolicies)
		if w.policy(id) == nil {
			return id
		}
	}
}

// entry prepares a policy of the simulation.
func (w *world) entry(p *policy.Policy) (*policyEntry, error) {
	prepared, err := w.s.prepare(p)
	if err != nil {
		return nil, err
	}
	return &policyEntry{pol: p, prepared: prepared}, nil
}

// updatePolicy is UpdatePolicy in the simulation, against the current
// version.
func (w *world) updatePolicy(p *policy.Policy) error {
	const op = "UpdatePolicy"
	if p == nil {
		return invalid(op, "policy", "nil", nil)
	}
	cur := w.policy(p.ID)
	if cur == nil {
		return notFound("policy", p.ID)
	}
	c, err := w.s.updatedPolicy(op, p, cur, w.now)
	if err != nil {
		return err
	}
	pe, err := w.entry(c)
	if err != nil {
		return err
	}
	pe.assignments, pe.target = cur.assignments, cur.target
	w.setPolicy(c.ID, pe, true)
	return nil
}

// deletePolicy is DeletePolicy in the simulation.
func (w *world) deletePolicy(id string) error {
	if w.policy(id) == nil {
		return notFound("policy", id)
	}
	w.setPolicy(id, nil, false)
	return nil
}

// assignPolicy is AssignPolicy in the simulation.
func (w *world) assignPolicy(id string, as []*policy.Assignment) error {
	const op = "AssignPolicy"
	cur := w.policy(id)
	if cur == nil {
		return notFound("policy", id)
	}
	checked, err := w.checkAssignments(op, id, as)
	if err != nil {
		return err
	}
	pe := &policyEntry{pol: cur.pol, version: cur.version, gen: cur.gen, prepared: cur.prepared}
	if err := pe.setAssignments(checked, 0); err != nil {
		return invalid(op, "assignments", "", err)
	}
	w.setPolicy(id, pe, false) // the content, and so its token, stays
	return nil
}

// checkAssignments is Service.checkAssignments against the simulation's
// groups.
func (w *world) checkAssignments(op, policyID string, as []*policy.Assignment) ([]*policy.Assignment, error) {
	return checkAssignments(op, policyID, as, func(g string) bool { return w.group(g).exists() })
}

// --- groups -----------------------------------------------------------

// createGroup is CreateGroup in the simulation.
func (w *world) createGroup(g Group) error {
	const op = "CreateGroup"
	if g.ID == "" {
		g.ID = w.newGroupID()
	}
	g.Version = 0
	sg, def, err := w.s.storedGroup(op, g)
	if err != nil {
		return err
	}
	if w.group(sg.ID).exists() {
		return fmt.Errorf("group %q exists: %w", sg.ID, ErrConflict)
	}
	return w.putGroup(op, sg, def)
}

// newGroupID makes up the id of a new group that has none.
func (w *world) newGroupID() string {
	for {
		w.newGroups++
		id := "simulated-group-" + strconv.Itoa(w.newGroups)
		if !w.group(id).exists() {
			return id
		}
	}
}

// updateGroup is UpdateGroup in the simulation, against the current
// version.
func (w *world) updateGroup(g Group) error {
	const op = "UpdateGroup"
	sg, def, err := w.s.storedGroup(op, g)
	if err != nil {
		return err
	}
	cur := w.group(sg.ID)
	if !cur.exists() {
		return notFound("group", sg.ID)
	}
	if !sg.Dynamic() && g.Members == nil {
		sg.Members, def.Members = sortedKeys(w.members(sg.ID)), nil
	}
	return w.putGroup(op, sg, def)
}

// modifyGroup is Service.modifyGroup in the simulation.
func (w *world) modifyGroup(op, id string, fn func(g *Group) error) error {
	id = canonicalID(id)
	cur := w.group(id)
	if !cur.exists() {
		return notFound("group", id)
	}
	g := viewGroup(cur.g)
	if err := fn(g); err != nil {
		return err
	}
	sg, def, err := w.s.storedGroup(op, *g)
	if err != nil {
		return err
	}
	return w.putGroup(op, sg, def)
}

func (w *world) setProcessing(op, id string, ps targeting.ProcessingState) error {
	return w.modifyGroup(op, id, func(g *Group) error {
		if !g.Dynamic() {
			return invalid(op, "group", "a static group has no rule processing to pause or resume", targeting.ErrInvalidGroup)
		}
		g.Processing = ps
		return nil
	})
}

func (w *world) editMembers(op, id string, deviceIDs []string, add bool) error {
	return w.modifyGroup(op, id, func(g *Group) error { return editMembers(op, g, deviceIDs, add) })
}

// putGroup applies a group's new definition to the simulation as the
// index applies it (AddGroup for a new group, UpdateGroup otherwise):
// static members must have a directory object, memberOf rules may not
// chain, a dynamic group with processing On takes the devices its rule
// matches, and a paused one keeps the members it has.
func (w *world) putGroup(op string, sg *store.Group, def targeting.Group) error {
	id := sg.ID
	old := w.group(id)
	if err := w.checkChain(id, def); err != nil {
		return indexError(op, "group", err)
	}
	next := &simGroup{g: sg, rule: def.Rule()}
	switch {
	case !sg.Dynamic():
		if def.Members == nil && old.exists() {
			next.static = w.members(id)
			break
		}
		next.static = map[string]bool{}
		for _, m := range def.Members {
			if w.object(m) == nil {
				return indexError(op, "group", fmt.Errorf("%w: %s (member of group %s)", targeting.ErrUnknownDevice, m, id))
			}
			next.static[m] = true
		}
	case sg.ProcessingState == store.ProcessingPaused:
		switch {
		case !old.exists():
			next.frozen, next.frozenAt = map[string]bool{}, w.step
		case old.paused() && old.sim != nil:
			next.frozen, next.frozenAt = old.sim.frozen, old.sim.frozenAt
		case old.paused():
			// Paused before the simulation: the index's members stay.
		default:
			next.frozen, next.frozenAt = w.members(id), w.step
		}
	}
	w.setGroup(id, next)
	return nil
}

// checkChain refuses a memberOf rule that names itself or a memberOf
// group, and a memberOf rule for a group another memberOf rule names.
func (w *world) checkChain(id string, def targeting.Group) error {
	v := groupView{g: &store.Group{ID: id, MembershipRule: def.MembershipRule}, rule: def.Rule()}
	refs := v.memberOf()
	if refs == nil {
		return nil
	}
	for _, ref := range refs {
		if ref == id {
			return fmt.Errorf("%w: group %s names itself", targeting.ErrMemberOfChain, id)
		}
		if rv := w.group(ref); rv.exists() && rv.memberOf() != nil {
			return fmt.Errorf("%w: group %s names group %s, which has a memberOf rule", targeting.ErrMemberOfChain, id, ref)
		}
	}
	for _, other := range w.groupIDs() {
		if other != id && slices.Contains(w.group(other).memberOf(), id) {
			return fmt.Errorf("%w: group %s is named by the memberOf rule of group %s", targeting.ErrMemberOfChain, id, other)
		}
	}
	return nil
}

// deleteGroup is DeleteGroup in the simulation.
func (w *world) deleteGroup(groupID string) error {
	id := canonicalID(groupID)
	if !w.group(id).exists() {
		return notFound("group", id)
	}
	if w.referenced(id) {
		return fmt.Errorf("group %q is assigned to policies: %w", id, ErrInUse)
	}
	w.setGroup(id, &simGroup{})
	return nil
}

// --- tenant and devices -----------------------------------------------

// setTenant is SetTenant in the simulation, against the current version:
// every device handles the events the change amounts to.
func (w *world) setTenant(t enrollment.Tenant) error {
	const op = "SetTenant"
	if err := t.Validate(); err != nil {
		return invalid(op, "tenant", "", err)
	}
	old := w.tenant
	cur := old
	cur.Mode, cur.GovernmentCloud, cur.MDEUserLicense = t.Mode, t.GovernmentCloud, t.MDEUserLicense
	evs := tenantEvents(old, t)
	if cur != old && !slices.ContainsFunc(evs, func(e enrollment.Event) bool { return e.Kind == enrollment.EventScopeChange }) {
		evs = append(evs, requalify(cur.Scope))
	}
	ids := w.deviceIDs()
	dummy := enrollment.HealthyFacts(enrollment.PlatformWindows)
	for _, ev := range evs {
		if err := ev.Update(&cur, &dummy); err != nil {
			return invalid(op, "tenant", ev.String(), err)
		}
		for _, id := range ids {
			f, ok := w.factsOf(id)
			if !ok || !w.record(id).State.Accepts(ev.Kind) {
				continue
			}
			if _, err := w.handle(id, ev, cur, f); err != nil && !errors.Is(err, enrollment.ErrInvalidTransition) {
				return fmt.Errorf("secmgmt: %s: device %q, %s: %w", op, id, ev, err)
			}
		}
	}
	w.tenant = t
	return nil
}

// tag is TagDevice or UntagDevice in the simulation.
func (w *world) tag(op, deviceID string, ev enrollment.Event, add bool) error {
	if strings.TrimSpace(ev.Tag) == "" || len(ev.Tag) > maxTagBytes {
		return invalid(op, "tag", fmt.Sprintf("empty or longer than %d bytes", maxTagBytes), nil)
	}
	id := canonicalID(deviceID)
	f, ok := w.factsOf(id)
	if !ok {
		return notFound("device", id)
	}
	if f.HasTag(ev.Tag) == add {
		return nil
	}
	t := w.tenant
	if err := ev.Update(&t, &f); err != nil {
		var ie *enrollment.InputError
		if errors.As(err, &ie) {
			return invalid(op, "tag", "", err)
		}
		return fmt.Errorf("secmgmt: %s %q: %w", op, id, err)
	}
	if !w.record(id).State.Accepts(ev.Kind) {
		w.setFacts(id, f)
		return nil
	}
	if _, err := w.handle(id, ev, t, f); err != nil {
		if errors.Is(err, enrollment.ErrInvalidTransition) {
			w.setFacts(id, f)
			return nil
		}
		var ie *enrollment.InputError
		if errors.As(err, &ie) {
			return invalid(op, "tag", "", err)
		}
		return fmt.Errorf("secmgmt: %s %q: %w", op, id, err)
	}
	return nil
}

// updateDevice is UpdateDeviceObject in the simulation.
func (w *world) updateDevice(deviceID string, edit func(*identity.Device) error) error {
	const op = "UpdateDeviceObject"
	if edit == nil {
		return invalid(op, "edit", "nil", nil)
	}
	next, changed, err := editObject(op, w.dir, canonicalID(deviceID), edit)
	if err != nil || !changed {
		return err
	}
	return w.applyDirectory([]identity.Change{{Kind: identity.ChangeUpdate, Device: next}})
}

// sortedKeys returns the keys of a set, sorted.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
