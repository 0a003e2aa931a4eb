package transporttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/report"
	"github.com/secmgmt/secmgmt/transport"
)

// NewTransport builds the transport under test: bound to cred, delivering
// to srv. It registers its own cleanup with t.
type NewTransport func(t *testing.T, srv transport.Server, cred transport.Credential) transport.Transport

// Run is the conformance kit every transport runs: each case is a subtest
// that builds a FakeServer and transports with newTransport, and checks
// what a device sees through them: configurations and not-modified
// answers, idempotent and stale reports, impersonation, wrong, unknown and
// revoked credentials, unmanaged devices, malformed requests, policy sync,
// context cancellation, copies that share nothing, and many devices at
// once (run it with -race).
func Run(t *testing.T, newTransport NewTransport) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(*testing.T, NewTransport)
	}{
		{"CheckIn/NewConfigurationThenNotModified", testCheckIn},
		{"CheckIn/ConfigurationIsACopy", testConfigurationCopy},
		{"CheckIn/NoDeviceID", testCheckInNoDevice},
		{"ReportStatus/SameReportCountedOnce", testReportOnce},
		{"ReportStatus/ReportIsACopy", testReportCopy},
		{"ReportStatus/Stale", testReportStale},
		{"ReportStatus/Malformed", testReportMalformed},
		{"Auth/Impersonation", testImpersonation},
		{"Auth/WrongSecret", testWrongSecret},
		{"Auth/UnknownDevice", testUnknownDevice},
		{"Auth/Revoked", testRevoked},
		{"Auth/NotManaged", testNotManaged},
		{"Sync/WakeUp", testSyncWake},
		{"Sync/Cancel", testSyncCancel},
		{"Sync/Revoked", testSyncRevoked},
		{"Context/Canceled", testCanceled},
		{"Concurrent/ManyDevices", testConcurrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newTransport) })
	}
}

// epoch is the fake servers' clock.
var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const (
	defender = "device_vendor_msft_policy_config_defender_"
	asrRules = defender + "attacksurfacereductionrules"
)

func newServer() *FakeServer {
	return NewFakeServer(FakeClock(func() time.Time { return epoch }), FakeInterval(90*time.Minute))
}

// sampleConfiguration is a Windows configuration with a choice, a list, a
// group collection and a secret, as Graph JSON setting instances.
func sampleConfiguration(version string) *transport.Configuration {
	return &transport.Configuration{
		Version:  version,
		Platform: policy.DeviceWindows,
		Settings: []*policy.SettingInstance{
			policy.Choice(defender+"allowrealtimemonitoring", defender+"allowrealtimemonitoring_1"),
			policy.Strings(defender+"excludedpaths", `C:\Temp`, `D:\Builds "nightly"`),
			policy.GroupCollection(asrRules, policy.Item(
				policy.Choice(asrRules+"_blockwin32apicallsfromofficemacros", asrRules+"_blockwin32apicallsfromofficemacros_block"))),
			policy.Choice("device_vendor_msft_windowsadvancedthreatprotection_configurationtype",
				"device_vendor_msft_windowsadvancedthreatprotection_configurationtype_onboard",
				policy.Secret("device_vendor_msft_windowsadvancedthreatprotection_onboarding", "blob<&>é")),
		},
		Policies: []transport.PolicyRef{{ID: "p1", Name: "Workstations - antivirus"}, {ID: "p2", Name: "ASR"}},
	}
}

func sampleReport(deviceID, reportID, version string) transport.StatusReport {
	return transport.StatusReport{
		DeviceID: deviceID, ReportID: reportID, ConfigurationVersion: version,
		Results: []transport.SettingResult{
			{SettingID: defender + "allowrealtimemonitoring", Status: report.StatusSucceeded, Value: "1"},
			{SettingID: defender + "excludedpaths", Status: report.StatusError, ErrorCode: -2016281112, Message: "disk full"},
			{SettingID: asrRules + "_blockwin32apicallsfromofficemacros", Status: report.StatusNotApplicable},
		},
	}
}

// setup returns a server with device "dev-a" holding the sample
// configuration "v1", and a transport bound to its credential.
func setup(t *testing.T, newTransport NewTransport) (*FakeServer, transport.Credential, transport.Transport) {
	t.Helper()
	srv := newServer()
	cred := srv.AddDevice("dev-a", "secret-a")
	mustNil(t, srv.SetConfiguration("dev-a", sampleConfiguration("v1")))
	return srv, cred, newTransport(t, srv, cred)
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// sameJSON fails unless a and b marshal to the same JSON.
func sameJSON(t *testing.T, what string, a, b any) {
	t.Helper()
	x, err := json.Marshal(a)
	mustNil(t, err)
	y, err := json.Marshal(b)
	mustNil(t, err)
	if string(x) != string(y) {
		t.Fatalf("%s differs:\n got %s\nwant %s", what, y, x)
	}
}

func testCheckIn(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	ctx := ctxT(t)
	resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	mustNil(t, err)
	if resp.NotModified || resp.Configuration == nil {
		t.Fatalf("first check-in: %+v", resp)
	}
	sameJSON(t, "configuration", sampleConfiguration("v1"), resp.Configuration)
	if !resp.NextCheckIn.Equal(epoch.Add(90 * time.Minute)) {
		t.Errorf("next check-in %v", resp.NextCheckIn)
	}
	resp, err = tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID, ConfigurationVersion: "v1"})
	mustNil(t, err)
	if !resp.NotModified || resp.Configuration != nil || !resp.NextCheckIn.Equal(epoch.Add(90*time.Minute)) {
		t.Fatalf("second check-in: %+v", resp)
	}
	mustNil(t, srv.SetConfiguration(cred.DeviceID, sampleConfiguration("v2")))
	resp, err = tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID, ConfigurationVersion: "v1"})
	mustNil(t, err)
	if resp.NotModified || resp.Configuration == nil || resp.Configuration.Version != "v2" {
		t.Fatalf("after a change: %+v", resp)
	}
	if n := srv.CheckIns(cred.DeviceID); n != 3 {
		t.Errorf("server answered %d check-ins, want 3", n)
	}
}

func testConfigurationCopy(t *testing.T, newTransport NewTransport) {
	_, cred, tr := setup(t, newTransport)
	ctx := ctxT(t)
	resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	mustNil(t, err)
	cfg := resp.Configuration
	cfg.Settings[0].Choice.ItemID = "tampered"
	cfg.Settings[1].Simples[0].Text = "tampered"
	cfg.Settings[2].Groups[0].Children = nil
	cfg.Policies[0].Name = "tampered"
	resp, err = tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	mustNil(t, err)
	sameJSON(t, "configuration after the device changed its copy", sampleConfiguration("v1"), resp.Configuration)
}

func testCheckInNoDevice(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	_, err := tr.CheckIn(ctxT(t), transport.CheckIn{})
	wantErr(t, "check-in without a device id", err, transport.ErrBadRequest)
	if n := srv.CheckIns(cred.DeviceID); n != 0 {
		t.Errorf("server answered %d check-ins", n)
	}
}

func testReportOnce(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	ctx := ctxT(t)
	rep := sampleReport(cred.DeviceID, "r1", "v1")
	mustNil(t, tr.ReportStatus(ctx, rep))
	mustNil(t, tr.ReportStatus(ctx, rep))
	if n := srv.ReportCount(cred.DeviceID); n != 1 {
		t.Fatalf("the same report counted %d times", n)
	}
	sameJSON(t, "stored report", rep, srv.Reports(cred.DeviceID)[0])
	mustNil(t, tr.ReportStatus(ctx, sampleReport(cred.DeviceID, "r2", "v1")))
	if n := srv.ReportCount(cred.DeviceID); n != 2 {
		t.Fatalf("%d reports after a second report id, want 2", n)
	}
}

func testReportCopy(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	rep := sampleReport(cred.DeviceID, "r1", "v1")
	mustNil(t, tr.ReportStatus(ctxT(t), rep))
	rep.Results[0].Status = report.StatusError
	rep.Results[0].Message = "tampered"
	sameJSON(t, "stored report after the device changed its copy", sampleReport(cred.DeviceID, "r1", "v1"), srv.Reports(cred.DeviceID)[0])
}

func testReportStale(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	ctx := ctxT(t)
	mustNil(t, tr.ReportStatus(ctx, sampleReport(cred.DeviceID, "r1", "v1")))
	mustNil(t, srv.SetConfiguration(cred.DeviceID, sampleConfiguration("v2")))
	err := tr.ReportStatus(ctx, sampleReport(cred.DeviceID, "r2", "v1"))
	wantErr(t, "report for a replaced version", err, transport.ErrStale)
	// A retry of a report the server accepted stays accepted.
	mustNil(t, tr.ReportStatus(ctx, sampleReport(cred.DeviceID, "r1", "v1")))
	if n := srv.ReportCount(cred.DeviceID); n != 1 {
		t.Fatalf("%d reports, want 1", n)
	}
}

func testReportMalformed(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	ctx := ctxT(t)
	bad := map[string]func(*transport.StatusReport){
		"no report id":     func(r *transport.StatusReport) { r.ReportID = "" },
		"no version":       func(r *transport.StatusReport) { r.ConfigurationVersion = "" },
		"no device":        func(r *transport.StatusReport) { r.DeviceID = "" },
		"no setting":       func(r *transport.StatusReport) { r.Results[1].SettingID = "" },
		"conflict status":  func(r *transport.StatusReport) { r.Results[0].Status = report.StatusConflict },
		"unknown status":   func(r *transport.StatusReport) { r.Results[2].Status = "done" },
		"empty status":     func(r *transport.StatusReport) { r.Results[2].Status = "" },
		"pending from dev": func(r *transport.StatusReport) { r.Results[0].Status = report.StatusPending },
	}
	for name, spoil := range bad {
		rep := sampleReport(cred.DeviceID, "r-"+name, "v1")
		spoil(&rep)
		wantErr(t, name, tr.ReportStatus(ctx, rep), transport.ErrBadRequest)
	}
	if n := srv.ReportCount(cred.DeviceID); n != 0 {
		t.Fatalf("%d malformed reports recorded", n)
	}
}

func testImpersonation(t *testing.T, newTransport NewTransport) {
	srv, credA, trA := setup(t, newTransport)
	srv.AddDevice("dev-b", "secret-b")
	mustNil(t, srv.SetConfiguration("dev-b", sampleConfiguration("vb")))
	ctx := ctxT(t)
	_, err := trA.CheckIn(ctx, transport.CheckIn{DeviceID: "dev-b"})
	wantErr(t, "A reading B's configuration", err, transport.ErrForbidden)
	err = trA.ReportStatus(ctx, sampleReport("dev-b", "r1", "vb"))
	wantErr(t, "A reporting for B", err, transport.ErrForbidden)
	if srv.CheckIns("dev-b") != 0 || srv.ReportCount("dev-b") != 0 {
		t.Fatal("the server acted on an impersonated request")
	}
	// A's own requests still work.
	_, err = trA.CheckIn(ctx, transport.CheckIn{DeviceID: credA.DeviceID})
	mustNil(t, err)
}

func testWrongSecret(t *testing.T, newTransport NewTransport) {
	srv := newServer()
	srv.AddDevice("dev-a", "secret-a")
	srv.AddDevice("dev-b", "secret-b")
	ctx := ctxT(t)
	for name, cred := range map[string]transport.Credential{
		"wrong secret":              {DeviceID: "dev-a", Secret: "guess"},
		"empty secret":              {DeviceID: "dev-a"},
		"B's secret with A's id":    {DeviceID: "dev-a", Secret: "secret-b"},
		"A's secret as a prefix":    {DeviceID: "dev-a", Secret: "secret-a-and-more"},
		"A's secret with B's id":    {DeviceID: "dev-b", Secret: "secret-a"},
		"right secret, wrong case":  {DeviceID: "dev-a", Secret: "SECRET-A"},
		"secret with trailing byte": {DeviceID: "dev-a", Secret: "secret-a\x00"},
	} {
		tr := newTransport(t, srv, cred)
		_, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
		wantErr(t, name+": check-in", err, transport.ErrUnauthenticated)
		err = tr.ReportStatus(ctx, sampleReport(cred.DeviceID, "r1", EmptyVersion))
		wantErr(t, name+": report", err, transport.ErrUnauthenticated)
	}
	if srv.CheckIns("dev-a")+srv.CheckIns("dev-b")+srv.ReportCount("dev-a")+srv.ReportCount("dev-b") != 0 {
		t.Fatal("the server acted on an unauthenticated request")
	}
}

func testUnknownDevice(t *testing.T, newTransport NewTransport) {
	srv := newServer()
	tr := newTransport(t, srv, transport.Credential{DeviceID: "ghost", Secret: "boo"})
	_, err := tr.CheckIn(ctxT(t), transport.CheckIn{DeviceID: "ghost"})
	wantErr(t, "unknown device", err, transport.ErrUnauthenticated)
}

func testRevoked(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	ctx := ctxT(t)
	_, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	mustNil(t, err)
	mustNil(t, srv.Revoke(cred.DeviceID))
	_, err = tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	wantErr(t, "revoked check-in", err, transport.ErrRevoked)
	err = tr.ReportStatus(ctx, sampleReport(cred.DeviceID, "r1", "v1"))
	wantErr(t, "revoked report", err, transport.ErrRevoked)
	// Revocation is told only to the holder of the secret.
	guess := newTransport(t, srv, transport.Credential{DeviceID: cred.DeviceID, Secret: "guess"})
	_, err = guess.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	wantErr(t, "wrong secret of a revoked device", err, transport.ErrUnauthenticated)
}

func testNotManaged(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	ctx := ctxT(t)
	mustNil(t, srv.SetManaged(cred.DeviceID, false))
	_, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	wantErr(t, "unmanaged check-in", err, transport.ErrNotManaged)
	err = tr.ReportStatus(ctx, sampleReport(cred.DeviceID, "r1", "v1"))
	wantErr(t, "unmanaged report", err, transport.ErrNotManaged)
	mustNil(t, srv.SetManaged(cred.DeviceID, true))
	_, err = tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	mustNil(t, err)
}

func syncTransport(t *testing.T, tr transport.Transport) transport.SyncTransport {
	t.Helper()
	st, ok := tr.(transport.SyncTransport)
	if !ok {
		t.Fatalf("%T does not carry policy sync although the server is a SyncServer", tr)
	}
	return st
}

// eventually polls cond until it holds; it is how the kit waits for a
// request to reach the server, never a fixed sleep.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func testSyncWake(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	st := syncTransport(t, tr)
	ctx := ctxT(t)
	done := make(chan error, 1)
	go func() { done <- st.WaitSync(ctx) }()
	eventually(t, "the device to wait for a policy sync", func() bool { return srv.Waiting(cred.DeviceID) > 0 })
	select {
	case err := <-done:
		t.Fatalf("WaitSync returned %v before a sync was requested", err)
	default:
	}
	mustNil(t, srv.RequestSync(cred.DeviceID))
	mustNil(t, <-done)
	// Still pending until the device checks in.
	mustNil(t, st.WaitSync(ctx))
	_, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	mustNil(t, err)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err = st.WaitSync(short)
	wantErr(t, "wait after the check-in", err, context.DeadlineExceeded)
}

func testSyncCancel(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	st := syncTransport(t, tr)
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error, 1)
	go func() { done <- st.WaitSync(ctx) }()
	eventually(t, "the device to wait for a policy sync", func() bool { return srv.Waiting(cred.DeviceID) > 0 })
	cancel()
	wantErr(t, "canceled wait", <-done, context.Canceled)
}

func testSyncRevoked(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	st := syncTransport(t, tr)
	mustNil(t, srv.Revoke(cred.DeviceID))
	wantErr(t, "revoked wait", st.WaitSync(ctxT(t)), transport.ErrRevoked)
	wrong := syncTransport(t, newTransport(t, srv, transport.Credential{DeviceID: cred.DeviceID, Secret: "guess"}))
	wantErr(t, "wait with a wrong secret", wrong.WaitSync(ctxT(t)), transport.ErrUnauthenticated)
}

func testCanceled(t *testing.T, newTransport NewTransport) {
	srv, cred, tr := setup(t, newTransport)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: cred.DeviceID})
	wantErr(t, "canceled check-in", err, context.Canceled)
	err = tr.ReportStatus(ctx, sampleReport(cred.DeviceID, "r1", "v1"))
	wantErr(t, "canceled report", err, context.Canceled)
	if srv.CheckIns(cred.DeviceID) != 0 || srv.ReportCount(cred.DeviceID) != 0 {
		t.Fatal("the server acted on a canceled request")
	}
}

func testConcurrent(t *testing.T, newTransport NewTransport) {
	const devices, rounds = 16, 8
	srv := newServer()
	trs := make([]transport.Transport, devices)
	for i := range devices {
		id := fmt.Sprintf("dev-%02d", i)
		cred := srv.AddDevice(id, "secret-"+id)
		mustNil(t, srv.SetConfiguration(id, sampleConfiguration("v-"+id)))
		trs[i] = newTransport(t, srv, cred)
	}
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, devices)
	for i, tr := range trs {
		id := fmt.Sprintf("dev-%02d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			version := ""
			for r := range rounds {
				resp, err := tr.CheckIn(ctx, transport.CheckIn{DeviceID: id, ConfigurationVersion: version})
				if err != nil {
					errs <- err
					return
				}
				if resp.Configuration != nil {
					version = resp.Configuration.Version
				}
				// Every round reports twice; the second is a retry.
				rep := sampleReport(id, fmt.Sprintf("%s-%d", id, r), version)
				for range 2 {
					if err := tr.ReportStatus(ctx, rep); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range devices {
		id := fmt.Sprintf("dev-%02d", i)
		if c, n := srv.CheckIns(id), srv.ReportCount(id); c != rounds || n != rounds {
			t.Errorf("%s: %d check-ins and %d reports, want %d each", id, c, n, rounds)
		}
		for _, r := range srv.Reports(id) {
			if r.DeviceID != id || r.ConfigurationVersion != "v-"+id {
				t.Errorf("%s got a report %s for %s", id, r.DeviceID, r.ConfigurationVersion)
			}
		}
	}
}
