package broker

import (
	"fmt"
	"strings"
	"sync"
)

// A consumer on a wildcard or composite queue name (ORDERS.>, A,B) reads
// from every matching queue, those created later included. It is a parent
// with one child consumer per queue, sharing the parent's Deliverer; the
// parent's methods act on the child holding the message, or on all.
type queueGroup struct {
	mu       sync.Mutex
	children []*Consumer
	patterns namePatterns
	closed   bool
}

// isMultiQueue reports whether a queue subscription spans several queues.
func isMultiQueue(d Destination) bool {
	return d.Kind == Queue && (IsWildcard(d.Name) || strings.Contains(d.Name, ","))
}

func (c *Consumer) kids() []*Consumer {
	if c.group == nil {
		return nil
	}
	c.group.mu.Lock()
	defer c.group.mu.Unlock()
	return append([]*Consumer(nil), c.group.children...)
}

// holder returns the child that has msgID unacked, or nil.
func (c *Consumer) holder(msgID string) *Consumer {
	for _, k := range c.kids() {
		if k.HasUnacked(msgID) {
			return k
		}
	}
	return nil
}

// child returns the child of a multi-queue consumer holding msgID.
func (c *Consumer) child(msgID string) (*Consumer, error) {
	if k := c.holder(msgID); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownMessage, msgID)
}

// subscribeQueues attaches a parent consumer to every queue it matches.
func (b *Broker) subscribeQueues(parent *Consumer) {
	g := &queueGroup{patterns: patternsOf(parent.opts.Dest)}
	parent.group = g
	b.mu.Lock()
	b.wildQueues = append(b.wildQueues, parent)
	var qs []*msgQueue
	for _, q := range b.queues {
		if q.dest.Kind == Queue && g.patterns.matches(q.dest.Name) {
			qs = append(qs, q)
		}
	}
	b.mu.Unlock()
	// Named members of a composite exist as soon as someone asks for them.
	for _, p := range g.patterns {
		if !IsWildcard(p) {
			if q := b.queue(QueueDest(p), true); !containsQueue(qs, q) {
				qs = append(qs, q)
			}
		}
	}
	for _, q := range qs {
		b.attachChild(parent, q)
	}
}

func containsQueue(qs []*msgQueue, q *msgQueue) bool {
	for _, x := range qs {
		if x == q {
			return true
		}
	}
	return false
}

// attachChild adds a child consumer on q for parent, once.
func (b *Broker) attachChild(parent *Consumer, q *msgQueue) {
	g := parent.group
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	for _, k := range g.children {
		if k.q == q {
			g.mu.Unlock()
			return
		}
	}
	o := parent.opts
	o.Dest = q.dest
	child := &Consumer{id: b.consSeq.Add(1), conn: parent.conn, opts: o, sel: parent.sel, out: parent.out,
		priority: parent.priority, exclusive: parent.exclusive, noLocal: parent.noLocal, prefetch: parent.prefetch}
	g.children = append(g.children, child)
	g.mu.Unlock()
	q.addConsumer(child)
}

// newQueueForWildcards attaches waiting wildcard consumers to a new queue.
func (b *Broker) newQueueForWildcards(q *msgQueue) {
	if q.dest.Kind != Queue {
		return
	}
	b.mu.RLock()
	var ps []*Consumer
	for _, p := range b.wildQueues {
		if p.group.patterns.matches(q.dest.Name) {
			ps = append(ps, p)
		}
	}
	b.mu.RUnlock()
	for _, p := range ps {
		b.attachChild(p, q)
	}
}

// closeGroup detaches every child; their unacked messages go back.
func (c *Consumer) closeGroup() {
	b := c.conn.b
	b.mu.Lock()
	for i, p := range b.wildQueues {
		if p == c {
			b.wildQueues = append(b.wildQueues[:i], b.wildQueues[i+1:]...)
			break
		}
	}
	b.mu.Unlock()
	c.group.mu.Lock()
	c.group.closed = true
	kids := c.group.children
	c.group.children = nil
	c.group.mu.Unlock()
	for _, k := range kids {
		k.q.removeConsumer(k)
	}
}
