package store

import (
	"context"
	"iter"
	"time"
)

// MaxAuditDetail is the longest AuditEntry.Detail a store accepts, in
// bytes.
const MaxAuditDetail = 64 << 10

// AuditEntry is one administrative change in the audit trail: who made it,
// what it was, on which object, when, and the object's version before and
// after. Entries are appended, never changed or deleted: they outlive the
// objects they name.
type AuditEntry struct {
	// Seq is the entry's sequence number, given by the store: increasing
	// in the order entries are appended (there may be gaps).
	Seq int64
	// At is when the change was made, by the caller's clock (the store has
	// none).
	At time.Time
	// PrincipalID is who made it; empty for a caller without a principal.
	PrincipalID string
	// Operation is the operation, e.g. "UpdatePolicy". Not empty.
	Operation string
	// ObjectKind and ObjectID name the object changed, e.g. "policy" and
	// its id. ObjectKind is not empty; ObjectID is empty for a singleton
	// (the tenant).
	ObjectKind string
	ObjectID   string
	// BeforeVersion and AfterVersion are the object's versions before and
	// after the change: 0 before a create, 0 after a delete.
	BeforeVersion int64
	AfterVersion  int64
	// Detail says what changed, in words. Invalid UTF-8 reads back
	// replaced (as encoding/json does); NUL bytes are refused.
	Detail string
}

// AuditQuery selects audit entries. Each field that is set narrows the
// selection; the zero query selects every entry.
type AuditQuery struct {
	// After resumes an iteration: only entries whose Seq is greater.
	After int64
	// From and To bound At: From inclusive, To exclusive; zero is
	// unbounded.
	From, To time.Time
	// PrincipalID, Operation, ObjectKind and ObjectID select entries with
	// those values, when not empty.
	PrincipalID string
	Operation   string
	ObjectKind  string
	ObjectID    string
}

// Matches reports whether the query selects e.
func (q AuditQuery) Matches(e *AuditEntry) bool {
	switch {
	case e.Seq <= q.After,
		!q.From.IsZero() && e.At.Before(q.From),
		!q.To.IsZero() && !e.At.Before(q.To),
		q.PrincipalID != "" && e.PrincipalID != q.PrincipalID,
		q.Operation != "" && e.Operation != q.Operation,
		q.ObjectKind != "" && e.ObjectKind != q.ObjectKind,
		q.ObjectID != "" && e.ObjectID != q.ObjectID:
		return false
	}
	return true
}

// AuditStore keeps the audit trail of administrative changes: an
// append-only list. Append each entry in the transaction of the change it
// records, so that the change and its entry commit, or roll back,
// together.
type AuditStore interface {
	// AppendAudit appends an entry and returns its sequence number (e.Seq
	// is ignored). An entry the store cannot keep (an empty Operation or
	// ObjectKind, negative versions, a time outside years 0 to 9999, a
	// Detail with NUL or longer than MaxAuditDetail, over-long keys) is an
	// *InvalidError, and nothing is appended.
	AppendAudit(ctx context.Context, e AuditEntry) (int64, error)
	// Audit iterates over the entries q selects, in sequence order, a page
	// at a time. An invalid query (a negative After, times outside years
	// 0 to 9999, keys with NUL) yields an *InvalidError.
	Audit(ctx context.Context, q AuditQuery) iter.Seq2[*AuditEntry, error]
}
