package sqlstore

import (
	"context"
	"iter"
	"strconv"
	"strings"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// AppendAudit appends an entry to the audit trail; the database numbers
// it.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (seq int64, err error) {
	c, err := codec.CanonicalAudit(&e)
	if err != nil {
		return 0, err
	}
	at, _ := codec.Time(c.At)
	err = s.writeOne(ctx, func(q Querier) error {
		return s.row(ctx, q, `INSERT INTO audit (at, principal_id, operation, object_kind, object_id, before_version, after_version, detail)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
			[]any{at, c.PrincipalID, c.Operation, c.ObjectKind, c.ObjectID, c.BeforeVersion, c.AfterVersion, c.Detail}, &seq)
	})
	return seq, err
}

// Audit iterates over the entries the query selects, in sequence order.
func (s *Store) Audit(ctx context.Context, q store.AuditQuery) iter.Seq2[*store.AuditEntry, error] {
	if err := codec.CheckAuditQuery(q); err != nil {
		return func(yield func(*store.AuditEntry, error) bool) { yield(nil, err) }
	}
	// The query names only the conditions set, so that each uses its
	// index; $1 is the cursor and the limit comes last.
	var where strings.Builder
	where.WriteString("seq > $1")
	args := []any{nil}
	cond := func(expr string, v any) {
		args = append(args, v)
		where.WriteString(" AND " + expr + " $" + strconv.Itoa(len(args)))
	}
	if !q.From.IsZero() {
		from, _ := codec.Time(q.From)
		cond("at >=", from)
	}
	if !q.To.IsZero() {
		to, _ := codec.Time(q.To)
		cond("at <", to)
	}
	if q.PrincipalID != "" {
		cond("principal_id =", q.PrincipalID)
	}
	if q.Operation != "" {
		cond("operation =", q.Operation)
	}
	if q.ObjectKind != "" {
		cond("object_kind =", q.ObjectKind)
	}
	if q.ObjectID != "" {
		cond("object_id =", q.ObjectID)
	}
	args = append(args, pageSize)
	query := `SELECT seq, at, principal_id, operation, object_kind, object_id, before_version, after_version, detail
		FROM audit WHERE ` + where.String() + " ORDER BY seq LIMIT $" + strconv.Itoa(len(args))
	return pages(s, ctx, q.After, func(qr Querier, after int64) ([]*store.AuditEntry, int64, bool, error) {
		a := append([]any{after}, args[1:]...)
		rows, err := qr.Query(ctx, s.sql(query), a...)
		if err != nil {
			return nil, after, false, err
		}
		defer rows.Close()
		var out []*store.AuditEntry
		for rows.Next() {
			var e store.AuditEntry
			var at string
			if err := rows.Scan(&e.Seq, &at, &e.PrincipalID, &e.Operation, &e.ObjectKind, &e.ObjectID, &e.BeforeVersion, &e.AfterVersion, &e.Detail); err != nil {
				return nil, after, false, err
			}
			if e.At, err = codec.ParseTime(at); err != nil {
				return nil, after, false, &codec.Corrupt{Record: "audit entry", Key: strconv.FormatInt(e.Seq, 10), Err: err}
			}
			after = e.Seq
			out = append(out, &e)
		}
		return out, after, len(out) == pageSize, rows.Err()
	})
}
