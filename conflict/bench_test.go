package conflict_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
)

// benchPolicies builds n Windows policies of k settings each from the
// settings of the Microsoft Defender Antivirus template, as a fleet's
// policies overlap: policy i configures settings i..i+k-1 (wrapping), so
// neighbours share most settings. Choices pick an option by policy (half
// of the shared settings agree, half conflict), integers agree, the
// exclusion lists union, the threat severity actions merge per child.
func benchPolicies(tb testing.TB, n, k int) []*policy.Policy {
	tb.Helper()
	cat := policy.Builtin()
	tmpl, ok := cat.Template("804339ad-1553-4478-a742-138fb5807418_1")
	if !ok {
		tb.Fatal("no antivirus template")
	}
	var defs []*policy.Definition
	for _, ts := range tmpl.Settings {
		if len(ts.Definition.UnsupportedIn) == 0 {
			defs = append(defs, ts.Definition)
		}
	}
	var pols []*policy.Policy
	for i := 0; i < n; i++ {
		var insts []*policy.SettingInstance
		for j := 0; j < k; j++ {
			d := defs[(i+j)%len(defs)]
			insts = append(insts, benchInstance(d, i, j))
		}
		p, err := policy.NewPolicy(cat, tmpl.ID, fmt.Sprintf("AV %d", i), insts...)
		if err != nil {
			tb.Fatal(err)
		}
		p.ID = fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		p.LastModifiedDateTime = time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
		pols = append(pols, p)
	}
	return pols
}

func benchInstance(d *policy.Definition, i, j int) *policy.SettingInstance {
	switch d.Kind {
	case policy.KindChoice:
		o := d.Options[0]
		if j%2 == 0 && len(d.Options) > 1 {
			o = d.Options[i%len(d.Options)]
		}
		return policy.Choice(d.ID, o.ItemID)
	case policy.KindInteger:
		v := int64(1)
		if d.Min != nil {
			v = *d.Min
		}
		return policy.Integer(d.ID, v)
	case policy.KindStringCollection:
		return policy.Strings(d.ID, fmt.Sprintf(`C:\Apps\App%d`, i), `C:\Shared\Cache`, fmt.Sprintf(`D:\Data\%d`, j))
	case policy.KindGroupCollection:
		var kids []*policy.SettingInstance
		for ci, c := range d.Children {
			kids = append(kids, policy.Choice(c.ID, c.Options[(ci+i%2)%len(c.Options)].ItemID))
		}
		return policy.GroupCollection(d.ID, policy.Item(kids...))
	}
	panic("unexpected kind " + string(d.Kind))
}

// BenchmarkMerge10x30 is the performance target: the effective
// configuration of one device from 10 prepared policies of 30 settings.
func BenchmarkMerge10x30(b *testing.B) {
	m, dev, pols := benchSetup(b)
	ps := make([]*conflict.Prepared, len(pols))
	for i, p := range pols {
		var err error
		if ps[i], err = m.Prepare(p); err != nil {
			b.Fatal(err)
		}
	}
	res, err := m.MergePrepared(dev, ps)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.MergePrepared(dev, ps); err != nil {
			b.Fatal(err)
		}
	}
	reportShape(b, res)
}

// BenchmarkMerge10x30Unprepared merges the same policies as they are:
// every merge walks them.
func BenchmarkMerge10x30Unprepared(b *testing.B) {
	m, dev, pols := benchSetup(b)
	res, err := m.Merge(dev, pols)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Merge(dev, pols); err != nil {
			b.Fatal(err)
		}
	}
	reportShape(b, res)
}

// BenchmarkPrepare prepares one policy of 30 settings.
func BenchmarkPrepare(b *testing.B) {
	m, _, pols := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Prepare(pols[0]); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSetup(b *testing.B) (*conflict.Merger, conflict.Device, []*policy.Policy) {
	b.Helper()
	pols := benchPolicies(b, 10, 30)
	m, err := conflict.New(policy.Builtin())
	if err != nil {
		b.Fatal(err)
	}
	dev := conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.22631.3007"}
	return m, dev, pols
}

// reportShape reports what the merge produced, so that a change of the
// workload shows. It runs after the loop: b.Loop's start clears metrics
// reported before it.
func reportShape(b *testing.B, res *conflict.Result) {
	b.Helper()
	conflicts := 0
	for range res.Conflicts() {
		conflicts++
	}
	b.ReportMetric(float64(len(res.Outcomes())), "outcomes")
	b.ReportMetric(float64(conflicts), "conflicts")
}
