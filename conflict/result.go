package conflict

import (
	"encoding/binary"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secmgmt/secmgmt/policy"
)

// Result is the effective configuration of one device and how each
// policy's settings fared.
//
// A Result is immutable once returned and safe for concurrent reads. It
// shares setting instances with the policies it was merged from, or with
// the Prepared values (the unchanged ones are not copied): neither the
// policies given to Merge nor the instances of the result may be modified
// while the result is in use. Clone a setting instance to change it.
type Result struct {
	// Device is the device as merged: its platform filled in from the
	// policies when it was not given, the variant defaulted.
	Device Device
	// Policies lists every policy of the merge in id order, with whether
	// it is delivered to the device.
	Policies []PolicyInfo
	// Effective is the delivered configuration: top-level setting
	// instances in order of first appearance (policies in id order,
	// settings in document order). A group whose children merge per child
	// (attack surface reduction rules, threat severity actions) is rebuilt
	// as one group item holding the children that are delivered.
	Effective []*policy.SettingInstance
	// Version is a hash of the delivered content. It does not depend on the
	// order of the policies, their ids, names, template references,
	// annotations or the order of list items, so an unchanged
	// configuration keeps its version.
	Version string
	// Warnings are device-side warnings (contradicting firewall rules).
	Warnings []Warning

	// One reason per (policy, setting key), in Outcomes order: the
	// records of policy p are the indices from srcs[p].first up to the next
	// policy's first. A record's value is in its policy's ops, or in values
	// when the merge had to fill them in.
	reasons []reasonCode
	srcs    []resultSource // per policy, in Policies order
	values  []*policy.SettingInstance
	units   []unitRecord
	unknown []string // per unit, the key of a unit without definition; nil when there is none
	defs    map[string]*defInfo

	viewsOnce sync.Once
	v         *views // built on first use
}

// views are what the lookups and Outcomes need, built from the compact
// records on first use.
type views struct {
	values    []*policy.SettingInstance // per record, its value
	recUnit   []int32                   // per record, its unit
	byUnit    []int32                   // record indices grouped by unit, each unit's in policy id order
	unitStart []int32                   // unit i's records are byUnit[unitStart[i]:unitStart[i+1]]
	index     map[string]int            // unit key → units index

	once     sync.Once
	outcomes []SettingOutcome

	// The texts of the records' values (FormatValue), each made on first
	// use: a result is shared by the devices whose merge has the same
	// inputs, and a report formats every outcome of each device.
	textOnce  sync.Once
	textIndex map[*policy.SettingInstance]int32 // value → its first record
	texts     []atomic.Pointer[string]          // per textIndex entry
}

// resultSource is where the records of one policy are. Their values are
// the instances of ops, skipping opContainer, when ops is not nil (a
// Prepared's ops, which the result may share); else the merge filled in
// Result.values.
type resultSource struct {
	ops   []op
	first int32
}

// unitRecord keeps, per setting key, what Explain and the lookups need.
type unitRecord struct {
	def       *policy.Definition // nil for a key the catalog does not know
	delivered *policy.SettingInstance
	decision  reasonCode
	container bool
}

// unitKey returns the setting key of unit i.
func (res *Result) unitKey(i int) string {
	if d := res.units[i].def; d != nil {
		return d.ID
	}
	return res.unknown[i]
}

// pol returns the policy of record i.
func (res *Result) pol(i int32) int32 {
	lo, hi := 0, len(res.srcs) // the last source whose first is ≤ i
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if res.srcs[mid].first <= i {
			lo = mid
		} else {
			hi = mid
		}
	}
	return int32(lo)
}

// views builds, on first use, the records' values and units, the records
// grouped by unit and the index of the units. A record's unit is the unit
// of its value's definition id, which is its setting key.
func (res *Result) views() *views {
	res.viewsOnce.Do(func() {
		v := &views{values: res.values}
		n, nu := len(res.reasons), len(res.units)
		v.index = make(map[string]int, nu)
		for i := range res.units {
			v.index[res.unitKey(i)] = i
		}
		if v.values == nil {
			v.values = make([]*policy.SettingInstance, 0, n)
			for _, src := range res.srcs {
				for k := range src.ops {
					if src.ops[k].kind != opContainer {
						v.values = append(v.values, src.ops[k].inst)
					}
				}
			}
		}
		buf := make([]int32, 2*n+2*(nu+1))
		v.recUnit, buf = buf[:n:n], buf[n:]
		start, next, by := buf[:nu+1:nu+1], buf[nu+1:2*(nu+1)], buf[2*(nu+1):]
		for i, val := range v.values {
			u := v.index[val.DefinitionID]
			v.recUnit[i] = int32(u)
			start[u+1]++
		}
		for u := 1; u <= nu; u++ {
			start[u] += start[u-1]
		}
		copy(next, start)
		for i, u := range v.recUnit {
			by[next[u]] = int32(i)
			next[u]++
		}
		v.byUnit, v.unitStart = by, start
		res.v = v
	})
	return res.v
}

// lookup returns the units index of a setting key.
func (res *Result) lookup(key string) (int, bool) {
	i, ok := res.views().index[key]
	return i, ok
}

// outcomesOf returns the indices into Outcomes of unit i's outcomes, in
// policy id order.
func (res *Result) outcomesOf(i int) []int32 {
	v := res.views()
	return v.byUnit[v.unitStart[i]:v.unitStart[i+1]:v.unitStart[i+1]]
}

// PolicyInfo describes one policy of a merge.
type PolicyInfo struct {
	ID           string
	Name         string
	TemplateID   string
	LastModified time.Time
	// Support says whether security settings management delivers the
	// policy to the device (policy.Deliverable), and why not.
	Support policy.Support
}

// SettingOutcome is the outcome of one policy's value for one setting key
// on the device.
type SettingOutcome struct {
	PolicyID string
	// SettingID is the setting key (a definition id).
	SettingID string
	Outcome   Outcome
	Reason    Reason
	// Sources are the ids of the policies that configure the same setting
	// key and are delivered to the device, sorted; the policy itself is
	// one of them unless it is not delivered. The slice is shared between
	// the outcomes of one key: read only. Others leaves the policy out.
	Sources []string
	// Value is the policy's value for the key, less the children that do
	// not apply to the device. Read only.
	Value *policy.SettingInstance
	// Definition is the setting's definition; nil only for a setting of a
	// policy that is not delivered and that the catalog does not know.
	Definition *policy.Definition
}

// Others returns the ids of the other policies that configure the same
// setting key and are delivered to the device, sorted: the sources of a
// conflict besides this policy.
func (o SettingOutcome) Others() []string {
	var out []string
	for _, id := range o.Sources {
		if id != o.PolicyID {
			out = append(out, id)
		}
	}
	return out
}

// Outcomes returns one entry per (policy, setting key) pair: policies in id
// order, settings in document order. A setting key is a top-level setting,
// a child of a group that merges per child, or a child setting that does
// not apply to the device (it is dropped from its parent's value and
// reported notApplicable on its own). The slice is built on first use and
// shared: read only.
func (res *Result) Outcomes() []SettingOutcome {
	v := res.views()
	v.once.Do(func() {
		srcIDs := make([]string, 0, len(res.reasons))
		unitSrc := make([][]string, len(res.units))
		for i := range res.units {
			start := len(srcIDs)
			for _, o := range res.outcomesOf(i) {
				if res.reasons[o] != codeNotDeliverable {
					srcIDs = append(srcIDs, res.Policies[res.pol(o)].ID)
				}
			}
			unitSrc[i] = srcIDs[start:len(srcIDs):len(srcIDs)]
		}
		outs := make([]SettingOutcome, len(res.reasons))
		for p := range res.srcs {
			end := int32(len(res.reasons))
			if p+1 < len(res.srcs) {
				end = res.srcs[p+1].first
			}
			for i := res.srcs[p].first; i < end; i++ {
				u := v.recUnit[i]
				reason := res.reasons[i].reason()
				outs[i] = SettingOutcome{PolicyID: res.Policies[p].ID, SettingID: res.unitKey(int(u)),
					Outcome: reason.Outcome(), Reason: reason, Sources: unitSrc[u],
					Value: v.values[i], Definition: res.units[u].def}
			}
		}
		v.outcomes = outs
	})
	return v.outcomes
}

// outcome returns the i-th outcome.
func (res *Result) outcome(i int32) SettingOutcome { return res.Outcomes()[i] }

// result builds the Result from the decided units. Everything it returns
// is freshly allocated or shared with the input policies, never with the
// run's scratch space.
func (r *run) result() *Result {
	res := &Result{Device: r.device, defs: r.m.defs, Policies: r.infos}
	r.infos = nil

	res.reasons = make([]reasonCode, len(r.slots))
	res.srcs = make([]resultSource, len(r.plans))
	for i := range r.slots {
		res.reasons[i] = r.slots[i].reason
	}
	first, own := int32(0), false
	for p, pl := range r.plans {
		res.srcs[p] = resultSource{ops: pl.w.ops[pl.lo:pl.hi:pl.hi], first: first}
		for first < int32(len(r.slots)) && r.slots[first].pol == int32(p) {
			first++
		}
		own = own || pl.w == &r.scratch
	}
	if own {
		// The ops are the run's scratch: keep the values instead.
		res.values = make([]*policy.SettingInstance, len(r.slots))
		for i := range r.slots {
			res.values[i] = r.op(int32(i)).inst
		}
		for p := range res.srcs {
			res.srcs[p].ops = nil
		}
	}

	// Units, in order of first appearance, and the effective tree.
	res.units = make([]unitRecord, len(r.units))
	var sum1, sum2 uint64
	neff := 0
	for i := range r.units {
		if u := &r.units[i]; u.container || u.parent < 0 && u.delivered != nil && (u.di == nil || u.di.parent == nil) {
			neff++
		}
	}
	eff := make([]*policy.SettingInstance, 0, neff)
	for i := range r.units {
		u := &r.units[i]
		rec := unitRecord{container: u.container, decision: u.decision, delivered: u.delivered}
		if u.di != nil {
			rec.def = u.di.def
		} else {
			if res.unknown == nil {
				res.unknown = make([]string, len(r.units))
			}
			res.unknown[i] = u.key
		}
		switch {
		case u.container:
			inst, h := r.rebuild(int32(i))
			if inst != nil {
				rec.delivered = inst
				eff = append(eff, inst)
				sum1 += h
				sum2 += mix(h, hashK3)
			}
		case u.parent < 0 && u.delivered != nil && (u.di == nil || u.di.parent == nil):
			eff = append(eff, u.delivered)
			sum1 += u.hash
			sum2 += mix(u.hash, hashK3)
		}
		res.units[i] = rec
	}
	if len(eff) > 0 {
		res.Effective = eff
	}
	var v [16]byte
	binary.BigEndian.PutUint64(v[:8], sum1)
	binary.BigEndian.PutUint64(v[8:], sum2)
	res.Version = hex.EncodeToString(v[:])
	if len(r.warnings) > 0 {
		res.Warnings = r.warnings
	}
	return res
}

// rebuild makes the delivered instance of a group that merges per child:
// one group item with the delivered children, in order of first
// appearance. It returns nil when no child is delivered. The hash is the
// one instanceHasher.instance gives, from the children's hashes.
func (r *run) rebuild(cu int32) (*policy.SettingInstance, uint64) {
	n := 0
	for i := cu + 1; i < int32(len(r.units)); i++ { // children come after their group
		if u := &r.units[i]; u.parent == cu && u.delivered != nil {
			n++
		}
	}
	if n == 0 {
		return nil, 0
	}
	kids := make([]*policy.SettingInstance, 0, n)
	base := len(r.hs)
	for i := cu + 1; i < int32(len(r.units)); i++ {
		if u := &r.units[i]; u.parent == cu && u.delivered != nil {
			kids = append(kids, u.delivered)
			r.hs = append(r.hs, u.hash)
		}
	}
	ch := setHash(tagSet, r.hs[base:])
	c := &r.units[cu]
	inst := &policy.SettingInstance{DefinitionID: c.key}
	item := &policy.GroupValue{Children: kids}
	h := mix(c.di.idHash, 0)
	if c.di.kind == policy.KindGroup {
		inst.Kind, inst.Group = policy.InstanceGroup, item
		h = mix(h^tagGroup, ch)
	} else {
		inst.Kind, inst.Groups = policy.InstanceGroupCollection, []*policy.GroupValue{item}
		r.hs = append(r.hs[:base], mix(tagItem, ch))
		h = mix(h^tagGroups, setHash(tagSet, r.hs[base:]))
	}
	r.hs = r.hs[:base]
	return inst, h
}
