package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSettingInstanceJSONRoundTrip checks, for every setting instance of
// every Graph fixture, that json.Marshal of the decoded instance gives the
// instance's input back (as JSON), unknown members and annotations included,
// and that json.Unmarshal reads that output to an equal instance.
func TestSettingInstanceJSONRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "graph", "*.json"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	n := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := genericJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		var raws []any
		if m, ok := doc.(map[string]any); ok {
			if list, ok := m["value"].([]any); ok {
				raws = list
			} else {
				raws = []any{m}
			}
		}
		for pi, raw := range raws {
			settings, _ := raw.(map[string]any)["settings"].([]any)
			for si, s := range settings {
				want := s.(map[string]any)["settingInstance"]
				in, _ := json.Marshal(want)
				name := fmt.Sprintf("%s/%d/%d", filepath.Base(file), pi, si)
				t.Run(name, func(t *testing.T) {
					var inst SettingInstance
					if err := json.Unmarshal(in, &inst); err != nil {
						t.Fatal(err)
					}
					out, err := json.Marshal(&inst)
					if err != nil {
						t.Fatal(err)
					}
					got, err := genericJSON(out)
					if err != nil {
						t.Fatalf("not JSON: %v\n%s", err, out)
					}
					wantGeneric, _ := genericJSON(in)
					if d := jsonDiff("$", wantGeneric, got); d != "" {
						t.Fatalf("round trip differs at %s\n%s", d, out)
					}
					var again SettingInstance
					if err := json.Unmarshal(out, &again); err != nil {
						t.Fatal(err)
					}
					out2, _ := json.Marshal(&again)
					if !bytes.Equal(out, out2) {
						t.Fatalf("second round trip changed the JSON:\n%s\n%s", out, out2)
					}
				})
				n++
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d instances checked", n)
	}
}

// TestSettingInstanceJSONInsideStruct checks that instances travel inside
// other JSON documents, as in a device configuration, nil included.
func TestSettingInstanceJSONInsideStruct(t *testing.T) {
	type envelope struct {
		Version  string             `json:"version"`
		Settings []*SettingInstance `json:"settings"`
	}
	in := envelope{Version: "v1", Settings: []*SettingInstance{
		Choice(def+"allowrealtimemonitoring", def+"allowrealtimemonitoring_1"),
		Strings(def+"excludedpaths", `C:\Temp`, `D:\Builds`),
		GroupCollection(asr, Item(Choice(asr+"_blockwin32apicallsfromofficemacros", asr+"_blockwin32apicallsfromofficemacros_block"))),
		nil,
	}}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance"`) {
		t.Fatalf("not the Graph shape: %s", data)
	}
	var out envelope
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Settings) != 4 || out.Settings[3] != nil {
		t.Fatalf("settings: %+v", out.Settings)
	}
	if id, _ := out.Settings[0].ChoiceItemID(); id != def+"allowrealtimemonitoring_1" {
		t.Errorf("choice = %q", id)
	}
	if paths, _ := out.Settings[1].StringValues(); len(paths) != 2 || paths[1] != `D:\Builds` {
		t.Errorf("paths = %q", paths)
	}
	rule, ok := out.Settings[2].GroupItems()[0].Child(asr + "_blockwin32apicallsfromofficemacros")
	if !ok {
		t.Fatal("rule missing")
	}
	if id, _ := rule.ChoiceItemID(); !strings.HasSuffix(id, "_block") {
		t.Errorf("rule = %q", id)
	}
	again, _ := json.Marshal(out)
	if !bytes.Equal(data, again) {
		t.Fatalf("unstable:\n%s\n%s", data, again)
	}
}

func TestSettingInstanceJSONErrors(t *testing.T) {
	cases := []struct {
		name, in, path string
	}{
		{"not JSON", `{"@odata.type":`, ""},
		{"empty", ``, ""},
		{"not an object", `[1,2]`, ""},
		{"no type", `{"settingDefinitionId":"x"}`, "@odata.type"},
		{"unknown type", `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationFloatSettingInstance"}`, "@odata.type"},
		{"bad child", `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","settingDefinitionId":"a",
			"choiceSettingValue":{"value":"a_1","children":[{"@odata.type":"nope"}]}}`, "choiceSettingValue.children[0].@odata.type"},
		{"bad integer", `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId":"a",
			"simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValue","value":1.5}}`, "simpleSettingValue.value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inst := *Integer("kept", 7)
			err := inst.UnmarshalJSON([]byte(c.in))
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("want a *DecodeError, got %v", err)
			}
			if de.Path != c.path {
				t.Errorf("path = %q, want %q", de.Path, c.path)
			}
			if v, _ := inst.IntegerValue(); inst.DefinitionID != "kept" || v != 7 {
				t.Errorf("the instance changed on error: %+v", inst)
			}
		})
	}
	kept := *Integer("kept", 7)
	if err := kept.UnmarshalJSON([]byte(" null ")); err != nil || kept.DefinitionID != "kept" {
		t.Errorf("null: %v, %+v", err, kept)
	}
	var nilInst *SettingInstance
	if _, err := nilInst.MarshalJSON(); err == nil {
		t.Error("a nil instance marshalled")
	}
	var ee *EncodeError
	if _, err := json.Marshal(&SettingInstance{Kind: "bogus"}); !errors.As(err, &ee) {
		t.Errorf("want an *EncodeError, got %v", err)
	}
}

// FuzzSettingInstanceJSON checks that decoding never panics and that
// decode → encode → decode → encode is stable.
func FuzzSettingInstanceJSON(f *testing.F) {
	f.Add([]byte(choiceInst))
	f.Add([]byte(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance","settingDefinitionId":"g",
		"groupSettingCollectionValue":[{"children":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
		"settingDefinitionId":"s","simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSecretSettingValue","value":"x","valueState":"notEncrypted"}}]}]}`))
	f.Add([]byte(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance","x":[1,{"y":null}],
		"simpleSettingCollectionValue":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationReferenceSettingValue","value":"r","note":"n"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s SettingInstance
		if err := json.Unmarshal(data, &s); err != nil || s.Kind == "" {
			return // JSON null leaves s as it was: empty
		}
		first, err := json.Marshal(&s)
		if err != nil {
			t.Fatalf("encoding a decoded instance failed: %v", err)
		}
		var s2 SettingInstance
		if err := json.Unmarshal(first, &s2); err != nil {
			t.Fatalf("re-decoding failed: %v\n%s", err, first)
		}
		second, err := json.Marshal(&s2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("unstable round trip:\n%s\n%s", first, second)
		}
	})
}

// TestAppendInstances checks the one-buffer list encoding against
// json.Marshal of the same slice (which goes through MarshalJSON and
// encoding/json's compaction), and DecodeInstances against json.Unmarshal.
func TestAppendInstances(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "graph", "codec-fullmetadata-firewall.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodeGraph(data)
	if err != nil {
		t.Fatal(err)
	}
	var insts []*SettingInstance
	for _, s := range p.Settings {
		insts = append(insts, s.Instance)
	}
	insts = append(insts, nil, Choice("c", "c_1", Secret("s", "<pw> & more")))
	prefix := []byte(`{"settings":`)
	out, err := AppendInstances(bytes.Clone(prefix), insts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, prefix) {
		t.Fatalf("the prefix was not kept: %.40s", out)
	}
	out = out[len(prefix):]
	viaJSON, err := json.Marshal(insts)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, out); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	// json.Marshal escapes <, > and & as \u003c, \u003e, \u0026; the codec
	// does not.
	unescaped := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(viaJSON))
	if string(out) != unescaped {
		t.Fatalf("AppendInstances differs from json.Marshal:\n%s\n%s", out, unescaped)
	}
	back, err := DecodeInstances(out)
	if err != nil {
		t.Fatal(err)
	}
	var viaUnmarshal []*SettingInstance
	if err := json.Unmarshal(out, &viaUnmarshal); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(insts) || back[len(back)-2] != nil || len(viaUnmarshal) != len(back) {
		t.Fatalf("decoded %d instances (%d through json.Unmarshal), want %d with a nil", len(back), len(viaUnmarshal), len(insts))
	}
	for i := range back {
		a, errA := json.Marshal(back[i])
		b, errB := json.Marshal(viaUnmarshal[i])
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Fatalf("instance %d: DecodeInstances and json.Unmarshal disagree:\n%s\n%s", i, a, b)
		}
	}
	again, err := AppendInstances(nil, back)
	if err != nil || !bytes.Equal(again, out) {
		t.Fatalf("round trip through DecodeInstances changed the JSON: %v", err)
	}
	// Each instance appended alone gives what MarshalJSON gives.
	for i, s := range insts[:3] {
		one, err := s.AppendJSON([]byte("x"))
		want, _ := s.MarshalJSON()
		if err != nil || string(one) != "x"+string(want) {
			t.Fatalf("AppendJSON of instance %d: %v\n%s\n%s", i, err, one, want)
		}
	}
}

func TestAppendInstancesEdges(t *testing.T) {
	if out, err := AppendInstances([]byte("a="), nil); err != nil || string(out) != "a=null" {
		t.Errorf("nil list: %s %v", out, err)
	}
	if out, err := AppendInstances(nil, []*SettingInstance{}); err != nil || string(out) != "[]" {
		t.Errorf("empty list: %s %v", out, err)
	}
	bad := []*SettingInstance{Integer("a", 1), {Kind: "bogus"}}
	out, err := AppendInstances([]byte("keep"), bad)
	var ee *EncodeError
	if !errors.As(err, &ee) || ee.Path != "[1]" || string(out) != "keep" {
		t.Errorf("bad instance: %s, %v; want dst unchanged and an *EncodeError at [1]", out, err)
	}
	nested := []*SettingInstance{Group("g", &SettingInstance{Kind: InstanceSimple, Simple: &SimpleValue{Type: "float"}})}
	if _, err := AppendInstances(nil, nested); !errors.As(err, &ee) || ee.Path != "[0].groupSettingValue.children[0].simpleSettingValue" {
		t.Errorf("nested error: %v", err)
	}
	var nilInst *SettingInstance
	if out, err := nilInst.AppendJSON([]byte("keep")); !errors.As(err, &ee) || string(out) != "keep" {
		t.Errorf("nil instance: %s %v", out, err)
	}
	if insts, err := DecodeInstances([]byte(" null ")); err != nil || insts != nil {
		t.Errorf("null: %v %v", insts, err)
	}
	var de *DecodeError
	for in, path := range map[string]string{
		`{}`:                         "",
		`[1]`:                        "[0]",
		`[null,{"@odata.type":"x"}]`: "[1].@odata.type",
		`[`:                          "",
	} {
		if _, err := DecodeInstances([]byte(in)); !errors.As(err, &de) || de.Path != path {
			t.Errorf("DecodeInstances(%s) = %v, want a *DecodeError at %q", in, err, path)
		}
	}
}

// FuzzDecodeInstances checks that decoding a list never panics, agrees with
// json.Unmarshal of the slice, and that decode → append → decode → append
// is stable.
func FuzzDecodeInstances(f *testing.F) {
	f.Add([]byte(`[` + choiceInst + `,null]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId":"s","x":[1,{"y":null}],
		"simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValue","value":-0}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		insts, err := DecodeInstances(data)
		var viaJSON []*SettingInstance
		jsonErr := json.Unmarshal(data, &viaJSON)
		// They accept the same input, except that DecodeInstances, like
		// the rest of the codec, also accepts a leading byte-order mark.
		if (err == nil) != (jsonErr == nil) && !bytes.HasPrefix(data, utf8BOM) {
			t.Fatalf("DecodeInstances: %v, json.Unmarshal: %v", err, jsonErr)
		}
		if err != nil {
			return
		}
		first, err := AppendInstances(nil, insts)
		if err != nil {
			t.Fatalf("encoding decoded instances failed: %v", err)
		}
		if jsonErr == nil {
			second, err := AppendInstances(nil, viaJSON)
			if err != nil || !bytes.Equal(first, second) {
				t.Fatalf("DecodeInstances and json.Unmarshal disagree:\n%s\n%s", first, second)
			}
		}
		again, err := DecodeInstances(first)
		if err != nil {
			t.Fatalf("re-decoding failed: %v\n%s", err, first)
		}
		if second, err := AppendInstances(nil, again); err != nil || !bytes.Equal(first, second) {
			t.Fatalf("unstable round trip:\n%s\n%s", first, second)
		}
	})
}
