package codec

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/secmgmt/secmgmt/store"
)

// FuzzCanonicalAudit: any audit entry is refused with an invalid-input
// error or made canonical (UTC time, valid UTF-8 detail, the rest as
// given), and a canonical entry is its own canonical form.
func FuzzCanonicalAudit(f *testing.F) {
	f.Add("UpdatePolicy|policy|p1|ana@contoso.com|renamed", int64(1), int64(2), int64(1741942800))
	f.Add("SetTenant|tenant|||", int64(0), int64(1), int64(0))
	f.Add("|x|\x00|a b|\xff", int64(-1), int64(0), int64(-62135596801))
	f.Fuzz(func(t *testing.T, fields string, before, after, unix int64) {
		parts := strings.SplitN(fields, "|", 5)
		for len(parts) < 5 {
			parts = append(parts, "")
		}
		e := &store.AuditEntry{Operation: parts[0], ObjectKind: parts[1], ObjectID: parts[2], PrincipalID: parts[3],
			Detail: parts[4], BeforeVersion: before, AfterVersion: after,
			At: time.Unix(unix, 0).In(time.FixedZone("x", 3600))}
		c, err := CanonicalAudit(e)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("not an invalid-input error: %v", err)
			}
			return
		}
		if c.At.Location() != time.UTC || !c.At.Equal(e.At) || !utf8.ValidString(c.Detail) ||
			c.Operation != e.Operation || c.ObjectKind != e.ObjectKind || c.ObjectID != e.ObjectID ||
			c.PrincipalID != e.PrincipalID || c.BeforeVersion != before || c.AfterVersion != after {
			t.Fatalf("canonical %+v of %+v", *c, *e)
		}
		if utf8.ValidString(e.Detail) && c.Detail != e.Detail {
			t.Fatalf("valid detail changed: %q -> %q", e.Detail, c.Detail)
		}
		again, err := CanonicalAudit(c)
		if err != nil || *again != *c {
			t.Fatalf("not a fixed point: %+v, %v", again, err)
		}
	})
}
