package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeGraphDefinitions(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "definitions", "configuration-settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	defs, err := DecodeGraphDefinitions(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 2 {
		t.Fatalf("%d roots, want 2 (the choice and the group collection)", len(defs))
	}
	coll, group := defs[0], defs[1]
	if coll.Kind != KindChoice || coll.Default != "device_vendor_msft_defender_configuration_supportlogcollection_0" ||
		coll.Location.CSP != "./Vendor/MSFT/Defender/Configuration/SupportLogCollection" ||
		coll.Platforms != PlatformWindows10 || coll.Technologies != TechnologyMDM|TechnologyMicrosoftSense || coll.MinOSVersion != "10.0.17763" {
		t.Errorf("choice: %+v", coll)
	}
	on, _ := coll.Option("device_vendor_msft_defender_configuration_supportlogcollection_1")
	if on.Value != int64(1) || len(on.Children) != 1 || on.Children[0].Kind != KindString || on.Children[0].MaxLength != 260 ||
		on.Children[0].MinLength != 3 || on.Children[0].Default != `C:\ProgramData\Logs` {
		t.Errorf("option child: %+v", on)
	}
	if group.Kind != KindGroupCollection || group.MinCount != 1 || group.MaxCount != 5 || len(group.Children) != 4 {
		t.Fatalf("group: %+v", group)
	}
	kinds := []Kind{KindInteger, KindStringCollection, KindSecret, KindChoiceCollection}
	for i, k := range kinds {
		if group.Children[i].Kind != k {
			t.Errorf("child %d kind %s, want %s", i, group.Children[i].Kind, k)
		}
	}
	if port := group.Children[0]; *port.Min != 1 || *port.Max != 65535 || port.Default != int64(443) {
		t.Errorf("port: %+v", port)
	}
	if mode := group.Children[3]; mode.MaxCount != 2 || mode.Options[1].Value != "pull" {
		t.Errorf("mode: %+v", mode)
	}
	// The definitions extend a catalog and validate policies.
	c, err := Builtin().With(defs, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &Policy{Name: "custom", Platforms: PlatformWindows10, Technologies: TechnologyMDM | TechnologyMicrosoftSense, Settings: []*Setting{
		{ID: "0", Instance: Choice(coll.ID, coll.ID+"_1", String(coll.ID[:len(coll.ID)-len("collection")]+"location", `D:\logs`))},
		{ID: "1", Instance: GroupCollection(group.ID, Item(
			Integer(group.ID+"_port", 8443), Strings(group.ID+"_hosts", "a.example"), Secret(group.ID+"_token", "t"),
			Choices(group.ID+"_mode", group.ID+"_mode_push")))},
	}}
	if err := c.Validate(p); err != nil {
		t.Fatal(err)
	}
	p.Settings[1].Instance.Groups[0].Children[0].Simple.Integer = 70000
	var ve *ValidationError
	if err := c.Validate(p); !errors.As(err, &ve) || ve.Problems[0].Reason != ReasonOutOfRange {
		t.Fatalf("err = %v", err)
	}
}

func TestDecodeGraphDefinitionsShapes(t *testing.T) {
	one := `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingDefinition","id":"a","valueDefinition":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValueDefinition","minimumValue":0,"maximumValue":4294967295}}`
	defs, err := DecodeGraphDefinitions([]byte(one))
	if err != nil || len(defs) != 1 || defs[0].Kind != KindInteger || *defs[0].Max != 4294967295 {
		t.Fatalf("single: %v %v", defs, err)
	}
	defs, err = DecodeGraphDefinitions([]byte("\ufeff[" + one + "]"))
	if err != nil || len(defs) != 1 {
		t.Fatalf("array: %v %v", defs, err)
	}
	bad := []struct{ name, in, want string }{
		{"not json", `{`, "invalid JSON"},
		{"scalar", `42`, "want a definition"},
		{"unknown type", `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationFloatSettingDefinition","id":"f"}`, "unknown definition type"},
		{"no type", `{"id":"f"}`, "no @odata.type"},
		{"no id", `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSettingGroupDefinition"}`, "needs an id"},
		{"missing child", `{"value":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSettingGroupDefinition","id":"g","childIds":["g_x"]}]}`, "not in the export"},
		{"cycle", `{"value":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSettingGroupDefinition","id":"g","childIds":["h"]},
			{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSettingGroupDefinition","id":"h","childIds":["g"]}]}`, "cycle"},
		{"twice", `[` + one + `,` + one + `]`, "listed twice"},
		{"bad platform", `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingDefinition","id":"a","applicability":{"platform":"plan9"}}`, "unknown platform"},
		{"bad option value", `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition","id":"c","options":[{"itemId":"c_1","optionValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationFloatSettingValue","value":1.5}}]}`, "unknown setting value type"},
		{"option id", `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition","id":"c","options":[{"itemId":"d_1"}]}`, "does not start with the definition id"},
		{"field type", `{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition","id":"c","options":"none"}`, "not a setting definition"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeGraphDefinitions([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
