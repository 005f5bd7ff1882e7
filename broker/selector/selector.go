// Package selector implements JMS message selectors (the SQL-92 subset of
// the JMS specification) with the semantics of ActiveMQ Classic 5.17's
// org.apache.activemq.filter package, quirks included, so that a selector
// matches exactly the messages it matches there.
//
// A selector is parsed once into a tree of small typed nodes and then
// evaluated against any number of messages; evaluation does not allocate
// for the usual operators. A *Selector is immutable and safe for concurrent
// use.
//
// # Language
//
//   - Logic: AND, OR, NOT with SQL three-valued logic. A selector matches
//     only when it evaluates to TRUE, so a comparison involving a missing
//     property (UNKNOWN) never matches, and neither does its negation.
//   - Comparison: = <> > >= < <=, [NOT] BETWEEN a AND b, [NOT] IN ('a', ...)
//     (string literals only), [NOT] LIKE 'pattern' [ESCAPE 'c'], IS [NOT] NULL.
//   - Arithmetic: + - * / % and unary + -.
//   - Literals: 'strings' (a doubled quote stands for one quote), integers
//     in decimal with an optional L suffix, hex (0x1F) and octal (017),
//     floats (1.5, 1., .5, 1e3, 1.5E-2; no f/d suffix), TRUE, FALSE, NULL.
//   - Identifiers: Java identifiers, case-sensitive; keywords are
//     case-insensitive. A bare identifier may be used as a condition
//     (flag AND x > 1); it is TRUE only for a Bool property that is true.
//   - Comments: -- to end of line, /* ... */.
//
// # ActiveMQ behaviour worth knowing
//
//   - Precedence, from ActiveMQ's grammar, tightest first: unary + - and
//     NOT; multiplication, division, modulo; addition and subtraction;
//     < <= > >= LIKE BETWEEN IN; = <> IS; AND; OR. NOT being unary, NOT a =
//     'x' is (NOT a) = 'x', which never matches a string a; write
//     NOT (a = 'x').
//   - Comparing incompatible types (string with number, boolean with number)
//     is FALSE, not UNKNOWN, so NOT (s = 1) on a string s matches.
//   - '=' treats NULL asymmetrically: 'x' = missing is FALSE but
//     missing = 'x' is UNKNOWN, and missing = missing2 is TRUE.
//   - On STOMP subscriptions strings are converted to numbers and booleans
//     in comparisons; see ConvertStringsPrefix.
//   - '/' and '%' compute in floating point: 7 / 2 = 3.5, x / 0 is Infinity.
//   - A runtime error in ActiveMQ (arithmetic on a string or a boolean, such
//     as 'a' * 2) makes the whole selector fail to match, even inside an OR
//     whose other branch is TRUE, unless evaluation stopped before reaching
//     it (terms are evaluated left to right).
//   - The parse-time checks are ActiveMQ's: IN needs an identifier on its
//     left; string and boolean literals and boolean expressions cannot be
//     operands of < <= > >= BETWEEN; NULL cannot be an operand of = <>;
//     TRUE = 1 is rejected; the selector must be a boolean expression.
//
// Not supported: XPATH/XQUERY selectors and ActiveMQ's non-standard function
// calls (REGEX, INLIST, ...); both are syntax errors.
package selector

import (
	"strings"
	"unicode/utf8"
)

// ConvertStringsPrefix, at the start of a selector, switches on ActiveMQ's
// "convert string expressions" mode. ActiveMQ's STOMP transport prepends it
// to every SUBSCRIBE selector because STOMP headers always arrive as string
// properties; the broker's STOMP layer should do the same:
// Parse(ConvertStringsPrefix + header). Parse recognizes it exactly as
// ActiveMQ's SelectorParser does (case-sensitive, at the very start), so a
// selector stored with it round-trips.
//
// In this mode, and only in comparisons (= <> < <= > >= and BETWEEN; not IN,
// LIKE, arithmetic or a bare identifier used as a condition), a String
// operand is converted to the type of the other operand:
//
//   - against an Int it is parsed as a Java long (an optional sign and ASCII
//     digits, no spaces, no fraction), or as a Java int when the other
//     operand is an integer literal that fits in 32 bits;
//   - against a Float it is parsed like Java's Double.valueOf (surrounding
//     whitespace, exponent, NaN, Infinity, hex floats and an f/d suffix are
//     accepted);
//   - against a Bool, with the string on the left, it is TRUE when it equals
//     "true" ignoring case and FALSE otherwise; with the Bool on the left
//     ActiveMQ fails with a ClassCastException, so the selector does not
//     match;
//   - a string that does not parse makes the comparison FALSE, not UNKNOWN.
//
// So "num > 10" matches num="50", and "num = 5" matches num="5", but
// "num > 10" is FALSE for num="50.5" (not an integer) while "num > 10.0"
// matches it. Without the prefix a string never equals or orders against a
// number or a boolean.
const ConvertStringsPrefix = "convert_string_expressions:"

// Selector is a compiled message selector.
type Selector struct {
	text    string
	root    cond
	convert bool
}

// Parse compiles a selector.
//
// An empty or all-whitespace selector (also after ConvertStringsPrefix) is
// no selector: Parse returns (nil, nil), and a nil *Selector matches every
// message. Errors are *SyntaxError.
func Parse(s string) (*Selector, error) {
	text, convert := strings.CutPrefix(s, ConvertStringsPrefix)
	if isBlank(text) {
		return nil, nil
	}
	root, err := parse(text, convert)
	if err != nil {
		if se, ok := err.(*SyntaxError); ok {
			se.Pos = utf8.RuneCountInString(text[:se.Pos])
		}
		return nil, err
	}
	return &Selector{text: s, root: root, convert: convert}, nil
}

// MustParse is Parse that panics on error, for selectors known to be valid.
func MustParse(s string) *Selector {
	sel, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return sel
}

// Matches reports whether the selector evaluates to TRUE for src. UNKNOWN
// (from NULL operands), FALSE and evaluation errors all mean no match. A nil
// Selector matches everything.
func (s *Selector) Matches(src Source) bool {
	if s == nil {
		return true
	}
	return s.root.test(src) == triTrue
}

// String returns the text given to Parse, ConvertStringsPrefix included.
func (s *Selector) String() string {
	if s == nil {
		return ""
	}
	return s.text
}

// ConvertsStrings reports whether the selector was parsed with
// ConvertStringsPrefix.
func (s *Selector) ConvertsStrings() bool { return s != nil && s.convert }
