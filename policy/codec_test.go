package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// roundTrip decodes and encodes data and fails unless the result is equal
// JSON.
func roundTrip(t *testing.T, data string) *Policy {
	t.Helper()
	p, err := DecodeGraph([]byte(data))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	out, err := EncodeGraph(p)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	want, _ := genericJSON([]byte(data))
	got, err := genericJSON(out)
	if err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if d := jsonDiff("$", want, got); d != "" {
		t.Fatalf("round trip differs at %s\n%s", d, out)
	}
	return p
}

const choiceInst = `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
 "settingDefinitionId":"device_vendor_msft_policy_config_defender_allowrealtimemonitoring",
 "settingInstanceTemplateReference":null,
 "choiceSettingValue":{"value":"device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1","children":[],"settingValueTemplateReference":null}}`

func TestCodecKeepsNullAbsentAndSpelling(t *testing.T) {
	in := `{"id":"p1","name":"n","description":null,"platforms":"windows10","technologies":"microsoftSense,mdm",
	 "createdDateTime":"2025-01-02T03:04:05.1230000Z","lastModifiedDateTime":null,"settingCount":1,
	 "roleScopeTagIds":[],"templateReference":{"templateId":"","templateFamily":"none","templateDisplayName":null,"templateDisplayVersion":null},
	 "settings":[{"id":"0","settingInstance":` + choiceInst + `}]}`
	p := roundTrip(t, in)
	out, _ := EncodeGraph(p)
	for _, want := range []string{
		`"technologies":"microsoftSense,mdm"`,              // input order of the flag list
		`"createdDateTime":"2025-01-02T03:04:05.1230000Z"`, // input spelling of the time
		`"description":null`, `"lastModifiedDateTime":null`, `"roleScopeTagIds":[]`,
		`"settingInstanceTemplateReference":null`, `"templateDisplayName":null`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "assignments") || strings.Contains(string(out), "creationSource") {
		t.Errorf("absent members must stay absent:\n%s", out)
	}
	if p.Technologies != TechnologyMDM|TechnologyMicrosoftSense || p.CreatedDateTime.Nanosecond() != 123000000 {
		t.Errorf("typed fields: %v %v", p.Technologies, p.CreatedDateTime)
	}
}

func TestCodecKeepsUnknownProperties(t *testing.T) {
	in := `{"name":"n","futurePolicyFlag":{"a":[1,2,{"b":null}]},"platforms":"windows10","technologies":"mdm",
	 "templateReference":{"templateId":"x_1","templateFamily":"none","templateFamily@odata.type":"#microsoft.graph.deviceManagementConfigurationTemplateFamily"},
	 "settings":[{"id":"0","@odata.id":"https://example/settings('0')","settingDefinitions@odata.associationLink":"https://example/ref",
	  "settingInstance":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId":"s",
	   "auditRuleInformation":null,"nextGen":{"x":1},
	   "simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValue","value":7,"valueHint":"seven"}}}],
	 "#microsoft.graph.assign":{"title":"microsoft.graph.assign","target":"https://example/assign"}}`
	p := roundTrip(t, in)
	if raw, ok := p.Property("futurePolicyFlag"); !ok || !bytes.Contains(raw, []byte(`"b":null`)) {
		t.Errorf("Property(futurePolicyFlag) = %s, %v", raw, ok)
	}
	if raw, ok := p.Settings[0].Instance.Property("auditRuleInformation"); !ok || string(raw) != "null" {
		t.Errorf("instance Property = %s, %v", raw, ok)
	}
	if _, ok := p.Property("name"); ok {
		t.Error("Property must not return modelled members")
	}
}

func TestCodecReencodesChangedFields(t *testing.T) {
	in := `{"name":"old","platforms":"windows10","technologies":"microsoftSense,mdm","createdDateTime":"2025-01-02T03:04:05.1230000Z",
	 "unknown":true,"settings":[{"id":"0","settingInstance":` + choiceInst + `}]}`
	p, err := DecodeGraph([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	p.Name = "new"
	p.Technologies = TechnologyMicrosoftSense
	p.CreatedDateTime = time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	p.Settings[0].Instance.Choice.ItemID = "device_vendor_msft_policy_config_defender_allowrealtimemonitoring_0"
	p.Settings = append(p.Settings, &Setting{ID: "1", Instance: Integer("device_vendor_msft_policy_config_defender_avgcpuloadfactor", 20)})
	out, err := EncodeGraph(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := DecodeGraph(out)
	if err != nil {
		t.Fatalf("re-decode: %v\n%s", err, out)
	}
	if q.Name != "new" || q.Technologies != TechnologyMicrosoftSense || !q.CreatedDateTime.Equal(p.CreatedDateTime) {
		t.Errorf("changed fields lost: %+v", q)
	}
	if id, _ := q.Settings[0].Instance.ChoiceItemID(); !strings.HasSuffix(id, "_0") {
		t.Errorf("choice = %q", id)
	}
	if v, ok := q.Settings[1].Instance.IntegerValue(); !ok || v != 20 {
		t.Errorf("added setting = %v %v", v, ok)
	}
	if !strings.Contains(string(out), `"createdDateTime":"2026-01-02T03:04:05.0000006Z"`) || !strings.Contains(string(out), `"unknown":true`) {
		t.Errorf("output:\n%s", out)
	}
}

func TestCodecBOM(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "graph", "codec-native-antivirus.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, utf8BOM) {
		t.Fatal("fixture should start with a byte-order mark")
	}
	p, err := DecodeGraph(data)
	if err != nil {
		t.Fatal(err)
	}
	if !p.HadBOM() {
		t.Error("HadBOM = false")
	}
	out, _ := EncodeGraph(p)
	if bytes.HasPrefix(out, utf8BOM) || !json.Valid(out) {
		t.Error("the encoder must write plain JSON without a byte-order mark")
	}
}

// TestEncodeBuiltCreateShape pins the exact JSON of a policy built in code:
// the shape Graph accepts on create.
func TestEncodeBuiltCreateShape(t *testing.T) {
	p, err := NewPolicy(Builtin(), "e3f74c5a-a6de-411d-aef6-eb15628f3a0a_1", "Update rings",
		Choice("device_vendor_msft_defender_configuration_engineupdateschannel", "device_vendor_msft_defender_configuration_engineupdateschannel_3"))
	if err != nil {
		t.Fatal(err)
	}
	p.Description = "pilot"
	out, err := EncodeGraph(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"Update rings","description":"pilot","platforms":"windows10","technologies":"mdm,microsoftSense","roleScopeTagIds":["0"],` +
		`"templateReference":{"templateId":"e3f74c5a-a6de-411d-aef6-eb15628f3a0a_1","templateFamily":"endpointSecurityAntivirus"},` +
		`"settings":[{"id":"0","settingInstance":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",` +
		`"settingDefinitionId":"device_vendor_msft_defender_configuration_engineupdateschannel",` +
		`"settingInstanceTemplateReference":{"settingInstanceTemplateId":"f7e1409d-9c85-4a3f-85a6-ad05cc8ccf13"},` +
		`"choiceSettingValue":{"value":"device_vendor_msft_defender_configuration_engineupdateschannel_3","children":[],` +
		`"settingValueTemplateReference":{"settingValueTemplateId":"afc8df70-7b19-4335-b200-bf4b7e098f67","useTemplateDefault":false}}}}]}`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// json.Marshal goes through MarshalJSON.
	viaJSON, err := json.Marshal(p)
	if err != nil || string(viaJSON) != want {
		t.Errorf("json.Marshal: %v\n%s", err, viaJSON)
	}
}

func TestEncodeBuiltValues(t *testing.T) {
	p := &Policy{Name: "n", Platforms: PlatformLinux, Technologies: TechnologyMicrosoftSense, Settings: []*Setting{
		{ID: "0", Instance: Secret("s", "pw")},
		{ID: "1", Instance: Reference("r", "id-1", "note")},
		{ID: "2", Instance: Strings("l", "a", "b")},
		{ID: "3", Instance: Integers("i", 1, 2)},
		{ID: "4", Instance: Choices("c", "c_a", "c_b")},
		{ID: "5", Instance: Group("g", String("g_x", "x"))},
		{ID: "6", Instance: GroupCollection("gc", Item(Integer("gc_n", 1)), Item())},
		{ID: "7", Instance: &SettingInstance{Kind: InstanceSettingGroup, DefinitionID: "legacy"}},
	}, Assignments: []*Assignment{Include("g1"), Exclude("g2"), AllDevices()}}
	out, err := EncodeGraph(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSecretSettingValue","value":"pw","valueState":"notEncrypted"}`,
		`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationReferenceSettingValue","value":"id-1","note":"note"}`,
		`"groupSettingValue":{"children":[{`,
		`"groupSettingCollectionValue":[{"children":[{`, `{"children":[]}]`,
		`"@odata.type":"#microsoft.graph.deviceManagementConfigurationSettingGroupInstance","settingDefinitionId":"legacy"}`,
		`"assignments":[{"target":{"@odata.type":"#microsoft.graph.groupAssignmentTarget","groupId":"g1"}}`,
		`{"target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"}}`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s\n%s", want, out)
		}
	}
	q, err := DecodeGraph(out)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := q.Settings[2].Instance.StringValues(); !ok || strings.Join(got, ",") != "a,b" {
		t.Errorf("StringValues = %v %v", got, ok)
	}
	if got, ok := q.Settings[3].Instance.IntegerValues(); !ok || len(got) != 2 || got[1] != 2 {
		t.Errorf("IntegerValues = %v %v", got, ok)
	}
	if got, ok := q.Settings[4].Instance.ChoiceItemIDs(); !ok || len(got) != 2 {
		t.Errorf("ChoiceItemIDs = %v %v", got, ok)
	}
	if items := q.Settings[6].Instance.GroupItems(); len(items) != 2 {
		t.Errorf("GroupItems = %d", len(items))
	} else if c, ok := items[0].Child("gc_n"); !ok || c.Kind != InstanceSimple {
		t.Errorf("Child = %v", c)
	}
	if s, ok := q.Settings[0].Instance.StringValue(); !ok || s != "pw" || q.Settings[0].Instance.Simple.State != SecretNotEncrypted {
		t.Errorf("secret = %q %v", s, ok)
	}
	if q.Assignments[1].Target.Kind != TargetExclusionGroup || q.Assignments[1].Target.GroupID != "g2" {
		t.Errorf("assignment = %+v", q.Assignments[1].Target)
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := map[string]struct {
		p    *Policy
		path string
	}{
		"nil instance": {&Policy{Settings: []*Setting{{ID: "0"}}}, "settings[0].settingInstance"},
		"no kind":      {&Policy{Settings: []*Setting{{ID: "0", Instance: &SettingInstance{DefinitionID: "x"}}}}, "settings[0].settingInstance"},
		"bad value type": {&Policy{Settings: []*Setting{{ID: "0", Instance: &SettingInstance{Kind: InstanceSimple,
			Simple: &SimpleValue{Type: "float"}}}}}, "settings[0].settingInstance.simpleSettingValue"},
		"bad target": {&Policy{Assignments: []*Assignment{{Target: Target{Kind: "everyone"}}}}, "assignments[0].target"},
		"child":      {&Policy{Settings: []*Setting{{ID: "0", Instance: Choice("c", "c_1", &SettingInstance{Kind: "odd"})}}}, "settings[0].settingInstance.choiceSettingValue.children[0]"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := EncodeGraph(tc.p)
			var ee *EncodeError
			if !errors.As(err, &ee) || ee.Path != tc.path {
				t.Fatalf("err = %v, want an *EncodeError at %s", err, tc.path)
			}
		})
	}
	if _, err := EncodeGraph(nil); err == nil {
		t.Error("nil policy must fail")
	}
}

func TestDecodeErrors(t *testing.T) {
	inst := func(s string) string { return `{"settings":[{"id":"0","settingInstance":` + s + `}]}` }
	cases := []struct {
		name, in, path, reason string
	}{
		{"syntax", `{"name":`, "", "invalid JSON"},
		{"empty", ``, "", "empty input"},
		{"not an object", `[1]`, "", "want a JSON object"},
		{"name type", `{"name":3}`, "name", "want a string"},
		{"platform", `{"platforms":"windows10,plan9"}`, "platforms", `unknown platform "plan9"`},
		{"technology", `{"technologies":"mdm,sense"}`, "technologies", `unknown technology "sense"`},
		{"time", `{"createdDateTime":"yesterday"}`, "createdDateTime", "RFC 3339"},
		{"setting count", `{"settingCount":"3"}`, "settingCount", "want an integer"},
		{"tags", `{"roleScopeTagIds":["0",1]}`, "roleScopeTagIds[1]", "want a string"},
		{"settings type", `{"settings":{}}`, "settings", "want an array"},
		{"missing type", inst(`{"settingDefinitionId":"x"}`), "settings[0].settingInstance.@odata.type", "needs its @odata.type"},
		{"unknown type", inst(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationFloatSettingInstance"}`),
			"settings[0].settingInstance.@odata.type", "unknown setting instance type"},
		{"choice value", inst(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","choiceSettingValue":{"value":5}}`),
			"settings[0].settingInstance.choiceSettingValue.value", "want a string"},
		{"choice value type", inst(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","choiceSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationGroupSettingValue"}}`),
			"settings[0].settingInstance.choiceSettingValue.@odata.type", "unknown setting value type"},
		{"simple value type", inst(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationFloatSettingValue","value":1.5}}`),
			"settings[0].settingInstance.simpleSettingValue.@odata.type", "unknown simple setting value type"},
		{"integer", inst(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValue","value":1.5}}`),
			"settings[0].settingInstance.simpleSettingValue.value", "not a whole number"},
		{"secret state", inst(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSecretSettingValue","value":"x","valueState":"hidden"}}`),
			"settings[0].settingInstance.simpleSettingValue.valueState", "unknown secret value state"},
		{"nested child", inst(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance","groupSettingCollectionValue":[{"children":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","choiceSettingValue":{"children":[{"@odata.type":"nope"}]}}]}]}`),
			"settings[0].settingInstance.groupSettingCollectionValue[0].children[0].choiceSettingValue.children[0].@odata.type", "unknown setting instance type"},
		{"collection type", inst(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingCollectionInstance","choiceSettingCollectionValue":{}}`),
			"settings[0].settingInstance.choiceSettingCollectionValue", "want an array"},
		{"value bool", inst(`{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","choiceSettingValue":{"value":"a","settingValueTemplateReference":{"useTemplateDefault":"no"}}}`),
			"settings[0].settingInstance.choiceSettingValue.settingValueTemplateReference.useTemplateDefault", "want a boolean"},
		{"target", `{"assignments":[{"target":{"@odata.type":"#microsoft.graph.userAssignmentTarget"}}]}`, "assignments[0].target.@odata.type", "unknown assignment target type"},
		{"filter type", `{"assignments":[{"target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget","deviceAndAppManagementAssignmentFilterType":"maybe"}}]}`,
			"assignments[0].target.deviceAndAppManagementAssignmentFilterType", "unknown filter type"},
		{"source", `{"assignments":[{"source":"inherited","target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"}}]}`, "assignments[0].source", "unknown assignment source"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := DecodeGraph([]byte(tc.in))
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("DecodeGraph = %v, %v; want a *DecodeError", p, err)
			}
			if de.Path != tc.path || !strings.Contains(de.Reason, tc.reason) {
				t.Fatalf("error %q at %q, want %q at %q", de.Reason, de.Path, tc.reason, tc.path)
			}
			if p != nil {
				t.Fatal("a failed decode returns no policy")
			}
		})
	}
	var fe *FlagError
	if _, err := DecodeGraph([]byte(`{"platforms":"plan9"}`)); !errors.As(err, &fe) {
		t.Errorf("flag errors unwrap to *FlagError: %v", err)
	}
}

func TestDecodeGraphList(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "graph", "codec-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := DecodeGraphList(data)
	if err != nil || len(ps) != 4 {
		t.Fatalf("DecodeGraphList = %d, %v", len(ps), err)
	}
	if ps[2].TemplateReference.TemplateFamily != "endpointSecurityAttackSurfaceReduction" {
		t.Errorf("third policy: %+v", ps[2].TemplateReference)
	}
	// A single policy is accepted as a list of one, and a page of one
	// encodes back as the single object.
	single := `{"name":"only","settings":[]}`
	ps, err = DecodeGraphList([]byte(single))
	if err != nil || len(ps) != 1 || ps[0].Name != "only" {
		t.Fatalf("single: %v %v", ps, err)
	}
	pg, _ := DecodeGraphPage([]byte(single))
	out, _ := EncodeGraphPage(pg)
	if string(out) != single {
		t.Errorf("single page encodes as %s", out)
	}
	// Errors inside a list name the element.
	_, err = DecodeGraphList([]byte(`{"value":[{"name":"a"},{"name":false}]}`))
	var de *DecodeError
	if !errors.As(err, &de) || de.Path != "value[1].name" {
		t.Errorf("err = %v", err)
	}
	pg, err = DecodeGraphPage([]byte(`{"value":[],"@odata.nextLink":"https://example/next"}`))
	if err != nil || pg.NextLink != "https://example/next" || len(pg.Policies) != 0 {
		t.Errorf("page = %+v, %v", pg, err)
	}
}

func TestAssignmentsCodec(t *testing.T) {
	body := `{"assignments":[
	 {"target":{"@odata.type":"#microsoft.graph.groupAssignmentTarget","groupId":"g1","deviceAndAppManagementAssignmentFilterId":"f1","deviceAndAppManagementAssignmentFilterType":"include"}},
	 {"target":{"@odata.type":"#microsoft.graph.exclusionGroupAssignmentTarget","groupId":"g2"}},
	 {"target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"}},
	 {"target":{"@odata.type":"#microsoft.graph.allLicensedUsersAssignmentTarget"}},
	 {"id":"a5","source":"policySets","sourceId":"ps1","target":{"@odata.type":"#microsoft.graph.configurationManagerCollectionAssignmentTarget","collectionId":"SMS00001"}}]}`
	as, err := DecodeAssignments([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []TargetKind{TargetGroup, TargetExclusionGroup, TargetAllDevices, TargetAllLicensedUsers, TargetConfigurationManagerCollection}
	for i, k := range want {
		if as[i].Target.Kind != k {
			t.Errorf("assignment %d kind %q, want %q", i, as[i].Target.Kind, k)
		}
	}
	if as[0].Target.FilterType != FilterInclude || as[0].Target.FilterID != "f1" || as[4].Target.CollectionID != "SMS00001" || as[4].Source != SourcePolicySets {
		t.Errorf("fields: %+v %+v", as[0], as[4])
	}
	out, err := EncodeAssignments(as)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := genericJSON([]byte(body))
	b, _ := genericJSON(out)
	if d := jsonDiff("$", a, b); d != "" {
		t.Errorf("assignments round trip differs at %s", d)
	}
	// The list response of GET .../assignments is accepted too.
	as, err = DecodeAssignments([]byte(`{"value":[{"id":"x","target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"}}]}`))
	if err != nil || len(as) != 1 || as[0].ID != "x" {
		t.Errorf("value form: %v %v", as, err)
	}
	if _, err := DecodeAssignments([]byte(`{"other":[]}`)); err == nil {
		t.Error("a body without assignments must fail")
	}
	// Assignment implements json.Marshaler / Unmarshaler.
	var one Assignment
	if err := json.Unmarshal([]byte(`{"target":{"@odata.type":"#microsoft.graph.groupAssignmentTarget","groupId":"g9"}}`), &one); err != nil || one.Target.GroupID != "g9" {
		t.Errorf("UnmarshalJSON: %+v %v", one, err)
	}
	if out, err := json.Marshal(&one); err != nil || !strings.Contains(string(out), `"groupId":"g9"`) {
		t.Errorf("MarshalJSON: %s %v", out, err)
	}
}

// TestPolicyInsideJSON shows a policy decoding as part of a larger
// document, as other packages' corpora embed them.
func TestPolicyInsideJSON(t *testing.T) {
	var doc struct {
		Policies []*Policy `json:"policies"`
	}
	err := json.Unmarshal([]byte(`{"policies":[{"id":"p1","name":"a","settings":[{"id":"0","settingInstance":`+choiceInst+`}]},{"id":"p2"}]}`), &doc)
	if err != nil || len(doc.Policies) != 2 || doc.Policies[0].Settings[0].Instance.DefinitionID == "" {
		t.Fatalf("%+v %v", doc, err)
	}
	err = json.Unmarshal([]byte(`{"policies":[{"platforms":"plan9"}]}`), &doc)
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Errorf("err = %v, want a *DecodeError", err)
	}
}

func TestCloneIsDeep(t *testing.T) {
	data, _ := os.ReadFile(filepath.Join("testdata", "graph", "codec-fullmetadata-edr.json"))
	p, err := DecodeGraph(data)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := EncodeGraph(p)
	c := p.Clone()
	c.Name = "changed"
	c.RoleScopeTagIDs[0] = "9"
	c.Settings[0].Instance.Choice.Children[0].Simple.Text = "other"
	c.Assignments[0].Target.GroupID = "other"
	after, _ := EncodeGraph(p)
	if !bytes.Equal(before, after) {
		t.Error("changing the clone changed the original")
	}
	cloned, _ := EncodeGraph(p.Clone())
	if !bytes.Equal(before, cloned) {
		t.Error("a clone encodes differently")
	}
}

func TestWalkAndAccessors(t *testing.T) {
	data, _ := os.ReadFile(filepath.Join("testdata", "graph", "codec-native-firewall-rules.json"))
	p, err := DecodeGraph(data)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	p.Walk(func(*SettingInstance) bool { n++; return true })
	if _, total := Builtin().Coverage(p); n != total || n != 21 {
		t.Errorf("Walk visited %d, coverage counted %d", n, total)
	}
	stop := 0
	p.Walk(func(*SettingInstance) bool { stop++; return stop < 3 })
	if stop != 3 {
		t.Errorf("Walk did not stop: %d", stop)
	}
	rules, ok := p.Setting("vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}")
	if !ok || len(rules.GroupItems()) != 2 {
		t.Fatalf("rules: %v", ok)
	}
	kw, ok := rules.GroupItems()[0].Child("vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_remoteaddressdynamickeywords")
	if !ok || kw.Simples[0].Type != ValueReference || kw.Simples[0].Note != "Ledger front ends" {
		t.Errorf("reference values: %+v", kw)
	}
	if vals, ok := kw.StringValues(); !ok || len(vals) != 2 {
		t.Errorf("StringValues of references = %v", vals)
	}
	name, _ := rules.GroupItems()[1].Child("vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_name")
	if s, _ := name.StringValue(); s != "Block legacy SMB in" {
		t.Errorf("name = %q", s)
	}
	if _, ok := name.IntegerValue(); ok {
		t.Error("IntegerValue of a string")
	}
	if len(rules.Children()) != 20 {
		t.Errorf("Children = %d", len(rules.Children()))
	}
	if _, ok := rules.Child("nope"); ok {
		t.Error("Child found a missing id")
	}
}

// TestEncodeErrorDoesNotDependOnKeyOrder checks that the error reported
// for a policy with several problems is the first in the model's order
// (settings before assignments, an assignment's target before its
// source), whatever the key order of the input it was decoded from.
func TestEncodeErrorDoesNotDependOnKeyOrder(t *testing.T) {
	for _, in := range []string{
		`{"settings":[{"id":"0","settingInstance":` + choiceInst + `}],"assignments":[{"source":"direct","target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"}}]}`,
		`{"assignments":[{"target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"},"source":"direct"}],"settings":[{"id":"0","settingInstance":` + choiceInst + `}]}`,
	} {
		p, err := DecodeGraph([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		p.Assignments[0].Source = "inherited"
		p.Assignments[0].Target.Kind = "everyone"
		var ee *EncodeError
		if _, err := EncodeGraph(p); !errors.As(err, &ee) || ee.Path != "assignments[0].target" {
			t.Errorf("target before source: %v", err)
		}
		p.Settings[0].Instance.Kind = "bogus"
		if _, err := EncodeGraph(p); !errors.As(err, &ee) || ee.Path != "settings[0].settingInstance" {
			t.Errorf("settings before assignments: %v", err)
		}
	}
}

// TestEncodeNilValues checks that nil values give errors, never a panic,
// including a page of one nil policy.
func TestEncodeNilValues(t *testing.T) {
	var ee *EncodeError
	pg, err := DecodeGraphPage([]byte(`{"name":"only"}`))
	if err != nil {
		t.Fatal(err)
	}
	pg.Policies[0] = nil
	if _, err := EncodeGraphPage(pg); !errors.As(err, &ee) || ee.Reason != "nil policy" {
		t.Errorf("page of a nil policy: %v", err)
	}
	if _, err := EncodeGraphPage(nil); !errors.As(err, &ee) {
		t.Errorf("nil page: %v", err)
	}
	if _, err := EncodeGraphPage(&Page{Policies: []*Policy{{Name: "a"}, nil}}); !errors.As(err, &ee) || ee.Path != "value[1]" {
		t.Errorf("nil policy in a list: %v", err)
	}
	var a *Assignment
	if _, err := a.MarshalJSON(); !errors.As(err, &ee) || ee.Reason != "nil assignment" {
		t.Errorf("nil assignment: %v", err)
	}
	if _, err := EncodeAssignments([]*Assignment{AllDevices(), nil}); !errors.As(err, &ee) || ee.Path != "assignments[1]" {
		t.Errorf("nil assignment in a list: %v", err)
	}
	if out, err := EncodeAssignments(nil); err != nil || string(out) != `{"assignments":[]}` {
		t.Errorf("no assignments: %s %v", out, err)
	}
}

// TestDecodeKeepsNothingOfTheCaller checks that decoded values do not
// share memory with the caller's buffer.
func TestDecodeKeepsNothingOfTheCaller(t *testing.T) {
	buf := []byte(`{"name":"abc","settings":[{"id":"0","settingInstance":` + choiceInst + `}],"extra":{"k":"v"}}`)
	p, err := DecodeGraph(buf)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := EncodeGraph(p)
	for i := range buf {
		buf[i] = ' '
	}
	got, _ := EncodeGraph(p)
	if p.Name != "abc" || !bytes.Equal(got, want) {
		t.Errorf("the policy changed with the caller's buffer: %q\n%s", p.Name, got)
	}
}

// TestEncodeConcurrently encodes one decoded policy from several
// goroutines (run with -race).
func TestEncodeConcurrently(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "graph", "codec-fullmetadata-edr.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodeGraph(data)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := EncodeGraph(p)
	done := make(chan []byte)
	for range 4 {
		go func() {
			out, _ := EncodeGraph(p.Clone())
			done <- out
		}()
	}
	for range 4 {
		if out := <-done; !bytes.Equal(out, want) {
			t.Error("a concurrent encoding differs")
		}
	}
}
