package conflict

import (
	"github.com/secmgmt/secmgmt/policy"
)

// Typed comparison of setting instances. Two instances are equal when they
// configure the same setting with the same value: same definition and kind,
// same chosen option, same simple values, and equal children. Children of
// a choice or group value are compared as a set keyed by definition, the
// items of a group collection and the values of a choice collection or
// simple collection as sets (order and repeats do not count), except the
// collections whose order the device uses (orderedSettings). Template
// references, annotations and properties the model does not hold are not
// part of the value.

// equalInstances reports whether a and b hold the same value.
func equalInstances(a, b *policy.SettingInstance) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.Kind != b.Kind || a.DefinitionID != b.DefinitionID {
		return false
	}
	switch a.Kind {
	case policy.InstanceChoice:
		return equalChoice(a.Choice, b.Choice)
	case policy.InstanceChoiceCollection:
		return equalSets(len(a.Choices), len(b.Choices), func(i, j int) bool {
			return equalChoice(a.Choices[i], b.Choices[j])
		})
	case policy.InstanceSimple:
		return equalSimple(a.Simple, b.Simple)
	case policy.InstanceSimpleCollection:
		if orderedSettings[a.DefinitionID] {
			if len(a.Simples) != len(b.Simples) {
				return false
			}
			for i := range a.Simples {
				if !equalSimple(a.Simples[i], b.Simples[i]) {
					return false
				}
			}
			return true
		}
		eq := func(i, j int) bool { return equalSimple(a.Simples[i], b.Simples[j]) }
		if long(len(a.Simples), len(b.Simples)) {
			return equalHashedSets(len(a.Simples), len(b.Simples),
				func(i int) uint64 { return simpleHash(a.Simples[i]) },
				func(j int) uint64 { return simpleHash(b.Simples[j]) }, eq)
		}
		return equalSets(len(a.Simples), len(b.Simples), eq)
	case policy.InstanceGroup:
		return equalGroup(a.Group, b.Group)
	case policy.InstanceGroupCollection:
		eq := func(i, j int) bool { return equalGroup(a.Groups[i], b.Groups[j]) }
		if long(len(a.Groups), len(b.Groups)) {
			var x instanceHasher
			return equalHashedSets(len(a.Groups), len(b.Groups),
				func(i int) uint64 { return x.item(a.Groups[i]) },
				func(j int) uint64 { return x.item(b.Groups[j]) }, eq)
		}
		return equalSets(len(a.Groups), len(b.Groups), eq)
	}
	// The legacy structural kinds carry no value.
	return true
}

func equalChoice(a, b *policy.ChoiceValue) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.ItemID != b.ItemID {
		return false
	}
	if len(a.Children) == 0 || len(b.Children) == 0 {
		return len(a.Children) == len(b.Children)
	}
	return equalChildren(a.Children, b.Children)
}

func equalGroup(a, b *policy.GroupValue) bool {
	if a == nil || b == nil {
		return a == b
	}
	return equalChildren(a.Children, b.Children)
}

func equalSimple(a, b *policy.SimpleValue) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case policy.ValueInteger:
		return a.Integer == b.Integer
	case policy.ValueSecret:
		return a.Text == b.Text && a.State == b.State
	}
	return a.Text == b.Text
}

// equalChildren compares two lists of child instances as sets.
func equalChildren(a, b []*policy.SettingInstance) bool {
	return equalSets(len(a), len(b), func(i, j int) bool { return equalInstances(a[i], b[j]) })
}

// equalSets reports whether every element of a has an equal element in b
// and the other way round, given an equality test of a[i] and b[j].
func equalSets(na, nb int, eq func(i, j int) bool) bool {
	if na == 0 || nb == 0 {
		return na == nb
	}
	for i := 0; i < na; i++ {
		found := false
		for j := 0; j < nb && !found; j++ {
			found = eq(i, j)
		}
		if !found {
			return false
		}
	}
	for j := 0; j < nb; j++ {
		found := false
		for i := 0; i < na && !found; i++ {
			found = eq(i, j)
		}
		if !found {
			return false
		}
	}
	return true
}

// long reports whether a pairwise comparison of two lists would cost too
// much.
func long(na, nb int) bool { return na*nb > 1024 }

// simpleHash hashes a simple value, nil included.
func simpleHash(sv *policy.SimpleValue) uint64 {
	if sv == nil {
		return tagOther
	}
	return hashSimple(sv)
}

// equalHashedSets is equalSets for long lists: elements are compared only
// with the elements of the other list that have the same hash.
func equalHashedSets(na, nb int, ha, hb func(int) uint64, eq func(i, j int) bool) bool {
	if na == 0 || nb == 0 {
		return na == nb
	}
	bh := make(map[uint64][]int, nb)
	for j := 0; j < nb; j++ {
		h := hb(j)
		bh[h] = append(bh[h], j)
	}
	ah := make(map[uint64][]int, na)
	for i := 0; i < na; i++ {
		h := ha(i)
		ah[h] = append(ah[h], i)
		found := false
		for _, j := range bh[h] {
			if found = eq(i, j); found {
				break
			}
		}
		if !found {
			return false
		}
	}
	for h, js := range bh {
		for _, j := range js {
			found := false
			for _, i := range ah[h] {
				if found = eq(i, j); found {
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	return true
}
