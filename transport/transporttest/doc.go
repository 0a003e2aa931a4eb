// Package transporttest is the conformance kit for transports, and a
// reference in-memory server.
//
// Run drives a transport under test through every behaviour a device relies
// on, each case a subtest: a new configuration and then "not modified",
// responses and reports that share no memory with the other side, reports
// counted once per report id and refused as stale for a replaced version,
// malformed requests (ErrBadRequest), a device asking for or reporting on
// another device (ErrForbidden), wrong, unknown and revoked credentials
// (ErrUnauthenticated, ErrRevoked — revocation is told only to the holder of
// the right secret), unmanaged devices (ErrNotManaged), policy sync (the
// transport must implement transport.SyncTransport when the server is a
// transport.SyncServer), context cancellation, and many devices at once.
// A transport's test file is a few lines:
//
//	func TestConformance(t *testing.T) {
//		transporttest.Run(t, func(t *testing.T, srv transport.Server, cred transport.Credential) transport.Transport {
//			return inproc.New(srv, cred)
//		})
//	}
//
// FakeServer is the server the kit uses: devices with secrets, one
// configuration each, policy-sync requests and the reports received, with
// administrative methods (AddDevice, SetConfiguration, Revoke, SetManaged,
// RequestSync) and counters (CheckIns, ReportCount, Reports, Waiting).
// Tests of agents and benchmarks of transports use it too. It is safe for
// concurrent use and copies what crosses it. Choices where a real server
// may differ: a device starts with an empty configuration of version
// EmptyVersion; a report id seen before is accepted and not counted again
// even after the configuration changed, and a new report for another
// version than the current one is ErrStale; a pending policy sync stays
// pending until the device checks in.
//
// The kit waits for requests to reach the server by polling the server's
// counters, never with fixed sleeps; run it with -race.
package transporttest
