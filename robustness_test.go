package secmgmt_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/memstore"
	"github.com/secmgmt/secmgmt/transport"
)

var errInjected = errors.New("injected store failure")

// faultyStore fails one chosen write, inside transactions too.
type faultyStore struct {
	store.Store
	failOn *atomic.Value // method name; "" fails nothing
}

func newFaulty() *faultyStore {
	v := &atomic.Value{}
	v.Store("")
	return &faultyStore{Store: memstore.New(), failOn: v}
}

func (f *faultyStore) fail(method string) bool { return f.failOn.Load().(string) == method }

func (f *faultyStore) Tx(ctx context.Context, fn func(store.Store) error) error {
	return f.Store.Tx(ctx, func(tx store.Store) error { return fn(&faultyStore{Store: tx, failOn: f.failOn}) })
}

func (f *faultyStore) PutCredential(ctx context.Context, c *store.Credential) error {
	if f.fail("PutCredential") {
		return errInjected
	}
	return f.Store.PutCredential(ctx, c)
}

func (f *faultyStore) PutGroup(ctx context.Context, g *store.Group) (int64, error) {
	if f.fail("PutGroup") {
		return 0, errInjected
	}
	return f.Store.PutGroup(ctx, g)
}

func (f *faultyStore) ApplyMemberships(ctx context.Context, d store.MembershipDelta) error {
	if f.fail("ApplyMemberships") {
		return errInjected
	}
	return f.Store.ApplyMemberships(ctx, d)
}

// TestFailedWrite: a store failure in the middle of a write leaves the
// store and the service's state as they were (the state is rebuilt from
// the store when the write had already changed it), and the service goes
// on working.
func TestFailedWrite(t *testing.T) {
	ctx := context.Background()
	fs := newFaulty()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(fs))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	setTenant(t, svc, inScope())
	if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "linux", MembershipRule: `device.deviceOSType -eq "Linux"`}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Onboard(ctx, "l0", facts(enrollment.PlatformLinux)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method string
		do     func() error
	}{
		{"PutCredential", func() error { _, err := svc.Onboard(ctx, "l1", facts(enrollment.PlatformLinux)); return err }},
		{"ApplyMemberships", func() error { _, err := svc.Onboard(ctx, "l2", facts(enrollment.PlatformLinux)); return err }},
		{"PutGroup", func() error {
			_, err := svc.CreateGroup(ctx, secmgmt.Group{ID: "all-linux", MembershipRule: `device.deviceOSType -eq "Linux"`})
			return err
		}},
		{"ApplyMemberships", func() error {
			_, err := svc.UpdateDeviceObject(ctx, "l0", func(d *identity.Device) error { d.DeviceOSType = "Linux Server"; return nil })
			return err
		}},
	} {
		t.Run(c.method, func(t *testing.T) {
			before := take(t, svc)
			reloads := svc.Stats().Reloads
			fs.failOn.Store(c.method)
			err := c.do()
			fs.failOn.Store("")
			if !errors.Is(err, errInjected) {
				t.Fatalf("error %v, want the injected one", err)
			}
			if after := take(t, svc); !before.equal(after) {
				t.Errorf("the failed write changed the state:\n%+v\n%+v", before, after)
			}
			if svc.Stats().Reloads == reloads {
				t.Error("the state was not rebuilt after a write that had changed it failed")
			}
			// The same write succeeds now.
			if err := c.do(); err != nil {
				t.Fatal(err)
			}
		})
	}
	m, err := svc.GroupMembers(ctx, "linux")
	if err != nil || !slices.Equal(m, []string{"l1", "l2"}) {
		t.Errorf("linux members %v, %v", m, err)
	}
}

// TestConcurrentUse runs check-ins, reports and administrative changes at
// once (with -race), then checks that every device is answered with the
// configuration its current merge gives, and that the service's
// memberships are the store's.
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	const n = 40
	creds := make([]transport.Credential, n)
	for i := range n {
		p := []enrollment.Platform{enrollment.PlatformWindows, enrollment.PlatformLinux}[i%2]
		en, err := svc.Onboard(ctx, fmt.Sprintf("d%02d", i), facts(p, enrollment.ManagementTag))
		if err != nil {
			t.Fatal(err)
		}
		creds[i] = en.Credential
	}
	p := mustPolicy(t, winAV, "AV", policy.Choice(realtime, realtime+"_1"))
	p.Assignments = []*policy.Assignment{policy.Include("workstations")}
	p, _, err := svc.CreatePolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			versions := map[int]string{}
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				i := (k*4 + w) % n
				resp, err := svc.Transport(creds[i]).CheckIn(ctx, transport.CheckIn{DeviceID: creds[i].DeviceID, ConfigurationVersion: versions[i]})
				if err != nil && !errors.Is(err, transport.ErrNotManaged) {
					errs <- err
					return
				}
				if resp != nil && resp.Configuration != nil {
					versions[i] = resp.Configuration.Version
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := svc.PolicyReport(ctx); err != nil {
				errs <- err
				return
			}
		}
	}()
	for k := range 30 {
		cur, v, err := svc.Policy(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur.Settings[0].Instance = policy.Choice(realtime, realtime+[]string{"_0", "_1"}[k%2])
		if _, err := svc.UpdatePolicy(ctx, cur, v); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("d%02d", k%n)
		if k%3 == 0 {
			if _, err := svc.UntagDevice(ctx, id, enrollment.ManagementTag); err != nil {
				t.Fatal(err)
			}
		} else if _, err := svc.TagDevice(ctx, id, enrollment.ManagementTag); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddGroupMembers(ctx, "pilot", fmt.Sprintf("d%02d", (k+1)%n)); err != nil && !errors.Is(err, secmgmt.ErrNotFound) {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range n {
		id := creds[i].DeviceID
		resp, err := svc.Transport(creds[i]).CheckIn(ctx, transport.CheckIn{DeviceID: id})
		if errors.Is(err, transport.ErrNotManaged) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := mustResult(t, svc, id).Version; resp.Configuration.Version != want {
			t.Errorf("%s: answered %s, its merge gives %s", id, resp.Configuration.Version, want)
		}
	}
	for _, g := range []string{"workstations", "pilot"} {
		mem, err := svc.GroupMembers(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		var stored []string
		for m, err := range svc.Store().GroupMembers(ctx, g, "") {
			if err != nil {
				t.Fatal(err)
			}
			stored = append(stored, m)
		}
		if !slices.Equal(mem, stored) {
			t.Errorf("%s: service %v, store %v", g, mem, stored)
		}
	}
}
