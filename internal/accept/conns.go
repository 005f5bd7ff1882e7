package accept

import (
	"log/slog"
	"net"
	"sync"
)

// Conns is the part of a protocol server that does not depend on the
// protocol: its listeners, its live connections under the
// maximumConnections limit, and a Close that stops accepting, shuts every
// connection down and waits for their goroutines. C is the server's
// connection type.
type Conns[C comparable] struct {
	log *slog.Logger
	max int // maximumConnections; 0 = no limit

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[C]struct{}
	closed    bool
	quit      chan struct{} // closed by Close: ends the accept loops
	wg        sync.WaitGroup
}

// NewConns returns an empty registry refusing connections beyond max (0:
// no limit).
func NewConns[C comparable](log *slog.Logger, max int) *Conns[C] {
	return &Conns[C]{log: log, max: max, conns: map[C]struct{}{}, quit: make(chan struct{})}
}

// Serve accepts connections on l until Close, handing each to serve. It
// returns nil after Close.
func (s *Conns[C]) Serve(l net.Listener, serve func(net.Conn)) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners = append(s.listeners, l)
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	return Loop(l, s.quit, serve, s.log)
}

// Admit registers the connection newConn makes of nc, counting its
// goroutines (each calls Done when it ends). Once closed, or at the limit,
// it closes nc instead and reports false.
func (s *Conns[C]) Admit(nc net.Conn, newConn func() C, goroutines int) (C, bool) {
	var zero C
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return zero, false
	}
	if s.max > 0 && len(s.conns) >= s.max {
		s.mu.Unlock()
		s.log.Warn("connection refused: maximumConnections reached", "remote", nc.RemoteAddr().String(), "max", s.max)
		nc.Close()
		return zero, false
	}
	c := newConn()
	s.conns[c] = struct{}{}
	s.wg.Add(goroutines)
	s.mu.Unlock()
	return c, true
}

// Done marks one goroutine of an admitted connection finished.
func (s *Conns[C]) Done() { s.wg.Done() }

// Forget drops a connection that has ended.
func (s *Conns[C]) Forget(c C) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Len counts open connections.
func (s *Conns[C]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Close stops accepting, shuts every connection down and waits for their
// goroutines and the accept loops to finish.
func (s *Conns[C]) Close(shutdown func(C)) {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.quit)
	}
	ls := s.listeners
	s.listeners = nil
	cs := make([]C, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
	for _, c := range cs {
		shutdown(c)
	}
	s.wg.Wait()
}
