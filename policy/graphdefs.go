package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// graphDefinition is the part of a Graph
// deviceManagementConfigurationSettingDefinition the catalog uses.
type graphDefinition struct {
	ODataType     string `json:"@odata.type"`
	ID            string `json:"id"`
	Name          string `json:"name"`
	DisplayName   string `json:"displayName"`
	Description   string `json:"description"`
	BaseURI       string `json:"baseUri"`
	OffsetURI     string `json:"offsetUri"`
	Applicability *struct {
		Platform                string `json:"platform"`
		Technologies            string `json:"technologies"`
		MinimumSupportedVersion string `json:"minimumSupportedVersion"`
	} `json:"applicability"`
	Options []struct {
		ItemID       string          `json:"itemId"`
		Name         string          `json:"name"`
		DisplayName  string          `json:"displayName"`
		OptionValue  json.RawMessage `json:"optionValue"`
		DependedOnBy []struct {
			DependedOnBy string `json:"dependedOnBy"`
		} `json:"dependedOnBy"`
	} `json:"options"`
	DefaultOptionID string          `json:"defaultOptionId"`
	MinimumCount    *int            `json:"minimumCount"`
	MaximumCount    *int            `json:"maximumCount"`
	DefaultValue    json.RawMessage `json:"defaultValue"`
	ValueDefinition *struct {
		ODataType     string `json:"@odata.type"`
		MinimumValue  *int64 `json:"minimumValue"`
		MaximumValue  *int64 `json:"maximumValue"`
		MinimumLength *int   `json:"minimumLength"`
		MaximumLength *int   `json:"maximumLength"`
		IsSecret      bool   `json:"isSecret"`
	} `json:"valueDefinition"`
	ChildIDs    []string `json:"childIds"`
	DependentOn []struct {
		DependentOn     string `json:"dependentOn"`
		ParentSettingID string `json:"parentSettingId"`
	} `json:"dependentOn"`
}

const defNS = graphNS + "deviceManagementConfiguration"

// graphValue is a Graph setting value inside a definition (optionValue,
// defaultValue).
type graphValue struct {
	ODataType string          `json:"@odata.type"`
	Value     json.RawMessage `json:"value"`
}

// DecodeGraphDefinitions reads setting definitions from a Graph
// configurationSettings export: a list response {"value": [...]}, a JSON
// array, or a single deviceManagementConfigurationSettingDefinition. It
// maps Choice, ChoiceCollection, Simple, SimpleCollection, SettingGroup and
// SettingGroupCollection definitions to Definitions: options with their
// optionValue, defaultOptionId or defaultValue, integer bounds, string
// lengths and secrets from valueDefinition, item counts, applicability
// (platform, technologies, minimum version) and baseUri+offsetUri as the
// CSP location. Children are resolved by id within the export (childIds of
// a group; dependedOnBy of an option and dependentOn of a child for
// choices); the result holds the definitions that are nobody's child, in
// input order, ready for Catalog.With. Redirect definitions configure
// nothing and are skipped. Errors are *DecodeError (bad JSON, an unknown
// @odata.type, a child id missing from the export, a cycle) or
// *DefinitionError (a definition the catalog would refuse).
func DecodeGraphDefinitions(data []byte) ([]*Definition, error) {
	body, _, err := prepare(data)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	prefix := ""
	switch body[0] {
	case '[':
		prefix = "$"
		err = json.Unmarshal(body, &raws)
	case '{':
		var list struct {
			Value []json.RawMessage `json:"value"`
		}
		if err = json.Unmarshal(body, &list); err == nil && list.Value != nil {
			raws, prefix = list.Value, "value"
		} else {
			raws, err = []json.RawMessage{body}, nil
		}
	default:
		return nil, &DecodeError{Reason: "want a definition, a list response or an array"}
	}
	if err != nil {
		return nil, &DecodeError{Reason: "want an array of definitions", Err: err}
	}
	b := defBuilder{byID: make(map[string]*graphDefinition), defs: make(map[string]*Definition)}
	var order []string
	for i, raw := range raws {
		where := ""
		if prefix != "" {
			where = prefix + "[" + strconv.Itoa(i) + "]"
		}
		var g graphDefinition
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&g); err != nil {
			return nil, &DecodeError{Path: where, Reason: "not a setting definition: " + err.Error(), Err: err}
		}
		if g.ODataType == defNS+"RedirectSettingDefinition" {
			b.redirects = append(b.redirects, g.ID)
			continue
		}
		if g.ID == "" {
			return nil, &DecodeError{Path: where, Reason: "a definition needs an id"}
		}
		if _, dup := b.byID[g.ID]; dup {
			return nil, &DecodeError{Path: where, Reason: fmt.Sprintf("definition %q listed twice", g.ID)}
		}
		d, err := newGraphDefinition(&g)
		if err != nil {
			err.Path = where
			return nil, err
		}
		b.byID[g.ID] = &g
		b.defs[g.ID] = d
		b.where = append(b.where, where)
		order = append(order, g.ID)
	}
	return b.link(order)
}

type defBuilder struct {
	byID      map[string]*graphDefinition
	defs      map[string]*Definition
	where     []string
	redirects []string
}

func (b *defBuilder) isRedirect(id string) bool {
	for _, r := range b.redirects {
		if r == id {
			return true
		}
	}
	return false
}

// link resolves children by id and returns the roots.
func (b *defBuilder) link(order []string) ([]*Definition, error) {
	isChild := make(map[string]bool)
	child := func(i int, parent, id string) (*Definition, bool, error) {
		c, ok := b.defs[id]
		if !ok {
			if b.isRedirect(id) {
				return nil, false, nil
			}
			return nil, false, &DecodeError{Path: b.where[i], Reason: fmt.Sprintf("definition %q names child %q, which is not in the export", parent, id)}
		}
		isChild[id] = true
		return c, true, nil
	}
	for i, id := range order {
		g, d := b.byID[id], b.defs[id]
		for _, cid := range g.ChildIDs {
			c, ok, err := child(i, id, cid)
			if err != nil {
				return nil, err
			}
			if ok {
				d.Children = append(d.Children, c)
			}
		}
		for oi, o := range g.Options {
			for _, dep := range o.DependedOnBy {
				c, ok, err := child(i, id, dep.DependedOnBy)
				if err != nil {
					return nil, err
				}
				if ok && !containsDef(d.Options[oi].Children, c) {
					d.Options[oi].Children = append(d.Options[oi].Children, c)
				}
			}
		}
	}
	// A child may name its parent option instead (dependentOn).
	for _, id := range order {
		for _, dep := range b.byID[id].DependentOn {
			parent, ok := b.defs[dep.ParentSettingID]
			if !ok || parent.Kind.IsGroup() {
				continue
			}
			if opt, ok := parent.Option(dep.DependentOn); ok && !containsDef(opt.Children, b.defs[id]) {
				opt.Children = append(opt.Children, b.defs[id])
				isChild[id] = true
			}
		}
	}
	var roots []*Definition
	for _, id := range order {
		if !isChild[id] {
			roots = append(roots, b.defs[id])
		}
	}
	// Every definition must hang below a root, without cycles.
	reached := make(map[string]bool)
	onPath := make(map[string]bool)
	var visit func(d *Definition) error
	visit = func(d *Definition) error {
		if onPath[d.ID] {
			return &DecodeError{Reason: fmt.Sprintf("definition %q is its own descendant", d.ID)}
		}
		if reached[d.ID] {
			return nil
		}
		reached[d.ID], onPath[d.ID] = true, true
		defer delete(onPath, d.ID)
		for _, c := range d.Children {
			if err := visit(c); err != nil {
				return err
			}
		}
		for _, o := range d.Options {
			for _, c := range o.Children {
				if err := visit(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, r := range roots {
		if err := visit(r); err != nil {
			return nil, err
		}
	}
	for i, id := range order {
		if !reached[id] {
			return nil, &DecodeError{Path: b.where[i], Reason: fmt.Sprintf("definition %q is part of a cycle of children", id)}
		}
	}
	for _, r := range roots {
		if err := checkTree(r); err != nil {
			return nil, err
		}
	}
	return roots, nil
}

func containsDef(list []*Definition, d *Definition) bool {
	for _, x := range list {
		if x == d {
			return true
		}
	}
	return false
}

// checkTree checks every definition of a tree as the catalog will.
func checkTree(root *Definition) error {
	seen := make(map[*Definition]bool)
	var visit func(d *Definition) error
	visit = func(d *Definition) error {
		if seen[d] {
			return nil
		}
		seen[d] = true
		if err := checkDefinition(d); err != nil {
			if de, ok := err.(*DefinitionError); ok && de.Source == "" {
				de.Source = "Graph configurationSettings"
			}
			return err
		}
		for _, o := range d.Options {
			for _, c := range o.Children {
				if err := visit(c); err != nil {
					return err
				}
			}
		}
		for _, c := range d.Children {
			if err := visit(c); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(root)
}

// newGraphDefinition maps one Graph definition, without its children.
func newGraphDefinition(g *graphDefinition) (*Definition, *DecodeError) {
	bad := func(format string, args ...any) *DecodeError {
		return &DecodeError{Reason: fmt.Sprintf("definition %q: ", g.ID) + fmt.Sprintf(format, args...)}
	}
	d := &Definition{ID: g.ID, Name: g.Name, DisplayName: g.DisplayName, Description: g.Description}
	if g.Applicability != nil {
		var err error
		if d.Platforms, err = ParsePlatforms(g.Applicability.Platform); err != nil {
			return nil, bad("applicability: %v", err)
		}
		if d.Technologies, err = ParseTechnologies(g.Applicability.Technologies); err != nil {
			return nil, bad("applicability: %v", err)
		}
		d.MinOSVersion = g.Applicability.MinimumSupportedVersion
	}
	if strings.HasPrefix(g.BaseURI, "./") {
		d.Location.CSP = g.BaseURI + g.OffsetURI
	}
	counts := func() {
		if g.MinimumCount != nil {
			d.MinCount = *g.MinimumCount
		}
		if g.MaximumCount != nil {
			d.MaxCount = *g.MaximumCount
		}
	}
	switch strings.TrimPrefix(g.ODataType, defNS) {
	case "ChoiceSettingDefinition":
		d.Kind = KindChoice
	case "ChoiceSettingCollectionDefinition":
		d.Kind = KindChoiceCollection
		counts()
	case "SimpleSettingDefinition", "SimpleSettingCollectionDefinition":
		integer := g.ValueDefinition != nil && g.ValueDefinition.ODataType == defNS+"IntegerSettingValueDefinition"
		secret := g.ValueDefinition != nil && g.ValueDefinition.IsSecret
		collection := strings.HasSuffix(g.ODataType, "CollectionDefinition")
		switch {
		case collection && integer:
			d.Kind = KindIntegerCollection
		case collection:
			d.Kind = KindStringCollection
		case integer:
			d.Kind = KindInteger
		case secret:
			d.Kind = KindSecret
		default:
			d.Kind = KindString
		}
		if collection {
			counts()
		}
		if vd := g.ValueDefinition; vd != nil {
			d.Min, d.Max = vd.MinimumValue, vd.MaximumValue
			if vd.MinimumLength != nil {
				d.MinLength = *vd.MinimumLength
			}
			if vd.MaximumLength != nil {
				d.MaxLength = *vd.MaximumLength
			}
		}
		if len(g.DefaultValue) > 0 && !isNull(g.DefaultValue) {
			v, err := graphScalar(g.DefaultValue)
			if err != nil {
				return nil, bad("defaultValue: %v", err)
			}
			if !collection {
				d.Default = v
			}
		}
	case "SettingGroupDefinition":
		d.Kind = KindGroup
	case "SettingGroupCollectionDefinition":
		d.Kind = KindGroupCollection
		counts()
	case "":
		return nil, bad("no @odata.type")
	default:
		return nil, bad("unknown definition type %q", g.ODataType)
	}
	for _, o := range g.Options {
		opt := Option{ItemID: o.ItemID, Name: o.Name, DisplayName: o.DisplayName}
		if len(o.OptionValue) > 0 && !isNull(o.OptionValue) {
			v, err := graphScalar(o.OptionValue)
			if err != nil {
				return nil, bad("option %q: %v", o.ItemID, err)
			}
			opt.Value = v
		}
		d.Options = append(d.Options, opt)
	}
	if g.DefaultOptionID != "" {
		d.Default = g.DefaultOptionID
	}
	return d, nil
}

// graphScalar reads a Graph setting value ({"@odata.type": ...Integer /
// String SettingValue, "value": ...}) as an int64 or a string.
func graphScalar(raw json.RawMessage) (any, error) {
	var v graphValue
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	if len(v.Value) == 0 || isNull(v.Value) {
		return nil, nil
	}
	switch strings.TrimPrefix(v.ODataType, defNS) {
	case "IntegerSettingValue":
		n, err := strconv.ParseInt(string(v.Value), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not an integer", v.Value)
		}
		return n, nil
	case "StringSettingValue", "SecretSettingValue", "ReferenceSettingValue":
		var s string
		if err := json.Unmarshal(v.Value, &s); err != nil {
			return nil, fmt.Errorf("want a string value: %w", err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("unknown setting value type %q", v.ODataType)
}
