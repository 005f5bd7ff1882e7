package frame

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// collect reads frames until an error; heart-beats are nil entries.
func collect(r *Reader) ([]*Frame, error) {
	var out []*Frame
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
}

func sameFrame(a, b *Frame) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Command != b.Command || len(a.Headers) != len(b.Headers) || !bytes.Equal(a.Body, b.Body) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i] != b.Headers[i] {
			return false
		}
	}
	return true
}

func sameFrames(a, b []*Frame) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameFrame(a[i], b[i]) {
			return false
		}
	}
	return true
}

func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
		return false
	}
	var la, lb *LimitError
	if errors.As(a, &la) && errors.As(b, &lb) {
		return *la == *lb
	}
	return a.Error() == b.Error()
}

func fmtFrames(fs []*Frame) string {
	var sb strings.Builder
	for _, f := range fs {
		if f == nil {
			sb.WriteString("  <heart-beat>\n")
			continue
		}
		fmt.Fprintf(&sb, "  %q %q body=%q\n", f.Command, f.Headers, f.Body)
	}
	return sb.String()
}

// wrappers split the input in different ways.
var wrappers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"dataerr", iotest.DataErrReader},
	{"onebyte-dataerr", func(r io.Reader) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(r)) }},
}

// hf builds a frame for expectations: kv is key, value, key, value...
func hf(cmd string, body string, kv ...string) *Frame {
	f := &Frame{Command: cmd}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Headers = append(f.Headers, Header{kv[i], kv[i+1]})
	}
	if body != "" {
		f.Body = []byte(body)
	}
	return f
}

// countingReader counts Read calls.
type countingReader struct {
	r     io.Reader
	calls int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.calls++
	return c.r.Read(p)
}

// repeatReader returns data over and over.
type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.data[r.off:])
		n += k
		r.off += k
		if r.off == len(r.data) {
			r.off = 0
		}
	}
	return n, nil
}

func mustFrames(t *testing.T, in string, ver string) []*Frame {
	t.Helper()
	r := NewReader(strings.NewReader(in), Limits{})
	r.SetVersion(ver)
	fs, err := collect(r)
	if err != io.EOF {
		t.Fatalf("reading %q: %v", in, err)
	}
	return fs
}
