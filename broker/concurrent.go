package broker

import (
	"sync/atomic"

	"amq/store"
)

// Concurrent store and dispatch (ActiveMQ's concurrentStoreAndDispatchQueues,
// on by default for KahaDB and the LevelDB store): a persistent message sent
// to a queue is handed to a consumer while its journal write is still under
// way, and the sender's completion (STOMP RECEIPT, OpenWire Response) goes
// out when the write is durable or when a consumer has consumed the message,
// whichever comes first. A message a consumer acknowledged needs no record:
// if the machine dies before the write reaches the disk, it is either gone
// with its ack (consumed, as the sender was told) or comes back and is
// delivered again. It is never lost unseen: the completion is released only
// by an ack that settles the message for its consumer -- an auto-ack
// delivery once it is on the wire, a client ack nobody waits for -- while an
// ack with a receipt releases nothing early (its own durable write comes
// after the message's, in journal order).
//
// The store must journal requests in the order Apply and ApplyLazy were
// called, so a message's ack can never reach the journal before the message.

// sendDone runs a send's completion once: when its record is durable and
// the message is in its queue, or earlier, when a consumer's ack releases it.
type sendDone struct {
	fired atomic.Bool
	steps atomic.Int32 // of the usual two (written, enqueued) still to come
	fn    func(error)
}

func newSendDone(fn func(error)) *sendDone {
	s := &sendDone{fn: fn}
	s.steps.Store(2)
	return s
}

// step records one of the two steps; an error completes the send at once.
func (s *sendDone) step(err error) {
	if err != nil || s.steps.Add(-1) == 0 {
		s.fire(err)
	}
}

func (s *sendDone) fire(err error) {
	if s.fired.CompareAndSwap(false, true) {
		fn := s.fn
		s.fn = nil // only the winner touches fn
		if fn != nil {
			fn(err)
		}
	}
}

// Receipts are senders' completions released by a consumer's ack. The
// caller runs Release once the consumer has the messages (for an auto-ack
// delivery: after the write to its socket).
type Receipts []*sendDone

// Release runs the completions not already run.
func (r Receipts) Release() {
	for _, s := range r {
		s.fire(nil)
	}
}

// sendConcurrent journals a persistent queue message and makes it
// dispatchable at once. It reports false, having done nothing, when the
// message does not qualify; the caller then takes the usual path.
func (c *Conn) sendConcurrent(p *plan, done func(error)) bool {
	b := c.b
	if !b.cfg.ConcurrentStoreAndDispatchQueues || len(p.targets) != 1 || len(p.tmpOps) > 0 {
		return false
	}
	t := p.targets[0]
	if !t.e.stored || t.q.subKey != "" || !t.q.dest.IsQueue() {
		return false
	}
	sd := newSendDone(done)
	if !t.q.claimEarly(t.e, sd) {
		return false
	}
	m := t.e.msg
	var failed atomic.Bool
	// Apply before the message is dispatchable: its ack must come after its
	// record in the journal.
	b.store.Apply(p.ops, func(_ store.Position, err error) {
		if err != nil {
			b.log.Error("persisting a message failed", "destination", m.Dest.String(), "err", err)
			failed.Store(true)
			t.q.withdraw(t.e)
		}
		sd.step(err)
	})
	t.q.enqueue(t.e)
	if failed.Load() {
		t.q.withdraw(t.e) // the write failed before the enqueue
	}
	sd.step(nil)
	return true
}

// claimEarly reports whether e, a stored message whose write is about to
// start, may be dispatched before the write ends: only while the queue holds
// its backlog in memory, as a message past the window must be readable from
// the store when it is paged in. A claimed entry counts as loaded (seq <=
// loadCursor), so a page-in never reads it and enqueue puts it in memory.
func (q *msgQueue) claimEarly(e *entry, sd *sendDone) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.loading || q.storeOnly > 0 || q.memory+e.size() > q.window {
		return false
	}
	q.loadCursor = max(q.loadCursor, e.seq)
	e.early = sd
	return true
}

// withdraw takes back a message whose write failed, unless a consumer has it.
func (q *msgQueue) withdraw(e *entry) {
	q.mu.Lock()
	delete(q.reserved, e.seq)
	if e.listed {
		q.removePending(e)
		q.b.release(e)
	}
	e.early = nil
	q.mu.Unlock()
}
