package targeting

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind classifies a rule error. The classes are those of the directory's
// rule validation; each message carries the directory's phrase for its class
// (see the constants), so a message can be matched against what the portal
// shows for the same mistake.
type Kind string

// Rule error kinds.
const (
	// KindSyntax: the text is not a well-formed rule — a missing -and/-or
	// between expressions, unbalanced parentheses or quotes, a misplaced
	// operator, or a regular expression the engine rejects. Messages start
	// with "Query compilation error".
	KindSyntax Kind = "syntax"
	// KindUnknownProperty: a property devices do not have, a user. property
	// in a device rule, or an extension property under Strict. Messages start
	// with "Attribute not supported".
	KindUnknownProperty Kind = "unknown property"
	// KindOperator: an operator the property's type does not support, such as
	// -contains on a Boolean or -any on a single-valued string. Messages
	// start with "Operator isn't supported on attribute".
	KindOperator Kind = "operator"
	// KindValue: a value that does not fit the property or operator, such as
	// a string for a Boolean property or an array with -match. Messages start
	// with "Value can't be applied to property".
	KindValue Kind = "value"
	// KindLimit: the rule exceeds a size limit: more than 3,072 characters
	// (the message says "exceeds 3072 characters"), more nodes than the node
	// budget, nesting deeper than the depth limit, or more memberOf groups
	// than one rule may name.
	KindLimit Kind = "limit"
)

// String returns the kind's name.
func (k Kind) String() string { return string(k) }

// Valid reports whether k is one of the declared kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindSyntax, KindUnknownProperty, KindOperator, KindValue, KindLimit:
		return true
	}
	return false
}

// phrase is the directory's wording for the class.
func (k Kind) phrase() string {
	switch k {
	case KindSyntax:
		return "Query compilation error"
	case KindUnknownProperty:
		return "Attribute not supported"
	case KindOperator:
		return "Operator isn't supported on attribute"
	case KindValue:
		return "Value can't be applied to property"
	}
	return "Rule exceeds a limit"
}

// RuleError reports why a rule was rejected and where. Offset is the byte
// offset of the offending token in the rule text; Line and Column are
// 1-based, Column counting characters (runes) from the start of the line.
// Snippet shows the offending line with a caret under the token.
//
// Use errors.As to get one from the error Parse returns.
type RuleError struct {
	Kind    Kind
	Offset  int
	Line    int
	Column  int
	Message string // the full message, starting with the class phrase
	Snippet string // the offending line and a caret line, or "" for limit errors on the whole text
}

// Error returns "rule: line L, column C: <message>".
func (e *RuleError) Error() string {
	return fmt.Sprintf("rule: line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// newRuleError builds a RuleError for the token at offset off of text.
func newRuleError(text string, kind Kind, off int, format string, args ...any) *RuleError {
	if off < 0 {
		off = 0
	}
	if off > len(text) {
		off = len(text)
	}
	line, col, lineStart := 1, 1, 0
	for i := 0; i < off; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '\n' {
			line++
			col = 1
			lineStart = i + size
		} else {
			col++
		}
		i += size
	}
	msg := kind.phrase()
	if format != "" {
		msg += ": " + fmt.Sprintf(format, args...)
	}
	return &RuleError{
		Kind:    kind,
		Offset:  off,
		Line:    line,
		Column:  col,
		Message: msg,
		Snippet: snippet(text, lineStart, col),
	}
}

// snippet returns the line that starts at lineStart (cut to a readable
// width around the column) and a caret line under column col.
func snippet(text string, lineStart, col int) string {
	end := strings.IndexByte(text[lineStart:], '\n')
	line := text[lineStart:]
	if end >= 0 {
		line = line[:end]
	}
	line = strings.TrimRight(line, "\r")
	runes := []rune(line)
	const width = 72
	from := 0
	if col-1 > width-10 {
		from = col - 1 - (width - 10)
	}
	to := min(len(runes), from+width)
	caret := col - 1 - from
	shown := string(runes[from:to])
	if from > 0 {
		shown = "…" + shown
		caret++
	}
	if to < len(runes) {
		shown += "…"
	}
	// Tabs keep their width in the caret line so the caret lines up.
	var pad strings.Builder
	for i, r := range []rune(shown) {
		if i >= caret {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	return shown + "\n" + pad.String() + "^"
}

// Sentinel errors of groups, assignments and the membership index. Callers
// branch on them with errors.Is; the returned errors wrap them with the ids
// involved.
var (
	// ErrStaticMembersOnDynamicGroup: members of a dynamic group are kept by
	// its rule and cannot be added or removed by hand.
	ErrStaticMembersOnDynamicGroup = errors.New("targeting: a dynamic group's members cannot be edited by hand")
	// ErrUnknownGroup: no group with that id is in the index.
	ErrUnknownGroup = errors.New("targeting: unknown group")
	// ErrGroupExists: a group with that id is already in the index.
	ErrGroupExists = errors.New("targeting: group already exists")
	// ErrUnknownDevice: no device with that key is in the index.
	ErrUnknownDevice = errors.New("targeting: unknown device")
	// ErrInvalidGroup: the group definition is incomplete or contradictory
	// (no id, an unknown processing state, a paused static group).
	ErrInvalidGroup = errors.New("targeting: invalid group")
	// ErrMemberOfChain: a memberOf rule names a group that itself has a
	// memberOf rule, or a group named by a memberOf rule is given one;
	// memberOf groups cannot be chained.
	ErrMemberOfChain = errors.New("targeting: memberOf groups cannot be chained")
	// ErrInvalidAssignment: an assignment names an empty group id or an
	// unknown filter type.
	ErrInvalidAssignment = errors.New("targeting: invalid assignment")
)
