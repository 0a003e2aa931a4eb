package policy

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds what the device-native renderers share: their error
// type and the walk over setting instances that checks each one against
// its definition. render_prefs.go writes the Linux and macOS managed
// preferences, render_csp.go the Windows CSP operations.

// RenderError reports settings that cannot be rendered to the device's
// format. It lists every problem at once; nothing is rendered when there is
// one.
type RenderError struct {
	// Target names the format: "mdatp_managed.json", "com.microsoft.wdav"
	// or "csp".
	Target   string
	Problems []RenderProblem
}

// Error returns "policy: render <target>: <problem>; <problem>; ...".
func (e *RenderError) Error() string {
	var b strings.Builder
	b.WriteString("policy: render ")
	b.WriteString(e.Target)
	b.WriteString(": ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// RenderProblem is one setting that cannot be rendered.
type RenderProblem struct {
	// Index is the position of the top-level setting in the input.
	Index int
	// Path is the JSON path of the offending instance in the Graph form of
	// the input list, e.g. "settings[2].choiceSettingValue.children[0]".
	Path string
	// DefinitionID is the offending instance's setting definition id.
	DefinitionID string
	Reason       RenderReason
	// Detail explains the problem in a sentence.
	Detail string
}

// String returns "<path> (<setting>): <reason>: <detail>".
func (p RenderProblem) String() string {
	return p.Path + " (" + p.DefinitionID + "): " + string(p.Reason) + ": " + p.Detail
}

// RenderReason classifies a render problem.
type RenderReason string

// Render problem reasons.
const (
	// RenderUnknownSetting: the catalog has no definition for the instance.
	RenderUnknownSetting RenderReason = "unknownSetting"
	// RenderWrongPlatform: the definition is for another platform.
	RenderWrongPlatform RenderReason = "wrongPlatform"
	// RenderNoLocation: the definition says nowhere where the setting lands
	// on this platform, so it would be silently lost.
	RenderNoLocation RenderReason = "noLocation"
	// RenderMisplaced: a child setting outside its parent (or under
	// another option or parent).
	RenderMisplaced RenderReason = "misplaced"
	// RenderWrongKind: the instance's shape does not fit the definition's
	// kind.
	RenderWrongKind RenderReason = "wrongKind"
	// RenderUnknownOption: a chosen option is not one of the definition's.
	RenderUnknownOption RenderReason = "unknownOption"
	// RenderMissingValue: an instance or value is nil or empty.
	RenderMissingValue RenderReason = "missingValue"
	// RenderDuplicate: two settings land on the same key, node or rule.
	RenderDuplicate RenderReason = "duplicate"
	// RenderInvalidText: text the format cannot carry (invalid UTF-8,
	// characters XML forbids, or the separator of a joined CSP list).
	RenderInvalidText RenderReason = "invalidText"
)

// Valid reports whether r is a declared reason.
func (r RenderReason) Valid() bool {
	switch r {
	case RenderUnknownSetting, RenderWrongPlatform, RenderNoLocation, RenderMisplaced,
		RenderWrongKind, RenderUnknownOption, RenderMissingValue, RenderDuplicate, RenderInvalidText:
		return true
	}
	return false
}

// String returns the reason's name.
func (r RenderReason) String() string { return string(r) }

// renderer walks setting instances for one target and collects problems.
type renderer struct {
	c        *Catalog
	target   string
	platform Platforms
	index    int
	path     path
	problems []RenderProblem
}

func newRenderer(c *Catalog, target string, platform Platforms) *renderer {
	if c == nil {
		c = Builtin()
	}
	return &renderer{c: c, target: target, platform: platform}
}

func (r *renderer) key(k string) { r.path = append(r.path, pathElem{key: k, index: -1}) }
func (r *renderer) idx(i int)    { r.path = append(r.path, pathElem{index: i}) }
func (r *renderer) pop()         { r.path = r.path[:len(r.path)-1] }

func (r *renderer) problem(defID string, reason RenderReason, format string, args ...any) {
	r.problems = append(r.problems, RenderProblem{
		Index:        r.index,
		Path:         r.path.String(),
		DefinitionID: defID,
		Reason:       reason,
		Detail:       fmt.Sprintf(format, args...),
	})
}

func (r *renderer) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	return &RenderError{Target: r.target, Problems: r.problems}
}

// topLevel resolves each top-level instance to its definition and calls fn
// for the ones that check out.
func (r *renderer) topLevel(settings []*SettingInstance, fn func(*SettingInstance, *Definition)) {
	r.key("settings")
	defer r.pop()
	for i, s := range settings {
		r.index = i
		r.idx(i)
		if s == nil {
			r.problem("", RenderMissingValue, "the setting is nil")
			r.pop()
			continue
		}
		def, ok := r.c.Definition(s.DefinitionID)
		switch {
		case !ok:
			r.problem(s.DefinitionID, RenderUnknownSetting, "the catalog has no such setting")
		case def.parent != nil:
			r.problem(s.DefinitionID, RenderMisplaced, "a child setting cannot stand at the top level")
		default:
			if r.check(s, def) {
				fn(s, def)
			}
		}
		r.pop()
	}
}

// check verifies the instance's platform and shape against its definition.
func (r *renderer) check(s *SettingInstance, def *Definition) bool {
	if def.Platforms != 0 && !def.Platforms.Has(r.platform) {
		r.problem(def.ID, RenderWrongPlatform, "the setting is for %s", def.Platforms)
		return false
	}
	want := instanceKindOf(def.Kind)
	if s.Kind != want {
		r.problem(def.ID, RenderWrongKind, "a %s setting needs a %s instance, not %q", def.Kind, want, s.Kind)
		return false
	}
	missing := false
	switch s.Kind {
	case InstanceChoice:
		missing = s.Choice == nil
	case InstanceSimple:
		missing = s.Simple == nil
	case InstanceGroup:
		missing = s.Group == nil
	}
	if missing {
		r.problem(def.ID, RenderMissingValue, "the instance has no value")
		return false
	}
	return true
}

// instanceKindOf is the instance kind that configures a definition kind.
func instanceKindOf(k Kind) InstanceKind {
	switch k {
	case KindChoice:
		return InstanceChoice
	case KindChoiceCollection:
		return InstanceChoiceCollection
	case KindInteger, KindString, KindSecret:
		return InstanceSimple
	case KindIntegerCollection, KindStringCollection:
		return InstanceSimpleCollection
	case KindGroup:
		return InstanceGroup
	case KindGroupCollection:
		return InstanceGroupCollection
	}
	return ""
}

// chosen returns the option a choice value picks; it reports a problem
// when there is none.
func (r *renderer) chosen(def *Definition, v *ChoiceValue) (*Option, bool) {
	if v == nil || v.ItemID == "" {
		r.problem(def.ID, RenderMissingValue, "no option is chosen")
		return nil, false
	}
	opt, ok := def.Option(v.ItemID)
	if !ok {
		r.problem(def.ID, RenderUnknownOption, "%q is not an option of the setting", v.ItemID)
		return nil, false
	}
	return opt, true
}

// choiceChildren calls fn for each child instance of a choice value that
// lives under the chosen option, after checking it.
func (r *renderer) choiceChildren(opt *Option, v *ChoiceValue, fn func(*SettingInstance, *Definition)) {
	r.key("children")
	defer r.pop()
	for i, c := range v.Children {
		r.idx(i)
		r.child(c, opt.Children, "the chosen option", fn)
		r.pop()
	}
}

// groupChildren calls fn for each child instance of a group item, after
// checking it.
func (r *renderer) groupChildren(def *Definition, v *GroupValue, fn func(*SettingInstance, *Definition)) {
	r.key("children")
	defer r.pop()
	for i, c := range v.Children {
		r.idx(i)
		r.child(c, def.Children, "the group", fn)
		r.pop()
	}
}

func (r *renderer) child(c *SettingInstance, allowed []*Definition, where string, fn func(*SettingInstance, *Definition)) {
	if c == nil {
		r.problem("", RenderMissingValue, "the child setting is nil")
		return
	}
	for _, d := range allowed {
		if d.ID == c.DefinitionID {
			if r.check(c, d) {
				fn(c, d)
			}
			return
		}
	}
	if _, known := r.c.Definition(c.DefinitionID); !known {
		r.problem(c.DefinitionID, RenderUnknownSetting, "the catalog has no such setting")
		return
	}
	r.problem(c.DefinitionID, RenderMisplaced, "the setting is not a child of %s", where)
}

// groupItems returns the items of a group or group collection instance
// with the JSON key that holds them, reporting nil items.
func (r *renderer) groupItems(def *Definition, s *SettingInstance, fn func(i int, v *GroupValue)) {
	if s.Kind == InstanceGroup {
		r.key("groupSettingValue")
		fn(0, s.Group)
		r.pop()
		return
	}
	r.key("groupSettingCollectionValue")
	defer r.pop()
	for i, v := range s.Groups {
		r.idx(i)
		if v == nil {
			r.problem(def.ID, RenderMissingValue, "the group item is nil")
		} else {
			fn(i, v)
		}
		r.pop()
	}
}

// simpleValues checks the items of a simple collection instance and
// returns them; ok is false when one is missing or of the wrong type.
func (r *renderer) simpleValues(def *Definition, s *SettingInstance) ([]*SimpleValue, bool) {
	r.key("simpleSettingCollectionValue")
	defer r.pop()
	ok := true
	for i, v := range s.Simples {
		r.idx(i)
		if !r.simpleFits(def, v) {
			ok = false
		}
		r.pop()
	}
	return s.Simples, ok
}

// simpleFits reports whether a simple value has the type the definition
// needs.
func (r *renderer) simpleFits(def *Definition, v *SimpleValue) bool {
	if v == nil {
		r.problem(def.ID, RenderMissingValue, "the value is nil")
		return false
	}
	wantInt := def.Kind == KindInteger || def.Kind == KindIntegerCollection
	if wantInt != (v.Type == ValueInteger) || !v.Type.Valid() {
		r.problem(def.ID, RenderWrongKind, "a %s setting cannot hold a %q value", def.Kind, v.Type)
		return false
	}
	return true
}

// validText reports text that is not valid UTF-8.
func (r *renderer) validText(defID, s string) bool {
	if !utf8.ValidString(s) {
		r.problem(defID, RenderInvalidText, "the text is not valid UTF-8")
		return false
	}
	return true
}

// optionText is an option value as a device writes it in text.
func optionText(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
