package identity

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Method tells how a device obtained the directory registration that
// security settings management uses for it.
type Method string

// Registration methods. The zero value is MethodNone.
const (
	// MethodNone: the device has no registration used by security settings
	// management.
	MethodNone Method = ""
	// MethodExisting: the device's own full registration (Entra joined,
	// hybrid joined or registered) is reused.
	MethodExisting Method = "existing"
	// MethodSynthetic: a synthetic identity with a blank trust type was
	// created for a device that is not fully registered (current mode).
	MethodSynthetic Method = "synthetic"
	// MethodHybridJoin: the domain-joined device was Entra hybrid joined
	// (legacy mode); trust type ServerAD.
	MethodHybridJoin Method = "hybridJoin"
	// MethodEntraJoin: the device was Entra joined (legacy mode); trust
	// type AzureAD.
	MethodEntraJoin Method = "entraJoin"
)

// String returns the method's name ("none" for MethodNone).
func (m Method) String() string {
	if m == MethodNone {
		return "none"
	}
	return string(m)
}

// Valid reports whether m is one of the declared methods.
func (m Method) Valid() bool {
	switch m {
	case MethodNone, MethodExisting, MethodSynthetic, MethodHybridJoin, MethodEntraJoin:
		return true
	}
	return false
}

// MarshalText writes the method's name.
func (m Method) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a method name; "none" and "" are MethodNone.
func (m *Method) UnmarshalText(b []byte) error {
	v := Method(b)
	if v == "none" {
		v = MethodNone
	}
	if !v.Valid() {
		return fmt.Errorf("identity: unknown registration method %q", string(b))
	}
	*m = v
	return nil
}

// TrustType is a device object's trust type (Entra "deviceTrustType").
type TrustType string

// Trust types. The zero value is the blank trust type of a synthetic
// registration.
const (
	TrustNone      TrustType = ""          // blank: synthetic registration
	TrustAzureAD   TrustType = "AzureAD"   // Entra joined
	TrustServerAD  TrustType = "ServerAD"  // Entra hybrid joined
	TrustWorkplace TrustType = "Workplace" // Entra registered
)

// String returns the trust type ("" for TrustNone, as the directory shows it).
func (t TrustType) String() string { return string(t) }

// Valid reports whether t is one of the declared trust types.
func (t TrustType) Valid() bool {
	switch t {
	case TrustNone, TrustAzureAD, TrustServerAD, TrustWorkplace:
		return true
	}
	return false
}

// Full reports whether t belongs to a full registration (not blank).
func (t TrustType) Full() bool { return t != TrustNone && t.Valid() }

// TrustTypeOf returns the trust type of d, matching the spelling
// case-insensitively (Graph writes "AzureAd" and "ServerAd"). An unknown
// spelling is returned as it is, which is not Valid.
func TrustTypeOf(d *Device) TrustType {
	for _, t := range []TrustType{TrustAzureAD, TrustServerAD, TrustWorkplace} {
		if strings.EqualFold(d.DeviceTrustType, string(t)) {
			return t
		}
	}
	return TrustType(d.DeviceTrustType)
}

// Marking tells how a directory object shows that security settings
// management manages the device.
type Marking string

// Markings.
const (
	// MarkManagementType sets managementType to MicrosoftSense (the
	// behaviour since September 2023).
	MarkManagementType Marking = "managementType"
	// MarkSystemLabels adds the MDEManaged system label, and MDEJoined to
	// a device the flow joined to the directory (the behaviour before
	// September 2023).
	MarkSystemLabels Marking = "systemLabels"
)

// Valid reports whether m is one of the declared markings.
func (m Marking) Valid() bool { return m == MarkManagementType || m == MarkSystemLabels }

// Values written on device objects by the lifecycle functions.
const (
	// ManagementTypeMicrosoftSense is the managementType of a device managed
	// by security settings management.
	ManagementTypeMicrosoftSense = "MicrosoftSense"
	// ManagementTypeMDM is the managementType of an MDM-enrolled device.
	ManagementTypeMDM = "MDM"
	// LabelMDEJoined marks a device joined to the directory by the flow.
	LabelMDEJoined = "MDEJoined"
	// LabelMDEManaged marks a device whose security configuration the
	// endpoint-protection agent manages; removed when that stops.
	LabelMDEManaged = "MDEManaged"
)

// ChangeKind is what a Change does to the directory.
type ChangeKind string

// Change kinds.
const (
	ChangeCreate ChangeKind = "create" // add a new object
	ChangeUpdate ChangeKind = "update" // replace an existing object
	ChangeDelete ChangeKind = "delete" // remove an object (and so its memberships)
)

// Valid reports whether k is one of the declared kinds.
func (k ChangeKind) Valid() bool {
	return k == ChangeCreate || k == ChangeUpdate || k == ChangeDelete
}

// Change is one directory write produced by a lifecycle function. Device is
// the object after the change (for a delete, the object removed). A store
// applies a list of changes atomically, in order; Directory.Apply does so
// in memory. A consumer that keeps group memberships re-evaluates dynamic
// groups for created and updated objects and drops every membership of a
// deleted one.
type Change struct {
	Kind   ChangeKind
	Device *Device
}

// String describes the change, e.g. "create 3f2c… (synthetic, device d1)".
func (c Change) String() string {
	if c.Device == nil {
		return string(c.Kind) + " <nil>"
	}
	return fmt.Sprintf("%s %s (%s, device %s)", c.Kind, c.Device.ObjectID, c.Device.Registration, c.Device.DeviceID)
}

// Registrant is what the directory needs to know about a device to create
// its object.
type Registrant struct {
	DeviceID    string
	DisplayName string
	// OSType and OSVersion become deviceOSType ("Windows", "Windows
	// Server", "macOS", "Linux") and deviceOSVersion.
	OSType    string
	OSVersion string
	Tags      []string
	// Trust is the trust type of the device's own full registration, used
	// by MethodExisting when the directory does not hold that object yet
	// (the directory view catches up with what the device reports).
	Trust TrustType
}

// ErrLifecycle is the sentinel of every *LifecycleError.
var ErrLifecycle = errors.New("identity: lifecycle operation not possible")

// LifecycleError reports a lifecycle operation that does not apply to the
// object it was given.
type LifecycleError struct {
	Op       string // "register", "replace", "duplicate", ...
	DeviceID string
	Reason   string
}

func (e *LifecycleError) Error() string {
	return fmt.Sprintf("identity: %s device %q: %s", e.Op, e.DeviceID, e.Reason)
}

// Unwrap returns ErrLifecycle.
func (e *LifecycleError) Unwrap() error { return ErrLifecycle }

// Register plans the registration of a device for security settings
// management by method m. current is the device's object in the directory,
// or nil when it has none.
//
//   - MethodExisting: a full registration is reused; no change when current
//     holds it, otherwise an object with r.Trust is created.
//   - MethodSynthetic: a synthetic object (blank trust type) is created; an
//     existing synthetic object is reused.
//   - MethodHybridJoin, MethodEntraJoin: the device is joined (ServerAD,
//     AzureAD): a new object, or an existing synthetic or Workplace object
//     becomes a full one.
//
// Any other combination is a *LifecycleError (e.g. a synthetic
// registration for a fully registered device, which reuses its own).
func Register(current *Device, r Registrant, m Method, at time.Time) ([]Change, error) {
	fail := func(reason string) ([]Change, error) {
		return nil, &LifecycleError{Op: "register", DeviceID: r.DeviceID, Reason: reason}
	}
	if r.DeviceID == "" {
		return fail("no device id")
	}
	if current != nil && !strings.EqualFold(current.DeviceID, r.DeviceID) {
		return fail(fmt.Sprintf("the object given belongs to device %q", current.DeviceID))
	}
	switch m {
	case MethodExisting:
		if current != nil {
			if current.Registration != RegistrationFull {
				return fail("no full registration to reuse")
			}
			return nil, nil
		}
		if !r.Trust.Full() {
			return fail(fmt.Sprintf("trust type %q is not a full registration", r.Trust))
		}
		return []Change{{ChangeCreate, newObject(r, RegistrationFull, r.Trust, at)}}, nil
	case MethodSynthetic:
		if current == nil {
			return []Change{{ChangeCreate, newObject(r, RegistrationSynthetic, TrustNone, at)}}, nil
		}
		if current.Registration == RegistrationSynthetic {
			return nil, nil
		}
		return fail("a fully registered device reuses its registration")
	case MethodHybridJoin, MethodEntraJoin:
		trust := TrustAzureAD
		if m == MethodHybridJoin {
			trust = TrustServerAD
		}
		if current == nil {
			return []Change{{ChangeCreate, newObject(r, RegistrationFull, trust, at)}}, nil
		}
		if t := TrustTypeOf(current); current.Registration == RegistrationFull && (t == TrustAzureAD || t == TrustServerAD) {
			return fail("the device is already joined; its registration is reused")
		}
		d := current.Clone()
		d.Registration = RegistrationFull
		d.DeviceTrustType = string(trust)
		return []Change{{ChangeUpdate, d}}, nil
	}
	return fail(fmt.Sprintf("method %s does not register", m))
}

// ReplaceSynthetic plans the replacement of a synthetic object by the full
// registration the device has made (trust type trust). The full object has
// the same device id, tags and management marking, so management continues
// uninterrupted; it is a new object, so dynamic groups are evaluated for it
// afresh and the static memberships of the synthetic object are not carried
// over. The changes are: delete the synthetic object, create the full one.
func ReplaceSynthetic(synthetic *Device, trust TrustType, at time.Time) ([]Change, error) {
	if synthetic == nil {
		return nil, &LifecycleError{Op: "replace", Reason: "no object"}
	}
	if synthetic.Registration != RegistrationSynthetic {
		return nil, &LifecycleError{Op: "replace", DeviceID: synthetic.DeviceID, Reason: "the object is not a synthetic registration"}
	}
	if !trust.Full() {
		return nil, &LifecycleError{Op: "replace", DeviceID: synthetic.DeviceID, Reason: fmt.Sprintf("trust type %q is not a full registration", trust)}
	}
	full := synthetic.Clone()
	full.ObjectID = NewObjectID(synthetic.DeviceID, string(RegistrationFull)+"/"+string(trust), at)
	full.Registration = RegistrationFull
	full.DeviceTrustType = string(trust)
	full.MemberOf = nil
	return []Change{{ChangeDelete, synthetic.Clone()}, {ChangeCreate, full}}, nil
}

// SetManaged marks d as managed by security settings management: with
// MarkManagementType, managementType becomes MicrosoftSense; with
// MarkSystemLabels, the MDEManaged label is added, and MDEJoined too when
// joined is true (the flow joined the device to the directory). It returns
// nil when d already carries the marking.
func SetManaged(d *Device, m Marking, joined bool) []Change {
	if d == nil || !m.Valid() {
		return nil
	}
	switch {
	case m == MarkManagementType && d.ManagementType != ManagementTypeMicrosoftSense:
		n := d.Clone()
		n.ManagementType = ManagementTypeMicrosoftSense
		return []Change{{ChangeUpdate, n}}
	case m == MarkSystemLabels && (!containsFold(d.SystemLabels, LabelMDEManaged) || joined && !containsFold(d.SystemLabels, LabelMDEJoined)):
		n := d.Clone()
		if joined {
			n.SystemLabels = addLabel(n.SystemLabels, LabelMDEJoined)
		}
		n.SystemLabels = addLabel(n.SystemLabels, LabelMDEManaged)
		return []Change{{ChangeUpdate, n}}
	}
	return nil
}

// ClearManaged removes the marks of management by security settings
// management from d: the MDEManaged label goes (MDEJoined stays: the device
// is still joined), and a managementType of MicrosoftSense becomes
// managementType. A non-empty managementType (e.g. "MDM") is written in any
// case: the device is now managed that way. It returns nil when nothing
// changes.
func ClearManaged(d *Device, managementType string) []Change {
	if d == nil {
		return nil
	}
	labelled := containsFold(d.SystemLabels, LabelMDEManaged)
	retype := (managementType != "" || strings.EqualFold(d.ManagementType, ManagementTypeMicrosoftSense)) && d.ManagementType != managementType
	if !labelled && !retype {
		return nil
	}
	n := d.Clone()
	if labelled {
		n.SystemLabels = slices.DeleteFunc(n.SystemLabels, func(l string) bool { return strings.EqualFold(l, LabelMDEManaged) })
		if len(n.SystemLabels) == 0 {
			n.SystemLabels = nil
		}
	}
	if retype {
		n.ManagementType = managementType
	}
	return []Change{{ChangeUpdate, n}}
}

// SyncTags sets the device tags of d to tags. It returns nil when they are
// already equal (same tags in the same order).
func SyncTags(d *Device, tags []string) []Change {
	if d == nil || slices.Equal(d.Tags, tags) {
		return nil
	}
	n := d.Clone()
	n.Tags = slices.Clone(tags)
	if len(n.Tags) == 0 {
		n.Tags = nil
	}
	return []Change{{ChangeUpdate, n}}
}

// Delete plans the deletion of d. Deleting a device removes it from every
// group: its memberships go with the object.
func Delete(d *Device) []Change {
	if d == nil {
		return nil
	}
	return []Change{{ChangeDelete, d.Clone()}}
}

// Readd plans adding back a deleted device with the same device id: a new
// object (new object id) with the same properties, except that it belongs
// to no group. Dynamic groups are evaluated for it afresh; static
// memberships are lost.
func Readd(d *Device, at time.Time) []Change {
	if d == nil {
		return nil
	}
	n := d.Clone()
	n.ObjectID = NewObjectID(d.DeviceID, "readd/"+string(d.Registration), at)
	n.MemberOf = nil
	return []Change{{ChangeCreate, n}}
}

// DuplicateSynthetic reproduces a known issue of the macOS agent
// 101.23052.0004: a device that was already in the directory got, when it
// enrolled, a second, synthetic device object with its own device id
// (DuplicateDeviceID) and a blank join type. full is the device's existing object; the duplicate
// carries its name, OS and tags, is not marked as managed, and counts
// against the directory quota like any object.
func DuplicateSynthetic(full *Device, at time.Time) ([]Change, error) {
	if full == nil {
		return nil, &LifecycleError{Op: "duplicate", Reason: "no object"}
	}
	if full.Registration != RegistrationFull {
		return nil, &LifecycleError{Op: "duplicate", DeviceID: full.DeviceID, Reason: "the object is not a full registration"}
	}
	if !strings.EqualFold(full.DeviceOSType, "macOS") {
		return nil, &LifecycleError{Op: "duplicate", DeviceID: full.DeviceID, Reason: "the known issue concerns macOS devices only"}
	}
	r := Registrant{
		DeviceID:    DuplicateDeviceID(full.DeviceID),
		DisplayName: full.DisplayName,
		OSType:      full.DeviceOSType,
		OSVersion:   full.DeviceOSVersion,
		Tags:        full.Tags,
	}
	return []Change{{ChangeCreate, newObject(r, RegistrationSynthetic, TrustNone, at)}}, nil
}

// DuplicateDeviceID returns the device id DuplicateSynthetic gives the
// duplicate of a device: derived from the device id alone, so that the
// issue produces one duplicate per device however often it enrolls.
func DuplicateDeviceID(deviceID string) string {
	return NewObjectID(deviceID, "duplicate", time.Time{})
}

// Compact merges the changes that touch the same object into one, keeping
// the order of first appearance: create then update is a create of the
// final object, update then update the last update, create then delete
// nothing, update then delete a delete. The input is not modified.
func Compact(changes []Change) []Change {
	out := make([]Change, 0, len(changes))
	at := map[string]int{} // lower-case object id → index in out
	for _, c := range changes {
		if c.Device == nil {
			out = append(out, c)
			continue
		}
		key := strings.ToLower(c.Device.ObjectID)
		i, seen := at[key]
		if !seen || out[i].Device == nil {
			at[key] = len(out)
			out = append(out, c)
			continue
		}
		prev := out[i]
		switch {
		case prev.Kind == ChangeCreate && c.Kind == ChangeUpdate:
			out[i] = Change{ChangeCreate, c.Device}
		case prev.Kind == ChangeUpdate && c.Kind == ChangeUpdate,
			prev.Kind == ChangeUpdate && c.Kind == ChangeDelete:
			out[i] = c
		case prev.Kind == ChangeCreate && c.Kind == ChangeDelete:
			out[i] = Change{} // dropped below
			delete(at, key)
		default: // e.g. delete then create again: keep both, in order
			at[key] = len(out)
			out = append(out, c)
		}
	}
	return slices.DeleteFunc(out, func(c Change) bool { return c.Kind == "" && c.Device == nil })
}

// NewObjectID derives a directory object id, formatted like a GUID, from a
// device id, a purpose and a time. The same inputs give the same id, so
// plans are deterministic; different purposes or times give different ids.
func NewObjectID(deviceID, purpose string, at time.Time) string {
	h := sha256.New()
	h.Write([]byte(strings.ToLower(deviceID)))
	h.Write([]byte{0})
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(at.UnixNano()))
	h.Write(ts[:])
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8: vendor-defined
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newObject(r Registrant, kind RegistrationKind, trust TrustType, at time.Time) *Device {
	d := &Device{
		ObjectID:        NewObjectID(r.DeviceID, string(kind)+"/"+string(trust), at),
		DeviceID:        r.DeviceID,
		DisplayName:     r.DisplayName,
		AccountEnabled:  Bool(true),
		DeviceOSType:    r.OSType,
		DeviceOSVersion: r.OSVersion,
		DeviceTrustType: string(trust),
		Registration:    kind,
	}
	if len(r.Tags) > 0 {
		d.Tags = slices.Clone(r.Tags)
	}
	return d
}

func addLabel(labels []string, l string) []string {
	if containsFold(labels, l) {
		return labels
	}
	return append(labels, l)
}
