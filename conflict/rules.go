package conflict

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/secmgmt/secmgmt/policy"
)

// WarningKind classifies a device-side warning.
type WarningKind string

// Warning kinds.
const (
	// WarningFirewallRuleContradiction: enabled firewall rules for the same
	// traffic (direction, protocol, application, local and remote ports, on
	// at least one common network profile) where one allows and another
	// blocks. Both are delivered; which one wins is the device firewall's
	// business (block rules take precedence there).
	WarningFirewallRuleContradiction WarningKind = "firewallRuleContradiction"
)

// Valid reports whether k is a declared warning kind.
func (k WarningKind) Valid() bool { return k == WarningFirewallRuleContradiction }

// String returns the kind's name.
func (k WarningKind) String() string { return string(k) }

// Warning is something the device will meet that is not an Intune
// conflict: it does not change any outcome.
type Warning struct {
	Kind WarningKind
	// SettingID is the setting whose items are concerned.
	SettingID string
	// Rules are the items concerned, in policy id and document order.
	Rules []RuleRef
	// Detail explains the warning in a sentence.
	Detail string
}

// RuleRef names one firewall rule: the policy, its position in the
// policy's rule list (from 0) and its display name.
type RuleRef struct {
	PolicyID string
	Index    int
	Name     string
	// Action is "allow" or "block".
	Action string
}

// The children of a firewall rule item the contradiction test reads, by
// the suffix of their definition id after the collection's id.
const (
	ruleName       = "_name"
	ruleEnabled    = "_enabled"
	ruleDirection  = "_direction"
	ruleAction     = "_action_type"
	ruleProfiles   = "_profiles"
	ruleProtocol   = "_protocol"
	ruleLocalPort  = "_localportranges"
	ruleRemotePort = "_remoteportranges"
	ruleFilePath   = "_app_filepath"
	rulePackage    = "_app_packagefamilyname"
	ruleService    = "_app_servicename"
)

// firewallRule is what the contradiction test needs of one rule.
type firewallRule struct {
	ref      RuleRef
	traffic  string // direction, protocol, application and ports
	allow    bool
	profiles int64 // bit set; -1 (all bits) when absent
}

// ruleWarnings finds contradicting rules among the rules of every source.
func (r *run) ruleWarnings(u *unit, app []int32) {
	n := 0
	for _, s := range app {
		n += len(r.rules(s))
	}
	if n < 2 {
		return
	}
	rules := make([]firewallRule, 0, n)
	for _, s := range app {
		rules = append(rules, r.rules(s)...)
	}
	if len(rules) < 2 {
		return
	}
	// Group by traffic; within a group, an allow and a block that share a
	// profile contradict.
	idx := make([]int, len(rules))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(rules[a].traffic, rules[b].traffic) })
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && rules[idx[hi]].traffic == rules[idx[lo]].traffic {
			hi++
		}
		group := idx[lo:hi]
		lo = hi
		if len(group) < 2 {
			continue
		}
		var involved []int
		for _, a := range group {
			for _, b := range group {
				if rules[a].allow && !rules[b].allow && rules[a].profiles&rules[b].profiles != 0 {
					involved = append(involved, a, b)
				}
			}
		}
		if len(involved) == 0 {
			continue
		}
		slices.Sort(involved)
		involved = slices.Compact(involved)
		w := Warning{Kind: WarningFirewallRuleContradiction, SettingID: u.key}
		for _, i := range involved {
			w.Rules = append(w.Rules, rules[i].ref)
		}
		w.Detail = fmt.Sprintf("%d rules allow and block the same traffic (%s); all are delivered and the device firewall decides",
			len(w.Rules), describeTraffic(rules[involved[0]].traffic))
		r.warnings = append(r.warnings, w)
	}
}

// readRule reads one rule item. Absent children take the firewall's
// defaults: enabled, outbound, allow, every protocol, profile, application
// and port.
func (w *walker) readRule(key string, g *policy.GroupValue) (firewallRule, bool) {
	fr := firewallRule{allow: true, profiles: -1, ref: RuleRef{Action: "allow"}}
	direction, protocol := "OUT", "any"
	var app [3]string
	var local, remote []string
	enabled := true
	for _, ch := range g.Children {
		suffix, ok := strings.CutPrefix(ch.DefinitionID, key)
		if !ok {
			continue
		}
		switch suffix {
		case ruleName:
			fr.ref.Name, _ = ch.StringValue()
		case ruleEnabled:
			if v, ok := w.optionValue(ch); ok {
				enabled = v != int64(0)
			}
		case ruleDirection:
			if v, ok := w.optionValue(ch); ok {
				direction = fmt.Sprint(v)
			}
		case ruleAction:
			if v, ok := w.optionValue(ch); ok {
				fr.allow = v != int64(0)
			}
		case ruleProfiles:
			if ids, ok := ch.ChoiceItemIDs(); ok && len(ids) > 0 {
				fr.profiles = 0
				for _, id := range ids {
					if v, ok := w.optionValueOf(ch.DefinitionID, id); ok {
						if n, isInt := v.(int64); isInt {
							fr.profiles |= n
						}
					}
				}
			}
		case ruleProtocol:
			if v, ok := ch.IntegerValue(); ok {
				protocol = strconv.FormatInt(v, 10)
			}
		case ruleFilePath:
			s, _ := ch.StringValue()
			app[0] = strings.ToUpper(s)
		case rulePackage:
			s, _ := ch.StringValue()
			app[1] = strings.ToUpper(s)
		case ruleService:
			s, _ := ch.StringValue()
			app[2] = strings.ToUpper(s)
		case ruleLocalPort:
			local, _ = ch.StringValues()
		case ruleRemotePort:
			remote, _ = ch.StringValues()
		}
	}
	if !fr.allow {
		fr.ref.Action = "block"
	}
	fr.traffic = strings.Join([]string{direction, protocol, app[0], app[1], app[2], portSet(local), portSet(remote)}, "\x1f")
	return fr, enabled
}

// optionValue returns the device value of a choice instance's option.
func (w *walker) optionValue(ch *policy.SettingInstance) (any, bool) {
	id, ok := ch.ChoiceItemID()
	if !ok {
		return nil, false
	}
	return w.optionValueOf(ch.DefinitionID, id)
}

func (w *walker) optionValueOf(defID, itemID string) (any, bool) {
	di := w.defs[defID]
	if di == nil {
		return nil, false
	}
	o, ok := di.def.Option(itemID)
	if !ok {
		return nil, false
	}
	return o.Value, true
}

// portSet is a canonical form of a port list: sorted, without repeats.
func portSet(ports []string) string {
	if len(ports) == 0 {
		return "any"
	}
	ps := slices.Clone(ports)
	for i := range ps {
		ps[i] = strings.TrimSpace(ps[i])
	}
	slices.Sort(ps)
	return strings.Join(slices.Compact(ps), ",")
}

// describeTraffic renders a traffic key for a warning's detail.
func describeTraffic(t string) string {
	f := strings.Split(t, "\x1f")
	if len(f) != 7 {
		return t
	}
	app := "any application"
	for _, a := range f[2:5] {
		if a != "" {
			app = a
			break
		}
	}
	return fmt.Sprintf("direction %s, protocol %s, %s, local ports %s, remote ports %s", f[0], f[1], app, f[5], f[6])
}
