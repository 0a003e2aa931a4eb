package authz

import (
	"context"
	"strings"
)

// Authorizer decides whether the caller of an administrative operation,
// identified from the context, may exercise a permission. It returns the
// grant (who, and how far the permission reaches), or an error: one
// wrapping ErrForbidden for a refusal, any other error when it could not
// decide (the operation is refused all the same).
//
// The service consults it before every administrative read and write,
// once per operation; implementations must be safe for concurrent use.
// Device-side operations never reach it: a device is authenticated by its
// credential.
type Authorizer interface {
	Authorize(ctx context.Context, perm Permission) (Grant, error)
}

// AuthorizerFunc adapts a function to the Authorizer interface.
type AuthorizerFunc func(ctx context.Context, perm Permission) (Grant, error)

// Authorize calls f.
func (f AuthorizerFunc) Authorize(ctx context.Context, perm Permission) (Grant, error) {
	return f(ctx, perm)
}

// AllowAll returns the authorizer of a program that has no principal
// model of its own: every permission is granted, unscoped. The grant
// names the context's principal when there is one, for the audit trail.
func AllowAll() Authorizer { return allowAll{} }

type allowAll struct{}

func (allowAll) Authorize(ctx context.Context, perm Permission) (Grant, error) {
	p, _ := principalOf(ctx)
	return Unscoped(p.ID), nil
}

// DenyAll returns the authorizer that refuses everything: the service's
// default, so that a program that did not choose an authorizer exposes no
// administrative operation.
func DenyAll() Authorizer { return denyAll{} }

type denyAll struct{}

func (denyAll) Authorize(ctx context.Context, perm Permission) (Grant, error) {
	p, _ := principalOf(ctx)
	return Grant{}, &ForbiddenError{PrincipalID: p.ID, Permission: perm,
		Reason: "no authorizer is configured, and administrative operations are refused by default " +
			"(configure the service with an Authorizer: RoleBased, or AllowAll without a principal model)"}
}

// RoleBased returns the built-in authorizer: it reads the Principal from
// the context (NewContext) and grants a permission when one of the
// principal's roles holds it. The grant is unscoped when one of the roles
// holding the permission is unscoped, and limited to the principal's scope
// tags otherwise. A context without a principal, an invalid principal and
// an undeclared permission are refused.
func RoleBased() Authorizer { return roleBased{} }

type roleBased struct{}

func (roleBased) Authorize(ctx context.Context, perm Permission) (Grant, error) {
	p, ok := principalOf(ctx)
	if !ok {
		return Grant{}, &ForbiddenError{Permission: perm, Reason: "the context carries no principal"}
	}
	if err := p.Validate(); err != nil {
		return Grant{}, &ForbiddenError{PrincipalID: p.ID, Permission: perm, Reason: err.Error()}
	}
	if !perm.Valid() {
		return Grant{}, &ForbiddenError{PrincipalID: p.ID, Permission: perm, Reason: "unknown permission"}
	}
	granted, unscoped := false, false
	for _, r := range p.Roles {
		if r.Grants(perm) {
			granted = true
			unscoped = unscoped || r.Unscoped
		}
	}
	switch {
	case !granted:
		names := make([]string, len(p.Roles))
		for i, r := range p.Roles {
			names[i] = r.Name
		}
		reason := "the principal has no role"
		if len(names) > 0 {
			reason = "none of its roles (" + strings.Join(names, ", ") + ") grants it"
		}
		return Grant{}, &ForbiddenError{PrincipalID: p.ID, Permission: perm, Reason: reason}
	case unscoped:
		return Unscoped(p.ID), nil
	}
	return Scoped(p.ID, p.ScopeTags...), nil
}
