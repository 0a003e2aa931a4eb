package secmgmt

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
)

// Device is everything the service knows about one device.
type Device struct {
	ID string
	// Object is the device's directory object; nil when it has none (not
	// registered, offboarded, deleted).
	Object *identity.Device
	// Facts are what its agent last reported; nil for a directory object
	// that no agent reported (a duplicate made by a known issue).
	Facts *enrollment.Facts
	// Enrollment is its enrollment record, without the history (see
	// DeviceHistory).
	Enrollment enrollment.Record
	// Groups are the ids of the groups it is a member of, sorted.
	Groups []string
	// Policies are the ids of the policies assigned to it, sorted.
	Policies []string
	// LastCheckIn is its last check-in (enrolling counts as one), and
	// ConfigurationVersion the version of the configuration it was then
	// given; zero and empty if it never checked in.
	LastCheckIn          time.Time
	ConfigurationVersion string
	// CredentialRevoked reports an offboarded or deleted device's revoked
	// credential.
	CredentialRevoked bool
	// Version is the version of the device record.
	Version int64
}

// Device returns a device.
func (s *Service) Device(ctx context.Context, deviceID string) (*Device, error) {
	if err := s.adminRead(&ctx, "Device", deviceID); err != nil {
		return nil, err
	}
	id := canonicalID(deviceID)
	s.mu.RLock()
	d := s.state.devices[id]
	if d == nil {
		s.mu.RUnlock()
		return nil, notFound("device", id)
	}
	out := s.viewDevice(d)
	s.state.trimDevice(accessOf(ctx), out)
	s.mu.RUnlock()
	if err := s.addCheckIn(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// viewDevice builds a Device from the state. s.mu is held.
func (s *Service) viewDevice(d *deviceEntry) *Device {
	out := &Device{ID: d.id, Enrollment: d.record, CredentialRevoked: d.revoked, Version: d.version}
	out.Enrollment.History = nil
	if obj, ok := s.state.index.Device(d.id); ok {
		out.Object = obj.Clone()
	}
	if d.facts != nil {
		f := *d.facts
		f.Tags = slices.Clone(f.Tags)
		out.Facts = &f
	}
	for g := range s.state.index.GroupsOf(d.id) {
		out.Groups = append(out.Groups, g)
	}
	for _, pe := range s.state.assignedTo(d.id) {
		out.Policies = append(out.Policies, pe.pol.ID)
	}
	return out
}

// addCheckIn fills in a device's last check-in from the store.
func (s *Service) addCheckIn(ctx context.Context, d *Device) error {
	c, ok, err := s.lastCheckIn(ctx, d.ID)
	if ok {
		d.LastCheckIn, d.ConfigurationVersion = c.At, c.ConfigurationVersion
	}
	return err
}

// Devices iterates over every device, in id order.
func (s *Service) Devices(ctx context.Context) iter.Seq2[*Device, error] {
	return func(yield func(*Device, error) bool) {
		ctx := ctx
		if err := s.adminRead(&ctx, "Devices"); err != nil {
			yield(nil, err)
			return
		}
		s.mu.RLock()
		ids := s.state.deviceIDs()
		s.mu.RUnlock()
		for _, id := range ids {
			s.mu.RLock()
			d := s.state.devices[id]
			var out *Device
			if a := accessOf(ctx); d != nil && s.state.seesDeviceID(a, id) {
				out = s.viewDevice(d)
				s.state.trimDevice(a, out)
			}
			s.mu.RUnlock()
			if out == nil {
				continue // deleted meanwhile, or out of the caller's scope
			}
			if err := s.addCheckIn(ctx, out); err != nil {
				yield(nil, err)
				return
			}
			if !yield(out, nil) {
				return
			}
		}
	}
}

// DeviceHistory iterates over a device's enrollment transitions, oldest
// first.
func (s *Service) DeviceHistory(ctx context.Context, deviceID string) iter.Seq2[*enrollment.Transition, error] {
	return func(yield func(*enrollment.Transition, error) bool) {
		ctx := ctx
		if err := s.admin(&ctx, "DeviceHistory", deviceID); err != nil {
			yield(nil, err)
			return
		}
		for t, err := range s.st.History(ctx, canonicalID(deviceID)) {
			if !yield(t, err) || err != nil {
				return
			}
		}
	}
}

// UpdateDeviceObject changes directory attributes of a device's object,
// such as its extension attributes, category or manufacturer: edit is
// called with a copy of the object and the result is stored. The
// attributes that belong to the directory's own bookkeeping (object id,
// device id, registration, trust type, management type, system labels,
// memberOf) and the tags (TagDevice) cannot change. The device's dynamic
// memberships are evaluated again, and its configuration computed again
// at its next check-in.
func (s *Service) UpdateDeviceObject(ctx context.Context, deviceID string, edit func(*identity.Device) error) (*identity.Device, error) {
	const op = "UpdateDeviceObject"
	if err := s.admin(&ctx, op, deviceID); err != nil {
		return nil, err
	}
	if edit == nil {
		return nil, invalid(op, "edit", "nil", nil)
	}
	id := canonicalID(deviceID)
	var out *identity.Device
	err := s.write(ctx, op, func(w *txn) error {
		next, changed, err := editObject(op, w.st.dir, id, edit)
		if err != nil || !changed {
			out = next
			return err
		}
		if err := w.applyDirectory([]identity.Change{{Kind: identity.ChangeUpdate, Device: next}}); err != nil {
			return err
		}
		out = next.Clone()
		return nil
	})
	return out, err
}

// editObject calls edit with a copy of device id's object in dir and
// returns the edited copy, and whether it differs from the object. An
// edit of a protected attribute is an error.
func editObject(op string, dir interface {
	Lookup(id string) (*identity.Device, bool)
}, id string, edit func(*identity.Device) error) (*identity.Device, bool, error) {
	cur, ok := dir.Lookup(id)
	if !ok {
		return nil, false, notFound("device object", id)
	}
	next := cur.Clone()
	if err := edit(next); err != nil {
		return nil, false, invalid(op, "edit", "", err)
	}
	if why := protectedChange(cur, next); why != "" {
		return nil, false, invalid(op, why, "cannot be changed here", nil)
	}
	return next, !reflect.DeepEqual(cur, next), nil
}

// protectedChange names the first attribute an edit may not change, or "".
func protectedChange(a, b *identity.Device) string {
	switch {
	case a.ObjectID != b.ObjectID:
		return "ObjectID"
	case a.DeviceID != b.DeviceID:
		return "DeviceID"
	case a.Registration != b.Registration:
		return "Registration"
	case a.DeviceTrustType != b.DeviceTrustType:
		return "DeviceTrustType"
	case a.ManagementType != b.ManagementType:
		return "ManagementType"
	case !slices.Equal(a.SystemLabels, b.SystemLabels):
		return "SystemLabels"
	case !slices.Equal(a.MemberOf, b.MemberOf):
		return "MemberOf"
	case !slices.Equal(a.Tags, b.Tags):
		return "Tags"
	}
	return ""
}

// EffectiveConfiguration returns the merge result of a device's assigned
// policies as the device receives it now: the effective configuration,
// its version and the outcome of every (policy, setting) pair, for
// explanations (conflict.Explain) and what-if questions. It reads the
// state only. A device that is not enrolled is transport.ErrNotManaged.
func (s *Service) EffectiveConfiguration(ctx context.Context, deviceID string) (*conflict.Result, error) {
	if err := s.adminRead(&ctx, "EffectiveConfiguration", deviceID); err != nil {
		return nil, err
	}
	id := canonicalID(deviceID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := s.state.devices[id]
	if d == nil {
		return nil, notFound("device", id)
	}
	if !d.managed() {
		return nil, notManaged(d, id)
	}
	d.mu.Lock()
	conf, dirty := d.conf, d.dirty
	d.mu.Unlock()
	if conf == nil || dirty {
		var err error
		if conf, err = s.configure(s.state, d); err != nil {
			return nil, fmt.Errorf("secmgmt: device %q: %w", id, err)
		}
	}
	if err := s.state.checkMerge(accessOf(ctx), id, conf.res); err != nil {
		return nil, fmt.Errorf("secmgmt: EffectiveConfiguration: %w", err)
	}
	return conf.res, nil
}
