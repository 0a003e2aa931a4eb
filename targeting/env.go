package targeting

import (
	"strings"
	"sync"

	"github.com/expr-lang/expr/vm"

	"github.com/secmgmt/secmgmt/identity"
)

// Env is the evaluation environment of one device, built once and shared by
// every rule evaluated against that device: the device itself, its values
// folded to lower case, and the variables of the expr programs (built on
// first use by the expr engine).
//
// An Env is safe for concurrent use. It reads the device when it is first
// needed: do not modify the device while an Env built from it is in use.
type Env struct {
	dev  *identity.Device
	once sync.Once
	low  *loweredValues
	vars map[string]any
}

// loweredValues holds a device's values folded to lower case.
type loweredValues struct {
	str  [numProps]string
	coll [numProps][]any
}

// NewEnv returns the environment of dev. A nil dev is a device with every
// property null.
func NewEnv(dev *identity.Device) *Env {
	if dev == nil {
		dev = &identity.Device{}
	}
	return &Env{dev: dev}
}

// Device returns the device the environment was built from.
func (e *Env) Device() *identity.Device { return e.dev }

func (e *Env) build() {
	e.once.Do(func() {
		low := &loweredValues{}
		vars := make(map[string]any, numProps)
		for id := propAccountEnabled; id < numProps; id++ {
			p := &properties[id]
			switch p.kind {
			case kindString:
				low.str[id] = strings.ToLower(stringValue(e.dev, id))
				if p.reads == id {
					vars[p.name] = low.str[id]
				}
			case kindBool:
				s := ""
				if v := boolValue(e.dev, id); v != nil {
					s = "false"
					if *v {
						s = "true"
					}
				}
				vars[p.name] = s
			case kindCollection, kindGroups:
				list := collectionValue(e.dev, id)
				items := make([]any, len(list))
				for i, s := range list {
					items[i] = strings.ToLower(s)
				}
				low.coll[id] = items
				vars[p.name] = items
			}
		}
		e.low, e.vars = low, vars
	})
}

func (e *Env) lower() *loweredValues {
	e.build()
	return e.low
}

// exprVars returns the variables of the expr programs. The map is shared:
// the programs only read it.
func (e *Env) exprVars() map[string]any {
	e.build()
	return e.vars
}

// exprSchema is the environment the expr programs are compiled against: the
// same keys and value types as Env.exprVars, so that the compiler emits
// direct map loads.
var exprSchema = func() map[string]any {
	m := make(map[string]any, numProps)
	for id := propAccountEnabled; id < numProps; id++ {
		p := &properties[id]
		if p.reads != id {
			continue
		}
		switch p.kind {
		case kindString, kindBool:
			m[p.name] = ""
		default:
			m[p.name] = []any{}
		}
	}
	return m
}()

// Evaluator evaluates rules with its own expr virtual machine, so that bulk
// evaluation on one goroutine reuses it. An Evaluator is not safe for
// concurrent use: give each goroutine its own. The zero Evaluator is ready
// to use.
type Evaluator struct {
	vm vm.VM
}

// NewEvaluator returns an Evaluator.
func NewEvaluator() *Evaluator { return &Evaluator{} }

// Match reports whether r matches the device of env, with r's engine; the
// expr engine runs on the Evaluator's machine.
func (ev *Evaluator) Match(r *Rule, env *Env) bool {
	if r.engine == EngineExpr {
		return runExpr(&ev.vm, r, env)
	}
	c := evalCtx{dev: env.dev, env: env}
	return r.direct.eval(&c)
}

// vmPool holds expr machines for MatchEnv and Match, which may be called
// from many goroutines.
var vmPool = sync.Pool{New: func() any { return new(vm.VM) }}

func runExpr(m *vm.VM, r *Rule, env *Env) bool {
	out, err := m.Run(r.program, env.exprVars())
	if err != nil {
		// A checked rule does not fail at run time; a failure (such as the
		// memory budget) is no match.
		return false
	}
	b, _ := out.(bool)
	return b
}
