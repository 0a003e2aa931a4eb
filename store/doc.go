// Package store is where the service keeps its state: the tenant's
// configuration, devices, groups and their memberships, policies and their
// assignments, enrollment states and histories, status reports, device
// credentials, check-ins, and a change feed. It defines the storage roles as
// small interfaces, the records they keep, and the errors they return;
// backends implement them in sub-packages:
//
//   - store/memstore: in memory, the default, no setup.
//   - store/sqlite: one SQLite file (pure Go, no cgo), WAL mode, schema
//     migrations embedded and applied on open.
//   - store/postgres: PostgreSQL through pgx, the same schema and
//     migrations; several service instances can share one database.
//
// store/storetest is the conformance kit every backend passes, and the
// benchmarks every backend runs.
//
// # Roles
//
// A consumer asks for the narrowest role it needs: TenantStore,
// DeviceStore, GroupStore, MembershipStore, PolicyStore, AssignmentStore,
// EnrollmentStore, StatusStore, CredentialStore, CheckInStore and
// ChangeStore. Store composes them with transactions and Close. Every
// method takes a context first and is safe for concurrent use; records are
// copied on the way in and out.
//
// # Versions and conflicts
//
// Writes are optimistic. A versioned record (tenant, device, group, policy,
// assignment set, enrollment state) carries the version it was read at:
// 0 creates it, the stored version replaces it, and the write returns the
// new version (one more). A create that finds the record, or a write or
// delete with another version, fails with an error wrapping ErrConflict
// that names the record and both versions; read again and retry. A
// replace or delete of a record that is not there wraps ErrNotFound. So two
// writers that read the same version cannot both succeed: no update is
// lost.
//
// Check-ins are the exception: written on every check-in, they are not
// versioned and the last writer wins. Status reports are idempotent: the
// same (DeviceID, ReportID) twice is stored once (ReportDuplicate), and a
// report older than the device's latest changes nothing
// (ReportSuperseded).
//
// Input a store cannot keep is refused with an *InvalidError (ErrInvalid),
// naming the record, key and field, and nothing is written: empty or
// over-long keys (MaxKeyLen bytes), keys with invalid UTF-8 or NUL,
// negative versions, times outside years 0 to 9999, facts or tenant
// configurations that their packages' Validate refuses, policies without
// a Graph JSON form, unknown statuses.
//
// # Transactions
//
// Store.Tx runs a function in one transaction: its writes are committed
// together, or, when it returns an error or panics, none is. Reads through
// the transaction see its writes. Transactions nest (savepoints). Each
// write outside Tx is a transaction of its own, so every multi-row change
// (a device deleted with everything about it, a membership delta, a status
// report's results) is atomic: a crash leaves the state before it or after
// it, never between.
//
// # Iteration
//
// Large sets are iterated in key order (bytewise) with iter.Seq2 values
// that read a page at a time by key (keyset paging), so iterating a
// million devices never holds them all. Each iterator takes the key to
// start after, so an iteration can be resumed. An iteration is not a
// snapshot: records written meanwhile may or may not be seen, but each
// record is yielded once, in order, as committed. The store may be called
// between items.
//
// # Change feed
//
// ChangeStore is an append-only feed that lets service instances sharing a
// database learn what others wrote: append a Change in the transaction of
// the write it describes; a reader remembers the last sequence number it
// saw and reads the changes after it. Numbers are handed out in commit
// order, so a reader never skips a change that commits late with a smaller
// number: the SQL backends take the number from a one-row counter whose row
// lock is held until commit (appenders serialise from their append to
// their commit, so append last in a transaction), the memory backend under
// its write lock. A rolled back transaction gives its numbers back.
//
// # What each backend guarantees
//
//   - memstore: transactions are serialisable (one writer lock held for the
//     transaction; other calls wait). Nothing survives the process.
//   - sqlite: one writer connection (BEGIN IMMEDIATE) and a pool of readers
//     in WAL mode, so reads run beside a write; transactions are
//     serialisable. A commit is durable when it returns (synchronous=FULL
//     by default), and a process killed mid-transaction leaves the last
//     committed state (tested by killing a child process).
//   - postgres: READ COMMITTED with the optimistic versions above and row
//     locks where a write depends on a read (a device's latest report, the
//     change counter); a transaction the database aborts for a concurrent
//     one (serialisation failure, deadlock) is ErrConflict. Reads in a
//     transaction see each statement's committed data, not a snapshot.
//
// # Choices where the specification is silent
//
//   - One Store holds one tenant. A multi-tenant service opens one store per
//     tenant: one SQLite file, or one PostgreSQL schema (postgres.WithSchema).
//   - A store that was never given a tenant configuration reads
//     enrollment.DefaultTenant() at version 0 (not ErrNotFound), so that
//     the first PutTenant is a create like any other.
//   - The device record is the root of everything about a device:
//     memberships, enrollment state and history, status report, credential
//     and check-in need the device to exist (ErrNotFound), and go when it is
//     deleted. A static group's Members are not checked against the devices:
//     a static group may name a device not seen yet.
//   - Keys are compared byte for byte: callers canonicalise ids (the service
//     lower-cases GUIDs). Iteration order is bytewise in every backend
//     (PostgreSQL keys use the "C" collation).
//   - Records read back in a canonical form, the same from every backend:
//     times in UTC to the nanosecond (policy times to Graph's 100 ns), empty
//     collections as nil, static members sorted and deduplicated, an empty
//     ProcessingState as On, report results ordered by policy id then
//     setting id, enumerations whose text form names the zero value (e.g.
//     Facts.OnboardedVia) by that name, invalid UTF-8 in free text replaced
//     as encoding/json does.
//   - A policy's assignments live in the AssignmentStore, versioned apart
//     from the policy (Graph's assign action replaces the set);
//     Policy.Assignments is not stored.
//   - "Newer" for status reports is a later ReportedAt; a report with the
//     same ReportedAt as the latest and another ReportID replaces it (the
//     later call wins). Only the latest report of a device is kept, so
//     idempotency holds against that report.
//   - A device's credential is replaced by PutCredential (a new enrollment
//     issues a new one); revoking twice keeps the first time.
//   - Enrollment history is append-only; it goes with DeleteEnrollment and
//     DeleteDevice, and Record.History is neither stored nor filled on read.
//   - ApplyMemberships ignores removed pairs that are not there, but refuses
//     added pairs whose device or group does not exist.
//   - The change feed can be trimmed (TrimChanges); LastChange stays.
//   - Close is idempotent; Close inside a transaction is an error.
package store
