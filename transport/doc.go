// Package transport defines the messages between a device and the service
// and the two sides' interfaces: Transport, what a device agent calls, and
// Server, what the service implements.
//
// A device checks in with the version of the configuration it holds and
// gets either "not modified" or its new effective configuration, with the
// time of its next check-in; after applying a configuration it sends a
// StatusReport with one result per delivered setting. Reports are
// idempotent by ReportID.
//
// Every request is made with the device's Credential, issued at enrollment:
// a device reads only its own configuration and reports only its own status,
// and a revoked credential (offboarded or deleted device) is refused.
//
// CheckIn.Validate and StatusReport.Validate check what a device sends (a
// device id, a report id and version, results with the statuses a device
// can report: succeeded, error, notApplicable); transports call them before
// a request leaves the device, servers may call them again. Their errors
// wrap ErrBadRequest. Configuration.Clone, CheckInResponse.Clone and
// StatusReport.Clone give copies that share no memory, for whatever crosses
// between a device and the service in one process.
//
// Errors are the sentinels below, wrapped with detail; branch with
// errors.Is. A Server's configuration versions must be non-empty and made of
// visible ASCII other than the double quote, so that the HTTP transport can
// carry them as entity tags.
//
// Implementations live in sub-packages: transport/inproc calls a Server in
// the same process; transport/httptransport carries the messages over HTTP.
// transport/transporttest is the conformance kit both run, with a reference
// in-memory server (FakeServer).
package transport
