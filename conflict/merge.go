package conflict

import (
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
	m.pool.New = func() any { return &run{unitIndex: make(map[string]int32, 64), wk: walker{defs: m.defs}} }
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
	r := m.get()
	defer r.release(m)
	r.setSources(len(policies), func(i int) source {
		if p := policies[i]; p != nil {
			return source{id: p.ID, platforms: p.Platforms, pol: p}
		}
		return source{}
	})
	if err := r.setDevice(d); err != nil {
		return nil, err
	}
	for i := range r.srcs {
		r.walkNow(r.srcs[i].pol, r.infos[i].Support.Supported)
	}
	return r.finish()
}

// MergePrepared is Merge for policies prepared by this Merger (Prepare):
// the same result and the same errors as Merge of the policies they were
// prepared from, without walking the policies again. A nil entry is a nil
// policy; an entry prepared by another Merger is refused
// (ProblemForeignPrepared).
func (m *Merger) MergePrepared(d Device, policies []*Prepared) (*Result, error) {
	r := m.get()
	defer r.release(m)
	r.setSources(len(policies), func(i int) source {
		if p := policies[i]; p != nil {
			return source{id: p.info.ID, platforms: p.platforms, prep: p}
		}
		return source{}
	})
	if err := r.setDevice(d); err != nil {
		return nil, err
	}
	for i := range r.srcs {
		p := r.srcs[i].prep
		if !r.infos[i].Support.Supported {
			r.plans = append(r.plans, plan{w: &p.notDelivered, hi: int32(len(p.notDelivered.ops))})
			continue
		}
		v := p.variantFor(&r.env)
		if v == nil {
			r.walkNow(p.pol, true)
			continue
		}
		r.problems = append(r.problems, v.problems...)
		r.plans = append(r.plans, plan{w: &v.w, hi: int32(len(v.w.ops))})
	}
	return r.finish()
}

// run is the scratch space of one merge.
type run struct {
	m      *Merger
	device Device
	env    env

	srcs  []source     // the policies, sorted by id
	infos []PolicyInfo // per source; the result takes it over
	plans []plan       // per source: the ops that put it into the merge

	wk      walker
	scratch walked // the ops of the policies this merge walks itself

	unitIndex map[string]int32 // keys the catalog does not know
	unitOf    []int32          // defInfo.idx → unit + 1; 0: none yet
	units     []unit
	slots     []slot
	order     []int32 // slot indices grouped by unit (counting sort)
	hs        []uint64
	problems  []Problem
	warnings  []Warning
	app       []int32 // scratch of applicable
	table     []int32 // scratch of mergeUnion
	hx        instanceHasher
}

// source is one policy of a merge, as given or prepared.
type source struct {
	id        string
	platforms policy.Platforms
	pol       *policy.Policy
	prep      *Prepared
}

// plan is where the ops of one policy are: w.ops[lo:hi].
type plan struct {
	w      *walked
	lo, hi int32
}

// unit is one setting key of the device: every policy's value for it.
type unit struct {
	key       string
	di        *defInfo // nil for a key only non-deliverable policies name
	container bool     // a group that merges per child: its children are units
	parent    int32    // the container unit of a per-child setting, or -1
	n, start  int32    // its slots are order[start : start+n]

	decision  reasonCode
	delivered *policy.SettingInstance
	hash      uint64
}

// slot is one (policy, setting key) pair. It holds no pointer: its value
// is its op's.
type slot struct {
	hash   uint64 // its op's
	pol    int32
	unit   int32
	op     int32 // index in the policy's plan
	group  int32
	reason reasonCode // codeNone until decided; notApplicable reasons from the start
}

// op returns the op of slot s.
func (r *run) op(s int32) *op {
	sl := &r.slots[s]
	pl := &r.plans[sl.pol]
	return &pl.w.ops[pl.lo+sl.op]
}

func (m *Merger) get() *run {
	r := m.pool.Get().(*run)
	r.m = m
	if len(r.unitOf) != len(m.defs) {
		r.unitOf = make([]int32, len(m.defs))
	}
	return r
}

func (r *run) release(m *Merger) {
	clear(r.unitIndex)
	for _, u := range r.units {
		if u.di != nil && int(u.di.idx) < len(r.unitOf) {
			r.unitOf[u.di.idx] = 0
		}
	}
	clear(r.units)
	clear(r.srcs)
	clear(r.plans)
	clear(r.scratch.ops)
	clear(r.scratch.rules)
	r.scratch.ops, r.scratch.vals, r.scratch.rules = r.scratch.ops[:0], r.scratch.vals[:0], r.scratch.rules[:0]
	r.units, r.slots, r.order, r.hs, r.app = r.units[:0], r.slots[:0], r.order[:0], r.hs[:0], r.app[:0]
	r.srcs, r.infos, r.plans = r.srcs[:0], nil, r.plans[:0]
	r.problems, r.warnings = r.problems[:0], nil
	r.device, r.m = Device{}, nil
	m.pool.Put(r)
}

// setSources checks the policies' identities and sorts them by id. at(i)
// gives the i-th policy; a zero source is a nil policy.
func (r *run) setSources(n int, at func(i int) source) {
	bad := false
	for i := 0; i < n; i++ {
		s := at(i)
		if s.pol == nil && s.prep == nil || s.id == "" || s.prep != nil && s.prep.m != r.m {
			bad = true
			break
		}
		r.srcs = append(r.srcs, s)
	}
	slices.SortFunc(r.srcs, func(a, b source) int { return strings.Compare(a.id, b.id) })
	for i := 1; i < len(r.srcs) && !bad; i++ {
		bad = r.srcs[i].id == r.srcs[i-1].id
	}
	if !bad {
		return
	}
	// Something is wrong: list every problem, in input order.
	clear(r.srcs)
	r.srcs = r.srcs[:0]
	seen := make(map[string]int, n)
	for i := 0; i < n; i++ {
		s := at(i)
		where := "policies[" + strconv.Itoa(i) + "]"
		switch {
		case s.pol == nil && s.prep == nil:
			r.problem(Problem{Kind: ProblemNilPolicy, Path: where, Detail: "the policy is nil"})
		case s.prep != nil && s.prep.m != r.m:
			r.problem(Problem{Kind: ProblemForeignPrepared, PolicyID: s.id, Path: where,
				Detail: "the policy was prepared by another Merger"})
		case s.id == "":
			r.problem(Problem{Kind: ProblemMissingID, Path: where, Detail: "the policy has no id"})
		default:
			if j, dup := seen[s.id]; dup {
				r.problem(Problem{Kind: ProblemDuplicatePolicy, PolicyID: s.id, Path: where,
					Detail: fmt.Sprintf("policies[%d] has the same id", j)})
				continue
			}
			seen[s.id] = i
			r.srcs = append(r.srcs, s)
		}
	}
	slices.SortFunc(r.srcs, func(a, b source) int { return strings.Compare(a.id, b.id) })
}

// setDevice checks the device, takes its platform from the policies when
// it has none, and works out which policies it receives.
func (r *run) setDevice(d Device) error {
	if d.Variant == "" {
		d.Variant = policy.VariantCurrent
	}
	if !d.Variant.Valid() {
		r.problem(Problem{Kind: ProblemDevice, Detail: fmt.Sprintf("unknown variant %q", d.Variant)})
	}
	if d.Class.Platform == "" {
		var found policy.DevicePlatform
		for _, s := range r.srcs {
			dp, ok := devicePlatformOf(s.platforms)
			switch {
			case !ok:
				r.problem(Problem{Kind: ProblemDevice, PolicyID: s.id,
					Detail: fmt.Sprintf("no device platform given, and the policy's platform %q is not one device platform", s.platforms)})
			case found == "":
				found = dp
			case found != dp:
				r.problem(Problem{Kind: ProblemDevice, PolicyID: s.id,
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
	r.device = d
	r.env = env{platform: platformOf(d.Class.Platform), variant: d.Variant, os: v}
	r.infos = make([]PolicyInfo, len(r.srcs))
	for i, s := range r.srcs {
		info := &r.infos[i]
		if s.prep != nil {
			*info = s.prep.info
			info.Support = s.prep.deliverable(d.Class, d.Variant)
		} else {
			p := s.pol
			*info = PolicyInfo{ID: p.ID, Name: p.Name, TemplateID: p.TemplateReference.TemplateID,
				LastModified: p.LastModifiedDateTime, Support: policy.Deliverable(p, d.Class, d.Variant)}
		}
	}
	return nil
}

func (r *run) problem(p Problem) { r.problems = append(r.problems, p) }

// walkNow walks a policy for this merge's device; its ops are the next
// plan.
func (r *run) walkNow(p *policy.Policy, deliverable bool) {
	r.wk.env, r.wk.out, r.wk.problems = r.env, &r.scratch, &r.problems
	lo := int32(len(r.scratch.ops))
	r.wk.walk(p, deliverable)
	r.wk.out, r.wk.problems = nil, nil
	r.plans = append(r.plans, plan{w: &r.scratch, lo: lo, hi: int32(len(r.scratch.ops))})
}

// finish merges the planned ops.
func (r *run) finish() (*Result, error) {
	if len(r.problems) > 0 {
		return nil, &InputError{Problems: slices.Clone(r.problems)}
	}
	r.replay()
	r.group()
	if err := r.resolve(); err != nil {
		return nil, err
	}
	return r.result(), nil
}

// replay turns the ops of every policy, in policy id order, into units and
// slots.
func (r *run) replay() {
	n := 0
	for _, pl := range r.plans {
		n += int(pl.hi - pl.lo)
	}
	slots, unitOf := slices.Grow(r.slots[:0], n), r.unitOf
	for pi, pl := range r.plans {
		pol, cu := int32(pi), int32(-1)
		ops := pl.w.ops[pl.lo:pl.hi]
		for i := range ops {
			o := &ops[i]
			parent := int32(-1)
			if o.kind == opChild {
				parent = cu
			}
			var u int32
			if o.idx >= 0 && unitOf[o.idx] > 0 {
				u = unitOf[o.idx] - 1
			} else {
				u = r.unitFor(o.key(), o.di, parent)
			}
			if o.kind == opContainer {
				cu = u
				r.units[u].container = true
				continue
			}
			r.units[u].n++
			slots = append(slots, slot{hash: o.hash, pol: pol, unit: u, op: int32(i), group: -1, reason: o.reason})
		}
	}
	r.slots = slots
}

// unitFor returns the unit of a setting key, creating it.
func (r *run) unitFor(key string, di *defInfo, parent int32) int32 {
	if di != nil {
		if u := r.unitOf[di.idx]; u > 0 {
			return u - 1
		}
	} else if u, ok := r.unitIndex[key]; ok {
		return u
	}
	u := int32(len(r.units))
	r.units = append(r.units, unit{key: key, di: di, parent: parent})
	if di != nil {
		r.unitOf[di.idx] = u + 1
	} else {
		r.unitIndex[key] = u
	}
	return u
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
