package secmgmt

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store/sqlite"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
)

// benchFleet is a service with n enrolled devices (Windows workstations
// and servers, macOS, Linux) spread over groups, ten policies assigned to
// them, and every device holding its current configuration.
type benchFleet struct {
	svc      *Service
	ids      []string
	creds    []transport.Credential
	versions []string
	// heapPerDevice is the live heap after the fleet was built, per
	// device: the store's records and the service's state together.
	heapPerDevice float64
}

const (
	benchWinAV     = "804339ad-1553-4478-a742-138fb5807418_1"
	benchWinExcl   = "45fea5e9-280d-4da1-9792-fb5736da0ca9_1"
	benchMacAV     = "2d345ec2-c817-49e5-9156-3ed416dc972a_1"
	benchLinuxAV   = "4cfd164c-5e8a-4ea9-b15d-9aa71e4ffff4_1"
	benchDefender  = "device_vendor_msft_policy_config_defender_"
	benchFleetSize = 100_000
)

var (
	fleetOnce   sync.Once
	sharedFleet *benchFleet
	fleetErr    error
)

// fleet100k returns the shared 100,000-device fleet, built once.
func fleet100k(b *testing.B) *benchFleet {
	fleetOnce.Do(func() { sharedFleet, fleetErr = newBenchFleet(benchFleetSize, WithConfigurationCache(4096)) })
	if fleetErr != nil {
		b.Fatal(fleetErr)
	}
	return sharedFleet
}

func newBenchFleet(n int, opts ...Option) (*benchFleet, error) {
	ctx := context.Background()
	svc, err := New(append([]Option{WithSeed(42), WithAuthorizer(authz.AllowAll())}, opts...)...)
	if err != nil {
		return nil, err
	}
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope = enrollment.Scope{WindowsClient: enrollment.ScopeAll, WindowsServer: enrollment.ScopeAll, MacOS: enrollment.ScopeAll, Linux: enrollment.ScopeAll}
	if _, err := svc.SetTenant(ctx, t, 0); err != nil {
		return nil, err
	}
	for _, g := range []Group{
		{ID: "windows", MembershipRule: `device.deviceOSType -eq "Windows"`},
		{ID: "servers", MembershipRule: `device.deviceOSType -eq "Windows Server"`},
		{ID: "unix", MembershipRule: `(device.deviceOSType -eq "macOS") -or (device.deviceOSType -eq "Linux")`},
		{ID: "finance", MembershipRule: `device.displayName -startsWith "fin-"`},
		{ID: "tier1", MembershipRule: `device.displayName -endsWith "-1"`},
	} {
		if _, err := svc.CreateGroup(ctx, g); err != nil {
			return nil, err
		}
	}
	f := &benchFleet{svc: svc}
	platforms := []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformWindows, enrollment.PlatformWindows,
		enrollment.PlatformWindows, enrollment.PlatformWindows, enrollment.PlatformWindows, enrollment.PlatformWindowsServer,
		enrollment.PlatformWindowsServer, enrollment.PlatformMacOS, enrollment.PlatformLinux}
	for i := range n {
		id := fmt.Sprintf("dev-%06d", i)
		name := id
		if i%7 == 0 {
			name = "fin-" + id
		}
		en, err := svc.Onboard(ctx, id, enrollment.HealthyFacts(platforms[i%len(platforms)]), DisplayName(name))
		if err != nil {
			return nil, err
		}
		f.ids = append(f.ids, id)
		f.creds = append(f.creds, en.Credential)
	}
	cat := policy.Builtin()
	mk := func(template, name string, as []*policy.Assignment, settings ...*policy.SettingInstance) error {
		p, err := policy.NewPolicy(cat, template, name, settings...)
		if err != nil {
			return err
		}
		p.Assignments = as
		_, _, err = svc.CreatePolicy(ctx, p)
		return err
	}
	d := benchDefender
	win := []*policy.Assignment{policy.Include("windows"), policy.Include("servers")}
	steps := []error{
		mk(benchWinAV, "baseline", win,
			policy.Choice(d+"allowrealtimemonitoring", d+"allowrealtimemonitoring_1"),
			policy.Choice(d+"allowbehaviormonitoring", d+"allowbehaviormonitoring_1"),
			policy.Choice(d+"cloudblocklevel", d+"cloudblocklevel_2"),
			policy.Integer(d+"avgcpuloadfactor", 50),
			policy.Strings(d+"excludedpaths", `C:\Data`)),
		mk(benchWinAV, "finance", []*policy.Assignment{policy.Include("finance")},
			policy.Choice(d+"cloudblocklevel", d+"cloudblocklevel_4"),
			policy.Integer(d+"avgcpuloadfactor", 30)),
		mk(benchWinAV, "tier1", []*policy.Assignment{policy.Include("tier1")},
			policy.Choice(d+"allowscriptscanning", d+"allowscriptscanning_1")),
		mk(benchWinExcl, "exclusions", win, policy.Strings(d+"excludedpaths", `D:\Build`, `E:\Cache`)),
		mk(benchWinExcl, "finance exclusions", []*policy.Assignment{policy.Include("finance")}, policy.Strings(d+"excludedprocesses", `ledger.exe`)),
		mk(benchMacAV, "mac", []*policy.Assignment{policy.Include("unix")}, policy.Choice("com.apple.managedclient.preferences_enablerealtimeprotection", "com.apple.managedclient.preferences_enablerealtimeprotection_true")),
		mk(benchLinuxAV, "linux", []*policy.Assignment{policy.Include("unix")}, policy.Choice("linux_mdatp_managed_antivirusengine_enablerealtimeprotection", "linux_mdatp_managed_antivirusengine_enablerealtimeprotection_true")),
		mk(benchLinuxAV, "linux tier1", []*policy.Assignment{policy.Include("tier1")}, policy.Choice("linux_mdatp_managed_antivirusengine_passivemode", "linux_mdatp_managed_antivirusengine_passivemode_false")),
		mk(benchWinAV, "all devices", []*policy.Assignment{policy.AllDevices()}, policy.Choice(d+"allowioavprotection", d+"allowioavprotection_1")),
		mk(benchMacAV, "mac tier1", []*policy.Assignment{policy.Include("tier1")}, policy.Choice("com.apple.managedclient.preferences_passivemode", "com.apple.managedclient.preferences_passivemode_false")),
	}
	for _, err := range steps {
		if err != nil {
			return nil, err
		}
	}
	f.versions = make([]string, n)
	for i, id := range f.ids {
		resp, err := svc.CheckIn(ctx, transport.CheckIn{DeviceID: id})
		if err != nil {
			return nil, err
		}
		f.versions[i] = resp.Configuration.Version
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f.heapPerDevice = float64(ms.HeapAlloc) / float64(n)
	return f, nil
}

// perSecond reports a rate metric over the benchmark's run.
func perSecond(b *testing.B, n int64, unit string) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n)/s, unit)
	}
}

// BenchmarkCheckIn measures check-ins through the in-process transport
// (credential check included) with 100,000 enrolled devices, from
// GOMAXPROCS goroutines:
//
//   - notModified: every device holds its current configuration, answered
//     from its cache without computing anything;
//   - mixed: one check-in in ten follows an invalidation of the device's
//     configuration (computed again, from the configurations shared by
//     devices whose merges have the same inputs), the others are "not
//     modified".
func BenchmarkCheckIn(b *testing.B) {
	f := fleet100k(b)
	ctx := context.Background()
	transports := make([]transport.Transport, len(f.ids))
	for i := range f.ids {
		transports[i] = f.svc.Transport(f.creds[i])
	}
	run := func(b *testing.B, invalidateEvery int) {
		var next atomic.Int64
		var done atomic.Int64
		before := f.svc.Stats()
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(next.Add(1)) % len(f.ids)
				if invalidateEvery > 0 && i%invalidateEvery == 0 {
					f.invalidate(i)
				}
				resp, err := transports[i].CheckIn(ctx, transport.CheckIn{DeviceID: f.ids[i], ConfigurationVersion: f.versions[i]})
				if err != nil {
					b.Error(err)
					return
				}
				if !resp.NotModified {
					b.Errorf("%s: configuration changed", f.ids[i])
					return
				}
				done.Add(1)
			}
		})
		perSecond(b, done.Load(), "checkins/s")
		b.ReportMetric(f.heapPerDevice, "heapB/device")
		after := f.svc.Stats()
		b.ReportMetric(float64(after.Recomputations-before.Recomputations)/float64(max(done.Load(), 1)), "recomputed/op")
	}
	b.Run("notModified", func(b *testing.B) { run(b, 0) })
	b.Run("mixed", func(b *testing.B) { run(b, 10) })
}

// invalidate marks a device's configuration as needing computation, as a
// change that affects it does.
func (f *benchFleet) invalidate(i int) {
	s := f.svc
	s.mu.RLock()
	d := s.state.devices[f.ids[i]]
	d.mu.Lock()
	d.dirty = true
	d.mu.Unlock()
	s.mu.RUnlock()
}

// BenchmarkRecompute measures computing one device's effective
// configuration when it is invalidated and no other device shares its
// merge (the configuration cache is off): the assigned policies are
// resolved from the membership index and merged.
func BenchmarkRecompute(b *testing.B) {
	f, err := newBenchFleet(1000, WithConfigurationCache(0))
	if err != nil {
		b.Fatal(err)
	}
	defer f.svc.Close()
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		f.invalidate(i)
		if _, err := f.svc.CheckIn(ctx, transport.CheckIn{DeviceID: f.ids[i], ConfigurationVersion: f.versions[i]}); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % len(f.ids)
	}
}

// BenchmarkHTTPCheckIn measures check-ins over HTTP on the loopback
// interface: 10,000 enrolled devices, 64 concurrent agents each checking in
// with the configuration it holds (answered 304 Not Modified), through the
// httptransport client and handler, both in this process.
//
//   - saturated: each agent checks in again as soon as it is answered; the
//     rate is the most the machine serves, and the latency includes the
//     queueing of 64 requests in flight.
//   - paced5k: the agents check in at 5,000 check-ins per second in all,
//     on a fixed schedule; each latency is measured from the time the
//     check-in was due, so that a late start counts.
//
// Both report check-ins per second and the 99th percentile latency.
func BenchmarkHTTPCheckIn(b *testing.B) {
	f, err := newBenchFleet(10_000)
	if err != nil {
		b.Fatal(err)
	}
	defer f.svc.Close()
	srv := httptest.NewServer(f.svc.HTTPHandler())
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	clients := make([]*httptransport.Client, len(f.ids))
	for i := range f.ids {
		c, err := httptransport.NewClient(srv.URL, f.creds[i], httptransport.WithHTTPClient(hc))
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	// Open the connections first: 64 agents at once, twice.
	var wg sync.WaitGroup
	for i := range 128 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := clients[i].CheckIn(context.Background(), transport.CheckIn{DeviceID: f.ids[i], ConfigurationVersion: f.versions[i]}); err != nil {
				b.Error(err)
			}
		}()
		if i == 63 {
			wg.Wait()
		}
	}
	wg.Wait()
	b.Run("saturated", func(b *testing.B) { f.httpLoad(b, clients, 0) })
	b.Run("paced5k", func(b *testing.B) { f.httpLoad(b, clients, 5000) })
}

// httpLoad runs b.N check-ins from 64 agents, as fast as they are
// answered (rate 0) or at rate check-ins per second.
func (f *benchFleet) httpLoad(b *testing.B, clients []*httptransport.Client, rate int) {
	const agents = 64
	ctx := context.Background()
	type job struct {
		i   int
		due time.Time
	}
	var mu sync.Mutex
	var latencies []time.Duration
	var wg sync.WaitGroup
	jobs := make(chan job, agents)
	b.ReportAllocs()
	b.ResetTimer()
	for range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for j := range jobs {
				start := j.due
				if rate == 0 {
					start = time.Now()
				}
				resp, err := clients[j.i].CheckIn(ctx, transport.CheckIn{DeviceID: f.ids[j.i], ConfigurationVersion: f.versions[j.i]})
				mine = append(mine, time.Since(start))
				if err != nil {
					b.Error(err)
					continue
				}
				if !resp.NotModified {
					b.Errorf("%s: configuration changed", f.ids[j.i])
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	begin := time.Now()
	n := 0
	var tick *time.Ticker
	if rate > 0 {
		tick = time.NewTicker(time.Millisecond)
		defer tick.Stop()
	}
	for b.Loop() {
		due := time.Now()
		if rate > 0 {
			// The check-ins due by now go out at once; then wait for the
			// next millisecond.
			due = begin.Add(time.Duration(n) * time.Second / time.Duration(rate))
			for time.Now().Before(due) {
				<-tick.C
			}
		}
		jobs <- job{i: n % len(f.ids), due: due}
		n++
	}
	close(jobs)
	wg.Wait()
	b.StopTimer()
	perSecond(b, int64(len(latencies)), "checkins/s")
	if len(latencies) > 0 {
		slices.Sort(latencies)
		b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(latencies[(len(latencies)*99)/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkOnboard measures onboarding: the enrollment flow, a synthetic
// registration, the directory and index updates, and a credential, in one
// memstore transaction, into a directory that grows with each device.
func BenchmarkOnboard(b *testing.B) {
	ctx := context.Background()
	svc, err := New(WithSeed(1), WithAuthorizer(authz.AllowAll()))
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope.WindowsClient = enrollment.ScopeAll
	if _, err := svc.SetTenant(ctx, t, 0); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.CreateGroup(ctx, Group{ID: "windows", MembershipRule: `device.deviceOSType -eq "Windows"`}); err != nil {
		b.Fatal(err)
	}
	facts := enrollment.HealthyFacts(enrollment.PlatformWindows)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Onboard(ctx, fmt.Sprintf("dev-%07d", i), facts); err != nil {
			b.Fatal(err)
		}
		i++
	}
	perSecond(b, int64(i), "onboards/s")
}

// BenchmarkCheckInSQLite measures not-modified check-ins, one at a time,
// on a SQLite store (synchronous=FULL) with 1,000 enrolled devices: the
// feed position is read before each request, and check-ins are written in
// batches (WithCheckInFlush's default for stores other than memstore).
func BenchmarkCheckInSQLite(b *testing.B) {
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	f, err := newBenchFleet(1000, WithStore(st))
	if err != nil {
		b.Fatal(err)
	}
	defer f.svc.Close()
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.CheckIn(ctx, transport.CheckIn{DeviceID: f.ids[i], ConfigurationVersion: f.versions[i]}); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % len(f.ids)
	}
	perSecond(b, int64(b.N), "checkins/s")
}
