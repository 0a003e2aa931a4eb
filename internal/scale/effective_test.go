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
	results []*conflict.Result // distinct merges
	device  []int32            // per device: index in results, -1 when not enrolled
	merged  int                // enrolled devices
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
// the assignments, then conflict.Merger.Merge. With memo, devices whose
// merge inputs are equal (same platform, OS version and policies) share
// one merge, as a service caching by those inputs would; without, every
// device is merged.
func computeEffective(tb testing.TB, fd *fleetData, x *targeting.Index, m *conflict.Merger, memo bool) *effective {
	n := len(fd.devices)
	e := &effective{device: make([]int32, n)}
	type share struct {
		lo, hi  int
		results []*conflict.Result
		merged  int
		err     error
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
		for i := lo; i < hi; i++ {
			d := &fd.devices[i]
			if d.Expected != enrollment.StateEnrolled {
				e.device[i] = -1
				continue
			}
			s.merged++
			groups = slices.AppendSeq(groups[:0], x.GroupsOf(d.ID))
			idx = fd.fleet.PolicyIndexes(groups, idx[:0])
			class := d.Class()
			if memo {
				key = mergeKey(key[:0], class, d.Facts.OSVersion, idx)
				if r, ok := seen[string(key)]; ok {
					e.device[i] = r
					continue
				}
			}
			pols = pols[:0]
			for _, k := range idx {
				pols = append(pols, fd.fleet.Policies[k])
			}
			res, err := m.Merge(conflict.Device{Class: class, OSVersion: d.Facts.OSVersion}, pols)
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
	e := computeEffective(tb, fd, x, m, true)
	effectiveCache[n] = e
	return e
}

// BenchmarkEffective computes the effective configuration of every
// enrolled device of the fleet: memberships from the index, assignments,
// and the merge of the device's policies. merge=every merges every device
// (the DESIGN per-device target is ≤ 20 µs for 10 policies × 30
// settings); merge=memo merges each distinct (platform, OS version,
// policies) once.
func BenchmarkEffective(b *testing.B) {
	forSizes(b, func(b *testing.B, n int) {
		fd, x := fleetOf(b, n), indexOf(b, n)
		m, err := conflict.New(fd.fleet.Options.Catalog)
		if err != nil {
			b.Fatal(err)
		}
		for _, memo := range []bool{false, true} {
			name := "merge=every"
			if memo {
				name = "merge=memo"
			}
			b.Run(name, func(b *testing.B) {
				var e *effective
				b.ReportAllocs()
				for b.Loop() {
					e = computeEffective(b, fd, x, m, memo)
				}
				perSec := float64(e.merged) * float64(b.N) / b.Elapsed().Seconds()
				b.ReportMetric(perSec, "devices/s")
				b.ReportMetric(float64(len(e.results)), "merges")
				b.ReportMetric(1e6/perSec, "µs/device")
			})
		}
	})
}
