package secmgmt

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
)

// configDiff is the difference between two effective configurations of a
// device (either may be nil: not managed).
type configDiff struct {
	settings           []SettingChange
	appeared, resolved []Conflict
	// added and removed are the policies delivered after and not before,
	// and before and not after.
	added, removed []string
	// conflictsEntered and conflictsLeft are the policies in no conflict
	// before and in some after, and the reverse.
	conflictsEntered, conflictsLeft []string
}

// changed reports whether anything differs.
func (d *configDiff) changed() bool {
	return len(d.settings) > 0 || len(d.appeared) > 0 || len(d.resolved) > 0 || len(d.added) > 0 || len(d.removed) > 0
}

// orderedSettings are the collections whose order the device follows, so
// that a change of order is a change; every other collection is compared
// as a set, as the merge compares it.
var orderedSettings = map[string]bool{
	"device_vendor_msft_policy_config_defender_signatureupdatefallbackorder": true,
}

// diff returns the difference between two results, shared by every device
// with the same pair, and by every pair with the same content: results
// with the same version and the same delivered policies deliver the same
// values from the same policies in the same order, and have the same
// conflicts (the policies of one side of a simulation are the same
// everywhere), whatever else set them apart (an OS version that changed
// nothing, say).
func (m *merges) diff(a, b *conflict.Result) (*configDiff, error) {
	k := [2]*conflict.Result{a, b}
	if d, ok := m.diffs[k]; ok {
		return d, nil
	}
	pa, pb := delivered(a), delivered(b)
	ck := [2]string{contentKey(a, pa), contentKey(b, pb)}
	if a != b {
		if d, ok := m.byContent[ck]; ok {
			m.diffs[k] = d
			return d, nil
		}
	}
	d := &configDiff{}
	if a != b {
		d.added, d.removed = minus(pb, pa), minus(pa, pb)
		if a == nil || b == nil || a.Version != b.Version {
			d.settings = m.settingChanges(a, b)
		}
		ca, cb := m.conflictsOf(a), m.conflictsOf(b)
		for key, c := range cb {
			if _, ok := ca[key]; !ok {
				d.appeared = append(d.appeared, c)
			}
		}
		for key, c := range ca {
			if _, ok := cb[key]; !ok {
				d.resolved = append(d.resolved, c)
			}
		}
		sortConflicts(d.appeared)
		sortConflicts(d.resolved)
		ia, ib := inConflict(ca), inConflict(cb)
		d.conflictsEntered, d.conflictsLeft = minus(ib, ia), minus(ia, ib)
		if m.byContent == nil {
			m.byContent = map[[2]string]*configDiff{}
		}
		m.byContent[ck] = d
	}
	m.diffs[k] = d
	return d, nil
}

// contentKey names a result's content: its version and delivered
// policies; "-" for no result.
func contentKey(res *conflict.Result, delivered []string) string {
	if res == nil {
		return "-"
	}
	return res.Version + "|" + strings.Join(delivered, ",")
}

// delivered returns the ids of the policies of a result that are
// delivered to the device, sorted.
func delivered(res *conflict.Result) []string {
	if res == nil {
		return nil
	}
	var out []string
	for _, p := range res.Policies {
		if p.Support.Supported {
			out = append(out, p.ID)
		}
	}
	return out
}

// minus returns the elements of the sorted list a that the sorted list b
// lacks.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

// conflictsOf returns a result's conflicts by setting and policies.
func conflictsOf(res *conflict.Result) map[string]Conflict {
	out := map[string]Conflict{}
	if res == nil {
		return out
	}
	for o := range res.Conflicts() {
		key := o.SettingID + "\x00" + strings.Join(o.Sources, "\x00")
		if _, ok := out[key]; !ok {
			out[key] = Conflict{SettingID: o.SettingID, Policies: slices.Clone(o.Sources)}
		}
	}
	return out
}

// inConflict returns the policies in some conflict, sorted.
func inConflict(cs map[string]Conflict) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Policies...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sortConflicts(cs []Conflict) {
	slices.SortFunc(cs, func(a, b Conflict) int {
		if c := strings.Compare(a.SettingID, b.SettingID); c != 0 {
			return c
		}
		return slices.Compare(a.Policies, b.Policies)
	})
}

// settingChanges compares the flattened views of two results.
func (m *merges) settingChanges(a, b *conflict.Result) []SettingChange {
	fa, fb := m.flatten(a), m.flatten(b)
	keys := m.differing(a, b, fa, fb)
	if len(keys) == 0 {
		return nil
	}
	out := make([]SettingChange, 0, len(keys))
	for _, k := range keys {
		va, inA := fa[k]
		vb, inB := fb[k]
		var c SettingChange
		switch {
		case inA && inB:
			c = SettingChange{SettingID: k, Change: SettingChanged, Before: va, After: vb, Policies: m.sourcesOf(b, k)}
		case inB:
			c = SettingChange{SettingID: k, Change: SettingAdded, After: vb, Policies: m.sourcesOf(b, k)}
		default:
			c = SettingChange{SettingID: k, Change: SettingRemoved, Before: va, Policies: m.sourcesOf(a, k)}
		}
		out = append(out, c)
	}
	return out
}

// differing returns the sorted flattened keys whose values differ between
// two results (in one and not the other, or with another value), once per
// pair of versions.
func (m *merges) differing(a, b *conflict.Result, fa, fb map[string]any) []string {
	var vk [2]string
	if a != nil {
		vk[0] = a.Version
	}
	if b != nil {
		vk[1] = b.Version
	}
	if keys, ok := m.changedKeys[vk]; ok {
		return keys
	}
	var keys []string
	for k, va := range fa {
		if vb, ok := fb[k]; !ok || !sameValue(k, va, vb) {
			keys = append(keys, k)
		}
	}
	for k := range fb {
		if _, ok := fa[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if m.changedKeys == nil {
		m.changedKeys = map[[2]string][]string{}
	}
	m.changedKeys[vk] = keys
	return keys
}

// sourcesOf is sourcesOf, once per result and key.
func (m *merges) sourcesOf(res *conflict.Result, key string) []string {
	byKey := m.sources[res]
	if byKey == nil {
		if m.sources == nil {
			m.sources = map[*conflict.Result]map[string][]string{}
		}
		byKey = map[string][]string{}
		m.sources[res] = byKey
	}
	if out, ok := byKey[key]; ok {
		return out
	}
	out := sourcesOf(res, key)
	byKey[key] = out
	return out
}

// conflictsOf is conflictsOf, once per result.
func (m *merges) conflictsOf(res *conflict.Result) map[string]Conflict {
	if cs, ok := m.conflicts[res]; ok {
		return cs
	}
	cs := conflictsOf(res)
	if m.conflicts == nil {
		m.conflicts = map[*conflict.Result]map[string]Conflict{}
	}
	m.conflicts[res] = cs
	return cs
}

// sourcesOf returns the delivered policies whose value of a setting (a
// flattened key: a setting key or a setting below one) is delivered.
func sourcesOf(res *conflict.Result, key string) []string {
	var out []string
	for _, p := range res.Policies {
		if !p.Support.Supported {
			continue
		}
		if o, ok := res.Outcome(p.ID, key); ok && o.Outcome == conflict.OutcomeSucceeded {
			out = append(out, p.ID)
		}
	}
	return out
}

// flatten returns a result's flattened view with secrets masked, once per
// result.
func (m *merges) flatten(res *conflict.Result) map[string]any {
	if res == nil {
		return nil
	}
	if f, ok := m.flat[res]; ok {
		return f
	}
	f := maskSecrets(m.w.s.catalog, res.Flatten())
	m.flat[res] = f
	return f
}

// maskSecrets replaces the values of secret settings in a flattened view
// (at any depth) with conflict.SecretMask.
func maskSecrets(cat *policy.Catalog, flat map[string]any) map[string]any {
	for k, v := range flat {
		if d, ok := cat.Definition(k); ok && d.Kind == policy.KindSecret {
			flat[k] = conflict.SecretMask
			continue
		}
		if items, ok := v.([]any); ok {
			for _, it := range items {
				if sub, ok := it.(map[string]any); ok {
					maskSecrets(cat, sub)
				}
			}
		}
	}
	return flat
}

// sameValue reports whether two flattened values of a setting are equal,
// as the merge compares them.
func sameValue(key string, a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case []any:
		// Most collections are unchanged and in the same order: compare
		// them item by item before comparing them as the merge does.
		if y, ok := b.([]any); ok && len(x) == len(y) && samePrimitives(x, y) {
			return true
		}
	}
	return canonical(key, a) == canonical(key, b)
}

// samePrimitives reports whether two lists hold the same strings and
// integers in the same order (false when either holds anything else).
func samePrimitives(a, b []any) bool {
	for i := range a {
		switch x := a[i].(type) {
		case string:
			if y, ok := b[i].(string); !ok || x != y {
				return false
			}
		case int64:
			if y, ok := b[i].(int64); !ok || x != y {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// canonical returns a flattened value in a form that compares as the merge
// compares values: collections as sets, unless their order counts.
func canonical(key string, v any) string {
	items, ok := v.([]any)
	if !ok {
		b, _ := json.Marshal(v)
		return string(b)
	}
	parts := make([]string, len(items))
	for i, it := range items {
		if sub, ok := it.(map[string]any); ok {
			keys := make([]string, 0, len(sub))
			for k := range sub {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			var b strings.Builder
			for _, k := range keys {
				b.WriteString(k)
				b.WriteByte('=')
				b.WriteString(canonical(k, sub[k]))
				b.WriteByte(';')
			}
			parts[i] = b.String()
			continue
		}
		b, _ := json.Marshal(it)
		parts[i] = string(b)
	}
	if !orderedSettings[key] {
		slices.Sort(parts)
		parts = slices.Compact(parts)
	}
	return "[" + strings.Join(parts, ",") + "]"
}
