package stomp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"amq/broker"
	"amq/broker/selector"
	"amq/internal/accept"
	"amq/internal/stomp/frame"
)

// outItem is one thing queued for the writer: a delivery to encode, or
// bytes already encoded (receipts, errors).
type outItem struct {
	d     *broker.Delivery
	sub   *subscription
	raw   []byte
	close bool // close the connection once this is written
}

type conn struct {
	s   *Server
	nc  net.Conn
	rd  *frame.Reader
	dr  *deadlineReader
	log interface {
		Info(string, ...any)
		Warn(string, ...any)
		Debug(string, ...any)
	}

	// Set by CONNECT, read by the writer after connected is set.
	version   string
	enc       frame.Encoder
	bc        *broker.Conn
	connected atomic.Bool
	writeHB   time.Duration // heart-beat interval we write

	// Reader goroutine only.
	subs       map[string]*subscription
	subsByTag  map[string]*subscription // by ackTag
	subSeq     int
	tempDest   map[string]broker.Destination // /temp-queue/name -> broker temp destination
	pending    sync.WaitGroup                // sends awaiting the store
	sendBudget budget

	// tempNames maps a broker temp destination back to this connection's
	// STOMP name; read by the writer.
	tempMu    sync.RWMutex
	tempNames map[broker.Destination]string

	outMu      sync.Mutex
	out        []outItem
	writing    bool // a writer goroutine is running (it may be parking)
	writerDone bool // the writer has ended for good: none starts again
	outWake    chan struct{}
	quit       chan struct{}
	once       sync.Once
	done       chan struct{} // closed when the writer has ended for good
}

type subscription struct {
	id       string
	dest     broker.Destination
	destName string // as the client named it
	msgDest  string // the destination header of its MESSAGE frames (writer only)
	ack      string // auto, client, client-individual
	cons     *broker.Consumer
	c        *conn
	durable  string
	// ackTag ends the ack header of its 1.2 MESSAGE frames: two
	// subscriptions of a connection may receive the same message (one
	// topic, or overlapping wildcards) under the same message-id, and an
	// ACK names the copy by its ack header alone. ActiveMQ gives every
	// delivery its own ack id for the same reason.
	ackTag string
	// holding is set while a SUBSCRIBE with a receipt is being set up:
	// deliveries made meanwhile wait in held (guarded by c.outMu) so that
	// the RECEIPT goes out first, as ActiveMQ holds dispatch until it has
	// sent the receipt.
	holding atomic.Bool
	held    []outItem
}

// Deliver queues a delivery for the writer. It runs under the destination's
// lock: no I/O, no blocking.
func (s *subscription) Deliver(d *broker.Delivery) {
	it := outItem{d: d, sub: s}
	if s.holding.Load() {
		s.c.outMu.Lock()
		if s.holding.Load() {
			s.held = append(s.held, it)
			s.c.outMu.Unlock()
			return
		}
		s.c.outMu.Unlock()
	}
	s.c.enqueue(it)
}

// release ends holding: first raw (the receipt, if any), then the
// deliveries held, go to the writer in that order.
func (s *subscription) release(raw []byte) {
	c := s.c
	c.outMu.Lock()
	if raw != nil {
		c.out = append(c.out, outItem{raw: raw})
	}
	c.out = append(c.out, s.held...)
	s.held = nil
	s.holding.Store(false)
	c.wakeWriter()
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		s:         s,
		nc:        nc,
		log:       s.log.With("remote", nc.RemoteAddr().String()),
		subs:      map[string]*subscription{},
		subsByTag: map[string]*subscription{},
		tempDest:  map[string]broker.Destination{},
		tempNames: map[broker.Destination]string{},
		outWake:   make(chan struct{}, 1),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),

		version: frame.V10,
	}
	c.dr = &deadlineReader{nc: nc}
	c.rd = frame.NewReader(c.dr, s.opts.Limits)
	return c
}

func (c *conn) enqueue(it outItem) {
	c.outMu.Lock()
	c.out = append(c.out, it)
	c.wakeWriter()
}

// wakeWriter starts a writer, or wakes the running one, for what is queued
// in c.out. It is called with c.outMu held and releases it.
func (c *conn) wakeWriter() {
	start := !c.writing && !c.writerDone
	if start {
		c.writing = true
	}
	c.outMu.Unlock()
	if start {
		go c.writeLoop()
		return
	}
	select {
	case c.outWake <- struct{}{}:
	default:
	}
}

// shutdown closes the socket; the reader and any running writer then end.
func (c *conn) shutdown() {
	c.once.Do(func() {
		close(c.quit)
		c.sendBudget.close()
		c.nc.Close()
		c.endWriter(false)
	})
}

// deadlineReader refreshes the read deadline as bytes arrive, so a client
// is judged on silence, not on how long a large frame takes.
type deadlineReader struct {
	nc      net.Conn
	timeout time.Duration
	last    time.Time
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	if r.timeout > 0 {
		now := time.Now()
		// Refreshing on every read costs a timer reset; a quarter of the
		// window is precise enough.
		if now.Sub(r.last) > r.timeout/4 {
			r.nc.SetReadDeadline(now.Add(r.timeout))
			r.last = now
		}
	}
	return r.nc.Read(p)
}

func (r *deadlineReader) set(d time.Duration) {
	r.timeout = d
	r.last = time.Time{}
	if d <= 0 {
		r.nc.SetReadDeadline(time.Time{})
	}
}

// stompError is an error to report in an ERROR frame; fatal ones close.
type stompError struct {
	msg    string
	detail string
	fatal  bool
}

func (e *stompError) Error() string { return e.msg }

func errf(format string, a ...any) *stompError { return &stompError{msg: fmt.Sprintf(format, a...)} }
func fatalf(format string, a ...any) *stompError {
	return &stompError{msg: fmt.Sprintf(format, a...), fatal: true}
}

func (c *conn) readLoop() {
	defer c.s.conns.Done()
	defer c.finish()
	c.dr.set(c.s.opts.ConnectTimeout)
	for {
		f, err := c.rd.ReadFrame()
		if err != nil {
			c.readFailed(err)
			return
		}
		if f == nil {
			continue // heart-beat
		}
		if err := c.handle(f); err != nil {
			var se *stompError
			if !errors.As(err, &se) {
				se = &stompError{msg: err.Error()}
			}
			c.sendError(se, f)
			if se.fatal {
				return
			}
		}
		if f.Command == frame.DISCONNECT {
			return
		}
	}
}

func (c *conn) readFailed(err error) {
	var le *frame.LimitError
	var pe *frame.ProtocolError
	switch {
	case errors.As(err, &le):
		c.log.Warn("closing connection: frame over limit", "err", err)
		c.sendError(&stompError{msg: le.Error(), fatal: true}, nil)
	case errors.As(err, &pe):
		c.log.Warn("closing connection: malformed frame", "err", err)
		c.sendError(&stompError{msg: pe.Error(), fatal: true}, nil)
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	default:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if !c.connected.Load() {
				c.log.Warn("closing connection: no CONNECT received in time", "timeout", c.s.opts.ConnectTimeout)
			} else {
				c.log.Warn("closing connection: no data or heart-beat from client in time", "timeout", c.dr.timeout)
			}
			return
		}
		c.log.Debug("read failed", "err", err)
	}
}

// finish runs when the reader ends: flush what is queued, then close.
func (c *conn) finish() {
	// Let the store finish pending sends and acks so their receipts go out,
	// but not past a server shutdown (flow control may park a send).
	accept.Wait(&c.pending, c.quit)
	c.enqueue(outItem{close: true})
	select {
	case <-c.done:
	case <-time.After(c.s.opts.WriteTimeout):
	}
	c.shutdown()
	if c.bc != nil {
		c.bc.Close()
		c.log.Info("connection closed", "connection", c.bc.ConnectionID())
	}
	c.s.forget(c)
}

func (c *conn) sendError(se *stompError, f *frame.Frame) {
	var b []byte
	e := frame.Encoder{} // ERROR headers are plain text; escape as the version requires
	if c.connected.Load() {
		e = c.enc
	}
	b = e.AppendCommand(b, frame.ERROR)
	b = e.AppendHeader(b, "content-type", "text/plain")
	b = e.AppendHeader(b, "message", oneLine(se.msg))
	if f != nil {
		if r, ok := f.Get("receipt"); ok {
			b = e.AppendHeader(b, "receipt-id", r)
		}
	}
	body := se.detail
	if body == "" {
		body = se.msg
	}
	b = e.AppendHeaderInt(b, frame.HeaderContentLength, int64(len(body)))
	b = e.AppendBody(b, []byte(body))
	c.enqueue(outItem{raw: b, close: se.fatal})
	if se.fatal {
		c.log.Info("closing connection after error", "reason", se.msg)
	}
}

func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

func (c *conn) receipt(f *frame.Frame) {
	r, ok := f.Get("receipt")
	if !ok {
		return
	}
	c.sendReceipt(r, false)
}

func (c *conn) sendReceipt(id string, closeAfter bool) {
	c.enqueue(outItem{raw: c.receiptFrame(id), close: closeAfter})
}

func (c *conn) receiptFrame(id string) []byte {
	var b []byte
	b = c.enc.AppendCommand(b, frame.RECEIPT)
	b = c.enc.AppendHeader(b, "receipt-id", id)
	return c.enc.AppendBody(b, nil)
}

func (c *conn) handle(f *frame.Frame) error {
	if !c.connected.Load() {
		switch f.Command {
		case frame.CONNECT, frame.STOMP:
			return c.onConnect(f)
		default:
			return fatalf("Not connected")
		}
	}
	switch f.Command {
	case frame.SEND:
		return c.onSend(f)
	case frame.SUBSCRIBE:
		return c.onSubscribe(f)
	case frame.UNSUBSCRIBE:
		return c.onUnsubscribe(f)
	case frame.ACK:
		return c.onAck(f, false)
	case frame.NACK:
		return c.onAck(f, true)
	case frame.BEGIN:
		return c.onBegin(f)
	case frame.COMMIT:
		return c.onCommit(f)
	case frame.ABORT:
		return c.onAbort(f)
	case frame.DISCONNECT:
		c.pending.Wait()
		// Leave the broker before the receipt, so a client that reconnects
		// at once with the same client-id is not refused.
		c.bc.Close()
		if r, ok := f.Get("receipt"); ok {
			c.sendReceipt(r, true)
		}
		return nil
	case frame.CONNECT, frame.STOMP:
		return fatalf("Already connected")
	default:
		return fatalf("Unknown STOMP action: %s", f.Command)
	}
}

func (c *conn) onConnect(f *frame.Frame) error {
	av, _ := f.Get("accept-version")
	ver, err := frame.NegotiateVersion(av)
	if err != nil {
		return &stompError{msg: err.Error(), fatal: true}
	}
	cx, cy := c.s.opts.DefaultHeartBeat[0], c.s.opts.DefaultHeartBeat[1]
	if hb, ok := f.Get("heart-beat"); ok {
		if cx, cy, err = frame.ParseHeartBeat(hb); err != nil {
			return &stompError{msg: err.Error(), fatal: true}
		}
	}
	login, _ := f.Get("login")
	passcode, _ := f.Get("passcode")
	var user *broker.User
	if a := c.s.opts.Auth; a != nil {
		var cs *tls.ConnectionState
		if tc, ok := c.nc.(interface{ ConnectionState() tls.ConnectionState }); ok {
			st := tc.ConnectionState()
			cs = &st
		}
		u, err := a.Authenticate(login, passcode, cs)
		if err != nil {
			c.log.Warn("authentication failed", "user", login, "err", err)
			return &stompError{msg: "User name [" + login + "] or password is invalid.", detail: err.Error(), fatal: true}
		}
		user = u
	} else if login != "" {
		user = &broker.User{Name: login}
	}
	clientID, _ := f.Get("client-id")
	bc, err := c.s.opts.Broker.Connect(broker.ConnInfo{ClientID: clientID, User: user, Protocol: "stomp", RemoteAddr: c.nc.RemoteAddr().String()})
	if err != nil {
		return &stompError{msg: err.Error(), fatal: true}
	}
	c.bc = bc
	bc.SetAbortHandler(func(reason string) {
		c.sendError(&stompError{msg: "Connection aborted by the broker: " + reason, fatal: true}, nil)
	})
	c.version = ver
	c.enc = frame.NewEncoder(ver)
	// Heart-beats: the client sends every cx and wants one every cy. We
	// write every cy and expect a read within cx times the grace.
	if cy > 0 && ver != frame.V10 {
		c.writeHB = time.Duration(cy) * time.Millisecond
	}
	readTO := time.Duration(0)
	if cx > 0 && ver != frame.V10 {
		readTO = time.Duration(float64(cx)*c.s.opts.HeartBeatGrace) * time.Millisecond
	}
	c.dr.set(readTO)
	c.rd.SetVersion(ver)
	session := clientID
	if session == "" {
		session = bc.ConnectionID()
	}
	var b []byte
	e := frame.Encoder{} // CONNECTED is never escaped
	b = e.AppendCommand(b, frame.CONNECTED)
	b = e.AppendHeader(b, "server", "ActiveMQ/"+broker.Version)
	b = e.AppendHeader(b, "heart-beat", strconv.Itoa(cy)+","+strconv.Itoa(cx))
	b = e.AppendHeader(b, "session", session)
	b = e.AppendHeader(b, "version", ver)
	b = e.AppendBody(b, nil)
	c.connected.Store(true)
	c.enqueue(outItem{raw: b})
	c.log.Info("connection opened", "connection", bc.ConnectionID(), "version", ver, "user", login, "clientID", clientID)
	return nil
}

// parseDest maps a STOMP destination name onto the broker's.
func (c *conn) parseDest(name string) (broker.Destination, error) {
	switch {
	case strings.Contains(name, ",") && !strings.HasPrefix(name, "/remote-temp-") && !strings.HasPrefix(name, "/temp-"):
		return c.parseComposite(name)
	case strings.HasPrefix(name, "/queue/"):
		return broker.QueueDest(name[len("/queue/"):]), nonEmpty(name, len("/queue/"))
	case strings.HasPrefix(name, "/topic/"):
		return broker.TopicDest(name[len("/topic/"):]), nonEmpty(name, len("/topic/"))
	case strings.HasPrefix(name, "/temp-queue/"), strings.HasPrefix(name, "/temp-topic/"):
		return c.tempFor(name)
	case strings.HasPrefix(name, "/remote-temp-queue/"):
		return broker.Destination{Kind: broker.TempQueue, Name: name[len("/remote-temp-queue/"):]}, nonEmpty(name, len("/remote-temp-queue/"))
	case strings.HasPrefix(name, "/remote-temp-topic/"):
		return broker.Destination{Kind: broker.TempTopic, Name: name[len("/remote-temp-topic/"):]}, nonEmpty(name, len("/remote-temp-topic/"))
	case strings.HasPrefix(name, "queue://"), strings.HasPrefix(name, "topic://"):
		return broker.ParseDestination(name)
	case name == "":
		return broker.Destination{}, errors.New("empty destination")
	}
	// No prefix: ActiveMQ treats the name as a queue.
	return broker.QueueDest(strings.TrimPrefix(name, "/")), nil
}

// parseComposite reads a comma list; each member may carry its own prefix
// (a bare member takes the kind of the one before it), the first decides
// the composite's kind.
func (c *conn) parseComposite(name string) (broker.Destination, error) {
	var kind broker.DestKind
	prev := broker.Queue
	var names []string
	for _, p := range strings.Split(name, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		var d broker.Destination
		if strings.HasPrefix(p, "/") || strings.Contains(p, "://") {
			var err error
			if d, err = c.parseDest(p); err != nil {
				return broker.Destination{}, err
			}
		} else {
			d = broker.Destination{Kind: prev, Name: p}
		}
		prev = d.Kind
		if kind == 0 {
			kind = d.Kind
		}
		if d.Kind != kind {
			names = append(names, d.String())
		} else {
			names = append(names, d.Name)
		}
	}
	if kind == 0 {
		return broker.Destination{}, errors.New("empty destination")
	}
	return broker.Destination{Kind: kind, Name: strings.Join(names, ",")}, nil
}

func nonEmpty(name string, prefix int) error {
	if len(name) == prefix {
		return fmt.Errorf("destination %q has an empty name", name)
	}
	return nil
}

// tempFor returns this connection's temporary destination for a
// /temp-queue/x or /temp-topic/x name, creating it on first use.
func (c *conn) tempFor(name string) (broker.Destination, error) {
	if d, ok := c.tempDest[name]; ok {
		if c.s.opts.Broker.IsTempLive(d) {
			return d, nil
		}
	}
	kind := broker.TempQueue
	if strings.HasPrefix(name, "/temp-topic/") {
		kind = broker.TempTopic
	}
	d, err := c.bc.CreateTemp(kind)
	if err != nil {
		return d, err
	}
	c.tempDest[name] = d
	c.tempMu.Lock()
	c.tempNames[d] = name
	c.tempMu.Unlock()
	return d, nil
}

// destName renders a broker destination for this client.
func (c *conn) destName(d broker.Destination) string {
	switch d.Kind {
	case broker.Queue:
		return "/queue/" + d.Name
	case broker.Topic:
		return "/topic/" + d.Name
	case broker.TempQueue, broker.TempTopic:
		c.tempMu.RLock()
		n, ok := c.tempNames[d]
		c.tempMu.RUnlock()
		if ok {
			return n
		}
		if d.Kind == broker.TempQueue {
			return "/remote-temp-queue/" + d.Name
		}
		return "/remote-temp-topic/" + d.Name
	}
	return ""
}

func (c *conn) txFor(f *frame.Frame) (*broker.Tx, error) {
	id, ok := f.Get("transaction")
	if !ok {
		return nil, nil
	}
	tx, err := c.bc.Tx(id)
	if err != nil {
		return nil, errf("Invalid transaction id: %s", id)
	}
	return tx, nil
}

// Headers SEND consumes or strips instead of turning into properties.
var sendHeaders = map[string]bool{
	"destination": true, "persistent": true, "priority": true, "expires": true, "type": true,
	"correlation-id": true, "reply-to": true, "JMSXGroupID": true, "JMSXGroupSeq": true,
	"transaction": true, "transformation": true, "receipt": true, "message-id": true,
	"redelivered": true, "subscription": true, "JMSXUserID": true, "content-length": true,
	"timestamp": true, "ack": true, "JMSXDeliveryCount": true,
}

func (c *conn) onSend(f *frame.Frame) error {
	dn, ok := f.Get("destination")
	if !ok || dn == "" {
		return errf("SEND received without a Destination specified!")
	}
	dest, err := c.parseDest(dn)
	if err != nil {
		return errf("%v", err)
	}
	m := &broker.Message{Dest: dest, Priority: 4, Body: f.Body, BodyKind: broker.BodyText}
	if _, ok := f.Get(frame.HeaderContentLength); ok {
		m.BodyKind = broker.BodyBytes
	}
	for i, h := range f.Headers {
		// A repeated header counts at its first occurrence only (STOMP 1.2;
		// ActiveMQ keeps the first of each name): a later persistent:false
		// must not undo persistent:true.
		if hasHeader(f.Headers[:i], h.Key) {
			continue
		}
		switch h.Key {
		case "persistent":
			m.Persistent = h.Value == "true"
		case "priority":
			p, err := strconv.Atoi(strings.TrimSpace(h.Value))
			if err != nil || p < 0 {
				return errf("Invalid priority header: %s", h.Value)
			}
			if p > 9 {
				p = 9
			}
			m.Priority = uint8(p)
		case "expires":
			v, err := strconv.ParseInt(strings.TrimSpace(h.Value), 10, 64)
			if err != nil {
				return errf("Invalid expires header: %s", h.Value)
			}
			m.Expiration = v
		case "type":
			m.Type = h.Value
		case "correlation-id":
			m.CorrelationID = h.Value
		case "reply-to":
			rt, err := c.parseDest(h.Value)
			if err != nil {
				return errf("Invalid reply-to: %v", err)
			}
			m.ReplyTo = rt
		case "JMSXGroupID":
			m.GroupID = h.Value
		case "JMSXGroupSeq":
			v, err := strconv.ParseInt(strings.TrimSpace(h.Value), 10, 32)
			if err != nil {
				return errf("Invalid JMSXGroupSeq: %s", h.Value)
			}
			m.GroupSeq = int32(v)
		default:
			if !sendHeaders[h.Key] {
				m.Props = append(m.Props, broker.StringProp(h.Key, h.Value))
			}
		}
	}
	tx, err := c.txFor(f)
	if err != nil {
		return err
	}
	receipt, wantReceipt := f.Get("receipt")
	// Every send is accounted until the broker is done with it (stored, or
	// released by flow control): past the budget the reader stops.
	cost := int64(len(f.Body)) + 256
	c.sendBudget.acquire(cost, c.s.opts.MaxPendingSendBytes)
	c.pending.Add(1)
	done := func(err error) {
		c.sendBudget.release(cost)
		if err != nil {
			c.sendError(&stompError{msg: "Failed to store message: " + err.Error()}, f)
		} else if wantReceipt {
			c.sendReceipt(receipt, false)
		}
		c.pending.Done()
	}
	if err := c.bc.Send(m, tx, done); err != nil {
		c.sendBudget.release(cost)
		c.pending.Done()
		return errf("%v", err)
	}
	return nil
}

func hasHeader(hs []frame.Header, key string) bool {
	for i := range hs {
		if hs[i].Key == key {
			return true
		}
	}
	return false
}

// budget counts bytes a connection has outstanding; acquire waits while
// over the limit (but always admits one send, however large) until the
// connection shuts down.
type budget struct {
	mu     sync.Mutex
	cond   *sync.Cond
	used   int64
	closed bool
}

func (b *budget) acquire(n, max int64) {
	b.mu.Lock()
	if b.cond == nil {
		b.cond = sync.NewCond(&b.mu)
	}
	for b.used > 0 && b.used+n > max && !b.closed {
		b.cond.Wait()
	}
	b.used += n
	b.mu.Unlock()
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	if b.cond != nil {
		b.cond.Broadcast()
	}
	b.mu.Unlock()
}

func (b *budget) close() {
	b.mu.Lock()
	b.closed = true
	if b.cond != nil {
		b.cond.Broadcast()
	}
	b.mu.Unlock()
}

func (c *conn) onSubscribe(f *frame.Frame) error {
	dn, ok := f.Get("destination")
	if !ok || dn == "" {
		return errf("SUBSCRIBE received without a Destination specified!")
	}
	id, hasID := f.Get("id")
	if !hasID {
		if c.version != frame.V10 {
			return errf("Subscription id header is required for STOMP %s", c.version)
		}
		id = dn
	}
	if old, dup := c.subs[id]; dup {
		// A browser's subscription has ended with its browser:end; ActiveMQ
		// lets a client browse again under the same id without an
		// UNSUBSCRIBE, so only a live one is a duplicate.
		if old.cons != nil {
			return errf("Duplicate subscription id: %s", id)
		}
		delete(c.subs, id)
	}
	dest, err := c.parseDest(dn)
	if err != nil {
		return errf("%v", err)
	}
	ack, _ := f.Get("ack")
	switch ack {
	case "", "auto":
		ack = "auto"
	case "client", "client-individual":
	default:
		return errf("Invalid ack mode: %s", ack)
	}
	o := broker.SubscribeOptions{Dest: dest, Prefetch: -1, AutoAck: ack == "auto"}
	if sel, ok := f.Get("selector"); ok && strings.TrimSpace(sel) != "" {
		// STOMP headers are strings: let numeric comparisons read them,
		// as ActiveMQ does for STOMP subscriptions.
		o.Selector = selector.ConvertStringsPrefix + sel
	}
	if v, ok := f.Get("activemq.prefetchSize"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return errf("Invalid activemq.prefetchSize: %s", v)
		}
		o.Prefetch = n
		if n == 0 {
			// STOMP has no pull: prefetch 0 would never deliver. One at a
			// time is what a client asking for 0 wants.
			o.Prefetch = 1
		}
	}
	if v, ok := f.Get("activemq.subscriptionName"); ok {
		o.DurableName = v
	} else if v, ok := f.Get("activemq.subcriptionName"); ok {
		o.DurableName = v
	} else if v, ok := f.Get("durable-subscription-name"); ok {
		o.DurableName = v
	}
	o.Exclusive = boolHeader(f, "activemq.exclusive")
	o.NoLocal = boolHeader(f, "activemq.noLocal")
	o.Retroactive = boolHeader(f, "activemq.retroactive")
	if v, ok := f.Get("activemq.priority"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return errf("Invalid activemq.priority: %s", v)
		}
		o.Priority = n
	}
	if o.DurableName != "" && !dest.IsTopic() {
		o.DurableName = ""
	}
	c.subSeq++
	sub := &subscription{id: id, dest: dest, destName: dn, ack: ack, c: c, durable: o.DurableName,
		ackTag: ackTagSep + strconv.Itoa(c.subSeq)}
	if boolHeader(f, "browser") {
		return c.browse(f, sub, o)
	}
	receipt, wantReceipt := f.Get("receipt")
	sub.holding.Store(wantReceipt)
	cons, err := c.bc.Subscribe(o, sub)
	if err != nil {
		sub.release(nil) // anything held is dropped by the writer: its consumer is gone
		return errf("%v", err)
	}
	sub.cons = cons
	c.subs[id] = sub
	c.subsByTag[sub.ackTag] = sub
	if wantReceipt {
		sub.release(c.receiptFrame(receipt))
	}
	return nil
}

func boolHeader(f *frame.Frame, key string) bool {
	v, ok := f.Get(key)
	return ok && strings.EqualFold(strings.TrimSpace(v), "true")
}

// browse sends a snapshot of the queue then a MESSAGE with browser:end.
func (c *conn) browse(f *frame.Frame, sub *subscription, o broker.SubscribeOptions) error {
	if !sub.dest.IsQueue() {
		return errf("browser subscriptions are only supported on queues: %s", sub.destName)
	}
	b := c.s.opts.Broker
	var filter broker.Filter
	if o.Selector != "" {
		cf, err := b.CompileSelector(o.Selector)
		if err != nil {
			return errf("%v", err)
		}
		filter = cf
	}
	if err := c.bc.CheckRead(sub.dest); err != nil {
		return errf("%v", err)
	}
	// Kept (with no consumer) until UNSUBSCRIBE, as ActiveMQ keeps it:
	// clients unsubscribe once they see browser:end.
	c.subs[sub.id] = sub
	c.receipt(f)
	for _, m := range b.Browse(sub.dest, filter, 0) {
		c.enqueue(outItem{d: &broker.Delivery{Msg: m, DeliveryCount: 1}, sub: sub})
	}
	var e = c.enc
	var buf []byte
	buf = e.AppendCommand(buf, frame.MESSAGE)
	buf = e.AppendHeader(buf, "subscription", sub.id)
	buf = e.AppendHeader(buf, "destination", sub.destName)
	buf = e.AppendHeader(buf, "message-id", "0")
	buf = e.AppendHeader(buf, "browser", "end")
	buf = e.AppendBody(buf, nil)
	c.enqueue(outItem{raw: buf})
	return nil
}

func (c *conn) onUnsubscribe(f *frame.Frame) error {
	id, ok := f.Get("id")
	byDest := false
	if !ok {
		if c.version == frame.V10 {
			id, ok = f.Get("destination")
			byDest = true
		}
		if !ok {
			return errf("No subscription matched: UNSUBSCRIBE needs an id header")
		}
	}
	// Naming a durable subscription asks only to delete it, as in
	// ActiveMQ: refused while it is active, and a live subscription with
	// the id is left as it is. Ending one and deleting it takes two
	// UNSUBSCRIBEs, so a client cannot drop stored messages by mistake.
	durable, hasDurable := f.Get("activemq.subscriptionName")
	if !hasDurable {
		durable, hasDurable = f.Get("durable-subscription-name")
	}
	if hasDurable {
		if err := c.bc.RemoveDurable(durable); err != nil {
			return errf("%v", err)
		}
		c.receipt(f)
		return nil
	}
	sub := c.subs[id]
	if sub == nil && byDest {
		// A 1.0 client may name by destination a subscription it made with
		// an id: ActiveMQ then takes a subscription to that destination.
		for _, s := range c.subs {
			if s.destName == id {
				sub, id = s, s.id
				break
			}
		}
	}
	if sub == nil {
		return errf("No subscription matched: %s", id)
	}
	delete(c.subs, id)
	delete(c.subsByTag, sub.ackTag)
	if sub.cons != nil {
		sub.cons.Close()
	}
	c.receipt(f)
	return nil
}

func (c *conn) onAck(f *frame.Frame, nack bool) error {
	var msgID string
	var sub *subscription
	switch c.version {
	case frame.V12:
		msgID, _ = f.Get("id")
		// An ack header of ours names the subscription; an id without a
		// known tag (a client acking by message-id) is looked up below.
		if i := strings.LastIndex(msgID, ackTagSep); i >= 0 {
			if s := c.subsByTag[msgID[i:]]; s != nil {
				sub, msgID = s, msgID[:i]
			}
		}
	case frame.V11:
		msgID, _ = f.Get("message-id")
		if sid, ok := f.Get("subscription"); ok {
			sub = c.subs[sid]
			if sub == nil || sub.cons == nil { // none, or a browser's
				return errf("Unexpected ACK received for message-id [%s]: no subscription %s", msgID, sid)
			}
		}
	default:
		msgID, _ = f.Get("message-id")
	}
	if msgID == "" {
		if c.version == frame.V12 {
			return errf("ACK received without an id header to acknowledge!")
		}
		return errf("ACK received without a message-id to acknowledge!")
	}
	tx, err := c.txFor(f)
	if err != nil {
		return err
	}
	if sub == nil {
		sub = c.ackOwner(msgID)
	}
	// An auto-ack subscription takes no acks: the broker acks its
	// deliveries as they are written, and one not yet written must not be
	// acked by the client.
	if sub == nil || sub.ack == "auto" {
		return errf("Unexpected ACK received for message-id [%s]", msgID)
	}
	receipt, wantReceipt := f.Get("receipt")
	var done func(error)
	if wantReceipt {
		c.pending.Add(1)
		done = func(err error) {
			if err != nil {
				c.sendError(&stompError{msg: "Failed to store ack: " + err.Error()}, f)
			} else {
				c.sendReceipt(receipt, false)
			}
			c.pending.Done()
		}
	}
	if nack {
		err = sub.cons.Nack(msgID, "Message was NACKed by a STOMP client", tx, done)
	} else {
		mode := broker.AckIndividual
		if sub.ack == "client" {
			mode = broker.AckCumulative
		}
		err = sub.cons.Ack(msgID, mode, tx, done)
	}
	if err != nil {
		if done != nil {
			c.pending.Done()
		}
		if errors.Is(err, broker.ErrTransactedNack) {
			return errf("Poison ack cannot be transacted: message-id [%s] in transaction %s", msgID, tx.ID())
		}
		return errf("Unexpected ACK received for message-id [%s]", msgID)
	}
	return nil
}

// ackTagSep starts a subscription's ackTag.
const ackTagSep = "#"

// ackOwner finds the client-ack subscription holding msgID unacked.
func (c *conn) ackOwner(msgID string) *subscription {
	for _, s := range c.subs {
		if s.ack != "auto" && s.cons != nil && s.cons.HasUnacked(msgID) {
			return s
		}
	}
	return nil
}

func (c *conn) onBegin(f *frame.Frame) error {
	id, ok := f.Get("transaction")
	if !ok || id == "" {
		return errf("Must specify the transaction you are beginning")
	}
	if _, err := c.bc.Begin(id); err != nil {
		return errf("%v", err)
	}
	c.receipt(f)
	return nil
}

func (c *conn) onCommit(f *frame.Frame) error {
	id, ok := f.Get("transaction")
	if !ok || id == "" {
		return errf("Must specify the transaction you are committing")
	}
	tx, err := c.bc.Tx(id)
	if err != nil {
		return errf("Invalid transaction id: %s", id)
	}
	receipt, wantReceipt := f.Get("receipt")
	c.pending.Add(1)
	err = tx.Commit(func(err error) {
		if err != nil {
			c.sendError(&stompError{msg: "Commit failed: " + err.Error()}, f)
		} else if wantReceipt {
			c.sendReceipt(receipt, false)
		}
		c.pending.Done()
	})
	if err != nil {
		c.pending.Done()
		return errf("Invalid transaction id: %s", id)
	}
	return nil
}

func (c *conn) onAbort(f *frame.Frame) error {
	id, ok := f.Get("transaction")
	if !ok || id == "" {
		return errf("Must specify the transaction you are aborting")
	}
	tx, err := c.bc.Tx(id)
	if err != nil {
		return errf("Invalid transaction id: %s", id)
	}
	tx.Abort()
	c.receipt(f)
	return nil
}
