package store

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error a Store returns for one of these conditions
// wraps the sentinel with what it is about, e.g. `device "d1": store:
// version conflict`; test for them with errors.Is.
var (
	// ErrNotFound: the record, or a record it refers to, does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the version given is not the stored one (someone else
	// wrote in between), a create found the record already there, or the
	// database aborted the transaction for a concurrent one. Read again and
	// retry.
	ErrConflict = errors.New("store: version conflict")
	// ErrClosed: the store was closed, or the transaction is finished.
	ErrClosed = errors.New("store: closed")
	// ErrInvalid: the input cannot be stored (see *InvalidError).
	ErrInvalid = errors.New("store: invalid input")
)

// InvalidError reports input a store refuses. Nothing is written when it is
// returned. It matches ErrInvalid under errors.Is and unwraps to the domain
// package's error when that is the cause (e.g. an enrollment.InputError for
// facts that do not validate).
type InvalidError struct {
	// Record is the kind of record: "device", "group", "policy", ...
	Record string
	// Key is the record's key, when it has a usable one.
	Key string
	// Field names the field at fault, e.g. "ID", "Facts", "Results[3]".
	Field string
	// Reason says what is wrong.
	Reason string
	// Err is the underlying error, if any.
	Err error
}

// Error returns e.g. `store: invalid device "d1": Facts: unknown platform`.
func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString("store: invalid ")
	b.WriteString(e.Record)
	if e.Key != "" {
		fmt.Fprintf(&b, " %q", e.Key)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the underlying error, or nil.
func (e *InvalidError) Unwrap() error { return e.Err }
