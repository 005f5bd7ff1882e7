package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A minimal STOMP implementation for what the harness does itself: the sink
// and blaster servers that measure the load generator's ceiling, idle
// connections, and the cold start and recovery probes.

type stompFrame struct {
	cmd  string
	hdr  map[string]string
	body []byte
}

// readFrame reads one frame, skipping heart-beat end-of-lines. Header
// values are taken as they are (the harness never needs escaped ones).
func readFrame(r *bufio.Reader) (*stompFrame, error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		if b != '\n' && b != '\r' {
			r.UnreadByte()
			break
		}
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	f := &stompFrame{cmd: strings.TrimRight(line, "\r\n"), hdr: map[string]string{}}
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		if _, dup := f.hdr[string(k)]; !dup {
			f.hdr[string(k)] = string(v)
		}
	}
	if cl, ok := f.hdr["content-length"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(cl))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad content-length %q", cl)
		}
		f.body = make([]byte, n+1)
		if _, err := io.ReadFull(r, f.body); err != nil {
			return nil, err
		}
		if f.body[n] != 0 {
			return nil, errors.New("frame body not NUL-terminated")
		}
		f.body = f.body[:n]
		return f, nil
	}
	body, err := r.ReadBytes(0)
	if err != nil {
		return nil, err
	}
	f.body = body[:len(body)-1]
	return f, nil
}

// skipFrame reads one frame without keeping its body, returning its command
// and the value of its receipt header. It is the sink's fast path.
func skipFrame(r *bufio.Reader) (cmd, receipt string, err error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return "", "", err
		}
		if b != '\n' && b != '\r' {
			r.UnreadByte()
			break
		}
	}
	line, err := r.ReadSlice('\n')
	if err != nil {
		return "", "", err
	}
	cmd = string(bytes.TrimRight(line, "\r\n"))
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return "", "", err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		switch {
		case length < 0 && bytes.HasPrefix(line, []byte("content-length:")):
			n, err := strconv.Atoi(string(bytes.TrimSpace(line[len("content-length:"):])))
			if err != nil {
				return "", "", fmt.Errorf("bad content-length %q", line)
			}
			length = n
		case receipt == "" && bytes.HasPrefix(line, []byte("receipt:")):
			receipt = string(line[len("receipt:"):])
		}
	}
	if length >= 0 {
		if _, err := r.Discard(length + 1); err != nil {
			return "", "", err
		}
		return cmd, receipt, nil
	}
	for {
		_, err := r.ReadSlice(0)
		if err == nil {
			return cmd, receipt, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", "", err
		}
	}
}

const connectedFrame = "CONNECTED\nversion:1.2\nheart-beat:0,0\nserver:bench-harness\n\n\x00"

func receiptFrame(id string) string { return "RECEIPT\nreceipt-id:" + id + "\n\n\x00" }

// fakeServer is a STOMP listener on loopback run by the harness.
type fakeServer struct {
	l      net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	frames atomic.Int64
}

func (s *fakeServer) addr() string { return s.l.Addr().String() }

func (s *fakeServer) close() {
	s.l.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func startFake(handle func(s *fakeServer, c net.Conn)) (*fakeServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &fakeServer{l: l, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() {
					c.Close()
					s.mu.Lock()
					delete(s.conns, c)
					s.mu.Unlock()
				}()
				handle(s, c)
			}()
		}
	}()
	return s, nil
}

// startSink runs a server that answers CONNECT and every receipt request
// and otherwise only reads: it shows how fast the producer can send.
func startSink() (*fakeServer, error) {
	return startFake(func(s *fakeServer, c net.Conn) {
		r := bufio.NewReaderSize(c, 256<<10)
		w := bufio.NewWriterSize(c, 32<<10)
		for {
			cmd, receipt, err := skipFrame(r)
			if err != nil {
				return
			}
			s.frames.Add(1)
			switch cmd {
			case "CONNECT", "STOMP":
				w.WriteString(connectedFrame)
			}
			if receipt != "" {
				w.WriteString(receiptFrame(receipt))
			}
			if cmd == "DISCONNECT" {
				w.Flush()
				return
			}
			if r.Buffered() == 0 {
				if err := w.Flush(); err != nil {
					return
				}
			}
		}
	})
}

// startBlaster runs a server that, once a client subscribes, writes
// pre-encoded MESSAGE frames of the given body size as fast as the socket
// takes them until the client disconnects: it shows how fast the consumer
// can receive.
func startBlaster(size int) (*fakeServer, error) {
	return startFake(func(s *fakeServer, c net.Conn) {
		r := bufio.NewReaderSize(c, 64<<10)
		f, err := readFrame(r)
		if err != nil || (f.cmd != "CONNECT" && f.cmd != "STOMP") {
			return
		}
		if _, err := io.WriteString(c, connectedFrame); err != nil {
			return
		}
		type ctl struct {
			sub     string
			dest    string
			receipt string
			end     bool
		}
		ctlC := make(chan ctl, 64)
		go func() {
			defer close(ctlC)
			for {
				f, err := readFrame(r)
				if err != nil {
					return
				}
				switch f.cmd {
				case "SUBSCRIBE":
					ctlC <- ctl{sub: f.hdr["id"], dest: f.hdr["destination"], receipt: f.hdr["receipt"]}
				case "DISCONNECT":
					ctlC <- ctl{receipt: f.hdr["receipt"], end: true}
					return
				default:
					if rc := f.hdr["receipt"]; rc != "" {
						ctlC <- ctl{receipt: rc}
					}
				}
			}
		}()
		var batch []byte
		body := bytes.Repeat([]byte{'x'}, size)
		for {
			var m ctl
			var ok bool
			if batch == nil {
				m, ok = <-ctlC
			} else {
				select {
				case m, ok = <-ctlC:
				default:
					if _, err := c.Write(batch); err != nil {
						return
					}
					s.frames.Add(blastBatch)
					continue
				}
			}
			if !ok {
				return
			}
			if m.receipt != "" {
				if _, err := io.WriteString(c, receiptFrame(m.receipt)); err != nil {
					return
				}
			}
			if m.end {
				// Let the client read the receipt before the close.
				time.Sleep(50 * time.Millisecond)
				return
			}
			if m.sub != "" && batch == nil {
				batch = encodeBatch(m.sub, m.dest, body)
			}
		}
	})
}

const blastBatch = 64

func encodeBatch(sub, dest string, body []byte) []byte {
	var b bytes.Buffer
	for i := range blastBatch {
		id := "ID:blaster-" + strconv.Itoa(i)
		fmt.Fprintf(&b, "MESSAGE\ndestination:%s\nmessage-id:%s\nsubscription:%s\nack:%s\ncontent-length:%d\n\n", dest, id, sub, id, len(body))
		b.Write(body)
		b.WriteByte(0)
	}
	return b.Bytes()
}

// rawConn is a harness-side STOMP connection.
type rawConn struct {
	c net.Conn
	r *bufio.Reader
}

// rawConnect dials addr and completes the STOMP handshake.
func rawConnect(ctx context.Context, addr string, timeout time.Duration) (*rawConn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	rc := &rawConn{c: c, r: bufio.NewReaderSize(c, 4096)}
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, "CONNECT\naccept-version:1.1,1.2\nhost:localhost\nheart-beat:0,0\n\n\x00"); err != nil {
		c.Close()
		return nil, err
	}
	f, err := readFrame(rc.r)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("waiting for CONNECTED: %w", err)
	}
	if f.cmd != "CONNECTED" {
		c.Close()
		return nil, fmt.Errorf("broker answered %s: %s %s", f.cmd, f.hdr["message"], bytes.TrimSpace(f.body))
	}
	c.SetDeadline(time.Time{})
	return rc, nil
}

func (rc *rawConn) send(s string) error {
	_, err := io.WriteString(rc.c, s)
	return err
}

// waitMessage reads frames until a MESSAGE arrives or the deadline passes.
func (rc *rawConn) waitMessage(deadline time.Time) (*stompFrame, error) {
	rc.c.SetReadDeadline(deadline)
	defer rc.c.SetReadDeadline(time.Time{})
	for {
		f, err := readFrame(rc.r)
		if err != nil {
			return nil, err
		}
		switch f.cmd {
		case "MESSAGE":
			return f, nil
		case "ERROR":
			return nil, fmt.Errorf("broker ERROR: %s %s", f.hdr["message"], bytes.TrimSpace(f.body))
		}
	}
}

func (rc *rawConn) close() { rc.c.Close() }

// openIdle opens n STOMP connections to addr (workers at a time) and
// returns those that completed the handshake, with the first error met.
func openIdle(ctx context.Context, addr string, n, workers int) ([]*rawConn, error) {
	var mu sync.Mutex
	var conns []*rawConn
	var firstErr error
	var failed int
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range next {
				rc, err := rawConnect(ctx, addr, 20*time.Second)
				mu.Lock()
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					conns = append(conns, rc)
				}
				mu.Unlock()
			}
		})
	}
	for i := 0; i < n; i++ {
		mu.Lock()
		stop := failed > 50
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		firstErr = fmt.Errorf("%d of %d connections failed, first: %w", n-len(conns), n, firstErr)
	}
	return conns, firstErr
}
