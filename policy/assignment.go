package policy

// Assignment is a Graph deviceManagementConfigurationPolicyAssignment: one
// target of a policy.
type Assignment struct {
	// ID is the assignment's id as the service gives it
	// ("<policyId>_<groupId>"); empty when assigning.
	ID string
	// Target is who receives (or is excluded from) the policy.
	Target Target
	// Source is where the assignment comes from; empty when not given.
	Source AssignmentSource
	// SourceID is the id of the source (the policy set), if any.
	SourceID string

	raw source
}

// Target is a Graph deviceAndAppManagementAssignmentTarget.
type Target struct {
	Kind TargetKind
	// GroupID is the Entra group of a group or exclusion-group target.
	GroupID string
	// CollectionID is the Configuration Manager collection of a
	// configurationManagerCollection target.
	CollectionID string
	// FilterID is the assignment filter's id; empty (or the all-zero GUID)
	// when there is none. Security settings management ignores filters.
	FilterID string
	// FilterType tells whether the filter includes or excludes; empty when
	// not given.
	FilterType FilterType

	raw source
}

// TargetKind is the @odata.type of an assignment target.
type TargetKind string

// Target kinds.
const (
	TargetGroup                          TargetKind = "group"
	TargetExclusionGroup                 TargetKind = "exclusionGroup"
	TargetAllDevices                     TargetKind = "allDevices"
	TargetAllLicensedUsers               TargetKind = "allLicensedUsers"
	TargetConfigurationManagerCollection TargetKind = "configurationManagerCollection"
)

var targetTypes = odataTypes[TargetKind]{what: "an assignment target", noun: "assignment target", types: []odataType[TargetKind]{
	{TargetGroup, graphNS + "groupAssignmentTarget"},
	{TargetExclusionGroup, graphNS + "exclusionGroupAssignmentTarget"},
	{TargetAllDevices, graphNS + "allDevicesAssignmentTarget"},
	{TargetAllLicensedUsers, graphNS + "allLicensedUsersAssignmentTarget"},
	{TargetConfigurationManagerCollection, graphNS + "configurationManagerCollectionAssignmentTarget"},
}}

// Valid reports whether k is a declared target kind.
func (k TargetKind) Valid() bool { return targetTypes.valid(k) }

// String returns the kind's name.
func (k TargetKind) String() string { return string(k) }

// ODataType returns the Graph @odata.type of the kind, e.g.
// "#microsoft.graph.groupAssignmentTarget".
func (k TargetKind) ODataType() string { return targetTypes.odataType(k) }

// HasGroup reports whether targets of this kind name a group.
func (k TargetKind) HasGroup() bool { return k == TargetGroup || k == TargetExclusionGroup }

// FilterType is a deviceAndAppManagementAssignmentFilterType.
type FilterType string

// Filter types.
const (
	FilterNone    FilterType = "none"
	FilterInclude FilterType = "include"
	FilterExclude FilterType = "exclude"
)

// Valid reports whether f is a declared filter type.
func (f FilterType) Valid() bool { return f == FilterNone || f == FilterInclude || f == FilterExclude }

// String returns the filter type's name.
func (f FilterType) String() string { return string(f) }

// AssignmentSource is a deviceAndAppManagementAssignmentSource.
type AssignmentSource string

// Assignment sources.
const (
	SourceDirect     AssignmentSource = "direct"
	SourcePolicySets AssignmentSource = "policySets"
)

// Valid reports whether s is a declared source.
func (s AssignmentSource) Valid() bool { return s == SourceDirect || s == SourcePolicySets }

// String returns the source's name.
func (s AssignmentSource) String() string { return string(s) }

// Include returns an assignment of the policy to a group.
func Include(groupID string) *Assignment {
	return &Assignment{Target: Target{Kind: TargetGroup, GroupID: groupID}}
}

// Exclude returns an assignment that excludes a group from the policy.
func Exclude(groupID string) *Assignment {
	return &Assignment{Target: Target{Kind: TargetExclusionGroup, GroupID: groupID}}
}

// AllDevices returns an assignment of the policy to every device.
func AllDevices() *Assignment {
	return &Assignment{Target: Target{Kind: TargetAllDevices}}
}
