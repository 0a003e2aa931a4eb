package secmgmt

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
)

// The audit trail: every administrative write appends, in its own store
// transaction, one entry per object it changed (a policy, a policy's
// assignment set, a group, a device, the tenant), naming the caller, the
// operation, the object and its versions before and after, with a detail
// of what changed. What the write changed as a consequence (the devices a
// tenant change re-evaluated, the groups a device deletion left) is counted
// in the detail, not given entries of its own. A write that changes nothing
// appends nothing; a refused or failed write appends nothing, as its
// transaction rolls back.

// maxDetail bounds the detail the service writes, in bytes.
const maxDetail = 4096

// primary reports whether changes of kind are the objects an operation on
// object changes (and so are reviewed and audited).
func primary(object, kind string) bool {
	switch object {
	case objectPolicy:
		return kind == changePolicy || kind == changeAssignments
	case objectGroup:
		return kind == changeGroup
	case objectDevice:
		return kind == changeDevice
	case objectTenant:
		return kind == changeTenant
	}
	return false
}

// review runs in a write's transaction, after the write's function: for an
// administrative operation it checks what the write changed against the
// caller's grant (see reviewChange) and appends the audit entries. Its
// error rolls the whole write back.
func (w *txn) review(op adminOp) error {
	o, ok := operations[op]
	if !ok {
		return &authz.ForbiddenError{Reason: fmt.Sprintf("operation %s is not declared to the authorization choke point", op)}
	}
	if o.class != classAdmin {
		return nil
	}
	a := w.acc
	if a == nil || a.op != op {
		return &authz.ForbiddenError{Permission: o.perm, Reason: fmt.Sprintf("%s did not pass the authorization choke point", op)}
	}
	var entries []store.AuditEntry
	others := map[string]int{}
	for _, c := range w.changes[1:] {
		keys := c.Keys
		if len(keys) == 0 {
			keys = []string{""}
		}
		for _, k := range keys {
			if !primary(o.object, c.Kind) {
				if c.Kind != changeSync {
					others[c.Kind]++
				}
				continue
			}
			e, err := w.reviewChange(a, c.Kind, k)
			if err != nil {
				return fmt.Errorf("secmgmt: %s: %w", op, err)
			}
			entries = append(entries, e)
		}
	}
	also := consequences(others)
	for _, e := range entries {
		e.At, e.PrincipalID, e.Operation = w.now, a.principal(), string(op)
		e.Detail = clip(e.Detail + also)
		if _, err := w.tx.AppendAudit(w.ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// consequences words the changes a write made besides its objects.
func consequences(others map[string]int) string {
	if len(others) == 0 {
		return ""
	}
	var parts []string
	for _, kind := range []string{changeDevice, changeGroup, changePolicy, changeAssignments, changeTenant} {
		switch n := others[kind]; {
		case n == 1:
			parts = append(parts, "1 "+kind)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n, kind))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (the change also updated " + strings.Join(parts, ", ") + ")"
}

// clip bounds a detail.
func clip(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	s = s[:maxDetail-len("…")]
	for len(s) > 0 && !utf8Start(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if len(s) > 0 {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// utf8Start reports whether b starts a UTF-8 sequence (or is ASCII).
func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// reviewChange checks one object the write changed and returns its audit
// entry. A scoped caller must have reached the object before the write;
// every scope tag it adds to or removes from an object must be one it
// holds; the groups it adds to or removes from a policy's assignments, and
// the devices it adds to or removes from a static group, must be within its
// reach (assigning to all devices or all users needs an unscoped grant);
// and it may not set a membership rule, which could select devices outside
// its reach.
func (w *txn) reviewChange(a *access, kind, key string) (store.AuditEntry, error) {
	switch kind {
	case changePolicy:
		return w.reviewPolicy(a, key)
	case changeAssignments:
		return w.reviewAssignments(a, key)
	case changeGroup:
		return w.reviewGroup(a, key)
	case changeDevice:
		return w.reviewDevice(a, key)
	case changeTenant:
		after, err := w.tx.Tenant(w.ctx)
		if err != nil {
			return store.AuditEntry{}, err
		}
		return store.AuditEntry{ObjectKind: objectTenant, BeforeVersion: w.st.tenantVer, AfterVersion: after.Version,
			Detail: tenantDetail(w.st.tenant, after.Config)}, nil
	}
	return store.AuditEntry{}, fmt.Errorf("secmgmt: no audit for changes of %q", kind)
}

// optional returns nil for a record that is not found.
func optional[T any](v *T, err error) (*T, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

func (w *txn) reviewPolicy(a *access, id string) (store.AuditEntry, error) {
	e := store.AuditEntry{ObjectKind: objectPolicy, ObjectID: id}
	before := w.st.policies[id]
	after, err := optional(w.tx.Policy(w.ctx, id))
	if err != nil {
		return e, err
	}
	var beforePol, afterPol *policy.Policy
	if before != nil {
		if !a.sees(before.pol.RoleScopeTagIDs) {
			return e, forbidden(a, objectPolicy, id, outOfScope(a))
		}
		beforePol, e.BeforeVersion = before.pol, before.version
	}
	if after != nil {
		afterPol, e.AfterVersion = after.Policy, after.Version
		if err := a.checkTags(objectPolicy, id, tagsOf(beforePol), afterPol.RoleScopeTagIDs, before == nil); err != nil {
			return e, err
		}
	}
	e.Detail = policyDetail(beforePol, afterPol)
	return e, nil
}

func tagsOf(p *policy.Policy) []string {
	if p == nil {
		return nil
	}
	return p.RoleScopeTagIDs
}

// grantFor returns the caller's access for another permission than the
// operation's (the assignments a created policy carries need
// policies.assign), asking the Authorizer once per write.
func (w *txn) grantFor(perm authz.Permission) (*access, error) {
	if w.acc.perm == perm {
		return w.acc, nil
	}
	if a := w.grants[perm]; a != nil {
		return a, nil
	}
	g, err := w.s.cfg.authorizer.Authorize(w.ctx, perm)
	if err != nil {
		if !errors.Is(err, authz.ErrForbidden) {
			err = fmt.Errorf("the authorizer could not decide (%w): %w", err, authz.ErrForbidden)
		}
		return nil, err
	}
	a := &access{op: w.acc.op, perm: perm, grant: g}
	if w.grants == nil {
		w.grants = map[authz.Permission]*access{}
	}
	w.grants[perm] = a
	return a, nil
}

func (w *txn) reviewAssignments(a *access, id string) (store.AuditEntry, error) {
	e := store.AuditEntry{ObjectKind: objectAssignments, ObjectID: id}
	aa, err := w.grantFor(authz.PoliciesAssign)
	if err != nil {
		return e, err
	}
	var tags []string
	var before []*policy.Assignment
	if pe := w.st.policies[id]; pe != nil {
		tags, before, e.BeforeVersion = pe.pol.RoleScopeTagIDs, pe.assignments, pe.assignVer
	} else if p, err := optional(w.tx.Policy(w.ctx, id)); err != nil {
		return e, err
	} else if p != nil {
		tags = p.Policy.RoleScopeTagIDs
	}
	if !aa.sees(tags) {
		return e, forbidden(aa, objectPolicy, id, outOfScope(aa))
	}
	var after []*policy.Assignment
	if as, err := optional(w.tx.Assignments(w.ctx, id)); err != nil {
		return e, err
	} else if as != nil {
		after, e.AfterVersion = as.Assignments, as.Version
	}
	bt, at := targetsOf(before), targetsOf(after)
	if aa.scoped() {
		for _, t := range symmetricDiff(bt, at) {
			kind, group, _ := strings.Cut(t, ":")
			switch policy.TargetKind(kind) {
			case policy.TargetGroup, policy.TargetExclusionGroup:
				ge := w.st.groups[group]
				if ge == nil || !aa.sees(ge.g.RoleScopeTagIDs) {
					return e, forbidden(aa, objectGroup, group, "the policy cannot be assigned to a group outside the principal's scope")
				}
			case policy.TargetAllDevices, policy.TargetAllLicensedUsers:
				return e, forbidden(aa, objectAssignments, id, "an assignment to all devices or all users reaches devices outside the principal's scope")
			}
		}
	}
	e.Detail = fmt.Sprintf("targets %s → %s", listOf(bt), listOf(at))
	return e, nil
}

// targetsOf returns the targets of assignments as "kind:id" (filters
// aside), sorted.
func targetsOf(as []*policy.Assignment) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		t := string(a.Target.Kind)
		switch {
		case a.Target.Kind.HasGroup():
			t += ":" + canonicalID(a.Target.GroupID)
		case a.Target.Kind == policy.TargetConfigurationManagerCollection:
			t += ":" + a.Target.CollectionID
		}
		out = append(out, t)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// symmetricDiff returns what is in one sorted list and not the other.
func symmetricDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if _, found := slices.BinarySearch(a, x); !found {
			out = append(out, x)
		}
	}
	return out
}

// normTags returns scope tags sorted, with the Default tag for none.
func normTags(tags []string) []string {
	if len(tags) == 0 {
		return []string{authz.DefaultScopeTag}
	}
	out := slices.Clone(tags)
	slices.Sort(out)
	return slices.Compact(out)
}

// checkTags checks the scope tags a scoped caller gives or takes from an
// object: each one added or removed must be one it holds. A created object
// has no tags before.
func (a *access) checkTags(kind, id string, before, after []string, created bool) error {
	if !a.scoped() {
		return nil
	}
	b := normTags(before)
	if created {
		b = nil
	}
	for _, t := range symmetricDiff(b, normTags(after)) {
		if !a.grant.Holds(t) {
			return forbidden(a, kind, id, fmt.Sprintf("the principal does not hold scope tag %q, which the change gives or takes away", t))
		}
	}
	return nil
}

func (w *txn) reviewGroup(a *access, id string) (store.AuditEntry, error) {
	e := store.AuditEntry{ObjectKind: objectGroup, ObjectID: id}
	var before *store.Group
	if ge := w.st.groups[id]; ge != nil {
		before, e.BeforeVersion = ge.g, ge.g.Version
		if !a.sees(before.RoleScopeTagIDs) {
			return e, forbidden(a, objectGroup, id, outOfScope(a))
		}
	}
	after, err := optional(w.tx.Group(w.ctx, id))
	if err != nil {
		return e, err
	}
	if after != nil {
		e.AfterVersion = after.Version
		if a.scoped() {
			if err := a.checkTags(objectGroup, id, groupTags(before), after.RoleScopeTagIDs, before == nil); err != nil {
				return e, err
			}
			if after.MembershipRule != "" && (before == nil || before.MembershipRule != after.MembershipRule) {
				return e, forbidden(a, objectGroup, id, "a membership rule can select devices outside the principal's scope: only an unscoped principal sets one")
			}
			for _, d := range symmetricDiff(groupMembers(before), after.Members) {
				if !w.seesDeviceBefore(a, d) {
					return e, forbidden(a, objectDevice, d, "a device outside the principal's scope cannot be added to or removed from a group")
				}
			}
		}
	}
	e.Detail = groupDetail(before, after)
	return e, nil
}

func groupTags(g *store.Group) []string {
	if g == nil {
		return nil
	}
	return g.RoleScopeTagIDs
}

func groupMembers(g *store.Group) []string {
	if g == nil {
		return nil
	}
	return g.Members
}

// seesDeviceBefore reports whether the access reached a device before the
// write: its memberships then are the index's now, less those the write
// added and with those it removed.
func (w *txn) seesDeviceBefore(a *access, id string) bool {
	if !a.scoped() {
		return true
	}
	groups := map[string]bool{}
	for g := range w.st.index.GroupsOf(id) {
		groups[g] = true
	}
	for _, m := range w.delta.Added {
		if m.Device == id {
			delete(groups, m.Group)
		}
	}
	for _, m := range w.delta.Removed {
		if m.Device == id {
			groups[m.Group] = true
		}
	}
	return w.st.seesDevice(a, id, func(yield func(string) bool) {
		for g := range groups {
			if !yield(g) {
				return
			}
		}
	})
}

func (w *txn) reviewDevice(a *access, id string) (store.AuditEntry, error) {
	e := store.AuditEntry{ObjectKind: objectDevice, ObjectID: id}
	if !w.seesDeviceBefore(a, id) {
		return e, forbidden(a, objectDevice, id, outOfScope(a))
	}
	d := w.st.devices[id]
	if d != nil {
		e.BeforeVersion = d.version
	}
	after, err := optional(w.tx.Device(w.ctx, id))
	if err != nil {
		return e, err
	}
	enr, err := optional(w.tx.Enrollment(w.ctx, id))
	if err != nil {
		return e, err
	}
	cred, err := optional(w.tx.Credential(w.ctx, id))
	if err != nil {
		return e, err
	}
	if after != nil {
		e.AfterVersion = after.Version
	}
	e.Detail = deviceDetail(d, after, enr, cred)
	if a.op == "PolicySync" && e.Detail == genericDeviceDetail {
		e.Detail = "policy sync requested"
	}
	return e, nil
}

// --- details -------------------------------------------------------------

// genericDeviceDetail is the detail of a device change that no field
// explains.
const genericDeviceDetail = "directory object or enrollment record updated"

// listOf writes a list as [a, b].
func listOf(xs []string) string { return "[" + strings.Join(xs, ", ") + "]" }

// changes collects "what: before → after" parts.
type changes []string

func (c *changes) add(what string, before, after any) {
	*c = append(*c, fmt.Sprintf("%s %v → %v", what, before, after))
}

func (c changes) String() string {
	if len(c) == 0 {
		return "no change of content"
	}
	return strings.Join(c, "; ")
}

func policyDetail(before, after *policy.Policy) string {
	switch {
	case before == nil && after != nil:
		return fmt.Sprintf("created %q: template %q, %d settings, scope tags %s",
			after.Name, after.TemplateReference.TemplateID, len(after.Settings), listOf(normTags(after.RoleScopeTagIDs)))
	case after == nil && before != nil:
		return fmt.Sprintf("deleted %q", before.Name)
	case before == nil:
		return ""
	}
	var c changes
	if before.Name != after.Name {
		c.add("name", fmt.Sprintf("%q", before.Name), fmt.Sprintf("%q", after.Name))
	}
	if before.Description != after.Description {
		c = append(c, "description changed")
	}
	if before.TemplateReference.TemplateID != after.TemplateReference.TemplateID {
		c.add("template", fmt.Sprintf("%q", before.TemplateReference.TemplateID), fmt.Sprintf("%q", after.TemplateReference.TemplateID))
	}
	if before.Platforms != after.Platforms || before.Technologies != after.Technologies {
		c = append(c, "platforms or technologies changed")
	}
	if !reflect.DeepEqual(before.Settings, after.Settings) {
		c = append(c, fmt.Sprintf("settings changed (%d → %d settings)", len(before.Settings), len(after.Settings)))
	}
	if bt, at := normTags(before.RoleScopeTagIDs), normTags(after.RoleScopeTagIDs); !slices.Equal(bt, at) {
		c.add("scope tags", listOf(bt), listOf(at))
	}
	return fmt.Sprintf("updated %q: %s", after.Name, c)
}

func groupDetail(before, after *store.Group) string {
	describe := func(g *store.Group) string {
		if g.Dynamic() {
			return fmt.Sprintf("dynamic, rule %q", g.MembershipRule)
		}
		return fmt.Sprintf("static, %d members", len(g.Members))
	}
	switch {
	case before == nil && after != nil:
		return fmt.Sprintf("created %q: %s, scope tags %s", after.DisplayName, describe(after), listOf(normTags(after.RoleScopeTagIDs)))
	case after == nil && before != nil:
		return fmt.Sprintf("deleted %q", before.DisplayName)
	case before == nil:
		return ""
	}
	var c changes
	if before.DisplayName != after.DisplayName {
		c.add("name", fmt.Sprintf("%q", before.DisplayName), fmt.Sprintf("%q", after.DisplayName))
	}
	if before.Description != after.Description {
		c = append(c, "description changed")
	}
	if before.MembershipRule != after.MembershipRule {
		c.add("rule", fmt.Sprintf("%q", before.MembershipRule), fmt.Sprintf("%q", after.MembershipRule))
	}
	if before.ProcessingState != after.ProcessingState {
		c.add("processing", before.ProcessingState, after.ProcessingState)
	}
	var added, removed []string
	for _, m := range symmetricDiff(before.Members, after.Members) {
		if _, found := slices.BinarySearch(after.Members, m); found {
			added = append(added, m)
		} else {
			removed = append(removed, m)
		}
	}
	if len(added) > 0 {
		c = append(c, "members added "+shortList(added))
	}
	if len(removed) > 0 {
		c = append(c, "members removed "+shortList(removed))
	}
	if bt, at := normTags(before.RoleScopeTagIDs), normTags(after.RoleScopeTagIDs); !slices.Equal(bt, at) {
		c.add("scope tags", listOf(bt), listOf(at))
	}
	return fmt.Sprintf("updated %q: %s", after.DisplayName, c)
}

// shortList writes at most 10 ids, and how many more there are.
func shortList(ids []string) string {
	const most = 10
	if len(ids) <= most {
		return listOf(ids)
	}
	return fmt.Sprintf("%s and %d more", listOf(ids[:most]), len(ids)-most)
}

func deviceDetail(before *deviceEntry, after *store.Device, enr *store.Enrollment, cred *store.Credential) string {
	var c changes
	var beforeTags, afterTags []string
	beforeState := enrollment.StateNotOnboarded
	if before != nil {
		if before.facts != nil {
			beforeTags = before.facts.Tags
		}
		beforeState = before.record.State
	}
	if after != nil && after.Facts != nil {
		afterTags = after.Facts.Tags
	}
	if !slices.Equal(beforeTags, afterTags) {
		c.add("tags", listOf(beforeTags), listOf(afterTags))
	}
	if enr != nil && enr.Record.State != beforeState {
		c.add("enrollment", beforeState, enr.Record.State)
	}
	hadObject := before != nil && before.record.State != enrollment.StateNotOnboarded
	switch {
	case after == nil:
		c = append(c, "device removed")
	case after.Object == nil && hadObject && before.record.State != enrollment.StateOffboarded && before.record.State != enrollment.StateDeleted:
		c = append(c, "directory object removed")
	}
	if cred != nil && before != nil {
		switch {
		case cred.Revoked() && !before.revoked:
			c = append(c, "credential revoked")
		case !cred.Revoked() && !slices.Equal(cred.Hash, before.credHash):
			c = append(c, "credential issued")
		}
	}
	if len(c) == 0 {
		return genericDeviceDetail
	}
	return c.String()
}

func tenantDetail(before, after enrollment.Tenant) string {
	var c changes
	diffFields(&c, "", reflect.ValueOf(before), reflect.ValueOf(after))
	return c.String()
}

// diffFields adds the fields of two structs that differ, by path.
func diffFields(c *changes, prefix string, a, b reflect.Value) {
	for i := range a.NumField() {
		name := prefix + a.Type().Field(i).Name
		fa, fb := a.Field(i), b.Field(i)
		if fa.Kind() == reflect.Struct {
			diffFields(c, name+".", fa, fb)
			continue
		}
		if fa.Interface() != fb.Interface() {
			c.add(name, fa.Interface(), fb.Interface())
		}
	}
}

// --- reading and exporting ----------------------------------------------

// Audit iterates over the audit trail's entries that q selects, oldest
// first (see store.AuditQuery: by time range, principal, operation,
// object; After resumes). It needs authz.AuditRead. A caller whose grant
// is limited by scope tags sees the entries of the objects it reaches now,
// the tenant's, and its own.
func (s *Service) Audit(ctx context.Context, q store.AuditQuery) iter.Seq2[*store.AuditEntry, error] {
	return func(yield func(*store.AuditEntry, error) bool) {
		ctx := ctx
		if err := s.adminRead(&ctx, "Audit"); err != nil {
			yield(nil, err)
			return
		}
		a := accessOf(ctx)
		for e, err := range s.st.Audit(ctx, q) {
			if err != nil {
				yield(nil, err)
				return
			}
			if a.scoped() && !s.seesEntry(a, e) {
				continue
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// seesEntry reports whether a scoped access reaches an audit entry.
func (s *Service) seesEntry(a *access, e *store.AuditEntry) bool {
	if e.PrincipalID != "" && e.PrincipalID == a.principal() {
		return true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch e.ObjectKind {
	case objectTenant:
		return true
	case objectPolicy, objectAssignments:
		return s.state.policies[e.ObjectID] != nil && s.state.seesPolicyID(a, e.ObjectID)
	case objectGroup:
		ge := s.state.groups[e.ObjectID]
		return ge != nil && a.sees(ge.g.RoleScopeTagIDs)
	case objectDevice:
		return s.state.devices[e.ObjectID] != nil && s.state.seesDeviceID(a, e.ObjectID)
	}
	return false
}

// AuditTable exports audit entries as a report table, for CSV or the Graph
// reports JSON shape (report.Table.WriteCSV, WriteJSON), with columns named
// after Intune's auditEvent: Id, ActivityDateTime, Actor, Activity (the
// operation), ActivityOperationType (Create, Patch, Delete or Action),
// ResourceType, ResourceId, OldVersion, NewVersion and Details.
func AuditTable(entries iter.Seq[*store.AuditEntry]) report.Table {
	col := func(name string, t report.PropertyType) report.Column {
		return report.Column{Column: name, PropertyType: t}
	}
	return report.Table{
		Columns: []report.Column{col("Id", report.TypeInt64), col("ActivityDateTime", report.TypeDateTime),
			col("Actor", report.TypeString), col("Activity", report.TypeString), col("ActivityOperationType", report.TypeString),
			col("ResourceType", report.TypeString), col("ResourceId", report.TypeString),
			col("OldVersion", report.TypeInt64), col("NewVersion", report.TypeInt64), col("Details", report.TypeString)},
		Rows: func(yield func([]any) bool) {
			for e := range entries {
				if !yield([]any{e.Seq, e.At, e.PrincipalID, e.Operation, operationType(e), e.ObjectKind, e.ObjectID,
					e.BeforeVersion, e.AfterVersion, e.Detail}) {
					return
				}
			}
		},
	}
}

// operationType is an entry's ActivityOperationType: Graph's actions
// (assign, sync, a new credential) are Action, deletions Delete, a new
// object Create, and every other change (the tenant's settings included)
// Patch.
func operationType(e *store.AuditEntry) string {
	switch e.Operation {
	case "AssignPolicy", "PolicySync", "ReissueCredential":
		return "Action"
	case "DeletePolicy", "DeleteGroup", "DeleteDevice":
		return "Delete"
	case "SetTenant":
		// The tenant's settings always exist (defaults until first
		// stored): a change of them is a Patch.
		return "Patch"
	}
	switch {
	case e.BeforeVersion == 0:
		return "Create"
	case e.AfterVersion == 0:
		return "Delete"
	}
	return "Patch"
}
