// Package openwire serves the OpenWire protocol (v9-v12, loose encoding) to
// the stock ActiveMQ 5.x JMS client, translating commands into calls on the
// protocol-neutral broker core.
//
// Each connection has one reader goroutine, which decodes commands and calls
// the broker, and one writer goroutine, which encodes everything queued for
// the client (responses, dispatches, keep-alives) and writes it in batches.
// Deliverers only queue: they run under a destination lock.
//
// A message a JMS producer sent keeps its frame: every dispatch re-embeds
// the producer's bytes with only the broker's fields patched. Messages from
// other protocols, and copies the broker makes, are rebuilt field by field.
//
// Lock order: consumer.pullMu -> broker locks (destination) ->
// consumer.logMu -> conn.outMu. logMu and outMu are leaves; no I/O is done
// under any lock.
package openwire

import (
	"crypto/tls"
	"log/slog"
	"net"
	"sync"
	"time"

	"amq/broker"
	"amq/internal/accept"
)

// Authenticator checks a ConnectionInfo's user name and password. cs is the
// TLS connection state when the transport is TLS.
type Authenticator interface {
	Authenticate(user, password string, cs *tls.ConnectionState) (*broker.User, error)
}

// Defaults of Options.
const (
	DefaultMaxFrameSize           = 100 << 20
	DefaultMaxInactivityDuration  = 30 * time.Second
	DefaultInactivityInitialDelay = 10 * time.Second
	DefaultWriteTimeout           = 30 * time.Second
	DefaultMaxPendingSends        = 4096
)

// Options configures a Server.
type Options struct {
	Broker *broker.Broker
	Logger *slog.Logger
	// MaxFrameSize is wireFormat.maxFrameSize in bytes (default 100 MB);
	// the negotiated value is the smaller of ours and the client's.
	MaxFrameSize int64
	// MaxInactivityDuration is wireFormat.maxInactivityDuration: a client
	// that sends nothing for that long (after the initial delay) is dropped,
	// and we send keep-alives when idle; the client's own value can only
	// shorten it. 0 (or less) disables inactivity monitoring on both sides,
	// as wireFormat.maxInactivityDuration=0 does; ActiveMQ's default is
	// DefaultMaxInactivityDuration (30 s).
	MaxInactivityDuration time.Duration
	// InactivityInitialDelay is wireFormat.maxInactivityDurationInitalDelay:
	// the grace period after the handshake before silence counts. 0 means
	// the default (10 s); negative means none.
	InactivityInitialDelay time.Duration
	// MaxConnections refuses connections beyond it (maximumConnections);
	// 0 means no limit.
	MaxConnections int
	// WriteTimeout closes a connection whose client stops reading
	// (default 30 s).
	WriteTimeout time.Duration
	// Connector names the transport connector in logs.
	Connector string
	// Auth checks credentials; nil accepts anyone and keeps the user name.
	Auth Authenticator
	// MaxPendingSends bounds sends awaiting the store per connection; the
	// reader stops reading beyond it (default 4096).
	MaxPendingSends int
	// HandshakeTimeout bounds how long a new connection may take to send
	// its WireFormatInfo (default: the initial delay plus the inactivity
	// duration, at least 30 s).
	HandshakeTimeout time.Duration
}

// Server accepts OpenWire connections.
type Server struct {
	opts Options
	log  *slog.Logger

	conns *accept.Conns[*conn]

	mu       sync.Mutex
	byConnID map[string]*conn // the client's connection id -> its conn
}

// NewServer returns a server for opts.
func NewServer(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxFrameSize <= 0 {
		opts.MaxFrameSize = DefaultMaxFrameSize
	}
	if opts.MaxInactivityDuration < 0 {
		opts.MaxInactivityDuration = 0
	}
	switch {
	case opts.InactivityInitialDelay == 0:
		opts.InactivityInitialDelay = DefaultInactivityInitialDelay
	case opts.InactivityInitialDelay < 0:
		opts.InactivityInitialDelay = 0
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.MaxPendingSends <= 0 {
		opts.MaxPendingSends = DefaultMaxPendingSends
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = max(opts.InactivityInitialDelay+opts.MaxInactivityDuration, 30*time.Second)
	}
	if opts.Connector == "" {
		opts.Connector = "openwire"
	}
	log := opts.Logger.With("connector", opts.Connector)
	return &Server{
		opts:     opts,
		log:      log,
		conns:    accept.NewConns[*conn](log, opts.MaxConnections),
		byConnID: map[string]*conn{},
	}
}

// Serve accepts connections on l until Close. It returns nil after Close.
func (s *Server) Serve(l net.Listener) error { return s.conns.Serve(l, s.ServeConn) }

// ServeConn serves one accepted connection.
func (s *Server) ServeConn(nc net.Conn) {
	c, ok := s.conns.Admit(nc, func() *conn { return newConn(s, nc) }, 2)
	if !ok {
		return
	}
	go c.readLoop()
	go c.writeLoop()
}

func (s *Server) forget(c *conn) {
	s.conns.Forget(c)
	s.mu.Lock()
	if c.clientConnID != "" && s.byConnID[c.clientConnID] == c {
		delete(s.byConnID, c.clientConnID)
	}
	s.mu.Unlock()
}

// register records which conn carries the client's connection id, so a
// failover reconnect can take over from a stale socket.
func (s *Server) register(c *conn, clientConnID string) (previous *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	previous = s.byConnID[clientConnID]
	s.byConnID[clientConnID] = c
	return previous
}

// Connections counts open connections.
func (s *Server) Connections() int { return s.conns.Len() }

// Close stops accepting, closes every connection and waits for their
// goroutines to finish.
func (s *Server) Close() error {
	s.conns.Close((*conn).shutdown)
	return nil
}
