package targeting

import (
	"slices"
	"strings"

	"github.com/expr-lang/expr/vm"
)

// Engine names an evaluator of compiled rules.
type Engine string

// Engines.
const (
	// EngineDirect evaluates the rule's direct Go form: the default, because
	// BenchmarkEngines shows it faster than the expr program on every shape
	// of rule, with no allocation.
	EngineDirect Engine = "direct"
	// EngineExpr evaluates the rule's expr-lang/expr program against the
	// device's Env: the general evaluator the direct form is checked
	// against.
	EngineExpr Engine = "expr"
)

// String returns the engine's name.
func (e Engine) String() string { return string(e) }

// Valid reports whether e is one of the declared engines.
func (e Engine) Valid() bool { return e == EngineDirect || e == EngineExpr }

// Option configures Parse.
type Option func(*config)

type config struct {
	strict bool
	budget int
	engine Engine
}

// Strict makes Parse accept only what the directory accepts: it rejects the
// two extensions of this package (device.deviceType, device.tags) and the
// bare lambda body (device.devicePhysicalIds -any _ -eq "x").
func Strict() Option { return func(c *config) { c.strict = true } }

// NodeBudget sets the largest number of syntax-tree nodes (comparisons,
// lambdas and -and/-or/-not operators) a rule may have; DefaultNodeBudget
// when n ≤ 0.
func NodeBudget(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.budget = n
		}
	}
}

// WithEngine selects the evaluator Match and MatchEnv use. Both engines are
// always compiled; an invalid engine leaves the default, EngineDirect.
func WithEngine(e Engine) Option {
	return func(c *config) {
		if e.Valid() {
			c.engine = e
		}
	}
}

// Rule is a parsed, checked and compiled dynamic membership rule. It is
// immutable and safe for concurrent use.
type Rule struct {
	text      string
	canonical string
	root      *node
	strict    bool
	engine    Engine
	direct    *dnode
	program   *vm.Program
	reads     propMask
	req       Requirements
	key       ruleKey
	memberOf  []string // the group ids of a memberOf rule, as written
}

// Parse parses, checks and compiles a device rule. The error is a
// *RuleError naming the class of the mistake and where it is.
//
// Text longer than MaxRuleLength characters is rejected before it is read.
func Parse(text string, opts ...Option) (*Rule, error) {
	cfg := config{budget: DefaultNodeBudget, engine: EngineDirect}
	for _, o := range opts {
		o(&cfg)
	}
	if n, over := ruleLength(text, MaxRuleLength); n > MaxRuleLength {
		e := newRuleError(text, KindLimit, over, "the rule has %d characters and exceeds %d characters", n, MaxRuleLength)
		return nil, e
	}
	p := &parser{lx: lexer{src: text}, strict: cfg.strict}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	if err := p.checkRule(root, cfg.budget); err != nil {
		return nil, err
	}
	r := &Rule{
		text:      text,
		canonical: root.String(),
		root:      root,
		strict:    cfg.strict,
		engine:    cfg.engine,
		direct:    compileDirect(root),
	}
	root.walk(func(n *node) {
		if n.kind == nodeCmp && n.operand == operandProperty || n.kind == nodeLambda {
			r.reads |= 1 << n.prop
			r.reads |= 1 << properties[n.prop].reads
		}
	})
	if root.kind == nodeLambda && root.prop == propMemberOf {
		for _, v := range root.body.val.arr {
			r.memberOf = append(r.memberOf, v.str)
		}
	}
	r.req = requirementsOf(root)
	r.key = keyOf(root)
	prog, err := compileExpr(root)
	if err != nil {
		// The checked tree always compiles; an error here is a bug in the
		// translation, reported rather than hidden.
		return nil, newRuleError(text, KindSyntax, 0, "internal error compiling the rule: %v", err)
	}
	r.program = prog
	return r, nil
}

// MustParse is Parse for rules known to be valid, such as constants in
// code; it panics on an error.
func MustParse(text string, opts ...Option) *Rule {
	r, err := Parse(text, opts...)
	if err != nil {
		panic(err)
	}
	return r
}

// String returns the canonical text of the rule. Parse(r.String()) gives a
// rule Equal to r.
func (r *Rule) String() string { return r.canonical }

// Text returns the rule text as it was given to Parse.
func (r *Rule) Text() string { return r.text }

// Engine returns the evaluator Match and MatchEnv use.
func (r *Rule) Engine() Engine { return r.engine }

// Equal reports whether r and s are the same rule: the same syntax tree,
// whatever their spelling, spacing or redundant parentheses.
func (r *Rule) Equal(s *Rule) bool {
	if r == nil || s == nil {
		return r == s
	}
	return r.root.equal(s.root)
}

// Properties returns the canonical names of the device properties the rule
// reads, sorted. An alias is listed with the property it reads
// (device.deviceType also lists deviceOSType).
func (r *Rule) Properties() []string {
	var out []string
	for id := propAccountEnabled; id < numProps; id++ {
		if r.reads.has(id) {
			out = append(out, properties[id].name)
		}
	}
	slices.Sort(out)
	return out
}

// Reads reports whether the rule reads the named property (case-insensitive).
func (r *Rule) Reads(property string) bool {
	id, ok := propertyByName[strings.ToLower(property)]
	return ok && r.reads.has(id)
}

// MemberOfGroups returns the group ids a memberOf rule names, as written,
// or nil when r is not a memberOf rule.
func (r *Rule) MemberOfGroups() []string { return slices.Clone(r.memberOf) }

// Requirements returns what a device must have for the rule to match, as
// far as the rule's top-level conjunction says; see Requirements.
func (r *Rule) Requirements() Requirements {
	return Requirements{
		OSTypes:         slices.Clone(r.req.OSTypes),
		ManagementTypes: slices.Clone(r.req.ManagementTypes),
	}
}
