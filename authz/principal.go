package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// DefaultScopeTag is the id of Intune's Default scope tag. An object
// without scope tags carries it, and so does a principal given none.
const DefaultScopeTag = "0"

// Limits of a principal.
const (
	maxPrincipalID = 256
	maxScopeTag    = 128
	// MaxScopeTags is the most scope tags a principal holds, as Intune
	// caps the scope tags of a role assignment.
	MaxScopeTags = 100
)

// Principal is who calls an administrative operation: an id (a user
// principal name, an application id, ...) that the audit trail records,
// the roles assigned to it, and the scope tags of its role assignments.
// The program that embeds the service authenticates its callers and puts
// their Principal in the context (NewContext); the service never trusts
// anything else in the context.
//
// ScopeTags limit what the scoped roles' permissions reach: a policy or a
// group is in scope when its scope tags and the principal's share one; no
// scope tags means the Default tag ("0") alone.
type Principal struct {
	ID        string
	Roles     []Role
	ScopeTags []string
}

// Validate reports what is wrong with the principal: an empty, over-long
// or unprintable id, an invalid role, a scope tag that is empty, too long
// or holds spaces or control characters, or more than MaxScopeTags tags.
func (p Principal) Validate() error {
	if why := checkToken(p.ID, maxPrincipalID); why != "" {
		return fmt.Errorf("authz: principal id %s", why)
	}
	for _, r := range p.Roles {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("authz: principal %q: %w", p.ID, err)
		}
	}
	if len(p.ScopeTags) > MaxScopeTags {
		return fmt.Errorf("authz: principal %q: %d scope tags, at most %d", p.ID, len(p.ScopeTags), MaxScopeTags)
	}
	for _, t := range p.ScopeTags {
		if why := CheckScopeTag(t); why != "" {
			return fmt.Errorf("authz: principal %q: scope tag %q %s", p.ID, t, why)
		}
	}
	return nil
}

// CheckScopeTag says what is wrong with a scope tag id, or returns "": it
// must not be empty, longer than 128 bytes, or hold spaces, control
// characters or invalid UTF-8.
func CheckScopeTag(tag string) string {
	if why := checkToken(tag, maxScopeTag); why != "" {
		return why
	}
	if strings.IndexFunc(tag, unicode.IsSpace) >= 0 {
		return "holds spaces"
	}
	return ""
}

// checkToken says what is wrong with an id, or "".
func checkToken(s string, max int) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > max:
		return fmt.Sprintf("is longer than %d bytes", max)
	case strings.IndexFunc(s, func(c rune) bool { return unicode.IsControl(c) || c == unicode.ReplacementChar }) >= 0:
		return "holds control characters or invalid UTF-8"
	}
	return ""
}

// clone returns a copy that shares no memory with p.
func (p Principal) clone() Principal {
	c := p
	c.Roles = make([]Role, len(p.Roles))
	for i, r := range p.Roles {
		r.Permissions = slices.Clone(r.Permissions)
		c.Roles[i] = r
	}
	c.ScopeTags = slices.Clone(p.ScopeTags)
	return c
}

type principalKey struct{}

// NewContext returns a copy of ctx that carries the principal. The service
// reads it (through the Authorizer) for every administrative operation
// made with the context.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p.clone())
}

// FromContext returns a copy of the principal ctx carries, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := principalOf(ctx)
	if !ok {
		return Principal{}, false
	}
	return p.clone(), true
}

// principalOf returns the principal ctx carries, not copied: read only.
func principalOf(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
