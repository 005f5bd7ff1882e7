package broker

import (
	"errors"
	"fmt"

	"amq/store"
)

// ErrNoSuchMessage is returned when a management operation names a message
// that is not pending on the destination.
var ErrNoSuchMessage = errors.New("no such pending message")

// takePending removes a pending (not in-flight) message by ID.
func (q *msgQueue) takePending(msgID string) *entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := range q.lists {
		for e := q.lists[i].head; e != nil; e = e.next {
			if e.msg.ID == msgID {
				q.removePending(e)
				q.b.release(e)
				q.dequeued++
				return e
			}
		}
	}
	return nil
}

// RemoveMessage deletes one pending message of a queue (removeMessage).
func (b *Broker) RemoveMessage(d Destination, msgID string) error {
	q := b.queue(d, false)
	if q == nil {
		return fmt.Errorf("%w: no queue %s", ErrNoSuchMessage, d)
	}
	e := q.takePending(msgID)
	if e == nil {
		return fmt.Errorf("%w: %s on %s", ErrNoSuchMessage, msgID, d)
	}
	if e.stored {
		_, err := store.ApplySync(b.store, []store.Op{q.ackOp(e)})
		return err
	}
	if e.tmp {
		b.tmp.Apply([]store.Op{q.ackOp(e)}, b.logStoreErr)
	}
	return nil
}

// MoveMessage moves one pending message to another destination
// (moveMessageTo), atomically with its removal.
func (b *Broker) MoveMessage(from Destination, msgID string, to Destination) error {
	return b.transfer(from, msgID, func(m *Message) (Destination, error) { return to, nil }, true)
}

// CopyMessage copies one pending message to another destination (copyMessageTo).
func (b *Broker) CopyMessage(from Destination, msgID string, to Destination) error {
	return b.transfer(from, msgID, func(m *Message) (Destination, error) { return to, nil }, false)
}

// RetryMessage sends a dead letter back to the destination it came from.
func (b *Broker) RetryMessage(dlq Destination, msgID string) error {
	return b.transfer(dlq, msgID, retryTarget, true)
}

func retryTarget(m *Message) (Destination, error) {
	if m.OriginalDest.IsZero() {
		return Destination{}, fmt.Errorf("message %s has no original destination to retry to", m.ID)
	}
	return m.OriginalDest, nil
}

// RetryMessages retries every pending message of a DLQ (retryMessages) and
// returns how many went back.
func (b *Broker) RetryMessages(dlq Destination) (int, error) {
	q := b.queue(dlq, false)
	if q == nil {
		return 0, nil
	}
	n := 0
	for _, m := range q.snapshot(0) {
		if err := b.transfer(dlq, m.ID, retryTarget, true); err != nil {
			if errors.Is(err, ErrNoSuchMessage) {
				continue // consumed meanwhile
			}
			return n, err
		}
		n++
	}
	return n, nil
}

func (b *Broker) transfer(from Destination, msgID string, dest func(*Message) (Destination, error), move bool) error {
	q := b.queue(from, false)
	if q == nil {
		return fmt.Errorf("%w: no queue %s", ErrNoSuchMessage, from)
	}
	var e *entry
	var m *Message
	if move {
		if e = q.takePending(msgID); e == nil {
			return fmt.Errorf("%w: %s on %s", ErrNoSuchMessage, msgID, from)
		}
		m = e.msg
	} else {
		for _, x := range q.snapshot(0) {
			if x.ID == msgID {
				m = x
				break
			}
		}
		if m == nil {
			return fmt.Errorf("%w: %s on %s", ErrNoSuchMessage, msgID, from)
		}
	}
	to, err := dest(m)
	if err != nil {
		if e != nil {
			q.enqueue(e) // put it back
		}
		return err
	}
	nm := m.Clone()
	nm.Dest = to
	if move && !m.OriginalDest.IsZero() && to == m.OriginalDest {
		// A retried dead letter is an ordinary message again.
		nm.OriginalDest = Destination{}
		nm.DelProp("dlqDeliveryFailureCause")
		nm.DelProp("originalExpiration")
	}
	var p plan
	if err := b.routeOne(nm, &p); err != nil {
		if e != nil {
			q.enqueue(e)
		}
		return err
	}
	if e != nil && e.stored {
		p.ops = append(p.ops, q.ackOp(e))
	} else if e != nil && e.tmp {
		b.tmp.Apply([]store.Op{q.ackOp(e)}, b.logStoreErr)
	}
	if len(p.ops) > 0 {
		if _, err := store.ApplySync(b.store, p.ops); err != nil {
			p.abort()
			return err
		}
	}
	p.commit()
	return nil
}
