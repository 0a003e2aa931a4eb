// Package inproc is the in-process transport: a device agent and the
// service in one program (tests, examples, simulations, load runs).
//
// New binds a device's credential to a transport.Server. Every call
// authenticates the credential through Server.Authenticate, refuses a
// request that names another device with transport.ErrForbidden, and
// validates the request (transport.ErrBadRequest) before the server sees
// it. Nothing mutable is shared between the device and the service: a
// status report is copied on the way in and a check-in response deep-copied
// on the way out, and nothing else is copied, so the overhead is two
// function calls when the configuration is not modified. When the server
// is a transport.SyncServer the transport is a *SyncTransport and carries
// policy sync.
//
// Errors are the server's, unchanged (they wrap the transport sentinels),
// the context's, or those of Validate. A transport is safe for concurrent
// use. The order of the checks (context, validation, authentication, then
// the device named in the request) matches the HTTP transport's, so both
// answer the same error for the same request.
package inproc
