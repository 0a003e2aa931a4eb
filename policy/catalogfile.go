package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// The catalog data format: one JSON file per template, an object with a
// "template" and its top-level "settings":
//
//	{
//	  "template": {
//	    "id": "804339ad-1553-4478-a742-138fb5807418_1",
//	    "displayName": "Microsoft Defender Antivirus",
//	    "family": "endpointSecurityAntivirus",
//	    "policyType": "Antivirus",
//	    "platforms": "windows10",
//	    "technologies": "mdm,microsoftSense"
//	  },
//	  "settings": [
//	    {
//	      "id": "device_vendor_msft_policy_config_defender_allowarchivescanning",
//	      "name": "AllowArchiveScanning",
//	      "displayName": "Allow Archive Scanning",
//	      "kind": "choice",
//	      "instanceTemplateId": "7c5c9cde-f74d-4d11-904f-de4c27f72d89",
//	      "valueTemplateId": "9ead75d4-6f30-4bc5-8cc5-ab0f999d79f0",
//	      "csp": "./Device/Vendor/MSFT/Policy/Config/Defender/AllowArchiveScanning",
//	      "tamperProtected": true,
//	      "default": "device_vendor_msft_policy_config_defender_allowarchivescanning_1",
//	      "options": [
//	        {"itemId": "device_vendor_msft_policy_config_defender_allowarchivescanning_0", "displayName": "Not allowed", "value": 0},
//	        {"itemId": "device_vendor_msft_policy_config_defender_allowarchivescanning_1", "displayName": "Allowed", "value": 1}
//	      ]
//	    }
//	  ]
//	}
//
// A setting object has: "id", "name", "displayName", "description", "kind"
// (a Kind), "options" (each "itemId", "name", "displayName", "value" — a
// number, string, boolean or null — and "children"), "default" (an option
// itemId, a number or a string), "min", "max", "minLength", "maxLength",
// "minCount", "maxCount", "children" (group kinds), "platforms" and
// "technologies" (default: the template's), "minOSVersion", "csp", "path",
// "key" (the Location), "tamperProtected", "unsupportedIn" (a list of
// Variants), "merge" (a Merge), "instanceTemplateId" and "valueTemplateId"
// (on top-level settings, and on the few children the real template gives
// ids of their own). Unknown keys are an error.
// A child that exists under several options of one choice (Graph lists
// each of them in its dependentOn, like the attack surface reduction
// per-rule exclusions under block, audit and warn) is repeated under each
// option with the same contents and loads as one shared definition.

type catalogFileJSON struct {
	Template struct {
		ID           string       `json:"id"`
		DisplayName  string       `json:"displayName"`
		Family       string       `json:"family"`
		PolicyType   string       `json:"policyType"`
		Platforms    Platforms    `json:"platforms"`
		Technologies Technologies `json:"technologies"`
	} `json:"template"`
	Settings []definitionJSON `json:"settings"`
}

type definitionJSON struct {
	ID                 string           `json:"id"`
	Name               string           `json:"name"`
	DisplayName        string           `json:"displayName"`
	Description        string           `json:"description"`
	Kind               Kind             `json:"kind"`
	Options            []optionJSON     `json:"options"`
	Default            json.RawMessage  `json:"default"`
	Min                *int64           `json:"min"`
	Max                *int64           `json:"max"`
	MinLength          int              `json:"minLength"`
	MaxLength          int              `json:"maxLength"`
	MinCount           int              `json:"minCount"`
	MaxCount           int              `json:"maxCount"`
	Children           []definitionJSON `json:"children"`
	Platforms          *Platforms       `json:"platforms"`
	Technologies       *Technologies    `json:"technologies"`
	MinOSVersion       string           `json:"minOSVersion"`
	CSP                string           `json:"csp"`
	Path               string           `json:"path"`
	Key                string           `json:"key"`
	TamperProtected    bool             `json:"tamperProtected"`
	UnsupportedIn      []Variant        `json:"unsupportedIn"`
	Merge              Merge            `json:"merge"`
	InstanceTemplateID string           `json:"instanceTemplateId"`
	ValueTemplateID    string           `json:"valueTemplateId"`
}

type optionJSON struct {
	ItemID      string           `json:"itemId"`
	Name        string           `json:"name"`
	DisplayName string           `json:"displayName"`
	Value       json.RawMessage  `json:"value"`
	Children    []definitionJSON `json:"children"`
}

func decodeCatalogFile(source string, data []byte) (*Template, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f catalogFileJSON
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("policy: catalog file %s: %w", source, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("policy: catalog file %s: data after the object", source)
	}
	t := &Template{
		ID:           f.Template.ID,
		DisplayName:  f.Template.DisplayName,
		Family:       f.Template.Family,
		PolicyType:   f.Template.PolicyType,
		Platforms:    f.Template.Platforms,
		Technologies: f.Template.Technologies,
	}
	if t.ID == "" {
		return nil, fmt.Errorf("policy: catalog file %s: template without an id", source)
	}
	for _, s := range f.Settings {
		d, err := s.definition(source, t.Platforms, t.Technologies, t)
		if err != nil {
			return nil, err
		}
		t.Settings = append(t.Settings, TemplateSetting{
			Definition:         d,
			InstanceTemplateID: s.InstanceTemplateID,
			ValueTemplateID:    s.ValueTemplateID,
		})
	}
	return t, nil
}

// definition builds the setting's definition with the platforms and
// technologies it inherits; the template ids of its children go to
// t.Children.
func (j *definitionJSON) definition(source string, platforms Platforms, technologies Technologies, t *Template) (*Definition, error) {
	bad := func(format string, args ...any) error {
		return &DefinitionError{Source: source, ID: j.ID, Reason: fmt.Sprintf(format, args...)}
	}
	if j.Platforms != nil {
		platforms = *j.Platforms
	}
	if j.Technologies != nil {
		technologies = *j.Technologies
	}
	d := &Definition{
		ID:              j.ID,
		Name:            j.Name,
		DisplayName:     j.DisplayName,
		Description:     j.Description,
		Kind:            j.Kind,
		Min:             j.Min,
		Max:             j.Max,
		MinLength:       j.MinLength,
		MaxLength:       j.MaxLength,
		MinCount:        j.MinCount,
		MaxCount:        j.MaxCount,
		Platforms:       platforms,
		Technologies:    technologies,
		MinOSVersion:    j.MinOSVersion,
		Location:        Location{CSP: j.CSP, Path: j.Path, Key: j.Key},
		TamperProtected: j.TamperProtected,
		UnsupportedIn:   j.UnsupportedIn,
		Merge:           j.Merge,
	}
	def, err := scalarJSON(j.Default)
	if err != nil {
		return nil, bad("default: %v", err)
	}
	d.Default = def
	for _, o := range j.Options {
		v, err := scalarJSON(o.Value)
		if err != nil {
			return nil, bad("option %q: value: %v", o.ItemID, err)
		}
		opt := Option{ItemID: o.ItemID, Name: o.Name, DisplayName: o.DisplayName, Value: v}
		for _, c := range o.Children {
			cd, err := c.childDefinition(source, platforms, technologies, t)
			if err != nil {
				return nil, err
			}
			opt.Children = append(opt.Children, cd)
		}
		d.Options = append(d.Options, opt)
	}
	for _, c := range j.Children {
		cd, err := c.childDefinition(source, platforms, technologies, t)
		if err != nil {
			return nil, err
		}
		d.Children = append(d.Children, cd)
	}
	if err := checkDefinition(d); err != nil {
		var de *DefinitionError
		if errors.As(err, &de) {
			de.Source = source
		}
		return nil, err
	}
	return d, nil
}

// childDefinition is definition for a child setting, recording the template
// ids it carries in t.Children. A child repeated under several options must
// carry the same ids each time.
func (j *definitionJSON) childDefinition(source string, platforms Platforms, technologies Technologies, t *Template) (*Definition, error) {
	d, err := j.definition(source, platforms, technologies, t)
	if err != nil || (j.InstanceTemplateID == "" && j.ValueTemplateID == "") {
		return d, err
	}
	ts := TemplateSetting{Definition: d, InstanceTemplateID: j.InstanceTemplateID, ValueTemplateID: j.ValueTemplateID}
	if prev, ok := t.Children[j.ID]; ok {
		if prev.InstanceTemplateID != ts.InstanceTemplateID || prev.ValueTemplateID != ts.ValueTemplateID {
			return nil, &DefinitionError{Source: source, ID: j.ID, Reason: "repeated child with different template ids"}
		}
		return d, nil
	}
	if t.Children == nil {
		t.Children = make(map[string]TemplateSetting)
	}
	t.Children[j.ID] = ts
	return d, nil
}

// scalarJSON decodes a catalog scalar: null → nil, a whole number → int64,
// a string, or a boolean.
func scalarJSON(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			f, ferr := x.Float64()
			if ferr != nil || f != math.Trunc(f) {
				return nil, fmt.Errorf("%s is not a whole number", x)
			}
			return nil, fmt.Errorf("%s is out of range", x)
		}
		return i, nil
	}
	return nil, fmt.Errorf("want a number, string, boolean or null, not %s", raw)
}
