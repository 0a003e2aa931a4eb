package secmgmt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/targeting"
)

// Kinds of the entries the service appends to the store's change feed.
// Each names records by key; a service instance that reads the entry reads
// those records again and brings its in-memory state up to date.
const (
	changeTenant      = "tenant"      // the tenant configuration
	changePolicy      = "policy"      // policies, by id
	changeAssignments = "assignments" // policies' assignment sets, by policy id
	changeGroup       = "group"       // groups, by id
	changeDevice      = "device"      // devices (object, facts, enrollment, credential), by id
	changeSync        = "sync"        // policy-sync requests, by device id
	// changeOp opens every write, naming the operation: it changes
	// nothing, and appending it serialises the writers (see txn.fence).
	changeOp = "op"
)

// feedPage is how many changes one read of the feed takes.
const feedPage = 1000

// defaultFeedRetention is how many of the latest feed entries are kept
// (WithChangeFeedRetention).
const defaultFeedRetention = 100_000

// errFeedTrimmed: the entries after the instance's position were trimmed
// before it applied them; it rebuilds its state from the store.
var errFeedTrimmed = errors.New("secmgmt: the change feed was trimmed past this instance's position")

// nextChanges reads the page of the feed after this instance's position,
// from r (the store, or a write's transaction), when the feed is known to
// go further. Numbers are consecutive (store.ChangeStore), so a page that
// is empty or does not start right after the position means the entries in
// between were trimmed: errFeedTrimmed.
func (s *Service) nextChanges(ctx context.Context, r store.Store) ([]store.Change, error) {
	pos := s.seq.Load()
	cs, err := r.Changes(ctx, pos, feedPage)
	if err != nil {
		return nil, fmt.Errorf("secmgmt: reading the change feed: %w", err)
	}
	if len(cs) == 0 || cs[0].Seq != pos+1 {
		return nil, errFeedTrimmed
	}
	return cs, nil
}

// trimFeed trims the feed to the configured retention once this
// instance's writes have taken it a quarter of the retention further than
// its last trim. A failure is logged: the feed only grows longer. s.mu is
// held.
func (s *Service) trimFeed(ctx context.Context) {
	keep := s.cfg.feedRetention
	if keep <= 0 {
		return
	}
	through := s.seq.Load() - keep
	if through <= 0 || through-s.trimmed < max(keep/4, 1) {
		return
	}
	if err := s.st.TrimChanges(ctx, through); err != nil {
		s.log.WarnContext(ctx, "trimming the change feed failed", "through", through, "err", err)
		return
	}
	s.trimmed = through
}

// look brings the state up to date with the change feed when it is due:
// before every request by default, at most every WithSyncInterval
// otherwise. It costs one read of the feed's last sequence number when
// nothing changed.
func (s *Service) look(ctx context.Context) error {
	if every := s.cfg.syncEvery; every > 0 {
		now := time.Now().UnixNano()
		if now-s.lastLook.Load() < int64(every) {
			return nil
		}
		s.lastLook.Store(now)
	}
	last, err := s.st.LastChange(ctx)
	if err != nil {
		return fmt.Errorf("secmgmt: reading the change feed: %w", err)
	}
	if last <= s.seq.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if last <= s.seq.Load() {
		return nil // caught up by another request meanwhile
	}
	return s.catchUpLocked(ctx)
}

// catchUpLocked applies every change of the feed after the last one
// applied. A change that cannot be applied makes the service rebuild its
// state from the store. s.mu is held.
func (s *Service) catchUpLocked(ctx context.Context) error {
	last, err := s.st.LastChange(ctx)
	if err != nil {
		return fmt.Errorf("secmgmt: reading the change feed: %w", err)
	}
	for s.seq.Load() < last {
		cs, err := s.nextChanges(ctx, s.st)
		if errors.Is(err, errFeedTrimmed) {
			s.log.WarnContext(ctx, "rebuilding the state: the change feed was trimmed past this instance's position", "seq", s.seq.Load())
			return s.reloadLocked(ctx)
		}
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := s.apply(ctx, s.st, c); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.log.WarnContext(ctx, "rebuilding the state: a change of the feed could not be applied", "seq", c.Seq, "kind", c.Kind, "err", err)
				return s.reloadLocked(ctx)
			}
			s.seq.Store(c.Seq)
			s.stats.feed.Add(1)
		}
	}
	return nil
}

// apply brings the state up to date with one change: it reads the records
// the change names from the store and applies the difference, marking the
// devices whose effective configuration it may change. Applying a change
// whose records the state already holds changes nothing, so a change is
// applied the same way by the instance that made it and by the others.
// s.mu is held.
func (s *Service) apply(ctx context.Context, r store.Store, c store.Change) error {
	for _, k := range c.Keys {
		var err error
		switch c.Kind {
		case changePolicy:
			err = s.resyncPolicy(ctx, r, k)
		case changeAssignments:
			err = s.resyncAssignments(ctx, r, k)
		case changeGroup:
			err = s.resyncGroup(ctx, r, k)
		case changeDevice:
			err = s.resyncDevice(ctx, r, k)
		case changeSync:
			s.syncs.request(k)
		}
		if err != nil {
			return fmt.Errorf("%s %q: %w", c.Kind, k, err)
		}
	}
	if c.Kind == changeTenant {
		return s.resyncTenant(ctx, r)
	}
	return nil
}

func (s *Service) resyncTenant(ctx context.Context, r store.Store) error {
	t, err := r.Tenant(ctx)
	if err != nil {
		return err
	}
	st := s.state
	if t.Version == st.tenantVer && t.Config == st.tenant {
		return nil
	}
	if variant(t.Config.Mode) != variant(st.tenant.Mode) {
		for _, d := range st.devices {
			d.dirty = true
		}
	}
	st.tenant, st.tenantVer = t.Config, t.Version
	return nil
}

func (s *Service) resyncPolicy(ctx context.Context, r store.Store, id string) error {
	st := s.state
	old := st.policies[id]
	p, err := r.Policy(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if old != nil {
			st.markTargets(&old.target)
			delete(st.policies, id)
			st.rebuildAssigned()
		}
		return nil
	}
	if err != nil {
		return err
	}
	if old != nil && old.version == p.Version && samePolicy(old.pol, p.Policy) {
		return nil
	}
	pe, err := s.newPolicyEntry(p.Policy, p.Version)
	if err != nil {
		return err
	}
	if old != nil {
		pe.assignments, pe.assignVer, pe.target = old.assignments, old.assignVer, old.target
	}
	st.policies[id] = pe
	st.rebuildAssigned()
	st.markTargets(&pe.target)
	return nil
}

func (s *Service) resyncAssignments(ctx context.Context, r store.Store, id string) error {
	st := s.state
	pe := st.policies[id]
	if pe == nil {
		if err := s.resyncPolicy(ctx, r, id); err != nil {
			return err
		}
		if pe = st.policies[id]; pe == nil {
			return nil // deleted since
		}
	}
	a, err := r.Assignments(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the policy is gone: its change says so
	}
	if err != nil {
		return err
	}
	if a.Version == pe.assignVer && sameAssignments(a.Assignments, pe.assignments) {
		return nil
	}
	old := pe.target
	if err := pe.setAssignments(a.Assignments, a.Version); err != nil {
		return err
	}
	st.markTargets(&old)
	st.markTargets(&pe.target)
	st.rebuildAssigned()
	return nil
}

func (s *Service) resyncGroup(ctx context.Context, r store.Store, id string) error {
	st := s.state
	old := st.groups[id]
	g, err := r.Group(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if old != nil {
			d, err := st.index.RemoveGroup(id)
			if err != nil && !errors.Is(err, targeting.ErrUnknownGroup) {
				return err
			}
			st.markDelta(d)
			delete(st.groups, id)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if old != nil && reflect.DeepEqual(old.g, g) {
		return nil
	}
	def := groupDefinition(g, st)
	var d targeting.Delta
	if _, ok := st.index.Group(id); ok {
		d, err = st.index.UpdateGroup(def)
	} else {
		d, err = st.index.AddGroup(def)
	}
	if err != nil {
		return err
	}
	st.markDelta(d)
	if g.Dynamic() && g.ProcessingState == store.ProcessingPaused {
		members, err := s.storedMembers(ctx, r, id)
		if err != nil {
			return err
		}
		d, err := s.setPausedMembers(st, g, st.known(members))
		if err != nil {
			return err
		}
		st.markDelta(d)
	}
	st.groups[id] = &groupEntry{g: g}
	return nil
}

// groupDefinition is the index's form of a stored group.
func groupDefinition(g *store.Group, st *state) targeting.Group {
	if !g.Dynamic() {
		return targeting.Group{ID: g.ID, DisplayName: g.DisplayName, Members: st.known(g.Members)}
	}
	ps := targeting.ProcessingOn
	if g.ProcessingState == store.ProcessingPaused {
		ps = targeting.ProcessingPaused
	}
	return targeting.Group{ID: g.ID, DisplayName: g.DisplayName, MembershipRule: g.MembershipRule, MembershipRuleProcessingState: ps}
}

// setPausedMembers makes a paused group's members in the index the given
// ones, when they differ: the index keeps a paused group's members as they
// were, and only a group that turns from static to paused takes members
// given to it.
func (s *Service) setPausedMembers(st *state, g *store.Group, members []string) (targeting.Delta, error) {
	var cur []string
	for m := range st.index.Members(g.ID) {
		cur = append(cur, m)
	}
	slices.Sort(members)
	if slices.Equal(cur, members) {
		return targeting.Delta{}, nil
	}
	d1, err := st.index.UpdateGroup(targeting.Group{ID: g.ID, DisplayName: g.DisplayName, Members: members})
	if err != nil {
		return targeting.Delta{}, err
	}
	d2, err := st.index.UpdateGroup(targeting.Group{ID: g.ID, DisplayName: g.DisplayName, MembershipRule: g.MembershipRule, MembershipRuleProcessingState: targeting.ProcessingPaused})
	if err != nil {
		return targeting.Delta{}, err
	}
	return targeting.Delta{Added: append(d1.Added, d2.Added...), Removed: append(d1.Removed, d2.Removed...)}, nil
}

func (s *Service) resyncDevice(ctx context.Context, r store.Store, id string) error {
	st := s.state
	d, err := r.Device(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.setObject(st, id, nil); err != nil {
			return err
		}
		delete(st.devices, id)
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.setObject(st, id, d.Object); err != nil {
		return err
	}
	de := st.devices[id]
	if de == nil {
		de = &deviceEntry{id: id, dirty: true}
		st.devices[id] = de
	}
	if de.facts == nil || d.Facts == nil || !factsEqual(*de.facts, *d.Facts) {
		de.dirty = true
	}
	de.version, de.created, de.facts = d.Version, d.Created, d.Facts
	e, err := r.Enrollment(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		de.record, de.enrVer = recordOf(id), 0
	case err != nil:
		return err
	default:
		if e.Record.State != de.record.State {
			de.dirty = true
		}
		de.record, de.enrVer = e.Record, e.Version
	}
	c, err := r.Credential(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		de.credHash, de.revoked = nil, false
	case err != nil:
		return err
	default:
		de.credHash, de.revoked = c.Hash, c.Revoked()
	}
	return nil
}

// samePolicy reports whether two policies read from the store are the
// same: the version alone does not say, as a policy deleted and created
// again starts its versions afresh.
func samePolicy(a, b *policy.Policy) bool {
	ea, err1 := policy.EncodeGraph(a)
	eb, err2 := policy.EncodeGraph(b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

// sameAssignments reports whether two assignment sets are the same.
func sameAssignments(a, b []*policy.Assignment) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	ea, err1 := policy.EncodeAssignments(a)
	eb, err2 := policy.EncodeAssignments(b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

// recordOf is the enrollment record of a device that has none.
func recordOf(id string) enrollment.Record { return enrollment.Record{DeviceID: id} }

// setObject makes the directory and the index hold obj as the device's
// object (nil: none), when they do not already. A new object id means a new
// object: the device leaves every group first, so that static memberships
// are not carried over. Only the memberships it changes can change the
// device's configuration: the merge reads the platform and OS version from
// the facts.
func (s *Service) setObject(st *state, id string, obj *identity.Device) error {
	cur, ok := st.dir.Lookup(id)
	var changes []identity.Change
	switch {
	case obj == nil && !ok:
		return nil
	case obj == nil:
		changes = identity.Delete(cur)
	case !ok:
		changes = []identity.Change{{Kind: identity.ChangeCreate, Device: obj.Clone()}}
	case !strings.EqualFold(cur.ObjectID, obj.ObjectID):
		changes = append(identity.Delete(cur), identity.Change{Kind: identity.ChangeCreate, Device: obj.Clone()})
	case reflect.DeepEqual(cur, obj):
		return nil
	default:
		changes = []identity.Change{{Kind: identity.ChangeUpdate, Device: obj.Clone()}}
	}
	if err := st.dir.Apply(changes...); err != nil {
		return err
	}
	for _, c := range changes {
		var d targeting.Delta
		if c.Kind == identity.ChangeDelete {
			d = st.index.RemoveDevice(id)
		} else {
			d = st.index.UpsertDevice(id, sharedObject(st.dir, c.Device))
		}
		st.markDelta(d)
		if c.Kind == identity.ChangeCreate {
			if err := st.addStaticMemberships(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// addStaticMemberships puts a device whose object is new in the index in
// the static groups whose stored members list it. The feed is applied by
// reading the records as they are now, so a group may have listed the
// device before this instance saw its object.
func (st *state) addStaticMemberships(id string) error {
	for gid, ge := range st.groups {
		if ge.g.Dynamic() {
			continue
		}
		if _, found := slices.BinarySearch(ge.g.Members, id); !found || st.index.IsMember(gid, id) {
			continue
		}
		d, err := st.index.AddMember(gid, id)
		if err != nil {
			return err
		}
		st.markDelta(d)
	}
	return nil
}
