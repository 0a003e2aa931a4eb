package secmgmt

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/secmgmt/secmgmt/internal/fleetgen"
	"github.com/secmgmt/secmgmt/transport"
)

// stateDigest describes the service's in-memory state: every device's
// record, facts, cached configuration and dirty flag, every group's
// members as the index has them, every policy's generation and
// assignments, the tenant, the directory's size and the counters.
func stateDigest(svc *Service) string {
	svc.mu.RLock()
	defer svc.mu.RUnlock()
	st := svc.state
	var b strings.Builder
	fmt.Fprintf(&b, "tenant %+v\n", st.tenant)
	for _, id := range st.deviceIDs() {
		d := st.devices[id]
		d.mu.Lock()
		conf, dirty := d.conf, d.dirty
		d.mu.Unlock()
		fmt.Fprintf(&b, "device %s v%d %s %v %v conf=%p dirty=%v\n", id, d.version, d.record.Status, d.record.State, d.facts != nil && d.facts.HasTag("MDE-Management"), conf, dirty)
		if obj, ok := st.index.Device(id); ok {
			fmt.Fprintf(&b, "  object %+v\n", *obj)
		}
	}
	var gids []string
	for id := range st.groups {
		gids = append(gids, id)
	}
	slices.Sort(gids)
	for _, id := range gids {
		var members []string
		for m := range st.index.Members(id) {
			members = append(members, m)
		}
		slices.Sort(members)
		fmt.Fprintf(&b, "group %s v%d %s\n", id, st.groups[id].g.Version, strings.Join(members, ","))
	}
	var pids []string
	for id := range st.policies {
		pids = append(pids, id)
	}
	slices.Sort(pids)
	for _, id := range pids {
		pe := st.policies[id]
		fmt.Fprintf(&b, "policy %s gen %d v%d %+v\n", id, pe.gen, pe.version, pe.target)
	}
	fmt.Fprintf(&b, "directory %d\nstats %+v\n", st.dir.Len(), svc.Stats())
	return b.String()
}

// TestSimulateChangesNothing simulates many random changes and checks that
// the state and the store are exactly as they were.
func TestSimulateChangesNothing(t *testing.T) {
	ctx := context.Background()
	svc, f := fleetService(t, fleetgen.Options{Devices: 300, Groups: 20, Policies: 24}, true)
	before := stateDigest(svc)
	last, err := svc.st.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	simulated := 0
	for n := range 60 {
		if _, err := svc.Simulate(ctx, randomChange(r, svc, f, n)); err == nil {
			simulated++
		}
	}
	if simulated < 20 {
		t.Fatalf("only %d of 60 changes simulated", simulated)
	}
	if after := stateDigest(svc); after != before {
		t.Errorf("Simulate changed the in-memory state:\n%s", firstDifference(before, after))
	}
	if l, _ := svc.st.LastChange(ctx); l != last {
		t.Errorf("Simulate wrote to the store: the feed went from %d to %d", last, l)
	}
}

func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("before: %s\nafter:  %s", la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines before, %d after", len(la), len(lb))
}

// TestSimulateWithCheckIns runs simulations while devices check in and an
// administrator writes: check-ins keep being answered, and the race
// detector sees every access.
func TestSimulateWithCheckIns(t *testing.T) {
	ctx := context.Background()
	svc, f := fleetService(t, fleetgen.Options{Devices: 200, Groups: 16, Policies: 16}, true)
	var ids []string
	svc.mu.RLock()
	for id, d := range svc.state.devices {
		if d.managed() {
			ids = append(ids, id)
		}
	}
	svc.mu.RUnlock()
	slices.Sort(ids)
	if len(ids) == 0 {
		t.Fatal("no managed device")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i += 2 {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := svc.CheckIn(ctx, transport.CheckIn{DeviceID: ids[i%len(ids)]}); err != nil {
					errs <- fmt.Errorf("check-in of %s: %w", ids[i%len(ids)], err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		g := f.Groups[len(f.Groups)-1].ID
		for range 5 {
			if _, err := svc.PauseGroup(ctx, g); err != nil {
				errs <- err
				return
			}
			if _, err := svc.ResumeGroup(ctx, g); err != nil {
				errs <- err
				return
			}
		}
	}()
	r := rand.New(rand.NewPCG(7, 8))
	for n := range 25 {
		_, _ = svc.Simulate(ctx, randomChange(r, svc, f, n))
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if svc.Stats().CheckIns == 0 {
		t.Error("no check-in was answered")
	}
}
