package policy

import (
	"fmt"
	"strconv"
)

// Choice returns a choice instance that picks the option itemID, with the
// settings that live under that option.
func Choice(definitionID, itemID string, children ...*SettingInstance) *SettingInstance {
	return &SettingInstance{
		Kind:         InstanceChoice,
		DefinitionID: definitionID,
		Choice:       &ChoiceValue{ItemID: itemID, Children: nonNil(children)},
	}
}

// Choices returns a choice collection instance that picks the given
// options.
func Choices(definitionID string, itemIDs ...string) *SettingInstance {
	vs := make([]*ChoiceValue, len(itemIDs))
	for i, id := range itemIDs {
		vs[i] = &ChoiceValue{ItemID: id, Children: []*SettingInstance{}}
	}
	return &SettingInstance{Kind: InstanceChoiceCollection, DefinitionID: definitionID, Choices: vs}
}

// Integer returns a simple integer instance.
func Integer(definitionID string, v int64) *SettingInstance {
	return simple(definitionID, &SimpleValue{Type: ValueInteger, Integer: v})
}

// String returns a simple string instance.
func String(definitionID, v string) *SettingInstance {
	return simple(definitionID, &SimpleValue{Type: ValueString, Text: v})
}

// Secret returns a simple secret instance holding the plain value, as it is
// sent to the service (valueState notEncrypted).
func Secret(definitionID, v string) *SettingInstance {
	return simple(definitionID, &SimpleValue{Type: ValueSecret, Text: v, State: SecretNotEncrypted})
}

// Reference returns a simple reference instance: the id of a reusable
// setting, with a note.
func Reference(definitionID, v, note string) *SettingInstance {
	return simple(definitionID, &SimpleValue{Type: ValueReference, Text: v, Note: note})
}

func simple(definitionID string, v *SimpleValue) *SettingInstance {
	return &SettingInstance{Kind: InstanceSimple, DefinitionID: definitionID, Simple: v}
}

// Strings returns a simple collection instance of strings.
func Strings(definitionID string, vs ...string) *SettingInstance {
	items := make([]*SimpleValue, len(vs))
	for i, v := range vs {
		items[i] = &SimpleValue{Type: ValueString, Text: v}
	}
	return &SettingInstance{Kind: InstanceSimpleCollection, DefinitionID: definitionID, Simples: items}
}

// Integers returns a simple collection instance of integers.
func Integers(definitionID string, vs ...int64) *SettingInstance {
	items := make([]*SimpleValue, len(vs))
	for i, v := range vs {
		items[i] = &SimpleValue{Type: ValueInteger, Integer: v}
	}
	return &SettingInstance{Kind: InstanceSimpleCollection, DefinitionID: definitionID, Simples: items}
}

// Group returns a group instance with the given child settings.
func Group(definitionID string, children ...*SettingInstance) *SettingInstance {
	return &SettingInstance{Kind: InstanceGroup, DefinitionID: definitionID, Group: Item(children...)}
}

// GroupCollection returns a group collection instance with the given items
// (see Item).
func GroupCollection(definitionID string, items ...*GroupValue) *SettingInstance {
	return &SettingInstance{Kind: InstanceGroupCollection, DefinitionID: definitionID, Groups: nonNil(items)}
}

// Item returns one item of a group collection: its child settings.
func Item(children ...*SettingInstance) *GroupValue {
	return &GroupValue{Children: nonNil(children)}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// NewPolicy builds a policy from a template of the catalog: it fills the
// platforms, technologies and template reference from the template, adds
// the template's instance and value template references to the top-level
// settings, numbers the settings "0", "1", ..., gives the policy the
// default scope tag "0", and validates it. The error is a
// *ValidationError, or an error naming an unknown template.
//
// The settings become part of the policy; they must not be shared with
// another policy.
func NewPolicy(c *Catalog, templateID, name string, settings ...*SettingInstance) (*Policy, error) {
	tmpl, ok := c.Template(templateID)
	if !ok {
		return nil, fmt.Errorf("policy: new policy %q: the catalog has no template %q", name, templateID)
	}
	p := &Policy{
		Name:            name,
		Platforms:       tmpl.Platforms,
		Technologies:    tmpl.Technologies,
		RoleScopeTagIDs: []string{"0"},
		TemplateReference: TemplateReference{
			TemplateID:     tmpl.ID,
			TemplateFamily: tmpl.Family,
		},
		Settings: make([]*Setting, len(settings)),
	}
	for i, inst := range settings {
		if inst != nil {
			if ts, ok := tmpl.Setting(inst.DefinitionID); ok {
				applyTemplateIDs(inst, ts)
			}
			if len(tmpl.Children) > 0 {
				applyChildTemplateIDs(inst, tmpl)
			}
		}
		p.Settings[i] = &Setting{ID: strconv.Itoa(i), Instance: inst}
	}
	if err := c.Validate(p); err != nil {
		return nil, err
	}
	return p, nil
}

// applyChildTemplateIDs sets the template references of the children below
// inst that the template gives ids of their own.
func applyChildTemplateIDs(inst *SettingInstance, tmpl *Template) {
	for _, c := range inst.Children() {
		if ts, ok := tmpl.Child(c.DefinitionID); ok {
			applyTemplateIDs(c, ts)
		}
		applyChildTemplateIDs(c, tmpl)
	}
}

// applyTemplateIDs sets the instance and value template references a
// template-based policy echoes on its top-level settings.
func applyTemplateIDs(inst *SettingInstance, ts *TemplateSetting) {
	if ts.InstanceTemplateID != "" && inst.TemplateReference == nil {
		inst.TemplateReference = &InstanceTemplateReference{InstanceTemplateID: ts.InstanceTemplateID}
	}
	if ts.ValueTemplateID == "" {
		return
	}
	ref := func() *ValueTemplateReference {
		return &ValueTemplateReference{ValueTemplateID: ts.ValueTemplateID}
	}
	switch inst.Kind {
	case InstanceChoice:
		if inst.Choice != nil && inst.Choice.TemplateReference == nil {
			inst.Choice.TemplateReference = ref()
		}
	case InstanceSimple:
		if inst.Simple != nil && inst.Simple.TemplateReference == nil {
			inst.Simple.TemplateReference = ref()
		}
	case InstanceGroup:
		if inst.Group != nil && inst.Group.TemplateReference == nil {
			inst.Group.TemplateReference = ref()
		}
	}
}
