package transport_test

import (
	"errors"
	"fmt"

	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
)

func ExampleStatusReport_Validate() {
	rep := transport.StatusReport{DeviceID: "dev-1", ReportID: "r-1", ConfigurationVersion: "v1",
		Results: []transport.SettingResult{
			{SettingID: "device_vendor_msft_policy_config_defender_allowrealtimemonitoring", Status: report.StatusSucceeded, Value: "1"},
			{SettingID: "device_vendor_msft_policy_config_defender_excludedpaths", Status: report.StatusConflict},
		}}
	err := rep.Validate()
	fmt.Println(errors.Is(err, transport.ErrBadRequest))
	fmt.Println(err)
	// Output:
	// true
	// transport: bad request: results[1] (device_vendor_msft_policy_config_defender_excludedpaths): a device cannot report status "conflict"
}

func ExampleConfiguration_Clone() {
	cfg := &transport.Configuration{Version: "v1", Policies: []transport.PolicyRef{{ID: "p1", Name: "Antivirus"}}}
	c := cfg.Clone()
	c.Policies[0].Name = "changed by the device"
	fmt.Println(cfg.Policies[0].Name)
	// Output:
	// Antivirus
}
