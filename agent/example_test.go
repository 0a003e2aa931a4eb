package agent_test

import (
	"context"
	"fmt"
	"time"

	"github.com/secmgmt/secmgmt/agent"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/inproc"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

func ExampleNew() {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("dev-1", "s3cr3t")
	a, err := agent.New("dev-1", policy.DeviceWindows, inproc.New(srv, cred),
		agent.WithOSVersion("10.0.22631"),
		agent.WithFailure("device_vendor_msft_policy_config_defender_excludedpaths", -2147024891, "access denied"))
	fmt.Println(a.DeviceID(), a.TamperProtection(), err)
	// Output:
	// dev-1 true <nil>
}

func ExampleAgent_CheckIn() {
	const d = "device_vendor_msft_policy_config_defender_"
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("dev-1", "s3cr3t")
	_ = srv.SetConfiguration("dev-1", &transport.Configuration{Version: "v1", Platform: policy.DeviceWindows,
		Settings: []*policy.SettingInstance{
			policy.Choice(d+"allowrealtimemonitoring", d+"allowrealtimemonitoring_0"), // tamper protected
			policy.Integer(d+"avgcpuloadfactor", 30),
			policy.Choice(d+"allowintrusionpreventionsystem", d+"allowintrusionpreventionsystem_1"),
		}})
	a, _ := agent.New("dev-1", policy.DeviceWindows, inproc.New(srv, cred))

	round, err := a.CheckIn(context.Background())
	fmt.Println(round.Modified, round.Version, round.Reported, err)
	for _, r := range a.Results() {
		fmt.Printf("%s %s %q\n", r.SettingID[len(d):], r.Status, r.Value)
	}
	for _, op := range a.Rendered().Operations {
		fmt.Println(op.URI, op.Value)
	}
	fmt.Println("reports on the server:", srv.ReportCount("dev-1"))
	// Output:
	// true v1 true <nil>
	// allowrealtimemonitoring succeeded "1"
	// avgcpuloadfactor succeeded "30"
	// allowintrusionpreventionsystem notApplicable ""
	// ./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring 0
	// ./Device/Vendor/MSFT/Policy/Config/Defender/AvgCPULoadFactor 30
	// reports on the server: 1
}

func ExampleAgent_Run() {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("dev-1", "s3cr3t")
	a, _ := agent.New("dev-1", policy.DeviceLinux, inproc.New(srv, cred))

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Let it check in once, then ask for a policy sync, then stop it.
		for srv.CheckIns("dev-1") < 1 {
			time.Sleep(time.Millisecond)
		}
		_ = srv.RequestSync("dev-1")
		for srv.CheckIns("dev-1") < 2 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	err := a.Run(ctx) // checks in every 90 minutes, or at once on a policy sync
	fmt.Println(err, srv.CheckIns("dev-1"))
	// Output:
	// context canceled 2
}
