// Package policy models endpoint-security policies the way Microsoft Intune
// and Microsoft Graph do: setting definitions (Definition) gathered in a
// Catalog, endpoint-security profile templates (Template), and the flag sets
// Graph writes as comma lists (Platforms, Technologies).
//
// # The catalog
//
// Builtin returns the built-in catalog, embedded data in the catalog/
// folder: one JSON file per template (the format is described in
// catalogfile.go and checked on load). A Catalog is immutable and safe for
// concurrent use; With returns an extended copy, so a program may add
// definitions at run time. Choice option meanings are per definition: always
// resolve an option ItemID through its Definition.
//
// The package is pure: no I/O beyond the embedded files, no goroutines, no
// clock.
package policy
