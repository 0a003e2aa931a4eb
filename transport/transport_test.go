package transport_test

import (
	"errors"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
)

func TestValidate(t *testing.T) {
	if err := (transport.CheckIn{}).Validate(); !errors.Is(err, transport.ErrBadRequest) {
		t.Errorf("empty check-in: %v", err)
	}
	if err := (transport.CheckIn{DeviceID: "d"}).Validate(); err != nil {
		t.Errorf("check-in: %v", err)
	}
	good := transport.StatusReport{DeviceID: "d", ReportID: "r", ConfigurationVersion: "v", Results: []transport.SettingResult{
		{SettingID: "a", Status: report.StatusSucceeded}, {SettingID: "b", Status: report.StatusError, ErrorCode: 5},
		{SettingID: "c", Status: report.StatusNotApplicable}}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, spoil := range map[string]func(*transport.StatusReport){
		"device":   func(r *transport.StatusReport) { r.DeviceID = "" },
		"report":   func(r *transport.StatusReport) { r.ReportID = "" },
		"version":  func(r *transport.StatusReport) { r.ConfigurationVersion = "" },
		"setting":  func(r *transport.StatusReport) { r.Results[0].SettingID = "" },
		"conflict": func(r *transport.StatusReport) { r.Results[1].Status = report.StatusConflict },
		"pending":  func(r *transport.StatusReport) { r.Results[1].Status = report.StatusPending },
		"unknown":  func(r *transport.StatusReport) { r.Results[2].Status = "fine" },
	} {
		r := good.Clone()
		spoil(&r)
		if err := r.Validate(); !errors.Is(err, transport.ErrBadRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// An empty report (nothing delivered) is valid.
	empty := transport.StatusReport{DeviceID: "d", ReportID: "r", ConfigurationVersion: "v"}
	if err := empty.Validate(); err != nil {
		t.Errorf("empty report: %v", err)
	}
}

func TestCloneSharesNothing(t *testing.T) {
	cfg := &transport.Configuration{Version: "v", Platform: policy.DeviceWindows,
		Settings: []*policy.SettingInstance{policy.Strings("device_vendor_msft_policy_config_defender_excludedpaths", `C:\a`)},
		Policies: []transport.PolicyRef{{ID: "p"}}}
	resp := &transport.CheckInResponse{Configuration: cfg, NextCheckIn: time.Unix(1, 0)}
	c := resp.Clone()
	c.Configuration.Settings[0].Simples[0].Text = "changed"
	c.Configuration.Policies[0].ID = "changed"
	if v, _ := cfg.Settings[0].StringValues(); v[0] != `C:\a` || cfg.Policies[0].ID != "p" || !c.NextCheckIn.Equal(resp.NextCheckIn) {
		t.Fatal("the clone shares memory")
	}
	rep := transport.StatusReport{Results: []transport.SettingResult{{SettingID: "a"}}}
	rc := rep.Clone()
	rc.Results[0].SettingID = "changed"
	if rep.Results[0].SettingID != "a" {
		t.Fatal("the report clone shares memory")
	}
	if (*transport.Configuration)(nil).Clone() != nil || (*transport.CheckInResponse)(nil).Clone() != nil {
		t.Fatal("nil clones")
	}
}
