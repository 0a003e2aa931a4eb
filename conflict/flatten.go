package conflict

import (
	"github.com/secmgmt/secmgmt/policy"
)

// Flatten returns the flattened view of the effective configuration: a map
// from setting definition id to value. A choice gives its chosen option's
// itemId (its children appear as keys of their own); an integer an int64;
// a string, secret or reference its text; a choice collection or simple
// collection a []any of those; a group, or a group collection whose
// children merge per child, its children as keys of their own; any other
// group collection a []any of map[string]any, each the flattened view of
// one item. Secrets appear in clear: the view is what the device receives.
func (res *Result) Flatten() map[string]any {
	m := make(map[string]any, len(res.Effective)*2)
	for _, inst := range res.Effective {
		flattenInto(m, inst, res.defs)
	}
	return m
}

// FlattenInstance returns the flattened view of one setting instance, as
// Flatten does for the effective configuration.
func (m *Merger) FlattenInstance(inst *policy.SettingInstance) map[string]any {
	out := map[string]any{}
	flattenInto(out, inst, m.defs)
	return out
}

func flattenInto(m map[string]any, inst *policy.SettingInstance, defs map[string]*defInfo) {
	if inst == nil {
		return
	}
	switch inst.Kind {
	case policy.InstanceChoice:
		if inst.Choice == nil {
			return
		}
		m[inst.DefinitionID] = inst.Choice.ItemID
		for _, ch := range inst.Choice.Children {
			flattenInto(m, ch, defs)
		}
	case policy.InstanceChoiceCollection:
		vs := make([]any, 0, len(inst.Choices))
		for _, cv := range inst.Choices {
			if cv != nil {
				vs = append(vs, cv.ItemID)
			}
		}
		m[inst.DefinitionID] = vs
	case policy.InstanceSimple:
		if inst.Simple != nil {
			m[inst.DefinitionID] = simpleValue(inst.Simple)
		}
	case policy.InstanceSimpleCollection:
		vs := make([]any, 0, len(inst.Simples))
		for _, sv := range inst.Simples {
			if sv != nil {
				vs = append(vs, simpleValue(sv))
			}
		}
		m[inst.DefinitionID] = vs
	case policy.InstanceGroup:
		if inst.Group != nil {
			for _, ch := range inst.Group.Children {
				flattenInto(m, ch, defs)
			}
		}
	case policy.InstanceGroupCollection:
		if di := defs[inst.DefinitionID]; di != nil && di.merge == policy.MergePerChild {
			for _, g := range inst.Groups {
				if g != nil {
					for _, ch := range g.Children {
						flattenInto(m, ch, defs)
					}
				}
			}
			return
		}
		items := make([]any, 0, len(inst.Groups))
		for _, g := range inst.Groups {
			if g == nil {
				continue
			}
			item := map[string]any{}
			for _, ch := range g.Children {
				flattenInto(item, ch, defs)
			}
			items = append(items, item)
		}
		m[inst.DefinitionID] = items
	}
}

func simpleValue(sv *policy.SimpleValue) any {
	if sv.Type == policy.ValueInteger {
		return sv.Integer
	}
	return sv.Text
}
