package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// STOMPSubprotocols are the WebSocket subprotocols accepted for STOMP, as
// ActiveMQ's ws transport accepts them. A client offering none is accepted
// too (it then speaks STOMP without naming it).
var STOMPSubprotocols = []string{"v12.stomp", "v11.stomp", "v10.stomp", "stomp"}

// WSOptions configures a WSServer.
type WSOptions struct {
	Logger *slog.Logger
	// OriginPatterns limits the browser origins allowed to connect
	// (host patterns as in path.Match, e.g. "*.example.com"). Empty allows
	// any origin, as ActiveMQ does: STOMP sends its credentials in CONNECT,
	// not in cookies.
	OriginPatterns []string
	// HandshakeTimeout bounds reading the HTTP upgrade request (default 10 s).
	HandshakeTimeout time.Duration
	// Name names the connector in logs.
	Name string
}

// WSServer accepts STOMP over WebSocket: an HTTP server whose every
// upgraded socket is turned into a net.Conn carrying the STOMP byte stream
// and handed to the handler (stomp.Server.ServeConn). Frames may be split
// across WebSocket messages and a message may hold several frames; text
// and binary messages are both read. Writes go out as one text message
// each (binary when the bytes are not UTF-8), which with the STOMP writer
// means whole frames per message.
type WSServer struct {
	handle func(net.Conn)
	opts   WSOptions
	log    *slog.Logger
	srv    *http.Server

	mu     sync.Mutex
	conns  map[*wsConn]struct{}
	closed bool
	wg     sync.WaitGroup // close handshakes in flight
}

// NewWSServer returns a server handing each WebSocket to handle.
func NewWSServer(handle func(net.Conn), opts WSOptions) *WSServer {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = 10 * time.Second
	}
	log := opts.Logger
	if opts.Name != "" {
		log = log.With("connector", opts.Name)
	}
	s := &WSServer{handle: handle, opts: opts, log: log, conns: map[*wsConn]struct{}{}}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: opts.HandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return s
}

// ServeWebSocket serves STOMP over WebSocket on l in the background:
// over TLS with tlsCfg when it is not nil (do not pass a listener that
// already speaks TLS then). Close the returned server to stop.
func ServeWebSocket(l net.Listener, tlsCfg *tls.Config, handle func(net.Conn), logger *slog.Logger) (*WSServer, error) {
	if l == nil || handle == nil {
		return nil, errors.New("ServeWebSocket needs a listener and a handler")
	}
	if tlsCfg != nil {
		c := tlsCfg.Clone()
		c.NextProtos = []string{"http/1.1"}
		l = tls.NewListener(l, c)
	}
	s := NewWSServer(handle, WSOptions{Logger: logger})
	go func() {
		if err := s.Serve(l); err != nil {
			s.log.Error("WebSocket connector stopped", "err", err)
		}
	}()
	return s, nil
}

// Serve accepts HTTP connections on l until Close; it returns nil after
// Close. For wss, l is a TLS listener (see Listen).
func (s *WSServer) Serve(l net.Listener) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		l.Close()
		return nil
	}
	err := s.srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Connections counts open WebSockets.
func (s *WSServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close stops accepting, closes every WebSocket (close code 1001, going
// away) and waits, a few seconds at most, for the close handshakes.
func (s *WSServer) Close() error {
	s.mu.Lock()
	s.closed = true
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	err := s.srv.Close()
	for _, c := range conns {
		c.closeWith(websocket.StatusGoingAway, "broker shutting down")
	}
	s.wg.Wait()
	return err
}

func (s *WSServer) register(c *wsConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *WSServer) forget(c *wsConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// ServeHTTP upgrades a request to a STOMP WebSocket. Any path is accepted.
func (s *WSServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		http.Error(w, "broker shutting down", http.StatusServiceUnavailable)
		return
	}
	if !headerHas(r.Header, "Connection", "upgrade") || !headerHas(r.Header, "Upgrade", "websocket") {
		w.Header().Set("Upgrade", "websocket")
		http.Error(w, "This is a STOMP over WebSocket endpoint: connect with a WebSocket client (subprotocols "+strings.Join(STOMPSubprotocols, ", ")+").", http.StatusUpgradeRequired)
		return
	}
	offered := headerTokens(r.Header, "Sec-WebSocket-Protocol")
	chosen := ""
	for _, p := range offered {
		for _, sp := range STOMPSubprotocols {
			if strings.EqualFold(p, sp) {
				chosen = p
				break
			}
		}
		if chosen != "" {
			break
		}
	}
	if chosen == "" && len(offered) > 0 {
		for _, p := range offered {
			if strings.HasPrefix(strings.ToLower(p), "mqtt") {
				s.log.Warn("WebSocket refused: MQTT over WebSocket is not supported", "remote", r.RemoteAddr, "subprotocols", offered)
				http.Error(w, "MQTT over WebSocket is not supported by this broker; use STOMP (subprotocols "+strings.Join(STOMPSubprotocols, ", ")+")", http.StatusBadRequest)
				return
			}
		}
	}
	ao := &websocket.AcceptOptions{
		OriginPatterns:     s.opts.OriginPatterns,
		InsecureSkipVerify: len(s.opts.OriginPatterns) == 0,
	}
	if chosen != "" {
		ao.Subprotocols = []string{chosen}
	}
	c, err := websocket.Accept(w, r, ao)
	if err != nil {
		s.log.Warn("WebSocket handshake failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	c.SetReadLimit(-1) // the STOMP reader enforces the frame limits
	wc := newWSConn(s, c, r)
	if !s.register(wc) {
		c.Close(websocket.StatusGoingAway, "broker shutting down")
		return
	}
	s.log.Debug("WebSocket accepted", "remote", r.RemoteAddr, "subprotocol", c.Subprotocol(), "path", r.URL.Path)
	if wc.tlsSt != nil {
		s.handle(wssConn{wc})
		return
	}
	s.handle(wc)
}

func headerTokens(h http.Header, key string) []string {
	var out []string
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

func headerHas(h http.Header, key, token string) bool {
	for _, t := range headerTokens(h, key) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

// wsConn is a WebSocket seen as a byte stream. A goroutine reads messages
// and hands their bytes over, so read deadlines behave as net.Conn's do
// (a timeout does not break the connection).
type wsConn struct {
	s       *WSServer
	c       *websocket.Conn
	local   net.Addr
	remote  net.Addr
	tlsSt   *tls.ConnectionState
	subprot string

	ctx    context.Context
	cancel context.CancelFunc

	chunks  chan []byte
	readErr error // set before chunks is closed
	rdMu    sync.Mutex
	pending []byte

	dlMu    sync.Mutex
	readDL  time.Time
	writeDL time.Time
	dlKick  chan struct{}

	wrMu sync.Mutex

	closeOnce sync.Once
	closed    chan struct{}
}

func newWSConn(s *WSServer, c *websocket.Conn, r *http.Request) *wsConn {
	ctx, cancel := context.WithCancel(context.Background())
	w := &wsConn{
		s: s, c: c, subprot: c.Subprotocol(),
		ctx: ctx, cancel: cancel,
		chunks: make(chan []byte),
		dlKick: make(chan struct{}, 1),
		closed: make(chan struct{}),
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		w.local = a
	} else {
		w.local = wsAddr(r.Host)
	}
	if a, err := net.ResolveTCPAddr("tcp", r.RemoteAddr); err == nil {
		w.remote = a
	} else {
		w.remote = wsAddr(r.RemoteAddr)
	}
	if r.TLS != nil {
		st := *r.TLS
		w.tlsSt = &st
	}
	go w.pump()
	return w
}

type wsAddr string

func (a wsAddr) Network() string { return "websocket" }
func (a wsAddr) String() string  { return string(a) }

// pump reads messages (text or binary) and passes their bytes to Read.
func (w *wsConn) pump() {
	buf := make([]byte, 32<<10)
	defer close(w.chunks)
	for {
		_, r, err := w.c.Reader(w.ctx)
		if err != nil {
			w.readErr = w.translate(err)
			return
		}
		for {
			n, err := r.Read(buf)
			if n > 0 {
				b := append([]byte(nil), buf[:n]...)
				select {
				case w.chunks <- b:
				case <-w.closed:
					w.readErr = net.ErrClosed
					return
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				w.readErr = w.translate(err)
				return
			}
		}
	}
}

func (w *wsConn) translate(err error) error {
	select {
	case <-w.closed:
		return net.ErrClosed
	default:
	}
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		return io.EOF
	case -1:
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
			return io.EOF
		}
		return err
	}
	return fmt.Errorf("WebSocket closed by the client: %w", err)
}

func (w *wsConn) Read(p []byte) (int, error) {
	w.rdMu.Lock()
	defer w.rdMu.Unlock()
	if len(w.pending) > 0 {
		n := copy(p, w.pending)
		w.pending = w.pending[n:]
		return n, nil
	}
	for {
		select {
		case <-w.closed:
			return 0, net.ErrClosed
		default:
		}
		w.dlMu.Lock()
		dl := w.readDL
		w.dlMu.Unlock()
		var timeout <-chan time.Time
		var t *time.Timer
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, os.ErrDeadlineExceeded
			}
			t = time.NewTimer(d)
			timeout = t.C
		}
		n, again, err := w.wait(p, timeout)
		if t != nil {
			t.Stop()
		}
		if !again {
			return n, err
		}
	}
}

func (w *wsConn) wait(p []byte, timeout <-chan time.Time) (n int, again bool, err error) {
	select {
	case b, ok := <-w.chunks:
		if !ok {
			return 0, false, w.readErr
		}
		n := copy(p, b)
		w.pending = b[n:]
		return n, false, nil
	case <-timeout:
		return 0, false, os.ErrDeadlineExceeded
	case <-w.dlKick:
		return 0, true, nil
	case <-w.closed:
		return 0, false, net.ErrClosed
	}
}

func (w *wsConn) Write(p []byte) (int, error) {
	w.wrMu.Lock()
	defer w.wrMu.Unlock()
	select {
	case <-w.closed:
		return 0, net.ErrClosed
	default:
	}
	w.dlMu.Lock()
	dl := w.writeDL
	w.dlMu.Unlock()
	ctx := w.ctx
	if !dl.IsZero() {
		if !time.Now().Before(dl) {
			return 0, os.ErrDeadlineExceeded
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl)
		defer cancel()
	}
	typ := websocket.MessageText
	if !utf8.Valid(p) {
		typ = websocket.MessageBinary
	}
	if err := w.c.Write(ctx, typ, p); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, os.ErrDeadlineExceeded
		}
		select {
		case <-w.closed:
			return 0, net.ErrClosed
		default:
		}
		return 0, err
	}
	return len(p), nil
}

// Close starts the WebSocket close handshake and returns at once; reads
// and writes fail from now on.
func (w *wsConn) Close() error {
	w.closeWith(websocket.StatusNormalClosure, "")
	return nil
}

func (w *wsConn) closeWith(code websocket.StatusCode, reason string) {
	w.closeOnce.Do(func() {
		close(w.closed)
		w.s.wg.Add(1)
		go func() {
			defer w.s.wg.Done()
			w.c.Close(code, reason)
			w.cancel()
			w.s.forget(w)
		}()
	})
}

func (w *wsConn) LocalAddr() net.Addr  { return w.local }
func (w *wsConn) RemoteAddr() net.Addr { return w.remote }

func (w *wsConn) SetDeadline(t time.Time) error {
	w.SetReadDeadline(t)
	return w.SetWriteDeadline(t)
}

func (w *wsConn) SetReadDeadline(t time.Time) error {
	w.dlMu.Lock()
	w.readDL = t
	w.dlMu.Unlock()
	select {
	case w.dlKick <- struct{}{}:
	default:
	}
	return nil
}

func (w *wsConn) SetWriteDeadline(t time.Time) error {
	w.dlMu.Lock()
	w.writeDL = t
	w.dlMu.Unlock()
	return nil
}

// wssConn is a WebSocket over TLS: a wsConn with the TLS state, offered
// the way *tls.Conn offers it.
type wssConn struct{ *wsConn }

// ConnectionState is the TLS state of the connection, with the verified
// client certificate chain if the client sent one.
func (w wssConn) ConnectionState() tls.ConnectionState { return *w.tlsSt }

// Subprotocol is the negotiated WebSocket subprotocol ("" if none).
func (w *wsConn) Subprotocol() string { return w.subprot }

// TLSConnectionState returns the TLS state of a connection this package
// produced or a *tls.Conn: the client certificates for certificate login.
// ok is false for a plain connection.
func TLSConnectionState(c net.Conn) (*tls.ConnectionState, bool) {
	switch c := c.(type) {
	case *tls.Conn:
		st := c.ConnectionState()
		return &st, true
	case wssConn:
		st := *c.tlsSt
		return &st, true
	}
	return nil, false
}
