// Package identity models the directory side of security settings
// management: device objects with the Entra ID properties that dynamic
// membership rules read (Device), and how those objects are registered.
//
// A Device decodes from, and encodes to, the rule-property JSON form used by
// the rule conformance corpus: keys are rule property names such as
// "deviceOSType" or "extensionAttribute3", plus "tags" for the
// endpoint-protection device tags.
//
// The package is pure: no I/O, no goroutines, no clock.
package identity
