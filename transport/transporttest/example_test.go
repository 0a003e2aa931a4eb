package transporttest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/inproc"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

// A transport's conformance test is a few lines: Run builds the servers,
// the function builds the transport under test.
func ExampleRun() {
	testConformance := func(t *testing.T) {
		transporttest.Run(t, func(t *testing.T, srv transport.Server, cred transport.Credential) transport.Transport {
			return inproc.New(srv, cred)
		})
	}
	_ = testConformance // func TestConformance(t *testing.T) { ... } in the transport's package
}

func ExampleNewFakeServer() {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("dev-1", "s3cr3t")
	_ = srv.SetConfiguration("dev-1", &transport.Configuration{Version: "v7"})

	ctx := context.Background()
	if err := srv.Authenticate(ctx, cred); err != nil {
		fmt.Println(err)
		return
	}
	resp, _ := srv.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-1"})
	fmt.Println(resp.Configuration.Version)

	rep := transport.StatusReport{DeviceID: "dev-1", ReportID: "r1", ConfigurationVersion: "v7",
		Results: []transport.SettingResult{{SettingID: "s", Status: report.StatusSucceeded}}}
	_ = srv.ReportStatus(ctx, rep)
	_ = srv.ReportStatus(ctx, rep) // a retry counts once
	fmt.Println(srv.CheckIns("dev-1"), srv.ReportCount("dev-1"))

	_ = srv.Revoke("dev-1")
	fmt.Println(srv.Authenticate(ctx, cred))
	// Output:
	// v7
	// 1 1
	// transport: credential revoked: device dev-1 was offboarded
}
