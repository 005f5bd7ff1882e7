package wire

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestReaderSequence(t *testing.T) {
	var stream []byte
	samples := sampleCommands()
	for _, s := range samples {
		var err error
		stream, err = Marshal(stream, s.cmd)
		if err != nil {
			t.Fatal(err)
		}
	}
	// One byte at a time, to exercise partial reads.
	r := NewReader(io.LimitReader(&oneByteReader{b: stream}, int64(len(stream))), 1<<20)
	for _, s := range samples {
		got, err := r.ReadCommand()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !reflect.DeepEqual(got, s.cmd) {
			t.Fatalf("%s differs", s.name)
		}
	}
	if _, err := r.ReadCommand(); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}
}

type oneByteReader struct{ b []byte }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = o.b[0]
	o.b = o.b[1:]
	return 1, nil
}

func TestReaderFrameSize(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		max  int64
		size int64
	}{
		{"00000000", 100, 0},
		{"ffffffff", 100, -1},
		{"00000065", 100, 101},
		{"7fffffff", 0, -2},
	} {
		r := NewReader(bytes.NewReader(unhex(t, tc.hex)), tc.max)
		_, err := r.ReadFrame()
		if tc.size == -2 {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s: %v", tc.hex, err)
			}
			continue
		}
		var fe *FrameSizeError
		if !errors.As(err, &fe) || fe.Size != tc.size || fe.Max != tc.max {
			t.Errorf("%s: %v", tc.hex, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, itoa(tc.size)) || !strings.Contains(msg, itoa(tc.max)) {
			t.Errorf("message %q does not name both sizes", msg)
		}
	}
	// Exactly max is fine.
	r := NewReader(bytes.NewReader(unhex(t, "00000006 0a 00000000 00")), 6)
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	r.SetMaxFrameSize(5)
	if r.MaxFrameSize() != 5 {
		t.Fatal("SetMaxFrameSize")
	}
}

func itoa(n int64) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestReaderTruncated(t *testing.T) {
	for _, h := range []string{"00", "000000", "0000000a 1e 0000"} {
		r := NewReader(bytes.NewReader(unhex(t, h)), 100)
		if _, err := r.ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %v", h, err)
		}
	}
}

func TestReaderLargeFrameChunked(t *testing.T) {
	m := tTextMessage()
	m.Content = bytes.Repeat([]byte{'x'}, 3*readChunk+123)
	frame := mustMarshal(t, Codec{}, m)
	r := NewReader(bytes.NewReader(frame), int64(len(frame)))
	got, err := r.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatal("differs")
	}
	// A peer announcing a huge frame and sending little costs little.
	r = NewReader(bytes.NewReader(append(unhex(t, "7ffffff0"), 1, 2, 3)), 0)
	if _, err := r.ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatal(err)
	}
}

func TestReaderSkipsBadFrames(t *testing.T) {
	stream := unhex(t, "00000006 0d 00000000 00  00000006 0a 00000000 00")
	r := NewReader(bytes.NewReader(stream), 100)
	var ute *UnknownTypeError
	if _, err := r.ReadCommand(); !errors.As(err, &ute) {
		t.Fatal(err)
	}
	if c, err := r.ReadCommand(); err != nil || c.DataType() != TypeKeepAliveInfo {
		t.Fatal(c, err)
	}
}

func TestReaderCodec(t *testing.T) {
	ci := &ConsumerInfo{ConsumerID: tConsID(), ClientID: Str("x")}
	frame := mustMarshal(t, Codec{Version: 9}, ci)
	r := NewReader(bytes.NewReader(frame), 0)
	r.SetCodec(Codec{Version: 9})
	if r.Codec().Version != 9 {
		t.Fatal("codec")
	}
	got, err := r.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	if got.(*ConsumerInfo).ClientID.Valid {
		t.Fatal("v9 carries no client id")
	}
}
