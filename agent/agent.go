package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
)

// Agent simulates one device's side of security settings management. Its
// methods are safe for concurrent use; check-ins are serialised.
type Agent struct {
	id       string
	platform policy.DevicePlatform
	flag     policy.Platforms
	tr       transport.Transport
	sync     transport.SyncTransport // nil when the transport has no policy sync
	cfg      config

	mu          sync.Mutex
	tamper      bool
	version     string            // the configuration applied last
	applied     map[string]int    // version → times applied
	state       map[string]string // setting id → value in effect
	managed     map[string]bool   // setting ids the configuration holds
	results     []transport.SettingResult
	rendered    Rendering
	pending     *transport.StatusReport // not delivered yet
	nextCheckIn time.Time
	syncOff     bool // the transport said it has no policy sync
}

// Rendering is what the device wrote in its native format for the last
// configuration it applied: the file (Linux mdatp_managed.json, macOS
// com.microsoft.wdav property list) or the CSP operations (Windows).
type Rendering struct {
	Platform policy.DevicePlatform
	// File is the file's content on Linux and macOS; nil on Windows.
	File []byte
	// Operations are the CSP operations on Windows; nil elsewhere.
	Operations []policy.CSPOperation
}

// Round describes one check-in.
type Round struct {
	// Modified reports that the service sent a new configuration, which the
	// agent applied.
	Modified bool
	// Version is the configuration version the device holds afterwards.
	Version string
	// NextCheckIn is when the service asked the device to check in again
	// (zero when it did not say).
	NextCheckIn time.Time
	// Reported reports that a status report was delivered in this round.
	Reported bool
}

// New returns the agent of the device deviceID of the given platform,
// talking to the service through t. Errors wrap ErrInvalid.
func New(deviceID string, platform policy.DevicePlatform, t transport.Transport, opts ...Option) (*Agent, error) {
	cfg := config{
		catalog:    policy.Builtin(),
		clock:      realClock{},
		random:     globalRandom{},
		variant:    policy.VariantCurrent,
		failures:   map[string]Failure{},
		interval:   DefaultInterval,
		jitter:     DefaultInterval / 10,
		backoff:    DefaultBackoff,
		maxBackoff: DefaultMaxBackoff,
		state:      map[string]string{},
	}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case deviceID == "":
		cfg.errs = append(cfg.errs, fmt.Errorf("%w: no device id", ErrInvalid))
	case !platform.Valid():
		cfg.errs = append(cfg.errs, fmt.Errorf("%w: unknown platform %q", ErrInvalid, platform))
	case t == nil:
		cfg.errs = append(cfg.errs, fmt.Errorf("%w: no transport", ErrInvalid))
	case !cfg.variant.Valid():
		cfg.errs = append(cfg.errs, fmt.Errorf("%w: unknown variant %q", ErrInvalid, cfg.variant))
	case cfg.catalog == nil || cfg.clock == nil || cfg.random == nil:
		cfg.errs = append(cfg.errs, fmt.Errorf("%w: nil catalog, clock or random source", ErrInvalid))
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	a := &Agent{
		id: deviceID, platform: platform, flag: platformFlag(platform), tr: t, cfg: cfg,
		applied: map[string]int{}, state: maps.Clone(cfg.state), managed: map[string]bool{},
		rendered: Rendering{Platform: platform},
	}
	a.sync, _ = t.(transport.SyncTransport)
	isWindows := platform == policy.DeviceWindows || platform == policy.DeviceWindowsServer
	a.tamper = isWindows
	if cfg.tamper != nil {
		a.tamper = *cfg.tamper
	}
	return a, nil
}

func platformFlag(p policy.DevicePlatform) policy.Platforms {
	switch p {
	case policy.DeviceMacOS:
		return policy.PlatformMacOS
	case policy.DeviceLinux:
		return policy.PlatformLinux
	}
	return policy.PlatformWindows10
}

// DeviceID returns the device's id.
func (a *Agent) DeviceID() string { return a.id }

// Version returns the version of the configuration the device applied
// last; empty before the first.
func (a *Agent) Version() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.version
}

// TamperProtection reports whether tamper protection is on.
func (a *Agent) TamperProtection() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tamper
}

// State returns a copy of the simulated device's values: setting id →
// value in effect, in the device's terms (see the package documentation).
// A tamper-protected setting keeps its value although its change was
// reported succeeded, which is the drift a report can show.
func (a *Agent) State() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.state)
}

// Results returns a copy of the per-setting results of the last
// configuration applied.
func (a *Agent) Results() []transport.SettingResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]transport.SettingResult(nil), a.results...)
}

// Rendered returns a copy of what the device wrote for the last
// configuration applied.
func (a *Agent) Rendered() Rendering {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.rendered
	r.File = slices.Clone(r.File)
	r.Operations = slices.Clone(r.Operations)
	return r
}

// PendingReport returns the report the device has not delivered yet, if
// any.
func (a *Agent) PendingReport() (transport.StatusReport, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending == nil {
		return transport.StatusReport{}, false
	}
	return a.pending.Clone(), true
}

// CheckIn runs one round: it delivers a report left over from an earlier
// round, checks in with the version it holds, applies a new configuration
// to the simulated device (see the package documentation), renders it in
// the device's native format, and reports the per-setting results. A
// report that fails to go out is kept and sent again, with the same
// ReportID, at the next round; one refused as stale is dropped. Errors are
// the transport's.
func (a *Agent) CheckIn(ctx context.Context) (Round, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var round Round
	if a.pending != nil {
		if err := a.deliver(ctx); err != nil {
			return round, err
		}
		round.Reported = true
	}
	resp, err := a.tr.CheckIn(ctx, transport.CheckIn{DeviceID: a.id, ConfigurationVersion: a.version})
	if err != nil {
		return round, err
	}
	a.nextCheckIn = resp.NextCheckIn
	round.NextCheckIn = resp.NextCheckIn
	if !resp.NotModified && resp.Configuration != nil {
		round.Modified = true
		a.apply(resp.Configuration)
		if err := a.deliver(ctx); err != nil {
			round.Version = a.version
			return round, err
		}
		round.Reported = true
	}
	round.Version = a.version
	return round, nil
}

// deliver sends the pending report. It is dropped when delivered, stale
// (nil), or refused as malformed (the error: a retry cannot succeed).
func (a *Agent) deliver(ctx context.Context) error {
	err := a.tr.ReportStatus(ctx, *a.pending)
	switch {
	case err == nil, errors.Is(err, transport.ErrStale):
		a.pending = nil
		return nil
	case errors.Is(err, transport.ErrBadRequest), errors.Is(err, transport.ErrTooLarge):
		a.pending = nil
	}
	return err
}

// reportID derives a report id that a retry reuses: the device, the
// version, and how many times the device applied that version.
func reportID(deviceID, version string, n int) string {
	h := sha256.Sum256([]byte(deviceID + "\x00" + version + "\x00" + strconv.Itoa(n)))
	return hex.EncodeToString(h[:16])
}

// NextCheckIn returns when the service asked the device to check in again
// at its last check-in (zero before, or when it did not say).
func (a *Agent) NextCheckIn() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.nextCheckIn
}

// Run checks in until ctx ends or the service refuses the device for good:
// after each round it waits until the next check-in the service named (at
// least MinWait), or, when it named none, the interval plus or minus the
// jitter; a policy sync requested meanwhile (when the transport is a
// transport.SyncTransport) ends the wait at once. A failed round is retried
// after an exponential backoff with jitter, between the backoff bounds; a
// device that is not managed (transport.ErrNotManaged) keeps checking in at
// the normal interval. Run returns ctx's error, or the transport's error
// when the device's credential is revoked, unknown or refused
// (transport.ErrRevoked, ErrUnauthenticated, ErrForbidden).
func (a *Agent) Run(ctx context.Context) error {
	failures := 0
	for {
		round, err := a.CheckIn(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var wait time.Duration
		switch {
		case errors.Is(err, transport.ErrRevoked), errors.Is(err, transport.ErrUnauthenticated), errors.Is(err, transport.ErrForbidden):
			return err
		case err == nil:
			failures = 0
			wait = a.untilNext(round.NextCheckIn)
		case errors.Is(err, transport.ErrNotManaged):
			failures = 0
			wait = a.untilNext(time.Time{})
		default:
			failures++
			wait = a.backoffDelay(failures)
		}
		if err := a.wait(ctx, wait); err != nil {
			return err
		}
	}
}

// untilNext is the wait until the next check-in.
func (a *Agent) untilNext(next time.Time) time.Duration {
	if !next.IsZero() {
		return max(next.Sub(a.cfg.clock.Now()), MinWait)
	}
	d := a.cfg.interval
	if j := a.cfg.jitter; j > 0 {
		d += time.Duration(a.cfg.random.Int64N(int64(2*j)+1)) - j
	}
	return max(d, MinWait)
}

// backoffDelay is the wait after the n-th failure in a row: the upper half
// of min(first·2^(n-1), max), drawn uniformly.
func (a *Agent) backoffDelay(n int) time.Duration {
	d := a.cfg.backoff
	for i := 1; i < n && d < a.cfg.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, a.cfg.maxBackoff)
	half := d / 2
	return max(half+time.Duration(a.cfg.random.Int64N(int64(d-half)+1)), MinWait)
}

// wait waits for d on the clock, or for a policy sync. Transient errors
// of WaitSync are retried after a backoff within the wait; refusals (not
// managed, revoked, unauthenticated, forbidden) are left to the next
// check-in; a transport without policy sync is not asked again.
func (a *Agent) wait(ctx context.Context, d time.Duration) error {
	timer := a.cfg.clock.NewTimer(d)
	defer timer.Stop()
	a.mu.Lock()
	useSync := a.sync != nil && !a.syncOff
	a.mu.Unlock()
	if !useSync {
		select {
		case <-timer.C():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	synced := make(chan error, 1)
	start := func() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			synced <- a.sync.WaitSync(wctx)
		}()
	}
	start()
	var (
		retry      <-chan time.Time
		retryTimer Timer
		failures   int
	)
	defer func() {
		if retryTimer != nil {
			retryTimer.Stop()
		}
	}()
	for {
		select {
		case <-timer.C():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-retry:
			retry = nil
			start()
		case err := <-synced:
			switch {
			case err == nil:
				return nil
			case ctx.Err() != nil:
				return ctx.Err()
			case errors.Is(err, errors.ErrUnsupported):
				a.mu.Lock()
				a.syncOff = true
				a.mu.Unlock()
			case errors.Is(err, transport.ErrNotManaged), errors.Is(err, transport.ErrRevoked),
				errors.Is(err, transport.ErrUnauthenticated), errors.Is(err, transport.ErrForbidden):
				// Not transient: wait for the check-in, which reports it.
			default:
				failures++
				retryTimer = a.cfg.clock.NewTimer(a.backoffDelay(failures))
				retry = retryTimer.C()
			}
		}
	}
}
