package selector

import (
	"testing"
)

var benchSelectors = []struct{ name, sel string }{
	{"priority_and_color", "JMSPriority > 4 AND color = 'red'"},
	{"in_3", "color IN ('green', 'blue', 'red')"},
	{"in_20", "color IN ('c01','c02','c03','c04','c05','c06','c07','c08','c09','c10'," +
		"'c11','c12','c13','c14','c15','c16','c17','c18','c19','red')"},
	{"like_prefix", "JMSMessageID LIKE 'ID:host-1:%'"},
	{"like_general", "name LIKE '_a%e_'"},
	{"between_or", "rank BETWEEN 100 AND 200 OR price < 5"},
	{"arith", "(rank + 2) * 3 > 300 AND price / 2 < 5"},
	{"complex", "JMSType = 'car' AND (color = 'red' OR color = 'blue') AND " +
		"NOT (rank < 100) AND name IS NOT NULL AND JMSXGroupSeq <= 10"},
	{"stomp_numeric", ConvertStringsPrefix + "num > 10 AND num < 100"},
}

func BenchmarkMatches(b *testing.B) {
	for _, bs := range benchSelectors {
		sel := MustParse(bs.sel)
		b.Run(bs.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sel.Matches(msg)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, bs := range benchSelectors {
		b.Run(bs.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bs.sel); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
