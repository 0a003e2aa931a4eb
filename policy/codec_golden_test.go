package policy

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var updateCodec = flag.Bool("update-codec", false, "rewrite testdata/codec/encode-golden.txt from the current codec")

const codecGoldenFile = "testdata/codec/encode-golden.txt"

// TestCodecGolden pins the exact bytes the codec writes. For every Graph
// fixture (the page, each policy, its assignments, each setting instance),
// for policies built from every template, for seeded random edits of all of
// these (changed, added, removed and invalid fields, at every level), and for
// seeded random corruptions of the fixture text (what the decoder reads or
// the error it gives), it records a digest of the output or of the error.
// The digests were written by the codec before it was rewritten for speed,
// so this is a byte-for-byte differential test against that encoder.
func TestCodecGolden(t *testing.T) {
	got := codecGoldenCases(t)
	if *updateCodec {
		var b bytes.Buffer
		for _, c := range got {
			fmt.Fprintf(&b, "%s\t%s\n", c.name, c.digest)
		}
		if err := os.MkdirAll(filepath.Dir(codecGoldenFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(codecGoldenFile, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(codecGoldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, digest, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("malformed golden line %q", sc.Text())
		}
		want[name] = digest
		order = append(order, name)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(order) {
		t.Errorf("%d cases, the golden file has %d", len(got), len(order))
	}
	bad := 0
	for _, c := range got {
		w, ok := want[c.name]
		switch {
		case !ok:
			t.Errorf("case %s is not in the golden file", c.name)
		case w != c.digest:
			bad++
			if bad <= 20 {
				t.Errorf("case %s: output changed (digest %s, want %s):\n%s", c.name, c.digest, w, c.out)
			}
		}
	}
	if bad > 20 {
		t.Errorf("... %d cases changed in all", bad)
	}
}

type goldenCase struct {
	name, digest string
	out          []byte
}

// codecGoldenCases produces every case of TestCodecGolden, in a fixed
// order.
func codecGoldenCases(t *testing.T) []goldenCase {
	var cases []goldenCase
	add := func(name string, out []byte, err error) {
		if err != nil {
			out = []byte("error: " + err.Error())
		}
		sum := sha256.Sum256(out)
		cases = append(cases, goldenCase{name: name, digest: hex.EncodeToString(sum[:12]), out: out})
	}
	// edits encodes n seeded random edits of copies of p, and with
	// instance the first setting instance of each.
	edits := func(name string, p *Policy, n int, instance bool) {
		for k := range n {
			q := p.Clone()
			mutatePolicy(newGoldenRand(name, k), q)
			out, err := EncodeGraph(q)
			add(fmt.Sprintf("%s/edit%d", name, k), out, err)
			if instance && len(q.Settings) > 0 && q.Settings[0] != nil && q.Settings[0].Instance != nil {
				out, err := q.Settings[0].Instance.MarshalJSON()
				add(fmt.Sprintf("%s/edit%d/settings[0]", name, k), out, err)
			}
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "graph", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		base := filepath.Base(file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		pg, err := DecodeGraphPage(data)
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		out, err := EncodeGraphPage(pg)
		add(base+"/page", out, err)
		for i, p := range pg.Policies {
			name := fmt.Sprintf("%s/%d", base, i)
			out, err := EncodeGraph(p)
			add(name, out, err)
			if p.Assignments != nil {
				out, err := EncodeAssignments(p.Assignments)
				add(name+"/assignments", out, err)
			}
			for j, s := range p.Settings {
				out, err := s.Instance.MarshalJSON()
				add(fmt.Sprintf("%s/settings[%d]", name, j), out, err)
			}
			edits(name, p, 12, true)
		}
		for k := range 16 {
			rng := newGoldenRand(base+"/corrupt", k)
			in := corruptJSON(rng, data)
			pg, err := DecodeGraphPage(in)
			name := fmt.Sprintf("%s/corrupt%d", base, k)
			if err != nil {
				add(name, nil, err)
				continue
			}
			out, err := EncodeGraphPage(pg)
			add(name, out, err)
		}
	}
	c := Builtin()
	for _, tmpl := range c.Templates() {
		name := "built/" + tmpl.ID
		p := samplePolicy(t, c, tmpl, 0)
		p.Assignments = []*Assignment{Include("g1"), Exclude("g2"), AllDevices()}
		out, err := EncodeGraph(p)
		add(name, out, err)
		edits(name, p, 6, false)
	}
	return cases
}

// goldenRand is splitmix64: a tiny generator whose sequence never changes,
// so that the golden file stays valid across Go releases.
type goldenRand struct{ s uint64 }

func newGoldenRand(name string, k int) *goldenRand {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", name, k)))
	var s uint64
	for _, b := range sum[:8] {
		s = s<<8 | uint64(b)
	}
	return &goldenRand{s}
}

func (r *goldenRand) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *goldenRand) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *goldenRand) chance(n int) bool { return r.intn(n) == 0 }

// goldenStrings are replacement texts, some of which need escaping or are
// not valid UTF-8.
var goldenStrings = []string{"", "x", "new value", `quote " and \ backslash`, "line\nbreak\ttab\x01",
	"<tag> & amp", "caf\u00e9 \U0001F600", "sep\u2028\u2029", "bad \xff utf8", "C:\\Temp\\*.log"}

func (r *goldenRand) str() string { return goldenStrings[r.intn(len(goldenStrings))] }

// mutatePolicy applies a few random edits through the exported API: the
// kind of change a program makes to a decoded or built policy, valid or
// not.
func mutatePolicy(r *goldenRand, p *Policy) {
	for n := 1 + r.intn(4); n > 0; n-- {
		switch r.intn(20) {
		case 0:
			p.Name = r.str()
		case 1:
			p.Description = r.str()
		case 2:
			p.ID = []string{"", "p-1", p.ID}[r.intn(3)]
		case 3:
			p.Platforms = []Platforms{0, PlatformWindows10, PlatformMacOS | PlatformLinux, p.Platforms, 1 << 20}[r.intn(5)]
		case 4:
			p.Technologies = []Technologies{0, TechnologyMDM | TechnologyMicrosoftSense, TechnologyMicrosoftSense, p.Technologies}[r.intn(4)]
		case 5:
			p.RoleScopeTagIDs = [][]string{nil, {}, {"0", "7"}, append(p.RoleScopeTagIDs, r.str())}[r.intn(4)]
		case 6:
			switch r.intn(4) {
			case 0:
				p.TemplateReference = TemplateReference{}
			case 1:
				p.TemplateReference.TemplateFamily = r.str()
			case 2:
				p.TemplateReference.TemplateDisplayName = r.str()
			default:
				p.TemplateReference.TemplateID = ""
			}
		case 7:
			at := []time.Time{{}, time.Date(2026, 5, 6, 7, 8, 9, 123, time.UTC), p.CreatedDateTime.In(time.FixedZone("x", 3600))}[r.intn(3)]
			if r.chance(2) {
				p.CreatedDateTime = at
			} else {
				p.LastModifiedDateTime = at
			}
		case 8:
			p.CreationSource = r.str()
			p.SettingCount = r.intn(3) - 1
		case 9:
			switch {
			case len(p.Settings) > 0 && r.chance(2):
				i := r.intn(len(p.Settings))
				p.Settings = append(p.Settings[:i:i], p.Settings[i+1:]...)
			case r.chance(3):
				p.Settings = nil
			default:
				p.Settings = append(p.Settings, &Setting{ID: r.str(), Instance: goldenInstance(r)})
			}
		case 10:
			if len(p.Settings) > 0 {
				s := p.Settings[r.intn(len(p.Settings))]
				if s != nil {
					switch r.intn(4) {
					case 0:
						s.ID = r.str()
					case 1:
						s.Instance = nil
					default:
						s.Instance = goldenInstance(r)
					}
				}
			}
		case 11:
			switch {
			case r.chance(4):
				p.Assignments = nil
			case r.chance(3):
				p.Assignments = []*Assignment{}
			default:
				p.Assignments = append(p.Assignments, []*Assignment{Include(r.str()), Exclude("g"), AllDevices(), nil}[r.intn(4)])
			}
		case 12:
			if len(p.Assignments) > 0 {
				mutateAssignment(r, p.Assignments[r.intn(len(p.Assignments))])
			}
		case 13:
			if len(p.Settings) > 0 && r.chance(8) {
				p.Settings[r.intn(len(p.Settings))] = nil
			}
		default:
			var all []*SettingInstance
			p.Walk(func(s *SettingInstance) bool { all = append(all, s); return true })
			if len(all) > 0 {
				mutateInstance(r, all[r.intn(len(all))])
			}
		}
	}
}

var goldenKinds = []InstanceKind{InstanceChoice, InstanceChoiceCollection, InstanceSimple, InstanceSimpleCollection,
	InstanceGroup, InstanceGroupCollection, InstanceSettingGroup, InstanceSettingGroupCollection}

func goldenInstance(r *goldenRand) *SettingInstance {
	switch r.intn(7) {
	case 0:
		return Choice("c_"+r.str(), "c_1", Integer("c_n", int64(r.intn(100))))
	case 1:
		return Strings("l", r.str(), r.str())
	case 2:
		return Secret("s", r.str())
	case 3:
		return GroupCollection("gc", Item(Reference("r", r.str(), r.str())), Item())
	case 4:
		return Choices("cc", "cc_1", "cc_2")
	case 5:
		return &SettingInstance{Kind: goldenKinds[r.intn(len(goldenKinds))], DefinitionID: "bare"}
	}
	return nil
}

func goldenValueRef(r *goldenRand) *ValueTemplateReference {
	if r.chance(2) {
		return nil
	}
	return &ValueTemplateReference{ValueTemplateID: r.str(), UseTemplateDefault: r.chance(2)}
}

func mutateInstance(r *goldenRand, s *SettingInstance) {
	switch r.intn(16) {
	case 0:
		s.DefinitionID = r.str()
	case 1:
		s.Kind = goldenKinds[r.intn(len(goldenKinds))]
	case 2:
		s.Kind = "bogus"
	case 3:
		if r.chance(2) {
			s.TemplateReference = nil
		} else if s.TemplateReference != nil {
			s.TemplateReference.InstanceTemplateID = r.str()
		} else {
			s.TemplateReference = &InstanceTemplateReference{InstanceTemplateID: r.str()}
		}
	case 4:
		if s.Choice != nil {
			s.Choice.ItemID = r.str()
		}
	case 5:
		if s.Choice != nil {
			switch r.intn(3) {
			case 0:
				s.Choice.Children = nil
			case 1:
				s.Choice.Children = append(s.Choice.Children, goldenInstance(r))
			default:
				if len(s.Choice.Children) > 0 {
					s.Choice.Children = s.Choice.Children[1:]
				}
			}
		}
	case 6:
		if s.Choice != nil {
			if s.Choice.TemplateReference != nil && r.chance(2) {
				s.Choice.TemplateReference.UseTemplateDefault = !s.Choice.TemplateReference.UseTemplateDefault
			} else {
				s.Choice.TemplateReference = goldenValueRef(r)
			}
		}
	case 7:
		if s.Simple != nil {
			mutateSimple(r, s.Simple)
		}
	case 8:
		if len(s.Simples) > 0 {
			mutateSimple(r, s.Simples[r.intn(len(s.Simples))])
		}
	case 9:
		switch r.intn(4) {
		case 0:
			s.Simples = append(s.Simples, &SimpleValue{Type: ValueString, Text: r.str()})
		case 1:
			s.Choices = append(s.Choices, &ChoiceValue{ItemID: r.str()})
		case 2:
			s.Groups = append(s.Groups, Item(Integer("n", 3)))
		default:
			if len(s.Groups) > 0 {
				s.Groups[r.intn(len(s.Groups))] = nil
			}
		}
	case 10:
		for _, g := range s.GroupItems() {
			if g != nil && r.chance(2) {
				g.Children = append(g.Children, goldenInstance(r))
				g.TemplateReference = goldenValueRef(r)
			}
		}
	case 11:
		s.Simple, s.Choice, s.Group = nil, nil, nil
	case 12:
		s.Simples, s.Choices, s.Groups = nil, nil, nil
	default:
		if s.Simple != nil {
			s.Simple.TemplateReference = goldenValueRef(r)
		}
		if len(s.Choices) > 0 && s.Choices[0] != nil {
			s.Choices[0].ItemID = r.str()
		}
	}
}

func mutateSimple(r *goldenRand, v *SimpleValue) {
	if v == nil {
		return
	}
	switch r.intn(7) {
	case 0:
		v.Type = []ValueType{ValueInteger, ValueString, ValueSecret, ValueReference, "float"}[r.intn(5)]
	case 1:
		v.Integer = int64(r.intn(5)) - 2
	case 2:
		v.Text = r.str()
	case 3:
		v.State = []SecretState{"", SecretNotEncrypted, SecretEncryptedValueToken, "hidden"}[r.intn(4)]
	case 4:
		v.Note = r.str()
	case 5:
		v.TemplateReference = goldenValueRef(r)
	default:
		v.Integer, v.Text = 0, ""
	}
}

func mutateAssignment(r *goldenRand, a *Assignment) {
	if a == nil {
		return
	}
	switch r.intn(8) {
	case 0:
		a.ID = r.str()
	case 1:
		a.Target.Kind = []TargetKind{TargetGroup, TargetExclusionGroup, TargetAllDevices, TargetAllLicensedUsers,
			TargetConfigurationManagerCollection, "everyone"}[r.intn(6)]
	case 2:
		a.Target.GroupID = r.str()
	case 3:
		a.Target.CollectionID = r.str()
	case 4:
		a.Target.FilterID = r.str()
		a.Target.FilterType = []FilterType{"", FilterInclude, FilterExclude, FilterNone, "maybe"}[r.intn(5)]
	case 5:
		a.Source = []AssignmentSource{"", SourceDirect, SourcePolicySets, "inherited"}[r.intn(4)]
	case 6:
		a.SourceID = r.str()
	default:
		a.Target = Target{}
	}
}

// goldenTokens replace a string token of a fixture when it is corrupted.
var goldenTokens = []string{`null`, `5`, `-0`, `1.5e3`, `"other"`, `[]`, `{}`, `true`, `"\u00e9\/"`, `[1,{"a":null}]`,
	`"#microsoft.graph.deviceManagementConfigurationFloatSettingInstance"`, `"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance"`,
	`"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance"`, `"#microsoft.graph.allDevicesAssignmentTarget"`,
	`"2025-01-02T03:04:05Z"`, `"mdm"`, `"windows10,linux"`, "\"\xff\"", `{"x":[{"y":"z"}]}`}

// corruptJSON returns data with a few random changes: a string token
// replaced by another token, or bytes deleted, inserted or duplicated.
func corruptJSON(r *goldenRand, data []byte) []byte {
	out := bytes.Clone(data)
	for n := 1 + r.intn(3); n > 0; n-- {
		if len(out) == 0 {
			break
		}
		i := r.intn(len(out))
		switch r.intn(6) {
		case 0:
			out = append(out[:i:i], out[min(len(out), i+1+r.intn(8)):]...)
		case 1:
			out = append(out[:i:i], append([]byte(goldenTokens[r.intn(len(goldenTokens))]), out[i:]...)...)
		default:
			q := bytes.IndexByte(out[i:], '"')
			if q < 0 {
				continue
			}
			start := i + q
			end := start + 1
			for end < len(out) && out[end] != '"' {
				if out[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(out) {
				continue
			}
			tok := goldenTokens[r.intn(len(goldenTokens))]
			out = append(out[:start:start], append([]byte(tok), out[end+1:]...)...)
		}
	}
	return out
}

// TestCodecGoldenCasesAreVaried checks that the generated cases reach what
// they are meant to: invalid edits that fail, corruptions that still decode,
// and outputs that are JSON.
func TestCodecGoldenCasesAreVaried(t *testing.T) {
	var encodeErrs, decodeErrs, decoded, edits int
	for _, c := range codecGoldenCases(t) {
		isErr := bytes.HasPrefix(c.out, []byte("error: "))
		switch {
		case strings.Contains(c.name, "/corrupt"):
			if isErr {
				decodeErrs++
			} else {
				decoded++
			}
		case strings.Contains(c.name, "/edit"):
			edits++
			if isErr {
				encodeErrs++
			}
		}
		if !isErr && !json.Valid(c.out) {
			t.Errorf("%s: output is not JSON: %s", c.name, c.out)
		}
	}
	t.Logf("%d edits (%d fail to encode), %d corruptions decode, %d do not", edits, encodeErrs, decoded, decodeErrs)
	if encodeErrs == 0 || encodeErrs*2 > edits || decodeErrs == 0 || decoded == 0 {
		t.Errorf("cases are not varied enough")
	}
	var ee *EncodeError
	if _, err := EncodeGraph(&Policy{Settings: []*Setting{nil}}); !errors.As(err, &ee) {
		t.Errorf("a nil setting must be an *EncodeError: %v", err)
	}
}
