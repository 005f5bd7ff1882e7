package stomp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/stomp/frame"
	"amq/store"
	"amq/store/memory"

	gostomp "github.com/go-stomp/stomp/v3"
)

type testServer struct {
	b    *broker.Broker
	s    *Server
	addr string
}

func startServer(t testing.TB, mod func(*Options)) *testServer {
	t.Helper()
	b, err := broker.New(broker.Config{Name: "test", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	opts := Options{Broker: b, Logger: testLogger(t)}
	if mod != nil {
		mod(&opts)
	}
	s := NewServer(opts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() {
		s.Close()
		b.Close()
	})
	return &testServer{b: b, s: s, addr: l.Addr().String()}
}

// raw is a raw-frame client with deadlines.
type raw struct {
	t  *testing.T
	nc net.Conn
	rd *frame.Reader
}

func dialRaw(t *testing.T, addr string) *raw {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &raw{t: t, nc: nc, rd: frame.NewReader(nc, frame.Limits{})}
}

func (r *raw) send(s string) {
	r.t.Helper()
	r.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(r.nc, s); err != nil {
		r.t.Fatal(err)
	}
}

func (r *raw) read() *frame.Frame {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := r.rd.ReadFrame()
		if err != nil {
			r.t.Fatalf("read frame: %v", err)
		}
		if f != nil {
			return f
		}
	}
}

// expectClosed asserts the server closes the connection.
func (r *raw) expectClosed() {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := r.rd.ReadFrame()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				r.t.Fatal("connection not closed")
			}
			return
		}
		if f != nil && f.Command != frame.ERROR && f.Command != frame.RECEIPT {
			r.t.Fatalf("unexpected %s before close", f.Command)
		}
	}
}

func (r *raw) connect(version string) *frame.Frame {
	r.t.Helper()
	r.send("CONNECT\naccept-version:" + version + "\nhost:localhost\n\n\x00")
	f := r.read()
	if f.Command != frame.CONNECTED {
		r.t.Fatalf("got %s %v", f.Command, f.Headers)
	}
	r.rd.SetVersion(version)
	return f
}

func hdr(f *frame.Frame, k string) string {
	v, _ := f.Get(k)
	return v
}

func TestConnectedHeaders(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.send("CONNECT\naccept-version:1.0,1.1,1.2\nheart-beat:0,0\nclient-id:abc\n\n\x00")
	f := r.read()
	if f.Command != "CONNECTED" || hdr(f, "version") != "1.2" || hdr(f, "server") != "ActiveMQ/5.17.2" || hdr(f, "session") != "abc" || hdr(f, "heart-beat") != "0,0" {
		t.Fatalf("CONNECTED: %+v", f.Headers)
	}
}

func TestBadVersionIsFatal(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.send("CONNECT\naccept-version:2.0\n\n\x00")
	f := r.read()
	if f.Command != "ERROR" || !strings.Contains(hdr(f, "message"), "supported versions are: [1.2, 1.1, 1.0]") {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	r.expectClosed()
}

func TestBadHeartBeatIsFatal(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.send("CONNECT\naccept-version:1.2\nheart-beat:x,1\n\n\x00")
	if f := r.read(); f.Command != "ERROR" {
		t.Fatal(f.Command)
	}
	r.expectClosed()
}

func TestSendWithoutDestinationKeepsConnection(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("SEND\nreceipt:1\n\nhello\x00")
	f := r.read()
	if f.Command != "ERROR" || hdr(f, "message") != "SEND received without a Destination specified!" || hdr(f, "receipt-id") != "1" {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	r.send("SEND\ndestination:/queue/a\nreceipt:2\n\nhello\x00")
	if f := r.read(); f.Command != "RECEIPT" || hdr(f, "receipt-id") != "2" {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
}

func TestUnknownCommandIsFatal(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("FOO\n\n\x00")
	if f := r.read(); f.Command != "ERROR" || !strings.Contains(hdr(f, "message"), "Unknown STOMP action") {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	r.expectClosed()
}

func TestLimitsCloseConnection(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.Limits = frame.Limits{MaxFrameSize: 1000, MaxDataLength: 1000} })
	cases := map[string]string{
		"command":      strings.Repeat("X", 1100) + "\n\n\x00",
		"header line":  "SEND\ndestination:/queue/a\nx:" + strings.Repeat("y", 11*1024) + "\n\n\x00",
		"headers":      "SEND\n" + strings.Repeat("h:v\n", 1001) + "\n\x00",
		"frame size":   "SEND\ndestination:/queue/a\ncontent-length:5000\n\n" + strings.Repeat("z", 5000) + "\x00",
		"unterminated": "SEND\ndestination:/queue/a\n\n" + strings.Repeat("z", 5000),
	}
	for name, payload := range cases {
		t.Run(name, func(t *testing.T) {
			r := dialRaw(t, ts.addr)
			r.connect("1.2")
			r.send(payload)
			f := r.read()
			if f.Command != "ERROR" {
				t.Fatalf("got %s", f.Command)
			}
			r.expectClosed()
		})
	}
	// The broker keeps serving others.
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
}

func TestNoConnectTimeout(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.ConnectTimeout = 200 * time.Millisecond })
	r := dialRaw(t, ts.addr)
	r.expectClosed()
}

func TestHeartBeats(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.send("CONNECT\naccept-version:1.2\nheart-beat:1000,100\n\n\x00")
	f := r.read()
	if hdr(f, "heart-beat") != "100,1000" {
		t.Fatalf("heart-beat %q", hdr(f, "heart-beat"))
	}
	// Sending heart-beats later than asked but within 1.5x keeps it open...
	beats := make(chan error, 1)
	go func() {
		for i := 0; i < 3; i++ {
			time.Sleep(1250 * time.Millisecond) // later than 1000 ms, within 1500 ms
			if _, err := r.nc.Write([]byte("\n")); err != nil {
				beats <- err
				return
			}
		}
		beats <- nil
	}()
	// ... while the broker writes heart-beats every 100 ms.
	r.nc.SetReadDeadline(time.Now().Add(time.Second))
	br := bufio.NewReader(r.nc)
	b, err := br.ReadByte()
	if err != nil || b != '\n' {
		t.Fatalf("heart-beat byte %q %v", b, err)
	}
	if err := <-beats; err != nil {
		t.Fatal(err)
	}
	r.send("SEND\ndestination:/queue/hb\nreceipt:r\n\n\x00")
	r.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	rd := frame.NewReader(br, frame.Limits{})
	for {
		f, err := rd.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if f != nil {
			if f.Command != "RECEIPT" {
				t.Fatal(f.Command)
			}
			break
		}
	}
	// ... and silence closes it.
	start := time.Now()
	for {
		r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := br.ReadByte(); err != nil {
			break
		}
	}
	if time.Since(start) > 4*time.Second {
		t.Fatal("silent client not dropped")
	}
}

func TestEscapingPerVersion(t *testing.T) {
	ts := startServer(t, nil)
	for _, v := range []string{"1.0", "1.1", "1.2"} {
		t.Run(v, func(t *testing.T) {
			r := dialRaw(t, ts.addr)
			r.connect(v)
			q := "/queue/esc" + v
			r.send("SUBSCRIBE\nid:s\ndestination:" + q + "\nreceipt:s\n\n\x00")
			r.read()
			val := `a\cb\nc\\d`
			if v == "1.0" {
				val = "a:b"
			}
			r.send("SEND\ndestination:" + q + "\nx-key:" + val + "\n\nbody\x00")
			f := r.read()
			want := "a:b\nc\\d"
			if v == "1.0" {
				want = "a:b"
			}
			if hdr(f, "x-key") != want {
				t.Fatalf("x-key=%q", hdr(f, "x-key"))
			}
		})
	}
}

func TestBinaryBodyWithNUL(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("SUBSCRIBE\nid:0\ndestination:/queue/bin\n\n\x00")
	r.send("SEND\ndestination:/queue/bin\ncontent-length:5\n\na\x00b\x00c\x00")
	f := r.read()
	if string(f.Body) != "a\x00b\x00c" || hdr(f, "content-length") != "5" {
		t.Fatalf("body %q headers %v", f.Body, f.Headers)
	}
}

func TestMessageHeaders(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("SUBSCRIBE\nid:sub-1\ndestination:/queue/h\nack:client-individual\n\n\x00")
	r.send("SEND\ndestination:/queue/h\npersistent:true\npriority:7\ncorrelation-id:c1\ntype:t1\nreply-to:/queue/reply\nJMSXGroupID:g\nJMSXGroupSeq:1\ncolor:red\nreceipt:x\n\nhi\x00")
	var msg *frame.Frame
	for gotReceipt := false; msg == nil || !gotReceipt; {
		switch f := r.read(); f.Command {
		case "MESSAGE":
			msg = f
		case "RECEIPT":
			gotReceipt = true
		}
	}
	want := map[string]string{"destination": "/queue/h", "subscription": "sub-1", "persistent": "true", "priority": "7",
		"correlation-id": "c1", "type": "t1", "reply-to": "/queue/reply", "JMSXGroupID": "g", "JMSXGroupSeq": "1",
		"JMSXDeliveryCount": "1", "color": "red", "expires": "0"}
	for k, v := range want {
		if got := hdr(msg, k); got != v {
			t.Errorf("%s=%q want %q", k, got, v)
		}
	}
	id := hdr(msg, "message-id")
	if !strings.HasPrefix(id, "ID:") || strings.Count(id, ":") < 5 || !strings.HasPrefix(hdr(msg, "ack"), id) {
		t.Errorf("message-id %q ack %q", id, hdr(msg, "ack"))
	}
	if _, ok := msg.Get("content-length"); ok {
		t.Error("text message must not carry content-length")
	}
	if _, ok := msg.Get("receipt"); ok {
		t.Error("receipt header leaked into MESSAGE")
	}
	if string(msg.Body) != "hi" {
		t.Errorf("body %q", msg.Body)
	}
	r.send("ACK\nid:" + id + "\nreceipt:a\n\n\x00")
	if f := r.read(); f.Command != "RECEIPT" {
		t.Fatal(f.Command)
	}
	r.send("ACK\nid:" + id + "\nreceipt:b\n\n\x00")
	if f := r.read(); f.Command != "ERROR" || hdr(f, "receipt-id") != "b" {
		t.Fatalf("double ack: %s", f.Command)
	}
	// still connected
	r.send("SEND\ndestination:/queue/h\nreceipt:c\n\nx\x00")
	for {
		f := r.read()
		if f.Command == "RECEIPT" {
			break
		}
	}
}

func TestGoStompClientRoundTrip(t *testing.T) {
	ts := startServer(t, nil)
	conn, err := gostomp.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Disconnect()
	// go-stomp delivers receipts and messages on one goroutine and can
	// deadlock itself when both flow at once: send first, then consume.
	for i := 0; i < 100; i++ {
		if err := conn.Send("/queue/go", "text/plain", []byte(fmt.Sprint(i)), gostomp.SendOpt.Receipt); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := conn.Subscribe("/queue/go", gostomp.AckClientIndividual)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		select {
		case m := <-sub.C:
			if m.Err != nil {
				t.Fatal(m.Err)
			}
			if string(m.Body) != fmt.Sprint(i) {
				t.Fatalf("got %s want %d", m.Body, i)
			}
			if err := conn.Ack(m); err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("timeout")
		}
	}
	// The acks carry no receipt: wait until the broker has applied them.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := ts.b.QueueStats(broker.QueueDest("go"))
		if st.QueueSize == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("acked messages still queued: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUnackedReturnOnDisconnect(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.1")
	r.send("SUBSCRIBE\nid:1\ndestination:/queue/ret\nack:client\n\n\x00")
	r.send("SEND\ndestination:/queue/ret\n\none\x00")
	r.send("SEND\ndestination:/queue/ret\n\ntwo\x00")
	r.read()
	r.read()
	r.nc.Close()
	r2 := dialRaw(t, ts.addr)
	r2.connect("1.1")
	r2.send("SUBSCRIBE\nid:1\ndestination:/queue/ret\nack:client\n\n\x00")
	f := r2.read()
	if string(f.Body) != "one" || hdr(f, "redelivered") != "true" || hdr(f, "JMSXDeliveryCount") != "2" {
		t.Fatalf("%q %v", f.Body, f.Headers)
	}
	f2 := r2.read()
	// cumulative ack of the second acks both
	r2.send("ACK\nsubscription:1\nmessage-id:" + hdr(f2, "message-id") + "\nreceipt:r\n\n\x00")
	if f := r2.read(); f.Command != "RECEIPT" {
		t.Fatal(f.Command)
	}
	if st, _ := ts.b.QueueStats(broker.QueueDest("ret")); st.QueueSize != 0 {
		t.Fatalf("queue size %d", st.QueueSize)
	}
}

func TestTransactionsOverStomp(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("BEGIN\ntransaction:t1\n\n\x00")
	r.send("SEND\ndestination:/queue/tx\ntransaction:t1\n\nin-tx\x00")
	r.send("SEND\ndestination:/queue/tx\ntransaction:t1\n\nin-tx2\x00")
	r.send("ABORT\ntransaction:t1\nreceipt:ab\n\n\x00")
	r.read()
	r.send("BEGIN\ntransaction:t2\n\n\x00")
	r.send("SEND\ndestination:/queue/tx\ntransaction:t2\n\ncommitted\x00")
	r.send("COMMIT\ntransaction:t2\nreceipt:c\n\n\x00")
	r.read()
	r.send("COMMIT\ntransaction:nope\nreceipt:bad\n\n\x00")
	if f := r.read(); f.Command != "ERROR" {
		t.Fatal("commit of unknown tx must fail")
	}
	r.send("SUBSCRIBE\nid:1\ndestination:/queue/tx\n\n\x00")
	if f := r.read(); string(f.Body) != "committed" {
		t.Fatalf("got %q", f.Body)
	}
}

func TestTempQueueReplyAcrossConnections(t *testing.T) {
	ts := startServer(t, nil)
	requester := dialRaw(t, ts.addr)
	requester.connect("1.2")
	requester.send("SUBSCRIBE\nid:r\ndestination:/temp-queue/replies\n\n\x00")
	requester.send("SEND\ndestination:/queue/service\nreply-to:/temp-queue/replies\n\nping\x00")
	service := dialRaw(t, ts.addr)
	service.connect("1.2")
	service.send("SUBSCRIBE\nid:s\ndestination:/queue/service\n\n\x00")
	req := service.read()
	rt := hdr(req, "reply-to")
	if !strings.HasPrefix(rt, "/remote-temp-queue/ID:") {
		t.Fatalf("reply-to %q", rt)
	}
	service.send("SEND\ndestination:" + rt + "\n\npong\x00")
	resp := requester.read()
	if string(resp.Body) != "pong" || hdr(resp, "destination") != "/temp-queue/replies" {
		t.Fatalf("%q %v", resp.Body, resp.Headers)
	}
}

func TestBrowse(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	for i := 0; i < 3; i++ {
		r.send(fmt.Sprintf("SEND\ndestination:/queue/br\n\nm%d\x00", i))
	}
	r.send("SUBSCRIBE\nid:b\ndestination:/queue/br\nbrowser:true\n\n\x00")
	for i := 0; i < 3; i++ {
		if f := r.read(); string(f.Body) != fmt.Sprintf("m%d", i) {
			t.Fatalf("browse %d: %q", i, f.Body)
		}
	}
	end := r.read()
	if hdr(end, "browser") != "end" || hdr(end, "message-id") != "0" {
		t.Fatalf("end: %v", end.Headers)
	}
	if st, _ := ts.b.QueueStats(broker.QueueDest("br")); st.QueueSize != 3 {
		t.Fatalf("browse consumed: size %d", st.QueueSize)
	}
}

// A browser subscription stays a subscription until UNSUBSCRIBE, as in
// ActiveMQ: clients unsubscribe once they see browser:end, and one that
// does not may browse again under the same id.
func TestBrowseThenUnsubscribe(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("SEND\ndestination:/queue/bu\n\nm\x00")
	browse := func() {
		t.Helper()
		r.send("SUBSCRIBE\nid:b\ndestination:/queue/bu\nbrowser:true\n\n\x00")
		if f := r.read(); f.Command != frame.MESSAGE || string(f.Body) != "m" {
			t.Fatalf("browse: %s %v %q", f.Command, f.Headers, f.Body)
		}
		if f := r.read(); hdr(f, "browser") != "end" {
			t.Fatalf("end: %s %v", f.Command, f.Headers)
		}
	}
	browse()
	browse() // the same id again, without an UNSUBSCRIBE in between
	r.send("UNSUBSCRIBE\nid:b\nreceipt:u\n\n\x00")
	if f := r.read(); f.Command != frame.RECEIPT || hdr(f, "receipt-id") != "u" {
		t.Fatalf("unsubscribe of a browser: %s %v %q", f.Command, f.Headers, f.Body)
	}
	r.send("UNSUBSCRIBE\nid:b\nreceipt:u2\n\n\x00")
	if f := r.read(); f.Command != frame.ERROR {
		t.Fatalf("second unsubscribe: %s, want ERROR", f.Command)
	}
	// A 1.1 ACK naming a browser subscription is refused, not a crash.
	r = dialRaw(t, ts.addr)
	r.connect("1.1")
	browse()
	r.send("ACK\nsubscription:b\nmessage-id:x\nreceipt:a\n\n\x00")
	if f := r.read(); f.Command != frame.ERROR || hdr(f, "receipt-id") != "a" {
		t.Fatalf("ack on a browser: %s %v", f.Command, f.Headers)
	}
}

func TestNackGoesToDLQ(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("SUBSCRIBE\nid:n\ndestination:/queue/nk\nack:client-individual\n\n\x00")
	r.send("SEND\ndestination:/queue/nk\npersistent:true\n\nbad\x00")
	f := r.read()
	r.send("NACK\nid:" + hdr(f, "ack") + "\nreceipt:n\n\n\x00")
	if f := r.read(); f.Command != "RECEIPT" {
		t.Fatal(f.Command)
	}
	r.send("SUBSCRIBE\nid:d\ndestination:/queue/ActiveMQ.DLQ\n\n\x00")
	d := r.read()
	if string(d.Body) != "bad" || hdr(d, "original-destination") != "/queue/nk" || hdr(d, "dlqDeliveryFailureCause") == "" {
		t.Fatalf("%q %v", d.Body, d.Headers)
	}
}

func TestDurableOverStomp(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.send("CONNECT\naccept-version:1.2\nclient-id:dur\n\n\x00")
	r.read()
	r.rd.SetVersion("1.2")
	r.send("SUBSCRIBE\nid:d\ndestination:/topic/t\nactivemq.subscriptionName:s1\nreceipt:1\n\n\x00")
	r.read()
	r.send("UNSUBSCRIBE\nid:d\nreceipt:2\n\n\x00")
	r.read()
	p := dialRaw(t, ts.addr)
	p.connect("1.2")
	p.send("SEND\ndestination:/topic/t\npersistent:true\nreceipt:p\n\nwhile-away\x00")
	p.read()
	r.send("SUBSCRIBE\nid:d\ndestination:/topic/t\nactivemq.subscriptionName:s1\n\n\x00")
	if f := r.read(); string(f.Body) != "while-away" {
		t.Fatalf("got %q", f.Body)
	}
	// Active, it cannot be deleted, and it stays live (as ActiveMQ's
	// Stomp11Test.testDurableSubAndUnSubFlow expects).
	r.send("UNSUBSCRIBE\nid:d\nactivemq.subscriptionName:s1\nreceipt:3\n\n\x00")
	if f := r.read(); f.Command != frame.ERROR || hdr(f, "receipt-id") != "3" {
		t.Fatalf("deleting an active durable subscription: %s %v", f.Command, f.Headers)
	}
	p.send("SEND\ndestination:/topic/t\n\nstill-live\x00")
	if f := r.read(); string(f.Body) != "still-live" {
		t.Fatalf("after the refused delete: %s %q", f.Command, f.Body)
	}
	r.send("UNSUBSCRIBE\nid:d\nreceipt:4\n\n\x00")
	if f := r.read(); f.Command != frame.RECEIPT {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	r.send("UNSUBSCRIBE\nid:d\nactivemq.subscriptionName:s1\nreceipt:5\n\n\x00")
	if f := r.read(); f.Command != frame.RECEIPT {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	if len(ts.b.DurableSubscriptions()) != 0 {
		t.Fatal("durable subscription not removed")
	}
}

// testLogger keeps test output quiet unless -v.
func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.Default()
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// A subscriber that stops reading its socket must not hold up the others.
func TestSlowConsumerDoesNotBlockOthers(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.WriteTimeout = time.Second })
	slow := dialRaw(t, ts.addr)
	slow.connect("1.2")
	slow.send("SUBSCRIBE\nid:slow\ndestination:/topic/slow\nreceipt:s\n\n\x00")
	slow.read()
	fast := dialRaw(t, ts.addr)
	fast.connect("1.2")
	fast.send("SUBSCRIBE\nid:fast\ndestination:/topic/slow\nreceipt:f\n\n\x00")
	fast.read()
	prod := dialRaw(t, ts.addr)
	prod.connect("1.2")
	body := strings.Repeat("x", 16<<10)
	const n = 2000 // 32 MB: far more than the slow client's socket buffers hold
	go func() {
		for i := 0; i < n; i++ {
			io.WriteString(prod.nc, "SEND\ndestination:/topic/slow\ncontent-length:"+fmt.Sprint(len(body))+"\n\n"+body+"\x00")
		}
	}()
	fast.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	for i := 0; i < n; i++ {
		f, err := fast.rd.ReadFrame()
		if err != nil {
			t.Fatalf("fast consumer stalled after %d messages: %v", i, err)
		}
		if f == nil {
			i--
		}
	}
}

// Closing the server ends every goroutine it started.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	b, _ := broker.New(broker.Config{Logger: testLogger(t)})
	b.Start(context.Background())
	s := NewServer(Options{Broker: b, Logger: testLogger(t)})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	served := make(chan struct{})
	go func() { s.Serve(l); close(served) }()
	for i := 0; i < 5; i++ {
		r := dialRaw(t, l.Addr().String())
		r.connect("1.2")
		r.send("SUBSCRIBE\nid:1\ndestination:/queue/g\n\n\x00")
	}
	s.Close()
	<-served
	b.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// An auto-ack subscriber that leaves mid-stream: every message reaches
// exactly one of it and its successor, however much was in flight.
func TestAutoAckLeaveNoDuplicates(t *testing.T) {
	ts := startServer(t, nil)
	const n = 20000
	p := dialRaw(t, ts.addr)
	p.connect("1.2")
	go func() {
		for i := 0; i < n; i++ {
			fmt.Fprintf(p.nc, "SEND\ndestination:/queue/leave\n\n%d\x00", i)
		}
	}()
	seen := map[string]int{}
	where := map[string][]string{}
	c1 := dialRaw(t, ts.addr)
	c1.connect("1.2")
	c1.send("SUBSCRIBE\nid:1\ndestination:/queue/leave\nack:auto\n\n\x00")
	for i := 0; i < n/2; i++ {
		f := c1.read()
		seen[string(f.Body)]++
		where[string(f.Body)] = append(where[string(f.Body)], "c1:"+hdr(f, "redelivered")+":"+hdr(f, "JMSXDeliveryCount"))
	}
	c1.send("DISCONNECT\nreceipt:bye\n\n\x00")
	for {
		f := c1.read()
		if f.Command == "RECEIPT" {
			break
		}
		seen[string(f.Body)]++ // written before the DISCONNECT was handled
		where[string(f.Body)] = append(where[string(f.Body)], "c1late:"+hdr(f, "redelivered")+":"+hdr(f, "JMSXDeliveryCount"))
	}
	c2 := dialRaw(t, ts.addr)
	c2.connect("1.2")
	c2.send("SUBSCRIBE\nid:2\ndestination:/queue/leave\nack:auto\n\n\x00")
	for len(seen) < n {
		f := c2.read()
		seen[string(f.Body)]++
		where[string(f.Body)] = append(where[string(f.Body)], "c2:"+hdr(f, "redelivered")+":"+hdr(f, "JMSXDeliveryCount"))
	}
	for k, v := range seen {
		if v != 1 {
			t.Fatalf("message %s delivered %d times: %v", k, v, where[k])
		}
	}
}

// A server shutdown is not held up by sends parked by producer flow control.
func TestShutdownWithParkedSends(t *testing.T) {
	b, _ := broker.New(broker.Config{Logger: testLogger(t), Usage: broker.Usage{MemoryLimit: 8 << 10}})
	b.Start(context.Background())
	s := NewServer(Options{Broker: b, Logger: testLogger(t)})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(l)
	r := dialRaw(t, l.Addr().String())
	r.connect("1.2")
	body := strings.Repeat("x", 1024)
	for i := 0; i < 40; i++ {
		r.send("SEND\ndestination:/queue/parked\nreceipt:" + fmt.Sprint(i) + "\n\n" + body + "\x00")
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.BlockedSends() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if b.BlockedSends() == 0 {
		t.Fatal("no send was parked")
	}
	closed := make(chan struct{})
	go func() { s.Close(); b.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown hangs on parked sends")
	}
}

// Large bodies are written from where they lie (vectored writes), mixed
// with small frames: every byte arrives in order.
func TestLargeBodiesVectored(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("SUBSCRIBE\nid:1\ndestination:/queue/big\n\n\x00")
	sizes := []int{10, 9000, 100, 200000, 8192, 1}
	for i, n := range sizes {
		body := make([]byte, n)
		for j := range body {
			body[j] = byte(i + j)
		}
		r.send(fmt.Sprintf("SEND\ndestination:/queue/big\ncontent-length:%d\n\n%s\x00", n, body))
	}
	for i, n := range sizes {
		f := r.read()
		if len(f.Body) != n {
			t.Fatalf("message %d: %d bytes, want %d", i, len(f.Body), n)
		}
		for j, c := range f.Body {
			if c != byte(i+j) {
				t.Fatalf("message %d byte %d differs", i, j)
			}
		}
	}
}

// A connection that both produces and consumes, at the memory limit: its
// SENDs wait (parked by flow control) while its ACKs keep being read, so it
// drains its own backlog instead of deadlocking -- as long as what it
// pipelines ahead of its ACKs fits the connection's send budget (4 MB).
func TestFlowControlProducerConsumerNoDeadlock(t *testing.T) {
	b, _ := broker.New(broker.Config{Logger: testLogger(t), Usage: broker.Usage{MemoryLimit: 32 << 10}})
	b.Start(context.Background())
	s := NewServer(Options{Broker: b, Logger: testLogger(t)})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(l)
	t.Cleanup(func() { s.Close(); b.Close() })
	r := dialRaw(t, l.Addr().String())
	r.connect("1.2")
	var wmu sync.Mutex
	write := func(f string) {
		wmu.Lock()
		defer wmu.Unlock()
		io.WriteString(r.nc, f)
	}
	write("SUBSCRIBE\nid:1\ndestination:/queue/self\nack:client-individual\nactivemq.prefetchSize:5\n\n\x00")
	const n = 2000
	body := strings.Repeat("b", 1024)
	go func() {
		for i := 0; i < n; i++ {
			write("SEND\ndestination:/queue/self\ncontent-length:1024\n\n" + body + "\x00")
		}
	}()
	for i := 0; i < n; i++ {
		r.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		f, err := r.rd.ReadFrame()
		if err != nil {
			t.Fatalf("stalled after %d messages: %v (sends waiting: %d)", i, err, b.BlockedSends())
		}
		if f == nil || f.Command != "MESSAGE" {
			i--
			continue
		}
		write("ACK\nid:" + hdr(f, "ack") + "\n\n\x00")
	}
}

// Sends parked by flow control count against the connection's budget: a
// producer flooding without receipts is pushed back through TCP instead of
// piling up waiting sends in the broker.
func TestParkedSendsPushBack(t *testing.T) {
	b, _ := broker.New(broker.Config{Logger: testLogger(t), Usage: broker.Usage{MemoryLimit: 16 << 10}})
	b.Start(context.Background())
	s := NewServer(Options{Broker: b, Logger: testLogger(t), MaxPendingSendBytes: 64 << 10})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(l)
	t.Cleanup(func() { s.Close(); b.Close() })
	r := dialRaw(t, l.Addr().String())
	r.connect("1.2")
	body := strings.Repeat("p", 1024)
	go func() {
		for i := 0; i < 20000; i++ {
			if _, err := io.WriteString(r.nc, "SEND\ndestination:/queue/flood\ncontent-length:1024\n\n"+body+"\x00"); err != nil {
				return
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	if n := b.BlockedSends(); n == 0 || n > 64 {
		t.Fatalf("%d sends parked; want some, at most the 64 KB budget's worth", n)
	}
}

// TestTopicFanOutVersions: a topic message goes to subscribers of every
// STOMP version, several per version, with escaped headers and small and
// large (vectored) bodies; every copy must read as encoded for its own
// connection's version.
func TestTopicFanOutVersions(t *testing.T) {
	ts := startServer(t, nil)
	type sub struct {
		r *raw
		v string
	}
	var subs []sub
	for _, v := range []string{"1.0", "1.1", "1.2", "1.2", "1.1", "1.0", "1.2"} {
		r := dialRaw(t, ts.addr)
		r.connect(v)
		r.send("SUBSCRIBE\nid:s-" + v + "\ndestination:/topic/fan\nack:client-individual\nreceipt:r\n\n\x00")
		if f := r.read(); f.Command != frame.RECEIPT {
			t.Fatalf("subscribe: %s", f.Command)
		}
		subs = append(subs, sub{r, v})
	}
	p := dialRaw(t, ts.addr)
	p.connect("1.2")
	big := strings.Repeat("B", 3*bigBody)
	bodies := []string{"small body", big, "third"}
	for i, body := range bodies {
		p.send(fmt.Sprintf("SEND\ndestination:/topic/fan\nx-key:a\\cb\\\\d\nx-n:%d\ncontent-length:%d\n\n%s\x00", i, len(body), body))
	}
	for _, s := range subs {
		for i, body := range bodies {
			f := s.r.read()
			if f.Command != frame.MESSAGE || string(f.Body) != body {
				t.Fatalf("%s: message %d: %s with a %d-byte body", s.v, i, f.Command, len(f.Body))
			}
			// 1.1 and 1.2 unescape "a\cb\\d"; 1.0 reads it raw, as it went out.
			if got, want := hdr(f, "x-key"), "a:b\\d"; got != want {
				t.Fatalf("%s: x-key=%q, want %q", s.v, got, want)
			}
			if hdr(f, "subscription") != "s-"+s.v || hdr(f, "x-n") != fmt.Sprint(i) ||
				hdr(f, "destination") != "/topic/fan" || hdr(f, "JMSXDeliveryCount") != "1" ||
				!strings.HasPrefix(hdr(f, "message-id"), "ID:") || hdr(f, "content-length") != fmt.Sprint(len(body)) {
				t.Fatalf("%s: message %d headers %v", s.v, i, f.Headers)
			}
			if _, ok := f.Get("redelivered"); ok {
				t.Fatalf("%s: first delivery marked redelivered", s.v)
			}
			if ack, ok := f.Get("ack"); s.v == "1.2" && (!ok || !strings.HasPrefix(ack, hdr(f, "message-id"))) {
				t.Fatalf("1.2: ack header %q, message-id %q", ack, hdr(f, "message-id"))
			}
		}
	}
}

// writers counts running connection writers.
func writers() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "stomp.(*conn).writeLoop(")
}

// An idle connection keeps no writer goroutine: it ends after writerIdle and
// the next frame to send starts another. One owing heart-beats keeps it.
func TestIdleWriterParks(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	deadline := time.Now().Add(writerIdle + 3*time.Second)
	for writers() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d writers still running after %s idle", writers(), writerIdle+3*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.send("SUBSCRIBE\nid:1\ndestination:/queue/park\nreceipt:r1\n\n\x00")
	if f := r.read(); f.Command != frame.RECEIPT || hdr(f, "receipt-id") != "r1" {
		t.Fatalf("got %s %v, want the receipt from a restarted writer", f.Command, f.Headers)
	}
	r2 := dialRaw(t, ts.addr)
	r2.send("CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,100\n\n\x00")
	if f := r2.read(); f.Command != frame.CONNECTED {
		t.Fatalf("got %s", f.Command)
	}
	time.Sleep(writerIdle + 500*time.Millisecond)
	r2.nc.SetReadDeadline(time.Now().Add(time.Second))
	b := make([]byte, 16)
	if n, err := r2.nc.Read(b); err != nil || n == 0 || b[0] != '\n' {
		t.Fatalf("no heart-beat after %s: %q %v", writerIdle, b[:n], err)
	}
	// The first connection's writer was restarted, then parked again; the
	// heart-beating one remains.
	time.Sleep(writerIdle + 500*time.Millisecond)
	if n := writers(); n != 1 {
		t.Fatalf("%d writers running, want 1 (the heart-beating connection's)", n)
	}
}

// A backlog of large bodies (written from where they lie, several writes of
// up to writeBatch bytes) and small ones (encoded) reaches a subscriber whole
// and in order.
func TestLargeBodyBacklogInBatches(t *testing.T) {
	ts := startServer(t, nil)
	p := dialRaw(t, ts.addr)
	p.connect("1.2")
	var bodies []string
	total := 0
	for i := 0; total < 3*writeBatch; i++ {
		body := fmt.Sprintf("small %d", i)
		if i%5 != 4 {
			body = strings.Repeat(string(rune('a'+i%26)), bigBody+i*997)
		}
		bodies = append(bodies, body)
		total += len(body)
		p.send(fmt.Sprintf("SEND\ndestination:/queue/backlog\nx-n:%d\ncontent-length:%d\n\n%s\x00", i, len(body), body))
	}
	p.send("DISCONNECT\nreceipt:done\n\n\x00")
	if f := p.read(); f.Command != frame.RECEIPT {
		t.Fatalf("disconnect: %s", f.Command)
	}
	c := dialRaw(t, ts.addr)
	c.connect("1.2")
	c.send("SUBSCRIBE\nid:0\ndestination:/queue/backlog\n\n\x00")
	for i, body := range bodies {
		f := c.read()
		if f.Command != frame.MESSAGE || hdr(f, "x-n") != fmt.Sprint(i) || string(f.Body) != body {
			t.Fatalf("message %d: %s x-n=%s with a %d-byte body, want %d bytes", i, f.Command, hdr(f, "x-n"), len(f.Body), len(body))
		}
	}
}

// ackCounter counts the acks applied to the store it wraps.
type ackCounter struct {
	store.Store
	acks atomic.Int64
}

func (s *ackCounter) Apply(ops []store.Op, done func(store.Position, error)) {
	for _, op := range ops {
		if op.Kind == store.OpAck {
			s.acks.Add(1)
		}
	}
	s.Store.Apply(ops, done)
}

// An auto-ack subscription's acks reach the store once the messages are
// written, not before: a process killed while a write waits for a slow
// client must not leave acks for messages the client never got.
func TestAutoAcksJournaledAfterWrite(t *testing.T) {
	st := &ackCounter{Store: memory.New()}
	b, err := broker.New(broker.Config{Name: "test", Logger: testLogger(t), Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Options{Broker: b, Logger: testLogger(t)})
	t.Cleanup(func() {
		s.Close()
		b.Close()
	})
	// A pipe holds nothing: the broker's write of the MESSAGE waits until
	// the client reads it.
	client, server := net.Pipe()
	defer client.Close()
	go s.ServeConn(server)
	rd := frame.NewReader(client, frame.Limits{})
	next := func() *frame.Frame {
		t.Helper()
		client.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			f, err := rd.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if f != nil {
				return f
			}
		}
	}
	send := func(s string) {
		t.Helper()
		client.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(client, s); err != nil {
			t.Fatal(err)
		}
	}
	send("CONNECT\naccept-version:1.2\nhost:/\n\n\x00")
	next()
	send("SEND\ndestination:/queue/a\npersistent:true\nreceipt:r\n\nhello\x00")
	next()
	send("SUBSCRIBE\nid:1\ndestination:/queue/a\nack:auto\n\n\x00")
	// The broker's writer is now blocked writing the MESSAGE to the pipe.
	time.Sleep(200 * time.Millisecond)
	if n := st.acks.Load(); n != 0 {
		t.Fatalf("%d acks journaled before the message was written", n)
	}
	if f := next(); f.Command != "MESSAGE" {
		t.Fatalf("got %s, want MESSAGE", f.Command)
	}
	deadline := time.Now().Add(5 * time.Second)
	for st.acks.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d acks journaled after the message was written, want 1", st.acks.Load())
		}
		time.Sleep(time.Millisecond)
	}
}

// Two client-ack subscriptions of one connection receive the same topic
// message under the same message-id: a 1.2 ACK names the delivery by its ack
// header alone, which must say which subscription's copy it is (ActiveMQ
// gives every delivery its own ack id).
func TestAckIDNamesTheSubscription(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	for _, id := range []string{"a", "b"} {
		r.send("SUBSCRIBE\nid:" + id + "\ndestination:/topic/two\nack:client-individual\nactivemq.prefetchSize:1\nreceipt:" + id + "\n\n\x00")
		if f := r.read(); f.Command != frame.RECEIPT {
			t.Fatalf("subscribe %s: %s", id, f.Command)
		}
	}
	r.send("SEND\ndestination:/topic/two\n\nm1\x00SEND\ndestination:/topic/two\n\nm2\x00")
	acks := map[string]string{}
	for range 2 {
		f := r.read()
		if f.Command != frame.MESSAGE || string(f.Body) != "m1" {
			t.Fatalf("got %s %q", f.Command, f.Body)
		}
		acks[hdr(f, "subscription")] = hdr(f, "ack")
	}
	if acks["a"] == "" || acks["a"] == acks["b"] {
		t.Fatalf("ack headers a=%q b=%q: the ACK cannot name one copy", acks["a"], acks["b"])
	}
	// Acking b's copy frees b's window: m2 goes to b, and a stays full.
	r.send("ACK\nid:" + acks["b"] + "\nreceipt:ack\n\n\x00")
	var got []string
	for len(got) < 2 {
		switch f := r.read(); f.Command {
		case frame.RECEIPT:
			got = append(got, "receipt")
		case frame.MESSAGE:
			got = append(got, hdr(f, "subscription")+":"+string(f.Body))
		default:
			t.Fatalf("%s %v", f.Command, f.Headers)
		}
	}
	if strings.Join(got, " ") != "receipt b:m2" && strings.Join(got, " ") != "b:m2 receipt" {
		t.Fatalf("after acking b's copy: %v, want b:m2 and the receipt", got)
	}
	// a's copy is still unacked and can be acked by its own ack header.
	r.send("ACK\nid:" + acks["a"] + "\nreceipt:ack2\n\n\x00")
	for {
		f := r.read()
		if f.Command == frame.RECEIPT {
			break
		}
		if f.Command != frame.MESSAGE || hdr(f, "subscription") != "a" {
			t.Fatalf("%s %v", f.Command, f.Headers)
		}
	}
}

// A SUBSCRIBE's RECEIPT comes before the subscription's first MESSAGE, as
// ActiveMQ holds dispatch until the receipt is sent: a client may wait for
// the receipt before it is ready for messages.
func TestSubscribeReceiptBeforeMessages(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("SEND\ndestination:/queue/rcpt\n\nm0\x00SEND\ndestination:/queue/rcpt\nreceipt:s\n\nm1\x00")
	if f := r.read(); f.Command != frame.RECEIPT {
		t.Fatalf("send: %s", f.Command)
	}
	r.send("SUBSCRIBE\nid:1\ndestination:/queue/rcpt\nreceipt:sub\n\n\x00")
	if f := r.read(); f.Command != frame.RECEIPT || hdr(f, "receipt-id") != "sub" {
		t.Fatalf("first frame after SUBSCRIBE: %s %v, want its RECEIPT", f.Command, f.Headers)
	}
	for i := range 2 {
		if f := r.read(); f.Command != frame.MESSAGE || string(f.Body) != fmt.Sprintf("m%d", i) {
			t.Fatalf("message %d: %s %q", i, f.Command, f.Body)
		}
	}
	// A failed SUBSCRIBE answers with an ERROR carrying the receipt-id.
	r.send("SUBSCRIBE\nid:1\ndestination:/queue/rcpt\nreceipt:dup\n\n\x00")
	if f := r.read(); f.Command != frame.ERROR || hdr(f, "receipt-id") != "dup" {
		t.Fatalf("duplicate SUBSCRIBE: %s %v", f.Command, f.Headers)
	}
}

// A header repeated in a SEND counts only at its first occurrence (STOMP
// 1.2; ActiveMQ keeps the first of each name): a later persistent:false
// must not make a persistent message non-persistent.
func TestSendRepeatedHeadersFirstWins(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("SUBSCRIBE\nid:1\ndestination:/queue/rep\n\n\x00")
	r.send("SEND\ndestination:/queue/rep\npersistent:true\npersistent:false\npriority:7\npriority:2\n" +
		"type:a\ntype:b\ncorrelation-id:c1\ncorrelation-id:c2\nexpires:0\nexpires:1\n" +
		"JMSXGroupID:g1\nJMSXGroupID:g2\nreply-to:/queue/r1\nreply-to:/queue/r2\nfoo:1\nfoo:2\n\nx\x00")
	f := r.read()
	if f.Command != frame.MESSAGE {
		t.Fatalf("%s %v", f.Command, f.Headers)
	}
	want := map[string]string{"persistent": "true", "priority": "7", "type": "a", "correlation-id": "c1",
		"expires": "0", "JMSXGroupID": "g1", "reply-to": "/queue/r1", "foo": "1"}
	for k, v := range want {
		if got := hdr(f, k); got != v {
			t.Errorf("%s=%q, want the first value %q", k, got, v)
		}
	}
}

// A STOMP 1.0 UNSUBSCRIBE naming only a destination ends a subscription
// to it that was made with an id, as ActiveMQ matches it by destination.
func TestUnsubscribeByDestination10(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.0")
	r.send("SUBSCRIBE\nid:mine\ndestination:/queue/u10\nreceipt:s\n\n\x00")
	if f := r.read(); f.Command != frame.RECEIPT {
		t.Fatalf("subscribe: %s", f.Command)
	}
	r.send("UNSUBSCRIBE\ndestination:/queue/u10\nreceipt:u\n\n\x00")
	if f := r.read(); f.Command != frame.RECEIPT || hdr(f, "receipt-id") != "u" {
		t.Fatalf("unsubscribe by destination: %s %v %q", f.Command, f.Headers, f.Body)
	}
	r.send("SEND\ndestination:/queue/u10\nreceipt:p\n\nx\x00")
	if f := r.read(); f.Command != frame.RECEIPT {
		t.Fatalf("after unsubscribe: %s %v", f.Command, f.Headers)
	}
	if st, _ := ts.b.QueueStats(broker.QueueDest("u10")); st.ConsumerCount != 0 || st.QueueSize != 1 {
		t.Fatalf("queue after unsubscribe: %+v", st)
	}
}

// A NACK inside a transaction is refused, as ActiveMQ refuses a transacted
// poison ack: an ERROR, the connection stays, and the message is neither
// dead-lettered (which ABORT could not undo) nor acked.
func TestNackInTransactionRefused(t *testing.T) {
	ts := startServer(t, nil)
	r := dialRaw(t, ts.addr)
	r.connect("1.2")
	r.send("SUBSCRIBE\nid:s\ndestination:/queue/nacktx\nack:client-individual\n\n\x00")
	r.send("SEND\ndestination:/queue/nacktx\npersistent:true\n\npoison\x00")
	m := r.read()
	if m.Command != frame.MESSAGE {
		t.Fatalf("%s %v", m.Command, m.Headers)
	}
	r.send("BEGIN\ntransaction:t\n\n\x00")
	r.send("NACK\nid:" + hdr(m, "ack") + "\ntransaction:t\nreceipt:n\n\n\x00")
	if f := r.read(); f.Command != frame.ERROR || hdr(f, "receipt-id") != "n" ||
		!strings.HasPrefix(hdr(f, "message"), "Poison ack cannot be transacted") {
		t.Fatalf("NACK in a transaction: %s %v", f.Command, f.Headers)
	}
	r.send("ABORT\ntransaction:t\nreceipt:a\n\n\x00")
	if f := r.read(); f.Command != frame.RECEIPT {
		t.Fatalf("ABORT: %s %v", f.Command, f.Headers)
	}
	if st, _ := ts.b.QueueStats(broker.QueueDest("ActiveMQ.DLQ")); st.QueueSize != 0 {
		t.Fatalf("DLQ holds %d messages", st.QueueSize)
	}
	// Still unacked: its ack header acks it.
	r.send("ACK\nid:" + hdr(m, "ack") + "\nreceipt:k\n\n\x00")
	if f := r.read(); f.Command != frame.RECEIPT {
		t.Fatalf("ACK after the refused NACK: %s %v", f.Command, f.Headers)
	}
	if st, _ := ts.b.QueueStats(broker.QueueDest("nacktx")); st.QueueSize != 0 {
		t.Fatalf("queue size %d", st.QueueSize)
	}
}

// An ACK naming an auto-ack subscription is unexpected, as in ActiveMQ,
// even for a message that is still on its way to the client: it must
// neither ack that message nor be answered with a RECEIPT.
func TestAckOnAutoSubscriptionRefused(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.WriteTimeout = 30 * time.Second })
	c := dialRaw(t, ts.addr)
	c.connect("1.1")
	c.send("SUBSCRIBE\nid:s\ndestination:/queue/autoack\nreceipt:s\n\n\x00")
	if f := c.read(); f.Command != frame.RECEIPT {
		t.Fatalf("subscribe: %s %v", f.Command, f.Headers)
	}
	p := dialRaw(t, ts.addr)
	p.connect("1.1")
	p.send("SEND\ndestination:/queue/autoack\n\nfirst\x00")
	first := hdr(c.read(), "message-id")
	i := strings.LastIndexByte(first, ':')
	seq, err := strconv.Atoi(first[i+1:])
	if err != nil {
		t.Fatalf("message-id %q", first)
	}
	// Far more than the client's socket buffers hold while it does not
	// read: the last message stays queued for the writer.
	body := strings.Repeat("x", 256<<10)
	const n = 64
	for range n {
		p.send("SEND\ndestination:/queue/autoack\ncontent-length:" + strconv.Itoa(len(body)) + "\n\n" + body + "\x00")
	}
	p.send("SEND\ndestination:/queue/autoack\nreceipt:p\n\nlast\x00")
	if f := p.read(); f.Command != frame.RECEIPT {
		t.Fatalf("send: %s %v", f.Command, f.Headers)
	}
	if st, _ := ts.b.QueueStats(broker.QueueDest("autoack")); st.InFlightCount == 0 {
		t.Skip("the client's socket took every message: nothing left in flight")
	}
	last := first[:i+1] + strconv.Itoa(seq+n+1)
	c.send("ACK\nsubscription:s\nmessage-id:" + last + "\nreceipt:a\n\n\x00")
	gotLast := false
	for {
		f := c.read()
		if f.Command == frame.MESSAGE {
			gotLast = gotLast || string(f.Body) == "last"
			continue
		}
		if hdr(f, "receipt-id") != "a" {
			t.Fatalf("%s %v", f.Command, f.Headers)
		}
		if f.Command != frame.ERROR || !strings.HasPrefix(hdr(f, "message"), "Unexpected ACK received for message-id ["+last+"]") {
			t.Fatalf("ACK on an auto-ack subscription: %s %v", f.Command, f.Headers)
		}
		break
	}
	if !gotLast {
		if f := c.read(); f.Command != frame.MESSAGE || string(f.Body) != "last" {
			t.Fatalf("last message: %s %q", f.Command, f.Body)
		}
	}
}
