package policy_test

import (
	"errors"
	"fmt"
	"log"
	"testing/fstest"

	"github.com/secmgmt/secmgmt/policy"
)

// Template and setting ids of the examples.
const (
	winAVTemplate    = "804339ad-1553-4478-a742-138fb5807418_1"
	linuxAVTemplate  = "4cfd164c-5e8a-4ea9-b15d-9aa71e4ffff4_1"
	firewallRules    = "19c8aa67-f286-4861-9aa0-f23541d31680_1"
	defender         = "device_vendor_msft_policy_config_defender_"
	rule             = "vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}"
	threatAction     = defender + "threatseveritydefaultaction"
	severeThreats    = threatAction + "_severethreats"
	highThreats      = threatAction + "_highseveritythreats"
	linuxRealtime    = "linux_mdatp_managed_antivirusengine_enablerealtimeprotection"
	winOnboardingKey = "device_vendor_msft_windowsadvancedthreatprotection_onboarding"
)

// show prints the Graph JSON of one built instance.
func show(s *policy.SettingInstance) {
	b, err := policy.AppendInstances(nil, []*policy.SettingInstance{s})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
}

func ExampleInclude() {
	a := policy.Include("3f2a9c1e-0b7d-4e5a-9c61-8d2f4b7a1e05")
	fmt.Println(a.Target.Kind, a.Target.GroupID)
	b, err := policy.EncodeAssignments([]*policy.Assignment{a})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output:
	// group 3f2a9c1e-0b7d-4e5a-9c61-8d2f4b7a1e05
	// {"assignments":[{"target":{"@odata.type":"#microsoft.graph.groupAssignmentTarget","groupId":"3f2a9c1e-0b7d-4e5a-9c61-8d2f4b7a1e05"}}]}
}

func ExampleExclude() {
	a := policy.Exclude("kiosks")
	fmt.Println(a.Target.Kind, a.Target.Kind.ODataType())
	// Output: exclusionGroup #microsoft.graph.exclusionGroupAssignmentTarget
}

func ExampleAllDevices() {
	a := policy.AllDevices()
	fmt.Println(a.Target.Kind, a.Target.Kind.HasGroup(), a.Target.GroupID == "")
	// Output: allDevices false true
}

func ExampleTargetKind_ODataType() {
	for _, a := range []*policy.Assignment{policy.Include("g"), policy.Exclude("g"), policy.AllDevices()} {
		fmt.Println(a.Target.Kind.ODataType())
	}
	// Output:
	// #microsoft.graph.groupAssignmentTarget
	// #microsoft.graph.exclusionGroupAssignmentTarget
	// #microsoft.graph.allDevicesAssignmentTarget
}

func ExampleTargetKind_HasGroup() {
	for _, a := range []*policy.Assignment{policy.Include("g"), policy.Exclude("g"), policy.AllDevices()} {
		fmt.Println(a.Target.Kind, a.Target.Kind.HasGroup())
	}
	// Output:
	// group true
	// exclusionGroup true
	// allDevices false
}

// A choice picks one option by its item id; settings that live under the
// option are passed after it.
func ExampleChoice() {
	s := policy.Choice(defender+"allowrealtimemonitoring", defender+"allowrealtimemonitoring_1")
	item, _ := s.ChoiceItemID()
	fmt.Println(s.Kind, item)
	show(policy.Choice(linuxRealtime, linuxRealtime+"_true"))
	// Output:
	// choice device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1
	// [{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","settingDefinitionId":"linux_mdatp_managed_antivirusengine_enablerealtimeprotection","choiceSettingValue":{"value":"linux_mdatp_managed_antivirusengine_enablerealtimeprotection_true","children":[]}}]
}

func ExampleChoices() {
	s := policy.Choices(rule+"_profiles", rule+"_profiles_1", rule+"_profiles_2")
	items, _ := s.ChoiceItemIDs()
	fmt.Println(s.Kind, items)
	// Output: choiceCollection [vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_profiles_1 vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_profiles_2]
}

func ExampleInteger() {
	s := policy.Integer(defender+"avgcpuloadfactor", 40)
	v, _ := s.IntegerValue()
	fmt.Println(s.Kind, s.Simple.Type, v)
	show(s)
	// Output:
	// simple integer 40
	// [{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId":"device_vendor_msft_policy_config_defender_avgcpuloadfactor","simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValue","value":40}}]
}

func ExampleString() {
	s := policy.String(rule+"_name", "Block inbound SMB")
	v, _ := s.StringValue()
	fmt.Println(s.Simple.Type, v)
	// Output: string Block inbound SMB
}

// A secret goes to the service in the clear (valueState notEncrypted);
// the service answers with it encrypted.
func ExampleSecret() {
	show(policy.Secret(winOnboardingKey, "onboarding-blob"))
	// Output: [{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId":"device_vendor_msft_windowsadvancedthreatprotection_onboarding","simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSecretSettingValue","value":"onboarding-blob","valueState":"notEncrypted"}}]
}

func ExampleReference() {
	show(policy.Reference(rule+"_remoteaddressdynamickeywords", "8e1d6a57-5b0e-4c8c-a7e6-0f4c2b1d9a33", "Branch office subnets"))
	// Output: [{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId":"vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_remoteaddressdynamickeywords","simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationReferenceSettingValue","value":"8e1d6a57-5b0e-4c8c-a7e6-0f4c2b1d9a33","note":"Branch office subnets"}}]
}

func ExampleStrings() {
	s := policy.Strings(defender+"excludedpaths", `C:\Builds`, `D:\Cache`)
	vs, _ := s.StringValues()
	fmt.Println(s.Kind, len(vs), vs[1])
	// Output: simpleCollection 2 D:\Cache
}

// The built-in catalog has no integer collection; the id here is made up,
// the instance is what any such setting gets.
func ExampleIntegers() {
	s := policy.Integers("example_ports", 80, 443)
	vs, _ := s.IntegerValues()
	fmt.Println(s.Kind, vs)
	// Output: simpleCollection [80 443]
}

// The built-in catalog has no single group setting; the ids here are made
// up, the instance is what any such setting gets.
func ExampleGroup() {
	s := policy.Group("example_proxy",
		policy.String("example_proxy_server", "proxy.contoso.com"),
		policy.Integer("example_proxy_port", 8080))
	host, _ := s.Child("example_proxy_server")
	v, _ := host.StringValue()
	fmt.Println(s.Kind, len(s.Children()), v)
	// Output: group 2 proxy.contoso.com
}

// A firewall rule is one item of the rules' group collection.
func ExampleGroupCollection() {
	s := policy.GroupCollection(rule,
		policy.Item(
			policy.String(rule+"_name", "Block inbound SMB"),
			policy.Choice(rule+"_direction", rule+"_direction_in"),
			policy.Strings(rule+"_localportranges", "445")),
	)
	p, err := policy.NewPolicy(policy.Builtin(), firewallRules, "Servers - SMB", s)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name, len(p.Settings[0].Instance.GroupItems()))
	// Output: Servers - SMB 1
}

func ExampleItem() {
	it := policy.Item(policy.Choice(severeThreats, severeThreats+"_remove"), policy.Choice(highThreats, highThreats+"_quarantine"))
	c, _ := it.Child(highThreats)
	v, _ := c.ChoiceItemID()
	fmt.Println(len(it.Children), v)
	// Output: 2 device_vendor_msft_policy_config_defender_threatseveritydefaultaction_highseveritythreats_quarantine
}

func ExampleGroupValue_Child() {
	s := policy.GroupCollection(threatAction, policy.Item(policy.Choice(severeThreats, severeThreats+"_remove")))
	c, ok := s.GroupItems()[0].Child(severeThreats)
	v, _ := c.ChoiceItemID()
	fmt.Println(ok, v)
	// Output: true device_vendor_msft_policy_config_defender_threatseveritydefaultaction_severethreats_remove
}

func ExampleBuiltin() {
	c := policy.Builtin()
	t, _ := c.Template(linuxAVTemplate)
	fmt.Println(len(c.Templates()), "templates;", t.DisplayName, t.Platforms)
	// Output: 15 templates; Microsoft Defender Antivirus linux
}

// A catalog of one's own, from data files in the built-in format.
func ExampleLoadCatalog() {
	fsys := fstest.MapFS{"catalog/contoso-agent.json": {Data: []byte(`{
  "template": {
    "id": "0b9d3c2e-7f41-4a8e-9d65-2c1f7e8a4b90_1",
    "displayName": "Contoso agent",
    "family": "endpointSecurityAntivirus",
    "policyType": "Antivirus",
    "platforms": "linux",
    "technologies": "microsoftSense"
  },
  "settings": [{
    "id": "contoso_agent_scanthreads",
    "name": "scanThreads",
    "displayName": "Scan threads",
    "description": "Threads an on-demand scan may use.",
    "kind": "integer",
    "path": "scan.threads",
    "min": 1,
    "max": 64
  }]
}`)}}
	c, err := policy.LoadCatalog(fsys, "catalog/*.json")
	if err != nil {
		log.Fatal(err)
	}
	d, _ := c.Definition("contoso_agent_scanthreads")
	fmt.Println(c.Len(), d.DisplayName, d.Kind, *d.Min, *d.Max)

	_, err = policy.NewPolicy(c, "0b9d3c2e-7f41-4a8e-9d65-2c1f7e8a4b90_1", "Build servers", policy.Integer(d.ID, 128))
	var ve *policy.ValidationError
	fmt.Println(errors.As(err, &ve) && ve.Has(policy.ReasonOutOfRange))
	// Output:
	// 1 Scan threads integer 1 64
	// true
}

// With extends a catalog, here the built-in one with a template of one
// setting.
func ExampleCatalog_With() {
	def := &policy.Definition{
		ID: "contoso_agent_verbose", Name: "verbose", DisplayName: "Verbose logging",
		Kind: policy.KindChoice, Platforms: policy.PlatformLinux, Technologies: policy.TechnologyMicrosoftSense,
		Options: []policy.Option{
			{ItemID: "contoso_agent_verbose_false", DisplayName: "Off", Value: false},
			{ItemID: "contoso_agent_verbose_true", DisplayName: "On", Value: true},
		},
	}
	tmpl := &policy.Template{
		ID: "5d0e8a61-3b2f-4c97-a1e4-6f8b2d9c0a17_1", DisplayName: "Contoso logging", Family: "endpointSecurityAntivirus",
		PolicyType: "Antivirus", Platforms: policy.PlatformLinux, Technologies: policy.TechnologyMicrosoftSense,
		Settings: []policy.TemplateSetting{{Definition: def}},
	}
	base := policy.Builtin()
	c, err := base.With([]*policy.Definition{def}, []*policy.Template{tmpl})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Len()-base.Len(), len(c.Templates())-len(base.Templates()))
	// Output: 1 1
}

func ExampleCatalog_Definition() {
	d, ok := policy.Builtin().Definition(defender + "avgcpuloadfactor")
	fmt.Println(ok, d.DisplayName, d.Kind, *d.Min, *d.Max)
	// Output: true Avg CPU Load Factor integer 0 100
}

func ExampleCatalog_Definitions() {
	n := 0
	for d := range policy.Builtin().Definitions() {
		if d.Kind == policy.KindGroupCollection {
			n++
		}
	}
	fmt.Println(n > 0)
	// Output: true
}

func ExampleCatalog_Len() {
	c := policy.Builtin()
	n := 0
	for range c.Definitions() {
		n++
	}
	fmt.Println(c.Len() == n)
	// Output: true
}

func ExampleCatalog_Template() {
	t, ok := policy.Builtin().Template(winAVTemplate)
	fmt.Println(ok, t.DisplayName, "|", t.Family, "|", t.Platforms, "|", t.Technologies)
	// Output: true Microsoft Defender Antivirus | endpointSecurityAntivirus | windows10 | mdm,microsoftSense
}

func ExampleCatalog_Templates() {
	for _, t := range policy.Builtin().Templates() {
		if t.Platforms == policy.PlatformLinux {
			fmt.Println(t.ID, t.DisplayName)
		}
	}
	// Output:
	// 3514388a-d4d1-4aa8-bd64-c317776008f5_1 Endpoint detection and response
	// 4cfd164c-5e8a-4ea9-b15d-9aa71e4ffff4_1 Microsoft Defender Antivirus
	// 8a17a1e5-3df4-4e07-9d20-3878267a79b8_1 Microsoft Defender Antivirus exclusions
	// dfa57610-d11d-4bf8-89d6-1f5cb1679506_1 Microsoft Defender Global Exclusions (AV+EDR)
}

func ExampleTemplate_Setting() {
	t, _ := policy.Builtin().Template(winAVTemplate)
	s, ok := t.Setting(defender + "allowrealtimemonitoring")
	fmt.Println(ok, s.InstanceTemplateID, s.ValueTemplateID)
	// Output: true f0790e28-9231-4d37-8f44-84bb47ca1b3e 0492c452-1069-4b91-9363-93b8e006ab12
}

// The real template gives the high-severity action under Threat Severity
// Default Action template ids of its own.
func ExampleTemplate_Child() {
	t, _ := policy.Builtin().Template(winAVTemplate)
	s, ok := t.Child(highThreats)
	fmt.Println(ok, s.InstanceTemplateID != "")
	_, ok = t.Child(severeThreats)
	fmt.Println(ok)
	// Output:
	// true true
	// false
}

func ExampleDefinition_Option() {
	d, _ := policy.Builtin().Definition(defender + "cloudblocklevel")
	o, ok := d.Option(defender + "cloudblocklevel_2")
	fmt.Println(ok, o.DisplayName, o.Value)
	// Output: true High 2
}

func ExampleDefinition_Child() {
	d, _ := policy.Builtin().Definition(threatAction)
	c, ok := d.Child(severeThreats)
	fmt.Println(ok, c.DisplayName, len(c.Options))
	// Output: true Remediation action for Severe threats 6
}

func ExampleDefinition_Parent() {
	d, _ := policy.Builtin().Definition(severeThreats)
	parent, option := d.Parent()
	fmt.Println(parent.ID, option == "")
	top, _ := policy.Builtin().Definition(threatAction)
	parent, _ = top.Parent()
	fmt.Println(parent == nil)
	// Output:
	// device_vendor_msft_policy_config_defender_threatseveritydefaultaction true
	// true
}

// Tamper protection through the Defender channel is listed as unsupported
// by the legacy documentation only.
func ExampleDefinition_SupportedIn() {
	d, _ := policy.Builtin().Definition("vendor_msft_defender_configuration_tamperprotection_options")
	fmt.Println(d.SupportedIn(policy.VariantLegacy), d.SupportedIn(policy.VariantCurrent))
	// Output: false true
}

func ExampleKind_IsCollection() {
	for _, k := range []policy.Kind{policy.KindChoice, policy.KindChoiceCollection, policy.KindStringCollection, policy.KindGroupCollection} {
		fmt.Println(k, k.IsCollection())
	}
	// Output:
	// choice false
	// choiceCollection true
	// stringCollection true
	// groupCollection true
}

func ExampleKind_IsGroup() {
	for _, k := range []policy.Kind{policy.KindGroup, policy.KindGroupCollection, policy.KindStringCollection} {
		fmt.Println(k, k.IsGroup())
	}
	// Output:
	// group true
	// groupCollection true
	// stringCollection false
}

func ExampleInstanceKind_ODataType() {
	fmt.Println(policy.Choice(linuxRealtime, linuxRealtime+"_true").Kind.ODataType())
	fmt.Println(policy.Strings(defender+"excludedpaths", `C:\Builds`).Kind.ODataType())
	// Output:
	// #microsoft.graph.deviceManagementConfigurationChoiceSettingInstance
	// #microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance
}

func ExampleValueType_ODataType() {
	fmt.Println(policy.Integer(defender+"avgcpuloadfactor", 40).Simple.Type.ODataType())
	fmt.Println(policy.Secret(winOnboardingKey, "x").Simple.Type.ODataType())
	// Output:
	// #microsoft.graph.deviceManagementConfigurationIntegerSettingValue
	// #microsoft.graph.deviceManagementConfigurationSecretSettingValue
}

func ExampleDecodeGraphPage() {
	pg, err := policy.DecodeGraphPage([]byte(`{
		"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/configurationPolicies",
		"@odata.nextLink": "https://graph.microsoft.com/beta/deviceManagement/configurationPolicies?$skiptoken=2",
		"value": [` + nativeExport[len("\ufeff"):] + `]}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(pg.Policies), pg.Policies[0].Name)
	fmt.Println(pg.NextLink)
	// Output:
	// 1 Workstations - antivirus
	// https://graph.microsoft.com/beta/deviceManagement/configurationPolicies?$skiptoken=2
}

func ExampleEncodeGraphPage() {
	p, err := policy.NewPolicy(policy.Builtin(), linuxAVTemplate, "Linux servers", policy.Choice(linuxRealtime, linuxRealtime+"_true"))
	if err != nil {
		log.Fatal(err)
	}
	p.ID = "1c7e2f90-5a3b-4d8e-b6f1-0a9c3e5d7b24"
	b, err := policy.EncodeGraphPage(&policy.Page{Policies: []*policy.Policy{p}})
	if err != nil {
		log.Fatal(err)
	}
	back, err := policy.DecodeGraphList(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b[:10]), len(back), back[0].ID)
	// Output: {"value":[ 1 1c7e2f90-5a3b-4d8e-b6f1-0a9c3e5d7b24
}

func ExampleLookupProfile() {
	p, ok := policy.LookupProfile(firewallRules)
	fmt.Printf("%v %s / %s legacy=%v current=%v firewall=%v\n", ok, p.PolicyType, p.Name, p.Legacy, p.Current, p.Firewall)
	// Output: true Firewall / Windows Firewall Rules legacy=true current=true firewall=true
}

func ExampleParsePlatforms() {
	p, err := policy.ParsePlatforms("windows10")
	fmt.Println(p, err, p == policy.PlatformWindows10)
	_, err = policy.ParsePlatforms("windows95")
	fmt.Println(err)
	// Output:
	// windows10 <nil> true
	// policy: unknown platform "windows95"
}

func ExampleParseTechnologies() {
	t, err := policy.ParseTechnologies("mdm,microsoftSense")
	fmt.Println(t, err, t.Has(policy.TechnologyMicrosoftSense))
	// Output: mdm,microsoftSense <nil> true
}

func ExamplePlatforms_Has() {
	t, _ := policy.Builtin().Template(linuxAVTemplate)
	fmt.Println(t.Platforms.Has(policy.PlatformLinux), t.Platforms.Has(policy.PlatformMacOS))
	// Output: true false
}

func ExampleTechnologies_Has() {
	t, _ := policy.Builtin().Template(winAVTemplate)
	fmt.Println(t.Technologies.Has(policy.TechnologyMDM|policy.TechnologyMicrosoftSense), t.Technologies.Has(policy.TechnologyConfigManager))
	// Output: true false
}

// The export starts with a byte order mark, as a file saved from the
// portal does; encoding writes it back.
func ExamplePolicy_HadBOM() {
	p, err := policy.DecodeGraph([]byte(nativeExport))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.HadBOM())
	// Output: true
}

// Properties the model does not hold are kept as they came.
func ExamplePolicy_Property() {
	p, err := policy.DecodeGraph([]byte(nativeExport))
	if err != nil {
		log.Fatal(err)
	}
	raw, ok := p.Property("priorityMetaData")
	fmt.Println(string(raw), ok)
	// Output: null true
}

func ExampleSettingInstance_Property() {
	p, err := policy.DecodeGraph([]byte(nativeExport))
	if err != nil {
		log.Fatal(err)
	}
	raw, ok := p.Settings[0].Instance.Property("auditRuleInformation")
	fmt.Println(string(raw), ok)
	// Output: null true
}

func ExamplePolicy_Setting() {
	p, err := policy.DecodeGraph([]byte(nativeExport))
	if err != nil {
		log.Fatal(err)
	}
	s, ok := p.Setting(defender + "excludedpaths")
	paths, _ := s.StringValues()
	fmt.Println(ok, paths)
	// Output: true [D:\Builds]
}

// Walk visits every instance, children included, until fn returns false.
func ExamplePolicy_Walk() {
	p, err := policy.NewPolicy(policy.Builtin(), winAVTemplate, "Workstations",
		policy.Choice(defender+"allowrealtimemonitoring", defender+"allowrealtimemonitoring_1"),
		policy.GroupCollection(threatAction, policy.Item(
			policy.Choice(severeThreats, severeThreats+"_remove"),
			policy.Choice(highThreats, highThreats+"_quarantine"))))
	if err != nil {
		log.Fatal(err)
	}
	p.Walk(func(s *policy.SettingInstance) bool {
		fmt.Println(s.DefinitionID)
		return true
	})
	// Output:
	// device_vendor_msft_policy_config_defender_allowrealtimemonitoring
	// device_vendor_msft_policy_config_defender_threatseveritydefaultaction
	// device_vendor_msft_policy_config_defender_threatseveritydefaultaction_severethreats
	// device_vendor_msft_policy_config_defender_threatseveritydefaultaction_highseveritythreats
}

func ExampleSettingInstance_Child() {
	s := policy.GroupCollection(threatAction, policy.Item(policy.Choice(severeThreats, severeThreats+"_remove")))
	c, ok := s.Child(severeThreats)
	v, _ := c.ChoiceItemID()
	fmt.Println(ok, v)
	// Output: true device_vendor_msft_policy_config_defender_threatseveritydefaultaction_severethreats_remove
}

func ExampleSettingInstance_Children() {
	s := policy.GroupCollection(threatAction,
		policy.Item(policy.Choice(severeThreats, severeThreats+"_remove"), policy.Choice(highThreats, highThreats+"_block")))
	for _, c := range s.Children() {
		fmt.Println(c.DefinitionID)
	}
	// Output:
	// device_vendor_msft_policy_config_defender_threatseveritydefaultaction_severethreats
	// device_vendor_msft_policy_config_defender_threatseveritydefaultaction_highseveritythreats
}

func ExampleSettingInstance_ChoiceItemID() {
	p, err := policy.DecodeGraph([]byte(nativeExport))
	if err != nil {
		log.Fatal(err)
	}
	id, ok := p.Settings[0].Instance.ChoiceItemID()
	fmt.Println(id, ok)
	_, ok = p.Settings[1].Instance.ChoiceItemID()
	fmt.Println(ok)
	// Output:
	// device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1 true
	// false
}

func ExampleSettingInstance_ChoiceItemIDs() {
	ids, ok := policy.Choices(rule+"_interfacetypes", rule+"_interfacetypes_lan", rule+"_interfacetypes_wireless").ChoiceItemIDs()
	fmt.Println(ids, ok)
	// Output: [vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_interfacetypes_lan vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_interfacetypes_wireless] true
}

func ExampleSettingInstance_GroupItems() {
	s := policy.GroupCollection(rule,
		policy.Item(policy.String(rule+"_name", "Allow RDP from admins")),
		policy.Item(policy.String(rule+"_name", "Block inbound SMB")))
	for _, it := range s.GroupItems() {
		n, _ := it.Child(rule + "_name")
		v, _ := n.StringValue()
		fmt.Println(v)
	}
	// Output:
	// Allow RDP from admins
	// Block inbound SMB
}

func ExampleSettingInstance_IntegerValue() {
	v, ok := policy.Integer(defender+"avgcpuloadfactor", 40).IntegerValue()
	fmt.Println(v, ok)
	_, ok = policy.String(rule+"_name", "x").IntegerValue()
	fmt.Println(ok)
	// Output:
	// 40 true
	// false
}

func ExampleSettingInstance_IntegerValues() {
	vs, ok := policy.Integers("example_ports", 80, 443).IntegerValues()
	fmt.Println(vs, ok)
	// Output: [80 443] true
}

func ExampleSettingInstance_StringValue() {
	v, ok := policy.String(rule+"_name", "Block inbound SMB").StringValue()
	fmt.Println(v, ok)
	// Output: Block inbound SMB true
}

func ExampleSettingInstance_StringValues() {
	vs, ok := policy.Strings(defender+"excludedextensions", ".log", ".tmp").StringValues()
	fmt.Println(vs, ok)
	// Output: [.log .tmp] true
}

// Validation lists every problem; Has asks for one kind.
func ExampleValidationError_Has() {
	p, err := policy.NewPolicy(policy.Builtin(), winAVTemplate, "Workstations",
		policy.Integer(defender+"avgcpuloadfactor", 400),
		policy.Choice(defender+"cloudblocklevel", defender+"cloudblocklevel_9"))
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		log.Fatal(p, err)
	}
	fmt.Println(ve.Has(policy.ReasonOutOfRange), ve.Has(policy.ReasonUnknownOption), ve.Has(policy.ReasonTooMany))
	// Output: true true false
}
