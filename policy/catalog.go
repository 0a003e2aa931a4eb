package policy

import (
	"cmp"
	"embed"
	"fmt"
	"io/fs"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Template is an endpoint-security profile: a Graph configuration policy
// template with its setting definitions.
type Template struct {
	// ID is the Graph templateId, "<baseId>_<version>".
	ID string
	// DisplayName is the profile name, e.g. "Microsoft Defender Antivirus".
	DisplayName string
	// Family is the Graph templateFamily, e.g. "endpointSecurityAntivirus".
	Family string
	// PolicyType is the endpoint security policy the profile belongs to:
	// "Antivirus", "Attack surface reduction", "Endpoint detection and
	// response" or "Firewall".
	PolicyType string
	// Platforms and Technologies are those of policies made from the template.
	Platforms    Platforms
	Technologies Technologies
	// Settings are the template's top-level settings in template order.
	Settings []TemplateSetting
	// Children holds the template ids of child settings that carry their
	// own, keyed by definition id. Graph echoes them on those children of a
	// template-based policy (the remediation actions under Threat Severity
	// Default Action, for one); most children have none.
	Children map[string]TemplateSetting
}

// TemplateSetting is one top-level setting of a template, with the template
// ids a policy instance echoes in settingInstanceTemplateReference and
// settingValueTemplateReference.
type TemplateSetting struct {
	Definition         *Definition
	InstanceTemplateID string
	ValueTemplateID    string
}

// Setting returns the template's top-level setting with the given
// definition id.
func (t *Template) Setting(definitionID string) (*TemplateSetting, bool) {
	for i := range t.Settings {
		if t.Settings[i].Definition.ID == definitionID {
			return &t.Settings[i], true
		}
	}
	return nil, false
}

// Child returns the template ids of the child setting with the given
// definition id, when the template gives it any.
func (t *Template) Child(definitionID string) (*TemplateSetting, bool) {
	ts, ok := t.Children[definitionID]
	if !ok {
		return nil, false
	}
	return &ts, true
}

// Catalog is a set of setting definitions and templates. A Catalog is
// immutable and safe for concurrent use; With returns an extended copy.
type Catalog struct {
	defs      map[string]*Definition // every definition, children included
	templates map[string]*Template
}

//go:embed catalog/*.json
var builtinFiles embed.FS

var builtin = sync.OnceValues(func() (*Catalog, error) {
	return LoadCatalog(builtinFiles, "catalog/*.json")
})

// Builtin returns the built-in catalog: every template of the
// endpoint-security profiles that security settings management delivers,
// for each platform, with their setting definitions. It is loaded once and
// shared.
func Builtin() *Catalog {
	c, err := builtin()
	if err != nil {
		// The embedded data is part of the build and tested; a broken file
		// is a programming error, not an input error.
		panic(err)
	}
	return c
}

// LoadCatalog reads every catalog data file of fsys matching pattern (see
// the package documentation for the format) into a new Catalog.
func LoadCatalog(fsys fs.FS, pattern string) (*Catalog, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var defs []*Definition
	var templates []*Template
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		t, err := decodeCatalogFile(name, data)
		if err != nil {
			return nil, err
		}
		templates = append(templates, t)
		for _, s := range t.Settings {
			defs = append(defs, s.Definition)
		}
	}
	return (&Catalog{}).With(defs, templates)
}

// With returns a new catalog holding c's definitions and templates plus the
// given ones. A definition whose id is already present must be identical to
// it (templates share definitions); a template id may not repeat. The given
// values must not be modified afterwards.
func (c *Catalog) With(defs []*Definition, templates []*Template) (*Catalog, error) {
	n := &Catalog{
		defs:      maps.Clone(c.defs),
		templates: maps.Clone(c.templates),
	}
	if n.defs == nil {
		n.defs = make(map[string]*Definition)
	}
	if n.templates == nil {
		n.templates = make(map[string]*Template)
	}
	for _, d := range defs {
		if err := n.addDefinition(d, nil, ""); err != nil {
			return nil, err
		}
	}
	for _, t := range templates {
		if t.ID == "" {
			return nil, &DefinitionError{Reason: "template without an id"}
		}
		if _, dup := n.templates[t.ID]; dup {
			return nil, &DefinitionError{ID: t.ID, Reason: "template defined twice"}
		}
		for i, s := range t.Settings {
			canon, ok := n.defs[s.Definition.ID]
			if !ok {
				if err := n.addDefinition(s.Definition, nil, ""); err != nil {
					return nil, err
				}
				canon = s.Definition
			}
			t.Settings[i].Definition = canon
		}
		n.templates[t.ID] = t
	}
	return n, nil
}

func (c *Catalog) addDefinition(d *Definition, parent *Definition, option string) error {
	if prev, ok := c.defs[d.ID]; ok {
		if prev == d {
			return nil
		}
		if !sameDefinition(prev, d) {
			return &DefinitionError{ID: d.ID, Reason: "defined twice with different contents"}
		}
		return nil
	}
	if err := checkDefinition(d); err != nil {
		return err
	}
	d.parent, d.parentOption = parent, option
	c.defs[d.ID] = d
	for _, o := range d.Options {
		for j, ch := range o.Children {
			if err := c.addDefinition(ch, d, o.ItemID); err != nil {
				return err
			}
			// A child listed under several options is one definition.
			o.Children[j] = c.defs[ch.ID]
		}
	}
	for _, ch := range d.Children {
		if err := c.addDefinition(ch, d, ""); err != nil {
			return err
		}
	}
	return nil
}

// Definition returns the definition with the given id, children included.
func (c *Catalog) Definition(id string) (*Definition, bool) {
	d, ok := c.defs[id]
	return d, ok
}

// Template returns the template with the given id.
func (c *Catalog) Template(id string) (*Template, bool) {
	t, ok := c.templates[id]
	return t, ok
}

// Templates returns every template, ordered by display name, then platform,
// then id.
func (c *Catalog) Templates() []*Template {
	ts := slices.Collect(maps.Values(c.templates))
	slices.SortFunc(ts, func(a, b *Template) int {
		return cmp.Or(
			cmp.Compare(a.Platforms, b.Platforms),
			strings.Compare(a.DisplayName, b.DisplayName),
			strings.Compare(a.ID, b.ID))
	})
	return ts
}

// Definitions yields every definition, children included, ordered by id.
func (c *Catalog) Definitions() iter.Seq[*Definition] {
	return func(yield func(*Definition) bool) {
		for _, id := range slices.Sorted(maps.Keys(c.defs)) {
			if !yield(c.defs[id]) {
				return
			}
		}
	}
}

// Len returns the number of definitions, children included.
func (c *Catalog) Len() int { return len(c.defs) }

// checkDefinition checks one definition (not its children, which are
// checked as they are added).
func checkDefinition(d *Definition) error {
	bad := func(format string, args ...any) error {
		return &DefinitionError{ID: d.ID, Reason: fmt.Sprintf(format, args...)}
	}
	if d.ID == "" {
		return &DefinitionError{Reason: "definition without an id"}
	}
	if !d.Kind.Valid() {
		return bad("unknown kind %q", d.Kind)
	}
	if !d.Merge.Valid() {
		return bad("unknown merge %q", d.Merge)
	}
	for _, v := range d.UnsupportedIn {
		if !v.Valid() {
			return bad("unknown variant %q", v)
		}
	}
	isChoice := d.Kind == KindChoice || d.Kind == KindChoiceCollection
	if isChoice && len(d.Options) == 0 {
		return bad("a %s setting needs options", d.Kind)
	}
	if !isChoice && len(d.Options) > 0 {
		return bad("a %s setting has no options", d.Kind)
	}
	if d.Kind.IsGroup() && len(d.Children) == 0 {
		return bad("a %s setting needs children", d.Kind)
	}
	if !d.Kind.IsGroup() && len(d.Children) > 0 {
		return bad("a %s setting has no children", d.Kind)
	}
	seen := make(map[string]bool, len(d.Options))
	for _, o := range d.Options {
		if !strings.HasPrefix(o.ItemID, d.ID+"_") {
			return bad("option %q does not start with the definition id", o.ItemID)
		}
		if seen[o.ItemID] {
			return bad("option %q listed twice", o.ItemID)
		}
		seen[o.ItemID] = true
		switch o.Value.(type) {
		case nil, int64, string, bool:
		default:
			return bad("option %q: value of type %T", o.ItemID, o.Value)
		}
	}
	switch def := d.Default.(type) {
	case nil:
	case string:
		if isChoice {
			if !seen[def] {
				return bad("default %q is not an option", def)
			}
		} else if d.Kind != KindString {
			return bad("a string default for a %s setting", d.Kind)
		}
	case int64:
		if d.Kind != KindInteger {
			return bad("an integer default for a %s setting", d.Kind)
		}
		if (d.Min != nil && def < *d.Min) || (d.Max != nil && def > *d.Max) {
			return bad("default %d out of range", def)
		}
	default:
		return bad("default of type %T", d.Default)
	}
	if d.Min != nil && d.Max != nil && *d.Min > *d.Max {
		return bad("min %d above max %d", *d.Min, *d.Max)
	}
	if d.MaxCount != 0 && d.MinCount > d.MaxCount {
		return bad("minCount %d above maxCount %d", d.MinCount, d.MaxCount)
	}
	switch d.Merge {
	case MergeUnion, MergeUnionFold:
		if d.Kind != KindStringCollection && d.Kind != KindIntegerCollection && d.Kind != KindChoiceCollection {
			return bad("merge %s needs a simple or choice collection", d.Merge)
		}
	case MergeItems, MergeRules:
		if d.Kind != KindGroupCollection {
			return bad("merge %s needs a group collection", d.Merge)
		}
	case MergePerChild:
		if !d.Kind.IsGroup() {
			return bad("merge %s needs a group", d.Merge)
		}
	}
	// An id names one definition in a tree. The one exception is Graph's:
	// a child may depend on several options of the same choice (the attack
	// surface reduction per-rule exclusions live under block, audit and
	// warn); it is then listed under each of them with the same contents.
	type place struct {
		def    *Definition
		parent *Definition
		option string
	}
	placed := map[string]place{d.ID: {def: d}}
	var visit func(x *Definition) error
	visit = func(x *Definition) error {
		add := func(c *Definition, option string) error {
			if prev, ok := placed[c.ID]; ok {
				if prev.parent == x && prev.option != "" && option != "" &&
					prev.option != option && sameDefinition(prev.def, c) {
					return nil
				}
				return bad("child %q appears twice", c.ID)
			}
			placed[c.ID] = place{def: c, parent: x, option: option}
			return visit(c)
		}
		for _, o := range x.Options {
			for _, c := range o.Children {
				if err := add(c, o.ItemID); err != nil {
					return err
				}
			}
		}
		for _, c := range x.Children {
			if err := add(c, ""); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(d)
}

// sameDefinition reports whether two definitions with the same id have the
// same contents (ignoring their position in a tree).
func sameDefinition(a, b *Definition) bool {
	if a.ID != b.ID || a.Name != b.Name || a.DisplayName != b.DisplayName ||
		a.Description != b.Description || a.Kind != b.Kind ||
		a.Default != b.Default || !equalPtr(a.Min, b.Min) || !equalPtr(a.Max, b.Max) ||
		a.MinLength != b.MinLength || a.MaxLength != b.MaxLength ||
		a.MinCount != b.MinCount || a.MaxCount != b.MaxCount ||
		a.Platforms != b.Platforms || a.Technologies != b.Technologies ||
		a.MinOSVersion != b.MinOSVersion || a.Location != b.Location ||
		a.TamperProtected != b.TamperProtected || !slices.Equal(a.UnsupportedIn, b.UnsupportedIn) ||
		a.Merge != b.Merge || len(a.Options) != len(b.Options) || len(a.Children) != len(b.Children) {
		return false
	}
	for i := range a.Options {
		oa, ob := &a.Options[i], &b.Options[i]
		if oa.ItemID != ob.ItemID || oa.Name != ob.Name || oa.DisplayName != ob.DisplayName ||
			oa.Value != ob.Value || len(oa.Children) != len(ob.Children) {
			return false
		}
		for j := range oa.Children {
			if !sameDefinition(oa.Children[j], ob.Children[j]) {
				return false
			}
		}
	}
	for i := range a.Children {
		if !sameDefinition(a.Children[i], b.Children[i]) {
			return false
		}
	}
	return true
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
