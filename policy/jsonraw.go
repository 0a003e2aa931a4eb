package policy

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds the low-level JSON machinery of the lossless codec.
//
// The input is copied once into a string and parsed once, in a single pass
// that also checks it (accepting exactly what encoding/json.Valid accepts),
// into a flat list of nodes: one per value and per member key, in document
// order, each with the span of its text. A decoded model value remembers
// the object node it came from (a source); decoding marks the key of every
// member the model holds with its field, so that the encoder can write
// those from the typed model and every other member verbatim, in input
// order, keeping the input's spelling of scalars whose value did not change
// (null, number format, string escapes, flag-list order, timestamps). The
// model's strings are slices of the same string, so decoding copies text
// only for strings with escapes.

// document is one parsed JSON text. It is not changed after decoding, so
// decoded values may share it, and encode it concurrently.
type document struct {
	text  string
	nodes []node
}

// node is one value or member key. An object's children are its members,
// each a key node followed by the value's nodes; an array's are its
// elements.
type node struct {
	start, end uint32 // the value's text, quotes included
	after      uint32 // index of the first node after this value
	kind       nodeKind
	flags      uint8 // strEscaped, strNonASCII or spaced
	field      field // on a key node: the model field that decoded the member
}

type nodeKind uint8

const (
	kindObject nodeKind = iota + 1
	kindArray
	kindString
	kindNumber
	kindTrue
	kindFalse
	kindNull
)

const (
	strEscaped  = 1 << iota // a string with a backslash escape
	strNonASCII             // a string with bytes >= 0x80
	spaced                  // an object or array with whitespace between its tokens
)

// maxNesting is the depth of nested objects and arrays encoding/json
// accepts.
const maxNesting = 10000

// maxText is the longest input the node offsets can address.
const maxText = math.MaxUint32 - 1

// source is where a model value was decoded from: an object node of a
// document. The zero source marks a value built in code.
type source struct {
	doc  *document
	node uint32
}

func (s source) built() bool { return s.doc == nil }

// property returns the raw JSON of a member the model does not hold.
func (s source) property(key string) (json.RawMessage, bool) {
	if s.doc == nil {
		return nil, false
	}
	for k := range s.doc.members(int(s.node)) {
		if s.doc.nodes[k].field == fNone && s.doc.keyIs(k, key) {
			return []byte(s.doc.raw(k + 1)), true
		}
	}
	return nil, false
}

// isNull reports whether raw JSON is null.
func isNull(raw []byte) bool { return string(raw) == "null" }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// plainStringByte marks the bytes a string holds as they are: not a quote,
// a backslash, a control character or part of a multi-byte sequence.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// parse checks the text and fills in its nodes. It reports false when the
// text is not valid JSON.
func (doc *document) parse() bool {
	s := doc.text
	// Graph JSON is mostly strings: about one node for every 1.4 quotes.
	quotes := strings.Count(s, `"`)
	nodes := make([]node, 0, quotes*3/4+16)
	var stackSpace [32]int32
	stack := stackSpace[:0] // open objects and arrays
	i := 0
	// skip passes whitespace, marking the innermost open container.
	skip := func() {
		j := i
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j > i && len(stack) > 0 {
			nodes[stack[len(stack)-1]].flags |= spaced
		}
		i = j
	}
	const (
		wantValue = iota
		wantKey
		wantNext // after a value: a comma, a closing bracket or the end
	)
	state := wantValue
	for {
		skip()
		switch state {
		case wantKey:
			if i >= len(s) || s[i] != '"' {
				return false
			}
			end, flags, ok := scanString(s, i)
			if !ok {
				return false
			}
			nodes = append(nodes, node{start: uint32(i), end: uint32(end), after: uint32(len(nodes) + 1), kind: kindString, flags: flags})
			i = end
			skip()
			if i >= len(s) || s[i] != ':' {
				return false
			}
			i++
			state = wantValue
		case wantValue:
			if i >= len(s) {
				return false
			}
			n := node{start: uint32(i)}
			switch c := s[i]; c {
			case '{', '[':
				if len(stack) >= maxNesting {
					return false
				}
				n.kind = kindObject
				if c == '[' {
					n.kind = kindArray
				}
				stack = append(stack, int32(len(nodes)))
				nodes = append(nodes, n)
				i++
				skip()
				if i < len(s) && (s[i] == '}' && c == '{' || s[i] == ']' && c == '[') {
					state = wantNext // closed below
					continue
				}
				if c == '{' {
					state = wantKey
				}
				continue
			case '"':
				end, flags, ok := scanString(s, i)
				if !ok {
					return false
				}
				n.kind, n.flags, i = kindString, flags, end
			case 't':
				n.kind, i = kindTrue, i+len("true")
				if !strings.HasPrefix(s[n.start:], "true") {
					return false
				}
			case 'f':
				n.kind, i = kindFalse, i+len("false")
				if !strings.HasPrefix(s[n.start:], "false") {
					return false
				}
			case 'n':
				n.kind, i = kindNull, i+len("null")
				if !strings.HasPrefix(s[n.start:], "null") {
					return false
				}
			default:
				end, ok := scanNumber(s, i)
				if !ok {
					return false
				}
				n.kind, i = kindNumber, end
			}
			n.end = uint32(i)
			n.after = uint32(len(nodes) + 1)
			nodes = append(nodes, n)
			state = wantNext
		case wantNext:
			if len(stack) == 0 {
				doc.nodes = nodes
				return i == len(s)
			}
			if i >= len(s) {
				return false
			}
			top := stack[len(stack)-1]
			open := &nodes[top]
			switch c := s[i]; {
			case c == ',':
				i++
				state = wantValue
				if open.kind == kindObject {
					state = wantKey
				}
			case c == '}' && open.kind == kindObject, c == ']' && open.kind == kindArray:
				i++
				open.end, open.after = uint32(i), uint32(len(nodes))
				stack = stack[:len(stack)-1]
				if open.flags&spaced != 0 && len(stack) > 0 {
					nodes[stack[len(stack)-1]].flags |= spaced
				}
			default:
				return false
			}
		}
	}
}

// scanString returns the end of the string token that starts at s[i] and
// whether it has escapes or non-ASCII bytes; ok is false when the token is
// not a valid JSON string.
func scanString(s string, i int) (end int, flags uint8, ok bool) {
	for i++; i < len(s); {
		if plainStringByte[s[i]] {
			i++
			continue
		}
		switch c := s[i]; {
		case c == '"':
			return i + 1, flags, true
		case c == '\\':
			flags |= strEscaped
			if i+1 >= len(s) {
				return 0, 0, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || hex4(s[i+2:i+6]) < 0 {
					return 0, 0, false
				}
				i += 6
			default:
				return 0, 0, false
			}
		case c < 0x20:
			return 0, 0, false
		default:
			flags |= strNonASCII
			i++
		}
	}
	return 0, 0, false
}

// scanNumber returns the end of the number that starts at s[i].
func scanNumber(s string, i int) (int, bool) {
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return 0, false
		}
	}
	return i, true
}

// hex4 returns the value of four hexadecimal digits, or -1.
func hex4(s string) rune {
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// members yields the key node of each member of the object node o, in
// input order; the value is the node after the key.
func (doc *document) members(o int) func(yield func(int) bool) {
	return func(yield func(int) bool) {
		end := int(doc.nodes[o].after)
		for k := o + 1; k < end; k = int(doc.nodes[k+1].after) {
			if !yield(k) {
				return
			}
		}
	}
}

// elements yields the nodes of the elements of the array node a.
func (doc *document) elements(a int) func(yield func(int) bool) {
	return func(yield func(int) bool) {
		end := int(doc.nodes[a].after)
		for v := a + 1; v < end; v = int(doc.nodes[v].after) {
			if !yield(v) {
				return
			}
		}
	}
}

// count returns the number of children of an object or array node.
func (doc *document) count(n int) int {
	c := 0
	if doc.nodes[n].kind == kindObject {
		for range doc.members(n) {
			c++
		}
		return c
	}
	for range doc.elements(n) {
		c++
	}
	return c
}

// raw returns the text of node n as the input spells it.
func (doc *document) raw(n int) string {
	return doc.text[doc.nodes[n].start:doc.nodes[n].end]
}

func (doc *document) isNull(n int) bool { return doc.nodes[n].kind == kindNull }

// str returns the value of the string node n. Strings without escapes and
// with valid UTF-8 share the document's text.
func (doc *document) str(n int) string {
	nd := doc.nodes[n]
	body := doc.text[nd.start+1 : nd.end-1]
	if nd.flags == 0 || nd.flags == strNonASCII && utf8.ValidString(body) {
		return body
	}
	var buf [64]byte
	return string(appendUnescaped(buf[:0], body))
}

// strIs reports whether the string node n holds s.
func (doc *document) strIs(n int, s string) bool {
	nd := doc.nodes[n]
	body := doc.text[nd.start+1 : nd.end-1]
	if nd.flags == 0 || nd.flags == strNonASCII && utf8.ValidString(body) {
		return body == s
	}
	return unescapedIs(body, s)
}

// keyIs reports whether the key node k is key.
func (doc *document) keyIs(k int, key string) bool {
	nd := doc.nodes[k]
	if nd.flags == 0 {
		return doc.text[nd.start+1:nd.end-1] == key
	}
	return doc.str(k) == key
}

// appendUnescaped appends the value of the body of a valid JSON string
// token, as encoding/json decodes it: escapes resolved, a lone or broken
// UTF-16 surrogate and each byte of invalid UTF-8 replaced by U+FFFD.
func appendUnescaped(dst []byte, body string) []byte {
	for body != "" {
		if n := plainPrefix(body); n > 0 {
			dst, body = append(dst, body[:n]...), body[n:]
			continue
		}
		dst, body = appendUnescapedRune(dst, body)
	}
	return dst
}

// unescapedIs reports whether the body of a valid JSON string token holds
// s, without allocating.
func unescapedIs(body, s string) bool {
	var buf [2 * utf8.UTFMax]byte
	for body != "" {
		var piece []byte
		if n := plainPrefix(body); n > 0 {
			if len(s) < n || body[:n] != s[:n] {
				return false
			}
			body, s = body[n:], s[n:]
			continue
		}
		piece, body = appendUnescapedRune(buf[:0], body)
		if len(s) < len(piece) || string(piece) != s[:len(piece)] {
			return false
		}
		s = s[len(piece):]
	}
	return s == ""
}

// plainPrefix returns the length of the run of ASCII characters other
// than a backslash at the start of body.
func plainPrefix(body string) int {
	i := 0
	for i < len(body) && body[i] != '\\' && body[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// appendUnescapedRune appends the value of the escape or non-ASCII rune at
// the start of body and returns the rest of body.
func appendUnescapedRune(dst []byte, body string) ([]byte, string) {
	if body[0] != '\\' {
		r, size := utf8.DecodeRuneInString(body)
		if r == utf8.RuneError && size == 1 {
			return utf8.AppendRune(dst, utf8.RuneError), body[1:]
		}
		return append(dst, body[:size]...), body[size:]
	}
	switch e := body[1]; e {
	case 'b':
		dst = append(dst, '\b')
	case 'f':
		dst = append(dst, '\f')
	case 'n':
		dst = append(dst, '\n')
	case 'r':
		dst = append(dst, '\r')
	case 't':
		dst = append(dst, '\t')
	case 'u':
		r := hex4(body[2:])
		body = body[6:]
		if utf16.IsSurrogate(r) {
			r2 := rune(-1)
			if len(body) >= 6 && body[0] == '\\' && body[1] == 'u' {
				r2 = hex4(body[2:])
			}
			if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
				r, body = pair, body[6:]
			} else {
				r = utf8.RuneError
			}
		}
		return utf8.AppendRune(dst, r), body
	default: // '"', '\\', '/'
		dst = append(dst, e)
	}
	return dst, body[2:]
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Unlike encoding/json it does not
// escape <, > and &, so that URLs and paths stay readable.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendKey appends the key node k as appendString writes its value: the
// input's text when that is the same.
func (doc *document) appendKey(dst []byte, k int) []byte {
	nd := doc.nodes[k]
	raw := doc.text[nd.start:nd.end]
	if nd.flags == 0 || nd.flags == strNonASCII && utf8.ValidString(raw) &&
		!strings.Contains(raw, "\u2028") && !strings.Contains(raw, "\u2029") {
		return append(dst, raw...)
	}
	return appendString(dst, doc.str(k))
}

// appendCompact appends node n without insignificant whitespace.
func (doc *document) appendCompact(dst []byte, n int) []byte {
	raw := doc.raw(n)
	if doc.nodes[n].flags&spaced == 0 {
		return append(dst, raw...)
	}
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			dst = append(dst, c)
			switch c {
			case '\\':
				i++
				dst = append(dst, raw[i])
			case '"':
				inString = false
			}
			continue
		}
		if isSpace(c) {
			continue
		}
		if c == '"' {
			inString = true
		}
		dst = append(dst, c)
	}
	return dst
}

// load strips a byte-order mark and surrounding whitespace, checks the
// JSON and parses it. The document holds its own copy of the text, so
// decoded values never share memory with the caller's buffer.
func load(data []byte) (doc *document, bom bool, err error) {
	body, bom, err := trimInput(data)
	if err != nil {
		return nil, false, err
	}
	if uint64(len(body)) > maxText {
		return nil, false, &DecodeError{Reason: "input longer than 4 GiB"}
	}
	doc = &document{text: string(body)}
	if !doc.parse() {
		return nil, false, syntaxError(body)
	}
	return doc, bom, nil
}

// prepare strips a byte-order mark and surrounding whitespace, checks the
// JSON and copies it, for readers that decode with encoding/json.
func prepare(data []byte) (body []byte, bom bool, err error) {
	body, bom, err = trimInput(data)
	if err != nil {
		return nil, false, err
	}
	if !json.Valid(body) {
		return nil, false, syntaxError(body)
	}
	return bytes.Clone(body), bom, nil
}

func trimInput(data []byte) (body []byte, bom bool, err error) {
	if bytes.HasPrefix(data, utf8BOM) {
		data, bom = data[len(utf8BOM):], true
	}
	data = bytes.TrimFunc(data, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
	if len(data) == 0 {
		return nil, false, &DecodeError{Reason: "empty input"}
	}
	return data, bom, nil
}
