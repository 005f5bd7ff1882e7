package frame

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

var allCommands = []string{
	CONNECT, STOMP, CONNECTED, SEND, SUBSCRIBE, UNSUBSCRIBE, ACK, NACK,
	BEGIN, COMMIT, ABORT, DISCONNECT, MESSAGE, RECEIPT, ERROR,
}

type readCase struct {
	name string
	ver  string
	lim  Limits
	in   string
	want []*Frame // nil entries are heart-beats
	err  error    // final error; nil means io.EOF
}

func protoErr(msg string) error { return &ProtocolError{Msg: msg} }

// anyProto matches any *ProtocolError.
var anyProto = &ProtocolError{}

func limitErr(what string, limit int64) error { return &LimitError{What: what, Limit: limit} }

func readCases() []readCase {
	var cs []readCase
	for _, v := range []string{V10, V11, V12} {
		for _, c := range allCommands {
			cs = append(cs, readCase{
				name: "cmd-" + c + "-" + v, ver: v,
				in:   c + "\nreceipt:r1\nid:7\n\nhello\x00",
				want: []*Frame{hf(c, "hello", "receipt", "r1", "id", "7")},
			})
		}
	}
	big := strings.Repeat("x", 1000)
	cs = append(cs, []readCase{
		{name: "empty input", in: "", want: nil},
		{name: "no headers no body", in: "DISCONNECT\n\n\x00", want: []*Frame{hf(DISCONNECT, "")}},
		{name: "unknown command", in: "FOO\n\n\x00", want: []*Frame{hf("FOO", "")}},
		{name: "command trimmed", in: " \tSEND \r\n\n\x00", want: []*Frame{hf(SEND, "")}},
		{name: "value with colons", ver: V12, in: "SEND\nk:a:b\n\n\x00", want: []*Frame{hf(SEND, "", "k", "a:b")}},
		{name: "empty key and value", ver: V12, in: "SEND\n:\n\n\x00", want: []*Frame{hf(SEND, "", "", "")}},
		{name: "repeated headers", ver: V12, in: "SEND\nfoo:1\nfoo:2\nbar:3\nfoo:4\n\n\x00",
			want: []*Frame{hf(SEND, "", "foo", "1", "foo", "2", "bar", "3", "foo", "4")}},
		{name: "many headers", ver: V11,
			in:   "SEND\na:1\nb:2\nc:3\nd:4\ne:5\nf:6\ng:7\nh:8\ni:9\nj:10\n\n" + big + "\x00",
			want: []*Frame{hf(SEND, big, "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6", "g", "7", "h", "8", "i", "9", "j", "10")}},

		// heart-beats and frame ends
		{name: "heart-beats between frames", ver: V12,
			in:   "\n\r\n\nSEND\n\n\x00\n\r\nACK\nid:1\n\n\x00\n",
			want: []*Frame{nil, nil, nil, hf(SEND, ""), nil, nil, hf(ACK, "", "id", "1"), nil}},
		{name: "blank line with spaces is a heart-beat", in: "  \t\nSEND\n\n\x00", want: []*Frame{nil, hf(SEND, "")}},
		{name: "NULs between frames skipped", in: "\x00SEND\n\n\x00\x00\x00\nSEND\n\n\x00\x00",
			want: []*Frame{hf(SEND, ""), nil, hf(SEND, "")}},
		{name: "crlf 1.2", ver: V12, in: "SEND\r\ndestination:/queue/a\r\nk:v\r\n\r\nbody\x00\r\n\r\n",
			want: []*Frame{hf(SEND, "body", "destination", "/queue/a", "k", "v"), nil, nil}},
		{name: "crlf 1.0", ver: V10, in: "SEND\r\ndestination:/queue/a\r\n\r\nbody\x00\r\n",
			want: []*Frame{hf(SEND, "body", "destination", "/queue/a"), nil}},
		{name: "crlf 1.1 keeps CR in values", ver: V11, in: "SEND\r\ndestination:/queue/a\r\n\r\nbody\x00\r\n",
			want: []*Frame{hf(SEND, "body", "destination", "/queue/a\r"), nil}},
		{name: "crlf 1.2 only one CR stripped", ver: V12, in: "SEND\nk:v\r\r\n\n\x00",
			want: []*Frame{hf(SEND, "", "k", "v\r")}},

		// bodies
		{name: "body with NULs and content-length", ver: V12, in: "SEND\ncontent-length:5\n\na\x00b\x00c\x00",
			want: []*Frame{hf(SEND, "a\x00b\x00c", "content-length", "5")}},
		{name: "content-length zero", in: "SEND\ncontent-length:0\n\n\x00SEND\n\n\x00",
			want: []*Frame{hf(SEND, "", "content-length", "0"), hf(SEND, "")}},
		{name: "content-length trimmed", ver: V11, in: "SEND\ncontent-length: 3 \r\n\nabc\x00",
			want: []*Frame{hf(SEND, "abc", "content-length", " 3 \r")}},
		{name: "content-length first wins", ver: V12, in: "SEND\ncontent-length:2\ncontent-length:9\n\nab\x00",
			want: []*Frame{hf(SEND, "ab", "content-length", "2", "content-length", "9")}},
		{name: "content-length on MESSAGE", ver: V12, in: "MESSAGE\ncontent-length:1\n\n\x00\x00",
			want: []*Frame{hf(MESSAGE, "\x00", "content-length", "1")}},
		{name: "content-length missing NUL", in: "SEND\ncontent-length:2\n\nabc\x00", err: protoErr(msgNoTrailingNul)},
		{name: "content-length missing NUL at EOF", in: "SEND\ncontent-length:2\n\nab", err: io.ErrUnexpectedEOF},
		{name: "content-length letters", in: "SEND\ncontent-length:abc\n\n\x00", err: protoErr(msgBadContentLength)},
		{name: "content-length negative", in: "SEND\ncontent-length:-1\n\n\x00", err: protoErr(msgBadContentLength)},
		{name: "content-length empty", in: "SEND\ncontent-length:\n\n\x00", err: protoErr(msgBadContentLength)},
		{name: "content-length fraction", in: "SEND\ncontent-length:1.5\n\n\x00", err: protoErr(msgBadContentLength)},
		{name: "content-length plus", in: "SEND\ncontent-length:+1\n\nx\x00", err: protoErr(msgBadContentLength)},
		{name: "content-length overflow", in: "SEND\ncontent-length:99999999999999999999999\n\n\x00", err: protoErr(msgBadContentLength)},
		{name: "body at EOF", in: "SEND\n\nabc", err: io.ErrUnexpectedEOF},
		{name: "headers at EOF", in: "SEND\nk:v\n", err: io.ErrUnexpectedEOF},
		{name: "command at EOF", in: "SEND", err: io.ErrUnexpectedEOF},
		{name: "heart-beat then EOF", in: "\n", want: []*Frame{nil}},

		// escaping
		{name: "1.0 no unescape, value trimmed", ver: V10, in: "SEND\n key : a\\nb\\t \n\n\x00",
			want: []*Frame{hf(SEND, "", " key ", "a\\nb\\t")}},
		{name: "1.0 trims control bytes", ver: V10, in: "SEND\nk:\t\x01v\x01\r\n\n\x00",
			want: []*Frame{hf(SEND, "", "k", "v")}},
		{name: "1.1 not trimmed", ver: V11, in: "SEND\nk: v \n\n\x00", want: []*Frame{hf(SEND, "", "k", " v ")}},
		{name: "1.1 unescape", ver: V11, in: "SEND\nk\\cx:a\\nb\\\\c\\cd\n\n\x00",
			want: []*Frame{hf(SEND, "", "k:x", "a\nb\\c:d")}},
		{name: "1.2 unescape", ver: V12, in: "SEND\nk\\r:a\\r\\n\\c\\\\\n\n\x00",
			want: []*Frame{hf(SEND, "", "k\r", "a\r\n:\\")}},
		{name: "1.1 rejects \\r", ver: V11, in: "SEND\nk:a\\rb\n\n\x00", err: anyProto},
		{name: "1.1 rejects \\t", ver: V11, in: "SEND\nk:a\\tb\n\n\x00", err: anyProto},
		{name: "1.2 rejects \\t", ver: V12, in: "SEND\nk:a\\tb\n\n\x00", err: anyProto},
		{name: "1.2 rejects escape in key", ver: V12, in: "SEND\nk\\x:a\n\n\x00", err: anyProto},
		{name: "1.2 rejects trailing backslash", ver: V12, in: "SEND\nk:a\\\n\n\x00", err: anyProto},
		{name: "1.2 CONNECT not unescaped", ver: V12, in: "CONNECT\nlogin:a\\cb\npasscode:x\\ty\n\n\x00",
			want: []*Frame{hf(CONNECT, "", "login", "a\\cb", "passcode", "x\\ty")}},
		{name: "1.1 STOMP not unescaped", ver: V11, in: "STOMP\nlogin:a\\cb\n\n\x00",
			want: []*Frame{hf(STOMP, "", "login", "a\\cb")}},
		{name: "1.2 CONNECTED not unescaped", ver: V12, in: "CONNECTED\nserver:a\\cb\n\n\x00",
			want: []*Frame{hf(CONNECTED, "", "server", "a\\cb")}},

		// malformed
		{name: "header without colon", in: "SEND\nnocolon\n\n\x00", err: anyProto},
		{name: "header without colon 1.2", ver: V12, in: "SEND\ndestination:/q\nbad line\n\nx\x00", err: anyProto},
		{name: "error after good frame", in: "SEND\n\n\x00SEND\nbad\n\n\x00",
			want: []*Frame{hf(SEND, "")}, err: anyProto},
	}...)
	return append(cs, limitCases()...)
}

func limitCases() []readCase {
	cmdAt := strings.Repeat("C", DefaultMaxCommand)
	hdrAt := "k:" + strings.Repeat("v", DefaultMaxHeaderLine-2)
	var many strings.Builder
	for i := range DefaultMaxHeaders {
		many.WriteString("h" + strconv.Itoa(i) + ":x\n")
	}
	manyWant := hf(SEND, "")
	for i := range DefaultMaxHeaders {
		manyWant.Headers = append(manyWant.Headers, Header{"h" + strconv.Itoa(i), "x"})
	}
	small := Limits{MaxDataLength: 16, MaxFrameSize: 64}
	b16, b17 := strings.Repeat("b", 16), strings.Repeat("b", 17)
	// "SEND" + "k:v" = 7 bytes of command and headers.
	fr := Limits{MaxFrameSize: 20}
	b13, b14 := strings.Repeat("b", 13), strings.Repeat("b", 14)
	// "SEND" + "content-length:13" = 21, + body 13 = 34.
	frCL := Limits{MaxFrameSize: 34}
	return []readCase{
		{name: "command at limit", in: cmdAt + "\n\n\x00", want: []*Frame{hf(cmdAt, "")}},
		{name: "command at limit crlf", ver: V12, in: cmdAt + "\r\n\r\n\x00", want: []*Frame{hf(cmdAt, "")}},
		{name: "command over limit", in: cmdAt + "C\n\n\x00", err: limitErr(LimitCommand, DefaultMaxCommand)},
		{name: "command over limit crlf", in: cmdAt + "C\r\n\n\x00", err: limitErr(LimitCommand, DefaultMaxCommand)},
		{name: "command over limit no EOL", in: cmdAt + "CC", err: limitErr(LimitCommand, DefaultMaxCommand)},
		{name: "blank line over limit", in: strings.Repeat(" ", DefaultMaxCommand+1) + "\n", err: limitErr(LimitCommand, DefaultMaxCommand)},
		{name: "header line at limit", ver: V12, in: "SEND\n" + hdrAt + "\n\n\x00",
			want: []*Frame{hf(SEND, "", "k", hdrAt[2:])}},
		{name: "header line at limit crlf", ver: V12, in: "SEND\r\n" + hdrAt + "\r\n\r\n\x00",
			want: []*Frame{hf(SEND, "", "k", hdrAt[2:])}},
		{name: "header line over limit", ver: V12, in: "SEND\n" + hdrAt + "v\n\n\x00",
			err: limitErr(LimitHeaderLine, DefaultMaxHeaderLine)},
		{name: "header line over limit no EOL", ver: V12, in: "SEND\n" + hdrAt + "vv",
			err: limitErr(LimitHeaderLine, DefaultMaxHeaderLine)},
		{name: "headers at limit", in: "SEND\n" + many.String() + "\n\x00", want: []*Frame{manyWant}},
		{name: "headers over limit", in: "SEND\n" + many.String() + "one:more\n\n\x00",
			err: limitErr(LimitHeaders, DefaultMaxHeaders)},
		{name: "data at limit", lim: small, in: "SEND\n\n" + b16 + "\x00", want: []*Frame{hf(SEND, b16)}},
		{name: "data over limit", lim: small, in: "SEND\n\n" + b17 + "\x00", err: limitErr(LimitData, 16)},
		{name: "data over limit no NUL yet", lim: small, in: "SEND\n\n" + b17, err: limitErr(LimitData, 16)},
		{name: "data at limit content-length", lim: small, in: "SEND\ncontent-length:16\n\n" + b16 + "\x00",
			want: []*Frame{hf(SEND, b16, "content-length", "16")}},
		{name: "data over limit content-length", lim: small, in: "SEND\ncontent-length:17\n\n" + b17 + "\x00",
			err: limitErr(LimitData, 16)},
		{name: "data over default limit announced", in: "SEND\ncontent-length:104857601\n\n",
			err: limitErr(LimitData, DefaultMaxDataLength)},
		{name: "frame at limit", lim: fr, in: "SEND\nk:v\n\n" + b13 + "\x00", want: []*Frame{hf(SEND, b13, "k", "v")}},
		{name: "frame over limit", lim: fr, in: "SEND\nk:v\n\n" + b14 + "\x00", err: limitErr(LimitFrame, 20)},
		{name: "frame over limit in headers", lim: Limits{MaxFrameSize: 6}, in: "SEND\nk:v\n\n\x00", err: limitErr(LimitFrame, 6)},
		{name: "frame at limit content-length", lim: frCL, in: "SEND\ncontent-length:13\n\n" + b13 + "\x00",
			want: []*Frame{hf(SEND, b13, "content-length", "13")}},
		{name: "frame over limit content-length", lim: Limits{MaxFrameSize: 33}, in: "SEND\ncontent-length:13\n\n" + b13 + "\x00",
			err: limitErr(LimitFrame, 33)},
	}
}

func checkErr(t *testing.T, got, want error) {
	t.Helper()
	if want == nil {
		want = io.EOF
	}
	if want == anyProto {
		var pe *ProtocolError
		if !errors.As(got, &pe) {
			t.Fatalf("error = %T %v, want *ProtocolError", got, got)
		}
		return
	}
	if !sameErr(got, want) {
		t.Fatalf("error = %T %v, want %T %v", got, got, want, want)
	}
}

func TestReadFrames(t *testing.T) {
	for _, tc := range readCases() {
		for _, w := range wrappers {
			t.Run(tc.name+"/"+w.name, func(t *testing.T) {
				lim := tc.lim
				r := NewReader(w.wrap(strings.NewReader(tc.in)), lim)
				if tc.ver != "" {
					r.SetVersion(tc.ver)
				}
				got, err := collect(r)
				if !sameFrames(got, tc.want) {
					t.Fatalf("frames:\n%swant:\n%s", fmtFrames(got), fmtFrames(tc.want))
				}
				checkErr(t, err, tc.err)
			})
		}
	}
}

// The smallest read buffer (one longest line) forces compaction and direct
// body reads.
func TestReadFramesSmallBuffer(t *testing.T) {
	for _, tc := range readCases() {
		lim := tc.lim
		lim.BufferSize = 1
		for _, w := range wrappers[:3] {
			r := NewReader(w.wrap(strings.NewReader(tc.in)), lim)
			if tc.ver != "" {
				r.SetVersion(tc.ver)
			}
			got, err := collect(r)
			if !sameFrames(got, tc.want) {
				t.Fatalf("%s/%s frames:\n%swant:\n%s", tc.name, w.name, fmtFrames(got), fmtFrames(tc.want))
			}
			checkErr(t, err, tc.err)
		}
	}
}

// Lines that straddle the end of a small buffer.
func TestCompaction(t *testing.T) {
	lim := Limits{MaxCommand: 16, MaxHeaderLine: 16, BufferSize: 1}
	var in strings.Builder
	var want []*Frame
	for i := range 50 {
		k, v := "k"+strconv.Itoa(i), strings.Repeat("v", i%13)
		body := strings.Repeat("b", i*7)
		in.WriteString("SEND\n" + k + ":" + v + "\nx:y\n\n" + body + "\x00\n")
		want = append(want, hf(SEND, body, k, v, "x", "y"), nil)
	}
	for _, w := range wrappers {
		r := NewReader(w.wrap(strings.NewReader(in.String())), lim)
		got, err := collect(r)
		if err != io.EOF || !sameFrames(got, want) {
			t.Fatalf("%s: err %v frames:\n%s", w.name, err, fmtFrames(got))
		}
	}
}

func TestLimitErrorText(t *testing.T) {
	for what, want := range map[string]string{
		LimitCommand:    "The maximum command length was exceeded",
		LimitHeaderLine: "The maximum header length was exceeded",
		LimitHeaders:    "The maximum number of headers was exceeded",
		LimitData:       "The maximum data length was exceeded",
		LimitFrame:      "The maximum frame size was exceeded",
	} {
		if got := (&LimitError{What: what}).Error(); got != want {
			t.Errorf("%s: %q, want %q", what, got, want)
		}
	}
}

func TestStickyError(t *testing.T) {
	for _, in := range []string{
		"SEND\nbad\n\nSEND\n\n\x00",
		"SEND\ncontent-length:x\n\n\x00SEND\n\n\x00",
		strings.Repeat("C", 2000) + "\n\n\x00SEND\n\n\x00",
		"SEND\n\nabc",
	} {
		cr := &countingReader{r: strings.NewReader(in)}
		r := NewReader(cr, Limits{})
		_, err := collect(r)
		calls := cr.calls
		for range 3 {
			f, err2 := r.ReadFrame()
			if f != nil || err2 != err {
				t.Fatalf("%q: after error got %v, %v; want %v", in, f, err2, err)
			}
		}
		if cr.calls != calls {
			t.Fatalf("%q: reader read again after error", in)
		}
	}
}

// An announced body is not allocated before its bytes arrive.
func TestAnnouncedBodyNotAllocated(t *testing.T) {
	in := "SEND\ncontent-length:" + strconv.Itoa(DefaultMaxDataLength-100) + "\n\n" + strings.Repeat("x", 1000)
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	r := NewReader(strings.NewReader(in), Limits{})
	_, err := r.ReadFrame()
	runtime.ReadMemStats(&ms1)
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("err = %v", err)
	}
	if d := ms1.TotalAlloc - ms0.TotalAlloc; d > 1<<20 {
		t.Fatalf("allocated %d bytes for a 1000-byte partial body", d)
	}
}

// A large body arriving in pieces is assembled correctly.
func TestLargeBody(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef\x00"), 20000)
	in := "SEND\ncontent-length:" + strconv.Itoa(len(body)) + "\n\n" + string(body) + "\x00\n" +
		"SEND\n\n" + strings.Repeat("z", 200000) + "\x00"
	for _, w := range wrappers {
		r := NewReader(w.wrap(strings.NewReader(in)), Limits{})
		fs, err := collect(r)
		if err != io.EOF || len(fs) != 3 || !bytes.Equal(fs[0].Body, body) || fs[1] != nil || len(fs[2].Body) != 200000 {
			t.Fatalf("%s: %d frames, err %v", w.name, len(fs), err)
		}
		if cap(fs[0].Body) != len(body) {
			t.Fatalf("%s: body cap %d, len %d", w.name, cap(fs[0].Body), len(body))
		}
	}
}

func TestVersionSwitch(t *testing.T) {
	in := "CONNECT\naccept-version:1.1,1.2\nlogin: guest \n\n\x00SEND\nk:a\\cb\n\n\x00"
	r := NewReader(strings.NewReader(in), Limits{})
	if r.Version() != V10 {
		t.Fatalf("initial version %s", r.Version())
	}
	f, err := r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.Get("login"); v != "guest" {
		t.Fatalf("login %q", v)
	}
	av, _ := f.Get("accept-version")
	v, err := NegotiateVersion(av)
	if err != nil || v != V12 {
		t.Fatalf("negotiated %q %v", v, err)
	}
	r.SetVersion(v)
	f, err = r.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Get("k"); got != "a:b" {
		t.Fatalf("k = %q", got)
	}
}

func TestKnownCommandsInterned(t *testing.T) {
	for _, c := range allCommands {
		b := []byte(c)
		if n := testing.AllocsPerRun(10, func() { _ = internCommand(b) }); n != 0 {
			t.Errorf("%s: %v allocs", c, n)
		}
	}
	in := []byte("SEND\ndestination:/queue/a\nreceipt:1\n\nhello\x00")
	rr := &repeatReader{data: in}
	r := NewReader(rr, Limits{})
	n := testing.AllocsPerRun(100, func() {
		f, err := r.ReadFrame()
		if err != nil || f.Command != SEND {
			t.Fatal(f, err)
		}
	})
	if n > 3 {
		t.Fatalf("%v allocs per frame, want <= 3", n)
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

type badCountReader struct{}

func (badCountReader) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestReaderIOErrors(t *testing.T) {
	if _, err := NewReader(zeroReader{}, Limits{}).ReadFrame(); err != io.ErrNoProgress {
		t.Fatalf("zero reader: %v", err)
	}
	if _, err := NewReader(badCountReader{}, Limits{}).ReadFrame(); err == nil {
		t.Fatal("bad count reader: no error")
	}
	// A non-EOF error is returned as is (here after one good frame), even
	// mid-frame, and stays.
	r := NewReader(iotest.TimeoutReader(strings.NewReader("SEND\n\n\x00SEND\n\nab")), Limits{BufferSize: 1})
	fs, err := collect(r)
	if err != iotest.ErrTimeout || len(fs) != 1 {
		t.Fatalf("timeout reader: %d frames, %v", len(fs), err)
	}
	// Error while a large body is read straight into the frame.
	big := strings.Repeat("x", 100000)
	src := io.MultiReader(strings.NewReader("SEND\ncontent-length:200000\n\n"+big), iotest.ErrReader(io.ErrClosedPipe))
	if _, err := NewReader(src, Limits{}).ReadFrame(); err != io.ErrClosedPipe {
		t.Fatalf("mid-body error: %v", err)
	}
	src = io.MultiReader(strings.NewReader("SEND\ncontent-length:200000\n\n"+big), strings.NewReader(big))
	if _, err := NewReader(src, Limits{}).ReadFrame(); err != io.ErrUnexpectedEOF {
		t.Fatalf("body then EOF: %v", err)
	}
}

func TestReaderVersion(t *testing.T) {
	r := NewReader(strings.NewReader(""), Limits{})
	for _, v := range []string{V11, V12, V10} {
		r.SetVersion(v)
		if r.Version() != v {
			t.Fatalf("Version %s, want %s", r.Version(), v)
		}
	}
	r.SetVersion("2.0")
	if r.Version() != V10 {
		t.Fatalf("unknown version gives %s", r.Version())
	}
}

func TestProtocolErrorTextTruncated(t *testing.T) {
	in := "SEND\n" + strings.Repeat("y", 500) + "\n\n\x00"
	_, err := NewReader(strings.NewReader(in), Limits{}).ReadFrame()
	var pe *ProtocolError
	if !errors.As(err, &pe) || len(pe.Msg) > 200 {
		t.Fatalf("%v", err)
	}
}

// TestReuseFrames: with ReuseFrames successive frames share the Reader's
// memory and reading one allocates nothing, bodies in the read buffer or
// not, ended by content-length or by NUL; without it each frame is its own.
func TestReuseFrames(t *testing.T) {
	big := strings.Repeat("b", 3000) // longer than the first read buffer
	one := "MESSAGE\ncontent-length:5\nk:v\\c1\n\nhello\x00" +
		"MESSAGE\ncontent-length:3000\n\n" + big + "\x00" +
		"MESSAGE\na:1\nb:2\nc:3\nd:4\ne:5\nf:6\ng:7\nh:8\ni:9\n\nworld\x00"
	want := []struct{ hdr, body string }{{"k=v:1", "hello"}, {"content-length=3000", big}, {"i=9", "world"}}
	in := strings.Repeat(one, 200)
	for _, reuse := range []bool{false, true} {
		r := NewReader(strings.NewReader(in), Limits{})
		r.SetVersion(V12)
		r.ReuseFrames(reuse)
		var prev *Frame
		same := 0
		check := func(i int) {
			f, err := r.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			w := want[i%3]
			h := f.Headers[len(f.Headers)-1]
			if i%3 == 1 {
				h = f.Headers[0]
			}
			if h.Key+"="+h.Value != w.hdr || string(f.Body) != w.body {
				t.Fatalf("reuse=%v frame %d: header %s=%s body %.20q", reuse, i, h.Key, h.Value, f.Body)
			}
			if f == prev {
				same++
			}
			prev = f
		}
		for i := range 6 { // warm up: buffers grown
			check(i)
		}
		i := 6
		allocs := testing.AllocsPerRun(100, func() { check(i); i++ })
		if reuse && (allocs != 0 || same != i-1) {
			t.Fatalf("reuse: %.1f allocations per frame, %d of %d frames in the same Frame", allocs, same, i-1)
		}
		if !reuse && (allocs < 1 || same != 0) {
			t.Fatalf("no reuse: %.1f allocations per frame, %d frames in the same Frame", allocs, same)
		}
	}
}

// chunkReader hands out its data in chunks of the sizes given, in turn, a
// read never crossing from one chunk into the next.
type chunkReader struct {
	data  []byte
	sizes []int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data))
	if len(c.sizes) > 0 {
		// A chunk larger than p is handed out over several reads.
		n = min(n, c.sizes[0])
		if c.sizes[0] -= n; c.sizes[0] == 0 {
			c.sizes = c.sizes[1:]
		}
	}
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// The read buffer grows while reads fill it and shrinks back once reads
// stay short, so a connection past its burst does not keep a large buffer.
func TestReadBufferGrowsAndShrinks(t *testing.T) {
	frame := func(n int) string {
		return "SEND\ndestination:/queue/a\ncontent-length:" + strconv.Itoa(n) + "\n\n" + strings.Repeat("x", n) + "\x00"
	}
	var in strings.Builder
	for range 200 {
		in.WriteString(frame(16 << 10)) // a burst: every read fills the buffer
	}
	burst := in.Len()
	for range 400 {
		in.WriteString(frame(10)) // then a trickle, one small frame per read
	}
	small := len(frame(10))
	sizes := []int{}
	for n := 0; n < burst; n += 1 << 20 {
		sizes = append(sizes, min(1<<20, burst-n))
	}
	for range 400 {
		sizes = append(sizes, small)
	}
	r := NewReader(&chunkReader{data: []byte(in.String()), sizes: sizes}, Limits{})
	peak := 0
	for i := 0; i < 600; i++ {
		f, err := r.ReadFrame()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if want := 16 << 10; i < 200 && len(f.Body) != want || i >= 200 && len(f.Body) != 10 {
			t.Fatalf("frame %d: body of %d bytes", i, len(f.Body))
		}
		peak = max(peak, len(r.buf))
	}
	if peak < 256<<10 {
		t.Errorf("buffer peaked at %d bytes during the burst, want it grown well past 64 KB", peak)
	}
	if len(r.buf) > 4<<10 {
		t.Errorf("buffer still %d bytes after 400 short reads", len(r.buf))
	}
}

// Wait reads only when nothing is buffered, and the frames and errors
// ReadFrame then returns are those it would have returned alone.
func TestWait(t *testing.T) {
	src := &countingReader{r: strings.NewReader("SEND\ndestination:/queue/a\n\nx\x00SEND\ndestination:/queue/b\n\ny\x00")}
	r := NewReader(src, Limits{})
	r.Wait()
	if src.calls != 1 {
		t.Fatalf("Wait with nothing buffered read %d times, want 1", src.calls)
	}
	r.Wait()
	if src.calls != 1 {
		t.Fatalf("Wait with input buffered read again (%d reads)", src.calls)
	}
	for _, want := range []string{"x", "y"} {
		r.Wait()
		f, err := r.ReadFrame()
		if err != nil || string(f.Body) != want {
			t.Fatalf("frame %q: %v %v", want, f, err)
		}
	}
	r.Wait() // reads EOF, kept for ReadFrame
	if f, err := r.ReadFrame(); err != io.EOF {
		t.Fatalf("after the last frame: %v %v, want io.EOF", f, err)
	}

	// An error met by Wait inside a frame is the frame's error.
	r = NewReader(iotest.DataErrReader(strings.NewReader("SEND\n")), Limits{})
	r.Wait()
	r.Wait()
	if _, err := r.ReadFrame(); err != io.ErrUnexpectedEOF {
		t.Fatalf("frame cut short: %v, want io.ErrUnexpectedEOF", err)
	}
}
