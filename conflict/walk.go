package conflict

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/secmgmt/secmgmt/policy"
)

// The walk of one policy: it checks every setting instance against its
// definition, drops the children that do not apply to the device, hashes
// what is left and records the (policy, setting key) pairs as ops. A merge
// replays the ops of every policy; a Prepared keeps them, so that merging
// the same policy for many devices walks it once.

// env is what decides whether a definition applies to a device.
type env struct {
	platform policy.Platforms
	variant  policy.Variant
	os       osVersion
}

// opKind says what an op does when a merge replays it.
type opKind uint8

const (
	// opSetting: a (policy, setting key) pair.
	opSetting opKind = iota
	// opChild: a pair whose key is a child of the last opContainer's group.
	opChild
	// opContainer: a group that merges per child; its children are keys of
	// their own.
	opContainer
)

// op is one step of a policy's walk.
type op struct {
	kind   opKind
	reason reasonCode // codeNone: takes part in the merge; else a notApplicable reason
	idx    int32      // di.idx, -1 without di
	di     *defInfo   // nil for a key the catalog does not know
	inst   *policy.SettingInstance
	hash   uint64
	// What the merge rules need of an instance that takes part, worked out
	// once: walked.vals[xoff:xoff+xn] holds, for a union list, the union
	// hash and the hash of each value; for merged items or firewall rules,
	// the hash of each item. walked.rules[roff:roff+rn] are the enabled
	// firewall rules.
	xoff, xn int32
	roff, rn int32
}

// key returns the op's setting key: its definition's id, which is its
// instance's.
func (o *op) key() string {
	if o.di != nil {
		return o.di.def.ID
	}
	return o.inst.DefinitionID
}

// walked holds the ops of one or more walks and what they point into.
type walked struct {
	ops   []op
	vals  []uint64
	rules []firewallRule
}

// walker walks policies. It is scratch space: one walk at a time.
type walker struct {
	defs     map[string]*defInfo
	env      env
	polID    string
	out      *walked
	problems *[]Problem
	path     []pathSeg
	hs       []uint64
	hx       instanceHasher
	// stamp[di.idx] == gen when the policy being walked already has a pair
	// for the definition; unknown does the same for keys the catalog does
	// not know.
	stamp   []uint32
	gen     uint32
	unknown map[string]struct{}
}

type pathSeg struct {
	field string
	index int // -1: none
}

// walk appends the ops of one policy to w.out and its problems to
// w.problems. A policy the device does not receive is not checked: each of
// its setting keys is notApplicable.
func (w *walker) walk(p *policy.Policy, deliverable bool) {
	w.polID = p.ID
	w.gen++
	if w.gen == 0 || len(w.stamp) != len(w.defs) {
		w.stamp = make([]uint32, len(w.defs))
		w.gen = 1
	}
	clear(w.unknown)
	for si, s := range p.Settings {
		w.push("settings", si)
		if s == nil || s.Instance == nil {
			if deliverable {
				w.problemAt(ProblemWrongKind, "", "the setting has no settingInstance")
			}
			w.pop()
			continue
		}
		w.push("settingInstance", -1)
		if deliverable {
			w.setting(s.Instance)
		} else {
			w.notDeliverable(s.Instance)
		}
		w.pop()
		w.pop()
	}
	w.path = w.path[:0]
}

func (w *walker) problem(p Problem) { *w.problems = append(*w.problems, p) }

// problemAt records a problem at the current path.
func (w *walker) problemAt(kind ProblemKind, settingID, detail string) {
	var b strings.Builder
	for i, s := range w.path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.field)
		if s.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		}
	}
	w.problem(Problem{Kind: kind, PolicyID: w.polID, Path: b.String(), SettingID: settingID, Detail: detail})
}

func (w *walker) push(field string, index int) { w.path = append(w.path, pathSeg{field, index}) }
func (w *walker) pop()                         { w.path = w.path[:len(w.path)-1] }

// container records a group that merges per child.
func (w *walker) container(di *defInfo) {
	w.out.ops = append(w.out.ops, op{kind: opContainer, idx: di.idx, di: di})
}

// pair records a (policy, setting key) pair. A key the policy already has
// is a duplicate: a problem, unless the setting does not apply (a child
// that does not apply, met again in another item).
func (w *walker) pair(kind opKind, key string, di *defInfo, inst *policy.SettingInstance, h uint64, reason reasonCode) {
	var dup bool
	if di != nil {
		dup = w.stamp[di.idx] == w.gen
		w.stamp[di.idx] = w.gen
	} else {
		if w.unknown == nil {
			w.unknown = make(map[string]struct{})
		}
		_, dup = w.unknown[key]
		w.unknown[key] = struct{}{}
	}
	if dup {
		if reason == codeNone {
			w.problemAt(ProblemDuplicateSetting, key, "the policy configures the setting more than once")
		}
		return
	}
	o := op{kind: kind, idx: -1, di: di, inst: inst, hash: h, reason: reason}
	if di != nil {
		o.idx = di.idx
	}
	if reason == codeNone {
		w.extras(&o)
	}
	w.out.ops = append(w.out.ops, o)
}

// extras works out what the merge rule of a setting that takes part needs
// of its instance (see op).
func (w *walker) extras(o *op) {
	switch {
	case (o.di.merge == policy.MergeUnion || o.di.merge == policy.MergeUnionFold) && o.inst.Kind == policy.InstanceSimpleCollection:
		o.xoff = int32(len(w.out.vals))
		fold := o.di.merge == policy.MergeUnionFold
		for _, sv := range o.inst.Simples {
			w.out.vals = append(w.out.vals, unionHash(sv, fold), hashSimple(sv))
		}
		o.xn = int32(len(w.out.vals)) - o.xoff
	case (o.di.merge == policy.MergeItems || o.di.merge == policy.MergeRules) && o.inst.Kind == policy.InstanceGroupCollection:
		o.xoff = int32(len(w.out.vals))
		for _, g := range o.inst.Groups {
			w.out.vals = append(w.out.vals, w.hx.item(g))
		}
		o.xn = int32(len(w.out.vals)) - o.xoff
		if o.di.merge == policy.MergeRules {
			o.roff = int32(len(w.out.rules))
			for i, g := range o.inst.Groups {
				if fr, enabled := w.readRule(o.key(), g); enabled {
					fr.ref.PolicyID, fr.ref.Index = w.polID, i
					w.out.rules = append(w.out.rules, fr)
				}
			}
			o.rn = int32(len(w.out.rules)) - o.roff
		}
	}
}

// unionHash hashes a value of a union list so that values sameUnionValue
// calls equal hash alike: integers by value, texts as they are or, for
// case-insensitive lists, by their upper case rune by rune (invalid UTF-8
// reads as utf8.RuneError, as in foldEqual).
func unionHash(sv *policy.SimpleValue, fold bool) uint64 {
	if sv.Type == policy.ValueInteger {
		return mix(tagInteger, uint64(sv.Integer))
	}
	if !fold {
		return hashString(tagString, sv.Text)
	}
	const prime = 0x100000001b3
	h := uint64(0xcbf29ce484222325)
	s := sv.Text
	for i := 0; i < len(s); {
		c := rune(s[i])
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			c = unicode.ToUpper(r)
			i += n
		}
		h = (h ^ uint64(c)) * prime
	}
	return mix(h, uint64(len(s)))
}

// notDeliverable records notApplicable for every setting key of an
// instance of a policy the device does not receive. Nothing is checked:
// such policies may hold settings this catalog does not know.
func (w *walker) notDeliverable(inst *policy.SettingInstance) {
	di := w.defs[inst.DefinitionID]
	if di == nil || di.merge != policy.MergePerChild || di.parent != nil {
		w.pair(opSetting, inst.DefinitionID, di, inst, 0, codeNotDeliverable)
		return
	}
	w.container(di)
	for _, g := range inst.GroupItems() {
		if g == nil {
			continue
		}
		for _, ch := range g.Children {
			if ch == nil {
				continue
			}
			w.pair(opChild, ch.DefinitionID, w.defs[ch.DefinitionID], ch, 0, codeNotDeliverable)
		}
	}
}

// setting checks, prunes and hashes one top-level instance of a
// deliverable policy.
func (w *walker) setting(inst *policy.SettingInstance) {
	di := w.defs[inst.DefinitionID]
	switch {
	case di == nil:
		w.problemAt(ProblemUnknownSetting, inst.DefinitionID, "the catalog has no such setting")
		return
	case di.parent != nil:
		w.problemAt(ProblemMisplacedChild, inst.DefinitionID,
			fmt.Sprintf("a child of %s is used as a top-level setting", di.parent.def.ID))
		return
	}
	if di.merge == policy.MergePerChild {
		w.perChild(inst, di)
		return
	}
	if reason, ok := di.applies(&w.env); !ok {
		if w.checkKind(inst, di) {
			w.pair(opSetting, di.def.ID, di, inst, 0, reason)
		}
		return
	}
	out, h, ok := w.visit(inst, di)
	if ok {
		w.pair(opSetting, di.def.ID, di, out, h, codeNone)
	}
}

// perChild turns each child of a group that merges per child into a
// setting of its own.
func (w *walker) perChild(inst *policy.SettingInstance, di *defInfo) {
	if !w.checkKind(inst, di) {
		return
	}
	reason, applies := di.applies(&w.env)
	w.container(di)
	field := "groupSettingCollectionValue"
	if inst.Kind == policy.InstanceGroup {
		field = "groupSettingValue"
	}
	for gi, g := range inst.GroupItems() {
		w.push(field, gi)
		if inst.Kind == policy.InstanceGroup {
			w.path[len(w.path)-1].index = -1
		}
		if g == nil {
			w.problemAt(ProblemWrongKind, di.def.ID, "the group item is null")
			w.pop()
			continue
		}
		for ci, ch := range g.Children {
			w.push("children", ci)
			cdi, ok := w.child(ch, di)
			if ok {
				if !applies {
					w.pair(opChild, ch.DefinitionID, cdi, ch, 0, reason)
				} else if creason, capplies := cdi.applies(&w.env); !capplies {
					w.pair(opChild, ch.DefinitionID, cdi, ch, 0, creason)
				} else if out, h, ok := w.visit(ch, cdi); ok {
					w.pair(opChild, ch.DefinitionID, cdi, out, h, codeNone)
				}
			}
			w.pop()
		}
		w.pop()
	}
}

// child checks that a child instance is known and belongs under parent.
func (w *walker) child(ch *policy.SettingInstance, parent *defInfo) (*defInfo, bool) {
	if ch == nil {
		w.problemAt(ProblemWrongKind, parent.def.ID, "a child setting is null")
		return nil, false
	}
	cdi := w.defs[ch.DefinitionID]
	switch {
	case cdi == nil:
		w.problemAt(ProblemUnknownSetting, ch.DefinitionID, "the catalog has no such setting")
		return nil, false
	case cdi.parent != parent:
		w.problemAt(ProblemMisplacedChild, ch.DefinitionID, "not a child of "+parent.def.ID)
		return nil, false
	}
	return cdi, true
}

// checkKind checks that the instance has the kind of its definition and a
// value of that kind.
func (w *walker) checkKind(inst *policy.SettingInstance, di *defInfo) bool {
	if inst.Kind != di.instKind {
		w.problemAt(ProblemWrongKind, di.def.ID,
			fmt.Sprintf("a %s instance for a %s setting", inst.Kind, di.kind))
		return false
	}
	missing := false
	switch inst.Kind {
	case policy.InstanceChoice:
		missing = inst.Choice == nil
	case policy.InstanceSimple:
		missing = inst.Simple == nil
	case policy.InstanceGroup:
		missing = inst.Group == nil
	}
	if missing {
		w.problemAt(ProblemWrongKind, di.def.ID, "the instance has no value")
		return false
	}
	return true
}

// visit checks an applicable instance against its definition, drops the
// descendants that do not apply to the device (recording notApplicable for
// them), and hashes what is left. It returns the instance to compare and
// deliver: inst itself, or a copy when something was dropped.
func (w *walker) visit(inst *policy.SettingInstance, di *defInfo) (*policy.SettingInstance, uint64, bool) {
	if !w.checkKind(inst, di) {
		return nil, 0, false
	}
	h := mix(di.idHash, 0)
	ok := true
	switch inst.Kind {
	case policy.InstanceChoice:
		cv := inst.Choice
		if len(di.def.Options) > 0 {
			if _, known := di.def.Option(cv.ItemID); !known {
				w.push("choiceSettingValue", -1)
				w.problemAt(ProblemUnknownOption, di.def.ID, fmt.Sprintf("%q is not an option of the setting", cv.ItemID))
				w.pop()
				return nil, 0, false
			}
		}
		w.push("choiceSettingValue", -1)
		kids, ch, changed, kok := w.visitChildren(cv.Children, di)
		w.pop()
		if !kok {
			return nil, 0, false
		}
		h = mix(mix(h^tagChoice, hashString(hashK1, cv.ItemID)), ch)
		if changed {
			ncv := *cv
			ncv.Children = kids
			ninst := *inst
			ninst.Choice = &ncv
			inst = &ninst
		}
	case policy.InstanceGroup:
		w.push("groupSettingValue", -1)
		kids, ch, changed, kok := w.visitChildren(inst.Group.Children, di)
		w.pop()
		if !kok {
			return nil, 0, false
		}
		h = mix(h^tagGroup, ch)
		if changed {
			ng := *inst.Group
			ng.Children = kids
			ninst := *inst
			ninst.Group = &ng
			inst = &ninst
		}
	case policy.InstanceGroupCollection:
		base := len(w.hs)
		var items []*policy.GroupValue
		for gi, g := range inst.Groups {
			w.push("groupSettingCollectionValue", gi)
			if g == nil {
				w.problemAt(ProblemWrongKind, di.def.ID, "the group item is null")
				w.pop()
				ok = false
				continue
			}
			kids, ch, changed, kok := w.visitChildren(g.Children, di)
			w.pop()
			if !kok {
				ok = false
				continue
			}
			w.hs = append(w.hs, mix(tagItem, ch))
			if changed && items == nil {
				items = slices.Clone(inst.Groups[:gi])
			}
			if items != nil {
				ng := *g
				ng.Children = kids
				items = append(items, &ng)
			}
		}
		if !ok {
			w.hs = w.hs[:base]
			return nil, 0, false
		}
		h = mix(h^tagGroups, setHash(tagSet, w.hs[base:]))
		w.hs = w.hs[:base]
		if items != nil {
			ninst := *inst
			ninst.Groups = items
			inst = &ninst
		}
	default:
		vh, vok := w.hashValue(inst, di)
		if !vok {
			return nil, 0, false
		}
		h = mix(h, vh)
	}
	return inst, h, ok
}

// visitChildren visits the children of a choice or group value. It returns
// the children that apply (the same slice when all do), the set hash of
// their hashes, and whether it dropped any.
func (w *walker) visitChildren(kids []*policy.SettingInstance, parent *defInfo) ([]*policy.SettingInstance, uint64, bool, bool) {
	if len(kids) == 0 {
		return kids, mix(tagSet, 0), false, true
	}
	base := len(w.hs)
	var kept []*policy.SettingInstance
	ok := true
	for i, ch := range kids {
		w.push("children", i)
		cdi, cok := w.child(ch, parent)
		if !cok {
			w.pop()
			ok = false
			continue
		}
		if reason, applies := cdi.applies(&w.env); !applies {
			if w.checkKind(ch, cdi) {
				w.pair(opSetting, cdi.def.ID, cdi, ch, 0, reason)
			}
			if kept == nil {
				kept = slices.Clone(kids[:i])
			}
			w.pop()
			continue
		}
		out, h, vok := w.visit(ch, cdi)
		w.pop()
		if !vok {
			ok = false
			continue
		}
		w.hs = append(w.hs, h)
		if out != ch && kept == nil {
			kept = slices.Clone(kids[:i])
		}
		if kept != nil {
			kept = append(kept, out)
		}
	}
	sh := setHash(tagSet, w.hs[base:])
	w.hs = w.hs[:base]
	if kept == nil {
		return kids, sh, false, ok
	}
	return kept, sh, true, ok
}

// hashValue hashes the value of a choice collection, simple or simple
// collection instance, checking value types.
func (w *walker) hashValue(inst *policy.SettingInstance, di *defInfo) (uint64, bool) {
	switch inst.Kind {
	case policy.InstanceChoiceCollection:
		base := len(w.hs)
		for i, cv := range inst.Choices {
			if cv == nil {
				w.push("choiceSettingCollectionValue", i)
				w.problemAt(ProblemWrongKind, di.def.ID, "a choice is null")
				w.pop()
				w.hs = w.hs[:base]
				return 0, false
			}
			w.hs = append(w.hs, hashString(hashK1, cv.ItemID))
		}
		h := setHash(tagChoices, w.hs[base:])
		w.hs = w.hs[:base]
		return h, true
	case policy.InstanceSimple:
		if !w.checkValueType(inst.Simple, di, "simpleSettingValue", -1) {
			return 0, false
		}
		return hashSimple(inst.Simple), true
	case policy.InstanceSimpleCollection:
		base := len(w.hs)
		for i, sv := range inst.Simples {
			if !w.checkValueType(sv, di, "simpleSettingCollectionValue", i) {
				w.hs = w.hs[:base]
				return 0, false
			}
			w.hs = append(w.hs, hashSimple(sv))
		}
		var h uint64
		if di.ordered {
			h = tagOrdered
			for _, x := range w.hs[base:] {
				h = mix(h, x)
			}
		} else {
			h = setHash(tagSimples, w.hs[base:])
		}
		w.hs = w.hs[:base]
		return h, true
	}
	w.problemAt(ProblemWrongKind, di.def.ID, fmt.Sprintf("a %s instance", inst.Kind))
	return 0, false
}

// checkValueType checks that a simple value is an integer exactly when the
// definition holds integers.
func (w *walker) checkValueType(sv *policy.SimpleValue, di *defInfo, field string, index int) bool {
	wantInt := di.kind == policy.KindInteger || di.kind == policy.KindIntegerCollection
	bad := ""
	switch {
	case sv == nil:
		bad = "the value is null"
	case wantInt && sv.Type != policy.ValueInteger:
		bad = fmt.Sprintf("a %s value for an integer setting", sv.Type)
	case !wantInt && sv.Type == policy.ValueInteger:
		bad = fmt.Sprintf("an integer value for a %s setting", di.kind)
	}
	if bad != "" {
		w.push(field, index)
		w.problemAt(ProblemWrongKind, di.def.ID, bad)
		w.pop()
		return false
	}
	return true
}

// hashSimple hashes one simple value.
func hashSimple(sv *policy.SimpleValue) uint64 {
	switch sv.Type {
	case policy.ValueInteger:
		return mix(tagInteger, uint64(sv.Integer))
	case policy.ValueSecret:
		return hashString(mix(tagSecret, hashString(0, string(sv.State))), sv.Text)
	case policy.ValueReference:
		return hashString(tagReference, sv.Text)
	}
	return hashString(tagString, sv.Text)
}
