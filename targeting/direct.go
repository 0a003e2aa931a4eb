package targeting

import (
	"regexp"
	"strings"

	"github.com/secmgmt/secmgmt/identity"
)

// The direct form of a rule is a small tree evaluated by a switch, with the
// rule's literals folded to lower case once, here, and device values folded
// while they are compared (without allocating for ASCII values). It has the
// same shape as the syntax tree, node for node, so Explain can walk both.

// dkind is the kind of a direct-form node.
type dkind uint8

const (
	dAnd      dkind = iota + 1
	dOr             // kids
	dNot            // kids[0]
	dString         // a string property compared with a value
	dItem           // the lambda item compared with a value
	dBool           // a Boolean property compared with a value
	dColl           // a string operator applied to a whole collection
	dAny            // -any (body) over a collection
	dAll            // -all (body)
	dMemberOf       // memberOf -any (group.objectId -in [...])
	dStringEq       // the common shape: a string property -eq a literal
	dAnyEq          // the common shape: -any (_ -eq literal)
)

// dnode is one node of the direct form.
type dnode struct {
	kind dkind
	prop propID
	test strTest // dString, dItem, dColl
	neg  bool    // the comparison is the negated form of test
	null bool    // dBool: compared with null
	b    bool    // dBool: the Boolean compared with
	kids []*dnode
	body *dnode // dAny, dAll
}

// strTest is the positive form of a string comparison.
type strTest struct {
	op   op       // opEq (also for null), opStartsWith, opEndsWith, opContains, opMatch, opIn
	null bool     // -eq null or -eq "": the empty string stands for null
	lit  string   // lower-cased literal; "" for null
	lits []string // opIn: lower-cased literals
	set  map[string]struct{}
	re   *regexp.Regexp
}

// setThreshold is the -in list length from which a map is used.
const setThreshold = 8

// literal returns the lower-cased form of a string literal of comparison n.
// For device.deviceType, "WindowsServer" is the platform name the security
// settings management documentation uses for what the directory calls
// "Windows Server"; whole-value comparisons read it as such.
func literal(n *node, s string) string {
	l := strings.ToLower(s)
	if n.operand == operandProperty && n.prop == propDeviceType && l == "windowsserver" {
		switch n.op {
		case opEq, opNe, opIn, opNotIn:
			return "windows server"
		}
	}
	return l
}

func compileDirect(n *node) *dnode {
	d := &dnode{}
	switch n.kind {
	case nodeAnd, nodeOr, nodeNot:
		d.kind = map[nodeKind]dkind{nodeAnd: dAnd, nodeOr: dOr, nodeNot: dNot}[n.kind]
		for _, k := range n.kids {
			d.kids = append(d.kids, compileDirect(k))
		}
	case nodeLambda:
		d.prop = n.prop
		if n.prop == propMemberOf {
			d.kind = dMemberOf
			d.test = compileTest(n.body)
			break
		}
		d.kind = dAny
		if n.all {
			d.kind = dAll
		}
		d.body = compileDirect(n.body)
		if b := d.body; d.kind == dAny && b.kind == dItem && b.test.op == opEq && !b.neg {
			d.kind, d.test = dAnyEq, b.test
		}
	case nodeCmp:
		d.prop = n.prop
		d.neg = n.op.negated()
		switch {
		case n.operand == operandItem:
			d.kind = dItem
		case properties[n.prop].kind == kindBool:
			d.kind = dBool
			d.null = n.val.kind == valNull
			d.b = n.val.b
			return d
		case properties[n.prop].kind == kindCollection:
			d.kind = dColl
		default:
			d.kind = dString
		}
		d.test = compileTest(n)
		if d.kind == dString && d.test.op == opEq && !d.neg {
			d.kind = dStringEq
		}
	}
	return d
}

func compileTest(n *node) strTest {
	t := strTest{op: n.op.positive()}
	switch n.val.kind {
	case valNull:
		t.op = opEq
		t.null = true
	case valString:
		t.lit = literal(n, n.val.str)
		t.null = t.op == opEq && t.lit == ""
		t.re = n.re // compiled by the parser
	case valArray:
		for _, e := range n.val.arr {
			t.lits = append(t.lits, literal(n, e.str))
		}
		if len(t.lits) >= setThreshold {
			t.set = make(map[string]struct{}, len(t.lits))
			for _, l := range t.lits {
				t.set[l] = struct{}{}
			}
		}
	}
	return t
}

// evalCtx is what the direct form reads: the device, the lower-cased
// values of its Env when there is one, and the current lambda item.
type evalCtx struct {
	dev   *identity.Device
	env   *Env
	cache *lowerCache
	item  string
}

// lowerCache keeps the lower-cased string values of one device, filled as
// -match rules ask for them, for a caller that evaluates many rules on the
// device without an Env.
type lowerCache struct {
	dev  *identity.Device
	have propMask
	vals [numProps]string
}

func (d *dnode) eval(c *evalCtx) bool {
	switch d.kind {
	case dStringEq:
		return equalLower(stringValue(c.dev, d.prop), d.test.lit)
	case dAnyEq:
		for _, s := range collectionValue(c.dev, d.prop) {
			if equalLower(s, d.test.lit) {
				return true
			}
		}
		return false
	case dAnd:
		for _, k := range d.kids {
			if !k.eval(c) {
				return false
			}
		}
		return true
	case dOr:
		for _, k := range d.kids {
			if k.eval(c) {
				return true
			}
		}
		return false
	case dNot:
		return !d.kids[0].eval(c)
	case dString:
		s := stringValue(c.dev, d.prop)
		var low *string
		if d.test.op == opMatch { // only -match reads the lower-cased value
			low = c.lowered(d.prop)
		}
		return d.test.match(s, low) != d.neg
	case dItem:
		return d.test.match(c.item, nil) != d.neg
	case dBool:
		v := boolValue(c.dev, d.prop)
		if d.null {
			return (v == nil) != d.neg
		}
		return (v != nil && *v == d.b) != d.neg
	case dColl:
		list := collectionValue(c.dev, d.prop)
		if d.test.null {
			// Compared with null: a missing collection is an empty one.
			return (len(list) == 0) != d.neg
		}
		for _, s := range list {
			if d.test.match(s, nil) {
				return !d.neg
			}
		}
		return d.neg
	case dAny:
		// Lambdas do not nest, so the item needs no saving.
		for _, s := range collectionValue(c.dev, d.prop) {
			c.item = s
			if d.body.eval(c) {
				return true
			}
		}
		return false
	case dAll:
		for _, s := range collectionValue(c.dev, d.prop) {
			c.item = s
			if !d.body.eval(c) {
				return false
			}
		}
		return true
	case dMemberOf:
		for _, g := range c.memberOf() {
			if d.test.match(g, nil) {
				return true
			}
		}
		return false
	}
	return false
}

// lowered returns a pointer to the lower-cased value of property id from
// the Env, or nil without one; only -match reads it.
func (c *evalCtx) lowered(id propID) *string {
	switch {
	case c.env != nil:
		return &c.env.lower().str[id]
	case c.cache != nil:
		if !c.cache.have.has(id) {
			c.cache.vals[id] = strings.ToLower(stringValue(c.dev, id))
			c.cache.have |= 1 << id
		}
		return &c.cache.vals[id]
	}
	return nil
}

func (c *evalCtx) memberOf() []string {
	return c.dev.MemberOf
}

// match applies the positive test to s ("" is null). low, when not nil,
// points at strings.ToLower(s).
func (t *strTest) match(s string, low *string) bool {
	switch t.op {
	case opEq:
		return equalLower(s, t.lit)
	case opIn:
		if t.set != nil {
			return inSet(s, t.set)
		}
		for _, l := range t.lits {
			if equalLower(s, l) {
				return true
			}
		}
		return false
	}
	if s == "" {
		return false // every positive operator but -eq null is false on null
	}
	switch t.op {
	case opStartsWith:
		return hasPrefixLower(s, t.lit)
	case opEndsWith:
		return hasSuffixLower(s, t.lit)
	case opContains:
		return containsLower(s, t.lit)
	case opMatch:
		if low != nil {
			return t.re.MatchString(*low)
		}
		return t.re.MatchString(strings.ToLower(s))
	}
	return false
}

// isASCII reports whether s has only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalLower reports whether strings.ToLower(s) == t, for a lower-cased t.
func equalLower(s, t string) bool {
	if len(s) == len(t) {
		i := 0
		for ; i < len(s); i++ {
			c := s[i]
			if c >= 0x80 {
				break
			}
			if lowerByte(c) != t[i] {
				return false
			}
		}
		if i == len(s) {
			return true
		}
	} else if isASCII(s) {
		return false
	}
	return strings.ToLower(s) == t
}

// hasPrefixLower reports whether strings.ToLower(s) starts with t.
func hasPrefixLower(s, t string) bool {
	if !isASCII(s) {
		return strings.HasPrefix(strings.ToLower(s), t)
	}
	if len(s) < len(t) {
		return false
	}
	return asciiEqualLower(s[:len(t)], t)
}

// hasSuffixLower reports whether strings.ToLower(s) ends with t.
func hasSuffixLower(s, t string) bool {
	if !isASCII(s) {
		return strings.HasSuffix(strings.ToLower(s), t)
	}
	if len(s) < len(t) {
		return false
	}
	return asciiEqualLower(s[len(s)-len(t):], t)
}

// containsLower reports whether strings.ToLower(s) contains t.
func containsLower(s, t string) bool {
	if !isASCII(s) {
		return strings.Contains(strings.ToLower(s), t)
	}
	for i := 0; i+len(t) <= len(s); i++ {
		if asciiEqualLower(s[i:i+len(t)], t) {
			return true
		}
	}
	return false
}

// asciiEqualLower compares an ASCII s of t's length with a lower-cased t.
func asciiEqualLower(s, t string) bool {
	for i := 0; i < len(t); i++ {
		if lowerByte(s[i]) != t[i] {
			return false
		}
	}
	return true
}

// inSet reports whether strings.ToLower(s) is in set, without allocating
// for short ASCII s.
func inSet(s string, set map[string]struct{}) bool {
	var buf [64]byte
	if len(s) <= len(buf) && isASCII(s) {
		b := buf[:len(s)]
		for i := 0; i < len(s); i++ {
			b[i] = lowerByte(s[i])
		}
		_, ok := set[string(b)]
		return ok
	}
	_, ok := set[strings.ToLower(s)]
	return ok
}
