package conflict

import (
	"maps"
	"slices"
	"strings"

	"github.com/secmgmt/secmgmt/policy"
)

// IntegerOrder says in which direction an integer setting becomes more
// secure.
type IntegerOrder string

// Integer orders.
const (
	HigherIsMoreSecure IntegerOrder = "higher"
	LowerIsMoreSecure  IntegerOrder = "lower"
)

// Ranking orders the values of settings from most to least secure; it is
// the data behind TieBreak. A setting the ranking does not name has values
// that are all equally secure. An option a ranked setting's list does not
// name is less secure than every option it names.
type Ranking struct {
	// Options maps a choice setting to its options' itemIds, most secure
	// first.
	Options map[string][]string
	// ChildSuffixes maps a group that merges per child to the suffixes of
	// its children's option itemIds, most secure first: one list for
	// children that share a pattern ("_block", "_warn", "_audit", "_off"
	// for every attack surface reduction rule).
	ChildSuffixes map[string][]string
	// Integers maps an integer setting to the direction in which it is
	// more secure.
	Integers map[string]IntegerOrder
}

// DefaultRanking returns a copy of the built-in ranking: the Defender
// settings where one value plainly protects more than another (a feature
// on rather than off, block rather than audit, a stricter level), on
// Windows, macOS and Linux. Settings where security is a trade-off (scan
// schedules, CPU load, user interface, sample submission on Linux and
// macOS) are not ranked.
func DefaultRanking() Ranking {
	r := Ranking{
		Options:       make(map[string][]string, len(builtinOptions)),
		ChildSuffixes: make(map[string][]string, len(builtinChildSuffixes)),
		Integers:      maps.Clone(builtinIntegers),
	}
	for id, suffixes := range builtinOptions {
		ids := make([]string, len(suffixes))
		for i, s := range suffixes {
			ids[i] = id + s
		}
		r.Options[id] = ids
	}
	for id, s := range builtinChildSuffixes {
		r.ChildSuffixes[id] = slices.Clone(s)
	}
	return r
}

const (
	defender = "device_vendor_msft_policy_config_defender_"
	wsc      = "device_vendor_msft_policy_config_windowsdefendersecuritycenter_"
	linuxAV  = "linux_mdatp_managed_"
	macAV    = "com.apple.managedclient.preferences_"
	firewall = "vendor_msft_firewall_mdmstore_"
)

// builtinOptions lists option suffixes (after the setting id), most secure
// first.
var builtinOptions = map[string][]string{
	defender + "allowarchivescanning":                                                {"_1", "_0"},
	defender + "allowbehaviormonitoring":                                             {"_1", "_0"},
	defender + "allowcloudprotection":                                                {"_1", "_0"},
	defender + "allowemailscanning":                                                  {"_1", "_0"},
	defender + "allowfullscanonmappednetworkdrives":                                  {"_1", "_0"},
	defender + "allowfullscanremovabledrivescanning":                                 {"_1", "_0"},
	defender + "allowioavprotection":                                                 {"_1", "_0"},
	defender + "allowonaccessprotection":                                             {"_1", "_0"},
	defender + "allowrealtimemonitoring":                                             {"_1", "_0"},
	defender + "allowscanningnetworkfiles":                                           {"_1", "_0"},
	defender + "allowscriptscanning":                                                 {"_1", "_0"},
	defender + "checkforsignaturesbeforerunningscan":                                 {"_1", "_0"},
	defender + "cloudblocklevel":                                                     {"_6", "_4", "_2", "_0"},
	defender + "disablecatchupfullscan":                                              {"_0", "_1"},
	defender + "disablecatchupquickscan":                                             {"_0", "_1"},
	defender + "enablenetworkprotection":                                             {"_1", "_2", "_0"},
	defender + "puaprotection":                                                       {"_1", "_2", "_0"},
	defender + "realtimescandirection":                                               {"_0", "_1", "_2"},
	defender + "submitsamplesconsent":                                                {"_3", "_1", "_0", "_2"},
	defender + "enablecontrolledfolderaccess":                                        {"_1", "_2", "_0"},
	"device_vendor_msft_defender_configuration_disablelocaladminmerge":               {"_1", "_0"},
	"vendor_msft_defender_configuration_tamperprotection_options":                    {"_0", "_1"},
	"device_vendor_msft_windowsadvancedthreatprotection_configuration_samplesharing": {"_1", "_0"},
	wsc + "disableenhancednotifications":                                             {"_0", "_1"},
	firewall + "domainprofile_enablefirewall":                                        {"_true", "_false"},
	firewall + "privateprofile_enablefirewall":                                       {"_true", "_false"},
	firewall + "publicprofile_enablefirewall":                                        {"_true", "_false"},
	linuxAV + "cloudservice_enabled":                                                 {"_true", "_false"},
	linuxAV + "antivirusengine_enablerealtimeprotection":                             {"_true", "_false"},
	linuxAV + "antivirusengine_passivemode":                                          {"_false", "_true"},
	linuxAV + "antivirusengine_behaviormonitoring":                                   {"_1", "_0"},
	linuxAV + "antivirusengine_enforcementlevel":                                     {"_0", "_1", "_2"},
	linuxAV + "networkprotection_enforcementlevel":                                   {"_2", "_1", "_0"},
	linuxAV + "antivirusengine_scanarchives":                                         {"_true", "_false"},
	macAV + "enablerealtimeprotection":                                               {"_true", "_false"},
	macAV + "passivemode":                                                            {"_false", "_true"},
	macAV + "enforcementlevel":                                                       {"_2", "_1", "_0"},
	macAV + "enforcementlevel_tamperprotection":                                      {"_2", "_1", "_0"},
	macAV + "enforcementlevel_antivirusengine":                                       {"_2", "_1", "_0"},
	macAV + "scanarchives":                                                           {"_true", "_false"},
}

var builtinChildSuffixes = map[string][]string{
	defender + "attacksurfacereductionrules": {"_block", "_warn", "_audit", "_off"},
	defender + "threatseveritydefaultaction": {"_block", "_remove", "_quarantine", "_clean", "_userdefined", "_allow"},
}

var builtinIntegers = map[string]IntegerOrder{
	// Seconds a file is held for a cloud verdict.
	defender + "cloudextendedtimeout": HigherIsMoreSecure,
	// Days before cleaned malware leaves quarantine: keeping evidence
	// longer is the safer side.
	defender + "daystoretaincleanedmalware": HigherIsMoreSecure,
	// How deep archives are scanned.
	"device_vendor_msft_defender_configuration_archivemaxdepth": HigherIsMoreSecure,
}

// tieBreak is the documented antivirus tie-break.
type tieBreak struct {
	options map[string]map[string]int
	suffix  map[string][]string
	ints    map[string]IntegerOrder
}

// TieBreak returns the resolver the antivirus documentation describes:
// the most secure value wins (by the ranking); among equally secure
// values, the value of the last modified policy; when that does not decide
// (policies modified at the same instant, or no modification time), the
// setting is withheld. The resolver is immutable and safe for concurrent
// use; it keeps its own copy of the ranking.
func TieBreak(r Ranking) Resolver {
	t := &tieBreak{
		options: make(map[string]map[string]int, len(r.Options)),
		suffix:  make(map[string][]string, len(r.ChildSuffixes)),
		ints:    maps.Clone(r.Integers),
	}
	for id, items := range r.Options {
		m := make(map[string]int, len(items))
		for i, it := range items {
			if _, dup := m[it]; !dup {
				m[it] = i
			}
		}
		t.options[id] = m
	}
	for id, s := range r.ChildSuffixes {
		t.suffix[id] = slices.Clone(s)
	}
	return t
}

// Resolve picks the winner of a dispute.
func (t *tieBreak) Resolve(d *Dispute) (int, bool) {
	ranks := make([]int64, len(d.Candidates))
	best := int64(0)
	for i, c := range d.Candidates {
		ranks[i] = t.rank(d.Definition, c.Value)
		if i == 0 || ranks[i] < best {
			best = ranks[i]
		}
	}
	winner, groups := -1, map[int]bool{}
	for i, c := range d.Candidates {
		if ranks[i] == best {
			groups[c.Group] = true
			if winner < 0 {
				winner = i
			}
		}
	}
	if len(groups) == 1 {
		return winner, true
	}
	// Equally secure values: the last modified policy's.
	winner = -1
	for i, c := range d.Candidates {
		if ranks[i] != best || c.LastModified.IsZero() {
			continue
		}
		if winner < 0 || c.LastModified.After(d.Candidates[winner].LastModified) {
			winner = i
		}
	}
	if winner < 0 {
		return 0, false
	}
	w := d.Candidates[winner]
	for i, c := range d.Candidates {
		if ranks[i] == best && c.Group != w.Group && c.LastModified.Equal(w.LastModified) {
			return 0, false
		}
	}
	return winner, true
}

// rank returns a candidate value's rank: lower is more secure.
func (t *tieBreak) rank(def *policy.Definition, v *policy.SettingInstance) int64 {
	if def == nil || v == nil {
		return 0
	}
	switch v.Kind {
	case policy.InstanceChoice:
		item, _ := v.ChoiceItemID()
		if m, ok := t.options[def.ID]; ok {
			if i, ok := m[item]; ok {
				return int64(i)
			}
			return int64(len(m))
		}
		if parent, _ := def.Parent(); parent != nil {
			if s, ok := t.suffix[parent.ID]; ok {
				for i, suf := range s {
					if strings.HasSuffix(item, suf) {
						return int64(i)
					}
				}
				return int64(len(s))
			}
		}
	case policy.InstanceSimple:
		n, ok := v.IntegerValue()
		if !ok {
			return 0
		}
		switch t.ints[def.ID] {
		case HigherIsMoreSecure:
			return -n
		case LowerIsMoreSecure:
			return n
		}
	}
	return 0
}
