package targeting

import (
	"encoding/json"
	"fmt"
)

// ProcessingState is Graph's membershipRuleProcessingState of a dynamic
// group: whether its rule is being applied.
//
// Transitions: On → Paused (a group administrator pauses processing; the
// group keeps the members it had) and Paused → On (processing resumes; the
// rule is applied to every device again). A static group has no processing
// state ("").
type ProcessingState string

// Processing states.
const (
	// ProcessingOn: the rule is applied as devices and groups change.
	ProcessingOn ProcessingState = "On"
	// ProcessingPaused: the rule is not applied; the members stay as they
	// were when processing was paused, except that deleted devices leave.
	ProcessingPaused ProcessingState = "Paused"
)

// String returns the state's Graph spelling.
func (s ProcessingState) String() string { return string(s) }

// Valid reports whether s is one of the declared states.
func (s ProcessingState) Valid() bool { return s == ProcessingOn || s == ProcessingPaused }

// processingTransitions is the lifecycle of ProcessingState: the states each
// state may move to.
var processingTransitions = map[ProcessingState][]ProcessingState{
	ProcessingOn:     {ProcessingPaused},
	ProcessingPaused: {ProcessingOn},
}

// CanTransition reports whether a dynamic group may move from s to next
// (staying in the same state is allowed).
func (s ProcessingState) CanTransition(next ProcessingState) bool {
	if s == next {
		return s.Valid()
	}
	for _, t := range processingTransitions[s] {
		if t == next {
			return true
		}
	}
	return false
}

// MarshalJSON writes the state as its Graph string.
func (s ProcessingState) MarshalJSON() ([]byte, error) {
	if s != "" && !s.Valid() {
		return nil, fmt.Errorf("targeting: unknown membershipRuleProcessingState %q", string(s))
	}
	return json.Marshal(string(s))
}

// UnmarshalJSON reads a Graph membershipRuleProcessingState.
func (s *ProcessingState) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("targeting: membershipRuleProcessingState: %w", err)
	}
	if v != "" && !ProcessingState(v).Valid() {
		return fmt.Errorf("targeting: unknown membershipRuleProcessingState %q", v)
	}
	*s = ProcessingState(v)
	return nil
}

// Group is a device group: static, with members added by hand, or dynamic,
// with members kept by its membership rule. The JSON field names are
// Graph's group properties (members are device keys, not Graph's
// relationship).
//
// Use NewStaticGroup and NewDynamicGroup to build a checked Group; the
// Index checks (and parses) any Group it is given.
type Group struct {
	// ID is the group's object id, compared case-insensitively.
	ID string `json:"id"`
	// DisplayName is the group's name.
	DisplayName string `json:"displayName,omitempty"`
	// MembershipRule is the rule text of a dynamic group; empty for a
	// static group.
	MembershipRule string `json:"membershipRule,omitempty"`
	// MembershipRuleProcessingState is On or Paused for a dynamic group
	// ("" is On) and empty for a static group.
	MembershipRuleProcessingState ProcessingState `json:"membershipRuleProcessingState,omitempty"`
	// Members are the device keys of a static group's members. Index.AddGroup
	// adds them; Index.UpdateGroup replaces the members with them when the
	// slice is not nil and keeps the current members when it is nil. A
	// dynamic group must have none.
	Members []string `json:"members,omitempty"`

	rule *Rule // parsed MembershipRule, when built by NewDynamicGroup
}

// NewStaticGroup returns a static group with the given members (device
// keys).
func NewStaticGroup(id, displayName string, members ...string) (Group, error) {
	g := Group{ID: id, DisplayName: displayName, Members: members}
	if _, err := g.check(nil, false); err != nil {
		return Group{}, err
	}
	return g, nil
}

// NewDynamicGroup returns a dynamic group whose members are the devices
// rule matches, with processing On. The rule is parsed with opts; the error
// is a *RuleError when it is invalid.
func NewDynamicGroup(id, displayName, rule string, opts ...Option) (Group, error) {
	g := Group{ID: id, DisplayName: displayName, MembershipRule: rule, MembershipRuleProcessingState: ProcessingOn}
	r, err := g.check(opts, false)
	if err != nil {
		return Group{}, err
	}
	g.rule = r
	return g, nil
}

// Dynamic reports whether the group's members are kept by a rule.
func (g Group) Dynamic() bool { return g.MembershipRule != "" }

// Paused reports whether a dynamic group's rule processing is paused.
func (g Group) Paused() bool {
	return g.Dynamic() && g.MembershipRuleProcessingState == ProcessingPaused
}

// Rule returns the parsed rule of a dynamic group built by NewDynamicGroup
// or returned by the Index, and nil otherwise.
func (g Group) Rule() *Rule { return g.rule }

// check validates g and returns its parsed rule (nil for a static group).
// With reuse, a rule already parsed from the same text is kept.
func (g Group) check(opts []Option, reuse bool) (*Rule, error) {
	if g.ID == "" {
		return nil, fmt.Errorf("%w: the group has no id", ErrInvalidGroup)
	}
	if !g.Dynamic() {
		if g.MembershipRuleProcessingState != "" {
			return nil, fmt.Errorf("%w: static group %s has a membershipRuleProcessingState", ErrInvalidGroup, g.ID)
		}
		return nil, nil
	}
	if s := g.MembershipRuleProcessingState; s != "" && !s.Valid() {
		return nil, fmt.Errorf("%w: group %s: unknown membershipRuleProcessingState %q", ErrInvalidGroup, g.ID, string(s))
	}
	if len(g.Members) > 0 {
		return nil, fmt.Errorf("%w: group %s", ErrStaticMembersOnDynamicGroup, g.ID)
	}
	if reuse && g.rule != nil && g.rule.text == g.MembershipRule {
		return g.rule, nil
	}
	return Parse(g.MembershipRule, opts...)
}
