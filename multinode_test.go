package secmgmt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/sqlite"
	"github.com/secmgmt/secmgmt/transport"
)

// sharedBackend opens two stores over one database.
type sharedBackend struct {
	name string
	open func(t *testing.T) (a, b store.Store)
}

func sharedBackends() []sharedBackend {
	bs := []sharedBackend{
		{"sqlite", func(t *testing.T) (store.Store, store.Store) {
			path := filepath.Join(t.TempDir(), "shared.db")
			open := func() store.Store {
				st, err := sqlite.Open(path, sqlite.WithSynchronous(sqlite.SyncNormal))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			return open(), open()
		}},
	}
	return append(bs, postgresShared()...)
}

// TestSharedStore runs two service instances over one database: what one
// writes, the other serves at once (a policy edit reaches a device
// checking in through the other), policy sync crosses over, and
// concurrent writes from both leave them, and the store, agreeing.
func TestSharedStore(t *testing.T) {
	for _, b := range sharedBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			stA, stB := b.open(t)
			a, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(stA))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			bsvc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(stB))
			if err != nil {
				t.Fatal(err)
			}
			defer bsvc.Close()

			// A sets up; B serves the fleet and reports.
			sc := setUp(t, a)
			agents := sc.runAgents(t, bsvc.Transport)
			sc.svc = bsvc
			sc.checkReports(t)

			// A edits the baseline; B's next check-in delivers it.
			p, v, err := a.Policy(ctx, sc.policies["Windows baseline"].ID)
			if err != nil {
				t.Fatal(err)
			}
			p.Settings[1].Instance = policy.Choice(cloudBlock, cloudBlock+"_6")
			if _, err := a.UpdatePolicy(ctx, p, v); err != nil {
				t.Fatal(err)
			}
			r, err := agents["win-01"].CheckIn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Modified || r.Version != mustResult(t, a, "win-01").Version {
				t.Errorf("win-01 through B after A's edit: %+v, want A's new version %s", r, mustResult(t, a, "win-01").Version)
			}

			// A policy sync asked of A wakes the device waiting on B.
			woke := make(chan error, 1)
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			go func() { woke <- bsvc.WaitSync(wctx, "srv-01") }()
			if _, err := a.PolicySync(ctx, "srv-01"); err != nil {
				t.Fatal(err)
			}
			if err := <-woke; err != nil {
				t.Errorf("WaitSync on B after a sync asked of A: %v", err)
			}

			// Both onboard devices at once; both end up agreeing.
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for i := range 20 {
				for j, svc := range []*secmgmt.Service{a, bsvc} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := svc.Onboard(ctx, fmt.Sprintf("ws-%d-%02d", j, i), facts(enrollment.PlatformWindows, enrollment.ManagementTag))
						errs <- err
					}()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			ma, err := a.GroupMembers(ctx, "workstations")
			if err != nil {
				t.Fatal(err)
			}
			mb, err := bsvc.GroupMembers(ctx, "workstations")
			if err != nil {
				t.Fatal(err)
			}
			var stored []string
			for m, err := range stA.GroupMembers(ctx, "workstations", "") {
				if err != nil {
					t.Fatal(err)
				}
				stored = append(stored, m)
			}
			if len(ma) != 42 || !slices.Equal(ma, mb) || !slices.Equal(ma, stored) {
				t.Errorf("workstations: A %d members, B %d, store %d; want 42 everywhere, equal", len(ma), len(mb), len(stored))
			}

			// A device onboarded through B checks in through A.
			en, err := bsvc.Onboard(ctx, "ws-late", facts(enrollment.PlatformWindows, enrollment.ManagementTag))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := a.Transport(en.Credential).CheckIn(ctx, transport.CheckIn{DeviceID: "ws-late"})
			if err != nil || resp.Configuration == nil {
				t.Fatalf("ws-late through A: %+v, %v", resp, err)
			}

			// An offboarding on A revokes the credential on B at once.
			if _, err := a.Offboard(ctx, "ws-late"); err != nil {
				t.Fatal(err)
			}
			if err := bsvc.Authenticate(ctx, en.Credential); err == nil {
				t.Error("B accepts the credential A revoked")
			}
		})
	}
}
