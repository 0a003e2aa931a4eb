package policy

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// encoder writes the model as Graph JSON in one pass into one buffer. Like
// the decoder it keeps the first error.
type encoder struct {
	buf  []byte
	path path
	err  error
	// diagnose marks the pass that runs after an error: it visits each
	// object's fields in the model's order instead of the input's, so that
	// the first error found is the first in the model, and tracks the
	// path. The first pass only notes that something failed.
	diagnose bool
}

func (e *encoder) key(k string) {
	if e.diagnose {
		e.path = append(e.path, pathElem{key: k, index: -1})
	}
}

func (e *encoder) index(i int) {
	if e.diagnose {
		e.path = append(e.path, pathElem{index: i})
	}
}

func (e *encoder) pop() {
	if e.diagnose {
		e.path = e.path[:len(e.path)-1]
	}
}

// errFailed marks a failed first pass; diagnose finds the actual error.
var errFailed = errors.New("policy: encode failed")

func (e *encoder) fail(reason string) {
	switch {
	case e.err != nil:
	case e.diagnose:
		e.err = &EncodeError{Path: e.path.String(), Reason: reason}
	default:
		e.err = errFailed
	}
}

// encode appends what write writes to dst. On error it returns dst
// unchanged and the error diagnose finds.
func encode(dst []byte, write func(e *encoder)) ([]byte, error) {
	e := encoder{buf: dst}
	write(&e)
	if e.err != nil {
		return dst, diagnose(write)
	}
	return e.buf, nil
}

// diagnose writes again, visiting every object's fields in the model's
// order and tracking the JSON path, and returns the first error: the same
// one whatever the key order of the input.
func diagnose(write func(e *encoder)) error {
	e := encoder{diagnose: true}
	write(&e)
	return e.err
}

// sizeHint is the likely length of the JSON of a value: the length of its
// input text when it was decoded, else a guess from the number of setting
// instances it holds (a few hundred bytes each).
func sizeHint(src source, settings int) int {
	if src.doc == nil {
		return 256 + 640*settings
	}
	nd := src.doc.nodes[src.node]
	return int(nd.end-nd.start) + 64
}

// A decoded object records its fields in a 64-bit set.
var _ [64 - numFields]struct{}

// slot is where a field's value was in the input.
type slot struct {
	doc *document // nil for an object built in code
	n   int       // the member's value node; -1 when the input did not have it
}

func (s slot) decoded() bool { return s.n >= 0 }
func (s slot) built() bool   { return s.doc == nil }
func (s slot) raw() string   { return s.doc.raw(s.n) }
func (s slot) isNull() bool  { return s.doc.isNull(s.n) }

// object writes an object: for a decoded one, its members in input order,
// those the model holds through write and the others verbatim; then,
// through write, the fields of fs the input did not have, in that order.
// write decides whether and how each field is written.
func (e *encoder) object(src source, fs []field, write func(f field, at slot)) {
	e.buf = append(e.buf, '{')
	var done uint64
	if doc := src.doc; doc != nil {
		nodes := doc.nodes
		for k, end := int(src.node)+1, int(nodes[src.node].after); k < end; k = int(nodes[k+1].after) {
			f := nodes[k].field
			switch {
			case f == fNone:
				e.sep()
				e.buf = doc.appendKey(e.buf, k)
				e.buf = append(e.buf, ':')
				e.buf = doc.appendCompact(e.buf, k+1)
			case !e.diagnose:
				done |= 1 << f
				write(f, slot{doc, k + 1})
			}
		}
	}
	for _, f := range fs {
		if done&(1<<f) == 0 {
			at := slot{src.doc, -1}
			if e.diagnose && src.doc != nil {
				at.n = src.doc.marked(int(src.node), f)
			}
			write(f, at)
		}
	}
	e.buf = append(e.buf, '}')
}

// marked returns the value node of the member of object o that decoding
// marked with f, or -1.
func (doc *document) marked(o int, f field) int {
	for k := range doc.members(o) {
		if doc.nodes[k].field == f {
			return k + 1
		}
	}
	return -1
}

// sep writes the comma before a member or an element, unless it is the
// first.
func (e *encoder) sep() {
	if n := len(e.buf); n > 0 && e.buf[n-1] != '{' && e.buf[n-1] != '[' {
		e.buf = append(e.buf, ',')
	}
}

// member starts the member f.
func (e *encoder) member(f field) {
	e.sep()
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, fieldKeys[f]...)
	e.buf = append(e.buf, '"', ':')
}

// str writes a string field. A decoded member that still holds the same
// value keeps its input spelling (null stays null). A member absent from
// the input is written when non-empty; an empty one only when required and
// the object was built in code (so that absent keys stay absent on a round
// trip, and built values get the full create shape).
func (e *encoder) str(f field, at slot, v string, required bool) {
	switch {
	case at.decoded():
		e.member(f)
		if at.isNull() && v == "" || at.doc.nodes[at.n].kind == kindString && at.doc.strIs(at.n, v) {
			e.buf = append(e.buf, at.raw()...)
			return
		}
	case v == "" && !(required && at.built()):
		return
	default:
		e.member(f)
	}
	e.buf = appendString(e.buf, v)
}

// int writes an integer field, keeping the input's spelling when the value
// did not change.
func (e *encoder) int(f field, at slot, v int64, required bool) {
	switch {
	case at.decoded():
		e.member(f)
		if at.isNull() && v == 0 {
			e.buf = append(e.buf, "null"...)
			return
		}
		if n, err := strconv.ParseInt(at.raw(), 10, 64); err == nil && n == v {
			e.buf = append(e.buf, at.raw()...)
			return
		}
	case v == 0 && !(required && at.built()):
		return
	default:
		e.member(f)
	}
	e.buf = strconv.AppendInt(e.buf, v, 10)
}

// bool writes a boolean field, keeping a decoded null while it is false.
func (e *encoder) bool(f field, at slot, v bool, required bool) {
	switch {
	case at.decoded():
		e.member(f)
		if at.isNull() && !v || !at.isNull() && (at.doc.nodes[at.n].kind == kindTrue) == v {
			e.buf = append(e.buf, at.raw()...)
			return
		}
	case !v && !(required && at.built()):
		return
	default:
		e.member(f)
	}
	e.buf = strconv.AppendBool(e.buf, v)
}

// time writes a timestamp field: the input's spelling while it holds the
// same instant, else Graph's form.
func (e *encoder) time(f field, at slot, t time.Time) {
	switch {
	case at.decoded():
		e.member(f)
		if at.isNull() && t.IsZero() {
			e.buf = append(e.buf, "null"...)
			return
		}
		if at.doc.nodes[at.n].kind == kindString {
			if old, err := time.Parse(time.RFC3339Nano, at.doc.str(at.n)); err == nil && old.Equal(t) {
				e.buf = append(e.buf, at.raw()...)
				return
			}
		}
	case t.IsZero():
		return
	default:
		e.member(f)
	}
	e.buf = append(e.buf, '"')
	e.buf = t.UTC().AppendFormat(e.buf, graphTime)
	e.buf = append(e.buf, '"')
}

// encodeFlags writes a flag set: the input's spelling while it parses to
// the same flags (so the order of the list is kept), else the comma list.
func encodeFlags[F ~uint32](e *encoder, f field, at slot, v F, parse func(string) (F, error)) {
	switch {
	case at.decoded():
		e.member(f)
		if at.isNull() && v == 0 {
			e.buf = append(e.buf, "null"...)
			return
		}
		if at.doc.nodes[at.n].kind == kindString {
			if old, err := parse(at.doc.str(at.n)); err == nil && old == v {
				e.buf = append(e.buf, at.raw()...)
				return
			}
		}
	case v == 0 && !at.built():
		return
	default:
		e.member(f)
	}
	e.buf = appendString(e.buf, flagString(v))
}

func flagString[F ~uint32](v F) string {
	switch x := any(v).(type) {
	case Platforms:
		return x.String()
	case Technologies:
		return x.String()
	}
	return strconv.FormatUint(uint64(v), 10)
}

// nested starts a field that holds an object, when the model has one
// (has); a decoded member the model no longer has becomes null, a new one
// is left out. It reports whether the caller writes the object.
func (e *encoder) nested(f field, at slot, has bool) bool {
	if has || at.decoded() {
		e.member(f)
	}
	if !has && at.decoded() {
		e.buf = append(e.buf, "null"...)
	}
	return has
}

// openList starts a field that holds an array of n elements. A decoded
// null stays null while the list is empty; a member absent from the input
// is written when non-empty, or when required and the object was built in
// code. It reports whether the caller writes the elements and closeList.
func (e *encoder) openList(f field, at slot, n int, required bool) bool {
	switch {
	case at.decoded():
		e.member(f)
		if n == 0 && at.isNull() {
			e.buf = append(e.buf, "null"...)
			return false
		}
	case n == 0 && !(required && at.built()):
		return false
	default:
		e.member(f)
	}
	e.buf = append(e.buf, '[')
	return true
}

func (e *encoder) closeList() { e.buf = append(e.buf, ']') }

// list writes the field f, a list of values, with write for each non-nil
// one; a nil one is an error.
func list[T any](e *encoder, f field, at slot, items []*T, required bool, write func(*T), nilReason string) {
	e.key(fieldKeys[f])
	if e.openList(f, at, len(items), required) {
		for i, it := range items {
			e.index(i)
			e.sep()
			if it == nil {
				e.fail(nilReason)
			} else {
				write(it)
			}
			e.pop()
		}
		e.closeList()
	}
	e.pop()
}

func (e *encoder) policy(p *Policy) {
	e.object(p.raw, policyFields, func(f field, at slot) {
		switch f {
		case fID:
			e.str(f, at, p.ID, false)
		case fName:
			e.str(f, at, p.Name, true)
		case fDescription:
			e.str(f, at, p.Description, true)
		case fPlatforms:
			encodeFlags(e, f, at, p.Platforms, ParsePlatforms)
		case fTechnologies:
			encodeFlags(e, f, at, p.Technologies, ParseTechnologies)
		case fRoleScopeTagIDs:
			if e.openList(f, at, len(p.RoleScopeTagIDs), p.RoleScopeTagIDs != nil) {
				for _, t := range p.RoleScopeTagIDs {
					e.sep()
					e.buf = appendString(e.buf, t)
				}
				e.closeList()
			}
		case fCreatedDateTime:
			e.time(f, at, p.CreatedDateTime)
		case fLastModifiedDateTime:
			e.time(f, at, p.LastModifiedDateTime)
		case fCreationSource:
			e.str(f, at, p.CreationSource, false)
		case fSettingCount:
			e.int(f, at, int64(p.SettingCount), false)
		case fTemplateReference:
			if e.nested(f, at, p.TemplateReference != TemplateReference{}) {
				e.templateReference(&p.TemplateReference)
			}
		case fSettings:
			list(e, f, at, p.Settings, true, e.setting, "nil setting")
		case fAssignments:
			e.assignments(f, at, p.Assignments, p.Assignments != nil)
		}
	})
}

func (e *encoder) templateReference(r *TemplateReference) {
	e.object(r.raw, templateReferenceFields, func(f field, at slot) {
		switch f {
		case fTemplateID:
			e.str(f, at, r.TemplateID, true)
		case fTemplateFamily:
			e.str(f, at, r.TemplateFamily, false)
		case fTemplateDisplayName:
			e.str(f, at, r.TemplateDisplayName, false)
		case fTemplateDisplayVersion:
			e.str(f, at, r.TemplateDisplayVersion, false)
		}
	})
}

func (e *encoder) setting(s *Setting) {
	e.object(s.raw, settingFields, func(f field, at slot) {
		switch f {
		case fID:
			e.str(f, at, s.ID, true)
		case fSettingInstance:
			e.key("settingInstance")
			if s.Instance == nil && s.raw.built() {
				e.fail("a setting needs an instance")
			}
			if e.nested(f, at, s.Instance != nil) {
				e.instance(s.Instance)
			}
			e.pop()
		}
	})
}

func (e *encoder) instance(s *SettingInstance) {
	if !s.Kind.Valid() {
		e.fail(fmt.Sprintf("unknown setting instance kind %q", s.Kind))
		return
	}
	valueField := s.Kind.valueField()
	e.object(s.raw, instanceFields, func(f field, at slot) {
		switch f {
		case fODataType:
			e.str(f, at, s.Kind.ODataType(), true)
		case fSettingDefinitionID:
			e.str(f, at, s.DefinitionID, true)
		case fSettingInstanceTemplateReference:
			if r := s.TemplateReference; e.nested(f, at, r != nil) {
				e.object(r.raw, instanceTemplateReferenceFields, func(f field, at slot) {
					e.str(f, at, r.InstanceTemplateID, true)
				})
			}
		case valueField:
			e.instanceValue(s, f, at)
		}
	})
}

// instanceValue writes the value of s, held in the field f.
func (e *encoder) instanceValue(s *SettingInstance, f field, at slot) {
	const nilValue = "nil value"
	switch s.Kind {
	case InstanceChoiceCollection:
		list(e, f, at, s.Choices, true, e.choiceValue, nilValue)
		return
	case InstanceSimpleCollection:
		list(e, f, at, s.Simples, true, e.simpleValue, nilValue)
		return
	case InstanceGroupCollection:
		list(e, f, at, s.Groups, true, e.groupValue, nilValue)
		return
	}
	e.key(fieldKeys[f])
	switch s.Kind {
	case InstanceChoice:
		if e.nested(f, at, s.Choice != nil) {
			e.choiceValue(s.Choice)
		}
	case InstanceSimple:
		if e.nested(f, at, s.Simple != nil) {
			e.simpleValue(s.Simple)
		}
	case InstanceGroup:
		if e.nested(f, at, s.Group != nil) {
			e.groupValue(s.Group)
		}
	}
	e.pop()
}

func (e *encoder) valueTemplateReference(f field, at slot, r *ValueTemplateReference) {
	if !e.nested(f, at, r != nil) {
		return
	}
	e.object(r.raw, valueTemplateReferenceFields, func(f field, at slot) {
		switch f {
		case fSettingValueTemplateID:
			e.str(f, at, r.ValueTemplateID, true)
		case fUseTemplateDefault:
			e.bool(f, at, r.UseTemplateDefault, true)
		}
	})
}

func (e *encoder) choiceValue(v *ChoiceValue) {
	e.object(v.raw, choiceValueFields, func(f field, at slot) {
		if f == fValue {
			e.str(f, at, v.ItemID, true)
			return
		}
		e.itemField(f, at, choiceValueODataType, v.Children, v.TemplateReference)
	})
}

func (e *encoder) groupValue(v *GroupValue) {
	e.object(v.raw, groupValueFields, func(f field, at slot) {
		e.itemField(f, at, groupValueODataType, v.Children, v.TemplateReference)
	})
}

// itemField writes a field that choice and group values share: the
// @odata.type (only when the input had it), children and template
// reference.
func (e *encoder) itemField(f field, at slot, odataType string, children []*SettingInstance, ref *ValueTemplateReference) {
	switch f {
	case fODataType:
		if at.decoded() {
			e.str(f, at, odataType, true)
		}
	case fChildren:
		list(e, f, at, children, true, e.instance, "nil setting instance")
	case fSettingValueTemplateReference:
		e.valueTemplateReference(f, at, ref)
	}
}

func (e *encoder) simpleValue(v *SimpleValue) {
	if !v.Type.Valid() {
		e.fail(fmt.Sprintf("unknown simple value type %q", v.Type))
		return
	}
	e.object(v.raw, simpleValueFields, func(f field, at slot) {
		switch f {
		case fODataType:
			e.str(f, at, v.Type.ODataType(), true)
		case fValue:
			if v.Type == ValueInteger {
				e.int(f, at, v.Integer, true)
			} else {
				e.str(f, at, v.Text, true)
			}
		case fValueState:
			if v.Type == ValueSecret {
				if v.State != "" && !v.State.Valid() {
					e.fail(fmt.Sprintf("unknown secret value state %q", v.State))
				}
				e.str(f, at, string(v.State), true)
			}
		case fNote:
			if v.Type == ValueReference {
				e.str(f, at, v.Note, false)
			}
		case fSettingValueTemplateReference:
			e.valueTemplateReference(f, at, v.TemplateReference)
		}
	})
}

func (e *encoder) assignments(f field, at slot, as []*Assignment, required bool) {
	list(e, f, at, as, required, e.assignment, "nil assignment")
}

func (e *encoder) assignment(a *Assignment) {
	e.object(a.raw, assignmentFields, func(f field, at slot) {
		switch f {
		case fID:
			e.str(f, at, a.ID, false)
		case fTarget:
			e.key("target")
			if e.nested(f, at, a.Target != Target{}) {
				e.target(&a.Target)
			}
			e.pop()
		case fSource:
			if a.Source != "" && !a.Source.Valid() {
				e.fail(fmt.Sprintf("unknown assignment source %q", a.Source))
			}
			e.str(f, at, string(a.Source), false)
		case fSourceID:
			e.str(f, at, a.SourceID, false)
		}
	})
}

func (e *encoder) target(t *Target) {
	if !t.Kind.Valid() {
		e.fail(fmt.Sprintf("unknown assignment target kind %q", t.Kind))
		return
	}
	if t.FilterType != "" && !t.FilterType.Valid() {
		e.fail(fmt.Sprintf("unknown filter type %q", t.FilterType))
	}
	e.object(t.raw, targetFields, func(f field, at slot) {
		switch f {
		case fODataType:
			e.str(f, at, t.Kind.ODataType(), true)
		case fGroupID:
			if t.Kind.HasGroup() {
				e.str(f, at, t.GroupID, true)
			}
		case fCollectionID:
			if t.Kind == TargetConfigurationManagerCollection {
				e.str(f, at, t.CollectionID, true)
			}
		case fFilterID:
			e.str(f, at, t.FilterID, false)
		case fFilterType:
			e.str(f, at, string(t.FilterType), false)
		}
	})
}
