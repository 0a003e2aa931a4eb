package httptransport

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
)

// Defaults of the device side.
const (
	// DefaultTimeout bounds one check-in or report, connection included.
	DefaultTimeout = 30 * time.Second
	// DefaultSyncWait is how long the client asks the service to hold one
	// policy-sync long poll (the service may hold it for less).
	DefaultSyncWait = 55 * time.Second
	// DefaultMaxResponseBytes bounds a configuration the client reads.
	DefaultMaxResponseBytes = 32 << 20
)

// maxProblemBytes bounds an error body the client reads.
const maxProblemBytes = 64 << 10

// minPoll is the least time between two policy-sync polls: a service that
// answers 204 at once is not polled in a busy loop.
const minPoll = time.Second

// defaultHTTPClient is shared by clients without WithHTTPClient, so that
// the devices of one process share connections. It is not modified after
// initialisation.
var defaultHTTPClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: t}
}()

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithHTTPClient sets the HTTP client (for TLS settings, client
// certificates, proxies, or a shared connection pool). Its own Timeout, if
// any, applies too.
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithTimeout bounds each check-in and report (default DefaultTimeout);
// d ≤ 0 keeps the default.
func WithTimeout(d time.Duration) ClientOption {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithSyncWait sets how long each policy-sync long poll asks the service to
// wait (default DefaultSyncWait, whole seconds, at least one).
func WithSyncWait(d time.Duration) ClientOption {
	return func(c *Client) {
		if d >= time.Second {
			c.syncWait = d.Truncate(time.Second)
		}
	}
}

// WithMaxResponseBytes bounds the configuration the client reads (default
// DefaultMaxResponseBytes); a larger answer is ErrBadResponse.
func WithMaxResponseBytes(n int64) ClientOption {
	return func(c *Client) {
		if n > 0 {
			c.maxResponse = n
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) ClientOption { return func(c *Client) { c.userAgent = ua } }

// Client is the device side of the HTTP transport: a transport.Transport
// and transport.SyncTransport bound to one device's credential. It is safe
// for concurrent use.
type Client struct {
	base        string // scheme://host/prefix, without a trailing slash
	cred        transport.Credential
	hc          *http.Client
	timeout     time.Duration
	syncWait    time.Duration
	maxResponse int64
	userAgent   string
	sleep       func(context.Context, time.Duration) error

	// Built once for every request of the device: the header values
	// (shared, never changed) and the configuration URL.
	authHeader, userAgentHeader []string
	configurationURL            string
}

// Header values every request carries; shared by every request, never
// changed.
var (
	acceptHeader = []string{"application/json, application/problem+json"}
	jsonHeader   = []string{"application/json"}
)

// NewClient returns the transport of the device holding cred to the
// service at baseURL (http or https, with an optional path prefix under
// which the handler is mounted). The device id may not contain a colon
// (HTTP Basic authentication carries it as the user id).
func NewClient(baseURL string, cred transport.Credential, opts ...ClientOption) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("httptransport: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("httptransport: base URL %q: want http(s)://host[/prefix] without user, query or fragment", baseURL)
	}
	if cred.DeviceID == "" || strings.ContainsAny(cred.DeviceID, ":\x00") {
		return nil, fmt.Errorf("httptransport: device id %q: it must be non-empty and hold no colon", cred.DeviceID)
	}
	c := &Client{
		base:        strings.TrimSuffix(u.String(), "/"),
		cred:        cred,
		hc:          defaultHTTPClient,
		timeout:     DefaultTimeout,
		syncWait:    DefaultSyncWait,
		maxResponse: DefaultMaxResponseBytes,
		userAgent:   "secmgmt-agent",
		sleep:       sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	c.authHeader = []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(cred.DeviceID+":"+cred.Secret))}
	if c.userAgent != "" {
		c.userAgentHeader = []string{c.userAgent}
	}
	c.configurationURL = c.url(cred.DeviceID, "configuration")
	return c, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) url(deviceID, route string) string {
	return c.base + "/v1/devices/" + url.PathEscape(deviceID) + "/" + route
}

func (c *Client) newRequest(ctx context.Context, method, u string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("httptransport: %w", err)
	}
	// The header values are built once (NewClient) and shared: net/http
	// reads a request's headers and never changes them.
	h := req.Header
	h["Authorization"] = c.authHeader
	h["Accept"] = acceptHeader
	if c.userAgentHeader != nil {
		h["User-Agent"] = c.userAgentHeader
	}
	if body != nil {
		h["Content-Type"] = jsonHeader
	}
	return req, nil
}

// do sends the request and returns the answer with its body read up to
// limit bytes; an error answer becomes a *Problem.
func (c *Client) do(req *http.Request, limit int64) (*http.Response, []byte, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		limit = maxProblemBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(body)) > limit {
		if resp.StatusCode < 400 {
			return nil, nil, fmt.Errorf("%w: the answer is larger than %d bytes", ErrBadResponse, limit)
		}
		body = body[:limit]
	}
	if resp.StatusCode >= 400 {
		return resp, nil, readProblem(resp, body)
	}
	return resp, body, nil
}

// CheckIn asks for the device's configuration: GET .../configuration with
// If-None-Match carrying the version the device holds.
func (c *Client) CheckIn(ctx context.Context, in transport.CheckIn) (*transport.CheckInResponse, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if v := in.ConfigurationVersion; v != "" && !validETag(v) {
		return nil, fmt.Errorf("%w: configuration version %q cannot be sent as an entity tag", transport.ErrBadRequest, v)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := c.configurationURL
	if in.DeviceID != c.cred.DeviceID {
		u = c.url(in.DeviceID, "configuration") // the service refuses it
	}
	req, err := c.newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if in.ConfigurationVersion != "" {
		req.Header.Set("If-None-Match", `"`+in.ConfigurationVersion+`"`)
	}
	resp, body, err := c.do(req, c.maxResponse)
	if err != nil {
		return nil, err
	}
	return decodeCheckInResponse(resp.StatusCode, resp.Header, body)
}

// decodeCheckInResponse reads a configuration answer: 304 with the next
// check-in in a header, or 200 with a CheckInResponse body.
func decodeCheckInResponse(status int, h http.Header, body []byte) (*transport.CheckInResponse, error) {
	switch status {
	case http.StatusNotModified:
		out := &transport.CheckInResponse{NotModified: true}
		if v := h.Get(NextCheckInHeader); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return nil, fmt.Errorf("%w: %s header %q is not an RFC 3339 time", ErrBadResponse, NextCheckInHeader, v)
			}
			out.NextCheckIn = t
		}
		return out, nil
	case http.StatusOK:
		// The settings are most of the body: encoding/json only delimits
		// them, and the policy codec decodes the whole list in one pass.
		var wire struct {
			NotModified   bool `json:"notModified"`
			Configuration *struct {
				Version  string                `json:"version"`
				Platform policy.DevicePlatform `json:"platform"`
				Settings json.RawMessage       `json:"settings"`
				Policies []transport.PolicyRef `json:"policies"`
			} `json:"configuration"`
			NextCheckIn time.Time `json:"nextCheckIn"`
		}
		if err := json.Unmarshal(body, &wire); err != nil {
			return nil, fmt.Errorf("%w: configuration answer: %v", ErrBadResponse, err)
		}
		if wire.NotModified || wire.Configuration == nil {
			return nil, fmt.Errorf("%w: a 200 answer without a configuration", ErrBadResponse)
		}
		cfg := wire.Configuration
		out := &transport.CheckInResponse{
			Configuration: &transport.Configuration{Version: cfg.Version, Platform: cfg.Platform, Policies: cfg.Policies},
			NextCheckIn:   wire.NextCheckIn,
		}
		if len(cfg.Settings) > 0 {
			settings, err := policy.DecodeInstances(cfg.Settings)
			if err != nil {
				return nil, fmt.Errorf("%w: configuration answer: settings: %w", ErrBadResponse, err)
			}
			out.Configuration.Settings = settings
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: unexpected status %d", ErrBadResponse, status)
}

// ReportStatus delivers the device's report: POST .../status.
func (c *Client) ReportStatus(ctx context.Context, rep transport.StatusReport) error {
	if err := rep.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("%w: %v", transport.ErrBadRequest, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodPost, c.url(rep.DeviceID, "status"), body)
	if err != nil {
		return err
	}
	resp, _, err := c.do(req, maxProblemBytes)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: unexpected status %d", ErrBadResponse, resp.StatusCode)
	}
	return nil
}

// WaitSync long-polls GET .../sync until the service asks the device to
// check in (nil) or ctx ends (ctx's error). A service without policy sync
// answers an error wrapping errors.ErrUnsupported.
func (c *Client) WaitSync(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		synced, err := c.pollSync(ctx)
		if err != nil || synced {
			return err
		}
		if wait := minPoll - time.Since(start); wait > 0 {
			if err := c.sleep(ctx, wait); err != nil {
				return err
			}
		}
	}
}

// pollSync makes one long poll.
func (c *Client) pollSync(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.syncWait+c.timeout)
	defer cancel()
	u := c.url(c.cred.DeviceID, "sync") + "?wait=" + strconv.Itoa(int(c.syncWait/time.Second))
	req, err := c.newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	resp, body, err := c.do(req, maxProblemBytes)
	if err != nil {
		return false, err
	}
	switch resp.StatusCode {
	case http.StatusNoContent:
		return false, nil
	case http.StatusOK:
		var v struct {
			Sync bool `json:"sync"`
		}
		if err := json.Unmarshal(body, &v); err != nil || !v.Sync {
			return false, fmt.Errorf("%w: policy sync answer %q", ErrBadResponse, body)
		}
		return true, nil
	}
	return false, fmt.Errorf("%w: unexpected status %d", ErrBadResponse, resp.StatusCode)
}

var _ transport.SyncTransport = (*Client)(nil)
