package httptransport_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

const linuxCloud = "linux_mdatp_managed_cloudservice_enabled"

// linuxServer is a fake server with the Linux device "db-7" and a
// configuration of one setting, version "v1".
func linuxServer() (*transporttest.FakeServer, transport.Credential) {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("db-7", "s3cr3t")
	if err := srv.SetConfiguration("db-7", &transport.Configuration{Version: "v1", Platform: policy.DeviceLinux,
		Settings: []*policy.SettingInstance{policy.Choice(linuxCloud, linuxCloud+"_true")}}); err != nil {
		log.Fatal(err)
	}
	return srv, cred
}

// seen wraps a handler and prints what the examples look at in each
// request.
func seen(h http.Handler, show func(r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		show(r)
		h.ServeHTTP(w, r)
	})
}

func ExampleClient_CheckIn() {
	srv, cred := linuxServer()
	ts := httptest.NewServer(httptransport.NewHandler(srv))
	defer ts.Close()
	c, err := httptransport.NewClient(ts.URL, cred)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	resp, err := c.CheckIn(ctx, transport.CheckIn{DeviceID: "db-7"})
	if err != nil {
		log.Fatal(err)
	}
	item, _ := resp.Configuration.Settings[0].ChoiceItemID()
	fmt.Println(resp.Configuration.Version, item)
	resp, err = c.CheckIn(ctx, transport.CheckIn{DeviceID: "db-7", ConfigurationVersion: "v1"})
	fmt.Println(resp.NotModified, err)
	// Output:
	// v1 linux_mdatp_managed_cloudservice_enabled_true
	// true <nil>
}

func ExampleClient_ReportStatus() {
	srv, cred := linuxServer()
	ts := httptest.NewServer(httptransport.NewHandler(srv))
	defer ts.Close()
	c, err := httptransport.NewClient(ts.URL, cred)
	if err != nil {
		log.Fatal(err)
	}
	rep := transport.StatusReport{DeviceID: "db-7", ReportID: "r-1", ConfigurationVersion: "v1",
		Results: []transport.SettingResult{{SettingID: linuxCloud, Status: report.StatusSucceeded, Value: "true"}}}
	fmt.Println(c.ReportStatus(context.Background(), rep), srv.ReportCount("db-7"))
	// A report for a version the device no longer holds is refused.
	rep.ReportID, rep.ConfigurationVersion = "r-2", "v0"
	err = c.ReportStatus(context.Background(), rep)
	fmt.Println(errors.Is(err, transport.ErrStale))
	// Output:
	// <nil> 1
	// true
}

// Over TLS: the client of the test server trusts its certificate.
func ExampleWithHTTPClient() {
	srv, cred := linuxServer()
	ts := httptest.NewTLSServer(httptransport.NewHandler(srv))
	defer ts.Close()
	c, err := httptransport.NewClient(ts.URL, cred, httptransport.WithHTTPClient(ts.Client()))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := c.CheckIn(context.Background(), transport.CheckIn{DeviceID: "db-7"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasPrefix(ts.URL, "https://"), resp.Configuration.Version)
	// Output: true v1
}

// A service that does not answer in time.
func ExampleWithTimeout() {
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hung.Close()
	c, err := httptransport.NewClient(hung.URL, transport.Credential{DeviceID: "db-7", Secret: "s3cr3t"},
		httptransport.WithTimeout(50*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.CheckIn(context.Background(), transport.CheckIn{DeviceID: "db-7"})
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output: true
}

func ExampleWithMaxResponseBytes() {
	srv, cred := linuxServer()
	ts := httptest.NewServer(httptransport.NewHandler(srv))
	defer ts.Close()
	c, err := httptransport.NewClient(ts.URL, cred, httptransport.WithMaxResponseBytes(64))
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.CheckIn(context.Background(), transport.CheckIn{DeviceID: "db-7"})
	fmt.Println(errors.Is(err, httptransport.ErrBadResponse))
	// Output: true
}

func ExampleWithUserAgent() {
	srv, cred := linuxServer()
	ts := httptest.NewServer(seen(httptransport.NewHandler(srv), func(r *http.Request) { fmt.Println(r.UserAgent()) }))
	defer ts.Close()
	c, err := httptransport.NewClient(ts.URL, cred, httptransport.WithUserAgent("contoso-agent/2.4 (linux)"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.CheckIn(context.Background(), transport.CheckIn{DeviceID: "db-7"}); err != nil {
		log.Fatal(err)
	}
	// Output: contoso-agent/2.4 (linux)
}

// The client asks the service to hold each policy-sync poll this long.
func ExampleWithSyncWait() {
	srv, cred := linuxServer()
	ts := httptest.NewServer(seen(httptransport.NewHandler(srv), func(r *http.Request) { fmt.Println(r.URL.Path, r.URL.RawQuery) }))
	defer ts.Close()
	c, err := httptransport.NewClient(ts.URL, cred, httptransport.WithSyncWait(20*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.RequestSync("db-7"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.WaitSync(context.Background()))
	// Output:
	// /v1/devices/db-7/sync wait=20
	// <nil>
}

// The handler answers a policy-sync poll with 204 No Content after at most
// this long, whatever the device asked for.
func ExampleWithMaxSyncWait() {
	srv, cred := linuxServer()
	ts := httptest.NewServer(httptransport.NewHandler(srv, httptransport.WithMaxSyncWait(50*time.Millisecond)))
	defer ts.Close()
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/v1/devices/db-7/sync?wait=60", nil)
	if err != nil {
		log.Fatal(err)
	}
	req.SetBasicAuth(cred.DeviceID, cred.Secret)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, time.Since(start) < 30*time.Second)
	// Output: 204 true
}

func ExampleWithMaxBodyBytes() {
	srv, cred := linuxServer()
	ts := httptest.NewServer(httptransport.NewHandler(srv, httptransport.WithMaxBodyBytes(256)))
	defer ts.Close()
	c, err := httptransport.NewClient(ts.URL, cred)
	if err != nil {
		log.Fatal(err)
	}
	rep := transport.StatusReport{DeviceID: "db-7", ReportID: "r-1", ConfigurationVersion: "v1"}
	for range 20 {
		rep.Results = append(rep.Results, transport.SettingResult{SettingID: linuxCloud, Status: report.StatusSucceeded, Value: "true"})
	}
	err = c.ReportStatus(context.Background(), rep)
	var p *httptransport.Problem
	fmt.Println(errors.As(err, &p), p.Status, p.Type)
	// Output: true 413 urn:secmgmt:problem:too-large
}

// Refused requests are logged at Debug level.
func ExampleWithLogger() {
	srv, _ := linuxServer()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	ts := httptest.NewServer(httptransport.NewHandler(srv, httptransport.WithLogger(logger)))
	defer ts.Close()
	c, err := httptransport.NewClient(ts.URL, transport.Credential{DeviceID: "db-7", Secret: "wrong"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.CheckIn(context.Background(), transport.CheckIn{DeviceID: "db-7"})
	fmt.Println(errors.Is(err, transport.ErrUnauthenticated))
	// Output:
	// level=DEBUG msg="httptransport: request refused" method=GET path=/v1/devices/db-7/configuration status=401 type=urn:secmgmt:problem:unauthenticated
	// true
}
