package codec

import (
	"fmt"
	"strings"

	"github.com/secmgmt/secmgmt/store"
)

// CanonicalAudit checks an audit entry and returns it as it reads back:
// its time in UTC, invalid UTF-8 in Detail replaced. Seq is left to the
// backend.
func CanonicalAudit(e *store.AuditEntry) (*store.AuditEntry, error) {
	const rec = "audit entry"
	if err := CheckKey(rec, "Operation", e.Operation); err != nil {
		return nil, err
	}
	if err := CheckKey(rec, "ObjectKind", e.ObjectKind); err != nil {
		return nil, err
	}
	key := e.Operation
	if err := checkToken(rec, key, "ObjectID", e.ObjectID); err != nil {
		return nil, err
	}
	if err := checkToken(rec, key, "PrincipalID", e.PrincipalID); err != nil {
		return nil, err
	}
	if e.BeforeVersion < 0 || e.AfterVersion < 0 {
		return nil, &store.InvalidError{Record: rec, Key: key, Field: "Version",
			Reason: fmt.Sprintf("negative (%d before, %d after)", e.BeforeVersion, e.AfterVersion)}
	}
	if _, err := timeField(rec, key, "At", e.At); err != nil {
		return nil, err
	}
	switch {
	case len(e.Detail) > store.MaxAuditDetail:
		return nil, &store.InvalidError{Record: rec, Key: key, Field: "Detail", Reason: fmt.Sprintf("longer than %d bytes", store.MaxAuditDetail)}
	case strings.IndexByte(e.Detail, 0) >= 0:
		return nil, &store.InvalidError{Record: rec, Key: key, Field: "Detail", Reason: "contains a NUL byte"}
	}
	c := *e
	c.At = e.At.UTC()
	c.Detail = jsonString(e.Detail)
	return &c, nil
}

// CheckAuditQuery checks an audit query.
func CheckAuditQuery(q store.AuditQuery) error {
	const rec = "audit query"
	if q.After < 0 {
		return &store.InvalidError{Record: rec, Field: "After", Reason: fmt.Sprintf("negative (%d)", q.After)}
	}
	if !TimeOK(q.From) {
		return &store.InvalidError{Record: rec, Field: "From", Reason: "year outside 0 to 9999"}
	}
	if !TimeOK(q.To) {
		return &store.InvalidError{Record: rec, Field: "To", Reason: "year outside 0 to 9999"}
	}
	for _, f := range []struct{ name, v string }{
		{"PrincipalID", q.PrincipalID}, {"Operation", q.Operation}, {"ObjectKind", q.ObjectKind}, {"ObjectID", q.ObjectID},
	} {
		if err := checkToken(rec, "", f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}
