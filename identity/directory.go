package identity

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Sentinel errors of Directory.Check and Directory.Apply; the returned
// error wraps one of them (a *ChangeError or a *QuotaError).
var (
	// ErrQuotaExceeded: the changes would leave more objects than the quota.
	ErrQuotaExceeded = errors.New("identity: directory quota exceeded")
	// ErrDeviceNotFound: an update or delete names an object that does not exist.
	ErrDeviceNotFound = errors.New("identity: device object not found")
	// ErrDeviceExists: a create names an object id or a device id already in use.
	ErrDeviceExists = errors.New("identity: device object already exists")
	// ErrInvalidChange: the change itself is malformed.
	ErrInvalidChange = errors.New("identity: invalid change")
)

// ChangeError reports the change, by its index in the list, that cannot be
// applied.
type ChangeError struct {
	Index  int
	Change Change
	Err    error // ErrDeviceNotFound, ErrDeviceExists or ErrInvalidChange
	Detail string
}

// Error names the sentinel, the change and the detail.
func (e *ChangeError) Error() string {
	s := fmt.Sprintf("%v: change %d (%s)", e.Err, e.Index, e.Change)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel.
func (e *ChangeError) Unwrap() error { return e.Err }

// QuotaError reports that the changes would exceed the directory quota.
type QuotaError struct {
	Quota int // the directory's quota
	Count int // objects there would be after the changes
}

// Error gives the quota and the count the changes would reach.
func (e *QuotaError) Error() string {
	return fmt.Sprintf("identity: directory quota of %d device objects exceeded: the changes would leave %d", e.Quota, e.Count)
}

// Unwrap returns ErrQuotaExceeded.
func (e *QuotaError) Unwrap() error { return ErrQuotaExceeded }

// Directory is an in-memory directory of device objects for programs and
// tests that want the lifecycle without a store. It applies the changes
// that the lifecycle functions (Register, ReplaceSynthetic, SetManaged,
// Delete, ...) plan, atomically, with a quota on the number of objects in
// which synthetic registrations count like full ones.
//
// Object ids and device ids are unique and compared case-insensitively.
// Objects are copied on the way in and out, so callers never share memory
// with the directory. A Directory is safe for concurrent use.
type Directory struct {
	mu       sync.RWMutex
	quota    int
	objects  map[string]*Device // lower-case object id → object
	byDevice map[string]string  // lower-case device id → lower-case object id
}

// DirectoryOption configures NewDirectory.
type DirectoryOption func(*directoryConfig) error

type directoryConfig struct {
	quota   int
	devices []*Device
}

// WithQuota limits the directory to n device objects; 0 (the default)
// means no limit. Changes that would leave more than n objects fail with a
// *QuotaError; changes that do not add objects are allowed even over the
// quota (e.g. after it was lowered).
func WithQuota(n int) DirectoryOption {
	return func(c *directoryConfig) error {
		if n < 0 {
			return fmt.Errorf("identity: negative quota %d", n)
		}
		c.quota = n
		return nil
	}
}

// WithDevices seeds the directory with existing objects, e.g. devices that
// are already Entra joined. They are checked like creates.
func WithDevices(devices ...*Device) DirectoryOption {
	return func(c *directoryConfig) error {
		c.devices = append(c.devices, devices...)
		return nil
	}
}

// NewDirectory returns an empty directory configured by the options.
func NewDirectory(opts ...DirectoryOption) (*Directory, error) {
	var c directoryConfig
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	d := &Directory{quota: c.quota, objects: map[string]*Device{}, byDevice: map[string]string{}}
	if len(c.devices) > 0 {
		seed := make([]Change, len(c.devices))
		for i, dev := range c.devices {
			seed[i] = Change{ChangeCreate, dev}
		}
		if err := d.Apply(seed...); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Quota returns the quota (0: none).
func (d *Directory) Quota() int { return d.quota }

// Len returns the number of objects.
func (d *Directory) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.objects)
}

// Lookup returns a copy of the object with the given device id.
func (d *Directory) Lookup(deviceID string) (*Device, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	oid, ok := d.byDevice[strings.ToLower(deviceID)]
	if !ok {
		return nil, false
	}
	return d.objects[oid].Clone(), true
}

// Shared returns the directory's own object for a device id, not a copy,
// for a caller that keeps it beside the directory (a membership index)
// without holding a second copy. The directory never changes an object it
// holds, it replaces it, so the object stays as it is for as long as the
// caller keeps it; the caller must not change it either.
func (d *Directory) Shared(deviceID string) (*Device, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	oid, ok := d.byDevice[strings.ToLower(deviceID)]
	if !ok {
		return nil, false
	}
	return d.objects[oid], true
}

// Get returns a copy of the object with the given object id.
func (d *Directory) Get(objectID string) (*Device, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	o, ok := d.objects[strings.ToLower(objectID)]
	return o.Clone(), ok
}

// Devices returns copies of all objects, ordered by object id.
func (d *Directory) Devices() []*Device {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]*Device, 0, len(d.objects))
	for _, o := range d.objects {
		out = append(out, o.Clone())
	}
	slices.SortFunc(out, func(a, b *Device) int {
		return strings.Compare(strings.ToLower(a.ObjectID), strings.ToLower(b.ObjectID))
	})
	return out
}

// Check reports whether the changes, applied in order, would succeed,
// without applying them.
func (d *Directory) Check(changes ...Change) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	_, err := d.simulate(changes)
	return err
}

// Apply applies the changes in order, all or nothing: on error the
// directory is unchanged.
func (d *Directory) Apply(changes ...Change) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.simulate(changes); err != nil {
		return err
	}
	for _, c := range changes {
		oid := strings.ToLower(c.Device.ObjectID)
		did := strings.ToLower(c.Device.DeviceID)
		switch c.Kind {
		case ChangeCreate, ChangeUpdate:
			d.objects[oid] = c.Device.Clone()
			d.byDevice[did] = oid
		case ChangeDelete:
			delete(d.byDevice, strings.ToLower(d.objects[oid].DeviceID))
			delete(d.objects, oid)
		}
	}
	return nil
}

// simulate checks the changes against the current content plus an overlay
// of the earlier changes in the list and returns the final object count.
func (d *Directory) simulate(changes []Change) (int, error) {
	objects := map[string]*Device{} // overlay; nil value = deleted
	owners := map[string]string{}   // overlay device id → object id; "" = free
	object := func(oid string) *Device {
		if o, ok := objects[oid]; ok {
			return o
		}
		return d.objects[oid]
	}
	owner := func(did string) string {
		if o, ok := owners[did]; ok {
			return o
		}
		return d.byDevice[did]
	}
	count := len(d.objects)
	for i, c := range changes {
		fail := func(err error, detail string) (int, error) {
			return 0, &ChangeError{Index: i, Change: c, Err: err, Detail: detail}
		}
		if detail := validateChange(c); detail != "" {
			return fail(ErrInvalidChange, detail)
		}
		oid := strings.ToLower(c.Device.ObjectID)
		did := strings.ToLower(c.Device.DeviceID)
		cur := object(oid)
		switch c.Kind {
		case ChangeCreate:
			if cur != nil {
				return fail(ErrDeviceExists, "object id in use")
			}
			if owner(did) != "" {
				return fail(ErrDeviceExists, "device id in use by object "+owner(did))
			}
			objects[oid], owners[did] = c.Device, oid
			count++
		case ChangeUpdate:
			if cur == nil {
				return fail(ErrDeviceNotFound, "")
			}
			if !strings.EqualFold(cur.DeviceID, c.Device.DeviceID) {
				return fail(ErrInvalidChange, "the device id of an object cannot change")
			}
			objects[oid] = c.Device
		case ChangeDelete:
			if cur == nil {
				return fail(ErrDeviceNotFound, "")
			}
			objects[oid], owners[strings.ToLower(cur.DeviceID)] = nil, ""
			count--
		}
	}
	if d.quota > 0 && count > d.quota && count > len(d.objects) {
		return 0, &QuotaError{Quota: d.quota, Count: count}
	}
	return count, nil
}

// validateChange returns why c is malformed, or "".
func validateChange(c Change) string {
	switch {
	case !c.Kind.Valid():
		return fmt.Sprintf("unknown kind %q", c.Kind)
	case c.Device == nil:
		return "no device"
	case c.Device.ObjectID == "":
		return "no object id"
	case c.Device.DeviceID == "":
		return "no device id"
	case c.Kind == ChangeDelete:
		return ""
	}
	t := TrustTypeOf(c.Device)
	switch c.Device.Registration {
	case RegistrationSynthetic:
		if t != TrustNone {
			return fmt.Sprintf("a synthetic registration has a blank trust type, not %q", c.Device.DeviceTrustType)
		}
	case RegistrationFull:
		if !t.Full() {
			return fmt.Sprintf("a full registration needs trust type AzureAD, ServerAD or Workplace, not %q", c.Device.DeviceTrustType)
		}
	default:
		return fmt.Sprintf("registration kind %q is not full or synthetic", c.Device.Registration)
	}
	return ""
}
