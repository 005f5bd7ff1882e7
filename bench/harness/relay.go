package main

import (
	"bytes"
	"errors"
	"net"
	"strconv"
	"sync"
)

// The pass-through relay is the floor of a non-persistent 1->1 run: the
// least any broker must do, with the same load generator on the same
// machine. It answers CONNECT, SUBSCRIBE and receipts, and turns each SEND
// into a MESSAGE for the destination's subscriber as soon as it is read,
// written from the read buffer itself: no queue, no copy of the body, no
// allocation per message, no acknowledgement. A broker's figure next to the
// relay's says how much of the run is the broker and how much is moving the
// bytes through the kernel and the load generator.

type relay struct {
	*fakeServer
	mu   sync.Mutex
	subs map[string]relaySub // destination -> its subscriber
}

type relaySub struct {
	to *relayConn
	id string
}

// relayConn is one client connection; writes to it come from its own
// reader (receipts) and from producers' readers (messages).
type relayConn struct {
	c   net.Conn
	wmu sync.Mutex
}

func (rc *relayConn) write(bufs net.Buffers) error {
	rc.wmu.Lock()
	defer rc.wmu.Unlock()
	_, err := bufs.WriteTo(rc.c)
	return err
}

const (
	relayBuffer    = 1 << 20
	relayMaxBuffer = 64 << 20 // one frame larger than this ends the connection
)

func startRelay() (*relay, error) {
	r := &relay{subs: map[string]relaySub{}}
	fs, err := startFake(r.serve)
	if err != nil {
		return nil, err
	}
	r.fakeServer = fs
	return r, nil
}

// relayFrame locates one frame in the read buffer.
type relayFrame struct {
	cmd            []byte
	dest, id, rcpt []byte
	body           []byte
	whole          bool
	end            int // offset after the frame's NUL
}

// subscribed reports whether dest ("/queue/NAME") has a subscriber.
func (r *relay) subscribed(dest string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.subs[dest]
	return ok
}

// parseRelayFrame finds the first complete frame in b (heart-beat EOLs
// before it skipped); whole is false when b holds only part of one.
func parseRelayFrame(b []byte) (f relayFrame, err error) {
	i := 0
	for i < len(b) && (b[i] == '\n' || b[i] == '\r') {
		i++
	}
	// The headers end at the first empty line, LF or CRLF.
	hdrEnd, bodyAt := -1, 0
	for j := i; ; {
		k := bytes.IndexByte(b[j:], '\n')
		if k < 0 {
			return relayFrame{end: i}, nil
		}
		j += k + 1
		if j < len(b) && b[j] == '\n' {
			hdrEnd, bodyAt = j-1, j+1
		} else if j+1 < len(b) && b[j] == '\r' && b[j+1] == '\n' {
			hdrEnd, bodyAt = j-1, j+2
		}
		if hdrEnd >= 0 {
			break
		}
	}
	head := b[i:hdrEnd]
	line, rest, _ := bytes.Cut(head, []byte{'\n'})
	f.cmd = bytes.TrimRight(line, "\r")
	length := -1
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte{'\n'})
		k, v, ok := bytes.Cut(bytes.TrimRight(line, "\r"), []byte{':'})
		if !ok {
			continue
		}
		switch string(k) { // no allocation: the compiler compares in place
		case "content-length":
			if length < 0 {
				n, perr := strconv.Atoi(string(v))
				if perr != nil || n < 0 {
					return f, errors.New("relay: bad content-length")
				}
				length = n
			}
		case "destination":
			if f.dest == nil {
				f.dest = v
			}
		case "id":
			if f.id == nil {
				f.id = v
			}
		case "receipt":
			if f.rcpt == nil {
				f.rcpt = v
			}
		}
	}
	if length >= 0 {
		if length >= len(b)-bodyAt { // the body and its NUL are not all here
			return f, nil
		}
		if b[bodyAt+length] != 0 {
			return f, errors.New("relay: body not NUL-terminated")
		}
		f.body, f.end, f.whole = b[bodyAt:bodyAt+length], bodyAt+length+1, true
		return f, nil
	}
	nul := bytes.IndexByte(b[bodyAt:], 0)
	if nul < 0 {
		return f, nil
	}
	f.body, f.end, f.whole = b[bodyAt:bodyAt+nul], bodyAt+nul+1, true
	return f, nil
}

func (r *relay) serve(s *fakeServer, c net.Conn) {
	me := &relayConn{c: c}
	defer func() {
		r.mu.Lock()
		for d, sub := range r.subs {
			if sub.to == me {
				delete(r.subs, d)
			}
		}
		r.mu.Unlock()
	}()
	buf := make([]byte, relayBuffer)
	var (
		rd, wr int
		hdrs   []byte
		out    = map[*relayConn]net.Buffers{}
		nul    = []byte{0}
	)
	for {
		if rd == wr {
			rd, wr = 0, 0
		} else if wr == len(buf) {
			if rd > 0 {
				wr = copy(buf, buf[rd:wr])
				rd = 0
			} else if len(buf) < relayMaxBuffer {
				nb := make([]byte, 2*len(buf))
				copy(nb, buf[:wr])
				buf = nb
			} else {
				return
			}
		}
		n, err := c.Read(buf[wr:])
		if n == 0 && err != nil {
			return
		}
		wr += n
		hdrs = hdrs[:0]
		bye := false
		for rd < wr && !bye {
			f, err := parseRelayFrame(buf[rd:wr])
			if err != nil {
				return
			}
			if !f.whole {
				rd += f.end // skipped EOLs only
				break
			}
			rd += f.end
			seq := s.frames.Add(1)
			switch string(f.cmd) {
			case "CONNECT", "STOMP":
				out[me] = append(out[me], []byte(connectedFrame))
			case "SUBSCRIBE":
				r.mu.Lock()
				r.subs[string(f.dest)] = relaySub{to: me, id: string(f.id)}
				r.mu.Unlock()
			case "SEND":
				r.mu.Lock()
				sub, ok := r.subs[string(f.dest)]
				r.mu.Unlock()
				if !ok {
					break
				}
				to := sub.to
				// The headers of every MESSAGE of this read go into one
				// buffer; each takes a slice of its own bytes there (capped,
				// so later appends never write into it).
				at := len(hdrs)
				hdrs = append(hdrs, "MESSAGE\ndestination:"...)
				hdrs = append(hdrs, f.dest...)
				hdrs = append(hdrs, "\nmessage-id:ID:relay-"...)
				hdrs = strconv.AppendInt(hdrs, seq, 10)
				hdrs = append(hdrs, "\nsubscription:"...)
				hdrs = append(hdrs, sub.id...)
				hdrs = append(hdrs, "\ncontent-length:"...)
				hdrs = strconv.AppendInt(hdrs, int64(len(f.body)), 10)
				hdrs = append(hdrs, "\n\n"...)
				out[to] = append(out[to], hdrs[at:len(hdrs):len(hdrs)], f.body, nul)
			case "DISCONNECT":
				bye = true
			}
			if f.rcpt != nil {
				out[me] = append(out[me], []byte(receiptFrame(string(f.rcpt))))
			}
		}
		// Everything read is forwarded before the next read: the bodies
		// are still in buf. A slow consumer holds the producer back here,
		// as TCP flow control would.
		for to, bufs := range out {
			if err := to.write(bufs); err != nil && to == me {
				return
			}
			delete(out, to)
		}
		if bye {
			return
		}
	}
}
