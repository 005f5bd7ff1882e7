package wire

import (
	"bytes"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// allocBound is the most a decode of n bytes may allocate: decoding
// builds Go structs, so a constant factor over the input is expected, but
// never anything driven by a length field.
func allocBound(n int) uint64 { return uint64(64*n + 64<<10) }

func measure(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// tooLong reports the one legitimate re-encoding failure: standard 4-byte
// UTF-8, accepted on input, takes 6 bytes in modified UTF-8 and may push a
// string past 65535 bytes.
func tooLong(err error) bool { return strings.Contains(err.Error(), "longer than 65535") }

func FuzzUnmarshal(f *testing.F) {
	for _, s := range sampleCommands() {
		for _, c := range []Codec{{}, {Version: 9}, {StackTraceEnabled: true}} {
			b, err := c.Marshal(nil, s.cmd)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b[4:], c.Version == 9, c.StackTraceEnabled)
		}
	}
	f.Add(capturedWireFormat(f)[4:], false, false)
	f.Add(mustMarshal(f, Codec{}, NewBrokerWireFormatInfo(1<<20, 30000, 10000))[4:], false, false)
	f.Add([]byte{TypeExceptionResponse, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 'X', 0, 0x7f, 0xff}, false, true)
	f.Add([]byte{TypeConnectionInfo, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0xff}, false, false)
	old := MaxInflatedBodySize
	MaxInflatedBodySize = 1 << 20
	defer func() { MaxInflatedBodySize = old }()
	f.Fuzz(func(t *testing.T, body []byte, v9, stack bool) {
		c := Codec{StackTraceEnabled: stack}
		if v9 {
			c.Version = 9
		}
		var cmd Command
		var err error
		if n := measure(func() { cmd, err = c.Unmarshal(body) }); n > allocBound(len(body)) {
			t.Fatalf("decoding %d bytes allocated %d", len(body), n)
		}
		// A reader's string cache changes nothing: cold, then warm with
		// this frame's own strings.
		cached := c
		cached.Strings = NewStrings()
		for range 2 {
			got, cerr := cached.Unmarshal(body)
			if (cerr == nil) != (err == nil) || err == nil && !reflect.DeepEqual(got, cmd) {
				t.Fatalf("decoding with a string cache differs: %v %+v, without: %v %+v", cerr, got, err, cmd)
			}
		}
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to something that decodes the same.
		frame, err := c.Marshal(nil, cmd)
		if err != nil {
			if tooLong(err) {
				return
			}
			t.Fatalf("re-marshal of %T: %v", cmd, err)
		}
		again, err := c.Unmarshal(frame[4:])
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(again, cmd) {
			t.Fatalf("re-decode differs:\n%+v\n%+v", again, cmd)
		}
		if m, ok := cmd.(*Message); ok {
			_, lay, err := c.DecodeMessage(body)
			if err != nil {
				t.Fatal(err)
			}
			fast, err := c.AppendDispatch(nil, 1, tConsID(), nil, body, lay, DispatchPatch{BrokerSequenceID: 5, Destination: NewQueue("Z")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Unmarshal(fast[4:]); err != nil {
				t.Fatalf("fast dispatch of %x does not decode: %v", body, err)
			}
			_, _ = m.Properties()
			_, _, _ = TextBody(m.Content, m.Compressed)
			_, _ = MapBody(m.Content, m.Compressed)
			_, _ = StreamBody(m.Content, m.Compressed)
			_, _ = BytesBody(m.Content, m.Compressed)
		}
	})
}

func FuzzPrimitiveMap(f *testing.F) {
	f.Add(MarshalPrimitiveMap(tProps()))
	f.Add(MarshalPrimitiveMap(map[string]any{"m": map[string]any{"l": []any{int32(1), "x", nil}}, "big": string(bytes.Repeat([]byte("b"), 9000))}))
	f.Add(MarshalPrimitiveMap(nil))
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 0, 1, 'k', TagList, 0x7f, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 1, 0, 1, 'k', TagByteArray, 0x7f, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 1, 0, 1, 'k', TagBigString, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]any
		var err error
		if n := measure(func() { m, err = UnmarshalPrimitiveMap(b) }); n > allocBound(len(b)) {
			t.Fatalf("decoding %d bytes allocated %d", len(b), n)
		}
		if err != nil {
			return
		}
		enc, err := AppendPrimitiveMap(nil, m)
		if err != nil {
			if tooLong(err) {
				return
			}
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := UnmarshalPrimitiveMap(enc)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		// Compare encodings rather than values (NaN != NaN).
		enc2, err := AppendPrimitiveMap(nil, m2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("unstable encoding")
		}
		_, _ = UnmarshalPrimitives(b)
	})
}
