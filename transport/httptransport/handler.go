package httptransport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
)

// Defaults of the service side.
const (
	// DefaultMaxBodyBytes bounds a request body (a status report).
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxSyncWait bounds how long a policy-sync long poll is held.
	DefaultMaxSyncWait = 60 * time.Second
)

// NextCheckInHeader carries the time of the device's next check-in
// (RFC 3339) on every configuration answer; a 304 has no body to carry it.
const NextCheckInHeader = "Next-Check-In"

// Option configures the handler.
type Option func(*handler)

// WithMaxBodyBytes bounds request bodies; a larger one is refused with 413.
// n ≤ 0 keeps the default, DefaultMaxBodyBytes.
func WithMaxBodyBytes(n int64) Option {
	return func(h *handler) {
		if n > 0 {
			h.maxBody = n
		}
	}
}

// WithMaxSyncWait bounds how long a policy-sync request waits before it is
// answered 204 No Content; a device may ask for less with ?wait=seconds.
// d ≤ 0 keeps the default, DefaultMaxSyncWait. The http.Server's
// WriteTimeout must be longer.
func WithMaxSyncWait(d time.Duration) Option {
	return func(h *handler) {
		if d > 0 {
			h.maxSyncWait = d
		}
	}
}

// WithLogger sets where the handler logs server failures (at Error level,
// with the error, which never reaches the client) and refused requests (at
// Debug level). The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(h *handler) {
		if l != nil {
			h.log = l
		}
	}
}

type handler struct {
	server      transport.Server
	sync        transport.SyncServer // nil when the server has no policy sync
	maxBody     int64
	maxSyncWait time.Duration
	log         *slog.Logger
	mux         *http.ServeMux
}

// NewHandler returns the service side of the HTTP transport: an
// http.Handler that serves the device routes under /v1/devices/{id}/ and
// delivers authenticated requests to server. See the package documentation
// for the routes, authentication, limits and errors.
func NewHandler(server transport.Server, opts ...Option) http.Handler {
	h := &handler{server: server, maxBody: DefaultMaxBodyBytes, maxSyncWait: DefaultMaxSyncWait,
		log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	h.sync, _ = server.(transport.SyncServer)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/devices/{id}/configuration", h.configuration)
	mux.HandleFunc("POST /v1/devices/{id}/status", h.status)
	mux.HandleFunc("GET /v1/devices/{id}/sync", h.waitSync)
	mux.Handle("/v1/devices/{id}/configuration", methodNotAllowed("GET, HEAD"))
	mux.Handle("/v1/devices/{id}/status", methodNotAllowed("POST"))
	mux.Handle("/v1/devices/{id}/sync", methodNotAllowed("GET, HEAD"))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, newProblem(ProblemNotFound, "no such route", r))
	})
	h.mux = mux
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.server == nil {
		writeProblem(w, newProblem(ProblemInternal, "the service failed to answer", r))
		return
	}
	h.mux.ServeHTTP(w, r)
}

func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeProblem(w, newProblem(ProblemMethod, "use "+allow, r))
	})
}

// fail writes a problem and logs it: server failures at Error level with
// the error, refusals at Debug level.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, p *Problem, err error) {
	if p.Status >= 500 {
		h.log.Error("httptransport: request failed", "method", r.Method, "path", r.URL.Path, "status", p.Status, "err", err)
	} else {
		h.log.Debug("httptransport: request refused", "method", r.Method, "path", r.URL.Path, "status", p.Status, "type", p.Type)
	}
	if p.Status == http.StatusUnauthorized {
		v := `Basic realm="secmgmt", charset="UTF-8"`
		w.Header().Set("WWW-Authenticate", v)
	}
	writeProblem(w, p)
}

// authenticate checks the request's credential and that it is the path's
// device; on failure it answers and returns false.
func (h *handler) authenticate(w http.ResponseWriter, r *http.Request) (transport.Credential, bool) {
	id, secret, ok := r.BasicAuth()
	if !ok || id == "" {
		h.fail(w, r, newProblem(ProblemUnauthenticated, "the request carries no device credential (HTTP Basic: device id and secret)", r), nil)
		return transport.Credential{}, false
	}
	cred := transport.Credential{DeviceID: id, Secret: secret}
	if err := h.server.Authenticate(r.Context(), cred); err != nil {
		h.fail(w, r, serverProblem(err, r), err)
		return cred, false
	}
	if r.PathValue("id") != cred.DeviceID {
		h.fail(w, r, newProblem(ProblemForbidden, "the device may act only for itself", r), nil)
		return cred, false
	}
	return cred, true
}

// configuration answers GET /v1/devices/{id}/configuration.
func (h *handler) configuration(w http.ResponseWriter, r *http.Request) {
	cred, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	tags, anyTag, err := parseIfNoneMatch(r.Header.Values("If-None-Match"))
	if err != nil {
		h.fail(w, r, newProblem(ProblemBadRequest, err.Error(), r), nil)
		return
	}
	req := transport.CheckIn{DeviceID: cred.DeviceID}
	if len(tags) > 0 {
		req.ConfigurationVersion = tags[0]
	}
	resp, err := h.server.CheckIn(r.Context(), req)
	if err == nil && resp == nil {
		err = errors.New("the server returned no response")
	}
	if err != nil {
		h.fail(w, r, serverProblem(err, r), err)
		return
	}
	version := req.ConfigurationVersion
	if !resp.NotModified {
		if resp.Configuration == nil {
			err := errors.New("the server returned neither a configuration nor not modified")
			h.fail(w, r, newProblem(ProblemInternal, "the service failed to answer", r), err)
			return
		}
		version = resp.Configuration.Version
	}
	if !validETag(version) {
		err := fmt.Errorf("configuration version %q cannot be an entity tag", version)
		h.fail(w, r, newProblem(ProblemInternal, "the service failed to answer", r), err)
		return
	}
	hd := w.Header()
	hd.Set("ETag", `"`+version+`"`)
	hd.Set("Cache-Control", "no-store")
	if !resp.NextCheckIn.IsZero() {
		hd.Set(NextCheckInHeader, resp.NextCheckIn.UTC().Format(time.RFC3339Nano))
	}
	if resp.NotModified || anyTag || containsTag(tags, version) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, err := appendCheckInResponse(make([]byte, 0, 4096), resp)
	if err != nil {
		h.fail(w, r, newProblem(ProblemInternal, "the service failed to answer", r), err)
		return
	}
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// appendCheckInResponse writes resp as json.Marshal would, but writes the
// setting instances' Graph JSON with the policy codec, in one pass into the
// same buffer, instead of letting encoding/json validate and compact it
// again: the configuration is most of the body.
func appendCheckInResponse(b []byte, resp *transport.CheckInResponse) ([]byte, error) {
	cfg := resp.Configuration
	head, err := json.Marshal(struct {
		Version  string                `json:"version"`
		Platform policy.DevicePlatform `json:"platform"`
	}{cfg.Version, cfg.Platform})
	if err != nil {
		return nil, err
	}
	b = append(b, `{"configuration":`...)
	b = append(b, head[:len(head)-1]...)
	b = append(b, `,"settings":`...)
	b, err = policy.AppendInstances(b, cfg.Settings)
	if err != nil {
		return nil, err
	}
	if len(cfg.Policies) > 0 {
		pols, err := json.Marshal(cfg.Policies)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"policies":`...)
		b = append(b, pols...)
	}
	next, err := resp.NextCheckIn.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, `},"nextCheckIn":`...)
	b = append(b, next...)
	return append(b, '}'), nil
}

// status answers POST /v1/devices/{id}/status.
func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	cred, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	rep, p := decodeStatusReport(w, r, h.maxBody)
	if p != nil {
		h.fail(w, r, p, nil)
		return
	}
	if rep.DeviceID == "" {
		rep.DeviceID = cred.DeviceID
	}
	if rep.DeviceID != cred.DeviceID {
		h.fail(w, r, newProblem(ProblemForbidden, "the device may report only its own status", r), nil)
		return
	}
	if err := rep.Validate(); err != nil {
		h.fail(w, r, newProblem(ProblemBadRequest, strings.TrimPrefix(err.Error(), transport.ErrBadRequest.Error()+": "), r), nil)
		return
	}
	if err := h.server.ReportStatus(r.Context(), rep); err != nil {
		h.fail(w, r, serverProblem(err, r), err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decodeStatusReport reads a status report body: JSON (application/json,
// UTF-8), no unknown members, one value, at most limit bytes.
func decodeStatusReport(w http.ResponseWriter, r *http.Request, limit int64) (transport.StatusReport, *Problem) {
	var rep transport.StatusReport
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return rep, newProblem(ProblemMediaType, "the body must be application/json", r)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return rep, newProblem(ProblemMediaType, "the body must be UTF-8", r)
	}
	if r.ContentLength > limit {
		return rep, newProblem(ProblemTooLarge, fmt.Sprintf("the body may hold at most %d bytes", limit), r)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return rep, bodyProblem(err, limit, r)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return rep, bodyProblem(err, limit, r)
		}
		return rep, newProblem(ProblemBadRequest, "the body holds more than one JSON value", r)
	}
	return rep, nil
}

// bodyProblem describes a JSON decoding error in terms of the request, not
// of Go types.
func bodyProblem(err error, limit int64, r *http.Request) *Problem {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return newProblem(ProblemTooLarge, fmt.Sprintf("the body may hold at most %d bytes", limit), r)
	case errors.Is(err, io.EOF):
		return newProblem(ProblemBadRequest, "the body is empty", r)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newProblem(ProblemBadRequest, "the body ends in the middle of a JSON value", r)
	case errors.As(err, &se):
		return newProblem(ProblemBadRequest, fmt.Sprintf("the body is not valid JSON (at byte %d)", se.Offset), r)
	case errors.As(err, &ute):
		field := ute.Field
		if field == "" {
			field = "the body"
		}
		return newProblem(ProblemBadRequest, fmt.Sprintf("%s: a JSON %s is not allowed here", field, ute.Value), r)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return newProblem(ProblemBadRequest, strings.TrimPrefix(err.Error(), "json: "), r)
	}
	return newProblem(ProblemBadRequest, "the body is not a status report", r)
}

// waitSync answers GET /v1/devices/{id}/sync: 200 {"sync":true} when a
// policy sync is requested, 204 when none is within the wait.
func (h *handler) waitSync(w http.ResponseWriter, r *http.Request) {
	cred, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	if h.sync == nil {
		h.fail(w, r, newProblem(ProblemNoSync, "this service does not carry policy sync", r), nil)
		return
	}
	wait := h.maxSyncWait
	if q := r.URL.Query().Get("wait"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 0 {
			h.fail(w, r, newProblem(ProblemBadRequest, "wait must be a whole number of seconds", r), nil)
			return
		}
		wait = min(wait, time.Duration(n)*time.Second)
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	err := h.sync.WaitSync(ctx, cred.DeviceID)
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"sync":true}`)
	case r.Context().Err() != nil:
		// The device went away; nobody reads an answer.
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
	default:
		h.fail(w, r, serverProblem(err, r), err)
	}
}

// parseIfNoneMatch reads If-None-Match: a list of entity tags (weak ones
// compared weakly, as RFC 9110 says for this header) or "*". It returns the
// opaque tags, in order.
func parseIfNoneMatch(values []string) (tags []string, anyTag bool, err error) {
	for _, v := range values {
		s := strings.TrimSpace(v)
		for s != "" {
			if s[0] == '*' {
				anyTag = true
				s = s[1:]
			} else {
				s = strings.TrimPrefix(s, "W/")
				if len(s) < 2 || s[0] != '"' {
					return nil, false, errors.New("If-None-Match holds a malformed entity tag")
				}
				end := strings.IndexByte(s[1:], '"')
				if end < 0 {
					return nil, false, errors.New("If-None-Match holds an unterminated entity tag")
				}
				tag := s[1 : end+1]
				if !validETag(tag) {
					return nil, false, errors.New("If-None-Match holds an entity tag with characters it may not hold")
				}
				tags = append(tags, tag)
				s = s[end+2:]
			}
			s = strings.TrimLeft(s, " \t")
			if s == "" {
				break
			}
			if s[0] != ',' {
				return nil, false, errors.New("If-None-Match entity tags must be separated by commas")
			}
			s = strings.TrimLeft(s[1:], " \t")
		}
	}
	return tags, anyTag, nil
}

// validETag reports whether s can be the opaque part of an entity tag:
// visible ASCII other than the double quote (RFC 9110 etagc, without the
// obsolete non-ASCII range), and not empty.
func validETag(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c == '"' || c >= 0x7f {
			return false
		}
	}
	return true
}

func containsTag(tags []string, version string) bool {
	for _, t := range tags {
		if t == version {
			return true
		}
	}
	return false
}
