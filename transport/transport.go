package transport

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
)

// CheckIn is a device's request for its configuration.
type CheckIn struct {
	// DeviceID is the device's id, as issued at enrollment.
	DeviceID string `json:"deviceId"`
	// ConfigurationVersion is the version of the configuration the device
	// holds; empty when it holds none.
	ConfigurationVersion string `json:"configurationVersion,omitempty"`
}

// CheckInResponse answers a check-in: either the configuration is the one
// the device holds (NotModified), or Configuration is the new one.
type CheckInResponse struct {
	// NotModified reports that the device's configuration is current.
	NotModified bool `json:"notModified,omitempty"`
	// Configuration is the device's effective configuration; nil when
	// NotModified.
	Configuration *Configuration `json:"configuration,omitempty"`
	// NextCheckIn is when the device should check in again.
	NextCheckIn time.Time `json:"nextCheckIn"`
}

// Configuration is an effective configuration as delivered to a device: the
// merged settings of every policy assigned to it, without the settings
// withheld because of a conflict.
type Configuration struct {
	// Version identifies the content; equal content has an equal version.
	Version string `json:"version"`
	// Platform is the device platform the configuration was built for.
	Platform policy.DevicePlatform `json:"platform"`
	// Settings are the delivered setting instances (Graph setting-instance
	// JSON).
	Settings []*policy.SettingInstance `json:"settings"`
	// Policies are the policies that contributed, for the device's own
	// reporting.
	Policies []PolicyRef `json:"policies,omitempty"`
}

// PolicyRef names a policy that contributed to a configuration.
type PolicyRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// StatusReport is a device's account of applying one configuration: a
// result per delivered setting. The service attributes each result to the
// policies the setting came from.
//
// Reports are idempotent: the same (DeviceID, ReportID) delivered twice
// counts once.
type StatusReport struct {
	DeviceID string `json:"deviceId"`
	// ReportID is chosen by the device, unique per report; a retry reuses it.
	ReportID string `json:"reportId"`
	// ConfigurationVersion is the version the results are for.
	ConfigurationVersion string `json:"configurationVersion"`
	// Results holds one entry per delivered top-level setting (or per child
	// of a setting whose children merge on their own, such as an attack
	// surface reduction rule).
	Results []SettingResult `json:"results"`
}

// SettingResult is the outcome of applying one setting on the device.
type SettingResult struct {
	// SettingID is the setting definition id.
	SettingID string `json:"settingId"`
	// Status is succeeded, error or notApplicable.
	Status report.Status `json:"status"`
	// ErrorCode and Message describe an error.
	ErrorCode int    `json:"errorCode,omitempty"`
	Message   string `json:"message,omitempty"`
	// Value is the value in effect on the device after applying, in the
	// device's own terms (a tamper-protected setting may keep its old value
	// although the change reported success).
	Value string `json:"value,omitempty"`
}

// Credential authenticates a device: issued at enrollment, revoked when the
// device is offboarded or deleted.
type Credential struct {
	DeviceID string `json:"deviceId"`
	Secret   string `json:"secret"`
}

// Transport is the device side's view of the service: what an agent calls.
// A Transport is bound to one device's credential. Implementations are safe
// for concurrent use.
type Transport interface {
	// CheckIn asks for the device's configuration.
	CheckIn(ctx context.Context, req CheckIn) (*CheckInResponse, error)
	// ReportStatus delivers the device's results.
	ReportStatus(ctx context.Context, rep StatusReport) error
}

// Server is the service side: what a transport delivers device requests to.
// The root package's Service implements it. Implementations are safe for
// concurrent use.
type Server interface {
	// Authenticate checks a device's credential; it returns an error
	// wrapping ErrUnauthenticated (unknown device or wrong secret) or
	// ErrRevoked (offboarded or deleted device).
	Authenticate(ctx context.Context, cred Credential) error
	// CheckIn answers an authenticated device's check-in.
	CheckIn(ctx context.Context, req CheckIn) (*CheckInResponse, error)
	// ReportStatus records an authenticated device's report.
	ReportStatus(ctx context.Context, rep StatusReport) error
}

// SyncServer is implemented by servers that can ask a device to check in
// now (the portal's "policy sync").
type SyncServer interface {
	Server
	// WaitSync returns nil when a policy sync is requested for the device
	// (or one was requested since its last check-in), or ctx's error when ctx
	// ends first.
	WaitSync(ctx context.Context, deviceID string) error
}

// SyncTransport is implemented by transports that carry policy-sync
// requests to the device; an agent waits on it between check-ins.
type SyncTransport interface {
	Transport
	// WaitSync returns nil when the service asks the device to check in now,
	// or ctx's error when ctx ends first.
	WaitSync(ctx context.Context) error
}

// Errors a transport or a server returns; use errors.Is. Servers wrap them
// with detail.
var (
	// ErrUnauthenticated: the credential is missing, unknown or wrong.
	ErrUnauthenticated = errors.New("transport: unauthenticated")
	// ErrRevoked: the device was offboarded or deleted.
	ErrRevoked = errors.New("transport: credential revoked")
	// ErrForbidden: the device asked for, or reported on, another device.
	ErrForbidden = errors.New("transport: forbidden")
	// ErrNotManaged: the device is known but not managed through security
	// settings management (not enrolled, or managed by MDM).
	ErrNotManaged = errors.New("transport: device not managed by security settings management")
	// ErrBadRequest: the request is malformed.
	ErrBadRequest = errors.New("transport: bad request")
	// ErrTooLarge: the request is larger than the limit.
	ErrTooLarge = errors.New("transport: request too large")
	// ErrStale: a status report is for a configuration version the service
	// no longer holds for the device; the device should check in.
	ErrStale = errors.New("transport: stale configuration version")
)

// Validate checks a check-in as a device sends it: it must name the device.
// The error wraps ErrBadRequest.
func (c CheckIn) Validate() error {
	if c.DeviceID == "" {
		return fmt.Errorf("%w: the check-in names no device", ErrBadRequest)
	}
	return nil
}

// Validate checks a status report as a device sends it: it names the
// device, the report and the configuration version, and every result names
// its setting and has a status a device reports (succeeded, error or
// notApplicable; conflict and pending are the service's). The error wraps
// ErrBadRequest and names the first offending result.
func (r StatusReport) Validate() error {
	switch {
	case r.DeviceID == "":
		return fmt.Errorf("%w: the report names no device", ErrBadRequest)
	case r.ReportID == "":
		return fmt.Errorf("%w: the report has no reportId", ErrBadRequest)
	case r.ConfigurationVersion == "":
		return fmt.Errorf("%w: the report names no configuration version", ErrBadRequest)
	}
	for i, res := range r.Results {
		if res.SettingID == "" {
			return fmt.Errorf("%w: results[%d] names no setting", ErrBadRequest, i)
		}
		switch res.Status {
		case report.StatusSucceeded, report.StatusError, report.StatusNotApplicable:
		default:
			return fmt.Errorf("%w: results[%d] (%s): a device cannot report status %q", ErrBadRequest, i, res.SettingID, res.Status)
		}
	}
	return nil
}

// Clone returns a deep copy of the configuration: its settings are cloned,
// so that the copy shares no mutable state with c.
func (c *Configuration) Clone() *Configuration {
	if c == nil {
		return nil
	}
	out := *c
	if c.Settings != nil {
		out.Settings = make([]*policy.SettingInstance, len(c.Settings))
		for i, s := range c.Settings {
			out.Settings[i] = s.Clone()
		}
	}
	out.Policies = slices.Clone(c.Policies)
	return &out
}

// Clone returns a deep copy of the response.
func (r *CheckInResponse) Clone() *CheckInResponse {
	if r == nil {
		return nil
	}
	out := *r
	out.Configuration = r.Configuration.Clone()
	return &out
}

// Clone returns a copy of the report that shares no memory with r.
func (r StatusReport) Clone() StatusReport {
	r.Results = slices.Clone(r.Results)
	return r
}
