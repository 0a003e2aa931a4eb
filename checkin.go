package secmgmt

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/transport"
)

// The Service is the server side of the transports.
var (
	_ transport.Server     = (*Service)(nil)
	_ transport.SyncServer = (*Service)(nil)
)

// Limits of what a device may send.
const (
	maxReportResults = 10000
	maxReportIDBytes = 256
)

// Authenticate checks a device's credential: the secret's SHA-256 is
// compared in constant time with the hash stored when the credential was
// issued. An unknown device or a wrong secret is transport.ErrUnauthenticated;
// the right secret of an offboarded or deleted device is
// transport.ErrRevoked.
func (s *Service) Authenticate(ctx context.Context, cred transport.Credential) error {
	if err := s.device(ctx); err != nil {
		return err
	}
	id := canonicalID(cred.DeviceID)
	s.mu.RLock()
	var hash []byte
	var revoked bool
	if d := s.state.devices[id]; d != nil {
		hash, revoked = d.credHash, d.revoked
	}
	s.mu.RUnlock()
	sum := sha256.Sum256([]byte(cred.Secret))
	if hash == nil || subtle.ConstantTimeCompare(sum[:], hash) != 1 {
		return fmt.Errorf("%w: device %q", transport.ErrUnauthenticated, cred.DeviceID)
	}
	if revoked {
		return fmt.Errorf("%w: device %q", transport.ErrRevoked, cred.DeviceID)
	}
	return nil
}

// CheckIn answers an authenticated device's check-in: "not modified" when
// the device holds its current effective configuration, the configuration
// otherwise, and the time of its next check-in (90 minutes on, with
// jitter). A configuration no change has invalidated is answered from the
// device's cache; an invalidated one is computed again (shared with every
// device whose merge has the same inputs). The check-in is recorded in the
// store's check-in role; the enrollment history records state changes
// only.
//
// A device that is not enrolled (out of scope, failed, managed by MDM,
// offboarded, ...) is refused with transport.ErrNotManaged.
func (s *Service) CheckIn(ctx context.Context, req transport.CheckIn) (*transport.CheckInResponse, error) {
	if err := s.device(ctx); err != nil {
		return nil, err
	}
	id := canonicalID(req.DeviceID)
	if id == "" {
		return nil, fmt.Errorf("%w: the check-in names no device", transport.ErrBadRequest)
	}
	now := s.now()
	s.mu.RLock()
	d := s.state.devices[id]
	if d == nil || !d.managed() {
		err := notManaged(d, req.DeviceID)
		s.mu.RUnlock()
		return nil, err
	}
	d.mu.Lock()
	conf, err := s.current(d)
	d.mu.Unlock()
	s.mu.RUnlock()
	if err != nil {
		s.log.ErrorContext(ctx, "computing an effective configuration", "device", id, "err", err)
		return nil, fmt.Errorf("secmgmt: device %q: %w", id, err)
	}
	s.syncs.checkedIn(id)
	resp := &transport.CheckInResponse{NextCheckIn: enrollment.NextCheckIn(now, s.rnd)}
	if req.ConfigurationVersion == conf.msg.Version {
		resp.NotModified = true
		s.stats.notModified.Add(1)
	} else {
		resp.Configuration = conf.msg
	}
	s.stats.checkIns.Add(1)
	if err := s.checkIns.record(ctx, store.CheckIn{DeviceID: id, At: now, ConfigurationVersion: conf.msg.Version}); err != nil {
		return nil, fmt.Errorf("secmgmt: recording the check-in of %q: %w", id, err)
	}
	if s.log.Enabled(ctx, slog.LevelDebug) {
		s.log.DebugContext(ctx, "check-in", "device", id, "version", conf.msg.Version, "notModified", resp.NotModified)
	}
	return resp, nil
}

// notManaged is the error of a request from a device that is not managed
// here.
func notManaged(d *deviceEntry, id string) error {
	if d == nil {
		return fmt.Errorf("%w: device %q is not known", transport.ErrNotManaged, id)
	}
	return fmt.Errorf("%w: device %q is %s", transport.ErrNotManaged, id, d.record.State)
}

// ReportStatus records an authenticated device's status report. Each
// result is attributed to the policies the setting was delivered from (a
// setting several policies agree on, or that merges, counts for each), and
// the device's latest report replaces the previous one. A retry with the
// same ReportID changes nothing. A report for another version than the
// device's current configuration is transport.ErrStale: the device checks
// in and reports on what it gets.
func (s *Service) ReportStatus(ctx context.Context, rep transport.StatusReport) error {
	if err := s.device(ctx); err != nil {
		return err
	}
	if err := checkReport(rep); err != nil {
		return err
	}
	id := canonicalID(rep.DeviceID)
	now := s.now()
	s.mu.RLock()
	d := s.state.devices[id]
	if d == nil || !d.managed() {
		err := notManaged(d, rep.DeviceID)
		s.mu.RUnlock()
		return err
	}
	d.mu.Lock()
	conf, err := s.current(d)
	d.mu.Unlock()
	s.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("secmgmt: device %q: %w", id, err)
	}
	if rep.ConfigurationVersion != conf.msg.Version {
		return fmt.Errorf("%w: device %q reports on version %q, its configuration is %q", transport.ErrStale, id, rep.ConfigurationVersion, conf.msg.Version)
	}
	sr := &store.StatusReport{
		DeviceID:             id,
		ReportID:             rep.ReportID,
		ConfigurationVersion: rep.ConfigurationVersion,
		ReportedAt:           now,
		Results:              attribute(conf.res, rep.Results),
	}
	outcome, err := s.st.PutStatusReport(ctx, sr)
	if err != nil {
		return fmt.Errorf("secmgmt: storing the report of %q: %w", id, err)
	}
	if outcome == store.ReportStored {
		s.stats.reports.Add(1)
	}
	return nil
}

// checkReport validates a report as a device sends it.
func checkReport(rep transport.StatusReport) error {
	switch {
	case rep.DeviceID == "":
		return fmt.Errorf("%w: the report names no device", transport.ErrBadRequest)
	case rep.ReportID == "" || len(rep.ReportID) > maxReportIDBytes:
		return fmt.Errorf("%w: the report id is empty or longer than %d bytes", transport.ErrBadRequest, maxReportIDBytes)
	case rep.ConfigurationVersion == "":
		return fmt.Errorf("%w: the report names no configuration version", transport.ErrBadRequest)
	case len(rep.Results) > maxReportResults:
		return fmt.Errorf("%w: %d results, more than %d", transport.ErrTooLarge, len(rep.Results), maxReportResults)
	}
	seen := make(map[string]bool, len(rep.Results))
	for i, r := range rep.Results {
		switch {
		case r.SettingID == "":
			return fmt.Errorf("%w: results[%d] names no setting", transport.ErrBadRequest, i)
		case r.Status != report.StatusSucceeded && r.Status != report.StatusError && r.Status != report.StatusNotApplicable:
			return fmt.Errorf("%w: results[%d] (%s): a device cannot report status %q", transport.ErrBadRequest, i, r.SettingID, r.Status)
		case seen[r.SettingID]:
			return fmt.Errorf("%w: results[%d]: setting %s is reported twice", transport.ErrBadRequest, i, r.SettingID)
		}
		seen[r.SettingID] = true
	}
	return nil
}

// attribute gives each result of a device to the policies whose value of
// the setting was delivered. Results for settings no delivered policy
// configures are dropped.
func attribute(res *conflict.Result, results []transport.SettingResult) []store.SettingResult {
	var out []store.SettingResult
	for _, r := range results {
		for _, pi := range res.Policies {
			if !pi.Support.Supported {
				continue
			}
			o, ok := res.Outcome(pi.ID, r.SettingID)
			if !ok || o.Outcome != conflict.OutcomeSucceeded {
				continue
			}
			out = append(out, store.SettingResult{
				PolicyID:  pi.ID,
				SettingID: r.SettingID,
				Status:    r.Status,
				ErrorCode: r.ErrorCode,
				Message:   r.Message,
				Value:     r.Value,
			})
		}
	}
	slices.SortFunc(out, func(a, b store.SettingResult) int {
		if c := strings.Compare(a.PolicyID, b.PolicyID); c != 0 {
			return c
		}
		return strings.Compare(a.SettingID, b.SettingID)
	})
	return out
}

// syncPoll bounds how long WaitSync waits before it looks at the change
// feed for a policy sync asked of another instance.
const syncPoll = time.Second

// WaitSync returns nil when an administrator asks the device to check in
// now (PolicySync), at once when one was asked since its last check-in, or
// the context's error when it ends first. A request made through another
// instance sharing the store reaches it through the change feed.
func (s *Service) WaitSync(ctx context.Context, deviceID string) error {
	id := canonicalID(deviceID)
	poll := max(s.cfg.syncEvery, syncPoll)
	timer := time.NewTimer(poll)
	defer timer.Stop()
	for {
		if s.closed.Load() {
			return ErrClosed
		}
		ch, pending := s.syncs.wait(id)
		if pending {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			if err := s.look(ctx); err != nil {
				return err
			}
			timer.Reset(poll)
		}
	}
}

// syncBoard holds the policy-sync requests of devices.
type syncBoard struct {
	// pending counts the slots with a pending request, so that a check-in
	// takes the lock only when there may be one to clear.
	pending atomic.Int64
	mu      sync.Mutex
	slots   map[string]*syncSlot
	closed  chan struct{}
}

type syncSlot struct {
	pending bool
	ch      chan struct{} // closed when a request comes
}

func newSyncBoard() *syncBoard {
	return &syncBoard{slots: map[string]*syncSlot{}, closed: make(chan struct{})}
}

func (b *syncBoard) slot(id string) *syncSlot {
	sl := b.slots[id]
	if sl == nil {
		sl = &syncSlot{ch: make(chan struct{})}
		b.slots[id] = sl
	}
	return sl
}

// request records a policy-sync request and wakes the device's waiters.
func (b *syncBoard) request(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	sl := b.slot(id)
	if !sl.pending {
		sl.pending = true
		b.pending.Add(1)
	}
	close(sl.ch)
	sl.ch = make(chan struct{})
}

// wait reports a pending request (it stays pending until the device
// checks in), or returns the channel closed by the next.
func (b *syncBoard) wait(id string) (<-chan struct{}, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.closed:
		return b.closed, false
	default:
	}
	sl := b.slot(id)
	if sl.pending {
		return nil, true
	}
	return sl.ch, false
}

// checkedIn clears a pending request: the check-in answered it.
func (b *syncBoard) checkedIn(id string) {
	if b.pending.Load() == 0 {
		return
	}
	b.mu.Lock()
	if sl := b.slots[id]; sl != nil && sl.pending {
		sl.pending = false
		b.pending.Add(-1)
	}
	b.mu.Unlock()
}

// close wakes every waiter for good.
func (b *syncBoard) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.closed:
	default:
		close(b.closed)
	}
}
