package targeting

import (
	"github.com/expr-lang/expr/vm"

	"github.com/secmgmt/secmgmt/identity"
)

// nullDevice stands for a nil device: every property null. It is only read.
var nullDevice identity.Device

// Match reports whether the rule matches dev (nil is a device with every
// property null). It is safe for concurrent use. With the default engine
// it does not allocate, except that -match folds a value with upper-case
// letters to lower case; with EngineExpr it builds an Env for the call.
func (r *Rule) Match(dev *identity.Device) bool {
	if dev == nil {
		dev = &nullDevice
	}
	if r.engine == EngineExpr {
		return r.MatchEnv(NewEnv(dev))
	}
	c := evalCtx{dev: dev}
	return r.direct.eval(&c)
}

// MatchEnv reports whether the rule matches the device of env. Evaluate
// every rule against one Env per device. It is safe for concurrent use; the
// expr engine takes a machine from a pool (an Evaluator avoids the pool).
func (r *Rule) MatchEnv(env *Env) bool {
	if r.engine == EngineExpr {
		m := vmPool.Get().(*vm.VM)
		ok := runExpr(m, r, env)
		vmPool.Put(m)
		return ok
	}
	c := evalCtx{dev: env.dev, env: env}
	return r.direct.eval(&c)
}
