package memstore

import (
	"context"
	"iter"
	"slices"

	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/internal/codec"
)

// auditScan bounds the entries one page of an audit query looks at under
// the lock, so that a selective query over a long trail does not hold it
// long.
const auditScan = 8 * pageSize

// AppendAudit appends an entry to the audit trail.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (int64, error) {
	c, err := codec.CanonicalAudit(&e)
	if err != nil {
		return 0, err
	}
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.unlock()
	d := s.db
	c.Seq = d.auditSeq + 1
	n := len(d.audit)
	d.audit = append(d.audit, *c)
	d.auditSeq = c.Seq
	s.onUndo(func() {
		d.audit = d.audit[:n]
		d.auditSeq = c.Seq - 1
	})
	return c.Seq, nil
}

// Audit iterates over the entries the query selects, in sequence order.
func (s *Store) Audit(ctx context.Context, q store.AuditQuery) iter.Seq2[*store.AuditEntry, error] {
	if err := codec.CheckAuditQuery(q); err != nil {
		return func(yield func(*store.AuditEntry, error) bool) { yield(nil, err) }
	}
	return pages(s, ctx, q.After, func(after int64) ([]*store.AuditEntry, int64, bool, error) {
		all := s.db.audit
		i, found := slices.BinarySearchFunc(all, after, func(e store.AuditEntry, seq int64) int {
			return int(min(max(e.Seq-seq, -1), 1))
		})
		if found {
			i++
		}
		var out []*store.AuditEntry
		end := min(len(all), i+auditScan)
		for ; i < end && len(out) < pageSize; i++ {
			if q.Matches(&all[i]) {
				c := all[i]
				out = append(out, &c)
			}
			after = all[i].Seq
		}
		return out, after, i < len(all), nil
	})
}
