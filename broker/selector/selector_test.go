package selector

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// msg is the property set most tests evaluate against.
var msg = MapSource{
	// JMS headers as the broker resolves them.
	"JMSType":           StringValue("car"),
	"JMSPriority":       IntValue(5),
	"JMSTimestamp":      IntValue(1700000000000),
	"JMSCorrelationID":  StringValue("corr-1"),
	"JMSMessageID":      StringValue("ID:host-1:1:1:1"),
	"JMSDeliveryMode":   StringValue("PERSISTENT"),
	"JMSExpiration":     IntValue(0),
	"JMSRedelivered":    BoolValue(false),
	"JMSXDeliveryCount": IntValue(1),
	"JMSXGroupID":       StringValue("g1"),
	"JMSXGroupSeq":      IntValue(3),
	"JMSDestination":    StringValue("queue://orders"),
	"JMSXUserID":        StringValue("alice"),

	// User properties.
	"name":      StringValue("James"),
	"color":     StringValue("red"),
	"rank":      IntValue(123),
	"version":   IntValue(2),
	"neg":       IntValue(-7),
	"price":     FloatValue(9.5),
	"floatProp": FloatValue(123),
	"trueProp":  BoolValue(true),
	"falseProp": BoolValue(false),
	"quote":     StringValue("'In God We Trust'"),
	"foo":       StringValue("_foo"),
	"punct":     StringValue("!#$&()*+,-./:;<=>?@[\\]^`{|}~"),
	"under":     StringValue("XD7xlJIQn_"),
	"path":      StringValue("a%b_c\\d"),
	"multi":     StringValue("line1\nline2"),
	"uni":       StringValue("héllo wörld 😀!"),
	"empty":     StringValue(""),
	"num":       StringValue("50"),
	"numNeg":    StringValue("-5"),
	"numF":      StringValue("50.5"),
	"numSp":     StringValue(" 50 "),
	"numBig":    StringValue("3000000000"),
	"abc":       StringValue("abc"),
	"sTrue":     StringValue("TRUE"),
	"sFalse":    StringValue("no"),
	"nan":       FloatValue(math.NaN()),
	"negZero":   FloatValue(math.Copysign(0, -1)),
	"zero":      FloatValue(0),
	"izero":     IntValue(0),
	"maxLong":   IntValue(math.MaxInt64),
	"$dollar":   IntValue(1),
	"_under_":   IntValue(2),
	"größe":     IntValue(42),
	"a1":        StringValue("x"),
	"a2":        StringValue("y"),
}

type matchCase struct {
	sel  string
	want bool
}

func runMatches(t *testing.T, src Source, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		s, err := Parse(c.sel)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.sel, err)
			continue
		}
		if got := s.Matches(src); got != c.want {
			t.Errorf("%q: got %v, want %v", c.sel, got, c.want)
		}
	}
}

func TestComparisons(t *testing.T) {
	runMatches(t, msg, []matchCase{
		{"name = 'James'", true},
		{"name = 'james'", false},
		{"name <> 'James'", false},
		{"name <> 'Bob'", true},
		{"rank = 123", true},
		{"rank > 100", true},
		{"rank >= 123", true},
		{"rank >= 124", false},
		{"rank < 124", true},
		{"rank <= 123", true},
		{"rank <= 122", false},
		{"rank <> 123", false},
		{"123 = rank", true},
		{"100 < rank", true},
		{"price > 9", true},
		{"price = 9.5", true},
		{"price < 10", true},
		{"floatProp = 123", true},
		{"rank = 123.0", true},
		{"rank = 123.5", false},
		{"neg < 0", true},
		{"neg = -7", true},
		{"neg = - 7", true},
		{"-neg = 7", true},
		{"+rank = 123", true},
		{"maxLong > 9223372036854775806", true},
		{"maxLong = 9223372036854775807", true},
		{"JMSPriority > 4", true},
		{"JMSPriority BETWEEN 0 AND 9", true},
		// Strings and booleans order too when neither side is a literal.
		{"name > color", false},
		{"color < name", false},
		{"name < color", true},
		{"a1 < a2", true},
		{"falseProp < trueProp", true},
		{"trueProp = trueProp", true},
		{"trueProp = TRUE", true},
		{"trueProp = FALSE", false},
		{"falseProp <> TRUE", true},
		{"(rank > 100) = TRUE", true},
		{"(rank > 200) = falseProp", true},
		// Literal-only comparisons.
		{"1 = 1", true},
		{"1 = 1.0", true},
		{"1 < 2", true},
		{"'a' = 'a'", true},
		{"'a' <> 'b'", true},
		{"TRUE = TRUE", true},
		{"TRUE", true},
		{"FALSE", false},
		{"1.0 < 1.1", true},
		{"-1.1 < 1.0", true},
		{"1.0E1 < 1.1E1", true},
		{"1. < 1.1", true},
		{".1 < .5", true},
		{"-.5E1 < .1E1", true},
		{"4E+10 < 5E+10", true},
		{"4E-10 < 5E-10", true},
		// Java's Double.compare: NaN equals itself and is above everything;
		// -0.0 is below 0.0.
		{"nan = nan", true},
		{"nan > 1", true},
		{"nan > 1e308", true},
		{"negZero = zero", false},
		{"negZero < zero", true},
		{"negZero = izero", false},
		{"zero = izero", true},
	})
}

func TestLogicAndNull(t *testing.T) {
	runMatches(t, msg, []matchCase{
		{"trueProp", true},
		{"falseProp", false},
		{"NOT trueProp", false},
		{"NOT falseProp", true},
		{"trueProp AND falseProp", false},
		{"trueProp OR falseProp", true},
		{"(trueProp OR falseProp) AND trueProp", true},
		{"(trueProp OR falseProp) AND falseProp", false},
		{"trueProp AND rank > 1", true},
		{"name", false},        // a non-boolean identifier is FALSE
		{"NOT name", true},     // ... so its negation is TRUE
		{"missing", false},     // UNKNOWN
		{"NOT missing", false}, // NOT UNKNOWN is UNKNOWN
		{"NULL", false},
		{"NOT NULL", false},
		{"missing = 1", false},
		{"NOT (missing = 1)", false},
		{"missing <> 1", false},
		{"missing > 1", false},
		{"NOT (missing > 1)", false},
		{"missing IS NULL", true},
		{"missing IS NOT NULL", false},
		{"name IS NULL", false},
		{"name IS NOT NULL", true},
		{"NOT (missing IS NULL)", false},
		{"rank IS NULL IS NULL", false},
		// SQL three-valued AND/OR.
		{"missing = 1 OR rank = 123", true},
		{"rank = 123 OR missing = 1", true},
		{"missing = 1 AND rank = 123", false},
		{"NOT (missing = 1 AND rank = 1)", true},    // UNKNOWN AND FALSE = FALSE
		{"NOT (missing = 1 AND rank = 123)", false}, // UNKNOWN AND TRUE = UNKNOWN
		{"NOT (missing = 1 OR rank = 123)", false},  // UNKNOWN OR TRUE = TRUE
		{"NOT (missing = 1 OR rank = 1)", false},    // UNKNOWN OR FALSE = UNKNOWN
		{"NOT (rank = 1 OR rank = 2)", true},
		{"NOT (NOT (rank = 123))", true},
		// ActiveMQ's asymmetric '=' with NULL: x = NULL-valued is FALSE,
		// NULL-valued = x is UNKNOWN, NULL = NULL is TRUE.
		{"name <> missing", true},
		{"missing <> name", false},
		{"NOT (name = missing)", true},
		{"missing = missing2", true},
		{"missing <> missing2", false},
		// Arithmetic and negation of NULL are NULL.
		{"missing + 1 IS NULL", true},
		{"-missing IS NULL", true},
		{"rank + missing > 0", false},
		{"NOT (rank + missing > 0)", false},
		// Comparing incompatible types is FALSE, not UNKNOWN.
		{"name = 1", false},
		{"NOT (name = 1)", true},
		{"name <> 1", true},
		{"rank = 'James'", false},
		{"rank <> 'x'", true},
		{"trueProp = 1", false},
		{"NOT (trueProp > 0)", true},
		{"NOT (name > 1)", true},
		{"name > 1 OR rank = 123", true},
	})
}

func TestPrecedence(t *testing.T) {
	runMatches(t, msg, []matchCase{
		{"rank = 100 + 23", true},
		{"rank + 2 = 125", true},
		{"rank = 3 + 4 * 30", true},
		{"rank = (3 + 4) * 30", false},
		{"rank = 130 - 10 + 3", true},
		{"version * 3 - 1 = 5", true},
		{"1 - 2 - 3 = -4", true},
		{"12 / 2 / 3 = 2", true},
		{"2 * 3 % 4 = 2", true},
		{"-2 * 3 = -6", true},
		{"- - 2 = 2", true},
		{"rank = 1 OR rank = 123 AND name = 'James'", true},
		{"rank = 123 OR rank = 1 AND name = 'x'", true},
		{"(rank = 123 OR rank = 1) AND name = 'x'", false},
		{"trueProp OR falseProp AND falseProp", true},
		{"falseProp AND trueProp OR trueProp", true},
		{"NOT falseProp AND trueProp", true},
		{"NOT trueProp OR trueProp", true},
		{"NOT (trueProp OR trueProp)", false},
		// NOT is unary and binds tighter than '=': NOT color = 'red' is
		// (NOT color) = 'red', a boolean compared with a string.
		{"NOT color = 'red'", false},
		{"NOT color = 'blue'", false},
		{"NOT (color = 'blue')", true},
		{"NOT falseProp = TRUE", true},
		// = binds looser than < and LIKE: a boolean compared with a boolean.
		{"rank > 1 = TRUE", true},
		{"rank > 1 = name LIKE 'J%'", true},
		{"rank > 1 = name LIKE 'X%'", false},
		{"name IS NOT NULL = TRUE", true},
		// Comments.
		{"rank = 123 -- trailing comment\n", true},
		{"rank /* inline */ = /* more */ 123", true},
		{"rank = 121 --2", true}, // no line end: 121 - -2
	})
}

func TestArithmetic(t *testing.T) {
	runMatches(t, msg, []matchCase{
		{"rank - 2 = 121", true},
		{"rank - version = 121", true},
		{"rank * 2 = 246", true},
		{"rank * version = 246", true},
		{"rank / version = 61.5", true}, // '/' is always floating point
		{"7 / 2 = 3.5", true},
		{"version / 2 = 1", true},
		{"rank % 10 = 3", true},
		{"-7 % 3 = -1", true},
		{"7.5 % 2 = 1.5", true},
		{"price * 2 = 19", true},
		{"price + 1 = 10.5", true},
		{"rank / 0 > 1000000", true}, // Infinity, not an error
		{"-rank / 0 < 0", true},
		{"(rank / 0) IS NULL", false},
		{"0 / 0 = 0 / 0", true}, // NaN = NaN under Double.compare
		{"rank % 0 IS NOT NULL", true},
		{"maxLong + 1 < 0", true}, // wraps like Java long
		{"name + '!' = 'James!'", true},
		{"name + 1 = 'James1'", true},
		{"name + 1.5 = 'James1.5'", true},
		{"name + 1e10 = 'James1.0E10'", true},
		{"name + 100.0 = 'James100.0'", true},
		{"name + 0.0001 = 'James1.0E-4'", true},
		{"name + trueProp = 'Jamestrue'", true},
		{"'a' + 'b' = 'ab'", true},
		// Arithmetic on strings or booleans is a runtime error in ActiveMQ:
		// the whole selector fails, even beside a TRUE OR branch...
		{"name * 2 = 1", false},
		{"NOT (name * 2 = 1)", false},
		{"name * 2 = 1 OR rank = 123", false},
		{"rank + name = 1", false},
		{"trueProp + 1 = 2", false},
		{"1 + name = 1 OR TRUE", false},
		// ... unless evaluation stops before reaching it.
		{"rank = 123 OR name * 2 = 1", true},
		{"rank = 1 AND name * 2 = 1", false},
		{"NOT (rank = 1 AND name * 2 = 1)", true},
		{"missing = 1 AND name * 2 = 1 OR rank = 123", true},
		// Unary minus of a non-number is NULL, not an error.
		{"-name IS NULL", true},
		{"-trueProp IS NULL", true},
	})
}

func TestLike(t *testing.T) {
	runMatches(t, msg, []matchCase{
		{"name LIKE 'James'", true},
		{"name LIKE 'Jam%'", true},
		{"name LIKE '%mes'", true},
		{"name LIKE '%ame%'", true},
		{"name LIKE '%'", true},
		{"name LIKE '%%'", true},
		{"name LIKE 'J_mes'", true},
		{"name LIKE 'J__es'", true},
		{"name LIKE '_____'", true},
		{"name LIKE '____'", false},
		{"name LIKE '______'", false},
		{"name LIKE 'J%s'", true},
		{"name LIKE 'J%e%s'", true},
		{"name LIKE 'J%x%s'", false},
		{"name LIKE '%a_e%'", true},
		{"name LIKE '%a_e'", false},
		{"name LIKE '_a%'", true},
		{"name LIKE 'j%'", false}, // case-sensitive
		{"name LIKE 'Jame'", false},
		{"name LIKE ''", false},
		{"empty LIKE ''", true},
		{"empty LIKE '%'", true},
		{"empty LIKE '_'", false},
		{"name NOT LIKE 'Jam%'", false},
		{"name NOT LIKE 'Bob%'", true},
		{"quote LIKE '''In G_d We Trust'''", true},
		{"quote LIKE '''In Gd_ We Trust'''", false},
		{"quote NOT LIKE '''In G_d We Trust'''", false},
		{"foo LIKE '%oo'", true},
		{"foo LIKE '!_%' ESCAPE '!'", true},
		{"quote LIKE '!_%' ESCAPE '!'", false},
		{"foo NOT LIKE '!_%' ESCAPE '!'", false},
		// Regex metacharacters are literal.
		{"punct LIKE '!#$&()*+,-./:;<=>?@[\\]^`{|}~'", true},
		{"punct LIKE '!#$&()*+,-./:;<=>?@[\\]^`{|}_'", true},
		// ESCAPE: only before %, _ or itself; elsewhere it is literal.
		{"foo LIKE '%_%' ESCAPE '%'", true},
		{"under LIKE '_D7xlJIQn$_' ESCAPE '$'", true},
		{"under LIKE '_D7xlJIQn__' ESCAPE '_'", true},
		{"under LIKE '%D7xlJIQn%_' ESCAPE '%'", true},
		{"under LIKE '%D7xlJIQn%'  ESCAPE '%'", true},
		{"under LIKE '%D7xlJIQn%%'  ESCAPE '%'", false},
		{"under LIKE '_D7xlJIQn\\_' ESCAPE '\\'", true},
		{"under LIKE '%D7xlJIQn\\_' ESCAPE '\\'", true},
		{"path LIKE 'a\\%b\\_c\\\\d' ESCAPE '\\'", true},
		{"path LIKE 'a\\%b\\_c\\d' ESCAPE '\\'", true}, // \d: escape is literal
		{"path LIKE 'a\\%%' ESCAPE '\\'", true},
		{"path LIKE 'a\\_%' ESCAPE '\\'", false},
		{"path LIKE '%\\' ESCAPE '\\'", false}, // trailing escape is literal
		{"path LIKE '%d\\' ESCAPE '\\'", false},
		{"path LIKE 'a%b%c%d'", true},
		{"path LIKE 'a_b_c_d'", true},
		// '_' and '%' match any character, including newlines and
		// characters outside the BMP.
		{"multi LIKE 'line1_line2'", true},
		{"multi LIKE 'line1%2'", true},
		{"uni LIKE 'h_llo w_rld _!'", true},
		{"uni LIKE '%😀_'", true},
		{"uni LIKE '%ö%😀%'", true},
		{"uni LIKE 'h%o%ö%_'", true},
		{"uni LIKE 'h%o%o%_'", false},
		// Non-strings are FALSE (so NOT LIKE is TRUE); NULL is UNKNOWN.
		{"rank LIKE '123'", false},
		{"rank NOT LIKE '123'", true},
		{"missing LIKE '%'", false},
		{"missing NOT LIKE '%'", false},
		{"'abc' LIKE 'a%'", true},
		{"name + 'x' LIKE '%sx'", true},
		{"(name LIKE 'J%') = TRUE", true},
	})
}

func TestBetweenIn(t *testing.T) {
	runMatches(t, msg, []matchCase{
		{"rank BETWEEN 100 AND 150", true},
		{"rank BETWEEN 123 AND 123", true},
		{"rank BETWEEN 10 AND 120", false},
		{"rank BETWEEN 150 AND 100", false},
		{"rank NOT BETWEEN 100 AND 150", false},
		{"rank NOT BETWEEN 10 AND 120", true},
		{"rank not between 124 and 200", true},
		{"price BETWEEN 9 AND 10", true},
		{"price BETWEEN 9.5 AND 9.5", true},
		{"rank BETWEEN 100 + 20 AND 2 * 62", true},
		{"rank BETWEEN version AND 200", true},
		{"rank BETWEEN 100 AND 150 AND name = 'James'", true},
		{"rank BETWEEN 100 AND 150 AND name = 'X'", false},
		{"missing BETWEEN 1 AND 2", false},
		{"missing NOT BETWEEN 1 AND 2", false},
		{"NOT (missing BETWEEN 1 AND 2)", false},
		{"rank BETWEEN missing AND 200", false},
		{"NOT (rank BETWEEN missing AND 100)", true}, // UNKNOWN AND FALSE
		{"NOT (rank BETWEEN missing AND 200)", false},
		{"rank NOT BETWEEN missing AND 100", true}, // UNKNOWN OR TRUE
		{"name BETWEEN 1 AND 2", false},
		{"name NOT BETWEEN 1 AND 2", false}, // FALSE OR FALSE
		{"name in ('James', 'Bob', 'Gromit')", true},
		{"name in ('Bob', 'James', 'Gromit')", true},
		{"name IN ('Gromit', 'Bob', 'Cheddar')", false},
		{"name NOT IN ('Gromit', 'Bob', 'Cheddar')", true},
		{"name NOT IN ('James')", false},
		{"name IN ('James')", true},
		{"name IN ('james')", false},
		{"name IN ('a','b','c','d','e','f','g','h','i','James')", true},
		{"name IN ('a','b','c','d','e','f','g','h','i','j')", false},
		{"name NOT IN ('a','b','c','d','e','f','g','h','i','j')", true},
		{"name NOT IN ('a','b','c','d','e','f','g','h','i','James')", false},
		{"quote IN ('''In God We Trust''')", true},
		{"missing IN ('a')", false},
		{"missing NOT IN ('a')", false},
		{"NOT (missing IN ('a'))", false},
		// IN never converts: a number is UNKNOWN, under NOT as well.
		{"rank IN ('123')", false},
		{"rank NOT IN ('123')", false},
		{"NOT (rank IN ('1'))", false},
		{"JMSDeliveryMode IN ('PERSISTENT', 'NON_PERSISTENT')", true},
		{"+name IN ('James')", true},
		{"(name) IN ('James')", true},
	})
}

func TestHeadersAndLiterals(t *testing.T) {
	runMatches(t, msg, []matchCase{
		{"JMSType = 'car'", true},
		{"JMSPriority = 5", true},
		{"JMSPriority > 4 AND color = 'red'", true},
		{"JMSTimestamp > 1600000000000", true},
		{"JMSTimestamp > 1600000000000L", true},
		{"JMSCorrelationID = 'corr-1'", true},
		{"JMSMessageID LIKE 'ID:host-1:%'", true},
		{"JMSDeliveryMode = 'PERSISTENT'", true},
		{"JMSDeliveryMode = 'NON_PERSISTENT'", false},
		{"JMSExpiration = 0", true},
		{"JMSRedelivered = FALSE", true},
		{"NOT JMSRedelivered", true},
		{"JMSXDeliveryCount = 1", true},
		{"JMSXGroupID = 'g1' AND JMSXGroupSeq = 3", true},
		{"JMSDestination = 'queue://orders'", true},
		{"JMSXUserID = 'alice'", true},
		{"jmstype = 'car'", false}, // identifiers are case-sensitive
		// Keywords are case-insensitive.
		{"name Like 'J%' aNd rank bEtWeEn 1 AnD 200 Or FaLsE", true},
		{"missing is null", true},
		{"trueProp = true", true},
		// Identifiers.
		{"$dollar = 1", true},
		{"_under_ = 2", true},
		{"größe = 42", true},
		// Integer literal forms.
		{"rank = 0x7B", true},
		{"rank = 0X7b", true},
		{"rank = 0173", true},
		{"rank = 123L", true},
		{"rank = 123l", true},
		{"izero = 0", true},
		{"izero = 00", true},
		{"izero = 0x0", true},
		{"rank = 1.23e2", true},
		{"rank = 12300E-2", true},
		{"maxLong = 0x7FFFFFFFFFFFFFFF", true},
		{"maxLong = 0777777777777777777777", true},
		// Beyond the long range: ActiveMQ's BigDecimal, never equal to a
		// number but comparable with another such literal.
		{"maxLong < 9223372036854775808", false},
		{"maxLong = 9223372036854775808", false},
		{"maxLong <> 9223372036854775808", true},
		{"99999999999999999999 = 99999999999999999999", true},
		{"99999999999999999999 > 99999999999999999998", true},
		{"-99999999999999999999 < 99999999999999999998", true},
		{"-99999999999999999999 < -99999999999999999998", true},
		{"-9223372036854775808 < 0", true}, // Long.MIN_VALUE becomes a long
		// String literals.
		{"quote = '''In God We Trust'''", true},
		{"'it''s' = 'it' + '''s'", true},
		{"empty = ''", true},
		{"uni = 'héllo wörld 😀!'", true},
		{"multi = 'line1\nline2'", true},
	})
}

// STOMP subscriptions are parsed with ConvertStringsPrefix; every property
// is a string there.
func TestConvertStrings(t *testing.T) {
	p := ConvertStringsPrefix
	runMatches(t, msg, []matchCase{
		{p + "num > 10", true},
		{p + "num >= 50", true},
		{p + "num < 10", false},
		{p + "num = 50", true},
		{p + "num <> 50", false},
		{p + "num <> 51", true},
		{p + "50 = num", true},
		{p + "10 < num", true},
		{p + "num = 50.0", true},
		{p + "num > 49.5", true},
		{p + "num BETWEEN 40 AND 60", true},
		{p + "num NOT BETWEEN 40 AND 60", false},
		{p + "numNeg < 0", true},
		{p + "num = '50'", true},
		// The string is parsed as the other side's type: "50.5" is not an
		// integer, so against 10 the comparison is FALSE...
		{p + "numF > 10", false},
		{p + "NOT (numF > 10)", true},
		// ...but it is a double, as is " 50 " (Double.valueOf trims).
		{p + "numF > 10.0", true},
		{p + "numF = 50.5", true},
		{p + "numSp = 50", false},
		{p + "numSp = 50.0", true},
		// An integer literal that fits in 32 bits is a Java Integer.
		{p + "numBig > 10", false},
		{p + "numBig > 2147483648", true},
		{p + "numBig = 3000000000", true},
		{p + "numBig > 10.0", true},
		// Not a number: FALSE, not UNKNOWN.
		{p + "abc > 10", false},
		{p + "abc = 10", false},
		{p + "abc <> 10", true},
		{p + "NOT (abc < 10)", true},
		// Against a property holding a number.
		{p + "num > rank", false},
		{p + "num < rank", true},
		{p + "rank > num", true},
		{p + "price < num", true},
		// Strings convert to booleans with the string on the left only.
		{p + "sTrue = TRUE", true},
		{p + "sFalse = FALSE", true},
		{p + "sTrue = trueProp", true},
		{p + "TRUE = sTrue", false},               // ActiveMQ throws here
		{p + "TRUE = sTrue OR rank = 123", false}, // ... failing the selector
		{p + "rank = 123 OR TRUE = sTrue", true},
		// A bare string identifier is still not a boolean.
		{p + "sTrue", false},
		// IN, LIKE and arithmetic do not convert.
		{p + "num IN ('50')", true},
		{p + "rank IN ('123')", false},
		{p + "num + 1 = 51", false}, // '+' concatenates: '501'
		{p + "num + 1 = 501", true},
		{p + "num * 2 = 100", false}, // error
		{p + "1 + num = 51", false},  // error
		// Without the prefix, strings and numbers never compare.
		{"num > 10", false},
		{"num = 50", false},
		{"sTrue = TRUE", false},
		{"NOT (num = 50)", true},
	})
	s := MustParse(p + "num > 10")
	if !s.ConvertsStrings() || s.String() != p+"num > 10" {
		t.Errorf("ConvertsStrings/String: %v %q", s.ConvertsStrings(), s.String())
	}
	if MustParse("num > 10").ConvertsStrings() {
		t.Error("plain selector converts strings")
	}
}

func TestParseJavaNumbers(t *testing.T) {
	ints := []struct {
		s      string
		narrow bool
		want   int64
		ok     bool
	}{
		{"0", false, 0, true},
		{"-0", false, 0, true},
		{"+12", false, 12, true},
		{"-12", true, -12, true},
		{"9223372036854775807", false, math.MaxInt64, true},
		{"9223372036854775808", false, 0, false},
		{"-9223372036854775808", false, math.MinInt64, true},
		{"-9223372036854775809", false, 0, false},
		{"2147483647", true, math.MaxInt32, true},
		{"2147483648", true, 0, false},
		{"-2147483648", true, math.MinInt32, true},
		{"", false, 0, false},
		{"-", false, 0, false},
		{" 1", false, 0, false},
		{"1.0", false, 0, false},
		{"0x10", false, 0, false},
		{"1_000", false, 0, false},
	}
	for _, c := range ints {
		got, ok := parseJavaInt(c.s, c.narrow)
		if ok != c.ok || got != c.want {
			t.Errorf("parseJavaInt(%q, %v) = %d, %v", c.s, c.narrow, got, ok)
		}
	}
	floats := []struct {
		s    string
		want float64
		ok   bool
	}{
		{"1", 1, true},
		{" 1.5 ", 1.5, true},
		{"-1.5e3", -1500, true},
		{"1.", 1, true},
		{".5", .5, true},
		{"1.5f", 1.5, true},
		{"2D", 2, true},
		{"0x1p4", 16, true},
		{"0x1.8P1d", 3, true},
		{"Infinity", math.Inf(1), true},
		{"-Infinity", math.Inf(-1), true},
		{"1e400", math.Inf(1), true},
		{"", 0, false},
		{".", 0, false},
		{"e5", 0, false},
		{"1e", 0, false},
		{"inf", 0, false},
		{"nan", 0, false},
		{"NaNd", 0, false},
		{"1_0", 0, false},
		{"0x1", 0, false},
		{"1.5ff", 0, false},
		{"--1", 0, false},
	}
	for _, c := range floats {
		got, ok := parseJavaDouble(c.s)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("parseJavaDouble(%q) = %v, %v", c.s, got, ok)
		}
	}
	if f, ok := parseJavaDouble("NaN"); !ok || f == f {
		t.Errorf("parseJavaDouble(NaN) = %v, %v", f, ok)
	}
}

func TestJavaDoubleString(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1.0", 1.5: "1.5", -2: "-2.0", 100: "100.0", 1234567: "1234567.0",
		1e7: "1.0E7", 1.25e10: "1.25E10", 0.001: "0.001", 0.0001: "1.0E-4",
		-1.5e-5: "-1.5E-5", 0: "0.0", math.Inf(1): "Infinity", 1e100: "1.0E100",
	} {
		if got := javaDoubleString(f); got != want {
			t.Errorf("javaDoubleString(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestCmpUTF16(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"a", "b", -1},
		{"b", "a", 1},
		{"a", "a", 0},
		{"a", "ab", -1},
		{"", "a", -1},
		{"é", "z", 1},
		// U+FFFD is above U+1F600 in code points but below its high
		// surrogate (U+D83D) in UTF-16.
		{"\uFFFD", "😀", 1},
		{"x\uE000", "x😀", 1},
		{"😀", "😁", -1},
	}
	for _, c := range cases {
		if got := cmpUTF16(c.a, c.b); got != c.want {
			t.Errorf("cmpUTF16(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestEmptyAndNil(t *testing.T) {
	for _, s := range []string{"", " ", " \t\r\n\f", ConvertStringsPrefix, ConvertStringsPrefix + "  "} {
		sel, err := Parse(s)
		if sel != nil || err != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, nil", s, sel, err)
		}
	}
	var sel *Selector
	if !sel.Matches(msg) || !sel.Matches(MapSource{}) {
		t.Error("nil selector must match everything")
	}
	if sel.String() != "" || sel.ConvertsStrings() {
		t.Error("nil selector String/ConvertsStrings")
	}
	if MustParse("") != nil {
		t.Error("MustParse(\"\") != nil")
	}
	const text = "  name = 'James' "
	if got := MustParse(text).String(); got != text {
		t.Errorf("String() = %q", got)
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse did not panic")
		}
	}()
	MustParse("a = ")
}

// A Source returning a kind it should not is treated as NULL.
func TestSourceOddKinds(t *testing.T) {
	src := MapSource{"x": {Kind: kindAbort}, "y": {Kind: 200}}
	runMatches(t, src, []matchCase{
		{"x IS NULL", true},
		{"y IS NULL", true},
		{"x = 1 OR TRUE", true},
	})
}

func TestSyntaxErrors(t *testing.T) {
	cases := []struct {
		sel string
		pos int
		msg string // substring of the message
	}{
		{"a = ", 4, "unexpected end of input"},
		{"a =", 3, "unexpected end of input"},
		{"a", -1, ""}, // valid, for contrast
		{"a == 1", 3, `unexpected "="`},
		{"a = 1)", 5, `unexpected ")"`},
		{"(a = 1", 6, `expected ")"`},
		{"a = 'abc", 4, "unterminated string literal"},
		{"a = 'it''s", 4, "unterminated string literal"},
		{"a # 1", 2, "unexpected character '#'"},
		{"a != 1", 2, "unexpected character '!'"},
		{"a = \"x\"", 4, "unexpected character '\"'"},
		{"3+5", 0, "will not result in a boolean"},
		{"True AND 3+5", 9, "will not result in a boolean"},
		{"'x'", 0, "will not result in a boolean"},
		{"-a", 0, "will not result in a boolean"},
		{"NOT 5", 4, "will not result in a boolean"},
		{"a + 1 OR b", 0, "will not result in a boolean"},
		{"=TEST 'test'", 0, `unexpected "="`},
		{"prop1 = prop2 foo AND string = 'Test'", 14, `unexpected "foo"`},
		{"a = 1 AMD  b = 2", 6, `unexpected "AMD"`},
		{"a > 'x'", 4, "string literal cannot be compared"},
		{"'x' < a", 0, "string literal cannot be compared"},
		{"a > TRUE", 4, "boolean value cannot be compared"},
		{"a > NULL", 4, "boolean value cannot be compared"},
		{"a < b < c", 0, "boolean value cannot be compared"},
		{"a > (b = 1)", 5, "boolean value cannot be compared"},
		{"a BETWEEN 'a' AND 'c'", 10, "string literal cannot be compared"},
		{"a BETWEEN 1 AND TRUE", 16, "boolean value cannot be compared"},
		{"a = NULL", 4, "NULL cannot be compared"},
		{"NULL <> a", 0, "NULL cannot be compared"},
		{"TRUE = 1", 0, "boolean literal cannot be compared"},
		{"FALSE = 'x'", 0, "boolean literal cannot be compared"},
		{"a IN (1, 2)", 6, "expected a string literal in the IN list"},
		{"a IN ('x' 'y')", 10, `expected "," or ")"`},
		{"a IN ()", 6, "expected a string literal in the IN list"},
		{"a IN 'x'", 5, `expected "("`},
		{"1 IN ('x')", 0, "IN requires an identifier"},
		{"a + 1 IN ('x')", 0, "IN requires an identifier"},
		{"a LIKE b", 7, "expected a string literal after LIKE"},
		{"a LIKE 'x' ESCAPE 'ab'", 18, "ESCAPE must be a single character"},
		{"a LIKE 'x' ESCAPE ''", 18, "ESCAPE must be a single character"},
		{"a LIKE 'x' ESCAPE 1", 18, "expected a string literal after ESCAPE"},
		{"a BETWEEN 1", 11, `expected AND but found end of input`},
		{"a BETWEEN 1 OR 2", 12, `expected AND`},
		{"a IS 1", 5, "expected NULL"},
		{"a IS NOT 1", 9, "expected NULL"},
		{"a NOT 1", 2, `unexpected "NOT"`},
		{"a NOT = 1", 2, `unexpected "NOT"`},
		{"NOT", 3, "unexpected end of input"},
		{"a AND", 5, "unexpected end of input"},
		{"AND a", 0, `unexpected "AND"`},
		{"()", 1, `unexpected ")"`},
		{"a = 0x", 5, `unexpected "x"`},
		{"a = 0xG", 5, `unexpected "xG"`},
		{"a = 1.5f", 7, `unexpected "f"`},
		{"a = 1.5d", 7, `unexpected "d"`},
		{"a = 0x1FL", 8, `unexpected "L"`},
		{"a = 0L", 5, `unexpected "L"`},
		{"a = 09", 5, `unexpected "9"`},
		{"a = 0789", 6, `unexpected "89"`},
		{"a = 1abc", 5, `unexpected "abc"`},
		{"a = 1e", 5, `unexpected "e"`},
		{"a = 0x8000000000000000", 4, "hex literal out of range"},
		{"a = 01777777777777777777777", 4, "octal literal out of range"},
		{"a = . 5", 4, "unexpected character '.'"},
		{"XPATH '//a'", 0, "XPATH and XQUERY selectors are not supported"},
		{"xquery 'x'", 0, "XPATH and XQUERY selectors are not supported"},
		{"REGEX('a', b)", 0, "function calls are not supported"},
		{"a = 1 /* unterminated", 7, `unexpected "*"`},
		{"NOT rank > 1", 0, "boolean value cannot be compared"},
		{"a = 'é' AND #", 12, "unexpected character '#'"}, // positions count characters
		{"größe = = 1", 8, `unexpected "="`},
		{"a = 'x' \xff", 8, "invalid UTF-8"},
		{"a.b = 1", 1, "unexpected character '.'"},
		{"a = 1 OR", 8, "unexpected end of input"},
		{"NOT NOT", 7, "unexpected end of input"},
		{"a = -", 5, "unexpected end of input"},
		{"a LIKE", 6, "expected a string literal after LIKE but found end of input"},
		{ConvertStringsPrefix + "a = ", 4, "unexpected end of input"},
		{" convert_string_expressions:a = 1", 27, "unexpected character ':'"},
		{strings.Repeat("(", 600) + "a" + strings.Repeat(")", 600), -2, "nested too deeply"},
	}
	for _, c := range cases {
		sel, err := Parse(c.sel)
		if c.pos == -1 {
			if err != nil {
				t.Errorf("Parse(%q): unexpected error %v", c.sel, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error at %d", c.sel, sel, c.pos)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q): error %T is not *SyntaxError", c.sel, err)
			continue
		}
		if c.pos >= 0 && se.Pos != c.pos {
			t.Errorf("Parse(%q): position %d, want %d (%v)", c.sel, se.Pos, c.pos, err)
		}
		if !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Parse(%q): message %q, want it to contain %q", c.sel, se.Msg, c.msg)
		}
	}
}

func TestSyntaxErrorText(t *testing.T) {
	_, err := Parse("a = ")
	if want := `selector "a = " : unexpected end of input at position 4`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = Parse(ConvertStringsPrefix + "a = ")
	if want := `selector "a = " : unexpected end of input at position 4`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestNoAllocs checks that evaluation of typical selectors does not allocate.
func TestNoAllocs(t *testing.T) {
	sels := []string{
		"JMSPriority > 4 AND color = 'red'",
		"name IN ('a', 'b', 'James')",
		"name IN ('a','b','c','d','e','f','g','h','i','James')",
		"name LIKE 'Jam%'",
		"name LIKE '%a_e%'",
		"path LIKE 'a\\%b%d' ESCAPE '\\'",
		"rank BETWEEN 100 AND 150 OR NOT (price > 10)",
		"missing IS NULL AND (rank + 2) * 3 > 10 AND price / 2 < 5",
		"NOT (name = 'x') AND trueProp AND JMSDeliveryMode <> 'NON_PERSISTENT'",
		ConvertStringsPrefix + "num > 10 AND numF = 50.5 AND sTrue = TRUE",
	}
	for _, s := range sels {
		sel := MustParse(s)
		if n := testing.AllocsPerRun(200, func() { sel.Matches(msg) }); n != 0 {
			t.Errorf("%q: %v allocations per Matches", s, n)
		}
	}
}

func TestConcurrentMatches(t *testing.T) {
	sel := MustParse("JMSPriority > 4 AND color = 'red' AND name LIKE 'J%'")
	done := make(chan bool)
	for range 8 {
		go func() {
			ok := true
			for range 1000 {
				ok = ok && sel.Matches(msg)
			}
			done <- ok
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("concurrent Matches returned false")
		}
	}
}
