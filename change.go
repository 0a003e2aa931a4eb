package secmgmt

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/targeting"
)

// ChangeKind names the administrative operation a Change stands for. Each
// kind is the operation of the Service method of the same name (a batch
// is a list of changes applied in order).
type ChangeKind string

// Change kinds.
const (
	ChangeCreatePolicy       ChangeKind = "createPolicy"       // Service.CreatePolicy
	ChangeUpdatePolicy       ChangeKind = "updatePolicy"       // Service.UpdatePolicy
	ChangeDeletePolicy       ChangeKind = "deletePolicy"       // Service.DeletePolicy
	ChangeAssignPolicy       ChangeKind = "assignPolicy"       // Service.AssignPolicy
	ChangeCreateGroup        ChangeKind = "createGroup"        // Service.CreateGroup
	ChangeUpdateGroup        ChangeKind = "updateGroup"        // Service.UpdateGroup
	ChangeSetGroupRule       ChangeKind = "setGroupRule"       // Service.SetGroupRule
	ChangePauseGroup         ChangeKind = "pauseGroup"         // Service.PauseGroup
	ChangeResumeGroup        ChangeKind = "resumeGroup"        // Service.ResumeGroup
	ChangeDeleteGroup        ChangeKind = "deleteGroup"        // Service.DeleteGroup
	ChangeAddGroupMembers    ChangeKind = "addGroupMembers"    // Service.AddGroupMembers
	ChangeRemoveGroupMembers ChangeKind = "removeGroupMembers" // Service.RemoveGroupMembers
	ChangeSetTenant          ChangeKind = "setTenant"          // Service.SetTenant
	ChangeTagDevice          ChangeKind = "tagDevice"          // Service.TagDevice
	ChangeUntagDevice        ChangeKind = "untagDevice"        // Service.UntagDevice
	ChangeUpdateDevice       ChangeKind = "updateDevice"       // Service.UpdateDeviceObject
	ChangeBatch              ChangeKind = "batch"              // several changes, in order
)

// ChangeKinds returns every change kind.
func ChangeKinds() []ChangeKind {
	return []ChangeKind{
		ChangeCreatePolicy, ChangeUpdatePolicy, ChangeDeletePolicy, ChangeAssignPolicy,
		ChangeCreateGroup, ChangeUpdateGroup, ChangeSetGroupRule, ChangePauseGroup, ChangeResumeGroup,
		ChangeDeleteGroup, ChangeAddGroupMembers, ChangeRemoveGroupMembers,
		ChangeSetTenant, ChangeTagDevice, ChangeUntagDevice, ChangeUpdateDevice, ChangeBatch,
	}
}

// String returns the kind's name, as the change-file format spells it.
func (k ChangeKind) String() string { return string(k) }

// Valid reports whether k is a declared kind.
func (k ChangeKind) Valid() bool { return slices.Contains(ChangeKinds(), k) }

// Change is one administrative operation, described rather than done, for
// Service.Simulate: a new or edited policy, an assignment, a group's
// definition, rule, processing state or static members, the tenant
// (enforcement scope and toggles), a device's tags or directory
// attributes, or a batch of changes applied in order. Build one with the
// constructor of its kind (CreatePolicyChange, AssignPolicyChange, ...) or
// read one from JSON with DecodeChange.
//
// A Change is a value: it keeps its own copies of the policies, groups and
// lists it is given. The zero Change is not valid.
type Change struct {
	kind ChangeKind

	policy      *policy.Policy       // create, update
	policyID    string               // delete, assign
	assignments []*policy.Assignment // assign
	group       Group                // create, update
	groupID     string               // rule, pause, resume, delete, members
	rule        string               // setGroupRule
	deviceIDs   []string             // members
	tenant      enrollment.Tenant    // setTenant
	deviceID    string               // tag, untag, updateDevice
	tag         string               // tag, untag
	edit        func(*identity.Device) error
	attributes  []string // the attribute names an edit read from JSON sets, for String
	changes     []Change // batch
}

// CreatePolicyChange is Service.CreatePolicy of p, with the assignments p
// carries. A policy without an id is given one in the impact
// ("simulated-policy-1", ...).
func CreatePolicyChange(p *policy.Policy) Change {
	return Change{kind: ChangeCreatePolicy, policy: clonePolicy(p)}
}

// UpdatePolicyChange is Service.UpdatePolicy of p (matched by id) against
// the policy's current version: its settings, name and description
// change, its assignments do not.
func UpdatePolicyChange(p *policy.Policy) Change {
	return Change{kind: ChangeUpdatePolicy, policy: clonePolicy(p)}
}

// DeletePolicyChange is Service.DeletePolicy.
func DeletePolicyChange(policyID string) Change {
	return Change{kind: ChangeDeletePolicy, policyID: policyID}
}

// AssignPolicyChange is Service.AssignPolicy: the policy's assignments
// become as (none: the policy is unassigned).
func AssignPolicyChange(policyID string, as ...*policy.Assignment) Change {
	return Change{kind: ChangeAssignPolicy, policyID: policyID, assignments: cloneAssignments(as)}
}

// CreateGroupChange is Service.CreateGroup. A group without an id is given
// one in the impact ("simulated-group-1", ...).
func CreateGroupChange(g Group) Change {
	g.Members = slices.Clone(g.Members)
	return Change{kind: ChangeCreateGroup, group: g}
}

// UpdateGroupChange is Service.UpdateGroup against the group's current
// version (g.Version is not read).
func UpdateGroupChange(g Group) Change {
	g.Members = slices.Clone(g.Members)
	return Change{kind: ChangeUpdateGroup, group: g}
}

// SetGroupRuleChange is Service.SetGroupRule.
func SetGroupRuleChange(groupID, rule string) Change {
	return Change{kind: ChangeSetGroupRule, groupID: groupID, rule: rule}
}

// PauseGroupChange is Service.PauseGroup.
func PauseGroupChange(groupID string) Change {
	return Change{kind: ChangePauseGroup, groupID: groupID}
}

// ResumeGroupChange is Service.ResumeGroup.
func ResumeGroupChange(groupID string) Change {
	return Change{kind: ChangeResumeGroup, groupID: groupID}
}

// DeleteGroupChange is Service.DeleteGroup.
func DeleteGroupChange(groupID string) Change {
	return Change{kind: ChangeDeleteGroup, groupID: groupID}
}

// AddGroupMembersChange is Service.AddGroupMembers.
func AddGroupMembersChange(groupID string, deviceIDs ...string) Change {
	return Change{kind: ChangeAddGroupMembers, groupID: groupID, deviceIDs: slices.Clone(deviceIDs)}
}

// RemoveGroupMembersChange is Service.RemoveGroupMembers.
func RemoveGroupMembersChange(groupID string, deviceIDs ...string) Change {
	return Change{kind: ChangeRemoveGroupMembers, groupID: groupID, deviceIDs: slices.Clone(deviceIDs)}
}

// SetTenantChange is Service.SetTenant against the tenant's current
// version: the enforcement scope, the toggles, the mode.
func SetTenantChange(t enrollment.Tenant) Change {
	return Change{kind: ChangeSetTenant, tenant: t}
}

// TagDeviceChange is Service.TagDevice.
func TagDeviceChange(deviceID, tag string) Change {
	return Change{kind: ChangeTagDevice, deviceID: deviceID, tag: tag}
}

// UntagDeviceChange is Service.UntagDevice.
func UntagDeviceChange(deviceID, tag string) Change {
	return Change{kind: ChangeUntagDevice, deviceID: deviceID, tag: tag}
}

// UpdateDeviceChange is Service.UpdateDeviceObject: edit is called with a
// copy of the device's directory object (as the simulation has it) and
// sets the attributes that change. It must not keep the object.
func UpdateDeviceChange(deviceID string, edit func(*identity.Device) error) Change {
	return Change{kind: ChangeUpdateDevice, deviceID: deviceID, edit: edit}
}

// BatchChange is the changes applied one after the other, each seeing the
// ones before it (a group created, then a policy assigned to it).
func BatchChange(changes ...Change) Change {
	return Change{kind: ChangeBatch, changes: slices.Clone(changes)}
}

// Kind returns the kind of the change.
func (c Change) Kind() ChangeKind { return c.kind }

// Changes returns the changes of a batch, in order; nil for other kinds.
func (c Change) Changes() []Change { return slices.Clone(c.changes) }

// String describes the change in a line, e.g. "assignPolicy p1: include
// g1, exclude g2".
func (c Change) String() string {
	var b strings.Builder
	b.WriteString(string(c.kind))
	switch c.kind {
	case ChangeCreatePolicy, ChangeUpdatePolicy:
		if c.policy != nil {
			fmt.Fprintf(&b, " %s", describePolicy(c.policy))
		}
	case ChangeDeletePolicy:
		fmt.Fprintf(&b, " %s", c.policyID)
	case ChangeAssignPolicy:
		fmt.Fprintf(&b, " %s: %s", c.policyID, describeAssignments(c.assignments))
	case ChangeCreateGroup, ChangeUpdateGroup:
		fmt.Fprintf(&b, " %s", describeGroup(c.group))
	case ChangeSetGroupRule:
		fmt.Fprintf(&b, " %s: %s", c.groupID, c.rule)
	case ChangePauseGroup, ChangeResumeGroup, ChangeDeleteGroup:
		fmt.Fprintf(&b, " %s", c.groupID)
	case ChangeAddGroupMembers, ChangeRemoveGroupMembers:
		fmt.Fprintf(&b, " %s: %s", c.groupID, strings.Join(c.deviceIDs, ", "))
	case ChangeSetTenant:
		fmt.Fprintf(&b, " %s", describeTenant(c.tenant))
	case ChangeTagDevice, ChangeUntagDevice:
		fmt.Fprintf(&b, " %s: %s", c.deviceID, c.tag)
	case ChangeUpdateDevice:
		fmt.Fprintf(&b, " %s", c.deviceID)
		if len(c.attributes) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(c.attributes, ", "))
		}
	case ChangeBatch:
		parts := make([]string, len(c.changes))
		for i, sub := range c.changes {
			parts[i] = sub.String()
		}
		fmt.Fprintf(&b, " of %d: %s", len(c.changes), strings.Join(parts, "; "))
	}
	return b.String()
}

func describePolicy(p *policy.Policy) string {
	switch {
	case p.ID == "":
		return fmt.Sprintf("%q", p.Name)
	case p.Name == "":
		return p.ID
	}
	return fmt.Sprintf("%s (%q)", p.ID, p.Name)
}

func describeAssignments(as []*policy.Assignment) string {
	if len(as) == 0 {
		return "no assignments"
	}
	parts := make([]string, 0, len(as))
	for _, a := range as {
		if a == nil {
			parts = append(parts, "nil")
			continue
		}
		switch a.Target.Kind {
		case policy.TargetGroup:
			parts = append(parts, "include "+a.Target.GroupID)
		case policy.TargetExclusionGroup:
			parts = append(parts, "exclude "+a.Target.GroupID)
		case policy.TargetAllDevices:
			parts = append(parts, "all devices")
		case policy.TargetAllLicensedUsers:
			parts = append(parts, "all users")
		default:
			parts = append(parts, string(a.Target.Kind))
		}
	}
	return strings.Join(parts, ", ")
}

func describeGroup(g Group) string {
	id := g.ID
	if id == "" {
		id = fmt.Sprintf("%q", g.DisplayName)
	}
	switch {
	case g.Dynamic() && g.Processing == targeting.ProcessingPaused:
		return fmt.Sprintf("%s (paused): %s", id, g.MembershipRule)
	case g.Dynamic():
		return fmt.Sprintf("%s: %s", id, g.MembershipRule)
	}
	return fmt.Sprintf("%s: members %s", id, strings.Join(g.Members, ", "))
}

func describeTenant(t enrollment.Tenant) string {
	sc := normScopes(t.Scope)
	return fmt.Sprintf("mode %s, Intune toggle %s, scope windows %s, servers %s, macOS %s, linux %s, domain controllers %s",
		t.Mode, onOff(t.IntuneEnforcement), sc.WindowsClient, sc.WindowsServer, sc.MacOS, sc.Linux, sc.DomainControllers)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func clonePolicy(p *policy.Policy) *policy.Policy {
	if p == nil {
		return nil
	}
	return p.Clone()
}
