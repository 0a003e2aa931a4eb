package secmgmt

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/secmgmt/secmgmt/conflict"
	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/policy"
)

// Impact is what a change would do (Service.Simulate). Every list is
// sorted by id (empty, not nil, in an impact Simulate returns), and every
// count is of devices.
type Impact struct {
	// Change describes the simulated change.
	Change string `json:"change"`
	// Evaluated is the number of devices whose configuration the
	// simulation worked out (the devices the change can reach).
	Evaluated int `json:"evaluated"`
	// Devices are the devices whose management, delivered policies,
	// effective configuration or conflicts would change.
	Devices []DeviceImpact `json:"devices"`
	// Groups are the groups whose members would change.
	Groups []GroupImpact `json:"groups"`
	// Policies are the policies that devices would start or stop
	// receiving, or that would enter or leave conflicts.
	Policies []PolicyImpact `json:"policies"`
	// Conflicts are the conflicts that would appear or disappear, by the
	// set of policies in conflict.
	Conflicts []ConflictImpact `json:"conflicts"`
}

// Entering and Leaving count the devices that would enter and leave
// security settings management.
func (imp *Impact) Entering() int { return imp.countManagement(ManagementEntering) }

// Leaving counts the devices that would leave security settings
// management.
func (imp *Impact) Leaving() int { return imp.countManagement(ManagementLeaving) }

func (imp *Impact) countManagement(m ManagementChange) int {
	n := 0
	for i := range imp.Devices {
		if imp.Devices[i].Management == m {
			n++
		}
	}
	return n
}

// Device returns the impact on one device; ok is false when the change
// leaves it as it is.
func (imp *Impact) Device(id string) (DeviceImpact, bool) {
	id = canonicalID(id)
	i, ok := slices.BinarySearchFunc(imp.Devices, id, func(d DeviceImpact, id string) int { return cmp.Compare(d.DeviceID, id) })
	if !ok {
		return DeviceImpact{}, false
	}
	return imp.Devices[i], true
}

// ManagementChange says whether a device would enter or leave security
// settings management.
//
// A device enters when its enrollment moves to enrolled (success): it
// starts receiving its effective configuration, so every setting of it
// counts as added. A device leaves when its enrollment moves from enrolled
// to any other state: it keeps the settings it last received, which
// nothing manages any more, so no setting counts as removed.
type ManagementChange string

// Management changes. The empty value: the device stays managed (or not)
// as it is.
const (
	ManagementEntering ManagementChange = "entering"
	ManagementLeaving  ManagementChange = "leaving"
)

// String returns the change's name.
func (m ManagementChange) String() string { return string(m) }

// Valid reports whether m is a declared change or empty.
func (m ManagementChange) Valid() bool {
	return m == "" || m == ManagementEntering || m == ManagementLeaving
}

// DeviceImpact is what a change would do to one device.
type DeviceImpact struct {
	DeviceID string                `json:"deviceId"`
	Name     string                `json:"name"`
	Platform policy.DevicePlatform `json:"platform"`
	// Management says whether the device would enter or leave security
	// settings management; EnrollmentBefore and EnrollmentAfter give its
	// enrollment status (equal when it does not change).
	Management       ManagementChange  `json:"management,omitempty"`
	EnrollmentBefore enrollment.Status `json:"enrollmentBefore"`
	EnrollmentAfter  enrollment.Status `json:"enrollmentAfter"`
	// GroupsJoined and GroupsLeft are the groups the device would join
	// and leave.
	GroupsJoined []string `json:"groupsJoined,omitempty"`
	GroupsLeft   []string `json:"groupsLeft,omitempty"`
	// PoliciesAdded and PoliciesRemoved are the policies the device would
	// start and stop receiving (assigned to it and delivered to its
	// platform).
	PoliciesAdded   []string `json:"policiesAdded,omitempty"`
	PoliciesRemoved []string `json:"policiesRemoved,omitempty"`
	// Settings are the settings of its effective configuration that would
	// be added, removed or changed, by setting id (the keys of the
	// flattened view).
	Settings []SettingChange `json:"settings,omitempty"`
	// ConflictsAppeared and ConflictsResolved are the conflicts that would
	// appear on the device and disappear from it.
	ConflictsAppeared []Conflict `json:"conflictsAppeared,omitempty"`
	ConflictsResolved []Conflict `json:"conflictsResolved,omitempty"`
	// VersionBefore and VersionAfter are the versions of its effective
	// configuration ("" when it is not managed).
	VersionBefore string `json:"versionBefore,omitempty"`
	VersionAfter  string `json:"versionAfter,omitempty"`
}

// SettingChangeKind says how a setting of an effective configuration
// would change.
type SettingChangeKind string

// Setting changes.
const (
	SettingAdded   SettingChangeKind = "added"   // delivered after, not before
	SettingRemoved SettingChangeKind = "removed" // delivered before, not after
	SettingChanged SettingChangeKind = "changed" // delivered with another value
)

// String returns the change's name.
func (k SettingChangeKind) String() string { return string(k) }

// Valid reports whether k is a declared change.
func (k SettingChangeKind) Valid() bool {
	return k == SettingAdded || k == SettingRemoved || k == SettingChanged
}

// SettingChange is one setting of a device's effective configuration that
// would change: its flattened key and values (conformance's flattened
// view: a choice is its option's itemId, a collection a list; secrets are
// masked).
type SettingChange struct {
	SettingID string            `json:"settingId"`
	Change    SettingChangeKind `json:"change"`
	Before    any               `json:"before,omitempty"`
	After     any               `json:"after,omitempty"`
	// Policies are the policies whose value is delivered: after the
	// change, or before it for a removed setting.
	Policies []string `json:"policies,omitempty"`
}

// Conflict is a setting in conflict on a device and the policies that set
// it to different values.
type Conflict struct {
	SettingID string   `json:"settingId"`
	Policies  []string `json:"policies"`
}

// GroupImpact is a group whose members would change.
type GroupImpact struct {
	GroupID string   `json:"groupId"`
	Name    string   `json:"name"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// PolicyImpact is what a change would do to who gets a policy.
type PolicyImpact struct {
	PolicyID string `json:"policyId"`
	Name     string `json:"name"`
	// Gained and Lost are the devices that would start and stop receiving
	// the policy.
	Gained []string `json:"gained,omitempty"`
	Lost   []string `json:"lost,omitempty"`
	// ConflictsAppeared and ConflictsResolved count the devices on which
	// the policy would enter a conflict it is not in, and leave every
	// conflict it is in.
	ConflictsAppeared int `json:"conflictsAppeared,omitempty"`
	ConflictsResolved int `json:"conflictsResolved,omitempty"`
}

// ConflictImpact is a set of policies whose conflicts would appear on some
// devices or disappear from others.
type ConflictImpact struct {
	// ID is the ids of the policies, sorted and joined with "_", as Graph
	// forms a conflict summary's id.
	ID       string                   `json:"id"`
	Policies []conflict.SettingSource `json:"policies"`
	// Settings are the settings they would conflict (or stop conflicting)
	// on.
	Settings []string `json:"settings"`
	// Appeared and Resolved count the devices where they would start and
	// stop conflicting.
	Appeared int `json:"appeared,omitempty"`
	Resolved int `json:"resolved,omitempty"`
}

// --- computing the impact ---------------------------------------------

// delta is one group's membership change in the simulation.
type delta struct {
	added, removed []string
}

// impact computes what the changes applied to the world do.
func (w *world) impact(ctx context.Context) (*Impact, error) {
	st := w.st
	imp := &Impact{Groups: []GroupImpact{}}
	all := w.deviceIDs()

	// Group memberships.
	deltas, byDevice := w.groupDeltas(all)
	for _, gid := range sortedDeltaKeys(deltas) {
		d := deltas[gid]
		name := gid
		if v := w.group(gid); v.exists() {
			name = v.g.DisplayName
		} else if ge := st.groups[gid]; ge != nil {
			name = ge.g.DisplayName
		}
		imp.Groups = append(imp.Groups, GroupImpact{GroupID: gid, Name: name, Added: d.added, Removed: d.removed})
	}

	// The policies the simulation changed, and who the assignments of the
	// simulation name.
	touched := map[string]bool{}
	for id := range w.policies {
		touched[id] = true
	}
	refs := map[string][]string{} // group → policies whose assignments name it
	var assigned []string         // policies of the simulation that target something
	for _, id := range w.policyIDs() {
		pe := w.policy(id)
		for _, g := range slices.Concat(pe.target.IncludeGroups, pe.target.ExcludeGroups) {
			refs[g] = append(refs[g], id)
		}
		if pe.targets() {
			assigned = append(assigned, id)
		}
	}
	referenced := func(g string) bool { return len(refs[g]) > 0 || st.referenced(g) }

	// The devices whose configuration may change.
	variantChanged := variant(w.tenant.Mode) != variant(st.tenant.Mode)
	everyone := variantChanged
	cands := map[string]bool{}
	for id, gs := range byDevice {
		for _, g := range gs {
			if referenced(g) {
				cands[id] = true
				break
			}
		}
	}
	for id, sd := range w.devices {
		if sd.record != nil || sd.facts != nil {
			cands[id] = true
		}
	}
	for id := range touched {
		for _, pe := range []*policyEntry{st.policies[id], w.policy(id)} {
			if pe == nil || !pe.targets() {
				continue
			}
			if pe.target.AllDevices {
				everyone = true
				continue
			}
			for _, g := range pe.target.IncludeGroups {
				for m := range st.index.Members(g) {
					cands[m] = true
				}
				if d, ok := deltas[g]; ok {
					for _, m := range d.added {
						cands[m] = true
					}
				}
			}
		}
	}
	ids := all
	if !everyone {
		ids = sortedKeys(cands)
	}
	touchedIDs := sortedKeys(touched)
	imp.Devices = []DeviceImpact{}
	if !everyone {
		// The candidates are the devices the change reaches: most of them
		// change.
		imp.Devices = make([]DeviceImpact, 0, min(len(ids), 1<<16))
	}

	m := &merges{w: w, results: map[string]*conflict.Result{}, diffs: map[[2]*conflict.Result]*configDiff{}, flat: map[*conflict.Result]map[string]any{}}
	policies := map[string]*PolicyImpact{}
	conflicts := map[string]*ConflictImpact{}
	for n, id := range ids {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		before, after := st.devices[id] != nil && st.devices[id].managed(), w.managed(id)
		if !before && !after {
			continue
		}
		imp.Evaluated++
		var resB, resA *conflict.Result
		var polsB []string
		var err error
		if before {
			if resB, polsB, err = m.before(st.devices[id]); err != nil {
				return nil, err
			}
		}
		if after {
			var pols []string
			if before && !variantChanged {
				pols = w.recheck(id, polsB, touchedIDs, byDevice[id], refs)
			} else {
				pols = w.assignedTo(id, assigned)
			}
			if resA, err = m.after(id, pols); err != nil {
				return nil, err
			}
		}
		diff, err := m.diff(resB, resA)
		if err != nil {
			return nil, err
		}
		di := w.deviceImpact(id, before, after, resB, resA, diff, byDevice[id])
		if di == nil {
			continue
		}
		imp.Devices = append(imp.Devices, *di)
		w.addPolicyImpact(policies, di, diff)
		addConflictImpact(conflicts, di)
	}
	imp.Policies = w.policyImpacts(policies)
	imp.Conflicts = w.conflictImpacts(conflicts)
	return imp, nil
}

// groupDeltas works out the membership changes of the simulation: for
// every group it changed, every memberOf group naming one, and every
// device whose object it changed. It returns them by group, and the groups
// each device joins or leaves by device.
func (w *world) groupDeltas(all []string) (map[string]*delta, map[string][]string) {
	st := w.st
	cands := map[string]map[string]bool{} // nil value: every device
	scan := map[string]bool{}
	add := func(gid string, ids map[string]bool) {
		if scan[gid] {
			return
		}
		if ids == nil {
			scan[gid] = true
			delete(cands, gid)
			return
		}
		c := cands[gid]
		if c == nil {
			c = map[string]bool{}
			cands[gid] = c
		}
		for id := range ids {
			c[id] = true
		}
	}
	// Changed groups first, then the memberOf groups that name them.
	changed := map[string]bool{}
	for gid := range w.groups {
		changed[gid] = true
		v := w.group(gid)
		if !v.exists() {
			base := map[string]bool{}
			for id := range st.index.Members(gid) {
				base[id] = true
			}
			add(gid, base)
			continue
		}
		add(gid, w.memberCandidates(gid, v))
	}
	groupIDs := w.groupIDs()
	for _, gid := range groupIDs {
		if changed[gid] {
			continue
		}
		v := w.group(gid)
		if v.paused() {
			continue
		}
		for _, ref := range v.memberOf() {
			if !changed[ref] {
				continue
			}
			if scan[ref] {
				add(gid, nil)
				continue
			}
			add(gid, cands[ref])
		}
	}
	// Devices whose objects changed, in every group.
	var movedObjects []string
	for id, sd := range w.devices {
		if sd.objChanged || sd.replacedAt > 0 {
			movedObjects = append(movedObjects, id)
		}
	}
	if len(movedObjects) > 0 {
		set := map[string]bool{}
		for _, id := range movedObjects {
			set[id] = true
		}
		for _, gid := range groupIDs {
			add(gid, set)
		}
	}

	deltas := map[string]*delta{}
	byDevice := map[string][]string{}
	check := func(gid, id string) {
		was := st.index.IsMember(gid, id)
		is := w.member(gid, id)
		if was == is {
			return
		}
		d := deltas[gid]
		if d == nil {
			d = &delta{}
			deltas[gid] = d
		}
		if is {
			d.added = append(d.added, id)
		} else {
			d.removed = append(d.removed, id)
		}
		byDevice[id] = append(byDevice[id], gid)
	}
	for gid := range scan {
		for _, id := range all {
			check(gid, id)
		}
	}
	for gid, ids := range cands {
		for id := range ids {
			check(gid, id)
		}
	}
	for _, d := range deltas {
		slices.Sort(d.added)
		slices.Sort(d.removed)
	}
	for _, gs := range byDevice {
		slices.Sort(gs)
	}
	return deltas, byDevice
}

func sortedDeltaKeys(m map[string]*delta) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// isMemberFunc returns the membership test of one device in the
// simulation, for targeting.Assignment.Targets.
func (w *world) isMemberFunc(id string) func(string) bool {
	return func(g string) bool { return w.member(g, id) }
}

// assignedTo returns the ids of the policies assigned to a device in the
// simulation, sorted, from the assigned policies given.
func (w *world) assignedTo(id string, assigned []string) []string {
	isMember := w.isMemberFunc(id)
	var out []string
	for _, pid := range assigned {
		pe := w.policy(pid)
		if pe.target.Targets(isMember) {
			out = append(out, pid)
		}
	}
	return out
}

// recheck returns the policies assigned to a device in the simulation from
// those assigned to it before: only the policies the simulation changed
// and those whose assignments name a group the device joins or leaves can
// differ.
func (w *world) recheck(id string, before []string, touched []string, moved []string, refs map[string][]string) []string {
	again := touched // sorted
	if len(moved) > 0 {
		again = slices.Clone(touched)
		for _, g := range moved {
			again = append(again, refs[g]...)
			// An assignment of the state naming the group may be gone: the
			// policy is then among the touched ones.
		}
		slices.Sort(again)
		again = slices.Compact(again)
	}
	if len(again) == 0 {
		return before
	}
	isMember := w.isMemberFunc(id)
	out := make([]string, 0, len(before)+1)
	for _, pid := range before {
		if _, found := slices.BinarySearch(again, pid); !found {
			out = append(out, pid)
		}
	}
	for _, pid := range again {
		pe := w.policy(pid)
		if pe != nil && pe.targets() && pe.target.Targets(isMember) {
			out = append(out, pid)
		}
	}
	slices.Sort(out)
	return out
}

// merges computes and shares the merges and diffs of a simulation.
type merges struct {
	w       *world
	results map[string]*conflict.Result
	diffs   map[[2]*conflict.Result]*configDiff
	// byContent holds the same diffs by the content of the two results
	// (contentKey).
	byContent map[[2]string]*configDiff
	// changedKeys holds, by pair of versions, the flattened keys whose
	// values differ: results with the same versions have the same
	// delivered content, so the comparison is made once per pair.
	changedKeys map[[2]string][]string
	// conflicts and sources hold, by result, its conflicts and the
	// policies delivering each flattened key asked about.
	conflicts map[*conflict.Result]map[string]Conflict
	// policyIDs holds, by cached result, the ids of its policies (read
	// only: shared by the devices holding it).
	policyIDs map[*conflict.Result][]string
	sources   map[*conflict.Result]map[string][]string
	flat      map[*conflict.Result]map[string]any
	key       []byte
	ps        []preparedPolicy
}

// mergeDevice is the device as the merge sees it, under a mode.
func mergeDevice(d *deviceEntry, f *enrollment.Facts, m enrollment.Mode) conflict.Device {
	dev := conflict.Device{Variant: variant(m)}
	if f != nil {
		dev.Class = policy.DeviceClass{Platform: policy.DevicePlatform(f.Platform), DomainController: f.DomainController}
		dev.OSVersion = f.OSVersion
	} else if d != nil {
		dev.Class = d.class()
	}
	return dev
}

// before returns a device's effective configuration as it is now, and the
// ids of the policies assigned to it: its cached configuration when no
// change invalidated it, a merge otherwise (shared with the service's
// configuration cache, which it reads and never fills).
func (m *merges) before(d *deviceEntry) (*conflict.Result, []string, error) {
	d.mu.Lock()
	conf, dirty := d.conf, d.dirty
	d.mu.Unlock()
	if conf != nil && !dirty {
		ids, ok := m.policyIDs[conf.res]
		if !ok {
			ids = make([]string, len(conf.res.Policies))
			for i, p := range conf.res.Policies {
				ids[i] = p.ID
			}
			if m.policyIDs == nil {
				m.policyIDs = map[*conflict.Result][]string{}
			}
			m.policyIDs[conf.res] = ids
		}
		return conf.res, ids, nil
	}
	st := m.w.st
	pes := st.assignedTo(d.id)
	dev := mergeDevice(d, d.facts, st.tenant.Mode)
	key := mergeKey(dev, pes)
	ids := make([]string, len(pes))
	ps := make([]preparedPolicy, len(pes))
	for i, pe := range pes {
		ids[i], ps[i] = pe.pol.ID, pe.prepared
	}
	res, err := m.result(key, dev, ps)
	return res, ids, err
}

// after returns a device's effective configuration in the simulation,
// from the ids of the policies assigned to it.
func (m *merges) after(id string, pols []string) (*conflict.Result, error) {
	w := m.w
	f, _ := w.factsOf(id)
	dev := mergeDevice(w.st.devices[id], &f, w.tenant.Mode)
	// The key has mergeKey's form, so that merges the service cached for
	// the same inputs are found; a policy the simulation prepared stands
	// as "~n", which no generation spells.
	b := m.key[:0]
	b = append(b, dev.Class.Platform...)
	if dev.Class.DomainController {
		b = append(b, "+dc"...)
	}
	b = append(b, '|')
	b = append(b, dev.OSVersion...)
	b = append(b, '|')
	b = append(b, dev.Variant...)
	m.ps = m.ps[:0]
	for _, pid := range pols {
		pe := w.policy(pid)
		b = append(b, '|')
		b = append(b, w.token(pid, pe)...)
		m.ps = append(m.ps, pe.prepared)
	}
	m.key = b
	if res, ok := m.results[string(b)]; ok {
		return res, nil
	}
	return m.result(string(b), dev, slices.Clone(m.ps))
}

// result returns the merge of the prepared policies for the device, from
// the simulation's results, the service's cache or a merge.
func (m *merges) result(key string, dev conflict.Device, ps []preparedPolicy) (*conflict.Result, error) {
	if res, ok := m.results[key]; ok {
		return res, nil
	}
	var res *conflict.Result
	if c := m.w.s.cache.get(key); c != nil {
		res = c.res
	} else {
		var err error
		if res, err = m.w.s.mergeFor(dev, ps); err != nil {
			return nil, err
		}
	}
	m.results[key] = res
	return res, nil
}

// deviceImpact builds one device's impact, nil when nothing changes for
// it.
func (w *world) deviceImpact(id string, before, after bool, resB, resA *conflict.Result, diff *configDiff, groups []string) *DeviceImpact {
	st := w.st
	recB := recordOf(id)
	if de := st.devices[id]; de != nil {
		recB = de.record
	}
	recA := w.record(id)
	di := &DeviceImpact{
		DeviceID:         id,
		EnrollmentBefore: recB.Status,
		EnrollmentAfter:  recA.Status,
	}
	switch {
	case !before && after:
		di.Management = ManagementEntering
	case before && !after:
		di.Management = ManagementLeaving
	}
	if di.Management == "" && !diff.changed() {
		return nil
	}
	if f, ok := w.factsOf(id); ok {
		di.Platform = policy.DevicePlatform(f.Platform)
	}
	di.Name = recA.DisplayName
	if obj := w.object(id); obj != nil && obj.DisplayName != "" {
		di.Name = obj.DisplayName
	} else if obj, ok := st.index.Device(id); ok && obj.DisplayName != "" {
		di.Name = obj.DisplayName
	}
	if di.Name == "" {
		di.Name = id
	}
	for _, g := range groups {
		if w.member(g, id) {
			di.GroupsJoined = append(di.GroupsJoined, g)
		} else {
			di.GroupsLeft = append(di.GroupsLeft, g)
		}
	}
	di.PoliciesAdded, di.PoliciesRemoved = diff.added, diff.removed
	if di.Management != ManagementLeaving {
		di.Settings = diff.settings
		di.ConflictsAppeared, di.ConflictsResolved = diff.appeared, diff.resolved
	}
	if resB != nil {
		di.VersionBefore = resB.Version
	}
	if resA != nil {
		di.VersionAfter = resA.Version
	}
	return di
}

// addPolicyImpact counts a device's impact in its policies'.
func (w *world) addPolicyImpact(m map[string]*PolicyImpact, di *DeviceImpact, diff *configDiff) {
	get := func(id string) *PolicyImpact {
		p := m[id]
		if p == nil {
			p = &PolicyImpact{PolicyID: id}
			m[id] = p
		}
		return p
	}
	for _, id := range di.PoliciesAdded {
		get(id).Gained = append(get(id).Gained, di.DeviceID)
	}
	for _, id := range di.PoliciesRemoved {
		get(id).Lost = append(get(id).Lost, di.DeviceID)
	}
	if di.Management == ManagementLeaving {
		return
	}
	for _, id := range diff.conflictsEntered {
		get(id).ConflictsAppeared++
	}
	for _, id := range diff.conflictsLeft {
		get(id).ConflictsResolved++
	}
}

// policyImpacts lists the policy impacts with the policies' names.
func (w *world) policyImpacts(m map[string]*PolicyImpact) []PolicyImpact {
	out := make([]PolicyImpact, 0, len(m))
	for id, p := range m {
		p.Name = w.policyName(id)
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b PolicyImpact) int { return cmp.Compare(a.PolicyID, b.PolicyID) })
	return out
}

// policyName names a policy of the simulation or of the state.
func (w *world) policyName(id string) string {
	if pe := w.policy(id); pe != nil {
		return pe.pol.Name
	}
	if pe := w.st.policies[id]; pe != nil {
		return pe.pol.Name
	}
	return ""
}

// addConflictImpact counts a device's appearing and disappearing conflicts
// by the set of policies in conflict.
func addConflictImpact(m map[string]*ConflictImpact, di *DeviceImpact) {
	count := func(cs []Conflict, appeared bool) {
		seen := map[string]bool{}
		for _, c := range cs {
			id := strings.Join(c.Policies, "_")
			ci := m[id]
			if ci == nil {
				ci = &ConflictImpact{ID: id}
				for _, p := range c.Policies {
					ci.Policies = append(ci.Policies, conflict.SettingSource{ID: p})
				}
				m[id] = ci
			}
			if !slices.Contains(ci.Settings, c.SettingID) {
				ci.Settings = append(ci.Settings, c.SettingID)
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			if appeared {
				ci.Appeared++
			} else {
				ci.Resolved++
			}
		}
	}
	count(di.ConflictsAppeared, true)
	count(di.ConflictsResolved, false)
}

// conflictImpacts lists the conflict impacts with the policies' names.
func (w *world) conflictImpacts(m map[string]*ConflictImpact) []ConflictImpact {
	out := make([]ConflictImpact, 0, len(m))
	for _, ci := range m {
		for i := range ci.Policies {
			ci.Policies[i].DisplayName = w.policyName(ci.Policies[i].ID)
		}
		slices.Sort(ci.Settings)
		out = append(out, *ci)
	}
	slices.SortFunc(out, func(a, b ConflictImpact) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
