package selector

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// cmpResult says whether two values could be ordered.
type cmpResult uint8

const (
	cmpOK cmpResult = iota
	// cmpIncompatible: the types cannot be compared. ActiveMQ answers FALSE
	// (not UNKNOWN), so NOT (s > 1) on a string s is TRUE.
	cmpIncompatible
	// cmpAbort: ActiveMQ throws (see kindAbort).
	cmpAbort
)

// compareValues orders two non-null values the way ActiveMQ's
// ComparisonExpression.compare does (activemq-client,
// org/apache/activemq/filter/ComparisonExpression.java, 5.17.x), returning
// -1, 0 or +1 when the result is cmpOK.
//
// Same kinds compare naturally: numbers numerically (Java's Double.compare
// for floats), strings by UTF-16 code unit as String.compareTo does,
// booleans with FALSE < TRUE. Int and Float mix by widening the Int. Any
// other mix is cmpIncompatible, except in convert mode (convert, set by
// ConvertStringsPrefix, whose comment states the rule), where a String
// operand is parsed as the type of the other one. lNarrow and rNarrow mark
// integer literals of Java type Integer (they fit in 32 bits): ActiveMQ
// parses a string compared with one of those by Integer.valueOf, so
// "3000000000" compared with 10 is FALSE.
func compareValues(l, r *Value, lNarrow, rNarrow, convert bool) (int, cmpResult) {
	if l.Kind == r.Kind {
		switch l.Kind {
		case Int:
			return cmpInt(l.Int(), r.Int()), cmpOK
		case Float:
			return cmpDouble(l.Float(), r.Float()), cmpOK
		case String:
			return cmpUTF16(l.s, r.s), cmpOK
		case Bool:
			return cmpBool(l.Bool(), r.Bool()), cmpOK
		case kindBig:
			return cmpBig(l.s, r.s), cmpOK
		}
		return 0, cmpIncompatible
	}
	switch l.Kind {
	case Int:
		switch r.Kind {
		case Float:
			return cmpDouble(float64(l.Int()), r.Float()), cmpOK
		case String:
			if convert {
				v, ok := parseJavaInt(r.s, lNarrow)
				if !ok {
					return 0, cmpIncompatible
				}
				return cmpInt(l.Int(), v), cmpOK
			}
		}
	case Float:
		switch r.Kind {
		case Int:
			return cmpDouble(l.Float(), float64(r.Int())), cmpOK
		case String:
			if convert {
				v, ok := parseJavaDouble(r.s)
				if !ok {
					return 0, cmpIncompatible
				}
				return cmpDouble(l.Float(), v), cmpOK
			}
		}
	case Bool:
		if convert && r.Kind == String {
			return 0, cmpAbort
		}
	case String:
		if !convert {
			break
		}
		switch r.Kind {
		case Bool:
			return cmpBool(parseJavaBool(l.s), r.Bool()), cmpOK
		case Int:
			v, ok := parseJavaInt(l.s, rNarrow)
			if !ok {
				return 0, cmpIncompatible
			}
			return cmpInt(v, r.Int()), cmpOK
		case Float:
			v, ok := parseJavaDouble(l.s)
			if !ok {
				return 0, cmpIncompatible
			}
			return cmpDouble(v, r.Float()), cmpOK
		}
	}
	return 0, cmpIncompatible
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// cmpDouble is Java's Double.compare: -0.0 sorts below 0.0, and NaN equals
// itself and sorts above everything (so NaN > 1 is TRUE in ActiveMQ).
func cmpDouble(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	ab, bb := javaDoubleBits(a), javaDoubleBits(b)
	switch {
	case ab == bb:
		return 0
	case ab < bb:
		return -1
	}
	return 1
}

// javaDoubleBits is Double.doubleToLongBits: the IEEE bits with every NaN
// collapsed to the canonical one.
func javaDoubleBits(f float64) int64 {
	if f != f {
		return 0x7ff8000000000000
	}
	return int64(math.Float64bits(f))
}

// cmpUTF16 orders strings as Java's String.compareTo does, by UTF-16 code
// unit. That equals byte order of UTF-8 except when a character above U+FFFF
// meets one in U+E000..U+FFFF.
func cmpUTF16(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return cmpInt(int64(len(a)), int64(len(b)))
	}
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	return cmpInt(int64(utf16First(ra)), int64(utf16First(rb)))
}

// utf16First returns the first UTF-16 code unit of r, scaled so that
// characters sharing a high surrogate still order by code point.
func utf16First(r rune) int64 {
	if r < 0x10000 {
		return int64(r) << 16
	}
	r -= 0x10000
	return int64(0xD800+(r>>10))<<16 | int64(0xDC00+(r&0x3FF))
}

// cmpBig orders two decimal integer strings with optional leading '-' and
// no leading zeros.
func cmpBig(a, b string) int {
	an, bn := strings.HasPrefix(a, "-"), strings.HasPrefix(b, "-")
	if an != bn {
		if an {
			return -1
		}
		return 1
	}
	c := cmpInt(int64(len(a)), int64(len(b)))
	if c == 0 {
		c = strings.Compare(a, b)
	}
	if an {
		return -c
	}
	return c
}

// parseJavaBool is Boolean.valueOf(String).
func parseJavaBool(s string) bool { return asciiEqualFold(s, "true") }

// parseJavaInt is Long.valueOf(String), or Integer.valueOf when narrow:
// an optional sign then ASCII decimal digits, nothing else.
func parseJavaInt(s string, narrow bool) (int64, bool) {
	i := 0
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i = 1
	}
	if i == len(s) {
		return 0, false
	}
	limit := uint64(math.MaxInt64)
	if narrow {
		limit = math.MaxInt32
	}
	if neg {
		limit++
	}
	var v uint64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (limit-uint64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		return int64(-v), true
	}
	return int64(v), true
}

// parseJavaDouble is Double.valueOf(String). The syntax is checked here so
// that strconv only sees well-formed input (its error values allocate).
func parseJavaDouble(s string) (float64, bool) {
	// String.trim: strip characters <= ' '.
	for len(s) > 0 && s[0] <= ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	body := s
	neg := false
	if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if n := len(body); n > 0 {
		switch body[n-1] {
		case 'f', 'F', 'd', 'D':
			body = body[:n-1]
			s = s[:len(s)-1]
		}
	}
	if !validJavaFloat(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true
}

// validJavaFloat checks an unsigned Java floating literal without suffix:
// digits[.digits][e[+-]digits] with at least one digit in the mantissa, or
// 0x hexdigits[.hexdigits] p[+-]digits.
func validJavaFloat(s string) bool {
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		i, n := 2, 0
		for i < len(s) && isHexDigit(s[i]) {
			i, n = i+1, n+1
		}
		if i < len(s) && s[i] == '.' {
			i++
			for i < len(s) && isHexDigit(s[i]) {
				i, n = i+1, n+1
			}
		}
		if n == 0 || i >= len(s) || (s[i] != 'p' && s[i] != 'P') {
			return false
		}
		return signedDigits(s[i+1:])
	}
	i, n := 0, 0
	for i < len(s) && isDigit(s[i]) {
		i, n = i+1, n+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, n = i+1, n+1
		}
	}
	if n == 0 {
		return false
	}
	if i == len(s) {
		return true
	}
	if s[i] != 'e' && s[i] != 'E' {
		return false
	}
	return signedDigits(s[i+1:])
}

func signedDigits(s string) bool {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// javaString renders a value as Java's String.valueOf would, for the string
// concatenation that '+' performs when its left operand is a string.
func javaString(v Value) string {
	switch v.Kind {
	case Bool:
		if v.Bool() {
			return "true"
		}
		return "false"
	case Int:
		return strconv.FormatInt(v.Int(), 10)
	case Float:
		return javaDoubleString(v.Float())
	case String, kindBig:
		return v.s
	}
	return "null"
}

// javaDoubleString formats like Double.toString: plain notation with at
// least one fractional digit for magnitudes in [1e-3, 1e7), otherwise
// computerized scientific notation such as 1.0E10 or 1.5E-4.
func javaDoubleString(f float64) string {
	switch {
	case f != f:
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. -1.25e+07, 1e-05
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if exp[0] == '+' {
		exp = exp[1:]
	}
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}
