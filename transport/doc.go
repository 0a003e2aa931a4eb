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
// Implementations live in sub-packages: transport/inproc calls a Server in
// the same process; transport/httptransport carries the messages over HTTP.
// transport/transporttest is the conformance kit both run.
package transport
