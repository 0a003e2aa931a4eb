package memstore

import (
	"context"
	"iter"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// policyRow is a policy and its assignment set.
type policyRow struct {
	p      *store.Policy      // canonical, with the stored version
	assign *store.Assignments // nil: never assigned
}

// Policy returns the policy with the given id.
func (s *Store) Policy(ctx context.Context, id string) (*store.Policy, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	row, ok := s.db.policies.Get(id)
	if !ok {
		return nil, codec.NotFound("policy", id)
	}
	return row.p.Clone(), nil
}

// PutPolicy creates or replaces a policy.
func (s *Store) PutPolicy(ctx context.Context, p *store.Policy) (int64, error) {
	c, err := codec.CanonicalPolicy(p)
	if err != nil {
		return 0, err
	}
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.unlock()
	id := c.Policy.ID
	row, ok := s.db.policies.Get(id)
	switch {
	case !ok && p.Version == 0:
		c.Version = 1
		s.db.policies.Set(id, &policyRow{p: c})
		s.onUndo(func() { s.db.policies.Delete(id) })
	case !ok:
		return 0, codec.NotFound("policy", id)
	case row.p.Version != p.Version:
		return 0, codec.Conflict("policy", id, p.Version, row.p.Version)
	default:
		c.Version = row.p.Version + 1
		old := row.p
		row.p = c
		s.onUndo(func() { row.p = old })
	}
	return c.Version, nil
}

// DeletePolicy deletes a policy and its assignments.
func (s *Store) DeletePolicy(ctx context.Context, id string, version int64) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	row, ok := s.db.policies.Get(id)
	switch {
	case !ok:
		return codec.NotFound("policy", id)
	case row.p.Version != version:
		return codec.Conflict("policy", id, version, row.p.Version)
	}
	s.db.policies.Delete(id)
	s.onUndo(func() { s.db.policies.Set(id, row) })
	return nil
}

// Policies iterates over the policies in id order.
func (s *Store) Policies(ctx context.Context, after string) iter.Seq2[*store.Policy, error] {
	return pages(s, ctx, after, func(cursor string) ([]*store.Policy, string, bool, error) {
		var page []*store.Policy
		s.db.policies.Ascend(cursor, func(id string, row *policyRow) bool {
			page = append(page, row.p.Clone())
			cursor = id
			return len(page) < pageSize
		})
		return page, cursor, len(page) == pageSize, nil
	})
}

// Assignments returns a policy's assignment set.
func (s *Store) Assignments(ctx context.Context, policyID string) (*store.Assignments, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.runlock()
	row, ok := s.db.policies.Get(policyID)
	if !ok {
		return nil, codec.NotFound("policy", policyID)
	}
	if row.assign == nil {
		return &store.Assignments{PolicyID: policyID}, nil
	}
	return row.assign.Clone(), nil
}

// PutAssignments replaces a policy's assignment set.
func (s *Store) PutAssignments(ctx context.Context, a *store.Assignments) (int64, error) {
	c, err := codec.CanonicalAssignments(a)
	if err != nil {
		return 0, err
	}
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.unlock()
	row, ok := s.db.policies.Get(c.PolicyID)
	if !ok {
		return 0, codec.NotFound("policy", c.PolicyID)
	}
	var stored int64
	if row.assign != nil {
		stored = row.assign.Version
	}
	if stored != a.Version {
		return 0, codec.Conflict("assignments", c.PolicyID, a.Version, stored)
	}
	c.Version = stored + 1
	old := row.assign
	row.assign = c
	s.onUndo(func() { row.assign = old })
	return c.Version, nil
}

// AllAssignments iterates over the assignment sets in policy id order.
func (s *Store) AllAssignments(ctx context.Context, after string) iter.Seq2[*store.Assignments, error] {
	return pages(s, ctx, after, func(cursor string) ([]*store.Assignments, string, bool, error) {
		var page []*store.Assignments
		scanned := 0
		s.db.policies.Ascend(cursor, func(id string, row *policyRow) bool {
			if row.assign != nil {
				page = append(page, row.assign.Clone())
			}
			cursor = id
			scanned++
			return scanned < pageSize
		})
		return page, cursor, scanned == pageSize, nil
	})
}
