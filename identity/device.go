package identity

import (
	"slices"
	"strconv"
	"strings"
)

// Device is a directory device object: the Entra ID properties that dynamic
// membership rules read, the endpoint-protection tags of the device, and how
// the object came to be in the directory.
//
// A string property that is empty is null (absent) for rule evaluation; a
// Boolean property is null when its pointer is nil; a collection that is nil
// or empty is an empty collection. The zero Device is a valid object with
// every property null.
//
// A Device is a plain value: it is not safe to modify one while another
// goroutine reads it. Clone gives an independent copy.
type Device struct {
	// ObjectID is the directory object id (Graph device "id").
	ObjectID string
	// DeviceID is the Entra device id ("deviceId"), stable for a registration.
	DeviceID string
	// DisplayName is the device name.
	DisplayName string
	// AccountEnabled tells whether the device account is enabled; nil is null.
	AccountEnabled *bool
	// DeviceCategory is the Intune device category name.
	DeviceCategory string
	// DeviceManagementAppID is the application id of the managing MDM, if any.
	DeviceManagementAppID string
	// DeviceManufacturer is the manufacturer, e.g. "Dell Inc.".
	DeviceManufacturer string
	// DeviceModel is the model, e.g. "Latitude 7440".
	DeviceModel string
	// DeviceOSType is the platform: "Windows", "Windows Server", "macOS",
	// "Linux", "iPhone", "AndroidForWork", ... (Graph "operatingSystem").
	DeviceOSType string
	// DeviceOSVersion is the operating system version, e.g. "10.0.22631.4460".
	DeviceOSVersion string
	// DeviceOwnership is "Company", "Personal" or "Unknown".
	DeviceOwnership string
	// DevicePhysicalIDs are the physical ids, e.g. "[ZTDId]:...", "[OrderID]:tag".
	DevicePhysicalIDs []string
	// DeviceTrustType is "AzureAD" (Entra joined), "ServerAD" (hybrid joined),
	// "Workplace" (registered), or empty for a synthetic registration.
	DeviceTrustType string
	// EnrollmentProfileName is the Autopilot / enrollment profile name.
	EnrollmentProfileName string
	// ExtensionAttributes holds extensionAttribute1 … extensionAttribute15
	// at indexes 0 … 14.
	ExtensionAttributes [15]string
	// IsRooted tells whether the device is rooted or jail-broken; nil is null.
	IsRooted *bool
	// ManagementType is how the device is managed: "MDM", "MicrosoftSense"
	// (security settings management), "PC", ...
	ManagementType string
	// MemberOf holds the object ids of the groups the device is a direct member of.
	MemberOf []string
	// ProfileType is "RegisteredDevice", "SecureVM", "Printer", "Shared" or "IoT".
	ProfileType string
	// SystemLabels are read-only labels such as "M365Managed", "MDEJoined",
	// "MDEManaged".
	SystemLabels []string
	// Tags are the endpoint-protection device tags, e.g. "MDE-Management".
	// They are not an Entra property; rules read them through the `tags`
	// extension of the rule language.
	Tags []string
	// Registration tells how the object was registered in the directory.
	Registration RegistrationKind
}

// RegistrationKind tells how a device object came to be in the directory.
type RegistrationKind string

// Registration kinds.
const (
	// RegistrationNone: the device has no directory object yet.
	RegistrationNone RegistrationKind = ""
	// RegistrationFull: an Entra join, hybrid join or registration made by
	// the device itself.
	RegistrationFull RegistrationKind = "full"
	// RegistrationSynthetic: an identity created by security settings
	// management for a device that is not fully registered; its trust type
	// is blank.
	RegistrationSynthetic RegistrationKind = "synthetic"
)

// String returns the kind's name ("none" for RegistrationNone).
func (k RegistrationKind) String() string {
	if k == RegistrationNone {
		return "none"
	}
	return string(k)
}

// Valid reports whether k is one of the declared kinds.
func (k RegistrationKind) Valid() bool {
	switch k {
	case RegistrationNone, RegistrationFull, RegistrationSynthetic:
		return true
	}
	return false
}

// ExtensionAttribute returns extensionAttribute n (1 … 15), or "" when n is
// out of range.
func (d *Device) ExtensionAttribute(n int) string {
	if n < 1 || n > len(d.ExtensionAttributes) {
		return ""
	}
	return d.ExtensionAttributes[n-1]
}

// HasTag reports whether the device carries the tag, compared
// case-insensitively like every string comparison in the directory.
func (d *Device) HasTag(tag string) bool {
	return containsFold(d.Tags, tag)
}

// Clone returns a deep copy of d.
func (d *Device) Clone() *Device {
	if d == nil {
		return nil
	}
	c := *d
	c.AccountEnabled = cloneBool(d.AccountEnabled)
	c.IsRooted = cloneBool(d.IsRooted)
	c.DevicePhysicalIDs = slices.Clone(d.DevicePhysicalIDs)
	c.MemberOf = slices.Clone(d.MemberOf)
	c.SystemLabels = slices.Clone(d.SystemLabels)
	c.Tags = slices.Clone(d.Tags)
	return &c
}

// Bool returns a pointer to b, for the optional Boolean properties.
func Bool(b bool) *bool { return &b }

func cloneBool(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := *b
	return &v
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// extensionAttributeName returns the rule property name of extension
// attribute index i (0-based).
func extensionAttributeName(i int) string {
	return "extensionAttribute" + strconv.Itoa(i+1)
}
