package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
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

// syntaxError describes invalid JSON the way encoding/json does, with the
// offset of the first error.
func syntaxError(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &DecodeError{Reason: fmt.Sprintf("invalid JSON at offset %d: %v", se.Offset, se), Err: err}
	}
	return &DecodeError{Reason: "invalid JSON", Err: err}
}

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

// field is a member the model holds. Decoding marks each member it reads
// with its field; encoding writes those from the typed model.
type field uint8

const (
	fNone field = iota
	fODataType
	fID
	fName
	fDescription
	fPlatforms
	fTechnologies
	fRoleScopeTagIDs
	fCreatedDateTime
	fLastModifiedDateTime
	fCreationSource
	fSettingCount
	fTemplateReference
	fSettings
	fAssignments
	fTemplateID
	fTemplateFamily
	fTemplateDisplayName
	fTemplateDisplayVersion
	fSettingInstance
	fSettingDefinitionID
	fSettingInstanceTemplateReference
	fSettingInstanceTemplateID
	fChoiceSettingValue
	fChoiceSettingCollectionValue
	fSimpleSettingValue
	fSimpleSettingCollectionValue
	fGroupSettingValue
	fGroupSettingCollectionValue
	fValue
	fChildren
	fValueState
	fNote
	fSettingValueTemplateReference
	fSettingValueTemplateID
	fUseTemplateDefault
	fTarget
	fSource
	fSourceID
	fGroupID
	fCollectionID
	fFilterID
	fFilterType
	fNextLink
	numFields
)

// fieldKeys are the Graph names of the fields.
var fieldKeys = [numFields]string{
	fODataType:                        "@odata.type",
	fID:                               "id",
	fName:                             "name",
	fDescription:                      "description",
	fPlatforms:                        "platforms",
	fTechnologies:                     "technologies",
	fRoleScopeTagIDs:                  "roleScopeTagIds",
	fCreatedDateTime:                  "createdDateTime",
	fLastModifiedDateTime:             "lastModifiedDateTime",
	fCreationSource:                   "creationSource",
	fSettingCount:                     "settingCount",
	fTemplateReference:                "templateReference",
	fSettings:                         "settings",
	fAssignments:                      "assignments",
	fTemplateID:                       "templateId",
	fTemplateFamily:                   "templateFamily",
	fTemplateDisplayName:              "templateDisplayName",
	fTemplateDisplayVersion:           "templateDisplayVersion",
	fSettingInstance:                  "settingInstance",
	fSettingDefinitionID:              "settingDefinitionId",
	fSettingInstanceTemplateReference: "settingInstanceTemplateReference",
	fSettingInstanceTemplateID:        "settingInstanceTemplateId",
	fChoiceSettingValue:               "choiceSettingValue",
	fChoiceSettingCollectionValue:     "choiceSettingCollectionValue",
	fSimpleSettingValue:               "simpleSettingValue",
	fSimpleSettingCollectionValue:     "simpleSettingCollectionValue",
	fGroupSettingValue:                "groupSettingValue",
	fGroupSettingCollectionValue:      "groupSettingCollectionValue",
	fValue:                            "value",
	fChildren:                         "children",
	fValueState:                       "valueState",
	fNote:                             "note",
	fSettingValueTemplateReference:    "settingValueTemplateReference",
	fSettingValueTemplateID:           "settingValueTemplateId",
	fUseTemplateDefault:               "useTemplateDefault",
	fTarget:                           "target",
	fSource:                           "source",
	fSourceID:                         "sourceId",
	fGroupID:                          "groupId",
	fCollectionID:                     "collectionId",
	fFilterID:                         "deviceAndAppManagementAssignmentFilterId",
	fFilterType:                       "deviceAndAppManagementAssignmentFilterType",
	fNextLink:                         "@odata.nextLink",
}

// The fields of each Graph object the model holds, in the order the
// encoder writes the ones a decoded object did not have (and all of them
// for an object built in code).
var (
	policyFields = []field{fID, fName, fDescription, fPlatforms, fTechnologies, fRoleScopeTagIDs,
		fCreatedDateTime, fLastModifiedDateTime, fCreationSource, fSettingCount, fTemplateReference,
		fSettings, fAssignments}
	templateReferenceFields = []field{fTemplateID, fTemplateFamily, fTemplateDisplayName, fTemplateDisplayVersion}
	settingFields           = []field{fID, fSettingInstance}
	instanceFields          = []field{fODataType, fSettingDefinitionID, fSettingInstanceTemplateReference,
		fChoiceSettingValue, fChoiceSettingCollectionValue, fSimpleSettingValue, fSimpleSettingCollectionValue,
		fGroupSettingValue, fGroupSettingCollectionValue}
	instanceTemplateReferenceFields = []field{fSettingInstanceTemplateID}
	choiceValueFields               = []field{fODataType, fValue, fChildren, fSettingValueTemplateReference}
	groupValueFields                = []field{fODataType, fChildren, fSettingValueTemplateReference}
	simpleValueFields               = []field{fODataType, fValue, fValueState, fNote, fSettingValueTemplateReference}
	valueTemplateReferenceFields    = []field{fSettingValueTemplateID, fUseTemplateDefault}
	assignmentFields                = []field{fID, fTarget, fSource, fSourceID}
	targetFields                    = []field{fODataType, fGroupID, fCollectionID, fFilterID, fFilterType}
	pageFields                      = []field{fNextLink, fValue}
	assignBodyFields                = []field{fAssignments}
)

// odataTypes pairs the names of an enum with the @odata.type Graph gives
// each; what names the values in decode errors.
type odataTypes[K ~string] struct {
	what  string // "a setting instance"
	noun  string // "setting instance"
	types []odataType[K]
}

type odataType[K ~string] struct {
	name      K
	odataType string
}

// odataType returns the @odata.type of k; "" when k is not declared.
func (t *odataTypes[K]) odataType(k K) string {
	for _, e := range t.types {
		if e.name == k {
			return e.odataType
		}
	}
	return ""
}

func (t *odataTypes[K]) valid(k K) bool { return t.odataType(k) != "" }

// lookup returns the name whose @odata.type is s.
func (t *odataTypes[K]) lookup(s string) (K, bool) {
	for _, e := range t.types {
		if e.odataType == s {
			return e.name, true
		}
	}
	return "", false
}

// startDecoding parses data and returns a decoder over it.
func startDecoding(data []byte) (d decoder, bom bool, err error) {
	doc, bom, err := load(data)
	if err != nil {
		return decoder{}, false, err
	}
	return newDecoder(doc), bom, nil
}

// DecodeGraph decodes one Graph deviceManagementConfigurationPolicy, in
// either export shape: the portal's native export (a UTF-8 byte-order mark,
// no annotations) or a full-metadata export (@odata annotations, expanded
// assignments). Every error is a *DecodeError naming the JSON path.
func DecodeGraph(data []byte) (*Policy, error) {
	d, bom, err := startDecoding(data)
	if err != nil {
		return nil, err
	}
	p := d.policy(0)
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

// Page is a Graph list response ({"value": [...]}) of policies, or a single
// policy where a list was expected. Encoding a Page gives back the shape it
// was decoded from.
type Page struct {
	Policies []*Policy
	// NextLink is the @odata.nextLink of a partial list, if any.
	NextLink string

	raw    source
	single bool
}

// DecodeGraphPage decodes a Graph list response {"value": [...]} of
// policies. A single policy object is accepted too, as a page of one, and
// encodes back as a single object.
func DecodeGraphPage(data []byte) (*Page, error) {
	d, bom, err := startDecoding(data)
	if err != nil {
		return nil, err
	}
	if !d.object(0) {
		return nil, d.err
	}
	if v := d.find(0, fValue); v >= 0 && d.doc.nodes[v].kind == kindArray {
		d.take(0, fValue)
		pg := &Page{raw: d.source(0)}
		d.key("value")
		pg.Policies = decodeEach(&d, v, d.policy)
		d.pop()
		for _, p := range pg.Policies {
			if p != nil {
				p.bom = bom
			}
		}
		pg.NextLink = d.str(0, fNextLink)
		if d.err != nil {
			return nil, d.err
		}
		return pg, nil
	}
	p := d.policy(0)
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
	d, _, err := startDecoding(data)
	if err != nil {
		return nil, err
	}
	if !d.object(0) {
		return nil, d.err
	}
	f := fAssignments
	if d.find(0, f) < 0 {
		f = fValue
	}
	a, ok := d.array(0, f)
	if !ok && !d.failed() {
		d.fail(`want an "assignments" or "value" array`)
	}
	if d.failed() {
		return nil, d.err
	}
	d.key(fieldKeys[f])
	as := d.assignments(a)
	if d.err != nil {
		return nil, d.err
	}
	return as, nil
}

// UnmarshalJSON decodes one Graph assignment object.
func (a *Assignment) UnmarshalJSON(data []byte) error {
	d, _, err := startDecoding(data)
	if err != nil {
		return err
	}
	b := d.assignment(0)
	if d.err != nil {
		return d.err
	}
	*a = *b
	return nil
}

// EncodeGraph writes the policy as Graph JSON. A decoded policy gives back
// its input (equal as JSON, ignoring key order, whitespace and the
// byte-order mark, which is never written); a policy built in code gives
// the clean shape Graph accepts on create. Errors are *EncodeError.
func EncodeGraph(p *Policy) ([]byte, error) {
	if p == nil {
		return nil, &EncodeError{Reason: "nil policy"}
	}
	return encode(make([]byte, 0, sizeHint(p.raw, len(p.Settings))), func(e *encoder) { e.policy(p) })
}

// MarshalJSON writes the policy as EncodeGraph does.
func (p *Policy) MarshalJSON() ([]byte, error) { return EncodeGraph(p) }

// EncodeGraphPage writes a page as Graph JSON: a list response, or the
// single policy it was decoded from.
func EncodeGraphPage(pg *Page) ([]byte, error) {
	if pg == nil {
		return nil, &EncodeError{Reason: "nil page"}
	}
	if pg.single && len(pg.Policies) == 1 {
		return EncodeGraph(pg.Policies[0])
	}
	size := sizeHint(pg.raw, 0)
	if pg.raw.built() {
		for _, p := range pg.Policies {
			if p != nil {
				size += sizeHint(p.raw, len(p.Settings))
			}
		}
	}
	return encode(make([]byte, 0, size), func(e *encoder) {
		e.object(pg.raw, pageFields, func(f field, at slot) {
			switch f {
			case fNextLink:
				e.str(f, at, pg.NextLink, false)
			case fValue:
				list(e, f, at, pg.Policies, true, e.policy, "nil policy")
			}
		})
	})
}

// EncodeAssignments writes the body of a policy's assign action:
// {"assignments": [...]}.
func EncodeAssignments(as []*Assignment) ([]byte, error) {
	return encode(nil, func(e *encoder) {
		e.object(source{}, assignBodyFields, func(f field, at slot) { e.assignments(f, at, as, true) })
	})
}

// MarshalJSON writes the assignment as Graph JSON.
func (a *Assignment) MarshalJSON() ([]byte, error) {
	if a == nil {
		return nil, &EncodeError{Reason: "nil assignment"}
	}
	return encode(nil, func(e *encoder) { e.assignment(a) })
}
