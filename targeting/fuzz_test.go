package targeting

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"

	"github.com/secmgmt/secmgmt/identity"
)

// fuzzDevices are the devices every accepted fuzz input is evaluated on,
// by both engines.
var fuzzDevices = []*identity.Device{
	{},
	{DeviceOSType: "Windows", ManagementType: "MicrosoftSense", Tags: []string{"MDE-Management", "Corp"}, AccountEnabled: identity.Bool(true)},
	{DeviceOSType: "Windows Server", DisplayName: "SRV-01", DevicePhysicalIDs: []string{"[ZTDId]:abc", "[OrderID]:Kiosk"}, IsRooted: identity.Bool(false)},
	{DeviceOSType: "macOS", DisplayName: "Ünïcödé-İ", SystemLabels: []string{"M365Managed", ""}, MemberOf: []string{"g1", "G2"}, ExtensionAttributes: [15]string{"a", "B"}},
}

// FuzzParse checks that Parse never panics, that its errors are positioned
// RuleErrors, that Strict accepts no more than the default, and that an
// accepted rule's canonical form parses to an equal rule on which the
// direct form, the expr program and Explain agree.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "conformance", "*.json"))
	for _, file := range files {
		cases, err := loadCases(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, c := range cases {
			// Long seeds make the fuzzer's minimisation slow; the limit
			// cases are covered by the corpus test.
			if len(c.Rule) <= 200 {
				f.Add(c.Rule)
			}
		}
	}
	f.Add("device.x -eq `\"")
	f.Add("((((")
	f.Fuzz(func(t *testing.T, text string) {
		r, err := Parse(text)
		checkError(t, text, err)
		_, strictErr := Parse(text, Strict())
		checkError(t, text, strictErr)
		if err != nil {
			if strictErr == nil {
				t.Fatalf("Strict accepted %q, which the default rejects: %v", text, err)
			}
			return
		}
		canonical := r.String()
		again, err := Parse(canonical)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canonical, text, err)
		}
		if !again.Equal(r) || again.String() != canonical {
			t.Fatalf("canonical form %q of %q parses to %q", canonical, text, again.String())
		}
		var m vm.VM
		for _, d := range fuzzDevices {
			want := r.Match(d)
			env := NewEnv(d)
			if runExpr(&m, r, env) != want || r.MatchEnv(env) != want || again.Match(d) != want || r.Explain(d).Result != want {
				t.Fatalf("engines disagree on %q for %+v (direct %v)", canonical, d, want)
			}
			if want && !r.Requirements().Admits(d) {
				t.Fatalf("requirements of %q reject a matching device %+v", canonical, d)
			}
		}
	})
}

func checkError(t *testing.T, text string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var re *RuleError
	if !errors.As(err, &re) {
		t.Fatalf("error %T is not a *RuleError: %v", err, err)
	}
	if !re.Kind.Valid() || re.Line < 1 || re.Column < 1 || re.Offset < 0 || re.Offset > len(text) {
		t.Fatalf("bad error %+v", re)
	}
	if strings.Contains(re.Message, "internal error") {
		t.Fatalf("a checked rule failed to compile to expr: %v", re)
	}
}
