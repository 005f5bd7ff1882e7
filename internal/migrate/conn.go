package migrate

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"amq/internal/stomp/frame"
)

// endpoint is a STOMP broker to connect to.
type endpoint struct {
	raw      string // as given on the command line
	addr     string // host:port
	host     string
	tls      bool
	insecure bool
	user     string
	password string
}

// parseEndpoint reads stomp://host:port (also tcp://, stomp+nio://,
// stomp+ssl://, ssl://, stomp+nio+ssl://, or a bare host[:port]). Query
// options such as ?wireFormat.maxFrameSize=... are ignored. Credentials in
// the URL apply when the flags give none.
func parseEndpoint(raw, user, password string) (endpoint, error) {
	ep := endpoint{raw: raw, user: user, password: password}
	s := strings.TrimSpace(raw)
	if s == "" {
		return ep, errors.New("empty broker URL")
	}
	if !strings.Contains(s, "://") {
		s = "stomp://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ep, fmt.Errorf("invalid broker URL %q: %v", raw, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "stomp", "tcp", "stomp+nio", "nio":
	case "stomp+ssl", "ssl", "stomp+nio+ssl", "nio+ssl", "stomps":
		ep.tls = true
	default:
		return ep, fmt.Errorf("invalid broker URL %q: scheme %q is not STOMP (use stomp:// or stomp+ssl://)", raw, u.Scheme)
	}
	if u.User != nil {
		if ep.user == "" {
			ep.user = u.User.Username()
		}
		if p, ok := u.User.Password(); ok && ep.password == "" {
			ep.password = p
		}
	}
	ep.host = u.Hostname()
	if ep.host == "" {
		return ep, fmt.Errorf("invalid broker URL %q: no host", raw)
	}
	port := u.Port()
	if port == "" {
		port = "61613"
		if ep.tls {
			port = "61612"
		}
	}
	ep.addr = net.JoinHostPort(ep.host, port)
	return ep, nil
}

// String names the endpoint without credentials.
func (ep endpoint) String() string {
	scheme := "stomp"
	if ep.tls {
		scheme = "stomp+ssl"
	}
	return scheme + "://" + ep.addr
}

// stompConn is a minimal STOMP client connection. A goroutine reads frames
// into an unbounded in-memory list (so the peer is never blocked on us, and
// receipts and messages can flow together); everything else, writing
// included, is done by the one goroutine that owns the connection.
type stompConn struct {
	role string // "source" or "target", for messages
	ep   endpoint
	nc   net.Conn
	rd   *frame.Reader

	ver     string
	enc     frame.Encoder
	server  string // CONNECTED server header
	session string // CONNECTED session header

	out          []byte
	writeTimeout time.Duration
	werr         error

	mu   sync.Mutex
	in   []*frame.Frame
	rerr error
	wake chan struct{} // signalled when frames arrive or reading ends
	done chan struct{} // closed when the reader ends
}

// flushAt is the buffered output size that forces a write.
const flushAt = 256 << 10

// dialStomp connects and performs the CONNECT/CONNECTED handshake.
func dialStomp(parent context.Context, role string, ep endpoint, timeout time.Duration, lim frame.Limits) (*stompConn, error) {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	var nd net.Dialer
	var nc net.Conn
	var err error
	if ep.tls {
		td := tls.Dialer{NetDialer: &nd, Config: &tls.Config{ServerName: ep.host, InsecureSkipVerify: ep.insecure}}
		nc, err = td.DialContext(ctx, "tcp", ep.addr)
	} else {
		nc, err = nd.DialContext(ctx, "tcp", ep.addr)
		if tc, ok := nc.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
	}
	if err != nil {
		if perr := parent.Err(); perr != nil {
			return nil, perr
		}
		return nil, fmt.Errorf("connect to %s %s: %w", role, ep, err)
	}
	c := &stompConn{
		role: role, ep: ep, nc: nc, rd: frame.NewReader(nc, lim),
		ver: frame.V10, writeTimeout: timeout,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	err = c.handshake(time.Now().Add(timeout))
	if !stop() {
		// The context ended during the handshake and closed the socket.
		nc.Close()
		if perr := parent.Err(); perr != nil {
			return nil, perr
		}
		return nil, fmt.Errorf("connect to %s %s: no CONNECTED within %s", role, ep, timeout)
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	go c.readLoop()
	return c, nil
}

func (c *stompConn) handshake(deadline time.Time) error {
	c.nc.SetDeadline(deadline)
	defer c.nc.SetDeadline(time.Time{})
	var e frame.Encoder // CONNECT headers are never escaped
	b := e.AppendCommand(nil, frame.CONNECT)
	b = e.AppendHeader(b, "accept-version", "1.0,1.1,1.2")
	b = e.AppendHeader(b, "host", c.ep.host)
	b = e.AppendHeader(b, "heart-beat", "0,0")
	if c.ep.user != "" || c.ep.password != "" {
		b = e.AppendHeader(b, "login", c.ep.user)
		b = e.AppendHeader(b, "passcode", c.ep.password)
	}
	b = e.AppendBody(b, nil)
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("connect to %s %s: %w", c.role, c.ep, err)
	}
	for {
		f, err := c.rd.ReadFrame()
		if err != nil {
			return fmt.Errorf("connect to %s %s: %w", c.role, c.ep, err)
		}
		if f == nil {
			continue
		}
		switch f.Command {
		case frame.CONNECTED:
			if v, ok := f.Get("version"); ok && (v == frame.V11 || v == frame.V12) {
				c.ver = v
			}
			c.server, _ = f.Get("server")
			c.session, _ = f.Get("session")
			c.rd.SetVersion(c.ver)
			c.enc = frame.NewEncoder(c.ver)
			return nil
		case frame.ERROR:
			return fmt.Errorf("connect to %s %s: broker refused: %s", c.role, c.ep, errorText(f))
		default:
			return fmt.Errorf("connect to %s %s: expected CONNECTED, got %s", c.role, c.ep, f.Command)
		}
	}
}

func (c *stompConn) readLoop() {
	defer close(c.done)
	for {
		f, err := c.rd.ReadFrame()
		if err != nil {
			c.mu.Lock()
			c.rerr = err
			c.mu.Unlock()
			c.signal()
			return
		}
		if f == nil {
			continue // heart-beat
		}
		c.mu.Lock()
		c.in = append(c.in, f)
		c.mu.Unlock()
		c.signal()
	}
}

func (c *stompConn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take returns the frames received so far, appended to dst. The error is
// set only once every frame read before the connection ended was taken.
func (c *stompConn) take(dst []*frame.Frame) ([]*frame.Frame, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.in) > 0 {
		dst = append(dst, c.in...)
		clear(c.in)
		c.in = c.in[:0]
		return dst, nil
	}
	if c.rerr != nil {
		return dst, c.connErr(c.rerr)
	}
	return dst, nil
}

// unread puts frames back in front of those not taken yet.
func (c *stompConn) unread(fs []*frame.Frame) {
	if len(fs) == 0 {
		return
	}
	c.mu.Lock()
	c.in = append(append(make([]*frame.Frame, 0, len(fs)+len(c.in)), fs...), c.in...)
	c.mu.Unlock()
	c.signal()
}

func (c *stompConn) connErr(err error) error {
	var le *frame.LimitError
	var pe *frame.ProtocolError
	switch {
	case errors.As(err, &le), errors.As(err, &pe):
		return fmt.Errorf("%s %s sent a bad frame: %v", c.role, c.ep, err)
	case errors.Is(err, net.ErrClosed):
		return fmt.Errorf("%s %s: connection closed", c.role, c.ep)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s %s closed the connection", c.role, c.ep)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s %s closed the connection in the middle of a frame", c.role, c.ep)
	}
	return fmt.Errorf("%s %s: connection lost: %v", c.role, c.ep, err)
}

// control appends a frame without a body made of key, value pairs.
func (c *stompConn) control(cmd string, kv ...string) {
	c.out = c.enc.AppendCommand(c.out, cmd)
	for i := 0; i+1 < len(kv); i += 2 {
		c.out = c.enc.AppendHeader(c.out, kv[i], kv[i+1])
	}
	c.out = c.enc.AppendBody(c.out, nil)
	c.maybeFlush()
}

func (c *stompConn) maybeFlush() {
	if len(c.out) >= flushAt {
		c.flush()
	}
}

// flush writes what is buffered. A write error is kept and returned from
// then on.
func (c *stompConn) flush() error {
	if c.werr != nil {
		c.out = c.out[:0]
		return c.werr
	}
	if len(c.out) == 0 {
		return nil
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	_, err := c.nc.Write(c.out)
	c.out = c.out[:0]
	if cap(c.out) > 4*flushAt {
		c.out = nil
	}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.werr = fmt.Errorf("%s %s stopped reading (write timed out after %s)", c.role, c.ep, c.writeTimeout)
		} else {
			c.werr = fmt.Errorf("write to %s %s: %v", c.role, c.ep, err)
		}
		c.nc.Close()
	}
	return c.werr
}

// ackMessage acknowledges a MESSAGE of a client-individual subscription,
// in the form the negotiated version expects.
func (c *stompConn) ackMessage(subID, ackID string) {
	switch c.ver {
	case frame.V12:
		c.control(frame.ACK, "id", ackID)
	case frame.V11:
		c.control(frame.ACK, "subscription", subID, "message-id", ackID)
	default:
		c.control(frame.ACK, "message-id", ackID)
	}
}

// ackID returns what identifies m in an ACK: the ack header in 1.2, the
// message-id before.
func (c *stompConn) ackID(m *frame.Frame) string {
	if c.ver == frame.V12 {
		if id, ok := m.Get("ack"); ok {
			return id
		}
	}
	id, _ := m.Get("message-id")
	return id
}

// await waits for the RECEIPT receiptID, handing every other frame to
// other (which may be nil). An ERROR frame ends the wait with its text.
func (c *stompConn) await(ctx context.Context, receiptID string, timeout time.Duration, other func(*frame.Frame)) error {
	if err := c.flush(); err != nil {
		return err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	var buf []*frame.Frame
	for {
		var err error
		buf, err = c.take(buf[:0])
		for i, f := range buf {
			switch f.Command {
			case frame.RECEIPT:
				if id, _ := f.Get("receipt-id"); id == receiptID {
					c.unread(buf[i+1:])
					return nil
				}
			case frame.ERROR:
				rid, _ := f.Get("receipt-id")
				return &brokerError{role: c.role, ep: c.ep, text: errorText(f), receiptID: rid}
			}
			if other != nil {
				other(f)
			}
		}
		if err != nil {
			return err
		}
		select {
		case <-c.wake:
		case <-t.C:
			return fmt.Errorf("%s %s: no RECEIPT within %s", c.role, c.ep, timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// close disconnects politely when the connection is healthy, then closes
// the socket and waits for the reader.
func (c *stompConn) close() {
	if c.werr == nil {
		c.control(frame.DISCONNECT, "receipt", "disconnect")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c.await(ctx, "disconnect", 2*time.Second, nil)
		cancel()
	}
	c.nc.Close()
	<-c.done
}

// abort closes the socket at once.
func (c *stompConn) abort() {
	c.nc.Close()
	<-c.done
}

// brokerError is an ERROR frame a broker sent.
type brokerError struct {
	role      string
	ep        endpoint
	text      string
	receiptID string // the receipt the ERROR answers, if any
}

func (e *brokerError) Error() string { return e.role + " " + e.ep.String() + " sent ERROR: " + e.text }

// brokerID is what a connection's session id (ActiveMQ's and this
// broker's: ID:host-port-startMs-n:connection) says about the broker
// process: the part before the connection number. It is "" when the
// session has another shape.
func (c *stompConn) brokerID() string {
	s := c.session
	if !strings.HasPrefix(s, "ID:") {
		return ""
	}
	i := strings.LastIndexByte(s, ':')
	if i <= len("ID:") {
		return ""
	}
	return s[:i]
}

// errorText renders an ERROR frame's message header, with the body when it
// says more.
func errorText(f *frame.Frame) string {
	msg, _ := f.Get("message")
	body := strings.TrimSpace(string(f.Body))
	if len(body) > 300 {
		body = body[:300] + "..."
	}
	switch {
	case msg == "" && body == "":
		return "(no message)"
	case msg == "":
		return body
	case body == "" || body == msg || strings.Contains(msg, body):
		return msg
	}
	if i := strings.IndexByte(body, '\n'); i >= 0 {
		body = body[:i]
	}
	if body == msg {
		return msg
	}
	return msg + ": " + body
}
