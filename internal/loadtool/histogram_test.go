package loadtool

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	// Every value lands in a bucket whose bounds hold it, and bucket
	// bounds are contiguous.
	prevUpper := int64(-1)
	for i := range histBuckets {
		lo := prevUpper + 1
		up := histUpper(i)
		if up < lo {
			t.Fatalf("bucket %d: upper %d below lower %d", i, up, lo)
		}
		if histBucket(uint64(lo)) != i || histBucket(uint64(up)) != i {
			t.Fatalf("bucket %d [%d, %d]: bounds map to %d and %d", i, lo, up, histBucket(uint64(lo)), histBucket(uint64(up)))
		}
		if lo >= histSub && float64(up-lo+1)/float64(lo) > 1.0/histSub+1e-12 {
			t.Fatalf("bucket %d [%d, %d] wider than 1/%d of its values", i, lo, up, histSub)
		}
		prevUpper = up
		if up == math.MaxInt64 {
			if i != histBuckets-1 {
				t.Fatalf("bucket %d reaches MaxInt64 before the last bucket", i)
			}
			return
		}
	}
	t.Fatalf("buckets end at %d, before MaxInt64", prevUpper)
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Max() != 0 || h.Count() != 0 {
		t.Fatal("empty histogram not zero")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]int64, 100000)
	for i := range vals {
		// Log-normal-ish latencies between ~10 us and ~100 ms.
		vals[i] = int64(math.Exp(rng.Float64()*9.2) * 1e4)
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(math.Ceil(q*float64(len(vals))))-1]
		got := h.Quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/histSub+1 {
			t.Errorf("q%v = %d, exact %d", q, got, exact)
		}
	}
	if h.Max() != vals[len(vals)-1] || h.Quantile(1) != h.Max() {
		t.Errorf("max %d, want %d", h.Max(), vals[len(vals)-1])
	}
	if h.Count() != uint64(len(vals)) {
		t.Errorf("count %d", h.Count())
	}
}

func TestHistogramMergeAndEdges(t *testing.T) {
	var a, b Histogram
	for i := range 100 {
		a.Record(int64(i)) // exact below 128
	}
	b.Record(-5) // clock step: counts as 0
	b.Record(int64(time.Hour))
	a.Merge(&b)
	a.Merge(nil)
	a.Merge(&Histogram{})
	if a.Count() != 102 || a.Max() != int64(time.Hour) {
		t.Fatalf("count %d max %d", a.Count(), a.Max())
	}
	if got := a.Quantile(0.5); got != 49 {
		t.Errorf("median %d, want 49", got)
	}
	if got := a.Quantile(0); got != 0 {
		t.Errorf("q0 %d", got)
	}
	var one Histogram
	one.Record(123456789)
	if one.Quantile(0.5) != 123456789 || one.Quantile(0.999) != 123456789 {
		t.Errorf("single value: %d", one.Quantile(0.5))
	}
}

func TestSummaryJSONFields(t *testing.T) {
	var h Histogram
	h.Record(1500)
	h.Record(2500)
	s := newSummary(2000, 2000*100, 2*time.Second, &h, 0)
	if s.Messages != 2000 || s.Seconds != 2 || s.Rate != 1000 || s.MBps != 0.1 || s.P50us != 1.5 || s.MaxUs != 2.5 {
		t.Fatalf("%+v", s)
	}
}

func BenchmarkLatencyHistogram(b *testing.B) {
	vals := make([]int64, 4096)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range vals {
		vals[i] = int64(math.Exp(rng.Float64()*12) * 100)
	}
	b.Run("Record", func(b *testing.B) {
		var h Histogram
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h.Record(vals[i&4095])
		}
	})
	b.Run("Quantile", func(b *testing.B) {
		var h Histogram
		for _, v := range vals {
			h.Record(v)
		}
		b.ReportAllocs()
		for b.Loop() {
			h.Quantile(0.99)
		}
	})
}

func TestParseStamp(t *testing.T) {
	for _, c := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"1732000000123456789", 1732000000123456789, true},
		{"0", 0, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9999999999999999999", 0, false}, // overflows int64
		{"", 0, false},
		{"12a4", 0, false},
		{"-5", 0, false},
		{"12345678901234567890", 0, false},
	} {
		n, ok := parseStamp(c.in)
		if ok != c.ok || ok && n != c.n {
			t.Errorf("parseStamp(%q) = %d, %v; want %d, %v", c.in, n, ok, c.n, c.ok)
		}
	}
}
