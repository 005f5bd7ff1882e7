package loadtool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-stomp/stomp/v3/frame"

	codec "amq/internal/stomp/frame"
)

// pipeSender is the producer's connection by default. It writes frames
// itself into one buffered writer, so frames coalesce into few writes and a
// send allocates nothing, and reads the broker's replies with go-stomp's
// frame reader on a goroutine of its own. That lets it keep up to --window
// SENDs awaiting their RECEIPT (go-stomp's Conn.Send holds the connection
// while it waits for one) and see an ERROR frame the moment it comes.
//
// Receipt ids name a slot ("s3"): a slot is taken per SEND and given back
// when its receipt arrives, so the free slots are the window.
type pipeSender struct {
	ctx     context.Context
	nc      net.Conn
	out     codec.Spliced // frames not written yet (see write)
	rd      *frame.Reader
	version string
	window  int
	// receipts is false when SENDs go without receipts (COMMIT and
	// DISCONNECT still take one).
	receipts bool

	free   chan int32
	held   []int32
	sentAt []atomic.Int64 // per slot: monotonic ns since base
	base   time.Time

	hdr      []byte // "SEND\n" and the headers every message carries
	scratch  []byte
	withLen  bool
	ttl      int64
	txSeq    int
	txID     []byte
	inTx     bool
	closing  atomic.Bool
	dead     chan struct{}
	errOnce  sync.Once
	err      error
	discDone chan struct{}
	rdDone   chan struct{}
	stopCtx  func() bool

	// Written by the reader goroutine; read after rdDone.
	sendLat, commitLat Histogram
}

const (
	pipeBufSize = 64 << 10
	// pipeBatch is how many bytes of frames with large bodies go out in
	// one write. One 64 KB frame per write cost the producer about half
	// as much CPU again per message as four (a system call, and a wake-up
	// of the broker's reader, for each).
	pipeBatch = 4 * pipeBufSize
)

func connectPipe(ctx context.Context, o *producerOpts, src *bodySource) (*pipeSender, error) {
	nc, err := dial(ctx, &o.commonOpts)
	if err != nil {
		return nil, err
	}
	p := &pipeSender{
		ctx:      ctx,
		nc:       nc,
		out:      codec.Spliced{Buf: make([]byte, 0, pipeBufSize)},
		rd:       frame.NewReaderSize(nc, pipeBufSize),
		window:   o.window,
		receipts: o.receipts,
		free:     make(chan int32, o.window),
		held:     make([]int32, 0, o.window),
		sentAt:   make([]atomic.Int64, o.window),
		base:     time.Now(),
		withLen:  src.withLength(),
		ttl:      o.msgTTL,
		dead:     make(chan struct{}),
		discDone: make(chan struct{}),
		rdDone:   make(chan struct{}),
	}
	if err := p.handshake(o); err != nil {
		nc.Close()
		return nil, err
	}
	for i := range o.window {
		p.free <- int32(i)
	}
	esc := headerEscaper(p.version)
	b := append([]byte(nil), "SEND\ndestination:"...)
	b = append(b, esc.Replace(o.dest)...)
	b = append(b, '\n')
	if o.persistent {
		b = append(b, "persistent:true\n"...)
	}
	if o.priority != 4 {
		b = append(b, "priority:"...)
		b = strconv.AppendInt(b, int64(o.priority), 10)
		b = append(b, '\n')
	}
	if o.msgGroupID != "" {
		b = append(b, "JMSXGroupID:"...)
		b = append(b, esc.Replace(o.msgGroupID)...)
		b = append(b, '\n')
	}
	p.hdr = b
	// A write blocked on a broker that stopped reading ends with the run.
	p.stopCtx = context.AfterFunc(ctx, func() { p.nc.Close() })
	go p.readLoop()
	return p, nil
}

// handshake sends CONNECT (no heart-beats: this connection is never idle
// for long, and the broker then expects none) and reads CONNECTED.
func (p *pipeSender) handshake(o *producerOpts) error {
	var b []byte
	b = append(b, "CONNECT\naccept-version:1.0,1.1,1.2\nheart-beat:0,0\nhost:"...)
	b = append(b, o.host...)
	b = append(b, '\n')
	if o.user != "" || o.password != "" {
		b = append(b, "login:"+o.user+"\npasscode:"+o.password+"\n"...)
	}
	b = append(b, "\n\x00"...)
	deadline := time.Now().Add(connectTimeout)
	if d, ok := p.ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	p.nc.SetDeadline(deadline)
	defer p.nc.SetDeadline(time.Time{})
	if _, err := p.nc.Write(b); err != nil {
		return fmt.Errorf("connect to %s: %w", o.brokerURL, err)
	}
	for {
		f, err := p.rd.Read()
		if err != nil {
			return fmt.Errorf("connect to %s: %w", o.brokerURL, err)
		}
		if f == nil {
			continue
		}
		switch f.Command {
		case frame.CONNECTED:
			p.version = f.Header.Get(frame.Version)
			if p.version == "" {
				p.version = "1.0"
			}
			return nil
		case frame.ERROR:
			return fmt.Errorf("connect to %s: broker refused: %s", o.brokerURL, brokerMessage(f))
		default:
			return fmt.Errorf("connect to %s: unexpected %s frame", o.brokerURL, f.Command)
		}
	}
}

// headerEscaper escapes header values as the negotiated version requires.
func headerEscaper(version string) *strings.Replacer {
	switch version {
	case "1.0":
		return strings.NewReplacer()
	case "1.1":
		return strings.NewReplacer("\\", "\\\\", "\n", "\\n", ":", "\\c")
	}
	return strings.NewReplacer("\\", "\\\\", "\n", "\\n", ":", "\\c", "\r", "\\r")
}

func (p *pipeSender) readLoop() {
	defer close(p.rdDone)
	for {
		f, err := p.rd.Read()
		if err != nil {
			p.fail(fmt.Errorf("connection lost: %w", err))
			return
		}
		if f == nil {
			continue
		}
		switch f.Command {
		case frame.RECEIPT:
			p.receipt(f.Header.Get(frame.ReceiptId))
		case frame.ERROR:
			p.fail(&brokerError{msg: brokerMessage(f)})
			return
		}
	}
}

func (p *pipeSender) receipt(id string) {
	if id == "d" {
		p.closing.Store(true)
		close(p.discDone)
		return
	}
	if len(id) < 2 {
		return
	}
	n, err := strconv.Atoi(id[1:])
	if err != nil || n < 0 || n >= p.window {
		return
	}
	lat := int64(time.Since(p.base)) - p.sentAt[n].Load()
	switch id[0] {
	case 's':
		p.sendLat.Record(lat)
	case 'c':
		p.commitLat.Record(lat)
	default:
		return
	}
	select {
	case p.free <- int32(n):
	default: // a receipt twice: the slot is free already
	}
}

// fail records why the connection ended; an end after DISCONNECT's receipt
// is no error, an ERROR frame always is.
func (p *pipeSender) fail(err error) {
	p.errOnce.Do(func() {
		if isBrokerError(err) || !p.closing.Load() {
			p.err = err
		}
		close(p.dead)
	})
}

func (p *pipeSender) deadErr() error {
	if p.err != nil {
		return p.err
	}
	return errors.New("connection closed")
}

// writeErr reports a failed write, preferring the broker's reason.
func (p *pipeSender) writeErr(err error) error {
	select {
	case <-p.dead:
		return p.deadErr()
	case <-time.After(time.Second):
	}
	return fmt.Errorf("send: %w", err)
}

func (p *pipeSender) flush() error {
	if len(p.out.Buf) == 0 {
		return nil
	}
	return p.written(p.out.WriteOut(p.nc))
}

// written empties the buffer after a write of it and reports the write's
// error.
func (p *pipeSender) written(err error) error {
	p.out.Reset()
	if err != nil {
		return p.writeErr(err)
	}
	return nil
}

// acquire takes a free receipt slot, flushing what is buffered before it
// waits for one.
func (p *pipeSender) acquire() (int32, error) {
	select {
	case s := <-p.free:
		return s, nil
	default:
	}
	if err := p.flush(); err != nil {
		return -1, err
	}
	select {
	case s := <-p.free:
		return s, nil
	case <-p.dead:
		return -1, p.deadErr()
	case <-p.ctx.Done():
		return -1, p.ctx.Err()
	}
}

// drain waits until every receipt is in.
func (p *pipeSender) drain() error {
	if err := p.flush(); err != nil {
		return err
	}
	held := p.held[:0]
	defer func() {
		for _, s := range held {
			p.free <- s
		}
	}()
	for len(held) < p.window {
		select {
		case s := <-p.free:
			held = append(held, s)
		case <-p.dead:
			return p.deadErr()
		case <-p.ctx.Done():
			return p.ctx.Err()
		}
	}
	return nil
}

func (p *pipeSender) send(body []byte) error {
	select {
	case <-p.dead:
		return p.deadErr()
	default:
	}
	slot := int32(-1)
	if p.receipts {
		var err error
		if slot, err = p.acquire(); err != nil {
			return err
		}
	}
	now := time.Now()
	b := p.scratch[:0]
	b = append(b, p.hdr...)
	if p.inTx {
		b = append(b, "transaction:"...)
		b = append(b, p.txID...)
		b = append(b, '\n')
	}
	if p.ttl > 0 {
		b = append(b, "expires:"...)
		b = strconv.AppendInt(b, now.UnixMilli()+p.ttl, 10)
		b = append(b, '\n')
	}
	b = append(b, stampHeader+":"...)
	b = strconv.AppendInt(b, now.UnixNano(), 10)
	b = append(b, '\n')
	if slot >= 0 {
		b = append(b, "receipt:s"...)
		b = strconv.AppendInt(b, int64(slot), 10)
		b = append(b, '\n')
		p.sentAt[slot].Store(int64(now.Sub(p.base)))
	}
	if p.withLen {
		b = append(b, "content-length:"...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	p.scratch = b
	if err := p.write(b, body); err != nil {
		return err
	}
	if slot >= 0 && len(p.free) == 0 {
		// The window is full: the next send waits, so send this one now.
		return p.flush()
	}
	return nil
}

// write queues a frame: head (command and headers, blank line included),
// body and the NUL. Frames collect in p.out and go out when it holds
// pipeBufSize bytes, when the frames queued hold pipeBatch bytes, or on
// flush. A body of pipeBufSize or more is not copied into p.out: it goes
// out from where it lies, in one vectored write with the rest, so it must
// not change until then (only fixed bodies are that large).
func (p *pipeSender) write(head, body []byte) error {
	p.out.Buf = append(p.out.Buf, head...)
	if len(body) >= pipeBufSize {
		p.out.AddBody(body)
	} else {
		p.out.Buf = append(p.out.Buf, body...)
	}
	p.out.Buf = append(p.out.Buf, 0)
	if len(p.out.Buf) >= pipeBufSize || p.out.Len() >= pipeBatch {
		return p.flush()
	}
	return nil
}

func (p *pipeSender) begin() error {
	p.txSeq++
	p.txID = strconv.AppendInt(append(p.txID[:0], "tx-"...), int64(p.txSeq), 10)
	b := append(p.scratch[:0], "BEGIN\ntransaction:"...)
	b = append(b, p.txID...)
	b = append(b, "\n\n"...)
	p.scratch = b
	p.inTx = true
	return p.write(b, nil)
}

// commit sends COMMIT and waits for its receipt, as a JMS commit does.
func (p *pipeSender) commit() error {
	slot, err := p.acquire()
	if err != nil {
		return err
	}
	b := append(p.scratch[:0], "COMMIT\ntransaction:"...)
	b = append(b, p.txID...)
	b = append(b, "\nreceipt:c"...)
	b = strconv.AppendInt(b, int64(slot), 10)
	b = append(b, "\n\n"...)
	p.scratch = b
	p.inTx = false
	p.sentAt[slot].Store(int64(time.Since(p.base)))
	if err := p.write(b, nil); err != nil {
		return err
	}
	return p.drain()
}

func (p *pipeSender) close() error {
	err := p.drain()
	if err == nil {
		err = p.write([]byte("DISCONNECT\nreceipt:d\n\n"), nil)
	}
	if err == nil {
		err = p.flush()
	}
	if err == nil {
		t := time.NewTimer(30 * time.Second)
		select {
		case <-p.discDone:
		case <-p.dead:
			if p.err != nil {
				err = p.err
			}
		case <-t.C:
			err = errors.New("disconnect: no receipt from the broker in 30 s")
		}
		t.Stop()
	}
	p.abort()
	return err
}

func (p *pipeSender) abort() {
	p.stopCtx()
	p.closing.Store(true)
	p.nc.Close()
	<-p.rdDone
}

func (p *pipeSender) reusesBody() bool         { return true }
func (p *pipeSender) failedC() <-chan struct{} { return nil }
func (p *pipeSender) failure() error           { return nil }

func (p *pipeSender) latencies() (*Histogram, *Histogram) {
	return &p.sendLat, &p.commitLat
}
