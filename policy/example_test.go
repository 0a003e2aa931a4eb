package policy_test

import (
	"errors"
	"fmt"

	"github.com/secmgmt/secmgmt/policy"
)

const nativeExport = "\ufeff" + `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#deviceManagement/configurationPolicies(settings())/$entity",
"createdDateTime":"2025-02-11T09:14:27.3512876Z","creationSource":null,"description":"","lastModifiedDateTime":"2025-02-11T09:14:27.3512876Z",
"name":"Workstations - antivirus","platforms":"windows10","priorityMetaData":null,"roleScopeTagIds":["0"],"settingCount":2,
"technologies":"mdm,microsoftSense","id":"6b0d5a4e-93f1-4c7b-a2de-0c5e9a1f7d31",
"templateReference":{"templateId":"804339ad-1553-4478-a742-138fb5807418_1","templateFamily":"endpointSecurityAntivirus","templateDisplayName":"Microsoft Defender Antivirus","templateDisplayVersion":"Version 1"},
"settings":[
 {"id":"0","settingInstance":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
  "settingDefinitionId":"device_vendor_msft_policy_config_defender_allowrealtimemonitoring",
  "settingInstanceTemplateReference":{"settingInstanceTemplateId":"f0790e28-9231-4d37-8f44-84bb47ca1b3e"},"auditRuleInformation":null,
  "choiceSettingValue":{"settingValueTemplateReference":{"settingValueTemplateId":"0492c452-1069-4b91-9363-93b8e006ab12","useTemplateDefault":false},
   "value":"device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1","children":[]}}},
 {"id":"1","settingInstance":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
  "settingDefinitionId":"device_vendor_msft_policy_config_defender_excludedpaths",
  "settingInstanceTemplateReference":{"settingInstanceTemplateId":"867f7498-1484-443f-bf6a-f12abb1f2f60"},"auditRuleInformation":null,
  "simpleSettingCollectionValue":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationStringSettingValue","settingValueTemplateReference":null,"value":"D:\\Builds"}]}}]}`

func ExampleDecodeGraph() {
	p, err := policy.DecodeGraph([]byte(nativeExport))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name, "|", p.TemplateReference.TemplateDisplayName, "|", p.Technologies)
	rt, _ := p.Settings[0].Instance.ChoiceItemID()
	def, _ := policy.Builtin().Definition(p.Settings[0].Instance.DefinitionID)
	opt, _ := def.Option(rt)
	fmt.Printf("%s = %v\n", def.Name, opt.Value)
	paths, _ := p.Settings[1].Instance.StringValues()
	fmt.Println("excluded paths:", paths)
	// Output:
	// Workstations - antivirus | Microsoft Defender Antivirus | mdm,microsoftSense
	// AllowRealtimeMonitoring = 1
	// excluded paths: [D:\Builds]
}

func ExampleDecodeGraph_errors() {
	_, err := policy.DecodeGraph([]byte(`{"settings":[{"id":"0","settingInstance":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationFloatSettingInstance"}}]}`))
	var de *policy.DecodeError
	if errors.As(err, &de) {
		fmt.Println(de.Path)
		fmt.Println(de.Reason)
	}
	// Output:
	// settings[0].settingInstance.@odata.type
	// unknown setting instance type "#microsoft.graph.deviceManagementConfigurationFloatSettingInstance"
}

func ExampleEncodeGraph() {
	p, _ := policy.DecodeGraph([]byte(nativeExport))
	p.Description = "edited"
	out, _ := policy.EncodeGraph(p)
	// Unknown properties (auditRuleInformation, priorityMetaData, ...) and
	// the input's spelling survive; the byte-order mark is not written.
	q, _ := policy.DecodeGraph(out)
	raw, _ := q.Settings[0].Instance.Property("auditRuleInformation")
	fmt.Println(q.Description, string(raw), q.HadBOM())
	// Output: edited null false
}

func ExampleDecodeGraphList() {
	ps, err := policy.DecodeGraphList([]byte(`{"@odata.context":"https://graph.microsoft.com/beta/$metadata#deviceManagement/configurationPolicies",
		"value":[{"id":"a","name":"First"},{"id":"b","name":"Second"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ps {
		fmt.Println(p.ID, p.Name)
	}
	// Output:
	// a First
	// b Second
}

func ExampleCatalog_Validate() {
	p, _ := policy.DecodeGraph([]byte(nativeExport))
	p.Settings = append(p.Settings,
		&policy.Setting{ID: "2", Instance: policy.Integer("device_vendor_msft_policy_config_defender_avgcpuloadfactor", 150)},
		&policy.Setting{ID: "3", Instance: policy.Choice("device_vendor_msft_policy_config_defender_cloudblocklevel", "device_vendor_msft_policy_config_defender_cloudblocklevel_5")},
		&policy.Setting{ID: "4", Instance: policy.Integer("device_vendor_msft_policy_config_defender_no_such_setting", 1)},
	)
	err := policy.Builtin().Validate(p)
	var ve *policy.ValidationError
	if errors.As(err, &ve) {
		for _, pr := range ve.Problems {
			fmt.Println(pr.Path, pr.Reason)
		}
	}
	// Output:
	// settings[2].settingInstance.simpleSettingValue.value outOfRange
	// settings[3].settingInstance.choiceSettingValue.value unknownOption
	// settings[4].settingInstance unknownSetting
}

func ExampleCatalog_Coverage() {
	p, _ := policy.DecodeGraph([]byte(nativeExport))
	known, total := policy.Builtin().Coverage(p)
	fmt.Printf("%d/%d\n", known, total)
	// Output: 2/2
}

func ExampleNewPolicy() {
	const asr = "device_vendor_msft_policy_config_defender_attacksurfacereductionrules"
	p, err := policy.NewPolicy(policy.Builtin(), "e8c053d6-9f95-42b1-a7f1-ebfd71c67a4b_1", "ASR - Office",
		policy.GroupCollection(asr, policy.Item(
			policy.Choice(asr+"_blockwin32apicallsfromofficemacros", asr+"_blockwin32apicallsfromofficemacros_block"),
			policy.Choice(asr+"_blockofficeapplicationsfromcreatingexecutablecontent", asr+"_blockofficeapplicationsfromcreatingexecutablecontent_audit"),
		)),
		policy.Strings("device_vendor_msft_policy_config_defender_attacksurfacereductiononlyexclusions", `C:\Tools\build.exe`),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	p.Assignments = []*policy.Assignment{policy.Include("5e2f9c41-0d3a-4b8e-a716-2f4c9d0e1b73")}
	fmt.Println(p.Platforms, p.Technologies, p.TemplateReference.TemplateFamily)
	fmt.Println(p.Settings[0].ID, p.Settings[0].Instance.TemplateReference.InstanceTemplateID)
	out, _ := policy.EncodeGraph(p)
	fmt.Println(len(out) > 0)
	// Output:
	// windows10 mdm,microsoftSense endpointSecurityAttackSurfaceReduction
	// 0 19600663-e264-4c02-8f55-f2983216d6d7
	// true
}

func ExampleSupported() {
	const wse = "d948ff9b-99cb-4ee0-8012-1fbc09685377_1"
	win := policy.DeviceClass{Platform: policy.DeviceWindows}
	for _, v := range []policy.Variant{policy.VariantLegacy, policy.VariantCurrent} {
		s := policy.Supported(wse, win, policy.ChannelSecuritySettingsManagement, v)
		fmt.Println(v, s.Supported, s.Reason)
	}
	dc := policy.DeviceClass{Platform: policy.DeviceWindowsServer, DomainController: true}
	s := policy.Supported("6078910e-d808-4a9f-a51d-1b8a7bacb7c0_1", dc, policy.ChannelSecuritySettingsManagement, policy.VariantCurrent)
	fmt.Println(s.Reason, "-", s.Detail)
	// Output:
	// legacy false notInVariant
	// current true supported
	// domainController - firewall policies are not delivered to domain controllers
}

func ExampleDeliverable() {
	p, _ := policy.DecodeGraph([]byte(nativeExport))
	fmt.Println(policy.Deliverable(p, policy.DeviceClass{Platform: policy.DeviceWindowsServer}, policy.VariantLegacy).Supported)
	p.Technologies = policy.TechnologyMDM // a "Windows 10 and later" style profile
	fmt.Println(policy.Deliverable(p, policy.DeviceClass{Platform: policy.DeviceWindows}, policy.VariantCurrent).Reason)
	// Output:
	// true
	// noMicrosoftSense
}

func ExampleProfiles() {
	n := 0
	for _, p := range policy.Profiles() {
		if p.Current {
			n++
		}
	}
	fmt.Println(n, "profiles are delivered through security settings management")
	// Output: 15 profiles are delivered through security settings management
}

func ExampleDecodeAssignments() {
	as, _ := policy.DecodeAssignments([]byte(`{"assignments":[
		{"target":{"@odata.type":"#microsoft.graph.groupAssignmentTarget","groupId":"g1"}},
		{"target":{"@odata.type":"#microsoft.graph.exclusionGroupAssignmentTarget","groupId":"g2"}}]}`))
	for _, a := range as {
		fmt.Println(a.Target.Kind, a.Target.GroupID)
	}
	// Output:
	// group g1
	// exclusionGroup g2
}

func ExampleEncodeAssignments() {
	out, _ := policy.EncodeAssignments([]*policy.Assignment{policy.AllDevices(), policy.Exclude("g2")})
	fmt.Println(string(out))
	// Output: {"assignments":[{"target":{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"}},{"target":{"@odata.type":"#microsoft.graph.exclusionGroupAssignmentTarget","groupId":"g2"}}]}
}

func ExampleDecodeGraphDefinitions() {
	defs, err := policy.DecodeGraphDefinitions([]byte(`{"value":[
		{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingDefinition","id":"contoso_scan_depth",
		 "valueDefinition":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValueDefinition","minimumValue":1,"maximumValue":8}}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, _ := policy.Builtin().With(defs, nil)
	p := &policy.Policy{Name: "custom", Settings: []*policy.Setting{{ID: "0", Instance: policy.Integer("contoso_scan_depth", 9)}}}
	fmt.Println(c.Validate(p))
	// Output:
	// policy "custom" is invalid: 1 problem
	// 	settings[0].settingInstance.simpleSettingValue.value (contoso_scan_depth): integer out of range: 9 is outside 1..8
}

func ExampleSettingInstance_Walk() {
	const asr = "device_vendor_msft_policy_config_defender_attacksurfacereductionrules"
	rules := policy.GroupCollection(asr, policy.Item(
		policy.Choice(asr+"_blockwin32apicallsfromofficemacros", asr+"_blockwin32apicallsfromofficemacros_warn"),
	))
	rules.Walk(func(s *policy.SettingInstance) bool {
		fmt.Println(s.Kind, s.DefinitionID)
		return true
	})
	// Output:
	// groupCollection device_vendor_msft_policy_config_defender_attacksurfacereductionrules
	// choice device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockwin32apicallsfromofficemacros
}

// A configuration of several instances is written into one buffer, here
// after a prefix, and read back in one pass.
func ExampleAppendInstances() {
	settings := []*policy.SettingInstance{
		policy.Choice("device_vendor_msft_policy_config_defender_allowrealtimemonitoring",
			"device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1"),
		policy.Integer("device_vendor_msft_policy_config_defender_avgcpuloadfactor", 30),
	}
	buf := []byte(`{"version":"v7","settings":`)
	buf, err := policy.AppendInstances(buf, settings)
	if err != nil {
		fmt.Println(err)
		return
	}
	buf = append(buf, '}')
	fmt.Println(string(buf))

	back, err := policy.DecodeInstances(buf[len(`{"version":"v7","settings":`) : len(buf)-1])
	if err != nil {
		fmt.Println(err)
		return
	}
	load, _ := back[1].IntegerValue()
	fmt.Println(len(back), load)
	// Output:
	// {"version":"v7","settings":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance","settingDefinitionId":"device_vendor_msft_policy_config_defender_allowrealtimemonitoring","choiceSettingValue":{"value":"device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1","children":[]}},{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId":"device_vendor_msft_policy_config_defender_avgcpuloadfactor","simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationIntegerSettingValue","value":30}}]}
	// 2 30
}

func ExampleDecodeInstances() {
	settings, err := policy.DecodeInstances([]byte(`[
	 {"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
	  "settingDefinitionId":"device_vendor_msft_policy_config_defender_excludedpaths",
	  "simpleSettingCollectionValue":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationStringSettingValue","value":"C:\\Temp"}]},
	 null]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	paths, _ := settings[0].StringValues()
	fmt.Println(paths, settings[1] == nil)

	_, err = policy.DecodeInstances([]byte(`[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationFloatSettingInstance"}]`))
	fmt.Println(err)
	// Output:
	// [C:\Temp] true
	// policy: decode [0].@odata.type: unknown setting instance type "#microsoft.graph.deviceManagementConfigurationFloatSettingInstance"
}

// AppendJSON writes one instance where a caller builds its own document.
func ExampleSettingInstance_AppendJSON() {
	s := policy.Secret("device_vendor_msft_windowsadvancedthreatprotection_onboarding_fromconnector", "blob")
	buf, err := s.AppendJSON([]byte(`{"onboarding":`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(append(buf, '}')))
	// Output:
	// {"onboarding":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance","settingDefinitionId":"device_vendor_msft_windowsadvancedthreatprotection_onboarding_fromconnector","simpleSettingValue":{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSecretSettingValue","value":"blob","valueState":"notEncrypted"}}}
}
