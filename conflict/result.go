package conflict

import (
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"

	"github.com/secmgmt/secmgmt/policy"
)

// Result is the effective configuration of one device and how each
// policy's settings fared.
//
// A Result is immutable once returned and safe for concurrent reads. It
// shares setting instances with the policies it was merged from (the
// unchanged ones are not copied): neither the policies nor the instances of
// the result may be modified while the result is in use. Clone a setting
// instance to change it.
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

	recs  []outcomeRec
	units []unitRecord
	index map[string]int // unit key → units index
	defs  map[string]*defInfo

	once     sync.Once
	outcomes []SettingOutcome
}

// outcomeRec is the compact form of a SettingOutcome.
type outcomeRec struct {
	pol, unit int32
	reason    Reason
	inst      *policy.SettingInstance
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

// unitRecord keeps, per setting key, what Explain and the lookups need.
type unitRecord struct {
	key       string
	def       *policy.Definition
	container bool
	parent    string // the container's key, for a per-child setting
	decision  Reason
	delivered *policy.SettingInstance
	outcomes  []int32 // indices into Outcomes, in policy id order
}

// Outcomes returns one entry per (policy, setting key) pair: policies in id
// order, settings in document order. A setting key is a top-level setting,
// a child of a group that merges per child, or a child setting that does
// not apply to the device (it is dropped from its parent's value and
// reported notApplicable on its own). The slice is built on first use and
// shared: read only.
func (res *Result) Outcomes() []SettingOutcome {
	res.once.Do(func() {
		srcIDs := make([]string, 0, len(res.recs))
		unitSrc := make([][]string, len(res.units))
		for i := range res.units {
			start := len(srcIDs)
			for _, o := range res.units[i].outcomes {
				if rec := &res.recs[o]; rec.reason != ReasonNotDeliverable {
					srcIDs = append(srcIDs, res.Policies[rec.pol].ID)
				}
			}
			unitSrc[i] = srcIDs[start:len(srcIDs):len(srcIDs)]
		}
		outs := make([]SettingOutcome, len(res.recs))
		for i := range res.recs {
			rec := &res.recs[i]
			u := &res.units[rec.unit]
			outs[i] = SettingOutcome{PolicyID: res.Policies[rec.pol].ID, SettingID: u.key,
				Outcome: rec.reason.Outcome(), Reason: rec.reason, Sources: unitSrc[rec.unit],
				Value: rec.inst, Definition: u.def}
		}
		res.outcomes = outs
	})
	return res.outcomes
}

// outcome returns the i-th outcome.
func (res *Result) outcome(i int32) SettingOutcome { return res.Outcomes()[i] }

// result builds the Result from the decided units. Everything it returns
// is freshly allocated or shared with the input policies, never with the
// run's scratch space.
func (r *run) result() *Result {
	res := &Result{Device: r.device, defs: r.m.defs}
	res.Policies = make([]PolicyInfo, len(r.pols))
	for i, p := range r.pols {
		res.Policies[i] = PolicyInfo{ID: p.ID, Name: p.Name, TemplateID: p.TemplateReference.TemplateID,
			LastModified: p.LastModifiedDateTime, Support: r.support[i]}
	}

	res.recs = make([]outcomeRec, len(r.slots))
	for i := range r.slots {
		sl := &r.slots[i]
		res.recs[i] = outcomeRec{pol: sl.pol, unit: sl.unit, reason: sl.reason, inst: sl.inst}
	}

	// Units, in order of first appearance, and the effective tree.
	res.units = make([]unitRecord, len(r.units))
	res.index = make(map[string]int, len(r.units))
	outIdx := make([]int32, len(r.order))
	copy(outIdx, r.order)
	var sum1, sum2 uint64
	var eff []*policy.SettingInstance
	for i := range r.units {
		u := &r.units[i]
		rec := unitRecord{key: u.key, container: u.container, decision: u.decision,
			delivered: u.delivered, outcomes: outIdx[u.start : u.start+u.n : u.start+u.n]}
		if u.di != nil {
			rec.def = u.di.def
		}
		if u.parent >= 0 {
			rec.parent = r.units[u.parent].key
		}
		res.index[u.key] = i
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
	res.Effective = eff
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
// appearance. It returns nil when no child is delivered.
func (r *run) rebuild(cu int32) (*policy.SettingInstance, uint64) {
	var kids []*policy.SettingInstance
	for i := range r.units {
		if u := &r.units[i]; u.parent == cu && u.delivered != nil {
			kids = append(kids, u.delivered)
		}
	}
	if len(kids) == 0 {
		return nil, 0
	}
	c := &r.units[cu]
	inst := &policy.SettingInstance{DefinitionID: c.key}
	item := &policy.GroupValue{Children: kids}
	if c.di.kind == policy.KindGroup {
		inst.Kind, inst.Group = policy.InstanceGroup, item
	} else {
		inst.Kind, inst.Groups = policy.InstanceGroupCollection, []*policy.GroupValue{item}
	}
	return inst, r.hx.instance(inst)
}
