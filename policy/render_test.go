package policy

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/render")

// renderFor renders settings for the platform of the policy they came from
// and returns the output and the golden file's extension.
func renderFor(p Platforms, settings []*SettingInstance) ([]byte, string, error) {
	switch {
	case p.Has(PlatformLinux):
		out, err := RenderLinux(nil, settings)
		return out, ".json", err
	case p.Has(PlatformMacOS):
		out, err := RenderMacOS(nil, settings)
		return out, ".plist", err
	default:
		ops, err := RenderWindows(nil, settings)
		if err != nil {
			return nil, "", err
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(ops)
		return b.Bytes(), ".csp.json", err
	}
}

func instances(p *Policy) []*SettingInstance {
	out := make([]*SettingInstance, len(p.Settings))
	for i, s := range p.Settings {
		out[i] = s.Instance
	}
	return out
}

// golden compares out with the golden file, or rewrites it with -update.
func golden(t *testing.T, name string, out []byte) {
	t.Helper()
	file := filepath.Join("testdata", "render", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(out, want) {
		t.Fatalf("%s differs from the golden file (run with -update after checking):\n%s", name, out)
	}
}

// TestRenderGolden renders every fixture policy of testdata/graph for its
// platform, and the union of each platform's full fixtures (the first
// instance of each setting), against golden files.
func TestRenderGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "graph", "*.json"))
	union := map[Platforms][]*SettingInstance{}
	seen := map[string]bool{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := DecodeGraphList(data)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range ps {
			name := strings.TrimSuffix(filepath.Base(file), ".json")
			if len(ps) > 1 {
				name += "-" + strconv.Itoa(i)
			}
			t.Run(name, func(t *testing.T) {
				out, ext, err := renderFor(p.Platforms, instances(p))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, name+ext, out)
			})
			if strings.HasSuffix(file, "-full.json") {
				for _, s := range instances(p) {
					if !seen[s.DefinitionID] {
						seen[s.DefinitionID] = true
						union[p.Platforms] = append(union[p.Platforms], s)
					}
				}
			}
		}
	}
	for p, name := range map[Platforms]string{PlatformLinux: "linux-all", PlatformMacOS: "macos-all", PlatformWindows10: "windows-all"} {
		t.Run(name, func(t *testing.T) {
			if len(union[p]) < 10 {
				t.Fatalf("only %d settings", len(union[p]))
			}
			out, ext, err := renderFor(p, union[p])
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+ext, out)
		})
	}
}

// TestRenderEveryTemplate renders a sample of every setting of every
// template of the built-in catalog: every setting has a place on its
// platform's device.
func TestRenderEveryTemplate(t *testing.T) {
	c := Builtin()
	for _, tmpl := range c.Templates() {
		t.Run(tmpl.Platforms.String()+"/"+tmpl.DisplayName, func(t *testing.T) {
			p := samplePolicy(t, c, tmpl, 0)
			out, _, err := renderFor(tmpl.Platforms, instances(p))
			if err != nil {
				t.Fatal(err)
			}
			if len(out) < 10 {
				t.Fatalf("nothing rendered: %s", out)
			}
		})
	}
}

func linuxJSON(t *testing.T, settings ...*SettingInstance) map[string]any {
	t.Helper()
	out, err := RenderLinux(nil, settings)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return m
}

const linux = "linux_mdatp_managed_"

func TestRenderLinuxValues(t *testing.T) {
	excl := linux + "antivirusengine_exclusions"
	m := linuxJSON(t,
		Choice(linux+"cloudservice_enabled", linux+"cloudservice_enabled_false"),
		Choice(linux+"antivirusengine_enforcementlevel", linux+"antivirusengine_enforcementlevel_0"),
		Integer(linux+"antivirusengine_scanhistorymaximumitems", 12000),
		Strings(linux+"antivirusengine_disallowedthreatactions", "allow", "restore"),
		GroupCollection(excl,
			Item(Choice(excl+"_item_$type", excl+"_item_$type_0",
				String(excl+"_item_path", "/opt/a \"b\"\\c"), Choice(excl+"_item_isdirectory", excl+"_item_isdirectory_true"))),
			Item(Choice(excl+"_item_$type", excl+"_item_$type_1", String(excl+"_item_extension", ".log")))),
		GroupCollection(linux+"edr_tags", Item(Choice(linux+"edr_tags_item_key", linux+"edr_tags_item_key_0"), String(linux+"edr_tags_item_value", "EU <&>"))),
	)
	want := map[string]any{
		"cloudService": map[string]any{"enabled": false},
		"antivirusEngine": map[string]any{
			"enforcementLevel":        "real_time",
			"scanHistoryMaximumItems": json.Number("12000"),
			"disallowedThreatActions": []any{"allow", "restore"},
			"exclusions": []any{
				map[string]any{"$type": "excludedPath", "path": "/opt/a \"b\"\\c", "isDirectory": true},
				map[string]any{"$type": "excludedFileExtension", "extension": ".log"},
			},
		},
		"edr": map[string]any{"tags": []any{map[string]any{"key": "GROUP", "value": "EU <&>"}}},
	}
	if d := jsonDiff("$", want, m); d != "" {
		t.Fatalf("differs at %s: %v", d, m)
	}
}

func TestRenderLinuxIsSortedAndDeterministic(t *testing.T) {
	a := Choice(linux+"cloudservice_enabled", linux+"cloudservice_enabled_true")
	b := Integer(linux+"antivirusengine_scanresultsretentiondays", 30)
	c := Choice(linux+"networkprotection_enforcementlevel", linux+"networkprotection_enforcementlevel_2")
	first, err := RenderLinux(Builtin(), []*SettingInstance{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	second, _ := RenderLinux(nil, []*SettingInstance{c, a, b})
	if !bytes.Equal(first, second) {
		t.Fatalf("order of the input changed the output:\n%s\n%s", first, second)
	}
	want := "{\n  \"antivirusEngine\": {\n    \"scanResultsRetentionDays\": 30\n  },\n  \"cloudService\": {\n    \"enabled\": true\n  },\n  \"networkProtection\": {\n    \"enforcementLevel\": \"block\"\n  }\n}\n"
	if string(first) != want {
		t.Fatalf("got\n%s\nwant\n%s", first, want)
	}
	empty, err := RenderLinux(nil, nil)
	if err != nil || string(empty) != "{}\n" {
		t.Fatalf("empty: %q %v", empty, err)
	}
}

// plistValue parses a property list into the values encoding/json would
// give for the same tree (numbers as json.Number).
func plistValue(t *testing.T, data []byte) any {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var parse func(start xml.StartElement) (any, error)
	text := func() (string, error) {
		var b strings.Builder
		for {
			tok, err := dec.Token()
			if err != nil {
				return "", err
			}
			switch x := tok.(type) {
			case xml.CharData:
				b.Write(x)
			case xml.EndElement:
				return b.String(), nil
			default:
				return "", fmt.Errorf("unexpected %T in text", tok)
			}
		}
	}
	next := func() (xml.Token, error) {
		for {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) == 0 {
				continue
			}
			return tok, nil
		}
	}
	parse = func(start xml.StartElement) (any, error) {
		switch start.Name.Local {
		case "dict":
			m := map[string]any{}
			for {
				tok, err := next()
				if err != nil {
					return nil, err
				}
				if _, end := tok.(xml.EndElement); end {
					return m, nil
				}
				k, err := text()
				if err != nil {
					return nil, err
				}
				tok, err = next()
				if err != nil {
					return nil, err
				}
				v, err := parse(tok.(xml.StartElement))
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
		case "array":
			a := []any{}
			for {
				tok, err := next()
				if err != nil {
					return nil, err
				}
				if _, end := tok.(xml.EndElement); end {
					return a, nil
				}
				v, err := parse(tok.(xml.StartElement))
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
		case "string":
			return text()
		case "integer":
			s, err := text()
			return json.Number(s), err
		case "true", "false":
			_, err := next()
			return start.Name.Local == "true", err
		}
		return nil, fmt.Errorf("unexpected element %s", start.Name.Local)
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("bad plist: %v\n%s", err, data)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "plist" {
			tok, err := next()
			if err != nil {
				t.Fatal(err)
			}
			v, err := parse(tok.(xml.StartElement))
			if err != nil {
				t.Fatalf("bad plist: %v\n%s", err, data)
			}
			if _, err := next(); err != nil { // </plist>
				t.Fatal(err)
			}
			if tok, err := next(); err != io.EOF {
				t.Fatalf("trailing %v %v", tok, err)
			}
			return v
		}
	}
}

// TestRenderPlistMatchesJSON writes the same trees as JSON and as a
// property list, parses both with the standard library, and compares: the
// plist encoder and the JSON writer agree on every macOS and Linux fixture
// and on hostile text.
func TestRenderPlistMatchesJSON(t *testing.T) {
	var cases [][]*SettingInstance
	files, _ := filepath.Glob(filepath.Join("testdata", "graph", "*.json"))
	for _, file := range files {
		data, _ := os.ReadFile(file)
		ps, err := DecodeGraphList(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Platforms.Has(PlatformMacOS) {
				cases = append(cases, instances(p))
			}
		}
	}
	mac := "com.apple.managedclient.preferences_"
	cases = append(cases, []*SettingInstance{
		Strings(mac+"allowedthreats", "a<b", "c&d", "]]>", "tab\tnew\nline\rcr", "é 😀", ""),
		GroupCollection(mac+"tags", Item(Choice(mac+"tags_item_key", mac+"tags_item_key_0"), String(mac+"tags_item_value", "x"))),
	})
	for i, settings := range cases {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			r := newRenderer(nil, targetMacOS, PlatformMacOS)
			root := r.prefs(settings)
			if err := r.err(); err != nil {
				t.Fatal(err)
			}
			asJSON, err := genericJSON(appendJSONNode(nil, root, 0))
			if err != nil {
				t.Fatal(err)
			}
			plist, err := RenderMacOS(nil, settings)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(plist, []byte(plistHeader)) || !bytes.HasSuffix(plist, []byte("</plist>\n")) {
				t.Fatalf("not a property list document:\n%s", plist)
			}
			if d := jsonDiff("$", asJSON, plistValue(t, plist)); d != "" {
				t.Fatalf("plist and JSON differ at %s\n%s", d, plist)
			}
		})
	}
	empty, err := RenderMacOS(nil, nil)
	if err != nil || !bytes.Contains(empty, []byte("<dict/>")) {
		t.Fatalf("empty: %s %v", empty, err)
	}
}

func TestRenderMacOSEscapes(t *testing.T) {
	mac := "com.apple.managedclient.preferences_"
	out, err := RenderMacOS(nil, []*SettingInstance{Strings(mac+"allowedthreats", "<a & b>")})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte("<string>&lt;a &amp; b&gt;</string>")) {
		t.Fatalf("not escaped:\n%s", out)
	}
	if !bytes.Contains(out, []byte("\t<key>antivirusEngine</key>\n\t<dict>\n\t\t<key>allowedThreats</key>\n\t\t<array>")) {
		t.Fatalf("layout:\n%s", out)
	}
}

func cspOps(t *testing.T, settings ...*SettingInstance) map[string]CSPOperation {
	t.Helper()
	ops, err := RenderWindows(nil, settings)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]CSPOperation{}
	for _, o := range ops {
		if _, dup := m[o.URI]; dup {
			t.Fatalf("URI twice: %s", o.URI)
		}
		if !o.Format.Valid() {
			t.Fatalf("bad format %q", o.Format)
		}
		m[o.URI] = o
	}
	return m
}

const (
	policyDefender = "./Device/Vendor/MSFT/Policy/Config/Defender/"
	fwRules        = "vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}"
)

func TestRenderWindowsValues(t *testing.T) {
	tsda := def + "threatseveritydefaultaction"
	rule := func(name, state string, children ...*SettingInstance) *SettingInstance {
		return Choice(asr+"_"+name, asr+"_"+name+"_"+state, children...)
	}
	ops := cspOps(t,
		Choice(def+"allowrealtimemonitoring", def+"allowrealtimemonitoring_0"),
		Integer(def+"avgcpuloadfactor", 30),
		Strings(def+"excludedpaths", `C:\Temp`, `D:\Builds`),
		Strings(def+"excludedextensions", "lib", "obj"),
		Choice("vendor_msft_firewall_mdmstore_domainprofile_enablefirewall", "vendor_msft_firewall_mdmstore_domainprofile_enablefirewall_true",
			Choice(fwDomain+"defaultinboundaction", fwDomain+"defaultinboundaction_1"),
			String(fwDomain+"logfilepath", `%SystemRoot%\fw.log`)),
		Choices("vendor_msft_firewall_mdmstore_global_ipsecexempt", "vendor_msft_firewall_mdmstore_global_ipsecexempt_1", "vendor_msft_firewall_mdmstore_global_ipsecexempt_8"),
		Strings("device_vendor_msft_policy_config_networklistmanager_allowedtlsauthenticationendpoints", "https://a.example", "https://b.example"),
		GroupCollection(asr, Item(
			rule("blockwin32apicallsfromofficemacros", "block", Strings(asr+"_blockwin32apicallsfromofficemacros_perruleexclusions", `C:\a.exe`, `C:\b`)),
			rule("blockadobereaderfromcreatingchildprocesses", "warn"),
			rule("blockpersistencethroughwmieventsubscription", "off"),
			rule("blockcredentialstealingfromwindowslocalsecurityauthoritysubsystem", "audit", Strings(asr+"_blockcredentialstealingfromwindowslocalsecurityauthoritysubsystem_perruleexclusions", `C:\lsa.exe`)),
		)),
		GroupCollection(tsda, Item(
			Choice(tsda+"_severethreats", tsda+"_severethreats_remove"),
			Choice(tsda+"_lowseveritythreats", tsda+"_lowseveritythreats_clean"),
		)),
		Choice(edrPrefix+"configurationtype", edrPrefix+"configurationtype_onboard", Secret(edrPrefix+"onboarding", "BLOB")),
	)
	want := map[string]CSPOperation{
		policyDefender + "AllowRealtimeMonitoring":                                                {Format: CSPInt, Value: "0"},
		policyDefender + "AvgCPULoadFactor":                                                       {Format: CSPInt, Value: "30"},
		policyDefender + "ExcludedPaths":                                                          {Format: CSPChr, Value: `C:\Temp|D:\Builds`},
		policyDefender + "ExcludedExtensions":                                                     {Format: CSPChr, Value: "lib|obj"},
		"./Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall":                            {Format: CSPBool, Value: "true"},
		"./Vendor/MSFT/Firewall/MdmStore/DomainProfile/DefaultInboundAction":                      {Format: CSPInt, Value: "1"},
		"./Vendor/MSFT/Firewall/MdmStore/DomainProfile/LogFilePath":                               {Format: CSPChr, Value: `%SystemRoot%\fw.log`},
		"./Vendor/MSFT/Firewall/MdmStore/Global/IPsecExempt":                                      {Format: CSPInt, Value: "9"},
		"./Device/Vendor/MSFT/Policy/Config/NetworkListManager/AllowedTlsAuthenticationEndpoints": {Format: CSPChr, Value: "https://a.example\uF000https://b.example"},
		policyDefender + "AttackSurfaceReductionRules": {Format: CSPChr,
			Value: "7674ba52-37eb-4a4f-a9a1-f0f9a1619a2c=6|92e97fa1-2edf-4476-bdd6-9dd0b4dddc7b=1|9e6c4e1f-7d60-472f-ba1a-a39ef669e4b2=2|e6db77e5-3df2-4cf1-b95a-636979351e5b=0"},
		"./Vendor/MSFT/Defender/Configuration/ASROnlyPerRuleExclusions": {Format: CSPChr,
			Value: `92e97fa1-2edf-4476-bdd6-9dd0b4dddc7b=C:\a.exe>C:\b|9e6c4e1f-7d60-472f-ba1a-a39ef669e4b2=C:\lsa.exe`},
		policyDefender + "ThreatSeverityDefaultAction":                    {Format: CSPChr, Value: "1=1|5=3"},
		"./Device/Vendor/MSFT/WindowsAdvancedThreatProtection/Onboarding": {Format: CSPChr, Value: "BLOB"},
	}
	for uri, w := range want {
		got, ok := ops[uri]
		if !ok {
			t.Errorf("missing %s", uri)
			continue
		}
		if got.Format != w.Format || got.Value != w.Value {
			t.Errorf("%s = %s %q, want %s %q", uri, got.Format, got.Value, w.Format, w.Value)
		}
	}
	if len(ops) != len(want) {
		t.Errorf("%d operations, want %d: %v", len(ops), len(want), ops)
	}
	if o := ops[policyDefender+"AttackSurfaceReductionRules"]; o.DefinitionID != asr {
		t.Errorf("ASR operation comes from %q", o.DefinitionID)
	}
}

func TestRenderWindowsOrderParentsFirst(t *testing.T) {
	ops, err := RenderWindows(nil, []*SettingInstance{
		Integer(def+"avgcpuloadfactor", 30),
		Choice("vendor_msft_firewall_mdmstore_domainprofile_enablefirewall", "vendor_msft_firewall_mdmstore_domainprofile_enablefirewall_true",
			Choice(fwDomain+"defaultinboundaction", fwDomain+"defaultinboundaction_1")),
		Choice(def+"allowrealtimemonitoring", def+"allowrealtimemonitoring_1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range ops {
		got = append(got, o.URI[strings.LastIndexByte(o.URI, '/')+1:])
	}
	want := []string{"AvgCPULoadFactor", "EnableFirewall", "DefaultInboundAction", "AllowRealtimeMonitoring"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

func TestRenderWindowsFirewallRuleNodes(t *testing.T) {
	item := func(name string) *GroupValue {
		children := []*SettingInstance{Choice(fwRules+"_direction", fwRules+"_direction_out")}
		if name != "" {
			children = append(children, String(fwRules+"_name", name))
		}
		return Item(children...)
	}
	ops, err := RenderWindows(nil, []*SettingInstance{GroupCollection(fwRules,
		item("Allow web (443)"), item("Allow-web 443"), item(""), item("Ünïcode only"), item("!!!"))})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, o := range ops {
		if strings.HasSuffix(o.URI, "/Direction") {
			nodes = append(nodes, strings.TrimSuffix(strings.TrimPrefix(o.URI, "./Vendor/MSFT/Firewall/MdmStore/FirewallRules/"), "/Direction"))
		}
	}
	want := []string{"Allowweb443", "Allowweb4432", "FirewallRule", "ncodeonly", "FirewallRule2"}
	if !slices.Equal(nodes, want) {
		t.Fatalf("nodes %v, want %v", nodes, want)
	}
	for _, o := range ops {
		if strings.Contains(o.URI, "{") {
			t.Errorf("placeholder left in %s", o.URI)
		}
	}
}

// TestRenderProblems checks every problem class on every target, and that
// all problems are listed at once and nothing is returned.
func TestRenderProblems(t *testing.T) {
	mac := "com.apple.managedclient.preferences_"
	excl := linux + "antivirusengine_exclusions"
	noLoc := &Definition{ID: "custom_nowhere", Kind: KindInteger, Platforms: PlatformLinux | PlatformMacOS | PlatformWindows10}
	custom, err := Builtin().With([]*Definition{noLoc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	type render func(*Catalog, []*SettingInstance) error
	linuxR := func(c *Catalog, s []*SettingInstance) error { _, err := RenderLinux(c, s); return err }
	macR := func(c *Catalog, s []*SettingInstance) error { _, err := RenderMacOS(c, s); return err }
	winR := func(c *Catalog, s []*SettingInstance) error { _, err := RenderWindows(c, s); return err }
	cases := []struct {
		name     string
		render   render
		settings []*SettingInstance
		reason   RenderReason
		path     string
	}{
		{"nil setting", linuxR, []*SettingInstance{nil}, RenderMissingValue, "settings[0]"},
		{"unknown", linuxR, []*SettingInstance{Integer("nope", 1)}, RenderUnknownSetting, "settings[0]"},
		{"windows setting on linux", linuxR, []*SettingInstance{Integer(def+"avgcpuloadfactor", 1)}, RenderWrongPlatform, "settings[0]"},
		{"linux setting on windows", winR, []*SettingInstance{Integer(linux+"antivirusengine_scanhistorymaximumitems", 1)}, RenderWrongPlatform, "settings[0]"},
		{"wrong kind", linuxR, []*SettingInstance{Integer(linux+"cloudservice_enabled", 1)}, RenderWrongKind, "settings[0]"},
		{"string for integer", winR, []*SettingInstance{{Kind: InstanceSimple, DefinitionID: def + "avgcpuloadfactor", Simple: &SimpleValue{Type: ValueString, Text: "1"}}}, RenderWrongKind, "settings[0].simpleSettingValue"},
		{"no value", macR, []*SettingInstance{{Kind: InstanceChoice, DefinitionID: mac + "enabled"}}, RenderMissingValue, "settings[0]"},
		{"no option", linuxR, []*SettingInstance{Choice(linux+"cloudservice_enabled", "")}, RenderMissingValue, "settings[0].choiceSettingValue"},
		{"unknown option", winR, []*SettingInstance{Choice(def+"allowrealtimemonitoring", def+"allowrealtimemonitoring_7")}, RenderUnknownOption, "settings[0].choiceSettingValue"},
		{"child at top level", linuxR, []*SettingInstance{String(excl+"_item_path", "/x")}, RenderMisplaced, "settings[0]"},
		{"child under the wrong option", linuxR, []*SettingInstance{GroupCollection(excl, Item(Choice(excl+"_item_$type", excl+"_item_$type_1", String(excl+"_item_path", "/x"))))},
			RenderMisplaced, "settings[0].groupSettingCollectionValue[0].children[0].choiceSettingValue.children[0]"},
		{"unknown child", winR, []*SettingInstance{GroupCollection(asr, Item(Choice("nope", "nope_1")))}, RenderUnknownSetting, "settings[0].groupSettingCollectionValue[0].children[0]"},
		{"nil item", linuxR, []*SettingInstance{GroupCollection(excl, nil)}, RenderMissingValue, "settings[0].groupSettingCollectionValue[0]"},
		{"no location linux", linuxR, []*SettingInstance{Integer("custom_nowhere", 1)}, RenderNoLocation, "settings[0].simpleSettingValue"},
		{"no location windows", winR, []*SettingInstance{Integer("custom_nowhere", 1)}, RenderNoLocation, "settings[0].simpleSettingValue"},
		{"same setting twice", linuxR, []*SettingInstance{Integer(linux+"antivirusengine_scanhistorymaximumitems", 1), Integer(linux+"antivirusengine_scanhistorymaximumitems", 2)}, RenderDuplicate, "settings[1].simpleSettingValue"},
		{"same URI twice", winR, []*SettingInstance{Integer(def+"avgcpuloadfactor", 1), Integer(def+"avgcpuloadfactor", 2)}, RenderDuplicate, "settings[1].simpleSettingValue"},
		{"same ASR rule twice", winR, []*SettingInstance{GroupCollection(asr,
			Item(Choice(asr+"_blockwin32apicallsfromofficemacros", asr+"_blockwin32apicallsfromofficemacros_block")),
			Item(Choice(asr+"_blockwin32apicallsfromofficemacros", asr+"_blockwin32apicallsfromofficemacros_audit")))},
			RenderDuplicate, "settings[0].groupSettingCollectionValue[1].children[0].choiceSettingValue"},
		{"invalid UTF-8", linuxR, []*SettingInstance{Strings(linux+"antivirusengine_allowedthreats", "ok", "bad\xff")}, RenderInvalidText, "settings[0].simpleSettingCollectionValue[1]"},
		{"control character in plist", macR, []*SettingInstance{Strings(mac+"allowedthreats", "bell\a")}, RenderInvalidText, "settings[0].simpleSettingCollectionValue[0]"},
		{"separator in a CSP list", winR, []*SettingInstance{Strings(def+"excludedpaths", `C:\a|b`)}, RenderInvalidText, "settings[0].simpleSettingCollectionValue[0]"},
		{"separator in a per-rule exclusion", winR, []*SettingInstance{GroupCollection(asr, Item(Choice(asr+"_blockwin32apicallsfromofficemacros", asr+"_blockwin32apicallsfromofficemacros_block",
			Strings(asr+"_blockwin32apicallsfromofficemacros_perruleexclusions", `C:\a>b`))))},
			RenderInvalidText, "settings[0].groupSettingCollectionValue[0].children[0].choiceSettingValue.children[0].simpleSettingCollectionValue[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.render(custom, c.settings)
			var re *RenderError
			if !errors.As(err, &re) {
				t.Fatalf("want a *RenderError, got %v", err)
			}
			p := re.Problems[0]
			if p.Reason != c.reason || p.Path != c.path || !p.Reason.Valid() {
				t.Fatalf("got %s, want %s at %s", p, c.reason, c.path)
			}
			if !strings.Contains(err.Error(), string(c.reason)) || !strings.HasPrefix(err.Error(), "policy: render ") {
				t.Errorf("message: %v", err)
			}
		})
	}

	// Every problem at once, with the index of its top-level setting.
	out, err := RenderLinux(nil, []*SettingInstance{
		Integer(linux+"antivirusengine_scanhistorymaximumitems", 1), Integer("nope", 1), Choice(linux+"cloudservice_enabled", "x"),
	})
	var re *RenderError
	if out != nil || !errors.As(err, &re) || len(re.Problems) != 2 || re.Problems[0].Index != 1 || re.Problems[1].Index != 2 || re.Target != "mdatp_managed.json" {
		t.Fatalf("out=%q err=%v", out, err)
	}
	if RenderReason("bogus").Valid() || RenderDuplicate.String() != "duplicate" {
		t.Error("RenderReason Valid/String")
	}
	if CSPFormat("b64").Valid() || CSPChr.String() != "chr" {
		t.Error("CSPFormat Valid/String")
	}
}

// FuzzRenderers reads a JSON list of setting instances and renders it for
// every platform: never a panic, and whatever renders is well formed.
func FuzzRenderers(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "graph", "*-native.json"))
	for _, file := range files {
		data, _ := os.ReadFile(file)
		p, err := DecodeGraph(data)
		if err != nil {
			continue
		}
		list, _ := json.Marshal(instances(p))
		f.Add(list)
	}
	f.Add([]byte(`[null]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var settings []*SettingInstance
		if err := json.Unmarshal(data, &settings); err != nil {
			return
		}
		if out, err := RenderLinux(nil, settings); err == nil && !json.Valid(out) {
			t.Fatalf("invalid JSON:\n%s", out)
		}
		if out, err := RenderMacOS(nil, settings); err == nil {
			dec := xml.NewDecoder(bytes.NewReader(out))
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("invalid XML: %v\n%s", err, out)
				}
			}
		}
		if ops, err := RenderWindows(nil, settings); err == nil {
			for _, o := range ops {
				if !o.Format.Valid() || !strings.HasPrefix(o.URI, "./") {
					t.Fatalf("bad operation %+v", o)
				}
				if _, err := strconv.ParseInt(o.Value, 10, 64); o.Format == CSPInt && err != nil {
					t.Fatalf("int operation with %q", o.Value)
				}
			}
		}
	})
}

func BenchmarkRenderLinux(b *testing.B)   { benchRender(b, PlatformLinux) }
func BenchmarkRenderMacOS(b *testing.B)   { benchRender(b, PlatformMacOS) }
func BenchmarkRenderWindows(b *testing.B) { benchRender(b, PlatformWindows10) }

// benchRender renders a sample of every setting of the platform's
// antivirus template.
func benchRender(b *testing.B, p Platforms) {
	c := Builtin()
	var settings []*SettingInstance
	for _, tmpl := range c.Templates() {
		if tmpl.Platforms == p && tmpl.DisplayName == "Microsoft Defender Antivirus" {
			settings = instances(samplePolicy(b, c, tmpl, 0))
		}
	}
	if len(settings) == 0 {
		b.Fatal("no template")
	}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		switch p {
		case PlatformLinux:
			_, err = RenderLinux(c, settings)
		case PlatformMacOS:
			_, err = RenderMacOS(c, settings)
		default:
			_, err = RenderWindows(c, settings)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(settings)), "settings")
}

// fuzzInstance builds an instance of d whose choices come from pick and
// whose texts and integers are the fuzzer's.
func fuzzInstance(d *Definition, pick func(n int) int, text string, num int64) *SettingInstance {
	children := func(defs []*Definition) []*SettingInstance {
		var out []*SettingInstance
		for _, c := range defs {
			if pick(4) > 0 {
				out = append(out, fuzzInstance(c, pick, text, num))
			}
		}
		return out
	}
	switch d.Kind {
	case KindChoice:
		opt := &d.Options[pick(len(d.Options))]
		return Choice(d.ID, opt.ItemID, children(opt.Children)...)
	case KindChoiceCollection:
		var ids []string
		for range pick(4) {
			ids = append(ids, d.Options[pick(len(d.Options))].ItemID)
		}
		return Choices(d.ID, ids...)
	case KindInteger:
		return Integer(d.ID, num)
	case KindIntegerCollection:
		return Integers(d.ID, num, num+1)
	case KindString:
		return String(d.ID, text)
	case KindSecret:
		return Secret(d.ID, text)
	case KindStringCollection:
		return Strings(d.ID, text, text+"x")
	case KindGroup:
		return Group(d.ID, children(d.Children)...)
	default:
		var items []*GroupValue
		for range pick(3) + 1 {
			items = append(items, Item(children(d.Children)...))
		}
		return GroupCollection(d.ID, items...)
	}
}

// FuzzRenderValues renders settings of the built-in catalog chosen by the
// fuzzer, with its texts and numbers, for their platform: never a panic,
// and what renders parses (JSON, XML) or is a well-formed operation list.
func FuzzRenderValues(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "C:\\a|b>c", int64(-1))
	f.Add([]byte{200, 13, 7, 99, 1}, "<&]]>\r\n\x01\uFFFE", int64(1<<40))
	f.Add([]byte{42, 42, 42, 42}, "\xff", int64(0))
	var defs [3][]*Definition
	for _, t := range Builtin().Templates() {
		i := map[Platforms]int{PlatformLinux: 0, PlatformMacOS: 1, PlatformWindows10: 2}[t.Platforms]
		for _, s := range t.Settings {
			defs[i] = append(defs[i], s.Definition)
		}
	}
	f.Fuzz(func(t *testing.T, seed []byte, text string, num int64) {
		if len(seed) == 0 {
			return
		}
		pos := 0
		pick := func(n int) int {
			if n <= 0 {
				return 0
			}
			b := seed[pos%len(seed)]
			pos++
			return int(b) % n
		}
		for p := range 3 {
			var settings []*SettingInstance
			for range pick(6) + 1 {
				settings = append(settings, fuzzInstance(defs[p][pick(len(defs[p]))], pick, text, num))
			}
			switch p {
			case 0:
				if out, err := RenderLinux(nil, settings); err == nil && !json.Valid(out) {
					t.Fatalf("invalid JSON:\n%s", out)
				}
			case 1:
				if out, err := RenderMacOS(nil, settings); err == nil {
					plistValue(t, out)
				}
			default:
				ops, err := RenderWindows(nil, settings)
				var re *RenderError
				if err != nil && !errors.As(err, &re) {
					t.Fatalf("untyped error %v", err)
				}
				for _, o := range ops {
					if !o.Format.Valid() || !strings.HasPrefix(o.URI, "./") || strings.Contains(o.URI, "{") {
						t.Fatalf("bad operation %+v", o)
					}
				}
			}
		}
	})
}
