package policy

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// checkParse compares the parser with encoding/json on data: the same
// verdict, and for valid JSON nodes whose spans, string values, keys and
// compact forms are what encoding/json gives.
func checkParse(t *testing.T, data []byte) {
	t.Helper()
	doc := &document{text: string(data)}
	ok := doc.parse()
	if ok != json.Valid(data) {
		t.Fatalf("parse = %v, json.Valid = %v for %q", ok, !ok, data)
	}
	if !ok {
		return
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		t.Fatal(err)
	}
	if got := doc.appendCompact(nil, 0); !bytes.Equal(got, compact.Bytes()) {
		t.Fatalf("appendCompact = %q, want %q", got, compact.Bytes())
	}
	if strings.TrimSpace(doc.raw(0)) != strings.Trim(string(data), " \t\r\n") {
		t.Fatalf("the root node spans %q", doc.raw(0))
	}
	if int(doc.nodes[0].after) != len(doc.nodes) {
		t.Fatalf("the root node ends at %d of %d", doc.nodes[0].after, len(doc.nodes))
	}
	for n, nd := range doc.nodes {
		raw := doc.raw(n)
		if len(doc.nodes) <= 2000 && !json.Valid([]byte(raw)) {
			t.Fatalf("node %d spans %q, not a JSON value", n, raw)
		}
		if nd.kind != kindString {
			continue
		}
		var want string
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			t.Fatal(err)
		}
		if got := doc.str(n); got != want {
			t.Fatalf("str(%s) = %q, want %q", raw, got, want)
		}
		if !doc.strIs(n, want) || doc.strIs(n, want+"x") || len(want) > 0 && doc.strIs(n, want[:len(want)-1]) {
			t.Fatalf("strIs(%s) is wrong", raw)
		}
		if got, want := doc.appendKey(nil, n), appendString(nil, want); !bytes.Equal(got, want) {
			t.Fatalf("appendKey(%s) = %s, want %s", raw, got, want)
		}
	}
}

// FuzzJSONParse checks that the codec's one-pass parser accepts exactly
// what encoding/json accepts and reads strings as it does.
func FuzzJSONParse(f *testing.F) {
	f.Add([]byte(choiceInst))
	for _, s := range []string{`{}`, `[]`, `""`, `0`, `-0.5e+3`, `true`, `null`, ` { "a" : [ 1 , { } ] } `,
		`"\ud83d\ude00 \ud83d x \ude00 \u00e9 \/ \b\f\n\r\t"`, "\"\xff\xfe \xed\xa0\x80 \u2028\"", `{"a\u0041":1,"a":2}`,
		`[01]`, `1.`, `.5`, `-`, `1e`, `"\x"`, `"\u12"`, `{"a" 1}`, `[1,]`, `{"a":1,}`, `tru`, `nul`, `[}`, `{]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(checkParse)
}

func TestJSONParseAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range []string{`{}`, `[]`, `""`, `0`, `-0.5e+3`, ` { "a" : [ 1 , { } ] } `, `[01]`, `1.`, `"\x"`, `[1,]`,
		`"\ud83d\ude00 \ud83d x \ude00 \udc00\ud800 \u00e9 \/"`, "\"\xff\xfe \xed\xa0\x80 \u2028\"",
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("{\"a\":", 10001) + "1" + strings.Repeat("}", 10001)} {
		checkParse(t, []byte(s))
	}
}
