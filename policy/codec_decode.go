package policy

import (
	"fmt"
	"strconv"
	"time"
)

// decoder turns a parsed document into the model. It keeps the first
// error and does nothing after it, so that the decoding code reads straight
// through. Objects and values are node indexes of the document.
type decoder struct {
	doc  *document
	path path
	err  error
}

func newDecoder(doc *document) decoder {
	return decoder{doc: doc, path: make(path, 0, 16)}
}

func (d *decoder) key(k string)  { d.path = append(d.path, pathElem{key: k, index: -1}) }
func (d *decoder) index(i int)   { d.path = append(d.path, pathElem{index: i}) }
func (d *decoder) pop()          { d.path = d.path[:len(d.path)-1] }
func (d *decoder) failed() bool  { return d.err != nil }
func (d *decoder) fail(r string) { d.failErr(r, nil) }

func (d *decoder) failErr(reason string, err error) {
	if d.err == nil {
		d.err = &DecodeError{Path: d.path.String(), Reason: reason, Err: err}
	}
}

// failAt reports a problem with the member f of the current object.
func (d *decoder) failAt(f field, reason string, err error) {
	d.key(fieldKeys[f])
	d.failErr(reason, err)
	d.pop()
}

func (d *decoder) source(o int) source { return source{doc: d.doc, node: uint32(o)} }

// object reports whether node n is an object, failing when it is not.
func (d *decoder) object(n int) bool {
	if d.doc.nodes[n].kind != kindObject {
		d.fail("want a JSON object")
		return false
	}
	return true
}

// find returns the value node of the first member of object o named by f,
// or -1.
func (d *decoder) find(o int, f field) int {
	nodes := d.doc.nodes
	key := fieldKeys[f]
	for k, end := o+1, int(nodes[o].after); k < end; k = int(nodes[k+1].after) {
		if d.doc.keyIs(k, key) {
			return k + 1
		}
	}
	return -1
}

// take is find that also marks the member as held by the model.
func (d *decoder) take(o int, f field) int {
	v := d.find(o, f)
	if v > 0 {
		d.doc.nodes[v-1].field = f
	}
	return v
}

// value takes a member; ok is false when it is absent or null, or after an
// error.
func (d *decoder) value(o int, f field) (v int, ok bool) {
	v = d.take(o, f)
	if v < 0 || d.doc.isNull(v) || d.failed() {
		return -1, false
	}
	return v, true
}

// member takes a member that holds an object; ok is false when it is
// absent or null.
func (d *decoder) member(o int, f field) (int, bool) {
	v, ok := d.value(o, f)
	if !ok {
		return -1, false
	}
	d.key(fieldKeys[f])
	defer d.pop()
	return v, d.object(v)
}

// array takes a member that holds an array; ok is false when it is absent
// or null.
func (d *decoder) array(o int, f field) (int, bool) {
	v, ok := d.value(o, f)
	if !ok {
		return -1, false
	}
	if d.doc.nodes[v].kind != kindArray {
		d.failAt(f, "want an array", nil)
		return -1, false
	}
	return v, true
}

func (d *decoder) str(o int, f field) string {
	v, ok := d.value(o, f)
	if !ok {
		return ""
	}
	if d.doc.nodes[v].kind != kindString {
		d.failAt(f, "want a string", nil)
		return ""
	}
	return d.doc.str(v)
}

func (d *decoder) boolean(o int, f field) bool {
	v, ok := d.value(o, f)
	if !ok {
		return false
	}
	switch d.doc.nodes[v].kind {
	case kindTrue:
		return true
	case kindFalse:
		return false
	}
	d.failAt(f, "want a boolean", nil)
	return false
}

// integer takes a member that holds a whole number. Graph declares
// integer setting values as Int32, but the service's own definitions bound
// some of them up to 4294967295, so any 64-bit integer is accepted.
func (d *decoder) integer(o int, f field) int64 {
	v, ok := d.value(o, f)
	if !ok {
		return 0
	}
	if d.doc.nodes[v].kind != kindNumber {
		d.failAt(f, "want an integer", nil)
		return 0
	}
	raw := d.doc.raw(v)
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		d.failAt(f, fmt.Sprintf("%s is not a whole number in the 64-bit range", raw), nil)
		return 0
	}
	return n
}

func (d *decoder) timestamp(o int, f field) time.Time {
	s := d.str(o, f)
	if s == "" || d.failed() {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.failAt(f, fmt.Sprintf("%q is not an RFC 3339 timestamp", s), err)
	}
	return t
}

// flags takes a flag-set comma list.
func decodeFlags[F ~uint32](d *decoder, o int, f field, parse func(string) (F, error)) F {
	s := d.str(o, f)
	if d.failed() {
		return 0
	}
	v, err := parse(s)
	if err != nil {
		d.failAt(f, err.Error(), err)
	}
	return v
}

// decodeODataType takes the required @odata.type of an object and returns
// the enum name it stands for.
func decodeODataType[K ~string](d *decoder, o int, types *odataTypes[K]) (K, bool) {
	t := d.str(o, fODataType)
	k, ok := types.lookup(t)
	if !ok && !d.failed() {
		if t == "" {
			d.failAt(fODataType, types.what+" needs its @odata.type", nil)
		} else {
			d.failAt(fODataType, fmt.Sprintf("unknown %s type %q", types.noun, t), nil)
		}
	}
	return k, ok
}

// each calls fn for every element of the array node a, with the path of
// the element, and returns the results.
func decodeEach[T any](d *decoder, a int, fn func(int) T) []T {
	out := make([]T, 0, d.doc.count(a))
	for e := range d.doc.elements(a) {
		d.index(len(out))
		out = append(out, fn(e))
		d.pop()
	}
	return out
}

func (d *decoder) policy(o int) *Policy {
	if !d.object(o) {
		return nil
	}
	p := &Policy{raw: d.source(o)}
	p.ID = d.str(o, fID)
	p.Name = d.str(o, fName)
	p.Description = d.str(o, fDescription)
	p.Platforms = decodeFlags(d, o, fPlatforms, ParsePlatforms)
	p.Technologies = decodeFlags(d, o, fTechnologies, ParseTechnologies)
	if a, ok := d.array(o, fRoleScopeTagIDs); ok {
		d.key("roleScopeTagIds")
		p.RoleScopeTagIDs = make([]string, d.doc.count(a))
		i := 0
		for e := range d.doc.elements(a) {
			if d.doc.nodes[e].kind != kindString {
				d.index(i)
				d.fail("want a string")
				d.pop()
				break
			}
			p.RoleScopeTagIDs[i] = d.doc.str(e)
			i++
		}
		d.pop()
	}
	if r, ok := d.member(o, fTemplateReference); ok {
		d.key("templateReference")
		p.TemplateReference = TemplateReference{
			raw:                    d.source(r),
			TemplateID:             d.str(r, fTemplateID),
			TemplateFamily:         d.str(r, fTemplateFamily),
			TemplateDisplayName:    d.str(r, fTemplateDisplayName),
			TemplateDisplayVersion: d.str(r, fTemplateDisplayVersion),
		}
		d.pop()
	}
	p.CreatedDateTime = d.timestamp(o, fCreatedDateTime)
	p.LastModifiedDateTime = d.timestamp(o, fLastModifiedDateTime)
	p.CreationSource = d.str(o, fCreationSource)
	p.SettingCount = int(d.integer(o, fSettingCount))
	if a, ok := d.array(o, fSettings); ok {
		d.key("settings")
		p.Settings = decodeEach(d, a, d.setting)
		d.pop()
	}
	if a, ok := d.array(o, fAssignments); ok {
		d.key("assignments")
		p.Assignments = d.assignments(a)
		d.pop()
	}
	if d.failed() {
		return nil
	}
	return p
}

func (d *decoder) setting(o int) *Setting {
	if !d.object(o) {
		return nil
	}
	s := &Setting{raw: d.source(o), ID: d.str(o, fID)}
	if v, ok := d.value(o, fSettingInstance); ok {
		d.key("settingInstance")
		s.Instance = d.instance(v)
		d.pop()
	}
	return s
}

func (d *decoder) instance(o int) *SettingInstance {
	if !d.object(o) || d.failed() {
		return nil
	}
	kind, ok := decodeODataType(d, o, &instanceTypes)
	if !ok {
		return nil
	}
	s := &SettingInstance{Kind: kind, raw: d.source(o)}
	s.DefinitionID = d.str(o, fSettingDefinitionID)
	if r, ok := d.member(o, fSettingInstanceTemplateReference); ok {
		d.key("settingInstanceTemplateReference")
		s.TemplateReference = &InstanceTemplateReference{raw: d.source(r), InstanceTemplateID: d.str(r, fSettingInstanceTemplateID)}
		d.pop()
	}
	f := kind.valueField()
	if f == fNone {
		return s
	}
	v, ok := d.value(o, f)
	if !ok {
		return s
	}
	d.key(fieldKeys[f])
	defer d.pop()
	if kind.isCollection() && d.doc.nodes[v].kind != kindArray {
		d.fail("want an array")
		return s
	}
	switch kind {
	case InstanceChoice:
		s.Choice = d.choiceValue(v)
	case InstanceSimple:
		s.Simple = d.simpleValue(v)
	case InstanceGroup:
		s.Group = d.groupValue(v)
	case InstanceChoiceCollection:
		s.Choices = decodeEach(d, v, d.choiceValue)
	case InstanceSimpleCollection:
		s.Simples = decodeEach(d, v, d.simpleValue)
	case InstanceGroupCollection:
		s.Groups = decodeEach(d, v, d.groupValue)
	}
	return s
}

func (d *decoder) children(o int) []*SettingInstance {
	a, ok := d.array(o, fChildren)
	if !ok || d.failed() {
		return nil
	}
	d.key("children")
	defer d.pop()
	return decodeEach(d, a, d.instance)
}

func (d *decoder) valueTemplateReference(o int) *ValueTemplateReference {
	r, ok := d.member(o, fSettingValueTemplateReference)
	if !ok {
		return nil
	}
	d.key("settingValueTemplateReference")
	defer d.pop()
	return &ValueTemplateReference{
		raw:                d.source(r),
		ValueTemplateID:    d.str(r, fSettingValueTemplateID),
		UseTemplateDefault: d.boolean(r, fUseTemplateDefault),
	}
}

func (d *decoder) choiceValue(o int) *ChoiceValue {
	if !d.itemObject(o, choiceValueODataType) {
		return nil
	}
	return &ChoiceValue{
		raw:               d.source(o),
		ItemID:            d.str(o, fValue),
		Children:          d.children(o),
		TemplateReference: d.valueTemplateReference(o),
	}
}

func (d *decoder) groupValue(o int) *GroupValue {
	if !d.itemObject(o, groupValueODataType) {
		return nil
	}
	return &GroupValue{
		raw:               d.source(o),
		Children:          d.children(o),
		TemplateReference: d.valueTemplateReference(o),
	}
}

// itemObject checks a choice or group value: an object whose @odata.type,
// optional, is odataType.
func (d *decoder) itemObject(o int, odataType string) bool {
	if !d.object(o) || d.failed() {
		return false
	}
	if t := d.str(o, fODataType); t != "" && t != odataType && !d.failed() {
		d.failAt(fODataType, fmt.Sprintf("unknown setting value type %q here (want %q)", t, odataType), nil)
	}
	return true
}

func (d *decoder) simpleValue(o int) *SimpleValue {
	if !d.object(o) || d.failed() {
		return nil
	}
	vt, ok := decodeODataType(d, o, &valueTypes)
	if !ok {
		return nil
	}
	v := &SimpleValue{raw: d.source(o), Type: vt}
	switch vt {
	case ValueInteger:
		v.Integer = d.integer(o, fValue)
	default:
		v.Text = d.str(o, fValue)
	}
	switch vt {
	case ValueSecret:
		v.State = SecretState(d.str(o, fValueState))
		if v.State != "" && !v.State.Valid() && !d.failed() {
			d.failAt(fValueState, fmt.Sprintf("unknown secret value state %q", v.State), nil)
		}
	case ValueReference:
		v.Note = d.str(o, fNote)
	}
	v.TemplateReference = d.valueTemplateReference(o)
	return v
}

func (d *decoder) assignments(a int) []*Assignment {
	return decodeEach(d, a, d.assignment)
}

func (d *decoder) assignment(o int) *Assignment {
	if !d.object(o) || d.failed() {
		return nil
	}
	a := &Assignment{raw: d.source(o)}
	a.ID = d.str(o, fID)
	if t, ok := d.member(o, fTarget); ok {
		d.key("target")
		a.Target = d.target(t)
		d.pop()
	}
	a.Source = AssignmentSource(d.str(o, fSource))
	if a.Source != "" && !a.Source.Valid() && !d.failed() {
		d.failAt(fSource, fmt.Sprintf("unknown assignment source %q", a.Source), nil)
	}
	a.SourceID = d.str(o, fSourceID)
	return a
}

func (d *decoder) target(o int) Target {
	kind, ok := decodeODataType(d, o, &targetTypes)
	if !ok {
		return Target{}
	}
	tg := Target{raw: d.source(o), Kind: kind}
	if kind.HasGroup() {
		tg.GroupID = d.str(o, fGroupID)
	}
	if kind == TargetConfigurationManagerCollection {
		tg.CollectionID = d.str(o, fCollectionID)
	}
	tg.FilterID = d.str(o, fFilterID)
	tg.FilterType = FilterType(d.str(o, fFilterType))
	if tg.FilterType != "" && !tg.FilterType.Valid() && !d.failed() {
		d.failAt(fFilterType, fmt.Sprintf("unknown filter type %q", tg.FilterType), nil)
	}
	return tg
}
