package memstore

import (
	"context"
	"slices"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// defaultTenant is the configuration of a store that was never given one.
var defaultTenant = codec.DefaultTenant()

// Tenant returns the tenant configuration.
func (s *Store) Tenant(ctx context.Context) (*store.Tenant, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	t := s.db.tenant
	if t == nil {
		t = defaultTenant
	}
	c := *t
	return &c, nil
}

// PutTenant replaces the tenant configuration.
func (s *Store) PutTenant(ctx context.Context, t *store.Tenant) (int64, error) {
	c, err := codec.CanonicalTenant(t)
	if err != nil {
		return 0, err
	}
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.unlock()
	old := s.db.tenant
	var stored int64
	if old != nil {
		stored = old.Version
	}
	if stored != t.Version {
		return 0, codec.Conflict("tenant", "", t.Version, stored)
	}
	c.Version = stored + 1
	s.db.tenant = c
	s.onUndo(func() { s.db.tenant = old })
	return c.Version, nil
}

// AppendChange appends a change to the feed.
func (s *Store) AppendChange(ctx context.Context, c store.Change) (int64, error) {
	cc, err := codec.CanonicalChange(&c)
	if err != nil {
		return 0, err
	}
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.unlock()
	d := s.db
	cc.Seq = d.lastSeq + 1
	n := len(d.changes)
	d.changes = append(d.changes, cc)
	d.lastSeq = cc.Seq
	s.onUndo(func() {
		d.changes = d.changes[:n]
		d.lastSeq = cc.Seq - 1
	})
	return cc.Seq, nil
}

// Changes returns the changes after a sequence number.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]store.Change, error) {
	if err := codec.CheckLimit(limit); err != nil {
		return nil, err
	}
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	i := s.firstAfter(after)
	out := make([]store.Change, 0, min(limit, len(s.db.changes)-i))
	for _, c := range s.db.changes[i:min(i+limit, len(s.db.changes))] {
		c.Keys = slices.Clone(c.Keys)
		out = append(out, c)
	}
	return out, nil
}

// firstAfter returns the index of the first change numbered after seq.
func (s *Store) firstAfter(seq int64) int {
	i, found := slices.BinarySearchFunc(s.db.changes, seq, func(c store.Change, seq int64) int {
		return int(min(max(c.Seq-seq, -1), 1))
	})
	if found {
		i++
	}
	return i
}

// LastChange returns the last sequence number appended.
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	if err := s.rlock(ctx); err != nil {
		return 0, err
	}
	defer s.runlock()
	return s.db.lastSeq, nil
}

// TrimChanges deletes the changes numbered through and below.
func (s *Store) TrimChanges(ctx context.Context, through int64) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	d := s.db
	i := s.firstAfter(through)
	if i == 0 {
		return nil
	}
	old := d.changes
	d.changes = slices.Clone(d.changes[i:])
	s.onUndo(func() { d.changes = old })
	return nil
}
