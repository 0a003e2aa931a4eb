package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DecodeError reports Graph JSON that cannot be decoded. Path is the JSON
// path of the offending value, e.g.
// "settings[3].settingInstance.choiceSettingValue.value"; it is empty for
// the document as a whole.
type DecodeError struct {
	Path   string
	Reason string
	// Err is the underlying error (a *json.SyntaxError, a *FlagError, a
	// time parse error), if any.
	Err error
}

// Error returns "policy: decode <path>: <reason>".
func (e *DecodeError) Error() string {
	if e.Path == "" {
		return "policy: decode: " + e.Reason
	}
	return "policy: decode " + e.Path + ": " + e.Reason
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError reports a value built in code that has no Graph JSON form,
// such as a setting instance without a kind. Path is the JSON path it would
// have had.
type EncodeError struct {
	Path   string
	Reason string
}

// Error returns "policy: encode <path>: <reason>".
func (e *EncodeError) Error() string {
	return "policy: encode " + e.Path + ": " + e.Reason
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// graphTime is how Graph writes timestamps: UTC with seven fractional digits.
const graphTime = "2006-01-02T15:04:05.0000000Z"

// path is a JSON path under construction.
type path []pathElem

type pathElem struct {
	key   string
	index int // -1 for a key
}

func (p path) String() string {
	var b strings.Builder
	for _, e := range p {
		if e.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
	}
	return b.String()
}

// decoder turns validated JSON into the model. It keeps the first error and
// does nothing after it, so that the decoding code reads straight through.
type decoder struct {
	path path
	err  error
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

// failAt reports a problem with the member key of the current object.
func (d *decoder) failAt(key, reason string, err error) {
	d.key(key)
	d.failErr(reason, err)
	d.pop()
}

// prepare strips a byte-order mark, checks the JSON and copies it, so that
// decoded values never share memory with the caller's buffer.
func prepare(data []byte) (body []byte, bom bool, err error) {
	if bytes.HasPrefix(data, utf8BOM) {
		data, bom = data[len(utf8BOM):], true
	}
	data = bytes.TrimFunc(data, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
	if len(data) == 0 {
		return nil, false, &DecodeError{Reason: "empty input"}
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, false, &DecodeError{Reason: fmt.Sprintf("invalid JSON at offset %d: %v", se.Offset, se), Err: err}
		}
		return nil, false, &DecodeError{Reason: "invalid JSON", Err: err}
	}
	return bytes.Clone(data), bom, nil
}

// object parses raw as an object, failing when it is not one.
func (d *decoder) object(raw []byte) *object {
	o, ok := parseObject(raw)
	if !ok {
		d.fail("want a JSON object")
		return nil
	}
	return o
}

// member takes a member that holds an object; nil when absent or null.
func (d *decoder) member(o *object, key string) *object {
	raw, ok := o.take(key)
	if !ok || isNull(raw) || d.failed() {
		return nil
	}
	d.key(key)
	defer d.pop()
	return d.object(raw)
}

// array takes a member that holds an array; nil when absent or null.
func (d *decoder) array(o *object, key string) [][]byte {
	raw, ok := o.take(key)
	if !ok || isNull(raw) || d.failed() {
		return nil
	}
	elems, ok := parseArray(raw)
	if !ok {
		d.failAt(key, "want an array", nil)
		return nil
	}
	return elems
}

func (d *decoder) str(o *object, key string) string {
	raw, ok := o.take(key)
	if !ok || isNull(raw) || d.failed() {
		return ""
	}
	if raw[0] != '"' {
		d.failAt(key, "want a string", nil)
		return ""
	}
	return unquote(raw)
}

func (d *decoder) boolean(o *object, key string) bool {
	raw, ok := o.take(key)
	if !ok || isNull(raw) || d.failed() {
		return false
	}
	switch string(raw) {
	case "true":
		return true
	case "false":
		return false
	}
	d.failAt(key, "want a boolean", nil)
	return false
}

// integer takes a member that holds a whole number. Graph declares
// integer setting values as Int32, but the service's own definitions bound
// some of them up to 4294967295, so any 64-bit integer is accepted.
func (d *decoder) integer(o *object, key string) int64 {
	raw, ok := o.take(key)
	if !ok || isNull(raw) || d.failed() {
		return 0
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		d.failAt(key, "want an integer", nil)
		return 0
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		d.failAt(key, fmt.Sprintf("%s is not a whole number in the 64-bit range", raw), nil)
		return 0
	}
	return n
}

func (d *decoder) timestamp(o *object, key string) time.Time {
	s := d.str(o, key)
	if s == "" || d.failed() {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.failAt(key, fmt.Sprintf("%q is not an RFC 3339 timestamp", s), err)
	}
	return t
}

func (d *decoder) platforms(o *object, key string) Platforms {
	s := d.str(o, key)
	if d.failed() {
		return 0
	}
	p, err := ParsePlatforms(s)
	if err != nil {
		d.failAt(key, err.Error(), err)
	}
	return p
}

func (d *decoder) technologies(o *object, key string) Technologies {
	s := d.str(o, key)
	if d.failed() {
		return 0
	}
	t, err := ParseTechnologies(s)
	if err != nil {
		d.failAt(key, err.Error(), err)
	}
	return t
}

// DecodeGraph decodes one Graph deviceManagementConfigurationPolicy, in
// either export shape: the portal's native export (a UTF-8 byte-order mark,
// no annotations) or a full-metadata export (@odata annotations, expanded
// assignments). Every error is a *DecodeError naming the JSON path.
func DecodeGraph(data []byte) (*Policy, error) {
	body, bom, err := prepare(data)
	if err != nil {
		return nil, err
	}
	var d decoder
	p := d.policy(body)
	if d.err != nil {
		return nil, d.err
	}
	p.bom = bom
	return p, nil
}

// UnmarshalJSON decodes a Graph policy as DecodeGraph does.
func (p *Policy) UnmarshalJSON(data []byte) error {
	q, err := DecodeGraph(data)
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

func (d *decoder) policy(raw []byte) *Policy {
	o := d.object(raw)
	if o == nil {
		return nil
	}
	p := &Policy{raw: o}
	p.ID = d.str(o, "id")
	p.Name = d.str(o, "name")
	p.Description = d.str(o, "description")
	p.Platforms = d.platforms(o, "platforms")
	p.Technologies = d.technologies(o, "technologies")
	if tags := d.array(o, "roleScopeTagIds"); tags != nil {
		d.key("roleScopeTagIds")
		p.RoleScopeTagIDs = make([]string, len(tags))
		for i, t := range tags {
			if t[0] != '"' {
				d.index(i)
				d.fail("want a string")
				d.pop()
				break
			}
			p.RoleScopeTagIDs[i] = unquote(t)
		}
		d.pop()
	}
	if r := d.member(o, "templateReference"); r != nil {
		d.key("templateReference")
		p.TemplateReference = TemplateReference{
			raw:                    r,
			TemplateID:             d.str(r, "templateId"),
			TemplateFamily:         d.str(r, "templateFamily"),
			TemplateDisplayName:    d.str(r, "templateDisplayName"),
			TemplateDisplayVersion: d.str(r, "templateDisplayVersion"),
		}
		d.pop()
	}
	p.CreatedDateTime = d.timestamp(o, "createdDateTime")
	p.LastModifiedDateTime = d.timestamp(o, "lastModifiedDateTime")
	p.CreationSource = d.str(o, "creationSource")
	p.SettingCount = int(d.integer(o, "settingCount"))
	if settings := d.array(o, "settings"); settings != nil {
		d.key("settings")
		p.Settings = make([]*Setting, len(settings))
		for i, raw := range settings {
			d.index(i)
			p.Settings[i] = d.setting(raw)
			d.pop()
		}
		d.pop()
	}
	if as := d.array(o, "assignments"); as != nil {
		d.key("assignments")
		p.Assignments = d.assignments(as)
		d.pop()
	}
	if d.failed() {
		return nil
	}
	return p
}

func (d *decoder) setting(raw []byte) *Setting {
	o := d.object(raw)
	if o == nil {
		return nil
	}
	s := &Setting{raw: o, ID: d.str(o, "id")}
	if raw, ok := o.take("settingInstance"); ok && !isNull(raw) && !d.failed() {
		d.key("settingInstance")
		s.Instance = d.instance(raw)
		d.pop()
	}
	return s
}

func (d *decoder) instance(raw []byte) *SettingInstance {
	o := d.object(raw)
	if o == nil || d.failed() {
		return nil
	}
	t := d.str(o, "@odata.type")
	kind, ok := instanceKindsByODataType[t]
	if !ok {
		if t == "" {
			d.failAt("@odata.type", "a setting instance needs its @odata.type", nil)
		} else {
			d.failAt("@odata.type", fmt.Sprintf("unknown setting instance type %q", t), nil)
		}
		return nil
	}
	s := &SettingInstance{Kind: kind, raw: o}
	s.DefinitionID = d.str(o, "settingDefinitionId")
	if r := d.member(o, "settingInstanceTemplateReference"); r != nil {
		d.key("settingInstanceTemplateReference")
		s.TemplateReference = &InstanceTemplateReference{raw: r, InstanceTemplateID: d.str(r, "settingInstanceTemplateId")}
		d.pop()
	}
	key, hasValue := instanceValueKeys[kind]
	if !hasValue {
		return s
	}
	raw, ok = o.take(key)
	if !ok || isNull(raw) || d.failed() {
		return s
	}
	d.key(key)
	defer d.pop()
	if kind.isCollection() {
		elems, ok := parseArray(raw)
		if !ok {
			d.fail("want an array")
			return s
		}
		switch kind {
		case InstanceChoiceCollection:
			s.Choices = make([]*ChoiceValue, len(elems))
		case InstanceSimpleCollection:
			s.Simples = make([]*SimpleValue, len(elems))
		case InstanceGroupCollection:
			s.Groups = make([]*GroupValue, len(elems))
		}
		for i, e := range elems {
			d.index(i)
			switch kind {
			case InstanceChoiceCollection:
				s.Choices[i] = d.choiceValue(e)
			case InstanceSimpleCollection:
				s.Simples[i] = d.simpleValue(e)
			case InstanceGroupCollection:
				s.Groups[i] = d.groupValue(e)
			}
			d.pop()
		}
		return s
	}
	switch kind {
	case InstanceChoice:
		s.Choice = d.choiceValue(raw)
	case InstanceSimple:
		s.Simple = d.simpleValue(raw)
	case InstanceGroup:
		s.Group = d.groupValue(raw)
	}
	return s
}

func (k InstanceKind) isCollection() bool {
	return k == InstanceChoiceCollection || k == InstanceSimpleCollection || k == InstanceGroupCollection
}

// valueType checks an optional @odata.type on a choice or group value.
func (d *decoder) optionalValueType(o *object, want string) {
	if t := d.str(o, "@odata.type"); t != "" && t != want && !d.failed() {
		d.failAt("@odata.type", fmt.Sprintf("unknown setting value type %q here (want %q)", t, want), nil)
	}
}

func (d *decoder) children(o *object) []*SettingInstance {
	elems := d.array(o, "children")
	if elems == nil || d.failed() {
		return nil
	}
	d.key("children")
	defer d.pop()
	out := make([]*SettingInstance, len(elems))
	for i, e := range elems {
		d.index(i)
		out[i] = d.instance(e)
		d.pop()
	}
	return out
}

func (d *decoder) valueTemplateReference(o *object) *ValueTemplateReference {
	r := d.member(o, "settingValueTemplateReference")
	if r == nil {
		return nil
	}
	d.key("settingValueTemplateReference")
	defer d.pop()
	return &ValueTemplateReference{
		raw:                r,
		ValueTemplateID:    d.str(r, "settingValueTemplateId"),
		UseTemplateDefault: d.boolean(r, "useTemplateDefault"),
	}
}

func (d *decoder) choiceValue(raw []byte) *ChoiceValue {
	o := d.object(raw)
	if o == nil || d.failed() {
		return nil
	}
	d.optionalValueType(o, choiceValueODataType)
	return &ChoiceValue{
		raw:               o,
		ItemID:            d.str(o, "value"),
		Children:          d.children(o),
		TemplateReference: d.valueTemplateReference(o),
	}
}

func (d *decoder) groupValue(raw []byte) *GroupValue {
	o := d.object(raw)
	if o == nil || d.failed() {
		return nil
	}
	d.optionalValueType(o, groupValueODataType)
	return &GroupValue{
		raw:               o,
		Children:          d.children(o),
		TemplateReference: d.valueTemplateReference(o),
	}
}

func (d *decoder) simpleValue(raw []byte) *SimpleValue {
	o := d.object(raw)
	if o == nil || d.failed() {
		return nil
	}
	t := d.str(o, "@odata.type")
	vt, ok := valueTypesByODataType[t]
	if !ok {
		if t == "" {
			d.failAt("@odata.type", "a simple setting value needs its @odata.type", nil)
		} else {
			d.failAt("@odata.type", fmt.Sprintf("unknown simple setting value type %q", t), nil)
		}
		return nil
	}
	v := &SimpleValue{raw: o, Type: vt}
	switch vt {
	case ValueInteger:
		v.Integer = d.integer(o, "value")
	default:
		v.Text = d.str(o, "value")
	}
	switch vt {
	case ValueSecret:
		v.State = SecretState(d.str(o, "valueState"))
		if v.State != "" && !v.State.Valid() && !d.failed() {
			d.failAt("valueState", fmt.Sprintf("unknown secret value state %q", v.State), nil)
		}
	case ValueReference:
		v.Note = d.str(o, "note")
	}
	v.TemplateReference = d.valueTemplateReference(o)
	return v
}

func (d *decoder) assignments(elems [][]byte) []*Assignment {
	out := make([]*Assignment, len(elems))
	for i, e := range elems {
		d.index(i)
		out[i] = d.assignment(e)
		d.pop()
	}
	return out
}

func (d *decoder) assignment(raw []byte) *Assignment {
	o := d.object(raw)
	if o == nil || d.failed() {
		return nil
	}
	a := &Assignment{raw: o}
	a.ID = d.str(o, "id")
	if t := d.member(o, "target"); t != nil {
		d.key("target")
		a.Target = d.target(t)
		d.pop()
	}
	a.Source = AssignmentSource(d.str(o, "source"))
	if a.Source != "" && !a.Source.Valid() && !d.failed() {
		d.failAt("source", fmt.Sprintf("unknown assignment source %q", a.Source), nil)
	}
	a.SourceID = d.str(o, "sourceId")
	return a
}

func (d *decoder) target(o *object) Target {
	t := d.str(o, "@odata.type")
	kind, ok := targetKindsByODataType[t]
	if !ok && !d.failed() {
		if t == "" {
			d.failAt("@odata.type", "an assignment target needs its @odata.type", nil)
		} else {
			d.failAt("@odata.type", fmt.Sprintf("unknown assignment target type %q", t), nil)
		}
		return Target{}
	}
	tg := Target{raw: o, Kind: kind}
	if kind.HasGroup() {
		tg.GroupID = d.str(o, "groupId")
	}
	if kind == TargetConfigurationManagerCollection {
		tg.CollectionID = d.str(o, "collectionId")
	}
	tg.FilterID = d.str(o, "deviceAndAppManagementAssignmentFilterId")
	tg.FilterType = FilterType(d.str(o, "deviceAndAppManagementAssignmentFilterType"))
	if tg.FilterType != "" && !tg.FilterType.Valid() && !d.failed() {
		d.failAt("deviceAndAppManagementAssignmentFilterType", fmt.Sprintf("unknown filter type %q", tg.FilterType), nil)
	}
	return tg
}

// Page is a Graph list response ({"value": [...]}) of policies, or a single
// policy where a list was expected. Encoding a Page gives back the shape it
// was decoded from.
type Page struct {
	Policies []*Policy
	// NextLink is the @odata.nextLink of a partial list, if any.
	NextLink string

	raw    *object
	single bool
}

// DecodeGraphPage decodes a Graph list response {"value": [...]} of
// policies. A single policy object is accepted too, as a page of one, and
// encodes back as a single object.
func DecodeGraphPage(data []byte) (*Page, error) {
	body, bom, err := prepare(data)
	if err != nil {
		return nil, err
	}
	var d decoder
	o := d.object(body)
	if o == nil {
		return nil, d.err
	}
	if raw, ok := o.take("value"); ok && len(raw) > 0 && raw[0] == '[' {
		elems, _ := parseArray(raw)
		pg := &Page{raw: o, Policies: make([]*Policy, len(elems))}
		d.key("value")
		for i, e := range elems {
			d.index(i)
			pg.Policies[i] = d.policy(e)
			if pg.Policies[i] != nil {
				pg.Policies[i].bom = bom
			}
			d.pop()
		}
		d.pop()
		pg.NextLink = d.str(o, "@odata.nextLink")
		if d.err != nil {
			return nil, d.err
		}
		return pg, nil
	}
	p := d.policy(body)
	if d.err != nil {
		return nil, d.err
	}
	p.bom = bom
	return &Page{Policies: []*Policy{p}, single: true}, nil
}

// DecodeGraphList decodes a Graph list response {"value": [...]} of
// policies (or a single policy, as a list of one); see DecodeGraphPage.
func DecodeGraphList(data []byte) ([]*Policy, error) {
	pg, err := DecodeGraphPage(data)
	if err != nil {
		return nil, err
	}
	return pg.Policies, nil
}

// DecodeAssignments decodes the body of a policy's assign action
// ({"assignments": [...]}) or the list response of its assignments
// ({"value": [...]}).
func DecodeAssignments(data []byte) ([]*Assignment, error) {
	body, _, err := prepare(data)
	if err != nil {
		return nil, err
	}
	var d decoder
	o := d.object(body)
	if o == nil {
		return nil, d.err
	}
	key := "assignments"
	if !o.has(key) {
		key = "value"
	}
	elems := d.array(o, key)
	if elems == nil && !d.failed() {
		d.fail(`want an "assignments" or "value" array`)
	}
	if d.failed() {
		return nil, d.err
	}
	d.key(key)
	as := d.assignments(elems)
	if d.err != nil {
		return nil, d.err
	}
	return as, nil
}

// encoder writes the model as Graph JSON. Like the decoder it keeps the
// first error.
type encoder struct {
	path path
	err  error
}

func (e *encoder) key(k string) { e.path = append(e.path, pathElem{key: k, index: -1}) }
func (e *encoder) index(i int)  { e.path = append(e.path, pathElem{index: i}) }
func (e *encoder) pop()         { e.path = e.path[:len(e.path)-1] }

func (e *encoder) fail(reason string) {
	if e.err == nil {
		e.err = &EncodeError{Path: e.path.String(), Reason: reason}
	}
}

// EncodeGraph writes the policy as Graph JSON. A decoded policy gives back
// its input (equal as JSON, ignoring key order, whitespace and the
// byte-order mark, which is never written); a policy built in code gives
// the clean shape Graph accepts on create. Errors are *EncodeError.
func EncodeGraph(p *Policy) ([]byte, error) {
	if p == nil {
		return nil, &EncodeError{Reason: "nil policy"}
	}
	var e encoder
	out := e.policy(p)
	if e.err != nil {
		return nil, e.err
	}
	return out, nil
}

// MarshalJSON writes the policy as EncodeGraph does.
func (p *Policy) MarshalJSON() ([]byte, error) { return EncodeGraph(p) }

// EncodeGraphPage writes a page as Graph JSON: a list response, or the
// single policy it was decoded from.
func EncodeGraphPage(pg *Page) ([]byte, error) {
	var e encoder
	if pg.single && len(pg.Policies) == 1 {
		out := e.policy(pg.Policies[0])
		return out, e.err
	}
	f := fields{src: pg.raw}
	e.key("value")
	elems := make([][]byte, len(pg.Policies))
	for i, p := range pg.Policies {
		e.index(i)
		if p == nil {
			e.fail("nil policy")
		} else {
			elems[i] = e.policy(p)
		}
		e.pop()
	}
	e.pop()
	f.str("@odata.nextLink", pg.NextLink, false)
	f.list("value", elems, true)
	if e.err != nil {
		return nil, e.err
	}
	return appendObject(nil, &f), nil
}

// EncodeAssignments writes the body of a policy's assign action:
// {"assignments": [...]}.
func EncodeAssignments(as []*Assignment) ([]byte, error) {
	var e encoder
	e.key("assignments")
	elems := e.assignments(as)
	if e.err != nil {
		return nil, e.err
	}
	f := fields{}
	f.list("assignments", elems, true)
	return appendObject(nil, &f), nil
}

func (e *encoder) policy(p *Policy) []byte {
	f := fields{src: p.raw}
	f.str("id", p.ID, false)
	f.str("name", p.Name, true)
	f.str("description", p.Description, true)
	flagsField(&f, "platforms", p.Platforms, ParsePlatforms)
	flagsField(&f, "technologies", p.Technologies, ParseTechnologies)
	tags := make([][]byte, len(p.RoleScopeTagIDs))
	for i, t := range p.RoleScopeTagIDs {
		tags[i] = appendString(nil, t)
	}
	f.list("roleScopeTagIds", tags, p.RoleScopeTagIDs != nil)
	timeField(&f, "createdDateTime", p.CreatedDateTime)
	timeField(&f, "lastModifiedDateTime", p.LastModifiedDateTime)
	f.str("creationSource", p.CreationSource, false)
	f.int("settingCount", int64(p.SettingCount), false)
	f.value("templateReference", p.TemplateReference.encode())
	e.key("settings")
	settings := make([][]byte, len(p.Settings))
	for i, s := range p.Settings {
		e.index(i)
		settings[i] = e.setting(s)
		e.pop()
	}
	e.pop()
	f.list("settings", settings, true)
	e.key("assignments")
	as := e.assignments(p.Assignments)
	e.pop()
	f.list("assignments", as, p.Assignments != nil)
	return appendObject(nil, &f)
}

func flagsField[F ~uint32](f *fields, key string, v F, parse func(string) (F, error)) {
	if raw, ok := f.src.decoded(key); ok {
		if isNull(raw) && v == 0 {
			f.add(key, raw)
			return
		}
		if raw[0] == '"' {
			if old, err := parse(unquote(raw)); err == nil && old == v {
				f.add(key, raw)
				return
			}
		}
	} else if v == 0 && f.src != nil {
		return
	}
	f.add(key, appendString(nil, flagString(v)))
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

func timeField(f *fields, key string, t time.Time) {
	if raw, ok := f.src.decoded(key); ok {
		if isNull(raw) && t.IsZero() {
			f.add(key, raw)
			return
		}
		if raw[0] == '"' {
			if old, err := time.Parse(time.RFC3339Nano, unquote(raw)); err == nil && old.Equal(t) {
				f.add(key, raw)
				return
			}
		}
	} else if t.IsZero() {
		return
	}
	f.add(key, appendString(nil, t.UTC().Format(graphTime)))
}

func (r TemplateReference) encode() []byte {
	if r.raw == nil && r == (TemplateReference{}) {
		return nil
	}
	f := fields{src: r.raw}
	f.str("templateId", r.TemplateID, true)
	f.str("templateFamily", r.TemplateFamily, false)
	f.str("templateDisplayName", r.TemplateDisplayName, false)
	f.str("templateDisplayVersion", r.TemplateDisplayVersion, false)
	return appendObject(nil, &f)
}

func (e *encoder) setting(s *Setting) []byte {
	if s == nil {
		e.fail("nil setting")
		return nil
	}
	f := fields{src: s.raw}
	f.str("id", s.ID, true)
	e.key("settingInstance")
	if s.Instance == nil && s.raw == nil {
		e.fail("a setting needs an instance")
	}
	var inst []byte
	if s.Instance != nil {
		inst = e.instance(s.Instance)
	}
	e.pop()
	f.value("settingInstance", inst)
	return appendObject(nil, &f)
}

func (e *encoder) instance(s *SettingInstance) []byte {
	if s == nil {
		e.fail("nil setting instance")
		return nil
	}
	if !s.Kind.Valid() {
		e.fail(fmt.Sprintf("unknown setting instance kind %q", s.Kind))
		return nil
	}
	f := fields{src: s.raw}
	f.str("@odata.type", s.Kind.ODataType(), true)
	f.str("settingDefinitionId", s.DefinitionID, true)
	var ref []byte
	if r := s.TemplateReference; r != nil {
		rf := fields{src: r.raw}
		rf.str("settingInstanceTemplateId", r.InstanceTemplateID, true)
		ref = appendObject(nil, &rf)
	}
	f.value("settingInstanceTemplateReference", ref)
	key, hasValue := instanceValueKeys[s.Kind]
	if !hasValue {
		return appendObject(nil, &f)
	}
	e.key(key)
	defer e.pop()
	switch s.Kind {
	case InstanceChoice:
		f.value(key, e.choiceValue(s.Choice))
	case InstanceSimple:
		f.value(key, e.simpleValue(s.Simple))
	case InstanceGroup:
		f.value(key, e.groupValue(s.Group))
	case InstanceChoiceCollection:
		f.list(key, encodeEach(e, s.Choices, e.choiceValue), true)
	case InstanceSimpleCollection:
		f.list(key, encodeEach(e, s.Simples, e.simpleValue), true)
	case InstanceGroupCollection:
		f.list(key, encodeEach(e, s.Groups, e.groupValue), true)
	}
	return appendObject(nil, &f)
}

func encodeEach[T any](e *encoder, items []*T, enc func(*T) []byte) [][]byte {
	out := make([][]byte, len(items))
	for i, it := range items {
		e.index(i)
		if it == nil {
			e.fail("nil value")
		} else {
			out[i] = enc(it)
		}
		e.pop()
	}
	return out
}

func (e *encoder) children(f *fields, children []*SettingInstance) {
	e.key("children")
	elems := make([][]byte, len(children))
	for i, c := range children {
		e.index(i)
		elems[i] = e.instance(c)
		e.pop()
	}
	e.pop()
	f.list("children", elems, true)
}

func (r *ValueTemplateReference) encode() []byte {
	if r == nil {
		return nil
	}
	f := fields{src: r.raw}
	f.str("settingValueTemplateId", r.ValueTemplateID, true)
	f.bool("useTemplateDefault", r.UseTemplateDefault, true)
	return appendObject(nil, &f)
}

func (e *encoder) choiceValue(v *ChoiceValue) []byte {
	if v == nil {
		return nil
	}
	f := fields{src: v.raw}
	if _, ok := f.src.decoded("@odata.type"); ok {
		f.str("@odata.type", choiceValueODataType, true)
	}
	f.str("value", v.ItemID, true)
	e.children(&f, v.Children)
	f.value("settingValueTemplateReference", v.TemplateReference.encode())
	return appendObject(nil, &f)
}

func (e *encoder) groupValue(v *GroupValue) []byte {
	if v == nil {
		return nil
	}
	f := fields{src: v.raw}
	if _, ok := f.src.decoded("@odata.type"); ok {
		f.str("@odata.type", groupValueODataType, true)
	}
	e.children(&f, v.Children)
	f.value("settingValueTemplateReference", v.TemplateReference.encode())
	return appendObject(nil, &f)
}

func (e *encoder) simpleValue(v *SimpleValue) []byte {
	if v == nil {
		return nil
	}
	if !v.Type.Valid() {
		e.fail(fmt.Sprintf("unknown simple value type %q", v.Type))
		return nil
	}
	f := fields{src: v.raw}
	f.str("@odata.type", v.Type.ODataType(), true)
	if v.Type == ValueInteger {
		f.int("value", v.Integer, true)
	} else {
		f.str("value", v.Text, true)
	}
	switch v.Type {
	case ValueSecret:
		if v.State != "" && !v.State.Valid() {
			e.fail(fmt.Sprintf("unknown secret value state %q", v.State))
		}
		f.str("valueState", string(v.State), true)
	case ValueReference:
		f.str("note", v.Note, false)
	}
	f.value("settingValueTemplateReference", v.TemplateReference.encode())
	return appendObject(nil, &f)
}

func (e *encoder) assignments(as []*Assignment) [][]byte {
	out := make([][]byte, len(as))
	for i, a := range as {
		e.index(i)
		out[i] = e.assignment(a)
		e.pop()
	}
	return out
}

func (e *encoder) assignment(a *Assignment) []byte {
	if a == nil {
		e.fail("nil assignment")
		return nil
	}
	f := fields{src: a.raw}
	f.str("id", a.ID, false)
	e.key("target")
	f.value("target", e.target(a.Target))
	e.pop()
	if a.Source != "" && !a.Source.Valid() {
		e.fail(fmt.Sprintf("unknown assignment source %q", a.Source))
	}
	f.str("source", string(a.Source), false)
	f.str("sourceId", a.SourceID, false)
	return appendObject(nil, &f)
}

func (e *encoder) target(t Target) []byte {
	if t.raw == nil && t == (Target{}) {
		return nil
	}
	if !t.Kind.Valid() {
		e.fail(fmt.Sprintf("unknown assignment target kind %q", t.Kind))
		return nil
	}
	if t.FilterType != "" && !t.FilterType.Valid() {
		e.fail(fmt.Sprintf("unknown filter type %q", t.FilterType))
	}
	f := fields{src: t.raw}
	f.str("@odata.type", t.Kind.ODataType(), true)
	if t.Kind.HasGroup() {
		f.str("groupId", t.GroupID, true)
	}
	if t.Kind == TargetConfigurationManagerCollection {
		f.str("collectionId", t.CollectionID, true)
	}
	f.str("deviceAndAppManagementAssignmentFilterId", t.FilterID, false)
	f.str("deviceAndAppManagementAssignmentFilterType", string(t.FilterType), false)
	return appendObject(nil, &f)
}

// MarshalJSON writes the assignment as Graph JSON.
func (a *Assignment) MarshalJSON() ([]byte, error) {
	var e encoder
	out := e.assignment(a)
	return out, e.err
}

// UnmarshalJSON decodes one Graph assignment object.
func (a *Assignment) UnmarshalJSON(data []byte) error {
	body, _, err := prepare(data)
	if err != nil {
		return err
	}
	var d decoder
	b := d.assignment(body)
	if d.err != nil {
		return d.err
	}
	*a = *b
	return nil
}
