package sqlstore

import (
	"context"
	"errors"
	"iter"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
	"github.com/secmgmt/secmgmt/store/internal/paging"
)

// pages builds an iterator that reads a page per query and yields it
// after the query is done, so that the caller may use the store between
// items.
func pages[T, C any](s *Store, ctx context.Context, cursor C, fetch func(q Querier, cursor C) ([]T, C, bool, error)) iter.Seq2[T, error] {
	return paging.Pages(cursor, func(cursor C) (items []T, next C, more bool, err error) {
		err = s.read(ctx, func(q Querier) error {
			var err error
			items, next, more, err = fetch(q, cursor)
			return err
		})
		return items, next, more, err
	})
}

// scanDocs reads (id, doc, version) rows of a table in id order after a
// key, decoding each.
func scanDocs[T any](ctx context.Context, s *Store, q Querier, table, after string, decode func(id string, doc []byte, version int64) (T, error)) ([]T, string, bool, error) {
	rows, err := q.Query(ctx, s.sql("SELECT id, doc, version FROM "+table+" WHERE id > $1 ORDER BY id LIMIT $2"), after, pageSize)
	if err != nil {
		return nil, after, false, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var id string
		var doc []byte
		var v int64
		if err := rows.Scan(&id, &doc, &v); err != nil {
			return nil, after, false, err
		}
		x, err := decode(id, doc, v)
		if err != nil {
			return nil, after, false, err
		}
		out = append(out, x)
		after = id
	}
	return out, after, len(out) == pageSize, rows.Err()
}

// getDoc reads and decodes a (id, doc, version) row.
func getDoc[T any](ctx context.Context, s *Store, table, record, key string, decode func(string, []byte, int64) (T, error)) (out T, err error) {
	err = s.read(ctx, func(q Querier) error {
		doc, v, err := s.getVersioned(ctx, q, table, record, key)
		if err != nil {
			return err
		}
		out, err = decode(key, doc, v)
		return err
	})
	return out, err
}

// putDoc writes an encoded (id, doc, version) row.
func (s *Store) putDoc(ctx context.Context, table, record, key string, doc []byte, version int64, parent string) (v int64, err error) {
	err = s.write(ctx, func(q Querier) error {
		v, err = s.putVersioned(ctx, q, table, record, key, doc, version, parent)
		return err
	})
	return v, err
}

// Device returns the device with the given id.
func (s *Store) Device(ctx context.Context, id string) (*store.Device, error) {
	return getDoc(ctx, s, "devices", "device", id, codec.DecodeDevice)
}

// PutDevice creates or replaces a device.
func (s *Store) PutDevice(ctx context.Context, d *store.Device) (int64, error) {
	doc, err := codec.EncodeDevice(d)
	if err != nil {
		return 0, err
	}
	return s.putDoc(ctx, "devices", "device", d.ID, doc, d.Version, "")
}

// DeleteDevice deletes a device; the database deletes what refers to it.
func (s *Store) DeleteDevice(ctx context.Context, id string, version int64) error {
	return s.write(ctx, func(q Querier) error {
		return s.deleteVersioned(ctx, q, "devices", "device", id, version)
	})
}

// CountDevices returns the number of devices.
func (s *Store) CountDevices(ctx context.Context) (n int, err error) {
	err = s.read(ctx, func(q Querier) error {
		var c int64
		err := s.row(ctx, q, "SELECT COUNT(*) FROM devices", nil, &c)
		n = int(c)
		return err
	})
	return n, err
}

// Devices iterates over the devices in id order.
func (s *Store) Devices(ctx context.Context, after string) iter.Seq2[*store.Device, error] {
	return docPages(ctx, s, "devices", after, codec.DecodeDevice)
}

// docPages iterates over the (id, doc, version) rows of a table.
func docPages[T any](ctx context.Context, s *Store, table, after string, decode func(string, []byte, int64) (T, error)) iter.Seq2[T, error] {
	return pages(s, ctx, after, func(q Querier, cursor string) ([]T, string, bool, error) {
		return scanDocs(ctx, s, q, table, cursor, decode)
	})
}

// Group returns the group with the given id.
func (s *Store) Group(ctx context.Context, id string) (*store.Group, error) {
	return getDoc(ctx, s, "device_groups", "group", id, codec.DecodeGroup)
}

// PutGroup creates or replaces a group.
func (s *Store) PutGroup(ctx context.Context, g *store.Group) (int64, error) {
	doc, err := codec.EncodeGroup(g)
	if err != nil {
		return 0, err
	}
	return s.putDoc(ctx, "device_groups", "group", g.ID, doc, g.Version, "")
}

// DeleteGroup deletes a group and its memberships.
func (s *Store) DeleteGroup(ctx context.Context, id string, version int64) error {
	return s.write(ctx, func(q Querier) error {
		return s.deleteVersioned(ctx, q, "device_groups", "group", id, version)
	})
}

// Groups iterates over the groups in id order.
func (s *Store) Groups(ctx context.Context, after string) iter.Seq2[*store.Group, error] {
	return docPages(ctx, s, "device_groups", after, codec.DecodeGroup)
}

// Policy returns the policy with the given id.
func (s *Store) Policy(ctx context.Context, id string) (*store.Policy, error) {
	return getDoc(ctx, s, "policies", "policy", id, codec.DecodePolicy)
}

// PutPolicy creates or replaces a policy.
func (s *Store) PutPolicy(ctx context.Context, p *store.Policy) (int64, error) {
	id, doc, err := codec.EncodePolicy(p)
	if err != nil {
		return 0, err
	}
	return s.putDoc(ctx, "policies", "policy", id, doc, p.Version, "")
}

// DeletePolicy deletes a policy and its assignments.
func (s *Store) DeletePolicy(ctx context.Context, id string, version int64) error {
	return s.write(ctx, func(q Querier) error {
		return s.deleteVersioned(ctx, q, "policies", "policy", id, version)
	})
}

// Policies iterates over the policies in id order.
func (s *Store) Policies(ctx context.Context, after string) iter.Seq2[*store.Policy, error] {
	return docPages(ctx, s, "policies", after, codec.DecodePolicy)
}

// Assignments returns a policy's assignment set.
func (s *Store) Assignments(ctx context.Context, policyID string) (a *store.Assignments, err error) {
	err = s.read(ctx, func(q Querier) error {
		var doc []byte
		var v int64
		err := s.row(ctx, q, "SELECT assignments, assignments_version FROM policies WHERE id = $1", []any{policyID}, &doc, &v)
		if errors.Is(err, errNoRows) {
			return codec.NotFound("policy", policyID)
		} else if err != nil {
			return err
		}
		a, err = codec.DecodeAssignments(policyID, doc, v)
		return err
	})
	return a, err
}

// PutAssignments replaces a policy's assignment set.
func (s *Store) PutAssignments(ctx context.Context, a *store.Assignments) (v int64, err error) {
	doc, err := codec.EncodeAssignments(a)
	if err != nil {
		return 0, err
	}
	err = s.write(ctx, func(q Querier) error {
		n, err := s.exec(ctx, q, "UPDATE policies SET assignments = $2, assignments_version = assignments_version + 1 WHERE id = $1 AND assignments_version = $3",
			a.PolicyID, string(doc), a.Version)
		if err != nil {
			return err
		}
		if n == 1 {
			v = a.Version + 1
			return nil
		}
		stored, ok, err := s.version(ctx, q, "policies", "assignments_version", a.PolicyID)
		switch {
		case err != nil:
			return err
		case !ok:
			return codec.NotFound("policy", a.PolicyID)
		}
		return codec.Conflict("assignments", a.PolicyID, a.Version, stored)
	})
	return v, err
}

// AllAssignments iterates over the assignment sets in policy id order.
func (s *Store) AllAssignments(ctx context.Context, after string) iter.Seq2[*store.Assignments, error] {
	return pages(s, ctx, after, func(q Querier, cursor string) ([]*store.Assignments, string, bool, error) {
		rows, err := q.Query(ctx, s.sql("SELECT id, assignments, assignments_version FROM policies WHERE id > $1 AND assignments_version > 0 ORDER BY id LIMIT $2"), cursor, pageSize)
		if err != nil {
			return nil, cursor, false, err
		}
		defer rows.Close()
		var out []*store.Assignments
		for rows.Next() {
			var id string
			var doc []byte
			var v int64
			if err := rows.Scan(&id, &doc, &v); err != nil {
				return nil, cursor, false, err
			}
			a, err := codec.DecodeAssignments(id, doc, v)
			if err != nil {
				return nil, cursor, false, err
			}
			out = append(out, a)
			cursor = id
		}
		return out, cursor, len(out) == pageSize, rows.Err()
	})
}
