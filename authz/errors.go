package authz

import (
	"errors"
	"fmt"
)

// ErrForbidden: the caller may not do what it asked. Every refusal wraps
// it (a *ForbiddenError says what was refused and why); test with
// errors.Is.
var ErrForbidden = errors.New("authz: forbidden")

// ForbiddenError is a refusal: the permission asked for, and when the
// permission was granted but an object is out of the caller's reach, the
// object.
type ForbiddenError struct {
	// PrincipalID is the caller, when known.
	PrincipalID string
	// Permission is the permission the operation needs.
	Permission Permission
	// ObjectKind and ObjectID name the object refused ("policy", "group",
	// "device", ...); both empty when the permission itself was refused.
	ObjectKind string
	ObjectID   string
	// Reason says why.
	Reason string
}

// Error names the caller, the permission, the object and the reason.
func (e *ForbiddenError) Error() string {
	msg := "authz: forbidden"
	if e.PrincipalID != "" {
		msg += fmt.Sprintf(": principal %q", e.PrincipalID)
	}
	if e.Permission != "" {
		msg += ": " + string(e.Permission)
	}
	if e.ObjectKind != "" {
		msg += fmt.Sprintf(" on %s %q", e.ObjectKind, e.ObjectID)
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Is reports whether target is ErrForbidden.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }
