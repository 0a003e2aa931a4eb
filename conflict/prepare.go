package conflict

import (
	"github.com/secmgmt/secmgmt/policy"
)

// Prepared is a policy made ready for merging by one Merger (Prepare): its
// settings resolved against the catalog, checked, pruned and hashed, its
// union lists and firewall rules read, and whether security settings
// management delivers it to each kind of device. A merge of prepared
// policies (MergePrepared) only groups, compares and decides.
//
// A Prepared is immutable and safe for concurrent use by any number of
// merges. It keeps its own copy of the policy: later changes to the policy
// do not reach it, and results share setting instances with the copy, not
// with the policy.
type Prepared struct {
	m         *Merger
	pol       *policy.Policy // the private copy
	info      PolicyInfo     // Support is filled in per device
	platforms policy.Platforms

	// support[platform][domain controller][variant], for the platforms of
	// devicePlatforms and the variants of variants.
	support [len(devicePlatforms)][2][len(variants)]policy.Support

	// The walk depends on the device only through whether, and why not,
	// each definition in the policy applies. Definitions with the same
	// applicability form a class; a variant is the walk for one answer per
	// class (two bits each, see key).
	classes      []applicability
	variants     []variant
	notDelivered walked // the walk when the device does not receive the policy
}

// variant is the walk of a prepared policy for the devices whose key it is.
type variant struct {
	key      uint64
	w        walked
	problems []Problem // when not empty, the ops are not kept
}

// maxClasses is how many applicability classes a key holds; a policy with
// more is walked by every merge.
const maxClasses = 32

// devicePlatforms and variants are the devices a Prepared is made ready
// for; another platform or variant is walked by every merge.
var (
	devicePlatforms = [...]policy.DevicePlatform{policy.DeviceWindows, policy.DeviceWindowsServer, policy.DeviceMacOS, policy.DeviceLinux}
	variants        = [...]policy.Variant{policy.VariantLegacy, policy.VariantCurrent}
)

// Prepare makes a policy ready for MergePrepared. Merging the same
// policies for many devices (a service answering check-ins) prepares each
// policy once, when it changes.
//
// Prepare does not judge the policy: whether its settings must fit the
// catalog depends on whether the device receives it, so MergePrepared
// reports the problems Merge would (a missing id, an unknown setting, a
// wrong kind, …) for the devices that receive the policy. The only error
// is a nil policy (an *InputError with ProblemNilPolicy).
func (m *Merger) Prepare(p *policy.Policy) (*Prepared, error) {
	if p == nil {
		return nil, &InputError{Problems: []Problem{{Kind: ProblemNilPolicy, Detail: "the policy is nil"}}}
	}
	c := p.Clone()
	pr := &Prepared{m: m, pol: c, platforms: c.Platforms,
		info: PolicyInfo{ID: c.ID, Name: c.Name, TemplateID: c.TemplateReference.TemplateID, LastModified: c.LastModifiedDateTime}}
	receives := false
	for pi, dp := range devicePlatforms {
		for dc := range 2 {
			for vi, v := range variants {
				s := policy.Deliverable(c, policy.DeviceClass{Platform: dp, DomainController: dc == 1}, v)
				pr.support[pi][dc][vi] = s
				receives = receives || s.Supported
			}
		}
	}

	r := m.get()
	defer r.release(m)
	w := &r.wk
	var none []Problem
	w.out, w.problems = &pr.notDelivered, &none
	w.walk(c, false)
	w.out, w.problems = nil, nil
	if !receives {
		return pr, nil
	}

	seen := map[applicability]bool{}
	c.Walk(func(inst *policy.SettingInstance) bool {
		if di := m.defs[inst.DefinitionID]; di != nil && !seen[di.applicability] {
			seen[di.applicability] = true
			pr.classes = append(pr.classes, di.applicability)
		}
		return len(pr.classes) <= maxClasses
	})
	if len(pr.classes) > maxClasses {
		pr.classes = nil
		pr.variants = nil
		return pr, nil // too varied: every merge walks it
	}
	// One variant for each answer a device can give: the platforms and
	// variants it is delivered to, and OS versions on either side of every
	// minimum (no version, the lowest, and each minimum itself).
	versions := []osVersion{{}, {set: true}}
	for _, a := range pr.classes {
		if a.minOS.set {
			versions = append(versions, a.minOS)
		}
	}
	for pi, dp := range devicePlatforms {
		for vi, v := range variants {
			if !pr.support[pi][0][vi].Supported && !pr.support[pi][1][vi].Supported {
				continue
			}
			for _, ver := range versions {
				e := env{platform: platformOf(dp), variant: v, os: ver}
				k := pr.key(&e)
				if pr.variantOf(k) != nil {
					continue
				}
				vr := variant{key: k}
				w.env, w.out, w.problems = e, &vr.w, &vr.problems
				w.walk(c, true)
				w.out, w.problems = nil, nil
				if len(vr.problems) > 0 {
					vr.w = walked{}
				}
				pr.variants = append(pr.variants, vr)
			}
		}
	}
	return pr, nil
}

// ID returns the id of the prepared policy.
func (p *Prepared) ID() string { return p.info.ID }

// key gives, two bits per class, whether the class applies to the device
// and why not.
func (p *Prepared) key(e *env) uint64 {
	var k uint64
	for i := range p.classes {
		var b uint64
		switch reason, _ := p.classes[i].applies(e); reason {
		case codePlatform:
			b = 1
		case codeUnsupported:
			b = 2
		case codeOSVersion:
			b = 3
		}
		k |= b << (2 * i)
	}
	return k
}

func (p *Prepared) variantOf(k uint64) *variant {
	for i := range p.variants {
		if p.variants[i].key == k {
			return &p.variants[i]
		}
	}
	return nil
}

// variantFor returns the walk for a device, nil when the device must walk
// the policy itself.
func (p *Prepared) variantFor(e *env) *variant {
	if len(p.variants) == 0 {
		return nil
	}
	return p.variantOf(p.key(e))
}

// deliverable answers policy.Deliverable for the prepared policy.
func (p *Prepared) deliverable(d policy.DeviceClass, v policy.Variant) policy.Support {
	pi, vi := -1, -1
	for i, dp := range devicePlatforms {
		if dp == d.Platform {
			pi = i
		}
	}
	for i, x := range variants {
		if x == v {
			vi = i
		}
	}
	if pi < 0 || vi < 0 {
		return policy.Deliverable(p.pol, d, v)
	}
	dc := 0
	if d.DomainController {
		dc = 1
	}
	return p.support[pi][dc][vi]
}
