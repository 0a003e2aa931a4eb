package httptransport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"github.com/secmgmt/secmgmt/transport"
)

// Errors of the HTTP transport that have no transport sentinel.
var (
	// ErrServer: the server failed (a 5xx answer).
	ErrServer = errors.New("httptransport: server error")
	// ErrBadResponse: the server's answer is not what the protocol says
	// (malformed JSON, a missing configuration, a body over the limit).
	ErrBadResponse = errors.New("httptransport: malformed response")
)

// Problem types: the "type" member of every error body. Each names one
// condition a client can branch on; Problem.Unwrap maps it back to the
// transport sentinel.
const (
	ProblemUnauthenticated = "urn:secmgmt:problem:unauthenticated"        // 401, transport.ErrUnauthenticated
	ProblemRevoked         = "urn:secmgmt:problem:revoked"                // 401, transport.ErrRevoked
	ProblemForbidden       = "urn:secmgmt:problem:forbidden"              // 403, transport.ErrForbidden
	ProblemNotManaged      = "urn:secmgmt:problem:not-managed"            // 403, transport.ErrNotManaged
	ProblemBadRequest      = "urn:secmgmt:problem:bad-request"            // 400, transport.ErrBadRequest
	ProblemMediaType       = "urn:secmgmt:problem:unsupported-media-type" // 415, transport.ErrBadRequest
	ProblemNotFound        = "urn:secmgmt:problem:not-found"              // 404, transport.ErrBadRequest
	ProblemMethod          = "urn:secmgmt:problem:method-not-allowed"     // 405, transport.ErrBadRequest
	ProblemTooLarge        = "urn:secmgmt:problem:too-large"              // 413, transport.ErrTooLarge
	ProblemStale           = "urn:secmgmt:problem:stale"                  // 409, transport.ErrStale
	ProblemNoSync          = "urn:secmgmt:problem:sync-unsupported"       // 501, errors.ErrUnsupported
	ProblemUnavailable     = "urn:secmgmt:problem:unavailable"            // 503, ErrServer
	ProblemInternal        = "urn:secmgmt:problem:internal"               // 500, ErrServer
)

// Problem is an RFC 9457 problem details object, the body of every error
// answer (media type application/problem+json). On the client it is the
// error a call returns: errors.Is matches the transport sentinel of its
// type, and errors.As gives the details.
type Problem struct {
	// Type identifies the condition (one of the Problem* constants).
	Type string `json:"type"`
	// Title is a short summary of the type.
	Title string `json:"title"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Detail explains this occurrence; it never holds server internals.
	Detail string `json:"detail,omitempty"`
	// Instance is the path of the request.
	Instance string `json:"instance,omitempty"`
}

// Error returns "httptransport: <status> <title>: <detail>".
func (p *Problem) Error() string {
	s := "httptransport: " + strconv.Itoa(p.Status) + " " + p.Title
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// Unwrap returns the sentinel of the problem's type, or, for a type this
// package does not define, of its status code.
func (p *Problem) Unwrap() error {
	switch p.Type {
	case ProblemUnauthenticated:
		return transport.ErrUnauthenticated
	case ProblemRevoked:
		return transport.ErrRevoked
	case ProblemForbidden:
		return transport.ErrForbidden
	case ProblemNotManaged:
		return transport.ErrNotManaged
	case ProblemBadRequest, ProblemMediaType, ProblemNotFound, ProblemMethod:
		return transport.ErrBadRequest
	case ProblemTooLarge:
		return transport.ErrTooLarge
	case ProblemStale:
		return transport.ErrStale
	case ProblemNoSync:
		return errors.ErrUnsupported
	case ProblemUnavailable, ProblemInternal:
		return ErrServer
	}
	switch s := p.Status; {
	case s == http.StatusUnauthorized:
		return transport.ErrUnauthenticated
	case s == http.StatusForbidden:
		return transport.ErrForbidden
	case s == http.StatusConflict:
		return transport.ErrStale
	case s == http.StatusRequestEntityTooLarge:
		return transport.ErrTooLarge
	case s == http.StatusNotImplemented:
		return errors.ErrUnsupported
	case s >= 400 && s < 500:
		return transport.ErrBadRequest
	case s >= 500:
		return ErrServer
	}
	return ErrBadResponse
}

// problemTitles are the titles of the problem types.
var problemTitles = map[string]string{
	ProblemUnauthenticated: "unauthenticated",
	ProblemRevoked:         "credential revoked",
	ProblemForbidden:       "forbidden",
	ProblemNotManaged:      "device not managed",
	ProblemBadRequest:      "bad request",
	ProblemMediaType:       "unsupported media type",
	ProblemNotFound:        "not found",
	ProblemMethod:          "method not allowed",
	ProblemTooLarge:        "request too large",
	ProblemStale:           "stale configuration version",
	ProblemNoSync:          "policy sync not supported",
	ProblemUnavailable:     "unavailable",
	ProblemInternal:        "internal error",
}

var problemStatus = map[string]int{
	ProblemUnauthenticated: http.StatusUnauthorized,
	ProblemRevoked:         http.StatusUnauthorized,
	ProblemForbidden:       http.StatusForbidden,
	ProblemNotManaged:      http.StatusForbidden,
	ProblemBadRequest:      http.StatusBadRequest,
	ProblemMediaType:       http.StatusUnsupportedMediaType,
	ProblemNotFound:        http.StatusNotFound,
	ProblemMethod:          http.StatusMethodNotAllowed,
	ProblemTooLarge:        http.StatusRequestEntityTooLarge,
	ProblemStale:           http.StatusConflict,
	ProblemNoSync:          http.StatusNotImplemented,
	ProblemUnavailable:     http.StatusServiceUnavailable,
	ProblemInternal:        http.StatusInternalServerError,
}

// newProblem builds the problem of a type for a request.
func newProblem(typ, detail string, r *http.Request) *Problem {
	return &Problem{Type: typ, Title: problemTitles[typ], Status: problemStatus[typ], Detail: detail, Instance: r.URL.Path}
}

// serverProblem turns an error of the Server into a problem. Its detail is
// a fixed sentence per type: the server's own message may hold internals.
func serverProblem(err error, r *http.Request) *Problem {
	switch {
	case errors.Is(err, transport.ErrRevoked):
		return newProblem(ProblemRevoked, "the device's credential was revoked (offboarded or deleted)", r)
	case errors.Is(err, transport.ErrUnauthenticated):
		return newProblem(ProblemUnauthenticated, "unknown device or wrong secret", r)
	case errors.Is(err, transport.ErrForbidden):
		return newProblem(ProblemForbidden, "the device may not act for another device", r)
	case errors.Is(err, transport.ErrNotManaged):
		return newProblem(ProblemNotManaged, "the device is not managed through security settings management", r)
	case errors.Is(err, transport.ErrStale):
		return newProblem(ProblemStale, "the report is for a configuration version the service no longer holds; check in", r)
	case errors.Is(err, transport.ErrTooLarge):
		return newProblem(ProblemTooLarge, "the request is larger than the service accepts", r)
	case errors.Is(err, transport.ErrBadRequest):
		return newProblem(ProblemBadRequest, "the service refused the request as malformed", r)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return newProblem(ProblemUnavailable, "the request was not completed in time", r)
	}
	return newProblem(ProblemInternal, "the service failed to answer", r)
}

// writeProblem writes p as an application/problem+json answer.
func writeProblem(w http.ResponseWriter, p *Problem) {
	body, _ := json.Marshal(p) // a Problem always marshals
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(body)
}

// readProblem turns an error answer into a *Problem: its problem body when
// it has one, otherwise one made from the status code.
func readProblem(resp *http.Response, body []byte) *Problem {
	p := &Problem{}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if (mt == "application/problem+json" || mt == "application/json") && json.Unmarshal(body, p) == nil && p.Status == resp.StatusCode {
		if p.Title == "" {
			p.Title = http.StatusText(resp.StatusCode)
		}
		return p
	}
	return &Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode),
		Detail: fmt.Sprintf("answer without a problem body (%s)", resp.Status)}
}
