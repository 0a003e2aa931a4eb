package targeting

import (
	"slices"

	"github.com/secmgmt/secmgmt/identity"
)

// Requirements is what a device must have for a rule to match, read from
// the equalities (-eq, -in) on deviceOSType (or its alias deviceType) and
// managementType that every match of the rule needs. Values are lower-cased;
// "" stands for null. A nil list means no requirement; an empty, non-nil
// list means the rule cannot match any device.
//
// The membership index uses Requirements as a pre-filter: a rule is not
// evaluated for a device that cannot meet them.
type Requirements struct {
	OSTypes         []string
	ManagementTypes []string
}

// Admits reports whether dev meets the requirements. It never rejects a
// device the rule would match.
func (q Requirements) Admits(dev *identity.Device) bool {
	return admits(q.OSTypes, dev.DeviceOSType) && admits(q.ManagementTypes, dev.ManagementType)
}

func admits(set []string, v string) bool {
	if set == nil {
		return true
	}
	for _, s := range set {
		if equalLower(v, s) {
			return true
		}
	}
	return false
}

// requirementsOf computes the requirements of a rule's tree.
func requirementsOf(root *node) Requirements {
	return Requirements{
		OSTypes:         required(root, propDeviceOSType),
		ManagementTypes: required(root, propManagementType),
	}
}

// required returns the values property id must have for n to hold (nil: no
// requirement known), sorted and without duplicates.
func required(n *node, id propID) []string {
	switch n.kind {
	case nodeCmp:
		if n.operand != operandProperty || properties[n.prop].reads != id {
			return nil
		}
		switch n.op {
		case opEq:
			if n.val.kind == valNull {
				return []string{""}
			}
			return []string{literal(n, n.val.str)}
		case opIn:
			out := []string{}
			for _, e := range n.val.arr {
				out = append(out, literal(n, e.str))
			}
			slices.Sort(out)
			return slices.Compact(out)
		}
	case nodeAnd:
		var acc []string
		for _, k := range n.kids {
			r := required(k, id)
			switch {
			case r == nil:
			case acc == nil:
				acc = r
			default:
				acc = intersect(acc, r)
			}
		}
		return acc
	case nodeOr:
		acc := []string{}
		for _, k := range n.kids {
			r := required(k, id)
			if r == nil {
				return nil
			}
			acc = append(acc, r...)
		}
		slices.Sort(acc)
		return slices.Compact(acc)
	}
	return nil
}

// intersect returns the sorted values in both sorted a and b (never nil).
func intersect(a, b []string) []string {
	out := []string{}
	for _, s := range a {
		if _, ok := slices.BinarySearch(b, s); ok {
			out = append(out, s)
		}
	}
	return out
}

// ruleKey is the equality the index files a rule under: a string property
// and the lower-cased values one of which it must have.
type ruleKey struct {
	prop   propID
	values []string // nil: no key
}

// keyOf picks the key of a rule: a required equality (-eq, -in, -eq null)
// on a string property among the operands of its top-level conjunction,
// preferring a property other than deviceOSType and managementType (their
// values are few, so they select less), then deviceOSType, then
// managementType.
func keyOf(root *node) ruleKey {
	operands := []*node{root}
	if root.kind == nodeAnd {
		operands = root.kids
	}
	var best ruleKey
	bestRank := 0
	for _, n := range operands {
		if n.kind != nodeCmp || n.operand != operandProperty || properties[n.prop].kind != kindString {
			continue
		}
		id := properties[n.prop].reads
		values := required(n, id)
		if values == nil {
			continue
		}
		rank := 3
		switch id {
		case propDeviceOSType:
			rank = 2
		case propManagementType:
			rank = 1
		}
		if rank > bestRank {
			best, bestRank = ruleKey{prop: id, values: values}, rank
		}
	}
	return best
}
