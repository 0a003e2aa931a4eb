package httptransport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fixture is a service with devices A and B (configuration "v1") behind
// the handler.
type fixture struct {
	srv *transporttest.FakeServer
	ts  *httptest.Server
	log *bytes.Buffer
}

func newFixture(t *testing.T, opts ...httptransport.Option) *fixture {
	t.Helper()
	srv := transporttest.NewFakeServer(transporttest.FakeClock(func() time.Time { return epoch }))
	for _, id := range []string{"dev-a", "dev-b"} {
		srv.AddDevice(id, "secret-"+id)
		if err := srv.SetConfiguration(id, &transport.Configuration{Version: "v1", Platform: policy.DeviceLinux,
			Settings: []*policy.SettingInstance{policy.Integer("linux_mdatp_managed_antivirusengine_scanresultsretentiondays", 30)}}); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	opts = append([]httptransport.Option{httptransport.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)
	ts := httptest.NewServer(httptransport.NewHandler(srv, opts...))
	t.Cleanup(ts.Close)
	return &fixture{srv: srv, ts: ts, log: &log}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes a raw request; user "" sends no credential.
func (f *fixture) send(t *testing.T, method, path, user, secret string, header map[string]string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, secret)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// problem checks the RFC 9457 shape of an error answer and returns it.
func problem(t *testing.T, a answer, status int, typ, path string) httptransport.Problem {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var raw map[string]any
	if err := json.Unmarshal(a.body, &raw); err != nil {
		t.Fatalf("problem body is not JSON: %v: %s", err, a.body)
	}
	for _, k := range []string{"type", "title", "status", "detail", "instance"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("problem body lacks %q: %s", k, a.body)
		}
	}
	var p httptransport.Problem
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem body has other members: %v: %s", err, a.body)
	}
	if p.Type != typ || p.Status != status || p.Instance != path || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem %+v, want type %s status %d instance %s", p, typ, status, path)
	}
	return p
}

const (
	cfgA    = "/v1/devices/dev-a/configuration"
	statusA = "/v1/devices/dev-a/status"
	syncA   = "/v1/devices/dev-a/sync"
)

var jsonCT = map[string]string{"Content-Type": "application/json"}

func reportBody(deviceID string) string {
	b, _ := json.Marshal(transport.StatusReport{DeviceID: deviceID, ReportID: "r1", ConfigurationVersion: "v1",
		Results: []transport.SettingResult{{SettingID: "linux_mdatp_managed_antivirusengine_scanresultsretentiondays", Status: report.StatusSucceeded, Value: "30"}}})
	return string(b)
}

func TestHandlerConfigurationAndNotModified(t *testing.T) {
	f := newFixture(t)
	a := f.send(t, "GET", cfgA, "dev-a", "secret-dev-a", nil, nil)
	if a.status != 200 || a.header.Get("ETag") != `"v1"` || a.header.Get("Content-Type") != "application/json" ||
		a.header.Get("Cache-Control") != "no-store" || a.header.Get(httptransport.NextCheckInHeader) != "2026-03-02T10:30:00Z" {
		t.Fatalf("200 answer: %d %v %s", a.status, a.header, a.body)
	}
	var resp transport.CheckInResponse
	if err := json.Unmarshal(a.body, &resp); err != nil || resp.Configuration.Version != "v1" || !resp.NextCheckIn.Equal(epoch.Add(90*time.Minute)) {
		t.Fatalf("body %s: %v", a.body, err)
	}
	for _, inm := range []string{`"v1"`, `W/"v1"`, `"x", "v1"`, `"x",W/"v1"`, `*`} {
		a := f.send(t, "GET", cfgA, "dev-a", "secret-dev-a", map[string]string{"If-None-Match": inm}, nil)
		if a.status != 304 || len(a.body) != 0 || a.header.Get("ETag") != `"v1"` || a.header.Get(httptransport.NextCheckInHeader) == "" {
			t.Errorf("If-None-Match %s: %d %v %q", inm, a.status, a.header, a.body)
		}
	}
	if a := f.send(t, "GET", cfgA, "dev-a", "secret-dev-a", map[string]string{"If-None-Match": `"v0"`}, nil); a.status != 200 {
		t.Errorf("old version: %d", a.status)
	}
	if a := f.send(t, "HEAD", cfgA, "dev-a", "secret-dev-a", nil, nil); a.status != 200 || len(a.body) != 0 {
		t.Errorf("HEAD: %d %q", a.status, a.body)
	}
	for _, bad := range []string{`v1`, `"v1`, `"v1" "v2"`, `"v 1"`, `W/`} {
		a := f.send(t, "GET", cfgA, "dev-a", "secret-dev-a", map[string]string{"If-None-Match": bad}, nil)
		problem(t, a, 400, httptransport.ProblemBadRequest, cfgA)
	}
}

func TestHandlerAuthentication(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, path, user, secret string
		status                   int
		typ                      string
	}{
		{"missing credential", cfgA, "", "", 401, httptransport.ProblemUnauthenticated},
		{"wrong secret", cfgA, "dev-a", "nope", 401, httptransport.ProblemUnauthenticated},
		{"unknown device", "/v1/devices/ghost/configuration", "ghost", "x", 401, httptransport.ProblemUnauthenticated},
		// B's stolen secret replayed with B's own id against A's path.
		{"replay of B's credential on A's path", cfgA, "dev-b", "secret-dev-b", 403, httptransport.ProblemForbidden},
		// B's secret presented as A.
		{"B's secret as A on A's path", cfgA, "dev-a", "secret-dev-b", 401, httptransport.ProblemUnauthenticated},
		// A's secret presented as B on B's own path.
		{"A's secret as B on B's path", "/v1/devices/dev-b/configuration", "dev-b", "secret-dev-a", 401, httptransport.ProblemUnauthenticated},
		{"replay of B's credential on a third path", "/v1/devices/dev-c/configuration", "dev-b", "secret-dev-b", 403, httptransport.ProblemForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := f.send(t, "GET", c.path, c.user, c.secret, nil, nil)
			problem(t, a, c.status, c.typ, c.path)
			if c.status == 401 && !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
			}
		})
	}
	// Reports are refused the same way, before the body is read.
	a := f.send(t, "POST", statusA, "dev-b", "secret-dev-b", jsonCT, strings.NewReader(reportBody("dev-a")))
	problem(t, a, 403, httptransport.ProblemForbidden, statusA)
	a = f.send(t, "POST", "/v1/devices/dev-b/status", "dev-b", "secret-dev-b", jsonCT, strings.NewReader(reportBody("dev-a")))
	problem(t, a, 403, httptransport.ProblemForbidden, "/v1/devices/dev-b/status")
	if f.srv.ReportCount("dev-a")+f.srv.ReportCount("dev-b")+f.srv.CheckIns("dev-a") != 0 {
		t.Fatal("the server acted on a refused request")
	}
	if err := f.srv.Revoke("dev-a"); err != nil {
		t.Fatal(err)
	}
	problem(t, f.send(t, "GET", cfgA, "dev-a", "secret-dev-a", nil, nil), 401, httptransport.ProblemRevoked, cfgA)
	problem(t, f.send(t, "GET", cfgA, "dev-a", "wrong", nil, nil), 401, httptransport.ProblemUnauthenticated, cfgA)
	if err := f.srv.SetManaged("dev-b", false); err != nil {
		t.Fatal(err)
	}
	problem(t, f.send(t, "GET", "/v1/devices/dev-b/configuration", "dev-b", "secret-dev-b", nil, nil), 403, httptransport.ProblemNotManaged, "/v1/devices/dev-b/configuration")
}

func TestHandlerStatusBodies(t *testing.T) {
	f := newFixture(t, httptransport.WithMaxBodyBytes(4096))
	big := `{"deviceId":"dev-a","reportId":"r1","configurationVersion":"v1","results":[` +
		strings.Repeat(`{"settingId":"x","status":"succeeded"},`, 200) + `{"settingId":"x","status":"succeeded"}]}`
	cases := []struct {
		name    string
		header  map[string]string
		body    io.Reader
		status  int
		typ     string
		details string
	}{
		{"oversized", jsonCT, strings.NewReader(big), 413, httptransport.ProblemTooLarge, "4096"},
		{"oversized without length", jsonCT, io.MultiReader(strings.NewReader(big)), 413, httptransport.ProblemTooLarge, "4096"},
		{"not JSON", jsonCT, strings.NewReader(`{"deviceId":`), 400, httptransport.ProblemBadRequest, "ends in the middle"},
		{"syntax error", jsonCT, strings.NewReader(`{"deviceId" "dev-a"}`), 400, httptransport.ProblemBadRequest, "not valid JSON"},
		{"empty", jsonCT, strings.NewReader(``), 400, httptransport.ProblemBadRequest, "empty"},
		{"unknown field", jsonCT, strings.NewReader(`{"deviceId":"dev-a","extra":1}`), 400, httptransport.ProblemBadRequest, `unknown field "extra"`},
		{"wrong type", jsonCT, strings.NewReader(`{"results":[{"errorCode":"x"}]}`), 400, httptransport.ProblemBadRequest, "results.errorCode"},
		{"two values", jsonCT, strings.NewReader(reportBody("dev-a") + `{}`), 400, httptransport.ProblemBadRequest, "more than one"},
		{"array", jsonCT, strings.NewReader(`[]`), 400, httptransport.ProblemBadRequest, "array"},
		{"invalid status", jsonCT, strings.NewReader(strings.Replace(reportBody("dev-a"), "succeeded", "conflict", 1)), 400, httptransport.ProblemBadRequest, "cannot report status"},
		{"no content type", nil, strings.NewReader(reportBody("dev-a")), 415, httptransport.ProblemMediaType, "application/json"},
		{"text/plain", map[string]string{"Content-Type": "text/plain"}, strings.NewReader(reportBody("dev-a")), 415, httptransport.ProblemMediaType, "application/json"},
		{"latin-1", map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, strings.NewReader(reportBody("dev-a")), 415, httptransport.ProblemMediaType, "UTF-8"},
		{"another device in the body", jsonCT, strings.NewReader(reportBody("dev-b")), 403, httptransport.ProblemForbidden, "only its own"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := problem(t, f.send(t, "POST", statusA, "dev-a", "secret-dev-a", c.header, c.body), c.status, c.typ, statusA)
			if !strings.Contains(p.Detail, c.details) {
				t.Errorf("detail %q lacks %q", p.Detail, c.details)
			}
			if strings.Contains(p.Detail, "StatusReport") || strings.Contains(p.Detail, "transport.") {
				t.Errorf("detail names Go internals: %q", p.Detail)
			}
		})
	}
	if n := f.srv.ReportCount("dev-a"); n != 0 {
		t.Fatalf("%d bad reports recorded", n)
	}
	// A good report, charset given, device id left out of the body.
	body := strings.Replace(reportBody("dev-a"), `"deviceId":"dev-a",`, "", 1)
	a := f.send(t, "POST", statusA, "dev-a", "secret-dev-a", map[string]string{"Content-Type": "application/json; charset=UTF-8"}, strings.NewReader(body))
	if a.status != 204 || len(a.body) != 0 || f.srv.ReportCount("dev-a") != 1 || f.srv.Reports("dev-a")[0].DeviceID != "dev-a" {
		t.Fatalf("good report: %d %s", a.status, a.body)
	}
	if err := f.srv.SetConfiguration("dev-a", &transport.Configuration{Version: "v2"}); err != nil {
		t.Fatal(err)
	}
	stale := strings.Replace(reportBody("dev-a"), `"r1"`, `"r2"`, 1)
	problem(t, f.send(t, "POST", statusA, "dev-a", "secret-dev-a", jsonCT, strings.NewReader(stale)), 409, httptransport.ProblemStale, statusA)
}

func TestHandlerRoutes(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ method, path, allow string }{
		{"POST", cfgA, "GET, HEAD"},
		{"DELETE", cfgA, "GET, HEAD"},
		{"GET", statusA, "POST"},
		{"PUT", statusA, "POST"},
		{"POST", syncA, "GET, HEAD"},
	} {
		a := f.send(t, c.method, c.path, "dev-a", "secret-dev-a", nil, nil)
		problem(t, a, 405, httptransport.ProblemMethod, c.path)
		if a.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: Allow %q", c.method, c.path, a.header.Get("Allow"))
		}
	}
	for _, path := range []string{"/", "/v1/devices/dev-a", "/v1/devices/dev-a/other", "/v2/devices/dev-a/configuration"} {
		problem(t, f.send(t, "GET", path, "dev-a", "secret-dev-a", nil, nil), 404, httptransport.ProblemNotFound, path)
	}
}

func TestHandlerSync(t *testing.T) {
	f := newFixture(t, httptransport.WithMaxSyncWait(time.Second))
	start := time.Now()
	if a := f.send(t, "GET", syncA+"?wait=0", "dev-a", "secret-dev-a", nil, nil); a.status != 204 || len(a.body) != 0 {
		t.Fatalf("nothing pending: %d %s", a.status, a.body)
	}
	if a := f.send(t, "GET", syncA+"?wait=3600", "dev-a", "secret-dev-a", nil, nil); a.status != 204 {
		t.Fatalf("bounded wait: %d", a.status)
	}
	if time.Since(start) > 15*time.Second {
		t.Fatal("the wait was not bounded by WithMaxSyncWait")
	}
	if err := f.srv.RequestSync("dev-a"); err != nil {
		t.Fatal(err)
	}
	if a := f.send(t, "GET", syncA, "dev-a", "secret-dev-a", nil, nil); a.status != 200 || string(a.body) != `{"sync":true}` {
		t.Fatalf("sync: %d %s", a.status, a.body)
	}
	for _, w := range []string{"-1", "x", "1.5"} {
		problem(t, f.send(t, "GET", syncA+"?wait="+w, "dev-a", "secret-dev-a", nil, nil), 400, httptransport.ProblemBadRequest, syncA)
	}
	problem(t, f.send(t, "GET", "/v1/devices/dev-b/sync", "dev-a", "secret-dev-a", nil, nil), 403, httptransport.ProblemForbidden, "/v1/devices/dev-b/sync")
}

// plainServer is a Server without policy sync that fails in configurable
// ways.
type plainServer struct {
	fake       *transporttest.FakeServer
	checkInErr error
	version    string
}

func (s plainServer) Authenticate(ctx context.Context, cred transport.Credential) error {
	return s.fake.Authenticate(ctx, cred)
}

func (s plainServer) ReportStatus(ctx context.Context, rep transport.StatusReport) error {
	return s.fake.ReportStatus(ctx, rep)
}

func (s plainServer) CheckIn(ctx context.Context, req transport.CheckIn) (*transport.CheckInResponse, error) {
	if s.checkInErr != nil {
		return nil, s.checkInErr
	}
	if s.version != "" {
		return &transport.CheckInResponse{Configuration: &transport.Configuration{Version: s.version}}, nil
	}
	return s.fake.CheckIn(ctx, req)
}

func TestHandlerNeverLeaksInternals(t *testing.T) {
	fake := transporttest.NewFakeServer()
	fake.AddDevice("dev-a", "secret-dev-a")
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	for _, c := range []struct {
		name   string
		server plainServer
		status int
		typ    string
	}{
		{"server failure", plainServer{fake: fake, checkInErr: errors.New("pq: password authentication failed for user svc_secmgmt")}, 500, httptransport.ProblemInternal},
		{"wrapped sentinel", plainServer{fake: fake, checkInErr: errors.Join(transport.ErrBadRequest, errors.New("row 7 of table devices"))}, 400, httptransport.ProblemBadRequest},
		{"timeout", plainServer{fake: fake, checkInErr: context.DeadlineExceeded}, 503, httptransport.ProblemUnavailable},
		{"version not an entity tag", plainServer{fake: fake, version: `v"1`}, 500, httptransport.ProblemInternal},
	} {
		t.Run(c.name, func(t *testing.T) {
			log.Reset()
			ts := httptest.NewServer(httptransport.NewHandler(c.server, httptransport.WithLogger(logger)))
			defer ts.Close()
			f := &fixture{ts: ts}
			a := f.send(t, "GET", cfgA, "dev-a", "secret-dev-a", nil, nil)
			problem(t, a, c.status, c.typ, cfgA)
			for _, secret := range []string{"svc_secmgmt", "row 7", `v"1`} {
				if bytes.Contains(a.body, []byte(secret)) {
					t.Fatalf("the answer leaks %q: %s", secret, a.body)
				}
			}
			if c.status >= 500 && !strings.Contains(log.String(), "request failed") {
				t.Errorf("failure not logged: %s", log.String())
			}
		})
	}
	// A server without policy sync answers 501, which the client maps to
	// errors.ErrUnsupported.
	ts := httptest.NewServer(httptransport.NewHandler(plainServer{fake: fake}))
	defer ts.Close()
	problem(t, (&fixture{ts: ts}).send(t, "GET", syncA, "dev-a", "secret-dev-a", nil, nil), 501, httptransport.ProblemNoSync, syncA)
	c, err := httptransport.NewClient(ts.URL, transport.Credential{DeviceID: "dev-a", Secret: "secret-dev-a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSync(context.Background()); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("WaitSync: %v", err)
	}
	// A nil server is a handler that fails cleanly.
	nilTS := httptest.NewServer(httptransport.NewHandler(nil))
	defer nilTS.Close()
	problem(t, (&fixture{ts: nilTS}).send(t, "GET", cfgA, "dev-a", "x", nil, nil), 500, httptransport.ProblemInternal, cfgA)
}
