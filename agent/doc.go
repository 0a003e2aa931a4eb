// Package agent simulates the device side of security settings management,
// for tests, examples and load: the Defender for Endpoint agent that checks
// in, applies its effective configuration, writes it in the device's native
// format, and reports per-setting status.
//
// New binds an Agent to a device id, a policy.DevicePlatform and a
// transport.Transport (transport/inproc or transport/httptransport).
// CheckIn runs one round; Run loops. State, Results, Rendered, Version,
// NextCheckIn and PendingReport expose what the simulated device holds.
//
// # A round
//
// CheckIn first delivers a report left over from a failed round, then
// checks in with the configuration version it holds. On a new
// configuration it splits the settings into the units the device reports
// on: each top-level setting, except the groups whose children merge on
// their own (policy.MergePerChild: attack surface reduction rules, threat
// severity default actions), whose children are reported one by one — the
// same keys the service attributes results to. Each unit is, in order:
//
//   - notApplicable when the catalog does not know it, when its definition
//     is for another platform, when the documentation variant
//     (WithVariant) does not deliver it through this channel
//     (policy.Definition.UnsupportedIn), or when the device's OS version
//     (WithOSVersion) is older than the definition's MinOSVersion;
//   - error with the code and message of WithFailure, when one is injected
//     for its id;
//   - error with RenderFailureCode when the policy renderer refuses it (the
//     device cannot write it);
//   - succeeded otherwise. A tamper-protected setting (TamperProtected in
//     the catalog, Windows only) with tamper protection on is reported
//     succeeded but its value stays what it was — the device's value, else
//     the definition's default — which is the drift a report can show.
//
// The Windows Security Experience's TamperProtection setting, when
// delivered and applied, switches the simulated tamper protection before
// the other settings of the round are applied (so turning it off and
// changing a locked setting in one configuration changes the setting).
// Settings that a new configuration no longer holds leave the device's
// state, except those tamper protection holds.
//
// The device writes what succeeded in its native format (Rendered): the
// mdatp_managed.json file on Linux, the com.microsoft.wdav property list on
// macOS, the CSP operations on Windows (policy.RenderLinux, RenderMacOS,
// RenderWindows), with a group's failed or inapplicable children left out.
// Tamper-protected settings are written too (the device tries; tamper
// protection blocks the change); failed and inapplicable ones are not.
//
// Then it reports one result per unit, in the configuration's order. A
// result's Value is the value in effect afterwards, in the device's terms:
// a choice's option value (CSP integer, boolean, or preference string), an
// integer, a string; a list joined with "|" on Windows and a JSON array
// elsewhere; a group as a JSON array of items, each an object from its
// children's preference keys (or CSP node names) to their values. Secrets
// (the EDR onboarding blob) are never reported. The ReportID is derived
// from the device id, the version and how many times the device applied
// that version, so a retry of the same report reuses it and the service
// counts it once, while the same version applied again later is a new
// report. A report that cannot be delivered stays pending and goes out
// first at the next round; one the service refuses as stale, malformed or
// too large is dropped.
//
// # The loop
//
// Run checks in, then waits until the next check-in the service named (at
// least MinWait), or, when it named none, DefaultInterval (90 minutes)
// plus or minus a tenth (WithInterval, WithRandom). A policy sync ends the
// wait at once when the transport is a transport.SyncTransport; a WaitSync
// that fails for a transient reason is retried within the wait after a
// backoff, one refused (not managed, revoked, ...) is left to the next
// check-in, and a transport that answers errors.ErrUnsupported is not asked
// again. A failed round is
// retried after an exponential backoff with "equal jitter" (uniform in the
// upper half of 30 s, 1 min, 2 min, ... up to 15 min; WithBackoff). A
// device that is not managed keeps its normal schedule. Run returns when
// ctx ends, or when the credential is revoked, unknown or refused. Nothing
// spins: every wait is on the Clock (WithClock), so tests use a fake one
// and never sleep.
//
// # Concurrency and errors
//
// An Agent is safe for concurrent use; rounds are serialised, and Run
// must not be called twice at once on one Agent (a Random passed with
// WithRandom is used only by Run). New's errors wrap ErrInvalid; CheckIn
// and Run return the transport's errors (transport.ErrRevoked, ...) and
// the context's.
package agent
