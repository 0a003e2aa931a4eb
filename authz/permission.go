package authz

import (
	"fmt"
	"slices"
)

// Permission names one kind of administrative operation. Permissions are
// typed string constants, "<object>.<verb>"; a role is a set of them.
type Permission string

// The permissions. Each administrative operation of the service needs
// exactly one of them (see the package documentation for the table).
const (
	// PoliciesRead: read policies and their assignments.
	PoliciesRead Permission = "policies.read"
	// PoliciesWrite: create, import, update and delete policies.
	PoliciesWrite Permission = "policies.write"
	// PoliciesAssign: change a policy's assignments (Graph's assign
	// action), including the assignments a created or imported policy
	// carries.
	PoliciesAssign Permission = "policies.assign"
	// GroupsRead: read groups and their members.
	GroupsRead Permission = "groups.read"
	// GroupsWrite: create, change and delete groups, their rules and static
	// members.
	GroupsWrite Permission = "groups.write"
	// ScopeRead: read the tenant's configuration (the Intune toggle, the
	// enforcement scope, Configuration Manager authority, ...).
	ScopeRead Permission = "scope.read"
	// ScopeWrite: change the tenant's configuration, above all the
	// enforcement scope of security settings management.
	ScopeWrite Permission = "scope.write"
	// DevicesRead: read devices, their enrollment history and effective
	// configuration.
	DevicesRead Permission = "devices.read"
	// DevicesTag: add and remove device tags (MDE-Management).
	DevicesTag Permission = "devices.tag"
	// DevicesSync: ask a device to check in now (Policy sync).
	DevicesSync Permission = "devices.sync"
	// DevicesDelete: delete a device in Intune or Defender.
	DevicesDelete Permission = "devices.delete"
	// DevicesWrite: change a device's directory attributes and reissue its
	// credential.
	DevicesWrite Permission = "devices.write"
	// ReportsRead: read the reports.
	ReportsRead Permission = "reports.read"
	// AuditRead: read and export the audit trail.
	AuditRead Permission = "audit.read"
)

// permissions lists every permission in declaration order.
var permissions = []Permission{
	PoliciesRead, PoliciesWrite, PoliciesAssign,
	GroupsRead, GroupsWrite,
	ScopeRead, ScopeWrite,
	DevicesRead, DevicesTag, DevicesSync, DevicesDelete, DevicesWrite,
	ReportsRead, AuditRead,
}

// Permissions returns every permission, in the order they are declared.
func Permissions() []Permission { return slices.Clone(permissions) }

// String returns the permission's name.
func (p Permission) String() string { return string(p) }

// Valid reports whether p is one of the declared permissions.
func (p Permission) Valid() bool { return slices.Contains(permissions, p) }

// MarshalText writes the permission's name; an undeclared permission is an
// error.
func (p Permission) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("authz: unknown permission %q", string(p))
	}
	return []byte(p), nil
}

// UnmarshalText reads a permission's name; an undeclared one is an error.
func (p *Permission) UnmarshalText(text []byte) error {
	v := Permission(text)
	if !v.Valid() {
		return fmt.Errorf("authz: unknown permission %q", string(text))
	}
	*p = v
	return nil
}
