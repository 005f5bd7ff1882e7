package loadtool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-stomp/stomp/v3"

	"amq/internal/stomp/frame"
)

// pipeConsumer is a consumer connection by default. One goroutine reads the
// MESSAGE frames with the broker's own frame reader (one buffer, a few
// allocations per frame) and writes the ACKs, BEGINs and COMMITs into one
// buffered writer, flushed before each read from the socket: no goroutines
// and channels between the socket and the count, so the consumer costs the
// machine as little as it can, and acks coalesce into few writes.
type pipeConsumer struct {
	nc      net.Conn
	rd      *frame.Reader
	bw      *bufio.Writer
	version string
	esc     *strings.Replacer
	subID   string
	txSeq   int
	txID    string
	stop    atomic.Bool // set by the thread's watcher (see flushingReader)
	readAt  time.Time   // when the last read from the socket returned
	onStop  func()
	stopped bool // onStop ran (reading goroutine only)
}

// connectPipeConsumer dials, performs the handshake and subscribes.
func connectPipeConsumer(ctx context.Context, o *consumerOpts, thread int) (*pipeConsumer, error) {
	nc, err := dial(ctx, &o.commonOpts)
	if err != nil {
		return nil, err
	}
	p := &pipeConsumer{
		nc:    nc,
		bw:    bufio.NewWriterSize(nc, pipeBufSize),
		subID: "1",
	}
	// The broker is trusted here: only its bodies are bounded.
	p.rd = frame.NewReader(flushingReader{nc: nc, bw: p.bw, stop: &p.stop, at: &p.readAt, onStop: func() bool {
		// Once only: after DISCONNECT a silent broker must end the
		// read with its timeout, not extend it for good.
		if p.stopped || p.onStop == nil {
			return false
		}
		p.stopped = true
		p.onStop()
		return true
	}}, frame.Limits{
		BufferSize:    pipeBufSize,
		MaxFrameSize:  1 << 40,
		MaxDataLength: 1 << 31,
		MaxHeaders:    1 << 16,
		MaxHeaderLine: 1 << 20,
	})
	deadline := time.Now().Add(connectTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	nc.SetDeadline(deadline)
	if err := p.handshake(o, thread); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	// From here on a frame is looked at before the next is read, and what
	// outlives it is copied (see ackRef): no allocation per message.
	p.rd.ReuseFrames(true)
	return p, nil
}

func (p *pipeConsumer) handshake(o *consumerOpts, thread int) error {
	hs := []string{"accept-version", "1.0,1.1,1.2", "heart-beat", "0,0", "host", o.host}
	if o.user != "" || o.password != "" {
		hs = append(hs, "login", o.user, "passcode", o.password)
	}
	if o.clientID != "" {
		id := o.clientID
		if o.parallelThreads > 1 {
			id += "-" + strconv.Itoa(thread)
		}
		hs = append(hs, "client-id", id)
	}
	// CONNECT headers are not escaped in any version.
	p.esc = strings.NewReplacer()
	p.frame("CONNECT", hs...)
	if err := p.bw.Flush(); err != nil {
		return fmt.Errorf("connect to %s: %w", o.brokerURL, err)
	}
	f, err := p.next()
	if err != nil {
		return fmt.Errorf("connect to %s: %w", o.brokerURL, err)
	}
	switch f.Command {
	case frame.CONNECTED:
		p.version, _ = f.Get("version")
		if p.version == "" {
			p.version = "1.0"
		}
		p.rd.SetVersion(p.version)
	case frame.ERROR:
		return fmt.Errorf("connect to %s: broker refused: %s", o.brokerURL, errorText(f))
	default:
		return fmt.Errorf("connect to %s: unexpected %s frame", o.brokerURL, f.Command)
	}
	p.esc = headerEscaper(p.version)
	hs = []string{"destination", o.dest, "id", p.subID, "ack", o.ack.String()}
	if o.prefetch >= 0 {
		hs = append(hs, "activemq.prefetchSize", strconv.Itoa(o.prefetch))
	}
	if o.selector != "" {
		hs = append(hs, "selector", o.selector)
	}
	if o.durable && o.isTopic {
		// ActiveMQ's consumer names its durable subscription after the thread.
		hs = append(hs, "activemq.subscriptionName", "consumer-"+strconv.Itoa(thread))
	}
	// No receipt: messages may come before it would. A refused SUBSCRIBE
	// (bad selector, no permission) is an ERROR frame the run then reads.
	p.frame("SUBSCRIBE", hs...)
	if err := p.bw.Flush(); err != nil {
		return fmt.Errorf("subscribe to %s: %w", o.dest, err)
	}
	return nil
}

// frame writes a frame without a body into the write buffer; kv are header
// names and values.
func (p *pipeConsumer) frame(cmd string, kv ...string) {
	p.bw.WriteString(cmd)
	p.bw.WriteByte('\n')
	for i := 0; i+1 < len(kv); i += 2 {
		p.bw.WriteString(kv[i])
		p.bw.WriteByte(':')
		p.bw.WriteString(p.esc.Replace(kv[i+1]))
		p.bw.WriteByte('\n')
	}
	p.bw.WriteString("\n\x00")
}

// flushingReader writes out what is buffered for writing before each read
// from the socket, which may block: acks go out in batches, never late.
//
// It is also how a blocked read learns that the run is over: the thread's
// watcher sets stop and a read deadline in the past; the read that times
// out calls onStop, which (on the reading goroutine, between two reads, so
// the frame being parsed is not disturbed) writes the last acks and
// DISCONNECT, and reading goes on up to DISCONNECT's receipt.
type flushingReader struct {
	nc     net.Conn
	bw     *bufio.Writer
	stop   *atomic.Bool
	onStop func() bool // false once it has run: the timeout then stands
	at     *time.Time  // set to the time each read returns
}

func (r flushingReader) Read(b []byte) (int, error) {
	for {
		if r.bw.Buffered() > 0 {
			if err := r.bw.Flush(); err != nil {
				return 0, err
			}
		}
		n, err := r.nc.Read(b)
		*r.at = time.Now()
		if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) && r.stop.Load() && r.onStop() {
			continue
		}
		return n, err
	}
}

// next returns the next frame, skipping heart-beats.
func (p *pipeConsumer) next() (*frame.Frame, error) {
	for {
		f, err := p.rd.ReadFrame()
		if err != nil {
			return nil, err
		}
		if f != nil {
			return f, nil
		}
	}
}

// errorText is what an ERROR frame says: its message header, else its body.
func errorText(f *frame.Frame) string {
	if msg, _ := f.Get("message"); msg != "" {
		return strings.Clone(msg) // the frame's memory is reused
	}
	if len(f.Body) > 0 {
		return string(f.Body)
	}
	return "(no message)"
}

// header returns the value of the first header named key.
func header(f *frame.Frame, key string) string {
	v, _ := f.Get(key)
	return v
}

// ackRef is what acknowledging a message needs: its ack header (STOMP 1.2)
// and message-id.
type ackRef struct{ id, msgID string }

// refOf returns m's ackRef; clone copies the strings, for a ref that
// outlives the frame (whose memory the reader reuses).
func refOf(m *frame.Frame, clone bool) ackRef {
	ref := ackRef{id: header(m, "ack"), msgID: header(m, "message-id")}
	if clone {
		ref = ackRef{id: strings.Clone(ref.id), msgID: strings.Clone(ref.msgID)}
	}
	return ref
}

// ack acknowledges a message (cumulatively in client mode), inside the open
// transaction if there is one.
func (p *pipeConsumer) ack(m ackRef) {
	var kv []string
	if p.version == "1.2" {
		kv = append(kv, "id", m.id)
	} else {
		kv = append(kv, "message-id", m.msgID, "subscription", p.subID)
	}
	if p.txID != "" {
		kv = append(kv, "transaction", p.txID)
	}
	p.frame("ACK", kv...)
}

// begin opens a transaction if none is open.
func (p *pipeConsumer) begin() {
	if p.txID != "" {
		return
	}
	p.txSeq++
	p.txID = "tx-" + strconv.Itoa(p.txSeq)
	p.frame("BEGIN", "transaction", p.txID)
}

func (p *pipeConsumer) commit() {
	if p.txID == "" {
		return
	}
	p.frame("COMMIT", "transaction", p.txID)
	p.txID = ""
}

// disconnectTimeout bounds the wait for DISCONNECT's receipt (a variable
// for tests).
var disconnectTimeout = connectTimeout

// runPipe is consThread.run for a pipeConsumer.
func (t *consThread) runPipe(ctx context.Context) {
	o, r, p := t.r.o, t.r, t.pipe
	autoAck := o.ack == stomp.AckAuto && !o.transacted
	var (
		last    *ackRef // client ack: counted, not yet acked
		pending int
		closing bool // DISCONNECT sent: reading up to its receipt
	)
	// shutdown acknowledges what was counted (messages delivered after it
	// go back to the broker when the connection closes) and disconnects.
	shutdown := func() {
		if closing {
			p.nc.SetReadDeadline(time.Now().Add(disconnectTimeout))
			return
		}
		closing = true
		if last != nil {
			if o.transacted {
				p.begin()
			}
			p.ack(*last)
		}
		if o.transacted {
			p.commit()
		}
		p.frame("DISCONNECT", "receipt", "bye")
		p.nc.SetReadDeadline(time.Now().Add(disconnectTimeout))
	}
	p.onStop = shutdown
	// A read blocked while the run ends (queue total reached, idleness,
	// interrupt) is woken through the read deadline.
	quit := make(chan struct{})
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		select {
		case <-r.doneC:
		case <-r.idleC:
		case <-ctx.Done():
		case <-quit:
			return
		}
		p.stop.Store(true)
		p.nc.SetReadDeadline(time.Now())
	}()
	defer func() {
		close(quit)
		<-watcher
		p.nc.Close()
	}()
	if !r.global && o.messageCount <= 0 {
		shutdown()
	}
	for {
		f, err := p.next()
		if err != nil {
			r.finish()
			t.err = fmt.Errorf("connection lost: %w", err)
			if closing {
				t.err = fmt.Errorf("disconnect: %w", err)
			}
			return
		}
		switch f.Command {
		case frame.ERROR:
			r.finish()
			t.err = &brokerError{msg: errorText(f)}
			return
		case frame.RECEIPT:
			if closing && header(f, "receipt-id") == "bye" {
				return
			}
			continue
		case frame.MESSAGE:
		default:
			continue
		}
		if closing {
			// Acked on dispatch: the broker counts it consumed, so do we.
			if autoAck {
				t.countAt(p.readAt, header(f, stampHeader), len(f.Body))
				r.total.Add(1)
			}
			continue
		}
		t.countAt(p.readAt, header(f, stampHeader), len(f.Body))
		switch o.ack {
		case stomp.AckClientIndividual:
			if o.transacted {
				p.begin()
			}
			p.ack(refOf(f, false))
			if pending++; o.transacted && pending >= o.batchSize {
				p.commit()
				pending = 0
			}
		case stomp.AckClient:
			if pending++; pending >= o.batchSize {
				if o.transacted {
					p.begin()
				}
				p.ack(refOf(f, false))
				p.commit()
				last, pending = nil, 0
			} else {
				ref := refOf(f, true)
				last = &ref
			}
		}
		r.counted()
		if o.sleepMs > 0 {
			if err := p.bw.Flush(); err != nil {
				r.finish()
				t.err = fmt.Errorf("connection lost: %w", err)
				return
			}
			select {
			case <-time.After(time.Duration(o.sleepMs) * time.Millisecond):
			case <-r.doneC:
			case <-ctx.Done():
			}
		}
		if (!r.global && t.n >= int64(o.messageCount)) || p.stop.Load() || isClosed(r.doneC) {
			shutdown()
		}
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
