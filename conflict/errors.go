package conflict

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidInput is wrapped by every *InputError: the device or the
// policies given to a merge cannot be merged as they are.
var ErrInvalidInput = errors.New("conflict: invalid input")

// ProblemKind classifies a Problem.
type ProblemKind string

// Problem kinds.
const (
	// ProblemDevice: the device is not valid (unknown platform or variant,
	// an OS version that does not parse, or no platform given and none
	// that the policies agree on).
	ProblemDevice ProblemKind = "device"
	// ProblemNilPolicy: a policy is nil.
	ProblemNilPolicy ProblemKind = "nilPolicy"
	// ProblemMissingID: a policy has no id.
	ProblemMissingID ProblemKind = "missingId"
	// ProblemDuplicatePolicy: two policies have the same id.
	ProblemDuplicatePolicy ProblemKind = "duplicatePolicy"
	// ProblemUnknownSetting: the catalog has no definition for a setting of
	// a deliverable policy.
	ProblemUnknownSetting ProblemKind = "unknownSetting"
	// ProblemWrongKind: an instance's kind does not fit its definition, or
	// it has no value of its kind.
	ProblemWrongKind ProblemKind = "wrongKind"
	// ProblemMisplacedChild: a child setting sits under a parent that does
	// not have it, or a child definition is used as a top-level setting.
	ProblemMisplacedChild ProblemKind = "misplacedChild"
	// ProblemDuplicateSetting: a policy configures the same setting twice.
	ProblemDuplicateSetting ProblemKind = "duplicateSetting"
	// ProblemUnknownOption: a choice names an option its definition does
	// not have.
	ProblemUnknownOption ProblemKind = "unknownOption"
	// ProblemForeignPrepared: a policy given to MergePrepared was prepared
	// by another Merger.
	ProblemForeignPrepared ProblemKind = "foreignPrepared"
)

// Valid reports whether k is a declared problem kind.
func (k ProblemKind) Valid() bool {
	switch k {
	case ProblemDevice, ProblemNilPolicy, ProblemMissingID, ProblemDuplicatePolicy,
		ProblemUnknownSetting, ProblemWrongKind, ProblemMisplacedChild,
		ProblemDuplicateSetting, ProblemUnknownOption, ProblemForeignPrepared:
		return true
	}
	return false
}

// String returns the kind's name.
func (k ProblemKind) String() string { return string(k) }

// Problem is one reason why a merge's input is refused.
type Problem struct {
	Kind ProblemKind
	// PolicyID is the policy at fault ("" for the device, or a policy
	// without an id; then Path names it by position).
	PolicyID string
	// Path is the JSON path inside the policy's Graph form, e.g.
	// "settings[2].settingInstance.choiceSettingValue.children[0]"; for
	// policy-level problems it is "policies[3]".
	Path string
	// SettingID is the setting definition the problem is about, if any.
	SettingID string
	// Detail explains the problem in a sentence.
	Detail string
}

// String returns "<policy> <path> (<setting>): <kind>: <detail>", leaving out
// the parts that are empty.
func (p Problem) String() string {
	var b strings.Builder
	if p.PolicyID != "" {
		fmt.Fprintf(&b, "policy %s ", p.PolicyID)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteByte(' ')
	}
	if p.SettingID != "" {
		fmt.Fprintf(&b, "(%s) ", p.SettingID)
	}
	fmt.Fprintf(&b, "%s: %s", p.Kind, p.Detail)
	return b.String()
}

// InputError lists every problem that keeps a merge from running. A merge
// that returns it returns no result.
type InputError struct {
	Problems []Problem
}

// Error lists the problems, one per line after the first.
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString("conflict: cannot merge")
	if len(e.Problems) == 1 {
		b.WriteString(": ")
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, ", %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns ErrInvalidInput.
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// Has reports whether one of the problems is of kind k.
func (e *InputError) Has(k ProblemKind) bool {
	for _, p := range e.Problems {
		if p.Kind == k {
			return true
		}
	}
	return false
}

// ResolverError reports a Resolver that named a candidate that does not
// exist. The merge returns no result.
type ResolverError struct {
	SettingID  string
	Winner     int
	Candidates int
}

// Error describes the bad answer.
func (e *ResolverError) Error() string {
	return fmt.Sprintf("conflict: resolver chose candidate %d of %d for %s", e.Winner, e.Candidates, e.SettingID)
}
