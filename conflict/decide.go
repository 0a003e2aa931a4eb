package conflict

import (
	"strconv"
	"strings"
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
		kind := r.slots[app[0]].inst.Kind
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
		if r.slots[s].reason == "" {
			r.app = append(r.app, s)
		}
	}
	return r.app
}

// single delivers the one source's value as it is.
func (r *run) single(u *unit, s int32) {
	sl := &r.slots[s]
	sl.reason, sl.group = ReasonOnlySource, 0
	u.decision, u.delivered, u.hash = ReasonOnlySource, sl.inst, sl.hash
}

// setAll gives every applicable source the same reason.
func (r *run) setAll(app []int32, reason Reason) {
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
			tl := &r.slots[t]
			if tl.group >= 0 && tl.hash == sl.hash && equalInstances(tl.inst, sl.inst) {
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
		first := &r.slots[app[0]]
		r.setAll(app, ReasonEqualValues)
		u.decision, u.delivered, u.hash = ReasonEqualValues, first.inst, first.hash
		return nil
	}
	winner, ok := -1, false
	if r.m.resolver != nil {
		d := &Dispute{SettingID: u.key, Definition: u.di.def, Values: int(groups)}
		d.Candidates = make([]Candidate, len(app))
		for i, s := range app {
			sl := &r.slots[s]
			p := r.pols[sl.pol]
			d.Candidates[i] = Candidate{PolicyID: p.ID, PolicyName: p.Name,
				LastModified: p.LastModifiedDateTime, Value: sl.inst, Group: int(sl.group)}
		}
		winner, ok = r.m.resolver.Resolve(d)
		if ok && (winner < 0 || winner >= len(app)) {
			return &ResolverError{SettingID: u.key, Winner: winner, Candidates: len(app)}
		}
	}
	if !ok {
		for _, s := range app {
			r.slots[s].reason = ReasonDifferentValues
		}
		u.decision = ReasonDifferentValues
		return nil
	}
	w := &r.slots[app[winner]]
	for _, s := range app {
		if sl := &r.slots[s]; sl.group == w.group {
			sl.reason = ReasonResolvedFor
		} else {
			sl.reason = ReasonResolvedAgainst
		}
	}
	u.decision, u.delivered, u.hash = ReasonResolvedFor, w.inst, w.hash
	return nil
}

// mergeUnion applies rule 4 to simple collections: the lists are combined
// in policy id order, keeping the first spelling of each value.
func (r *run) mergeUnion(u *unit, app []int32, fold bool) {
	if len(app) == 1 {
		r.single(u, app[0])
		return
	}
	var merged []*policy.SimpleValue
	var seen map[string]struct{} // for long lists
	for _, s := range app {
		for _, sv := range r.slots[s].inst.Simples {
			if seen == nil && len(merged) > 32 {
				seen = make(map[string]struct{}, 2*len(merged))
				for _, m := range merged {
					seen[unionKey(m, fold)] = struct{}{}
				}
			}
			if seen != nil {
				k := unionKey(sv, fold)
				if _, dup := seen[k]; dup {
					continue
				}
				seen[k] = struct{}{}
				merged = append(merged, sv)
				continue
			}
			dup := false
			for _, m := range merged {
				if dup = sameUnionValue(m, sv, fold); dup {
					break
				}
			}
			if !dup {
				merged = append(merged, sv)
			}
		}
	}
	r.setAll(app, ReasonMerged)
	u.decision = ReasonMerged
	u.delivered = &policy.SettingInstance{Kind: policy.InstanceSimpleCollection, DefinitionID: u.key, Simples: merged}
	u.hash = r.hx.instance(u.delivered)
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
	return foldEqual(a.Text, b.Text)
}

// unionKey is the map key of sameUnionValue.
func unionKey(sv *policy.SimpleValue, fold bool) string {
	switch {
	case sv.Type == policy.ValueInteger:
		return "\x00" + strconv.FormatInt(sv.Integer, 10)
	case fold:
		return "\x01" + strings.ToUpper(sv.Text)
	}
	return "\x01" + sv.Text
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
		for _, g := range r.slots[s].inst.Groups {
			h := r.hx.item(g)
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
	r.hs = r.hs[:base]
	r.setAll(app, ReasonMerged)
	u.decision = ReasonMerged
	u.delivered = &policy.SettingInstance{Kind: policy.InstanceGroupCollection, DefinitionID: u.key, Groups: items}
	u.hash = r.hx.instance(u.delivered)
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
		n += len(r.slots[s].inst.Groups)
	}
	items := make([]*policy.GroupValue, 0, n)
	for _, s := range app {
		items = append(items, r.slots[s].inst.Groups...)
	}
	r.setAll(app, ReasonAllRules)
	u.decision = ReasonAllRules
	u.delivered = &policy.SettingInstance{Kind: policy.InstanceGroupCollection, DefinitionID: u.key, Groups: items}
	u.hash = r.hx.instance(u.delivered)
}
