package secmgmt

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secmgmt/secmgmt/enrollment"
	"github.com/secmgmt/secmgmt/identity"
	"github.com/secmgmt/secmgmt/store"
	"github.com/secmgmt/secmgmt/targeting"
)

// world is the state a simulation works on: the service's state as it is,
// with the simulated changes laid over it. It reads the state and never
// writes it: every change lands in the world's own maps, and every
// question (is this device in that group, which policies reach it, what is
// its enrollment record) is answered from the overlay first and the state
// second. Service.mu is held for reading while a world lives.
type world struct {
	s   *Service
	st  *state
	now time.Time
	// step counts the changes applied, so that a device whose object was
	// replaced can be told apart from the members a paused group froze
	// before.
	step int

	tenant   enrollment.Tenant
	policies map[string]*simPolicy // by policy id
	groups   map[string]*simGroup  // by canonical group id
	devices  map[string]*simDevice // by canonical device id
	// tokens caches the merge-key tokens of the state's policies.
	tokens map[string]string
	dir    *simDirectory
	jitter rand.Source
	// newPolicies and newGroups number the ids made up for a new policy or
	// group that has none.
	newPolicies, newGroups int
	// dirtyMemberOf holds the memberOf groups that name a changed group;
	// valid while dirtyAt equals len(groups) changes made (groupsVersion).
	dirtyMemberOf map[string]bool
	groupsVersion int
	dirtyAt       int
}

// simPolicy is a policy as the simulation has it.
type simPolicy struct {
	pe *policyEntry // nil: deleted
	// token stands for the prepared policy in merge keys: the state's
	// generation when the content is the state's, "~n" for a policy
	// prepared by the simulation.
	token string
}

// simGroup is a group as the simulation has it.
type simGroup struct {
	g *store.Group // nil: deleted
	// rule is the parsed rule of a dynamic group.
	rule *targeting.Rule
	// static holds a static group's members (devices with an object).
	static map[string]bool
	// frozen holds a paused group's members as they were when it was
	// paused at step frozenAt; nil with frozenAt 0 means the members the
	// index holds (the group was paused before the simulation).
	frozen   map[string]bool
	frozenAt int
}

// simDevice is a device as the simulation has it.
type simDevice struct {
	obj        *identity.Device // its directory object when objChanged (nil: none)
	objChanged bool
	// replacedAt is the step at which its object was deleted (0: never):
	// a new object is a member of no static or paused group.
	replacedAt int
	facts      *enrollment.Facts  // nil: the state's
	record     *enrollment.Record // nil: the state's
}

// newWorld returns a world over the service's state. s.mu is held for
// reading.
func (s *Service) newWorld() *world {
	w := &world{
		s:        s,
		st:       s.state,
		now:      s.now(),
		tenant:   s.state.tenant,
		policies: map[string]*simPolicy{},
		groups:   map[string]*simGroup{},
		devices:  map[string]*simDevice{},
		// The check-in jitter does not matter to an impact; a fixed source
		// keeps the service's own untouched.
		jitter: rand.NewPCG(1, 2),
	}
	w.dir = &simDirectory{w: w}
	return w
}

// --- policies ---------------------------------------------------------

// policy returns a policy's entry as the simulation has it, nil when it
// does not exist.
func (w *world) policy(id string) *policyEntry {
	if sp, ok := w.policies[id]; ok {
		return sp.pe
	}
	return w.st.policies[id]
}

// token returns the merge-key token of a policy of the simulation.
func (w *world) token(id string, pe *policyEntry) string {
	if sp, ok := w.policies[id]; ok {
		return sp.token
	}
	if tok, ok := w.tokens[id]; ok {
		return tok
	}
	tok := strconv.FormatUint(pe.gen, 36)
	if w.tokens == nil {
		w.tokens = map[string]string{}
	}
	w.tokens[id] = tok
	return tok
}

// setPolicy records a policy's new entry (nil: deleted). prepared says
// whether the entry holds content prepared by the simulation.
func (w *world) setPolicy(id string, pe *policyEntry, prepared bool) {
	tok := ""
	switch {
	case pe == nil:
	case prepared:
		tok = "~" + strconv.Itoa(len(w.policies)+1)
	default:
		tok = w.token(id, w.policy(id))
	}
	w.policies[id] = &simPolicy{pe: pe, token: tok}
}

// policyIDs returns the ids of every policy of the simulation, sorted.
func (w *world) policyIDs() []string {
	return overlayIDs(w.st.policies, w.policies, func(sp *simPolicy) bool { return sp.pe != nil })
}

// overlayIDs returns, sorted, the ids of base not overlaid and those of
// over that are live (not deleted in the simulation).
func overlayIDs[B, O any](base map[string]B, over map[string]O, live func(O) bool) []string {
	ids := make([]string, 0, len(base)+len(over))
	for id := range base {
		if _, ok := over[id]; !ok {
			ids = append(ids, id)
		}
	}
	for id, o := range over {
		if live(o) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// referenced reports whether an assignment of the simulation names the
// group (included or excluded).
func (w *world) referenced(gid string) bool {
	if len(w.policies) == 0 {
		return w.st.referenced(gid)
	}
	for _, id := range w.policyIDs() {
		pe := w.policy(id)
		if slices.Contains(pe.target.IncludeGroups, gid) || slices.Contains(pe.target.ExcludeGroups, gid) {
			return true
		}
	}
	return false
}

// --- groups -----------------------------------------------------------

// groupView is a group's definition as the simulation has it.
type groupView struct {
	g    *store.Group // nil: the group does not exist
	rule *targeting.Rule
	sim  *simGroup // nil: the state's group
}

func (v groupView) exists() bool  { return v.g != nil }
func (v groupView) dynamic() bool { return v.g != nil && v.g.Dynamic() }
func (v groupView) paused() bool {
	return v.dynamic() && v.g.ProcessingState == store.ProcessingPaused
}

// memberOf returns the canonical ids of the groups a memberOf rule names,
// nil for other groups.
func (v groupView) memberOf() []string {
	if v.rule == nil {
		return nil
	}
	refs := v.rule.MemberOfGroups()
	if refs == nil {
		return nil
	}
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = canonicalID(r)
	}
	return out
}

// group returns a group's definition.
func (w *world) group(id string) groupView {
	if sg, ok := w.groups[id]; ok {
		return groupView{g: sg.g, rule: sg.rule, sim: sg}
	}
	ge := w.st.groups[id]
	if ge == nil {
		return groupView{}
	}
	v := groupView{g: ge.g}
	if ge.g.Dynamic() {
		if ig, ok := w.st.index.Group(id); ok {
			v.rule = ig.Rule()
		}
	}
	return v
}

// groupIDs returns the ids of every group of the simulation, sorted.
func (w *world) groupIDs() []string {
	return overlayIDs(w.st.groups, w.groups, func(sg *simGroup) bool { return sg.g != nil })
}

// setGroup records a group's new definition.
func (w *world) setGroup(id string, sg *simGroup) {
	w.groups[id] = sg
	w.groupsVersion++
}

// memberOfDirty reports whether a group the simulation did not change has
// a memberOf rule naming a group it did change: its members must then be
// worked out rather than read from the index.
func (w *world) memberOfDirty(id string) bool {
	if len(w.groups) == 0 {
		return false
	}
	if w.dirtyMemberOf == nil || w.dirtyAt != w.groupsVersion {
		w.dirtyMemberOf = map[string]bool{}
		w.dirtyAt = w.groupsVersion
		for gid := range w.st.groups {
			if _, over := w.groups[gid]; over {
				continue
			}
			for _, ref := range w.group(gid).memberOf() {
				if _, changed := w.groups[ref]; changed {
					w.dirtyMemberOf[gid] = true
				}
			}
		}
	}
	return w.dirtyMemberOf[id]
}

// member reports whether a device is a member of a group in the
// simulation: the index's answer when neither changed, otherwise the
// group's definition applied to the device's object as the index would.
func (w *world) member(gid, id string) bool {
	sd := w.devices[id]
	_, changed := w.groups[gid]
	if !changed && (sd == nil || (!sd.objChanged && sd.replacedAt == 0)) && !w.memberOfDirty(gid) {
		return w.st.index.IsMember(gid, id)
	}
	v := w.group(gid)
	if !v.exists() {
		return false
	}
	obj := w.object(id)
	if obj == nil {
		return false
	}
	replacedAt := 0
	if sd != nil {
		replacedAt = sd.replacedAt
	}
	switch {
	case !v.dynamic():
		if v.sim != nil {
			return v.sim.static[id]
		}
		return w.st.index.IsMember(gid, id) && replacedAt == 0
	case v.paused():
		if v.sim != nil && (v.sim.frozen != nil || v.sim.frozenAt > 0) {
			return v.sim.frozen[id] && replacedAt <= v.sim.frozenAt
		}
		return w.st.index.IsMember(gid, id) && replacedAt == 0
	}
	if refs := v.memberOf(); refs != nil {
		for _, ref := range refs {
			if w.member(ref, id) {
				return true
			}
		}
		return false
	}
	return v.rule.Match(obj)
}

// members returns a group's members in the simulation.
func (w *world) members(gid string) map[string]bool {
	out := map[string]bool{}
	v := w.group(gid)
	if !v.exists() {
		return out
	}
	cands := w.memberCandidates(gid, v)
	if cands == nil {
		for _, id := range w.deviceIDs() {
			if w.member(gid, id) {
				out[id] = true
			}
		}
		return out
	}
	for id := range cands {
		if w.member(gid, id) {
			out[id] = true
		}
	}
	return out
}

// memberCandidates returns the devices that may be members of a group in
// the simulation, or nil when any device may (a dynamic rule to apply).
func (w *world) memberCandidates(gid string, v groupView) map[string]bool {
	if v.dynamic() && !v.paused() {
		if refs := v.memberOf(); refs != nil {
			cands := map[string]bool{}
			for _, ref := range refs {
				rc := w.memberCandidates(ref, w.group(ref))
				if rc == nil {
					return nil
				}
				for id := range rc {
					cands[id] = true
				}
			}
			return cands
		}
		if v.sim != nil {
			return nil
		}
	}
	cands := map[string]bool{}
	for id := range w.st.index.Members(gid) {
		cands[id] = true
	}
	if v.sim != nil {
		for id := range v.sim.static {
			cands[id] = true
		}
		for id := range v.sim.frozen {
			cands[id] = true
		}
	}
	for id, sd := range w.devices {
		if sd.objChanged || sd.replacedAt > 0 {
			cands[id] = true
		}
	}
	return cands
}

// --- devices ----------------------------------------------------------

// device returns the simulation's record of a device, making one.
func (w *world) device(id string) *simDevice {
	sd := w.devices[id]
	if sd == nil {
		sd = &simDevice{}
		w.devices[id] = sd
	}
	return sd
}

// object returns a device's directory object (nil: none). Read only.
func (w *world) object(id string) *identity.Device {
	if sd := w.devices[id]; sd != nil && sd.objChanged {
		return sd.obj
	}
	obj, _ := w.st.index.Device(id)
	return obj
}

// record returns a device's enrollment record.
func (w *world) record(id string) enrollment.Record {
	if sd := w.devices[id]; sd != nil && sd.record != nil {
		return *sd.record
	}
	if de := w.st.devices[id]; de != nil {
		return de.record
	}
	return recordOf(id)
}

// factsOf returns a device's facts, false for a device no agent reported.
func (w *world) factsOf(id string) (enrollment.Facts, bool) {
	if sd := w.devices[id]; sd != nil && sd.facts != nil {
		return *sd.facts, true
	}
	if de := w.st.devices[id]; de != nil && de.facts != nil {
		return *de.facts, true
	}
	return enrollment.Facts{}, false
}

// managed reports whether the device receives policy in the simulation.
func (w *world) managed(id string) bool {
	if _, ok := w.factsOf(id); !ok {
		return false
	}
	return w.record(id).State == enrollment.StateEnrolled
}

// deviceIDs returns every device id of the simulation, sorted: the
// state's and the directory objects the simulation made.
func (w *world) deviceIDs() []string {
	ids := w.st.deviceIDs()
	extra := false
	for id := range w.devices {
		if w.st.devices[id] == nil {
			ids = append(ids, id)
			extra = true
		}
	}
	if extra {
		slices.Sort(ids)
	}
	return ids
}

// env is the enrollment machine's environment in the simulation.
func (w *world) env(t enrollment.Tenant, f enrollment.Facts) enrollment.Env {
	return enrollment.Env{
		Tenant:              t,
		Facts:               f,
		Directory:           w.dir,
		Registrar:           w.s.cfg.registrar,
		Jitter:              w.jitter,
		MacOSDuplicateIssue: w.s.cfg.macOSIssue,
		Now:                 w.now,
	}
}

// handle runs an enrollment event for a device whose facts (after
// Event.Update) are f, and keeps what it decides: the facts, the record,
// the directory changes.
func (w *world) handle(id string, ev enrollment.Event, t enrollment.Tenant, f enrollment.Facts) (enrollment.Record, error) {
	rec := w.record(id)
	rec.History = nil
	next, ts, err := rec.Handle(ev, w.env(t, f))
	if err != nil {
		return rec, err
	}
	w.setFacts(id, f)
	if err := w.applyDirectory(enrollment.Changes(ts)); err != nil {
		return rec, err
	}
	next.History = nil
	w.device(id).record = &next
	return next, nil
}

// setFacts records a device's new facts.
func (w *world) setFacts(id string, f enrollment.Facts) {
	fc := f
	fc.Tags = slices.Clone(f.Tags)
	w.device(id).facts = &fc
}

// applyDirectory applies directory changes to the simulation: a deleted
// object leaves every group, and the member lists of the static groups
// that listed it.
func (w *world) applyDirectory(changes []identity.Change) error {
	if len(changes) == 0 {
		return nil
	}
	if err := w.dir.Check(changes...); err != nil {
		return err
	}
	w.dir.applied(changes)
	for _, c := range changes {
		id := canonicalID(c.Device.DeviceID)
		if c.Kind == identity.ChangeDelete {
			w.dropStatic(id)
			sd := w.device(id)
			sd.obj, sd.objChanged, sd.replacedAt = nil, true, w.step
			continue
		}
		sd := w.device(id)
		sd.obj, sd.objChanged = c.Device.Clone(), true
	}
	return nil
}

// dropStatic removes a device whose object goes from the static groups
// it is a member of, as the service drops it from their member lists.
func (w *world) dropStatic(id string) {
	for _, gid := range w.groupIDs() {
		v := w.group(gid)
		if v.dynamic() || !w.member(gid, id) {
			continue
		}
		g := *v.g
		g.Members = slices.DeleteFunc(slices.Clone(g.Members), func(m string) bool { return m == id })
		static := map[string]bool{}
		for m := range w.members(gid) {
			if m != id {
				static[m] = true
			}
		}
		w.setGroup(gid, &simGroup{g: &g, static: static})
	}
}

// simDirectory is the enrollment machine's view of the directory in the
// simulation: the service's directory with the simulation's objects laid
// over it, and the quota counted over both.
type simDirectory struct {
	w *world
	// count is the number of objects the simulation added (negative: removed).
	count int
	// owners maps the (lower-case) ids of the objects the simulation
	// created, updated or deleted to their device ids ("": deleted).
	owners map[string]string
}

// Lookup returns a copy of a device's object.
func (v *simDirectory) Lookup(deviceID string) (*identity.Device, bool) {
	id := canonicalID(deviceID)
	if sd := v.w.devices[id]; sd != nil && sd.objChanged {
		if sd.obj == nil {
			return nil, false
		}
		return sd.obj.Clone(), true
	}
	return v.w.st.dir.Lookup(id)
}

// objectExists reports whether an object with the given (lower-case) id
// exists in the simulation.
func (v *simDirectory) objectExists(oid string) bool {
	if owner, ok := v.owners[oid]; ok {
		return owner != ""
	}
	_, ok := v.w.st.dir.Get(oid)
	return ok
}

// applied records the objects a change list created, updated or deleted.
func (v *simDirectory) applied(changes []identity.Change) {
	if v.owners == nil {
		v.owners = map[string]string{}
	}
	for _, c := range changes {
		oid := strings.ToLower(c.Device.ObjectID)
		switch c.Kind {
		case identity.ChangeCreate:
			v.owners[oid] = canonicalID(c.Device.DeviceID)
			v.count++
		case identity.ChangeUpdate:
			v.owners[oid] = canonicalID(c.Device.DeviceID)
		case identity.ChangeDelete:
			v.owners[oid] = ""
			v.count--
		}
	}
}

// Check reports whether the changes would apply: objects to create must
// not exist, objects to update or delete must, and the quota must hold.
func (v *simDirectory) Check(changes ...identity.Change) error {
	created := map[string]bool{}
	deleted := map[string]bool{}
	count := v.w.st.dir.Len() + v.count
	start := count
	for i, c := range changes {
		if c.Device == nil || c.Device.ObjectID == "" || c.Device.DeviceID == "" || !c.Kind.Valid() {
			return &identity.ChangeError{Index: i, Change: c, Err: identity.ErrInvalidChange, Detail: "incomplete change"}
		}
		oid := strings.ToLower(c.Device.ObjectID)
		exists := (v.objectExists(oid) || created[oid]) && !deleted[oid]
		switch c.Kind {
		case identity.ChangeCreate:
			if exists {
				return &identity.ChangeError{Index: i, Change: c, Err: identity.ErrDeviceExists, Detail: "object id in use"}
			}
			if cur, ok := v.Lookup(c.Device.DeviceID); ok && !deleted[strings.ToLower(cur.ObjectID)] {
				return &identity.ChangeError{Index: i, Change: c, Err: identity.ErrDeviceExists, Detail: "device id in use"}
			}
			created[oid], deleted[oid] = true, false
			count++
		case identity.ChangeUpdate:
			if !exists {
				return &identity.ChangeError{Index: i, Change: c, Err: identity.ErrDeviceNotFound}
			}
		case identity.ChangeDelete:
			if !exists {
				return &identity.ChangeError{Index: i, Change: c, Err: identity.ErrDeviceNotFound}
			}
			deleted[oid], created[oid] = true, false
			count--
		}
	}
	if q := v.w.st.dir.Quota(); q > 0 && count > q && count > start {
		return &identity.QuotaError{Quota: q, Count: count}
	}
	return nil
}
