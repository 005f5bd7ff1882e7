package accept

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

type flaky struct {
	net.Listener
	fails atomic.Int32
}

type tempErr struct{}

func (tempErr) Error() string   { return "too many open files" }
func (tempErr) Temporary() bool { return true }
func (tempErr) Timeout() bool   { return false }

func (f *flaky) Accept() (net.Conn, error) {
	if f.fails.Add(-1) >= 0 {
		return nil, tempErr{}
	}
	return f.Listener.Accept()
}

func TestLoopBacksOffAndStops(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &flaky{Listener: l}
	fl.fails.Store(3)
	quit := make(chan struct{})
	served := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- Loop(fl, quit, func(c net.Conn) { c.Close(); served <- struct{}{} }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		t.Fatal("connection not served after transient errors")
	}
	close(quit)
	l.Close()
	if err := <-done; err != nil {
		t.Fatalf("after quit: %v", err)
	}
	// A permanent error ends the loop with that error.
	l2, _ := net.Listen("tcp", "127.0.0.1:0")
	l2.Close()
	if err := Loop(l2, make(chan struct{}), func(net.Conn) {}, slog.Default()); err == nil || errors.Is(err, nil) {
		t.Fatalf("closed listener: %v", err)
	}
}
