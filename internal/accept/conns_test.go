package accept

import (
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

type testConn struct {
	nc   net.Conn
	down atomic.Bool
}

// TestConns: the limit refuses (and closes) connections beyond it, Forget
// makes room, Close shuts the rest down, waits for their goroutines, ends
// Serve and refuses whatever comes after.
func TestConns(t *testing.T) {
	s := NewConns[*testConn](slog.New(slog.NewTextHandler(io.Discard, nil)), 2)
	pipe := func() net.Conn { a, b := net.Pipe(); go io.Copy(io.Discard, b); return a }
	admit := func() (*testConn, bool) {
		nc := pipe()
		return s.Admit(nc, func() *testConn { return &testConn{nc: nc} }, 1)
	}
	c1, ok1 := admit()
	c2, ok2 := admit()
	_, ok3 := admit()
	if !ok1 || !ok2 || ok3 || s.Len() != 2 {
		t.Fatalf("admitted %v %v %v, %d open; want the third refused at the limit of 2", ok1, ok2, ok3, s.Len())
	}
	s.Forget(c2)
	s.Done()
	c4, ok4 := admit()
	if !ok4 || s.Len() != 2 {
		t.Fatalf("after Forget: admitted %v, %d open", ok4, s.Len())
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l, func(nc net.Conn) { nc.Close() }) }()
	time.Sleep(20 * time.Millisecond)
	closed := make(chan struct{})
	go func() {
		s.Close(func(c *testConn) {
			c.down.Store(true)
			s.Done() // the connection's goroutine ends
		})
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if !c1.down.Load() || !c4.down.Load() {
		t.Fatal("Close left a connection up")
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve after Close: %v", err)
	}
	if _, ok := admit(); ok {
		t.Fatal("admitted after Close")
	}
}
