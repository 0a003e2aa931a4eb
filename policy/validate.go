package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Reason classifies a validation problem.
type Reason string

// Validation problem reasons.
const (
	// ReasonUnknownTemplate: the policy names a template the catalog does
	// not have.
	ReasonUnknownTemplate Reason = "unknownTemplate"
	// ReasonPlatformMismatch: the policy's platform differs from its
	// template's, or a setting does not apply to the policy's platform.
	ReasonPlatformMismatch Reason = "platformMismatch"
	// ReasonTechnologyMismatch: the policy's technologies differ from its
	// template's.
	ReasonTechnologyMismatch Reason = "technologyMismatch"
	// ReasonUnknownSetting: the catalog has no definition with the
	// instance's settingDefinitionId.
	ReasonUnknownSetting Reason = "unknownSetting"
	// ReasonNotInTemplate: a top-level setting is not one of the template's.
	ReasonNotInTemplate Reason = "notInTemplate"
	// ReasonWrongKind: the instance's @odata.type (or a simple value's
	// type) does not fit the definition's kind.
	ReasonWrongKind Reason = "wrongKind"
	// ReasonUnknownOption: a choice value is not an option of the
	// definition.
	ReasonUnknownOption Reason = "unknownOption"
	// ReasonMisplacedChild: a setting sits where the definition tree does
	// not put it: a child under the wrong option or parent, or a child
	// definition used as a top-level setting.
	ReasonMisplacedChild Reason = "misplacedChild"
	// ReasonDuplicateSetting: the same setting (or setting id) appears twice
	// at one level.
	ReasonDuplicateSetting Reason = "duplicateSetting"
	// ReasonOutOfRange: an integer is outside the definition's bounds.
	ReasonOutOfRange Reason = "outOfRange"
	// ReasonTooShort and ReasonTooLong: a string's length is outside the
	// definition's bounds.
	ReasonTooShort Reason = "tooShort"
	ReasonTooLong  Reason = "tooLong"
	// ReasonTooFew and ReasonTooMany: a collection's item count is outside
	// the definition's bounds.
	ReasonTooFew  Reason = "tooFew"
	ReasonTooMany Reason = "tooMany"
	// ReasonMissingValue: a setting entry, instance or value is empty.
	ReasonMissingValue Reason = "missingValue"
)

var reasonTexts = map[Reason]string{
	ReasonUnknownTemplate:    "unknown template",
	ReasonPlatformMismatch:   "platform mismatch",
	ReasonTechnologyMismatch: "technologies do not match the template",
	ReasonUnknownSetting:     "unknown setting",
	ReasonNotInTemplate:      "setting not in the template",
	ReasonWrongKind:          "wrong kind",
	ReasonUnknownOption:      "option not in the definition",
	ReasonMisplacedChild:     "misplaced child setting",
	ReasonDuplicateSetting:   "duplicate setting",
	ReasonOutOfRange:         "integer out of range",
	ReasonTooShort:           "string too short",
	ReasonTooLong:            "string too long",
	ReasonTooFew:             "collection too short",
	ReasonTooMany:            "collection too long",
	ReasonMissingValue:       "missing value",
}

// Valid reports whether r is a declared reason.
func (r Reason) Valid() bool { _, ok := reasonTexts[r]; return ok }

// String returns the reason's name.
func (r Reason) String() string { return string(r) }

// Problem is one thing wrong with a policy.
type Problem struct {
	// Path is the JSON path of the offending value in the policy's Graph
	// form, e.g. "settings[2].settingInstance.choiceSettingValue.value".
	Path string
	// DefinitionID is the setting the problem is about; empty for
	// policy-level problems.
	DefinitionID string
	Reason       Reason
	// Detail explains the problem in a sentence.
	Detail string
}

// String returns "<path> (<setting>): <reason>: <detail>".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Path)
	if p.DefinitionID != "" {
		fmt.Fprintf(&b, " (%s)", p.DefinitionID)
	}
	b.WriteString(": ")
	b.WriteString(reasonTexts[p.Reason])
	if p.Detail != "" {
		b.WriteString(": ")
		b.WriteString(p.Detail)
	}
	return b.String()
}

// ValidationError lists every problem found in a policy, in document order.
type ValidationError struct {
	// Policy is the policy's name (or id when it has no name).
	Policy   string
	Problems []Problem
}

// Error names the policy and lists every problem, one per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy %q is invalid: %d problem", e.Policy, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteByte('s')
	}
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Has reports whether one of the problems has the reason r.
func (e *ValidationError) Has(r Reason) bool {
	for _, p := range e.Problems {
		if p.Reason == r {
			return true
		}
	}
	return false
}

// validator walks a policy, collecting problems.
type validator struct {
	c        *Catalog
	p        *Policy
	problems []Problem
	path     path
}

func (v *validator) key(k string) { v.path = append(v.path, pathElem{key: k, index: -1}) }
func (v *validator) index(i int)  { v.path = append(v.path, pathElem{index: i}) }
func (v *validator) pop()         { v.path = v.path[:len(v.path)-1] }

func (v *validator) report(defID string, r Reason, format string, args ...any) {
	v.problems = append(v.problems, Problem{
		Path:         v.path.String(),
		DefinitionID: defID,
		Reason:       r,
		Detail:       fmt.Sprintf(format, args...),
	})
}

// reportAt reports a problem with the member key of the current value.
func (v *validator) reportAt(key, defID string, r Reason, format string, args ...any) {
	v.key(key)
	v.report(defID, r, format, args...)
	v.pop()
}

// Validate checks the policy against the catalog and returns nil or a
// *ValidationError listing every problem: an unknown template, platforms or
// technologies that differ from the template's, and for every setting
// instance (children included) an unknown setting, a setting not in the
// template, a child in the wrong place, a duplicate, a wrong kind, an
// option that is not in the definition, an integer out of range, a string
// or collection of the wrong length, a setting for another platform, or a
// missing value. Properties the model does not hold never fail validation.
func (c *Catalog) Validate(p *Policy) error {
	v := validator{c: c, p: p}
	var tmpl *Template
	if id := p.TemplateReference.TemplateID; id != "" {
		var ok bool
		if tmpl, ok = c.Template(id); !ok {
			v.path = path{{key: "templateReference", index: -1}, {key: "templateId", index: -1}}
			v.report("", ReasonUnknownTemplate, "the catalog has no template %q", id)
			v.path = v.path[:0]
		}
	}
	if tmpl != nil {
		if p.Platforms != tmpl.Platforms {
			v.reportAt("platforms", "", ReasonPlatformMismatch,
				"the policy is for %q, its template %q for %q", p.Platforms, tmpl.DisplayName, tmpl.Platforms)
		}
		if p.Technologies != tmpl.Technologies {
			v.reportAt("technologies", "", ReasonTechnologyMismatch,
				"the policy has %q, its template %q has %q", p.Technologies, tmpl.DisplayName, tmpl.Technologies)
		}
	}
	v.key("settings")
	seenIDs := make(map[string]int, len(p.Settings))
	seenDefs := make(map[string]int, len(p.Settings))
	for i, s := range p.Settings {
		v.index(i)
		switch {
		case s == nil:
			v.report("", ReasonMissingValue, "empty setting entry")
		case s.Instance == nil:
			v.reportAt("settingInstance", "", ReasonMissingValue, "setting %q has no instance", s.ID)
		default:
			if first, dup := seenIDs[s.ID]; dup {
				v.reportAt("id", "", ReasonDuplicateSetting, "setting id %q is also used by settings[%d]", s.ID, first)
			} else {
				seenIDs[s.ID] = i
			}
			v.key("settingInstance")
			v.topLevel(tmpl, s.Instance, i, seenDefs)
			v.pop()
		}
		v.pop()
	}
	v.pop()
	if len(v.problems) == 0 {
		return nil
	}
	name := p.Name
	if name == "" {
		name = p.ID
	}
	return &ValidationError{Policy: name, Problems: v.problems}
}

func (v *validator) topLevel(tmpl *Template, inst *SettingInstance, i int, seen map[string]int) {
	id := inst.DefinitionID
	def, ok := v.c.Definition(id)
	if !ok {
		v.report(id, ReasonUnknownSetting, "the catalog has no setting %q", id)
		return
	}
	if parent, _ := def.Parent(); parent != nil {
		v.report(id, ReasonMisplacedChild, "a child of %s, not a top-level setting", parent.ID)
		return
	}
	if first, dup := seen[id]; dup {
		v.report(id, ReasonDuplicateSetting, "also configured by settings[%d]", first)
		return
	}
	seen[id] = i
	if tmpl != nil {
		if _, ok := tmpl.Setting(id); !ok {
			v.report(id, ReasonNotInTemplate, "template %q (%s) has no setting %q", tmpl.DisplayName, tmpl.ID, id)
		}
	}
	if v.p.Platforms != 0 && def.Platforms != 0 && v.p.Platforms&def.Platforms == 0 {
		v.report(id, ReasonPlatformMismatch, "the setting applies to %q, the policy is for %q", def.Platforms, v.p.Platforms)
	}
	v.instance(def, inst)
}

// fits reports whether an instance's shape fits the definition's kind.
func fits(k Kind, inst *SettingInstance) bool {
	simpleType := func(types ...ValueType) bool {
		if inst.Kind != InstanceSimple {
			return false
		}
		if inst.Simple == nil {
			return true
		}
		for _, t := range types {
			if inst.Simple.Type == t {
				return true
			}
		}
		return false
	}
	switch k {
	case KindChoice:
		return inst.Kind == InstanceChoice
	case KindChoiceCollection:
		return inst.Kind == InstanceChoiceCollection
	case KindInteger:
		return simpleType(ValueInteger)
	case KindString:
		return simpleType(ValueString, ValueReference)
	case KindSecret:
		return simpleType(ValueSecret)
	case KindIntegerCollection, KindStringCollection:
		return inst.Kind == InstanceSimpleCollection
	case KindGroup:
		return inst.Kind == InstanceGroup || inst.Kind == InstanceSettingGroup
	case KindGroupCollection:
		return inst.Kind == InstanceGroupCollection || inst.Kind == InstanceSettingGroupCollection
	}
	return false
}

// describe names an instance's shape for messages: "choice", "simple
// (string)", ...
func describe(inst *SettingInstance) string {
	if inst.Kind == InstanceSimple && inst.Simple != nil {
		return fmt.Sprintf("simple (%s)", inst.Simple.Type)
	}
	return string(inst.Kind)
}

func (v *validator) instance(def *Definition, inst *SettingInstance) {
	if !fits(def.Kind, inst) {
		v.report(def.ID, ReasonWrongKind, "a %s setting configured as %s", def.Kind, describe(inst))
		return
	}
	key := fieldKeys[inst.Kind.valueField()]
	switch inst.Kind {
	case InstanceChoice:
		if inst.Choice == nil {
			v.reportAt(key, def.ID, ReasonMissingValue, "a choice setting without a value")
			return
		}
		v.key(key)
		v.choiceValue(def, inst.Choice)
		v.pop()
	case InstanceChoiceCollection:
		v.key(key)
		v.count(def, len(inst.Choices))
		for i, c := range inst.Choices {
			v.index(i)
			if c == nil {
				v.report(def.ID, ReasonMissingValue, "empty choice value")
			} else {
				v.choiceValue(def, c)
			}
			v.pop()
		}
		v.pop()
	case InstanceSimple:
		if inst.Simple == nil {
			v.reportAt(key, def.ID, ReasonMissingValue, "a simple setting without a value")
			return
		}
		v.key(key)
		v.simpleValue(def, inst.Simple)
		v.pop()
	case InstanceSimpleCollection:
		v.key(key)
		v.count(def, len(inst.Simples))
		want := ValueString
		if def.Kind == KindIntegerCollection {
			want = ValueInteger
		}
		for i, s := range inst.Simples {
			v.index(i)
			switch {
			case s == nil:
				v.report(def.ID, ReasonMissingValue, "empty simple value")
			case s.Type != want && !(want == ValueString && s.Type == ValueReference):
				v.report(def.ID, ReasonWrongKind, "a %s item in a %s setting", s.Type, def.Kind)
			default:
				v.simpleValue(def, s)
			}
			v.pop()
		}
		v.pop()
	case InstanceGroup:
		if inst.Group == nil {
			v.reportAt(key, def.ID, ReasonMissingValue, "a group setting without a value")
			return
		}
		v.key(key)
		v.children(def, def.Children, inst.Group.Children)
		v.pop()
	case InstanceGroupCollection:
		v.key(key)
		v.count(def, len(inst.Groups))
		for i, g := range inst.Groups {
			v.index(i)
			if g == nil {
				v.report(def.ID, ReasonMissingValue, "empty group item")
			} else {
				v.children(def, def.Children, g.Children)
			}
			v.pop()
		}
		v.pop()
	}
}

func (v *validator) count(def *Definition, n int) {
	if n < def.MinCount {
		v.report(def.ID, ReasonTooFew, "%d items, at least %d required", n, def.MinCount)
	}
	if def.MaxCount > 0 && n > def.MaxCount {
		v.report(def.ID, ReasonTooMany, "%d items, at most %d allowed", n, def.MaxCount)
	}
}

func (v *validator) choiceValue(def *Definition, c *ChoiceValue) {
	opt, ok := def.Option(c.ItemID)
	if !ok {
		if c.ItemID == "" {
			v.reportAt("value", def.ID, ReasonUnknownOption, "no option chosen")
		} else {
			v.reportAt("value", def.ID, ReasonUnknownOption, "%q is not an option of %s", c.ItemID, def.ID)
		}
	}
	var allowed []*Definition
	if opt != nil {
		allowed = opt.Children
	}
	v.children(def, allowed, c.Children)
}

func (v *validator) simpleValue(def *Definition, s *SimpleValue) {
	switch s.Type {
	case ValueInteger:
		if (def.Min != nil && s.Integer < *def.Min) || (def.Max != nil && s.Integer > *def.Max) {
			v.reportAt("value", def.ID, ReasonOutOfRange, "%d is outside %s", s.Integer, bounds(def.Min, def.Max))
		}
	default:
		if s.Type == ValueSecret && s.State == SecretEncryptedValueToken {
			return // the text is the service's token, not the secret
		}
		n := utf8.RuneCountInString(s.Text)
		if n < def.MinLength {
			v.reportAt("value", def.ID, ReasonTooShort, "%d characters, at least %d required", n, def.MinLength)
		}
		if def.MaxLength > 0 && n > def.MaxLength {
			v.reportAt("value", def.ID, ReasonTooLong, "%d characters, at most %d allowed", n, def.MaxLength)
		}
	}
}

func bounds(lo, hi *int64) string {
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("%d..%d", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf("%d..", *lo)
	default:
		return fmt.Sprintf("..%d", *hi)
	}
}

// children checks the child instances of one value of parent: each must be
// one of allowed (the group's children, or the chosen option's).
func (v *validator) children(parent *Definition, allowed []*Definition, kids []*SettingInstance) {
	if len(kids) == 0 {
		return
	}
	v.key("children")
	defer v.pop()
	seen := make(map[string]int, len(kids))
	for i, k := range kids {
		v.index(i)
		v.child(parent, allowed, k, i, seen)
		v.pop()
	}
}

func (v *validator) child(parent *Definition, allowed []*Definition, k *SettingInstance, i int, seen map[string]int) {
	if k == nil {
		v.report("", ReasonMissingValue, "empty child instance")
		return
	}
	id := k.DefinitionID
	var def *Definition
	for _, a := range allowed {
		if a.ID == id {
			def = a
			break
		}
	}
	if def == nil {
		d, ok := v.c.Definition(id)
		switch {
		case !ok:
			v.report(id, ReasonUnknownSetting, "the catalog has no setting %q", id)
		default:
			p, opt := d.Parent()
			switch {
			case p == parent && opt != "":
				v.report(id, ReasonMisplacedChild, "belongs under option %s of %s", opt, parent.ID)
			case p == parent:
				v.report(id, ReasonMisplacedChild, "a child of %s that does not belong under this value", parent.ID)
			default:
				v.report(id, ReasonMisplacedChild, "not a child of %s", parent.ID)
			}
		}
		return
	}
	if first, dup := seen[id]; dup {
		v.report(id, ReasonDuplicateSetting, "also configured by children[%d]", first)
		return
	}
	seen[id] = i
	v.instance(def, k)
}

// Coverage counts the setting instances of p, children included (total),
// and those whose definition the catalog has and, for a choice or choice
// collection, whose chosen options it has too (known).
func (c *Catalog) Coverage(p *Policy) (known, total int) {
	p.Walk(func(inst *SettingInstance) bool {
		total++
		if inst == nil {
			return true
		}
		def, ok := c.Definition(inst.DefinitionID)
		if !ok {
			return true
		}
		switch inst.Kind {
		case InstanceChoice:
			if inst.Choice == nil {
				return true
			}
			if _, ok := def.Option(inst.Choice.ItemID); !ok {
				return true
			}
		case InstanceChoiceCollection:
			for _, cv := range inst.Choices {
				if cv == nil {
					return true
				}
				if _, ok := def.Option(cv.ItemID); !ok {
					return true
				}
			}
		}
		known++
		return true
	})
	return known, total
}
