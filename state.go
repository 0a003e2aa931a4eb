package secmgmt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/targeting"
	"github.com/secmgmt/secmgmt/transport"
)

// state is the service's in-memory view of the store: what every request
// reads without going to the store. It is rebuilt from the store at start
// (and after a write fails half-way) and kept current by applying the
// store's change feed. Service.mu guards it.
type state struct {
	tenant    enrollment.Tenant
	tenantVer int64

	// dir holds the directory objects (the enrollment machine's view, with
	// the quota); index the memberships. Both key devices by canonical
	// device id.
	dir   *identity.Directory
	index *targeting.Index

	groups   map[string]*groupEntry  // by canonical group id
	policies map[string]*policyEntry // by policy id
	// assigned lists the policies whose assignment targets something, by
	// id: the candidates of every device's merge.
	assigned []*policyEntry
	// refs counts, per canonical group id, the assignments that name the
	// group (included or excluded): only memberships of those groups can
	// change a device's policies.
	refs map[string]int

	devices map[string]*deviceEntry // by canonical device id
}

// groupEntry is what the service keeps of a group besides the index.
type groupEntry struct {
	g *store.Group // read only
}

// policyEntry is one policy with its assignments.
type policyEntry struct {
	pol     *policy.Policy // read only; Assignments nil
	version int64
	// gen is unique to this entry among all the service loads.
	gen uint64
	// prepared is the policy in the form the merge takes (see merge.go).
	prepared preparedPolicy

	assignments []*policy.Assignment // read only
	assignVer   int64
	target      targeting.Assignment
}

// targets reports whether the policy's assignment can reach any device.
func (p *policyEntry) targets() bool {
	return p.target.AllDevices || len(p.target.IncludeGroups) > 0
}

// deviceEntry is one device: its records as stored, and the runtime state
// of its check-ins.
type deviceEntry struct {
	id      string
	version int64
	created time.Time
	// The device's directory object, if any, is the index's (and a copy
	// is the directory's).
	facts *enrollment.Facts // nil for a directory-only object; read only
	// record is the enrollment record (History nil); enrVer 0 when the
	// device has none.
	record enrollment.Record
	enrVer int64
	// credHash is the SHA-256 of the device's secret, nil when none was
	// issued; revoked is set when it was revoked.
	credHash []byte
	revoked  bool

	// mu guards the runtime fields below. It is taken with Service.mu held
	// for reading; a writer holding Service.mu alone may touch them
	// without it.
	mu sync.Mutex
	// dirty: the cached configuration must be computed again.
	dirty bool
	conf  *configuration
}

// managed reports whether the device receives policy through security
// settings management.
func (d *deviceEntry) managed() bool { return d.record.State == enrollment.StateEnrolled }

// class returns the device class the merge and the support matrix use.
func (d *deviceEntry) class() policy.DeviceClass {
	if d.facts == nil {
		return policy.DeviceClass{}
	}
	return policy.DeviceClass{Platform: policy.DevicePlatform(d.facts.Platform), DomainController: d.facts.DomainController}
}

// configuration is an effective configuration as the service caches it:
// the merge result and the message delivered to the device. Devices whose
// merge has the same inputs share one.
type configuration struct {
	key string
	res *conflict.Result
	msg *transport.Configuration
}

// variant is the documentation variant that goes with a mode.
func variant(m enrollment.Mode) policy.Variant {
	if m.Legacy() {
		return policy.VariantLegacy
	}
	return policy.VariantCurrent
}

// reload rebuilds the in-memory state from the store.
func (s *Service) reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloadLocked(ctx)
}

func (s *Service) reloadLocked(ctx context.Context) error {
	seq, st, err := s.load(ctx)
	if err != nil {
		return fmt.Errorf("secmgmt: loading the state from the store: %w", err)
	}
	s.state = st
	s.seq.Store(seq)
	s.cache.clear()
	s.stats.reloads.Add(1)
	return nil
}

// load reads the whole state from the store. The feed position is read
// first: a change committed while loading is applied again afterwards,
// which is harmless, as applying a change re-reads what it names.
func (s *Service) load(ctx context.Context) (int64, *state, error) {
	seq, err := s.st.LastChange(ctx)
	if err != nil {
		return 0, nil, err
	}
	t, err := s.st.Tenant(ctx)
	if err != nil {
		return 0, nil, err
	}
	st := &state{
		tenant:    t.Config,
		tenantVer: t.Version,
		index:     targeting.NewIndex(),
		groups:    map[string]*groupEntry{},
		policies:  map[string]*policyEntry{},
		refs:      map[string]int{},
		devices:   map[string]*deviceEntry{},
	}

	// Policies and their assignments.
	for p, err := range s.st.Policies(ctx, "") {
		if err != nil {
			return 0, nil, err
		}
		pe, err := s.newPolicyEntry(p.Policy, p.Version)
		if err != nil {
			return 0, nil, fmt.Errorf("policy %q: %w", p.Policy.ID, err)
		}
		st.policies[pe.pol.ID] = pe
	}
	for a, err := range s.st.AllAssignments(ctx, "") {
		if err != nil {
			return 0, nil, err
		}
		pe := st.policies[a.PolicyID]
		if pe == nil {
			continue
		}
		if err := pe.setAssignments(a.Assignments, a.Version); err != nil {
			return 0, nil, fmt.Errorf("assignments of policy %q: %w", a.PolicyID, err)
		}
	}
	st.rebuildAssigned()

	// Devices, their enrollment records and credentials.
	var objects []*identity.Device
	var keys []string
	for d, err := range s.st.Devices(ctx, "") {
		if err != nil {
			return 0, nil, err
		}
		st.devices[d.ID] = &deviceEntry{id: d.ID, version: d.Version, created: d.Created, facts: d.Facts, dirty: true}
		if d.Object != nil {
			// The directory keeps a copy, which the index shares.
			objects, keys = append(objects, d.Object), append(keys, d.ID)
		}
	}
	for e, err := range s.st.Enrollments(ctx, "") {
		if err != nil {
			return 0, nil, err
		}
		if de := st.devices[e.Record.DeviceID]; de != nil {
			de.record, de.enrVer = e.Record, e.Version
		}
	}
	for _, de := range st.devices {
		if de.facts == nil {
			continue
		}
		c, err := s.st.Credential(ctx, de.id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		de.credHash, de.revoked = c.Hash, c.Revoked()
	}
	quota := s.cfg.quota
	if quota > 0 && len(objects) > quota {
		// The quota was lowered below what the directory holds: no object
		// may be added until enough are gone.
		quota = len(objects)
	}
	st.dir, err = identity.NewDirectory(identity.WithQuota(quota), identity.WithDevices(objects...))
	if err != nil {
		return 0, nil, err
	}
	for i, obj := range objects {
		st.index.UpsertDevice(keys[i], sharedObject(st.dir, obj))
	}

	// Groups: those a memberOf rule names first, so that memberOf groups
	// find them.
	var groups []*store.Group
	for g, err := range s.st.Groups(ctx, "") {
		if err != nil {
			return 0, nil, err
		}
		groups = append(groups, g)
	}
	slices.SortStableFunc(groups, func(a, b *store.Group) int {
		return cmp.Compare(memberOfRank(a), memberOfRank(b))
	})
	for _, g := range groups {
		if err := s.loadGroup(ctx, st, g); err != nil {
			return 0, nil, fmt.Errorf("group %q: %w", g.ID, err)
		}
	}
	return seq, st, nil
}

// memberOfRank orders groups with memberOf rules after the others.
func memberOfRank(g *store.Group) int {
	if g.Dynamic() {
		if r, err := targeting.Parse(g.MembershipRule); err == nil && r.MemberOfGroups() != nil {
			return 1
		}
	}
	return 0
}

// loadGroup adds a stored group to the state's index. A paused group keeps
// the members the store holds for it.
func (s *Service) loadGroup(ctx context.Context, st *state, g *store.Group) error {
	id := g.ID
	st.groups[id] = &groupEntry{g: g}
	if !g.Dynamic() {
		_, err := st.index.AddGroup(targeting.Group{ID: id, DisplayName: g.DisplayName, Members: st.known(g.Members)})
		return err
	}
	if g.ProcessingState != store.ProcessingPaused {
		_, err := st.index.AddGroup(targeting.Group{ID: id, DisplayName: g.DisplayName, MembershipRule: g.MembershipRule, MembershipRuleProcessingState: targeting.ProcessingOn})
		return err
	}
	members, err := s.storedMembers(ctx, s.st, id)
	if err != nil {
		return err
	}
	if _, err := st.index.AddGroup(targeting.Group{ID: id, DisplayName: g.DisplayName, Members: st.known(members)}); err != nil {
		return err
	}
	_, err = st.index.UpdateGroup(targeting.Group{ID: id, DisplayName: g.DisplayName, MembershipRule: g.MembershipRule, MembershipRuleProcessingState: targeting.ProcessingPaused})
	return err
}

// storedMembers reads a group's materialised members.
func (s *Service) storedMembers(ctx context.Context, r store.MembershipStore, id string) ([]string, error) {
	var members []string
	for m, err := range r.GroupMembers(ctx, id, "") {
		if err != nil {
			return nil, err
		}
		members = append(members, m)
	}
	return members, nil
}

// known keeps the ids of devices that are in the index (that have a
// directory object): a static group's stored members may name others.
func (st *state) known(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := st.index.Device(id); ok {
			out = append(out, id)
		}
	}
	return out
}

// rebuildAssigned recomputes the list of assigned policies and the group
// reference counts.
func (st *state) rebuildAssigned() {
	st.assigned = st.assigned[:0]
	clear(st.refs)
	for _, pe := range st.policies {
		for _, g := range pe.target.IncludeGroups {
			st.refs[g]++
		}
		for _, g := range pe.target.ExcludeGroups {
			st.refs[g]++
		}
		if pe.targets() {
			st.assigned = append(st.assigned, pe)
		}
	}
	slices.SortFunc(st.assigned, func(a, b *policyEntry) int { return cmp.Compare(a.pol.ID, b.pol.ID) })
}

// referenced reports whether an assignment names the group.
func (st *state) referenced(groupID string) bool { return st.refs[groupID] > 0 }

// markDirty invalidates the cached configuration of a device.
func (st *state) markDirty(id string) {
	if d := st.devices[id]; d != nil {
		d.dirty = true
	}
}

// markDelta invalidates the devices whose membership of a group that an
// assignment names changed.
func (st *state) markDelta(d targeting.Delta) {
	for _, m := range d.Added {
		if st.referenced(m.Group) {
			st.markDirty(m.Device)
		}
	}
	for _, m := range d.Removed {
		if st.referenced(m.Group) {
			st.markDirty(m.Device)
		}
	}
}

// markTargets invalidates every device an assignment targets.
func (st *state) markTargets(a *targeting.Assignment) {
	if a.AllDevices {
		for id := range st.devices {
			st.markDirty(id)
		}
		return
	}
	for _, g := range a.IncludeGroups {
		for id := range st.index.Members(g) {
			if st.index.Targets(a, id) {
				st.markDirty(id)
			}
		}
	}
}

// assignedTo returns the policies assigned to a device, by id.
func (st *state) assignedTo(id string) []*policyEntry {
	var out []*policyEntry
	for _, pe := range st.assigned {
		if st.index.Targets(&pe.target, id) {
			out = append(out, pe)
		}
	}
	return out
}
