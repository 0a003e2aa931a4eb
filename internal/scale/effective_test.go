package scale

import (
	"encoding/binary"
	"slices"
	"sync"
	"testing"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/targeting"
)

// effective is the effective configuration of every enrolled device of a
// fleet.
type effective struct {
	results  []*conflict.Result // distinct merges
	device   []int32            // per device: index in results, -1 when not enrolled
	merged   int                // enrolled devices
	policies int                // policies assigned, summed over the enrolled devices
}

// mergeMode is how computeEffective merges.
type mergeMode int

const (
	mergeEvery    mergeMode = iota // Merger.Merge for every device
	mergePrepared                  // Merger.MergePrepared for every device (policies prepared once)
	mergeMemo                      // MergePrepared once per distinct merge input
)

func (m mergeMode) String() string {
	return [...]string{"every", "prepared", "memo"}[m]
}

// mergeKey writes what a merge depends on: the device's platform, whether
// it is a domain controller, its OS version, and the policies assigned.
func mergeKey(dst []byte, c policy.DeviceClass, osVersion string, idx []int) []byte {
	dst = append(dst, c.Platform...)
	dst = append(dst, 0)
	if c.DomainController {
		dst = append(dst, 1)
	}
	dst = append(dst, osVersion...)
	dst = append(dst, 0)
	for _, i := range idx {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(i))
	}
	return dst
}

// computeEffective merges the assigned policies of every enrolled device,
// on every core: the device's groups from the index, its policies from
// the assignments, then the merge. mergeEvery calls conflict.Merger.Merge,
// which walks every policy on each call; mergePrepared merges the policies
// prepared once (Merger.Prepare, then MergePrepared: the service's path);
// with mergeMemo, devices whose merge inputs are equal (same platform, OS
// version and policies) share one prepared merge, as the service's
// configuration cache does.
func computeEffective(tb testing.TB, fd *fleetData, x *targeting.Index, m *conflict.Merger, mode mergeMode) *effective {
	n := len(fd.devices)
	e := &effective{device: make([]int32, n)}
	var prepared []*conflict.Prepared
	if mode != mergeEvery {
		for _, p := range fd.fleet.Policies {
			pp, err := m.Prepare(p)
			if err != nil {
				tb.Fatal(err)
			}
			prepared = append(prepared, pp)
		}
	}
	memo := mode == mergeMemo
	type share struct {
		lo, hi   int
		results  []*conflict.Result
		merged   int
		policies int
		err      error
	}
	var shares []*share
	var mu sync.Mutex
	parallel(n, func(lo, hi int) {
		s := &share{lo: lo, hi: hi}
		mu.Lock()
		shares = append(shares, s)
		mu.Unlock()
		seen := map[string]int32{}
		var groups []string
		var idx []int
		var key []byte
		var pols []*policy.Policy
		var preps []*conflict.Prepared
		for i := lo; i < hi; i++ {
			d := &fd.devices[i]
			if d.Expected != enrollment.StateEnrolled {
				e.device[i] = -1
				continue
			}
			s.merged++
			groups = slices.AppendSeq(groups[:0], x.GroupsOf(d.ID))
			idx = fd.fleet.PolicyIndexes(groups, idx[:0])
			s.policies += len(idx)
			class := d.Class()
			if memo {
				key = mergeKey(key[:0], class, d.Facts.OSVersion, idx)
				if r, ok := seen[string(key)]; ok {
					e.device[i] = r
					continue
				}
			}
			dev := conflict.Device{Class: class, OSVersion: d.Facts.OSVersion}
			var res *conflict.Result
			var err error
			if mode == mergeEvery {
				pols = pols[:0]
				for _, k := range idx {
					pols = append(pols, fd.fleet.Policies[k])
				}
				res, err = m.Merge(dev, pols)
			} else {
				preps = preps[:0]
				for _, k := range idx {
					preps = append(preps, prepared[k])
				}
				res, err = m.MergePrepared(dev, preps)
			}
			if err != nil {
				s.err = err
				return
			}
			e.device[i] = int32(len(s.results))
			if memo {
				seen[string(key)] = int32(len(s.results))
			}
			s.results = append(s.results, res)
		}
	})
	slices.SortFunc(shares, func(a, b *share) int { return a.lo - b.lo })
	for _, s := range shares {
		if s.err != nil {
			tb.Fatal(s.err)
		}
		off := int32(len(e.results))
		for i := s.lo; i < s.hi; i++ {
			if e.device[i] >= 0 {
				e.device[i] += off
			}
		}
		e.results = append(e.results, s.results...)
		e.merged += s.merged
		e.policies += s.policies
	}
	return e
}

var (
	effectiveMu    sync.Mutex
	effectiveCache = map[int]*effective{}
)

// effectiveOf returns the memoised effective configuration of the fleet
// of n devices.
func effectiveOf(tb testing.TB, n int) *effective {
	fd, x := fleetOf(tb, n), indexOf(tb, n)
	effectiveMu.Lock()
	defer effectiveMu.Unlock()
	if e, ok := effectiveCache[n]; ok {
		return e
	}
	m, err := conflict.New(fd.fleet.Options.Catalog)
	if err != nil {
		tb.Fatal(err)
	}
	e := computeEffective(tb, fd, x, m, mergeMemo)
	effectiveCache[n] = e
	return e
}

// BenchmarkEffective computes the effective configuration of every
// enrolled device of the fleet: memberships from the index, assignments,
// and the merge of the device's policies, on every core. merge=every
// merges every device with Merger.Merge; merge=prepared merges every
// device with the policies prepared once (MergePrepared, the service's
// path; the DESIGN per-device target is ≤ 20 µs for 10 policies × 30
// settings); merge=memo merges each distinct (platform, OS version,
// policies) once. µs/device is wall time on all cores per enrolled
// device.
func BenchmarkEffective(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		fd, x := fleetOf(b, n), indexOf(b, n)
		m, err := conflict.New(fd.fleet.Options.Catalog)
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []mergeMode{mergeEvery, mergePrepared, mergeMemo} {
			b.Run("merge="+mode.String(), func(b *testing.B) {
				var e *effective
				b.ReportAllocs()
				c0 := cpuTime()
				for b.Loop() {
					e = computeEffective(b, fd, x, m, mode)
				}
				reportCPU(b, c0, float64(e.merged)*float64(b.N), "cpu-µs/device")
				perSec := float64(e.merged) * float64(b.N) / b.Elapsed().Seconds()
				b.ReportMetric(perSec, "devices/s")
				b.ReportMetric(float64(len(e.results)), "merges")
				b.ReportMetric(1e6/perSec, "µs/device")
				b.ReportMetric(float64(e.policies)/float64(e.merged), "policies/device")
				if mode == mergeMemo {
					// (policy, setting) outcomes per device: the "× 30
					// settings" of the DESIGN target, times the policies.
					outcomes := 0
					for _, r := range e.device {
						if r >= 0 {
							outcomes += len(e.results[r].Outcomes())
						}
					}
					b.ReportMetric(float64(outcomes)/float64(e.merged), "outcomes/device")
				}
			})
		}
	})
}
