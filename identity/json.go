package identity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The JSON form of a Device uses the rule property names as keys
// ("deviceOSType", "extensionAttribute3", "tags", ...), the form of the
// rule conformance corpus. Booleans are JSON booleans, collections are arrays
// of strings, and a missing key or a JSON null is a null property. The key
// "registration" carries the RegistrationKind. Unknown keys are an error, so
// that a misspelt property in a fixture does not silently read as null.

// deviceField binds one JSON key to a Device field.
type deviceField struct {
	name string
	str  func(*Device) *string
	bool func(*Device) **bool
	list func(*Device) *[]string
}

// deviceFields lists the properties in the order the documentation gives
// them; MarshalJSON writes them in this order.
var deviceFields = func() []deviceField {
	s := func(name string, f func(*Device) *string) deviceField { return deviceField{name: name, str: f} }
	b := func(name string, f func(*Device) **bool) deviceField { return deviceField{name: name, bool: f} }
	l := func(name string, f func(*Device) *[]string) deviceField { return deviceField{name: name, list: f} }
	fields := []deviceField{
		b("accountEnabled", func(d *Device) **bool { return &d.AccountEnabled }),
		s("deviceCategory", func(d *Device) *string { return &d.DeviceCategory }),
		s("deviceId", func(d *Device) *string { return &d.DeviceID }),
		s("deviceManagementAppId", func(d *Device) *string { return &d.DeviceManagementAppID }),
		s("deviceManufacturer", func(d *Device) *string { return &d.DeviceManufacturer }),
		s("deviceModel", func(d *Device) *string { return &d.DeviceModel }),
		s("displayName", func(d *Device) *string { return &d.DisplayName }),
		s("deviceOSType", func(d *Device) *string { return &d.DeviceOSType }),
		s("deviceOSVersion", func(d *Device) *string { return &d.DeviceOSVersion }),
		s("deviceOwnership", func(d *Device) *string { return &d.DeviceOwnership }),
		l("devicePhysicalIds", func(d *Device) *[]string { return &d.DevicePhysicalIDs }),
		s("deviceTrustType", func(d *Device) *string { return &d.DeviceTrustType }),
		s("enrollmentProfileName", func(d *Device) *string { return &d.EnrollmentProfileName }),
	}
	for i := range 15 {
		fields = append(fields, s(extensionAttributeName(i), func(d *Device) *string { return &d.ExtensionAttributes[i] }))
	}
	return append(fields,
		b("isRooted", func(d *Device) **bool { return &d.IsRooted }),
		s("managementType", func(d *Device) *string { return &d.ManagementType }),
		l("memberOf", func(d *Device) *[]string { return &d.MemberOf }),
		s("objectId", func(d *Device) *string { return &d.ObjectID }),
		s("profileType", func(d *Device) *string { return &d.ProfileType }),
		l("systemLabels", func(d *Device) *[]string { return &d.SystemLabels }),
		l("tags", func(d *Device) *[]string { return &d.Tags }),
	)
}()

var deviceFieldIndex = func() map[string]int {
	m := make(map[string]int, len(deviceFields))
	for i, f := range deviceFields {
		m[strings.ToLower(f.name)] = i
	}
	return m
}()

// PropertyError reports a device property that could not be decoded.
type PropertyError struct {
	Property string // the JSON key
	Reason   string
}

func (e *PropertyError) Error() string {
	return fmt.Sprintf("identity: device property %q: %s", e.Property, e.Reason)
}

// MarshalJSON writes the rule-property form of d, omitting null properties.
func (d Device) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	write := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(key)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(b)
		return nil
	}
	for _, f := range deviceFields {
		var err error
		switch {
		case f.str != nil:
			if v := *f.str(&d); v != "" {
				err = write(f.name, v)
			}
		case f.bool != nil:
			if v := *f.bool(&d); v != nil {
				err = write(f.name, *v)
			}
		case f.list != nil:
			if v := *f.list(&d); len(v) > 0 {
				err = write(f.name, v)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if d.Registration != RegistrationNone {
		if err := write("registration", string(d.Registration)); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads the rule-property form. Keys are matched
// case-insensitively, like property names in rules; one property given
// twice under different spellings is an error, as the result would depend
// on which came last. It replaces every property of d.
func (d *Device) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("identity: device: %w", err)
	}
	if len(raw) > 1 {
		seen := make(map[string]string, len(raw))
		for key := range raw {
			folded := strings.ToLower(key)
			if other, dup := seen[folded]; dup {
				a, b := min(key, other), max(key, other)
				return &PropertyError{Property: a, Reason: fmt.Sprintf("given twice (also as %q)", b)}
			}
			seen[folded] = key
		}
	}
	var out Device
	for key, val := range raw {
		if strings.EqualFold(key, "registration") {
			var s *string
			if err := json.Unmarshal(val, &s); err != nil {
				return &PropertyError{Property: key, Reason: "want a string"}
			}
			if s != nil && *s != "none" {
				out.Registration = RegistrationKind(*s)
			}
			if !out.Registration.Valid() {
				return &PropertyError{Property: key, Reason: fmt.Sprintf("unknown registration kind %q", *s)}
			}
			continue
		}
		i, ok := deviceFieldIndex[strings.ToLower(key)]
		if !ok {
			return &PropertyError{Property: key, Reason: "not a device property"}
		}
		f := deviceFields[i]
		switch {
		case f.str != nil:
			var s *string
			if err := json.Unmarshal(val, &s); err != nil {
				return &PropertyError{Property: key, Reason: "want a string or null"}
			}
			if s != nil {
				*f.str(&out) = *s
			}
		case f.bool != nil:
			var b *bool
			if err := json.Unmarshal(val, &b); err != nil {
				return &PropertyError{Property: key, Reason: "want a boolean or null"}
			}
			*f.bool(&out) = b
		case f.list != nil:
			var l []string
			if err := json.Unmarshal(val, &l); err != nil {
				return &PropertyError{Property: key, Reason: "want an array of strings or null"}
			}
			*f.list(&out) = l
		}
	}
	*d = out
	return nil
}

// DeviceFromRuleProperties decodes a device from its rule-property JSON form
// (see Device.UnmarshalJSON).
func DeviceFromRuleProperties(data []byte) (*Device, error) {
	var d Device
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
