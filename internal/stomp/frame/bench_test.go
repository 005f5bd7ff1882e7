package frame

import (
	"bytes"
	"testing"
)

func send1K() []byte {
	body := bytes.Repeat([]byte("0123456789abcdef"), 64)
	var b []byte
	b = append(b, "SEND\ndestination:/queue/bench.orders\ncontent-type:text/plain\ncontent-length:1024\n"+
		"receipt:message-12345\npersistent:true\npriority:4\n\n"...)
	b = append(b, body...)
	return append(b, 0)
}

func BenchmarkReadSEND1K(b *testing.B) { benchRead(b, send1K(), false) }

// benchRead reads data, one frame with a 1 KB body, over and over in 1.2.
func benchRead(b *testing.B, data []byte, reuse bool) {
	r := NewReader(&repeatReader{data: data}, Limits{})
	r.SetVersion(V12)
	r.ReuseFrames(reuse)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := r.ReadFrame()
		if err != nil || f == nil || len(f.Body) != 1024 {
			b.Fatal(f, err)
		}
	}
}

func BenchmarkAppendMESSAGE(b *testing.B) {
	e := NewEncoder(V12)
	body := bytes.Repeat([]byte("0123456789abcdef"), 64)
	buf := make([]byte, 0, 4096)
	b.SetBytes(int64(len(e.appendMessage(buf, body))))
	b.ReportAllocs()
	for b.Loop() {
		buf = e.appendMessage(buf[:0], body)
	}
}

func (e Encoder) appendMessage(b, body []byte) []byte {
	b = e.AppendCommand(b, MESSAGE)
	b = e.AppendNamedHeader(b, "subscription", "sub-0")
	b = e.AppendNamedHeader(b, "message-id", "ID:broker-host-40321-1700000000000-3:1:1:1:42")
	b = e.AppendNamedHeader(b, "destination", "/queue/bench.orders")
	b = e.AppendNamedHeader(b, "content-type", "text/plain")
	b = e.AppendHeaderInt(b, "expires", 0)
	b = e.AppendHeaderInt(b, "priority", 4)
	b = e.AppendHeaderInt(b, "timestamp", 1700000000123)
	b = e.AppendNamedHeader(b, "persistent", "true")
	b = e.AppendNamedHeader(b, "ack", "ID:broker-host-40321-1700000000000-3:1:1:1:42")
	b = e.AppendHeaderInt(b, "content-length", int64(len(body)))
	return e.AppendBody(b, body)
}

func BenchmarkAppendFrameMESSAGE(b *testing.B) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 64)
	f := hf(MESSAGE, string(body), "subscription", "sub-0",
		"message-id", "ID:broker-host-40321-1700000000000-3:1:1:1:42",
		"destination", "/queue/bench.orders", "content-type", "text/plain",
		"priority", "4", "content-length", "1024")
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendFrame(buf[:0], f, V12)
	}
}

// BenchmarkReadMESSAGEReused reads what a subscriber of a 1.2 connection
// gets, the way the load generator's consumer reads it (ReuseFrames).
func BenchmarkReadMESSAGEReused(b *testing.B) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 64)
	data := NewEncoder(V12).appendMessage(nil, body)
	data = data[:len(data)-1] // no LF after the NUL: no heart-beat between frames
	benchRead(b, data, true)
}
