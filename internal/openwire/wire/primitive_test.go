package wire

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestPrimitiveMapAllTags(t *testing.T) {
	big := strings.Repeat("z", BigStringThreshold)
	m := map[string]any{
		"null":   nil,
		"bool":   false,
		"byte":   int8(-128),
		"char":   Char(0xffff),
		"short":  int16(math.MinInt16),
		"int":    int32(math.MaxInt32),
		"long":   int64(math.MinInt64),
		"double": math.Inf(-1),
		"float":  float32(-0.5),
		"string": "x\x00\U0001F600",
		"bytes":  []byte{0, 255},
		"empty":  []byte{},
		"map":    map[string]any{"inner": int32(1), "list": []any{"a", int64(2), nil}},
		"list":   []any{true, []any{}, map[string]any{}},
		"big":    big,
		"k\x00":  "nul key",
	}
	b, err := AppendPrimitiveMap(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalPrimitiveMap(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %#v", got)
	}
	if !bytes.Equal(MarshalPrimitiveMap(got), b) {
		t.Fatal("not deterministic")
	}
}

func TestPrimitiveMapEncoding(t *testing.T) {
	// Keys sorted; exact bytes for each tag.
	b := MarshalPrimitiveMap(map[string]any{
		"b": true, "a": int8(1), "c": Char('A'), "d": int16(2), "e": int32(3), "f": int64(4),
		"g": 1.0, "h": float32(1), "i": "s", "j": []byte{7}, "k": nil,
	})
	want := unhex(t, `0000000b
		0001 61 02 01
		0001 62 01 01
		0001 63 03 0041
		0001 64 04 0002
		0001 65 05 00000003
		0001 66 06 0000000000000004
		0001 67 07 3ff0000000000000
		0001 68 08 3f800000
		0001 69 09 0001 73
		0001 6a 0a 00000001 07
		0001 6b 00`)
	if !bytes.Equal(b, want) {
		t.Fatalf("got  %x\nwant %x", b, want)
	}
	if got := MarshalPrimitiveMap(nil); !bytes.Equal(got, unhex(t, "ffffffff")) {
		t.Fatalf("nil map %x", got)
	}
	if m, err := UnmarshalPrimitiveMap(unhex(t, "ffffffff")); err != nil || m != nil {
		t.Fatalf("null map %v %v", m, err)
	}
}

func TestBigStringThreshold(t *testing.T) {
	for _, tc := range []struct {
		s   string
		tag byte
	}{
		{strings.Repeat("a", 8190), TagString},
		{strings.Repeat("a", 8191), TagBigString},
		{strings.Repeat("\U0001F600", 4095), TagString}, // 8190 UTF-16 units
		{strings.Repeat("\U0001F600", 4096), TagBigString},
		{strings.Repeat("a", 70000), TagBigString},
	} {
		b := MarshalPrimitiveMap(map[string]any{"k": tc.s})
		if b[7] != tc.tag {
			t.Errorf("len %d: tag %d want %d", len(tc.s), b[7], tc.tag)
		}
		m, err := UnmarshalPrimitiveMap(b)
		if err != nil || m["k"] != tc.s {
			t.Errorf("len %d: %v", len(tc.s), err)
		}
	}
	// A null big string decodes as nil.
	m, err := UnmarshalPrimitiveMap(unhex(t, "00000001 0001 6b 0d ffffffff"))
	if err != nil || m["k"] != nil {
		t.Fatal(m, err)
	}
}

func TestPrimitiveMapLenientConversion(t *testing.T) {
	m, err := UnmarshalPrimitiveMap(MarshalPrimitiveMap(map[string]any{
		"int": 5, "bigint": 1 << 40, "u8": uint8(200), "u16": uint16(60000), "u32": uint32(1 << 31),
		"u64": uint64(math.MaxUint64), "strs": []string{"a"}, "smap": map[string]string{"x": "y"},
		"other": struct{ A int }{3},
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"int": int32(5), "bigint": int64(1 << 40), "u8": int16(200), "u16": int32(60000), "u32": int64(1 << 31),
		"u64": "18446744073709551615", "strs": []any{"a"}, "smap": map[string]any{"x": "y"}, "other": "{3}",
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %#v", m)
	}
	if _, err := AppendPrimitiveMap(nil, map[string]any{"x": 5}); !errors.Is(err, ErrPrimitive) {
		t.Fatalf("strict accepted int: %v", err)
	}
}

func TestPrimitiveMapLenientStrings(t *testing.T) {
	// Top-level values are decoded leniently (as the Java client does),
	// keys and nested strings strictly.
	m, err := UnmarshalPrimitiveMap(unhex(t, "00000001 0001 6b 09 0002 41ff"))
	if err != nil || m["k"] != "A\uFFFD" {
		t.Fatalf("%q %v", m["k"], err)
	}
	for _, h := range []string{
		"00000001 0001 ff 09 0000",
		"00000001 0001 6b 0c 00000001 09 0001 ff",
	} {
		if _, err := UnmarshalPrimitiveMap(unhex(t, h)); err == nil {
			t.Errorf("%s accepted", h)
		}
	}
}

func TestPrimitiveMapErrors(t *testing.T) {
	for _, h := range []string{
		"",
		"000000",
		"00000001",
		"7fffffff 0001 6b 00",
		"00000001 0001 6b",
		"00000001 0001 6b 0e",
		"00000001 0001 6b 0a ffffffff",
		"00000001 0001 6b 0a 00000005 00",
		"00000001 0001 6b 0d fffffffe",
		"00000001 0001 6b 0d 00000009 41",
		"00000001 0001 6b 0c 7fffffff 00",
		"00000001 0001 6b 0c ffffffff",
		"00000001 0001 6b 09 0005 41",
		"00000001 0005 6b 09",
		"00000000 00",
		"00000001 0001 6b 06 0000",
	} {
		if _, err := UnmarshalPrimitiveMap(unhex(t, h)); err == nil {
			t.Errorf("%q accepted", h)
		}
	}
	// Nesting is bounded.
	var b []byte
	for range 100 {
		b = append(b, 0, 0, 0, 1, 0, 1, 'k', TagMap)
	}
	b = append(b, 0, 0, 0, 0)
	if _, err := UnmarshalPrimitiveMap(b); err == nil {
		t.Fatal("deep nesting accepted")
	}
	deep := map[string]any{}
	cur := deep
	for range 100 {
		next := map[string]any{}
		cur["k"] = next
		cur = next
	}
	if _, err := AppendPrimitiveMap(nil, deep); err == nil {
		t.Fatal("deep nesting marshalled")
	}
}

func TestPrimitiveMapAllocationBounded(t *testing.T) {
	// A huge count with no data must fail before allocating.
	b := unhex(t, "7ffffff0 0001 6b 00")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		if _, err := UnmarshalPrimitiveMap(b); err == nil {
			t.Fatal("accepted")
		}
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Fatalf("allocated %d bytes", d)
	}
}

func TestStreamValues(t *testing.T) {
	vals := []any{true, int8(-1), int16(2), Char('c'), int32(3), int64(4), float32(5.5), 6.25, "s", []byte{1, 2}, nil, strings.Repeat("q", 9000)}
	b, err := MarshalStreamBody(vals)
	if err != nil {
		t.Fatal(err)
	}
	got, err := StreamBody(b, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, vals) {
		t.Fatalf("got %#v", got)
	}
	if _, err := MarshalStreamBody([]any{struct{}{}}); err == nil {
		t.Fatal("struct accepted")
	}
	if _, err := UnmarshalPrimitives(unhex(t, "05 0000")); err == nil {
		t.Fatal("truncated accepted")
	}
}
