package openwire

import (
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"amq/broker"
	"amq/internal/accept"
	"amq/internal/openwire/wire"
)

// outItem is one thing queued for the writer: a delivery to encode, a
// command to marshal, or the order to close once everything before it is
// written.
type outItem struct {
	d     *broker.Delivery
	k     *consumer
	cmd   wire.Command
	close bool
}

type conn struct {
	s   *Server
	nc  net.Conn
	rd  *wire.Reader
	dr  *deadlineReader
	log *slog.Logger

	// Reader goroutine only.
	bc         *broker.Conn
	bcClosed   bool // RemoveInfo(connection) closed bc
	wireConnID *wire.ConnectionId
	consumers  map[wire.ConsumerId]*consumer
	producers  map[wire.ProducerId]*producer
	pending    sync.WaitGroup // sends and commits awaiting the broker
	sendSem    chan struct{}
	// rollbackOnly holds the local transactions in which a send the
	// client did not wait for failed, with the first failure: their
	// commit must fail.
	rollbackOnly map[string]error

	// clientConnID is the client's connection id; guarded by Server.mu.
	clientConnID string

	outMu sync.Mutex
	out   []outItem
	// codec and keepAlive are set by the reader after negotiation and read
	// by the writer together with the queue.
	codec     wire.Codec
	keepAlive time.Duration

	outWake  chan struct{}
	quit     chan struct{} // closed by shutdown
	once     sync.Once
	done     chan struct{} // closed when the writer exits
	finished chan struct{} // closed once the reader has cleaned up
}

type producer struct {
	id     wire.ProducerId
	wid    *wire.ProducerId
	dest   broker.Destination
	window bool // the client counts sent bytes and waits for ProducerAcks
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		s:         s,
		nc:        nc,
		log:       s.log.With("remote", nc.RemoteAddr().String()),
		consumers: map[wire.ConsumerId]*consumer{},
		producers: map[wire.ProducerId]*producer{},
		sendSem:   make(chan struct{}, s.opts.MaxPendingSends),
		outWake:   make(chan struct{}, 1),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
		finished:  make(chan struct{}),
	}
	c.dr = &deadlineReader{nc: nc}
	c.rd = wire.NewReader(c.dr, s.opts.MaxFrameSize)
	return c
}

func (c *conn) enqueue(it outItem) {
	c.outMu.Lock()
	c.out = append(c.out, it)
	c.outMu.Unlock()
	select {
	case c.outWake <- struct{}{}:
	default:
	}
}

// send queues a command for the client.
func (c *conn) send(cmd wire.Command) { c.enqueue(outItem{cmd: cmd}) }

// answer queues the reply to a command that asked for one.
func (c *conn) answer(commandID int32, err error) {
	if err != nil {
		c.send(&wire.ExceptionResponse{CorrelationID: commandID, Exception: throwableFor(err)})
		return
	}
	c.send(&wire.Response{CorrelationID: commandID})
}

// shutdown closes the socket; both loops then end.
func (c *conn) shutdown() {
	c.once.Do(func() {
		close(c.quit)
		c.nc.Close()
	})
}

// deadlineReader refreshes the read deadline as bytes arrive, so a client
// is judged on silence, not on how long a large frame takes.
type deadlineReader struct {
	nc      net.Conn
	timeout time.Duration
	grace   time.Time // silence before this does not count
	last    time.Time
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	if r.timeout > 0 {
		now := time.Now()
		// Refreshing on every read costs a timer reset; a quarter of the
		// window is precise enough.
		if now.Sub(r.last) > r.timeout/4 {
			from := now
			if r.grace.After(now) {
				from = r.grace
			}
			r.nc.SetReadDeadline(from.Add(r.timeout))
			r.last = now
		}
	}
	return r.nc.Read(p)
}

// set starts inactivity monitoring: silence longer than timeout, counted
// from the end of the initial delay, closes the connection.
func (r *deadlineReader) set(initialDelay, timeout time.Duration) {
	r.timeout = timeout
	r.last = time.Time{}
	if timeout <= 0 {
		r.nc.SetReadDeadline(time.Time{})
		return
	}
	r.grace = time.Now().Add(initialDelay)
	r.nc.SetReadDeadline(r.grace.Add(timeout))
	r.last = time.Now()
}

func (c *conn) readLoop() {
	defer c.s.conns.Done()
	defer c.finish()
	if !c.handshake() {
		return
	}
	for {
		body, err := c.rd.ReadFrame()
		if err != nil {
			c.readFailed(err)
			return
		}
		var cmd wire.Command
		var f *sentFrame
		codec := c.rd.Codec()
		if wire.IsMessageType(body[0]) {
			var m *wire.Message
			var lay wire.MessageLayout
			m, lay, err = codec.DecodeMessage(body)
			if err == nil {
				cmd = m
				f = &sentFrame{body: body, lay: lay, bodyType: m.DataType()}
			}
		} else {
			cmd, err = codec.Unmarshal(body)
		}
		if err != nil {
			c.log.Warn("closing connection: cannot decode frame", "type", body[0], "size", len(body), "err", err)
			return
		}
		if c.handle(cmd, f) {
			return
		}
	}
}

// handshake sends our WireFormatInfo, reads the client's and settles the
// wire format; it reports whether the connection may go on.
func (c *conn) handshake() bool {
	o := &c.s.opts
	ours := wire.NewBrokerWireFormatInfo(o.MaxFrameSize, o.MaxInactivityDuration.Milliseconds(), o.InactivityInitialDelay.Milliseconds())
	c.send(ours)
	c.nc.SetReadDeadline(time.Now().Add(o.HandshakeTimeout))
	body, err := c.rd.ReadFrame()
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.log.Warn("closing connection: no WireFormatInfo received in time", "timeout", o.HandshakeTimeout)
			return false
		}
		c.readFailed(err)
		return false
	}
	if body[0] != wire.TypeWireFormatInfo {
		c.log.Warn("closing connection: the first frame is not a WireFormatInfo (not an OpenWire client?)", "type", body[0])
		return false
	}
	cmd, err := wire.Codec{}.Unmarshal(body)
	if err != nil {
		c.log.Warn("closing connection: malformed WireFormatInfo", "err", err)
		return false
	}
	theirs := cmd.(*wire.WireFormatInfo)
	st, err := wire.Negotiate(ours, theirs)
	if err != nil {
		c.log.Error("refusing OpenWire client: cannot settle the wire format", "err", err,
			"clientVersion", theirs.Version, "tightEncoding", st.PeerTightEncodingEnabled,
			"sizePrefixDisabled", st.PeerSizePrefixDisabled)
		return false
	}
	codec := st.Codec()
	rcodec := codec
	rcodec.Strings = wire.NewStrings() // the reader's alone
	c.rd.SetCodec(rcodec)
	c.rd.SetMaxFrameSize(st.MaxFrameSize)
	inactivity := time.Duration(st.MaxInactivityDuration) * time.Millisecond
	initial := time.Duration(st.MaxInactivityDurationInitialDelay) * time.Millisecond
	c.outMu.Lock()
	c.codec = codec
	c.keepAlive = inactivity / 3
	c.outMu.Unlock()
	c.dr.set(initial, inactivity)
	b := c.s.opts.Broker
	c.send(&wire.BrokerInfo{
		BrokerID:   &wire.BrokerId{Value: b.ID()},
		BrokerURL:  wire.Str(c.scheme() + "://" + c.nc.LocalAddr().String()),
		BrokerName: wire.Str(b.Name()),
	})
	c.log.Debug("wire format settled", "version", st.Version, "maxFrameSize", st.MaxFrameSize,
		"maxInactivity", inactivity, "initialDelay", initial)
	return true
}

func (c *conn) scheme() string {
	if _, ok := c.nc.(*tls.Conn); ok {
		return "ssl"
	}
	return "tcp"
}

func (c *conn) readFailed(err error) {
	var fe *wire.FrameSizeError
	var ne net.Error
	switch {
	case errors.As(err, &fe):
		c.log.Warn("closing connection: frame size out of bounds", "size", fe.Size, "max", fe.Max)
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	case errors.Is(err, io.ErrUnexpectedEOF):
		c.log.Debug("connection closed inside a frame")
	case errors.As(err, &ne) && ne.Timeout():
		c.log.Warn("closing connection: nothing received from the client within the inactivity timeout", "timeout", c.dr.timeout)
	default:
		select {
		case <-c.quit:
		default:
			c.log.Debug("read failed", "err", err)
		}
	}
}

// finish runs when the reader ends: flush what is queued, close the socket,
// then leave the broker (unacked messages go back to their queues).
func (c *conn) finish() {
	for _, k := range c.consumers {
		k.stopPull()
	}
	// Let the store finish pending sends and acks so their receipts go out,
	// but not past a server shutdown (flow control may park a send).
	accept.Wait(&c.pending, c.quit)
	c.enqueue(outItem{close: true})
	select {
	case <-c.done:
	case <-time.After(c.s.opts.WriteTimeout):
	}
	c.shutdown()
	for _, k := range c.consumers {
		k.closed.Store(true)
	}
	if c.bc != nil {
		c.bc.Close()
		c.log.Info("connection closed", "connection", c.clientConnIDForLog())
	}
	close(c.finished)
	c.s.forget(c)
}

func (c *conn) clientConnIDForLog() string {
	if c.wireConnID != nil {
		return c.wireConnID.Value
	}
	return ""
}

// consumer is one JMS consumer of the connection.
type consumer struct {
	c     *conn
	id    wire.ConsumerId
	wid   *wire.ConsumerId
	dest  broker.Destination
	wdest *wire.Destination
	// bcons is set by the reader once Subscribe returns; browsers have none.
	bcons    *broker.Consumer
	browser  bool
	prefetch int

	closed    atomic.Bool
	delivered atomic.Uint64 // deliveries handed over by the broker

	// sent lists the ids of messages dispatched and perhaps not yet acked,
	// in dispatch order, so a poison ack can name a range.
	logMu    sync.Mutex
	sent     []string // sent[head:] are live
	head     int
	logLimit int // reader only: prune beyond this many live ids

	pullMu    sync.Mutex
	pullGen   uint64
	pullTimer *time.Timer
}

// Deliver queues a delivery for the writer. It runs under the
// destination's lock: no I/O, no blocking.
func (k *consumer) Deliver(d *broker.Delivery) {
	k.delivered.Add(1)
	k.logMu.Lock()
	k.sent = append(k.sent, d.Msg.ID)
	k.logMu.Unlock()
	k.c.enqueue(outItem{d: d, k: k})
}

// Aborted tells the client that the broker closed the consumer (slow
// consumer), as ActiveMQ does with a ConsumerControl.
func (k *consumer) Aborted(reason string) {
	k.closed.Store(true)
	k.c.log.Warn("consumer aborted by the broker", "consumer", k.id.String(), "reason", reason)
	k.c.send(&wire.ConsumerControl{ConsumerID: k.wid, Destination: k.wdest, Close: true})
}

func (k *consumer) stopPull() {
	k.pullMu.Lock()
	k.pullGen++
	if k.pullTimer != nil {
		k.pullTimer.Stop()
		k.pullTimer = nil
	}
	k.pullMu.Unlock()
}

// nullDispatch tells the client there is nothing (more): the end of a
// browse or a pull that timed out.
func (k *consumer) nullDispatch() {
	k.c.send(&wire.MessageDispatch{ConsumerID: k.wid, Destination: k.wdest})
}
