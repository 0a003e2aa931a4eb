package targeting

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/secmgmt/secmgmt/identity"
)

// Membership is one (device, group) pair: the device with the caller's key
// is a member of the group with that id.
type Membership struct {
	Device string `json:"device"`
	Group  string `json:"group"`
}

// Delta is what one change to the index did to memberships: the pairs
// added and removed, each sorted by device key, then group id.
type Delta struct {
	Added   []Membership `json:"added,omitempty"`
	Removed []Membership `json:"removed,omitempty"`
}

// Empty reports whether the change added and removed nothing.
func (d Delta) Empty() bool { return len(d.Added) == 0 && len(d.Removed) == 0 }

// IndexOption configures NewIndex.
type IndexOption func(*Index)

// WithRuleOptions sets the options the index parses membership rules with,
// such as Strict().
func WithRuleOptions(opts ...Option) IndexOption {
	return func(x *Index) { x.ruleOpts = append([]Option(nil), opts...) }
}

// Index is the membership index: for every device its groups and for every
// group its members, kept up to date incrementally as devices and groups
// change. Devices are known by a key the caller chooses (such as the
// directory device id); groups by their id, compared case-insensitively.
//
// Every mutation returns the Delta it made, so that a caller can invalidate
// what depended on the memberships. A device update re-evaluates only the
// rules that read a property that changed, and a pre-filter (see
// Requirements) skips rules a device cannot meet. memberOf rules are
// re-evaluated for a device when its membership of a group they name
// changes; memberOf groups cannot be chained, so that is the end of it.
//
// Concurrency: an Index is not safe for concurrent use. Queries may run
// together, but a mutation must not run with any other call; a caller that
// shares an Index guards it with its own lock. The iterators read the index
// when iteration starts; do not mutate the index inside the loop.
//
// The index keeps the *identity.Device it is given and reads it whenever a
// group changes; do not modify a device after passing it, pass a new one to
// UpsertDevice instead.
type Index struct {
	ruleOpts []Option

	groups    []*groupState     // by slot; nil when free
	freeG     []uint32          // free group slots
	groupSlot map[string]uint32 // lower-cased id → slot

	devices    []deviceState
	freeD      []uint32
	deviceSlot map[string]uint32

	plan plan

	// state of the mutation in progress
	changes []change
	dirty   []uint32   // devices whose membership of a group named by a memberOf rule changed
	want    []uint32   // scratch
	cand    []uint32   // scratch of candidates
	low     lowerCache // lower-cased values of the device being evaluated
}

type groupState struct {
	group    Group // Members nil; rule set for dynamic groups
	key      string
	rule     *Rule
	members  map[uint32]struct{}
	refs     []string // memberOf: lower-cased ids of the groups named
	refSlots []uint32 // memberOf: slots of the named groups that exist
}

func (g *groupState) dynamic() bool  { return g.rule != nil }
func (g *groupState) paused() bool   { return g.group.Paused() }
func (g *groupState) memberOf() bool { return g.refs != nil }

type deviceState struct {
	key    string
	dev    *identity.Device
	groups []uint32 // group slots, sorted
	live   bool
}

type change struct {
	device, group string
	gkey          string // the group's lower-cased id, for ordering
	add           bool
}

// plan lists the groups whose rules are applied, by how they are applied.
type plan struct {
	rules    []uint32    // On, dynamic, not memberOf; sorted
	isRule   []bool      // by group slot
	keyed    []keyBucket // rules by the value a property must have
	unkeyed  []uint32    // rules without such a requirement
	memberOf []uint32    // On memberOf groups
	named    []bool      // by group slot: named by a memberOf rule
}

// NewIndex returns an empty index.
func NewIndex(opts ...IndexOption) *Index {
	x := &Index{groupSlot: map[string]uint32{}, deviceSlot: map[string]uint32{}}
	for _, o := range opts {
		o(x)
	}
	x.replan()
	return x
}

// replan rebuilds the plan after a change of groups.
func (x *Index) replan() {
	p := plan{isRule: make([]bool, len(x.groups)), named: make([]bool, len(x.groups))}
	for s, g := range x.groups {
		if g == nil || !g.dynamic() {
			continue
		}
		slot := uint32(s)
		if g.memberOf() {
			g.refSlots = g.refSlots[:0]
			for _, ref := range g.refs {
				if rs, ok := x.groupSlot[ref]; ok {
					g.refSlots = append(g.refSlots, rs)
					p.named[rs] = true
				}
			}
			if !g.paused() {
				p.memberOf = append(p.memberOf, slot)
			}
			continue
		}
		if g.paused() {
			continue
		}
		p.rules = append(p.rules, slot)
		p.isRule[slot] = true
		if g.rule.key.values == nil {
			p.unkeyed = append(p.unkeyed, slot)
			continue
		}
		b := p.bucket(g.rule.key.prop)
		for _, v := range g.rule.key.values {
			b.byValue[v] = append(b.byValue[v], slot)
		}
	}
	x.plan = p
}

// begin starts a mutation; finish ends it and returns its delta.
func (x *Index) begin() {
	x.changes = x.changes[:0]
	x.dirty = x.dirty[:0]
}

func (x *Index) finish() Delta {
	x.refreshMemberOf()
	slices.SortFunc(x.changes, func(a, b change) int {
		return cmp.Or(cmp.Compare(a.device, b.device), cmp.Compare(a.gkey, b.gkey))
	})
	var d Delta
	for _, c := range x.changes {
		m := Membership{Device: c.device, Group: c.group}
		if c.add {
			d.Added = append(d.Added, m)
		} else {
			d.Removed = append(d.Removed, m)
		}
	}
	x.changes = x.changes[:0]
	return d
}

// setMember makes device slot ds a member of group slot gs or not.
func (x *Index) setMember(ds, gs uint32, want bool) {
	d := &x.devices[ds]
	g := x.groups[gs]
	i, has := slices.BinarySearch(d.groups, gs)
	if want == has {
		return
	}
	if want {
		d.groups = slices.Insert(d.groups, i, gs)
		g.members[ds] = struct{}{}
	} else {
		d.groups = slices.Delete(d.groups, i, i+1)
		delete(g.members, ds)
	}
	x.changes = append(x.changes, change{device: d.key, group: g.group.ID, gkey: g.key, add: want})
	if int(gs) < len(x.plan.named) && x.plan.named[gs] {
		x.dirty = append(x.dirty, ds)
	}
}

// refreshMemberOf re-evaluates the memberOf rules for the devices whose
// membership of a group they name changed.
func (x *Index) refreshMemberOf() {
	if len(x.dirty) == 0 || len(x.plan.memberOf) == 0 {
		x.dirty = x.dirty[:0]
		return
	}
	slices.Sort(x.dirty)
	for _, ds := range slices.Compact(x.dirty) {
		if !x.devices[ds].live {
			continue
		}
		for _, gs := range x.plan.memberOf {
			x.setMember(ds, gs, x.inAny(ds, x.groups[gs].refSlots))
		}
	}
	x.dirty = x.dirty[:0]
}

// inAny reports whether device slot ds is a member of any of the groups.
func (x *Index) inAny(ds uint32, groups []uint32) bool {
	for _, gs := range groups {
		if _, ok := slices.BinarySearch(x.devices[ds].groups, gs); ok {
			return true
		}
	}
	return false
}

// matches reports whether the rule of group slot gs matches device slot ds.
func (x *Index) matches(gs, ds uint32) bool {
	g := x.groups[gs]
	if g.memberOf() {
		return x.inAny(ds, g.refSlots)
	}
	dev := x.devices[ds].dev
	if !admits(g.rule.req.OSTypes, dev.DeviceOSType) || !admits(g.rule.req.ManagementTypes, dev.ManagementType) {
		return false
	}
	if x.low.dev != dev {
		x.low = lowerCache{dev: dev}
	}
	c := evalCtx{dev: dev, cache: &x.low}
	return g.rule.direct.eval(&c)
}

// keyBucket lists the rules that require a property to have one of a few
// values, by lower-cased value.
type keyBucket struct {
	prop    propID
	byValue map[string][]uint32
}

func (p *plan) bucket(id propID) *keyBucket {
	for i := range p.keyed {
		if p.keyed[i].prop == id {
			return &p.keyed[i]
		}
	}
	p.keyed = append(p.keyed, keyBucket{prop: id, byValue: map[string][]uint32{}})
	return &p.keyed[len(p.keyed)-1]
}

// candidates returns, sorted, the rules dev may meet: those without a key
// requirement and those whose key requirement dev meets. The result is
// scratch space, valid until the next call.
func (x *Index) candidates(dev *identity.Device) []uint32 {
	c := append(x.cand[:0], x.plan.unkeyed...)
	for i := range x.plan.keyed {
		b := &x.plan.keyed[i]
		c = append(c, lookupLower(b.byValue, stringValue(dev, b.prop))...)
	}
	slices.Sort(c)
	x.cand = c
	return c
}

// lookupLower returns m[strings.ToLower(s)], without allocating for short
// ASCII s.
func lookupLower(m map[string][]uint32, s string) []uint32 {
	var buf [64]byte
	if len(s) <= len(buf) && isASCII(s) {
		b := buf[:len(s)]
		for i := 0; i < len(s); i++ {
			b[i] = lowerByte(s[i])
		}
		return m[string(b)]
	}
	return m[strings.ToLower(s)]
}

// evaluateAll sets device slot ds's membership of every applied rule.
func (x *Index) evaluateAll(ds uint32) {
	d := &x.devices[ds]
	want := x.want[:0]
	for _, gs := range x.candidates(d.dev) {
		if x.matches(gs, ds) {
			want = append(want, gs)
		}
	}
	x.want = want
	// Remove the rule memberships not wanted, then add the wanted ones.
	for i := 0; i < len(d.groups); {
		gs := d.groups[i]
		if x.plan.isRule[gs] {
			if _, ok := slices.BinarySearch(want, gs); !ok {
				x.setMember(ds, gs, false)
				continue
			}
		}
		i++
	}
	for _, gs := range want {
		x.setMember(ds, gs, true)
	}
}

// evaluateGroup sets every device's membership of group slot gs by its rule.
func (x *Index) evaluateGroup(gs uint32) {
	for ds := range x.devices {
		if x.devices[ds].live {
			x.setMember(uint32(ds), gs, x.matches(gs, uint32(ds)))
		}
	}
}

// --- devices ---

// UpsertDevice adds the device with the given key, or replaces it, and
// applies the dynamic rules. A new device joins the dynamic groups it
// matches; for a known device only the rules that read a property whose
// value changed are re-evaluated (all of them when dev is the same pointer
// as before). Static memberships and paused groups are not touched. A nil
// dev is a device with every property null.
func (x *Index) UpsertDevice(key string, dev *identity.Device) Delta {
	if dev == nil {
		dev = &identity.Device{}
	}
	x.begin()
	ds, ok := x.deviceSlot[key]
	if !ok {
		ds = x.newDeviceSlot(key, dev)
		x.evaluateAll(ds)
		return x.finish()
	}
	d := &x.devices[ds]
	old := d.dev
	d.dev = dev
	if old == dev {
		x.evaluateAll(ds)
		return x.finish()
	}
	changed := changedProperties(old, dev)
	if changed == 0 {
		return x.finish()
	}
	// The rules the device may now meet that read a changed property, then
	// those it was a member of: it may have left them.
	for _, gs := range x.candidates(dev) {
		if x.groups[gs].rule.reads&changed != 0 {
			x.setMember(ds, gs, x.matches(gs, ds))
		}
	}
	x.want = append(x.want[:0], d.groups...)
	for _, gs := range x.want {
		if x.plan.isRule[gs] && x.groups[gs].rule.reads&changed != 0 {
			x.setMember(ds, gs, x.matches(gs, ds))
		}
	}
	return x.finish()
}

func (x *Index) newDeviceSlot(key string, dev *identity.Device) uint32 {
	var ds uint32
	if n := len(x.freeD); n > 0 {
		ds = x.freeD[n-1]
		x.freeD = x.freeD[:n-1]
		x.devices[ds] = deviceState{key: key, dev: dev, groups: x.devices[ds].groups[:0], live: true}
	} else {
		ds = uint32(len(x.devices))
		x.devices = append(x.devices, deviceState{key: key, dev: dev, live: true})
	}
	x.deviceSlot[key] = ds
	return ds
}

// RemoveDevice deletes the device and all its memberships, static ones
// included: adding it again re-evaluates the dynamic groups but does not
// restore static memberships. Removing an unknown key changes nothing.
func (x *Index) RemoveDevice(key string) Delta {
	x.begin()
	ds, ok := x.deviceSlot[key]
	if !ok {
		return x.finish()
	}
	d := &x.devices[ds]
	for len(d.groups) > 0 {
		x.setMember(ds, d.groups[len(d.groups)-1], false)
	}
	d.live = false
	d.dev = nil
	delete(x.deviceSlot, key)
	x.freeD = append(x.freeD, ds)
	delta := x.finish()
	x.devices[ds].key = ""
	return delta
}

// Device returns the device with the given key.
func (x *Index) Device(key string) (*identity.Device, bool) {
	ds, ok := x.deviceSlot[key]
	if !ok {
		return nil, false
	}
	return x.devices[ds].dev, true
}

// DeviceCount returns the number of devices in the index.
func (x *Index) DeviceCount() int { return len(x.deviceSlot) }

// --- groups ---

// AddGroup adds a static or dynamic group. A static group's Members (device
// keys, which must be in the index) become its members; a dynamic group's
// rule is applied to every device unless its processing is Paused. The
// error wraps ErrGroupExists, ErrInvalidGroup, ErrStaticMembersOnDynamicGroup,
// ErrUnknownDevice or ErrMemberOfChain, or is a *RuleError; on error
// nothing changes.
func (x *Index) AddGroup(g Group) (Delta, error) {
	key := strings.ToLower(g.ID)
	if _, ok := x.groupSlot[key]; ok && g.ID != "" {
		return Delta{}, fmt.Errorf("%w: %s", ErrGroupExists, g.ID)
	}
	st, members, err := x.prepare(g, key, nil)
	if err != nil {
		return Delta{}, err
	}
	x.begin()
	var gs uint32
	if n := len(x.freeG); n > 0 {
		gs = x.freeG[n-1]
		x.freeG = x.freeG[:n-1]
		x.groups[gs] = st
	} else {
		gs = uint32(len(x.groups))
		x.groups = append(x.groups, st)
	}
	x.groupSlot[key] = gs
	x.replan()
	x.applyDefinition(gs, members, nil)
	return x.finish(), nil
}

// UpdateGroup replaces the definition of a group with the same id.
//
//   - A static group stays static: its members are replaced by g.Members
//     when g.Members is not nil, and kept otherwise.
//   - Static to dynamic: the rule is applied; members that meet it stay,
//     the others leave, and matching devices join (unless Paused: then the
//     current members stay as they are).
//   - A dynamic group whose rule or processing state changes is
//     re-evaluated when processing is On; a Paused group keeps its members.
//   - Dynamic to static: the current members become static members (or
//     g.Members when it is not nil).
//
// Errors are those of AddGroup, with ErrUnknownGroup for an unknown id; on
// error nothing changes.
func (x *Index) UpdateGroup(g Group) (Delta, error) {
	key := strings.ToLower(g.ID)
	gs, ok := x.groupSlot[key]
	if !ok {
		return Delta{}, fmt.Errorf("%w: %s", ErrUnknownGroup, g.ID)
	}
	old := x.groups[gs]
	st, members, err := x.prepare(g, key, old)
	if err != nil {
		return Delta{}, err
	}
	x.begin()
	st.members = old.members
	x.groups[gs] = st
	x.replan()
	x.applyDefinition(gs, members, old)
	return x.finish(), nil
}

// prepare checks g and returns its new state and the device slots of its
// static members (nil: keep the current ones).
func (x *Index) prepare(g Group, key string, old *groupState) (*groupState, []uint32, error) {
	rule, err := g.check(x.ruleOpts, len(x.ruleOpts) == 0)
	if err != nil {
		return nil, nil, err
	}
	st := &groupState{key: key, rule: rule, members: map[uint32]struct{}{}}
	st.group = g
	st.group.Members = nil
	st.group.rule = rule
	if rule != nil && st.group.MembershipRuleProcessingState == "" {
		st.group.MembershipRuleProcessingState = ProcessingOn
	}
	if rule != nil && rule.memberOf != nil {
		st.refs = []string{}
		for _, id := range rule.memberOf {
			ref := strings.ToLower(id)
			if ref == key {
				return nil, nil, fmt.Errorf("%w: group %s names itself", ErrMemberOfChain, g.ID)
			}
			if rs, ok := x.groupSlot[ref]; ok && x.groups[rs].memberOf() {
				return nil, nil, fmt.Errorf("%w: group %s names group %s, which has a memberOf rule", ErrMemberOfChain, g.ID, x.groups[rs].group.ID)
			}
			st.refs = append(st.refs, ref)
		}
	}
	if st.memberOf() {
		for _, other := range x.groups {
			if other != nil && other != old && other.memberOf() && slices.Contains(other.refs, key) {
				return nil, nil, fmt.Errorf("%w: group %s is named by the memberOf rule of group %s", ErrMemberOfChain, g.ID, other.group.ID)
			}
		}
	}
	var members []uint32
	if g.Members != nil || old == nil {
		members = []uint32{}
		for _, k := range g.Members {
			ds, ok := x.deviceSlot[k]
			if !ok {
				return nil, nil, fmt.Errorf("%w: %s (member of group %s)", ErrUnknownDevice, k, g.ID)
			}
			members = append(members, ds)
		}
	}
	return st, members, nil
}

// applyDefinition sets the members of group slot gs after it was added or
// its definition replaced (old is nil for a new group).
func (x *Index) applyDefinition(gs uint32, staticMembers []uint32, old *groupState) {
	g := x.groups[gs]
	switch {
	case !g.dynamic():
		if staticMembers == nil {
			return // keep the current members, static or formerly dynamic
		}
		want := make(map[uint32]struct{}, len(staticMembers))
		for _, ds := range staticMembers {
			want[ds] = struct{}{}
		}
		for _, ds := range sortedSlots(g.members) {
			if _, ok := want[ds]; !ok {
				x.setMember(ds, gs, false)
			}
		}
		for _, ds := range staticMembers {
			x.setMember(ds, gs, true)
		}
	case g.paused():
		// A paused group keeps its members.
	default:
		if old != nil && old.dynamic() && !old.paused() && old.rule.Equal(g.rule) &&
			slices.Equal(old.refSlots, g.refSlots) {
			return // the same rule, still On
		}
		x.evaluateGroup(gs)
	}
}

// RemoveGroup deletes a group and its memberships. A group named by a
// memberOf rule may be removed: the memberOf group loses the members it had
// through it. The error wraps ErrUnknownGroup.
func (x *Index) RemoveGroup(id string) (Delta, error) {
	gs, ok := x.groupSlot[strings.ToLower(id)]
	if !ok {
		return Delta{}, fmt.Errorf("%w: %s", ErrUnknownGroup, id)
	}
	x.begin()
	for _, ds := range sortedSlots(x.groups[gs].members) {
		x.setMember(ds, gs, false)
	}
	// Re-plan before the memberOf rules are re-evaluated (in finish), so
	// that they no longer see the removed group.
	delete(x.groupSlot, x.groups[gs].key)
	x.groups[gs] = nil
	x.replan()
	delta := x.finish()
	x.freeG = append(x.freeG, gs)
	return delta, nil
}

// AddMember adds a device to a static group. The error wraps
// ErrUnknownGroup, ErrUnknownDevice or ErrStaticMembersOnDynamicGroup.
func (x *Index) AddMember(groupID, deviceKey string) (Delta, error) {
	return x.editMember(groupID, deviceKey, true)
}

// RemoveMember removes a device from a static group. The error wraps
// ErrUnknownGroup, ErrUnknownDevice or ErrStaticMembersOnDynamicGroup.
func (x *Index) RemoveMember(groupID, deviceKey string) (Delta, error) {
	return x.editMember(groupID, deviceKey, false)
}

func (x *Index) editMember(groupID, deviceKey string, add bool) (Delta, error) {
	gs, ok := x.groupSlot[strings.ToLower(groupID)]
	if !ok {
		return Delta{}, fmt.Errorf("%w: %s", ErrUnknownGroup, groupID)
	}
	if x.groups[gs].dynamic() {
		return Delta{}, fmt.Errorf("%w: group %s", ErrStaticMembersOnDynamicGroup, groupID)
	}
	ds, ok := x.deviceSlot[deviceKey]
	if !ok {
		return Delta{}, fmt.Errorf("%w: %s", ErrUnknownDevice, deviceKey)
	}
	x.begin()
	x.setMember(ds, gs, add)
	return x.finish(), nil
}

// Recompute re-applies every dynamic rule whose processing is On to every
// device and returns what changed (nothing, when the index was up to
// date). It runs on the calling goroutine.
func (x *Index) Recompute() Delta {
	x.begin()
	for ds := range x.devices {
		if x.devices[ds].live {
			x.evaluateAll(uint32(ds))
		}
	}
	for _, gs := range x.plan.memberOf {
		x.evaluateGroup(gs)
	}
	return x.finish()
}

// --- queries ---

// Group returns the group with the given id (case-insensitive); Members is
// nil (see Members).
func (x *Index) Group(id string) (Group, bool) {
	gs, ok := x.groupSlot[strings.ToLower(id)]
	if !ok {
		return Group{}, false
	}
	return x.groups[gs].group, true
}

// Groups yields every group, in order of id.
func (x *Index) Groups() iter.Seq[Group] {
	return func(yield func(Group) bool) {
		var list []*groupState
		for _, g := range x.groups {
			if g != nil {
				list = append(list, g)
			}
		}
		slices.SortFunc(list, func(a, b *groupState) int { return strings.Compare(a.key, b.key) })
		for _, g := range list {
			if !yield(g.group) {
				return
			}
		}
	}
}

// GroupCount returns the number of groups in the index.
func (x *Index) GroupCount() int { return len(x.groupSlot) }

// GroupsOf yields the ids of the groups the device is a member of, in order
// of id (nothing for an unknown key).
func (x *Index) GroupsOf(deviceKey string) iter.Seq[string] {
	return func(yield func(string) bool) {
		ds, ok := x.deviceSlot[deviceKey]
		if !ok {
			return
		}
		slots := slices.Clone(x.devices[ds].groups)
		slices.SortFunc(slots, func(a, b uint32) int { return strings.Compare(x.groups[a].key, x.groups[b].key) })
		for _, gs := range slots {
			if !yield(x.groups[gs].group.ID) {
				return
			}
		}
	}
}

// Members yields the keys of the devices that are members of the group, in
// key order (nothing for an unknown id).
func (x *Index) Members(groupID string) iter.Seq[string] {
	return func(yield func(string) bool) {
		gs, ok := x.groupSlot[strings.ToLower(groupID)]
		if !ok {
			return
		}
		keys := make([]string, 0, len(x.groups[gs].members))
		for ds := range x.groups[gs].members {
			keys = append(keys, x.devices[ds].key)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !yield(k) {
				return
			}
		}
	}
}

// IsMember reports whether the device is a member of the group.
func (x *Index) IsMember(groupID, deviceKey string) bool {
	gs, ok := x.groupSlot[strings.ToLower(groupID)]
	if !ok {
		return false
	}
	ds, ok := x.deviceSlot[deviceKey]
	if !ok {
		return false
	}
	_, ok = x.groups[gs].members[ds]
	return ok
}

// Targets reports whether the assignment targets the device, by the
// device's memberships in the index (see Assignment.Targets). An unknown
// device is targeted by nothing.
func (x *Index) Targets(a *Assignment, deviceKey string) bool {
	if _, ok := x.deviceSlot[deviceKey]; !ok {
		return false
	}
	return a.Targets(func(id string) bool { return x.IsMember(id, deviceKey) })
}

func sortedSlots(m map[uint32]struct{}) []uint32 {
	out := make([]uint32, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
