package targeting

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/identity"
)

// conformanceCase is one case of the rule corpus (the corpus format is a
// contract: keep the field names).
type conformanceCase struct {
	Name    string `json:"name"`
	Rule    string `json:"rule"`
	Valid   *bool  `json:"valid"`
	Strict  bool   `json:"strict"`
	Error   string `json:"error"`
	Devices []struct {
		Device json.RawMessage `json:"device"`
		Match  *bool           `json:"match"`
	} `json:"devices"`
}

// TestRuleConformance runs every case of every file in
// testdata/conformance as the subtest <file>/<case name>.
func TestRuleConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "conformance", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no conformance files")
	}
	total := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			cases, err := loadCases(file)
			if err != nil {
				t.Fatalf("malformed case file: %v", err)
			}
			total += len(cases)
			for _, c := range cases {
				t.Run(c.Name, func(t *testing.T) { runCase(t, c) })
			}
		})
	}
	t.Logf("%d cases in %d files", total, len(files))
}

func loadCases(file string) ([]conformanceCase, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cases []conformanceCase
	if err := dec.Decode(&cases); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, c := range cases {
		switch {
		case c.Name == "":
			return nil, errors.New("case " + itoa(i) + " has no name")
		case seen[c.Name]:
			return nil, errors.New("two cases are named " + c.Name)
		case c.Valid == nil:
			return nil, errors.New("case " + c.Name + " does not say whether it is valid")
		case !*c.Valid && len(c.Devices) > 0:
			return nil, errors.New("invalid case " + c.Name + " lists devices")
		}
		seen[c.Name] = true
	}
	return cases, nil
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func runCase(t *testing.T, c conformanceCase) {
	var opts []Option
	if c.Strict {
		opts = append(opts, Strict())
	}
	rule, err := Parse(c.Rule, opts...)
	if !*c.Valid {
		if err == nil {
			t.Fatalf("Parse accepted an invalid rule; canonical form %q", rule.String())
		}
		var re *RuleError
		if !errors.As(err, &re) {
			t.Fatalf("error is %T, not *RuleError: %v", err, err)
		}
		if !re.Kind.Valid() || re.Line < 1 || re.Column < 1 || re.Offset < 0 || re.Offset > len(c.Rule) {
			t.Errorf("bad error position or kind: %+v", re)
		}
		if c.Error != "" && !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.Error)) {
			t.Errorf("error %q does not contain %q", err, c.Error)
		}
		return
	}
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	exprRule, err := Parse(c.Rule, append(opts, WithEngine(EngineExpr))...)
	if err != nil {
		t.Fatalf("Parse with the expr engine: %v", err)
	}
	again, err := Parse(rule.String(), opts...)
	if err != nil {
		t.Fatalf("the canonical form %q does not parse: %v", rule.String(), err)
	}
	if !again.Equal(rule) {
		t.Errorf("the canonical form %q parses to a different rule, %q", rule.String(), again.String())
	}
	if again.String() != rule.String() {
		t.Errorf("the canonical form is not stable: %q, then %q", rule.String(), again.String())
	}
	ev := NewEvaluator()
	for i, d := range c.Devices {
		if d.Match == nil {
			t.Fatalf("device %d does not say whether it matches", i)
		}
		dev, err := identity.DeviceFromRuleProperties(d.Device)
		if err != nil {
			t.Fatalf("device %d: %v", i, err)
		}
		want := *d.Match
		env := NewEnv(dev)
		results := map[string]bool{
			"direct Match":        rule.Match(dev),
			"direct MatchEnv":     rule.MatchEnv(env),
			"expr MatchEnv":       exprRule.MatchEnv(env),
			"expr Match":          exprRule.Match(dev),
			"expr Evaluator":      ev.Match(exprRule, env),
			"Explain":             rule.Explain(dev).Result,
			"canonical form":      again.Match(dev),
			"expr on a fresh Env": exprRule.MatchEnv(NewEnv(dev)),
			"direct Evaluator":    ev.Match(rule, env),
		}
		if want && !rule.Requirements().Admits(dev) {
			t.Errorf("device %d %s: the requirements pre-filter rejects a matching device", i, d.Device)
		}
		for how, got := range results {
			if got != want {
				t.Errorf("device %d %s: %s gives %v, want %v", i, d.Device, how, got, want)
			}
		}
	}
}
