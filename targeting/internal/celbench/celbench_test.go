package celbench

import (
	"strings"
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/targeting"
)

// rule is the rule of the performance target.
const rule = `(device.deviceOSType -eq "Windows") -and (device.managementType -eq "MicrosoftSense") -and (device.tags -any (_ -eq "MDE-Management"))`

// celRule is the same rule in CEL. CEL has no case-insensitive equality, so
// it runs on values folded to lower case beforehand, as the expr engine's
// Env does, with lower-case constants.
const celRule = `deviceOSType == "windows" && managementType == "microsoftsense" && "mde-management" in tags`

func device() *identity.Device {
	return &identity.Device{
		DeviceOSType:   "Windows",
		ManagementType: "MicrosoftSense",
		Tags:           []string{"Corp", "EU", "MDE-Management", "Tier1"},
	}
}

//go:noinline
func handWritten(d *identity.Device) bool {
	if !strings.EqualFold(d.DeviceOSType, "Windows") || !strings.EqualFold(d.ManagementType, "MicrosoftSense") {
		return false
	}
	for _, t := range d.Tags {
		if strings.EqualFold(t, "MDE-Management") {
			return true
		}
	}
	return false
}

func celProgram(b *testing.B) cel.Program {
	env, err := cel.NewEnv(
		cel.Variable("deviceOSType", cel.StringType),
		cel.Variable("managementType", cel.StringType),
		cel.Variable("tags", cel.ListType(cel.StringType)),
	)
	if err != nil {
		b.Fatal(err)
	}
	ast, iss := env.Compile(celRule)
	if iss.Err() != nil {
		b.Fatal(iss.Err())
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		b.Fatal(err)
	}
	return prg
}

func lowered(d *identity.Device) (string, string, []string) {
	tags := make([]string, len(d.Tags))
	for i, t := range d.Tags {
		tags[i] = strings.ToLower(t)
	}
	return strings.ToLower(d.DeviceOSType), strings.ToLower(d.ManagementType), tags
}

var sink bool

// BenchmarkMatch runs the rule with the targeting engines, cel-go and
// hand-written Go, on a device it matches.
func BenchmarkMatch(b *testing.B) {
	dev := device()
	direct := targeting.MustParse(rule)
	viaExpr := targeting.MustParse(rule, targeting.WithEngine(targeting.EngineExpr))
	env := targeting.NewEnv(dev)
	ev := targeting.NewEvaluator()
	prg := celProgram(b)
	os, mgmt, tags := lowered(dev)

	b.Run("targeting-direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = direct.Match(dev)
		}
	})
	b.Run("targeting-expr", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = ev.Match(viaExpr, env)
		}
	})
	b.Run("cel-go-native-values", func(b *testing.B) {
		act, err := cel.NewActivation(map[string]any{
			"deviceOSType":   types.String(os),
			"managementType": types.String(mgmt),
			"tags":           types.NewStringList(types.DefaultTypeAdapter, tags),
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			out, _, err := prg.Eval(act)
			if err != nil {
				b.Fatal(err)
			}
			sink = out == types.True
		}
	})
	b.Run("cel-go-go-map", func(b *testing.B) {
		vars := map[string]any{"deviceOSType": os, "managementType": mgmt, "tags": tags}
		b.ReportAllocs()
		for b.Loop() {
			out, _, err := prg.Eval(vars)
			if err != nil {
				b.Fatal(err)
			}
			sink = out == types.True
		}
	})
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = handWritten(dev)
		}
	})
	if !sink {
		b.Fatal("the rule must match")
	}
}

// TestSameAnswer checks that the four evaluators agree on a few devices.
func TestSameAnswer(t *testing.T) {
	direct := targeting.MustParse(rule)
	env, _ := cel.NewEnv(
		cel.Variable("deviceOSType", cel.StringType),
		cel.Variable("managementType", cel.StringType),
		cel.Variable("tags", cel.ListType(cel.StringType)),
	)
	ast, iss := env.Compile(celRule)
	if iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	prg, _ := env.Program(ast)
	for _, d := range []*identity.Device{device(), {DeviceOSType: "Windows Server", ManagementType: "MicrosoftSense", Tags: []string{"MDE-Management"}}, {}} {
		os, mgmt, tags := lowered(d)
		out, _, err := prg.Eval(map[string]any{"deviceOSType": os, "managementType": mgmt, "tags": tags})
		if err != nil {
			t.Fatal(err)
		}
		if want := handWritten(d); direct.Match(d) != want || (out == types.True) != want {
			t.Errorf("%+v: evaluators disagree", d)
		}
	}
}
