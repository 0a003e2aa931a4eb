package conflict_test

import (
	"errors"
	"testing"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
)

// The version depends on the delivered content only.
func TestVersion(t *testing.T) {
	m, _ := conflict.New(policy.Builtin())
	merge := func(ps ...*policy.Policy) *conflict.Result {
		t.Helper()
		res, err := m.Merge(conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}}, ps)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"), policy.Strings(paths, `C:\A`, `C:\B`))
	renamed := a.Clone()
	renamed.ID, renamed.Name = "zz", "another name"
	renamed.TemplateReference.TemplateDisplayName = "something else"
	for _, s := range renamed.Settings {
		s.Instance.TemplateReference = nil
	}
	reordered := antivirus("r", time.Time{}, policy.Strings(paths, `C:\B`, `C:\A`), policy.Choice(realtime, realtime+"_1"))
	split1 := antivirus("s1", time.Time{}, policy.Choice(realtime, realtime+"_1"), policy.Strings(paths, `C:\A`))
	split2 := antivirus("s2", time.Time{}, policy.Strings(paths, `C:\B`))
	base := merge(a).Version
	for name, res := range map[string]*conflict.Result{
		"ids, names and template references": merge(renamed),
		"document and list order":            merge(reordered),
		"the same content from two policies": merge(split1, split2),
	} {
		if res.Version != base {
			t.Errorf("%s change the version", name)
		}
	}
	changed := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_0"), policy.Strings(paths, `C:\A`, `C:\B`))
	if merge(changed).Version == base {
		t.Error("a changed value keeps the version")
	}
	more := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"), policy.Strings(paths, `C:\A`, `C:\B`, `C:\C`))
	if merge(more).Version == base {
		t.Error("an added exclusion keeps the version")
	}
	if empty1, empty2 := merge(), merge(); empty1.Version == base || empty1.Version != empty2.Version {
		t.Error("the empty configuration's version")
	}
}

// The merge leaves its input alone.
func TestMergeDoesNotModifyPolicies(t *testing.T) {
	fw := "vendor_msft_firewall_mdmstore_domainprofile_enablefirewall"
	log := "vendor_msft_firewall_mdmstore_domainprofile_logmaxfilesize"
	p, err := policy.NewPolicy(policy.Builtin(), "6078910e-d808-4a9f-a51d-1b8a7bacb7c0_1", "FW",
		policy.Choice(fw, fw+"_true", policy.Integer(log, 16384)))
	if err != nil {
		t.Fatal(err)
	}
	p.ID = "fw"
	before, _ := policy.EncodeGraph(p)
	res, err := conflict.Merge(policy.Builtin(), []*policy.Policy{p},
		conflict.WithDevice(conflict.Device{OSVersion: "10.0.19045"}))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := policy.EncodeGraph(p)
	if string(before) != string(after) {
		t.Error("the policy changed")
	}
	if _, ok := res.Flatten()[log]; ok {
		t.Error("a child that does not apply was delivered")
	}
	if o, ok := res.Outcome("fw", log); !ok || o.Reason != conflict.ReasonOSVersion {
		t.Errorf("outcome of the dropped child = %+v", o)
	}
	e, ok := conflict.Explain(res, log)
	if !ok || e.SettingID != log {
		t.Errorf("explain %s = %+v", log, e)
	}
}

func TestNewAndMergeErrors(t *testing.T) {
	if _, err := conflict.New(nil); err == nil {
		t.Error("nil catalog accepted")
	}
	if _, err := conflict.New(policy.Builtin(), conflict.WithDevice(conflict.Device{})); err == nil {
		t.Error("WithDevice accepted by New")
	}
	_, err := conflict.Merge(policy.Builtin(), []*policy.Policy{nil})
	var ie *conflict.InputError
	if !errors.As(err, &ie) || !errors.Is(err, conflict.ErrInvalidInput) || !ie.Has(conflict.ProblemNilPolicy) {
		t.Errorf("nil policy: %v", err)
	}
	bad := conflict.ResolverFunc(func(*conflict.Dispute) (int, bool) { return 7, true })
	a := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"))
	b := antivirus("b", time.Time{}, policy.Choice(realtime, realtime+"_0"))
	_, err = conflict.Merge(policy.Builtin(), []*policy.Policy{a, b}, conflict.WithResolver(bad))
	var re *conflict.ResolverError
	if !errors.As(err, &re) || re.Winner != 7 || re.Candidates != 2 {
		t.Errorf("bad resolver: %v", err)
	}
}

func TestEnums(t *testing.T) {
	for _, o := range conflict.Outcomes {
		if !o.Valid() {
			t.Errorf("%s not valid", o)
		}
		b, err := o.MarshalText()
		var back conflict.Outcome
		if err != nil || back.UnmarshalText(b) != nil || back != o {
			t.Errorf("%s does not round-trip", o)
		}
	}
	if conflict.Outcome("Succeeded").Valid() || conflict.Reason("x").Valid() || conflict.Reason("x").Outcome() != "" {
		t.Error("undeclared values are valid")
	}
	var o conflict.Outcome
	if o.UnmarshalText([]byte("bogus")) == nil {
		t.Error("bogus outcome read")
	}
	for _, r := range []conflict.Reason{conflict.ReasonOnlySource, conflict.ReasonDifferentValues, conflict.ReasonNotDeliverable} {
		var back conflict.Reason
		b, _ := r.MarshalText()
		if back.UnmarshalText(b) != nil || back != r || !r.Outcome().Valid() {
			t.Errorf("%s does not round-trip", r)
		}
	}
	if !conflict.WarningFirewallRuleContradiction.Valid() || !conflict.ProblemDevice.Valid() {
		t.Error("declared kinds are not valid")
	}
}

func TestSummariesCountDevicesOnce(t *testing.T) {
	var s conflict.Summaries
	ab := []conflict.SettingSource{{ID: "b", DisplayName: "B"}, {ID: "a", DisplayName: "A"}}
	s.AddDevice([]conflict.Conflicting{{Policies: ab, SettingID: "x"}, {Policies: ab, SettingID: "y"}})
	s.AddDevice([]conflict.Conflicting{{Policies: ab, SettingID: "x"}})
	s.AddDevice([]conflict.Conflicting{{Policies: ab[:1], SettingID: "z"}}) // a single policy is no conflict
	got := s.List()
	if len(got) != 1 || got[0].ID != "a_b" || got[0].DeviceCheckinsImpacted != 2 || len(got[0].ContributingSettings) != 2 ||
		got[0].ConflictingDeviceConfigurations[0].ID != "a" {
		t.Errorf("summaries = %+v", got)
	}
}
