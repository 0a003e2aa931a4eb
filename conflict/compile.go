package conflict

import (
	"github.com/secmgmt/secmgmt/policy"
)

// orderedSettings are the simple collections whose order means something
// to the device; every other collection is compared as a set.
var orderedSettings = map[string]bool{
	// The order in which the device tries the update sources.
	"device_vendor_msft_policy_config_defender_signatureupdatefallbackorder": true,
}

// defInfo is what a merge needs of one definition, worked out once per
// Merger.
type defInfo struct {
	def      *policy.Definition
	idx      int32 // dense index, for per-run tables
	idHash   uint64
	kind     policy.Kind
	instKind policy.InstanceKind
	merge    policy.Merge
	parent   *defInfo // nil for a top-level setting
	ordered  bool
	applicability
}

// applicability is what decides whether a definition applies to a device.
type applicability struct {
	platforms          policy.Platforms
	minOS              osVersion
	unsupportedLegacy  bool
	unsupportedCurrent bool
}

// instanceKinds maps each definition kind to the instance kind that
// configures it.
var instanceKinds = map[policy.Kind]policy.InstanceKind{
	policy.KindChoice:            policy.InstanceChoice,
	policy.KindChoiceCollection:  policy.InstanceChoiceCollection,
	policy.KindInteger:           policy.InstanceSimple,
	policy.KindString:            policy.InstanceSimple,
	policy.KindSecret:            policy.InstanceSimple,
	policy.KindIntegerCollection: policy.InstanceSimpleCollection,
	policy.KindStringCollection:  policy.InstanceSimpleCollection,
	policy.KindGroup:             policy.InstanceGroup,
	policy.KindGroupCollection:   policy.InstanceGroupCollection,
}

// compile indexes every definition of the catalog, children included.
func compile(c *policy.Catalog) map[string]*defInfo {
	defs := make(map[string]*defInfo, c.Len())
	var add func(d *policy.Definition, parent *defInfo)
	add = func(d *policy.Definition, parent *defInfo) {
		if _, seen := defs[d.ID]; seen {
			return // a child shared by several options of its parent
		}
		di := &defInfo{
			def:           d,
			idx:           int32(len(defs)),
			idHash:        hashString(hashK0, d.ID),
			kind:          d.Kind,
			instKind:      instanceKinds[d.Kind],
			merge:         d.Merge,
			parent:        parent,
			ordered:       orderedSettings[d.ID],
			applicability: applicability{platforms: d.Platforms},
		}
		// The catalog checked MinOSVersion when it loaded; a value that does
		// not parse is treated as absent.
		if v, err := parseOSVersion(d.MinOSVersion); err == nil {
			di.minOS = v
		}
		for _, v := range d.UnsupportedIn {
			switch v {
			case policy.VariantLegacy:
				di.unsupportedLegacy = true
			case policy.VariantCurrent:
				di.unsupportedCurrent = true
			}
		}
		defs[d.ID] = di
		for _, ch := range d.Children {
			add(ch, di)
		}
		for _, o := range d.Options {
			for _, ch := range o.Children {
				add(ch, di)
			}
		}
	}
	for d := range c.Definitions() {
		if p, _ := d.Parent(); p == nil {
			add(d, nil)
		}
	}
	return defs
}

// applies reports whether a definition applies to the device, and why not
// when it does not.
func (a *applicability) applies(e *env) (reasonCode, bool) {
	if a.platforms != 0 && a.platforms&e.platform == 0 {
		return codePlatform, false
	}
	if e.variant == policy.VariantLegacy && a.unsupportedLegacy ||
		e.variant == policy.VariantCurrent && a.unsupportedCurrent {
		return codeUnsupported, false
	}
	if e.os.set && a.minOS.set && e.os.less(a.minOS) {
		return codeOSVersion, false
	}
	return codeNone, true
}
