package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	avTemplate  = "804339ad-1553-4478-a742-138fb5807418_1"
	asrTemplate = "e8c053d6-9f95-42b1-a7f1-ebfd71c67a4b_1"
	edrTemplate = "0385b795-0f2f-44ac-8602-9f65bf6adede_1"
	fwTemplate  = "6078910e-d808-4a9f-a51d-1b8a7bacb7c0_1"
	def         = "device_vendor_msft_policy_config_defender_"
	asr         = def + "attacksurfacereductionrules"
	edrPrefix   = "device_vendor_msft_windowsadvancedthreatprotection_"
	fwDomain    = "vendor_msft_firewall_mdmstore_domainprofile_"
)

// avPolicy returns a valid antivirus policy plus the given settings.
func avPolicy(settings ...*SettingInstance) *Policy {
	p := &Policy{
		Name:              "av",
		Platforms:         PlatformWindows10,
		Technologies:      TechnologyMDM | TechnologyMicrosoftSense,
		TemplateReference: TemplateReference{TemplateID: avTemplate},
	}
	for i, s := range append([]*SettingInstance{Choice(def+"allowrealtimemonitoring", def+"allowrealtimemonitoring_1")}, settings...) {
		p.Settings = append(p.Settings, &Setting{ID: string(rune('a' + i)), Instance: s})
	}
	return p
}

func TestValidateProblems(t *testing.T) {
	cases := []struct {
		name   string
		p      func() *Policy
		reason Reason
		path   string
	}{
		{"unknown setting", func() *Policy { return avPolicy(Integer("no_such_setting", 1)) }, ReasonUnknownSetting, "settings[1].settingInstance"},
		{"wrong kind", func() *Policy { return avPolicy(String(def+"avgcpuloadfactor", "50")) }, ReasonWrongKind, "settings[1].settingInstance"},
		{"wrong instance type", func() *Policy { return avPolicy(Strings(def+"allowarchivescanning", "1")) }, ReasonWrongKind, "settings[1].settingInstance"},
		{"unknown option", func() *Policy { return avPolicy(Choice(def+"cloudblocklevel", def+"cloudblocklevel_3")) }, ReasonUnknownOption, "settings[1].settingInstance.choiceSettingValue.value"},
		{"option of another setting", func() *Policy { return avPolicy(Choice(def+"cloudblocklevel", def+"allowrealtimemonitoring_1")) }, ReasonUnknownOption, "settings[1].settingInstance.choiceSettingValue.value"},
		{"integer above max", func() *Policy { return avPolicy(Integer(def+"avgcpuloadfactor", 101)) }, ReasonOutOfRange, "settings[1].settingInstance.simpleSettingValue.value"},
		{"integer below min", func() *Policy { return avPolicy(Integer(def+"cloudextendedtimeout", -1)) }, ReasonOutOfRange, "settings[1].settingInstance.simpleSettingValue.value"},
		{"duplicate setting", func() *Policy {
			return avPolicy(Choice(def+"allowrealtimemonitoring", def+"allowrealtimemonitoring_0"))
		}, ReasonDuplicateSetting, "settings[1].settingInstance"},
		{"duplicate setting id", func() *Policy {
			p := avPolicy(Integer(def+"avgcpuloadfactor", 5))
			p.Settings[1].ID = p.Settings[0].ID
			return p
		}, ReasonDuplicateSetting, "settings[1].id"},
		{"not in template", func() *Policy {
			return avPolicy(Choice("device_vendor_msft_defender_configuration_tamperprotection_options", "x"))
		}, ReasonUnknownSetting, "settings[1].settingInstance"},
		{"setting of another template", func() *Policy {
			return avPolicy(Choice(edrPrefix+"configuration_samplesharing", edrPrefix+"configuration_samplesharing_1"))
		}, ReasonNotInTemplate, "settings[1].settingInstance"},
		{"child as top-level setting", func() *Policy {
			return avPolicy(Choice(def+"threatseveritydefaultaction_lowseveritythreats", def+"threatseveritydefaultaction_lowseveritythreats_clean"))
		}, ReasonMisplacedChild, "settings[1].settingInstance"},
		{"unknown template", func() *Policy {
			p := avPolicy()
			p.TemplateReference.TemplateID = "00000000-0000-0000-0000-000000000000_1"
			return p
		}, ReasonUnknownTemplate, "templateReference.templateId"},
		{"platform of the template", func() *Policy { p := avPolicy(); p.Platforms |= PlatformMacOS; return p }, ReasonPlatformMismatch, "platforms"},
		{"technologies of the template", func() *Policy { p := avPolicy(); p.Technologies = TechnologyMDM; return p }, ReasonTechnologyMismatch, "technologies"},
		{"missing instance", func() *Policy { p := avPolicy(); p.Settings[0].Instance = nil; return p }, ReasonMissingValue, "settings[0].settingInstance"},
		{"missing choice value", func() *Policy {
			return avPolicy(&SettingInstance{Kind: InstanceChoice, DefinitionID: def + "allowarchivescanning"})
		}, ReasonMissingValue, "settings[1].settingInstance.choiceSettingValue"},
		{"empty choice", func() *Policy { return avPolicy(Choice(def+"allowarchivescanning", "")) }, ReasonUnknownOption, "settings[1].settingInstance.choiceSettingValue.value"},
		{"integer in a string collection", func() *Policy { return avPolicy(Integers(def+"excludedpaths", 1)) }, ReasonWrongKind, "settings[1].settingInstance.simpleSettingCollectionValue[0]"},
		{"group child not in group", func() *Policy {
			return avPolicy(GroupCollection(def+"threatseveritydefaultaction", Item(Integer(def+"avgcpuloadfactor", 5))))
		}, ReasonMisplacedChild, "settings[1].settingInstance.groupSettingCollectionValue[0].children[0]"},
		{"unknown child", func() *Policy {
			return avPolicy(GroupCollection(def+"threatseveritydefaultaction", Item(Integer("nope", 5))))
		}, ReasonUnknownSetting, "settings[1].settingInstance.groupSettingCollectionValue[0].children[0]"},
		{"duplicate child", func() *Policy {
			c := def + "threatseveritydefaultaction_lowseveritythreats"
			return avPolicy(GroupCollection(def+"threatseveritydefaultaction", Item(Choice(c, c+"_clean"), Choice(c, c+"_block"))))
		}, ReasonDuplicateSetting, "settings[1].settingInstance.groupSettingCollectionValue[0].children[1]"},
		{"group collection too long", func() *Policy {
			c := def + "threatseveritydefaultaction_lowseveritythreats"
			return avPolicy(GroupCollection(def+"threatseveritydefaultaction", Item(Choice(c, c+"_clean")), Item(Choice(c, c+"_block"))))
		}, ReasonTooMany, "settings[1].settingInstance.groupSettingCollectionValue"},
		{"unknown group child option", func() *Policy {
			c := def + "threatseveritydefaultaction_lowseveritythreats"
			return avPolicy(GroupCollection(def+"threatseveritydefaultaction", Item(Choice(c, c+"_burn"))))
		}, ReasonUnknownOption, "settings[1].settingInstance.groupSettingCollectionValue[0].children[0].choiceSettingValue.value"},
		{"wrong value type", func() *Policy {
			return avPolicy(&SettingInstance{Kind: InstanceSimple, DefinitionID: def + "avgcpuloadfactor", Simple: &SimpleValue{Type: ValueSecret, Text: "1"}})
		}, ReasonWrongKind, "settings[1].settingInstance"},
	}
	c := Builtin()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Validate(tc.p())
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			if len(ve.Problems) != 1 {
				t.Fatalf("%d problems, want 1:\n%v", len(ve.Problems), err)
			}
			got := ve.Problems[0]
			if got.Reason != tc.reason || got.Path != tc.path {
				t.Fatalf("problem %s at %s, want %s at %s\n%v", got.Reason, got.Path, tc.reason, tc.path, err)
			}
			if !ve.Has(tc.reason) || !tc.reason.Valid() {
				t.Fatal("Has / Valid")
			}
		})
	}
}

func TestValidateChildrenUnderOptions(t *testing.T) {
	c := Builtin()
	fw := func(children ...*SettingInstance) *Policy {
		return &Policy{Name: "fw", Platforms: PlatformWindows10, Technologies: TechnologyMDM | TechnologyMicrosoftSense,
			TemplateReference: TemplateReference{TemplateID: fwTemplate},
			Settings:          []*Setting{{ID: "0", Instance: Choice(fwDomain+"enablefirewall", fwDomain+"enablefirewall_false", children...)}}}
	}
	// logmaxfilesize lives under enablefirewall_true, not _false.
	err := c.Validate(fw(Integer(fwDomain+"logmaxfilesize", 1024)))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Reason != ReasonMisplacedChild ||
		!strings.Contains(ve.Problems[0].Detail, "enablefirewall_true") {
		t.Fatalf("err = %v", err)
	}
	p := fw(Integer(fwDomain+"logmaxfilesize", 1024))
	p.Settings[0].Instance.Choice.ItemID = fwDomain + "enablefirewall_true"
	if err := c.Validate(p); err != nil {
		t.Fatalf("valid child: %v", err)
	}
	// A child of another parent.
	p.Settings[0].Instance.Choice.Children = append(p.Settings[0].Instance.Choice.Children,
		Integer("vendor_msft_firewall_mdmstore_publicprofile_logmaxfilesize", 1))
	if err := c.Validate(p); !errors.As(err, &ve) || ve.Problems[0].Reason != ReasonMisplacedChild ||
		!strings.Contains(ve.Problems[0].Detail, "not a child of") {
		t.Fatalf("err = %v", err)
	}
	// The attack surface reduction per-rule exclusions sit under block,
	// audit and warn, not under off.
	rule := asr + "_blockwin32apicallsfromofficemacros"
	asrPolicy := func(option string) *Policy {
		return &Policy{Name: "asr", Platforms: PlatformWindows10, Technologies: TechnologyMDM | TechnologyMicrosoftSense,
			TemplateReference: TemplateReference{TemplateID: asrTemplate},
			Settings: []*Setting{{ID: "0", Instance: GroupCollection(asr, Item(
				Choice(rule, rule+option, Strings(rule+"_perruleexclusions", `C:\tools\macro.exe`))))}}}
	}
	for _, option := range []string{"_block", "_audit", "_warn"} {
		if err := c.Validate(asrPolicy(option)); err != nil {
			t.Errorf("exclusions under %s: %v", option, err)
		}
	}
	if err := c.Validate(asrPolicy("_off")); !errors.As(err, &ve) || ve.Problems[0].Reason != ReasonMisplacedChild {
		t.Errorf("exclusions under off: %v", err)
	}
}

func TestValidateStringsAndSecrets(t *testing.T) {
	c := Builtin()
	edr := func(v *SimpleValue) *Policy {
		return &Policy{Name: "edr", Platforms: PlatformWindows10, Technologies: TechnologyMDM | TechnologyMicrosoftSense,
			TemplateReference: TemplateReference{TemplateID: edrTemplate},
			Settings: []*Setting{{ID: "0", Instance: Choice(edrPrefix+"configurationtype", edrPrefix+"configurationtype_onboard",
				&SettingInstance{Kind: InstanceSimple, DefinitionID: edrPrefix + "onboarding", Simple: v})}}}
	}
	long := strings.Repeat("x", 175033)
	var ve *ValidationError
	if err := c.Validate(edr(&SimpleValue{Type: ValueSecret, Text: long, State: SecretNotEncrypted})); !errors.As(err, &ve) || ve.Problems[0].Reason != ReasonTooLong {
		t.Errorf("long secret: %v", err)
	}
	// A token from the service is not the secret: its length is not checked.
	if err := c.Validate(edr(&SimpleValue{Type: ValueSecret, Text: long, State: SecretEncryptedValueToken})); err != nil {
		t.Errorf("token: %v", err)
	}
	if err := c.Validate(edr(&SimpleValue{Type: ValueString, Text: "blob"})); !errors.As(err, &ve) || ve.Problems[0].Reason != ReasonWrongKind {
		t.Errorf("string for a secret: %v", err)
	}
	// Min length and min count, on a catalog extended in code.
	ext, err := c.With([]*Definition{
		{ID: "x_name", Kind: KindString, MinLength: 3},
		{ID: "x_list", Kind: KindStringCollection, MinCount: 1, MaxCount: 2},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &Policy{Name: "x", Settings: []*Setting{{ID: "0", Instance: String("x_name", "ab")}, {ID: "1", Instance: Strings("x_list")},
		{ID: "2", Instance: Strings("x_list", "a", "b", "c")}}}
	err = ext.Validate(p)
	if !errors.As(err, &ve) || len(ve.Problems) != 3 || ve.Problems[0].Reason != ReasonTooShort ||
		ve.Problems[1].Reason != ReasonTooFew || ve.Problems[2].Reason != ReasonDuplicateSetting {
		t.Fatalf("err = %v", err)
	}
	p.Settings = p.Settings[:2]
	p.Settings[1].Instance = Strings("x_list", "a", "b", "c")
	if err := ext.Validate(p); !errors.As(err, &ve) || !ve.Has(ReasonTooMany) {
		t.Fatalf("too many: %v", err)
	}
}

// TestValidateReportsEveryProblem is the acceptance check: a
// policy with several mistakes gets one error naming each of them.
func TestValidateReportsEveryProblem(t *testing.T) {
	p := avPolicy(
		Integer("device_vendor_msft_policy_config_defender_no_such_setting", 1),
		Integer(def+"avgcpuloadfactor", 250),
		Choice(def+"cloudblocklevel", def+"cloudblocklevel_9"),
		String(def+"allowarchivescanning", "yes"),
		Choice(edrPrefix+"configuration_samplesharing", edrPrefix+"configuration_samplesharing_1"),
	)
	p.Platforms = PlatformLinux
	err := Builtin().Validate(p)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v", err)
	}
	want := []struct {
		reason Reason
		path   string
	}{
		{ReasonPlatformMismatch, "platforms"},
		{ReasonPlatformMismatch, "settings[0].settingInstance"},
		{ReasonUnknownSetting, "settings[1].settingInstance"},
		{ReasonPlatformMismatch, "settings[2].settingInstance"},
		{ReasonOutOfRange, "settings[2].settingInstance.simpleSettingValue.value"},
		{ReasonPlatformMismatch, "settings[3].settingInstance"},
		{ReasonUnknownOption, "settings[3].settingInstance.choiceSettingValue.value"},
		{ReasonPlatformMismatch, "settings[4].settingInstance"},
		{ReasonWrongKind, "settings[4].settingInstance"},
		{ReasonNotInTemplate, "settings[5].settingInstance"},
		{ReasonPlatformMismatch, "settings[5].settingInstance"},
	}
	if len(ve.Problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(ve.Problems), len(want), err)
	}
	for i, w := range want {
		if got := ve.Problems[i]; got.Reason != w.reason || got.Path != w.path {
			t.Errorf("problem %d: %s at %s, want %s at %s", i, got.Reason, got.Path, w.reason, w.path)
		}
	}
	msg := err.Error()
	for _, frag := range []string{`policy "av" is invalid: 11 problems`, "no_such_setting", "250 is outside 0..100", "cloudblocklevel_9"} {
		if !strings.Contains(msg, frag) {
			t.Errorf("message lacks %q:\n%s", frag, msg)
		}
	}
}

func TestValidateIgnoresUnknownProperties(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "graph", "codec-native-antivirus.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodeGraph(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Settings[3].Instance.Property("settingGroupHint"); !ok {
		t.Fatal("fixture should carry an unknown instance property")
	}
	if err := Builtin().Validate(p); err != nil {
		t.Fatal(err)
	}
}

func TestValidateWithoutTemplate(t *testing.T) {
	// A settings catalog policy (no template) is checked against the
	// definitions alone.
	p := avPolicy(Choice(edrPrefix+"configuration_samplesharing", edrPrefix+"configuration_samplesharing_1"))
	p.TemplateReference = TemplateReference{TemplateFamily: "none"}
	p.Technologies = TechnologyMDM
	if err := Builtin().Validate(p); err != nil {
		t.Fatal(err)
	}
}
