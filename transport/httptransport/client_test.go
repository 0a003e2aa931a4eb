package httptransport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

var credA = transport.Credential{DeviceID: "dev-a", Secret: "secret-a"}

func TestNewClientValidates(t *testing.T) {
	for _, c := range []struct {
		url  string
		cred transport.Credential
	}{
		{"ftp://host", credA},
		{"http://", credA},
		{"http://host/?q=1", credA},
		{"http://host/#x", credA},
		{"http://user:pw@host", credA},
		{"://bad", credA},
		{"http://host", transport.Credential{}},
		{"http://host", transport.Credential{DeviceID: "a:b", Secret: "x"}},
	} {
		if _, err := NewClient(c.url, c.cred); err == nil {
			t.Errorf("NewClient(%q, %q) accepted", c.url, c.cred.DeviceID)
		}
	}
	if _, err := NewClient("https://secmgmt.example/api/", credA); err != nil {
		t.Fatal(err)
	}
}

func TestClientUnderPrefix(t *testing.T) {
	srv := transporttest.NewFakeServer()
	srv.AddDevice("dev-a", "secret-a")
	mux := http.NewServeMux()
	mux.Handle("/secmgmt/", http.StripPrefix("/secmgmt", NewHandler(srv)))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	c, err := NewClient(ts.URL+"/secmgmt/", credA)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.CheckIn(context.Background(), transport.CheckIn{DeviceID: "dev-a"})
	if err != nil || resp.Configuration.Version != transporttest.EmptyVersion {
		t.Fatalf("%+v %v", resp, err)
	}
}

// fixedServer answers every request with the handler's answer.
func fixedServer(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	c, err := NewClient(ts.URL, credA, WithMaxResponseBytes(1024), WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientAnswers(t *testing.T) {
	ctx := context.Background()
	in := transport.CheckIn{DeviceID: "dev-a", ConfigurationVersion: "v1"}
	cases := []struct {
		name string
		h    http.HandlerFunc
		want error
	}{
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"configuration":{"version":"` + strings.Repeat("x", 2000) + `"}}`))
		}, ErrBadResponse},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`<html>`)) }, ErrBadResponse},
		{"200 without configuration", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"notModified":true}`)) }, ErrBadResponse},
		{"bad next check-in", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(NextCheckInHeader, "tomorrow")
			w.WriteHeader(304)
		}, ErrBadResponse},
		{"unexpected status", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) }, ErrBadResponse},
		{"proxy error without problem body", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "bad gateway", http.StatusBadGateway)
		}, ErrServer},
		{"unknown problem type, status 409", func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, &Problem{Type: "urn:other", Title: "other", Status: 409})
		}, transport.ErrStale},
		{"problem whose status disagrees", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(401)
			w.Write([]byte(`{"type":"` + ProblemStale + `","status":409}`))
		}, transport.ErrUnauthenticated},
		{"revoked", func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, newProblem(ProblemRevoked, "gone", r))
		}, transport.ErrRevoked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := fixedServer(t, c.h).CheckIn(ctx, in)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	// A setting instance the policy codec refuses is a bad answer that
	// names the instance.
	bad := fixedServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"configuration":{"version":"v2","platform":"linux","settings":[{"@odata.type":"#microsoft.graph.nothing"}]}}`))
	})
	var de *policy.DecodeError
	if _, err := bad.CheckIn(ctx, in); !errors.Is(err, ErrBadResponse) || !errors.As(err, &de) || !strings.Contains(err.Error(), "[0]") {
		t.Fatalf("bad setting instance: %v", err)
	}
	var p *Problem
	_, err := fixedServer(t, cases[5].h).CheckIn(ctx, in)
	if !errors.As(err, &p) || p.Status != 502 || p.Title != "Bad Gateway" {
		t.Fatalf("problem from a bare 502: %#v", err)
	}
	// A version the client cannot send is refused before any request.
	called := false
	c := fixedServer(t, func(w http.ResponseWriter, r *http.Request) { called = true })
	if _, err := c.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-a", ConfigurationVersion: `v"1`}); !errors.Is(err, transport.ErrBadRequest) || called {
		t.Fatalf("bad version: %v (sent: %v)", err, called)
	}
}

func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer ts.Close()
	defer close(release)
	c, _ := NewClient(ts.URL, credA, WithTimeout(50*time.Millisecond))
	_, err := c.CheckIn(context.Background(), transport.CheckIn{DeviceID: "dev-a"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

// TestClientWaitSyncDoesNotSpin checks that a service answering 204 at once
// is polled at most once per minPoll.
func TestClientWaitSyncDoesNotSpin(t *testing.T) {
	var mu sync.Mutex
	polls := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		polls++
		mu.Unlock()
		if r.URL.Query().Get("wait") != "7" {
			t.Errorf("wait = %q", r.URL.Query().Get("wait"))
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer ts.Close()
	c, _ := NewClient(ts.URL, credA, WithSyncWait(7500*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	var sleeps []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error {
		sleeps = append(sleeps, d)
		if len(sleeps) == 3 {
			cancel()
			return ctx.Err()
		}
		return nil
	}
	if err := c.WaitSync(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if polls != 3 || len(sleeps) != 3 {
		t.Fatalf("%d polls, %d sleeps", polls, len(sleeps))
	}
	for _, d := range sleeps {
		if d <= 0 || d > minPoll {
			t.Errorf("slept %v", d)
		}
	}
}

func TestProblemUnwrapByStatus(t *testing.T) {
	for status, want := range map[int]error{
		400: transport.ErrBadRequest, 401: transport.ErrUnauthenticated, 403: transport.ErrForbidden,
		404: transport.ErrBadRequest, 409: transport.ErrStale, 413: transport.ErrTooLarge,
		422: transport.ErrBadRequest, 500: ErrServer, 501: errors.ErrUnsupported, 503: ErrServer, 302: ErrBadResponse,
	} {
		p := &Problem{Status: status, Title: http.StatusText(status)}
		if !errors.Is(p, want) {
			t.Errorf("%d: %v", status, p.Unwrap())
		}
	}
	for typ := range problemTitles {
		p := &Problem{Type: typ, Status: problemStatus[typ]}
		if p.Unwrap() == ErrBadResponse {
			t.Errorf("%s maps to nothing", typ)
		}
	}
	if !strings.Contains((&Problem{Status: 403, Title: "forbidden", Detail: "d"}).Error(), "403 forbidden: d") {
		t.Error("Error()")
	}
}
