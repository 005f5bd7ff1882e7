package selector

import (
	"errors"
	"math/rand"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSources are evaluated against every selector that parses.
var fuzzSources = []Source{
	msg,
	MapSource{},
	// What a STOMP message looks like: every property a string.
	MapSource{
		"a": StringValue("1"), "b": StringValue("x"), "c": StringValue("true"),
		"name": StringValue("James"), "rank": StringValue("123"), "x": StringValue("NaN"),
		"JMSPriority": IntValue(4), "color": StringValue("red"),
	},
	MapSource{
		"a": IntValue(-1 << 63), "b": FloatValue(-0.0), "c": BoolValue(true),
		"name": IntValue(0), "rank": FloatValue(1e308), "x": StringValue(""),
	},
}

var fuzzSeeds = []string{
	// Valid.
	"a = 1", "a <> 'x'", "a > 1 AND b < 2 OR NOT c", "name LIKE 'J%' ESCAPE '!'",
	"name NOT LIKE '%a_e%'", "rank BETWEEN 1 AND 200", "rank NOT BETWEEN -1 AND 1",
	"color IN ('red', 'green')", "color NOT IN ('a','b','c','d','e','f','g','h','i')",
	"a IS NULL", "a IS NOT NULL", "TRUE", "FALSE", "NULL", "NOT NULL", "(a)", "((a))",
	"a + b * c - d / e % f > 0", "-a = +b", "- - -1 < a", "0x1F = a", "017 = a",
	"10L = a", "1.5e3 = a", ".5 = a", "1. = a", "'it''s' = a", "a = b = c",
	"JMSPriority > 4 AND color = 'red'", "JMSType = 'car' AND JMSXGroupSeq >= 2",
	"99999999999999999999 = a", "-9223372036854775808 = a", "a / 0 > 1",
	"a + 'x' = 'y'", "'x' + a = 'x1'", "a * 'x' = 1", "(a > 1) = TRUE",
	"a -- comment\n= 1", "a /* c */ = 1", "a = 1 --1", "größe = 1",
	"NOT a = 'x'", "x LIKE '%%%' ESCAPE '%'", "x LIKE '!' ESCAPE '!'",
	ConvertStringsPrefix + "a > 0 AND c = TRUE AND TRUE = c",
	ConvertStringsPrefix + "rank BETWEEN 100 AND 200.5",
	"", "   ", ConvertStringsPrefix,
	// Invalid.
	"a = ", "a == 1", "a = 'x", "3+5", "a > 'x'", "a IN (1)", "1 IN ('x')",
	"a LIKE 'x' ESCAPE 'xy'", "a BETWEEN 1", "a IS 1", "XPATH 'x'", "f(x)",
	"a = 0x", "a = 1.5f", "a = 09", "((((a", "a))))", "a = NULL", "TRUE = 1",
	"NOT", "AND", "a = 1 /* x", "a # b", "a = \xff", "a = 0x8000000000000000",
	strings.Repeat("NOT ", 1000) + "a", strings.Repeat("-", 1000) + "1 = a",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %T is not *SyntaxError", s, err)
			}
			n := utf8.RuneCountInString(strings.TrimPrefix(s, ConvertStringsPrefix))
			if se.Pos < 0 || se.Pos > n {
				t.Fatalf("Parse(%q): position %d outside 0..%d", s, se.Pos, n)
			}
			_ = se.Error()
			return
		}
		if sel == nil {
			if !isBlank(strings.TrimPrefix(s, ConvertStringsPrefix)) {
				t.Fatalf("Parse(%q) = nil, nil for a non-blank selector", s)
			}
			return
		}
		if sel.String() != s {
			t.Fatalf("String() = %q, want %q", sel.String(), s)
		}
		for _, src := range fuzzSources {
			a := sel.Matches(src)
			if b := sel.Matches(src); a != b {
				t.Fatalf("%q: Matches not deterministic", s)
			}
		}
	})
}

// likeRegexp is an independent reference for LIKE: it translates the pattern
// into a regular expression the way ActiveMQ does ('%' to a lazy .*, '_' to
// ., everything else quoted, anchored, dot matching newlines).
func likeRegexp(pattern string, escape rune) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if c == escape && i+1 < len(rs) && (rs[i+1] == '%' || rs[i+1] == '_' || rs[i+1] == escape) {
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
			continue
		}
		switch c {
		case '%':
			b.WriteString(".*?")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

func checkLike(t *testing.T, pattern string, escape rune, value string) {
	t.Helper()
	want := likeRegexp(pattern, escape).MatchString(value)
	if got := compileLike(pattern, escape).match(value); got != want {
		t.Fatalf("LIKE %q ESCAPE %q on %q: got %v, want %v", pattern, escape, value, got, want)
	}
}

func TestLikeAgainstRegexp(t *testing.T) {
	alphabet := []string{"a", "b", "ab", "%", "_", "!", "é", "😀", "\n", "."}
	rng := rand.New(rand.NewSource(1))
	gen := func(n int) string {
		var b strings.Builder
		for range rng.Intn(n) {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		escape := rune(-1)
		switch rng.Intn(3) {
		case 1:
			escape = '!'
		case 2:
			escape = '%'
		}
		checkLike(t, gen(8), escape, gen(10))
	}
}

func FuzzLike(f *testing.F) {
	for _, c := range [][2]string{
		{"a%b", "axxb"}, {"%a_", "bab"}, {"_%_", "ab"}, {"!%%", "%x"}, {"%%!", "a!"},
		{"a\\_b", "a_b"}, {"%😀_", "x😀y"}, {"", ""}, {"%", ""}, {"__", "😀😀"},
	} {
		f.Add(c[0], c[1], uint8('!'))
	}
	f.Fuzz(func(t *testing.T, pattern, value string, esc uint8) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(value) {
			return // selectors are valid UTF-8; regexp and LIKE differ on bad bytes
		}
		escape := rune(esc)
		if esc == 0 {
			escape = -1
		}
		checkLike(t, pattern, escape, value)
	})
}

// TestFuzzSeeds keeps the seed corpus honest: most seeds must be valid
// selectors, or the fuzzer would rarely reach evaluation.
func TestFuzzSeeds(t *testing.T) {
	valid := 0
	for _, s := range fuzzSeeds {
		if sel, err := Parse(s); err == nil && sel != nil {
			valid++
		}
	}
	if valid < 40 {
		t.Errorf("only %d valid seeds", valid)
	}
}
