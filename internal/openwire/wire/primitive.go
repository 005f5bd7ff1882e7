package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Primitive value tags (MarshallingSupport).
const (
	TagNull      byte = 0
	TagBool      byte = 1
	TagByte      byte = 2
	TagChar      byte = 3
	TagShort     byte = 4
	TagInt       byte = 5
	TagLong      byte = 6
	TagDouble    byte = 7
	TagFloat     byte = 8
	TagString    byte = 9
	TagByteArray byte = 10
	TagMap       byte = 11
	TagList      byte = 12
	TagBigString byte = 13
)

// BigStringThreshold is the string length, in UTF-16 code units, from which
// strings are written with TagBigString (Java: Short.MAX_VALUE / 4).
const BigStringThreshold = 8191

// Char is a Java char (TagChar); it is distinct from int16 and uint16 so
// that it survives a round trip.
type Char uint16

// PrimitiveMap is the Go form of a Java primitive map. Values are nil,
// bool, int8 (byte), Char, int16, int32, int64, float64, float32, string,
// []byte, map[string]any (nested map) and []any (list).
type PrimitiveMap = map[string]any

// ErrPrimitive is wrapped by primitive map and list encoding/decoding
// errors.
var ErrPrimitive = errors.New("openwire: bad primitive value")

// maxPrimitiveDepth bounds nesting of maps and lists.
const maxPrimitiveDepth = 64

// UnmarshalPrimitiveMap decodes a primitive map: int32 count (-1 is null,
// returned as a nil map) and count entries of key (modified UTF-8, uint16
// length) + tagged value. Trailing bytes are an error.
//
// String values of the top-level map are decoded leniently (malformed
// sequences become U+FFFD, as the Java client does when it decodes them
// lazily); keys and strings nested in maps or lists must be well formed.
// []byte values alias b. A nested map with count -1 decodes to a nil
// map[string]any.
func UnmarshalPrimitiveMap(b []byte) (map[string]any, error) {
	p := primDecoder{b: b}
	m := p.mapBody(0)
	if p.err == nil && p.off != len(b) {
		p.fail("%d trailing bytes after map", len(b)-p.off)
	}
	if p.err != nil {
		return nil, p.err
	}
	return m, nil
}

// MarshalPrimitiveMap encodes m with keys in sorted order (a nil map is
// encoded as count -1). Go values that have no Java counterpart are
// converted: int becomes int32 when it fits and int64 otherwise, uint8 becomes
// int16, uint16 int32, uint32 int64, uint and uint64 int64 when they fit
// and a decimal string otherwise, []string a list, map[string]string a map,
// and anything else its fmt.Sprint string. Use AppendPrimitiveMap to reject
// such values instead.
func MarshalPrimitiveMap(m map[string]any) []byte {
	e := primEncoder{lenient: true}
	e.mapBody(m, 0)
	return e.b
}

// AppendPrimitiveMap appends the encoding of m (keys sorted) to dst,
// failing on values that are not one of PrimitiveMap's types or on nesting
// deeper than 64.
func AppendPrimitiveMap(dst []byte, m map[string]any) ([]byte, error) {
	e := primEncoder{b: dst}
	e.mapBody(m, 0)
	if e.err != nil {
		return dst, e.err
	}
	return e.b, nil
}

// AppendPrimitive appends one tagged value (as in a StreamMessage body).
func AppendPrimitive(dst []byte, v any) ([]byte, error) {
	e := primEncoder{b: dst}
	e.value(v, 0)
	if e.err != nil {
		return dst, e.err
	}
	return e.b, nil
}

type primEncoder struct {
	b       []byte
	lenient bool
	err     error
}

func (e *primEncoder) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf("%w: "+format, append([]any{ErrPrimitive}, args...)...)
	}
}

func (e *primEncoder) i32(v int32) { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)) }

func (e *primEncoder) key(k string) {
	n := ModifiedUTF8Len(k)
	if n > math.MaxUint16 {
		e.fail("map key of %d bytes is longer than 65535", n)
		return
	}
	e.b = binary.BigEndian.AppendUint16(e.b, uint16(n))
	e.b = AppendModifiedUTF8(e.b, k)
}

func (e *primEncoder) mapBody(m map[string]any, depth int) {
	if m == nil {
		e.i32(-1)
		return
	}
	if depth > maxPrimitiveDepth {
		e.fail("maps nested deeper than %d", maxPrimitiveDepth)
		return
	}
	if len(m) > math.MaxInt32 {
		e.fail("map too large")
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.i32(int32(len(keys)))
	for _, k := range keys {
		e.key(k)
		e.value(m[k], depth+1)
		if e.err != nil {
			return
		}
	}
}

func (e *primEncoder) list(l []any, depth int) {
	if depth > maxPrimitiveDepth {
		e.fail("lists nested deeper than %d", maxPrimitiveDepth)
		return
	}
	if len(l) > math.MaxInt32 {
		e.fail("list too large")
		return
	}
	e.i32(int32(len(l)))
	for _, v := range l {
		e.value(v, depth+1)
		if e.err != nil {
			return
		}
	}
}

func (e *primEncoder) str(s string) {
	if utf16Len(s) < BigStringThreshold {
		e.b = append(e.b, TagString)
		e.b = binary.BigEndian.AppendUint16(e.b, uint16(ModifiedUTF8Len(s)))
	} else {
		n := ModifiedUTF8Len(s)
		if n > math.MaxInt32 {
			e.fail("string too large")
			return
		}
		e.b = append(e.b, TagBigString)
		e.i32(int32(n))
	}
	e.b = AppendModifiedUTF8(e.b, s)
}

func (e *primEncoder) value(v any, depth int) {
	switch x := v.(type) {
	case nil:
		e.b = append(e.b, TagNull)
	case bool:
		b := byte(0)
		if x {
			b = 1
		}
		e.b = append(e.b, TagBool, b)
	case int8:
		e.b = append(e.b, TagByte, byte(x))
	case Char:
		e.b = append(e.b, TagChar)
		e.b = binary.BigEndian.AppendUint16(e.b, uint16(x))
	case int16:
		e.b = append(e.b, TagShort)
		e.b = binary.BigEndian.AppendUint16(e.b, uint16(x))
	case int32:
		e.b = append(e.b, TagInt)
		e.i32(x)
	case int64:
		e.b = append(e.b, TagLong)
		e.b = binary.BigEndian.AppendUint64(e.b, uint64(x))
	case float64:
		e.b = append(e.b, TagDouble)
		e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(x))
	case float32:
		e.b = append(e.b, TagFloat)
		e.b = binary.BigEndian.AppendUint32(e.b, math.Float32bits(x))
	case string:
		e.str(x)
	case []byte:
		if x == nil {
			e.b = append(e.b, TagNull)
			return
		}
		if len(x) > math.MaxInt32 {
			e.fail("byte array too large")
			return
		}
		e.b = append(e.b, TagByteArray)
		e.i32(int32(len(x)))
		e.b = append(e.b, x...)
	case map[string]any:
		e.b = append(e.b, TagMap)
		e.mapBody(x, depth)
	case []any:
		if x == nil {
			e.b = append(e.b, TagNull)
			return
		}
		e.b = append(e.b, TagList)
		e.list(x, depth)
	default:
		if !e.lenient {
			e.fail("unsupported value type %T", v)
			return
		}
		e.value(convertLenient(v), depth)
	}
}

func convertLenient(v any) any {
	switch x := v.(type) {
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return int32(x)
		}
		return int64(x)
	case uint8:
		return int16(x)
	case uint16:
		return int32(x)
	case uint32:
		return int64(x)
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x)
		}
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return strconv.FormatUint(x, 10)
	case []string:
		l := make([]any, len(x))
		for i, s := range x {
			l[i] = s
		}
		return l
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, s := range x {
			m[k] = s
		}
		return m
	}
	return fmt.Sprint(v)
}

type primDecoder struct {
	b   []byte
	off int
	err error
}

func (p *primDecoder) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%w: "+format, append([]any{ErrPrimitive}, args...)...)
	}
}

func (p *primDecoder) need(n int) bool {
	if p.err != nil {
		return false
	}
	if n < 0 || len(p.b)-p.off < n {
		p.fail("need %d bytes at offset %d, have %d", n, p.off, len(p.b)-p.off)
		return false
	}
	return true
}

func (p *primDecoder) u8() byte {
	if !p.need(1) {
		return 0
	}
	v := p.b[p.off]
	p.off++
	return v
}

func (p *primDecoder) u16() uint16 {
	if !p.need(2) {
		return 0
	}
	v := binary.BigEndian.Uint16(p.b[p.off:])
	p.off += 2
	return v
}

func (p *primDecoder) u32() uint32 {
	if !p.need(4) {
		return 0
	}
	v := binary.BigEndian.Uint32(p.b[p.off:])
	p.off += 4
	return v
}

func (p *primDecoder) u64() uint64 {
	if !p.need(8) {
		return 0
	}
	v := binary.BigEndian.Uint64(p.b[p.off:])
	p.off += 8
	return v
}

func (p *primDecoder) take(n int) []byte {
	if !p.need(n) {
		return nil
	}
	v := p.b[p.off : p.off+n : p.off+n]
	p.off += n
	return v
}

func (p *primDecoder) utf(n int, lenient bool) string {
	raw := p.take(n)
	if p.err != nil {
		return ""
	}
	s, err := decodeMUTF8(raw, lenient)
	if err != nil {
		p.err = err
	}
	return s
}

// mapBody decodes a count-prefixed map; depth 0 is the top level.
func (p *primDecoder) mapBody(depth int) map[string]any {
	if depth > maxPrimitiveDepth {
		p.fail("maps nested deeper than %d", maxPrimitiveDepth)
		return nil
	}
	n := int32(p.u32())
	if p.err != nil || n < 0 {
		return nil
	}
	// Every entry takes at least 3 bytes (key length and tag).
	if int64(n)*3 > int64(len(p.b)-p.off) {
		p.fail("map count %d exceeds the %d bytes left", n, len(p.b)-p.off)
		return nil
	}
	m := make(map[string]any, n)
	for i := int32(0); i < n && p.err == nil; i++ {
		k := p.utf(int(p.u16()), false)
		v := p.value(depth+1, depth == 0)
		if p.err == nil {
			m[k] = v
		}
	}
	return m
}

func (p *primDecoder) listBody(depth int) []any {
	if depth > maxPrimitiveDepth {
		p.fail("lists nested deeper than %d", maxPrimitiveDepth)
		return nil
	}
	n := int32(p.u32())
	if p.err != nil {
		return nil
	}
	if n < 0 || int64(n) > int64(len(p.b)-p.off) {
		p.fail("list count %d invalid with %d bytes left", n, len(p.b)-p.off)
		return nil
	}
	l := make([]any, 0, n)
	for i := int32(0); i < n && p.err == nil; i++ {
		l = append(l, p.value(depth+1, false))
	}
	return l
}

// value decodes one tagged value; lenientStr relaxes string decoding.
func (p *primDecoder) value(depth int, lenientStr bool) any {
	tag := p.u8()
	if p.err != nil {
		return nil
	}
	switch tag {
	case TagNull:
		return nil
	case TagBool:
		return p.u8() != 0
	case TagByte:
		return int8(p.u8())
	case TagChar:
		return Char(p.u16())
	case TagShort:
		return int16(p.u16())
	case TagInt:
		return int32(p.u32())
	case TagLong:
		return int64(p.u64())
	case TagDouble:
		return math.Float64frombits(p.u64())
	case TagFloat:
		return math.Float32frombits(p.u32())
	case TagString:
		return p.utf(int(p.u16()), lenientStr)
	case TagBigString:
		n := int32(p.u32())
		if p.err != nil {
			return nil
		}
		if n == -1 {
			return nil
		}
		if n < 0 {
			p.fail("negative big string length %d", n)
			return nil
		}
		return p.utf(int(n), lenientStr)
	case TagByteArray:
		n := int32(p.u32())
		if p.err != nil {
			return nil
		}
		if n < 0 {
			p.fail("negative byte array length %d", n)
			return nil
		}
		return p.take(int(n))
	case TagMap:
		return p.mapBody(depth)
	case TagList:
		return p.listBody(depth)
	}
	p.fail("unknown tag %d at offset %d", tag, p.off-1)
	return nil
}

// UnmarshalPrimitives decodes a sequence of tagged values up to the end of
// b (a StreamMessage body).
func UnmarshalPrimitives(b []byte) ([]any, error) {
	p := primDecoder{b: b}
	var out []any
	for p.off < len(b) && p.err == nil {
		v := p.value(1, false)
		if p.err == nil {
			out = append(out, v)
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return out, nil
}
