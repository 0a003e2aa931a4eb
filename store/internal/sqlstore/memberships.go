package sqlstore

import (
	"context"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// chunkRows bounds the rows of one multi-row statement, below the
// parameter limits of SQLite (32,766) and PostgreSQL (65,535).
const chunkRows = 500

// values returns "($1, $2), ($3, $4), ..." for rows of width columns.
func values(rows, width int) string {
	var b strings.Builder
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range width {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// firstMissing returns the first of ids that is not in the table, or "".
func (s *Store) firstMissing(ctx context.Context, q Querier, table string, ids []string) (string, error) {
	for chunk := range slices.Chunk(ids, chunkRows) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.Query(ctx, s.sh.d.Rebind("SELECT id FROM "+table+" WHERE id IN "+values(1, len(chunk))), args...)
		if err != nil {
			return "", err
		}
		found := make(map[string]bool, len(chunk))
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return "", err
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
		for _, id := range chunk {
			if !found[id] {
				return id, nil
			}
		}
	}
	return "", nil
}

// ApplyMemberships applies a membership delta atomically.
func (s *Store) ApplyMemberships(ctx context.Context, delta store.MembershipDelta) error {
	if err := codec.CheckMemberships(delta); err != nil {
		return err
	}
	return s.write(ctx, func(q Querier) error {
		devices := make([]string, 0, len(delta.Added))
		groups := make([]string, 0, len(delta.Added))
		for _, m := range delta.Added {
			devices = append(devices, m.DeviceID)
			groups = append(groups, m.GroupID)
		}
		for _, check := range []struct {
			table, record string
			ids           []string
		}{{"devices", "device", devices}, {"device_groups", "group", groups}} {
			missing, err := s.firstMissing(ctx, q, check.table, uniqueInOrder(check.ids))
			if err != nil {
				return err
			}
			if missing != "" {
				return codec.NotFound(check.record, missing)
			}
		}
		for chunk := range slices.Chunk(delta.Removed, chunkRows) {
			if _, err := q.Exec(ctx, s.sh.d.Rebind("DELETE FROM memberships WHERE (group_id, device_id) IN (VALUES "+values(len(chunk), 2)+")"), pairArgs(chunk)...); err != nil {
				return err
			}
		}
		for chunk := range slices.Chunk(delta.Added, chunkRows) {
			if _, err := q.Exec(ctx, s.sh.d.Rebind("INSERT INTO memberships (group_id, device_id) VALUES "+values(len(chunk), 2)+" ON CONFLICT DO NOTHING"), pairArgs(chunk)...); err != nil {
				return err
			}
		}
		return nil
	})
}

func pairArgs(ms []store.Membership) []any {
	args := make([]any, 0, 2*len(ms))
	for _, m := range ms {
		args = append(args, m.GroupID, m.DeviceID)
	}
	return args
}

// uniqueInOrder drops repeated ids, keeping the first of each.
func uniqueInOrder(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// mustExist returns ErrNotFound unless the key is in the table.
func (s *Store) mustExist(ctx context.Context, q Querier, table, record, key string) error {
	ok, err := s.exists(ctx, q, table, "id", key)
	if err == nil && !ok {
		err = codec.NotFound(record, key)
	}
	return err
}

// strings reads a single text column.
func (s *Store) strings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, s.sql(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// GroupMembers iterates over a group's members in device id order.
func (s *Store) GroupMembers(ctx context.Context, groupID, after string) iter.Seq2[string, error] {
	return pages(s, ctx, after, func(q Querier, cursor string) ([]string, string, bool, error) {
		if err := s.mustExist(ctx, q, "device_groups", "group", groupID); err != nil {
			return nil, cursor, false, err
		}
		ids, err := s.strings(ctx, q, "SELECT device_id FROM memberships WHERE group_id = $1 AND device_id > $2 ORDER BY device_id LIMIT $3", groupID, cursor, pageSize)
		if len(ids) > 0 {
			cursor = ids[len(ids)-1]
		}
		return ids, cursor, len(ids) == pageSize, err
	})
}

// CountGroupMembers returns the number of members of a group.
func (s *Store) CountGroupMembers(ctx context.Context, groupID string) (n int, err error) {
	err = s.read(ctx, func(q Querier) error {
		if err := s.mustExist(ctx, q, "device_groups", "group", groupID); err != nil {
			return err
		}
		var c int64
		err := s.row(ctx, q, "SELECT COUNT(*) FROM memberships WHERE group_id = $1", []any{groupID}, &c)
		n = int(c)
		return err
	})
	return n, err
}

// DeviceGroups returns the ids of a device's groups, sorted.
func (s *Store) DeviceGroups(ctx context.Context, deviceID string) (ids []string, err error) {
	err = s.read(ctx, func(q Querier) error {
		if err := s.mustExist(ctx, q, "devices", "device", deviceID); err != nil {
			return err
		}
		ids, err = s.strings(ctx, q, "SELECT group_id FROM memberships WHERE device_id = $1 ORDER BY group_id", deviceID)
		return err
	})
	if err == nil && ids == nil {
		ids = []string{}
	}
	return ids, err
}

// RemoveDeviceMemberships removes every membership of a device.
func (s *Store) RemoveDeviceMemberships(ctx context.Context, deviceID string) error {
	return s.write(ctx, func(q Querier) error {
		if err := s.mustExist(ctx, q, "devices", "device", deviceID); err != nil {
			return err
		}
		_, err := s.exec(ctx, q, "DELETE FROM memberships WHERE device_id = $1", deviceID)
		return err
	})
}

// RemoveGroupMemberships removes every membership of a group.
func (s *Store) RemoveGroupMemberships(ctx context.Context, groupID string) error {
	return s.write(ctx, func(q Querier) error {
		if err := s.mustExist(ctx, q, "device_groups", "group", groupID); err != nil {
			return err
		}
		_, err := s.exec(ctx, q, "DELETE FROM memberships WHERE group_id = $1", groupID)
		return err
	})
}
