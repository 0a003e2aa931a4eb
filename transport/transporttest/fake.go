package transporttest

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/secmgmt/secmgmt/transport"
)

// FakeServer is an in-memory transport.SyncServer for tests, examples and
// load: devices with their credentials, one configuration per device,
// policy-sync requests, and the status reports it received, deduplicated
// by report id. It is the server the conformance kit drives, and a
// reference for how a Server answers.
//
// A FakeServer is safe for concurrent use. Configurations and reports are
// copied on the way in and out, so nothing is shared with callers.
type FakeServer struct {
	now      func() time.Time
	interval time.Duration

	mu      sync.Mutex
	devices map[string]*fakeDevice
}

type fakeDevice struct {
	secret    string
	revoked   bool
	unmanaged bool
	cfg       *transport.Configuration
	checkIns  int
	reports   []transport.StatusReport
	reportIDs map[string]bool
	sync      bool          // a policy sync is pending
	wake      chan struct{} // closed when a policy sync is requested
	waiters   int
}

// FakeOption configures a FakeServer.
type FakeOption func(*FakeServer)

// FakeClock makes the server compute NextCheckIn from now instead of the
// real clock.
func FakeClock(now func() time.Time) FakeOption { return func(s *FakeServer) { s.now = now } }

// FakeInterval sets the time between check-ins the server asks for
// (default 90 minutes).
func FakeInterval(d time.Duration) FakeOption { return func(s *FakeServer) { s.interval = d } }

// EmptyVersion is the version of the empty configuration a device has from
// AddDevice until SetConfiguration.
const EmptyVersion = "empty"

// NewFakeServer returns a server without devices.
func NewFakeServer(opts ...FakeOption) *FakeServer {
	s := &FakeServer{now: time.Now, interval: 90 * time.Minute, devices: map[string]*fakeDevice{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// AddDevice enrolls a managed device with the given secret and an empty
// configuration (version EmptyVersion), and returns its credential. Adding
// a known device replaces it.
func (s *FakeServer) AddDevice(deviceID, secret string) transport.Credential {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.devices[deviceID] = &fakeDevice{
		secret:    secret,
		cfg:       &transport.Configuration{Version: EmptyVersion},
		reportIDs: map[string]bool{},
		wake:      make(chan struct{}),
	}
	return transport.Credential{DeviceID: deviceID, Secret: secret}
}

// ErrUnknownDevice is returned by the FakeServer's administrative methods
// for a device that was never added.
var ErrUnknownDevice = errors.New("transporttest: unknown device")

// edit runs fn on a known device under the lock.
func (s *FakeServer) edit(deviceID string, fn func(*fakeDevice)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.devices[deviceID]
	if d == nil {
		return fmt.Errorf("%w %q", ErrUnknownDevice, deviceID)
	}
	fn(d)
	return nil
}

// read returns fn of the device under the lock, or the zero value for an
// unknown device.
func read[T any](s *FakeServer, deviceID string, fn func(*fakeDevice) T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	var zero T
	if d := s.devices[deviceID]; d != nil {
		return fn(d)
	}
	return zero
}

// SetConfiguration gives the device a new configuration (a copy of cfg;
// nil means the empty configuration).
func (s *FakeServer) SetConfiguration(deviceID string, cfg *transport.Configuration) error {
	if cfg == nil {
		cfg = &transport.Configuration{Version: EmptyVersion}
	}
	cfg = cfg.Clone()
	return s.edit(deviceID, func(d *fakeDevice) { d.cfg = cfg })
}

// Revoke revokes the device's credential, as offboarding or deleting it
// does.
func (s *FakeServer) Revoke(deviceID string) error {
	return s.edit(deviceID, func(d *fakeDevice) { d.revoked = true })
}

// SetManaged marks the device as managed through security settings
// management or not (a device that left the enforcement scope, or is MDM
// enrolled, still authenticates but is refused with ErrNotManaged).
func (s *FakeServer) SetManaged(deviceID string, managed bool) error {
	return s.edit(deviceID, func(d *fakeDevice) { d.unmanaged = !managed })
}

// RequestSync asks the device to check in now (the portal's policy sync):
// its WaitSync returns, and keeps returning at once until it checks in.
func (s *FakeServer) RequestSync(deviceID string) error {
	return s.edit(deviceID, func(d *fakeDevice) {
		d.sync = true
		close(d.wake)
		d.wake = make(chan struct{})
	})
}

// CheckIns returns how many check-ins of the device the server answered.
func (s *FakeServer) CheckIns(deviceID string) int {
	return read(s, deviceID, func(d *fakeDevice) int { return d.checkIns })
}

// Reports returns copies of the device's reports in the order they first
// arrived, each report id once.
func (s *FakeServer) Reports(deviceID string) []transport.StatusReport {
	return read(s, deviceID, func(d *fakeDevice) []transport.StatusReport {
		out := make([]transport.StatusReport, len(d.reports))
		for i, r := range d.reports {
			out[i] = r.Clone()
		}
		return out
	})
}

// ReportCount returns the number of distinct reports of the device.
func (s *FakeServer) ReportCount(deviceID string) int {
	return read(s, deviceID, func(d *fakeDevice) int { return len(d.reports) })
}

// Waiting returns how many WaitSync calls for the device are blocked.
func (s *FakeServer) Waiting(deviceID string) int {
	return read(s, deviceID, func(d *fakeDevice) int { return d.waiters })
}

// Authenticate checks the credential in constant time: an unknown device
// or a wrong secret is ErrUnauthenticated; the right secret of a revoked
// device is ErrRevoked.
func (s *FakeServer) Authenticate(ctx context.Context, cred transport.Credential) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.devices[cred.DeviceID]
	if d == nil {
		return fmt.Errorf("%w: unknown device", transport.ErrUnauthenticated)
	}
	if subtle.ConstantTimeCompare([]byte(d.secret), []byte(cred.Secret)) != 1 {
		return fmt.Errorf("%w: wrong secret", transport.ErrUnauthenticated)
	}
	if d.revoked {
		return fmt.Errorf("%w: device %s was offboarded", transport.ErrRevoked, cred.DeviceID)
	}
	return nil
}

// managed returns the device of an authenticated request, or the error a
// server answers for it.
func (s *FakeServer) managed(deviceID string) (*fakeDevice, error) {
	d := s.devices[deviceID]
	switch {
	case d == nil:
		return nil, fmt.Errorf("%w: unknown device", transport.ErrUnauthenticated)
	case d.revoked:
		return nil, fmt.Errorf("%w: device %s was offboarded", transport.ErrRevoked, deviceID)
	case d.unmanaged:
		return nil, fmt.Errorf("%w: device %s", transport.ErrNotManaged, deviceID)
	}
	return d, nil
}

// CheckIn answers "not modified" when the device holds the current version
// and a copy of its configuration otherwise, with NextCheckIn the interval
// after now. It clears a pending policy sync.
func (s *FakeServer) CheckIn(ctx context.Context, req transport.CheckIn) (*transport.CheckInResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.managed(req.DeviceID)
	if err != nil {
		return nil, err
	}
	d.checkIns++
	d.sync = false
	resp := &transport.CheckInResponse{NextCheckIn: s.now().Add(s.interval)}
	if req.ConfigurationVersion == d.cfg.Version {
		resp.NotModified = true
	} else {
		resp.Configuration = d.cfg.Clone()
	}
	return resp, nil
}

// ReportStatus records a copy of the report. A report id the device used
// before is accepted again and not counted; a report for a version other
// than the device's current one is ErrStale.
func (s *FakeServer) ReportStatus(ctx context.Context, rep transport.StatusReport) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := rep.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.managed(rep.DeviceID)
	if err != nil {
		return err
	}
	if d.reportIDs[rep.ReportID] {
		return nil
	}
	if rep.ConfigurationVersion != d.cfg.Version {
		return fmt.Errorf("%w: report for %q, the device's configuration is %q", transport.ErrStale, rep.ConfigurationVersion, d.cfg.Version)
	}
	d.reportIDs[rep.ReportID] = true
	d.reports = append(d.reports, rep.Clone())
	return nil
}

// WaitSync returns nil when a policy sync is pending for the device, or
// when one is requested before ctx ends.
func (s *FakeServer) WaitSync(ctx context.Context, deviceID string) error {
	s.mu.Lock()
	d, err := s.managed(deviceID)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	if d.sync {
		s.mu.Unlock()
		return nil
	}
	wake := d.wake
	d.waiters++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		d.waiters--
		s.mu.Unlock()
	}()
	select {
	case <-wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var _ transport.SyncServer = (*FakeServer)(nil)
