// Package stomp serves STOMP 1.0, 1.1 and 1.2 as ActiveMQ 5.17 does,
// translating frames into calls on the protocol-neutral broker core.
package stomp

import (
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"amq/broker"
	"amq/internal/accept"
	"amq/internal/stomp/frame"
)

// Authenticator checks a CONNECT's login and passcode. cert is the verified
// TLS client certificate chain, if any.
type Authenticator interface {
	Authenticate(login, passcode string, cert *tls.ConnectionState) (*broker.User, error)
}

// BodyConverter turns a message body kept in another protocol's encoding
// (OpenWire's marshalled content) into the bytes a STOMP client receives.
type BodyConverter func(m *broker.Message) ([]byte, error)

// Options configures a Server.
type Options struct {
	Broker *broker.Broker
	Logger *slog.Logger
	Limits frame.Limits
	// HeartBeatGrace multiplies the client's heart-beat interval to get the
	// read timeout (transport.hbGracePeriodMultiplier; default 1.5).
	HeartBeatGrace float64
	// DefaultHeartBeat applies when a CONNECT has no heart-beat header
	// (transport.defaultHeartBeat), as cx, cy in ms.
	DefaultHeartBeat [2]int
	// ConnectTimeout closes a connection that sends no CONNECT (default 30 s).
	ConnectTimeout time.Duration
	// WriteTimeout closes a connection whose client stops reading (default 30 s).
	WriteTimeout time.Duration
	// MaxConnections refuses connections beyond it (maximumConnections); 0 = no limit.
	MaxConnections int
	Auth           Authenticator
	ConvertBody    BodyConverter
	// Connector names the transport connector in logs.
	Connector string
	// MaxPendingSendBytes bounds the bytes of sends a connection has
	// outstanding (awaiting the store, or parked by producer flow control);
	// beyond it the reader stops reading, which pushes back through TCP.
	// A client that both produces and consumes keeps getting its ACKs read
	// while up to this much of its SENDs wait (default 4 MB).
	MaxPendingSendBytes int64
}

// Server accepts STOMP connections.
type Server struct {
	opts  Options
	log   *slog.Logger
	conns *accept.Conns[*conn]
}

// NewServer returns a server for opts.
func NewServer(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HeartBeatGrace <= 0 {
		opts.HeartBeatGrace = 1.5
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 30 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 30 * time.Second
	}
	if opts.MaxPendingSendBytes <= 0 {
		opts.MaxPendingSendBytes = 4 << 20
	}
	if opts.Connector == "" {
		opts.Connector = "stomp"
	}
	log := opts.Logger.With("connector", opts.Connector)
	return &Server{opts: opts, log: log, conns: accept.NewConns[*conn](log, opts.MaxConnections)}
}

// Serve accepts connections on l until Close. It returns nil after Close.
func (s *Server) Serve(l net.Listener) error { return s.conns.Serve(l, s.ServeConn) }

// ServeConn serves one accepted connection (also used by the WebSocket
// transport, which hands over a net.Conn per socket).
func (s *Server) ServeConn(nc net.Conn) {
	// Two parts to wait for: the reader, and the writer, which starts with
	// the first frame queued and ends for good when the connection closes.
	c, ok := s.conns.Admit(nc, func() *conn { return newConn(s, nc) }, 2)
	if !ok {
		return
	}
	go c.readLoop()
}

func (s *Server) forget(c *conn) { s.conns.Forget(c) }

// Connections counts open connections.
func (s *Server) Connections() int { return s.conns.Len() }

// Close stops accepting, closes every connection and waits for their
// goroutines to finish.
func (s *Server) Close() error {
	s.conns.Close((*conn).shutdown)
	return nil
}
