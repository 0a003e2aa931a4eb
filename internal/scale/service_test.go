package scale

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	secmgmt "github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
)

// fixedClock is the service's clock: the fleet's time.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// serviceData is a Service (memstore) holding a whole fleet: tenant, 100
// dynamic groups, 60 policies, every device onboarded (with the directory
// attributes of its own registration) and every enrolled device checked
// in once, so that it holds its current configuration.
type serviceData struct {
	svc *secmgmt.Service
	// the enrolled devices, their credentials and configuration versions
	ids, secrets, versions []string
	// what building it measured
	heapPerDevice          float64 // live heap of store and service, per device of the fleet
	onboardPerSec          float64 // onboardings (with the attribute update) per second
	firstCheckInPerSec     float64 // first check-ins (configuration computed) per second
	merges, recomputations uint64
}

var (
	serviceMu    sync.Mutex
	serviceCache = map[int]*serviceData{}
)

// serviceOf returns the Service of the fleet of n devices, building it the
// first time (minutes at 1M).
func serviceOf(tb testing.TB, n int) *serviceData {
	tb.Helper()
	fd := fleetOf(tb, n)
	serviceMu.Lock()
	defer serviceMu.Unlock()
	if sd, ok := serviceCache[n]; ok {
		return sd
	}
	ctx := context.Background()
	f := fd.fleet
	// Credentials are kept outside the measured heap: their secrets go
	// into an arena allocated before the first measure.
	const secretMax = 96
	arena := make([]byte, 0, n*secretMax)
	ends := make([]int32, 0, n)
	enrolled := make([]int32, 0, n)

	before := heapAfterGC()
	svc, err := secmgmt.New(secmgmt.WithSeed(benchSeed), secmgmt.WithClock(fixedClock{f.Options.Now}),
		secmgmt.WithAuthorizer(authz.AllowAll()))
	if err != nil {
		tb.Fatal(err)
	}
	_, v, err := svc.Tenant(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.SetTenant(ctx, f.Tenant, v); err != nil {
		tb.Fatal(err)
	}
	for _, g := range f.Groups {
		if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: g.ID, DisplayName: g.DisplayName, MembershipRule: g.MembershipRule}); err != nil {
			tb.Fatal(err)
		}
	}
	for _, p := range f.Policies {
		if _, _, err := svc.CreatePolicy(ctx, p.Clone()); err != nil {
			tb.Fatal(err)
		}
	}
	t0 := time.Now()
	var mu sync.Mutex
	var failed atomic.Value
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d := &fd.devices[i]
			gen := f.Device(i) // for the registration fleetOf dropped
			enr, err := svc.Onboard(ctx, d.ID, d.Facts, secmgmt.DisplayName(d.Name))
			if err != nil {
				failed.Store(err)
				return
			}
			if gen.Existing != nil && enr.Record.ObjectID != "" {
				if _, err := svc.UpdateDeviceObject(ctx, d.ID, func(o *identity.Device) error {
					copyAttributes(o, gen.Existing)
					return nil
				}); err != nil {
					failed.Store(err)
					return
				}
			}
			if enr.Record.State == enrollment.StateEnrolled {
				mu.Lock()
				arena = append(arena, enr.Credential.Secret...)
				ends = append(ends, int32(len(arena)))
				enrolled = append(enrolled, int32(i))
				mu.Unlock()
			}
		}
	})
	if err, _ := failed.Load().(error); err != nil {
		tb.Fatal(err)
	}
	onboard := time.Since(t0)
	sd := &serviceData{svc: svc, onboardPerSec: float64(n) / onboard.Seconds()}
	secret := func(k int) string {
		start := int32(0)
		if k > 0 {
			start = ends[k-1]
		}
		return string(arena[start:ends[k]])
	}
	// First check-in of every enrolled device: its configuration is
	// computed (shared with devices whose merge has the same inputs).
	versions := make([]string, len(enrolled))
	t0 = time.Now()
	parallel(len(enrolled), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			id := fd.devices[enrolled[k]].ID
			cred := transport.Credential{DeviceID: id, Secret: secret(k)}
			resp, err := svc.Transport(cred).CheckIn(ctx, transport.CheckIn{DeviceID: id})
			if err != nil {
				failed.Store(err)
				return
			}
			versions[k] = resp.Configuration.Version
		}
	})
	if err, _ := failed.Load().(error); err != nil {
		tb.Fatal(err)
	}
	sd.firstCheckInPerSec = float64(len(enrolled)) / time.Since(t0).Seconds()
	st := svc.Stats()
	sd.merges, sd.recomputations = st.Merges, st.Recomputations
	sd.heapPerDevice = float64(heapAfterGC()-before) / float64(n)
	// Now the benchmark's own copies, outside the measure.
	for k, i := range enrolled {
		sd.ids = append(sd.ids, fd.devices[i].ID)
		sd.secrets = append(sd.secrets, secret(k))
	}
	sd.versions = versions
	serviceCache[n] = sd
	return sd
}

// copyAttributes copies what a directory sync or Intune sets on a
// device's own registration.
func copyAttributes(o, from *identity.Device) {
	o.AccountEnabled = from.AccountEnabled
	o.DeviceCategory = from.DeviceCategory
	o.DeviceManufacturer = from.DeviceManufacturer
	o.DeviceModel = from.DeviceModel
	o.DeviceOwnership = from.DeviceOwnership
	o.DevicePhysicalIDs = slices.Clone(from.DevicePhysicalIDs)
	o.EnrollmentProfileName = from.EnrollmentProfileName
	o.ExtensionAttributes = from.ExtensionAttributes
	o.ProfileType = from.ProfileType
}

// BenchmarkServiceBuild reports what building the fleet's Service
// measured (it is built once per size and shared): the live heap of the
// memstore and the service per device of the fleet (DESIGN target ≤ 2 KiB,
// devices with their memberships), onboardings per second and first
// check-ins per second. The loop itself reads the service's counters.
func BenchmarkServiceBuild(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		sd := serviceOf(b, n)
		for b.Loop() {
			_ = sd.svc.Stats()
		}
		b.ReportMetric(sd.heapPerDevice, "heap-B/device")
		b.ReportMetric(sd.onboardPerSec, "onboards/s")
		b.ReportMetric(sd.firstCheckInPerSec, "first-check-ins/s")
		b.ReportMetric(float64(sd.merges), "merges")
	})
}

// BenchmarkCheckInInProcess checks in enrolled devices of the fleet's
// Service through the in-process transport, on every core at once, each
// device holding its current configuration: the steady state of a fleet
// between changes. DESIGN target: ≥ 50,000 check-ins/s with 100k enrolled
// devices, answered without recomputing (recomputations/op must stay 0).
func BenchmarkCheckInInProcess(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		sd := serviceOf(b, n)
		trs := make([]transport.Transport, len(sd.ids))
		for k := range trs {
			trs[k] = sd.svc.Transport(transport.Credential{DeviceID: sd.ids[k], Secret: sd.secrets[k]})
		}
		ctx := context.Background()
		var next atomic.Int64
		var failed atomic.Value
		before := sd.svc.Stats()
		b.ReportAllocs()
		b.SetParallelism(4)
		t0, c0 := time.Now(), cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				k := int(next.Add(1)) % len(trs)
				resp, err := trs[k].CheckIn(ctx, transport.CheckIn{DeviceID: sd.ids[k], ConfigurationVersion: sd.versions[k]})
				if err != nil || !resp.NotModified {
					failed.Store(err)
				}
			}
		})
		elapsed := time.Since(t0)
		if v := failed.Load(); v != nil {
			b.Fatalf("a check-in failed or was modified: %v", v)
		}
		after := sd.svc.Stats()
		reportCPU(b, c0, float64(b.N), "cpu-µs/op")
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "check-ins/s")
		b.ReportMetric(float64(after.Recomputations-before.Recomputations)/float64(b.N), "recomputations/op")
	})
}

// BenchmarkCheckInHTTP checks in enrolled devices over HTTP on loopback:
// the handler of Service.HTTPHandler on an httptest server, 64 agents at
// once (httptransport clients sharing one connection pool), each device
// holding its current configuration (304 Not Modified). The run is bounded
// by b.N check-ins and by -benchtime. DESIGN target: ≥ 5,000 check-ins/s,
// p99 ≤ 20 ms.
func BenchmarkCheckInHTTP(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		sd := serviceOf(b, n)
		srv := httptest.NewServer(sd.svc.HTTPHandler())
		defer srv.Close()
		const agents = 64
		hc := &http.Client{Transport: &http.Transport{MaxIdleConns: agents, MaxIdleConnsPerHost: agents}}
		defer hc.CloseIdleConnections()
		clients := make([]transport.Transport, len(sd.ids))
		for k := range clients {
			c, err := httptransport.NewClient(srv.URL, transport.Credential{DeviceID: sd.ids[k], Secret: sd.secrets[k]}, httptransport.WithHTTPClient(hc))
			if err != nil {
				b.Fatal(err)
			}
			clients[k] = c
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		var next atomic.Int64
		var failed atomic.Value
		var latMu sync.Mutex
		var lat []time.Duration
		b.ReportAllocs()
		b.SetParallelism(agents / 2) // on 2 cores: 64 goroutines
		t0, c0 := time.Now(), cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				k := int(next.Add(1)) % len(clients)
				s := time.Now()
				resp, err := clients[k].CheckIn(ctx, transport.CheckIn{DeviceID: sd.ids[k], ConfigurationVersion: sd.versions[k]})
				mine = append(mine, time.Since(s))
				if err != nil || !resp.NotModified {
					failed.Store(err)
				}
			}
			latMu.Lock()
			lat = append(lat, mine...)
			latMu.Unlock()
		})
		elapsed := time.Since(t0)
		if v := failed.Load(); v != nil {
			b.Fatalf("a check-in failed or was modified: %v", v)
		}
		reportCPU(b, c0, float64(b.N), "cpu-µs/op") // client and server
		slices.Sort(lat)
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "check-ins/s")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	})
}

// BenchmarkServiceReport runs the fleet-wide reports of the Service over
// its stored devices: the per-policy status counts, the enrollment and
// managed-by breakdowns and the conflict summaries, each a pass over every
// device's record (Service.DeviceRecords).
func BenchmarkServiceReport(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		sd := serviceOf(b, n)
		ctx := context.Background()
		views := []struct {
			name string
			run  func() error
		}{
			{"policies", func() error { _, err := sd.svc.PolicyReport(ctx); return err }},
			{"enrollment", func() error { _, err := sd.svc.EnrollmentReport(ctx); return err }},
			{"managedBy", func() error { _, err := sd.svc.ManagedByReport(ctx); return err }},
			{"conflicts", func() error { _, err := sd.svc.ConflictReport(ctx); return err }},
		}
		for _, v := range views {
			b.Run("view="+v.name, func(b *testing.B) {
				b.ReportAllocs()
				c0 := cpuTime()
				for b.Loop() {
					if err := v.run(); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, c0, float64(n)*float64(b.N), "cpu-µs/device")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "devices/s")
			})
		}
	})
}
