// Package targeting decides which devices a policy reaches: the dynamic
// membership rule language of Entra ID device groups, static and dynamic
// groups, assignments, and the incremental membership index.
//
// # Rules
//
// Parse reads a device rule such as
//
//	(device.deviceOSType -eq "Windows") -and (device.managementType -eq "MicrosoftSense")
//
// with its own lexer and parser (positions kept), checks it against the
// property table, and compiles it. A *Rule then answers Match for an
// *identity.Device, Explain gives the result of every expression in the
// shape of Graph's expressionEvaluationDetails, and String gives the
// canonical text, which parses back to an Equal rule. Errors are
// *RuleError values with a Kind (syntax, unknown property, operator, value,
// limit), the position of the offending token, a snippet, and the
// directory's phrase for the class ("Query compilation error", "Attribute
// not supported", "Operator isn't supported on attribute", "Value can't be
// applied to property", "exceeds 3072 characters").
//
// The language: device.<property> <operator> <value> terms combined with
// -and, -or, -not and parentheses (precedence: comparisons, then -not, then
// -and, then -or; -and and -or are left-associative); -any and -all over
// string collections with the item _, and device.memberOf -any
// (group.objectId -in [...]) standing alone. Operators are case-insensitive
// and their hyphen is optional; an en dash may stand for the hyphen and
// typographic double quotes for straight ones, as in copied examples.
// Strings are double-quoted (a backtick before a quote makes it part of the
// value) or single-quoted (two single quotes stand for one). Property names
// are case-insensitive. Two extensions, rejected by Strict, are accepted:
// device.deviceType (an alias of deviceOSType) and device.tags (the
// endpoint-protection device tags), and so is the bare lambda body
// device.devicePhysicalIds -any _ -eq "x".
//
// Semantics: string comparisons and regular expressions are
// case-insensitive; -match is an unanchored search run by Go's regexp
// package (linear time), and a pattern it rejects is a syntax error. A
// missing attribute is null: -eq null holds, every positive string operator
// is false, each negated operator is the negation of its positive form. A
// missing collection is empty: -any is false and -all true over it. A
// positive operator applied directly to a collection holds if it holds for
// some element; its negated form holds if it holds for none.
//
// # Evaluation
//
// Every rule is compiled twice: to an expr-lang/expr program over a
// per-device environment (Env: values folded to lower case, collections as
// []any, compiled with expr.Env of the same shape, expr.AsBool and a node
// budget), and to a direct form, a small tree evaluated in Go that compares
// lower-cased literals with device values folded as they are read, without
// allocating. Match and MatchEnv use the direct form by default;
// WithEngine(EngineExpr) selects the expr program. Both give the same
// answer on the whole conformance corpus (each case is evaluated both
// ways), and BenchmarkEngines shows the direct form faster on every shape.
// For bulk evaluation build one Env per device (NewEnv) and share it among
// rules; an Evaluator holds one expr machine for one goroutine.
//
// # Groups, assignments and the index
//
// A Group is static (members added by hand) or dynamic (a MembershipRule,
// with Graph's membershipRuleProcessingState On or Paused; a paused group
// keeps its members). An Assignment holds a policy's targets: included
// groups, excluded groups, all devices. Exclusion wins. User targets and
// assignment filters are recorded but never applied, because devices
// managed through security settings management ignore them.
//
// An Index keeps every device's groups and every group's members, updates
// them incrementally, and returns a Delta (memberships added and removed,
// sorted) from every mutation. On a device update only the rules reading a
// property whose value changed are evaluated. A pre-filter skips the rules a
// device cannot meet: the index files each rule under one equality its
// top-level conjunction requires (-eq or -in on a string property,
// preferring a property other than deviceOSType and managementType, whose
// few values select less) and evaluates for a device only the rules filed
// under the device's values and the rules without such an equality; the
// deviceOSType and managementType requirements (see Requirements) are
// checked before a rule is evaluated. Deleting a device
// removes all its memberships; adding it again re-evaluates the dynamic
// groups but does not restore static memberships.
//
// # Concurrency and errors
//
// A *Rule, a Group and an Env are safe for concurrent use. An Evaluator
// and an Index are not: give each goroutine its own Evaluator, and guard a
// shared Index with a lock (queries may run together; mutations may not
// run with anything else). The package is pure: no I/O, no goroutines, no
// clock; its output order is deterministic.
//
// Parse returns *RuleError. Groups, assignments and the index return errors
// wrapping the sentinels ErrStaticMembersOnDynamicGroup, ErrUnknownGroup,
// ErrGroupExists, ErrUnknownDevice, ErrInvalidGroup, ErrMemberOfChain and
// ErrInvalidAssignment; use errors.Is. A failed mutation changes nothing.
//
// # Choices where the specification is silent
//
//   - The empty string is null: -eq "" holds for a missing value, and a
//     collection compared with -eq null or -eq "" holds when it is empty.
//     The directory stores no empty strings, and older documentation wrote
//     -eq "" where newer writes -eq null.
//   - Case-insensitive means equal after strings.ToLower (Unicode simple
//     lower-case mapping); a regular expression runs with (?i) on the
//     lower-cased value.
//   - A backtick inside a double-quoted string escapes only a following
//     quote (" “ ”); any other backtick is itself. Any of the three double
//     quotes closes a double-quoted string. String writes a value holding a
//     backtick single-quoted, so that it reads back the same.
//   - Whitespace is required before an operator or a connective that
//     follows a word or a value (device.x-eq"y" is a syntax error, as
//     documented), but not between an operator and a quoted value
//     (-endsWith"@contoso.com" appears in the documentation).
//   - -not may precede a comparison without parentheses; it binds looser
//     than the comparison. String writes -not (…) always.
//   - The bare lambda body is one comparison: device.tags -any _ -eq "a"
//     -and … reads the -and as joining the lambda to what follows.
//   - Numbers are not values of any device property (all are strings or
//     Booleans): an unquoted number is a value error, as is a quoted
//     "true" for a Boolean. null may not appear inside an array.
//   - device.deviceType reads deviceOSType; its -eq, -ne, -in and -notIn
//     read "WindowsServer" (the platform name of the security settings
//     management documentation) as "Windows Server".
//   - memberOf rules name at most 50 groups (the directory's limit), may not
//     name a group that itself has a memberOf rule (no chaining; the Index
//     refuses it with ErrMemberOfChain) and compare group ids
//     case-insensitively. The Index evaluates them from its own memberships,
//     not from Device.MemberOf, which Rule.Match reads.
//   - Limits: rule length is counted in UTF-16 code units, as the directory
//     counts characters; the default node budget is 512 nodes
//     (DefaultNodeBudget, NodeBudget) and nesting of parentheses and -not
//     is at most 64 (MaxDepth). Error columns count characters.
//   - Explain evaluates every operand (no short-circuit) so each has a
//     result; it does not descend into lambda bodies. PropertyValue shows a
//     Boolean as "true"/"false", a collection as a JSON array and null as "".
//   - Index: group ids are compared case-insensitively; device keys exactly.
//     A static group may not be Paused. UpdateGroup converts static groups
//     to dynamic (members who meet the rule stay, others leave, matches
//     join) and dynamic to static (current members stay). A memberOf group
//     is re-evaluated for a device when its membership of a named group
//     changes, including when that group is removed.
package targeting
