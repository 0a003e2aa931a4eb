package policy

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// This file holds the low-level JSON machinery of the lossless codec. The
// input is checked once with json.Valid; the scanner below then walks it
// without re-checking. Every decoded object keeps its members in input order
// (object), so that the encoder can re-emit what the typed model does not
// hold, and can keep the input's spelling of scalars whose value did not
// change (null, number format, string escapes, flag-list order, timestamps).

// object is one decoded JSON object: its members in input order.
type object struct {
	members []member
}

// member is one key of an object with its raw value. used marks the keys the
// typed model decoded; the encoder writes those from the typed fields and
// every other member verbatim.
type member struct {
	key  string
	raw  []byte
	used bool
}

// take returns the raw value of the first member named key and marks it as
// decoded by the typed model.
func (o *object) take(key string) ([]byte, bool) {
	for i := range o.members {
		if o.members[i].key == key {
			o.members[i].used = true
			return o.members[i].raw, true
		}
	}
	return nil, false
}

// decoded returns the raw value of a member the typed model decoded.
func (o *object) decoded(key string) ([]byte, bool) {
	if o == nil {
		return nil, false
	}
	for i := range o.members {
		if o.members[i].used && o.members[i].key == key {
			return o.members[i].raw, true
		}
	}
	return nil, false
}

// has reports whether the object has a member named key.
func (o *object) has(key string) bool {
	for i := range o.members {
		if o.members[i].key == key {
			return true
		}
	}
	return false
}

// Property returns the raw JSON of a member of o that the typed model does
// not hold.
func (o *object) property(key string) (json.RawMessage, bool) {
	if o == nil {
		return nil, false
	}
	for i := range o.members {
		if !o.members[i].used && o.members[i].key == key {
			return bytes.Clone(o.members[i].raw), true
		}
	}
	return nil, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// stringEnd returns the index after the string that starts at data[i] ('"').
func stringEnd(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

// valueEnd returns the index after the value that starts at data[i]. The
// input is valid JSON; nesting is followed with a counter, not recursion.
func valueEnd(data []byte, i int) int {
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = stringEnd(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(data)
	default:
		for i < len(data) {
			switch data[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// parseObject splits a valid JSON object into its members. ok is false when
// raw is not an object.
func parseObject(raw []byte) (o *object, ok bool) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	o = &object{}
	i := skipSpace(raw, 1)
	if i < len(raw) && raw[i] == '}' {
		return o, true
	}
	n := 0
	for i < len(raw) && raw[i] == '"' {
		kEnd := stringEnd(raw, i)
		key := unquote(raw[i:kEnd])
		i = skipSpace(raw, kEnd) + 1 // past ':'
		i = skipSpace(raw, i)
		vEnd := valueEnd(raw, i)
		if o.members == nil {
			n = countMembers(raw)
			o.members = make([]member, 0, n)
		}
		o.members = append(o.members, member{key: key, raw: raw[i:vEnd]})
		i = skipSpace(raw, vEnd)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
			continue
		}
		break
	}
	return o, true
}

// countMembers estimates the number of members of an object (top-level
// commas + 1), so that the member slice is allocated once.
func countMembers(raw []byte) int {
	n, depth := 1, 0
	for i := 0; i < len(raw); {
		switch raw[i] {
		case '"':
			i = stringEnd(raw, i)
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 1 {
				n++
			}
		}
		i++
	}
	return n
}

// parseArray splits a valid JSON array into its elements. ok is false when
// raw is not an array.
func parseArray(raw []byte) (elems [][]byte, ok bool) {
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	i := skipSpace(raw, 1)
	elems = [][]byte{}
	for i < len(raw) && raw[i] != ']' {
		end := valueEnd(raw, i)
		elems = append(elems, raw[i:end])
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return elems, true
}

func isNull(raw []byte) bool { return string(raw) == "null" }

// unquote decodes a valid JSON string token. Strings without escapes and
// with valid UTF-8 are converted directly; the rest go through
// encoding/json, which replaces invalid UTF-8 with U+FFFD.
func unquote(tok []byte) string {
	body := tok[1 : len(tok)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body)
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return string(body)
	}
	return s
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

// appendCompact appends a raw JSON value without insignificant whitespace.
func appendCompact(dst []byte, raw []byte) []byte {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			dst = append(dst, c)
			switch c {
			case '\\':
				if i+1 < len(raw) {
					i++
					dst = append(dst, raw[i])
				}
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

// field is one member the typed model writes: its key and encoded value.
type field struct {
	key string
	val []byte
}

// fields collects the members a typed value writes, consulting the object it
// was decoded from (nil for a value built in code).
type fields struct {
	src *object
	out []field
}

func (f *fields) add(key string, val []byte) { f.out = append(f.out, field{key, val}) }

// str writes a string member. A decoded member that still holds the same
// value keeps its input spelling (null stays null). A member absent from the
// input is written when non-empty; an empty one only when required and the
// value was built in code (so that absent keys stay absent on a round trip,
// and built values get the full create shape).
func (f *fields) str(key, v string, required bool) {
	if raw, ok := f.src.decoded(key); ok {
		if (isNull(raw) && v == "") || (len(raw) > 0 && raw[0] == '"' && unquote(raw) == v) {
			f.add(key, raw)
			return
		}
		f.add(key, appendString(nil, v))
		return
	}
	if v != "" || (required && f.src == nil) {
		f.add(key, appendString(nil, v))
	}
}

// int writes an integer member, keeping the input's spelling when the value
// did not change.
func (f *fields) int(key string, v int64, required bool) {
	if raw, ok := f.src.decoded(key); ok {
		if isNull(raw) && v == 0 {
			f.add(key, raw)
			return
		}
		if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil && n == v {
			f.add(key, raw)
			return
		}
		f.add(key, strconv.AppendInt(nil, v, 10))
		return
	}
	if v != 0 || (required && f.src == nil) {
		f.add(key, strconv.AppendInt(nil, v, 10))
	}
}

func (f *fields) bool(key string, v bool, required bool) {
	if raw, ok := f.src.decoded(key); ok {
		if (isNull(raw) && !v) || (!isNull(raw) && (string(raw) == "true") == v) {
			f.add(key, raw)
			return
		}
		f.add(key, strconv.AppendBool(nil, v))
		return
	}
	if v || (required && f.src == nil) {
		f.add(key, strconv.AppendBool(nil, v))
	}
}

// value writes an encoded value (an object or array); enc nil means the
// value is absent: a decoded member is written as null, a new one omitted.
func (f *fields) value(key string, enc []byte) {
	if raw, ok := f.src.decoded(key); ok {
		if enc == nil {
			if isNull(raw) {
				f.add(key, raw)
			} else {
				f.add(key, []byte("null"))
			}
			return
		}
		f.add(key, enc)
		return
	}
	if enc != nil {
		f.add(key, enc)
	}
}

// list writes an array member. A decoded null stays null while the list is
// empty; a member absent from the input is written when non-empty or
// required.
func (f *fields) list(key string, elems [][]byte, required bool) {
	if raw, ok := f.src.decoded(key); ok {
		if isNull(raw) && len(elems) == 0 {
			f.add(key, raw)
			return
		}
		f.add(key, appendList(nil, elems))
		return
	}
	if len(elems) > 0 || (required && f.src == nil) {
		f.add(key, appendList(nil, elems))
	}
}

func appendList(dst []byte, elems [][]byte) []byte {
	dst = append(dst, '[')
	for i, e := range elems {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e...)
	}
	return append(dst, ']')
}

// appendObject writes the object: the input's members in input order (typed
// ones from fs, the others verbatim), then the typed members the input did
// not have, in the order the typed model gives them.
func appendObject(dst []byte, fs *fields) []byte {
	dst = append(dst, '{')
	first := true
	sep := func() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
	}
	done := make([]bool, len(fs.out))
	if fs.src != nil {
		for _, m := range fs.src.members {
			if !m.used {
				sep()
				dst = appendString(dst, m.key)
				dst = append(dst, ':')
				dst = appendCompact(dst, m.raw)
				continue
			}
			for i := range fs.out {
				if !done[i] && fs.out[i].key == m.key {
					done[i] = true
					sep()
					dst = appendString(dst, m.key)
					dst = append(dst, ':')
					dst = appendCompact(dst, fs.out[i].val)
					break
				}
			}
		}
	}
	for i := range fs.out {
		if !done[i] {
			sep()
			dst = appendString(dst, fs.out[i].key)
			dst = append(dst, ':')
			dst = appendCompact(dst, fs.out[i].val)
		}
	}
	return append(dst, '}')
}
