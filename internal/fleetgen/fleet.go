package fleetgen

import (
	"iter"
	"math/bits"
	"math/rand/v2"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/targeting"
)

// Fleet is a generated fleet: its tenant, dynamic groups, policies with
// their assignments, and N devices generated on demand (Device, Devices).
//
// A Fleet is immutable once New returns and safe for concurrent use. The
// policies and groups are shared with every caller: do not modify them
// (clone a policy to change it).
type Fleet struct {
	// Seed is the seed the fleet was generated from.
	Seed uint64
	// Options are the options with their defaults filled in.
	Options Options
	// Tenant is the tenant's configuration of security settings
	// management: current mode, the Intune toggle on, every Windows client
	// and macOS device in scope, Windows Server (domain controllers
	// included) and Linux limited to devices tagged MDE-Management,
	// Configuration Manager authority and Defender for Cloud on.
	Tenant enrollment.Tenant
	// Groups are the dynamic groups, each with a rule targeting.Parse
	// accepts. The first four hold the managed devices of each platform
	// (Windows, Windows Server, macOS, Linux).
	Groups []targeting.Group
	// Policies are the policies, built with policy.NewPolicy from the
	// catalog's templates, with their Graph assignments.
	Policies []*policy.Policy
	// Assignments[i] holds the targets of Policies[i] (the same as its
	// Graph assignments).
	Assignments []targeting.Assignment

	n         int
	platforms weights
	groups    []groupInfo
	// policy indexes by the group ids that include and exclude them, and
	// those assigned to all devices
	included, excluded map[string][]int
	allDevices         []int
}

// New generates a fleet from a seed. The same seed and options give the
// same fleet: the same groups and policies, and the same device for each
// index. The error is an *OptionError for options out of range, or the
// error of a policy the catalog refuses (which would be a fault of the
// generator).
func New(seed uint64, opts Options) (*Fleet, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	f := &Fleet{Seed: seed, Options: o, Tenant: fleetTenant(), n: o.Devices}
	f.platforms = newWeights(mixWeights(o.Mix))
	r := rand.New(rand.NewPCG(mix64(seed, 1), mix64(seed, 2)))
	f.makeGroups(r)
	if err := f.makePolicies(r); err != nil {
		return nil, err
	}
	f.included, f.excluded = map[string][]int{}, map[string][]int{}
	for i, a := range f.Assignments {
		for _, g := range a.IncludeGroups {
			f.included[g] = append(f.included[g], i)
		}
		for _, g := range a.ExcludeGroups {
			f.excluded[g] = append(f.excluded[g], i)
		}
		if a.AllDevices {
			f.allDevices = append(f.allDevices, i)
		}
	}
	return f, nil
}

// fleetTenant is the tenant every fleet runs under.
func fleetTenant() enrollment.Tenant {
	t := enrollment.DefaultTenant()
	t.IntuneEnforcement = true
	t.Scope = enrollment.Scope{
		WindowsClient:     enrollment.ScopeAll,
		WindowsServer:     enrollment.ScopeTagged,
		MacOS:             enrollment.ScopeAll,
		Linux:             enrollment.ScopeTagged,
		DomainControllers: enrollment.ScopeTagged,
	}
	t.ConfigMgrAuthority = true
	t.DefenderForCloud = true
	return t
}

// mixWeights turns the shares into integer weights (parts per million).
func mixWeights(m Mix) []int {
	total := m.Windows + m.WindowsServer + m.MacOS + m.Linux
	w := []int{0, 0, 0, 0}
	for i, s := range []float64{m.Windows, m.WindowsServer, m.MacOS, m.Linux} {
		w[i] = int(s / total * 1e6)
	}
	if w[0]+w[1]+w[2]+w[3] == 0 {
		w[0] = 1
	}
	return w
}

// PolicyIndexes appends to dst, in increasing order, the indexes of the
// policies whose assignments target a device that is a member of exactly
// the groups listed (ids as in Groups): included by a group or assigned to
// all devices, and not excluded by any group. It is what
// targeting.Assignment.Targets says for each policy, computed from the
// groups instead of over every policy.
func (f *Fleet) PolicyIndexes(groups []string, dst []int) []int {
	var small [4]uint64
	words := (len(f.Policies) + 63) / 64
	var in, out []uint64
	if 2*words <= len(small) {
		in, out = small[:words], small[words:2*words]
	} else {
		in, out = make([]uint64, words), make([]uint64, words)
	}
	set := func(bits []uint64, i int) { bits[i/64] |= 1 << (i % 64) }
	for _, i := range f.allDevices {
		set(in, i)
	}
	for _, g := range groups {
		for _, i := range f.included[g] {
			set(in, i)
		}
		for _, i := range f.excluded[g] {
			set(out, i)
		}
	}
	for w := range in {
		word := in[w] &^ out[w]
		for word != 0 {
			dst = append(dst, w*64+bits.TrailingZeros64(word))
			word &= word - 1
		}
	}
	return dst
}

// Len returns the number of devices, N.
func (f *Fleet) Len() int { return f.n }

// Devices yields every device in index order. Each is generated when it
// is yielded; nothing is kept.
func (f *Fleet) Devices() iter.Seq[Device] {
	return func(yield func(Device) bool) {
		for i := range f.n {
			if !yield(f.Device(i)) {
				return
			}
		}
	}
}
