package conflict

import (
	"iter"

	"github.com/secmgmt/secmgmt/policy"
)

// key returns the setting key that holds settingID: the id itself when it
// is a key of the merge, else the key of its nearest ancestor that is one
// (a child compared as part of its parent's value).
func (res *Result) key(settingID string) (int, bool) {
	if i, ok := res.lookup(settingID); ok {
		return i, true
	}
	di := res.defs[settingID]
	for di != nil {
		if i, ok := res.lookup(di.def.ID); ok && !res.units[i].container {
			return i, true
		}
		di = di.parent
	}
	return 0, false
}

// Outcome returns the outcome of a policy's value for a setting. The
// setting may be a setting key or any setting below one (a child compared
// as part of its parent's value takes its parent's outcome). ok is false
// when the policy does not configure the setting.
func (res *Result) Outcome(policyID, settingID string) (SettingOutcome, bool) {
	if i, ok := res.lookup(settingID); ok {
		for _, o := range res.outcomesOf(i) {
			if res.Policies[res.pol(o)].ID == policyID {
				return res.outcome(o), true
			}
		}
	}
	i, ok := res.key(settingID)
	if !ok {
		return SettingOutcome{}, false
	}
	for _, o := range res.outcomesOf(i) {
		if out := res.outcome(o); out.PolicyID == policyID && (out.SettingID == settingID || contains(out.Value, settingID)) {
			return out, true
		}
	}
	return SettingOutcome{}, false
}

// contains reports whether the instance is, or holds, a setting.
func contains(inst *policy.SettingInstance, settingID string) bool {
	if inst == nil {
		return false
	}
	found := false
	inst.Walk(func(s *policy.SettingInstance) bool {
		found = s.DefinitionID == settingID
		return !found
	})
	return found
}

// PolicyOutcomes yields the outcomes of one policy in document order.
func (res *Result) PolicyOutcomes(policyID string) iter.Seq[SettingOutcome] {
	return func(yield func(SettingOutcome) bool) {
		for _, o := range res.Outcomes() {
			if o.PolicyID == policyID && !yield(o) {
				return
			}
		}
	}
}

// Conflicts yields the outcomes that are conflicts, in Outcomes order.
func (res *Result) Conflicts() iter.Seq[SettingOutcome] {
	return func(yield func(SettingOutcome) bool) {
		for _, o := range res.Outcomes() {
			if o.Outcome == OutcomeConflict && !yield(o) {
				return
			}
		}
	}
}

// Setting returns the delivered instance of a top-level setting, of a
// group that merges per child, or of one such child. ok is false when it is
// not delivered.
func (res *Result) Setting(settingID string) (*policy.SettingInstance, bool) {
	i, ok := res.lookup(settingID)
	if !ok || res.units[i].delivered == nil {
		return nil, false
	}
	return res.units[i].delivered, true
}

// Policy returns the information on one policy of the merge.
func (res *Result) Policy(id string) (PolicyInfo, bool) {
	for _, p := range res.Policies {
		if p.ID == id {
			return p, true
		}
	}
	return PolicyInfo{}, false
}
