package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// addCorpusSeeds adds every Graph corpus file as a fuzz seed.
func addCorpusSeeds(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
}

// FuzzDecodeGraph checks that the decoder never panics and that decode →
// encode → decode is stable: the second encoding equals the first.
func FuzzDecodeGraph(f *testing.F) {
	addCorpusSeeds(f, "graph")
	f.Add([]byte(`{"value":[{"name":"a"},{"settings":[]}]}`))
	f.Add([]byte(`{"settings":[{"settingInstance":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSettingGroupInstance"}}]}`))
	f.Add([]byte("\ufeff{\"name\":\"\\u00e9\\ud83d\\ude00\",\"x\":[1e3,-0.5,null]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pg, err := DecodeGraphPage(data)
		if err != nil {
			return
		}
		first, err := EncodeGraphPage(pg)
		if err != nil {
			t.Fatalf("encoding a decoded page failed: %v", err)
		}
		pg2, err := DecodeGraphPage(first)
		if err != nil {
			t.Fatalf("re-decoding failed: %v\n%s", err, first)
		}
		second, err := EncodeGraphPage(pg2)
		if err != nil {
			t.Fatalf("second encoding failed: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("unstable round trip:\n%s\n%s", first, second)
		}
		// Validation and coverage never panic either.
		for _, p := range pg.Policies {
			_ = Builtin().Validate(p)
			Builtin().Coverage(p)
			_ = p.Clone()
		}
		_, _ = DecodeAssignments(data)
	})
}

// FuzzDecodeGraphDefinitions checks that reading setting definitions never
// panics, and that what it accepts a catalog accepts too.
func FuzzDecodeGraphDefinitions(f *testing.F) {
	addCorpusSeeds(f, "definitions")
	f.Add([]byte(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSettingGroupDefinition","id":"g","childIds":["g"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		defs, err := DecodeGraphDefinitions(data)
		if err != nil {
			return
		}
		if _, err := (&Catalog{}).With(defs, nil); err != nil {
			t.Fatalf("decoded definitions refused by a catalog: %v", err)
		}
	})
}
