package wire

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrMalformedUTF8 is wrapped by errors from DecodeModifiedUTF8.
var ErrMalformedUTF8 = errors.New("openwire: malformed modified UTF-8")

// Java modified UTF-8, as written by java.io.DataOutput.writeUTF:
//
//   - U+0001..U+007F: one byte;
//   - U+0000 and U+0080..U+07FF: two bytes (so NUL is C0 80);
//   - U+0800..U+FFFF: three bytes;
//   - characters above U+FFFF: their UTF-16 surrogate pair, each surrogate
//     as three bytes (six bytes in all).
//
// Go strings are UTF-8. Two extensions make decode followed by encode
// lossless for anything Java can produce:
//
//   - an unpaired surrogate decodes to its three-byte form (ED A0..BF xx),
//     which is not valid UTF-8 but is kept in the Go string, and
//     EncodeModifiedUTF8 writes such a sequence back unchanged;
//   - other invalid UTF-8 bytes in a Go string are encoded as U+FFFD.

const (
	surrSelf = 0x10000
	surr1    = 0xd800
	surr2    = 0xdc00
	surr3    = 0xe000
)

// isEncodedSurrogate reports whether s[i:] starts with a three-byte
// surrogate encoding (ED A0..BF 80..BF).
func isEncodedSurrogate(s string, i int) bool {
	return i+2 < len(s) && s[i] == 0xed && s[i+1] >= 0xa0 && s[i+1] <= 0xbf && s[i+2]&0xc0 == 0x80
}

// ModifiedUTF8Len returns the number of bytes EncodeModifiedUTF8 produces
// for s.
func ModifiedUTF8Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c != 0 && c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		if c == 0 {
			n += 2
			i++
			continue
		}
		if isEncodedSurrogate(s, i) {
			n += 3
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 3
		case r < 0x800:
			n += 2
		case r < surrSelf:
			n += 3
		default:
			n += 6
		}
		i += size
	}
	return n
}

// utf16Len returns the length of s in UTF-16 code units, as Java's
// String.length() would report it.
func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		if isEncodedSurrogate(s, i) {
			n++
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= surrSelf {
			n += 2
		} else {
			n++
		}
		i += size
	}
	return n
}

func appendMUTF3(dst []byte, c rune) []byte {
	return append(dst, byte(0xe0|(c>>12)&0x0f), byte(0x80|(c>>6)&0x3f), byte(0x80|c&0x3f))
}

// AppendModifiedUTF8 appends the modified UTF-8 encoding of s (without any
// length prefix) to dst.
func AppendModifiedUTF8(dst []byte, s string) []byte {
	i := 0
	for i < len(s) && s[i] != 0 && s[i] < utf8.RuneSelf {
		i++
	}
	dst = append(dst, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c != 0 && c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if c == 0 {
			dst = append(dst, 0xc0, 0x80)
			i++
			continue
		}
		if isEncodedSurrogate(s, i) {
			dst = append(dst, s[i], s[i+1], s[i+2])
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r < 0x800:
			dst = append(dst, byte(0xc0|(r>>6)&0x1f), byte(0x80|r&0x3f))
		case r < surrSelf:
			dst = appendMUTF3(dst, r)
		default:
			r -= surrSelf
			dst = appendMUTF3(dst, surr1+(r>>10)&0x3ff)
			dst = appendMUTF3(dst, surr2+r&0x3ff)
		}
	}
	return dst
}

// EncodeModifiedUTF8 returns the modified UTF-8 encoding of s (without any
// length prefix).
func EncodeModifiedUTF8(s string) []byte {
	return AppendModifiedUTF8(make([]byte, 0, ModifiedUTF8Len(s)), s)
}

// DecodeModifiedUTF8 decodes modified UTF-8 (without a length prefix).
//
// It rejects, with an error wrapping ErrMalformedUTF8, exactly the inputs
// java.io.DataInputStream.readUTF rejects structurally: a stray
// continuation byte, a truncated sequence, or a sequence whose continuation
// bytes are not 10xxxxxx; lead bytes F0..FF are rejected too, except that a
// well-formed standard four-byte UTF-8 sequence is accepted (Java would
// refuse it) and decodes to its character. Everything Java accepts is
// decoded: raw 00 bytes, overlong forms (C0 80 is NUL), surrogate pairs
// (combined into one character) and unpaired surrogates (kept as their
// three-byte form, see AppendModifiedUTF8). The result is never longer than
// the input.
func DecodeModifiedUTF8(b []byte) (string, error) {
	return decodeMUTF8(b, false)
}

// decodeMUTF8 decodes b; when lenient, malformed bytes become U+FFFD instead
// of an error (the way Java decodes property strings it reads lazily).
func decodeMUTF8(b []byte, lenient bool) (string, error) {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return string(b), nil
	}
	var sb strings.Builder
	sb.Grow(len(b))
	sb.Write(b[:i])
	for i < len(b) {
		c := b[i]
		switch {
		case c < 0x80:
			sb.WriteByte(c)
			i++
		case c&0xe0 == 0xc0:
			if i+1 >= len(b) || b[i+1]&0xc0 != 0x80 {
				if !lenient {
					return "", malformed(b, i)
				}
				sb.WriteString("\uFFFD")
				i++
				continue
			}
			sb.WriteRune(rune(c&0x1f)<<6 | rune(b[i+1]&0x3f))
			i += 2
		case c&0xf0 == 0xe0:
			if i+2 >= len(b) || b[i+1]&0xc0 != 0x80 || b[i+2]&0xc0 != 0x80 {
				if !lenient {
					return "", malformed(b, i)
				}
				sb.WriteString("\uFFFD")
				i++
				continue
			}
			r := rune(c&0x0f)<<12 | rune(b[i+1]&0x3f)<<6 | rune(b[i+2]&0x3f)
			if r < surr1 || r >= surr3 {
				sb.WriteRune(r)
				i += 3
				continue
			}
			if r < surr2 && i+5 < len(b) && b[i+3] == 0xed && b[i+4] >= 0xb0 && b[i+4] <= 0xbf && b[i+5]&0xc0 == 0x80 {
				lo := rune(b[i+3]&0x0f)<<12 | rune(b[i+4]&0x3f)<<6 | rune(b[i+5]&0x3f)
				sb.WriteRune((r-surr1)<<10 | (lo - surr2) + surrSelf)
				i += 6
				continue
			}
			// Unpaired surrogate: keep its canonical three-byte form.
			sb.Write([]byte{0xed, byte(0x80 | (r>>6)&0x3f), byte(0x80 | r&0x3f)})
			i += 3
		default:
			if c&0xf8 == 0xf0 {
				if r, size := utf8.DecodeRune(b[i:]); size == 4 {
					sb.WriteRune(r)
					i += 4
					continue
				}
			}
			if !lenient {
				return "", malformed(b, i)
			}
			sb.WriteString("\uFFFD")
			i++
		}
	}
	return sb.String(), nil
}

func malformed(b []byte, i int) error {
	end := min(i+4, len(b))
	return fmt.Errorf("%w: bad byte sequence % x at offset %d of %d", ErrMalformedUTF8, b[i:end], i, len(b))
}
