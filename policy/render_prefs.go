package policy

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Linux reads its managed configuration from mdatp_managed.json and macOS
// from the com.microsoft.wdav preference domain; both hold the same tree of
// keys (antivirusEngine, cloudService, edr, ...). The renderers below build
// that tree once from the settings' dotted Location.Path and then write it
// as JSON or as an XML property list.

// Target names used in RenderError.
const (
	targetLinux   = "mdatp_managed.json"
	targetMacOS   = "com.microsoft.wdav"
	targetWindows = "csp"
)

// RenderLinux renders settings (an effective configuration's top-level
// setting instances) as the Linux managed configuration file
// mdatp_managed.json: nested objects from each definition's dotted
// Location.Path, choice options as the JSON type the catalog gives their
// value (string, boolean or number), integers as numbers, strings as
// strings, simple and choice collections as arrays, and group collections
// (exclusions, threat type settings, EDR tags) as arrays of objects built
// from their children's item-relative paths. Object keys are sorted; the
// output is indented by two spaces and ends with a newline.
//
// A nil catalog means Builtin. Errors are *RenderError listing every
// setting that cannot be rendered (unknown, not for Linux, without a path,
// a value that does not fit its definition, two settings on one key); no
// output is returned then.
func RenderLinux(c *Catalog, settings []*SettingInstance) ([]byte, error) {
	r := newRenderer(c, targetLinux, PlatformLinux)
	root := r.prefs(settings)
	if err := r.err(); err != nil {
		return nil, err
	}
	var b []byte
	b = appendJSONNode(b, root, 0)
	return append(b, '\n'), nil
}

// RenderMacOS renders settings as the com.microsoft.wdav preference domain
// of macOS, an XML property list (version 1.0) whose root dictionary holds
// the same tree RenderLinux writes: dictionaries from the dotted paths,
// <string>, <integer>, <true/> and <false/> values, and <array>s. Keys are
// sorted; text is escaped for XML, and text XML 1.0 cannot carry (control
// characters other than tab, newline and carriage return, U+FFFE, U+FFFF,
// invalid UTF-8) is a RenderInvalidText problem.
//
// A nil catalog means Builtin. Errors are *RenderError, as for RenderLinux.
func RenderMacOS(c *Catalog, settings []*SettingInstance) ([]byte, error) {
	r := newRenderer(c, targetMacOS, PlatformMacOS)
	root := r.prefs(settings)
	if err := r.err(); err != nil {
		return nil, err
	}
	b := []byte(plistHeader)
	b = appendPlistNode(b, root, 0)
	b = append(b, "\n</plist>\n"...)
	return b, nil
}

const plistHeader = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
`

// prefKind is the type of a preference value.
type prefKind uint8

const (
	prefObject prefKind = iota
	prefArray
	prefString
	prefInt
	prefBool
)

// prefNode is one value of the preference tree.
type prefNode struct {
	kind prefKind
	keys map[string]*prefNode // prefObject
	elem []*prefNode          // prefArray
	str  string
	num  int64
	b    bool
}

func newObject() *prefNode { return &prefNode{kind: prefObject, keys: map[string]*prefNode{}} }

// optionNode converts a chosen option's value to a preference value, typed
// as the catalog gives it; nil when its text cannot be written.
func (r *renderer) optionNode(def *Definition, opt *Option) *prefNode {
	switch x := opt.Value.(type) {
	case int64:
		return &prefNode{kind: prefInt, num: x}
	case bool:
		return &prefNode{kind: prefBool, b: x}
	default:
		text := optionText(x)
		if !r.xmlText(def.ID, text) {
			return nil
		}
		return &prefNode{kind: prefString, str: text}
	}
}

func (r *renderer) prefs(settings []*SettingInstance) *prefNode {
	root := newObject()
	r.topLevel(settings, func(s *SettingInstance, def *Definition) {
		r.place(root, s, def)
	})
	return root
}

// place renders one checked instance into obj, the object its Location.Path
// is relative to.
func (r *renderer) place(obj *prefNode, s *SettingInstance, def *Definition) {
	loc := def.Location.Path
	switch def.Kind {
	case KindChoice:
		r.key("choiceSettingValue")
		defer r.pop()
		opt, ok := r.chosen(def, s.Choice)
		if !ok {
			return
		}
		switch {
		case opt.Value != nil && loc != "":
			if n := r.optionNode(def, opt); n != nil {
				r.set(obj, def.ID, loc, n)
			}
		case opt.Value != nil && len(s.Choice.Children) == 0:
			r.problem(def.ID, RenderNoLocation, "the setting has no preference path")
		}
		r.choiceChildren(opt, s.Choice, func(c *SettingInstance, cd *Definition) { r.place(obj, c, cd) })

	case KindChoiceCollection:
		if !r.hasPath(def) {
			return
		}
		arr := &prefNode{kind: prefArray}
		r.key("choiceSettingCollectionValue")
		for i, v := range s.Choices {
			r.idx(i)
			if opt, ok := r.chosen(def, v); ok && opt.Value != nil {
				if n := r.optionNode(def, opt); n != nil {
					arr.elem = append(arr.elem, n)
				}
			}
			r.pop()
		}
		r.pop()
		r.set(obj, def.ID, loc, arr)

	case KindInteger, KindString, KindSecret:
		r.key("simpleSettingValue")
		defer r.pop()
		if !r.simpleFits(def, s.Simple) || !r.hasPath(def) {
			return
		}
		if n := r.simpleNode(def, s.Simple); n != nil {
			r.set(obj, def.ID, loc, n)
		}

	case KindIntegerCollection, KindStringCollection:
		vs, ok := r.simpleValues(def, s)
		if !ok || !r.hasPath(def) {
			return
		}
		arr := &prefNode{kind: prefArray}
		r.key("simpleSettingCollectionValue")
		for i, v := range vs {
			r.idx(i)
			if n := r.simpleNode(def, v); n != nil {
				arr.elem = append(arr.elem, n)
			}
			r.pop()
		}
		r.pop()
		r.set(obj, def.ID, loc, arr)

	case KindGroup:
		target := obj
		if loc != "" {
			target = newObject()
			r.set(obj, def.ID, loc, target)
		}
		r.groupItems(def, s, func(_ int, v *GroupValue) {
			r.groupChildren(def, v, func(c *SettingInstance, cd *Definition) { r.place(target, c, cd) })
		})

	case KindGroupCollection:
		if !r.hasPath(def) {
			return
		}
		arr := &prefNode{kind: prefArray}
		r.groupItems(def, s, func(_ int, v *GroupValue) {
			item := newObject()
			r.groupChildren(def, v, func(c *SettingInstance, cd *Definition) { r.place(item, c, cd) })
			arr.elem = append(arr.elem, item)
		})
		r.set(obj, def.ID, loc, arr)
	}
}

func (r *renderer) hasPath(def *Definition) bool {
	if def.Location.Path == "" {
		r.problem(def.ID, RenderNoLocation, "the setting has no preference path")
		return false
	}
	return true
}

// simpleNode converts a checked simple value; nil when its text cannot be
// written.
func (r *renderer) simpleNode(def *Definition, v *SimpleValue) *prefNode {
	if v.Type == ValueInteger {
		return &prefNode{kind: prefInt, num: v.Integer}
	}
	if !r.xmlText(def.ID, v.Text) {
		return nil
	}
	return &prefNode{kind: prefString, str: v.Text}
}

// xmlText checks text for the target: valid UTF-8 everywhere, and for the
// property list only characters XML 1.0 allows.
func (r *renderer) xmlText(defID, s string) bool {
	if !r.validText(defID, s) {
		return false
	}
	if r.target != targetMacOS {
		return true
	}
	for _, c := range s {
		if !xmlChar(c) {
			r.problem(defID, RenderInvalidText, "the text holds %U, which XML cannot carry", c)
			return false
		}
	}
	return true
}

// xmlChar reports whether XML 1.0 allows the character.
func xmlChar(c rune) bool {
	switch {
	case c == '\t' || c == '\n' || c == '\r':
		return true
	case c < 0x20:
		return false
	case c >= 0xD800 && c <= 0xDFFF, c == 0xFFFE, c == 0xFFFF:
		return false
	}
	return c <= utf8.MaxRune
}

// set stores v at the dotted path below obj, creating the objects on the
// way. A key that is already taken, or a path through a value that is not
// an object, is a RenderDuplicate problem.
func (r *renderer) set(obj *prefNode, defID, dotted string, v *prefNode) {
	parts := strings.Split(dotted, ".")
	for i, p := range parts {
		if p == "" || !r.xmlText(defID, p) {
			if p == "" {
				r.problem(defID, RenderNoLocation, "the preference path %q has an empty key", dotted)
			}
			return
		}
		if i == len(parts)-1 {
			if _, taken := obj.keys[p]; taken {
				r.problem(defID, RenderDuplicate, "another setting already sets %q", dotted)
				return
			}
			obj.keys[p] = v
			return
		}
		next, ok := obj.keys[p]
		if !ok {
			next = newObject()
			obj.keys[p] = next
		} else if next.kind != prefObject {
			r.problem(defID, RenderDuplicate, "%q is already a value, not an object", strings.Join(parts[:i+1], "."))
			return
		}
		obj = next
	}
}

func sortedKeys(n *prefNode) []string {
	ks := make([]string, 0, len(n.keys))
	for k := range n.keys {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func indent(b []byte, depth int, unit string) []byte {
	for range depth {
		b = append(b, unit...)
	}
	return b
}

// appendJSONNode writes n as indented JSON.
func appendJSONNode(b []byte, n *prefNode, depth int) []byte {
	switch n.kind {
	case prefObject:
		if len(n.keys) == 0 {
			return append(b, "{}"...)
		}
		b = append(b, '{')
		for i, k := range sortedKeys(n) {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '\n')
			b = indent(b, depth+1, "  ")
			b = appendJSONString(b, k)
			b = append(b, ": "...)
			b = appendJSONNode(b, n.keys[k], depth+1)
		}
		b = append(b, '\n')
		b = indent(b, depth, "  ")
		return append(b, '}')
	case prefArray:
		if len(n.elem) == 0 {
			return append(b, "[]"...)
		}
		b = append(b, '[')
		for i, e := range n.elem {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '\n')
			b = indent(b, depth+1, "  ")
			b = appendJSONNode(b, e, depth+1)
		}
		b = append(b, '\n')
		b = indent(b, depth, "  ")
		return append(b, ']')
	case prefString:
		return appendJSONString(b, n.str)
	case prefInt:
		return strconv.AppendInt(b, n.num, 10)
	default:
		return strconv.AppendBool(b, n.b)
	}
}

// appendJSONString writes s (valid UTF-8) as a JSON string, escaping only
// what JSON requires.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// appendPlistNode writes n as a property list element, indented by tabs.
func appendPlistNode(b []byte, n *prefNode, depth int) []byte {
	switch n.kind {
	case prefObject:
		if len(n.keys) == 0 {
			return append(b, "<dict/>"...)
		}
		b = append(b, "<dict>"...)
		for _, k := range sortedKeys(n) {
			b = append(b, '\n')
			b = indent(b, depth+1, "\t")
			b = append(b, "<key>"...)
			b = appendXMLText(b, k)
			b = append(b, "</key>\n"...)
			b = indent(b, depth+1, "\t")
			b = appendPlistNode(b, n.keys[k], depth+1)
		}
		b = append(b, '\n')
		b = indent(b, depth, "\t")
		return append(b, "</dict>"...)
	case prefArray:
		if len(n.elem) == 0 {
			return append(b, "<array/>"...)
		}
		b = append(b, "<array>"...)
		for _, e := range n.elem {
			b = append(b, '\n')
			b = indent(b, depth+1, "\t")
			b = appendPlistNode(b, e, depth+1)
		}
		b = append(b, '\n')
		b = indent(b, depth, "\t")
		return append(b, "</array>"...)
	case prefString:
		b = append(b, "<string>"...)
		b = appendXMLText(b, n.str)
		return append(b, "</string>"...)
	case prefInt:
		b = append(b, "<integer>"...)
		b = strconv.AppendInt(b, n.num, 10)
		return append(b, "</integer>"...)
	default:
		if n.b {
			return append(b, "<true/>"...)
		}
		return append(b, "<false/>"...)
	}
}

// appendXMLText writes checked text as XML character data: &, < and > are
// escaped (> so that "]]>" never appears), and so is carriage return, which
// XML parsers would otherwise normalise away.
func appendXMLText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '\r':
			b = append(b, "&#13;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}
