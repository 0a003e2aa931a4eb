package targeting

import (
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// exprMaxNodes bounds the expr program of one rule. A rule within
// MaxRuleLength and the node budget translates to far fewer nodes.
const exprMaxNodes = 20000

// compileExpr translates a checked syntax tree to expr source and compiles
// it against exprSchema. String literals are folded to lower case here, as
// the Env folds the device's values, so comparisons are plain ==.
func compileExpr(root *node) (*vm.Program, error) {
	var b strings.Builder
	writeExpr(&b, root)
	return expr.Compile(b.String(), expr.Env(exprSchema), expr.AsBool(), expr.MaxNodes(exprMaxNodes))
}

// exprSource returns the expr source of a rule, for tests and debugging.
func exprSource(root *node) string {
	var b strings.Builder
	writeExpr(&b, root)
	return b.String()
}

func writeExpr(b *strings.Builder, n *node) {
	switch n.kind {
	case nodeAnd, nodeOr:
		sep := " && "
		if n.kind == nodeOr {
			sep = " || "
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteByte('(')
			writeExpr(b, k)
			b.WriteByte(')')
		}
	case nodeNot:
		b.WriteString("!(")
		writeExpr(b, n.kids[0])
		b.WriteByte(')')
	case nodeLambda:
		coll := properties[properties[n.prop].reads].name
		if n.prop == propMemberOf {
			b.WriteString("any(" + coll + ", ")
			writeTest(b, "#", n.body)
			b.WriteByte(')')
			return
		}
		if body := n.body; !n.all && body.kind == nodeCmp && body.op == opEq {
			// -any (_ -eq "x") is membership, which expr scans without a
			// closure.
			b.WriteString(strconv.Quote(compileTest(body).lit) + " in " + coll)
			return
		}
		if n.all {
			b.WriteString("all(")
		} else {
			b.WriteString("any(")
		}
		b.WriteString(coll + ", ")
		writeExpr(b, n.body)
		b.WriteByte(')')
	case nodeCmp:
		if n.op.negated() {
			b.WriteString("!(")
			defer b.WriteByte(')')
		}
		switch {
		case n.operand != operandProperty:
			writeTest(b, "#", n)
		case properties[n.prop].kind == kindBool:
			name := properties[n.prop].name
			switch {
			case n.val.kind == valNull:
				b.WriteString(name + ` == ""`)
			case n.val.b:
				b.WriteString(name + ` == "true"`)
			default:
				b.WriteString(name + ` == "false"`)
			}
		case properties[n.prop].kind == kindCollection:
			coll := properties[n.prop].name
			t := compileTest(n)
			switch {
			case t.null:
				b.WriteString("len(" + coll + ") == 0")
			case t.op == opEq:
				b.WriteString(strconv.Quote(t.lit) + " in " + coll)
			default:
				b.WriteString("any(" + coll + ", ")
				writeTest(b, "#", n)
				b.WriteByte(')')
			}
		default:
			writeTest(b, properties[properties[n.prop].reads].name, n)
		}
	}
}

// writeTest writes the positive form of comparison n applied to the string
// expression subject ("" is null).
func writeTest(b *strings.Builder, subject string, n *node) {
	t := compileTest(n)
	q := strconv.Quote(t.lit)
	switch t.op {
	case opEq:
		b.WriteString(subject + " == " + q)
	case opIn:
		b.WriteString(subject + " in [")
		for i, l := range t.lits {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(l))
		}
		b.WriteByte(']')
	case opStartsWith:
		b.WriteString("(" + subject + ` != "" && ` + subject + " startsWith " + q + ")")
	case opEndsWith:
		b.WriteString("(" + subject + ` != "" && ` + subject + " endsWith " + q + ")")
	case opContains:
		b.WriteString("(" + subject + ` != "" && ` + subject + " contains " + q + ")")
	case opMatch:
		b.WriteString("(" + subject + ` != "" && ` + subject + " matches " + strconv.Quote("(?i)"+n.val.str) + ")")
	}
}
