package selector

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString  // text holds the decoded literal
	tInt     // decimal, hex or octal; val holds the value
	tFloat   // val holds the value
	tNot     // keywords follow
	tAnd     //
	tOr      //
	tBetween //
	tLike    //
	tEscape  //
	tIn      //
	tIs      //
	tTrue    //
	tFalse   //
	tNull    //
	tXPath   //
	tXQuery  //
	tEq      // =
	tNe      // <>
	tGt      // >
	tGe      // >=
	tLt      // <
	tLe      // <=
	tPlus    // +
	tMinus   // -
	tStar    // *
	tSlash   // /
	tPercent // %
	tLParen  // (
	tRParen  // )
	tComma   // ,
)

var keywords = [...]struct {
	word string
	kind tokKind
}{
	{"NOT", tNot}, {"AND", tAnd}, {"OR", tOr}, {"BETWEEN", tBetween},
	{"LIKE", tLike}, {"ESCAPE", tEscape}, {"IN", tIn}, {"IS", tIs},
	{"TRUE", tTrue}, {"FALSE", tFalse}, {"NULL", tNull},
	{"XPATH", tXPath}, {"XQUERY", tXQuery},
}

type token struct {
	kind tokKind
	pos  int    // byte offset of the first character
	end  int    // byte offset just past the token
	text string // identifier name or decoded string literal
	val  Value  // numeric literal value (Int, Float or kindBig)
	// narrow is set for integer literals that fit in 32 bits: ActiveMQ types
	// them as java.lang.Integer, which matters when a string is converted to
	// their type (see compareValues).
	narrow bool
}

// lexer splits a selector into tokens on demand. The token set, keyword list,
// number forms and comment syntax follow ActiveMQ's SelectorParser.jj:
//
//   - whitespace is space, tab, CR, LF and form feed;
//   - "--" up to and including a line end is a comment (without a line end it
//     is two minus signs), as is "/* ... */";
//   - keywords are case-insensitive (ASCII only);
//   - DECIMAL is [1-9][0-9]* with an optional L suffix, HEX is 0x[0-9a-f]+,
//     OCTAL is 0[0-7]* (so a plain 0 is octal), FLOAT is digits with a point
//     and/or an exponent; floats take no f/d suffix and hex/octal take no L;
//   - the longest match wins, so "09" is the two literals 0 and 9 (an error),
//     while "09.5" is a float.
type lexer struct {
	src string
	pos int
}

func (lx *lexer) errAt(pos int, msg string) *SyntaxError {
	return &SyntaxError{Selector: lx.src, Pos: pos, Msg: msg}
}

// skip passes over whitespace and comments.
func (lx *lexer) skip() {
	s := lx.src
	for lx.pos < len(s) {
		switch c := s[lx.pos]; c {
		case ' ', '\t', '\n', '\r', '\f':
			lx.pos++
		case '-':
			if !strings.HasPrefix(s[lx.pos:], "--") {
				return
			}
			i := strings.IndexAny(s[lx.pos+2:], "\r\n")
			if i < 0 {
				return // unterminated: lexed as two minus signs
			}
			lx.pos += 2 + i + 1
		case '/':
			if !strings.HasPrefix(s[lx.pos:], "/*") {
				return
			}
			i := strings.Index(s[lx.pos+2:], "*/")
			if i < 0 {
				return // unterminated: lexed as '/' then '*'
			}
			lx.pos += 2 + i + 2
		default:
			return
		}
	}
}

func (lx *lexer) next() (token, error) {
	lx.skip()
	s := lx.src
	start := lx.pos
	if start >= len(s) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	c := s[start]
	one := func(k tokKind, n int) (token, error) {
		lx.pos = start + n
		return token{kind: k, pos: start, end: lx.pos}, nil
	}
	switch c {
	case '=':
		return one(tEq, 1)
	case '<':
		if start+1 < len(s) {
			switch s[start+1] {
			case '>':
				return one(tNe, 2)
			case '=':
				return one(tLe, 2)
			}
		}
		return one(tLt, 1)
	case '>':
		if start+1 < len(s) && s[start+1] == '=' {
			return one(tGe, 2)
		}
		return one(tGt, 1)
	case '+':
		return one(tPlus, 1)
	case '-':
		return one(tMinus, 1)
	case '*':
		return one(tStar, 1)
	case '/':
		return one(tSlash, 1)
	case '%':
		return one(tPercent, 1)
	case '(':
		return one(tLParen, 1)
	case ')':
		return one(tRParen, 1)
	case ',':
		return one(tComma, 1)
	case '\'':
		return lx.lexString()
	}
	if c >= '0' && c <= '9' || c == '.' && start+1 < len(s) && isDigit(s[start+1]) {
		return lx.lexNumber()
	}
	r, w := utf8.DecodeRuneInString(s[start:])
	if isIdentStart(r) {
		end := start + w
		for end < len(s) {
			r, w := utf8.DecodeRuneInString(s[end:])
			if !isIdentPart(r) {
				break
			}
			end += w
		}
		lx.pos = end
		word := s[start:end]
		for _, kw := range keywords {
			if asciiEqualFold(word, kw.word) {
				return token{kind: kw.kind, pos: start, end: end, text: word}, nil
			}
		}
		return token{kind: tIdent, pos: start, end: end, text: word}, nil
	}
	if r == utf8.RuneError && w == 1 {
		return token{}, lx.errAt(start, "invalid UTF-8")
	}
	return token{}, lx.errAt(start, "unexpected character "+strconv.QuoteRune(r))
}

// lexString decodes a quoted literal; a doubled quote stands for one quote.
func (lx *lexer) lexString() (token, error) {
	s := lx.src
	start := lx.pos
	var b strings.Builder
	seg := start + 1
	for i := start + 1; i < len(s); i++ {
		if s[i] != '\'' {
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteString(s[seg : i+1])
			i++
			seg = i + 1
			continue
		}
		var text string
		if b.Len() == 0 {
			text = s[seg:i]
		} else {
			b.WriteString(s[seg:i])
			text = b.String()
		}
		lx.pos = i + 1
		return token{kind: tString, pos: start, end: lx.pos, text: text}, nil
	}
	return token{}, lx.errAt(start, "unterminated string literal")
}

func (lx *lexer) lexNumber() (token, error) {
	s := lx.src
	start := lx.pos
	i := start
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intEnd := i
	isFloat := false
	if i < len(s) && s[i] == '.' {
		isFloat = true
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if e := exponentEnd(s, i); e > i {
		isFloat = true
		i = e
	}
	if isFloat {
		f, err := strconv.ParseFloat(s[start:i], 64)
		if err != nil && !isRangeErr(err) {
			return token{}, lx.errAt(start, "invalid number "+strconv.Quote(s[start:i]))
		}
		lx.pos = i
		return token{kind: tFloat, pos: start, end: i, val: FloatValue(f)}, nil
	}

	if s[start] == '0' {
		// HEX needs at least one hex digit after 0x; otherwise the longest
		// match is the octal literal "0" followed by an identifier.
		if start+2 < len(s) && (s[start+1] == 'x' || s[start+1] == 'X') && isHexDigit(s[start+2]) {
			j := start + 2
			for j < len(s) && isHexDigit(s[j]) {
				j++
			}
			lx.pos = j
			v, err := strconv.ParseInt(s[start+2:j], 16, 64)
			if err != nil {
				return token{}, lx.errAt(start, "hex literal out of range "+strconv.Quote(s[start:j]))
			}
			return intToken(start, j, v), nil
		}
		j := start + 1
		for j < intEnd && s[j] <= '7' {
			j++
		}
		lx.pos = j
		v, err := strconv.ParseInt(s[start:j], 8, 64)
		if err != nil {
			return token{}, lx.errAt(start, "octal literal out of range "+strconv.Quote(s[start:j]))
		}
		return intToken(start, j, v), nil
	}

	end := intEnd
	if end < len(s) && (s[end] == 'l' || s[end] == 'L') {
		end++
	}
	lx.pos = end
	digits := s[start:intEnd]
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		// ActiveMQ keeps integers beyond the long range as BigDecimal.
		return token{kind: tInt, pos: start, end: end, val: Value{Kind: kindBig, s: digits}}, nil
	}
	return intToken(start, end, v), nil
}

func intToken(pos, end int, v int64) token {
	return token{kind: tInt, pos: pos, end: end, val: IntValue(v),
		narrow: v >= math.MinInt32 && v <= math.MaxInt32}
}

// exponentEnd returns the end of an exponent "E[+-]digits" starting at i, or
// i when there is no complete exponent there.
func exponentEnd(s string, i int) int {
	if i >= len(s) || (s[i] != 'e' && s[i] != 'E') {
		return i
	}
	j := i + 1
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	if j >= len(s) || !isDigit(s[j]) {
		return i
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// isIdentStart and isIdentPart follow Java's identifier rules
// (Character.isJavaIdentifierStart/Part, minus the ignorable controls), as
// the JMS specification asks. ActiveMQ's grammar itself accepts only ASCII
// letters, digits, '_' and '$'; every selector it accepts is accepted here.
func isIdentStart(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '$'
	}
	return unicode.IsLetter(r) || unicode.In(r, unicode.Nl, unicode.Sc, unicode.Pc)
}

func isIdentPart(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '$'
	}
	return isIdentStart(r) || unicode.In(r, unicode.Nd, unicode.Mn, unicode.Mc)
}

// asciiEqualFold compares case-insensitively in ASCII only, so that no
// Unicode folding (such as U+017F folding to 's') turns an identifier into
// a keyword.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'a' && x <= 'z' {
			x -= 'a' - 'A'
		}
		if y >= 'a' && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
