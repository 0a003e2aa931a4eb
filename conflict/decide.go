package conflict

import (
	"unicode"
	"unicode/utf8"

	"github.com/secmgmt/secmgmt/policy"
)

// resolve decides every unit: what is delivered and each source's reason.
func (r *run) resolve() error {
	for ui := range r.units {
		u := &r.units[ui]
		if u.container {
			continue
		}
		app := r.applicable(u)
		if len(app) == 0 {
			u.decision = r.slots[r.sources(u)[0]].reason
			continue
		}
		kind := r.op(app[0]).inst.Kind
		switch {
		case (u.di.merge == policy.MergeUnion || u.di.merge == policy.MergeUnionFold) && kind == policy.InstanceSimpleCollection:
			r.mergeUnion(u, app, u.di.merge == policy.MergeUnionFold)
		case u.di.merge == policy.MergeItems && kind == policy.InstanceGroupCollection:
			r.mergeItems(u, app)
		case u.di.merge == policy.MergeRules && kind == policy.InstanceGroupCollection:
			r.mergeRules(u, app)
		default:
			if err := r.compare(u, app); err != nil {
				return err
			}
		}
	}
	return nil
}

// applicable returns the unit's slots that take part in the merge, in
// policy id order. The result is scratch: valid until the next call.
func (r *run) applicable(u *unit) []int32 {
	r.app = r.app[:0]
	for _, s := range r.sources(u) {
		if r.slots[s].reason == codeNone {
			r.app = append(r.app, s)
		}
	}
	return r.app
}

// single delivers the one source's value as it is.
func (r *run) single(u *unit, s int32) {
	sl, o := &r.slots[s], r.op(s)
	sl.reason, sl.group = codeOnlySource, 0
	u.decision, u.delivered, u.hash = codeOnlySource, o.inst, o.hash
}

// setAll gives every applicable source the same reason.
func (r *run) setAll(app []int32, reason reasonCode) {
	for _, s := range app {
		r.slots[s].reason, r.slots[s].group = reason, 0
	}
}

// compare applies rule 2 and 3: equal values are delivered once, differing
// values are withheld (or resolved).
func (r *run) compare(u *unit, app []int32) error {
	if len(app) == 1 {
		r.single(u, app[0])
		return nil
	}
	groups := int32(0)
	for i, s := range app {
		sl := &r.slots[s]
		for _, t := range app[:i] {
			if tl := &r.slots[t]; tl.group >= 0 && tl.hash == sl.hash && equalInstances(r.op(t).inst, r.op(s).inst) {
				sl.group = tl.group
				break
			}
		}
		if sl.group < 0 {
			sl.group = groups
			groups++
		}
	}
	if groups == 1 {
		first := r.op(app[0])
		r.setAll(app, codeEqualValues)
		u.decision, u.delivered, u.hash = codeEqualValues, first.inst, first.hash
		return nil
	}
	winner, ok := -1, false
	if r.m.resolver != nil {
		d := &Dispute{SettingID: u.key, Definition: u.di.def, Values: int(groups)}
		d.Candidates = make([]Candidate, len(app))
		for i, s := range app {
			sl := &r.slots[s]
			p := &r.infos[sl.pol]
			d.Candidates[i] = Candidate{PolicyID: p.ID, PolicyName: p.Name,
				LastModified: p.LastModified, Value: r.op(s).inst, Group: int(sl.group)}
		}
		winner, ok = r.m.resolver.Resolve(d)
		if ok && (winner < 0 || winner >= len(app)) {
			return &ResolverError{SettingID: u.key, Winner: winner, Candidates: len(app)}
		}
	}
	if !ok {
		for _, s := range app {
			r.slots[s].reason = codeDifferentValues
		}
		u.decision = codeDifferentValues
		return nil
	}
	wg, wo := r.slots[app[winner]].group, r.op(app[winner])
	for _, s := range app {
		if sl := &r.slots[s]; sl.group == wg {
			sl.reason = codeResolvedFor
		} else {
			sl.reason = codeResolvedAgainst
		}
	}
	u.decision, u.delivered, u.hash = codeResolvedFor, wo.inst, wo.hash
	return nil
}

// mergeUnion applies rule 4 to simple collections: the lists are combined
// in policy id order, keeping the first spelling of each value. Values are
// looked up by their union hash (see unionHash) in an open-addressing
// table, and a hash match is confirmed with sameUnionValue.
func (r *run) mergeUnion(u *unit, app []int32, fold bool) {
	if len(app) == 1 {
		r.single(u, app[0])
		return
	}
	n := 0
	for _, s := range app {
		n += len(r.op(s).inst.Simples)
	}
	size := 8
	for size < 2*n {
		size *= 2
	}
	if cap(r.table) < size {
		r.table = make([]int32, size)
	}
	table := r.table[:size]
	clear(table)
	mask := uint64(size - 1)
	merged := make([]*policy.SimpleValue, 0, n)
	base := len(r.hs) // the union hash of merged[i] is r.hs[base+2i], its value hash r.hs[base+2i+1]
	for _, s := range app {
		o, vals := r.op(s), r.extras(s)
		for i, sv := range o.inst.Simples {
			h := vals[2*i]
			at := h & mask
			dup := false
			for ; table[at] != 0; at = (at + 1) & mask {
				j := table[at] - 1
				if r.hs[base+2*int(j)] == h && sameUnionValue(merged[j], sv, fold) {
					dup = true
					break
				}
			}
			if !dup {
				table[at] = int32(len(merged)) + 1
				merged = append(merged, sv)
				r.hs = append(r.hs, h, vals[2*i+1])
			}
		}
	}
	r.setAll(app, codeMerged)
	u.decision = codeMerged
	u.delivered = &policy.SettingInstance{Kind: policy.InstanceSimpleCollection, DefinitionID: u.key, Simples: merged}
	if u.di.ordered {
		u.hash = r.hx.instance(u.delivered)
	} else {
		// What instanceHasher.instance gives, from the values' hashes.
		hs := r.hs[base:]
		for i := range merged {
			hs[i] = hs[2*i+1]
		}
		u.hash = mix(mix(u.di.idHash, 0), setHash(tagSimples, hs[:len(merged)]))
	}
	r.hs = r.hs[:base]
}

// sameUnionValue compares two values of a union list: integers exactly,
// texts exactly or, for case-insensitive lists, by their upper case (the
// way Windows compares file names).
func sameUnionValue(a, b *policy.SimpleValue, fold bool) bool {
	if a.Type == policy.ValueInteger || b.Type == policy.ValueInteger {
		return a.Type == b.Type && a.Integer == b.Integer
	}
	if !fold {
		return a.Text == b.Text
	}
	return a.Text == b.Text || foldEqual(a.Text, b.Text)
}

// foldEqual reports whether a and b have the same upper case, rune by rune,
// as strings.ToUpper(a) == strings.ToUpper(b) but without allocating.
func foldEqual(a, b string) bool {
	// ASCII fast path: most paths, extensions and process names are.
	i := 0
	for ; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca >= utf8.RuneSelf || cb >= utf8.RuneSelf {
			break
		}
		if ca == cb {
			continue
		}
		if 'a' <= ca && ca <= 'z' {
			ca -= 'a' - 'A'
		}
		if 'a' <= cb && cb <= 'z' {
			cb -= 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	a, b = a[i:], b[i:]
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb && unicode.ToUpper(ra) != unicode.ToUpper(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == b
}

// mergeItems applies rule 4 to group collections of independent items
// (Linux and macOS exclusions): items are combined in policy id order, an
// item equal to one already taken (in every child) is dropped.
func (r *run) mergeItems(u *unit, app []int32) {
	if len(app) == 1 {
		r.single(u, app[0])
		return
	}
	var items []*policy.GroupValue
	base := len(r.hs)
	for _, s := range app {
		hs := r.extras(s)
		for gi, g := range r.op(s).inst.Groups {
			h := hs[gi]
			dup := false
			for i, k := range r.hs[base:] {
				if dup = k == h && equalGroup(items[i], g); dup {
					break
				}
			}
			if !dup {
				items = append(items, g)
				r.hs = append(r.hs, h)
			}
		}
	}
	r.setAll(app, codeMerged)
	u.decision = codeMerged
	u.delivered = &policy.SettingInstance{Kind: policy.InstanceGroupCollection, DefinitionID: u.key, Groups: items}
	u.hash = mix(mix(u.di.idHash, 0)^tagGroups, setHash(tagSet, r.hs[base:]))
	r.hs = r.hs[:base]
}

// mergeRules applies rule 6: every firewall rule of every policy is
// delivered, in policy id order; contradictions become warnings.
func (r *run) mergeRules(u *unit, app []int32) {
	r.ruleWarnings(u, app)
	if len(app) == 1 {
		r.single(u, app[0])
		return
	}
	n := 0
	for _, s := range app {
		n += len(r.op(s).inst.Groups)
	}
	items := make([]*policy.GroupValue, 0, n)
	base := len(r.hs)
	for _, s := range app {
		items = append(items, r.op(s).inst.Groups...)
		r.hs = append(r.hs, r.extras(s)...)
	}
	r.setAll(app, codeAllRules)
	u.decision = codeAllRules
	u.delivered = &policy.SettingInstance{Kind: policy.InstanceGroupCollection, DefinitionID: u.key, Groups: items}
	u.hash = mix(mix(u.di.idHash, 0)^tagGroups, setHash(tagSet, r.hs[base:]))
	r.hs = r.hs[:base]
}

// extras returns what the walk worked out for the merge rule of slot s
// (see op).
func (r *run) extras(s int32) []uint64 {
	o, w := r.op(s), r.plans[r.slots[s].pol].w
	return w.vals[o.xoff : o.xoff+o.xn]
}

// rules returns the enabled firewall rules of slot s.
func (r *run) rules(s int32) []firewallRule {
	o, w := r.op(s), r.plans[r.slots[s].pol].w
	return w.rules[o.roff : o.roff+o.rn]
}
