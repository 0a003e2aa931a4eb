package report

import (
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
)

// Device is what the reports show of a device.
type Device struct {
	// ID is the device id the reports call IntuneDeviceId.
	ID   string
	Name string
	// Platform is the device platform.
	Platform policy.DevicePlatform
	// ManagedBy is the management authority the portals show; empty or
	// undeclared values count as Unknown.
	ManagedBy enrollment.ManagedBy
	// Enrollment is the device's enrollment status; empty or undeclared
	// values count as unknown in the breakdown.
	Enrollment enrollment.Status
	// LastCheckIn is the device's last check-in; zero if it never checked
	// in.
	LastCheckIn time.Time
}

// Policy is what the reports show of a policy.
type Policy struct {
	ID   string
	Name string
	// Platform is the policy's Graph platform.
	Platform policy.Platforms
	// Type is the endpoint security policy type ("Antivirus", "Attack
	// surface reduction", ...), TemplateID the profile template.
	Type       string
	TemplateID string
}

// PolicyFrom returns the report record of a Graph policy, with the policy
// type of its template when the catalog knows it.
func PolicyFrom(c *policy.Catalog, p *policy.Policy) Policy {
	out := Policy{ID: p.ID, Name: p.Name, Platform: p.Platforms, TemplateID: p.TemplateReference.TemplateID}
	if c != nil {
		if t, ok := c.Template(out.TemplateID); ok {
			out.Type = t.PolicyType
		}
	}
	return out
}

// SettingState is the state of one setting of one policy on one device.
type SettingState struct {
	// SettingID is the setting key (see conflict.SettingOutcome).
	SettingID   string
	SettingName string
	Status      Status
	// Value is the policy's value as text (secrets masked).
	Value string
	// ErrorCode and ErrorMessage come from the device for an error.
	ErrorCode    int64
	ErrorMessage string
	// OtherPolicies are the other policies that manage the same setting on
	// the device: the sources of a conflict.
	OtherPolicies []string
}

// PolicyState is the state of one policy on one device.
type PolicyState struct {
	PolicyID string
	// Status is the roll-up of the settings' statuses.
	Status Status
	// LastReported is when the device last reported on the policy; zero if
	// it never did.
	LastReported time.Time
	Settings     []SettingState
}

// DeviceRecord is one device with the state of every policy assigned to
// it: the unit the views stream over.
type DeviceRecord struct {
	Device   Device
	Policies []PolicyState
}
