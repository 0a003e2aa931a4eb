package store

import (
	"context"
	"iter"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
)

// TenantStore keeps the tenant's configuration.
type TenantStore interface {
	// Tenant returns the configuration. A store that was never given one
	// returns enrollment.DefaultTenant() at version 0.
	Tenant(ctx context.Context) (*Tenant, error)
	// PutTenant replaces the configuration. t.Version must be the version
	// read (0 before the first put), else ErrConflict. The configuration must
	// pass Tenant.Validate. It returns the new version.
	PutTenant(ctx context.Context, t *Tenant) (int64, error)
}

// DeviceStore keeps the devices, keyed by device id.
type DeviceStore interface {
	// Device returns the device with the given id, or ErrNotFound.
	Device(ctx context.Context, id string) (*Device, error)
	// PutDevice creates (d.Version 0) or replaces (d.Version the version
	// read) a device and returns its new version. A create of a device that
	// exists, or a replace with another version than the stored one, is
	// ErrConflict; a replace of a device that does not exist is ErrNotFound.
	PutDevice(ctx context.Context, d *Device) (int64, error)
	// DeleteDevice deletes the device if version is the stored one
	// (ErrConflict otherwise, ErrNotFound when there is none). Everything
	// the store keeps about the device goes with it: memberships,
	// enrollment state and history, status report, credential, check-in.
	DeleteDevice(ctx context.Context, id string, version int64) error
	// CountDevices returns the number of devices.
	CountDevices(ctx context.Context) (int, error)
	// Devices iterates over the devices whose id sorts after after ("" for
	// all), in id order (bytewise), a page at a time.
	Devices(ctx context.Context, after string) iter.Seq2[*Device, error]
}

// GroupStore keeps the device groups.
type GroupStore interface {
	// Group returns the group with the given id, or ErrNotFound.
	Group(ctx context.Context, id string) (*Group, error)
	// PutGroup creates or replaces a group, with the version rules of
	// PutDevice. A dynamic group cannot have static members. Members are
	// stored sorted and without duplicates; they are device ids, which the
	// store does not check (a static group may name a device not seen yet).
	PutGroup(ctx context.Context, g *Group) (int64, error)
	// DeleteGroup deletes the group and its memberships, with the version
	// rules of DeleteDevice.
	DeleteGroup(ctx context.Context, id string, version int64) error
	// Groups iterates over the groups whose id sorts after after, in id
	// order.
	Groups(ctx context.Context, after string) iter.Seq2[*Group, error]
}

// MembershipStore keeps the materialised memberships: which device is in
// which group, as the targeting package computes them. A membership needs
// its device and its group to exist; deleting either deletes it.
type MembershipStore interface {
	// ApplyMemberships applies a delta atomically. An added pair naming a
	// device or group that does not exist is ErrNotFound, and nothing is
	// applied; a removed pair that is not there (whether or not its device
	// and group exist) is ignored.
	ApplyMemberships(ctx context.Context, d MembershipDelta) error
	// GroupMembers iterates over the ids of the group's member devices
	// that sort after after, in id order. An unknown group yields
	// ErrNotFound.
	GroupMembers(ctx context.Context, groupID, after string) iter.Seq2[string, error]
	// CountGroupMembers returns the number of members of a group.
	CountGroupMembers(ctx context.Context, groupID string) (int, error)
	// DeviceGroups returns the ids of the groups a device is in, sorted.
	DeviceGroups(ctx context.Context, deviceID string) ([]string, error)
	// RemoveDeviceMemberships removes every membership of a device.
	RemoveDeviceMemberships(ctx context.Context, deviceID string) error
	// RemoveGroupMemberships removes every membership of a group.
	RemoveGroupMemberships(ctx context.Context, groupID string) error
}

// PolicyStore keeps the policies, keyed by policy id, as their Graph JSON
// (policy.EncodeGraph): a policy reads back as policy.DecodeGraph gives it,
// with Assignments nil. The assignment set is the AssignmentStore's; a
// policy decoded from an export with expanded assignments keeps an empty
// "assignments" member in its JSON.
type PolicyStore interface {
	// Policy returns the policy with the given id, or ErrNotFound.
	Policy(ctx context.Context, id string) (*Policy, error)
	// PutPolicy creates or replaces a policy, with the version rules of
	// PutDevice. The policy needs an id and a Graph JSON form.
	PutPolicy(ctx context.Context, p *Policy) (int64, error)
	// DeletePolicy deletes the policy and its assignments, with the version
	// rules of DeleteDevice.
	DeletePolicy(ctx context.Context, id string, version int64) error
	// Policies iterates over the policies whose id sorts after after, in id
	// order.
	Policies(ctx context.Context, after string) iter.Seq2[*Policy, error]
}

// AssignmentStore keeps each policy's set of assignments, versioned apart
// from the policy.
type AssignmentStore interface {
	// Assignments returns a policy's assignments: an empty set at version 0
	// when it was never assigned, ErrNotFound when the policy does not exist.
	Assignments(ctx context.Context, policyID string) (*Assignments, error)
	// PutAssignments replaces a policy's whole set; a.Version must be the
	// version read (0 the first time), else ErrConflict. It returns the new
	// version.
	PutAssignments(ctx context.Context, a *Assignments) (int64, error)
	// AllAssignments iterates over the assignment sets of the policies whose
	// id sorts after after, in policy id order, skipping policies never
	// assigned.
	AllAssignments(ctx context.Context, after string) iter.Seq2[*Assignments, error]
}

// EnrollmentStore keeps each device's enrollment state, and its history as
// an append-only list of transitions. Both need the device to exist.
type EnrollmentStore interface {
	// Enrollment returns the enrollment state of a device, or ErrNotFound.
	// Record.History is nil: see History.
	Enrollment(ctx context.Context, deviceID string) (*Enrollment, error)
	// PutEnrollment creates or replaces a device's enrollment state, keyed
	// by e.Record.DeviceID, with the version rules of PutDevice.
	// e.Record.History is not stored.
	PutEnrollment(ctx context.Context, e *Enrollment) (int64, error)
	// DeleteEnrollment deletes a device's enrollment state and history, with
	// the version rules of DeleteDevice.
	DeleteEnrollment(ctx context.Context, deviceID string, version int64) error
	// Enrollments iterates over the enrollment states of the devices whose
	// id sorts after after, in device id order.
	Enrollments(ctx context.Context, after string) iter.Seq2[*Enrollment, error]
	// AppendHistory appends transitions to a device's history, in order.
	AppendHistory(ctx context.Context, deviceID string, ts ...enrollment.Transition) error
	// History iterates over a device's transitions, oldest first.
	History(ctx context.Context, deviceID string) iter.Seq2[*enrollment.Transition, error]
}

// StatusStore keeps the devices' status reports: for each device, its
// latest report.
type StatusStore interface {
	// PutStatusReport records a report. The same (DeviceID, ReportID) as the
	// device's latest report is a duplicate, and a report whose ReportedAt is
	// before the latest's is superseded: both change nothing and are not
	// errors. Otherwise the report replaces the device's previous results.
	// The device must exist.
	PutStatusReport(ctx context.Context, r *StatusReport) (ReportOutcome, error)
	// StatusReport returns a device's latest report, or ErrNotFound.
	StatusReport(ctx context.Context, deviceID string) (*StatusReport, error)
	// PolicyStatuses iterates over every device's latest results for one
	// policy, in device id order, starting after the device id after: each
	// report holds only that policy's results, and devices whose latest
	// report has none are skipped.
	PolicyStatuses(ctx context.Context, policyID, after string) iter.Seq2[*StatusReport, error]
	// DeleteStatusReport deletes a device's report, or returns ErrNotFound.
	DeleteStatusReport(ctx context.Context, deviceID string) error
}

// CredentialStore keeps the credential issued to each device.
type CredentialStore interface {
	// PutCredential stores a device's credential, replacing any earlier one
	// (a new enrollment issues a new credential). The device must exist and
	// the hash must not be empty.
	PutCredential(ctx context.Context, c *Credential) error
	// Credential returns a device's credential, or ErrNotFound.
	Credential(ctx context.Context, deviceID string) (*Credential, error)
	// RevokeCredential marks a device's credential revoked at the given
	// time. Revoking a revoked credential keeps the first time.
	RevokeCredential(ctx context.Context, deviceID string, at time.Time) error
}

// CheckInStore keeps each device's last check-in. It is written on every
// check-in, so it is cheap: not versioned, the last writer wins, and it
// does not change the device's version.
type CheckInStore interface {
	// RecordCheckIn records a device's check-in. The device must exist.
	RecordCheckIn(ctx context.Context, c CheckIn) error
	// LastCheckIn returns a device's last check-in, or ErrNotFound when it
	// never checked in.
	LastCheckIn(ctx context.Context, deviceID string) (*CheckIn, error)
}

// ChangeStore is an append-only feed of changes, so that several service
// instances sharing one database learn of each other's writes. Append a
// change in the transaction of the write it describes.
//
// Sequence numbers are strictly increasing in the order readers can see
// the changes: once a reader has seen change n, no change with a smaller
// number commits later. A reader that remembers the last number it saw and
// asks for the changes after it never misses one. They are also
// consecutive: an append whose transaction rolls back gives its number
// back, so a reader that finds a gap after the last number it saw knows the
// changes in between were trimmed.
type ChangeStore interface {
	// AppendChange appends a change and returns its sequence number
	// (c.Seq is ignored). Kind must not be empty.
	AppendChange(ctx context.Context, c Change) (int64, error)
	// Changes returns at most limit (1 to 10,000) changes whose sequence
	// number is greater than after, in sequence order.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	// LastChange returns the greatest sequence number appended, 0 when none.
	// It stays when older changes are trimmed.
	LastChange(ctx context.Context) (int64, error)
	// TrimChanges deletes the changes numbered through (inclusive) and
	// below; readers that are behind then skip them.
	TrimChanges(ctx context.Context, through int64) error
}

// Store is every role together: what a backend implements.
//
// Every method is safe for concurrent use and takes a context first; a
// cancelled context stops the operation with the context's error. Records
// are copied on the way in and out: a caller never shares memory with the
// store.
type Store interface {
	TenantStore
	DeviceStore
	GroupStore
	MembershipStore
	PolicyStore
	AssignmentStore
	EnrollmentStore
	StatusStore
	CredentialStore
	CheckInStore
	ChangeStore
	AuditStore

	// Tx runs fn in one transaction: every write fn makes through tx is
	// committed together when fn returns nil, and none is when fn returns
	// an error or panics (the panic goes on after the rollback). Reads
	// through tx see fn's own writes. tx must not be used after fn returns
	// (ErrClosed), nor from other goroutines while fn runs.
	//
	// tx.Tx nests: the inner function's writes are rolled back alone when it
	// fails, and kept when it succeeds until the outer transaction ends.
	// tx.Close is an error.
	Tx(ctx context.Context, fn func(tx Store) error) error

	// Close releases the store. Calls after Close return ErrClosed; Close
	// itself can be called again.
	Close() error
}
