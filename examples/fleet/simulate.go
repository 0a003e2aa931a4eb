package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	secmgmt "github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/agent"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/internal/fleetgen"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
	"github.com/secmgmt/secmgmt/store/sqlite"
	"github.com/secmgmt/secmgmt/transport"
	"github.com/secmgmt/secmgmt/transport/httptransport"
)

// run simulates the fleet and prints the reports to stdout.
func run(ctx context.Context, c config, stdout, stderr io.Writer, terminal bool) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	f, err := fleetgen.New(c.seed, fleetgen.Options{Devices: c.devices, Groups: c.groups, Policies: c.policies})
	if err != nil {
		return err
	}
	st, closeStore, err := openStore(c)
	if err != nil {
		return err
	}
	defer closeStore()
	svc, err := newService(st, c)
	if err != nil {
		return err
	}
	defer svc.Close()

	fmt.Fprintf(stdout, "fleet: %d devices, %d dynamic groups, %d policies (seed %d, %s, %s)\n\n",
		f.Len(), len(f.Groups), len(f.Policies), c.seed, c.store, c.transport)
	rounds, err := simulate(ctx, svc, f, c, stderr, terminal)
	if err != nil {
		return err
	}
	printRounds(stdout, rounds)
	p := startProgress(stderr, terminal, "reports", f.Len())
	r, err := buildReports(ctx, svc, p)
	p.finish()
	if err != nil {
		return err
	}
	return printReports(stdout, r, c.top)
}

// newService returns the service over the store. The program has no
// principals of its own: it may do every administrative operation.
func newService(st store.Store, c config) (*secmgmt.Service, error) {
	return secmgmt.New(secmgmt.WithStore(st), secmgmt.WithSeed(c.seed), secmgmt.WithAuthorizer(authz.AllowAll()))
}

// simulate gives the service the fleet's tenant, groups and policies,
// onboards every device and runs the rounds of check-ins of the enrolled
// ones.
func simulate(ctx context.Context, svc *secmgmt.Service, f *fleetgen.Fleet, c config, stderr io.Writer, terminal bool) ([]roundStats, error) {
	if err := setUp(ctx, svc, f); err != nil {
		return nil, err
	}
	devices, err := onboard(ctx, svc, f, c, stderr, terminal)
	if err != nil {
		return nil, err
	}
	dial, closeTransport, err := transports(svc, c)
	if err != nil {
		return nil, err
	}
	defer closeTransport()
	agents := make([]*agent.Agent, 0, len(devices))
	for _, d := range devices {
		a, err := agent.New(d.device.ID, d.device.Class().Platform, dial(d.cred), agent.WithOSVersion(d.device.Facts.OSVersion))
		if err != nil {
			return nil, err
		}
		agents = append(agents, a)
	}
	var rounds []roundStats
	for r := 1; r <= c.rounds; r++ {
		rs, err := checkInRound(ctx, agents, c.agents, fmt.Sprintf("round %d", r), stderr, terminal)
		if err != nil {
			return nil, err
		}
		rounds = append(rounds, rs)
	}
	return rounds, nil
}

// openStore opens the store the flags name.
func openStore(c config) (store.Store, func(), error) {
	if c.store == "memstore" {
		return memstore.New(), func() {}, nil
	}
	path, cleanup := c.db, func() {}
	if path == "" {
		dir, err := os.MkdirTemp("", "fleet-")
		if err != nil {
			return nil, nil, err
		}
		path, cleanup = filepath.Join(dir, "fleet.db"), func() { os.RemoveAll(dir) }
	}
	st, err := sqlite.Open(path)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return st, func() { st.Close(); cleanup() }, nil
}

// setUp gives the service the fleet's tenant, groups and policies.
func setUp(ctx context.Context, svc *secmgmt.Service, f *fleetgen.Fleet) error {
	_, v, err := svc.Tenant(ctx)
	if err != nil {
		return err
	}
	if _, err := svc.SetTenant(ctx, f.Tenant, v); err != nil {
		return err
	}
	for _, g := range f.Groups {
		if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: g.ID, DisplayName: g.DisplayName, MembershipRule: g.MembershipRule}); err != nil {
			return fmt.Errorf("group %q: %w", g.DisplayName, err)
		}
	}
	for _, p := range f.Policies {
		// The policy carries its assignments; the service stores them too.
		if _, _, err := svc.CreatePolicy(ctx, p.Clone()); err != nil {
			return fmt.Errorf("policy %q: %w", p.Name, err)
		}
	}
	return nil
}

// managedDevice is an enrolled device and its credential.
type managedDevice struct {
	device fleetgen.Device
	cred   transport.Credential
}

// onboard onboards every device, with its directory attributes when it
// has a registration of its own, and returns the enrolled ones.
func onboard(ctx context.Context, svc *secmgmt.Service, f *fleetgen.Fleet, c config, stderr io.Writer, terminal bool) ([]managedDevice, error) {
	p := startProgress(stderr, terminal, "onboard", f.Len())
	var mu sync.Mutex
	var out []managedDevice
	unexpected := 0
	err := forEach(ctx, f.Len(), c.agents, func(ctx context.Context, i int) error {
		d := f.Device(i)
		enr, err := svc.Onboard(ctx, d.ID, d.Facts, secmgmt.DisplayName(d.Name))
		if err != nil {
			return fmt.Errorf("onboard %s: %w", d.Name, err)
		}
		if d.Existing != nil && enr.Record.ObjectID != "" {
			if _, err := svc.UpdateDeviceObject(ctx, d.ID, func(o *identity.Device) error {
				copyAttributes(o, d.Existing)
				return nil
			}); err != nil {
				return fmt.Errorf("directory attributes of %s: %w", d.Name, err)
			}
		}
		mu.Lock()
		if enr.Record.State != d.Expected {
			unexpected++
		}
		if enr.Record.State == enrollment.StateEnrolled {
			out = append(out, managedDevice{device: d, cred: enr.Credential})
		}
		mu.Unlock()
		p.add(1)
		return nil
	})
	p.finish()
	if err != nil {
		return nil, err
	}
	if unexpected > 0 {
		fmt.Fprintf(stderr, "fleet: %d devices ended in another enrollment state than the generator predicted\n", unexpected)
	}
	slices.SortFunc(out, func(a, b managedDevice) int { return a.device.Index - b.device.Index })
	return out, nil
}

// copyAttributes copies what a directory sync or Intune sets on a device's
// own registration.
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

// transports returns how an agent reaches the service: in process, or
// through an HTTP server on the loopback interface with one connection
// pool shared by every agent.
func transports(svc *secmgmt.Service, c config) (func(transport.Credential) transport.Transport, func(), error) {
	if c.transport == "inproc" {
		return svc.Transport, func() {}, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: svc.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go srv.Serve(ln)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: c.agents, MaxIdleConnsPerHost: c.agents, IdleConnTimeout: time.Minute}}
	base := "http://" + ln.Addr().String()
	dial := func(cred transport.Credential) transport.Transport {
		cl, err := httptransport.NewClient(base, cred, httptransport.WithHTTPClient(hc))
		if err != nil {
			panic(err) // the base URL is ours and the ids are GUIDs
		}
		return cl
	}
	return dial, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hc.CloseIdleConnections()
	}, nil
}

// roundStats is what one round of check-ins measured.
type roundStats struct {
	name              string
	checkIns, changed int
	elapsed           time.Duration
	p50, p99          time.Duration
}

// checkInRound runs one check-in of every agent, workers at a time.
func checkInRound(ctx context.Context, agents []*agent.Agent, workers int, name string, stderr io.Writer, terminal bool) (roundStats, error) {
	p := startProgress(stderr, terminal, name, len(agents))
	lat := make([]time.Duration, len(agents))
	var changed atomic.Int64
	err := forEach(ctx, len(agents), workers, func(ctx context.Context, i int) error {
		t0 := time.Now()
		r, err := agents[i].CheckIn(ctx)
		lat[i] = time.Since(t0)
		if err != nil {
			return fmt.Errorf("check-in of %s: %w", agents[i].DeviceID(), err)
		}
		if r.Modified {
			changed.Add(1)
		}
		p.add(1)
		return nil
	})
	elapsed := p.finish()
	if err != nil {
		return roundStats{}, err
	}
	slices.Sort(lat)
	rs := roundStats{name: name, checkIns: len(agents), changed: int(changed.Load()), elapsed: elapsed}
	if len(lat) > 0 {
		rs.p50, rs.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return rs, nil
}

// forEach calls fn for 0 … n-1 on workers goroutines and returns the first
// error, after which the remaining items are not started.
func forEach(parent context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		return parent.Err() // interrupted or out of time
	}
	return first
}
