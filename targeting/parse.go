package targeting

import (
	"regexp"
	"strings"
)

// MaxRuleLength is the longest rule text the directory accepts, in
// characters (UTF-16 code units, as the directory counts them).
const MaxRuleLength = 3072

// DefaultNodeBudget is the default largest number of syntax-tree nodes
// (comparisons, lambdas and -and/-or/-not operators) a rule may have.
const DefaultNodeBudget = 512

// MaxDepth is the deepest nesting of parentheses and -not a rule may have.
const MaxDepth = 64

// MaxMemberOfGroups is the largest number of groups one memberOf rule may
// name, the directory's limit.
const MaxMemberOfGroups = 50

// parser is a recursive-descent parser that checks each comparison against
// the property table as it goes.
type parser struct {
	lx     lexer
	tok    token // the current token
	prev   token // the token before it
	strict bool
	depth  int
}

// lambdaCtx tells the parser whether it is inside a lambda body and over
// which collection.
type lambdaCtx struct {
	in   bool
	coll propID
}

func (p *parser) errorf(kind Kind, off int, format string, args ...any) *RuleError {
	return newRuleError(p.lx.src, kind, off, format, args...)
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.prev, p.tok = p.tok, t
	return nil
}

// keyword returns the lower-cased name of the current token when it is an
// operator or a bare word that can be read as one ("and", "-Or", "–not").
func (p *parser) keyword() string {
	switch p.tok.kind {
	case tokOperator, tokWord:
		return strings.ToLower(p.tok.value)
	}
	return ""
}

// checkSpace rejects an operator or word glued to the token before it, as
// in device.deviceOSType-eq "x" or "x"-and.
func (p *parser) checkSpace() error {
	if p.tok.spaced {
		return nil
	}
	switch p.prev.kind {
	case tokLParen, tokRParen, tokLBracket, tokComma:
		return nil
	}
	return p.errorf(KindSyntax, p.tok.off, "a space is missing before %q", p.tok.text)
}

// parse reads a whole rule.
func (p *parser) parse() (*node, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, p.errorf(KindSyntax, p.tok.off, "the rule is empty")
	}
	root, err := p.parseOr(lambdaCtx{})
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.unexpected("-and or -or between expressions")
	}
	return root, nil
}

// unexpected reports the current token where want was expected.
func (p *parser) unexpected(want string) error {
	switch {
	case p.tok.kind == tokEOF:
		return p.errorf(KindSyntax, p.tok.off, "expected %s, found the end of the rule", want)
	case p.tok.kind == tokRParen:
		return p.errorf(KindSyntax, p.tok.off, "expected %s, found an unbalanced ')'", want)
	}
	return p.errorf(KindSyntax, p.tok.off, "expected %s, found %q", want, p.tok.text)
}

func (p *parser) parseOr(ctx lambdaCtx) (*node, error) {
	left, err := p.parseAnd(ctx)
	if err != nil {
		return nil, err
	}
	for p.keyword() == "or" {
		if err := p.checkSpace(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseAnd(ctx)
		if err != nil {
			return nil, err
		}
		left = join(nodeOr, left, right)
	}
	return left, nil
}

func (p *parser) parseAnd(ctx lambdaCtx) (*node, error) {
	left, err := p.parseNot(ctx)
	if err != nil {
		return nil, err
	}
	for p.keyword() == "and" {
		if err := p.checkSpace(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseNot(ctx)
		if err != nil {
			return nil, err
		}
		left = join(nodeAnd, left, right)
	}
	return left, nil
}

// join combines two operands of an associative operator into one flat node.
func join(kind nodeKind, left, right *node) *node {
	n := &node{kind: kind, off: left.off}
	for _, k := range [2]*node{left, right} {
		if k.kind == kind {
			n.kids = append(n.kids, k.kids...)
		} else {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(KindLimit, p.tok.off, "the rule nests parentheses and -not deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) parseNot(ctx lambdaCtx) (*node, error) {
	if p.keyword() != "not" {
		return p.parsePrimary(ctx)
	}
	off := p.tok.off
	if err := p.enter(); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	operand, err := p.parseNot(ctx)
	if err != nil {
		return nil, err
	}
	p.depth--
	return &node{kind: nodeNot, off: off, kids: []*node{operand}}, nil
}

func (p *parser) parsePrimary(ctx lambdaCtx) (*node, error) {
	switch p.tok.kind {
	case tokLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		inner, err := p.parseOr(ctx)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.unexpected("')'")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.depth--
		return inner, nil
	case tokWord:
		return p.parseTerm(ctx)
	}
	if ctx.in {
		return nil, p.unexpected("a comparison such as _ -eq \"value\"")
	}
	return nil, p.unexpected("a comparison such as device.deviceOSType -eq \"Windows\"")
}

// parseOperand reads the left side of a comparison and returns the node
// with its operand and property set.
func (p *parser) parseOperand(ctx lambdaCtx) (*node, error) {
	t := p.tok
	if err := p.checkSpace(); err != nil {
		return nil, err
	}
	word := t.value
	prefix, name, dotted := strings.Cut(word, ".")
	lprefix := strings.ToLower(prefix)
	n := &node{kind: nodeCmp, off: t.off}
	switch {
	case ctx.in && properties[ctx.coll].kind == kindGroups:
		if lprefix == "group" && strings.EqualFold(name, "objectId") {
			n.operand = operandGroupID
			break
		}
		return nil, p.errorf(KindUnknownProperty, t.off, "%q can't be applied inside device.memberOf -any (…): use group.objectId", word)
	case ctx.in:
		if word == "_" {
			n.operand = operandItem
			break
		}
		if lprefix == "device" {
			return nil, p.errorf(KindSyntax, t.off, "inside -any or -all only the item _ can be compared, not %q", word)
		}
		return nil, p.errorf(KindUnknownProperty, t.off, "%q can't be applied to the items of device.%s: use _", word, properties[ctx.coll].name)
	case !dotted:
		if word == "_" {
			return nil, p.errorf(KindSyntax, t.off, "_ stands for an item only inside -any (…) or -all (…)")
		}
		if _, ok := propertyByName[strings.ToLower(word)]; ok {
			return nil, p.errorf(KindSyntax, t.off, "write device.%s: a property needs the device. prefix", word)
		}
		return nil, p.errorf(KindSyntax, t.off, "expected a comparison such as device.deviceOSType -eq \"Windows\", found %q", word)
	case lprefix == "device":
		id, ok := propertyByName[strings.ToLower(name)]
		if !ok {
			return nil, p.errorf(KindUnknownProperty, t.off, "device.%s is not a property of devices", name)
		}
		if p.strict && properties[id].extension {
			return nil, p.errorf(KindUnknownProperty, t.off, "device.%s is an extension of this package, which Strict rejects", properties[id].name)
		}
		n.prop = id
	case lprefix == "user":
		return nil, p.errorf(KindUnknownProperty, t.off, "%s: a device rule can use only device properties", word)
	case lprefix == "group":
		return nil, p.errorf(KindSyntax, t.off, "group.objectId is used only inside device.memberOf -any (…)")
	default:
		return nil, p.errorf(KindUnknownProperty, t.off, "%q is not a device property", word)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return n, nil
}

// parseTerm reads a comparison or a lambda.
func (p *parser) parseTerm(ctx lambdaCtx) (*node, error) {
	n, err := p.parseOperand(ctx)
	if err != nil {
		return nil, err
	}
	subject := p.subject(n, ctx)
	opTok := p.tok
	name := p.keyword()
	if name == "" {
		return nil, p.unexpected("an operator after " + subject)
	}
	if err := p.checkSpace(); err != nil {
		return nil, err
	}
	switch name {
	case "any", "all":
		return p.parseLambda(n, name == "all", ctx)
	case "not":
		return nil, p.errorf(KindSyntax, opTok.off, "-not is not a comparison operator: use -ne (for null, -ne null)")
	case "and", "or":
		return nil, p.unexpected("an operator after " + subject)
	}
	o, ok := opByName[name]
	if !ok {
		return nil, p.errorf(KindSyntax, opTok.off, "unknown operator %q", opTok.text)
	}
	n.op = o
	if err := p.checkOperator(n, ctx, subject, opTok.off); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	v, err := p.parseValue(o)
	if err != nil {
		return nil, err
	}
	n.val = v
	if err := p.checkValue(n, subject); err != nil {
		return nil, err
	}
	return n, nil
}

// subject names the left side of n for messages.
func (p *parser) subject(n *node, ctx lambdaCtx) string {
	switch n.operand {
	case operandItem:
		return "_ (an item of device." + properties[ctx.coll].name + ")"
	case operandGroupID:
		return "group.objectId"
	}
	return "device." + properties[n.prop].name
}

// kindOf returns the type the comparison's left side has.
func kindOf(n *node) propKind {
	if n.operand != operandProperty {
		return kindString
	}
	return properties[n.prop].kind
}

// checkOperator rejects an operator the left side's type does not support.
func (p *parser) checkOperator(n *node, ctx lambdaCtx, subject string, off int) error {
	o := n.op
	if o == opGe || o == opLe {
		return p.errorf(KindOperator, off, "%s applies only to user.employeeHireDate, not to %s", o, subject)
	}
	if n.operand == operandGroupID {
		if o != opIn {
			return p.errorf(KindOperator, off, "only -in can be used on group.objectId, not %s", o)
		}
		return nil
	}
	switch kindOf(n) {
	case kindBool:
		if o != opEq && o != opNe {
			return p.errorf(KindOperator, off, "%s can't be used on type Boolean (%s takes -eq or -ne)", o, subject)
		}
	case kindGroups:
		return p.errorf(KindOperator, off, "%s can't be used on %s: write device.memberOf -any (group.objectId -in ['…'])", o, subject)
	}
	return nil
}

// parseValue reads the value of a comparison.
func (p *parser) parseValue(o op) (value, error) {
	t := p.tok
	switch t.kind {
	case tokString:
		return value{kind: valString, str: t.value, off: t.off}, p.advance()
	case tokNumber:
		return value{kind: valNumber, str: t.value, off: t.off}, p.advance()
	case tokWord:
		switch strings.ToLower(t.value) {
		case "true", "false":
			return value{kind: valBool, b: strings.EqualFold(t.value, "true"), off: t.off}, p.advance()
		case "null", "$null":
			return value{kind: valNull, off: t.off}, p.advance()
		}
		return value{}, p.errorf(KindSyntax, t.off, "expected a value after %s, found %q: quote string values", o, t.text)
	case tokLBracket:
		return p.parseArray(o)
	}
	return value{}, p.unexpected("a value after " + o.String())
}

func (p *parser) parseArray(o op) (value, error) {
	v := value{kind: valArray, off: p.tok.off, arr: []value{}}
	if err := p.advance(); err != nil {
		return value{}, err
	}
	if p.tok.kind == tokRBracket {
		return v, p.advance()
	}
	for {
		if p.tok.kind == tokLBracket {
			return value{}, p.errorf(KindValue, p.tok.off, "an array can't hold arrays")
		}
		e, err := p.parseValue(o)
		if err != nil {
			return value{}, err
		}
		v.arr = append(v.arr, e)
		switch p.tok.kind {
		case tokComma:
			if err := p.advance(); err != nil {
				return value{}, err
			}
			continue
		case tokRBracket:
			return v, p.advance()
		}
		return value{}, p.unexpected("',' or ']' in the array")
	}
}

// checkValue rejects a value that does not fit the comparison.
func (p *parser) checkValue(n *node, subject string) error {
	v, o := n.val, n.op
	switch {
	case v.kind == valNull && o != opEq && o != opNe:
		return p.errorf(KindValue, v.off, "null can be compared only with -eq or -ne, not %s", o)
	case v.kind == valArray && o != opIn && o != opNotIn:
		return p.errorf(KindValue, v.off, "an array can be used only with -in or -notIn, not %s", o)
	case v.kind != valArray && (o == opIn || o == opNotIn):
		return p.errorf(KindValue, v.off, "%s takes an array such as [\"a\", \"b\"]", o)
	}
	if kindOf(n) == kindBool {
		if v.kind != valBool && v.kind != valNull {
			return p.errorf(KindValue, v.off, "%s is Boolean: compare it with true, false or null", subject)
		}
		return nil
	}
	if v.kind == valBool || v.kind == valNumber {
		return p.errorf(KindValue, v.off, "%s is a string: quote the value", subject)
	}
	if v.kind == valArray {
		for _, e := range v.arr {
			if e.kind != valString {
				return p.errorf(KindValue, e.off, "the elements of an array compared with %s must be strings", subject)
			}
		}
		if n.operand == operandGroupID && len(v.arr) > MaxMemberOfGroups {
			return p.errorf(KindLimit, v.off, "a memberOf rule can name at most %d groups, this one names %d", MaxMemberOfGroups, len(v.arr))
		}
	}
	if o == opMatch || o == opNotMatch {
		re, err := compileMatch(v.str)
		if err != nil {
			return p.errorf(KindSyntax, v.off, "Error in regular expression used with %s: %v", o, err)
		}
		n.re = re
	}
	return nil
}

// compileMatch compiles a -match pattern: case-insensitive, unanchored.
func compileMatch(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile("(?i)" + pattern)
}

// parseLambda reads the body of -any or -all after the operator.
func (p *parser) parseLambda(n *node, all bool, outer lambdaCtx) (*node, error) {
	opTok := p.tok
	quant := "-any"
	if all {
		quant = "-all"
	}
	if n.operand != operandProperty {
		return nil, p.errorf(KindOperator, opTok.off, "%s can't be used on an item inside a lambda", quant)
	}
	prop := &properties[n.prop]
	switch prop.kind {
	case kindCollection:
	case kindGroups:
		if all {
			return nil, p.errorf(KindOperator, opTok.off, "-all can't be used on device.memberOf: write device.memberOf -any (group.objectId -in ['…'])")
		}
	default:
		return nil, p.errorf(KindOperator, opTok.off, "%s can be used only on a collection, and device.%s is a %s", quant, prop.name, prop.kind)
	}
	if outer.in {
		return nil, p.errorf(KindOperator, opTok.off, "lambdas can't be nested")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	ctx := lambdaCtx{in: true, coll: n.prop}
	lam := &node{kind: nodeLambda, off: n.off, prop: n.prop, all: all}
	var body *node
	var err error
	switch {
	case p.tok.kind == tokLParen:
		body, err = p.parsePrimary(ctx)
	case p.tok.kind == tokWord && !p.strict:
		// The bare form, device.devicePhysicalIds -any _ -eq "x", is in the
		// documentation but rejected by the directory; it is read here as
		// one comparison.
		body, err = p.parseTerm(ctx)
	case p.tok.kind == tokWord:
		return nil, p.errorf(KindSyntax, p.tok.off, "Invalid operands found for operator %s: put the condition in parentheses, as in %s (_ -eq \"value\")", quant, quant)
	default:
		return nil, p.unexpected("a parenthesised condition after " + quant)
	}
	if err != nil {
		return nil, err
	}
	if prop.kind == kindGroups && body.kind != nodeCmp {
		return nil, p.errorf(KindOperator, body.off, "device.memberOf -any takes exactly one comparison, group.objectId -in ['…']")
	}
	lam.body = body
	return lam, nil
}

// checkRule applies the whole-rule checks: the node budget and memberOf
// standing alone.
func (p *parser) checkRule(root *node, budget int) error {
	if c := root.count(); c > budget {
		return p.errorf(KindLimit, 0, "the rule has %d expressions and operators, more than the budget of %d", c, budget)
	}
	var err error
	root.walk(func(n *node) {
		if err == nil && n.kind == nodeLambda && n.prop == propMemberOf && n != root {
			err = p.errorf(KindSyntax, n.off, "the memberOf attribute can't be used with other rules or operators: it must be the whole rule")
		}
	})
	return err
}

// ruleLength returns the length of text in UTF-16 code units and the byte
// offset of the first code unit past max (or -1).
func ruleLength(text string, max int) (n, over int) {
	over = -1
	for i, r := range text {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		if n > max && over < 0 {
			over = i
		}
	}
	return n, over
}
