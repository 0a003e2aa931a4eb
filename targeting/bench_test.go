package targeting

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/secmgmt/secmgmt/identity"
)

// BenchmarkRule is the rule of the performance target.
const BenchmarkRule = `(device.deviceOSType -eq "Windows") -and (device.managementType -eq "MicrosoftSense") -and (device.tags -any (_ -eq "MDE-Management"))`

func benchDevice() *identity.Device {
	return &identity.Device{
		DeviceOSType:   "Windows",
		ManagementType: "MicrosoftSense",
		Tags:           []string{"Corp", "EU", "MDE-Management", "Tier1"},
		DisplayName:    "PC-0042",
	}
}

// handWritten is the benchmark rule written directly in Go, the lower bound.
//
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

var sink bool

// BenchmarkMatch measures the benchmark rule on one device with every way
// of evaluating it, in the same run.
func BenchmarkMatch(b *testing.B) {
	dev := benchDevice()
	direct := MustParse(BenchmarkRule)
	viaExpr := MustParse(BenchmarkRule, WithEngine(EngineExpr))
	env := NewEnv(dev)
	ev := NewEvaluator()
	b.Run("direct/Match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = direct.Match(dev)
		}
	})
	b.Run("direct/MatchEnv", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = direct.MatchEnv(env)
		}
	})
	b.Run("expr/Evaluator", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = ev.Match(viaExpr, env)
		}
	})
	b.Run("expr/MatchEnv", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = viaExpr.MatchEnv(env)
		}
	})
	b.Run("handwritten", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = handWritten(dev)
		}
	})
	if !sink {
		b.Fatal("the benchmark rule must match the benchmark device")
	}
}

// BenchmarkEngines compares the direct form and the expr program on the
// common shapes of rules, each on a device it matches.
func BenchmarkEngines(b *testing.B) {
	dev := &identity.Device{
		DeviceOSType: "Windows", ManagementType: "MicrosoftSense", DeviceCategory: "Finance",
		DisplayName: "PC-0042", Tags: []string{"Corp", "EU", "MDE-Management"},
		DevicePhysicalIDs: []string{"[ZTDId]:1a2b", "[OrderID]:Kiosk"}, MemberOf: []string{"g7", "g9"},
		AccountEnabled: identity.Bool(true),
	}
	shapes := []struct{ name, rule string }{
		{"equalities", `device.deviceOSType -eq "Windows" -and device.managementType -eq "MicrosoftSense" -and device.accountEnabled -eq true`},
		{"in", `device.deviceCategory -in ["HR", "Legal", "Finance"]`},
		{"in-large", `device.deviceCategory -in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "Finance"]`},
		{"any-eq", `device.tags -any (_ -eq "MDE-Management")`},
		{"startsWith-or", `device.displayName -startsWith "SRV" -or device.displayName -startsWith "PC"`},
		{"match", `device.displayName -match "^pc-[0-9]{4}$"`},
		{"lambda-compound", `device.devicePhysicalIds -any (_ -startsWith "[OrderID]" -and _ -notEndsWith "old")`},
		{"collection-direct", `device.tags -notContains "quarantine"`},
		{"memberOf", `device.memberOf -any (group.objectId -in ['g1', 'g9'])`},
	}
	for _, s := range shapes {
		direct := MustParse(s.rule)
		viaExpr := MustParse(s.rule, WithEngine(EngineExpr))
		env := NewEnv(dev)
		ev := NewEvaluator()
		if !direct.Match(dev) || !ev.Match(viaExpr, env) {
			b.Fatalf("%s does not match", s.name)
		}
		b.Run(s.name+"/direct", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = direct.MatchEnv(env)
			}
		})
		b.Run(s.name+"/expr", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = ev.Match(viaExpr, env)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(BenchmarkRule); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewEnv(b *testing.B) {
	dev := benchDevice()
	r := MustParse(BenchmarkRule, WithEngine(EngineExpr))
	ev := NewEvaluator()
	b.ReportAllocs()
	for b.Loop() {
		sink = ev.Match(r, NewEnv(dev)) // the expr variables are built on first use
	}
}

// fleetGroups returns n dynamic groups of the shapes seen in tenants:
// platform and site, tier tags, management type, Autopilot group tags,
// category lists and a few regular expressions.
func fleetGroups(n int) []Group {
	var out []Group
	for i := 0; len(out) < n; i++ {
		var rule string
		switch i % 10 {
		case 0, 1, 2:
			rule = fmt.Sprintf(`(device.deviceOSType -eq "Windows") -and (device.extensionAttribute1 -eq "site-%d")`, i%40)
		case 3:
			rule = fmt.Sprintf(`(device.deviceOSType -eq "Windows Server") -and (device.tags -any (_ -eq "tier-%d"))`, i%3)
		case 4:
			rule = fmt.Sprintf(`device.deviceOSType -in ["macOS", "MacMDM"] -and device.deviceCategory -eq "cat-%d"`, i%7)
		case 5:
			rule = fmt.Sprintf(`(device.deviceOSType -eq "Linux") -and (device.managementType -eq "MicrosoftSense") -and (device.displayName -startsWith "web-%d")`, i%5)
		case 6:
			rule = fmt.Sprintf(`(device.managementType -eq "MicrosoftSense") -and (device.tags -any (_ -eq "MDE-Management")) -and (device.deviceCategory -eq "cat-%d")`, i%7)
		case 7:
			rule = fmt.Sprintf(`device.devicePhysicalIds -any (_ -eq "[OrderID]:group-%d")`, i%9)
		case 8:
			rule = fmt.Sprintf(`(device.deviceOSType -eq "Windows") -and (device.extensionAttribute2 -in ["dept-%d", "dept-%d", "dept-%d"])`, i%11, (i+1)%11, (i+2)%11)
		case 9:
			if i%20 == 9 {
				rule = fmt.Sprintf(`device.displayName -match "^pc-%d[0-9]+$"`, i%10)
			} else {
				rule = `device.deviceOSType -startsWith "Windows" -and device.accountEnabled -eq true`
			}
		}
		g, err := NewDynamicGroup(fmt.Sprintf("group-%03d", len(out)), "", rule)
		if err != nil {
			panic(err)
		}
		out = append(out, g)
	}
	return out
}

// fleetDevice returns a device of a fleet: 60 % Windows, 15 % Windows
// Server, 10 % macOS, 10 % Linux, 5 % iPhone.
func fleetDevice(rng *rand.Rand, i int) *identity.Device {
	d := &identity.Device{
		ObjectID:        fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i),
		DeviceID:        fmt.Sprintf("%08x-1111-4000-8000-%012x", i, i),
		ManagementType:  "MicrosoftSense",
		AccountEnabled:  identity.Bool(rng.IntN(50) != 0),
		DeviceCategory:  fmt.Sprintf("cat-%d", rng.IntN(7)),
		DeviceOSVersion: "10.0.22631.4460",
		Tags:            []string{"MDE-Management"},
	}
	switch p := rng.IntN(100); {
	case p < 60:
		d.DeviceOSType = "Windows"
		d.DisplayName = fmt.Sprintf("PC-%d", i)
		d.DevicePhysicalIDs = []string{"[ZTDId]:" + d.DeviceID, fmt.Sprintf("[OrderID]:group-%d", rng.IntN(12))}
	case p < 75:
		d.DeviceOSType = "Windows Server"
		d.DisplayName = fmt.Sprintf("SRV-%d", i)
		d.Tags = append(d.Tags, fmt.Sprintf("tier-%d", rng.IntN(3)))
	case p < 85:
		d.DeviceOSType = "macOS"
		d.DisplayName = fmt.Sprintf("MAC-%d", i)
	case p < 95:
		d.DeviceOSType = "Linux"
		d.DisplayName = fmt.Sprintf("web-%d", i)
	default:
		d.DeviceOSType = "iPhone"
		d.ManagementType = "MDM"
		d.Tags = nil
	}
	d.ExtensionAttributes[0] = fmt.Sprintf("site-%d", rng.IntN(40))
	d.ExtensionAttributes[1] = fmt.Sprintf("dept-%d", rng.IntN(11))
	return d
}

func fleet(n int) []*identity.Device {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]*identity.Device, n)
	for i := range out {
		out[i] = fleetDevice(rng, i)
	}
	return out
}

func fleetIndex(b *testing.B, devices []*identity.Device, groups []Group) *Index {
	x := NewIndex()
	for _, g := range groups {
		if _, err := x.AddGroup(g); err != nil {
			b.Fatal(err)
		}
	}
	for i, d := range devices {
		x.UpsertDevice(fmt.Sprintf("dev-%06d", i), d)
	}
	return x
}

// BenchmarkRecompute re-applies 100 dynamic rules to 100,000 devices (the
// full recompute target: ≤ 1 s).
func BenchmarkRecompute(b *testing.B) {
	x := fleetIndex(b, fleet(100_000), fleetGroups(100))
	memberships := 0
	for g := range x.Groups() {
		for range x.Members(g.ID) {
			memberships++
		}
	}
	b.ReportMetric(float64(memberships)/100_000, "groups/device")
	b.ReportAllocs()
	for b.Loop() {
		if d := x.Recompute(); !d.Empty() {
			b.Fatal("an up-to-date index changed")
		}
	}
}

// BenchmarkBuild adds 100,000 devices to an index of 100 dynamic groups,
// and reports the heap the index keeps per device, with and without the
// devices themselves.
func BenchmarkBuild(b *testing.B) {
	groups := fleetGroups(100)
	b.ReportAllocs()
	for b.Loop() {
		var m0, m1, m2 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		devices := fleet(100_000)
		runtime.GC()
		runtime.ReadMemStats(&m1)
		x := fleetIndex(b, devices, groups)
		runtime.GC()
		runtime.ReadMemStats(&m2)
		b.ReportMetric(float64(m2.HeapAlloc-m1.HeapAlloc)/100_000, "index-B/device")
		b.ReportMetric(float64(m2.HeapAlloc-m0.HeapAlloc)/100_000, "total-B/device")
		runtime.KeepAlive(x)
		runtime.KeepAlive(devices)
	}
}

// BenchmarkUpsertChange changes one device's attributes in an index of
// 10,000 devices and 100 dynamic groups, alternating between two states
// that move it between groups (the incremental target: ≤ 10 µs).
func BenchmarkUpsertChange(b *testing.B) {
	devices := fleet(10_000)
	x := fleetIndex(b, devices, fleetGroups(100))
	before := devices[0].Clone()
	before.DeviceOSType = "Windows"
	after := before.Clone()
	after.ExtensionAttributes[0] = "site-7"
	after.Tags = append(after.Tags, "tier-1")
	after.DeviceCategory = "cat-3"
	states := []*identity.Device{before, after}
	x.UpsertDevice("dev-000000", before)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		if d := x.UpsertDevice("dev-000000", states[i%2]); d.Empty() {
			b.Fatal("the change moved nothing")
		}
	}
}

// BenchmarkUpsertAllRules re-evaluates every rule for one device (the same
// pointer passed again), the worst case of an update.
func BenchmarkUpsertAllRules(b *testing.B) {
	devices := fleet(10_000)
	x := fleetIndex(b, devices, fleetGroups(100))
	b.ReportAllocs()
	for b.Loop() {
		x.UpsertDevice("dev-000001", devices[1])
	}
}
