// Package authz is the principal and authorization model of the
// administrative operations: who calls (a Principal carried in the
// context), what each caller may do (Roles made of Permissions), how far it
// reaches (scope tags, as Intune's roleScopeTagIds), and the Authorizer the
// service consults before every administrative read and write.
//
// # Main types
//
//   - Permission: a typed string constant, "<object>.<verb>"
//     (policies.read, policies.write, policies.assign, groups.read,
//     groups.write, scope.read, scope.write, devices.read, devices.tag,
//     devices.sync, devices.delete, devices.write, reports.read,
//     audit.read).
//   - Role: a named set of permissions; scoped (Intune's roles) or
//     unscoped (Entra directory roles). NewRole makes a custom role.
//   - Principal: an id (recorded in the audit trail), roles, scope tags.
//     NewContext puts one in a context, FromContext reads it back.
//   - Authorizer: Authorize(ctx, permission) returns a Grant (who, and
//     which scope tags it reaches) or an error wrapping ErrForbidden.
//     RoleBased is the built-in one, AllowAll the one of a program without
//     a principal model, DenyAll the service's default.
//   - Grant: the answer for one permission; Sees tells whether an object
//     with given scope tags is within reach.
//
// # Built-in roles
//
//	Role                      scoped  permissions
//	Intune Administrator      no      all of them
//	Security Administrator    no      scope.read scope.write devices.read devices.tag
//	                                  devices.delete reports.read audit.read
//	Endpoint Security Manager yes     policies.read policies.write policies.assign
//	                                  groups.read scope.read devices.read devices.sync
//	                                  devices.delete reports.read audit.read
//	Read Only Operator        yes     policies.read groups.read scope.read
//	                                  devices.read reports.read audit.read
//
// # Which operation needs which permission
//
// The service (package secmgmt) asks for exactly one permission per
// operation: Tenant scope.read, SetTenant scope.write; Policy, Policies,
// Assignments policies.read (and so does the what-if simulation);
// CreatePolicy, ImportPolicies, UpdatePolicy, DeletePolicy policies.write,
// plus policies.assign when the write also changes assignments (a created
// or imported policy that carries assignments, the deletion of an assigned
// policy); AssignPolicy policies.assign; Group, Groups, GroupMembers
// groups.read; every group change groups.write; Device, Devices,
// DeviceHistory, EffectiveConfiguration devices.read; TagDevice,
// UntagDevice devices.tag; PolicySync devices.sync; DeleteDevice
// devices.delete; UpdateDeviceObject, ReissueCredential devices.write;
// every report reports.read; Audit audit.read. Device-side operations
// (onboarding, check-ins, status reports, the agent's facts, MDM
// enrollment, offboarding) never consult the Authorizer: the device's
// credential authorizes them.
//
// # Choices where the real service is silent or differs
//
//   - The default is to refuse: DenyAll. AllowAll must be chosen
//     explicitly, and grants every permission unscoped.
//   - Directory roles (Intune Administrator, Security Administrator) are
//     unscoped: scope tags limit what Intune's own role assignments see,
//     not what an Entra directory role sees. A principal holding a
//     permission through both kinds of role gets the unscoped grant.
//   - A principal without scope tags holds the Default tag "0", and an
//     object without tags carries it: a scoped role with no tags reaches
//     the untagged objects only.
//   - Policies and groups carry their own scope tags; a device is reached
//     through the groups it is a member of (the union of their tags other
//     than the Default, or the Default alone when none has another), as
//     Intune tags devices through the groups its tags are assigned to.
//   - A scoped caller's new objects get its scope tags when it gives none
//     (or gives the Default tag alone without holding it, as
//     policy.NewPolicy and Graph exports do by default); it can only add or remove tags it holds, it may assign policies only
//     to groups within its reach (never to all devices or all users), may
//     only add devices within reach to static groups, and may not set a
//     membership rule (which could select devices beyond its reach).
//   - A scoped reader of the audit trail sees the entries of the objects
//     it reaches now, the tenant's entries, and its own.
//   - Every Principal, Role and scope tag is validated; an invalid
//     principal is refused, never partly honoured.
//
// # Concurrency and errors
//
// Every type is a value or immutable: safe for concurrent use. NewContext
// and FromContext copy the principal, so a caller cannot change a principal
// after handing it over. Every refusal is a *ForbiddenError, which wraps
// ErrForbidden (errors.Is) and names the principal, the permission, and the
// object when the permission was granted but the object is out of reach.
package authz
