package policy

import (
	"strconv"
	"strings"
	"testing"
)

// sample returns a valid instance of the definition, with valid children.
func sample(d *Definition) *SettingInstance {
	items := func() int {
		n := max(1, d.MinCount)
		if d.MaxCount > 0 {
			n = min(n, d.MaxCount)
		}
		return n
	}
	children := func(defs []*Definition) []*SettingInstance {
		out := make([]*SettingInstance, len(defs))
		for i, c := range defs {
			out[i] = sample(c)
		}
		return out
	}
	switch d.Kind {
	case KindChoice:
		opt := &d.Options[0]
		if id, ok := d.Default.(string); ok {
			opt, _ = d.Option(id)
		}
		return Choice(d.ID, opt.ItemID, children(opt.Children)...)
	case KindChoiceCollection:
		ids := make([]string, 0, items())
		for i := range min(items(), len(d.Options)) {
			ids = append(ids, d.Options[i].ItemID)
		}
		return Choices(d.ID, ids...)
	case KindInteger, KindIntegerCollection:
		v := int64(0)
		if n, ok := d.Default.(int64); ok {
			v = n
		} else if d.Min != nil {
			v = *d.Min
		}
		if d.Kind == KindInteger {
			return Integer(d.ID, v)
		}
		vs := make([]int64, items())
		for i := range vs {
			vs[i] = v
		}
		return Integers(d.ID, vs...)
	case KindString, KindSecret, KindStringCollection:
		s := "sample"
		if len(s) < d.MinLength {
			s += strings.Repeat("x", d.MinLength-len(s))
		}
		if d.MaxLength > 0 && len(s) > d.MaxLength {
			s = s[:d.MaxLength]
		}
		switch d.Kind {
		case KindSecret:
			return Secret(d.ID, s)
		case KindString:
			return String(d.ID, s)
		}
		vs := make([]string, items())
		for i := range vs {
			vs[i] = s + strconv.Itoa(i)
		}
		return Strings(d.ID, vs...)
	case KindGroup:
		return Group(d.ID, children(d.Children)...)
	case KindGroupCollection:
		its := make([]*GroupValue, items())
		for i := range its {
			its[i] = Item(children(d.Children)...)
		}
		return GroupCollection(d.ID, its...)
	}
	panic("unknown kind " + d.Kind)
}

// samplePolicy builds a valid policy from the first n settings of a
// template (all of them when n is 0).
func samplePolicy(t testing.TB, c *Catalog, tmpl *Template, n int) *Policy {
	t.Helper()
	settings := tmpl.Settings
	if n > 0 && n < len(settings) {
		settings = settings[:n]
	}
	insts := make([]*SettingInstance, len(settings))
	for i, s := range settings {
		insts[i] = sample(s.Definition)
	}
	p, err := NewPolicy(c, tmpl.ID, "every setting of "+tmpl.DisplayName, insts...)
	if err != nil {
		t.Fatalf("template %s: %v", tmpl.ID, err)
	}
	return p
}

// TestEveryTemplateRoundTrips builds, for every template of the built-in
// catalog, a policy that configures every setting (children included),
// and checks that it validates, encodes, decodes back to the same JSON,
// validates again, and is fully covered.
func TestEveryTemplateRoundTrips(t *testing.T) {
	c := Builtin()
	for _, tmpl := range c.Templates() {
		t.Run(tmpl.Platforms.String()+"/"+tmpl.DisplayName, func(t *testing.T) {
			p := samplePolicy(t, c, tmpl, 0)
			out, err := EncodeGraph(p)
			if err != nil {
				t.Fatal(err)
			}
			q, err := DecodeGraph(out)
			if err != nil {
				t.Fatal(err)
			}
			again, err := EncodeGraph(q)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(out) {
				t.Fatalf("round trip changed the JSON:\n%s\n%s", out, again)
			}
			if err := c.Validate(q); err != nil {
				t.Fatal(err)
			}
			if known, total := c.Coverage(q); known != total || total < len(tmpl.Settings) {
				t.Fatalf("coverage %d/%d for %d settings", known, total, len(tmpl.Settings))
			}
			if d := Deliverable(q, DeviceClass{Platform: map[Platforms]DevicePlatform{
				PlatformWindows10: DeviceWindows, PlatformMacOS: DeviceMacOS, PlatformLinux: DeviceLinux}[tmpl.Platforms]}, VariantCurrent); !d.Supported {
				t.Fatalf("not deliverable: %+v", d)
			}
		})
	}
}

// BenchmarkDecodeValidate decodes and validates a 30-setting antivirus
// policy in the portal's native export shape.
func BenchmarkDecodeValidate(b *testing.B) {
	c := Builtin()
	tmpl, _ := c.Template(avTemplate)
	p := samplePolicy(b, c, tmpl, 30)
	data, err := EncodeGraph(p)
	if err != nil {
		b.Fatal(err)
	}
	data = append(append([]byte{}, utf8BOM...), data...)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		q, err := DecodeGraph(data)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Validate(q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode encodes the same decoded policy.
func BenchmarkEncode(b *testing.B) {
	c := Builtin()
	tmpl, _ := c.Template(avTemplate)
	data, _ := EncodeGraph(samplePolicy(b, c, tmpl, 30))
	p, err := DecodeGraph(data)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeGraph(p); err != nil {
			b.Fatal(err)
		}
	}
}
