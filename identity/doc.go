// Package identity models the directory side of security settings
// management: device objects with the Entra ID properties that dynamic
// membership rules read (Device), and how those objects are registered.
//
// A Device decodes from, and encodes to, the rule-property JSON form used by
// the rule conformance corpus: keys are rule property names such as
// "deviceOSType" or "extensionAttribute3", plus "tags" for the
// endpoint-protection device tags.
//
// # Directory lifecycle
//
// The lifecycle functions plan directory writes as Change values over
// *Device values and never write anything themselves, so a store can apply
// the same rules in a transaction: Register (reuse a full registration,
// create a synthetic one, hybrid join or Entra join, with the matching
// RegistrationKind and TrustType), ReplaceSynthetic (a full registration
// takes over from a synthetic one, keeping management), SetManaged and
// ClearManaged (managementType MicrosoftSense, or the MDEJoined /
// MDEManaged system labels of legacy mode), SyncTags, Delete, Readd (same
// device id, new object, no static memberships) and DuplicateSynthetic (a
// known macOS agent issue, reproduced on request). Compact merges the
// changes a sequence of steps makes to one object. Object ids come from
// NewObjectID, deterministic in its inputs.
//
// Directory is an in-memory directory that applies changes atomically and
// enforces a quota on device objects, in which synthetic registrations
// count like full ones (ErrQuotaExceeded, *QuotaError). Its errors wrap
// ErrDeviceNotFound, ErrDeviceExists or ErrInvalidChange in a *ChangeError
// naming the change at fault; the lifecycle functions return a
// *LifecycleError wrapping ErrLifecycle when an operation does not apply to
// the object given. A Directory is safe for concurrent use; everything else
// in the package is a plain value.
//
// The package is pure: no I/O, no goroutines, no clock.
package identity
