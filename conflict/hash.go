package conflict

import (
	"math/bits"
	"slices"

	"github.com/secmgmt/secmgmt/policy"
)

// The content hash behind Result.Version and the fast path of comparison.
// It must be stable across processes and releases (a device compares the
// version it holds with the one the service computes), so it cannot use
// hash/maphash; it is a small multiply-mix hash in the style of wyhash,
// reading eight bytes at a time. Equal hashes are always confirmed by typed
// comparison before two values are called equal.

const (
	hashK0 = 0xa0761d6478bd642f
	hashK1 = 0xe7037ed1a0b428db
	hashK2 = 0x8ebc6af09c88c6e3
	hashK3 = 0x589965cc75374cc3
)

// mix folds two words into one.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^hashK0, b^hashK1)
	return hi ^ lo
}

// hashString hashes s with a seed.
func hashString(seed uint64, s string) uint64 {
	h := seed ^ uint64(len(s))*hashK2
	for len(s) >= 8 {
		v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = mix(h, v)
		s = s[8:]
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		v |= uint64(s[i]) << (8 * i)
	}
	return mix(h^hashK3, v)
}

// Tags keep values of different shapes apart.
const (
	tagChoice uint64 = iota + 1
	tagChoices
	tagInteger
	tagString
	tagSecret
	tagReference
	tagSimples
	tagOrdered
	tagGroup
	tagGroups
	tagItem
	tagSet
	tagOther
)

// setHash combines hashes as a set: order and repeats do not count. It
// sorts hs in place (slices.Sort does not allocate).
func setHash(tag uint64, hs []uint64) uint64 {
	slices.Sort(hs)
	h, n := tag, uint64(0)
	for i, x := range hs {
		if i > 0 && x == hs[i-1] {
			continue
		}
		h = mix(h, x)
		n++
	}
	return mix(h, n)
}

// instanceHasher hashes instances outside a merge's walk (merged lists,
// rebuilt groups, large set comparisons). It gives the hash the walk gives
// to the same instance.
type instanceHasher struct{ hs []uint64 }

func (x *instanceHasher) instance(inst *policy.SettingInstance) uint64 {
	h := mix(hashString(hashK0, inst.DefinitionID), 0)
	switch inst.Kind {
	case policy.InstanceChoice:
		if inst.Choice == nil {
			return mix(h, tagOther)
		}
		return mix(mix(h^tagChoice, hashString(hashK1, inst.Choice.ItemID)), x.children(inst.Choice.Children))
	case policy.InstanceGroup:
		if inst.Group == nil {
			return mix(h, tagOther)
		}
		return mix(h^tagGroup, x.children(inst.Group.Children))
	case policy.InstanceGroupCollection:
		base := len(x.hs)
		for _, g := range inst.Groups {
			x.hs = append(x.hs, x.item(g))
		}
		s := setHash(tagSet, x.hs[base:])
		x.hs = x.hs[:base]
		return mix(h^tagGroups, s)
	case policy.InstanceChoiceCollection:
		base := len(x.hs)
		for _, cv := range inst.Choices {
			if cv != nil {
				x.hs = append(x.hs, hashString(hashK1, cv.ItemID))
			}
		}
		s := setHash(tagChoices, x.hs[base:])
		x.hs = x.hs[:base]
		return mix(h, s)
	case policy.InstanceSimple:
		if inst.Simple == nil {
			return mix(h, tagOther)
		}
		return mix(h, hashSimple(inst.Simple))
	case policy.InstanceSimpleCollection:
		if orderedSettings[inst.DefinitionID] {
			o := uint64(tagOrdered)
			for _, sv := range inst.Simples {
				if sv != nil {
					o = mix(o, hashSimple(sv))
				}
			}
			return mix(h, o)
		}
		base := len(x.hs)
		for _, sv := range inst.Simples {
			if sv != nil {
				x.hs = append(x.hs, hashSimple(sv))
			}
		}
		s := setHash(tagSimples, x.hs[base:])
		x.hs = x.hs[:base]
		return mix(h, s)
	}
	return mix(h, tagOther)
}

// item hashes one item of a group collection.
func (x *instanceHasher) item(g *policy.GroupValue) uint64 {
	if g == nil {
		return mix(tagItem, tagOther)
	}
	return mix(tagItem, x.children(g.Children))
}

func (x *instanceHasher) children(kids []*policy.SettingInstance) uint64 {
	if len(kids) == 0 {
		return mix(tagSet, 0)
	}
	base := len(x.hs)
	for _, ch := range kids {
		if ch != nil {
			x.hs = append(x.hs, x.instance(ch))
		}
	}
	s := setHash(tagSet, x.hs[base:])
	x.hs = x.hs[:base]
	return s
}
