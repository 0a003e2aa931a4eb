package conflict

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/secmgmt/secmgmt/policy"
)

// Explanation says, for one setting on one device, where every value came
// from and why the delivered value is what it is.
type Explanation struct {
	// SettingID is the setting key explained; Asked is the id that was
	// asked for when it is a setting below the key.
	SettingID string
	Asked     string
	// Definition is the setting's definition (nil when only policies that
	// are not delivered name it and the catalog does not know it).
	Definition *policy.Definition
	// Merge is how the setting merges.
	Merge policy.Merge
	// Sources is every policy that configures the setting, in id order.
	Sources []ExplainedSource
	// Decision is the reason behind the delivered value: a succeeded reason
	// when something is delivered, differentValues when the setting is
	// withheld, a notApplicable reason when no source applies.
	Decision Reason
	// Delivered is the delivered value, nil when nothing is.
	Delivered *policy.SettingInstance
	// Text explains the decision in sentences.
	Text string
}

// ExplainedSource is one policy's part in an Explanation.
type ExplainedSource struct {
	PolicyID   string
	PolicyName string
	// Value is the policy's value; Display renders it (secrets masked).
	Value   *policy.SettingInstance
	Display string
	Outcome Outcome
	Reason  Reason
}

// String returns the explanation's text.
func (e *Explanation) String() string { return e.Text }

// Explain explains one setting of a result: a setting key, or a setting
// below one (explained through its key). ok is false when no policy of the
// merge configures it.
func Explain(res *Result, settingID string) (*Explanation, bool) {
	if res == nil {
		return nil, false
	}
	i, ok := res.key(settingID)
	if !ok {
		return nil, false
	}
	u := &res.units[i]
	e := &Explanation{SettingID: res.unitKey(i), Definition: u.def, Decision: u.decision.reason(), Delivered: u.delivered}
	if e.SettingID != settingID {
		e.Asked = settingID
	}
	if u.def != nil {
		e.Merge = u.def.Merge
	}
	for _, o := range res.outcomesOf(i) {
		out := res.outcome(o)
		p, _ := res.Policy(out.PolicyID)
		e.Sources = append(e.Sources, ExplainedSource{PolicyID: p.ID, PolicyName: p.Name,
			Value: out.Value, Display: res.FormatValue(out.Value), Outcome: out.Outcome, Reason: out.Reason})
	}
	e.Text = e.explain(res)
	return e, true
}

func (e *Explanation) explain(res *Result) string {
	var b strings.Builder
	name := e.SettingID
	if e.Definition != nil && e.Definition.DisplayName != "" {
		name = fmt.Sprintf("%q (%s)", e.Definition.DisplayName, e.SettingID)
	}
	if e.Asked != "" {
		fmt.Fprintf(&b, "%s is compared as part of %s. ", e.Asked, name)
	}
	n := len(e.Sources)
	fmt.Fprintf(&b, "%s is configured by %d %s:", name, n, plural(n, "policy", "policies"))
	for _, s := range e.Sources {
		fmt.Fprintf(&b, " %s", s.PolicyID)
		if s.PolicyName != "" {
			fmt.Fprintf(&b, " (%s)", s.PolicyName)
		}
		fmt.Fprintf(&b, " sets %s, %s [%s];", s.Display, s.Outcome, s.Reason)
	}
	b.WriteString(" ")
	switch e.Decision {
	case ReasonOnlySource:
		b.WriteString("No other policy configures it, so its value is delivered.")
	case ReasonEqualValues:
		b.WriteString("Every policy sets the same value, which is not a conflict: it is delivered once.")
	case ReasonMerged:
		fmt.Fprintf(&b, "The setting merges (%s): the values of every policy are combined without duplicates and delivered as %s.",
			e.Merge, res.FormatValue(e.Delivered))
	case ReasonAllRules:
		fmt.Fprintf(&b, "Firewall rules from every policy are all delivered (%d rules); rules that contradict each other are device-side warnings, not conflicts.",
			len(e.Delivered.GroupItems()))
	case ReasonDifferentValues:
		b.WriteString("The values differ, which is a conflict: the setting is not delivered, and every policy that sets it reports conflict.")
	case ReasonResolvedFor:
		fmt.Fprintf(&b, "The values differ; the resolver chose %s, which is delivered. Policies with another value report conflict.",
			res.FormatValue(e.Delivered))
	case ReasonNotDeliverable:
		b.WriteString("No policy that sets it is delivered to the device, so nothing is delivered.")
	case ReasonPlatform:
		b.WriteString("The setting is not for the device's platform: not applicable, nothing is delivered.")
	case ReasonOSVersion:
		min := ""
		if e.Definition != nil {
			min = " " + e.Definition.MinOSVersion
		}
		fmt.Fprintf(&b, "The device's OS version %s is older than the setting's minimum%s: not applicable, nothing is delivered.",
			res.Device.OSVersion, min)
	case ReasonUnsupported:
		fmt.Fprintf(&b, "Security settings management does not deliver the setting (%s documentation): not applicable, nothing is delivered.",
			res.Device.Variant)
	}
	return strings.TrimSpace(b.String())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// SecretMask replaces the value of secrets in FormatValue.
const SecretMask = "********"

// FormatValue renders a setting value as short text for reports and
// explanations: a choice without children is its option's itemId, an
// integer its digits, a string its text; anything else is the JSON of its
// flattened view (see Flatten) with sorted keys. Secrets are masked with
// SecretMask. A nil instance is "".
func (res *Result) FormatValue(inst *policy.SettingInstance) string {
	if inst == nil {
		return ""
	}
	if res == nil {
		return res.formatValue(inst)
	}
	// The value of one of the result's records is not modified while the
	// result is in use: its text is made once.
	v := res.views()
	v.textOnce.Do(func() {
		v.textIndex = make(map[*policy.SettingInstance]int32, len(v.values))
		for _, val := range v.values {
			if _, ok := v.textIndex[val]; !ok && val != nil {
				v.textIndex[val] = int32(len(v.textIndex))
			}
		}
		v.texts = make([]atomic.Pointer[string], len(v.textIndex))
	})
	i, ok := v.textIndex[inst]
	if !ok {
		return res.formatValue(inst)
	}
	if t := v.texts[i].Load(); t != nil {
		return *t
	}
	t := res.formatValue(inst)
	v.texts[i].Store(&t)
	return t
}

// formatValue is FormatValue without the result's cache.
func (res *Result) formatValue(inst *policy.SettingInstance) string {
	var defs map[string]*defInfo
	if res != nil {
		defs = res.defs
	}
	masked := maskSecrets(inst)
	m := map[string]any{}
	flattenInto(m, masked, defs)
	if v, ok := m[inst.DefinitionID]; ok && len(m) == 1 {
		switch v := v.(type) {
		case string:
			return v
		case int64:
			return fmt.Sprint(v)
		}
	}
	if len(m) == 1 {
		if v, ok := m[inst.DefinitionID]; ok {
			data, _ := json.Marshal(v)
			return string(data)
		}
	}
	data, _ := json.Marshal(m)
	return string(data)
}

// maskSecrets returns inst, or a copy of it whose secret values are masked.
func maskSecrets(inst *policy.SettingInstance) *policy.SettingInstance {
	hasSecret := false
	inst.Walk(func(s *policy.SettingInstance) bool {
		if s.Simple != nil && s.Simple.Type == policy.ValueSecret {
			hasSecret = true
		}
		for _, sv := range s.Simples {
			if sv != nil && sv.Type == policy.ValueSecret {
				hasSecret = true
			}
		}
		return !hasSecret
	})
	if !hasSecret {
		return inst
	}
	c := inst.Clone()
	c.Walk(func(s *policy.SettingInstance) bool {
		if s.Simple != nil && s.Simple.Type == policy.ValueSecret {
			s.Simple.Text = SecretMask
		}
		for _, sv := range s.Simples {
			if sv != nil && sv.Type == policy.ValueSecret {
				sv.Text = SecretMask
			}
		}
		return true
	})
	return c
}
