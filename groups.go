package secmgmt

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/targeting"
)

// Group is a device group: static, with members added by hand, or
// dynamic, with the members its membership rule selects.
type Group struct {
	// ID is the group's object id; the service makes one up when it is
	// empty. Ids are case-insensitive: the service keeps them in lower case.
	ID          string
	DisplayName string
	Description string
	// MembershipRule is the dynamic membership rule; empty for a static
	// group.
	MembershipRule string
	// Processing is On or Paused for a dynamic group (empty reads On) and
	// empty for a static group. A paused group keeps its members.
	Processing targeting.ProcessingState
	// Members are a static group's members, by device id. Devices must
	// have a directory object (be onboarded) to be members.
	Members []string
	// RoleScopeTagIDs are the group's scope tags: which administrators see
	// the group, may assign policies to it, and see its devices (see the
	// package documentation). None means the Default tag ("0"); a group
	// created by a principal limited by scope tags gets the principal's.
	// UpdateGroup keeps the tags when it is given none.
	RoleScopeTagIDs []string
	// Version is the version of the group, for UpdateGroup.
	Version int64
}

// Dynamic reports whether the group has a membership rule.
func (g *Group) Dynamic() bool { return g.MembershipRule != "" }

// maxNameBytes bounds display names and descriptions.
const maxNameBytes = 1024

// storedGroup checks a group given by a caller and returns its store and
// index forms.
func (s *Service) storedGroup(op string, g Group) (_ *store.Group, _ targeting.Group, err error) {
	id := canonicalID(g.ID)
	if why := checkID(id); why != "" {
		return nil, targeting.Group{}, invalid(op, "ID", why, nil)
	}
	if len(g.DisplayName) > maxNameBytes || len(g.Description) > maxNameBytes {
		return nil, targeting.Group{}, invalid(op, "DisplayName", fmt.Sprintf("display name or description longer than %d bytes", maxNameBytes), nil)
	}
	sg := &store.Group{ID: id, DisplayName: g.DisplayName, Description: g.Description, Version: g.Version}
	if sg.RoleScopeTagIDs, err = scopeTags(op, g.RoleScopeTagIDs); err != nil {
		return nil, targeting.Group{}, err
	}
	if !g.Dynamic() {
		if g.Processing != "" {
			return nil, targeting.Group{}, invalid(op, "Processing", "a static group has no processing state", nil)
		}
		members := make([]string, 0, len(g.Members))
		for _, m := range g.Members {
			members = append(members, canonicalID(m))
		}
		slices.Sort(members)
		sg.Members = slices.Compact(members)
		return sg, targeting.Group{ID: id, DisplayName: g.DisplayName, Members: sg.Members}, nil
	}
	if len(g.Members) > 0 {
		return nil, targeting.Group{}, invalid(op, "Members", "", targeting.ErrStaticMembersOnDynamicGroup)
	}
	ps := g.Processing
	if ps == "" {
		ps = targeting.ProcessingOn
	}
	if !ps.Valid() {
		return nil, targeting.Group{}, invalid(op, "Processing", fmt.Sprintf("unknown processing state %q", string(ps)), nil)
	}
	def, err := targeting.NewDynamicGroup(id, g.DisplayName, g.MembershipRule)
	if err != nil {
		return nil, targeting.Group{}, invalid(op, "MembershipRule", "", err)
	}
	def.MembershipRuleProcessingState = ps
	sg.MembershipRule, sg.ProcessingState = g.MembershipRule, store.ProcessingState(ps)
	return sg, def, nil
}

// indexError turns an error of the index into the service's: the caller's
// mistake (an unknown device, a memberOf chain, ...) is an *InputError.
func indexError(op, field string, err error) error {
	switch {
	case errors.Is(err, targeting.ErrUnknownDevice):
		return invalid(op, field, "", fmt.Errorf("%w (%w)", err, ErrNotFound))
	case errors.Is(err, targeting.ErrUnknownGroup):
		return fmt.Errorf("%w (%w)", err, ErrNotFound)
	}
	return invalid(op, field, "", err)
}

// CreateGroup creates a static or dynamic group and returns it as stored.
// A dynamic group's rule is parsed and checked (an invalid rule is an
// *InputError wrapping the *targeting.RuleError, with its position) and
// applied to every device at once.
func (s *Service) CreateGroup(ctx context.Context, g Group) (*Group, error) {
	const op = "CreateGroup"
	if err := s.admin(&ctx, op); err != nil {
		return nil, err
	}
	if g.ID == "" {
		g.ID = s.newID()
	}
	g.Version = 0
	g.RoleScopeTagIDs = accessOf(ctx).stamp(g.RoleScopeTagIDs)
	sg, def, err := s.storedGroup(op, g)
	if err != nil {
		return nil, err
	}
	var out *Group
	err = s.write(ctx, op, func(w *txn) error {
		if w.st.groups[sg.ID] != nil {
			return fmt.Errorf("group %q exists: %w", sg.ID, ErrConflict)
		}
		var err error
		out, err = w.putGroup(op, sg, def, true)
		return err
	})
	return out, err
}

// putGroup applies a group's definition to the index and writes it with
// the memberships it changes.
func (w *txn) putGroup(op string, sg *store.Group, def targeting.Group, create bool) (*Group, error) {
	var d targeting.Delta
	var err error
	if create {
		d, err = w.st.index.AddGroup(def)
	} else {
		d, err = w.st.index.UpdateGroup(def)
	}
	if err != nil {
		return nil, indexError(op, "group", err)
	}
	w.touched = true
	v, err := w.tx.PutGroup(w.ctx, sg)
	if err != nil {
		return nil, err
	}
	if err := w.memberships(d); err != nil {
		return nil, err
	}
	w.changed(changeGroup, sg.ID)
	out := viewGroup(sg)
	out.Version = v
	return out, nil
}

// UpdateGroup replaces a group's definition (name, description, rule,
// processing state, static members) with optimistic concurrency: g.Version
// is the version read. A static group may become dynamic (members that
// meet the rule stay) and a dynamic one static (its members stay, or
// g.Members when given). The devices whose memberships change, in groups
// that policies are assigned to, get their configurations computed again.
func (s *Service) UpdateGroup(ctx context.Context, g Group) (*Group, error) {
	const op = "UpdateGroup"
	if err := s.admin(&ctx, op, g.ID); err != nil {
		return nil, err
	}
	sg, def, err := s.storedGroup(op, g)
	if err != nil {
		return nil, err
	}
	var out *Group
	err = s.write(ctx, op, func(w *txn) error {
		ge := w.st.groups[sg.ID]
		if ge == nil {
			return notFound("group", sg.ID)
		}
		if ge.g.Version != g.Version {
			return versionConflict("group", sg.ID, g.Version, ge.g.Version)
		}
		if !sg.Dynamic() && g.Members == nil {
			sg.Members, def.Members = w.st.memberList(sg.ID), nil
		}
		if g.RoleScopeTagIDs == nil {
			sg.RoleScopeTagIDs = ge.g.RoleScopeTagIDs
		}
		var err error
		out, err = w.putGroup(op, sg, def, false)
		return err
	})
	return out, err
}

// memberList returns a group's members in the index, sorted.
func (st *state) memberList(id string) []string {
	var out []string
	for m := range st.index.Members(id) {
		out = append(out, m)
	}
	return out
}

// modifyGroup runs fn on a copy of a stored group and writes the result.
func (s *Service) modifyGroup(ctx context.Context, op string, id string, fn func(g *Group) error) (*Group, error) {
	if err := s.admin(&ctx, adminOp(op), id); err != nil {
		return nil, err
	}
	id = canonicalID(id)
	var out *Group
	err := s.write(ctx, adminOp(op), func(w *txn) error {
		ge := w.st.groups[id]
		if ge == nil {
			return notFound("group", id)
		}
		g := viewGroup(ge.g)
		if err := fn(g); err != nil {
			return err
		}
		sg, def, err := w.s.storedGroup(op, *g)
		if err != nil {
			return err
		}
		out, err = w.putGroup(op, sg, def, false)
		return err
	})
	return out, err
}

// SetGroupRule sets a group's membership rule, making a static group
// dynamic; see UpdateGroup.
func (s *Service) SetGroupRule(ctx context.Context, groupID, rule string) (*Group, error) {
	return s.modifyGroup(ctx, "SetGroupRule", groupID, func(g *Group) error {
		if strings.TrimSpace(rule) == "" {
			return invalid("SetGroupRule", "rule", "empty", nil)
		}
		if !g.Dynamic() {
			g.Members, g.Processing = nil, targeting.ProcessingOn
		}
		g.MembershipRule = rule
		return nil
	})
}

// PauseGroup pauses a dynamic group's rule processing: the group keeps
// its members until processing resumes.
func (s *Service) PauseGroup(ctx context.Context, groupID string) (*Group, error) {
	return s.setProcessing(ctx, "PauseGroup", groupID, targeting.ProcessingPaused)
}

// ResumeGroup resumes a dynamic group's rule processing: the rule is
// applied to every device again.
func (s *Service) ResumeGroup(ctx context.Context, groupID string) (*Group, error) {
	return s.setProcessing(ctx, "ResumeGroup", groupID, targeting.ProcessingOn)
}

func (s *Service) setProcessing(ctx context.Context, op, groupID string, ps targeting.ProcessingState) (*Group, error) {
	return s.modifyGroup(ctx, op, groupID, func(g *Group) error {
		if !g.Dynamic() {
			return invalid(op, "group", "a static group has no rule processing to pause or resume", targeting.ErrInvalidGroup)
		}
		g.Processing = ps
		return nil
	})
}

// AddGroupMembers adds devices to a static group. A dynamic group's
// members cannot be edited (targeting.ErrStaticMembersOnDynamicGroup); a
// device without a directory object cannot be a member.
func (s *Service) AddGroupMembers(ctx context.Context, groupID string, deviceIDs ...string) (*Group, error) {
	return s.editMembers(ctx, "AddGroupMembers", groupID, deviceIDs, true)
}

// RemoveGroupMembers removes devices from a static group.
func (s *Service) RemoveGroupMembers(ctx context.Context, groupID string, deviceIDs ...string) (*Group, error) {
	return s.editMembers(ctx, "RemoveGroupMembers", groupID, deviceIDs, false)
}

func (s *Service) editMembers(ctx context.Context, op, groupID string, deviceIDs []string, add bool) (*Group, error) {
	return s.modifyGroup(ctx, op, groupID, func(g *Group) error { return editMembers(op, g, deviceIDs, add) })
}

// editMembers adds deviceIDs to a static group's sorted member list, or
// removes them from it; removing a device that is not a member is
// ErrNotFound, and a dynamic group has no members to edit.
func editMembers(op string, g *Group, deviceIDs []string, add bool) error {
	if g.Dynamic() {
		return invalid(op, "group", "", targeting.ErrStaticMembersOnDynamicGroup)
	}
	for _, id := range deviceIDs {
		id = canonicalID(id)
		i, found := slices.BinarySearch(g.Members, id)
		switch {
		case add && !found:
			g.Members = slices.Insert(g.Members, i, id)
		case !add && found:
			g.Members = slices.Delete(g.Members, i, i+1)
		case !add:
			return invalid(op, "deviceIDs", fmt.Sprintf("device %q is not a member", id), ErrNotFound)
		}
	}
	return nil
}

// DeleteGroup deletes a group and its memberships. A group that a policy
// is assigned to (included or excluded) is ErrInUse: change the
// assignments first.
func (s *Service) DeleteGroup(ctx context.Context, groupID string) error {
	const op = "DeleteGroup"
	if err := s.admin(&ctx, op, groupID); err != nil {
		return err
	}
	id := canonicalID(groupID)
	return s.write(ctx, op, func(w *txn) error {
		ge := w.st.groups[id]
		if ge == nil {
			return notFound("group", id)
		}
		if w.st.referenced(id) {
			return fmt.Errorf("group %q is assigned to policies: %w", id, ErrInUse)
		}
		d, err := w.st.index.RemoveGroup(id)
		if err != nil {
			return indexError(op, "groupID", err)
		}
		w.touched = true
		// The group's own memberships go with it; memberOf groups that
		// named it change.
		var rest targeting.Delta
		for _, m := range d.Added {
			if m.Group != id {
				rest.Added = append(rest.Added, m)
			}
		}
		for _, m := range d.Removed {
			if m.Group != id {
				rest.Removed = append(rest.Removed, m)
			}
		}
		if err := w.memberships(rest); err != nil {
			return err
		}
		if err := w.tx.DeleteGroup(w.ctx, id, ge.g.Version); err != nil {
			return err
		}
		w.changed(changeGroup, id)
		return nil
	})
}

// viewGroup returns the caller's form of a stored group.
func viewGroup(g *store.Group) *Group {
	out := &Group{
		ID:             g.ID,
		DisplayName:    g.DisplayName,
		Description:    g.Description,
		MembershipRule: g.MembershipRule,
		Members:        slices.Clone(g.Members),
		Version:        g.Version,
	}
	out.RoleScopeTagIDs = slices.Clone(g.RoleScopeTagIDs)
	if g.Dynamic() {
		out.Processing = targeting.ProcessingState(g.ProcessingState)
		if out.Processing == "" {
			out.Processing = targeting.ProcessingOn
		}
	}
	return out
}

// Group returns a group.
func (s *Service) Group(ctx context.Context, groupID string) (*Group, error) {
	if err := s.adminRead(&ctx, "Group", groupID); err != nil {
		return nil, err
	}
	id := canonicalID(groupID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	ge := s.state.groups[id]
	if ge == nil {
		return nil, notFound("group", id)
	}
	return viewGroup(ge.g), nil
}

// Groups iterates over every group, in id order.
func (s *Service) Groups(ctx context.Context) iter.Seq2[*Group, error] {
	return func(yield func(*Group, error) bool) {
		ctx := ctx
		if err := s.adminRead(&ctx, "Groups"); err != nil {
			yield(nil, err)
			return
		}
		s.mu.RLock()
		gs := make([]*Group, 0, len(s.state.groups))
		a := accessOf(ctx)
		for _, ge := range s.state.groups {
			if a.sees(ge.g.RoleScopeTagIDs) {
				gs = append(gs, viewGroup(ge.g))
			}
		}
		s.mu.RUnlock()
		slices.SortFunc(gs, func(a, b *Group) int { return strings.Compare(a.ID, b.ID) })
		for _, g := range gs {
			if !yield(g, nil) {
				return
			}
		}
	}
}

// GroupMembers returns the ids of a group's member devices, sorted: a
// static group's members, a dynamic group's devices that meet its rule (or
// that met it when it was paused).
func (s *Service) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	if err := s.adminRead(&ctx, "GroupMembers", groupID); err != nil {
		return nil, err
	}
	id := canonicalID(groupID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.state.groups[id] == nil {
		return nil, notFound("group", id)
	}
	a := accessOf(ctx)
	return slices.DeleteFunc(s.state.memberList(id), func(d string) bool { return !s.state.seesDeviceID(a, d) }), nil
}
