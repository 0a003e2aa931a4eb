package transporttest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

const linuxRTP = "linux_mdatp_managed_antivirusengine_enablerealtimeprotection"

var noon = time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)

// report1 is a report of db-7 on version v1.
func report1(id string) transport.StatusReport {
	return transport.StatusReport{DeviceID: "db-7", ReportID: id, ConfigurationVersion: "v1",
		Results: []transport.SettingResult{{SettingID: linuxRTP, Status: report.StatusSucceeded, Value: "true"}}}
}

// serverWithDevice is a server on a fixed clock with the device db-7 on
// configuration v1.
func serverWithDevice() *transporttest.FakeServer {
	srv := transporttest.NewFakeServer(transporttest.FakeClock(func() time.Time { return noon }))
	srv.AddDevice("db-7", "s3cr3t")
	if err := srv.SetConfiguration("db-7", &transport.Configuration{Version: "v1", Platform: policy.DeviceLinux,
		Settings: []*policy.SettingInstance{policy.Choice(linuxRTP, linuxRTP+"_true")}}); err != nil {
		log.Fatal(err)
	}
	return srv
}

func ExampleFakeClock() {
	srv := serverWithDevice()
	resp, err := srv.CheckIn(context.Background(), transport.CheckIn{DeviceID: "db-7"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.NextCheckIn.Format(time.RFC3339))
	// Output: 2025-06-02T13:30:00Z
}

func ExampleFakeInterval() {
	srv := transporttest.NewFakeServer(transporttest.FakeClock(func() time.Time { return noon }), transporttest.FakeInterval(15*time.Minute))
	srv.AddDevice("db-7", "s3cr3t")
	resp, err := srv.CheckIn(context.Background(), transport.CheckIn{DeviceID: "db-7"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Configuration.Version, resp.NextCheckIn.Format(time.Kitchen))
	// Output: empty 12:15PM
}

func ExampleFakeServer_AddDevice() {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("db-7", "s3cr3t")
	fmt.Println(cred.DeviceID, srv.Authenticate(context.Background(), cred))
	// Output: db-7 <nil>
}

func ExampleFakeServer_Authenticate() {
	srv := serverWithDevice()
	ctx := context.Background()
	fmt.Println(srv.Authenticate(ctx, transport.Credential{DeviceID: "db-7", Secret: "s3cr3t"}))
	err := srv.Authenticate(ctx, transport.Credential{DeviceID: "db-7", Secret: "guess"})
	fmt.Println(errors.Is(err, transport.ErrUnauthenticated))
	// Output:
	// <nil>
	// true
}

func ExampleFakeServer_CheckIn() {
	srv := serverWithDevice()
	ctx := context.Background()
	resp, err := srv.CheckIn(ctx, transport.CheckIn{DeviceID: "db-7"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Configuration.Version, resp.NotModified)
	resp, err = srv.CheckIn(ctx, transport.CheckIn{DeviceID: "db-7", ConfigurationVersion: "v1"})
	fmt.Println(resp.Configuration == nil, resp.NotModified, err)
	// Output:
	// v1 false
	// true true <nil>
}

func ExampleFakeServer_CheckIns() {
	srv := serverWithDevice()
	for range 3 {
		if _, err := srv.CheckIn(context.Background(), transport.CheckIn{DeviceID: "db-7"}); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(srv.CheckIns("db-7"), srv.CheckIns("db-8"))
	// Output: 3 0
}

// A report id seen before is accepted and counted once; a report for a
// version the device no longer holds is stale.
func ExampleFakeServer_ReportStatus() {
	srv := serverWithDevice()
	ctx := context.Background()
	fmt.Println(srv.ReportStatus(ctx, report1("r-1")), srv.ReportStatus(ctx, report1("r-1")))
	if err := srv.SetConfiguration("db-7", &transport.Configuration{Version: "v2", Platform: policy.DeviceLinux}); err != nil {
		log.Fatal(err)
	}
	err := srv.ReportStatus(ctx, report1("r-2"))
	fmt.Println(errors.Is(err, transport.ErrStale), srv.ReportCount("db-7"))
	// Output:
	// <nil> <nil>
	// true 1
}

func ExampleFakeServer_ReportCount() {
	srv := serverWithDevice()
	for _, id := range []string{"r-1", "r-2", "r-1"} {
		if err := srv.ReportStatus(context.Background(), report1(id)); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(srv.ReportCount("db-7"))
	// Output: 2
}

func ExampleFakeServer_Reports() {
	srv := serverWithDevice()
	for _, id := range []string{"r-2", "r-1", "r-2"} {
		if err := srv.ReportStatus(context.Background(), report1(id)); err != nil {
			log.Fatal(err)
		}
	}
	for _, r := range srv.Reports("db-7") {
		fmt.Println(r.ReportID, r.ConfigurationVersion, r.Results[0].Status)
	}
	// Output:
	// r-2 v1 succeeded
	// r-1 v1 succeeded
}

func ExampleFakeServer_SetConfiguration() {
	srv := serverWithDevice()
	ctx := context.Background()
	if err := srv.SetConfiguration("db-7", &transport.Configuration{Version: "v2", Platform: policy.DeviceLinux}); err != nil {
		log.Fatal(err)
	}
	resp, err := srv.CheckIn(ctx, transport.CheckIn{DeviceID: "db-7", ConfigurationVersion: "v1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Configuration.Version, len(resp.Configuration.Settings))
	fmt.Println(errors.Is(srv.SetConfiguration("db-8", nil), transporttest.ErrUnknownDevice))
	// Output:
	// v2 0
	// true
}

func ExampleFakeServer_Revoke() {
	srv := serverWithDevice()
	if err := srv.Revoke("db-7"); err != nil {
		log.Fatal(err)
	}
	_, err := srv.CheckIn(context.Background(), transport.CheckIn{DeviceID: "db-7"})
	fmt.Println(errors.Is(err, transport.ErrRevoked))
	// Output: true
}

// A device that left the enforcement scope still authenticates but is
// refused as not managed.
func ExampleFakeServer_SetManaged() {
	srv := serverWithDevice()
	ctx := context.Background()
	if err := srv.SetManaged("db-7", false); err != nil {
		log.Fatal(err)
	}
	_, err := srv.CheckIn(ctx, transport.CheckIn{DeviceID: "db-7"})
	fmt.Println(srv.Authenticate(ctx, transport.Credential{DeviceID: "db-7", Secret: "s3cr3t"}), errors.Is(err, transport.ErrNotManaged))
	// Output: <nil> true
}

// A pending sync makes WaitSync return at once until the device checks in.
func ExampleFakeServer_RequestSync() {
	srv := serverWithDevice()
	ctx := context.Background()
	if err := srv.RequestSync("db-7"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.WaitSync(ctx, "db-7"), srv.WaitSync(ctx, "db-7"))
	if _, err := srv.CheckIn(ctx, transport.CheckIn{DeviceID: "db-7"}); err != nil {
		log.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	fmt.Println(srv.WaitSync(short, "db-7"))
	// Output:
	// <nil> <nil>
	// context deadline exceeded
}

func ExampleFakeServer_WaitSync() {
	srv := serverWithDevice()
	done := make(chan error)
	go func() { done <- srv.WaitSync(context.Background(), "db-7") }()
	for srv.Waiting("db-7") == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := srv.RequestSync("db-7"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-done)
	// Output: <nil>
}

func ExampleFakeServer_Waiting() {
	srv := serverWithDevice()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	for range 2 {
		go func() { done <- srv.WaitSync(ctx, "db-7") }()
	}
	for srv.Waiting("db-7") < 2 {
		time.Sleep(time.Millisecond)
	}
	fmt.Println(srv.Waiting("db-7"))
	cancel()
	fmt.Println(<-done, <-done)
	for srv.Waiting("db-7") > 0 {
		time.Sleep(time.Millisecond)
	}
	fmt.Println(srv.Waiting("db-7"))
	// Output:
	// 2
	// context canceled context canceled
	// 0
}
