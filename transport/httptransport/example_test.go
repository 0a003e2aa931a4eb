package httptransport_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

func ExampleNewHandler() {
	srv := transporttest.NewFakeServer() // any transport.Server, e.g. the root secmgmt.Service
	srv.AddDevice("3f1c2a9e-1111-4c1e-9d7a-0a5b6c7d8e9f", "s3cr3t")

	server := &http.Server{
		Addr:              ":8443",
		Handler:           httptransport.NewHandler(srv, httptransport.WithMaxBodyBytes(1<<20)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second, // longer than the 60 s policy-sync long poll
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	// In a program: log.Fatal(server.ListenAndServeTLS("cert.pem", "key.pem")).
	ts := httptest.NewServer(server.Handler)
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/v1/devices/3f1c2a9e-1111-4c1e-9d7a-0a5b6c7d8e9f/configuration")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("WWW-Authenticate"))
	// Output:
	// 401 application/problem+json Basic realm="secmgmt", charset="UTF-8"
}

func ExampleNewClient() {
	srv := transporttest.NewFakeServer(transporttest.FakeClock(func() time.Time {
		return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	}))
	cred := srv.AddDevice("dev-1", "s3cr3t")
	_ = srv.SetConfiguration("dev-1", &transport.Configuration{
		Version:  "a1b2c3",
		Platform: policy.DeviceLinux,
		Settings: []*policy.SettingInstance{
			policy.Choice("linux_mdatp_managed_cloudservice_enabled", "linux_mdatp_managed_cloudservice_enabled_true"),
		},
	})
	ts := httptest.NewServer(httptransport.NewHandler(srv))
	defer ts.Close()

	c, err := httptransport.NewClient(ts.URL, cred)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	resp, _ := c.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-1"})
	fmt.Println("configuration", resp.Configuration.Version, "with", len(resp.Configuration.Settings), "setting; next check-in", resp.NextCheckIn.Format(time.Kitchen))

	resp, _ = c.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-1", ConfigurationVersion: "a1b2c3"})
	fmt.Println("not modified:", resp.NotModified)

	err = c.ReportStatus(ctx, transport.StatusReport{DeviceID: "dev-1", ReportID: "r-1", ConfigurationVersion: "a1b2c3",
		Results: []transport.SettingResult{{SettingID: "linux_mdatp_managed_cloudservice_enabled", Status: report.StatusSucceeded, Value: "true"}}})
	fmt.Println("report:", err, srv.ReportCount("dev-1"))

	_, err = c.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-2"})
	var p *httptransport.Problem
	fmt.Println(errors.Is(err, transport.ErrForbidden), errors.As(err, &p) && p.Type == httptransport.ProblemForbidden)
	// Output:
	// configuration a1b2c3 with 1 setting; next check-in 10:30AM
	// not modified: true
	// report: <nil> 1
	// true true
}

func ExampleClient_WaitSync() {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("dev-1", "s3cr3t")
	ts := httptest.NewServer(httptransport.NewHandler(srv))
	defer ts.Close()
	c, _ := httptransport.NewClient(ts.URL, cred)

	_ = srv.RequestSync("dev-1") // the admin's "policy sync"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Println("sync requested:", c.WaitSync(ctx) == nil)
	// Output:
	// sync requested: true
}
