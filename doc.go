// Package secmgmt is an embeddable SDK for security settings management: the
// control plane that delivers endpoint-security policies (antivirus,
// antivirus exclusions, attack surface reduction rules, endpoint detection
// and response, firewall, firewall rules, security experience) to devices
// that run an endpoint-protection agent but are not enrolled in a mobile
// device management service.
//
// It follows the documented behaviour of Microsoft Intune with Defender for
// Endpoint security settings management and Entra ID dynamic device groups,
// and reads and writes their formats: Microsoft Graph
// deviceManagementConfigurationPolicy JSON, the dynamic membership rule
// language, and the Defender on-device configuration files.
//
// # Packages
//
// The domain packages are pure (no I/O, no goroutines, time passed in):
//
//   - policy: setting definitions (the built-in catalog), policies, the
//     support matrix, validation, the Graph JSON codec, device-native renderers.
//   - identity: directory device objects and their registration.
//   - targeting: the dynamic membership rule language, groups, assignments
//     and the incremental membership index.
//   - enrollment: the enrollment state machine of a device.
//   - conflict: the per-device merge of overlapping policies into an
//     effective configuration.
//   - report: status roll-ups and the report views, with CSV and Graph-shaped
//     JSON export.
//
// I/O lives in store (persistence: memstore, sqlite, postgres), transport
// (device ↔ service messages: inproc, httptransport), agent (the simulated
// device side) and this package's Service, which wires them together.
// Package authz holds the principals, roles and authorizers the Service
// consults before every administrative operation; package tenantexport
// loads a tenant exported from Microsoft Graph into a Service for offline
// analysis.
//
// # The Service
//
// New returns a Service over a store (the in-memory default, or one given
// with WithStore). It is the one entry point of a program:
//
//   - the tenant (Tenant, SetTenant): the Intune toggle, the enforcement
//     scope, Configuration Manager authority, Defender for Cloud, the mode;
//   - policies, from Graph JSON (ImportPolicies) or built in code
//     (CreatePolicy), validated with the catalog; UpdatePolicy, DeletePolicy,
//     Policy, Policies; AssignPolicy and Assignments;
//   - groups (CreateGroup, UpdateGroup, SetGroupRule, PauseGroup,
//     ResumeGroup, AddGroupMembers, RemoveGroupMembers, DeleteGroup,
//     GroupMembers);
//   - devices: Onboard and the enrollment events (TagDevice, UntagDevice,
//     UpdateFacts, PolicySync, MDMEnroll, MDMUnenroll, Offboard,
//     DeleteDevice, Retry, ReissueCredential), their directory objects
//     (UpdateDeviceObject), and what the service knows of them (Device,
//     Devices, DeviceHistory, EffectiveConfiguration);
//   - the device side, as a transport.Server and transport.SyncServer
//     (Authenticate, CheckIn, ReportStatus, WaitSync), reached in process
//     through Transport or over HTTP through HTTPHandler;
//   - the reports of package report over the stored data (PolicyReport,
//     PolicyDeviceReport, SettingReport, DeviceReport, ConflictReport,
//     ManagedByReport, EnrollmentReport, FailedEnrollments, FreshnessReport,
//     StaleDevices, and DeviceRecords for views of one's own).
//
// # The flow
//
// An administrator's program sets the tenant's scope, adds groups and
// policies and assigns the policies to groups. A device onboards with the
// facts its agent reports: the enrollment machine (enrollment.Record.Handle)
// decides whether it is managed here, and the directory changes it plans
// (a synthetic registration, the management marks, the tags) are applied to
// the directory objects, which the membership index evaluates against every
// group's rule. The device gets a credential. When it checks in, the
// policies assigned to it (include minus exclude, device groups only,
// filters ignored) are merged by package conflict into its effective
// configuration, which it applies and reports on; each result is attributed
// to the policies the setting came from, and the reports roll the stored
// results up.
//
// # Concurrency
//
// Every method is safe for concurrent use. The Service keeps an in-memory
// state (the tenant, the policies and their assignments, the directory, the
// membership index, each device's enrollment record, credential hash and
// cached configuration) under a read-write lock. Check-ins, reports and
// queries share it; writes hold it alone for the time of their store
// transaction. A check-in takes the read lock and its device's own lock: a
// device whose configuration nothing invalidated, holding the current
// version, is answered "not modified" without computing anything.
//
// Every write goes through one path: a store transaction that first appends
// an entry naming the operation to the store's change feed (the SQL stores
// lock the feed's counter until the transaction ends, the others serialise
// transactions, so writes of every instance sharing a store are serialised)
// and applies the changes other instances committed before it, so that the
// write starts from the state the store holds; then it writes the records,
// the memberships the index computed, and one feed entry per kind of record
// changed. Once committed, each entry is
// applied to the state the way every instance applies the feed. A write
// that fails after changing the in-memory directory or index makes the
// service rebuild its state from the store; the store's transaction left
// the stored state as it was.
//
// # Authorization and the audit trail
//
// Every administrative operation, read or write, first passes one choke
// point, which asks the Authorizer (WithAuthorizer) for the permission the
// operation needs, with the operation's context; a refusal is an error
// wrapping ErrForbidden (an *authz.ForbiddenError naming the permission and
// the object). THE DEFAULT REFUSES EVERY ADMINISTRATIVE OPERATION: pass
// WithAuthorizer(authz.RoleBased()) and put an authz.Principal in each
// context (authz.NewContext), or WithAuthorizer(authz.AllowAll()) in a
// program without a principal model. Device-side operations (Onboard,
// UpdateFacts, Retry, Offboard, MDMEnroll, MDMUnenroll, and the transport's
// Authenticate, CheckIn, ReportStatus) are authorized by the device's
// credential, never by the Authorizer. A grant limited by scope tags
// filters every list and report to the policies, groups and devices within
// reach and refuses the others by id (see package authz for the rules).
//
// Every administrative write appends, in its own store transaction, one
// store.AuditEntry per object it changed (who, the operation, the object,
// its versions before and after, a detail of what changed, at the
// service's clock); a refused or failed write appends nothing. Audit
// queries the trail (audit.read) and AuditTable exports it as CSV or Graph
// reports JSON, with the columns of Intune's audit events.
//
// # Change propagation
//
// A change invalidates exactly the effective configurations it can change,
// and the next check-in of those devices computes them again; every other
// device is answered from its cache:
//
//   - a policy edit: the devices the policy targets;
//   - an assignment change: the devices the old or the new assignment
//     targets;
//   - a group's rule, processing state or static members: the devices whose
//     membership changed (the index's delta), when a policy's assignment
//     names the group (included or excluded);
//   - a device's directory attributes or tags: that device, when its
//     memberships of such groups change, and its enrollment is evaluated
//     again when a tag changes (MDE-Management and the "tagged" scope);
//   - a device's facts: that device (the merge reads its platform and OS
//     version from them);
//   - the tenant: the devices whose enrollment state changed, and every
//     device when the mode (and with it the documentation variant) changes.
//
// Stats counts the computations, so that tests can check that a change
// invalidated no more than it should. Devices whose merges have the same
// inputs (platform, OS version, documentation variant, assigned policies)
// share one computed configuration (WithConfigurationCache).
//
// # Several instances, one store
//
// Several Services may share one SQLite file or one PostgreSQL database.
// Before serving a request, an instance reads the feed's last sequence
// number (WithSyncInterval makes that less frequent) and applies the
// entries it has not seen: each names records by key, which the instance
// reads again and applies to its state (the index, the cached
// configurations to invalidate, credentials, policy-sync requests). So an
// instance answers a check-in with another's policy edit as soon as that
// edit is committed. Entries are applied by reading the records as they are
// now, so an instance that is behind goes straight to the current state;
// static memberships follow the groups' stored member lists, paused groups
// the stored memberships. Each instance trims the feed to the latest
// entries as its writes go on (WithChangeFeedRetention, 100,000 by
// default); an instance that finds a gap after its position (the store's
// numbers are consecutive, so a gap means trimmed entries) rebuilds its
// state from the store instead.
//
// # Restart
//
// New with a persistent store rebuilds the state: the directory and the
// membership index from the devices and groups (paused groups keep their
// stored members), the policies and assignments, the enrollment records and
// credential hashes. Effective configurations are computed again lazily,
// and a device that holds the configuration it had before is answered "not
// modified", as versions are content hashes.
//
// # What-if
//
// Simulate answers what an administrative operation would do before anyone
// does it. A Change describes one operation (a constructor per operation:
// CreatePolicyChange, AssignPolicyChange, SetGroupRuleChange,
// SetTenantChange, TagDeviceChange, ...; BatchChange applies several in
// order) or is read from a change file with DecodeChange. The Impact lists
// the devices whose effective configuration would change, setting by
// setting (added, removed, changed, with the values before and after and
// the policies delivering them), the conflicts that would appear or
// disappear with the policies involved, the devices that would enter or
// leave security settings management, the group memberships that would
// move, and per policy who would start or stop receiving it; WriteText,
// WriteJSON and WriteCSV render it. Package tenantexport loads a tenant
// exported from Graph into a Service for the same questions offline.
//
// Simulate lays the change over the state without copying it: it holds
// the read lock (check-ins go on, writes wait), reads memberships from the
// index, and evaluates only the devices the change can reach: the targets
// of the old and new assignments of a changed policy, the devices whose
// memberships move (a rule is applied to every device, a static or paused
// group's change to its listed members), the devices the enrollment
// machine moves. Unchanged policies are not prepared again, merges are
// shared by devices with the same inputs (the configuration cache is read,
// never filled) and configurations are compared once per pair of
// contents (version and delivered policies). Nothing is written: not the
// store, not the in-memory state.
//
// Choices made for what-if:
//
//   - A change is judged against the current state, as its operation would
//     judge it (versions are not asked for), and refused with the
//     operation's error; a batch names the change at fault ("changes[2]").
//   - A device that would leave management keeps the settings it has,
//     which nothing manages any more: none counts as removed. A device that
//     would enter receives its whole effective configuration: every setting
//     counts as added.
//   - Settings are compared in conformance's flattened view, secrets
//     masked, collections as sets (the signature update fallback order,
//     whose order the device follows, as a list).
//   - A policy or group created without an id is named
//     "simulated-policy-1", "simulated-group-1", ... in the impact; the
//     enrollment flow's random choices use a fixed source, so that the
//     service's own is untouched.
//
// # Errors
//
// Errors wrap sentinels for the conditions callers branch on: ErrNotFound
// and ErrConflict (the store's own), ErrInvalidInput (an *InputError naming
// the operation and field, wrapping the domain package's error:
// *policy.ValidationError with every problem, *policy.DecodeError with its
// JSON path, *targeting.RuleError with its position, *enrollment.InputError),
// ErrInUse, ErrClosed, and enrollment.ErrInvalidTransition for an event the
// device's state does not take. Device requests return the transport
// package's errors (ErrUnauthenticated, ErrRevoked, ErrNotManaged, ErrStale,
// ErrBadRequest, ErrTooLarge). Bad input changes nothing.
//
// # Choices where the specification is silent
//
//   - Device and group ids are case-insensitive, as the directory's are:
//     the service keeps them in lower case. Device ids are made of letters,
//     digits, '-', '_', '.' and '~', as they travel in URL paths and HTTP
//     Basic authentication (Entra device ids are GUIDs). Policy ids are kept
//     as given;
//     ids the service makes up are GUIDs drawn from its random source
//     (WithRand), credentials always from crypto/rand.
//   - A credential is issued at onboarding whatever the enrollment outcome,
//     so that a device that comes into scope later can check in; offboarding
//     and deletion revoke it. Retry after a deletion, and Onboard after an
//     offboarding, issue a new one; ReissueCredential replaces a lost one.
//     A deleted device that a later change brings back through the flow
//     keeps its revoked credential until its agent runs Retry.
//   - Check-ins do not go through the enrollment machine: the next check-in
//     is drawn with enrollment.NextCheckIn, the last check-in is written to
//     the store's check-in role (in batches, see WithCheckInFlush), and the
//     enrollment history records state changes only. Enrolling counts as a
//     check-in.
//   - A policy sync stays pending until the device checks in; WaitSync
//     returns at once while one is pending.
//   - A status report covers a configuration as a whole: its results are
//     attributed to the policies whose value of the setting was delivered
//     (a setting several policies agree on, or that merges, counts for each
//     of them), results for settings nothing delivered are dropped, a
//     setting reported twice is a bad request, and a report for another
//     version than the device's current configuration is ErrStale. After a
//     change of its configuration every policy of the device is pending
//     until it reports on the new version. A report holds at most 10,000
//     results and a report id at most 256 bytes.
//   - CreatePolicy sets the creation and modification times from the clock;
//     ImportPolicies keeps those an export carries, and its ids; both store
//     the assignments a policy carries. UpdatePolicy leaves the assignments
//     alone; DeletePolicy takes no version, as Graph's delete does.
//     Assignment ids are "<policy id>_<group id>" (Graph's pseudo group ids
//     for all devices and all users); assignments to Configuration Manager
//     collections are kept but reach no device managed here.
//   - A group that a policy's assignment names (included or excluded)
//     cannot be deleted (ErrInUse).
//     A static group's members must have a directory object; a device whose
//     object goes leaves the member lists of its static groups, so that a
//     new object for it is in none.
//   - A tenant change is handled by every device as the enrollment events it
//     amounts to (intuneToggle, scopeChange, configMgrAuthority,
//     defenderForCloud, in that order). A change of mode, government cloud or
//     licence, which have no event, is handled as a scope change that keeps
//     the scope, so every device is qualified again.
//   - UpdateFacts turns changed facts into events (removeTag, addTag,
//     fullRegistration, configMgrClient, mdmEnroll or mdmUnenroll); a device
//     in a state that takes no such event keeps the new facts. Other facts
//     are stored, and a device resting in notEnrolled, notSupported, failed
//     or managedByConfigMgr runs the flow again (retry).
//   - The directory quota counts every object; a quota lower than the
//     objects a store already holds acts as that count.
//   - The reports read the stored results and the devices' current merges
//     and never change state; a device that is not enrolled has no policy
//     states, and a directory object no agent reported (a duplicate of the
//     macOS known issue) is counted with an unknown enrollment status.
package secmgmt
