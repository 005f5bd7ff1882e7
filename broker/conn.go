package broker

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"amq/store"
)

// ConnInfo describes a client connection.
type ConnInfo struct {
	ClientID   string
	User       *User
	Protocol   string // stomp, openwire, vm, ...
	RemoteAddr string
}

// Errors of connection set-up.
var (
	ErrClientIDInUse = errors.New("client ID already in use")
	ErrBrokerClosed  = errors.New("broker is shutting down")
	ErrNoClientID    = errors.New("a durable subscription needs a client ID on the connection")
)

// Conn is a client connection to the broker.
type Conn struct {
	b       *Broker
	id      uint64
	connID  string
	info    ConnInfo
	created time.Time
	msgSeq  atomic.Uint64

	mu        sync.Mutex
	consumers map[uint64]*Consumer
	txs       map[string]*Tx
	temps     []Destination
	tempSeq   int
	closed    bool
	producers map[Destination]int // guarded by Broker.mu
	onAbort   func(reason string)
}

// Connect registers a connection. A client ID already connected is refused,
// as ActiveMQ does (InvalidClientIDException).
func (b *Broker) Connect(info ConnInfo) (*Conn, error) {
	if b.closed.Load() {
		return nil, ErrBrokerClosed
	}
	id := b.connSeq.Add(1)
	c := &Conn{
		b: b, id: id, info: info, created: time.Now(),
		connID:    b.idPrefix + ":" + itoa(int(id)),
		consumers: map[uint64]*Consumer{},
		txs:       map[string]*Tx{},
	}
	b.mu.Lock()
	if info.ClientID != "" {
		if other := b.clientIDs[info.ClientID]; other != nil {
			b.mu.Unlock()
			return nil, fmt.Errorf("%w: Broker: %s - Client: %s already connected from %s", ErrClientIDInUse, b.cfg.Name, info.ClientID, other.info.RemoteAddr)
		}
		b.clientIDs[info.ClientID] = c
	}
	b.conns[id] = c
	b.mu.Unlock()
	b.totalConns.Add(1)
	b.advise(c.advisory("Connection", false))
	return c, nil
}

// ID is unique within the broker.
func (c *Conn) ID() uint64 { return c.id }

func (c *Conn) advisory(typ string, remove bool) *Advisory {
	a := &Advisory{Type: typ, Remove: remove, ConnectionID: c.connID, ClientID: c.info.ClientID, RemoteAddr: c.info.RemoteAddr}
	if c.info.User != nil {
		a.UserName = c.info.User.Name
	}
	return a
}

// ConnectionID is the ActiveMQ-shaped connection ID (ID:host-port-start-1:N).
func (c *Conn) ConnectionID() string { return c.connID }

// Info returns what the connection was created with.
func (c *Conn) Info() ConnInfo { return c.info }

// Broker returns the broker the connection belongs to.
func (c *Conn) Broker() *Broker { return c.b }

// Created is when the connection was registered.
func (c *Conn) Created() time.Time { return c.created }

func (c *Conn) authorize(op Operation, d Destination) error {
	if c.b.cfg.Authorizer == nil {
		return nil
	}
	if err := c.b.cfg.Authorizer.Authorize(c.info.User, op, d); err != nil {
		return err
	}
	// Using a destination that does not exist yet creates it, which needs
	// the admin right, as in ActiveMQ.
	if op != OpAdmin && !d.IsTemp() && !IsWildcard(d.Name) && !c.b.exists(d) {
		return c.b.cfg.Authorizer.Authorize(c.info.User, OpAdmin, d)
	}
	return nil
}

// Send routes m. Outside a transaction done runs once the message is durable
// (persistent) or enqueued; inside tx it is held until commit and done runs
// at once. Routing errors are returned directly.
func (c *Conn) Send(m *Message, tx *Tx, done func(error)) error {
	if c.isClosed() {
		return ErrConsumerClosed
	}
	if m.Dest.IsZero() {
		return errors.New("no destination")
	}
	if err := c.authorize(OpWrite, m.Dest); err != nil {
		return err
	}
	if m.ID == "" {
		m.ID = c.b.newMessageID(c.connID, c.msgSeq.Add(1))
	}
	now := time.Now().UnixMilli()
	if m.Timestamp == 0 {
		m.Timestamp = now
	}
	if m.Priority > 9 {
		m.Priority = 9
	}
	m.BrokerInTime = now
	m.ProducerConn = c.id
	if c.b.cfg.PopulateUserID && c.info.User != nil {
		m.UserID = c.info.User.Name
	}
	if tx != nil {
		// Refused now rather than dropped at commit, so that the client
		// hears of it while the transaction is open.
		if err := c.b.checkTempLive(m.Dest); err != nil {
			return err
		}
		return tx.addSend(m, done)
	}
	if c.b.cfg.SchedulerSupport && wantsSchedule(m) {
		return c.b.sched.schedule(m, done)
	}
	if parked, err := c.b.admit(c, m, done); err != nil || parked {
		return err
	}
	return c.sendNow(m, done)
}

// sendNow routes and journals m (flow control already passed).
func (c *Conn) sendNow(m *Message, done func(error)) error {
	var p plan
	if err := c.b.route(m, &p); err != nil {
		return err
	}
	if len(p.ops) == 0 {
		p.commit()
		if done != nil {
			done(nil)
		}
		return nil
	}
	if c.sendConcurrent(&p, done) {
		return nil
	}
	c.sendStored(p, m, done)
	return nil
}

// sendStored commits p once its store write is done. It is apart from
// sendNow so that only a stored message's plan moves to the heap (the
// completion below keeps it); a non-persistent one's stays on the stack.
func (c *Conn) sendStored(p plan, m *Message, done func(error)) {
	c.b.store.Apply(p.ops, func(_ store.Position, err error) {
		if err != nil {
			c.b.log.Error("persisting a message failed", "destination", m.Dest.String(), "err", err)
			p.abort()
		} else {
			p.commit()
		}
		if done != nil {
			done(err)
		}
	})
}

// Subscribe creates a consumer. out receives its deliveries.
func (c *Conn) Subscribe(o SubscribeOptions, out Deliverer) (*Consumer, error) {
	if c.isClosed() {
		return nil, ErrConsumerClosed
	}
	b := c.b
	if o.Dest.IsZero() {
		return nil, errors.New("no destination")
	}
	if err := c.authorize(OpRead, o.Dest); err != nil {
		return nil, err
	}
	if o.DurableName != "" && !o.Dest.IsQueue() && b.cfg.RejectDurableConsumers {
		// ActiveMQ's TopicRegion refuses them with this JMSException.
		return nil, ErrDurableRejected
	}
	sel, err := b.compile(o.Selector)
	if err != nil {
		return nil, err
	}
	pol := b.policy(o.Dest)
	cons := &Consumer{
		id: b.consSeq.Add(1), conn: c, opts: o, sel: sel, out: out,
		priority: o.Priority, exclusive: o.Exclusive, noLocal: o.NoLocal, prefetch: o.Prefetch,
	}
	if o.Prefetch < 0 {
		switch {
		case o.Browser:
			cons.prefetch = pol.BrowserPrefetch
		case o.Dest.IsQueue():
			cons.prefetch = pol.QueuePrefetch
		case o.DurableName != "":
			cons.prefetch = pol.DurablePrefetch
		default:
			cons.prefetch = pol.TopicPrefetch
		}
	}
	if o.Dest.IsTemp() {
		b.mu.RLock()
		owner := b.temps[o.Dest.String()]
		b.mu.RUnlock()
		if owner == nil {
			return nil, fmt.Errorf("%w: %s", ErrDeletedDestination, o.Dest)
		}
		if owner != c {
			return nil, fmt.Errorf("cannot subscribe to a remote temporary destination %s", o.Dest)
		}
	}
	c.mu.Lock()
	c.consumers[cons.id] = cons
	c.mu.Unlock()

	switch {
	case o.Dest.IsQueue():
		if isMultiQueue(o.Dest) {
			b.subscribeQueues(cons)
		} else {
			b.queue(o.Dest, true).addConsumer(cons)
		}
	case o.DurableName != "":
		if err := c.subscribeDurable(cons, pol); err != nil {
			c.dropConsumer(cons)
			return nil, err
		}
	default:
		q := newMsgQueue(b, o.Dest, "", "", pol)
		// Pending excludes what is in flight, so the limit applies on top
		// of the prefetch, as ActiveMQ's constantPendingMessageLimitStrategy.
		q.maxPending = pol.MaxPendingTopic
		cons.topicSub = true
		// Selector and noLocal are applied when a publish is routed into
		// the subscription, not again at dispatch.
		cons.routeSel, cons.routeNoLocal = sel, o.NoLocal
		cons.sel, cons.noLocal = nil, false
		if o.Retroactive || pol.AlwaysRetroactive {
			b.replayRecovered(cons, q)
		}
		q.addConsumer(cons)
		b.attachTopicSub(cons)
		b.replayTemps(cons)
	}
	b.consumerAdvisory(cons, false)
	return cons, nil
}

func (c *Conn) subscribeDurable(cons *Consumer, pol *Policy) error {
	b := c.b
	o := cons.opts
	if c.info.ClientID == "" {
		return ErrNoClientID
	}
	key := c.info.ClientID + ":" + o.DurableName
	info := store.SubInfo{Key: key, ClientID: c.info.ClientID, Name: o.DurableName, Topic: o.Dest.String(), Selector: o.Selector, NoLocal: o.NoLocal}
	b.mu.Lock()
	ds := b.durables[key]
	if ds != nil && ds.active.Load() != nil {
		b.mu.Unlock()
		return fmt.Errorf("%w for client: %s and subscriptionName: %s", ErrDurableInUse, c.info.ClientID, o.DurableName)
	}
	changed := ds != nil && (ds.info.Topic != info.Topic || ds.info.Selector != info.Selector || ds.info.NoLocal != info.NoLocal)
	if changed {
		// A subscription re-made with another topic or selector starts afresh, as JMS says.
		delete(b.durables, key)
	}
	b.mu.Unlock()
	if changed {
		b.detachDurable(ds)
		ds.q.close()
		if _, err := store.ApplySync(b.store, []store.Op{{Kind: store.OpRemoveSub, Sub: ds.info}}); err != nil {
			return err
		}
		ds = nil
	}
	if ds == nil {
		if _, err := store.ApplySync(b.store, []store.Op{{Kind: store.OpAddSub, Sub: info}}); err != nil {
			return fmt.Errorf("store durable subscription: %w", err)
		}
		nds := b.newDurable(info, b.topic(o.Dest, true))
		b.mu.Lock()
		if ds = b.durables[key]; ds == nil {
			ds = nds
			b.durables[key] = ds
			nds = nil
		}
		b.mu.Unlock()
		if nds != nil {
			// Lost a race with another subscribe of the same key.
			b.detachDurable(nds)
		}
	}
	b.mu.Lock()
	if ds.active.Load() != nil {
		b.mu.Unlock()
		return fmt.Errorf("%w for client: %s and subscriptionName: %s", ErrDurableInUse, c.info.ClientID, o.DurableName)
	}
	ds.active.Store(cons)
	b.mu.Unlock()
	cons.durable = ds
	// The durable subscription's own selector filters at routing time.
	cons.sel, cons.noLocal = nil, false
	ds.q.addConsumer(cons)
	return nil
}

// RemoveDurable deletes one of this client's durable subscriptions.
func (c *Conn) RemoveDurable(name string) error {
	if c.info.ClientID == "" {
		return ErrNoClientID
	}
	return c.b.RemoveDurable(c.info.ClientID, name)
}

func (c *Conn) dropConsumer(cons *Consumer) {
	c.mu.Lock()
	delete(c.consumers, cons.id)
	c.mu.Unlock()
}

func (c *Conn) removeConsumer(cons *Consumer) {
	c.mu.Lock()
	_, ok := c.consumers[cons.id]
	delete(c.consumers, cons.id)
	c.mu.Unlock()
	if ok {
		cons.close()
	}
}

// Consumers returns the connection's live consumers.
func (c *Conn) Consumers() []*Consumer {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Consumer, 0, len(c.consumers))
	for _, x := range c.consumers {
		out = append(out, x)
	}
	return out
}

// CreateTemp creates a temporary queue or topic that lives as long as c.
func (c *Conn) CreateTemp(kind DestKind) (Destination, error) {
	if kind != TempQueue && kind != TempTopic {
		return Destination{}, fmt.Errorf("not a temporary destination kind: %d", kind)
	}
	c.mu.Lock()
	c.tempSeq++
	d := Destination{Kind: kind, Name: c.connID + ":" + itoa(c.tempSeq)}
	c.mu.Unlock()
	return d, c.AddTemp(d)
}

// AddTemp registers a temporary destination named by the client (OpenWire's
// DestinationInfo) as owned by c.
func (c *Conn) AddTemp(d Destination) error {
	if !d.IsTemp() {
		return fmt.Errorf("not a temporary destination: %s", d)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrConsumerClosed
	}
	c.temps = append(c.temps, d)
	c.mu.Unlock()
	if err := c.authorize(OpAdmin, d); err != nil {
		return err
	}
	b := c.b
	b.mu.Lock()
	b.temps[d.String()] = c
	b.mu.Unlock()
	if d.Kind == TempQueue {
		b.queue(d, true)
	} else {
		b.topic(d, true)
	}
	b.destAdvisory(d, false)
	return nil
}

// DeleteTemp removes a temporary destination of c and its messages.
func (c *Conn) DeleteTemp(d Destination) error {
	c.mu.Lock()
	found := false
	for i, x := range c.temps {
		if x == d {
			c.temps = append(c.temps[:i], c.temps[i+1:]...)
			found = true
			break
		}
	}
	c.mu.Unlock()
	if !found {
		return fmt.Errorf("temporary destination %s does not belong to this connection", d)
	}
	c.b.dropTemp(d)
	return nil
}

func (b *Broker) dropTemp(d Destination) {
	key := d.String()
	b.mu.Lock()
	delete(b.temps, key)
	q := b.queues[key]
	delete(b.queues, key)
	delete(b.topics, key)
	delete(b.policies, key)
	b.mu.Unlock()
	if q != nil {
		q.close()
	}
	b.destAdvisory(d, true)
}

// IsTempLive reports whether a temporary destination still exists.
func (b *Broker) IsTempLive(d Destination) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.temps[d.String()] != nil
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Close ends the connection: consumers close (their unacked messages return
// to their queues), open transactions roll back, temp destinations die.
func (c *Conn) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	cons := make([]*Consumer, 0, len(c.consumers))
	for _, x := range c.consumers {
		cons = append(cons, x)
	}
	c.consumers = map[uint64]*Consumer{}
	txs := make([]*Tx, 0, len(c.txs))
	for _, t := range c.txs {
		txs = append(txs, t)
	}
	temps := c.temps
	c.temps = nil
	c.mu.Unlock()

	for _, t := range txs {
		t.Abort()
	}
	for _, x := range cons {
		x.close()
	}
	for _, d := range temps {
		c.b.dropTemp(d)
	}
	b := c.b
	b.mu.Lock()
	delete(b.conns, c.id)
	if c.info.ClientID != "" && b.clientIDs[c.info.ClientID] == c {
		delete(b.clientIDs, c.info.ClientID)
	}
	for d, n := range c.producers {
		b.producers[d.String()] -= n
	}
	c.producers = nil
	b.mu.Unlock()
	b.advise(c.advisory("Connection", true))
}

// AddProducer registers a producer on d (OpenWire ProducerInfo) for
// statistics and advisories; STOMP has no producers to register.
func (c *Conn) AddProducer(d Destination) {
	b := c.b
	b.mu.Lock()
	if c.producers == nil {
		c.producers = map[Destination]int{}
	}
	c.producers[d]++
	b.producers[d.String()]++
	n := b.producers[d.String()]
	b.mu.Unlock()
	a := c.advisory("Producer", false)
	a.Dest, a.Count = d, n
	b.advise(a)
}

// RemoveProducer undoes AddProducer.
func (c *Conn) RemoveProducer(d Destination) {
	b := c.b
	b.mu.Lock()
	if c.producers[d] == 0 {
		b.mu.Unlock()
		return
	}
	c.producers[d]--
	b.producers[d.String()]--
	n := b.producers[d.String()]
	b.mu.Unlock()
	a := c.advisory("Producer", true)
	a.Dest, a.Count = d, n
	b.advise(a)
}

// ProducerCount returns the registered producers on d.
func (b *Broker) ProducerCount(d Destination) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.producers[d.String()]
}

func (b *Broker) consumerAdvisory(cons *Consumer, remove bool) {
	if IsAdvisory(cons.opts.Dest) || b.noAdvisories.Load() {
		return
	}
	a := cons.conn.advisory("Consumer", remove)
	a.Dest = cons.opts.Dest
	a.ConsumerID = cons.id
	a.Selector = cons.opts.Selector
	a.DurableName = cons.opts.DurableName
	a.Count = b.consumerCount(cons.opts.Dest)
	b.advise(a)
}

// consumerCount counts the consumers of a destination.
func (b *Broker) consumerCount(d Destination) int {
	if d.IsQueue() {
		if q := b.queue(d, false); q != nil {
			return q.stats().ConsumerCount
		}
		return 0
	}
	t := b.topic(d, false)
	if t == nil {
		return 0
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	n := len(t.subs)
	for _, ds := range t.durables {
		if ds.active.Load() != nil {
			n++
		}
	}
	return n
}

// Connections lists the live connections.
func (b *Broker) Connections() []*Conn {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]*Conn, 0, len(b.conns))
	for _, c := range b.conns {
		out = append(out, c)
	}
	return out
}

// TotalConnections counts connections since start.
func (b *Broker) TotalConnections() int64 { return b.totalConns.Load() }

// Tx is a local transaction: its sends and acks take effect together at commit.
type Tx struct {
	c  *Conn
	id string

	mu       sync.Mutex
	sends    []*Message
	acks     []txAck
	finished bool
}

type txAck struct {
	q *msgQueue
	e *entry
}

// ErrUnknownTx is returned for a transaction ID that was never begun.
var ErrUnknownTx = errors.New("transaction not started")

// Begin starts a transaction named id.
func (c *Conn) Begin(id string) (*Tx, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.txs[id]; dup {
		return nil, fmt.Errorf("transaction %s already started", id)
	}
	tx := &Tx{c: c, id: id}
	c.txs[id] = tx
	return tx, nil
}

// Tx returns the open transaction id.
func (c *Conn) Tx(id string) (*Tx, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tx := c.txs[id]
	if tx == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownTx, id)
	}
	return tx, nil
}

// ID is the transaction's name.
func (tx *Tx) ID() string { return tx.id }

func (tx *Tx) addSend(m *Message, done func(error)) error {
	tx.mu.Lock()
	if tx.finished {
		tx.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrUnknownTx, tx.id)
	}
	tx.sends = append(tx.sends, m)
	tx.mu.Unlock()
	if done != nil {
		done(nil)
	}
	return nil
}

func (tx *Tx) addAcks(q *msgQueue, es []*entry) {
	tx.mu.Lock()
	for _, e := range es {
		tx.acks = append(tx.acks, txAck{q, e})
	}
	tx.mu.Unlock()
}

func (tx *Tx) finish() (sends []*Message, acks []txAck, ok bool) {
	tx.mu.Lock()
	if tx.finished {
		tx.mu.Unlock()
		return nil, nil, false
	}
	tx.finished = true
	sends, acks = tx.sends, tx.acks
	tx.sends, tx.acks = nil, nil
	tx.mu.Unlock()
	c := tx.c
	c.mu.Lock()
	if c.txs[tx.id] == tx {
		delete(c.txs, tx.id)
	}
	c.mu.Unlock()
	return sends, acks, true
}

// Commit makes the transaction's sends and acks durable atomically, then
// delivers the sends. done runs after that.
func (tx *Tx) Commit(done func(error)) error {
	sends, acks, ok := tx.finish()
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownTx, tx.id)
	}
	b := tx.c.b
	var p plan
	for _, m := range sends {
		if b.cfg.SchedulerSupport && wantsSchedule(m) {
			if err := b.sched.schedule(m, nil); err != nil {
				b.log.Warn("transacted scheduled send dropped at commit", "destination", m.Dest.String(), "err", err)
			}
			continue
		}
		if err := b.route(m, &p); err != nil {
			b.log.Warn("transacted send dropped at commit", "destination", m.Dest.String(), "err", err)
		}
	}
	for _, a := range acks {
		if a.e.stored {
			p.ops = append(p.ops, a.q.ackOp(a.e))
		} else if a.e.tmp {
			b.tmp.Apply([]store.Op{a.q.ackOp(a.e)}, b.logStoreErr)
		}
	}
	finish := func(err error) {
		if err != nil {
			p.abort()
		}
		if err == nil {
			p.commit()
			for _, a := range acks {
				q := a.q
				q.mu.Lock()
				if a.e.owner != nil {
					q.unlink(a.e)
				} else {
					q.inflight--
				}
				a.e.txAck = nil
				q.dequeued++
				b.release(a.e)
				var d deferred
				q.dispatchLocked(&d)
				q.unlock(&d)
			}
		}
		if done != nil {
			done(err)
		}
	}
	if len(p.ops) == 0 {
		finish(nil)
		return nil
	}
	b.store.Apply(p.ops, func(_ store.Position, err error) { finish(err) })
	return nil
}

// Abort discards the transaction's sends; its acks are undone, so the
// messages are unacked again (and return to their queue if their consumer left).
func (tx *Tx) Abort() error {
	_, acks, ok := tx.finish()
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownTx, tx.id)
	}
	for _, a := range acks {
		q := a.q
		q.mu.Lock()
		var d deferred
		e := a.e
		if e.txAck == tx {
			if e.owner != nil {
				e.txAck = nil
				e.owner.txAcked--
				q.gen++
			} else {
				e.txAck = nil
				q.inflight--
				q.returnLocked(e, &d)
			}
		}
		q.dispatchLocked(&d)
		q.unlock(&d)
	}
	return nil
}

// CheckRead asks the authorizer whether the connection may consume from d.
func (c *Conn) CheckRead(d Destination) error { return c.authorize(OpRead, d) }

// CheckWrite asks the authorizer whether the connection may send to d, for
// a producer bound to d: ActiveMQ refuses such a producer when it is
// created. Creating d is a matter for the first send.
func (c *Conn) CheckWrite(d Destination) error {
	if c.b.cfg.Authorizer == nil {
		return nil
	}
	return c.b.cfg.Authorizer.Authorize(c.info.User, OpWrite, d)
}
