package conflict_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
)

// otherDevices are the devices every corpus case is also merged for, both
// ways (Merge and MergePrepared with the same Prepared values): every
// platform, both variants, a domain controller, and OS versions below,
// between and above the settings' minimums.
var otherDevices = []conflict.Device{
	{},
	{Class: policy.DeviceClass{Platform: policy.DeviceWindows}},
	{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "6.1"},
	{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.17763"},
	{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.19045.4046", Variant: policy.VariantLegacy},
	{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.22631.3007"},
	{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.26100", Variant: policy.VariantLegacy},
	{Class: policy.DeviceClass{Platform: policy.DeviceWindowsServer}, OSVersion: "10.0.14393"},
	{Class: policy.DeviceClass{Platform: policy.DeviceWindowsServer, DomainController: true}, OSVersion: "10.0.20348"},
	{Class: policy.DeviceClass{Platform: policy.DeviceWindowsServer}, Variant: policy.VariantLegacy},
	{Class: policy.DeviceClass{Platform: policy.DeviceMacOS}, OSVersion: "14.2"},
	{Class: policy.DeviceClass{Platform: policy.DeviceMacOS}, Variant: policy.VariantLegacy},
	{Class: policy.DeviceClass{Platform: policy.DeviceLinux}, OSVersion: "5.15"},
	{Class: policy.DeviceClass{Platform: policy.DeviceLinux}, Variant: policy.VariantLegacy},
	{Class: policy.DeviceClass{Platform: "iOS"}},
	{OSVersion: "10.x"},
}

// checkPrepared checks that MergePrepared gives what Merge gives, for the
// case's device and for otherDevices, with the policies in both orders.
func checkPrepared(t *testing.T, m *conflict.Merger, dev conflict.Device, pols []*policy.Policy) {
	t.Helper()
	preps := prepareAll(t, m, pols)
	for i, d := range append([]conflict.Device{dev}, otherDevices...) {
		want, werr := m.Merge(d, pols)
		got, gerr := m.MergePrepared(d, preps)
		where := fmt.Sprintf("device %d %+v", i, d)
		sameMerge(t, where, want, werr, got, gerr)
		revPols, revPreps := slices.Clone(pols), slices.Clone(preps)
		slices.Reverse(revPols)
		slices.Reverse(revPreps)
		want, werr = m.Merge(d, revPols)
		got, gerr = m.MergePrepared(d, revPreps)
		sameMerge(t, where+", policies reversed", want, werr, got, gerr)
	}
}

func prepareAll(t testing.TB, m *conflict.Merger, pols []*policy.Policy) []*conflict.Prepared {
	t.Helper()
	preps := make([]*conflict.Prepared, len(pols))
	for i, p := range pols {
		if p == nil {
			continue
		}
		var err error
		if preps[i], err = m.Prepare(p); err != nil {
			t.Fatalf("prepare %s: %v", p.ID, err)
		}
	}
	return preps
}

// sameMerge reports every observable difference between two merges of the
// same input.
func sameMerge(t testing.TB, where string, want *conflict.Result, werr error, got *conflict.Result, gerr error) {
	t.Helper()
	if werr != nil || gerr != nil {
		if werr == nil || gerr == nil || werr.Error() != gerr.Error() || reflect.TypeOf(werr) != reflect.TypeOf(gerr) {
			t.Errorf("%s: Merge error %v, MergePrepared error %v", where, werr, gerr)
		}
		var wie, gie *conflict.InputError
		if errors.As(werr, &wie) && errors.As(gerr, &gie) && !reflect.DeepEqual(wie.Problems, gie.Problems) {
			t.Errorf("%s: problems differ:\n%v\n%v", where, wie.Problems, gie.Problems)
		}
		return
	}
	if want.Version != got.Version {
		t.Errorf("%s: version %s, prepared %s", where, want.Version, got.Version)
	}
	if !reflect.DeepEqual(want.Device, got.Device) || !reflect.DeepEqual(want.Policies, got.Policies) {
		t.Errorf("%s: device or policies differ:\n%+v %+v\n%+v %+v", where, want.Device, want.Policies, got.Device, got.Policies)
	}
	if !reflect.DeepEqual(want.Effective, got.Effective) {
		t.Errorf("%s: effective configurations differ", where)
	}
	if !reflect.DeepEqual(want.Flatten(), got.Flatten()) {
		t.Errorf("%s: flattened views differ:\n%v\n%v", where, want.Flatten(), got.Flatten())
	}
	if !reflect.DeepEqual(want.Warnings, got.Warnings) {
		t.Errorf("%s: warnings differ:\n%+v\n%+v", where, want.Warnings, got.Warnings)
	}
	wo, goo := want.Outcomes(), got.Outcomes()
	if len(wo) != len(goo) {
		t.Fatalf("%s: %d outcomes, prepared %d", where, len(wo), len(goo))
	}
	for i := range wo {
		if !reflect.DeepEqual(wo[i], goo[i]) {
			t.Errorf("%s: outcome %d:\n%+v\n%+v", where, i, wo[i], goo[i])
		}
		a, aok := want.Outcome(wo[i].PolicyID, wo[i].SettingID)
		b, bok := got.Outcome(wo[i].PolicyID, wo[i].SettingID)
		if aok != bok || !reflect.DeepEqual(a, b) {
			t.Errorf("%s: Outcome(%s, %s) differs", where, wo[i].PolicyID, wo[i].SettingID)
		}
		ws, wok := want.Setting(wo[i].SettingID)
		gs, gok := got.Setting(wo[i].SettingID)
		if wok != gok || !reflect.DeepEqual(ws, gs) {
			t.Errorf("%s: Setting(%s) differs", where, wo[i].SettingID)
		}
		we, wok := conflict.Explain(want, wo[i].SettingID)
		ge, gok := conflict.Explain(got, wo[i].SettingID)
		if wok != gok || !reflect.DeepEqual(we, ge) {
			t.Errorf("%s: Explain(%s) differs", where, wo[i].SettingID)
		}
	}
	ws := conflict.Summarize(slices.Values([]*conflict.Result{want}))
	gs := conflict.Summarize(slices.Values([]*conflict.Result{got}))
	if !reflect.DeepEqual(ws, gs) {
		t.Errorf("%s: summaries differ:\n%+v\n%+v", where, ws, gs)
	}
}

func TestPrepareErrors(t *testing.T) {
	m, _ := conflict.New(policy.Builtin())
	_, err := m.Prepare(nil)
	var ie *conflict.InputError
	if !errors.As(err, &ie) || !errors.Is(err, conflict.ErrInvalidInput) || !ie.Has(conflict.ProblemNilPolicy) {
		t.Errorf("Prepare(nil) = %v", err)
	}

	a := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"))
	other, _ := conflict.New(policy.Builtin())
	pa, _ := m.Prepare(a)
	pb, _ := other.Prepare(antivirus("b", time.Time{}, policy.Choice(realtime, realtime+"_1")))
	_, err = m.MergePrepared(conflict.Device{}, []*conflict.Prepared{pa, pb, nil})
	if !errors.As(err, &ie) || len(ie.Problems) != 2 ||
		ie.Problems[0].Kind != conflict.ProblemForeignPrepared || ie.Problems[0].PolicyID != "b" || ie.Problems[0].Path != "policies[1]" ||
		ie.Problems[1].Kind != conflict.ProblemNilPolicy || ie.Problems[1].Path != "policies[2]" {
		t.Errorf("foreign and nil prepared policies: %v", err)
	}
	if pa.ID() != "a" {
		t.Errorf("ID() = %q", pa.ID())
	}

	// A policy without an id, or with a problem, is prepared: the merge
	// reports what Merge reports, for devices that receive it.
	noID := antivirus("", time.Time{}, policy.Choice(realtime, realtime+"_1"))
	bad := antivirus("bad", time.Time{}, policy.Choice(realtime, realtime+"_1"))
	bad.Settings[0].Instance.Choice.ItemID = "no such option"
	pols := []*policy.Policy{noID, bad, a}
	win := conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}}
	checkPrepared(t, m, win, pols)
	_, err = m.MergePrepared(win, prepareAll(t, m, pols))
	if !errors.As(err, &ie) || len(ie.Problems) != 1 || !ie.Has(conflict.ProblemMissingID) {
		t.Errorf("a prepared policy without an id: %v", err)
	}
	_, err = m.MergePrepared(win, prepareAll(t, m, pols[1:]))
	if !errors.As(err, &ie) || len(ie.Problems) != 1 || !ie.Has(conflict.ProblemUnknownOption) || ie.Problems[0].PolicyID != "bad" ||
		ie.Problems[0].Path != "settings[0].settingInstance.choiceSettingValue" {
		t.Errorf("a prepared policy with an unknown option: %v", err)
	}
	// On a Mac the Windows policy with the bad option is not delivered,
	// and not checked.
	if _, err := m.MergePrepared(conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceMacOS}}, prepareAll(t, m, pols[1:])); err != nil {
		t.Errorf("a policy the device does not receive was checked: %v", err)
	}
}

// A Prepared is a snapshot: changing the policy afterwards does not change
// what it merges to.
func TestPreparedIsASnapshot(t *testing.T) {
	m, _ := conflict.New(policy.Builtin())
	dev := conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}}
	p := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"), policy.Strings(paths, `C:\A`))
	before, err := m.Merge(dev, []*policy.Policy{p})
	if err != nil {
		t.Fatal(err)
	}
	version, flat := before.Version, before.Flatten()
	pp, err := m.Prepare(p)
	if err != nil {
		t.Fatal(err)
	}
	p.Name = "renamed"
	p.Settings[0].Instance.Choice.ItemID = realtime + "_0"
	p.Settings[1].Instance.Simples[0].Text = `C:\B`
	after, err := m.MergePrepared(dev, []*conflict.Prepared{pp})
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != version || after.Policies[0].Name != "Antivirus a" || !reflect.DeepEqual(after.Flatten(), flat) {
		t.Errorf("the prepared policy followed the change: %v %v", after.Policies[0].Name, after.Flatten())
	}
}

// Prepared policies and a Merger are shared by concurrent merges (run with
// -race).
func TestMergePreparedConcurrently(t *testing.T) {
	m, err := conflict.New(policy.Builtin(), conflict.WithResolver(conflict.TieBreak(conflict.DefaultRanking())))
	if err != nil {
		t.Fatal(err)
	}
	pols := benchPolicies(t, 6, 20)
	preps := prepareAll(t, m, pols)
	devs := []conflict.Device{
		{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.22631"},
		{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.17763", Variant: policy.VariantLegacy},
		{Class: policy.DeviceClass{Platform: policy.DeviceWindowsServer}},
	}
	want := make([]*conflict.Result, len(devs))
	for i, d := range devs {
		if want[i], err = m.Merge(d, pols); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				d := (g + i) % len(devs)
				got, err := m.MergePrepared(devs[d], preps)
				if err != nil {
					t.Error(err)
					return
				}
				if got.Version != want[d].Version || len(got.Outcomes()) != len(want[d].Outcomes()) {
					t.Errorf("device %d: a concurrent merge differs", d)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// A policy whose settings have more applicability classes than a Prepared
// keeps variants for is walked by every merge, with the same result.
func TestPreparedManyApplicabilityClasses(t *testing.T) {
	var defs []*policy.Definition
	var insts []*policy.SettingInstance
	for i := range 40 {
		id := fmt.Sprintf("custom_minimum_build_%02d", i)
		defs = append(defs, &policy.Definition{ID: id, Kind: policy.KindInteger, Platforms: policy.PlatformWindows10,
			MinOSVersion: fmt.Sprintf("10.0.%d", 17000+100*i)})
		insts = append(insts, policy.Integer(id, int64(i)))
	}
	cat, err := policy.Builtin().With(defs, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := conflict.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	p := &policy.Policy{ID: "custom", Name: "Custom", Platforms: policy.PlatformWindows10, Technologies: policy.TechnologyMicrosoftSense}
	for _, inst := range insts {
		p.Settings = append(p.Settings, &policy.Setting{Instance: inst})
	}
	q := p.Clone()
	q.ID = "custom2"
	q.Settings[3].Instance = policy.Integer(q.Settings[3].Instance.DefinitionID, 99)
	pols := []*policy.Policy{p, q}
	checkPrepared(t, m, conflict.Device{}, pols)
	for _, v := range []string{"10.0.16000", "10.0.17000", "10.0.18050", "10.0.20000", "10.0.30000"} {
		d := conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: v}
		want, werr := m.Merge(d, pols)
		got, gerr := m.MergePrepared(d, prepareAll(t, m, pols))
		sameMerge(t, v, want, werr, got, gerr)
	}
	res, err := m.Merge(conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.18050"}, pols)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := res.Outcome("custom", "custom_minimum_build_20"); o.Reason != conflict.ReasonOSVersion {
		t.Errorf("a setting for a newer build: %+v", o)
	}
	if o, _ := res.Outcome("custom", "custom_minimum_build_03"); o.Reason != conflict.ReasonDifferentValues {
		t.Errorf("a setting both set differently: %+v", o)
	}
}

// One prepared policy serves devices for which the same setting does not
// apply for different reasons; each device gets its own reason.
func TestPreparedReasonsPerDevice(t *testing.T) {
	const id = "custom_new_and_current_only"
	def := &policy.Definition{ID: id, Kind: policy.KindInteger, Platforms: policy.PlatformWindows10,
		MinOSVersion: "10.0.22000", UnsupportedIn: []policy.Variant{policy.VariantLegacy}}
	cat, err := policy.Builtin().With([]*policy.Definition{def}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := conflict.New(cat)
	if err != nil {
		t.Fatal(err)
	}
	p := &policy.Policy{ID: "p", Platforms: policy.PlatformWindows10, Technologies: policy.TechnologyMicrosoftSense,
		Settings: []*policy.Setting{{Instance: policy.Integer(id, 1)}}}
	pp, err := m.Prepare(p)
	if err != nil {
		t.Fatal(err)
	}
	win := policy.DeviceClass{Platform: policy.DeviceWindows}
	for _, c := range []struct {
		dev  conflict.Device
		want conflict.Reason
	}{
		{conflict.Device{Class: win, OSVersion: "10.0.22631", Variant: policy.VariantLegacy}, conflict.ReasonUnsupported},
		{conflict.Device{Class: win, OSVersion: "10.0.19045"}, conflict.ReasonOSVersion},
		{conflict.Device{Class: win, OSVersion: "10.0.19045", Variant: policy.VariantLegacy}, conflict.ReasonUnsupported},
		{conflict.Device{Class: win, OSVersion: "10.0.22631"}, conflict.ReasonOnlySource},
	} {
		want, werr := m.Merge(c.dev, []*policy.Policy{p})
		got, gerr := m.MergePrepared(c.dev, []*conflict.Prepared{pp})
		sameMerge(t, fmt.Sprintf("%+v", c.dev), want, werr, got, gerr)
		if gerr != nil {
			continue
		}
		if o, _ := got.Outcome("p", id); o.Reason != c.want {
			t.Errorf("%+v: reason %s, want %s", c.dev, o.Reason, c.want)
		}
	}
}

// FormatValue keeps the text of each of a result's values: the text does
// not depend on the order of the calls or on concurrent callers, and an
// instance of the caller's (a copy of a value, then changed) is formatted
// as it is.
func TestFormatValueCached(t *testing.T) {
	m, err := conflict.New(policy.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	pols := benchPolicies(t, 6, 20)
	preps := prepareAll(t, m, pols)
	dev := conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.22631"}
	merge := func() *conflict.Result {
		res, err := m.MergePrepared(dev, preps)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	forward, backward, shared := merge(), merge(), merge()
	outs := forward.Outcomes()
	if len(outs) < 20 {
		t.Fatalf("%d outcomes", len(outs))
	}
	want := make([]string, len(outs))
	for i, o := range outs {
		want[i] = forward.FormatValue(o.Value)
	}
	bouts := backward.Outcomes()
	for i := len(bouts) - 1; i >= 0; i-- {
		if got := backward.FormatValue(bouts[i].Value); got != want[i] {
			t.Errorf("outcome %d (%s): %q in reverse order, %q in order", i, bouts[i].SettingID, got, want[i])
		}
	}
	var wg sync.WaitGroup
	souts := shared.Outcomes()
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range souts {
				i := (k + g*7) % len(souts)
				if got := shared.FormatValue(souts[i].Value); got != want[i] {
					t.Errorf("outcome %d: %q concurrently, %q alone", i, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, o := range outs {
		if o.Value == nil || o.Value.Kind != policy.InstanceSimpleCollection || len(o.Value.Simples) == 0 {
			continue
		}
		own := o.Value.Clone()
		if got := forward.FormatValue(own); got != want[i] {
			t.Errorf("a copy of outcome %d's value: %q, want %q", i, got, want[i])
		}
		own.Simples[0].Text += `\changed`
		if got := forward.FormatValue(own); got == want[i] || !strings.Contains(got, `\changed`) {
			t.Errorf("a changed copy of outcome %d's value is formatted %q", i, got)
		}
		return
	}
	t.Error("no outcome holds a collection of strings")
}
