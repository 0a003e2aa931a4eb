package store

import (
	"bytes"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
)

// MaxKeyLen is the longest key a store accepts, in bytes: record ids, report
// ids, configuration versions, change kinds and keys.
const MaxKeyLen = 256

// Tenant is the stored tenant configuration. A store that was never given
// one reads enrollment.DefaultTenant() at version 0.
type Tenant struct {
	Config  enrollment.Tenant
	Version int64
}

// Device is what the service knows about one device, keyed by its device
// id: its directory object and the facts its agent reported.
type Device struct {
	// ID is the device id (the key). It is compared byte for byte: callers
	// canonicalise ids (e.g. lower-case GUIDs) before they store them.
	ID string
	// Object is the device's directory object; nil when it has none (not
	// registered yet). Object.DeviceID, when set, must equal ID.
	Object *identity.Device
	// Facts are what the agent last reported; nil when it has not (a device
	// known from the directory only). Facts must pass Facts.Validate.
	Facts *enrollment.Facts
	// Created and Modified are set by the caller (the store has no clock).
	Created  time.Time
	Modified time.Time
	// Version is the version read (0 to create); see Store.
	Version int64
}

// Clone returns a deep copy of d.
func (d *Device) Clone() *Device {
	if d == nil {
		return nil
	}
	c := *d
	c.Object = d.Object.Clone()
	if d.Facts != nil {
		f := *d.Facts
		f.Tags = slices.Clone(f.Tags)
		c.Facts = &f
	}
	return &c
}

// ProcessingState tells whether a dynamic group's membership is processed
// ("On") or paused ("Paused"), as Entra's membershipRuleProcessingState.
type ProcessingState string

// Processing states. A group stored with an empty state is stored as
// ProcessingOn.
const (
	ProcessingOn     ProcessingState = "On"
	ProcessingPaused ProcessingState = "Paused"
)

// String returns the state's name.
func (s ProcessingState) String() string { return string(s) }

// Valid reports whether s is On or Paused.
func (s ProcessingState) Valid() bool { return s == ProcessingOn || s == ProcessingPaused }

// Group is a device group: static (MembershipRule empty, Members listed) or
// dynamic (a membership rule, which the targeting package compiles; its
// members are the materialised memberships of the MembershipStore).
type Group struct {
	ID              string
	DisplayName     string
	Description     string
	MembershipRule  string
	ProcessingState ProcessingState
	// Members are a static group's members (device ids). They are stored
	// sorted and without duplicates; a dynamic group has none.
	Members []string
	// RoleScopeTagIDs are the ids of the group's scope tags, which decide
	// which administrators see the group and its devices. They are stored
	// sorted and without duplicates; none means the Default tag.
	RoleScopeTagIDs []string
	Version         int64
}

// Dynamic reports whether g has a membership rule.
func (g *Group) Dynamic() bool { return g.MembershipRule != "" }

// Clone returns a deep copy of g.
func (g *Group) Clone() *Group {
	if g == nil {
		return nil
	}
	c := *g
	c.Members = slices.Clone(g.Members)
	c.RoleScopeTagIDs = slices.Clone(g.RoleScopeTagIDs)
	return &c
}

// Membership is one materialised (device, group) membership.
type Membership struct {
	DeviceID string
	GroupID  string
}

// MembershipDelta is a change to the materialised memberships, applied
// atomically: Removed pairs go, Added pairs come. Adding a pair that is
// there, or removing one that is not, changes nothing. A pair may not be in
// both lists.
type MembershipDelta struct {
	Added   []Membership
	Removed []Membership
}

// Policy is a stored endpoint-security policy. Its key is Policy.ID. The
// policy's assignments are kept by the AssignmentStore: Policy.Assignments
// is not stored and reads back nil.
type Policy struct {
	Policy  *policy.Policy
	Version int64
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	if p == nil {
		return nil
	}
	return &Policy{Policy: p.Policy.Clone(), Version: p.Version}
}

// Assignments is the set of assignments of one policy, replaced as a whole
// (as Graph's assign action does). A policy that was never assigned has an
// empty set at version 0.
type Assignments struct {
	PolicyID    string
	Assignments []*policy.Assignment
	Version     int64
}

// Clone returns a deep copy of a.
func (a *Assignments) Clone() *Assignments {
	if a == nil {
		return nil
	}
	c := *a
	if a.Assignments != nil {
		c.Assignments = make([]*policy.Assignment, len(a.Assignments))
		for i, x := range a.Assignments {
			if x != nil {
				y := *x
				c.Assignments[i] = &y
			}
		}
	}
	return &c
}

// Enrollment is the stored enrollment state of a device, keyed by
// Record.DeviceID. Record.History is not part of it: transitions are
// appended to the device's history (EnrollmentStore.AppendHistory), and
// Record.History reads back nil.
type Enrollment struct {
	Record  enrollment.Record
	Version int64
}

// SettingResult is a device's result for one setting of one policy.
type SettingResult struct {
	PolicyID  string
	SettingID string
	Status    report.Status
	ErrorCode int
	Message   string
	Value     string
}

// StatusReport is one status report of a device. (DeviceID, ReportID) is
// its idempotency key: the device chooses ReportID and sends the same one
// when it retries. Results are stored ordered by PolicyID, then SettingID;
// a report holds at most one result per (PolicyID, SettingID).
type StatusReport struct {
	DeviceID             string
	ReportID             string
	ConfigurationVersion string
	ReportedAt           time.Time
	Results              []SettingResult
}

// Clone returns a deep copy of r.
func (r *StatusReport) Clone() *StatusReport {
	if r == nil {
		return nil
	}
	c := *r
	c.Results = slices.Clone(r.Results)
	return &c
}

// ReportOutcome is what PutStatusReport did with a report.
type ReportOutcome string

// Report outcomes.
const (
	// ReportStored: the report is now the device's latest.
	ReportStored ReportOutcome = "stored"
	// ReportDuplicate: the device's latest report has the same ReportID;
	// nothing changed (a retry).
	ReportDuplicate ReportOutcome = "duplicate"
	// ReportSuperseded: the device's latest report is newer (a later
	// ReportedAt); nothing changed (a late delivery).
	ReportSuperseded ReportOutcome = "superseded"
)

// String returns the outcome's name.
func (o ReportOutcome) String() string { return string(o) }

// Valid reports whether o is a declared outcome.
func (o ReportOutcome) Valid() bool {
	return o == ReportStored || o == ReportDuplicate || o == ReportSuperseded
}

// Credential is the credential issued to a device at enrollment. The store
// keeps a hash of the secret, never the secret.
type Credential struct {
	DeviceID string
	Hash     []byte
	IssuedAt time.Time
	// RevokedAt is when it was revoked; zero while it is valid.
	RevokedAt time.Time
}

// Revoked reports whether the credential was revoked.
func (c *Credential) Revoked() bool { return !c.RevokedAt.IsZero() }

// Clone returns a deep copy of c.
func (c *Credential) Clone() *Credential {
	if c == nil {
		return nil
	}
	x := *c
	x.Hash = bytes.Clone(c.Hash)
	return &x
}

// CheckIn is a device's last check-in: when, and which configuration
// version it was given.
type CheckIn struct {
	DeviceID             string
	At                   time.Time
	ConfigurationVersion string
}

// Change is an entry of the change feed. Seq is given by the store.
type Change struct {
	Seq  int64
	Kind string
	Keys []string
}

// Clone returns a deep copy of c.
func (c *Change) Clone() *Change {
	if c == nil {
		return nil
	}
	x := *c
	x.Keys = slices.Clone(c.Keys)
	return &x
}
