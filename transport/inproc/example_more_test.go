package inproc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/inproc"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

const linuxRTP = "linux_mdatp_managed_antivirusengine_enablerealtimeprotection"

// linuxDevice is a fake server with the Linux device "db-7" holding a
// configuration "v1", and the device's in-process transport.
func linuxDevice() (*transporttest.FakeServer, transport.Transport) {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("db-7", "s3cr3t")
	if err := srv.SetConfiguration("db-7", &transport.Configuration{Version: "v1", Platform: policy.DeviceLinux,
		Settings: []*policy.SettingInstance{policy.Choice(linuxRTP, linuxRTP+"_true")}}); err != nil {
		log.Fatal(err)
	}
	return srv, inproc.New(srv, cred)
}

func ExampleTransport_CheckIn() {
	srv, tr := linuxDevice()
	ctx := context.Background()
	resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "db-7"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Configuration.Version, len(resp.Configuration.Settings))
	// The response is a copy: changing it changes nothing on the server.
	resp.Configuration.Settings = nil
	again, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: "db-7"})
	fmt.Println(len(again.Configuration.Settings), err, srv.CheckIns("db-7"))
	// Output:
	// v1 1
	// 1 <nil> 2
}

func ExampleTransport_ReportStatus() {
	srv, tr := linuxDevice()
	rep := transport.StatusReport{DeviceID: "db-7", ReportID: "r-1", ConfigurationVersion: "v1",
		Results: []transport.SettingResult{{SettingID: linuxRTP, Status: report.StatusSucceeded, Value: "true"}}}
	fmt.Println(tr.ReportStatus(context.Background(), rep), srv.ReportCount("db-7"))
	rep.Results[0].Status = report.StatusPending // the service's status, not the device's
	err := tr.ReportStatus(context.Background(), rep)
	fmt.Println(errors.Is(err, transport.ErrBadRequest))
	// Output:
	// <nil> 1
	// true
}

// WaitSync returns when an administrator asks for a policy sync.
func ExampleSyncTransport_WaitSync() {
	srv, tr := linuxDevice()
	st := tr.(transport.SyncTransport)
	go func() {
		for srv.Waiting("db-7") == 0 {
			time.Sleep(time.Millisecond)
		}
		_ = srv.RequestSync("db-7")
	}()
	fmt.Println(st.WaitSync(context.Background()))
	// Output: <nil>
}
