package secmgmt_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/secmgmt/secmgmt"
	"github.com/secmgmt/secmgmt/authz"
	"github.com/secmgmt/secmgmt/store"
)

// countGroups lists the service's groups.
func countGroups(t *testing.T, svc *secmgmt.Service) int {
	t.Helper()
	n := 0
	for _, err := range svc.Groups(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// TestChangeFeedRetention: an instance trims the feed it writes to the
// retention it was given; another instance sharing the store that fell
// behind the trimmed entries rebuilds its state and serves everything the
// first wrote; the writer itself never has to rebuild.
func TestChangeFeedRetention(t *testing.T) {
	for _, b := range sharedBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			stA, stB := b.open(t)
			const keep = 8
			a, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(stA), secmgmt.WithChangeFeedRetention(keep))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			bsvc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithStore(stB))
			if err != nil {
				t.Fatal(err)
			}
			defer bsvc.Close()
			if n := countGroups(t, bsvc); n != 0 {
				t.Fatalf("B sees %d groups before any was made", n)
			}
			reloadsA, reloadsB := a.Stats().Reloads, bsvc.Stats().Reloads

			const groups = 40
			for i := range groups {
				if _, err := a.CreateGroup(ctx, secmgmt.Group{ID: fmt.Sprintf("g%02d", i), MembershipRule: `device.deviceOSType -eq "Linux"`}); err != nil {
					t.Fatal(err)
				}
			}
			last, err := stA.LastChange(ctx)
			if err != nil {
				t.Fatal(err)
			}
			left, err := stA.Changes(ctx, 0, 10_000)
			if err != nil {
				t.Fatal(err)
			}
			// Trimming happens every keep/4 entries, so at most keep+keep/4
			// of them are left, and the latest ones are.
			if len(left) == 0 || len(left) > keep+keep/4 || left[len(left)-1].Seq != last || left[0].Seq <= 1 {
				t.Fatalf("after %d writes with retention %d the feed holds %d entries (last %d)", groups, keep, len(left), last)
			}

			if n := countGroups(t, bsvc); n != groups {
				t.Fatalf("B sees %d groups, want %d", n, groups)
			}
			if got := bsvc.Stats().Reloads - reloadsB; got != 1 {
				t.Fatalf("B rebuilt its state %d times, want once", got)
			}
			if got := a.Stats().Reloads - reloadsA; got != 0 {
				t.Fatalf("A rebuilt its state %d times", got)
			}
			// B, now current, writes through the trimmed feed, and A follows.
			if _, err := bsvc.CreateGroup(ctx, secmgmt.Group{ID: "from-b", MembershipRule: `device.deviceOSType -eq "Linux"`}); err != nil {
				t.Fatal(err)
			}
			if n := countGroups(t, a); n != groups+1 {
				t.Fatalf("A sees %d groups after B's write, want %d", n, groups+1)
			}
		})
	}
}

// TestChangeFeedRetentionOff: 0 keeps every entry.
func TestChangeFeedRetentionOff(t *testing.T) {
	ctx := context.Background()
	var st store.Store
	svc, err := secmgmt.New(secmgmt.WithAuthorizer(authz.AllowAll()), secmgmt.WithChangeFeedRetention(0))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	st = svc.Store()
	for i := range 30 {
		if _, err := svc.CreateGroup(ctx, secmgmt.Group{ID: fmt.Sprintf("g%d", i), MembershipRule: `device.deviceOSType -eq "Linux"`}); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := st.Changes(ctx, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 || cs[0].Seq != 1 {
		t.Fatalf("the feed was trimmed: first entry %v", cs[:min(1, len(cs))])
	}
	if _, err := secmgmt.New(secmgmt.WithChangeFeedRetention(-1)); err == nil {
		t.Fatal("a negative retention was accepted")
	}
}
