package secmgmt

import (
	"errors"
	"fmt"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/store"
)

// Sentinel errors. Errors the service returns for these conditions wrap
// them with what they are about; test with errors.Is. ErrNotFound and
// ErrConflict are the store's own sentinels, so a caller needs only one.
var (
	// ErrNotFound: the device, group or policy does not exist.
	ErrNotFound = store.ErrNotFound
	// ErrConflict: the version given is not the current one (someone else
	// changed the record since it was read); read it again and retry.
	ErrConflict = store.ErrConflict
	// ErrClosed: the service was closed.
	ErrClosed = errors.New("secmgmt: service closed")
	// ErrInvalidInput: an argument is not valid; see *InputError. The
	// domain packages' own errors (*policy.ValidationError,
	// *targeting.RuleError, *enrollment.InputError, ...) are wrapped
	// inside and can be had with errors.As.
	ErrInvalidInput = errors.New("secmgmt: invalid input")
	// ErrInUse: the record is still referred to (a group that a policy is
	// assigned to) and cannot be deleted.
	ErrInUse = errors.New("secmgmt: in use")
	// ErrForbidden: the caller may not make the administrative operation,
	// or not on that object (out of its scope); see *authz.ForbiddenError,
	// which names the permission and the object. It is authz.ErrForbidden.
	ErrForbidden = authz.ErrForbidden
)

// InputError reports an argument the service refuses. Nothing was changed.
type InputError struct {
	// Op is the operation, e.g. "CreatePolicy".
	Op string
	// Field names the argument or field at fault, if any.
	Field string
	// Reason says what is wrong.
	Reason string
	// Err is the domain package's error behind it, if any.
	Err error
}

// Error names the operation, the field and the reason.
func (e *InputError) Error() string {
	msg := "secmgmt: " + e.Op + ": invalid input"
	if e.Field != "" {
		msg += ": " + e.Field
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// Unwrap returns the domain error behind the input error, if any.
func (e *InputError) Unwrap() error { return e.Err }

// invalid builds an *InputError.
func invalid(op, field, reason string, err error) error {
	return &InputError{Op: op, Field: field, Reason: reason, Err: err}
}

// notFound wraps ErrNotFound with the record and its key.
func notFound(record, key string) error {
	return fmt.Errorf("%s %q: %w", record, key, ErrNotFound)
}

// versionConflict wraps ErrConflict with the record and the versions.
func versionConflict(record, key string, given, current int64) error {
	if key == "" {
		return fmt.Errorf("%s: version %d given, %d current: %w", record, given, current, ErrConflict)
	}
	return fmt.Errorf("%s %q: version %d given, %d current: %w", record, key, given, current, ErrConflict)
}
