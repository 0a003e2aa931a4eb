package policy

import "fmt"

// Kind is the shape of a setting definition and of the instances that
// configure it.
type Kind string

// Setting kinds. Each maps to one Graph setting-instance @odata.type:
// choice → ChoiceSettingInstance, choiceCollection →
// ChoiceSettingCollectionInstance, integer / string / secret →
// SimpleSettingInstance (Integer / String / Secret setting value),
// integerCollection / stringCollection → SimpleSettingCollectionInstance,
// group → GroupSettingInstance, groupCollection →
// GroupSettingCollectionInstance.
const (
	KindChoice            Kind = "choice"
	KindChoiceCollection  Kind = "choiceCollection"
	KindInteger           Kind = "integer"
	KindString            Kind = "string"
	KindSecret            Kind = "secret"
	KindIntegerCollection Kind = "integerCollection"
	KindStringCollection  Kind = "stringCollection"
	KindGroup             Kind = "group"
	KindGroupCollection   Kind = "groupCollection"
)

// Valid reports whether k is a declared kind.
func (k Kind) Valid() bool {
	switch k {
	case KindChoice, KindChoiceCollection, KindInteger, KindString, KindSecret,
		KindIntegerCollection, KindStringCollection, KindGroup, KindGroupCollection:
		return true
	}
	return false
}

// String returns the kind's name.
func (k Kind) String() string { return string(k) }

// IsCollection reports whether an instance of this kind holds a list.
func (k Kind) IsCollection() bool {
	return k == KindChoiceCollection || k == KindIntegerCollection ||
		k == KindStringCollection || k == KindGroupCollection
}

// IsGroup reports whether the kind holds child settings.
func (k Kind) IsGroup() bool { return k == KindGroup || k == KindGroupCollection }

// Merge is how a setting configured by several policies for one device is
// combined (see the conflict package).
type Merge string

// Merge behaviours.
const (
	// MergeConflict is the default: equal values are delivered once,
	// different values are a conflict and are not delivered.
	MergeConflict Merge = ""
	// MergeUnion combines the lists of a simple collection, without
	// duplicates, compared exactly.
	MergeUnion Merge = "union"
	// MergeUnionFold is MergeUnion with case-insensitive comparison (paths,
	// extensions, process names).
	MergeUnionFold Merge = "unionFold"
	// MergeItems combines the items of a group collection of independent
	// items (Linux and macOS exclusions), without duplicate items.
	MergeItems Merge = "items"
	// MergeRules delivers every item of a group collection of firewall rules
	// from every source; contradicting rules are reported as device-side
	// warnings, not conflicts.
	MergeRules Merge = "rules"
	// MergePerChild merges each child setting of a group (collection) on its
	// own, as the settings of their own (attack surface reduction rules,
	// threat severity default actions).
	MergePerChild Merge = "perChild"
)

// Valid reports whether m is a declared merge behaviour.
func (m Merge) Valid() bool {
	switch m {
	case MergeConflict, MergeUnion, MergeUnionFold, MergeItems, MergeRules, MergePerChild:
		return true
	}
	return false
}

// String returns the behaviour's name ("conflict" for MergeConflict).
func (m Merge) String() string {
	if m == MergeConflict {
		return "conflict"
	}
	return string(m)
}

// Variant is a variant of the documentation of security settings management:
// what it supports changed over time.
type Variant string

// Documentation variants.
const (
	// VariantLegacy is the generally-available behaviour of 2023: Windows
	// only, no Windows Security Experience profile.
	VariantLegacy Variant = "legacy"
	// VariantCurrent is the current behaviour: Windows, macOS and Linux.
	VariantCurrent Variant = "current"
)

// Valid reports whether v is a declared variant.
func (v Variant) Valid() bool { return v == VariantLegacy || v == VariantCurrent }

// String returns the variant's name.
func (v Variant) String() string { return string(v) }

// Location is where a setting lands on the device.
type Location struct {
	// CSP is the Windows OMA-URI, e.g.
	// "./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring".
	CSP string `json:"csp,omitempty"`
	// Path is the dotted key path in the managed preferences of Linux
	// (mdatp_managed.json) or macOS (the com.microsoft.wdav domain), e.g.
	// "antivirusEngine.enforcementLevel". For a child of a collection item it
	// is relative to the item, e.g. "path" or "$type".
	Path string `json:"path,omitempty"`
	// Key is a key inside the parent's composite device value, e.g. the GUID
	// of an attack surface reduction rule in "GUID=state|GUID=state".
	Key string `json:"key,omitempty"`
}

// Option is one choice of a choice setting.
type Option struct {
	// ItemID is the option's id, the value a ChoiceSettingValue carries:
	// the definition id, "_", and a suffix ("_0", "_true", "_block").
	ItemID string
	// Name is the option's short name.
	Name string
	// DisplayName is the option's label in the admin portal.
	DisplayName string
	// Value is what the device receives for this option: an int64 (a CSP
	// integer), a string (e.g. "real_time") or a bool; nil when the option
	// sends nothing. Meanings are per definition: always resolve an ItemID
	// through its definition.
	Value any
	// Children are the settings that exist only under this option.
	Children []*Definition
}

// Definition describes one setting: its identity, shape, allowed values,
// where it applies and lands, and how it merges.
//
// Definitions are immutable once in a Catalog and safe for concurrent use.
type Definition struct {
	// ID is the Graph settingDefinitionId, e.g.
	// "device_vendor_msft_policy_config_defender_allowrealtimemonitoring".
	ID string
	// Name is the short name, e.g. "AllowRealtimeMonitoring".
	Name string
	// DisplayName is the label in the admin portal.
	DisplayName string
	// Description is a short explanation.
	Description string
	// Kind is the setting's shape.
	Kind Kind

	// Options are the choices of a choice or choice-collection setting.
	Options []Option
	// Default is the default value: an option ItemID (choice), an int64
	// (integer) or a string (string); nil when there is none.
	Default any

	// Min and Max bound an integer setting (or each item of an integer
	// collection); nil when unbounded.
	Min, Max *int64
	// MinLength and MaxLength bound a string (or each item of a string
	// collection); 0 MaxLength means no bound.
	MinLength, MaxLength int
	// MinCount and MaxCount bound the number of items of a collection;
	// 0 MaxCount means no bound.
	MinCount, MaxCount int

	// Children are the child settings of a group or group collection.
	Children []*Definition

	// Platforms and Technologies tell where the setting applies.
	Platforms    Platforms
	Technologies Technologies
	// MinOSVersion is the lowest OS version that supports the setting, if
	// documented (Windows: "10.0.14393").
	MinOSVersion string

	// Location is where the setting lands on the device.
	Location Location
	// TamperProtected reports that tamper protection locks the setting on
	// Windows: a change reports success but the value does not change.
	TamperProtected bool
	// UnsupportedIn lists the documentation variants in which security
	// settings management does not deliver this setting; the device reports
	// it not applicable.
	UnsupportedIn []Variant
	// Merge is how the setting merges across policies.
	Merge Merge

	// parent and parentOption are set when the catalog links the tree.
	parent       *Definition
	parentOption string
}

// Parent returns the definition this one is a child of, and the option
// ItemID it lives under ("" for a group child); nil for a top-level setting.
// A child that lives under several options of its parent reports the first;
// test membership with the parent's Option(itemID).Children.
func (d *Definition) Parent() (parent *Definition, option string) {
	return d.parent, d.parentOption
}

// Option returns the option with the given ItemID.
func (d *Definition) Option(itemID string) (*Option, bool) {
	for i := range d.Options {
		if d.Options[i].ItemID == itemID {
			return &d.Options[i], true
		}
	}
	return nil, false
}

// Child returns the child definition (group child or option child) with the
// given id.
func (d *Definition) Child(id string) (*Definition, bool) {
	for _, c := range d.Children {
		if c.ID == id {
			return c, true
		}
	}
	for _, o := range d.Options {
		for _, c := range o.Children {
			if c.ID == id {
				return c, true
			}
		}
	}
	return nil, false
}

// SupportedIn reports whether security settings management delivers this
// setting in the given documentation variant.
func (d *Definition) SupportedIn(v Variant) bool {
	for _, u := range d.UnsupportedIn {
		if u == v {
			return false
		}
	}
	return true
}

// String returns the definition id.
func (d *Definition) String() string { return d.ID }

// DefinitionError reports a setting definition that is not well formed.
type DefinitionError struct {
	Source string // the file or input the definition came from, if known
	ID     string // the definition id
	Reason string
}

func (e *DefinitionError) Error() string {
	if e.Source != "" {
		return fmt.Sprintf("policy: %s: definition %q: %s", e.Source, e.ID, e.Reason)
	}
	return fmt.Sprintf("policy: definition %q: %s", e.ID, e.Reason)
}
