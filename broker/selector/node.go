package selector

import "math"

// tri is the result of a boolean node: SQL's three truth values plus abort.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triNull // UNKNOWN
	triAbort
)

func (t tri) value() Value {
	switch t {
	case triFalse:
		return Value{Kind: Bool}
	case triTrue:
		return Value{Kind: Bool, n: 1}
	case triAbort:
		return Value{Kind: kindAbort}
	}
	return Value{}
}

func (t tri) not() tri {
	switch t {
	case triFalse:
		return triTrue
	case triTrue:
		return triFalse
	}
	return t
}

func boolTri(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// expr is a compiled expression. eval never panics; an ActiveMQ runtime
// exception is reported as a kindAbort Value.
type expr interface {
	eval(src Source) Value
}

// cond is a compiled boolean expression (ActiveMQ's BooleanExpression). test
// gives SQL semantics; eval gives the same result as a Value, used when a
// condition is an operand, as in (a > 1) = TRUE.
type cond interface {
	expr
	test(src Source) tri
}

// constNode is a literal.
type constNode struct{ v Value }

func (n *constNode) eval(Source) Value { return n.v }

// propNode looks up an identifier.
type propNode struct{ name string }

func (n *propNode) eval(src Source) Value {
	v := src.Lookup(n.name)
	if v.Kind > String {
		return Value{} // a Source cannot produce internal kinds
	}
	return v
}

// arg is an operand of a comparison or operator. Identifiers and literals,
// by far the most common operands, are fetched inline rather than through
// an expr call, which keeps typical selectors at a few nanoseconds a term.
type arg struct {
	mode   argMode
	narrow bool   // integer literal of Java type Integer; see compareValues
	name   string // argProp
	c      Value  // argConst
	e      expr   // argExpr
}

type argMode uint8

const (
	argExpr argMode = iota
	argProp
	argConst
)

func newArg(e expr, narrow bool) arg {
	switch n := e.(type) {
	case *propNode:
		return arg{mode: argProp, name: n.name, e: e, narrow: narrow}
	case *constNode:
		return arg{mode: argConst, c: n.v, e: e, narrow: narrow}
	}
	return arg{e: e, narrow: narrow}
}

func (a *arg) get(src Source) Value {
	switch a.mode {
	case argProp:
		v := src.Lookup(a.name)
		if v.Kind > String {
			return Value{}
		}
		return v
	case argConst:
		return a.c
	}
	return a.e.eval(src)
}

// boolConst is TRUE, FALSE or NULL used as a condition.
type boolConst struct{ t tri }

func (n *boolConst) test(Source) tri       { return n.t }
func (n *boolConst) eval(src Source) Value { return n.t.value() }

// castNode turns a bare identifier into a condition: NULL stays UNKNOWN, a
// Bool is itself, anything else (a string "true" included, even on STOMP) is
// FALSE.
type castNode struct{ x arg }

func (n *castNode) test(src Source) tri {
	v := n.x.get(src)
	switch v.Kind {
	case Null:
		return triNull
	case Bool:
		return boolTri(v.Bool())
	}
	return triFalse
}
func (n *castNode) eval(src Source) Value { return n.test(src).value() }

type notNode struct{ c cond }

func (n *notNode) test(src Source) tri   { return n.c.test(src).not() }
func (n *notNode) eval(src Source) Value { return n.test(src).value() }

// andNode is an n-ary AND, evaluated left to right.
//
// ActiveMQ evaluates AND/OR two ways. Where the result is a condition's value
// (under NOT, or as an operand) it uses SQL logic: FALSE wins, else any
// UNKNOWN gives UNKNOWN. At the top of a selector and in AND/OR chains
// directly under it, it only asks "is this TRUE?", so AND stops at the first
// term that is not TRUE. Both give the same match for every selector except
// when a later term would abort (a runtime error), so matchMode preserves the
// short-circuit too.
type andNode struct {
	terms     []cond
	matchMode bool
}

func (n *andNode) test(src Source) tri {
	res := triTrue
	for _, c := range n.terms {
		switch c.test(src) {
		case triTrue:
		case triFalse:
			return triFalse
		case triNull:
			if n.matchMode {
				return triFalse
			}
			res = triNull
		default:
			return triAbort
		}
	}
	return res
}
func (n *andNode) eval(src Source) Value { return n.test(src).value() }

// orNode is an n-ary OR, evaluated left to right until a TRUE term.
type orNode struct{ terms []cond }

func (n *orNode) test(src Source) tri {
	res := triFalse
	for _, c := range n.terms {
		switch c.test(src) {
		case triTrue:
			return triTrue
		case triNull:
			res = triNull
		case triAbort:
			return triAbort
		}
	}
	return res
}
func (n *orNode) eval(src Source) Value { return n.test(src).value() }

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opGt
	opGe
	opLt
	opLe
)

var cmpOpText = [...]string{"=", "<>", ">", ">=", "<", "<="}

func (op cmpOp) holds(c int) bool {
	switch op {
	case opGt:
		return c > 0
	case opGe:
		return c >= 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	}
	return c == 0
}

// cmpNode is a comparison.
type cmpNode struct {
	op      cmpOp
	convert bool
	l, r    arg
}

func (n *cmpNode) test(src Source) tri {
	lv := n.l.get(src)
	if lv.Kind == kindAbort {
		return triAbort
	}
	if n.op == opEq || n.op == opNe {
		rv := n.r.get(src)
		if rv.Kind == kindAbort {
			return triAbort
		}
		t := equal(&lv, &rv, n.l.narrow, n.r.narrow, n.convert)
		if n.op == opNe {
			t = t.not()
		}
		return t
	}
	// The ordering operators are UNKNOWN on a NULL left operand without
	// evaluating the right one.
	if lv.Kind == Null {
		return triNull
	}
	rv := n.r.get(src)
	switch rv.Kind {
	case kindAbort:
		return triAbort
	case Null:
		return triNull
	}
	return order(n.op, &lv, &rv, n.l.narrow, n.r.narrow, n.convert)
}
func (n *cmpNode) eval(src Source) Value { return n.test(src).value() }

// equal is ActiveMQ's '=' (EqualsExpression). Its NULL handling is not
// symmetric: NULL = x is UNKNOWN, x = NULL is FALSE, and NULL = NULL is TRUE
// (which is how IS NULL is built). Only the first two matter for matching,
// through NOT and <>: with a present and b missing, a <> b is TRUE while
// b <> a is UNKNOWN.
func equal(lv, rv *Value, lNarrow, rNarrow, convert bool) tri {
	if lv.Kind == Null || rv.Kind == Null {
		switch {
		case lv.Kind == rv.Kind:
			return triTrue
		case lv.Kind == Null:
			return triNull
		}
		return triFalse
	}
	if lv.Kind == String && rv.Kind == String {
		return boolTri(lv.s == rv.s)
	}
	c, res := compareValues(lv, rv, lNarrow, rNarrow, convert)
	switch res {
	case cmpOK:
		return boolTri(c == 0)
	case cmpAbort:
		return triAbort
	}
	return triFalse
}

func order(op cmpOp, lv, rv *Value, lNarrow, rNarrow, convert bool) tri {
	c, res := compareValues(lv, rv, lNarrow, rNarrow, convert)
	switch res {
	case cmpOK:
		return boolTri(op.holds(c))
	case cmpAbort:
		return triAbort
	}
	return triFalse
}

// isNullNode is x IS [NOT] NULL; it is never UNKNOWN.
type isNullNode struct {
	x   arg
	not bool
}

func (n *isNullNode) test(src Source) tri {
	v := n.x.get(src)
	if v.Kind == kindAbort {
		return triAbort
	}
	return boolTri((v.Kind == Null) != n.not)
}
func (n *isNullNode) eval(src Source) Value { return n.test(src).value() }

// betweenNode is x [NOT] BETWEEN lo AND hi. ActiveMQ rewrites it as
// x >= lo AND x <= hi, or x < lo OR x > hi for NOT; this node evaluates
// exactly that, looking x up only once.
type betweenNode struct {
	not       bool
	convert   bool
	matchMode bool // see andNode
	x, lo, hi arg
}

func (n *betweenNode) side(x *Value, op cmpOp, b *arg, src Source) tri {
	if x.Kind == Null {
		return triNull
	}
	bv := b.get(src)
	switch bv.Kind {
	case kindAbort:
		return triAbort
	case Null:
		return triNull
	}
	return order(op, x, &bv, n.x.narrow, b.narrow, n.convert)
}

func (n *betweenNode) test(src Source) tri {
	x := n.x.get(src)
	if x.Kind == kindAbort {
		return triAbort
	}
	if n.not {
		t1 := n.side(&x, opLt, &n.lo, src)
		if t1 == triTrue || t1 == triAbort {
			return t1
		}
		t2 := n.side(&x, opGt, &n.hi, src)
		if t2 == triTrue || t2 == triAbort {
			return t2
		}
		if t1 == triNull || t2 == triNull {
			return triNull
		}
		return triFalse
	}
	t1 := n.side(&x, opGe, &n.lo, src)
	switch t1 {
	case triFalse, triAbort:
		return t1
	case triNull:
		if n.matchMode {
			return triFalse
		}
	}
	t2 := n.side(&x, opLe, &n.hi, src)
	switch {
	case t2 == triFalse || t2 == triAbort:
		return t2
	case t1 == triNull || t2 == triNull:
		return triNull
	}
	return triTrue
}
func (n *betweenNode) eval(src Source) Value { return n.test(src).value() }

// inNode is x [NOT] IN ('a', ...). It is UNKNOWN unless x is a string: IN
// never converts types, not even on STOMP.
type inNode struct {
	x    arg
	list []string            // short lists: a linear scan beats hashing
	set  map[string]struct{} // long lists
	not  bool
}

// inSetMin is the list length from which IN uses a map.
const inSetMin = 8

func (n *inNode) test(src Source) tri {
	v := n.x.get(src)
	if v.Kind != String {
		if v.Kind == kindAbort {
			return triAbort
		}
		return triNull
	}
	var found bool
	if n.set != nil {
		_, found = n.set[v.s]
	} else {
		for _, s := range n.list {
			if s == v.s {
				found = true
				break
			}
		}
	}
	return boolTri(found != n.not)
}
func (n *inNode) eval(src Source) Value { return n.test(src).value() }

// likeNode is x [NOT] LIKE 'pattern'. A non-string x gives FALSE (so NOT
// LIKE gives TRUE), as in ActiveMQ; NULL gives UNKNOWN.
type likeNode struct {
	x   arg
	p   *likePattern
	not bool
}

func (n *likeNode) test(src Source) tri {
	v := n.x.get(src)
	var t tri
	switch v.Kind {
	case String:
		t = boolTri(n.p.match(v.s))
	case Null:
		return triNull
	case kindAbort:
		return triAbort
	default:
		t = triFalse
	}
	if n.not {
		t = t.not()
	}
	return t
}
func (n *likeNode) eval(src Source) Value { return n.test(src).value() }

// arithNode is + - * / %.
//
// Following ActiveMQ's ArithmeticExpression: a NULL operand gives NULL; '+'
// with a string on the left concatenates the right operand's Java string
// form ('a' + 1 is 'a1'); otherwise both operands must be numbers, and
// anything else (a boolean, or a string operand even on STOMP) is a runtime
// error, reproduced as abort. Int op Int stays Int for + - * (wrapping on
// overflow); '/' and '%' always compute in floating point, so 7 / 2 is 3.5
// and division by zero gives Infinity or NaN rather than an error.
type arithNode struct {
	op   byte
	l, r arg
}

func (n *arithNode) eval(src Source) Value {
	l := n.l.get(src)
	if l.Kind == Null || l.Kind == kindAbort {
		return l
	}
	r := n.r.get(src)
	if r.Kind == Null || r.Kind == kindAbort {
		return r
	}
	if n.op == '+' && l.Kind == String {
		return StringValue(l.s + javaString(r))
	}
	if (l.Kind != Int && l.Kind != Float) || (r.Kind != Int && r.Kind != Float) {
		// Booleans and strings are errors in ActiveMQ; integer literals
		// beyond the long range are not supported in arithmetic here.
		return Value{Kind: kindAbort}
	}
	if l.Kind == Int && r.Kind == Int {
		switch n.op {
		case '+':
			return IntValue(l.Int() + r.Int())
		case '-':
			return IntValue(l.Int() - r.Int())
		case '*':
			return IntValue(l.Int() * r.Int())
		}
	}
	a, b := l.Float(), r.Float()
	if l.Kind == Int {
		a = float64(l.Int())
	}
	if r.Kind == Int {
		b = float64(r.Int())
	}
	switch n.op {
	case '+':
		return FloatValue(a + b)
	case '-':
		return FloatValue(a - b)
	case '*':
		return FloatValue(a * b)
	case '/':
		return FloatValue(a / b)
	}
	return FloatValue(math.Mod(a, b))
}

// negNode is unary minus; like ActiveMQ it yields NULL for non-numbers.
type negNode struct{ x arg }

func (n *negNode) eval(src Source) Value { return negate(n.x.get(src)) }

func negate(v Value) Value {
	switch v.Kind {
	case Int:
		return IntValue(-v.Int())
	case Float:
		return FloatValue(-v.Float())
	case kindBig:
		if v.s == "9223372036854775808" {
			return IntValue(math.MinInt64)
		}
		if v.s[0] == '-' {
			return Value{Kind: kindBig, s: v.s[1:]}
		}
		return Value{Kind: kindBig, s: "-" + v.s}
	case kindAbort:
		return v
	}
	return Value{}
}

// markMatch switches AND chains reachable from the top of the selector
// through AND/OR only to "is it TRUE?" evaluation; see andNode.
func markMatch(c cond) {
	switch n := c.(type) {
	case *andNode:
		n.matchMode = true
		for _, t := range n.terms {
			markMatch(t)
		}
	case *orNode:
		for _, t := range n.terms {
			markMatch(t)
		}
	case *betweenNode:
		n.matchMode = true
	}
}
