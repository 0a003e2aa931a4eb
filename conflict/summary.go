package conflict

import (
	"iter"
	"slices"
	"strings"
)

// Summary is one set of policies that conflict, across many devices: the
// shape of Graph's deviceConfigurationConflictSummary.
type Summary struct {
	// ID is the ids of the conflicting policies, sorted and joined with
	// "_", as Graph forms it.
	ID string `json:"id"`
	// ConflictingDeviceConfigurations are the conflicting policies, in id
	// order.
	ConflictingDeviceConfigurations []SettingSource `json:"conflictingDeviceConfigurations"`
	// ContributingSettings are the settings they conflict on, sorted.
	ContributingSettings []string `json:"contributingSettings"`
	// DeviceCheckinsImpacted is the number of devices where they conflict.
	DeviceCheckinsImpacted int `json:"deviceCheckinsImpacted"`
}

// SettingSource names a policy in a Summary (Graph's settingSource; the
// sourceType member is not written, as it does not distinguish settings
// catalog policies).
type SettingSource struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// Conflicting is one conflict on one device: the policies whose values
// for a setting differ, and the setting.
type Conflicting struct {
	Policies  []SettingSource
	SettingID string
}

// Summaries accumulates conflict summaries over many devices. Memory grows
// with the number of distinct conflicts, not with the number of devices.
// The zero value is ready to use; it is not safe for concurrent use.
type Summaries struct {
	byID map[string]*summaryAgg
	seen map[*summaryAgg]bool // per device
	// scratch of AddDevice, so that a conflict already summarised costs
	// no allocation
	ps  []SettingSource
	key []byte
}

type summaryAgg struct {
	sum      Summary
	settings map[string]bool
}

// Summarize returns the conflict summaries of many devices' results,
// ordered by id.
func Summarize(results iter.Seq[*Result]) []Summary {
	var s Summaries
	for res := range results {
		s.AddResult(res)
	}
	return s.List()
}

// AddResult adds one device's conflicts. A setting is in conflict on the
// device when its sources' values differ, whether the setting was withheld
// or a resolver chose a value; the conflicting policies are every source.
func (s *Summaries) AddResult(res *Result) {
	if res == nil {
		return
	}
	var cs []Conflicting
	for i, u := range res.units {
		if u.decision != codeDifferentValues && u.decision != codeResolvedFor {
			continue
		}
		c := Conflicting{SettingID: res.unitKey(i)}
		for _, o := range res.outcomesOf(i) {
			if res.reasons[o].reason().Outcome() == OutcomeNotApplicable {
				continue
			}
			p := res.Policies[res.pol(o)]
			c.Policies = append(c.Policies, SettingSource{ID: p.ID, DisplayName: p.Name})
		}
		cs = append(cs, c)
	}
	s.AddDevice(cs)
}

// AddDevice adds the conflicts of one device. A set of policies that
// conflicts on several settings counts the device once.
func (s *Summaries) AddDevice(conflicts []Conflicting) {
	if s.byID == nil {
		s.byID = map[string]*summaryAgg{}
	}
	clear(s.seen)
	if s.seen == nil {
		s.seen = map[*summaryAgg]bool{}
	}
	for _, c := range conflicts {
		if len(c.Policies) < 2 {
			continue
		}
		ps := append(s.ps[:0], c.Policies...)
		slices.SortFunc(ps, func(a, b SettingSource) int { return strings.Compare(a.ID, b.ID) })
		ps = slices.CompactFunc(ps, func(a, b SettingSource) bool { return a.ID == b.ID })
		s.ps = ps
		key := s.key[:0]
		for i, p := range ps {
			if i > 0 {
				key = append(key, '_')
			}
			key = append(key, p.ID...)
		}
		s.key = key
		agg := s.byID[string(key)]
		if agg == nil {
			id := string(key)
			agg = &summaryAgg{sum: Summary{ID: id, ConflictingDeviceConfigurations: slices.Clone(ps)}, settings: map[string]bool{}}
			s.byID[id] = agg
		}
		if !agg.settings[c.SettingID] {
			agg.settings[c.SettingID] = true
		}
		if !s.seen[agg] {
			s.seen[agg] = true
			agg.sum.DeviceCheckinsImpacted++
		}
	}
}

// List returns the summaries so far, ordered by id.
func (s *Summaries) List() []Summary {
	out := make([]Summary, 0, len(s.byID))
	for _, agg := range s.byID {
		sum := agg.sum
		sum.ConflictingDeviceConfigurations = slices.Clone(sum.ConflictingDeviceConfigurations)
		for k := range agg.settings {
			sum.ContributingSettings = append(sum.ContributingSettings, k)
		}
		slices.Sort(sum.ContributingSettings)
		out = append(out, sum)
	}
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.ID, b.ID) })
	return out
}
