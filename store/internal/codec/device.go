package codec

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
)

// deviceDoc is the stored document of a device: its directory object in
// the identity package's rule-property form, its facts in the enrollment
// package's form, and its timestamps.
type deviceDoc struct {
	Object   json.RawMessage `json:"object,omitempty"`
	Facts    json.RawMessage `json:"facts,omitempty"`
	Created  string          `json:"created"`
	Modified string          `json:"modified"`
}

// EncodeDevice checks a device and returns its document.
func EncodeDevice(d *store.Device) ([]byte, error) {
	const rec = "device"
	if err := checkDevice(d); err != nil {
		return nil, err
	}
	var doc deviceDoc
	var err error
	if d.Object != nil {
		if doc.Object, err = json.Marshal(d.Object); err != nil {
			return nil, &store.InvalidError{Record: rec, Key: d.ID, Field: "Object", Err: err}
		}
	}
	if d.Facts != nil {
		if doc.Facts, err = json.Marshal(d.Facts); err != nil {
			return nil, &store.InvalidError{Record: rec, Key: d.ID, Field: "Facts", Err: err}
		}
	}
	doc.Created, _ = Time(d.Created)
	doc.Modified, _ = Time(d.Modified)
	return json.Marshal(doc)
}

// DecodeDevice reads a device from its key, document and version.
func DecodeDevice(id string, data []byte, version int64) (*store.Device, error) {
	d, err := decodeDevice(id, data, version)
	if err != nil {
		return nil, &Corrupt{Record: "device", Key: id, Err: err}
	}
	return d, nil
}

func decodeDevice(id string, data []byte, version int64) (*store.Device, error) {
	var doc deviceDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	d := &store.Device{ID: id, Version: version}
	if doc.Object != nil {
		d.Object = new(identity.Device)
		if err := json.Unmarshal(doc.Object, d.Object); err != nil {
			return nil, err
		}
	}
	if doc.Facts != nil {
		d.Facts = new(enrollment.Facts)
		if err := json.Unmarshal(doc.Facts, d.Facts); err != nil {
			return nil, err
		}
	}
	var err error
	if d.Created, err = ParseTime(doc.Created); err != nil {
		return nil, err
	}
	if d.Modified, err = ParseTime(doc.Modified); err != nil {
		return nil, err
	}
	return d, nil
}

// canonicalDeviceJSON is CanonicalDevice the slow way: through the stored
// document. The tests hold CanonicalDevice to it.
func canonicalDeviceJSON(d *store.Device) (*store.Device, error) {
	doc, err := EncodeDevice(d)
	if err != nil {
		return nil, err
	}
	c, err := decodeDevice(d.ID, doc, d.Version)
	if err != nil {
		return nil, unreadable("device", d.ID, err)
	}
	return c, nil
}

// CanonicalDevice checks a device and returns it as it reads back from the
// stored document, without encoding it: the memory backend's write path.
// It makes the changes the JSON round trip makes (see the store package:
// UTC times, empty collections of the object as nil, zero enumerations of
// the facts by name, invalid UTF-8 replaced), and refuses what the round
// trip refuses; FuzzCanonicalDevice holds it to the round trip.
func CanonicalDevice(d *store.Device) (*store.Device, error) {
	const rec = "device"
	if err := checkDevice(d); err != nil {
		return nil, err
	}
	c := &store.Device{ID: d.ID, Created: d.Created.UTC(), Modified: d.Modified.UTC(), Version: d.Version}
	if o := d.Object; o != nil {
		co := &identity.Device{
			AccountEnabled:      cloneBool(o.AccountEnabled),
			IsRooted:            cloneBool(o.IsRooted),
			DevicePhysicalIDs:   jsonStrings(o.DevicePhysicalIDs, true),
			MemberOf:            jsonStrings(o.MemberOf, true),
			SystemLabels:        jsonStrings(o.SystemLabels, true),
			Tags:                jsonStrings(o.Tags, true),
			ExtensionAttributes: o.ExtensionAttributes,
		}
		for _, f := range [][2]*string{
			{&co.ObjectID, &o.ObjectID}, {&co.DeviceID, &o.DeviceID}, {&co.DisplayName, &o.DisplayName},
			{&co.DeviceCategory, &o.DeviceCategory}, {&co.DeviceManagementAppID, &o.DeviceManagementAppID},
			{&co.DeviceManufacturer, &o.DeviceManufacturer}, {&co.DeviceModel, &o.DeviceModel},
			{&co.DeviceOSType, &o.DeviceOSType}, {&co.DeviceOSVersion, &o.DeviceOSVersion},
			{&co.DeviceOwnership, &o.DeviceOwnership}, {&co.DeviceTrustType, &o.DeviceTrustType},
			{&co.EnrollmentProfileName, &o.EnrollmentProfileName}, {&co.ManagementType, &o.ManagementType},
			{&co.ProfileType, &o.ProfileType},
		} {
			*f[0] = jsonString(*f[1])
		}
		for i := range co.ExtensionAttributes {
			co.ExtensionAttributes[i] = jsonString(co.ExtensionAttributes[i])
		}
		reg := identity.RegistrationKind(jsonString(string(o.Registration)))
		if reg == "none" {
			reg = identity.RegistrationNone
		}
		if !reg.Valid() {
			return nil, unreadable(rec, d.ID, fmt.Errorf("unknown registration kind %q", string(reg)))
		}
		co.Registration = reg
		c.Object = co
	}
	if f := d.Facts; f != nil {
		cf := *f
		for _, s := range []*string{&cf.OSVersion, &cf.Edition, &cf.AgentVersion, &cf.Distribution, &cf.DistributionVersion} {
			*s = jsonString(*s)
		}
		cf.Tags = jsonStrings(f.Tags, false)
		if cf.OnboardedVia == "" {
			cf.OnboardedVia = enrollment.OnboardedViaMDE
		}
		if cf.PowerShellLanguageMode == "" {
			cf.PowerShellLanguageMode = enrollment.FullLanguage
		}
		if cf.EntraRegistration == "" {
			cf.EntraRegistration = enrollment.RegistrationNone
		}
		if err := cf.Validate(); err != nil {
			return nil, unreadable(rec, d.ID, err)
		}
		c.Facts = &cf
	}
	return c, nil
}

// checkDevice is what EncodeDevice refuses.
func checkDevice(d *store.Device) error {
	const rec = "device"
	if d == nil {
		return &store.InvalidError{Record: rec, Reason: "nil"}
	}
	if err := CheckKey(rec, "ID", d.ID); err != nil {
		return err
	}
	if err := CheckVersion(rec, d.ID, d.Version); err != nil {
		return err
	}
	if d.Object != nil && d.Object.DeviceID != "" && d.Object.DeviceID != d.ID {
		return &store.InvalidError{Record: rec, Key: d.ID, Field: "Object.DeviceID",
			Reason: "is " + d.Object.DeviceID + ", not the device's id"}
	}
	if d.Facts != nil {
		if err := d.Facts.Validate(); err != nil {
			return &store.InvalidError{Record: rec, Key: d.ID, Field: "Facts", Err: err}
		}
	}
	if !TimeOK(d.Created) {
		return &store.InvalidError{Record: rec, Key: d.ID, Field: "Created", Reason: "year outside 0 to 9999"}
	}
	if !TimeOK(d.Modified) {
		return &store.InvalidError{Record: rec, Key: d.ID, Field: "Modified", Reason: "year outside 0 to 9999"}
	}
	return nil
}

// jsonString returns s as a JSON round trip gives it back: each byte of
// invalid UTF-8 replaced by U+FFFD, as encoding/json writes it.
func jsonString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// jsonStrings copies a list as a JSON round trip gives it back; an empty
// list is nil when the encoder omits it.
func jsonStrings(ss []string, emptyIsNil bool) []string {
	if ss == nil || (len(ss) == 0 && emptyIsNil) {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = jsonString(s)
	}
	return out
}
