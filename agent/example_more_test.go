package agent_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/secmgmt/secmgmt/agent"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/inproc"
	"github.com/secmgmt/secmgmt/transport/transporttest"
)

const (
	realtime        = def + "allowrealtimemonitoring"
	archiveScanning = def + "allowarchivescanning"
	cpuLoad         = def + "avgcpuloadfactor"
	tamperSetting   = "vendor_msft_defender_configuration_tamperprotection_options"
	linuxRTP        = "linux_mdatp_managed_antivirusengine_enablerealtimeprotection"
)

// windowsDevice is a fake server holding one Windows device "pc-1" whose
// configuration holds the settings given, and a transport of that device.
func windowsDevice(settings ...*policy.SettingInstance) (*transporttest.FakeServer, transport.Transport) {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("pc-1", "s3cr3t")
	if err := srv.SetConfiguration("pc-1", &transport.Configuration{Version: "v1", Platform: policy.DeviceWindows, Settings: settings}); err != nil {
		log.Fatal(err)
	}
	return srv, inproc.New(srv, cred)
}

// checkIn runs one round of a new Windows agent with the options and
// prints its results.
func checkIn(tr transport.Transport, opts ...agent.Option) *agent.Agent {
	a, err := agent.New("pc-1", policy.DeviceWindows, tr, opts...)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := a.CheckIn(context.Background()); err != nil {
		log.Fatal(err)
	}
	for _, r := range a.Results() {
		fmt.Printf("%s %s %q\n", r.SettingID, r.Status, r.Value)
	}
	return a
}

// stepClock is an agent.Clock for examples: each timer fires at once and
// moves the time forward by its duration; the clock records the waits and
// cancels the run at the last one it was asked to allow.
type stepClock struct {
	mu     sync.Mutex
	now    time.Time
	waits  []time.Duration
	limit  int
	cancel context.CancelFunc
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) NewTimer(d time.Duration) agent.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	ch := make(chan time.Time, 1)
	if len(c.waits) >= c.limit {
		c.cancel()
		return stepTimer(ch) // never fires
	}
	c.now = c.now.Add(d)
	ch <- c.now
	return stepTimer(ch)
}

type stepTimer chan time.Time

func (t stepTimer) C() <-chan time.Time { return t }
func (t stepTimer) Stop() bool          { return false }

// runWaits runs a Linux agent over tr until it has waited n times, and
// returns the waits. The server's clock, when there is one, is clk.Now.
func runWaits(n int, clk *stepClock, tr transport.Transport, opts ...agent.Option) []time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk.limit, clk.cancel = n, cancel
	a, err := agent.New("db-7", policy.DeviceLinux, tr, append(opts, agent.WithClock(clk))...)
	if err != nil {
		log.Fatal(err)
	}
	if err := a.Run(ctx); !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
	return clk.waits
}

// silent is a transport whose service never names the next check-in.
type silent struct{ transport.Transport }

func (s silent) CheckIn(ctx context.Context, req transport.CheckIn) (*transport.CheckInResponse, error) {
	resp, err := s.Transport.CheckIn(ctx, req)
	if resp != nil {
		resp.NextCheckIn = time.Time{}
	}
	return resp, err
}

// unreachable is a transport whose service cannot be reached.
type unreachable struct{}

func (unreachable) CheckIn(context.Context, transport.CheckIn) (*transport.CheckInResponse, error) {
	return nil, errors.New("dial tcp: connection refused")
}

func (unreachable) ReportStatus(context.Context, transport.StatusReport) error {
	return errors.New("dial tcp: connection refused")
}

// The agent waits as long as the service says: the fake server, on the
// same clock, asks for a check-in every 90 minutes.
func ExampleWithClock() {
	clk := &stepClock{now: time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)}
	srv := transporttest.NewFakeServer(transporttest.FakeClock(clk.Now))
	cred := srv.AddDevice("db-7", "s3cr3t")
	fmt.Println(runWaits(3, clk, inproc.New(srv, cred)))
	fmt.Println(srv.CheckIns("db-7"), clk.Now().Format(time.Kitchen))
	// Output:
	// [1h30m0s 1h30m0s 1h30m0s]
	// 3 3:00PM
}

// When the service names no next check-in the agent waits the interval,
// plus or minus the jitter, drawn from the random source.
func ExampleWithInterval() {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("db-7", "s3cr3t")
	waits := runWaits(4, &stepClock{}, silent{inproc.New(srv, cred)},
		agent.WithInterval(time.Hour, 5*time.Minute), agent.WithRandom(rand.New(rand.NewPCG(1, 2))))
	for _, w := range waits {
		fmt.Println(w >= 55*time.Minute && w <= 65*time.Minute)
	}
	// Output:
	// true
	// true
	// true
	// true
}

// The same seed gives the same schedule.
func ExampleWithRandom() {
	schedule := func() []time.Duration {
		srv := transporttest.NewFakeServer()
		cred := srv.AddDevice("db-7", "s3cr3t")
		return runWaits(3, &stepClock{}, silent{inproc.New(srv, cred)}, agent.WithRandom(rand.New(rand.NewPCG(7, 7))))
	}
	a, b := schedule(), schedule()
	fmt.Println(fmt.Sprint(a) == fmt.Sprint(b), a[0] != a[1])
	// Output: true true
}

// A failed check-in is retried after a wait that doubles from the first
// bound to the second, each drawn from the upper half.
func ExampleWithBackoff() {
	waits := runWaits(5, &stepClock{}, unreachable{}, agent.WithBackoff(time.Minute, 4*time.Minute))
	for _, w := range waits {
		switch {
		case w >= 30*time.Second && w <= time.Minute:
			fmt.Println("30s-1m")
		case w >= time.Minute && w <= 2*time.Minute:
			fmt.Println("1m-2m")
		case w >= 2*time.Minute && w <= 4*time.Minute:
			fmt.Println("2m-4m")
		default:
			fmt.Println(w)
		}
	}
	// Output:
	// 30s-1m
	// 1m-2m
	// 2m-4m
	// 2m-4m
	// 2m-4m
}

// With tamper protection on, a locked setting is reported succeeded but
// keeps the device's value; off, the change applies.
func ExampleWithTamperProtection() {
	for _, on := range []bool{true, false} {
		_, tr := windowsDevice(policy.Choice(realtime, realtime+"_0"))
		a := checkIn(tr, agent.WithTamperProtection(on), agent.WithState(map[string]string{realtime: "1"}))
		fmt.Println("tamper protection:", a.TamperProtection(), "value in effect:", a.State()[realtime])
	}
	// Output:
	// device_vendor_msft_policy_config_defender_allowrealtimemonitoring succeeded "1"
	// tamper protection: true value in effect: 1
	// device_vendor_msft_policy_config_defender_allowrealtimemonitoring succeeded "0"
	// tamper protection: false value in effect: 0
}

// WithState sets the device's values before any configuration.
func ExampleWithState() {
	_, tr := windowsDevice(policy.Integer(cpuLoad, 30))
	a, err := agent.New("pc-1", policy.DeviceWindows, tr, agent.WithState(map[string]string{cpuLoad: "50", realtime: "1"}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.State())
	if _, err := a.CheckIn(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.State())
	// Output:
	// map[device_vendor_msft_policy_config_defender_allowrealtimemonitoring:1 device_vendor_msft_policy_config_defender_avgcpuloadfactor:50]
	// map[device_vendor_msft_policy_config_defender_allowrealtimemonitoring:1 device_vendor_msft_policy_config_defender_avgcpuloadfactor:30]
}

// Archive scanning needs Windows 10 1607 (10.0.14393); cloud protection
// works from the first release (10.0.10240).
func ExampleWithOSVersion() {
	const cloud = def + "allowcloudprotection"
	_, tr := windowsDevice(policy.Choice(archiveScanning, archiveScanning+"_1"), policy.Choice(cloud, cloud+"_1"))
	checkIn(tr, agent.WithOSVersion("10.0.10240"))
	// Output:
	// device_vendor_msft_policy_config_defender_allowarchivescanning notApplicable ""
	// device_vendor_msft_policy_config_defender_allowcloudprotection succeeded "1"
}

func ExampleWithFailure() {
	_, tr := windowsDevice(policy.Integer(cpuLoad, 30), policy.Choice(archiveScanning, archiveScanning+"_1"))
	a := checkIn(tr, agent.WithFailure(cpuLoad, -2016281112, "Remediation failed"))
	r := a.Results()[0]
	fmt.Println(r.ErrorCode, r.Message)
	// Output:
	// device_vendor_msft_policy_config_defender_avgcpuloadfactor error "50"
	// device_vendor_msft_policy_config_defender_allowarchivescanning succeeded "1"
	// -2016281112 Remediation failed
}

// The legacy documentation lists tamper protection through this channel as
// unsupported: a device following it reports the setting not applicable.
func ExampleWithVariant() {
	_, tr := windowsDevice(policy.Choice(tamperSetting, tamperSetting+"_0"))
	checkIn(tr, agent.WithVariant(policy.VariantLegacy))
	// Output: vendor_msft_defender_configuration_tamperprotection_options notApplicable ""
}

// A device whose catalog lacks a setting cannot apply it.
func ExampleWithCatalog() {
	empty, err := (&policy.Catalog{}).With(nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	_, tr := windowsDevice(policy.Integer(cpuLoad, 30))
	a := checkIn(tr, agent.WithCatalog(empty))
	fmt.Println(a.Version())
	// Output:
	// device_vendor_msft_policy_config_defender_avgcpuloadfactor notApplicable ""
	// v1
}

func ExampleAgent_DeviceID() {
	_, tr := windowsDevice()
	a, err := agent.New("pc-1", policy.DeviceWindows, tr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.DeviceID())
	// Output: pc-1
}

func ExampleAgent_Version() {
	_, tr := windowsDevice(policy.Integer(cpuLoad, 30))
	a, err := agent.New("pc-1", policy.DeviceWindows, tr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", a.Version())
	if _, err := a.CheckIn(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", a.Version())
	// Output:
	// ""
	// "v1"
}

func ExampleAgent_TamperProtection() {
	srv := transporttest.NewFakeServer()
	win, err := agent.New("pc-1", policy.DeviceWindows, inproc.New(srv, srv.AddDevice("pc-1", "s")))
	if err != nil {
		log.Fatal(err)
	}
	mac, err := agent.New("mac-1", policy.DeviceMacOS, inproc.New(srv, srv.AddDevice("mac-1", "s")))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(win.TamperProtection(), mac.TamperProtection())
	// Output: true false
}

// The state is what is in effect on the device: with tamper protection on,
// real-time monitoring stays on although turning it off was reported
// succeeded — the drift a report can show.
func ExampleAgent_State() {
	_, tr := windowsDevice(policy.Choice(realtime, realtime+"_0"), policy.Integer(cpuLoad, 30))
	a := checkIn(tr)
	fmt.Println(a.State())
	// Output:
	// device_vendor_msft_policy_config_defender_allowrealtimemonitoring succeeded "1"
	// device_vendor_msft_policy_config_defender_avgcpuloadfactor succeeded "30"
	// map[device_vendor_msft_policy_config_defender_allowrealtimemonitoring:1 device_vendor_msft_policy_config_defender_avgcpuloadfactor:30]
}

func ExampleAgent_Results() {
	_, tr := windowsDevice(policy.Integer(cpuLoad, 30), policy.Strings(def+"excludedpaths", `C:\Builds`, `D:\Cache`))
	checkIn(tr)
	// Output:
	// device_vendor_msft_policy_config_defender_avgcpuloadfactor succeeded "30"
	// device_vendor_msft_policy_config_defender_excludedpaths succeeded "C:\\Builds|D:\\Cache"
}

// Linux devices write mdatp_managed.json.
func ExampleAgent_Rendered() {
	srv := transporttest.NewFakeServer()
	cred := srv.AddDevice("db-7", "s3cr3t")
	if err := srv.SetConfiguration("db-7", &transport.Configuration{Version: "v1", Platform: policy.DeviceLinux,
		Settings: []*policy.SettingInstance{policy.Choice(linuxRTP, linuxRTP+"_true")}}); err != nil {
		log.Fatal(err)
	}
	a, err := agent.New("db-7", policy.DeviceLinux, inproc.New(srv, cred))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := a.CheckIn(context.Background()); err != nil {
		log.Fatal(err)
	}
	r := a.Rendered()
	fmt.Println(r.Platform)
	fmt.Println(string(r.File))
	// Output:
	// linux
	// {
	//   "antivirusEngine": {
	//     "enableRealTimeProtection": true
	//   }
	// }
}

// A report that cannot be delivered stays pending and goes out first at
// the next round.
func ExampleAgent_PendingReport() {
	srv, tr := windowsDevice(policy.Integer(cpuLoad, 30))
	flaky := &dropReports{Transport: tr, drop: true}
	a, err := agent.New("pc-1", policy.DeviceWindows, flaky)
	if err != nil {
		log.Fatal(err)
	}
	round, _ := a.CheckIn(context.Background())
	rep, pending := a.PendingReport()
	fmt.Println(round.Reported, pending, rep.ConfigurationVersion, srv.ReportCount("pc-1"))

	flaky.drop = false
	round, err = a.CheckIn(context.Background())
	_, pending = a.PendingReport()
	fmt.Println(round.Reported, pending, srv.ReportCount("pc-1"), err)
	// Output:
	// false true v1 0
	// true false 1 <nil>
}

// dropReports fails every report while drop is set.
type dropReports struct {
	transport.Transport
	drop bool
}

func (d *dropReports) ReportStatus(ctx context.Context, rep transport.StatusReport) error {
	if d.drop {
		return errors.New("connection reset")
	}
	return d.Transport.ReportStatus(ctx, rep)
}

func ExampleAgent_NextCheckIn() {
	now := time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)
	srv := transporttest.NewFakeServer(transporttest.FakeClock(func() time.Time { return now }))
	a, err := agent.New("db-7", policy.DeviceLinux, inproc.New(srv, srv.AddDevice("db-7", "s3cr3t")))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.NextCheckIn().IsZero())
	if _, err := a.CheckIn(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.NextCheckIn().Format(time.Kitchen))
	// Output:
	// true
	// 1:30PM
}
