package policy_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/secmgmt/secmgmt/policy"
)

func ExampleRenderLinux() {
	const p = "linux_mdatp_managed_"
	const excl = p + "antivirusengine_exclusions"
	out, err := policy.RenderLinux(nil, []*policy.SettingInstance{
		policy.Choice(p+"antivirusengine_enforcementlevel", p+"antivirusengine_enforcementlevel_0"),
		policy.Choice(p+"cloudservice_enabled", p+"cloudservice_enabled_true"),
		policy.GroupCollection(excl, policy.Item(
			policy.Choice(excl+"_item_$type", excl+"_item_$type_0",
				policy.String(excl+"_item_path", "/var/lib/docker"),
				policy.Choice(excl+"_item_isdirectory", excl+"_item_isdirectory_true")))),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(out))
	// Output:
	// {
	//   "antivirusEngine": {
	//     "enforcementLevel": "real_time",
	//     "exclusions": [
	//       {
	//         "$type": "excludedPath",
	//         "isDirectory": true,
	//         "path": "/var/lib/docker"
	//       }
	//     ]
	//   },
	//   "cloudService": {
	//     "enabled": true
	//   }
	// }
}

func ExampleRenderMacOS() {
	const p = "com.apple.managedclient.preferences_"
	out, err := policy.RenderMacOS(nil, []*policy.SettingInstance{
		policy.Choice(p+"enforcementlevel_antivirusengine", p+"enforcementlevel_antivirusengine_2"),
		policy.Integer(p+"scanresultsretentiondays", 30),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(out))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
	// <plist version="1.0">
	// <dict>
	// 	<key>antivirusEngine</key>
	// 	<dict>
	// 		<key>enforcementLevel</key>
	// 		<string>real_time</string>
	// 		<key>scanResultsRetentionDays</key>
	// 		<integer>30</integer>
	// 	</dict>
	// </dict>
	// </plist>
}

func ExampleRenderWindows() {
	const d = "device_vendor_msft_policy_config_defender_"
	const asr = d + "attacksurfacereductionrules"
	ops, err := policy.RenderWindows(nil, []*policy.SettingInstance{
		policy.Choice(d+"allowrealtimemonitoring", d+"allowrealtimemonitoring_1"),
		policy.Strings(d+"excludedpaths", `C:\Temp`, `D:\Builds`),
		policy.GroupCollection(asr, policy.Item(
			policy.Choice(asr+"_blockwin32apicallsfromofficemacros", asr+"_blockwin32apicallsfromofficemacros_block"),
			policy.Choice(asr+"_blockadobereaderfromcreatingchildprocesses", asr+"_blockadobereaderfromcreatingchildprocesses_audit"))),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, op := range ops {
		fmt.Println(op.URI, op.Format, op.Value)
	}
	// Output:
	// ./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring int 1
	// ./Device/Vendor/MSFT/Policy/Config/Defender/ExcludedPaths chr C:\Temp|D:\Builds
	// ./Device/Vendor/MSFT/Policy/Config/Defender/AttackSurfaceReductionRules chr 7674ba52-37eb-4a4f-a9a1-f0f9a1619a2c=2|92e97fa1-2edf-4476-bdd6-9dd0b4dddc7b=1
}

func ExampleRenderError() {
	_, err := policy.RenderLinux(nil, []*policy.SettingInstance{
		policy.Integer("device_vendor_msft_policy_config_defender_avgcpuloadfactor", 50),
		policy.Integer("linux_mdatp_managed_antivirusengine_scanhistorymaximumitems", 12000),
		policy.Choice("linux_mdatp_managed_cloudservice_enabled", "linux_mdatp_managed_cloudservice_enabled_maybe"),
	})
	var re *policy.RenderError
	if errors.As(err, &re) {
		for _, p := range re.Problems {
			fmt.Println(p.Index, p.Reason, p.Path)
		}
	}
	// Output:
	// 0 wrongPlatform settings[0]
	// 2 unknownOption settings[2].choiceSettingValue
}

func ExampleSettingInstance_MarshalJSON() {
	s := policy.Strings("device_vendor_msft_policy_config_defender_excludedextensions", "lib", "obj")
	data, _ := json.Marshal(s)
	fmt.Println(string(data))
	var back policy.SettingInstance
	if err := json.Unmarshal(data, &back); err != nil {
		fmt.Println(err)
		return
	}
	exts, _ := back.StringValues()
	fmt.Println(exts)
	// Output:
	// {"@odata.type":"#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance","settingDefinitionId":"device_vendor_msft_policy_config_defender_excludedextensions","simpleSettingCollectionValue":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationStringSettingValue","value":"lib"},{"@odata.type":"#microsoft.graph.deviceManagementConfigurationStringSettingValue","value":"obj"}]}
	// [lib obj]
}
