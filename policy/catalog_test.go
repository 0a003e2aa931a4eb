package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltinCatalogLoads(t *testing.T) {
	c := Builtin()
	if len(c.Templates()) == 0 || c.Len() == 0 {
		t.Fatal("empty built-in catalog")
	}
	for _, tmpl := range c.Templates() {
		if len(tmpl.Settings) == 0 {
			t.Errorf("template %s (%s) has no settings", tmpl.ID, tmpl.DisplayName)
		}
		for _, s := range tmpl.Settings {
			d, ok := c.Definition(s.Definition.ID)
			if !ok || d != s.Definition {
				t.Errorf("template %s: setting %s is not the catalog's definition", tmpl.ID, s.Definition.ID)
			}
			if p, _ := d.Parent(); p != nil {
				t.Errorf("template %s: top-level setting %s has a parent", tmpl.ID, d.ID)
			}
		}
	}
}

const validFile = `{
 "template": {"id": "t_1", "displayName": "T", "platforms": "linux", "technologies": "microsoftSense"},
 "settings": [
  {"id": "x_enabled", "kind": "choice", "default": "x_enabled_true", "path": "cloudService.enabled",
   "options": [{"itemId": "x_enabled_false", "value": false},
               {"itemId": "x_enabled_true", "value": true,
                "children": [{"id": "x_level", "kind": "integer", "min": 1, "max": 10, "default": 3}]}]},
  {"id": "x_excl", "kind": "groupCollection", "merge": "items",
   "children": [{"id": "x_excl_path", "kind": "string", "path": "path"}]}
 ]}`

func TestLoadCatalog(t *testing.T) {
	c, err := LoadCatalog(fstest.MapFS{"c/t.json": {Data: []byte(validFile)}}, "c/*.json")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, ok := c.Template("t_1")
	if !ok || tmpl.Platforms != PlatformLinux || tmpl.Technologies != TechnologyMicrosoftSense {
		t.Fatalf("template: %+v", tmpl)
	}
	level, ok := c.Definition("x_level")
	if !ok {
		t.Fatal("option child not indexed")
	}
	if p, opt := level.Parent(); p == nil || p.ID != "x_enabled" || opt != "x_enabled_true" {
		t.Fatalf("parent of x_level: %v %q", p, opt)
	}
	if level.Default != int64(3) || *level.Max != 10 || level.Platforms != PlatformLinux {
		t.Fatalf("x_level: %+v", level)
	}
	en, _ := c.Definition("x_enabled")
	if o, ok := en.Option("x_enabled_true"); !ok || o.Value != true {
		t.Fatalf("option value: %+v", o)
	}
	if _, ok := c.Definition("x_excl_path"); !ok {
		t.Fatal("group child not indexed")
	}
	if c.Len() != 4 {
		t.Fatalf("Len = %d, want 4", c.Len())
	}
}

func TestLoadCatalogErrors(t *testing.T) {
	cases := map[string]struct{ old, new, want string }{
		"unknown key":       {`"kind": "integer", "min"`, `"kind": "integer", "mni"`, "unknown field"},
		"bad kind":          {`"kind": "groupCollection"`, `"kind": "groupList"`, "unknown kind"},
		"option prefix":     {`"itemId": "x_enabled_false"`, `"itemId": "y_false"`, "does not start"},
		"default not found": {`"default": "x_enabled_true"`, `"default": "x_enabled_maybe"`, "not an option"},
		"default range":     {`"default": 3}`, `"default": 30}`, "out of range"},
		"merge on choice":   {`"id": "x_enabled", "kind": "choice",`, `"id": "x_enabled", "kind": "choice", "merge": "union",`, "needs a simple or choice collection"},
		"float value":       {`"value": false`, `"value": 1.5`, "whole number"},
		"bad platform":      {`"platforms": "linux"`, `"platforms": "plan9"`, "unknown platform"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			data := strings.Replace(validFile, tc.old, tc.new, 1)
			if data == validFile {
				t.Fatal("replacement did not apply")
			}
			_, err := LoadCatalog(fstest.MapFS{"c/t.json": {Data: []byte(data)}}, "c/*.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestCatalogWith(t *testing.T) {
	base := Builtin()
	n := base.Len()
	d := &Definition{ID: "custom_setting", Kind: KindInteger}
	ext, err := base.With([]*Definition{d}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if base.Len() != n || ext.Len() != n+1 {
		t.Fatalf("With changed the original or missed the definition: %d %d", base.Len(), ext.Len())
	}
	// The same id with different contents is refused.
	_, err = ext.With([]*Definition{{ID: "custom_setting", Kind: KindString}}, nil)
	var de *DefinitionError
	if !errors.As(err, &de) || de.ID != "custom_setting" {
		t.Fatalf("err = %v", err)
	}
	// Identical contents are accepted.
	if _, err := ext.With([]*Definition{{ID: "custom_setting", Kind: KindInteger}}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestFlagSets(t *testing.T) {
	p, err := ParsePlatforms("macOS,linux")
	if err != nil || p != PlatformMacOS|PlatformLinux || p.String() != "macOS,linux" {
		t.Fatalf("%v %v %q", p, err, p.String())
	}
	tech, err := ParseTechnologies("microsoftSense, MDM")
	if err != nil || tech.String() != "mdm,microsoftSense" || !tech.Has(TechnologyMicrosoftSense) {
		t.Fatalf("%v %v", tech, err)
	}
	var fe *FlagError
	if _, err := ParseTechnologies("mdm,sense"); !errors.As(err, &fe) || fe.Name != "sense" {
		t.Fatalf("err = %v", err)
	}
	if Platforms(1<<20).String() != "1048576" || Platforms(1<<20).Valid() {
		t.Fatal("undeclared bits must survive String and fail Valid")
	}
	if p, err := ParsePlatforms(""); err != nil || p != 0 {
		t.Fatal("empty list")
	}
}

const sharedChildFile = `{
 "template": {"id": "t_1", "platforms": "windows10", "technologies": "mdm"},
 "settings": [
  {"id": "r", "kind": "choice", "options": [
    {"itemId": "r_off", "value": 0},
    {"itemId": "r_block", "value": 1, "children": [{"id": "r_excl", "kind": "stringCollection", "maxCount": 3}]},
    {"itemId": "r_audit", "value": 2, "children": [{"id": "r_excl", "kind": "stringCollection", "maxCount": 3}]}]}
 ]}`

// A child that depends on several options of one choice (Graph lists each
// in dependentOn) is one definition shared by those options.
func TestLoadCatalogChildUnderSeveralOptions(t *testing.T) {
	c, err := LoadCatalog(fstest.MapFS{"c/t.json": {Data: []byte(sharedChildFile)}}, "c/*.json")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := c.Definition("r")
	excl, ok := c.Definition("r_excl")
	if !ok {
		t.Fatal("shared child not indexed")
	}
	block, _ := r.Option("r_block")
	audit, _ := r.Option("r_audit")
	if block.Children[0] != excl || audit.Children[0] != excl {
		t.Fatal("the options do not share one definition")
	}
	if p, opt := excl.Parent(); p != r || opt != "r_block" {
		t.Fatalf("Parent = %v %q, want r and its first option", p, opt)
	}

	bad := map[string]string{
		"different contents": strings.Replace(sharedChildFile, `"maxCount": 3}]}]}`, `"maxCount": 4}]}]}`, 1),
		"twice under one option": strings.Replace(sharedChildFile,
			`"value": 1, "children": [{"id": "r_excl", "kind": "stringCollection", "maxCount": 3}]}`,
			`"value": 1, "children": [{"id": "r_excl", "kind": "stringCollection", "maxCount": 3}, {"id": "r_excl", "kind": "stringCollection", "maxCount": 3}]}`, 1),
	}
	for name, data := range bad {
		t.Run(name, func(t *testing.T) {
			if data == sharedChildFile {
				t.Fatal("replacement did not apply")
			}
			_, err := LoadCatalog(fstest.MapFS{"c/t.json": {Data: []byte(data)}}, "c/*.json")
			if err == nil || !strings.Contains(err.Error(), "appears twice") {
				t.Fatalf("err = %v, want a repeated child", err)
			}
		})
	}
	// Template ids on a shared child load once, and must agree.
	withIDs := strings.ReplaceAll(sharedChildFile, `"kind": "stringCollection", "maxCount": 3}`,
		`"kind": "stringCollection", "maxCount": 3, "instanceTemplateId": "i-1", "valueTemplateId": "v-1"}`)
	c, err = LoadCatalog(fstest.MapFS{"c/t.json": {Data: []byte(withIDs)}}, "c/*.json")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, _ := c.Template("t_1")
	if ts, ok := tmpl.Child("r_excl"); !ok || ts.InstanceTemplateID != "i-1" || ts.ValueTemplateID != "v-1" || ts.Definition.ID != "r_excl" {
		t.Fatalf("child template ids: %+v %v", ts, ok)
	}
	if _, ok := tmpl.Child("r"); ok {
		t.Fatal("a top-level setting is not a child")
	}
	disagree := strings.Replace(withIDs, `"i-1"`, `"i-2"`, 1)
	if _, err := LoadCatalog(fstest.MapFS{"c/t.json": {Data: []byte(disagree)}}, "c/*.json"); err == nil ||
		!strings.Contains(err.Error(), "different template ids") {
		t.Fatalf("disagreeing child ids: err = %v", err)
	}
	groupTwice := `{"template": {"id": "t_1"}, "settings": [{"id": "g", "kind": "group", "children": [
	  {"id": "g_a", "kind": "string"}, {"id": "g_a", "kind": "string"}]}]}`
	if _, err := LoadCatalog(fstest.MapFS{"c/t.json": {Data: []byte(groupTwice)}}, "c/*.json"); err == nil ||
		!strings.Contains(err.Error(), "appears twice") {
		t.Fatalf("group child twice: err = %v", err)
	}
}

// FuzzLoadCatalog: any input either loads into a consistent catalog or is
// refused with an error; it never panics.
func FuzzLoadCatalog(f *testing.F) {
	f.Add([]byte(validFile))
	f.Add([]byte(sharedChildFile))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := LoadCatalog(fstest.MapFS{"c/t.json": {Data: data}}, "c/*.json")
		if err != nil {
			return
		}
		for d := range c.Definitions() {
			p, opt := d.Parent()
			if p == nil {
				continue
			}
			if got, ok := p.Child(d.ID); !ok || got != d {
				t.Fatalf("%s: its parent %s does not list it", d.ID, p.ID)
			}
			if opt != "" {
				o, ok := p.Option(opt)
				if !ok || !slices.Contains(o.Children, d) {
					t.Fatalf("%s: not under option %s of %s", d.ID, opt, p.ID)
				}
			}
		}
	})
}
