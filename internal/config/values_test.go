package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	good := []struct {
		in   string
		want int64
	}{
		{"1024", 1024},
		{"0", 0},
		{"64 mb", 64 << 20},
		{"64mb", 64 << 20},
		{"64 MB", 64 << 20},
		{"64 Mb", 64 << 20},
		{"64m", 64 << 20},
		{"1gb", 1 << 30},
		{"1 g", 1 << 30},
		{"2 G", 2 << 30},
		{"100 kb", 100 << 10},
		{"62k", 62 << 10},
		{"10 b", 10},
		{"10b", 10},
		{"  5 mb  ", 5 << 20},
		{"\t7\tkb\n", 7 << 10},
		{"100 gb", 100 << 30},
		{"8589934591 gb", 8589934591 << 30},
	}
	for _, c := range good {
		got, err := ParseSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	// ActiveMQ's MemoryPropertyEditor rejects all of these.
	bad := []string{"", " ", "mb", "64 zb", "1.5 gb", "1 tb", "-1", "+1", "1 k b", "1 kbb", "0x10",
		"1,000", "1e3", "64 mib", "9223372036854775808", "8589934592 gb", "１２"}
	for _, in := range bad {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		} else if !strings.Contains(err.Error(), "invalid size") {
			t.Errorf("ParseSize(%q) error %q lacks the reason", in, err)
		}
	}
	if _, err := parseSizeInt("2 gb"); err == nil {
		t.Errorf("parseSizeInt(2 gb) should overflow a Java int")
	}
	if n, err := parseSizeInt("1 gb"); err != nil || n != 1<<30 {
		t.Errorf("parseSizeInt(1 gb) = %d, %v", n, err)
	}
}

func TestParseBool(t *testing.T) {
	// ActiveMQ's BooleanEditor: true/false in any case, nothing else.
	for in, want := range map[string]bool{"true": true, "TRUE": true, "True": true, "false": false, "FaLsE": false} {
		got, err := ParseBool(in)
		if err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "yes", "no", "1", "0", "on", " true", "true ", "t", "tru"} {
		if _, err := ParseBool(in); err == nil || err.Error() != `invalid boolean "`+in+`"` {
			t.Errorf("ParseBool(%q) err = %v", in, err)
		}
	}
	// Spring's CustomBooleanEditor, used for every other attribute.
	for in, want := range map[string]bool{"true": true, "on": true, "YES": true, "1": true, " true ": true,
		"false": false, "Off": false, "no": false, "0": false} {
		got, err := ParseSpringBool(in)
		if err != nil || got != want {
			t.Errorf("ParseSpringBool(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "y", "2", "truth", "nope"} {
		if _, err := ParseSpringBool(in); err == nil {
			t.Errorf("ParseSpringBool(%q) should fail", in)
		}
	}
}

func TestParseInt(t *testing.T) {
	good := []struct {
		in   string
		bits int
		want int64
	}{
		{"0", 32, 0},
		{"1000", 32, 1000},
		{"-1", 32, -1},
		{"+5", 32, 5},
		{" 30000 ", 64, 30000},
		{"1 000", 32, 1000}, // Spring removes all whitespace
		{"007", 32, 7},      // decimal, not octal
		{"0x1F", 32, 31},
		{"#ff", 32, 255},
		{"-0x10", 32, -16},
		{"2147483647", 32, 2147483647},
		{"-2147483648", 32, -2147483648},
		{"9223372036854775807", 64, 9223372036854775807},
		{"32767", 16, 32767},
	}
	for _, c := range good {
		got, err := ParseInt(c.in, c.bits)
		if err != nil || got != c.want {
			t.Errorf("ParseInt(%q, %d) = %d, %v; want %d", c.in, c.bits, got, err, c.want)
		}
	}
	bad := []struct {
		in   string
		bits int
	}{{"", 32}, {"ten", 32}, {"1.5", 32}, {"2147483648", 32}, {"-2147483649", 32}, {"1e3", 64},
		{"0x", 32}, {"--1", 32}, {"+-1", 32}, {"32768", 16}, {"99999999999999999999", 64}, {"5mb", 32}}
	for _, c := range bad {
		if got, err := ParseInt(c.in, c.bits); err == nil {
			t.Errorf("ParseInt(%q, %d) = %d, want an error", c.in, c.bits, got)
		}
	}
	if _, err := ParseInt("99999999999", 32); err == nil || err.Error() != `invalid integer "99999999999": out of range` {
		t.Errorf("overflow error = %v", err)
	}
}

func TestParseFloat(t *testing.T) {
	for in, want := range map[string]float64{"5": 5, "2.5": 2.5, "1.5d": 1.5, "2f": 2, " 0.15 ": 0.15, "1e2": 100} {
		got, err := ParseFloat(in)
		if err != nil || got != want {
			t.Errorf("ParseFloat(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "x", "1_0", "0x1p3", "1.2.3"} {
		if _, err := ParseFloat(in); err == nil {
			t.Errorf("ParseFloat(%q) should fail", in)
		}
	}
}

func TestParseTimespan(t *testing.T) {
	good := map[string]time.Duration{
		"2s": 2 * time.Second, "500ms": 500 * time.Millisecond, "1m30s": 90 * time.Second,
		"1h": time.Hour, "2000": 2 * time.Second, "1d": 24 * time.Hour, " 3S ": 3 * time.Second,
	}
	for in, want := range good {
		got, err := ParseTimespan(in)
		if err != nil || got != want {
			t.Errorf("ParseTimespan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "s", "2x", "-2s", "1.5s", "99999999999999999999s", "9223372036854775807h"} {
		if _, err := ParseTimespan(in); err == nil {
			t.Errorf("ParseTimespan(%q) should fail", in)
		}
	}
}

// TestDurations checks that time attributes are plain millisecond counts,
// as ActiveMQ reads them.
func TestDurations(t *testing.T) {
	cfg, _ := mustParse(t, broker(`<destinationPolicy><policyMap><policyEntries>
<policyEntry queue=">" expireMessagesPeriod="0x7530" inactiveTimeoutBeforeGC=" 60000 " blockedProducerWarningInterval="-1"/>
</policyEntries></policyMap></destinationPolicy>`), testOpts())
	p := cfg.PolicyFor("queue", "Q")
	eq(t, "hex ms", p.ExpireMessagesPeriod, int64(30000))
	eq(t, "spaced ms", p.InactiveTimeoutBeforeGC, int64(60000))
	eq(t, "negative", p.BlockedProducerWarningInterval, int64(-1))
	_, _, err := Parse("activemq.xml", []byte(broker(`<destinationPolicy><policyMap><policyEntries>
<policyEntry queue=">" expireMessagesPeriod="30s"/>
</policyEntries></policyMap></destinationPolicy>`)), testOpts())
	if err == nil || !strings.Contains(err.Error(), `<policyEntry expireMessagesPeriod="30s">: invalid integer "30s"`) {
		t.Errorf("err = %v", err)
	}
}
