package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
)

// t0 is the kit's reference time: UTC, with nanoseconds, as stores keep
// times.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

func ptr[T any](v T) *T { return &v }

// fullObject is a directory object with every property set.
func fullObject(deviceID string, n int) *identity.Device {
	var ext [15]string
	for i := range ext {
		ext[i] = fmt.Sprintf("attribute %d of %d", i+1, n)
	}
	return &identity.Device{
		ObjectID:              "obj-" + deviceID,
		DeviceID:              deviceID,
		DisplayName:           fmt.Sprintf("DESKTOP-%05d", n),
		AccountEnabled:        ptr(true),
		DeviceCategory:        "Finance",
		DeviceManagementAppID: "0000000a-0000-0000-c000-000000000000",
		DeviceManufacturer:    "Contoso Ltd.",
		DeviceModel:           "Surface Laptop 7",
		DeviceOSType:          "Windows",
		DeviceOSVersion:       "10.0.22631.4460",
		DeviceOwnership:       "Company",
		DevicePhysicalIDs:     []string{"[ZTDId]:4d6f", "[OrderID]:batch-7"},
		DeviceTrustType:       "AzureAD",
		EnrollmentProfileName: "Autopilot – Finance",
		ExtensionAttributes:   ext,
		IsRooted:              ptr(false),
		ManagementType:        identity.ManagementTypeMicrosoftSense,
		MemberOf:              []string{"grp-a", "grp-b"},
		ProfileType:           "RegisteredDevice",
		SystemLabels:          []string{identity.LabelMDEJoined, identity.LabelMDEManaged},
		Tags:                  []string{"MDE-Management", "Finance"},
		Registration:          identity.RegistrationFull,
	}
}

// fullFacts are a Windows device's facts with every enumeration spelt
// out, as they read back.
func fullFacts() *enrollment.Facts {
	f := enrollment.HealthyFacts(enrollment.PlatformWindows)
	f.Tags = []string{"MDE-Management"}
	f.PowerShellLanguageMode = enrollment.FullLanguage
	f.EntraRegistration = enrollment.RegistrationEntraJoined
	f.OnboardedVia = enrollment.OnboardedViaMDE
	f.Edition = "Enterprise"
	return &f
}

// fullDevice is a device with every field set.
func fullDevice(deviceID string, n int) *store.Device {
	return &store.Device{
		ID:       deviceID,
		Object:   fullObject(deviceID, n),
		Facts:    fullFacts(),
		Created:  t0,
		Modified: t0.Add(time.Duration(n) * time.Second),
	}
}

// bareDevice is a device with only an id.
func bareDevice(deviceID string) *store.Device { return &store.Device{ID: deviceID} }

// withVersion returns a copy of d with the version set, as Device reads it.
func withVersion(d *store.Device, v int64) *store.Device {
	c := d.Clone()
	c.Version = v
	return c
}

// deepEqual fails unless got equals want, field for field.
func deepEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// samplePolicy is a small policy built in code.
func samplePolicy(policyID, name string) *store.Policy {
	return &store.Policy{Policy: &policy.Policy{
		ID:              policyID,
		Name:            name,
		Description:     "Cloud protection on, scan history of 10,000 items.",
		RoleScopeTagIDs: []string{"0"},
		Settings: []*policy.Setting{
			{ID: "0", Instance: policy.Choice("linux_mdatp_managed_cloudservice_enabled", "linux_mdatp_managed_cloudservice_enabled_true")},
			{ID: "1", Instance: policy.Integer("linux_mdatp_managed_antivirusengine_scanhistorymaximumitems", 10000)},
		},
	}}
}

// graphJSON returns a policy's Graph JSON decoded to plain values, for
// comparisons that ignore key order.
func graphJSON(t *testing.T, p *policy.Policy) any {
	t.Helper()
	b, err := policy.EncodeGraph(p)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	must(t, json.Unmarshal(b, &v))
	return v
}

// samePolicy fails unless got is want at the given version, compared as
// Graph JSON.
func samePolicy(t *testing.T, got *store.Policy, want *store.Policy, version int64) {
	t.Helper()
	if got.Version != version {
		t.Fatalf("policy %s: version %d, want %d", got.Policy.ID, got.Version, version)
	}
	if got.Policy.Assignments != nil {
		t.Fatalf("policy %s reads back with assignments", got.Policy.ID)
	}
	deepEqual(t, "policy "+want.Policy.ID, graphJSON(t, got.Policy), graphJSON(t, want.Policy))
}

// assignmentsJSON returns an assignment set as the body of an assign
// action decoded to plain values.
func assignmentsJSON(t *testing.T, as []*policy.Assignment) any {
	t.Helper()
	b, err := policy.EncodeAssignments(as)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	must(t, json.Unmarshal(b, &v))
	return v
}

// fullRecord is an enrollment record with every field set.
func fullRecord(deviceID string) enrollment.Record {
	return enrollment.Record{
		DeviceID:     deviceID,
		DisplayName:  "DESKTOP-" + deviceID,
		State:        enrollment.StateEnrolled,
		Status:       enrollment.StatusSuccess,
		Code:         1,
		Reason:       enrollment.ReasonNone,
		Cause:        "registered with a synthetic registration",
		ManagedBy:    enrollment.ManagedByMDE,
		Registration: identity.MethodSynthetic,
		ObjectID:     "obj-" + deviceID,
		LastCheckIn:  t0,
		NextCheckIn:  t0.Add(enrollment.CheckInInterval),
	}
}

// transitions is a history with every field of a transition set
// somewhere, including directory changes and event parameters.
func transitions(deviceID string) []enrollment.Transition {
	scope := enrollment.ScopeTagged
	fault := enrollment.Code(13)
	obj := fullObject(deviceID, 1)
	return []enrollment.Transition{
		{
			From: enrollment.StateNotOnboarded, To: enrollment.StateOnboarded,
			Event: enrollment.Event{Kind: enrollment.EventOnboard}, Rule: 0,
			Cause: "onboarded", At: t0, Status: enrollment.StatusNotEnrolled, Code: 2,
			ManagedBy: enrollment.ManagedByUnknown,
		},
		{
			From: enrollment.StateInScope, To: enrollment.StateEnrolled,
			Event: enrollment.Event{Kind: enrollment.EventRegister}, Rule: 11,
			Cause: "synthetic registration", At: t0.Add(time.Second), Status: enrollment.StatusSuccess, Code: 1,
			ManagedBy: enrollment.ManagedByMDE, Registration: identity.MethodSynthetic,
			Changes:     []identity.Change{{Kind: identity.ChangeCreate, Device: obj}, {Kind: identity.ChangeUpdate, Device: &identity.Device{DeviceID: deviceID}}},
			LastCheckIn: t0.Add(time.Second), NextCheckIn: t0.Add(time.Second + enrollment.CheckInInterval),
		},
		{
			From: enrollment.StateEnrolled, To: enrollment.StateNotEnrolled,
			Event: enrollment.Event{Kind: enrollment.EventScopeChange, Scope: &enrollment.ScopeUpdate{WindowsClient: &scope}}, Rule: 20,
			Cause: "out of scope", At: t0.Add(2 * time.Second), Status: enrollment.StatusNotEnrolled, Code: 2,
			Reason: enrollment.ReasonNone, ManagedBy: enrollment.ManagedByUnknown,
		},
		{
			From: enrollment.StateFailed, To: enrollment.StateFailed,
			Event: enrollment.Event{Kind: enrollment.EventRetry, Fault: &fault, On: ptr(true), Tag: "x", EntraRegistration: enrollment.RegistrationHybridJoined},
			Rule:  30, Cause: "connectivity", At: t0.Add(3 * time.Second), Status: enrollment.StatusConnectivityIssue, Code: 13,
			Reason: enrollment.ReasonAgentVersion, ManagedBy: enrollment.ManagedByConfigMgr,
		},
	}
}

// sampleReport is a report of a device with results for two policies.
func sampleReport(deviceID, reportID string, at time.Time) *store.StatusReport {
	return &store.StatusReport{
		DeviceID:             deviceID,
		ReportID:             reportID,
		ConfigurationVersion: "cfg-7",
		ReportedAt:           at,
		Results: []store.SettingResult{
			{PolicyID: "pol-a", SettingID: "s1", Status: report.StatusSucceeded, Value: "true"},
			{PolicyID: "pol-a", SettingID: "s2", Status: report.StatusError, ErrorCode: -2016281112, Message: "remediation failed", Value: "10000"},
			{PolicyID: "pol-b", SettingID: "s1", Status: report.StatusNotApplicable},
		},
	}
}

// sameIDs fails unless got lists the ids of want, in order (nil and empty
// are the same).
func sameIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}
