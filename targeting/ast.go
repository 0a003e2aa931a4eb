package targeting

import (
	"regexp"
	"strings"
)

// op is a comparison operator.
type op uint8

const (
	opNone op = iota
	opEq
	opNe
	opStartsWith
	opNotStartsWith
	opEndsWith
	opNotEndsWith
	opContains
	opNotContains
	opMatch
	opNotMatch
	opIn
	opNotIn
	opGe // user-only operators: parsed so that the error names them
	opLe
)

var opNames = [...]string{
	opEq:            "eq",
	opNe:            "ne",
	opStartsWith:    "startsWith",
	opNotStartsWith: "notStartsWith",
	opEndsWith:      "endsWith",
	opNotEndsWith:   "notEndsWith",
	opContains:      "contains",
	opNotContains:   "notContains",
	opMatch:         "match",
	opNotMatch:      "notMatch",
	opIn:            "in",
	opNotIn:         "notIn",
	opGe:            "ge",
	opLe:            "le",
}

// String returns the canonical spelling, with the hyphen.
func (o op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return "-" + opNames[o]
	}
	return "-?"
}

// negated reports whether o is the negated form of another operator.
func (o op) negated() bool {
	switch o {
	case opNe, opNotStartsWith, opNotEndsWith, opNotContains, opNotMatch, opNotIn:
		return true
	}
	return false
}

// positive returns the positive form of o (o itself when not negated).
func (o op) positive() op {
	switch o {
	case opNe:
		return opEq
	case opNotStartsWith:
		return opStartsWith
	case opNotEndsWith:
		return opEndsWith
	case opNotContains:
		return opContains
	case opNotMatch:
		return opMatch
	case opNotIn:
		return opIn
	}
	return o
}

var opByName = func() map[string]op {
	m := map[string]op{}
	for o, n := range opNames {
		if n != "" {
			m[strings.ToLower(n)] = op(o)
		}
	}
	return m
}()

// nodeKind is the kind of an AST node.
type nodeKind uint8

const (
	nodeAnd    nodeKind = iota + 1 // kids: two or more operands, none of them an And
	nodeOr                         // kids: two or more operands, none of them an Or
	nodeNot                        // kids[0]
	nodeCmp                        // prop op val
	nodeLambda                     // prop -any/-all (body)
)

// operand is what the left side of a comparison names.
type operand uint8

const (
	operandProperty operand = iota // device.<prop>
	operandItem                    // _ inside a lambda over a string collection
	operandGroupID                 // group.objectId inside a memberOf lambda
)

// valueKind is the kind of a literal value.
type valueKind uint8

const (
	valString valueKind = iota + 1
	valBool
	valNull
	valArray
	valNumber
)

// value is a literal on the right of a comparison.
type value struct {
	kind valueKind
	str  string  // valString: the value; valNumber: its text
	b    bool    // valBool
	arr  []value // valArray
	off  int     // byte offset in the rule text (not compared)
}

// node is a node of the rule's syntax tree. Offsets are kept for errors and
// are not part of equality.
type node struct {
	kind    nodeKind
	off     int // byte offset of the node's first token
	kids    []*node
	operand operand
	prop    propID         // operandProperty, and the collection of a lambda
	op      op             // nodeCmp
	all     bool           // nodeLambda: -all (else -any)
	val     value          // nodeCmp
	body    *node          // nodeLambda
	re      *regexp.Regexp // nodeCmp with -match or -notMatch: the compiled pattern
}

// equal reports whether a and b are the same tree, ignoring offsets.
func (a *node) equal(b *node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.kind != b.kind || len(a.kids) != len(b.kids) {
		return false
	}
	for i := range a.kids {
		if !a.kids[i].equal(b.kids[i]) {
			return false
		}
	}
	switch a.kind {
	case nodeCmp:
		return a.operand == b.operand && a.prop == b.prop && a.op == b.op && a.val.equal(b.val)
	case nodeLambda:
		return a.prop == b.prop && a.all == b.all && a.body.equal(b.body)
	}
	return true
}

func (v value) equal(w value) bool {
	if v.kind != w.kind || v.str != w.str || v.b != w.b || len(v.arr) != len(w.arr) {
		return false
	}
	for i := range v.arr {
		if !v.arr[i].equal(w.arr[i]) {
			return false
		}
	}
	return true
}

// count returns the number of nodes in the tree.
func (a *node) count() int {
	n := 1
	for _, k := range a.kids {
		n += k.count()
	}
	if a.body != nil {
		n += a.body.count()
	}
	return n
}

// walk calls f for every node of the tree, parents first.
func (a *node) walk(f func(*node)) {
	f(a)
	for _, k := range a.kids {
		k.walk(f)
	}
	if a.body != nil {
		a.body.walk(f)
	}
}

// String writes the canonical form of the tree: documented property
// spellings, hyphenated camelCase operators, double-quoted strings with
// backtick escapes (single-quoted when the value holds a backtick), and
// parentheses around -and groups inside -or, around -not operands and
// around lambda bodies.
func (a *node) String() string {
	var b strings.Builder
	a.write(&b)
	return b.String()
}

func (a *node) write(b *strings.Builder) {
	switch a.kind {
	case nodeAnd, nodeOr:
		sep := " -and "
		if a.kind == nodeOr {
			sep = " -or "
		}
		for i, k := range a.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			// Within -and an -or operand needs parentheses; within -or an
			// -and operand does not, but they make the grouping plain.
			if k.kind == nodeAnd || k.kind == nodeOr {
				b.WriteByte('(')
				k.write(b)
				b.WriteByte(')')
			} else {
				k.write(b)
			}
		}
	case nodeNot:
		b.WriteString("-not (")
		a.kids[0].write(b)
		b.WriteByte(')')
	case nodeCmp:
		switch a.operand {
		case operandItem:
			b.WriteByte('_')
		case operandGroupID:
			b.WriteString("group.objectId")
		default:
			b.WriteString("device.")
			b.WriteString(properties[a.prop].name)
		}
		b.WriteByte(' ')
		b.WriteString(a.op.String())
		b.WriteByte(' ')
		a.val.write(b)
	case nodeLambda:
		b.WriteString("device.")
		b.WriteString(properties[a.prop].name)
		if a.all {
			b.WriteString(" -all (")
		} else {
			b.WriteString(" -any (")
		}
		a.body.write(b)
		b.WriteByte(')')
	}
}

func (v value) write(b *strings.Builder) {
	switch v.kind {
	case valString:
		writeString(b, v.str)
	case valBool:
		if v.b {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case valNull:
		b.WriteString("null")
	case valNumber:
		b.WriteString(v.str)
	case valArray:
		b.WriteByte('[')
		for i, e := range v.arr {
			if i > 0 {
				b.WriteString(", ")
			}
			e.write(b)
		}
		b.WriteByte(']')
	}
}

// writeString writes s as a rule string literal.
func writeString(b *strings.Builder, s string) {
	if strings.ContainsRune(s, '`') {
		// A backtick before a quote would read as an escape; single quotes
		// have no backtick escapes.
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(s, "'", "''"))
		b.WriteByte('\'')
		return
	}
	b.WriteByte('"')
	for _, r := range s {
		if isDoubleQuote(r) {
			b.WriteByte('`')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
}
