package sqlstore

import (
	"context"
	"errors"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// Tenant returns the tenant configuration.
func (s *Store) Tenant(ctx context.Context) (t *store.Tenant, err error) {
	err = s.read(ctx, func(q Querier) error {
		var doc []byte
		var v int64
		err := s.row(ctx, q, "SELECT doc, version FROM tenant WHERE id = 1", nil, &doc, &v)
		if errors.Is(err, errNoRows) {
			t = codec.DefaultTenant()
			return nil
		} else if err != nil {
			return err
		}
		t, err = codec.DecodeTenant(doc, v)
		return err
	})
	return t, err
}

// PutTenant replaces the tenant configuration.
func (s *Store) PutTenant(ctx context.Context, t *store.Tenant) (v int64, err error) {
	doc, err := codec.EncodeTenant(t)
	if err != nil {
		return 0, err
	}
	err = s.write(ctx, func(q Querier) error {
		var n int64
		var err error
		if t.Version == 0 {
			n, err = s.exec(ctx, q, "INSERT INTO tenant (id, doc, version) VALUES (1, $1, 1) ON CONFLICT (id) DO NOTHING", string(doc))
		} else {
			n, err = s.exec(ctx, q, "UPDATE tenant SET doc = $1, version = version + 1 WHERE id = 1 AND version = $2", string(doc), t.Version)
		}
		if err != nil {
			return err
		}
		if n == 1 {
			v = t.Version + 1
			return nil
		}
		var stored int64
		if err := s.row(ctx, q, "SELECT version FROM tenant WHERE id = 1", nil, &stored); err != nil && !errors.Is(err, errNoRows) {
			return err
		}
		return codec.Conflict("tenant", "", t.Version, stored)
	})
	return v, err
}

// AppendChange appends a change to the feed. Taking the number locks the
// counter row until the transaction ends, so numbers are handed out in
// commit order; append last in a transaction to hold the lock briefly.
func (s *Store) AppendChange(ctx context.Context, c store.Change) (seq int64, err error) {
	keys, err := codec.EncodeChange(&c)
	if err != nil {
		return 0, err
	}
	err = s.write(ctx, func(q Querier) error {
		if err := s.row(ctx, q, "UPDATE change_counter SET last = last + 1 WHERE id = 1 RETURNING last", nil, &seq); err != nil {
			return err
		}
		_, err := s.exec(ctx, q, "INSERT INTO changes (seq, kind, keys) VALUES ($1, $2, $3)", seq, c.Kind, string(keys))
		return err
	})
	return seq, err
}

// Changes returns the changes after a sequence number.
func (s *Store) Changes(ctx context.Context, after int64, limit int) (out []store.Change, err error) {
	if err := codec.CheckLimit(limit); err != nil {
		return nil, err
	}
	err = s.read(ctx, func(q Querier) error {
		rows, err := q.Query(ctx, s.sql("SELECT seq, kind, keys FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2"), after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			var kind string
			var keys []byte
			if err := rows.Scan(&seq, &kind, &keys); err != nil {
				return err
			}
			c, err := codec.DecodeChange(seq, kind, keys)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err == nil && out == nil {
		out = []store.Change{}
	}
	return out, err
}

// LastChange returns the last sequence number handed out.
func (s *Store) LastChange(ctx context.Context) (last int64, err error) {
	err = s.read(ctx, func(q Querier) error {
		return s.row(ctx, q, "SELECT last FROM change_counter WHERE id = 1", nil, &last)
	})
	return last, err
}

// TrimChanges deletes the changes numbered through and below.
func (s *Store) TrimChanges(ctx context.Context, through int64) error {
	return s.write(ctx, func(q Querier) error {
		_, err := s.exec(ctx, q, "DELETE FROM changes WHERE seq <= $1", through)
		return err
	})
}
