package scale

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/internal/fleetgen"
	"github.com/secmgmt/secmgmt/targeting"
)

// Fleet shape of every benchmark: 100 dynamic groups (the DESIGN target's),
// 60 policies over every template.
const (
	benchGroups   = 100
	benchPolicies = 60
	benchSeed     = 20260302
)

// sizes returns the fleet sizes to run: 10k and 100k, and 1M when
// SECMGMT_SCALE=1M.
func sizes() []int {
	s := []int{10_000, 100_000}
	switch strings.ToUpper(strings.TrimSpace(os.Getenv("SECMGMT_SCALE"))) {
	case "1M", "1000000":
		s = append(s, 1_000_000)
	}
	return s
}

func sizeName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// forSizes runs fn as a sub-benchmark N=<size> for every size.
func forSizes(b *testing.B, fn func(b *testing.B, n int)) {
	for _, n := range sizes() {
		b.Run("N="+sizeName(n), func(b *testing.B) { fn(b, n) })
	}
}

// fleetData is a generated fleet kept in memory: every device (without
// its pre-onboarding registration, which nothing here reads).
type fleetData struct {
	fleet   *fleetgen.Fleet
	devices []fleetgen.Device
	objects int // devices with a directory object
}

var (
	fleetMu    sync.Mutex
	fleetCache = map[int]*fleetData{}
	indexCache = map[int]*targeting.Index{}
)

// fleetOf returns the fleet of n devices, generating it on every core the
// first time.
func fleetOf(tb testing.TB, n int) *fleetData {
	tb.Helper()
	fleetMu.Lock()
	defer fleetMu.Unlock()
	if fd, ok := fleetCache[n]; ok {
		return fd
	}
	f, err := fleetgen.New(benchSeed, fleetgen.Options{Devices: n, Groups: benchGroups, Policies: benchPolicies})
	if err != nil {
		tb.Fatal(err)
	}
	fd := &fleetData{fleet: f, devices: make([]fleetgen.Device, n)}
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d := f.Device(i)
			d.Existing = nil
			fd.devices[i] = d
		}
	})
	for i := range fd.devices {
		if fd.devices[i].Object != nil {
			fd.objects++
		}
	}
	fleetCache[n] = fd
	return fd
}

// indexOf returns the membership index of the fleet of n devices: its
// groups and every directory object.
func indexOf(tb testing.TB, n int) *targeting.Index {
	tb.Helper()
	fd := fleetOf(tb, n)
	fleetMu.Lock()
	defer fleetMu.Unlock()
	if x, ok := indexCache[n]; ok {
		return x
	}
	x := buildIndex(tb, fd)
	indexCache[n] = x
	return x
}

func buildIndex(tb testing.TB, fd *fleetData) *targeting.Index {
	x := targeting.NewIndex()
	for _, g := range fd.fleet.Groups {
		if _, err := x.AddGroup(g); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range fd.devices {
		if d := &fd.devices[i]; d.Object != nil {
			x.UpsertDevice(d.ID, d.Object)
		}
	}
	return x
}

// parallel splits [0, n) into one contiguous share per core and runs fn on
// each share in its own goroutine.
func parallel(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// heapAfterGC returns the live heap after a full collection.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// reportCPU reports the process's CPU time since start per unit (devices
// or operations): the cost of a path on a machine whose cores are shared,
// where wall time also counts the time other processes held them.
func reportCPU(b *testing.B, start time.Duration, units float64, name string) {
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/1e3/units, name)
}
