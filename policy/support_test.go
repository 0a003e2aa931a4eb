package policy

import (
	"testing"
)

func TestSupported(t *testing.T) {
	const (
		av      = "804339ad-1553-4478-a742-138fb5807418_1"
		wse     = "d948ff9b-99cb-4ee0-8012-1fbc09685377_1"
		updates = "e3f74c5a-a6de-411d-aef6-eb15628f3a0a_1"
		fw      = "6078910e-d808-4a9f-a51d-1b8a7bacb7c0_1"
		fwRules = "19c8aa67-f286-4861-9aa0-f23541d31680_1"
		macAV   = "2d345ec2-c817-49e5-9156-3ed416dc972a_1"
		linEDR  = "3514388a-d4d1-4aa8-bd64-c317776008f5_1"
		devCtl  = "0f2034c6-3cd6-4ee1-bd37-f3c0693e9548_1"
		hyperV  = "a5481c22-7a2a-4f59-a33e-6eee30d02f94_1"
	)
	win := DeviceClass{Platform: DeviceWindows}
	server := DeviceClass{Platform: DeviceWindowsServer}
	dc := DeviceClass{Platform: DeviceWindowsServer, DomainController: true}
	mac := DeviceClass{Platform: DeviceMacOS}
	linux := DeviceClass{Platform: DeviceLinux}
	ssm, mdm := ChannelSecuritySettingsManagement, ChannelMDM
	cases := []struct {
		name     string
		template string
		device   DeviceClass
		channel  Channel
		variant  Variant
		want     SupportReason
	}{
		{"antivirus, current", av, win, ssm, VariantCurrent, SupportOK},
		{"antivirus, legacy", av, server, ssm, VariantLegacy, SupportOK},
		{"security experience, current", wse, win, ssm, VariantCurrent, SupportOK},
		{"security experience, legacy", wse, win, ssm, VariantLegacy, SupportNotInVariant},
		{"security experience, legacy, MDM", wse, win, mdm, VariantLegacy, SupportOK},
		{"update controls, legacy", updates, win, ssm, VariantLegacy, SupportNotInVariant},
		{"firewall on a domain controller", fw, dc, ssm, VariantCurrent, SupportDomainController},
		{"firewall rules on a domain controller", fwRules, dc, ssm, VariantLegacy, SupportDomainController},
		{"firewall on a member server", fw, server, ssm, VariantCurrent, SupportOK},
		{"antivirus on a domain controller", av, dc, ssm, VariantCurrent, SupportOK},
		{"macOS, current", macAV, mac, ssm, VariantCurrent, SupportOK},
		{"macOS, legacy", macAV, mac, ssm, VariantLegacy, SupportNotInVariant},
		{"linux, current", linEDR, linux, ssm, VariantCurrent, SupportOK},
		{"linux profile on windows", linEDR, win, ssm, VariantCurrent, SupportWrongPlatform},
		{"windows profile on macOS", av, mac, mdm, VariantCurrent, SupportWrongPlatform},
		{"device control", devCtl, win, ssm, VariantCurrent, SupportMDMOnly},
		{"device control, MDM", devCtl, win, mdm, VariantCurrent, SupportOK},
		{"hyper-v firewall rules", hyperV, win, ssm, VariantCurrent, SupportMDMOnly},
		{"server through MDM", av, server, mdm, VariantCurrent, SupportNoMDMEnrollment},
		{"unknown template", "x_1", win, ssm, VariantCurrent, SupportUnknownTemplate},
		{"bad platform", av, DeviceClass{Platform: "android"}, ssm, VariantCurrent, SupportBadQuery},
		{"bad channel", av, win, "gpo", VariantCurrent, SupportBadQuery},
		{"bad variant", av, win, ssm, "2019", SupportBadQuery},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Supported(tc.template, tc.device, tc.channel, tc.variant)
			if got.Reason != tc.want || got.Supported != (tc.want == SupportOK) {
				t.Fatalf("Supported = %+v, want %s", got, tc.want)
			}
			if !got.Supported && got.Detail == "" {
				t.Fatal("a refusal needs a detail")
			}
		})
	}
}

func TestProfilesCoverCatalogAndTable(t *testing.T) {
	rows := Profiles()
	for _, tmpl := range Builtin().Templates() {
		p, ok := LookupProfile(tmpl.ID)
		if !ok {
			t.Errorf("template %s (%s) is not in the support matrix", tmpl.ID, tmpl.DisplayName)
			continue
		}
		if p.Platforms != tmpl.Platforms || !p.Current {
			t.Errorf("row %s: %+v", tmpl.ID, p)
		}
	}
	legacy := 0
	for i, r := range rows {
		if i > 0 && rows[i-1].Platforms > r.Platforms {
			t.Error("rows are not ordered by platform")
		}
		if r.Legacy {
			legacy++
			if r.Platforms != PlatformWindows10 {
				t.Errorf("legacy variant row for %s", r.Platforms)
			}
		}
		if !r.Current && r.why != SupportMDMOnly {
			t.Errorf("%s: not delivered without a reason", r.Name)
		}
	}
	// Legacy: antivirus, exclusions, ASR rules, EDR, firewall, firewall rules.
	if legacy != 6 {
		t.Errorf("%d legacy rows, want 6", legacy)
	}
	if _, ok := LookupProfile("nope"); ok {
		t.Error("LookupProfile found an unknown template")
	}
}

func TestDeliverable(t *testing.T) {
	win := DeviceClass{Platform: DeviceWindows}
	policyOf := func(tmpl string, platforms Platforms, tech Technologies) *Policy {
		return &Policy{Platforms: platforms, Technologies: tech, TemplateReference: TemplateReference{TemplateID: tmpl}}
	}
	sense := TechnologyMDM | TechnologyMicrosoftSense
	cases := []struct {
		name string
		p    *Policy
		d    DeviceClass
		v    Variant
		want SupportReason
	}{
		{"antivirus", policyOf("804339ad-1553-4478-a742-138fb5807418_1", PlatformWindows10, sense), win, VariantCurrent, SupportOK},
		{"no microsoftSense", policyOf("804339ad-1553-4478-a742-138fb5807418_1", PlatformWindows10, TechnologyMDM), win, VariantCurrent, SupportNoMicrosoftSense},
		{"windows 10 and later profile", policyOf("", PlatformWindows10, TechnologyMDM), win, VariantCurrent, SupportWindows10AndLater},
		{"macOS settings catalog", policyOf("", PlatformMacOS, TechnologyMDM|TechnologyAppleRemoteManagement), DeviceClass{Platform: DeviceMacOS}, VariantCurrent, SupportNoMicrosoftSense},
		{"device control has microsoftSense but is MDM only", policyOf("0f2034c6-3cd6-4ee1-bd37-f3c0693e9548_1", PlatformWindows10, sense), win, VariantCurrent, SupportMDMOnly},
		{"wrong platform", policyOf("4cfd164c-5e8a-4ea9-b15d-9aa71e4ffff4_1", PlatformLinux, TechnologyMicrosoftSense), win, VariantCurrent, SupportWrongPlatform},
		{"linux", policyOf("4cfd164c-5e8a-4ea9-b15d-9aa71e4ffff4_1", PlatformLinux, TechnologyMicrosoftSense), DeviceClass{Platform: DeviceLinux}, VariantCurrent, SupportOK},
		{"linux, legacy", policyOf("4cfd164c-5e8a-4ea9-b15d-9aa71e4ffff4_1", PlatformLinux, TechnologyMicrosoftSense), DeviceClass{Platform: DeviceLinux}, VariantLegacy, SupportNotInVariant},
		{"firewall on a domain controller", policyOf("6078910e-d808-4a9f-a51d-1b8a7bacb7c0_1", PlatformWindows10, sense), DeviceClass{Platform: DeviceWindowsServer, DomainController: true}, VariantCurrent, SupportDomainController},
		{"no template, microsoftSense", policyOf("", PlatformWindows10, sense), win, VariantCurrent, SupportOK},
		{"bad variant", policyOf("", PlatformWindows10, sense), win, "", SupportBadQuery},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Deliverable(tc.p, tc.d, tc.v)
			if got.Reason != tc.want || got.Supported != (tc.want == SupportOK) {
				t.Fatalf("Deliverable = %+v, want %s", got, tc.want)
			}
		})
	}
}

func TestEnumsValid(t *testing.T) {
	for _, ok := range []bool{
		DeviceWindows.Valid(), ChannelMDM.Valid(), InstanceChoice.Valid(), ValueSecret.Valid(), SecretEncryptedValueToken.Valid(),
		TargetAllDevices.Valid(), FilterExclude.Valid(), SourceDirect.Valid(), ReasonTooMany.Valid(),
	} {
		if !ok {
			t.Error("a declared value is not Valid")
		}
	}
	for _, bad := range []bool{
		DevicePlatform("x").Valid(), Channel("x").Valid(), InstanceKind("x").Valid(), ValueType("x").Valid(), SecretState("x").Valid(),
		TargetKind("x").Valid(), FilterType("x").Valid(), AssignmentSource("x").Valid(), Reason("x").Valid(),
	} {
		if bad {
			t.Error("an undeclared value is Valid")
		}
	}
	if InstanceGroupCollection.ODataType() != "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance" ||
		TargetExclusionGroup.ODataType() != "#microsoft.graph.exclusionGroupAssignmentTarget" ||
		ValueReference.ODataType() != "#microsoft.graph.deviceManagementConfigurationReferenceSettingValue" {
		t.Error("ODataType")
	}
}
