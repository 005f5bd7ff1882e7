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
	"time"

	"github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"
)

// pipeConsumer is a consumer connection by default. One goroutine reads the
// MESSAGE frames with go-stomp's frame reader and writes the ACKs, BEGINs
// and COMMITs into one buffered writer, flushed whenever nothing more is
// waiting to be read: no goroutines and channels between the socket and the
// count, so the consumer costs the machine as little as it can, and acks
// coalesce into few writes.
type pipeConsumer struct {
	nc      net.Conn
	br      *bufio.Reader
	rd      *frame.Reader
	bw      *bufio.Writer
	version string
	esc     *strings.Replacer
	subID   string
	txSeq   int
	txID    string
}

// connectPipeConsumer dials, performs the handshake and subscribes.
func connectPipeConsumer(ctx context.Context, o *consumerOpts, thread int) (*pipeConsumer, error) {
	nc, err := dial(ctx, &o.commonOpts)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(nc, pipeBufSize)
	p := &pipeConsumer{
		nc:    nc,
		br:    br,
		rd:    frame.NewReaderSize(br, pipeBufSize),
		bw:    bufio.NewWriterSize(nc, pipeBufSize),
		subID: "1",
	}
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
		p.version = f.Header.Get(frame.Version)
		if p.version == "" {
			p.version = "1.0"
		}
	case frame.ERROR:
		return fmt.Errorf("connect to %s: broker refused: %s", o.brokerURL, brokerMessage(f))
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

// next returns the next frame, skipping heart-beats. Before it may block,
// whatever is buffered for writing goes out.
func (p *pipeConsumer) next() (*frame.Frame, error) {
	for {
		if p.br.Buffered() == 0 && p.bw.Buffered() > 0 {
			if err := p.bw.Flush(); err != nil {
				return nil, err
			}
		}
		f, err := p.rd.Read()
		if err != nil {
			return nil, err
		}
		if f != nil {
			return f, nil
		}
	}
}

// ack acknowledges m (cumulatively in client mode), inside the open
// transaction if there is one.
func (p *pipeConsumer) ack(m *frame.Frame) {
	var kv []string
	if p.version == "1.2" {
		kv = append(kv, "id", m.Header.Get(frame.Ack))
	} else {
		kv = append(kv, "message-id", m.Header.Get(frame.MessageId), "subscription", p.subID)
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

// runPipe is consThread.run for a pipeConsumer.
func (t *consThread) runPipe(ctx context.Context) {
	o, r, p := t.r.o, t.r, t.pipe
	autoAck := o.ack == stomp.AckAuto && !o.transacted
	// The reads block; the end of the run, idleness and ctx interrupt them
	// through the read deadline.
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-r.doneC:
		case <-r.idleC:
		case <-ctx.Done():
		case <-stop:
			return
		}
		p.nc.SetReadDeadline(time.Now())
	}()
	var (
		last    *frame.Frame // client ack: counted, not yet acked
		pending int
		err     error
	)
	for r.global || t.n < int64(o.messageCount) {
		var f *frame.Frame
		f, err = p.next()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = nil
			} else {
				err = fmt.Errorf("connection lost: %w", err)
			}
			break
		}
		if f.Command == frame.ERROR {
			err = &brokerError{msg: brokerMessage(f)}
			break
		}
		if f.Command != frame.MESSAGE {
			continue
		}
		t.count(f.Header.Get(stampHeader), len(f.Body))
		switch o.ack {
		case stomp.AckClientIndividual:
			if o.transacted {
				p.begin()
			}
			p.ack(f)
			if pending++; o.transacted && pending >= o.batchSize {
				p.commit()
				pending = 0
			}
		case stomp.AckClient:
			last = f
			if pending++; pending >= o.batchSize {
				if o.transacted {
					p.begin()
				}
				p.ack(f)
				p.commit()
				last, pending = nil, 0
			}
		}
		if r.global && r.total.Add(1) >= r.target {
			r.finish()
		} else if !r.global {
			r.total.Add(1)
		}
		if o.sleepMs > 0 {
			if err = p.bw.Flush(); err != nil {
				break
			}
			select {
			case <-time.After(time.Duration(o.sleepMs) * time.Millisecond):
			case <-r.doneC:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(stop)
	<-stopped
	if err != nil {
		r.finish()
		p.nc.Close()
		t.err = err
		return
	}
	p.nc.SetReadDeadline(time.Time{})
	// Acknowledge what was counted; messages delivered after it go back to
	// the broker when the connection closes.
	if last != nil {
		if o.transacted {
			p.begin()
		}
		p.ack(last)
	}
	if o.transacted {
		p.commit()
	}
	t.err = t.disconnectPipe(autoAck)
}

// disconnectPipe sends DISCONNECT and reads up to its receipt. Messages
// that arrive meanwhile on an auto-ack subscription were acked on dispatch:
// the broker counts them consumed, so they are counted here too.
func (t *consThread) disconnectPipe(autoAck bool) error {
	p := t.pipe
	defer p.nc.Close()
	p.nc.SetDeadline(time.Now().Add(connectTimeout))
	p.frame("DISCONNECT", "receipt", "bye")
	if err := p.bw.Flush(); err != nil {
		return fmt.Errorf("disconnect: %w", err)
	}
	for {
		f, err := p.next()
		if err != nil {
			return fmt.Errorf("disconnect: %w", err)
		}
		switch f.Command {
		case frame.RECEIPT:
			if f.Header.Get(frame.ReceiptId) == "bye" {
				return nil
			}
		case frame.ERROR:
			return &brokerError{msg: brokerMessage(f)}
		case frame.MESSAGE:
			if autoAck {
				t.count(f.Header.Get(stampHeader), len(f.Body))
				t.r.total.Add(1)
			}
		}
	}
}
