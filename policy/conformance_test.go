package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// graphCase is one policy of a Graph corpus file, with its input JSON.
type graphCase struct {
	name   string
	policy *Policy
	input  any // the policy's input, decoded generically
}

// loadGraphFile decodes one corpus file: a single policy or a list
// response. It returns the page, the file's generic form and its cases.
func loadGraphFile(data []byte) (*Page, any, []graphCase, error) {
	pg, err := DecodeGraphPage(data)
	if err != nil {
		return nil, nil, nil, err
	}
	whole, err := genericJSON(data)
	if err != nil {
		return nil, nil, nil, err
	}
	inputs := []any{whole}
	if !pg.single {
		inputs = whole.(map[string]any)["value"].([]any)
	}
	cases := make([]graphCase, len(pg.Policies))
	for i, p := range pg.Policies {
		name := p.Name
		if name == "" {
			name = strconv.Itoa(i)
		}
		cases[i] = graphCase{name: name, policy: p, input: inputs[i]}
	}
	return pg, whole, cases, nil
}

// genericJSON decodes JSON (after an optional byte-order mark) into maps,
// slices and json.Numbers, the form the round-trip comparison uses.
func genericJSON(data []byte) (any, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// jsonDiff returns the path of the first difference between two generic
// JSON values, or "" when they are equal.
func jsonDiff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: object vs %T", path, b)
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			xv, xok := x[k]
			yv, yok := y[k]
			switch {
			case !xok:
				return fmt.Sprintf("%s.%s: added %v", path, k, yv)
			case !yok:
				return fmt.Sprintf("%s.%s: dropped (was %v)", path, k, xv)
			}
			if d := jsonDiff(path+"."+k, xv, yv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok {
			return fmt.Sprintf("%s: array vs %T", path, b)
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: %d items vs %d", path, len(x), len(y))
		}
		for i := range x {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%s: %#v vs %#v", path, a, b)
	}
	return ""
}

// TestGraphConformance runs the Graph corpus: every policy of every file in
// testdata/graph must decode, encode back to equal JSON, and validate
// against the built-in catalog; the catalog coverage of each is logged.
func TestGraphConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "graph", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no corpus files in testdata/graph")
	}
	catalog := Builtin()
	for _, file := range files {
		base := filepath.Base(file)
		t.Run(base, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			pg, whole, cases, err := loadGraphFile(data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			out, err := EncodeGraphPage(pg)
			if err != nil {
				t.Fatalf("encode file: %v", err)
			}
			got, err := genericJSON(out)
			if err != nil {
				t.Fatalf("encoded file is not JSON: %v", err)
			}
			if d := jsonDiff("$", whole, got); d != "" {
				t.Errorf("file round trip differs at %s", d)
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					out, err := EncodeGraph(c.policy)
					if err != nil {
						t.Fatalf("encode: %v", err)
					}
					got, err := genericJSON(out)
					if err != nil {
						t.Fatalf("encoded policy is not JSON: %v", err)
					}
					if d := jsonDiff("$", c.input, got); d != "" {
						t.Errorf("round trip differs at %s", d)
					}
					if err := catalog.Validate(c.policy); err != nil {
						t.Errorf("validate: %v", err)
					}
					known, total := catalog.Coverage(c.policy)
					t.Logf("catalog coverage %s: %d/%d", base, known, total)
				})
			}
		})
	}
}

// TestGraphCorpusFullCoverage requires every setting instance of every
// corpus policy to be known to the built-in catalog.
func TestGraphCorpusFullCoverage(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "graph", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	catalog := Builtin()
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		pg, err := DecodeGraphPage(data)
		if err != nil {
			continue // TestGraphConformance reports it
		}
		for i, p := range pg.Policies {
			if known, total := catalog.Coverage(p); known != total || total == 0 {
				t.Errorf("%s: policy %d (%q): catalog coverage %d/%d, want all of a non-empty policy", filepath.Base(file), i, p.Name, known, total)
			}
		}
	}
}
