package server

import (
	"io"
	"net"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// An idle STOMP connection costs its reader goroutine's stack, grown by
// the handshake. The runtime halves a parked goroutine's stack at a
// collection only while what it uses plus an 800-byte guard is under a
// quarter of it: an 8 KB stack shrinks to 4 KB only below 1,248 bytes used.
// Waiting inside the parser, the reader used 1,080 bytes here and more in
// the built binary, whose idle connections kept 6.6-6.8 KB of stack each;
// waiting at the top of ReadFrame (Reader.Wait), before the parser's
// frames, about 900 here and 4.2 KB of stack each there.
func TestIdleConnectionStack(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector enlarges stack frames")
	}
	s := startJMS(t, "", "")
	stacks := func() uint64 {
		m := []metrics.Sample{{Name: "/gc/scan/stack:bytes"}}
		metrics.Read(m)
		return m[0].Value.Uint64()
	}
	runtime.GC()
	before := stacks()
	const n = 1000
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, "CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n\n\x00"); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 4096)
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(buf); err != nil {
			t.Fatalf("waiting for CONNECTED: %v", err)
		}
	}
	// The writers, started for CONNECTED, end after a second of idleness;
	// two collections shrink what can shrink.
	time.Sleep(1500 * time.Millisecond)
	runtime.GC()
	runtime.GC()
	per := (stacks() - before) / n
	t.Logf("stack used per idle connection: %d bytes", per)
	if per > 1000 {
		t.Errorf("an idle connection's reader uses %d bytes of stack, want under 1,000: it no longer waits on a shallow stack", per)
	}
}
