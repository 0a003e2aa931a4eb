package secmgmt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/policy"
)

// WithAuthorizer sets who may call the administrative operations: the
// service asks a for the permission each operation needs, with the
// operation's context (see package authz). authz.RoleBased() reads the
// caller's authz.Principal from the context; authz.AllowAll() suits a
// program with no principal model of its own.
//
// The default refuses every administrative operation (authz.DenyAll): a
// program that does not choose an authorizer can onboard devices and serve
// their check-ins, but change and read nothing else. Device-side operations
// never consult the authorizer.
func WithAuthorizer(a authz.Authorizer) Option {
	return func(c *config) error {
		if a == nil {
			return errors.New("secmgmt: WithAuthorizer: nil authorizer")
		}
		c.authorizer = a
		return nil
	}
}

// opClass tells who may call an operation.
type opClass int

const (
	// classAdmin: an administrator's operation, authorized by the
	// Authorizer and, when it writes, recorded in the audit trail.
	classAdmin opClass = iota + 1
	// classDevice: an event of the device or its environment (onboarding,
	// the agent's facts, MDM enrollment, offboarding): never authorized by
	// administrator roles.
	classDevice
	// classInternal: the service's own write (New's initial mode).
	classInternal
)

// Kinds of objects an administrative operation names, as the audit trail
// and the refusals name them.
const (
	objectPolicy      = "policy"
	objectAssignments = "assignments"
	objectGroup       = "group"
	objectDevice      = "device"
	objectTenant      = "tenant"
)

// operation is what the choke point knows of an operation.
type operation struct {
	class opClass
	// perm is the permission an administrative operation needs.
	perm authz.Permission
	// object is the kind of the objects the operation names (the ids
	// given to the choke point) and changes (its audit entries).
	object string
	write  bool
}

func adminRead(p authz.Permission, object string) operation {
	return operation{class: classAdmin, perm: p, object: object}
}

func adminWrite(p authz.Permission, object string) operation {
	return operation{class: classAdmin, perm: p, object: object, write: true}
}

// operations declares every operation that passes the choke point or
// writes. An operation missing here is refused.
var operations = map[adminOp]operation{
	"Tenant":    adminRead(authz.ScopeRead, objectTenant),
	"SetTenant": adminWrite(authz.ScopeWrite, objectTenant),

	"CreatePolicy":   adminWrite(authz.PoliciesWrite, objectPolicy),
	"ImportPolicies": adminWrite(authz.PoliciesWrite, objectPolicy),
	"UpdatePolicy":   adminWrite(authz.PoliciesWrite, objectPolicy),
	"DeletePolicy":   adminWrite(authz.PoliciesWrite, objectPolicy),
	"AssignPolicy":   adminWrite(authz.PoliciesAssign, objectPolicy),
	"Policy":         adminRead(authz.PoliciesRead, objectPolicy),
	"Policies":       adminRead(authz.PoliciesRead, objectPolicy),
	"Assignments":    adminRead(authz.PoliciesRead, objectPolicy),
	// The what-if simulation reads the policies and the fleet.
	"Simulate": adminRead(authz.PoliciesRead, objectPolicy),

	"CreateGroup":        adminWrite(authz.GroupsWrite, objectGroup),
	"UpdateGroup":        adminWrite(authz.GroupsWrite, objectGroup),
	"SetGroupRule":       adminWrite(authz.GroupsWrite, objectGroup),
	"PauseGroup":         adminWrite(authz.GroupsWrite, objectGroup),
	"ResumeGroup":        adminWrite(authz.GroupsWrite, objectGroup),
	"AddGroupMembers":    adminWrite(authz.GroupsWrite, objectGroup),
	"RemoveGroupMembers": adminWrite(authz.GroupsWrite, objectGroup),
	"DeleteGroup":        adminWrite(authz.GroupsWrite, objectGroup),
	"Group":              adminRead(authz.GroupsRead, objectGroup),
	"Groups":             adminRead(authz.GroupsRead, objectGroup),
	"GroupMembers":       adminRead(authz.GroupsRead, objectGroup),

	"Device":                 adminRead(authz.DevicesRead, objectDevice),
	"Devices":                adminRead(authz.DevicesRead, objectDevice),
	"DeviceHistory":          adminRead(authz.DevicesRead, objectDevice),
	"EffectiveConfiguration": adminRead(authz.DevicesRead, objectDevice),
	"TagDevice":              adminWrite(authz.DevicesTag, objectDevice),
	"UntagDevice":            adminWrite(authz.DevicesTag, objectDevice),
	"PolicySync":             adminWrite(authz.DevicesSync, objectDevice),
	"DeleteDevice":           adminWrite(authz.DevicesDelete, objectDevice),
	"UpdateDeviceObject":     adminWrite(authz.DevicesWrite, objectDevice),
	"ReissueCredential":      adminWrite(authz.DevicesWrite, objectDevice),

	"ReportPolicies":     adminRead(authz.ReportsRead, objectPolicy),
	"DeviceRecords":      adminRead(authz.ReportsRead, objectDevice),
	"PolicyReport":       adminRead(authz.ReportsRead, objectPolicy),
	"PolicyDeviceReport": adminRead(authz.ReportsRead, objectPolicy),
	"SettingReport":      adminRead(authz.ReportsRead, objectPolicy),
	"ConflictReport":     adminRead(authz.ReportsRead, objectPolicy),
	"ManagedByReport":    adminRead(authz.ReportsRead, objectDevice),
	"EnrollmentReport":   adminRead(authz.ReportsRead, objectDevice),
	"FailedEnrollments":  adminRead(authz.ReportsRead, objectDevice),
	"FreshnessReport":    adminRead(authz.ReportsRead, objectDevice),
	"StaleDevices":       adminRead(authz.ReportsRead, objectDevice),
	"DeviceReport":       adminRead(authz.ReportsRead, objectDevice),

	"Audit": adminRead(authz.AuditRead, ""),

	"Onboard":     {class: classDevice},
	"UpdateFacts": {class: classDevice},
	"Retry":       {class: classDevice},
	"Offboard":    {class: classDevice},
	"MDMEnroll":   {class: classDevice},
	"MDMUnenroll": {class: classDevice},

	"New": {class: classInternal},
}

// access is what the choke point grants an administrative call; the
// context of the call carries it to the reads and writes below.
type access struct {
	op    adminOp
	perm  authz.Permission
	grant authz.Grant
}

type accessKey struct{}

// accessOf returns the access the choke point granted the call whose
// context ctx is; nil for a device-side or internal call.
func accessOf(ctx context.Context) *access {
	a, _ := ctx.Value(accessKey{}).(*access)
	return a
}

// scoped reports whether the access is limited by scope tags.
func (a *access) scoped() bool { return a != nil && !a.grant.IsUnscoped() }

// sees reports whether the access reaches an object with these scope
// tags; an internal call (nil) reaches everything.
func (a *access) sees(tags []string) bool { return a == nil || a.grant.Sees(tags) }

// principal returns the id of the caller, "" when unknown.
func (a *access) principal() string {
	if a == nil {
		return ""
	}
	return a.grant.PrincipalID()
}

// adminRead is admin for an operation that reads the state: once it is
// authorized, the state is brought up to date with the change feed.
func (s *Service) adminRead(ctx *context.Context, op adminOp, objects ...string) error {
	if err := s.admin(ctx, op, objects...); err != nil {
		return err
	}
	return s.look(*ctx)
}

// admin is the choke point every operation on the administrator's side
// passes first, read or write (and the device-side events, which it lets
// through unauthorized): it checks that the service is open and the
// context live, asks the Authorizer for the permission the operation needs,
// and, for a grant limited by scope tags, that the objects the call names
// (policy, group or device ids) are within reach. It replaces *ctx with a
// context that carries the grant, for the lists the operation filters and
// the write it makes (see review).
func (s *Service) admin(ctx *context.Context, op adminOp, objects ...string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	c := *ctx
	if err := c.Err(); err != nil {
		return err
	}
	o, ok := operations[op]
	if !ok {
		return &authz.ForbiddenError{Reason: fmt.Sprintf("operation %s is not declared to the authorization choke point", op)}
	}
	if o.class != classAdmin {
		*ctx = context.WithValue(c, accessKey{}, (*access)(nil))
		return nil
	}
	g, err := s.cfg.authorizer.Authorize(c, o.perm)
	if err != nil {
		if s.log.Enabled(c, slog.LevelInfo) {
			s.log.InfoContext(c, "admin operation refused", "op", string(op), "permission", string(o.perm), "err", err)
		}
		if errors.Is(err, authz.ErrForbidden) {
			return fmt.Errorf("secmgmt: %s: %w", op, err)
		}
		return fmt.Errorf("secmgmt: %s: the authorizer could not decide (%w): %w", op, err, authz.ErrForbidden)
	}
	a := &access{op: op, perm: o.perm, grant: g}
	if len(objects) > 0 && a.scoped() {
		if err := s.look(c); err != nil {
			return err
		}
		s.mu.RLock()
		for _, id := range objects {
			if err = s.state.reach(a, o.object, id); err != nil {
				break
			}
		}
		s.mu.RUnlock()
		if err != nil {
			if s.log.Enabled(c, slog.LevelInfo) {
				s.log.InfoContext(c, "admin operation refused", "op", string(op), "err", err)
			}
			return fmt.Errorf("secmgmt: %s: %w", op, err)
		}
	}
	if s.log.Enabled(c, slog.LevelDebug) {
		s.log.DebugContext(c, "admin operation", "op", string(op), "principal", g.PrincipalID())
	}
	*ctx = context.WithValue(c, accessKey{}, a)
	return nil
}

// policyKey is the id of a policy given to an operation, "" for none.
func policyKey(p *policy.Policy) string {
	if p == nil {
		return ""
	}
	return p.ID
}
