package conflict_test

import (
	"errors"
	"fmt"
	"log"
	"maps"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
)

const (
	cpuLoad    = "device_vendor_msft_policy_config_defender_avgcpuloadfactor"
	onboarding = "device_vendor_msft_windowsadvancedthreatprotection_onboarding"
)

// workstation is a Windows 11 device.
var workstation = conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.22631.4460"}

// twoPolicies merges two antivirus policies for a workstation: both turn
// real-time monitoring on, they disagree on the cloud block level, and b
// alone sets the CPU load factor.
func twoPolicies() *conflict.Result {
	a := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"), policy.Choice(cloudBlock, cloudBlock+"_2"))
	b := antivirus("b", time.Time{}, policy.Choice(realtime, realtime+"_1"), policy.Choice(cloudBlock, cloudBlock+"_6"),
		policy.Integer(cpuLoad, 30))
	res, err := conflict.Merge(policy.Builtin(), []*policy.Policy{a, b}, conflict.WithDevice(workstation))
	if err != nil {
		log.Fatal(err)
	}
	return res
}

func ExampleNew() {
	m, err := conflict.New(policy.Builtin(), conflict.WithResolver(conflict.TieBreak(conflict.DefaultRanking())))
	if err != nil {
		log.Fatal(err)
	}
	a := antivirus("a", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_2"))
	b := antivirus("b", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_6"))
	res, err := m.Merge(workstation, []*policy.Policy{a, b})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Flatten()[cloudBlock])

	_, err = conflict.New(policy.Builtin(), conflict.WithDevice(workstation))
	fmt.Println(err)
	// Output:
	// device_vendor_msft_policy_config_defender_cloudblocklevel_6
	// conflict: New: WithDevice is for Merge; pass the device to Merger.Merge
}

// Without a resolver the conflicting setting is withheld; with one, the
// resolver picks the value.
func ExampleWithResolver() {
	a := antivirus("a", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_2"))
	b := antivirus("b", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_4"))
	for _, r := range []conflict.Resolver{nil, conflict.TieBreak(conflict.DefaultRanking())} {
		res, err := conflict.Merge(policy.Builtin(), []*policy.Policy{a, b}, conflict.WithResolver(r))
		if err != nil {
			log.Fatal(err)
		}
		o, _ := res.Outcome("b", cloudBlock)
		fmt.Println(res.Flatten()[cloudBlock], o.Outcome, o.Reason)
	}
	// Output:
	// <nil> conflict differentValues
	// device_vendor_msft_policy_config_defender_cloudblocklevel_4 succeeded resolvedFor
}

// The package-level Merge takes the device as an option: an older
// Windows 10 build gets the same antivirus settings.
func ExampleWithDevice() {
	win10 := conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.19045.5131"}
	p := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"))
	res, err := conflict.Merge(policy.Builtin(), []*policy.Policy{p}, conflict.WithDevice(win10))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Device.OSVersion, len(res.Effective))
	// Output: 10.0.19045.5131 1
}

func ExampleDefaultRanking() {
	r := conflict.DefaultRanking()
	fmt.Println(r.Options[cloudBlock])
	fmt.Println(r.Integers["device_vendor_msft_policy_config_defender_cloudextendedtimeout"])
	// Output:
	// [device_vendor_msft_policy_config_defender_cloudblocklevel_6 device_vendor_msft_policy_config_defender_cloudblocklevel_4 device_vendor_msft_policy_config_defender_cloudblocklevel_2 device_vendor_msft_policy_config_defender_cloudblocklevel_0]
	// higher
}

func ExampleResolverFunc_Resolve() {
	// Never decide: the setting stays withheld, as without a resolver.
	var r conflict.Resolver = conflict.ResolverFunc(func(*conflict.Dispute) (int, bool) { return 0, false })
	_, ok := r.Resolve(&conflict.Dispute{})
	fmt.Println(ok)
	// Output: false
}

func ExampleMerger_Catalog() {
	c := policy.Builtin()
	m, err := conflict.New(c)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Catalog() == c)
	// Output: true
}

// FlattenInstance is the flattened view of a single instance, here the
// remediation actions of Threat Severity Default Action.
func ExampleMerger_FlattenInstance() {
	const tsda = "device_vendor_msft_policy_config_defender_threatseveritydefaultaction"
	m, err := conflict.New(policy.Builtin())
	if err != nil {
		log.Fatal(err)
	}
	inst := policy.GroupCollection(tsda, policy.Item(
		policy.Choice(tsda+"_severethreats", tsda+"_severethreats_remove"),
		policy.Choice(tsda+"_lowseveritythreats", tsda+"_lowseveritythreats_quarantine")))
	flat := m.FlattenInstance(inst)
	for _, k := range slices.Sorted(maps.Keys(flat)) {
		fmt.Println(k, "=", flat[k])
	}
	// Output:
	// device_vendor_msft_policy_config_defender_threatseveritydefaultaction_lowseveritythreats = device_vendor_msft_policy_config_defender_threatseveritydefaultaction_lowseveritythreats_quarantine
	// device_vendor_msft_policy_config_defender_threatseveritydefaultaction_severethreats = device_vendor_msft_policy_config_defender_threatseveritydefaultaction_severethreats_remove
}

func ExamplePrepared_ID() {
	m, err := conflict.New(policy.Builtin())
	if err != nil {
		log.Fatal(err)
	}
	pp, err := m.Prepare(antivirus("3c1f7a20-6e4b-4d95-8a0c-b2d1e9f57a36", time.Time{}, policy.Choice(realtime, realtime+"_1")))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pp.ID())
	// Output: 3c1f7a20-6e4b-4d95-8a0c-b2d1e9f57a36
}

func ExampleResult_Outcome() {
	res := twoPolicies()
	for _, id := range []string{realtime, cloudBlock, cpuLoad} {
		o, ok := res.Outcome("b", id)
		fmt.Println(ok, o.Outcome, o.Reason, o.Sources)
	}
	_, ok := res.Outcome("a", cpuLoad)
	fmt.Println(ok)
	// Output:
	// true succeeded equalValues [a b]
	// true conflict differentValues [a b]
	// true succeeded onlySource [b]
	// false
}

func ExampleResult_Outcomes() {
	for _, o := range twoPolicies().Outcomes() {
		fmt.Println(o.PolicyID, o.Definition.Name, o.Outcome, o.Reason)
	}
	// Output:
	// a AllowRealtimeMonitoring succeeded equalValues
	// a CloudBlockLevel conflict differentValues
	// b AllowRealtimeMonitoring succeeded equalValues
	// b CloudBlockLevel conflict differentValues
	// b AvgCPULoadFactor succeeded onlySource
}

func ExampleResult_PolicyOutcomes() {
	for o := range twoPolicies().PolicyOutcomes("a") {
		fmt.Println(o.Definition.Name, o.Outcome)
	}
	// Output:
	// AllowRealtimeMonitoring succeeded
	// CloudBlockLevel conflict
}

func ExampleResult_Conflicts() {
	for o := range twoPolicies().Conflicts() {
		fmt.Println(o.PolicyID, o.Definition.Name, o.Reason)
	}
	// Output:
	// a CloudBlockLevel differentValues
	// b CloudBlockLevel differentValues
}

func ExampleSettingOutcome_Others() {
	o, _ := twoPolicies().Outcome("a", cloudBlock)
	fmt.Println(o.Others())
	// Output: [b]
}

// Setting returns the delivered instance of a setting; a withheld one is
// not there.
func ExampleResult_Setting() {
	res := twoPolicies()
	s, ok := res.Setting(cpuLoad)
	v, _ := s.IntegerValue()
	fmt.Println(ok, v)
	_, ok = res.Setting(cloudBlock)
	fmt.Println(ok)
	// Output:
	// true 30
	// false
}

func ExampleResult_Policy() {
	p, ok := twoPolicies().Policy("b")
	fmt.Println(ok, p.Name, p.TemplateID, p.Support.Supported)
	// Output: true Antivirus b 804339ad-1553-4478-a742-138fb5807418_1 true
}

// FormatValue is short text for reports; secrets are masked.
func ExampleResult_FormatValue() {
	res := twoPolicies()
	fmt.Println(res.FormatValue(policy.Choice(cloudBlock, cloudBlock+"_6")))
	fmt.Println(res.FormatValue(policy.Integer(cpuLoad, 30)))
	fmt.Println(res.FormatValue(policy.Strings(paths, `C:\ERP`, `D:\VMs`)))
	fmt.Println(res.FormatValue(policy.Secret(onboarding, "onboarding-blob")) == conflict.SecretMask)
	// Output:
	// device_vendor_msft_policy_config_defender_cloudblocklevel_6
	// 30
	// ["C:\\ERP","D:\\VMs"]
	// true
}

func ExampleReason_Outcome() {
	for _, r := range []conflict.Reason{conflict.ReasonEqualValues, conflict.ReasonResolvedFor, conflict.ReasonResolvedAgainst,
		conflict.ReasonDifferentValues, conflict.ReasonOSVersion} {
		fmt.Println(r, r.Outcome())
	}
	// Output:
	// equalValues succeeded
	// resolvedFor succeeded
	// resolvedAgainst conflict
	// differentValues conflict
	// osVersion notApplicable
}

// A summary per set of conflicting policies; a device counts once per set
// however many settings conflict.
func ExampleSummaries_AddResult() {
	var s conflict.Summaries
	for range 2 {
		s.AddResult(twoPolicies())
	}
	for _, sum := range s.List() {
		fmt.Println(sum.ID, sum.DeviceCheckinsImpacted, sum.ContributingSettings)
	}
	// Output: a_b 2 [device_vendor_msft_policy_config_defender_cloudblocklevel]
}

// AddDevice takes a device's conflicts as a caller recorded them, e.g.
// from stored status reports.
func ExampleSummaries_AddDevice() {
	var s conflict.Summaries
	a := conflict.SettingSource{ID: "a", DisplayName: "Workstations"}
	b := conflict.SettingSource{ID: "b", DisplayName: "Developers"}
	s.AddDevice([]conflict.Conflicting{
		{SettingID: cloudBlock, Policies: []conflict.SettingSource{b, a}},
		{SettingID: cpuLoad, Policies: []conflict.SettingSource{a, b}},
	})
	s.AddDevice([]conflict.Conflicting{{SettingID: cloudBlock, Policies: []conflict.SettingSource{a, b}}})
	for _, sum := range s.List() {
		fmt.Println(sum.ID, sum.DeviceCheckinsImpacted, sum.ContributingSettings)
		for _, p := range sum.ConflictingDeviceConfigurations {
			fmt.Println("  ", p.ID, p.DisplayName)
		}
	}
	// Output:
	// a_b 2 [device_vendor_msft_policy_config_defender_avgcpuloadfactor device_vendor_msft_policy_config_defender_cloudblocklevel]
	//    a Workstations
	//    b Developers
}

func ExampleSummaries_List() {
	var s conflict.Summaries
	fmt.Println(len(s.List()))
	s.AddResult(twoPolicies())
	fmt.Println(s.List()[0].ID)
	// Output:
	// 0
	// a_b
}

func ExampleInputError_Has() {
	p := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"))
	q := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_0"))
	_, err := conflict.Merge(policy.Builtin(), []*policy.Policy{p, q, nil})
	var ie *conflict.InputError
	if errors.As(err, &ie) {
		fmt.Println(ie.Has(conflict.ProblemDuplicatePolicy), ie.Has(conflict.ProblemNilPolicy), ie.Has(conflict.ProblemMissingID))
	}
	// Output: true true false
}
