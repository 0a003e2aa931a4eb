package targeting

import (
	"encoding/json"
	"fmt"
	"strings"
)

// FilterType is how an assignment filter applies to its target (Graph's
// deviceAndAppManagementAssignmentFilterType).
type FilterType string

// Filter types.
const (
	FilterNone    FilterType = "none"
	FilterInclude FilterType = "include"
	FilterExclude FilterType = "exclude"
)

// String returns the type's Graph spelling.
func (t FilterType) String() string { return string(t) }

// Valid reports whether t is one of the declared types.
func (t FilterType) Valid() bool { return t == FilterNone || t == FilterInclude || t == FilterExclude }

// MarshalJSON writes the type as its Graph string.
func (t FilterType) MarshalJSON() ([]byte, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("%w: unknown filter type %q", ErrInvalidAssignment, string(t))
	}
	return json.Marshal(string(t))
}

// UnmarshalJSON reads a Graph filter type.
func (t *FilterType) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%w: filter type: %v", ErrInvalidAssignment, err)
	}
	if !FilterType(v).Valid() {
		return fmt.Errorf("%w: unknown filter type %q", ErrInvalidAssignment, v)
	}
	*t = FilterType(v)
	return nil
}

// Filter targets of an AssignmentFilter that are not group ids.
const (
	FilterTargetAllDevices       = "allDevices"
	FilterTargetAllLicensedUsers = "allLicensedUsers"
)

// AssignmentFilter records an assignment filter on one target. Devices
// managed through security settings management ignore assignment filters,
// so Targets never reads them; they are kept so that a policy round-trips.
type AssignmentFilter struct {
	// Target is the group id the filter is on, or FilterTargetAllDevices /
	// FilterTargetAllLicensedUsers.
	Target string     `json:"target"`
	ID     string     `json:"id"`
	Type   FilterType `json:"type"`
}

// Assignment is the set of targets of one policy, in the terms that matter
// for devices managed through security settings management: included
// device groups, excluded groups, and all devices. Exclusion wins over
// inclusion. User targeting (all licensed users, user groups) does not reach
// these devices and assignment filters are ignored for them; both are
// recorded, not errors.
type Assignment struct {
	// IncludeGroups are the ids of the groups whose devices are targeted.
	IncludeGroups []string `json:"includeGroups,omitempty"`
	// ExcludeGroups are the ids of the groups whose devices are never
	// targeted, whatever else includes them.
	ExcludeGroups []string `json:"excludeGroups,omitempty"`
	// AllDevices targets every device.
	AllDevices bool `json:"allDevices,omitempty"`
	// AllLicensedUsers is recorded; it does not target a device.
	AllLicensedUsers bool `json:"allLicensedUsers,omitempty"`
	// UserGroups are included groups known to hold users; recorded, they do
	// not target a device.
	UserGroups []string `json:"userGroups,omitempty"`
	// Filters are the assignment filters of the targets; recorded, ignored.
	Filters []AssignmentFilter `json:"filters,omitempty"`
}

// Validate reports an empty group id or an unknown filter type, wrapping
// ErrInvalidAssignment.
func (a *Assignment) Validate() error {
	for _, list := range [][]string{a.IncludeGroups, a.ExcludeGroups, a.UserGroups} {
		for _, id := range list {
			if id == "" {
				return fmt.Errorf("%w: an empty group id", ErrInvalidAssignment)
			}
		}
	}
	for _, f := range a.Filters {
		if f.Target == "" || f.ID == "" {
			return fmt.Errorf("%w: a filter without a target or an id", ErrInvalidAssignment)
		}
		if !f.Type.Valid() {
			return fmt.Errorf("%w: filter %s: unknown filter type %q", ErrInvalidAssignment, f.ID, string(f.Type))
		}
	}
	return nil
}

// Targets reports whether the assignment targets a device that is a member
// of exactly the groups for which isMember returns true: false if the
// device is in any excluded group, otherwise true if the assignment
// targets all devices or an included group holds the device. Group ids are
// passed as the assignment has them.
func (a *Assignment) Targets(isMember func(groupID string) bool) bool {
	for _, id := range a.ExcludeGroups {
		if isMember(id) {
			return false
		}
	}
	if a.AllDevices {
		return true
	}
	for _, id := range a.IncludeGroups {
		if isMember(id) {
			return true
		}
	}
	return false
}

// TargetsGroups is Targets for a device that is a member of the groups
// listed (ids compared case-insensitively).
func (a *Assignment) TargetsGroups(groupIDs ...string) bool {
	return a.Targets(func(id string) bool {
		for _, g := range groupIDs {
			if strings.EqualFold(g, id) {
				return true
			}
		}
		return false
	})
}
