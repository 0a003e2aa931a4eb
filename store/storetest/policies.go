package storetest

import (
	"testing"

	"github.com/secmgmt/secmgmt/policy"
	"github.com/secmgmt/secmgmt/store"
)

// exportedPolicy is a policy in the shape of a full-metadata Graph export,
// with expanded assignments and an annotation the model does not hold.
const exportedPolicy = `{
  "@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/configurationPolicies(settings(),assignments())/$entity",
  "id": "pol-exported",
  "name": "Exported",
  "description": "",
  "platforms": "linux",
  "technologies": "microsoftSense",
  "roleScopeTagIds": ["0"],
  "settingCount": 1,
  "createdDateTime": "2026-01-28T15:16:17.1819202Z",
  "lastModifiedDateTime": "2026-03-04T10:11:12.1234567Z",
  "templateReference": {"templateId": "", "templateFamily": "none"},
  "settings": [{
    "id": "0",
    "settingInstance": {
      "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
      "settingDefinitionId": "linux_mdatp_managed_cloudservice_enabled",
      "settingInstanceTemplateReference": null,
      "choiceSettingValue": {"value": "linux_mdatp_managed_cloudservice_enabled_true", "children": []}
    }
  }],
  "assignments": [{
    "id": "pol-exported_grp-1",
    "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "grp-1"}
  }]
}`

var policyCases = []testCase{
	{"RoundTrip", func(t *testing.T, e *env) {
		p := samplePolicy("pol-1", "Linux antivirus")
		mustV(e.s.PutPolicy(ctx(t), p))(t)
		samePolicy(t, mustV(e.s.Policy(ctx(t), "pol-1"))(t), p, 1)
	}},
	{"AssignmentsNotStored", func(t *testing.T, e *env) {
		p, err := policy.DecodeGraph([]byte(exportedPolicy))
		must(t, err)
		if len(p.Assignments) != 1 {
			t.Fatalf("fixture: %d assignments", len(p.Assignments))
		}
		mustV(e.s.PutPolicy(ctx(t), &store.Policy{Policy: p}))(t)
		want := p.Clone()
		want.Assignments = nil
		samePolicy(t, mustV(e.s.Policy(ctx(t), p.ID))(t), &store.Policy{Policy: want}, 1)
		if len(p.Assignments) != 1 {
			t.Fatal("PutPolicy changed its argument")
		}
		a := mustV(e.s.Assignments(ctx(t), p.ID))(t)
		if a.Version != 0 || len(a.Assignments) != 0 {
			t.Fatalf("the policy's assignments went to the assignment store: %+v", a)
		}
	}},
	{"Versions", func(t *testing.T, e *env) {
		p := samplePolicy("pol-1", "one")
		mustV(e.s.PutPolicy(ctx(t), p))(t)
		_, err := e.s.PutPolicy(ctx(t), p)
		wantErr(t, err, store.ErrConflict)
		p.Version = 1
		p.Policy.Name = "two"
		if v := mustV(e.s.PutPolicy(ctx(t), p))(t); v != 2 {
			t.Fatalf("update = version %d", v)
		}
		samePolicy(t, mustV(e.s.Policy(ctx(t), "pol-1"))(t), p, 2)
		_, err = e.s.PutPolicy(ctx(t), p)
		wantErr(t, err, store.ErrConflict)
		wantErr(t, e.s.DeletePolicy(ctx(t), "pol-1", 1), store.ErrConflict)
		must(t, e.s.DeletePolicy(ctx(t), "pol-1", 2))
		_, err = e.s.Policy(ctx(t), "pol-1")
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, e.s.DeletePolicy(ctx(t), "pol-1", 2), store.ErrNotFound)
		p.Version = 9
		_, err = e.s.PutPolicy(ctx(t), p)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"Invalid", func(t *testing.T, e *env) {
		noKind := samplePolicy("pol-x", "x")
		noKind.Policy.Settings = append(noKind.Policy.Settings, &policy.Setting{ID: "2", Instance: &policy.SettingInstance{DefinitionID: "d"}})
		nilSetting := samplePolicy("pol-x", "x")
		nilSetting.Policy.Settings = append(nilSetting.Policy.Settings, nil)
		negative := samplePolicy("pol-x", "x")
		negative.Version = -1
		for name, p := range map[string]*store.Policy{
			"nil":                 nil,
			"nil policy":          {},
			"no id":               samplePolicy("", "x"),
			"id with NUL":         samplePolicy("p\x00", "x"),
			"instance of no kind": noKind,
			"nil setting":         nilSetting,
			"negative version":    negative,
		} {
			_, err := e.s.PutPolicy(ctx(t), p)
			if err == nil {
				t.Fatalf("%s: stored", name)
			}
			wantInvalid(t, err)
		}
		if ps := collect(t, e.s.Policies(ctx(t), "")); len(ps) != 0 {
			t.Fatalf("%d policies stored", len(ps))
		}
	}},
	{"Iterate", func(t *testing.T, e *env) {
		for _, x := range []string{"pol-c", "pol-a", "pol-b"} {
			mustV(e.s.PutPolicy(ctx(t), samplePolicy(x, x)))(t)
		}
		var ids []string
		for _, p := range collect(t, e.s.Policies(ctx(t), "")) {
			ids = append(ids, p.Policy.ID)
			samePolicy(t, p, samplePolicy(p.Policy.ID, p.Policy.ID), 1)
		}
		deepEqual(t, "policy ids", ids, []string{"pol-a", "pol-b", "pol-c"})
		ids = ids[:0]
		for _, p := range collect(t, e.s.Policies(ctx(t), "pol-a")) {
			ids = append(ids, p.Policy.ID)
		}
		deepEqual(t, "policy ids after pol-a", ids, []string{"pol-b", "pol-c"})
	}},
}

var assignmentCases = []testCase{
	{"Replace", func(t *testing.T, e *env) {
		mustV(e.s.PutPolicy(ctx(t), samplePolicy("pol-1", "x")))(t)
		a := mustV(e.s.Assignments(ctx(t), "pol-1"))(t)
		if a.PolicyID != "pol-1" || a.Version != 0 || len(a.Assignments) != 0 {
			t.Fatalf("never assigned: %+v", a)
		}
		set := []*policy.Assignment{policy.Include("grp-1"), policy.Exclude("grp-2")}
		if v := mustV(e.s.PutAssignments(ctx(t), &store.Assignments{PolicyID: "pol-1", Assignments: set}))(t); v != 1 {
			t.Fatalf("first assign = version %d", v)
		}
		got := mustV(e.s.Assignments(ctx(t), "pol-1"))(t)
		if got.Version != 1 {
			t.Fatalf("version %d", got.Version)
		}
		deepEqual(t, "assignments", assignmentsJSON(t, got.Assignments), assignmentsJSON(t, set))
		set = []*policy.Assignment{policy.AllDevices()}
		if v := mustV(e.s.PutAssignments(ctx(t), &store.Assignments{PolicyID: "pol-1", Assignments: set, Version: 1}))(t); v != 2 {
			t.Fatalf("second assign = version %d", v)
		}
		got = mustV(e.s.Assignments(ctx(t), "pol-1"))(t)
		deepEqual(t, "assignments", assignmentsJSON(t, got.Assignments), assignmentsJSON(t, set))
		// An empty set is a set too.
		mustV(e.s.PutAssignments(ctx(t), &store.Assignments{PolicyID: "pol-1", Version: 2}))(t)
		got = mustV(e.s.Assignments(ctx(t), "pol-1"))(t)
		if got.Version != 3 || len(got.Assignments) != 0 {
			t.Fatalf("after clearing: %+v", got)
		}
		// The policy's own version is apart.
		if p := mustV(e.s.Policy(ctx(t), "pol-1"))(t); p.Version != 1 {
			t.Fatalf("policy version %d after assigning", p.Version)
		}
	}},
	{"Conflict", func(t *testing.T, e *env) {
		mustV(e.s.PutPolicy(ctx(t), samplePolicy("pol-1", "x")))(t)
		a := &store.Assignments{PolicyID: "pol-1", Assignments: []*policy.Assignment{policy.Include("g")}}
		mustV(e.s.PutAssignments(ctx(t), a))(t)
		_, err := e.s.PutAssignments(ctx(t), a)
		wantErr(t, err, store.ErrConflict)
		a.Version = 5
		_, err = e.s.PutAssignments(ctx(t), a)
		wantErr(t, err, store.ErrConflict)
	}},
	{"NotFound", func(t *testing.T, e *env) {
		_, err := e.s.Assignments(ctx(t), "ghost")
		wantErr(t, err, store.ErrNotFound)
		_, err = e.s.PutAssignments(ctx(t), &store.Assignments{PolicyID: "ghost"})
		wantErr(t, err, store.ErrNotFound)
	}},
	{"DeletedWithPolicy", func(t *testing.T, e *env) {
		mustV(e.s.PutPolicy(ctx(t), samplePolicy("pol-1", "x")))(t)
		mustV(e.s.PutAssignments(ctx(t), &store.Assignments{PolicyID: "pol-1", Assignments: []*policy.Assignment{policy.Include("g")}}))(t)
		must(t, e.s.DeletePolicy(ctx(t), "pol-1", 1))
		_, err := e.s.Assignments(ctx(t), "pol-1")
		wantErr(t, err, store.ErrNotFound)
		mustV(e.s.PutPolicy(ctx(t), samplePolicy("pol-1", "x")))(t)
		if a := mustV(e.s.Assignments(ctx(t), "pol-1"))(t); a.Version != 0 || len(a.Assignments) != 0 {
			t.Fatalf("a new policy inherited assignments: %+v", a)
		}
	}},
	{"Invalid", func(t *testing.T, e *env) {
		mustV(e.s.PutPolicy(ctx(t), samplePolicy("pol-1", "x")))(t)
		for name, a := range map[string]*store.Assignments{
			"nil":              nil,
			"no policy id":     {},
			"nil assignment":   {PolicyID: "pol-1", Assignments: []*policy.Assignment{nil}},
			"negative version": {PolicyID: "pol-1", Version: -1},
		} {
			_, err := e.s.PutAssignments(ctx(t), a)
			if err == nil {
				t.Fatalf("%s: stored", name)
			}
			wantInvalid(t, err)
		}
		if a := mustV(e.s.Assignments(ctx(t), "pol-1"))(t); a.Version != 0 {
			t.Fatalf("version %d", a.Version)
		}
	}},
	{"All", func(t *testing.T, e *env) {
		for _, x := range []string{"pol-a", "pol-b", "pol-c", "pol-d"} {
			mustV(e.s.PutPolicy(ctx(t), samplePolicy(x, x)))(t)
		}
		for _, x := range []string{"pol-d", "pol-b"} {
			mustV(e.s.PutAssignments(ctx(t), &store.Assignments{PolicyID: x, Assignments: []*policy.Assignment{policy.Include("g-" + x)}}))(t)
		}
		var ids []string
		for _, a := range collect(t, e.s.AllAssignments(ctx(t), "")) {
			ids = append(ids, a.PolicyID)
			deepEqual(t, "assignments of "+a.PolicyID, assignmentsJSON(t, a.Assignments), assignmentsJSON(t, []*policy.Assignment{policy.Include("g-" + a.PolicyID)}))
		}
		deepEqual(t, "assigned policies", ids, []string{"pol-b", "pol-d"})
		ids = ids[:0]
		for _, a := range collect(t, e.s.AllAssignments(ctx(t), "pol-b")) {
			ids = append(ids, a.PolicyID)
		}
		deepEqual(t, "assigned policies after pol-b", ids, []string{"pol-d"})
	}},
}
