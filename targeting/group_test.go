package targeting

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestProcessingState(t *testing.T) {
	cases := []struct {
		from, to ProcessingState
		ok       bool
	}{
		{ProcessingOn, ProcessingPaused, true},
		{ProcessingPaused, ProcessingOn, true},
		{ProcessingOn, ProcessingOn, true},
		{ProcessingPaused, ProcessingPaused, true},
		{ProcessingOn, "Stopped", false},
		{"Stopped", "Stopped", false},
		{"", ProcessingOn, false},
	}
	for _, c := range cases {
		if got := c.from.CanTransition(c.to); got != c.ok {
			t.Errorf("%q → %q: %v", c.from, c.to, got)
		}
	}
	for _, s := range []ProcessingState{ProcessingOn, ProcessingPaused} {
		b, err := json.Marshal(s)
		if err != nil || string(b) != `"`+s.String()+`"` {
			t.Errorf("marshal %q: %s %v", s, b, err)
		}
		var back ProcessingState
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("unmarshal %s: %q %v", b, back, err)
		}
	}
	var s ProcessingState
	if err := json.Unmarshal([]byte(`"Stopped"`), &s); err == nil {
		t.Error("unknown state accepted")
	}
	if err := json.Unmarshal([]byte(`3`), &s); err == nil {
		t.Error("a number accepted")
	}
	if _, err := json.Marshal(ProcessingState("x")); err == nil {
		t.Error("unknown state marshalled")
	}
}

func TestGroupConstructors(t *testing.T) {
	g, err := NewDynamicGroup("id", "name", `device.deviceOSType -eq "Linux"`)
	if err != nil || !g.Dynamic() || g.Paused() || g.Rule() == nil || g.MembershipRuleProcessingState != ProcessingOn {
		t.Fatalf("NewDynamicGroup: %+v %v", g, err)
	}
	var re *RuleError
	if _, err := NewDynamicGroup("id", "", `device.deviceOSType -eq`); !errors.As(err, &re) {
		t.Errorf("bad rule: %v", err)
	}
	if _, err := NewDynamicGroup("", "", `device.deviceOSType -eq "x"`); !errors.Is(err, ErrInvalidGroup) {
		t.Errorf("no id: %v", err)
	}
	s, err := NewStaticGroup("s", "static", "d1", "d2")
	if err != nil || s.Dynamic() || s.Rule() != nil || len(s.Members) != 2 {
		t.Errorf("NewStaticGroup: %+v %v", s, err)
	}
	b, err := json.Marshal(g)
	if err != nil || string(b) != `{"id":"id","displayName":"name","membershipRule":"device.deviceOSType -eq \"Linux\"","membershipRuleProcessingState":"On"}` {
		t.Errorf("group JSON: %s %v", b, err)
	}
}

func TestAssignment(t *testing.T) {
	member := func(groups ...string) func(string) bool {
		return func(id string) bool {
			for _, g := range groups {
				if g == id {
					return true
				}
			}
			return false
		}
	}
	a := Assignment{
		IncludeGroups:    []string{"inc1", "inc2"},
		ExcludeGroups:    []string{"exc"},
		AllLicensedUsers: true,
		UserGroups:       []string{"users"},
		Filters:          []AssignmentFilter{{Target: "inc1", ID: "f1", Type: FilterInclude}},
	}
	cases := []struct {
		groups []string
		want   bool
	}{
		{nil, false},
		{[]string{"inc1"}, true},
		{[]string{"inc2", "other"}, true},
		{[]string{"inc1", "exc"}, false},
		{[]string{"exc"}, false},
		{[]string{"users"}, false}, // user targeting does not reach devices
	}
	for _, c := range cases {
		if got := a.Targets(member(c.groups...)); got != c.want {
			t.Errorf("Targets(%v) = %v", c.groups, got)
		}
	}
	if !a.TargetsGroups("INC2") || a.TargetsGroups("inc2", "EXC") {
		t.Error("TargetsGroups compares ids case-insensitively")
	}
	all := Assignment{AllDevices: true, ExcludeGroups: []string{"exc"}}
	if !all.Targets(member()) || all.Targets(member("exc")) {
		t.Error("all devices")
	}
	users := Assignment{AllLicensedUsers: true}
	if users.Targets(member("x")) {
		t.Error("all licensed users reached a device")
	}
	if err := a.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for _, bad := range []Assignment{
		{IncludeGroups: []string{""}},
		{Filters: []AssignmentFilter{{Target: "x", ID: "f", Type: "sometimes"}}},
		{Filters: []AssignmentFilter{{Target: "", ID: "f", Type: FilterNone}}},
	} {
		if err := bad.Validate(); !errors.Is(err, ErrInvalidAssignment) {
			t.Errorf("Validate(%+v) = %v", bad, err)
		}
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back Assignment
	if err := json.Unmarshal(b, &back); err != nil || !back.TargetsGroups("inc1") || back.Filters[0].Type != FilterInclude {
		t.Errorf("JSON round trip: %s %+v %v", b, back, err)
	}
	if err := json.Unmarshal([]byte(`{"filters":[{"target":"x","id":"f","type":"maybe"}]}`), &back); !errors.Is(err, ErrInvalidAssignment) {
		t.Errorf("unknown filter type decoded: %v", err)
	}
	if _, err := json.Marshal(FilterType("maybe")); err == nil {
		t.Error("unknown filter type encoded")
	}
	for _, f := range []FilterType{FilterNone, FilterInclude, FilterExclude} {
		if !f.Valid() || f.String() == "" {
			t.Errorf("filter type %q", f)
		}
	}
}
