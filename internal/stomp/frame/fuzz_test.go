package frame

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// fuzzLimits are small so that the fuzzer reaches every limit.
var fuzzLimits = Limits{
	MaxCommand:    32,
	MaxHeaderLine: 96,
	MaxHeaders:    8,
	MaxFrameSize:  1024,
	MaxDataLength: 512,
	BufferSize:    1,
}

var fuzzSeeds = []string{
	"CONNECT\naccept-version:1.0,1.1,1.2\nhost:localhost\nlogin:guest\npasscode:guest\nheart-beat:10000,10000\n\n\x00",
	"STOMP\r\naccept-version:1.2\r\nhost:/\r\n\r\n\x00\r\n",
	"CONNECT\nlogin: admin \npasscode: secret\n\n\x00\n",
	"SEND\ndestination:/queue/test\ncontent-type:text/plain\ncontent-length:11\nreceipt:r-1\npersistent:true\n\nhello world\x00\n",
	"SEND\ndestination:/topic/prices\nJMSXGroupID:g1\n\n{\"price\":1.5}\x00",
	"SEND\ndestination:/queue/b\ncontent-length:5\n\na\x00b\x00c\x00\n\n\n",
	"SUBSCRIBE\nid:0\ndestination:/queue/test\nack:client-individual\nactivemq.prefetchSize:1\n\n\x00",
	"UNSUBSCRIBE\nid:0\n\n\x00",
	"ACK\nid:ID\\cbroker-1\\c1\\c1\\c1\\c1\ntransaction:tx1\n\n\x00",
	"NACK\nmessage-id:ID:broker-1:1:1:1:1\nsubscription:0\n\n\x00",
	"BEGIN\ntransaction:tx1\n\n\x00COMMIT\ntransaction:tx1\n\n\x00ABORT\ntransaction:tx2\n\n\x00",
	"DISCONNECT\nreceipt:77\n\n\x00",
	"MESSAGE\nsubscription:0\nmessage-id:ID:x-1:1:1:1:1\ndestination:/queue/test\ncontent-length:3\n\nabc\x00\n",
	"RECEIPT\nreceipt-id:77\n\n\x00",
	"ERROR\nmessage:Unknown STOMP action: FOO\ncontent-length:4\n\noops\x00\n",
	"CONNECTED\nversion:1.2\nheart-beat:0,0\nserver:ActiveMQ/5.17.6\nsession:ID:x\n\n\x00\n",
	"\n\n\r\n\nSEND\ndestination:/queue/a\n\n\x00\n\n",
	"SEND\r\ndestination:/queue/a\r\nk:v\r\n\r\nbody\x00\r\n",
	"SEND\nk\\c1:v\\n\\\\\\c\\r\n\n\x00",
	"SEND\nk:a\\tb\n\n\x00",
	"SEND\nk:a\\\n\n\x00",
	"SEND\nnocolon\n\n\x00",
	"SEND\ncontent-length:x\n\n\x00",
	"SEND\ncontent-length:-1\n\n\x00",
	"SEND\ncontent-length:3\n\nabcd\x00",
	"SEND\ncontent-length:600\n\n" + strings.Repeat("a", 600) + "\x00",
	"SEND\n\n" + strings.Repeat("b", 513) + "\x00",
	"SEND\nh1:1\nh2:2\nh3:3\nh4:4\nh5:5\nh6:6\nh7:7\nh8:8\nh9:9\n\n\x00",
	strings.Repeat("C", 33) + "\n\n\x00",
	"SEND\nk:" + strings.Repeat("v", 95) + "\n\n\x00",
	"SEND\nfoo:1\nfoo:2\n\n\x00",
	"\x00\x00SEND\n\n\x00\x00\x00",
	"SEND\ndestination:/queue/a",
	"  SEND  \n k : v \n\n\x00",
	"FOO\n\n\x00",
	"",
}

// fuzzRun parses data in one version; ver bit 2 starts in 1.0 and switches
// after the first frame, as a connection does after CONNECT.
func fuzzRun(src io.Reader, lim Limits, ver uint8) ([]*Frame, error) {
	return fuzzRunWith(src, lim, ver, false)
}

// fuzzRunWith reads like fuzzRun; with reuse, through ReuseFrames, keeping
// a deep copy of each frame before the next read overwrites it.
func fuzzRunWith(src io.Reader, lim Limits, ver uint8, reuse bool) ([]*Frame, error) {
	v := []string{V10, V11, V12}[ver%3]
	r := NewReader(src, lim)
	r.ReuseFrames(reuse)
	switchAfterFirst := ver&4 != 0
	if !switchAfterFirst {
		r.SetVersion(v)
	}
	var out []*Frame
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return out, err
		}
		if f != nil && reuse {
			f = cloneFrame(f)
		}
		if f != nil && switchAfterFirst {
			r.SetVersion(v)
			switchAfterFirst = false
		}
		out = append(out, f)
	}
}

// cloneFrame copies f and everything it refers to.
func cloneFrame(f *Frame) *Frame {
	c := &Frame{Command: strings.Clone(f.Command), Body: bytes.Clone(f.Body)}
	for _, h := range f.Headers {
		c.Headers = append(c.Headers, Header{Key: strings.Clone(h.Key), Value: strings.Clone(h.Value)})
	}
	return c
}

// frameVersions gives the version each frame of a fuzzRun was parsed in.
func frameVersion(ver uint8, i int, fs []*Frame) string {
	v := []string{V10, V11, V12}[ver%3]
	if ver&4 == 0 {
		return v
	}
	for j := 0; j < i; j++ {
		if fs[j] != nil {
			return v
		}
	}
	return V10
}

func checkLimits(t *testing.T, f *Frame, lim Limits) {
	t.Helper()
	if len(f.Command) == 0 || len(f.Command) > lim.MaxCommand {
		t.Fatalf("command length %d", len(f.Command))
	}
	if len(f.Headers) > lim.MaxHeaders {
		t.Fatalf("%d headers", len(f.Headers))
	}
	size := int64(len(f.Command) + len(f.Body))
	for _, h := range f.Headers {
		n := len(h.Key) + 1 + len(h.Value)
		if n > lim.MaxHeaderLine {
			t.Fatalf("header line of %d bytes", n)
		}
		size += int64(n)
	}
	if len(f.Body) > lim.MaxDataLength {
		t.Fatalf("body of %d bytes", len(f.Body))
	}
	if size > lim.MaxFrameSize {
		t.Fatalf("frame of %d bytes", size)
	}
}

// representable reports whether AppendFrame can reproduce f exactly: with
// unescaped headers under 1.2 a value ending in CR loses it to the EOL.
func representable(f *Frame, v string) bool {
	if v != V12 || !rawHeaders(f.Command) {
		return true
	}
	for _, h := range f.Headers {
		if strings.HasSuffix(h.Value, "\r") {
			return false
		}
	}
	return true
}

func FuzzReader(f *testing.F) {
	for i, s := range fuzzSeeds {
		for ver := range uint8(6) {
			f.Add([]byte(s), uint16(i*7+int(ver)), ver)
		}
	}
	var all strings.Builder
	for _, s := range fuzzSeeds[:20] {
		all.WriteString(s)
	}
	f.Add([]byte(all.String()), uint16(1234), uint8(2))
	f.Add([]byte(all.String()), uint16(99), uint8(5))

	f.Fuzz(func(t *testing.T, data []byte, split uint16, ver uint8) {
		ver %= 6
		whole, werr := fuzzRun(bytes.NewReader(data), fuzzLimits, ver)

		reused, rerr := fuzzRunWith(io.MultiReader(bytes.NewReader(data[:len(data)/2]), bytes.NewReader(data[len(data)/2:])), fuzzLimits, ver, true)
		if !sameFrames(whole, reused) || !sameErr(werr, rerr) {
			t.Fatalf("ReuseFrames differs:\nwhole (%v):\n%sreused (%v):\n%s", werr, fmtFrames(whole), rerr, fmtFrames(reused))
		}

		k := int(split) % (len(data) + 1)
		parts, perr := fuzzRun(io.MultiReader(bytes.NewReader(data[:k]), bytes.NewReader(data[k:])), fuzzLimits, ver)
		if !sameFrames(whole, parts) || !sameErr(werr, perr) {
			t.Fatalf("split at %d differs:\nwhole (%v):\n%ssplit (%v):\n%s", k, werr, fmtFrames(whole), perr, fmtFrames(parts))
		}
		if len(data) <= 4096 {
			ones, oerr := fuzzRun(iotest.OneByteReader(bytes.NewReader(data)), fuzzLimits, ver)
			if !sameFrames(whole, ones) || !sameErr(werr, oerr) {
				t.Fatalf("one-byte reads differ:\nwhole (%v):\n%sone-byte (%v):\n%s", werr, fmtFrames(whole), oerr, fmtFrames(ones))
			}
		}

		for i, fr := range whole {
			if fr == nil {
				continue
			}
			checkLimits(t, fr, fuzzLimits)
			v := frameVersion(ver, i, whole)
			if !representable(fr, v) {
				continue
			}
			enc := AppendFrame(nil, fr, v)
			r := NewReader(bytes.NewReader(enc), Limits{})
			r.SetVersion(v)
			again, err := collect(r)
			if err != io.EOF || len(again) != 2 || !sameFrame(again[0], fr) || again[1] != nil {
				t.Fatalf("re-encoding in %s: %q\nparsed:\n%sre-parsed (%v):\n%s", v, enc, fmtFrames([]*Frame{fr}), err, fmtFrames(again))
			}
		}
	})
}
