package stomp

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"amq/internal/stomp/frame"
)

// benchClient is a lean STOMP client for benchmarks: pre-encoded frames,
// buffered writes, so the broker is what is measured.
type benchClient struct {
	nc net.Conn
	bw *bufio.Writer
	rd *frame.Reader
}

func benchDial(b *testing.B, addr string) *benchClient {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	c := &benchClient{nc: nc, bw: bufio.NewWriterSize(nc, 64<<10), rd: frame.NewReader(nc, frame.Limits{})}
	c.bw.WriteString("CONNECT\naccept-version:1.2\nheart-beat:0,0\n\n\x00")
	c.bw.Flush()
	if f, err := c.next(); err != nil || f.Command != "CONNECTED" {
		b.Fatalf("connect: %v %v", f, err)
	}
	c.rd.SetVersion("1.2")
	return c
}

func (c *benchClient) next() (*frame.Frame, error) {
	for {
		f, err := c.rd.ReadFrame()
		if err != nil || f != nil {
			return f, err
		}
	}
}

func quietServer(b *testing.B) *testServer {
	return startServer(b, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) })
}

// consume reads n MESSAGE frames on c.
func (c *benchClient) consume(n int, done chan<- error) {
	for i := 0; i < n; i++ {
		f, err := c.next()
		if err != nil {
			done <- err
			return
		}
		if f.Command != "MESSAGE" {
			done <- fmt.Errorf("got %s: %v", f.Command, f.Headers)
			return
		}
	}
	done <- nil
}

func benchFanOut(b *testing.B, dest string, consumers int, size int, persistent bool) {
	ts := quietServer(b)
	var subs []*benchClient
	for i := 0; i < consumers; i++ {
		c := benchDial(b, ts.addr)
		fmt.Fprintf(c.bw, "SUBSCRIBE\nid:%d\ndestination:%s\nack:auto\nreceipt:r\n\n\x00", i, dest)
		c.bw.Flush()
		if f, err := c.next(); err != nil || f.Command != "RECEIPT" {
			b.Fatalf("subscribe: %v %v", f, err)
		}
		subs = append(subs, c)
	}
	p := benchDial(b, ts.addr)
	body := strings.Repeat("x", size)
	pers := ""
	if persistent {
		pers = "persistent:true\n"
	}
	send := []byte(fmt.Sprintf("SEND\ndestination:%s\n%scontent-length:%d\n\n%s\x00", dest, pers, size, body))
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	done := make(chan error, consumers)
	for _, c := range subs {
		go c.consume(b.N, done)
	}
	start := time.Now()
	for i := 0; i < b.N; i++ {
		p.bw.Write(send)
	}
	// End with a round trip so the flush and the broker's work are measured.
	p.bw.WriteString("SEND\ndestination:/queue/bench-sync\nreceipt:end\n\n\x00")
	p.bw.Flush()
	for range subs {
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
	for _, c := range subs {
		c.nc.Close()
	}
	p.nc.Close()
}

// BenchmarkQueue1to1_1KB: one producer, one consumer, non-persistent 1 KB.
func BenchmarkQueue1to1_1KB(b *testing.B) { benchFanOut(b, "/queue/bench", 1, 1024, false) }

// BenchmarkTopic1to4_1KB: one publisher fanned out to four subscribers.
func BenchmarkTopic1to4_1KB(b *testing.B) { benchFanOut(b, "/topic/bench", 4, 1024, false) }
