package secmgmt

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/targeting"
)

// maxIDLength bounds the ids the service accepts from callers.
const maxIDLength = 128

// checkID reports why an id given by a caller is not usable, or "".
func checkID(id string) string {
	switch {
	case id == "":
		return "empty"
	case len(id) > maxIDLength:
		return fmt.Sprintf("longer than %d bytes", maxIDLength)
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar }) >= 0:
		return "holds spaces, control characters or invalid UTF-8"
	}
	return ""
}

// checkDeviceID reports why a device id is not usable, or "". Device ids
// travel in URL paths and as the user id of HTTP Basic authentication:
// they are made of letters, digits, '-', '_', '.' and '~'.
func checkDeviceID(id string) string {
	if why := checkID(id); why != "" {
		return why
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == '~':
		default:
			return fmt.Sprintf("holds %q: device ids are made of letters, digits, '-', '_', '.' and '~'", r)
		}
	}
	return ""
}

// newPolicyEntry makes the state's entry of a stored policy.
func (s *Service) newPolicyEntry(p *policy.Policy, version int64) (*policyEntry, error) {
	prepared, err := s.prepare(p)
	if err != nil {
		return nil, err
	}
	return &policyEntry{pol: p, version: version, prepared: prepared, gen: s.gens.Add(1)}, nil
}

// setAssignments sets the policy's assignments and their targeting form.
func (pe *policyEntry) setAssignments(as []*policy.Assignment, version int64) error {
	t, err := targetingOf(as)
	if err != nil {
		return err
	}
	pe.assignments, pe.assignVer, pe.target = as, version, t
	return nil
}

// Graph's pseudo group ids of the "all devices" and "all users" targets, as
// the service forms assignment ids with them.
const (
	allDevicesID = "adadadad-808e-44e2-905a-0b7873a8a531"
	allUsersID   = "acacacac-9df4-4c7d-9d50-4ef0226f57a9"
)

// targetingOf converts Graph assignments to the targeting form. User
// targets and filters are recorded, not applied (devices managed through
// security settings management ignore them), and Configuration Manager
// collections reach Configuration Manager clients, not these devices.
func targetingOf(as []*policy.Assignment) (targeting.Assignment, error) {
	var t targeting.Assignment
	for i, a := range as {
		if a == nil {
			return t, fmt.Errorf("assignments[%d]: nil", i)
		}
		target := ""
		switch a.Target.Kind {
		case policy.TargetGroup:
			target = canonicalID(a.Target.GroupID)
			if !slices.Contains(t.IncludeGroups, target) {
				t.IncludeGroups = append(t.IncludeGroups, target)
			}
		case policy.TargetExclusionGroup:
			target = canonicalID(a.Target.GroupID)
			if !slices.Contains(t.ExcludeGroups, target) {
				t.ExcludeGroups = append(t.ExcludeGroups, target)
			}
		case policy.TargetAllDevices:
			t.AllDevices, target = true, targeting.FilterTargetAllDevices
		case policy.TargetAllLicensedUsers:
			t.AllLicensedUsers, target = true, targeting.FilterTargetAllLicensedUsers
		case policy.TargetConfigurationManagerCollection:
			continue
		default:
			return t, fmt.Errorf("assignments[%d]: unknown target kind %q", i, string(a.Target.Kind))
		}
		if a.Target.Kind.HasGroup() && target == "" {
			return t, fmt.Errorf("assignments[%d]: the target names no group", i)
		}
		if f := a.Target.FilterID; f != "" && f != "00000000-0000-0000-0000-000000000000" &&
			(a.Target.FilterType == policy.FilterInclude || a.Target.FilterType == policy.FilterExclude) {
			t.Filters = append(t.Filters, targeting.AssignmentFilter{Target: target, ID: f, Type: targeting.FilterType(a.Target.FilterType)})
		}
	}
	if err := t.Validate(); err != nil {
		return t, err
	}
	return t, nil
}

// checkAssignments validates assignments for op: the groups they name must
// exist. It returns copies with the service's ids filled in.
func (s *Service) checkAssignments(op, policyID string, as []*policy.Assignment) ([]*policy.Assignment, error) {
	return checkAssignments(op, policyID, as, func(g string) bool { return s.state.groups[g] != nil })
}

// checkAssignments validates assignments for op against the groups that
// exist (groupExists) and returns copies with the service's ids filled in:
// group ids in canonical form, and the assignment ids the service gives
// (policy id and target).
func checkAssignments(op, policyID string, as []*policy.Assignment, groupExists func(string) bool) ([]*policy.Assignment, error) {
	t, err := targetingOf(as)
	if err != nil {
		return nil, invalid(op, "assignments", "", err)
	}
	for _, g := range slices.Concat(t.IncludeGroups, t.ExcludeGroups) {
		if !groupExists(g) {
			return nil, invalid(op, "assignments", fmt.Sprintf("group %q does not exist", g), ErrNotFound)
		}
	}
	out := make([]*policy.Assignment, len(as))
	for i, a := range as {
		c := *a
		if c.Target.Kind.HasGroup() {
			c.Target.GroupID = canonicalID(c.Target.GroupID)
		}
		if c.ID == "" {
			switch c.Target.Kind {
			case policy.TargetGroup, policy.TargetExclusionGroup:
				c.ID = policyID + "_" + c.Target.GroupID
			case policy.TargetAllDevices:
				c.ID = policyID + "_" + allDevicesID
			case policy.TargetAllLicensedUsers:
				c.ID = policyID + "_" + allUsersID
			}
		}
		out[i] = &c
	}
	return out, nil
}

// updatedPolicy is the policy an update stores in place of cur: a copy of
// p, validated, without assignments (they change through AssignPolicy),
// created when cur was and modified now.
func (s *Service) updatedPolicy(op string, p *policy.Policy, cur *policyEntry, now time.Time) (*policy.Policy, error) {
	c := p.Clone()
	c.Assignments = nil
	if err := s.catalog.Validate(c); err != nil {
		return nil, invalid(op, "policy "+c.ID, "", err)
	}
	c.CreatedDateTime = cur.pol.CreatedDateTime
	c.LastModifiedDateTime = now.UTC()
	return c, nil
}

// CreatePolicy validates a policy with the catalog and stores it. The
// service gives it an id when it has none, and sets its creation and
// modification times from the clock. Assignments the policy carries are
// stored as its assignments (see AssignPolicy). It returns the stored
// policy and its version.
//
// An invalid policy is an *InputError wrapping the catalog's
// *policy.ValidationError, which lists every problem; a policy whose id is
// taken is ErrConflict.
func (s *Service) CreatePolicy(ctx context.Context, p *policy.Policy) (*policy.Policy, int64, error) {
	const op = "CreatePolicy"
	if err := s.admin(&ctx, op); err != nil {
		return nil, 0, err
	}
	if p == nil {
		return nil, 0, invalid(op, "policy", "nil", nil)
	}
	var out *policy.Policy
	var version int64
	err := s.write(ctx, op, func(w *txn) error {
		var err error
		out, version, err = w.createPolicy(op, p, false)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, version, nil
}

// createPolicy writes a new policy (and its assignments). keepTimes keeps
// the times an import carries.
func (w *txn) createPolicy(op string, p *policy.Policy, keepTimes bool) (*policy.Policy, int64, error) {
	c := p.Clone()
	c.RoleScopeTagIDs = w.acc.stamp(c.RoleScopeTagIDs)
	if c.ID == "" {
		c.ID = w.s.newID()
	} else if why := checkID(c.ID); why != "" {
		return nil, 0, invalid(op, "id", why, nil)
	}
	if _, exists := w.st.policies[c.ID]; exists {
		return nil, 0, fmt.Errorf("policy %q exists: %w", c.ID, ErrConflict)
	}
	if err := w.s.catalog.Validate(c); err != nil {
		return nil, 0, invalid(op, "policy "+c.ID, "", err)
	}
	as := c.Assignments
	c.Assignments = nil
	var checked []*policy.Assignment
	if len(as) > 0 {
		var err error
		if checked, err = w.s.checkAssignments(op, c.ID, as); err != nil {
			return nil, 0, err
		}
	}
	now := w.now.UTC()
	if !keepTimes || c.CreatedDateTime.IsZero() {
		c.CreatedDateTime = now
	}
	if !keepTimes || c.LastModifiedDateTime.IsZero() {
		c.LastModifiedDateTime = c.CreatedDateTime
	}
	version, err := w.tx.PutPolicy(w.ctx, &store.Policy{Policy: c})
	if err != nil {
		return nil, 0, err
	}
	w.changed(changePolicy, c.ID)
	if len(checked) > 0 {
		if _, err := w.tx.PutAssignments(w.ctx, &store.Assignments{PolicyID: c.ID, Assignments: checked}); err != nil {
			return nil, 0, err
		}
		w.changed(changeAssignments, c.ID)
	}
	out := c.Clone()
	out.Assignments = cloneAssignments(checked)
	return out, version, nil
}

// ImportPolicies stores the policies of a Graph export: one policy or a
// list response ({"value": [...]}), in the portal's native shape or with
// full metadata. Each is validated with the catalog; ids and times the
// export carries are kept (new ones are made up when missing), and
// expanded assignments become the policies' assignments, whose groups must
// exist. All or none are stored.
//
// A decoding error is an *InputError wrapping the *policy.DecodeError with
// its JSON path; invalid policies give one *InputError each (joined), each
// wrapping the policy's *policy.ValidationError.
func (s *Service) ImportPolicies(ctx context.Context, graphJSON []byte) ([]*policy.Policy, error) {
	const op = "ImportPolicies"
	if err := s.admin(&ctx, op); err != nil {
		return nil, err
	}
	ps, err := policy.DecodeGraphList(graphJSON)
	if err != nil {
		return nil, invalid(op, "graphJSON", "", err)
	}
	var out []*policy.Policy
	err = s.write(ctx, op, func(w *txn) error {
		out = out[:0]
		seen := map[string]bool{}
		var errs []error
		for i, p := range ps {
			if p.ID != "" {
				if seen[p.ID] {
					errs = append(errs, invalid(op, fmt.Sprintf("policies[%d]", i), fmt.Sprintf("id %q appears twice", p.ID), nil))
					continue
				}
				seen[p.ID] = true
			}
			c, _, err := w.createPolicy(op, p, true)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, c)
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdatePolicy replaces a policy's content (name, description, settings,
// ...) with optimistic concurrency: version is the version read, and
// ErrConflict says someone changed it since. The policy is validated with
// the catalog; its creation time is kept and its modification time set
// from the clock. Its assignments are not changed (see AssignPolicy).
// Every device the policy targets gets its configuration computed again at
// its next check-in.
func (s *Service) UpdatePolicy(ctx context.Context, p *policy.Policy, version int64) (int64, error) {
	const op = "UpdatePolicy"
	if err := s.admin(&ctx, op, policyKey(p)); err != nil {
		return 0, err
	}
	if p == nil {
		return 0, invalid(op, "policy", "nil", nil)
	}
	var out int64
	err := s.write(ctx, op, func(w *txn) error {
		cur := w.st.policies[p.ID]
		if cur == nil {
			return notFound("policy", p.ID)
		}
		if cur.version != version {
			return versionConflict("policy", p.ID, version, cur.version)
		}
		c, err := w.s.updatedPolicy(op, p, cur, w.now)
		if err != nil {
			return err
		}
		v, err := w.tx.PutPolicy(w.ctx, &store.Policy{Policy: c, Version: version})
		if err != nil {
			return err
		}
		out = v
		w.changed(changePolicy, c.ID)
		return nil
	})
	return out, err
}

// DeletePolicy deletes a policy and its assignments. The devices it
// targeted get their configurations computed again at their next check-in.
func (s *Service) DeletePolicy(ctx context.Context, id string) error {
	const op = "DeletePolicy"
	if err := s.admin(&ctx, op, id); err != nil {
		return err
	}
	return s.write(ctx, op, func(w *txn) error {
		cur := w.st.policies[id]
		if cur == nil {
			return notFound("policy", id)
		}
		if err := w.tx.DeletePolicy(w.ctx, id, cur.version); err != nil {
			return err
		}
		w.changed(changePolicy, id)
		return nil
	})
}

// Policy returns a copy of a policy, with its assignments, and its
// version.
func (s *Service) Policy(ctx context.Context, id string) (*policy.Policy, int64, error) {
	if err := s.adminRead(&ctx, "Policy", id); err != nil {
		return nil, 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	pe := s.state.policies[id]
	if pe == nil {
		return nil, 0, notFound("policy", id)
	}
	return pe.copy(), pe.version, nil
}

// copy returns a copy of the policy with its assignments.
func (pe *policyEntry) copy() *policy.Policy {
	c := pe.pol.Clone()
	c.Assignments = cloneAssignments(pe.assignments)
	return c
}

// Policies iterates over copies of every policy, with its assignments, in
// id order.
func (s *Service) Policies(ctx context.Context) iter.Seq2[*policy.Policy, error] {
	return func(yield func(*policy.Policy, error) bool) {
		ctx := ctx
		if err := s.adminRead(&ctx, "Policies"); err != nil {
			yield(nil, err)
			return
		}
		s.mu.RLock()
		ps := make([]*policy.Policy, 0, len(s.state.policies))
		a := accessOf(ctx)
		for _, pe := range s.state.policies {
			if a.sees(pe.pol.RoleScopeTagIDs) {
				ps = append(ps, pe.copy())
			}
		}
		s.mu.RUnlock()
		slices.SortFunc(ps, func(a, b *policy.Policy) int { return strings.Compare(a.ID, b.ID) })
		for _, p := range ps {
			if !yield(p, nil) {
				return
			}
		}
	}
}

// AssignPolicy replaces a policy's assignments with as, as Graph's assign
// action does: included and excluded groups (which must exist), all
// devices, and the targets devices managed here ignore (users, filters,
// Configuration Manager collections), which are kept. Every device the old
// or the new assignments target gets its configuration computed again at
// its next check-in. It returns the version of the assignment set.
func (s *Service) AssignPolicy(ctx context.Context, policyID string, as []*policy.Assignment) (int64, error) {
	const op = "AssignPolicy"
	if err := s.admin(&ctx, op, policyID); err != nil {
		return 0, err
	}
	var out int64
	err := s.write(ctx, op, func(w *txn) error {
		pe := w.st.policies[policyID]
		if pe == nil {
			return notFound("policy", policyID)
		}
		checked, err := w.s.checkAssignments(op, policyID, as)
		if err != nil {
			return err
		}
		v, err := w.tx.PutAssignments(w.ctx, &store.Assignments{PolicyID: policyID, Assignments: checked, Version: pe.assignVer})
		if err != nil {
			return err
		}
		out = v
		w.changed(changeAssignments, policyID)
		return nil
	})
	return out, err
}

// Assignments returns copies of a policy's assignments.
func (s *Service) Assignments(ctx context.Context, policyID string) ([]*policy.Assignment, error) {
	if err := s.adminRead(&ctx, "Assignments", policyID); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	pe := s.state.policies[policyID]
	if pe == nil {
		return nil, notFound("policy", policyID)
	}
	return cloneAssignments(pe.assignments), nil
}

func cloneAssignments(as []*policy.Assignment) []*policy.Assignment {
	if as == nil {
		return nil
	}
	out := make([]*policy.Assignment, len(as))
	for i, a := range as {
		c := *a
		out[i] = &c
	}
	return out
}
