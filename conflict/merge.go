package conflict

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/secmgmt/secmgmt/policy"
)

// Merger merges the policies assigned to a device into its effective
// configuration. It is built once from a catalog (New) and reused: it is
// immutable and safe for concurrent use; each Merge call has its own
// scratch space.
type Merger struct {
	catalog  *policy.Catalog
	defs     map[string]*defInfo
	resolver Resolver
	pool     sync.Pool // *run
}

// Option configures a Merger (New) or a one-off Merge.
type Option func(*options)

type options struct {
	resolver  Resolver
	device    Device
	hasDevice bool
}

// WithResolver decides conflicts with r instead of withholding the
// setting. A nil r withholds (the default). TieBreak is the documented
// antivirus tie-break.
func WithResolver(r Resolver) Option { return func(o *options) { o.resolver = r } }

// WithDevice gives the device for the package-level Merge. A Merger takes
// the device with each call instead: New refuses this option.
func WithDevice(d Device) Option {
	return func(o *options) { o.device, o.hasDevice = d, true }
}

// New returns a Merger for the catalog. The catalog must hold every setting
// the deliverable policies configure.
func New(c *policy.Catalog, opts ...Option) (*Merger, error) {
	if c == nil {
		return nil, errors.New("conflict: New: nil catalog")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.hasDevice {
		return nil, errors.New("conflict: New: WithDevice is for Merge; pass the device to Merger.Merge")
	}
	m := &Merger{catalog: c, defs: compile(c), resolver: o.resolver}
	m.pool.New = func() any { return &run{unitIndex: make(map[string]int32, 64)} }
	return m, nil
}

// Merge merges the policies assigned to one device. It compiles the
// catalog on every call; build a Merger with New to merge many devices.
func Merge(c *policy.Catalog, policies []*policy.Policy, opts ...Option) (*Result, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	m, err := New(c, WithResolver(o.resolver))
	if err != nil {
		return nil, err
	}
	return m.Merge(o.device, policies)
}

// Catalog returns the catalog the Merger was built with.
func (m *Merger) Catalog() *policy.Catalog { return m.catalog }

// Merge computes the effective configuration of the device from the
// policies assigned to it (the caller resolves assignments). The order of
// the policies does not matter. Policies that security settings management
// does not deliver to the device (policy.Deliverable) take no part: every
// setting of theirs is notApplicable.
//
// Bad input (a nil policy, a missing or repeated id, a setting the catalog
// does not know, an instance that does not fit its definition) is an
// *InputError listing every problem; a resolver that names a candidate that
// does not exist is a *ResolverError. Either way there is no result. The
// policies are not modified; the result shares their unchanged setting
// instances (see Result).
func (m *Merger) Merge(d Device, policies []*policy.Policy) (*Result, error) {
	r := m.pool.Get().(*run)
	defer r.release(m)
	r.m = m
	if err := r.setDevice(d, policies); err != nil {
		return nil, err
	}
	r.collect()
	if len(r.problems) > 0 {
		return nil, &InputError{Problems: slices.Clone(r.problems)}
	}
	r.group()
	if err := r.resolve(); err != nil {
		return nil, err
	}
	return r.result(), nil
}

// run is the scratch space of one Merge call.
type run struct {
	m        *Merger
	device   Device
	platform policy.Platforms
	variant  policy.Variant
	os       osVersion

	pols    []*policy.Policy // sorted by id
	support []policy.Support // per policy, in pols order

	unitIndex map[string]int32 // keys the catalog does not know
	unitOf    []int32          // defInfo.idx → unit + 1; 0: none yet
	units     []unit
	slots     []slot
	order     []int32 // slot indices grouped by unit (counting sort)
	hs        []uint64
	problems  []Problem
	path      []pathSeg
	warnings  []Warning
	app       []int32 // scratch of applicable
	hx        instanceHasher
}

// unit is one setting key of the device: every policy's value for it.
type unit struct {
	key       string
	di        *defInfo // nil for a key only non-deliverable policies name
	container bool     // a group that merges per child: its children are units
	parent    int32    // the container unit of a per-child setting, or -1
	lastPol   int32
	n, start  int32 // its slots are order[start : start+n]

	decision  Reason
	delivered *policy.SettingInstance
	hash      uint64
}

// slot is one (policy, setting key) pair.
type slot struct {
	pol    int32
	unit   int32
	inst   *policy.SettingInstance // the value that takes part (pruned)
	hash   uint64
	group  int32
	reason Reason // empty until decided; notApplicable reasons from the start
}

type pathSeg struct {
	field string
	index int // -1: none
}

func (r *run) release(m *Merger) {
	clear(r.unitIndex)
	for _, u := range r.units {
		if u.di != nil && int(u.di.idx) < len(r.unitOf) {
			r.unitOf[u.di.idx] = 0
		}
	}
	clear(r.units)
	clear(r.slots)
	clear(r.pols)
	r.units, r.slots, r.order, r.hs, r.app = r.units[:0], r.slots[:0], r.order[:0], r.hs[:0], r.app[:0]
	r.pols, r.support, r.problems, r.path, r.warnings = r.pols[:0], r.support[:0], r.problems[:0], r.path[:0], nil
	r.m = nil
	m.pool.Put(r)
}

// setDevice checks the device and the policies' identities, and sorts the
// policies by id.
func (r *run) setDevice(d Device, policies []*policy.Policy) error {
	seen := make(map[string]int, len(policies))
	for i, p := range policies {
		at := "policies[" + strconv.Itoa(i) + "]"
		switch {
		case p == nil:
			r.problem(Problem{Kind: ProblemNilPolicy, Path: at, Detail: "the policy is nil"})
		case p.ID == "":
			r.problem(Problem{Kind: ProblemMissingID, Path: at, Detail: "the policy has no id"})
		default:
			if j, dup := seen[p.ID]; dup {
				r.problem(Problem{Kind: ProblemDuplicatePolicy, PolicyID: p.ID, Path: at,
					Detail: fmt.Sprintf("policies[%d] has the same id", j)})
				continue
			}
			seen[p.ID] = i
			r.pols = append(r.pols, p)
		}
	}
	slices.SortFunc(r.pols, func(a, b *policy.Policy) int { return cmp.Compare(a.ID, b.ID) })

	if d.Variant == "" {
		d.Variant = policy.VariantCurrent
	}
	if !d.Variant.Valid() {
		r.problem(Problem{Kind: ProblemDevice, Detail: fmt.Sprintf("unknown variant %q", d.Variant)})
	}
	if d.Class.Platform == "" {
		var found policy.DevicePlatform
		for _, p := range r.pols {
			dp, ok := devicePlatformOf(p.Platforms)
			switch {
			case !ok:
				r.problem(Problem{Kind: ProblemDevice, PolicyID: p.ID,
					Detail: fmt.Sprintf("no device platform given, and the policy's platform %q is not one device platform", p.Platforms)})
			case found == "":
				found = dp
			case found != dp:
				r.problem(Problem{Kind: ProblemDevice, PolicyID: p.ID,
					Detail: fmt.Sprintf("no device platform given, and the policies are for %s and %s", found, dp)})
			}
			if len(r.problems) > 0 {
				break
			}
		}
		if found == "" && len(r.problems) == 0 {
			r.problem(Problem{Kind: ProblemDevice, Detail: "no device platform given and no policy to take it from"})
		}
		d.Class.Platform = found
	} else if !d.Class.Platform.Valid() {
		r.problem(Problem{Kind: ProblemDevice, Detail: fmt.Sprintf("unknown platform %q", d.Class.Platform)})
	}
	v, err := parseOSVersion(d.OSVersion)
	if err != nil {
		r.problem(Problem{Kind: ProblemDevice, Detail: err.Error()})
	}
	if len(r.problems) > 0 {
		return &InputError{Problems: slices.Clone(r.problems)}
	}
	r.device, r.platform, r.variant, r.os = d, platformOf(d.Class.Platform), d.Variant, v
	for _, p := range r.pols {
		r.support = append(r.support, policy.Deliverable(p, d.Class, d.Variant))
	}
	return nil
}

func (r *run) problem(p Problem) { r.problems = append(r.problems, p) }

// problemAt records a problem at the current path.
func (r *run) problemAt(pol int32, kind ProblemKind, settingID, detail string) {
	var b strings.Builder
	for i, s := range r.path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.field)
		if s.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		}
	}
	r.problem(Problem{Kind: kind, PolicyID: r.pols[pol].ID, Path: b.String(), SettingID: settingID, Detail: detail})
}

func (r *run) push(field string, index int) { r.path = append(r.path, pathSeg{field, index}) }
func (r *run) pop()                         { r.path = r.path[:len(r.path)-1] }

// unitFor returns the unit of a setting key, creating it.
func (r *run) unitFor(key string, di *defInfo, parent int32) int32 {
	if di != nil {
		if len(r.unitOf) != len(r.m.defs) {
			r.unitOf = make([]int32, len(r.m.defs))
		}
		if u := r.unitOf[di.idx]; u > 0 {
			return u - 1
		}
	} else if u, ok := r.unitIndex[key]; ok {
		return u
	}
	u := int32(len(r.units))
	r.units = append(r.units, unit{key: key, di: di, parent: parent, lastPol: -1})
	if di != nil {
		r.unitOf[di.idx] = u + 1
	} else {
		r.unitIndex[key] = u
	}
	return u
}

// addSlot adds a (policy, key) pair; a key a policy already configured is a
// duplicate.
func (r *run) addSlot(pol, u int32, inst *policy.SettingInstance, h uint64, reason Reason) {
	un := &r.units[u]
	if un.lastPol == pol {
		// Units are filled one policy at a time, so the policy already
		// has this key.
		if reason.Outcome() != OutcomeNotApplicable {
			r.problemAt(pol, ProblemDuplicateSetting, un.key, "the policy configures the setting more than once")
		}
		return // a child that does not apply, met again in another item
	}
	un.lastPol = pol
	un.n++
	r.slots = append(r.slots, slot{pol: pol, unit: u, inst: inst, hash: h, group: -1, reason: reason})
}

// collect walks every policy in id order and every setting in document
// order, turning them into slots.
func (r *run) collect() {
	for pi, p := range r.pols {
		pol := int32(pi)
		deliverable := r.support[pi].Supported
		for si, s := range p.Settings {
			r.push("settings", si)
			if s == nil || s.Instance == nil {
				if deliverable {
					r.problemAt(pol, ProblemWrongKind, "", "the setting has no settingInstance")
				}
				r.pop()
				continue
			}
			r.push("settingInstance", -1)
			if deliverable {
				r.collectSetting(pol, s.Instance)
			} else {
				r.collectNotDeliverable(pol, s.Instance)
			}
			r.pop()
			r.pop()
		}
	}
}

// collectNotDeliverable records notApplicable for every setting key of an
// instance of a policy the device does not receive. Nothing is checked:
// such policies may hold settings this catalog does not know.
func (r *run) collectNotDeliverable(pol int32, inst *policy.SettingInstance) {
	di := r.m.defs[inst.DefinitionID]
	if di == nil || di.merge != policy.MergePerChild || di.parent != nil {
		u := r.unitFor(inst.DefinitionID, di, -1)
		r.addSlot(pol, u, inst, 0, ReasonNotDeliverable)
		return
	}
	cu := r.containerFor(di)
	for _, g := range inst.GroupItems() {
		if g == nil {
			continue
		}
		for _, ch := range g.Children {
			if ch == nil {
				continue
			}
			u := r.unitFor(ch.DefinitionID, r.m.defs[ch.DefinitionID], cu)
			r.addSlot(pol, u, ch, 0, ReasonNotDeliverable)
		}
	}
}

func (r *run) containerFor(di *defInfo) int32 {
	cu := r.unitFor(di.def.ID, di, -1)
	r.units[cu].container = true
	return cu
}

// collectSetting checks, prunes and hashes one top-level instance of a
// deliverable policy.
func (r *run) collectSetting(pol int32, inst *policy.SettingInstance) {
	di := r.m.defs[inst.DefinitionID]
	switch {
	case di == nil:
		r.problemAt(pol, ProblemUnknownSetting, inst.DefinitionID, "the catalog has no such setting")
		return
	case di.parent != nil:
		r.problemAt(pol, ProblemMisplacedChild, inst.DefinitionID,
			fmt.Sprintf("a child of %s is used as a top-level setting", di.parent.def.ID))
		return
	}
	if di.merge == policy.MergePerChild {
		r.collectPerChild(pol, inst, di)
		return
	}
	if reason, ok := di.applies(r); !ok {
		if r.checkKind(pol, inst, di) {
			r.addSlot(pol, r.unitFor(di.def.ID, di, -1), inst, 0, reason)
		}
		return
	}
	out, h, ok := r.visit(pol, inst, di)
	if ok {
		r.addSlot(pol, r.unitFor(di.def.ID, di, -1), out, h, "")
	}
}

// collectPerChild turns each child of a group that merges per child into a
// setting of its own.
func (r *run) collectPerChild(pol int32, inst *policy.SettingInstance, di *defInfo) {
	if !r.checkKind(pol, inst, di) {
		return
	}
	reason, applies := di.applies(r)
	cu := r.containerFor(di)
	field := "groupSettingCollectionValue"
	if inst.Kind == policy.InstanceGroup {
		field = "groupSettingValue"
	}
	for gi, g := range inst.GroupItems() {
		r.push(field, gi)
		if inst.Kind == policy.InstanceGroup {
			r.path[len(r.path)-1].index = -1
		}
		if g == nil {
			r.problemAt(pol, ProblemWrongKind, di.def.ID, "the group item is null")
			r.pop()
			continue
		}
		for ci, ch := range g.Children {
			r.push("children", ci)
			cdi, ok := r.child(pol, ch, di)
			if ok {
				u := r.unitFor(ch.DefinitionID, cdi, cu)
				if !applies {
					r.addSlot(pol, u, ch, 0, reason)
				} else if creason, capplies := cdi.applies(r); !capplies {
					r.addSlot(pol, u, ch, 0, creason)
				} else if out, h, ok := r.visit(pol, ch, cdi); ok {
					r.addSlot(pol, u, out, h, "")
				}
			}
			r.pop()
		}
		r.pop()
	}
}

// child checks that a child instance is known and belongs under parent.
func (r *run) child(pol int32, ch *policy.SettingInstance, parent *defInfo) (*defInfo, bool) {
	if ch == nil {
		r.problemAt(pol, ProblemWrongKind, parent.def.ID, "a child setting is null")
		return nil, false
	}
	cdi := r.m.defs[ch.DefinitionID]
	switch {
	case cdi == nil:
		r.problemAt(pol, ProblemUnknownSetting, ch.DefinitionID, "the catalog has no such setting")
		return nil, false
	case cdi.parent != parent:
		r.problemAt(pol, ProblemMisplacedChild, ch.DefinitionID, "not a child of "+parent.def.ID)
		return nil, false
	}
	return cdi, true
}

// checkKind checks that the instance has the kind of its definition and a
// value of that kind.
func (r *run) checkKind(pol int32, inst *policy.SettingInstance, di *defInfo) bool {
	if inst.Kind != di.instKind {
		r.problemAt(pol, ProblemWrongKind, di.def.ID,
			fmt.Sprintf("a %s instance for a %s setting", inst.Kind, di.kind))
		return false
	}
	missing := false
	switch inst.Kind {
	case policy.InstanceChoice:
		missing = inst.Choice == nil
	case policy.InstanceSimple:
		missing = inst.Simple == nil
	case policy.InstanceGroup:
		missing = inst.Group == nil
	}
	if missing {
		r.problemAt(pol, ProblemWrongKind, di.def.ID, "the instance has no value")
		return false
	}
	return true
}

// visit checks an applicable instance against its definition, drops the
// descendants that do not apply to the device (recording notApplicable for
// them), and hashes what is left. It returns the instance to compare and
// deliver: inst itself, or a copy when something was dropped.
func (r *run) visit(pol int32, inst *policy.SettingInstance, di *defInfo) (*policy.SettingInstance, uint64, bool) {
	if !r.checkKind(pol, inst, di) {
		return nil, 0, false
	}
	h := mix(di.idHash, 0)
	ok := true
	switch inst.Kind {
	case policy.InstanceChoice:
		cv := inst.Choice
		if len(di.def.Options) > 0 {
			if _, known := di.def.Option(cv.ItemID); !known {
				r.push("choiceSettingValue", -1)
				r.problemAt(pol, ProblemUnknownOption, di.def.ID, fmt.Sprintf("%q is not an option of the setting", cv.ItemID))
				r.pop()
				return nil, 0, false
			}
		}
		r.push("choiceSettingValue", -1)
		kids, ch, changed, kok := r.visitChildren(pol, cv.Children, di)
		r.pop()
		if !kok {
			return nil, 0, false
		}
		h = mix(mix(h^tagChoice, hashString(hashK1, cv.ItemID)), ch)
		if changed {
			ncv := *cv
			ncv.Children = kids
			ninst := *inst
			ninst.Choice = &ncv
			inst = &ninst
		}
	case policy.InstanceGroup:
		r.push("groupSettingValue", -1)
		kids, ch, changed, kok := r.visitChildren(pol, inst.Group.Children, di)
		r.pop()
		if !kok {
			return nil, 0, false
		}
		h = mix(h^tagGroup, ch)
		if changed {
			ng := *inst.Group
			ng.Children = kids
			ninst := *inst
			ninst.Group = &ng
			inst = &ninst
		}
	case policy.InstanceGroupCollection:
		base := len(r.hs)
		var items []*policy.GroupValue
		for gi, g := range inst.Groups {
			r.push("groupSettingCollectionValue", gi)
			if g == nil {
				r.problemAt(pol, ProblemWrongKind, di.def.ID, "the group item is null")
				r.pop()
				ok = false
				continue
			}
			kids, ch, changed, kok := r.visitChildren(pol, g.Children, di)
			r.pop()
			if !kok {
				ok = false
				continue
			}
			r.hs = append(r.hs, mix(tagItem, ch))
			if changed && items == nil {
				items = slices.Clone(inst.Groups[:gi])
			}
			if items != nil {
				ng := *g
				ng.Children = kids
				items = append(items, &ng)
			}
		}
		if !ok {
			r.hs = r.hs[:base]
			return nil, 0, false
		}
		h = mix(h^tagGroups, setHash(tagSet, r.hs[base:]))
		r.hs = r.hs[:base]
		if items != nil {
			ninst := *inst
			ninst.Groups = items
			inst = &ninst
		}
	default:
		vh, vok := r.hashValue(pol, inst, di)
		if !vok {
			return nil, 0, false
		}
		h = mix(h, vh)
	}
	return inst, h, ok
}

// visitChildren visits the children of a choice or group value. It returns
// the children that apply (the same slice when all do), the set hash of
// their hashes, and whether it dropped any.
func (r *run) visitChildren(pol int32, kids []*policy.SettingInstance, parent *defInfo) ([]*policy.SettingInstance, uint64, bool, bool) {
	if len(kids) == 0 {
		return kids, mix(tagSet, 0), false, true
	}
	base := len(r.hs)
	var kept []*policy.SettingInstance
	ok := true
	for i, ch := range kids {
		r.push("children", i)
		cdi, cok := r.child(pol, ch, parent)
		if !cok {
			r.pop()
			ok = false
			continue
		}
		if reason, applies := cdi.applies(r); !applies {
			if r.checkKind(pol, ch, cdi) {
				r.addSlot(pol, r.unitFor(cdi.def.ID, cdi, -1), ch, 0, reason)
			}
			if kept == nil {
				kept = slices.Clone(kids[:i])
			}
			r.pop()
			continue
		}
		out, h, vok := r.visit(pol, ch, cdi)
		r.pop()
		if !vok {
			ok = false
			continue
		}
		r.hs = append(r.hs, h)
		if out != ch && kept == nil {
			kept = slices.Clone(kids[:i])
		}
		if kept != nil {
			kept = append(kept, out)
		}
	}
	sh := setHash(tagSet, r.hs[base:])
	r.hs = r.hs[:base]
	if kept == nil {
		return kids, sh, false, ok
	}
	return kept, sh, true, ok
}

// hashValue hashes the value of a choice collection, simple or simple
// collection instance, checking value types.
func (r *run) hashValue(pol int32, inst *policy.SettingInstance, di *defInfo) (uint64, bool) {
	switch inst.Kind {
	case policy.InstanceChoiceCollection:
		base := len(r.hs)
		for i, cv := range inst.Choices {
			if cv == nil {
				r.push("choiceSettingCollectionValue", i)
				r.problemAt(pol, ProblemWrongKind, di.def.ID, "a choice is null")
				r.pop()
				r.hs = r.hs[:base]
				return 0, false
			}
			r.hs = append(r.hs, hashString(hashK1, cv.ItemID))
		}
		h := setHash(tagChoices, r.hs[base:])
		r.hs = r.hs[:base]
		return h, true
	case policy.InstanceSimple:
		if !r.checkValueType(pol, inst.Simple, di, "simpleSettingValue", -1) {
			return 0, false
		}
		return hashSimple(inst.Simple), true
	case policy.InstanceSimpleCollection:
		base := len(r.hs)
		for i, sv := range inst.Simples {
			if !r.checkValueType(pol, sv, di, "simpleSettingCollectionValue", i) {
				r.hs = r.hs[:base]
				return 0, false
			}
			r.hs = append(r.hs, hashSimple(sv))
		}
		var h uint64
		if di.ordered {
			h = tagOrdered
			for _, x := range r.hs[base:] {
				h = mix(h, x)
			}
		} else {
			h = setHash(tagSimples, r.hs[base:])
		}
		r.hs = r.hs[:base]
		return h, true
	}
	r.problemAt(pol, ProblemWrongKind, di.def.ID, fmt.Sprintf("a %s instance", inst.Kind))
	return 0, false
}

// checkValueType checks that a simple value is an integer exactly when the
// definition holds integers.
func (r *run) checkValueType(pol int32, sv *policy.SimpleValue, di *defInfo, field string, index int) bool {
	wantInt := di.kind == policy.KindInteger || di.kind == policy.KindIntegerCollection
	bad := ""
	switch {
	case sv == nil:
		bad = "the value is null"
	case wantInt && sv.Type != policy.ValueInteger:
		bad = fmt.Sprintf("a %s value for an integer setting", sv.Type)
	case !wantInt && sv.Type == policy.ValueInteger:
		bad = fmt.Sprintf("an integer value for a %s setting", di.kind)
	}
	if bad != "" {
		r.push(field, index)
		r.problemAt(pol, ProblemWrongKind, di.def.ID, bad)
		r.pop()
		return false
	}
	return true
}

// hashSimple hashes one simple value.
func hashSimple(sv *policy.SimpleValue) uint64 {
	switch sv.Type {
	case policy.ValueInteger:
		return mix(tagInteger, uint64(sv.Integer))
	case policy.ValueSecret:
		return hashString(mix(tagSecret, hashString(0, string(sv.State))), sv.Text)
	case policy.ValueReference:
		return hashString(tagReference, sv.Text)
	}
	return hashString(tagString, sv.Text)
}

// group sorts the slots by unit (a counting sort: each unit's slots stay in
// policy id order).
func (r *run) group() {
	var start int32
	for i := range r.units {
		r.units[i].start = start
		start += r.units[i].n
		r.units[i].n = 0
	}
	r.order = slices.Grow(r.order[:0], len(r.slots))[:len(r.slots)]
	for i := range r.slots {
		u := &r.units[r.slots[i].unit]
		r.order[u.start+u.n] = int32(i)
		u.n++
	}
}

// sources returns the slot indices of a unit, in policy id order.
func (r *run) sources(u *unit) []int32 { return r.order[u.start : u.start+u.n] }
