package broker

import (
	"errors"
	"fmt"

	"amq/store"
)

// Deliverer receives deliveries for one consumer. Deliver is called with the
// destination's lock held: it must only queue the delivery for the
// connection's writer, never block or do I/O.
type Deliverer interface {
	Deliver(d *Delivery)
}

// DelivererFunc adapts a function to Deliverer.
type DelivererFunc func(d *Delivery)

func (f DelivererFunc) Deliver(d *Delivery) { f(d) }

// Filter decides whether a message matches a subscription (a compiled JMS
// selector). deliveryCount is the JMSXDeliveryCount the message would carry.
type Filter interface {
	Match(m *Message, deliveryCount int32) bool
	String() string
}

// SubscribeOptions describes a consumer, protocol-neutrally.
type SubscribeOptions struct {
	Dest Destination
	// Selector is a JMS selector; empty selects everything.
	Selector string
	// Prefetch is the credit of unacked messages; -1 takes the destination
	// policy's default; 0 means pull: messages flow only on Pull.
	Prefetch int
	// DurableName makes a topic subscription durable under the connection's client ID.
	DurableName string
	NoLocal     bool
	Exclusive   bool
	Priority    int
	Browser     bool
	// Retroactive asks for the topic's recent messages (subscriptionRecoveryPolicy).
	Retroactive bool
	// AutoAck says the adapter acknowledges each delivery as it writes it
	// (STOMP ack:auto): a delivery claimed for the wire counts as consumed
	// even if the consumer closes before the ack lands.
	AutoAck bool
}

// Errors the adapters map to their protocol's error replies.
var (
	ErrUnknownMessage = errors.New("unknown message id")
	ErrConsumerClosed = errors.New("consumer closed")
	// ErrTransactedNack refuses a poison ack inside a transaction, as
	// ActiveMQ does: the dead-lettering could not be undone by a rollback.
	ErrTransactedNack = errors.New("poison ack cannot be transacted")
)

// Consumer is a live subscription of a connection.
type Consumer struct {
	id        uint64
	conn      *Conn
	opts      SubscribeOptions
	sel       Filter
	prefetch  int
	priority  int
	exclusive bool
	noLocal   bool
	out       Deliverer
	durable   *durableSub
	topicSub  bool // owns a private msgQueue (non-durable topic subscription)
	// routeSel and routeNoLocal filter publishes into a topic subscription.
	routeSel     Filter
	routeNoLocal bool
	group        *queueGroup // set on a consumer spanning several queues

	q *msgQueue
	// Guarded by q.mu:
	uhead, utail *entry
	unacked      int
	txAcked      int
	pulls        int
	extension    int // DELIVERED acks widening the window
	byID         map[string]*entry
	closed       bool

	// consumedUpTo, when consumedKnown (CloseConsumed), is the wire
	// sequence number of the last delivery the client's application took;
	// consumedShared says it may be another consumer's.
	consumedUpTo   int64
	consumedKnown  bool
	consumedShared bool
}

// ID is unique within the broker.
func (c *Consumer) ID() uint64 { return c.id }

// Options returns what the consumer was created with.
func (c *Consumer) Options() SubscribeOptions { return c.opts }

// Conn returns the owning connection.
func (c *Consumer) Conn() *Conn { return c.conn }

func (c *Consumer) hasCredit() bool {
	if c.closed {
		return false
	}
	if c.prefetch <= 0 {
		return c.pulls > 0
	}
	return c.unacked-c.txAcked-c.extension < c.prefetch
}

// AckMode selects which unacked messages an ack covers.
type AckMode int

const (
	AckIndividual AckMode = iota // the named message only
	AckCumulative                // the named message and every earlier unacked one
)

// Ack acknowledges msgID (and, cumulatively, everything delivered before it).
// Inside tx the ack takes effect at commit. done, if set, runs once the ack
// is durable.
func (c *Consumer) Ack(msgID string, mode AckMode, tx *Tx, done func(error)) error {
	if c.group != nil {
		k, err := c.child(msgID)
		if err != nil {
			return err
		}
		return k.Ack(msgID, mode, tx, done)
	}
	q := c.q
	q.mu.Lock()
	e := c.unackedByID(msgID)
	if e == nil || e.owner != c {
		q.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrUnknownMessage, msgID)
	}
	var list []*entry
	if mode == AckCumulative {
		for x := c.uhead; x != nil; x = x.cnext {
			if x.txAck == nil {
				list = append(list, x)
			}
			if x == e {
				break
			}
		}
	} else {
		if e.txAck != nil {
			q.mu.Unlock()
			return fmt.Errorf("%w: %s was already acknowledged in a transaction", ErrUnknownMessage, msgID)
		}
		list = []*entry{e}
	}
	var d deferred
	if tx != nil {
		if !c.hasCredit() {
			q.gen++
		}
		for _, x := range list {
			x.txAck = tx
			c.txAcked++
		}
		tx.addAcks(q, list)
		q.dispatchLocked(&d)
		q.unlock(&d)
		if done != nil {
			done(nil)
		}
		return nil
	}
	for _, x := range list {
		q.unlink(x)
		q.finish(x, &d)
	}
	q.dispatchLocked(&d)
	ops, early := d.storeOp, d.early
	d.storeOp, d.early = nil, nil
	q.unlock(&d)
	c.conn.b.ackThen(ops, done)
	if done == nil {
		// The client has the messages and does not wait for this ack to be
		// durable: consumed, their senders may hear so. (An ack with a
		// receipt is journaled after the messages, so their own writes
		// complete their senders first.)
		early.Release()
	}
	return nil
}

// AckDelivered acknowledges deliveries that are being written to the client,
// for auto-acknowledge subscriptions: ActiveMQ acks them once on the wire,
// so they are gone from the queue at once. What it returns is for after the
// write (Acked.Written).
func (c *Consumer) AckDelivered(ds []*Delivery) Acked {
	a := Acked{b: c.conn.b}
	if len(ds) == 0 {
		return a
	}
	if c.group != nil {
		for _, d := range ds {
			if d.Consumer != nil && d.Consumer != c {
				a.Add(d.Consumer.AckDelivered([]*Delivery{d}))
			}
		}
		return a
	}
	q := c.q
	q.mu.Lock()
	var d deferred
	for _, dl := range ds {
		if e := dl.e; e != nil && e.owner == c && e.delivery == dl && e.txAck == nil {
			q.unlink(e)
			q.finish(e, &d)
		}
	}
	q.dispatchLocked(&d)
	a.ops, a.early = d.storeOp, d.early
	d.storeOp, d.early = nil, nil
	q.unlock(&d)
	return a
}

// Acked is what acknowledging deliveries on the wire leaves until they are
// written: the acks to journal, and the senders of persistent messages
// dispatched before their own write ended, whom the client having the
// messages completes.
type Acked struct {
	b     *Broker
	ops   []store.Op
	early Receipts
}

// Add takes o's work into a.
func (a *Acked) Add(o Acked) {
	if a.b == nil {
		a.b = o.b
	}
	a.ops = append(a.ops, o.ops...)
	a.early = append(a.early, o.early...)
}

// Written journals the acks and completes the senders, once the deliveries
// are written. Journaled before the write, the acks of a batch that a
// killed process never wrote would be durable and those messages lost;
// after it, such a kill hands back at most what was written since.
func (a *Acked) Written() {
	a.journal()
	a.early.Release()
	a.early = nil
}

// Failed journals the acks alone: the write failed, and the messages,
// gone from their queues, must not come back from the store either. Their
// senders are left to the store.
func (a *Acked) Failed() { a.journal() }

func (a *Acked) journal() {
	if a.b != nil && len(a.ops) > 0 {
		a.b.ackThen(a.ops, nil)
	}
	a.ops = nil
}

// Nack is a poison ack: a persistent message goes straight to the dead-letter
// queue, a non-persistent one is dropped (unless the policy processes
// non-persistent dead letters). A poison ack in a transaction is refused
// with ErrTransactedNack and leaves the message unacked.
func (c *Consumer) Nack(msgID string, cause string, tx *Tx, done func(error)) error {
	if c.group != nil {
		k, err := c.child(msgID)
		if err != nil {
			return err
		}
		return k.Nack(msgID, cause, tx, done)
	}
	q := c.q
	q.mu.Lock()
	e := c.unackedByID(msgID)
	if e == nil || e.owner != c || e.txAck != nil {
		q.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrUnknownMessage, msgID)
	}
	if tx != nil {
		q.mu.Unlock()
		return fmt.Errorf("%w: %s in transaction %s", ErrTransactedNack, msgID, tx.ID())
	}
	q.unlink(e)
	q.dequeued++
	if cause == "" {
		cause = "Poison ack"
	}
	d := deferred{dead: []deadLetter{{e: e, cause: cause}}}
	q.dispatchLocked(&d)
	q.unlock(&d)
	if done != nil {
		done(nil)
	}
	return nil
}

// Recover returns every unacked message of the consumer to the queue for
// redelivery (JMS Session.recover, STOMP has no equivalent).
func (c *Consumer) Recover() {
	if c.group != nil {
		for _, k := range c.kids() {
			k.Recover()
		}
		return
	}
	q := c.q
	q.mu.Lock()
	var d deferred
	for e := c.uhead; e != nil; {
		next := e.cnext
		if e.txAck == nil {
			q.returnLocked(e, &d)
		}
		e = next
	}
	q.dispatchLocked(&d)
	q.unlock(&d)
}

// Pull grants n more messages to a prefetch-0 consumer.
func (c *Consumer) Pull(n int) {
	if c.group != nil {
		for _, k := range c.kids() {
			k.Pull(n)
		}
		return
	}
	q := c.q
	q.mu.Lock()
	c.pulls += n
	q.gen++
	var d deferred
	q.dispatchLocked(&d)
	q.unlock(&d)
}

// CancelPull withdraws credit granted by Pull that was not used.
func (c *Consumer) CancelPull() {
	if c.group != nil {
		for _, k := range c.kids() {
			k.CancelPull()
		}
		return
	}
	q := c.q
	q.mu.Lock()
	c.pulls = 0
	q.mu.Unlock()
}

// SetPrefetch changes the consumer's credit (ConsumerControl).
func (c *Consumer) SetPrefetch(n int) {
	if c.group != nil {
		for _, k := range c.kids() {
			k.SetPrefetch(n)
		}
		return
	}
	q := c.q
	q.mu.Lock()
	c.prefetch = n
	q.gen++
	var d deferred
	q.dispatchLocked(&d)
	q.unlock(&d)
}

// Unacked reports how many messages are delivered and not yet acked.
func (c *Consumer) Unacked() int {
	if c.group != nil {
		n := 0
		for _, k := range c.kids() {
			n += k.Unacked()
		}
		return n
	}
	q := c.q
	q.mu.Lock()
	defer q.mu.Unlock()
	return c.unacked
}

// Close detaches the consumer; its unacked messages go back to the queue,
// flagged redelivered.
func (c *Consumer) Close() {
	c.conn.removeConsumer(c)
}

// CloseConsumed is Close for a client that reports how far its application
// got (OpenWire's RemoveInfo.lastDeliveredSequenceId; -1 when it took
// nothing). A delivery written with a wire sequence number above last (see
// Delivery.SetWireSeq) only reached the client's prefetch buffer: returning
// it does not count as a delivery attempt, as in ActiveMQ. Otherwise a
// consumer that takes one message and closes would push the rest of its
// prefetch towards the redelivery limit and the DLQ without them ever
// being seen.
//
// shared says last is the latest of several consumers' (a session or a
// connection closing): then, as in ActiveMQ, it says something about c only
// if c holds the delivery numbered last, and otherwise c's application is
// taken to have had none of its unacked messages.
func (c *Consumer) CloseConsumed(last int64, shared bool) {
	c.setConsumedUpTo(last, shared)
	c.Close()
}

func (c *Consumer) setConsumedUpTo(last int64, shared bool) {
	for _, k := range c.kids() {
		k.setConsumedUpTo(last, shared)
	}
	if q := c.q; q != nil {
		q.mu.Lock()
		defer q.mu.Unlock()
	}
	c.consumedUpTo, c.consumedKnown, c.consumedShared = last, true, shared
}

// settleConsumedUpTo resolves a shared consumedUpTo before the unacked
// messages are returned. Caller holds c.q.mu.
func (c *Consumer) settleConsumedUpTo() {
	if !c.consumedKnown || !c.consumedShared {
		return
	}
	c.consumedShared = false
	for e := c.uhead; e != nil; e = e.cnext {
		if dl := e.delivery; dl != nil && dl.wireSeq.Load() == c.consumedUpTo {
			return
		}
	}
	c.consumedUpTo = -1
}

// unconsumed reports whether e, unacked by c, was written to the client
// but, by the client's own account (CloseConsumed), never handed to its
// application. Caller holds c.q.mu.
func (c *Consumer) unconsumed(e *entry) bool {
	dl := e.delivery
	if !c.consumedKnown || dl == nil || dl.state.Load() != 1 {
		return false
	}
	n := dl.wireSeq.Load()
	// 0: claimed by the writer but not yet numbered, so not yet written.
	return n == 0 || n > c.consumedUpTo
}

func (c *Consumer) close() {
	if c.group != nil {
		c.closeGroup()
		c.conn.b.consumerAdvisory(c, true)
		return
	}
	q := c.q
	if q == nil {
		return
	}
	q.removeConsumer(c)
	if c.topicSub {
		c.conn.b.detachTopicSub(c)
		q.close()
	}
	if c.durable != nil {
		c.durable.deactivate(c)
	}
	c.conn.b.consumerAdvisory(c, true)
}

// ExtendCredit widens the consumer's window by n delivered-but-unacked
// messages (OpenWire's DELIVERED ack, used while a transaction is open);
// the extension shrinks again as messages are acked.
func (c *Consumer) ExtendCredit(n int) {
	if c.group != nil {
		for _, k := range c.kids() {
			k.ExtendCredit(n)
		}
		return
	}
	q := c.q
	q.mu.Lock()
	c.extension += n
	if max := c.unacked - c.txAcked; c.extension > max {
		c.extension = max
	}
	q.gen++
	var d deferred
	q.dispatchLocked(&d)
	q.unlock(&d)
}

// AckExpired acknowledges a message the client found expired: it is removed
// and handled as an expired dead letter.
func (c *Consumer) AckExpired(msgID string) error {
	if c.group != nil {
		k, err := c.child(msgID)
		if err != nil {
			return err
		}
		return k.AckExpired(msgID)
	}
	q := c.q
	q.mu.Lock()
	e := c.unackedByID(msgID)
	if e == nil || e.owner != c || e.txAck != nil {
		q.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrUnknownMessage, msgID)
	}
	q.unlink(e)
	q.expired++
	q.dequeued++
	d := deferred{dead: []deadLetter{{e: e, cause: expiryCause(e), exp: true}}}
	q.dispatchLocked(&d)
	q.unlock(&d)
	return nil
}

// unackedByID finds an unacked entry of c by message ID. Auto-ack consumers
// keep no index (their acks name deliveries, not IDs), so for them this is
// a walk of the few in flight.
func (c *Consumer) unackedByID(msgID string) *entry {
	if !c.opts.AutoAck {
		return c.byID[msgID]
	}
	for x := c.uhead; x != nil; x = x.cnext {
		if x.msg.ID == msgID {
			return x
		}
	}
	return nil
}

// HasUnacked reports whether msgID was delivered to c and is not yet acked.
func (c *Consumer) HasUnacked(msgID string) bool {
	if c.group != nil {
		return c.holder(msgID) != nil
	}
	q := c.q
	q.mu.Lock()
	defer q.mu.Unlock()
	e := c.unackedByID(msgID)
	return e != nil && e.owner == c
}
