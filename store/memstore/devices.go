package memstore

import (
	"context"
	"iter"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// deviceRow is everything the store keeps about one device.
type deviceRow struct {
	dev *store.Device // canonical, with the stored version
	// groups are the interned numbers of the groups the device is in,
	// sorted. Changes replace the slice (copy on write), so that an undo
	// snapshot of the row keeps its own.
	groups  []uint32
	enr     *store.Enrollment
	history []*enrollment.Transition
	report  *store.StatusReport
	cred    *store.Credential
	checkIn checkIn
}

type checkIn struct {
	at      time.Time
	version string
	set     bool
}

// saveRow records the row as it is, so that a rollback restores it. Call
// it before changing any field of the row.
func (s *Store) saveRow(row *deviceRow) {
	if s.tx != nil {
		old := *row
		s.onUndo(func() { *row = old })
	}
}

// Device returns the device with the given id.
func (s *Store) Device(ctx context.Context, id string) (*store.Device, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	row := s.db.devices[id]
	if row == nil {
		return nil, codec.NotFound("device", id)
	}
	return row.dev.Clone(), nil
}

// PutDevice creates or replaces a device.
func (s *Store) PutDevice(ctx context.Context, d *store.Device) (int64, error) {
	c, err := codec.CanonicalDevice(d)
	if err != nil {
		return 0, err
	}
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.unlock()
	s.db.strings.device(c)
	row := s.db.devices[c.ID]
	switch {
	case row == nil && d.Version == 0:
		c.Version = 1
		row = &deviceRow{dev: c}
		s.db.devices[c.ID] = row
		s.db.deviceOrder.Set(c.ID, row)
		s.onUndo(func() {
			delete(s.db.devices, c.ID)
			s.db.deviceOrder.Delete(c.ID)
		})
	case row == nil:
		return 0, codec.NotFound("device", c.ID)
	case row.dev.Version != d.Version:
		return 0, codec.Conflict("device", c.ID, d.Version, row.dev.Version)
	default:
		c.Version = row.dev.Version + 1
		s.saveRow(row)
		row.dev = c
	}
	return c.Version, nil
}

// DeleteDevice deletes a device and everything kept about it.
func (s *Store) DeleteDevice(ctx context.Context, id string, version int64) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	row := s.db.devices[id]
	switch {
	case row == nil:
		return codec.NotFound("device", id)
	case row.dev.Version != version:
		return codec.Conflict("device", id, version, row.dev.Version)
	}
	s.removeDeviceMemberships(row)
	s.setReport(row, nil)
	delete(s.db.devices, id)
	s.db.deviceOrder.Delete(id)
	s.onUndo(func() {
		s.db.devices[id] = row
		s.db.deviceOrder.Set(id, row)
	})
	return nil
}

// CountDevices returns the number of devices.
func (s *Store) CountDevices(ctx context.Context) (int, error) {
	if err := s.rlock(ctx); err != nil {
		return 0, err
	}
	defer s.runlock()
	return len(s.db.devices), nil
}

// Devices iterates over the devices in id order.
func (s *Store) Devices(ctx context.Context, after string) iter.Seq2[*store.Device, error] {
	return pages(s, ctx, after, func(cursor string) ([]*store.Device, string, bool, error) {
		page := make([]*store.Device, 0, min(pageSize, s.db.deviceOrder.Len()))
		s.db.deviceOrder.Ascend(cursor, func(id string, row *deviceRow) bool {
			page = append(page, row.dev.Clone())
			cursor = id
			return len(page) < pageSize
		})
		return page, cursor, len(page) == pageSize, nil
	})
}

// RecordCheckIn records a device's check-in.
func (s *Store) RecordCheckIn(ctx context.Context, c store.CheckIn) error {
	if err := codec.CheckCheckIn(&c); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	row := s.db.devices[c.DeviceID]
	if row == nil {
		return codec.NotFound("device", c.DeviceID)
	}
	s.saveRow(row)
	row.checkIn = checkIn{at: c.At.UTC(), version: c.ConfigurationVersion, set: true}
	return nil
}

// LastCheckIn returns a device's last check-in.
func (s *Store) LastCheckIn(ctx context.Context, deviceID string) (*store.CheckIn, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	row := s.db.devices[deviceID]
	if row == nil || !row.checkIn.set {
		return nil, codec.NotFound("check-in", deviceID)
	}
	return &store.CheckIn{DeviceID: deviceID, At: row.checkIn.at, ConfigurationVersion: row.checkIn.version}, nil
}

// PutCredential stores a device's credential.
func (s *Store) PutCredential(ctx context.Context, c *store.Credential) error {
	cc, err := codec.CanonicalCredential(c)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	row := s.db.devices[cc.DeviceID]
	if row == nil {
		return codec.NotFound("device", cc.DeviceID)
	}
	s.saveRow(row)
	row.cred = cc
	return nil
}

// Credential returns a device's credential.
func (s *Store) Credential(ctx context.Context, deviceID string) (*store.Credential, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	row := s.db.devices[deviceID]
	if row == nil || row.cred == nil {
		return nil, codec.NotFound("credential", deviceID)
	}
	return row.cred.Clone(), nil
}

// RevokeCredential revokes a device's credential.
func (s *Store) RevokeCredential(ctx context.Context, deviceID string, at time.Time) error {
	if _, err := codec.RevocationTime(deviceID, at); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	row := s.db.devices[deviceID]
	switch {
	case row == nil || row.cred == nil:
		return codec.NotFound("credential", deviceID)
	case row.cred.Revoked():
		return nil
	}
	c := row.cred.Clone()
	c.RevokedAt = at.UTC()
	s.saveRow(row)
	row.cred = c
	return nil
}

// addGroup and removeGroup change a row's sorted group numbers, copying
// the slice.
func (s *Store) addGroup(row *deviceRow, idx uint32) bool {
	i, found := slices.BinarySearch(row.groups, idx)
	if found {
		return false
	}
	s.saveRow(row)
	row.groups = slices.Insert(slices.Clip(row.groups), i, idx)
	return true
}

func (s *Store) removeGroup(row *deviceRow, idx uint32) bool {
	i, found := slices.BinarySearch(row.groups, idx)
	if !found {
		return false
	}
	s.saveRow(row)
	groups := slices.Delete(slices.Clone(row.groups), i, i+1)
	if len(groups) == 0 {
		groups = nil
	}
	row.groups = groups
	return true
}
