package openwire

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/openwire/wire"
	"amq/internal/stomp"
	"amq/internal/stomp/frame"
)

// testLogger logs to the test (only shown on failure, or with -v and
// AMQ_TEST_LOG=1).
func testLogger(t testing.TB) *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("AMQ_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: level}))
}

type tlogWriter struct{ t testing.TB }

func (w tlogWriter) Write(p []byte) (int, error) {
	defer func() { recover() }() // a log line after the test ended
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func startBroker(t testing.TB) *broker.Broker {
	t.Helper()
	b, err := broker.New(broker.Config{Name: "go-broker", Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

type owServer struct {
	s    *Server
	addr string
	done chan error
}

// startOW serves OpenWire for b on addr ("127.0.0.1:0" for any port).
func startOW(t testing.TB, b *broker.Broker, addr string, mod func(*Options)) *owServer {
	t.Helper()
	opts := Options{Broker: b, Logger: testLogger(t), MaxInactivityDuration: DefaultMaxInactivityDuration}
	if mod != nil {
		mod(&opts)
	}
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond) // the old listener of a restart
	}
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(opts)
	ow := &owServer{s: s, addr: l.Addr().String(), done: make(chan error, 1)}
	go func() { ow.done <- s.Serve(l) }()
	t.Cleanup(func() { ow.close(t) })
	return ow
}

func (o *owServer) close(t testing.TB) {
	o.s.Close()
	select {
	case err := <-o.done:
		if err != nil {
			t.Errorf("Serve returned %v after Close", err)
		}
		o.done <- nil
	case <-time.After(10 * time.Second):
		t.Error("Serve did not return after Close")
	}
}

func startStomp(t testing.TB, b *broker.Broker) string {
	t.Helper()
	s := stomp.NewServer(stomp.Options{Broker: b, Logger: testLogger(t), ConvertBody: ConvertBody})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().String()
}

// oneUser accepts alice/secret only.
type oneUser struct{}

func (oneUser) Authenticate(user, password string, _ *tls.ConnectionState) (*broker.User, error) {
	if user == "alice" && password == "secret" {
		return &broker.User{Name: user}, nil
	}
	return nil, errors.New("bad credentials")
}

// ---- a raw OpenWire client ----

type owClient struct {
	t     testing.TB
	nc    net.Conn
	rd    *wire.Reader
	codec wire.Codec
	mu    sync.Mutex
	seq   int32
	held  []wire.Command // read by call while waiting for its answer
}

// clientWireFormat is what the 5.17 Java client sends, minus the host
// details.
func clientWireFormat(inactivity int64) *wire.WireFormatInfo {
	return &wire.WireFormatInfo{Magic: wire.Magic, Version: 12, Properties: map[string]any{
		wire.PropStackTraceEnabled:                 true,
		wire.PropTcpNoDelayEnabled:                 true,
		wire.PropCacheEnabled:                      true,
		wire.PropTightEncodingEnabled:              true,
		wire.PropSizePrefixDisabled:                false,
		wire.PropMaxFrameSizeEnabled:               true,
		wire.PropCacheSize:                         int32(1024),
		wire.PropMaxFrameSize:                      int64(1<<63 - 1),
		wire.PropMaxInactivityDuration:             inactivity,
		wire.PropMaxInactivityDurationInitialDelay: int64(10000),
		wire.PropProviderName:                      "ActiveMQ",
	}}
}

// dialOW connects and completes the handshake; it returns the broker's
// WireFormatInfo and BrokerInfo.
func dialOW(t testing.TB, addr string, wf *wire.WireFormatInfo) (*owClient, *wire.WireFormatInfo, *wire.BrokerInfo) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &owClient{t: t, nc: nc, rd: wire.NewReader(nc, 0)}
	if wf == nil {
		wf = clientWireFormat(30000)
	}
	c.sendRaw(wf)
	theirs, ok := c.read().(*wire.WireFormatInfo)
	if !ok {
		t.Fatal("first frame is not a WireFormatInfo")
	}
	bi, ok := c.read().(*wire.BrokerInfo)
	if !ok {
		t.Fatal("second frame is not a BrokerInfo")
	}
	return c, theirs, bi
}

func (c *owClient) sendRaw(cmd wire.Command) {
	c.t.Helper()
	b, err := c.codec.Marshal(nil, cmd)
	if err != nil {
		c.t.Fatal(err)
	}
	c.write(b)
}

func (c *owClient) write(b []byte) {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// send sends cmd with the next command id and returns that id.
func (c *owClient) send(cmd wire.Command, responseRequired bool) int32 {
	c.t.Helper()
	c.mu.Lock()
	c.seq++
	id := c.seq
	c.mu.Unlock()
	cmd.Base().CommandID = id
	cmd.Base().ResponseRequired = responseRequired
	c.sendRaw(cmd)
	return id
}

func (c *owClient) read() wire.Command {
	c.t.Helper()
	if len(c.held) > 0 {
		cmd := c.held[0]
		c.held = c.held[1:]
		return cmd
	}
	cmd, err := c.readErr(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return cmd
}

func (c *owClient) readErr(d time.Duration) (wire.Command, error) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	return c.rd.ReadCommand()
}

// readSkipping reads the next command that is not a KeepAliveInfo or a
// ConnectionControl.
func (c *owClient) readSkipping() wire.Command {
	c.t.Helper()
	for {
		switch cmd := c.read().(type) {
		case *wire.KeepAliveInfo, *wire.ConnectionControl:
		default:
			return cmd
		}
	}
}

// call sends cmd with responseRequired and returns the answer, skipping
// anything else that arrives first.
func (c *owClient) call(cmd wire.Command) wire.Command {
	c.t.Helper()
	id := c.send(cmd, true)
	for {
		cmd, err := c.readErr(5 * time.Second)
		if err != nil {
			c.t.Fatalf("waiting for the answer to %T: %v", cmd, err)
		}
		switch r := cmd.(type) {
		case *wire.Response:
			if r.CorrelationID == id {
				return r
			}
		case *wire.ExceptionResponse:
			if r.CorrelationID == id {
				return r
			}
		}
		c.held = append(c.held, cmd)
	}
}

func (c *owClient) mustCall(cmd wire.Command) {
	c.t.Helper()
	if er, ok := c.call(cmd).(*wire.ExceptionResponse); ok {
		c.t.Fatalf("%T refused: %v", cmd, er.Exception)
	}
}

// expectClosed asserts the server closes the connection without sending
// anything but keep-alives.
func (c *owClient) expectClosed(within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		cmd, err := c.readErr(time.Until(deadline))
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.t.Fatal("connection not closed")
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "reset") {
				c.t.Logf("read ended with %v", err)
			}
			return
		}
		switch cmd.(type) {
		case *wire.KeepAliveInfo, *wire.ConnectionControl:
		default:
			c.t.Fatalf("unexpected %T before close", cmd)
		}
	}
}

// connectOW dials and sends a ConnectionInfo and a SessionInfo.
func connectOW(t testing.TB, addr, clientID string) (*owClient, *wire.ConnectionId) {
	t.Helper()
	c, _, _ := dialOW(t, addr, nil)
	cid := &wire.ConnectionId{Value: "ID:test-" + clientID + ":1"}
	c.mustCall(&wire.ConnectionInfo{ConnectionID: cid, ClientID: wire.Str(clientID), Manageable: true})
	c.send(&wire.SessionInfo{SessionID: &wire.SessionId{ConnectionID: cid.Value, Value: 1}}, false)
	return c, cid
}

// ---- a raw STOMP client ----

type stompClient struct {
	t  testing.TB
	nc net.Conn
	rd *frame.Reader
}

func dialStomp(t testing.TB, addr string) *stompClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	s := &stompClient{t: t, nc: nc, rd: frame.NewReader(nc, frame.Limits{})}
	s.send("CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\x00")
	if f := s.read(); f.Command != frame.CONNECTED {
		t.Fatalf("STOMP: got %s", f.Command)
	}
	s.rd.SetVersion("1.2")
	return s
}

func (s *stompClient) send(raw string) {
	s.t.Helper()
	s.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(s.nc, raw); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stompClient) read() *frame.Frame {
	s.t.Helper()
	s.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := s.rd.ReadFrame()
		if err != nil {
			s.t.Fatalf("STOMP read: %v", err)
		}
		if f != nil {
			return f
		}
	}
}

func hdr(f *frame.Frame, k string) string {
	v, _ := f.Get(k)
	return v
}
