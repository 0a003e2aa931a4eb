package secmgmt_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/store/sqlite"
	"github.com/secmgmt/secmgmt/transport"
)

// TestCheckInFlush: check-ins kept for a batched write are seen by the
// service's own views at once, reach the store when the batch is written,
// and are written when the service closes.
func TestCheckInFlush(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flush.db")
	st, err := sqlite.Open(path, sqlite.WithSynchronous(sqlite.SyncNormal))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(st), secmgmt.WithCheckInFlush(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	setTenant(t, svc, inScope())
	en, err := svc.Onboard(ctx, "l1", facts(enrollment.PlatformLinux))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := svc.Transport(en.Credential).CheckIn(ctx, transport.CheckIn{DeviceID: "l1"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := svc.Device(ctx, "l1")
	if err != nil || d.ConfigurationVersion != resp.Configuration.Version {
		t.Fatalf("pending check-in not seen: %+v, %v", d, err)
	}
	if c, err := st.LastCheckIn(ctx, "l1"); err != nil || c.ConfigurationVersion != "" {
		t.Fatalf("the store has the check-in before the batch is written: %+v, %v", c, err)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := st.LastCheckIn(ctx, "l1")
	if err != nil || c.ConfigurationVersion != resp.Configuration.Version {
		t.Fatalf("after Close: %+v, %v", c, err)
	}
}

// TestSyncInterval: with an interval, an instance looks at the feed at
// most that often for requests, while a write always starts from the
// store's state.
func TestSyncInterval(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	open := func() store.Store {
		st, err := sqlite.Open(path, sqlite.WithSynchronous(sqlite.SyncNormal))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(open()))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(open()), secmgmt.WithSyncInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, _, err := b.Tenant(ctx); err != nil { // b looks once
		t.Fatal(err)
	}
	if _, err := a.CreateGroup(ctx, secmgmt.Group{ID: "g"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Group(ctx, "g"); !errors.Is(err, secmgmt.ErrNotFound) {
		t.Fatalf("b looked at the feed within its interval: %v", err)
	}
	// A write on b catches up first: the group exists for it.
	if _, err := b.CreateGroup(ctx, secmgmt.Group{ID: "g"}); !errors.Is(err, secmgmt.ErrConflict) {
		t.Fatalf("b's write did not see a's group: %v", err)
	}
	if _, err := b.Group(ctx, "g"); err != nil {
		t.Fatal(err)
	}
}
