package targeting

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tokEOF      tokKind = iota
	tokLParen           // (
	tokRParen           // )
	tokLBracket         // [
	tokRBracket         // ]
	tokComma            // ,
	tokString           // "…", '…', “…”
	tokWord             // device.deviceOSType, _, true, null, $null, eq, and, …
	tokOperator         // -eq, –and, … (hyphen or en dash, then letters)
	tokNumber           // 10, 10.0
)

// String names the token kind for messages.
func (k tokKind) String() string {
	switch k {
	case tokEOF:
		return "end of rule"
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokLBracket:
		return "'['"
	case tokRBracket:
		return "']'"
	case tokComma:
		return "','"
	case tokString:
		return "string"
	case tokWord:
		return "word"
	case tokOperator:
		return "operator"
	case tokNumber:
		return "number"
	}
	return "token"
}

// token is one lexical token of a rule.
type token struct {
	kind   tokKind
	off    int    // byte offset of the first character
	end    int    // byte offset after the last character
	text   string // the source text of the token
	value  string // strings: the unescaped value; operators: the name without the dash
	spaced bool   // whitespace (or the start of the rule) precedes the token
}

// lexer splits a rule into tokens. Errors are *RuleError of KindSyntax.
type lexer struct {
	src string
	pos int
}

// isDoubleQuote reports whether r opens or closes a double-quoted string:
// the ASCII quote and the typographic quotes that copied examples contain.
func isDoubleQuote(r rune) bool { return r == '"' || r == '\u201c' || r == '\u201d' }

// isDash reports whether r starts an operator: a hyphen, or the en dash
// that copied examples contain.
func isDash(r rune) bool { return r == '-' || r == '\u2013' }

func isWordRune(r rune) bool {
	return r == '_' || r == '.' || r == '$' || r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}

func (l *lexer) errorf(off int, format string, args ...any) *RuleError {
	return newRuleError(l.src, KindSyntax, off, format, args...)
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	start := l.pos
	for l.pos < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		if !unicode.IsSpace(r) {
			break
		}
		l.pos += size
	}
	t := token{off: l.pos, spaced: l.pos > start || l.pos == 0}
	if l.pos >= len(l.src) {
		t.kind, t.end = tokEOF, l.pos
		return t, nil
	}
	r, size := utf8.DecodeRuneInString(l.src[l.pos:])
	if r == utf8.RuneError && size == 1 {
		return t, l.errorf(l.pos, "the rule is not valid UTF-8")
	}
	switch {
	case r == '(':
		t.kind = tokLParen
		l.pos += size
	case r == ')':
		t.kind = tokRParen
		l.pos += size
	case r == '[':
		t.kind = tokLBracket
		l.pos += size
	case r == ']':
		t.kind = tokRBracket
		l.pos += size
	case r == ',':
		t.kind = tokComma
		l.pos += size
	case isDoubleQuote(r):
		v, err := l.doubleQuoted(size)
		if err != nil {
			return t, err
		}
		t.kind, t.value = tokString, v
	case r == '\'':
		v, err := l.singleQuoted()
		if err != nil {
			return t, err
		}
		t.kind, t.value = tokString, v
	case isDash(r):
		l.pos += size
		nameStart := l.pos
		for l.pos < len(l.src) {
			c := l.src[l.pos]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				l.pos++
				continue
			}
			break
		}
		if l.pos == nameStart {
			if l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
				return t, l.errorf(t.off, "negative numbers are not values of any device property")
			}
			return t, l.errorf(t.off, "expected an operator name after %q", string(r))
		}
		t.kind, t.value = tokOperator, l.src[nameStart:l.pos]
	case r >= '0' && r <= '9':
		for l.pos < len(l.src) && (l.src[l.pos] >= '0' && l.src[l.pos] <= '9' || l.src[l.pos] == '.') {
			l.pos++
		}
		t.kind = tokNumber
		t.value = l.src[t.off:l.pos]
	case isWordRune(r):
		for l.pos < len(l.src) {
			r, size := utf8.DecodeRuneInString(l.src[l.pos:])
			if !isWordRune(r) {
				break
			}
			l.pos += size
		}
		t.kind = tokWord
		t.value = l.src[t.off:l.pos]
	default:
		return t, l.errorf(l.pos, "unexpected character %q", r)
	}
	t.end = l.pos
	t.text = l.src[t.off:t.end]
	return t, nil
}

// doubleQuoted reads a double-quoted string whose opening quote is
// quoteSize bytes long. Any of " “ ” closes it; a backtick before one of them
// makes it part of the value. Any other backtick is itself.
func (l *lexer) doubleQuoted(quoteSize int) (string, error) {
	open := l.pos
	l.pos += quoteSize
	var b strings.Builder
	for l.pos < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		if r == utf8.RuneError && size == 1 {
			return "", l.errorf(l.pos, "the rule is not valid UTF-8")
		}
		if r == '`' && l.pos+size < len(l.src) {
			if q, qs := utf8.DecodeRuneInString(l.src[l.pos+size:]); isDoubleQuote(q) {
				b.WriteRune(q)
				l.pos += size + qs
				continue
			}
		}
		l.pos += size
		if isDoubleQuote(r) {
			return b.String(), nil
		}
		b.WriteRune(r)
	}
	return "", l.errorf(open, "unterminated string: a double quote is missing")
}

// singleQuoted reads a single-quoted string; two single quotes stand for one.
func (l *lexer) singleQuoted() (string, error) {
	open := l.pos
	l.pos++
	var b strings.Builder
	for l.pos < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		if r == utf8.RuneError && size == 1 {
			return "", l.errorf(l.pos, "the rule is not valid UTF-8")
		}
		l.pos += size
		if r == '\'' {
			if l.pos < len(l.src) && l.src[l.pos] == '\'' {
				b.WriteByte('\'')
				l.pos++
				continue
			}
			return b.String(), nil
		}
		b.WriteRune(r)
	}
	return "", l.errorf(open, "unterminated string: a single quote is missing")
}
