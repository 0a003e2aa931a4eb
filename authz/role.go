package authz

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Role is a named set of permissions. Built-in roles model the service's
// built-in administrator roles; a custom role (NewRole) is any set of
// permissions, as Intune's custom roles are.
//
// Unscoped marks a directory role (Intune Administrator, Security
// Administrator): the permissions it grants are not limited by the
// principal's scope tags, as scope tags filter what Intune's own roles see
// but not what a directory role sees. Roles of Intune's kind (Endpoint
// Security Manager, Read Only Operator, custom roles) are scoped.
//
// The zero Role grants nothing. A Role is a value: copy it freely.
type Role struct {
	Name        string       `json:"name"`
	Permissions []Permission `json:"permissions"`
	Unscoped    bool         `json:"unscoped,omitempty"`
}

// maxRoleName bounds a role's name, in bytes.
const maxRoleName = 256

// NewRole returns a custom role: scoped, with the permissions given (each
// once, in declaration order). An empty name or an undeclared permission
// is an error.
func NewRole(name string, perms ...Permission) (Role, error) {
	r := Role{Name: name, Permissions: normPermissions(perms)}
	if err := r.Validate(); err != nil {
		return Role{}, err
	}
	return r, nil
}

// normPermissions returns the permissions each once, in declaration order
// (undeclared ones after, as given, for Validate to name).
func normPermissions(perms []Permission) []Permission {
	out := make([]Permission, 0, len(perms))
	for _, p := range permissions {
		if slices.Contains(perms, p) {
			out = append(out, p)
		}
	}
	for _, p := range perms {
		if !p.Valid() && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Validate reports what is wrong with the role: an empty or over-long
// name, a name with control characters, an undeclared permission.
func (r Role) Validate() error {
	switch {
	case strings.TrimSpace(r.Name) == "":
		return fmt.Errorf("authz: role: empty name")
	case len(r.Name) > maxRoleName:
		return fmt.Errorf("authz: role %.32q...: name longer than %d bytes", r.Name, maxRoleName)
	case strings.IndexFunc(r.Name, func(c rune) bool { return unicode.IsControl(c) || c == unicode.ReplacementChar }) >= 0:
		return fmt.Errorf("authz: role %q: name holds control characters or invalid UTF-8", r.Name)
	}
	for _, p := range r.Permissions {
		if !p.Valid() {
			return fmt.Errorf("authz: role %q: unknown permission %q", r.Name, string(p))
		}
	}
	return nil
}

// Grants reports whether the role holds permission p.
func (r Role) Grants(p Permission) bool { return slices.Contains(r.Permissions, p) }

// String returns the role's name.
func (r Role) String() string { return r.Name }

// UnmarshalJSON reads a role and validates it, so that a role read from a
// configuration file is usable or refused.
func (r *Role) UnmarshalJSON(data []byte) error {
	type plain Role
	var v plain
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("authz: role: %w", err)
	}
	out := Role(v)
	out.Permissions = normPermissions(out.Permissions)
	if err := out.Validate(); err != nil {
		return err
	}
	*r = out
	return nil
}

// Names of the built-in roles, as the portals show them.
const (
	IntuneAdministratorName     = "Intune Administrator"
	SecurityAdministratorName   = "Security Administrator"
	EndpointSecurityManagerName = "Endpoint Security Manager"
	ReadOnlyOperatorName        = "Read Only Operator"
)

// IntuneAdministrator is the full role: every permission, unscoped. It
// models Entra's Intune Administrator directory role, which Intune's role
// assignments and scope tags do not restrict.
func IntuneAdministrator() Role {
	return Role{Name: IntuneAdministratorName, Permissions: Permissions(), Unscoped: true}
}

// SecurityAdministrator models the Defender portal's Security
// Administrator (an Entra directory role, unscoped): the tenant's
// configuration and the enforcement scope, device tags (MDE-Management)
// and deletion, and reading devices, reports and the audit trail. It does
// not author policies: the Defender portal shows those through Intune's
// permissions (Endpoint Security Manager).
func SecurityAdministrator() Role {
	return Role{Name: SecurityAdministratorName, Permissions: []Permission{
		ScopeRead, ScopeWrite, DevicesRead, DevicesTag, DevicesDelete, ReportsRead, AuditRead,
	}, Unscoped: true}
}

// EndpointSecurityManager models Intune's built-in Endpoint Security
// Manager (scoped): endpoint-security policies and their assignments,
// reading groups, devices (with delete and the sync remote task), the
// tenant's configuration, reports and the audit trail.
func EndpointSecurityManager() Role {
	return Role{Name: EndpointSecurityManagerName, Permissions: []Permission{
		PoliciesRead, PoliciesWrite, PoliciesAssign, GroupsRead, ScopeRead,
		DevicesRead, DevicesSync, DevicesDelete, ReportsRead, AuditRead,
	}}
}

// ReadOnlyOperator models Intune's built-in Read Only Operator (scoped):
// every read and report, no change.
func ReadOnlyOperator() Role {
	return Role{Name: ReadOnlyOperatorName, Permissions: []Permission{
		PoliciesRead, GroupsRead, ScopeRead, DevicesRead, ReportsRead, AuditRead,
	}}
}

// BuiltinRoles returns the built-in roles, from the most to the least
// privileged.
func BuiltinRoles() []Role {
	return []Role{IntuneAdministrator(), SecurityAdministrator(), EndpointSecurityManager(), ReadOnlyOperator()}
}
