package selector

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError reports a selector that does not parse.
type SyntaxError struct {
	// Selector is the text that was parsed (without ConvertStringsPrefix).
	Selector string
	// Pos is the 0-based offset in Selector, counted in characters (Unicode
	// code points), where the problem was found.
	Pos int
	// Msg describes the problem.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("selector %q : %s at position %d", e.Selector, e.Msg, e.Pos)
}

// maxDepth bounds nesting (parentheses, NOT, unary signs) so a hostile
// selector cannot exhaust the stack.
const maxDepth = 500

// exprKind classifies a parsed expression the way ActiveMQ's semantic checks
// need: they depend on whether an operand is a literal, a bare property, or
// a boolean expression.
type exprKind uint8

const (
	kOther     exprKind = iota // arithmetic, unary minus
	kConst                     // string or numeric literal
	kBoolConst                 // TRUE, FALSE or NULL
	kProp                      // identifier
	kBool                      // comparison, logic, LIKE, IN, ...
)

// pexpr is an expression under construction.
type pexpr struct {
	e      expr
	pos    int // byte offset where it starts
	kind   exprKind
	val    Value // literal value for kConst, kBoolConst and folded negations
	narrow bool  // 32-bit integer literal (see compareValues)
}

func (x pexpr) arg() arg { return newArg(x.e, x.narrow) }

type parser struct {
	lx      lexer
	tok     token
	ahead   token
	hasNext bool
	convert bool
	depth   int
}

func (p *parser) advance() error {
	if p.hasNext {
		p.tok, p.hasNext = p.ahead, false
		return nil
	}
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// peek returns the token after the current one.
func (p *parser) peek() (token, error) {
	if !p.hasNext {
		t, err := p.lx.next()
		if err != nil {
			return token{}, err
		}
		p.ahead, p.hasNext = t, true
	}
	return p.ahead, nil
}

func (p *parser) errAt(pos int, msg string) error { return p.lx.errAt(pos, msg) }

// describe names a token for error messages.
func (p *parser) describe(t token) string {
	if t.kind == tEOF {
		return "end of input"
	}
	text := p.lx.src[t.pos:t.end]
	if utf8.RuneCountInString(text) > 24 {
		r := []rune(text)
		text = string(r[:24]) + "..."
	}
	return strconv.Quote(text)
}

func (p *parser) unexpected() error {
	return p.errAt(p.tok.pos, "unexpected "+p.describe(p.tok))
}

func (p *parser) expect(k tokKind, what string) error {
	if p.tok.kind != k {
		return p.errAt(p.tok.pos, "expected "+what+" but found "+p.describe(p.tok))
	}
	return p.advance()
}

// asCond is ActiveMQ's asBooleanExpression: operands of AND, OR, NOT and the
// whole selector must be boolean; a bare identifier is accepted and tested
// as a boolean property.
func (p *parser) asCond(x pexpr) (cond, error) {
	switch x.kind {
	case kBool, kBoolConst:
		return x.e.(cond), nil
	case kProp:
		return &castNode{x: x.arg()}, nil
	}
	return nil, p.errAt(x.pos, "expression will not result in a boolean value")
}

func (p *parser) orExpr() (pexpr, error) {
	return p.logical(tOr, p.andExpr, func(l, r cond) cond {
		if o, ok := l.(*orNode); ok {
			o.terms = append(o.terms, r)
			return o
		}
		return &orNode{terms: []cond{l, r}}
	})
}

func (p *parser) andExpr() (pexpr, error) {
	return p.logical(tAnd, p.equalityExpr, func(l, r cond) cond {
		if a, ok := l.(*andNode); ok {
			a.terms = append(a.terms, r)
			return a
		}
		return &andNode{terms: []cond{l, r}}
	})
}

// logical parses operands (next) joined by op, left to right, each taken
// as a condition; join folds the next one into what is on the left.
func (p *parser) logical(op tokKind, next func() (pexpr, error), join func(l, r cond) cond) (pexpr, error) {
	left, err := next()
	if err != nil {
		return left, err
	}
	for p.tok.kind == op {
		if err := p.advance(); err != nil {
			return left, err
		}
		right, err := next()
		if err != nil {
			return left, err
		}
		lc, err := p.asCond(left)
		if err != nil {
			return left, err
		}
		rc, err := p.asCond(right)
		if err != nil {
			return left, err
		}
		left.e = join(lc, rc)
		left.kind = kBool
	}
	return left, nil
}

// checkEqualOperand rejects a NULL literal beside = or <>.
func (p *parser) checkEqualOperand(x pexpr) error {
	if x.kind == kBoolConst && x.val.Kind == Null {
		return p.errAt(x.pos, "NULL cannot be compared with = or <>; use IS NULL")
	}
	return nil
}

// checkOrderOperand allows only numeric literals and non-boolean expressions
// beside <, <=, >, >= and BETWEEN: 'a' < b and TRUE > b are rejected at parse
// time, as are comparisons of comparisons such as a < b < c.
func (p *parser) checkOrderOperand(x pexpr) error {
	switch x.kind {
	case kConst:
		if x.val.Kind == String {
			return p.errAt(x.pos, "string literal cannot be compared with <, <=, >, >= or BETWEEN")
		}
	case kBoolConst, kBool:
		return p.errAt(x.pos, "boolean value cannot be compared with <, <=, >, >= or BETWEEN")
	}
	return nil
}

func (p *parser) newCmp(op cmpOp, l, r pexpr) (pexpr, error) {
	if op == opEq || op == opNe {
		if err := p.checkEqualOperand(l); err != nil {
			return l, err
		}
		if err := p.checkEqualOperand(r); err != nil {
			return l, err
		}
		if l.kind == kBoolConst && r.kind == kConst {
			return l, p.errAt(l.pos, "boolean literal cannot be compared with "+r.val.String())
		}
	} else {
		if err := p.checkOrderOperand(l); err != nil {
			return l, err
		}
		if err := p.checkOrderOperand(r); err != nil {
			return l, err
		}
	}
	n := &cmpNode{op: op, l: l.arg(), r: r.arg(), convert: p.convert}
	return pexpr{e: n, pos: l.pos, kind: kBool}, nil
}

func (p *parser) equalityExpr() (pexpr, error) {
	left, err := p.comparisonExpr()
	if err != nil {
		return left, err
	}
	for {
		var op cmpOp
		switch p.tok.kind {
		case tEq:
			op = opEq
		case tNe:
			op = opNe
		case tIs:
			if err := p.advance(); err != nil {
				return left, err
			}
			not := false
			if p.tok.kind == tNot {
				not = true
				if err := p.advance(); err != nil {
					return left, err
				}
			}
			if err := p.expect(tNull, "NULL"); err != nil {
				return left, err
			}
			left = pexpr{e: &isNullNode{x: left.arg(), not: not}, pos: left.pos, kind: kBool}
			continue
		default:
			return left, nil
		}
		if err := p.advance(); err != nil {
			return left, err
		}
		right, err := p.comparisonExpr()
		if err != nil {
			return left, err
		}
		if left, err = p.newCmp(op, left, right); err != nil {
			return left, err
		}
	}
}

func (p *parser) comparisonExpr() (pexpr, error) {
	left, err := p.addExpr()
	if err != nil {
		return left, err
	}
	for {
		var op cmpOp
		switch p.tok.kind {
		case tGt:
			op = opGt
		case tGe:
			op = opGe
		case tLt:
			op = opLt
		case tLe:
			op = opLe
		case tLike, tBetween, tIn:
			if left, err = p.postfix(left, false); err != nil {
				return left, err
			}
			continue
		case tNot:
			// NOT here must be followed by LIKE, BETWEEN or IN; otherwise
			// it is left for an enclosing rule (and is then an error).
			nt, err := p.peek()
			if err != nil {
				return left, err
			}
			if nt.kind != tLike && nt.kind != tBetween && nt.kind != tIn {
				return left, nil
			}
			if err := p.advance(); err != nil {
				return left, err
			}
			if left, err = p.postfix(left, true); err != nil {
				return left, err
			}
			continue
		default:
			return left, nil
		}
		if err := p.advance(); err != nil {
			return left, err
		}
		right, err := p.addExpr()
		if err != nil {
			return left, err
		}
		if left, err = p.newCmp(op, left, right); err != nil {
			return left, err
		}
	}
}

// postfix parses [NOT] LIKE, BETWEEN or IN with the current token on the
// keyword.
func (p *parser) postfix(left pexpr, not bool) (pexpr, error) {
	kw := p.tok.kind
	if err := p.advance(); err != nil {
		return left, err
	}
	switch kw {
	case tLike:
		if p.tok.kind != tString {
			return left, p.errAt(p.tok.pos, "expected a string literal after LIKE but found "+p.describe(p.tok))
		}
		pattern := p.tok.text
		if err := p.advance(); err != nil {
			return left, err
		}
		escape := rune(-1)
		if p.tok.kind == tEscape {
			if err := p.advance(); err != nil {
				return left, err
			}
			if p.tok.kind != tString {
				return left, p.errAt(p.tok.pos, "expected a string literal after ESCAPE but found "+p.describe(p.tok))
			}
			if utf8.RuneCountInString(p.tok.text) != 1 {
				return left, p.errAt(p.tok.pos, "ESCAPE must be a single character")
			}
			escape, _ = utf8.DecodeRuneInString(p.tok.text)
			if err := p.advance(); err != nil {
				return left, err
			}
		}
		n := &likeNode{x: left.arg(), p: compileLike(pattern, escape), not: not}
		return pexpr{e: n, pos: left.pos, kind: kBool}, nil

	case tBetween:
		low, err := p.addExpr()
		if err != nil {
			return left, err
		}
		if err := p.expect(tAnd, "AND"); err != nil {
			return left, err
		}
		high, err := p.addExpr()
		if err != nil {
			return left, err
		}
		for _, x := range []pexpr{left, low, high} {
			if err := p.checkOrderOperand(x); err != nil {
				return left, err
			}
		}
		n := &betweenNode{x: left.arg(), lo: low.arg(), hi: high.arg(), not: not, convert: p.convert}
		return pexpr{e: n, pos: left.pos, kind: kBool}, nil
	}

	// IN
	if err := p.expect(tLParen, `"("`); err != nil {
		return left, err
	}
	var list []string
	for {
		if p.tok.kind != tString {
			return left, p.errAt(p.tok.pos, "expected a string literal in the IN list but found "+p.describe(p.tok))
		}
		list = append(list, p.tok.text)
		if err := p.advance(); err != nil {
			return left, err
		}
		if p.tok.kind != tComma {
			break
		}
		if err := p.advance(); err != nil {
			return left, err
		}
	}
	if err := p.expect(tRParen, `"," or ")"`); err != nil {
		return left, err
	}
	if left.kind != kProp {
		return left, p.errAt(left.pos, "IN requires an identifier on its left")
	}
	n := &inNode{x: left.arg(), not: not}
	if len(list) >= inSetMin {
		n.set = make(map[string]struct{}, len(list))
		for _, s := range list {
			n.set[s] = struct{}{}
		}
	} else {
		n.list = list
	}
	return pexpr{e: n, pos: left.pos, kind: kBool}, nil
}

func (p *parser) addExpr() (pexpr, error) {
	left, err := p.multExpr()
	if err != nil {
		return left, err
	}
	for p.tok.kind == tPlus || p.tok.kind == tMinus {
		op := byte('+')
		if p.tok.kind == tMinus {
			op = '-'
		}
		if err := p.advance(); err != nil {
			return left, err
		}
		right, err := p.multExpr()
		if err != nil {
			return left, err
		}
		left = pexpr{e: &arithNode{op: op, l: left.arg(), r: right.arg()}, pos: left.pos}
	}
	return left, nil
}

func (p *parser) multExpr() (pexpr, error) {
	left, err := p.unaryExpr()
	if err != nil {
		return left, err
	}
	for p.tok.kind == tStar || p.tok.kind == tSlash || p.tok.kind == tPercent {
		op := "*/%"[p.tok.kind-tStar]
		if err := p.advance(); err != nil {
			return left, err
		}
		right, err := p.unaryExpr()
		if err != nil {
			return left, err
		}
		left = pexpr{e: &arithNode{op: op, l: left.arg(), r: right.arg()}, pos: left.pos}
	}
	return left, nil
}

// unaryExpr parses unary +, unary -, NOT and primaries. As in ActiveMQ's
// grammar, NOT is a unary operator binding tighter than any comparison:
// NOT a = 'x' means (NOT a) = 'x'. Write NOT (a = 'x') for the negation of
// the comparison.
func (p *parser) unaryExpr() (pexpr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return pexpr{}, p.errAt(p.tok.pos, "expression nested too deeply")
	}
	start := p.tok.pos
	switch p.tok.kind {
	case tPlus:
		// Unary plus returns its operand itself, so +a is still an
		// identifier (usable with IN) and +'x' still a string literal.
		if err := p.advance(); err != nil {
			return pexpr{}, err
		}
		return p.unaryExpr()
	case tMinus:
		if err := p.advance(); err != nil {
			return pexpr{}, err
		}
		x, err := p.unaryExpr()
		if err != nil {
			return x, err
		}
		// Negating a number literal is folded; the result still counts as
		// a computed value, not a literal, for the parse-time checks.
		if c, ok := x.e.(*constNode); ok && (c.v.Kind == Int || c.v.Kind == Float || c.v.Kind == kindBig) {
			v := negate(c.v)
			return pexpr{e: &constNode{v: v}, pos: start, val: v, narrow: x.narrow}, nil
		}
		return pexpr{e: &negNode{x: x.arg()}, pos: start}, nil
	case tNot:
		if err := p.advance(); err != nil {
			return pexpr{}, err
		}
		x, err := p.unaryExpr()
		if err != nil {
			return x, err
		}
		c, err := p.asCond(x)
		if err != nil {
			return x, err
		}
		return pexpr{e: &notNode{c: c}, pos: start, kind: kBool}, nil
	case tXPath, tXQuery:
		return pexpr{}, p.errAt(start, "XPATH and XQUERY selectors are not supported")
	case tIdent:
		nt, err := p.peek()
		if err != nil {
			return pexpr{}, err
		}
		if nt.kind == tLParen {
			return pexpr{}, p.errAt(start, "function calls are not supported")
		}
	}
	return p.primaryExpr()
}

func (p *parser) primaryExpr() (pexpr, error) {
	t := p.tok
	var x pexpr
	switch t.kind {
	case tString:
		v := StringValue(t.text)
		x = pexpr{e: &constNode{v: v}, pos: t.pos, kind: kConst, val: v}
	case tInt, tFloat:
		x = pexpr{e: &constNode{v: t.val}, pos: t.pos, kind: kConst, val: t.val, narrow: t.narrow}
	case tTrue, tFalse, tNull:
		tv := triNull
		switch t.kind {
		case tTrue:
			tv = triTrue
		case tFalse:
			tv = triFalse
		}
		x = pexpr{e: &boolConst{t: tv}, pos: t.pos, kind: kBoolConst, val: tv.value()}
	case tIdent:
		x = pexpr{e: &propNode{name: t.text}, pos: t.pos, kind: kProp}
	case tLParen:
		if err := p.advance(); err != nil {
			return x, err
		}
		inner, err := p.orExpr()
		if err != nil {
			return inner, err
		}
		if err := p.expect(tRParen, `")"`); err != nil {
			return inner, err
		}
		return inner, nil
	default:
		return x, p.unexpected()
	}
	return x, p.advance()
}

// isBlank reports whether s holds only selector whitespace.
func isBlank(s string) bool {
	return strings.Trim(s, " \t\n\r\f") == ""
}

func parse(text string, convert bool) (cond, error) {
	if !utf8.ValidString(text) {
		i := 0
		for i < len(text) {
			r, w := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && w == 1 {
				break
			}
			i += w
		}
		return nil, &SyntaxError{Selector: text, Pos: i, Msg: "invalid UTF-8"}
	}
	p := &parser{lx: lexer{src: text}, convert: convert}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected()
	}
	c, err := p.asCond(x)
	if err != nil {
		return nil, err
	}
	markMatch(c)
	return c, nil
}
