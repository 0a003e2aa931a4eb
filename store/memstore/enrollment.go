package memstore

import (
	"context"
	"iter"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// Enrollment returns a device's enrollment state.
func (s *Store) Enrollment(ctx context.Context, deviceID string) (*store.Enrollment, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	row := s.db.devices[deviceID]
	if row == nil || row.enr == nil {
		return nil, codec.NotFound("enrollment", deviceID)
	}
	e := *row.enr
	return &e, nil
}

// PutEnrollment creates or replaces a device's enrollment state.
func (s *Store) PutEnrollment(ctx context.Context, e *store.Enrollment) (int64, error) {
	c, err := codec.CanonicalEnrollment(e)
	if err != nil {
		return 0, err
	}
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.unlock()
	id := c.Record.DeviceID
	row := s.db.devices[id]
	if row == nil {
		return 0, codec.NotFound("device", id)
	}
	c.Record.DeviceID = row.dev.ID // share the key's copy
	s.db.strings.record(&c.Record)
	var stored int64
	if row.enr != nil {
		stored = row.enr.Version
	}
	switch {
	case row.enr == nil && e.Version != 0:
		return 0, codec.NotFound("enrollment", id)
	case stored != e.Version:
		return 0, codec.Conflict("enrollment", id, e.Version, stored)
	}
	c.Version = stored + 1
	s.saveRow(row)
	row.enr = c
	return c.Version, nil
}

// DeleteEnrollment deletes a device's enrollment state and history.
func (s *Store) DeleteEnrollment(ctx context.Context, deviceID string, version int64) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	row := s.db.devices[deviceID]
	switch {
	case row == nil || row.enr == nil:
		return codec.NotFound("enrollment", deviceID)
	case row.enr.Version != version:
		return codec.Conflict("enrollment", deviceID, version, row.enr.Version)
	}
	s.saveRow(row)
	row.enr = nil
	row.history = nil
	return nil
}

// Enrollments iterates over the enrollment states in device id order.
func (s *Store) Enrollments(ctx context.Context, after string) iter.Seq2[*store.Enrollment, error] {
	return pages(s, ctx, after, func(cursor string) ([]*store.Enrollment, string, bool, error) {
		var page []*store.Enrollment
		scanned := 0
		s.db.deviceOrder.Ascend(cursor, func(id string, row *deviceRow) bool {
			if row.enr != nil {
				e := *row.enr
				page = append(page, &e)
			}
			cursor = id
			scanned++
			return scanned < pageSize
		})
		return page, cursor, scanned == pageSize, nil
	})
}

// AppendHistory appends transitions to a device's history.
func (s *Store) AppendHistory(ctx context.Context, deviceID string, ts ...enrollment.Transition) error {
	c, err := codec.CanonicalHistory(deviceID, ts)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	row := s.db.devices[deviceID]
	if row == nil {
		return codec.NotFound("device", deviceID)
	}
	if len(c) == 0 {
		return nil
	}
	for _, t := range c {
		s.db.strings.transition(t, row.dev.ID)
	}
	s.saveRow(row)
	row.history = append(row.history, c...)
	return nil
}

// History iterates over a device's transitions, oldest first.
func (s *Store) History(ctx context.Context, deviceID string) iter.Seq2[*enrollment.Transition, error] {
	return pages(s, ctx, 0, func(from int) ([]*enrollment.Transition, int, bool, error) {
		row := s.db.devices[deviceID]
		if row == nil {
			return nil, 0, false, codec.NotFound("device", deviceID)
		}
		if from >= len(row.history) {
			return nil, from, false, nil
		}
		h := row.history[from:min(from+pageSize, len(row.history))]
		page := make([]*enrollment.Transition, len(h))
		for i, t := range h {
			page[i] = codec.CloneTransition(t)
		}
		return page, from + len(h), from+len(h) < len(row.history), nil
	})
}
