package policy

import (
	"encoding/json"
	"time"
)

// Policy is an endpoint-security policy: a Graph
// deviceManagementConfigurationPolicy with its settings and assignments.
//
// A Policy decoded from Graph JSON remembers the members the model does not
// hold (unknown properties, @odata annotations) and the input's spelling of
// the members it does, so that encoding it again gives the same JSON. Fields
// may be changed freely; the encoder writes the changed ones from the typed
// fields. A Policy is a plain value: safe for concurrent reads, not for
// concurrent writes. Clone gives an independent copy.
type Policy struct {
	// ID is the Graph id of the policy (a GUID); empty for a new policy.
	ID string
	// Name is the policy's display name.
	Name string
	// Description is the policy's description.
	Description string
	// Platforms is the policy's platform (Graph writes one flag, e.g.
	// "windows10", "macOS" or "linux").
	Platforms Platforms
	// Technologies are the channels that deliver the policy, e.g.
	// "mdm,microsoftSense".
	Technologies Technologies
	// RoleScopeTagIDs are the ids of the policy's scope tags ("0" is the
	// default tag).
	RoleScopeTagIDs []string
	// TemplateReference names the template the policy was made from; its
	// TemplateID is empty for a policy without a template.
	TemplateReference TemplateReference
	// CreatedDateTime and LastModifiedDateTime are set by the service.
	CreatedDateTime      time.Time
	LastModifiedDateTime time.Time
	// CreationSource is set by some producers, e.g. "SccmAV".
	CreationSource string
	// SettingCount is the number of top-level settings as the service
	// reported it; it is not recomputed.
	SettingCount int
	// Settings are the policy's configured settings, in order.
	Settings []*Setting
	// Assignments are the policy's assignments when the export includes
	// them (an expanded "assignments" array).
	Assignments []*Assignment

	raw source
	bom bool
}

// TemplateReference is a Graph
// deviceManagementConfigurationPolicyTemplateReference.
type TemplateReference struct {
	// TemplateID is "<baseId>_<version>", e.g.
	// "804339ad-1553-4478-a742-138fb5807418_1"; empty without a template.
	TemplateID string
	// TemplateFamily is e.g. "endpointSecurityAntivirus", or "none".
	TemplateFamily string
	// TemplateDisplayName and TemplateDisplayVersion are read-only values
	// the service fills in.
	TemplateDisplayName    string
	TemplateDisplayVersion string

	raw source
}

// Setting is one entry of a policy's settings: an id ("0", "1", ...) and
// the configured setting instance.
type Setting struct {
	ID       string
	Instance *SettingInstance

	raw source
}

// InstanceKind is the Graph @odata.type of a setting instance.
type InstanceKind string

// Setting instance kinds. The two SettingGroup kinds are legacy structural
// instances that carry no value; they are kept so that old exports round
// trip.
const (
	InstanceChoice                 InstanceKind = "choice"
	InstanceChoiceCollection       InstanceKind = "choiceCollection"
	InstanceSimple                 InstanceKind = "simple"
	InstanceSimpleCollection       InstanceKind = "simpleCollection"
	InstanceGroup                  InstanceKind = "group"
	InstanceGroupCollection        InstanceKind = "groupCollection"
	InstanceSettingGroup           InstanceKind = "settingGroup"
	InstanceSettingGroupCollection InstanceKind = "settingGroupCollection"
)

const graphNS = "#microsoft.graph."

var instanceTypes = odataTypes[InstanceKind]{what: "a setting instance", noun: "setting instance", types: []odataType[InstanceKind]{
	{InstanceChoice, graphNS + "deviceManagementConfigurationChoiceSettingInstance"},
	{InstanceChoiceCollection, graphNS + "deviceManagementConfigurationChoiceSettingCollectionInstance"},
	{InstanceSimple, graphNS + "deviceManagementConfigurationSimpleSettingInstance"},
	{InstanceSimpleCollection, graphNS + "deviceManagementConfigurationSimpleSettingCollectionInstance"},
	{InstanceGroup, graphNS + "deviceManagementConfigurationGroupSettingInstance"},
	{InstanceGroupCollection, graphNS + "deviceManagementConfigurationGroupSettingCollectionInstance"},
	{InstanceSettingGroup, graphNS + "deviceManagementConfigurationSettingGroupInstance"},
	{InstanceSettingGroupCollection, graphNS + "deviceManagementConfigurationSettingGroupCollectionInstance"},
}}

// valueField is the member that holds the kind's value; fNone for the
// SettingGroup kinds, which have none.
func (k InstanceKind) valueField() field {
	switch k {
	case InstanceChoice:
		return fChoiceSettingValue
	case InstanceChoiceCollection:
		return fChoiceSettingCollectionValue
	case InstanceSimple:
		return fSimpleSettingValue
	case InstanceSimpleCollection:
		return fSimpleSettingCollectionValue
	case InstanceGroup:
		return fGroupSettingValue
	case InstanceGroupCollection:
		return fGroupSettingCollectionValue
	}
	return fNone
}

func (k InstanceKind) isCollection() bool {
	return k == InstanceChoiceCollection || k == InstanceSimpleCollection || k == InstanceGroupCollection
}

// Valid reports whether k is a declared instance kind.
func (k InstanceKind) Valid() bool { return instanceTypes.valid(k) }

// String returns the kind's name.
func (k InstanceKind) String() string { return string(k) }

// ODataType returns the Graph @odata.type of the kind, e.g.
// "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance".
func (k InstanceKind) ODataType() string { return instanceTypes.odataType(k) }

// SettingInstance is one configured setting: a Graph
// deviceManagementConfigurationSettingInstance. Exactly the value field of
// its Kind is used: Choice, Choices, Simple, Simples, Group or Groups.
type SettingInstance struct {
	Kind InstanceKind
	// DefinitionID is the settingDefinitionId.
	DefinitionID string
	// TemplateReference is the settingInstanceTemplateReference; nil when
	// absent or null.
	TemplateReference *InstanceTemplateReference

	Choice  *ChoiceValue   // InstanceChoice
	Choices []*ChoiceValue // InstanceChoiceCollection
	Simple  *SimpleValue   // InstanceSimple
	Simples []*SimpleValue // InstanceSimpleCollection
	Group   *GroupValue    // InstanceGroup
	Groups  []*GroupValue  // InstanceGroupCollection

	raw source
}

// InstanceTemplateReference is a settingInstanceTemplateReference.
type InstanceTemplateReference struct {
	InstanceTemplateID string

	raw source
}

// ValueTemplateReference is a settingValueTemplateReference.
type ValueTemplateReference struct {
	ValueTemplateID    string
	UseTemplateDefault bool

	raw source
}

// ChoiceValue is a choiceSettingValue: the chosen option and the settings
// that live under it.
type ChoiceValue struct {
	// ItemID is the chosen option's itemId.
	ItemID   string
	Children []*SettingInstance
	// TemplateReference is the settingValueTemplateReference; nil when
	// absent or null.
	TemplateReference *ValueTemplateReference

	raw source
}

// GroupValue is a groupSettingValue: one item of a group (collection).
type GroupValue struct {
	Children []*SettingInstance
	// TemplateReference is the settingValueTemplateReference; nil when
	// absent or null.
	TemplateReference *ValueTemplateReference

	raw source
}

// ValueType is the Graph @odata.type of a simple setting value.
type ValueType string

// Simple value types.
const (
	ValueInteger   ValueType = "integer"
	ValueString    ValueType = "string"
	ValueSecret    ValueType = "secret"
	ValueReference ValueType = "reference"
)

var valueTypes = odataTypes[ValueType]{what: "a simple setting value", noun: "simple setting value", types: []odataType[ValueType]{
	{ValueInteger, graphNS + "deviceManagementConfigurationIntegerSettingValue"},
	{ValueString, graphNS + "deviceManagementConfigurationStringSettingValue"},
	{ValueSecret, graphNS + "deviceManagementConfigurationSecretSettingValue"},
	{ValueReference, graphNS + "deviceManagementConfigurationReferenceSettingValue"},
}}

const (
	choiceValueODataType = graphNS + "deviceManagementConfigurationChoiceSettingValue"
	groupValueODataType  = graphNS + "deviceManagementConfigurationGroupSettingValue"
)

// Valid reports whether t is a declared value type.
func (t ValueType) Valid() bool { return valueTypes.valid(t) }

// String returns the type's name.
func (t ValueType) String() string { return string(t) }

// ODataType returns the Graph @odata.type of the value type.
func (t ValueType) ODataType() string { return valueTypes.odataType(t) }

// SimpleValue is a simple setting value: an integer, a string, a secret or
// a reference to a reusable setting.
type SimpleValue struct {
	Type ValueType
	// Integer is the value of a ValueInteger.
	Integer int64
	// Text is the value of a string, secret or reference value. For a
	// secret whose State is SecretEncryptedValueToken it is the service's
	// token, not the secret.
	Text string
	// State is the valueState of a secret.
	State SecretState
	// Note is the note of a reference value.
	Note string
	// TemplateReference is the settingValueTemplateReference; nil when
	// absent or null.
	TemplateReference *ValueTemplateReference

	raw source
}

// SecretState is the valueState of a secret setting value.
type SecretState string

// Secret states. A secret read back from the service is a token
// (SecretEncryptedValueToken); a secret sent to it is plain text
// (SecretNotEncrypted).
const (
	SecretInvalid             SecretState = "invalid"
	SecretNotEncrypted        SecretState = "notEncrypted"
	SecretEncryptedValueToken SecretState = "encryptedValueToken"
)

// Valid reports whether s is a declared state.
func (s SecretState) Valid() bool {
	return s == SecretInvalid || s == SecretNotEncrypted || s == SecretEncryptedValueToken
}

// String returns the state's name.
func (s SecretState) String() string { return string(s) }

// Children returns the instance's direct child instances: the children of
// its choice value(s) and group value(s), in order.
func (s *SettingInstance) Children() []*SettingInstance {
	var out []*SettingInstance
	s.childLists(func(children []*SettingInstance) bool {
		out = append(out, children...)
		return true
	})
	return out
}

// Walk calls fn for s and every instance below it, depth first, parents
// before children. It stops when fn returns false and reports whether it
// went through to the end.
func (s *SettingInstance) Walk(fn func(*SettingInstance) bool) bool {
	if s == nil {
		return true
	}
	if !fn(s) {
		return false
	}
	return s.childLists(func(children []*SettingInstance) bool {
		for _, c := range children {
			if !c.Walk(fn) {
				return false
			}
		}
		return true
	})
}

// childLists calls fn with the children of each choice or group value of
// the instance's kind, in order, until fn returns false; it reports
// whether it went through to the end.
func (s *SettingInstance) childLists(fn func([]*SettingInstance) bool) bool {
	switch s.Kind {
	case InstanceChoice:
		return s.Choice == nil || fn(s.Choice.Children)
	case InstanceChoiceCollection:
		for _, v := range s.Choices {
			if v != nil && !fn(v.Children) {
				return false
			}
		}
	case InstanceGroup:
		return s.Group == nil || fn(s.Group.Children)
	case InstanceGroupCollection:
		for _, v := range s.Groups {
			if v != nil && !fn(v.Children) {
				return false
			}
		}
	}
	return true
}

// ChoiceItemID returns the chosen option's itemId of a choice instance.
func (s *SettingInstance) ChoiceItemID() (string, bool) {
	if s.Kind != InstanceChoice || s.Choice == nil {
		return "", false
	}
	return s.Choice.ItemID, true
}

// ChoiceItemIDs returns the chosen options' itemIds of a choice collection.
func (s *SettingInstance) ChoiceItemIDs() ([]string, bool) {
	if s.Kind != InstanceChoiceCollection {
		return nil, false
	}
	out := make([]string, 0, len(s.Choices))
	for _, v := range s.Choices {
		if v != nil {
			out = append(out, v.ItemID)
		}
	}
	return out, true
}

// IntegerValue returns the value of a simple integer instance.
func (s *SettingInstance) IntegerValue() (int64, bool) {
	if s.Kind != InstanceSimple || s.Simple == nil || s.Simple.Type != ValueInteger {
		return 0, false
	}
	return s.Simple.Integer, true
}

// StringValue returns the text of a simple string, secret or reference
// instance.
func (s *SettingInstance) StringValue() (string, bool) {
	if s.Kind != InstanceSimple || s.Simple == nil || s.Simple.Type == ValueInteger || !s.Simple.Type.Valid() {
		return "", false
	}
	return s.Simple.Text, true
}

// StringValues returns the items of a simple collection of strings (string,
// secret or reference values); false if an item is an integer.
func (s *SettingInstance) StringValues() ([]string, bool) {
	if s.Kind != InstanceSimpleCollection {
		return nil, false
	}
	out := make([]string, 0, len(s.Simples))
	for _, v := range s.Simples {
		if v == nil || v.Type == ValueInteger || !v.Type.Valid() {
			return nil, false
		}
		out = append(out, v.Text)
	}
	return out, true
}

// IntegerValues returns the items of a simple collection of integers.
func (s *SettingInstance) IntegerValues() ([]int64, bool) {
	if s.Kind != InstanceSimpleCollection {
		return nil, false
	}
	out := make([]int64, 0, len(s.Simples))
	for _, v := range s.Simples {
		if v == nil || v.Type != ValueInteger {
			return nil, false
		}
		out = append(out, v.Integer)
	}
	return out, true
}

// GroupItems returns the items of a group (one item) or group collection.
func (s *SettingInstance) GroupItems() []*GroupValue {
	switch s.Kind {
	case InstanceGroup:
		if s.Group != nil {
			return []*GroupValue{s.Group}
		}
	case InstanceGroupCollection:
		return s.Groups
	}
	return nil
}

// Child returns the first direct child instance with the given definition
// id.
func (s *SettingInstance) Child(definitionID string) (*SettingInstance, bool) {
	for _, c := range s.Children() {
		if c != nil && c.DefinitionID == definitionID {
			return c, true
		}
	}
	return nil, false
}

// Child returns the first child of the group item with the given
// definition id.
func (g *GroupValue) Child(definitionID string) (*SettingInstance, bool) {
	for _, c := range g.Children {
		if c != nil && c.DefinitionID == definitionID {
			return c, true
		}
	}
	return nil, false
}

// Walk calls fn for every setting instance of the policy, children
// included, depth first in document order; it stops when fn returns false.
func (p *Policy) Walk(fn func(*SettingInstance) bool) {
	for _, s := range p.Settings {
		if s != nil && !s.Instance.Walk(fn) {
			return
		}
	}
}

// Setting returns the first top-level instance with the given definition
// id.
func (p *Policy) Setting(definitionID string) (*SettingInstance, bool) {
	for _, s := range p.Settings {
		if s != nil && s.Instance != nil && s.Instance.DefinitionID == definitionID {
			return s.Instance, true
		}
	}
	return nil, false
}

// Property returns the raw JSON of a property of the policy's input that
// the model does not hold (e.g. "priorityMetaData", "isAssigned",
// "@odata.context").
func (p *Policy) Property(name string) (json.RawMessage, bool) { return p.raw.property(name) }

// HadBOM reports whether the policy was decoded from input that started
// with a UTF-8 byte-order mark (the portal's native export). The encoder
// never writes one.
func (p *Policy) HadBOM() bool { return p.bom }

// Property returns the raw JSON of a property of the instance's input that
// the model does not hold (e.g. "auditRuleInformation").
func (s *SettingInstance) Property(name string) (json.RawMessage, bool) {
	return s.raw.property(name)
}

// Clone returns a deep copy of p. The copy remembers the same input, so it
// encodes the same way.
func (p *Policy) Clone() *Policy {
	if p == nil {
		return nil
	}
	c := *p
	c.RoleScopeTagIDs = cloneSlice(p.RoleScopeTagIDs)
	if p.Settings != nil {
		c.Settings = make([]*Setting, len(p.Settings))
		for i, s := range p.Settings {
			if s != nil {
				cs := *s
				cs.Instance = s.Instance.Clone()
				c.Settings[i] = &cs
			}
		}
	}
	if p.Assignments != nil {
		c.Assignments = make([]*Assignment, len(p.Assignments))
		for i, a := range p.Assignments {
			if a != nil {
				ca := *a
				c.Assignments[i] = &ca
			}
		}
	}
	return &c
}

// Clone returns a deep copy of s.
func (s *SettingInstance) Clone() *SettingInstance {
	if s == nil {
		return nil
	}
	c := *s
	c.TemplateReference = clonePtr(s.TemplateReference)
	c.Choice = s.Choice.clone()
	c.Choices = cloneEach(s.Choices, (*ChoiceValue).clone)
	if s.Simple != nil {
		v := *s.Simple
		v.TemplateReference = clonePtr(v.TemplateReference)
		c.Simple = &v
	}
	c.Simples = cloneEach(s.Simples, func(v *SimpleValue) *SimpleValue {
		cv := *v
		cv.TemplateReference = clonePtr(v.TemplateReference)
		return &cv
	})
	c.Group = s.Group.clone()
	c.Groups = cloneEach(s.Groups, (*GroupValue).clone)
	return &c
}

func (v *ChoiceValue) clone() *ChoiceValue {
	if v == nil {
		return nil
	}
	c := *v
	c.Children = cloneEach(v.Children, (*SettingInstance).Clone)
	c.TemplateReference = clonePtr(v.TemplateReference)
	return &c
}

func (v *GroupValue) clone() *GroupValue {
	if v == nil {
		return nil
	}
	c := *v
	c.Children = cloneEach(v.Children, (*SettingInstance).Clone)
	c.TemplateReference = clonePtr(v.TemplateReference)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func cloneEach[T any](s []*T, fn func(*T) *T) []*T {
	if s == nil {
		return nil
	}
	out := make([]*T, len(s))
	for i, v := range s {
		if v != nil {
			out[i] = fn(v)
		}
	}
	return out
}
