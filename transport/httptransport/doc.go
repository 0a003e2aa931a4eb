// Package httptransport carries the device ↔ service messages over HTTP:
// NewHandler is the service side (an http.Handler in front of a
// transport.Server) and NewClient the device side (a transport.Transport
// and transport.SyncTransport bound to one device's credential). Both run
// the transporttest conformance kit, so a device sees the same answers as
// through transport/inproc.
//
// # Routes
//
// All routes are per device, with Go 1.22 method patterns:
//
//	GET  /v1/devices/{id}/configuration   check in
//	POST /v1/devices/{id}/status          report status (application/json)
//	GET  /v1/devices/{id}/sync?wait=N     policy-sync long poll
//
// A check-in sends the version the device holds as If-None-Match. The
// answer is 304 Not Modified, or 200 with a transport.CheckInResponse as
// JSON (setting instances in their Graph JSON shape); both carry the
// version as a strong ETag and the next check-in time in the
// Next-Check-In header (RFC 3339; a 304 has no body). If-None-Match may
// list several tags, weak ones compared weakly, or "*". A report answers
// 204 No Content, also for a retry of a report the service already
// counted. A sync poll answers 200 {"sync":true} when the service asks the
// device to check in, or 204 when nothing was asked within the wait, which
// is min(?wait, WithMaxSyncWait) and 60 seconds by default; the client polls
// again, never more than once a second. A server that is not a
// transport.SyncServer answers 501. Answers carry Cache-Control: no-store,
// since a configuration can hold a secret (the EDR onboarding blob).
//
// # Authentication
//
// Each request carries the device's credential, issued at enrollment, as
// HTTP Basic authentication: the device id as the user id and the secret as
// the password (so a device id may not contain a colon). The handler asks
// Server.Authenticate (constant-time comparison is the server's job) and
// then requires the path's device to be the credential's, and a report's
// deviceId to be the credential's too (an empty one is filled in):
//
//	no or malformed credential, unknown device, wrong secret   401 unauthenticated
//	revoked credential (offboarded or deleted device)         401 revoked
//	another device's path or report                           403 forbidden
//	device not managed through security settings management  403 not-managed
//
// Revoked is 401 because the credential itself is no longer valid; it has
// its own problem type so the agent can stop instead of retrying, and the
// server tells it only to the holder of the right secret. Not managed is
// 403, not 409: the device is known and authenticated but may not use this
// channel, which is the meaning of 403; nothing about the request would
// make it succeed. 401 answers carry WWW-Authenticate: Basic. Serve the
// handler over TLS: Basic authentication sends the secret with every
// request. Client certificates from a tenant CA are not implemented.
//
// # Limits and errors
//
// A request body is read through http.MaxBytesReader, 1 MiB by default
// (WithMaxBodyBytes); a larger one, or a Content-Length over the limit, is
// 413. A body must be application/json (UTF-8 if a charset is given), else
// 415; malformed JSON, unknown members, more than one JSON value, a wrong
// type, or a report transport.StatusReport.Validate refuses is 400, with a
// detail naming the member at fault in JSON terms. A wrong method is 405
// with Allow, an unknown route 404, a stale report 409. Every error answer
// is an RFC 9457 application/problem+json body with type, title, status,
// detail and instance (the request path). The type is one of the Problem*
// URNs. Details are fixed sentences per type or describe the client's own
// input: what a Server returns is never echoed, since it may hold internals.
// Server failures are 500 (logged with the error through WithLogger) and
// context errors 503.
//
// The client maps every error answer back to a *Problem whose Unwrap gives
// the transport sentinel (errors.Is(err, transport.ErrRevoked), ...), or
// ErrServer for 5xx and errors.ErrUnsupported for 501; an answer that
// breaks the protocol is ErrBadResponse. It validates requests before
// sending them (transport.ErrBadRequest), reads at most
// WithMaxResponseBytes of a configuration (32 MiB by default), and bounds
// each call with WithTimeout (30 s by default) and each long poll with the
// sync wait plus that timeout. Context errors are returned as they are.
//
// # Timeouts on the server
//
// The handler bounds only the long poll. Serve it from an http.Server with
// ReadHeaderTimeout (e.g. 10 s, against slow-header attacks), ReadTimeout
// (e.g. 30 s), a WriteTimeout longer than the maximum sync wait (e.g. 90 s
// with the default 60 s), IdleTimeout, and MaxHeaderBytes (e.g. 16 KiB);
// see the NewHandler example.
//
// # Concurrency
//
// The handler and the client are safe for concurrent use. Clients without
// WithHTTPClient share one http.Client, so that the devices simulated by one
// process share connections.
package httptransport
