package memstore

import (
	"context"
	"iter"
	"slices"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
	"github.com/secmgmt/secmgmt/store/internal/ordered"
)

// groupRow is a group and its materialised members.
type groupRow struct {
	g       *store.Group // canonical, with the stored version
	idx     uint32       // its interned number
	members ordered.Map[struct{}]
}

// Group returns the group with the given id.
func (s *Store) Group(ctx context.Context, id string) (*store.Group, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	g, ok := s.db.groups.Get(id)
	if !ok {
		return nil, codec.NotFound("group", id)
	}
	return g.g.Clone(), nil
}

// PutGroup creates or replaces a group.
func (s *Store) PutGroup(ctx context.Context, g *store.Group) (int64, error) {
	c, err := codec.CanonicalGroup(g)
	if err != nil {
		return 0, err
	}
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.unlock()
	row, ok := s.db.groups.Get(c.ID)
	switch {
	case !ok && g.Version == 0:
		c.Version = 1
		s.createGroup(&groupRow{g: c})
	case !ok:
		return 0, codec.NotFound("group", c.ID)
	case row.g.Version != g.Version:
		return 0, codec.Conflict("group", c.ID, g.Version, row.g.Version)
	default:
		c.Version = row.g.Version + 1
		old := row.g
		row.g = c
		s.onUndo(func() { row.g = old })
	}
	return c.Version, nil
}

// createGroup inserts a new group row and gives it a number.
func (s *Store) createGroup(row *groupRow) {
	d := s.db
	if n := len(d.freeIdx); n > 0 {
		row.idx = d.freeIdx[n-1]
		d.freeIdx = d.freeIdx[:n-1]
		d.groupByIdx[row.idx] = row
		s.onUndo(func() {
			d.groupByIdx[row.idx] = nil
			d.freeIdx = append(d.freeIdx, row.idx)
		})
	} else {
		row.idx = uint32(len(d.groupByIdx))
		d.groupByIdx = append(d.groupByIdx, row)
		s.onUndo(func() { d.groupByIdx = d.groupByIdx[:row.idx] })
	}
	d.groups.Set(row.g.ID, row)
	s.onUndo(func() { d.groups.Delete(row.g.ID) })
}

// DeleteGroup deletes a group and its memberships.
func (s *Store) DeleteGroup(ctx context.Context, id string, version int64) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	d := s.db
	row, ok := d.groups.Get(id)
	switch {
	case !ok:
		return codec.NotFound("group", id)
	case row.g.Version != version:
		return codec.Conflict("group", id, version, row.g.Version)
	}
	s.removeGroupMemberships(row)
	d.groups.Delete(id)
	d.groupByIdx[row.idx] = nil
	d.freeIdx = append(d.freeIdx, row.idx)
	s.onUndo(func() {
		d.freeIdx = d.freeIdx[:len(d.freeIdx)-1]
		d.groupByIdx[row.idx] = row
		d.groups.Set(id, row)
	})
	return nil
}

// Groups iterates over the groups in id order.
func (s *Store) Groups(ctx context.Context, after string) iter.Seq2[*store.Group, error] {
	return pages(s, ctx, after, func(cursor string) ([]*store.Group, string, bool, error) {
		var page []*store.Group
		s.db.groups.Ascend(cursor, func(id string, row *groupRow) bool {
			page = append(page, row.g.Clone())
			cursor = id
			return len(page) < pageSize
		})
		return page, cursor, len(page) == pageSize, nil
	})
}

// addMember and removeMember change one membership on both sides.
func (s *Store) addMember(g *groupRow, row *deviceRow) {
	if !s.addGroup(row, g.idx) {
		return
	}
	id := row.dev.ID
	g.members.Set(id, struct{}{})
	s.onUndo(func() { g.members.Delete(id) })
}

func (s *Store) removeMember(g *groupRow, row *deviceRow) {
	if !s.removeGroup(row, g.idx) {
		return
	}
	id := row.dev.ID
	g.members.Delete(id)
	s.onUndo(func() { g.members.Set(id, struct{}{}) })
}

// ApplyMemberships applies a membership delta atomically.
func (s *Store) ApplyMemberships(ctx context.Context, delta store.MembershipDelta) error {
	if err := codec.CheckMemberships(delta); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	d := s.db
	type pair struct {
		g   *groupRow
		row *deviceRow
	}
	added := make([]pair, len(delta.Added))
	for i, m := range delta.Added {
		row := d.devices[m.DeviceID]
		if row == nil {
			return codec.NotFound("device", m.DeviceID)
		}
		g, ok := d.groups.Get(m.GroupID)
		if !ok {
			return codec.NotFound("group", m.GroupID)
		}
		added[i] = pair{g, row}
	}
	for _, m := range delta.Removed {
		row := d.devices[m.DeviceID]
		g, ok := d.groups.Get(m.GroupID)
		if row != nil && ok {
			s.removeMember(g, row)
		}
	}
	for _, p := range added {
		s.addMember(p.g, p.row)
	}
	return nil
}

// GroupMembers iterates over a group's members in device id order.
func (s *Store) GroupMembers(ctx context.Context, groupID, after string) iter.Seq2[string, error] {
	return pages(s, ctx, after, func(cursor string) ([]string, string, bool, error) {
		g, ok := s.db.groups.Get(groupID)
		if !ok {
			return nil, "", false, codec.NotFound("group", groupID)
		}
		var page []string
		g.members.Ascend(cursor, func(id string, _ struct{}) bool {
			page = append(page, id)
			return len(page) < pageSize
		})
		if len(page) > 0 {
			cursor = page[len(page)-1]
		}
		return page, cursor, len(page) == pageSize, nil
	})
}

// CountGroupMembers returns the number of members of a group.
func (s *Store) CountGroupMembers(ctx context.Context, groupID string) (int, error) {
	if err := s.rlock(ctx); err != nil {
		return 0, err
	}
	defer s.runlock()
	g, ok := s.db.groups.Get(groupID)
	if !ok {
		return 0, codec.NotFound("group", groupID)
	}
	return g.members.Len(), nil
}

// DeviceGroups returns the ids of a device's groups, sorted.
func (s *Store) DeviceGroups(ctx context.Context, deviceID string) ([]string, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	row := s.db.devices[deviceID]
	if row == nil {
		return nil, codec.NotFound("device", deviceID)
	}
	ids := make([]string, len(row.groups))
	for i, idx := range row.groups {
		ids[i] = s.db.groupByIdx[idx].g.ID
	}
	slices.Sort(ids)
	return ids, nil
}

// RemoveDeviceMemberships removes every membership of a device.
func (s *Store) RemoveDeviceMemberships(ctx context.Context, deviceID string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	row := s.db.devices[deviceID]
	if row == nil {
		return codec.NotFound("device", deviceID)
	}
	s.removeDeviceMemberships(row)
	return nil
}

func (s *Store) removeDeviceMemberships(row *deviceRow) {
	for _, idx := range slices.Clone(row.groups) {
		s.removeMember(s.db.groupByIdx[idx], row)
	}
}

// RemoveGroupMemberships removes every membership of a group.
func (s *Store) RemoveGroupMemberships(ctx context.Context, groupID string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	g, ok := s.db.groups.Get(groupID)
	if !ok {
		return codec.NotFound("group", groupID)
	}
	s.removeGroupMemberships(g)
	return nil
}

func (s *Store) removeGroupMemberships(g *groupRow) {
	ids := make([]string, 0, g.members.Len())
	g.members.Ascend("", func(id string, _ struct{}) bool {
		ids = append(ids, id)
		return true
	})
	for _, id := range ids {
		s.removeMember(g, s.db.devices[id])
	}
}
