package wire

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// MaxInflatedBodySize bounds how large a compressed body may inflate in
// TextBody, BytesBody, MapBody and StreamBody. Set it before use.
var MaxInflatedBodySize int64 = 256 << 20

// ErrBody is wrapped by body decoding errors.
var ErrBody = errors.New("openwire: bad message body")

// inflate undoes java.util.zip.Deflater/DeflaterOutputStream (zlib format).
func inflate(b []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: inflate: %w", ErrBody, err)
	}
	defer zr.Close()
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, MaxInflatedBodySize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: inflate: %w", ErrBody, err)
	}
	if n > MaxInflatedBodySize {
		return nil, fmt.Errorf("%w: inflates to more than %d bytes", ErrBody, MaxInflatedBodySize)
	}
	return out.Bytes(), nil
}

// deflate compresses b in the zlib format Java's Deflater produces.
func deflate(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// TextBody decodes a TextMessage's content: int32 byte length (-1 is a
// null text) and modified UTF-8; with compressed, the whole block is zlib
// data. Null content is a null text. Malformed text is an error.
func TextBody(content []byte, compressed bool) (text string, isNull bool, err error) {
	if content == nil {
		return "", true, nil
	}
	if compressed {
		if content, err = inflate(content); err != nil {
			return "", false, err
		}
	}
	if len(content) < 4 {
		return "", false, fmt.Errorf("%w: text body of %d bytes", ErrBody, len(content))
	}
	n := int32(binary.BigEndian.Uint32(content))
	if n == -1 {
		return "", true, nil
	}
	if n < 0 || int64(n) > int64(len(content)-4) {
		return "", false, fmt.Errorf("%w: text length %d with %d bytes", ErrBody, n, len(content)-4)
	}
	s, err := DecodeModifiedUTF8(content[4 : 4+n])
	if err != nil {
		return "", false, err
	}
	return s, false, nil
}

// MarshalTextBody encodes text as an uncompressed TextMessage content.
func MarshalTextBody(text string) []byte {
	n := ModifiedUTF8Len(text)
	b := make([]byte, 4, 4+n)
	binary.BigEndian.PutUint32(b, uint32(n))
	return AppendModifiedUTF8(b, text)
}

// MarshalTextBodyCompressed encodes text as a compressed TextMessage
// content (set Message.Compressed too).
func MarshalTextBodyCompressed(text string) []byte {
	return deflate(MarshalTextBody(text))
}

// BytesBody decodes a BytesMessage's content: raw bytes, or, when
// compressed, int32 original length followed by zlib data. Uncompressed
// content is returned as is (not copied).
func BytesBody(content []byte, compressed bool) ([]byte, error) {
	if !compressed || len(content) == 0 {
		return content, nil
	}
	if len(content) < 4 {
		return nil, fmt.Errorf("%w: compressed bytes body of %d bytes", ErrBody, len(content))
	}
	want := int32(binary.BigEndian.Uint32(content))
	out, err := inflate(content[4:])
	if err != nil {
		return nil, err
	}
	if want >= 0 && int(want) != len(out) {
		return nil, fmt.Errorf("%w: compressed bytes body inflates to %d bytes, header says %d", ErrBody, len(out), want)
	}
	return out, nil
}

// MarshalBytesBodyCompressed encodes b as a compressed BytesMessage
// content (set Message.Compressed too).
func MarshalBytesBodyCompressed(b []byte) []byte {
	if len(b) > math.MaxInt32 {
		panic("wire: bytes body too large")
	}
	z := deflate(b)
	out := make([]byte, 4, 4+len(z))
	binary.BigEndian.PutUint32(out, uint32(len(b)))
	return append(out, z...)
}

// MapBody decodes a MapMessage's content: a primitive map, zlib-compressed
// as a whole when compressed. Null content is an empty map.
func MapBody(content []byte, compressed bool) (map[string]any, error) {
	if content == nil {
		return map[string]any{}, nil
	}
	if compressed {
		var err error
		if content, err = inflate(content); err != nil {
			return nil, err
		}
	}
	m, err := UnmarshalPrimitiveMap(content)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// MarshalMapBody encodes m as a MapMessage content; an empty map gives
// nil content, as the Java client sends.
func MarshalMapBody(m map[string]any) ([]byte, error) {
	if len(m) == 0 {
		return nil, nil
	}
	return AppendPrimitiveMap(nil, m)
}

// StreamBody decodes a StreamMessage's content: tagged primitive values up
// to the end, zlib-compressed as a whole when compressed.
func StreamBody(content []byte, compressed bool) ([]any, error) {
	if content == nil {
		return nil, nil
	}
	if compressed {
		var err error
		if content, err = inflate(content); err != nil {
			return nil, err
		}
	}
	return UnmarshalPrimitives(content)
}

// MarshalStreamBody encodes values as a StreamMessage content.
func MarshalStreamBody(values []any) ([]byte, error) {
	var b []byte
	for _, v := range values {
		var err error
		if b, err = AppendPrimitive(b, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}
