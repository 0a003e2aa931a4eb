package conflict_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/policy"
)

const (
	realtime   = "device_vendor_msft_policy_config_defender_allowrealtimemonitoring"
	cloudBlock = "device_vendor_msft_policy_config_defender_cloudblocklevel"
	paths      = "device_vendor_msft_policy_config_defender_excludedpaths"
	avTemplate = "804339ad-1553-4478-a742-138fb5807418_1"
)

// antivirus builds an antivirus policy with an id.
func antivirus(id string, modified time.Time, settings ...*policy.SettingInstance) *policy.Policy {
	p, err := policy.NewPolicy(policy.Builtin(), avTemplate, "Antivirus "+id, settings...)
	if err != nil {
		panic(err)
	}
	p.ID, p.LastModifiedDateTime = id, modified
	return p
}

// Merge two antivirus policies and print the conflicts.
func ExampleMerge() {
	a := antivirus("a", time.Time{},
		policy.Choice(realtime, realtime+"_1"),
		policy.Choice(cloudBlock, cloudBlock+"_2"),
		policy.Strings(paths, `C:\ERP\Data`))
	b := antivirus("b", time.Time{},
		policy.Choice(realtime, realtime+"_1"),
		policy.Choice(cloudBlock, cloudBlock+"_6"),
		policy.Strings(paths, `c:\erp\data`, `D:\VMs`))

	res, err := conflict.Merge(policy.Builtin(), []*policy.Policy{a, b})
	if err != nil {
		panic(err)
	}
	for o := range res.Conflicts() {
		fmt.Printf("%s: %s conflicts with %v\n", o.SettingID, o.PolicyID, o.Others())
	}
	flat := res.Flatten()
	fmt.Println(flat[realtime])
	fmt.Println(flat[paths])
	_, delivered := flat[cloudBlock]
	fmt.Println("cloud block level delivered:", delivered)
	// Output:
	// device_vendor_msft_policy_config_defender_cloudblocklevel: a conflicts with [b]
	// device_vendor_msft_policy_config_defender_cloudblocklevel: b conflicts with [a]
	// device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1
	// [C:\ERP\Data D:\VMs]
	// cloud block level delivered: false
}

// Build a Merger once and merge for each device; the version recognises an
// unchanged configuration.
func ExampleMerger_Merge() {
	m, err := conflict.New(policy.Builtin())
	if err != nil {
		panic(err)
	}
	a := antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"))
	b := antivirus("b", time.Time{}, policy.Choice(realtime, realtime+"_1"))
	win11 := conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: "10.0.22631.3007"}

	r1, _ := m.Merge(win11, []*policy.Policy{a, b})
	r2, _ := m.Merge(win11, []*policy.Policy{b, a})
	r3, _ := m.Merge(win11, []*policy.Policy{a})
	fmt.Println(len(r1.Effective), r1.Version == r2.Version, r1.Version == r3.Version)
	o, _ := r1.Outcome("b", realtime)
	fmt.Println(o.Outcome, o.Reason)
	// Output:
	// 1 true true
	// succeeded equalValues
}

// Explain why a setting is, or is not, delivered.
func ExampleExplain() {
	a := antivirus("a", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_2"))
	b := antivirus("b", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_6"))
	res, _ := conflict.Merge(policy.Builtin(), []*policy.Policy{a, b})
	e, _ := conflict.Explain(res, cloudBlock)
	fmt.Println(e.Decision, e.Delivered == nil)
	for _, s := range e.Sources {
		fmt.Println(s.PolicyID, s.Display, s.Outcome)
	}
	// Output:
	// differentValues true
	// a device_vendor_msft_policy_config_defender_cloudblocklevel_2 conflict
	// b device_vendor_msft_policy_config_defender_cloudblocklevel_6 conflict
}

// The documented tie-break: the most secure value wins, then the last
// modified policy.
func ExampleTieBreak() {
	jan := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	feb := time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC)
	a := antivirus("a", feb, policy.Choice(cloudBlock, cloudBlock+"_2"), policy.Integer("device_vendor_msft_policy_config_defender_avgcpuloadfactor", 20))
	b := antivirus("b", jan, policy.Choice(cloudBlock, cloudBlock+"_6"), policy.Integer("device_vendor_msft_policy_config_defender_avgcpuloadfactor", 50))
	res, _ := conflict.Merge(policy.Builtin(), []*policy.Policy{a, b},
		conflict.WithResolver(conflict.TieBreak(conflict.DefaultRanking())))
	flat := res.Flatten()
	fmt.Println(flat[cloudBlock])
	fmt.Println(flat["device_vendor_msft_policy_config_defender_avgcpuloadfactor"])
	// Output:
	// device_vendor_msft_policy_config_defender_cloudblocklevel_6
	// 20
}

// Conflict summaries across devices, in the shape of Graph's
// deviceConfigurationConflictSummary.
func ExampleSummarize() {
	m, _ := conflict.New(policy.Builtin())
	a := antivirus("a", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_2"))
	b := antivirus("b", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_6"))
	var results []*conflict.Result
	for range 3 {
		res, _ := m.Merge(conflict.Device{}, []*policy.Policy{a, b})
		results = append(results, res)
	}
	for _, s := range conflict.Summarize(slices.Values(results)) {
		fmt.Println(s.ID, s.ContributingSettings, s.DeviceCheckinsImpacted)
	}
	// Output:
	// a_b [device_vendor_msft_policy_config_defender_cloudblocklevel] 3
}

// The flattened view of an effective configuration.
func ExampleResult_Flatten() {
	asr := "device_vendor_msft_policy_config_defender_attacksurfacereductionrules"
	rule := asr + "_blockexecutionofpotentiallyobfuscatedscripts"
	p, _ := policy.NewPolicy(policy.Builtin(), "e8c053d6-9f95-42b1-a7f1-ebfd71c67a4b_1", "ASR",
		policy.GroupCollection(asr, policy.Item(policy.Choice(rule, rule+"_block"))))
	p.ID = "asr"
	res, _ := conflict.Merge(policy.Builtin(), []*policy.Policy{p})
	fmt.Println(res.Flatten())
	// Output:
	// map[device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockexecutionofpotentiallyobfuscatedscripts:device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockexecutionofpotentiallyobfuscatedscripts_block]
}

// A resolver of one's own: here, the policy whose name sorts first wins.
func ExampleResolverFunc() {
	first := conflict.ResolverFunc(func(d *conflict.Dispute) (int, bool) {
		best := 0
		for i, c := range d.Candidates {
			if c.PolicyName < d.Candidates[best].PolicyName {
				best = i
			}
		}
		return best, true
	})
	a := antivirus("a", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_2"))
	b := antivirus("b", time.Time{}, policy.Choice(cloudBlock, cloudBlock+"_6"))
	res, _ := conflict.Merge(policy.Builtin(), []*policy.Policy{a, b}, conflict.WithResolver(first))
	fmt.Println(res.Flatten()[cloudBlock])
	// Output:
	// device_vendor_msft_policy_config_defender_cloudblocklevel_2
}

// Prepare each policy once (when it changes) and merge the prepared
// policies for every device that checks in.
func ExampleMerger_Prepare() {
	m, err := conflict.New(policy.Builtin())
	if err != nil {
		panic(err)
	}
	var prepared []*conflict.Prepared
	for _, p := range []*policy.Policy{
		antivirus("a", time.Time{}, policy.Choice(realtime, realtime+"_1"), policy.Strings(paths, `C:\ERP`)),
		antivirus("b", time.Time{}, policy.Choice(realtime, realtime+"_1"), policy.Strings(paths, `c:\erp`, `D:\VMs`)),
	} {
		pp, err := m.Prepare(p)
		if err != nil {
			panic(err)
		}
		prepared = append(prepared, pp)
	}
	fmt.Println(prepared[0].ID(), prepared[1].ID())

	for _, platform := range []policy.DevicePlatform{policy.DeviceWindows, policy.DeviceMacOS} {
		res, err := m.MergePrepared(conflict.Device{Class: policy.DeviceClass{Platform: platform}}, prepared)
		if err != nil {
			panic(err)
		}
		o, _ := res.Outcome("a", paths)
		fmt.Println(platform, res.Flatten()[paths], o.Reason)
	}
	// Output:
	// a b
	// windows [C:\ERP D:\VMs] merged
	// macOS <nil> notDeliverable
}

// One prepared policy serves devices on which different settings apply:
// the firewall's log size setting needs Windows 11 22H2 (10.0.22621).
func ExampleMerger_MergePrepared() {
	const (
		enable  = "vendor_msft_firewall_mdmstore_domainprofile_enablefirewall"
		logSize = "vendor_msft_firewall_mdmstore_domainprofile_logmaxfilesize"
	)
	m, err := conflict.New(policy.Builtin())
	if err != nil {
		panic(err)
	}
	fw, err := policy.NewPolicy(policy.Builtin(), "6078910e-d808-4a9f-a51d-1b8a7bacb7c0_1", "Firewall",
		policy.Choice(enable, enable+"_true", policy.Integer(logSize, 16384)))
	if err != nil {
		panic(err)
	}
	fw.ID = "fw"
	pfw, err := m.Prepare(fw)
	if err != nil {
		panic(err)
	}
	for _, os := range []string{"10.0.19045", "10.0.22631"} {
		res, err := m.MergePrepared(conflict.Device{Class: policy.DeviceClass{Platform: policy.DeviceWindows}, OSVersion: os},
			[]*conflict.Prepared{pfw})
		if err != nil {
			panic(err)
		}
		o, _ := res.Outcome("fw", logSize)
		fmt.Println(os, res.Flatten()[logSize], o.Outcome, o.Reason)
	}
	// Output:
	// 10.0.19045 <nil> notApplicable osVersion
	// 10.0.22631 16384 succeeded onlySource
}
