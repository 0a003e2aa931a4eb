// Package codec is the stored form of the store's records, shared by every
// backend: the checks a record must pass, the JSON documents and column
// values the SQL backends write, and the canonical value a record reads back
// as. The memory backend keeps canonical values, so that every backend
// returns the same thing for the same input: Canonical(x) is Decode(Encode(x)).
package codec

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/secmgmt/secmgmt/store"
)

// MaxKeyLen is store.MaxKeyLen.
const MaxKeyLen = store.MaxKeyLen

// keyProblem says what is wrong with a key, or "" when nothing is.
func keyProblem(s string, emptyOK bool) string {
	switch {
	case s == "" && !emptyOK:
		return "empty"
	case len(s) > MaxKeyLen:
		return fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return "contains a NUL byte"
		}
	}
	return ""
}

// CheckKey checks a record's key: not empty, at most MaxKeyLen bytes of
// UTF-8 without NUL.
func CheckKey(record, field, key string) error {
	if p := keyProblem(key, false); p != "" {
		return &store.InvalidError{Record: record, Key: printable(key), Field: field, Reason: p}
	}
	return nil
}

// checkToken checks a key-like value that may be empty.
func checkToken(record, key, field, v string) error {
	if p := keyProblem(v, true); p != "" {
		return &store.InvalidError{Record: record, Key: key, Field: field, Reason: p}
	}
	return nil
}

// CheckVersion checks the version a write carries.
func CheckVersion(record, key string, v int64) error {
	if v < 0 {
		return &store.InvalidError{Record: record, Key: key, Field: "Version", Reason: fmt.Sprintf("negative (%d)", v)}
	}
	return nil
}

// printable keeps an invalid key out of error messages when it would garble
// them.
func printable(key string) string {
	if len(key) > MaxKeyLen || !utf8.ValidString(key) {
		return ""
	}
	return key
}

// timeLayout is the stored form of a time: UTC, nanoseconds, fixed width,
// so that stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// Time returns the stored form of t. Times are kept in UTC to the
// nanosecond; years before 0 or after 9999 cannot be stored.
func Time(t time.Time) (string, bool) {
	if !TimeOK(t) {
		return "", false
	}
	return t.UTC().Format(timeLayout), true
}

// TimeOK reports whether t can be stored.
func TimeOK(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

// ParseTime reads a stored time.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// timeField is Time with the error the record's check returns.
func timeField(record, key, field string, t time.Time) (string, error) {
	s, ok := Time(t)
	if !ok {
		return "", &store.InvalidError{Record: record, Key: key, Field: field, Reason: "year outside 0 to 9999"}
	}
	return s, nil
}

// Corrupt reports a stored document that does not decode: the database was
// changed outside the store, or by a newer version.
type Corrupt struct {
	Record string
	Key    string
	Err    error
}

// Error names the record and what does not decode.
func (e *Corrupt) Error() string {
	return fmt.Sprintf("store: stored %s %q does not decode: %v", e.Record, e.Key, e.Err)
}

// Unwrap returns the decoder's error.
func (e *Corrupt) Unwrap() error { return e.Err }

// unreadable is the error of a record whose stored form does not decode
// back: the domain package's encoder wrote what its decoder refuses.
func unreadable(record, key string, err error) error {
	return &store.InvalidError{Record: record, Key: key, Reason: "its stored form does not read back", Err: err}
}

// NotFound returns an error wrapping store.ErrNotFound that names the record,
// e.g. NotFound("device", "d1"). Backends use it so that every backend words
// the condition alike.
func NotFound(record, key string) error {
	return fmt.Errorf("%s: %w", name(record, key), store.ErrNotFound)
}

// Conflict returns an error wrapping store.ErrConflict that names the record and
// the versions, e.g. Conflict("device", "d1", 3, 4).
func Conflict(record, key string, given, stored int64) error {
	if given == 0 {
		return fmt.Errorf("%s: create, but version %d is stored: %w", name(record, key), stored, store.ErrConflict)
	}
	return fmt.Errorf("%s: version %d given, %d stored: %w", name(record, key), given, stored, store.ErrConflict)
}

// name is `device "d1"`, or the record kind alone for a record without a
// key (the tenant).
func name(record, key string) string {
	if key == "" {
		return record
	}
	return fmt.Sprintf("%s %q", record, key)
}
