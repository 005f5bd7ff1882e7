package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ParseSize reads a byte count the way ActiveMQ's MemoryPropertyEditor does
// (org.apache.activemq.util.XBeanByteConverterUtil): a run of ASCII digits,
// optional whitespace, then an optional unit b, k, kb, m, mb, g or gb in any
// case, with optional surrounding whitespace. Units are powers of 1024. There
// is no sign, no decimal point and no terabyte unit: ActiveMQ rejects
// "1.5 gb" and "1 tb", and so does this function. Unlike ActiveMQ, which
// silently wraps around, a value that overflows an int64 is an error.
func ParseSize(s string) (int64, error) {
	t := strings.TrimFunc(s, isJavaRegexSpace)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	digits := t[:i]
	unit := strings.ToLower(strings.TrimLeftFunc(t[i:], isJavaRegexSpace))
	shift := 0
	switch unit {
	case "", "b":
	case "k", "kb":
		shift = 10
	case "m", "mb":
		shift = 20
	case "g", "gb":
		shift = 30
	default:
		return 0, fmt.Errorf("invalid size %q", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: out of range", s)
	}
	if n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("invalid size %q: out of range", s)
	}
	return n << shift, nil
}

// parseSizeInt is ParseSize for ActiveMQ's MemoryIntPropertyEditor, whose
// target is a Java int.
func parseSizeInt(s string) (int64, error) {
	n, err := ParseSize(s)
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("invalid size %q: larger than 2147483647 bytes", s)
	}
	return n, nil
}

// isJavaRegexSpace is \s in a java.util.regex pattern without the
// UNICODE_CHARACTER_CLASS flag.
func isJavaRegexSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// ParseBool reads a boolean the way ActiveMQ's BooleanEditor does: "true" or
// "false" in any case and nothing else (no surrounding spaces). ActiveMQ uses
// it for the <broker> attributes that its schema types as strings
// (persistent, useJmx, advisorySupport, schedulerSupport, ...).
func ParseBool(s string) (bool, error) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, nil
	case strings.EqualFold(s, "false"):
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q", s)
}

// ParseSpringBool reads a boolean the way Spring's CustomBooleanEditor does
// for every other attribute: after trimming, "true", "on", "yes" or "1" and
// "false", "off", "no" or "0", in any case.
func ParseSpringBool(s string) (bool, error) {
	t := strings.TrimSpace(s)
	for _, v := range []string{"true", "on", "yes", "1"} {
		if strings.EqualFold(t, v) {
			return true, nil
		}
	}
	for _, v := range []string{"false", "off", "no", "0"} {
		if strings.EqualFold(t, v) {
			return false, nil
		}
	}
	return false, fmt.Errorf("invalid boolean %q", s)
}

// isJavaWhitespace approximates Character.isWhitespace.
func isJavaWhitespace(r rune) bool {
	switch r {
	case '\u00a0', '\u2007', '\u202f':
		return false
	case '\x1c', '\x1d', '\x1e', '\x1f':
		return true
	}
	return unicode.IsSpace(r)
}

var errNumberRange = errors.New("out of range")

// ParseInt reads an integer the way Spring's number editor does
// (NumberUtils.parseNumber): all whitespace is removed, an optional sign is
// allowed, and 0x, 0X or # introduces a hexadecimal number. bits is the
// width of the Java target type (16, 32 or 64).
func ParseInt(s string, bits int) (int64, error) {
	t := strings.Map(func(r rune) rune {
		if isJavaWhitespace(r) {
			return -1
		}
		return r
	}, s)
	neg := false
	body := t
	if strings.HasPrefix(body, "-") {
		neg = true
		body = body[1:]
	} else if strings.HasPrefix(body, "+") {
		body = body[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(body, "0x"), strings.HasPrefix(body, "0X"):
		base, body = 16, body[2:]
	case strings.HasPrefix(body, "#"):
		base, body = 16, body[1:]
	}
	if body == "" || body[0] == '+' || body[0] == '-' {
		return 0, fmt.Errorf("invalid integer %q", s)
	}
	u, err := strconv.ParseUint(body, base, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("invalid integer %q: %w", s, errNumberRange)
		}
		return 0, fmt.Errorf("invalid integer %q", s)
	}
	lim := uint64(1) << (bits - 1)
	if (!neg && u > lim-1) || (neg && u > lim) {
		return 0, fmt.Errorf("invalid integer %q: %w", s, errNumberRange)
	}
	if neg {
		return int64(-u), nil
	}
	return int64(u), nil
}

// ParseFloat reads a Java double the way Spring does (whitespace removed,
// Double.valueOf syntax, including a trailing d or f).
func ParseFloat(s string) (float64, error) {
	t := strings.Map(func(r rune) rune {
		if isJavaWhitespace(r) {
			return -1
		}
		return r
	}, s)
	if n := len(t); n > 1 && strings.ContainsRune("dDfF", rune(t[n-1])) && (t[n-2] == '.' || (t[n-2] >= '0' && t[n-2] <= '9')) {
		t = t[:n-1]
	}
	if strings.ContainsAny(t, "_") || strings.HasPrefix(strings.ToLower(strings.TrimLeft(t, "+-")), "0x") {
		return 0, fmt.Errorf("invalid number %q", s)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid number %q", s)
	}
	return f, nil
}

// ParseTimespan reads a duration written like the LevelDB store's
// zkSessionTimeout ("2s", "500ms", "1m30s"): one or more numbers, each with
// a unit ms, s, m, h, d or w. A bare number is milliseconds.
func ParseTimespan(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n < 0 || n > math.MaxInt64/int64(time.Millisecond) {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n) * time.Millisecond, nil
	}
	var total time.Duration
	for t != "" {
		i := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		if i == 0 || i > 15 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		n, _ := strconv.ParseInt(t[:i], 10, 64)
		t = t[i:]
		j := 0
		for j < len(t) && (t[j] < '0' || t[j] > '9') {
			j++
		}
		var unit time.Duration
		switch strings.ToLower(strings.TrimSpace(t[:j])) {
		case "ms":
			unit = time.Millisecond
		case "s":
			unit = time.Second
		case "m":
			unit = time.Minute
		case "h":
			unit = time.Hour
		case "d":
			unit = 24 * time.Hour
		case "w":
			unit = 7 * 24 * time.Hour
		default:
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		t = t[j:]
		if n > int64(math.MaxInt64/unit) || total > math.MaxInt64-time.Duration(n)*unit {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}
