package broker

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"amq/store"
)

// entry is one message held by a msgQueue: pending, or in flight to a consumer.
type entry struct {
	msg *Message
	seq uint64
	sz  int32 // cached msg.Size()
	at  int64 // unix ns when routed, for the dispatch latency observer (0 = not observed)
	// skipGen is the queue's credit generation when no consumer would take
	// the entry; until credit or consumers change it is not examined again.
	skipGen uint64
	stored  bool   // a store record (container, sub) exists and must be acked
	tmp     bool   // a non-persistent message spilled to the temp store
	cont    string // store container when it differs from the queue's (wildcard durables)
	// deliveries counts dispatches the consumer actually received.
	deliveries  int32
	redeliverAt int64 // unix ms before which it is not dispatched again

	prev, next *entry // pending list
	listed     bool

	owner        *Consumer // while in flight
	cprev, cnext *entry    // owner's unacked list, in dispatch order
	delivery     *Delivery
	// first is the first Delivery made of this entry, allocated with it:
	// most entries are dispatched once. A later dispatch makes a new one,
	// as a writer may still hold the first (revoked) one. It is in use once
	// its e is set.
	first Delivery
	txAck *Tx // acked inside this transaction, not yet committed
	// early is the sender's completion while the message may be dispatched
	// before its record is durable (see sendConcurrent).
	early *sendDone
}

type pendingList struct {
	head, tail *entry
}

// insert keeps the list ordered by seq. New messages append at the tail in
// O(1); messages returned by a departing consumer go back near the head.
func (l *pendingList) insert(e *entry) {
	e.listed = true
	if l.tail == nil {
		e.prev, e.next = nil, nil
		l.head, l.tail = e, e
		return
	}
	if l.tail.seq < e.seq {
		e.prev, e.next = l.tail, nil
		l.tail.next = e
		l.tail = e
		return
	}
	at := l.head
	for at != nil && at.seq < e.seq {
		at = at.next
	}
	// insert before at
	e.next = at
	e.prev = at.prev
	if at.prev != nil {
		at.prev.next = e
	} else {
		l.head = e
	}
	at.prev = e
}

func (l *pendingList) remove(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next, e.listed = nil, nil, false
}

// QueueStats is a snapshot of a destination's counters, named as ActiveMQ's
// JMX attributes are.
type QueueStats struct {
	QueueSize     int64 // pending + in flight
	InFlightCount int64
	EnqueueCount  int64
	DequeueCount  int64
	DispatchCount int64
	ExpiredCount  int64
	ConsumerCount int
	MemoryUsage   int64
	// Sizes (as Message.Size counts them) of the messages enqueued so far:
	// the smallest, the largest and their sum, 0 before the first.
	MinMessageSize int64
	MaxMessageSize int64
	EnqueuedBytes  int64
}

// AverageMessageSize is the mean size of the messages enqueued so far,
// truncated to whole bytes as ActiveMQ's DestinationView reports it.
func (s QueueStats) AverageMessageSize() int64 {
	if s.EnqueueCount <= 0 {
		return 0
	}
	return s.EnqueuedBytes / s.EnqueueCount
}

// msgQueue is the dispatch engine shared by queues, durable subscriptions and
// non-durable topic subscriptions: ordered pending messages, consumers with
// prefetch credit, acks. Everything in it is guarded by mu; Deliverers are
// called under mu and must only queue the delivery (no I/O).
type msgQueue struct {
	b         *Broker
	dest      Destination
	container string // store container
	subKey    string // store subscription key for durable subscriptions
	policy    *Policy

	mu         sync.Mutex
	lists      []pendingList // one, or ten by priority (9 first) when prioritized
	npending   int
	consumers  []*Consumer // sorted by priority, highest first (useConsumerPriority)
	groups     map[string]*Consumer
	maxPending int // > 0 bounds pending (non-durable topic subscriptions)
	paused     bool
	closed     bool
	// gen advances whenever some consumer may take more (credit freed,
	// consumers or groups changed), so skipped entries are looked at again.
	gen     uint64
	timer   *time.Timer // wakes dispatch for delayed redeliveries
	timerAt int64

	inflight int64
	memory   int64 // bytes of pending messages held in memory
	enqueued int64
	sizes    sizeStats

	// Paging (queues and durable subscriptions): only a window of stored
	// messages is held in memory; the rest stays in the store. Every
	// in-memory stored entry has seq <= loadCursor; store-only ones have
	// seq > loadCursor and are read back in seq order.
	window     int64 // bytes of pending messages kept in memory
	loadCursor uint64
	storeOnly  int64 // messages in the store, not in memory (may be an estimate)
	loading    bool
	arrived    []*entry // stored entries that arrived while loading
	// reserved holds seqs routed here whose store write is under way: the
	// record may already be readable while its entry has not arrived yet,
	// so a page-in skips them (the entry comes through enqueue).
	reserved map[uint64]struct{}
	spill    atomic.Bool // hint for overWindow, refreshed under mu

	dequeued   int64
	dispatched int64
	expired    int64
	evicted    int64
}

func newMsgQueue(b *Broker, dest Destination, container, subKey string, p *Policy) *msgQueue {
	q := &msgQueue{b: b, dest: dest, container: container, subKey: subKey, policy: p, window: p.PageWindow, gen: 1}
	if q.window <= 0 {
		q.window = 32 << 20
	}
	if p.Prioritized {
		q.lists = make([]pendingList, 10)
	} else {
		q.lists = make([]pendingList, 1)
	}
	return q
}

func (q *msgQueue) listFor(e *entry) *pendingList {
	if len(q.lists) == 1 {
		return &q.lists[0]
	}
	p := int(e.msg.Priority)
	if p > 9 {
		p = 9
	}
	return &q.lists[9-p]
}

// deferred work found under the lock and done after it is released, so that
// routing to another destination (DLQ) never nests destination locks.
type deferred struct {
	dead    []deadLetter
	storeOp []store.Op
	tmpOp   []store.Op // acks of spilled non-persistent messages
	// early holds senders' completions that consuming a message whose
	// write was still under way may release; only consumer acks do (see
	// Consumer.Ack and AckDelivered), every other path leaves them to the
	// store.
	early Receipts
}

type deadLetter struct {
	e     *entry
	cause string
	exp   bool // expired
}

func (q *msgQueue) unlock(d *deferred) {
	q.mu.Unlock()
	q.runDeferred(d)
}

func (q *msgQueue) runDeferred(d *deferred) {
	if d == nil {
		return
	}
	for _, dl := range d.dead {
		q.b.release(dl.e)
		q.b.deadLetter(q, dl.e, dl.cause, dl.exp)
	}
	if len(d.storeOp) > 0 {
		// Only acks collect here (see finish).
		store.ApplyLazy(q.b.store, d.storeOp, q.b.logStoreErr)
	}
	if len(d.tmpOp) > 0 {
		q.b.tmp.Apply(d.tmpOp, q.b.logStoreErr)
	}
}

// enqueue adds entries that are already durable (if persistent) and dispatches.
func (q *msgQueue) enqueue(es ...*entry) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	var d deferred
	for _, e := range es {
		q.enqueued++
		q.sizes.add(e.size())
		delete(q.reserved, e.seq)
		if (e.stored || e.tmp) && q.subKeyOrQueue() && e.seq > q.loadCursor {
			if q.loading {
				q.arrived = append(q.arrived, e)
				continue
			}
			if q.storeOnly > 0 || q.memory+e.size() > q.window {
				// Past the window: the store has it; it is paged in later.
				q.storeOnly++
				continue
			}
			q.loadCursor = e.seq
		}
		q.insertLocked(e)
	}
	if q.maxPending > 0 && q.npending > q.maxPending {
		q.evictLocked(&d)
	}
	q.dispatchLocked(&d)
	q.unlock(&d)
}

// reserve marks a seq whose store write is under way (see reserved).
func (q *msgQueue) reserve(seq uint64) {
	if !q.subKeyOrQueue() {
		return
	}
	q.mu.Lock()
	if q.reserved == nil {
		q.reserved = map[uint64]struct{}{}
	}
	q.reserved[seq] = struct{}{}
	q.mu.Unlock()
}

// unreserve drops a reservation whose write failed.
func (q *msgQueue) unreserve(seq uint64) {
	q.mu.Lock()
	delete(q.reserved, seq)
	q.mu.Unlock()
}

// overWindow reports whether new messages would be paged out. It reads a
// hint refreshed after every dispatch pass, so routing takes no queue lock;
// a stale answer only moves where a message waits, never loses it.
func (q *msgQueue) overWindow() bool { return q.spill.Load() }

// subKeyOrQueue reports whether the queue pages (queues and durable
// subscriptions; non-durable topic subscriptions hold no stored entries).
func (q *msgQueue) subKeyOrQueue() bool { return q.container != "" }

func (q *msgQueue) insertLocked(e *entry) {
	q.listFor(e).insert(e)
	q.npending++
	sz := e.size()
	q.memory += sz
	q.b.memUsed.Add(sz)
}

// size is what an entry counts against memory limits.
func (e *entry) size() int64 {
	if e.sz == 0 {
		e.sz = int32(e.msg.Size())
	}
	return int64(e.sz)
}

// maybePageIn starts a page-in when the window has room and the store
// holds more. The read happens without the lock.
func (q *msgQueue) maybePageInLocked() {
	// Stored only when it changes: every dispatch pass comes here, and a
	// store would take the cache line from the routing goroutines reading
	// it on other cores.
	if spill := q.storeOnly > 0 || q.loading || q.memory >= q.window; spill != q.spill.Load() {
		q.spill.Store(spill)
	}
	if q.storeOnly <= 0 || q.loading || q.closed || q.memory > q.window/2 {
		return
	}
	q.loading = true
	q.b.wg.Add(1)
	go q.pageIn()
}

// readBack reads the next messages after the cursor from the store and, for
// spilled non-persistent messages, the temp store, merged in seq order and
// up to about half the free window. exhausted reports that both stores had
// nothing more.
func (q *msgQueue) readBack(after uint64, budget int64) (es []*entry, exhausted bool, err error) {
	const batch = 2000
	read := func(st store.Store, tmp bool) ([]*entry, bool, error) {
		if st == nil {
			return nil, false, nil
		}
		var out []*entry
		var bytes int64
		var derr error
		truncated := false
		cont := q.container
		if q.subKey != "" && !tmp {
			// A durable subscription's messages lie in the topics they were
			// sent to: several for a wildcard or composite one.
			cont = ""
		}
		err := st.Load(context.Background(), cont, q.subKey, after, batch, func(r store.Record) bool {
			m, err := UnmarshalMessage(r.Data)
			if err != nil {
				derr = fmt.Errorf("page in %s seq %d: %w", q.container, r.Seq, err)
				return false
			}
			e := &entry{msg: m, seq: r.Seq, stored: !tmp, tmp: tmp}
			if q.subKey != "" {
				e.cont = r.Container
			}
			out = append(out, e)
			bytes += e.size()
			if bytes >= budget/2 {
				truncated = true
				return false
			}
			return true
		})
		if err == nil {
			err = derr
		}
		return out, truncated || len(out) == batch, err
	}
	a, truncA, err := read(q.b.store, false)
	if err != nil {
		return nil, false, err
	}
	t, truncT, err := read(q.b.tmp, true)
	if err != nil {
		return nil, false, err
	}
	// Merge by seq; a truncated list bounds what may be taken from the other,
	// so nothing between the two is skipped.
	bound := ^uint64(0)
	if truncA && len(a) > 0 {
		bound = a[len(a)-1].seq
	}
	if truncT && len(t) > 0 && t[len(t)-1].seq < bound {
		bound = t[len(t)-1].seq
	}
	var bytes int64
	cut := false
	for len(a) > 0 || len(t) > 0 {
		var e *entry
		if len(t) == 0 || (len(a) > 0 && a[0].seq < t[0].seq) {
			e, a = a[0], a[1:]
		} else {
			e, t = t[0], t[1:]
		}
		if e.seq > bound {
			break
		}
		es = append(es, e)
		bytes += e.size()
		if bytes >= budget/2 {
			cut = true
			break
		}
	}
	return es, !truncA && !truncT && !cut, nil
}

// pageIn reads the next stored messages into memory, in seq order.
func (q *msgQueue) pageIn() {
	defer q.b.wg.Done()
	for {
		q.mu.Lock()
		after := q.loadCursor
		budget := q.window - q.memory
		q.mu.Unlock()
		es, exhausted, err := q.readBack(after, budget)
		q.mu.Lock()
		if err != nil {
			q.b.log.Error("paging messages in from the store failed", "destination", q.dest.String(), "err", err)
			exhausted = false
		}
		if q.closed {
			q.loading = false
			q.arrived = nil
			q.mu.Unlock()
			return
		}
		// Entries that arrived during the read were never counted as
		// store-only, so reading their records must not be subtracted.
		arrived := make(map[uint64]bool, len(q.arrived))
		for _, e := range q.arrived {
			arrived[e.seq] = true
		}
		loaded := make(map[uint64]bool, len(es))
		var counted int64
		for _, e := range es {
			q.loadCursor = e.seq
			if _, inTransit := q.reserved[e.seq]; inTransit {
				continue // its entry arrives through enqueue
			}
			loaded[e.seq] = true
			q.insertLocked(e)
			if !arrived[e.seq] {
				counted++
			}
		}
		q.storeOnly -= counted
		// Stored entries that arrived during the read: one the read saw is
		// already in; one at or below the new cursor is older than what
		// remains in the store and joins memory; the rest stay store-only.
		var late int64
		for _, e := range q.arrived {
			switch {
			case loaded[e.seq]:
			case e.seq <= q.loadCursor:
				q.insertLocked(e)
			default:
				late++
			}
		}
		q.arrived = nil
		if exhausted && err == nil {
			// The read reached the end: only the late arrivals remain.
			q.storeOnly = late
		} else {
			q.storeOnly += late
		}
		if q.storeOnly < 0 {
			q.storeOnly = 0
		}
		more := err == nil && q.storeOnly > 0 && q.memory <= q.window/2 && len(es) > 0
		if !more {
			q.loading = false
		}
		var d deferred
		q.dispatchLocked(&d)
		q.unlock(&d)
		if !more {
			return
		}
	}
}

// evictLocked drops the oldest pending messages of a slow non-durable topic
// subscriber beyond its limit, as ActiveMQ's pending message limit strategy.
func (q *msgQueue) evictLocked(d *deferred) {
	for q.npending > q.maxPending {
		var oldest *entry
		for i := range q.lists {
			if h := q.lists[i].head; h != nil && (oldest == nil || h.seq < oldest.seq) {
				oldest = h
			}
		}
		if oldest == nil {
			return
		}
		q.removePending(oldest)
		q.b.release(oldest)
		q.evicted++
		q.dequeued++
		if q.evicted == 1 || q.evicted%10000 == 0 {
			q.b.log.Warn("slow consumer: evicting oldest pending messages", "destination", q.dest.String(), "limit", q.maxPending, "evicted", q.evicted)
		}
	}
}

func (q *msgQueue) removePending(e *entry) {
	q.listFor(e).remove(e)
	q.npending--
	q.memory -= e.size()
}

// dispatchLocked hands pending messages to consumers with credit.
func (q *msgQueue) dispatchLocked(d *deferred) {
	defer q.maybePageInLocked()
	if q.paused || q.npending == 0 || len(q.consumers) == 0 || q.closed {
		return
	}
	// The clock is read only for a message that expires or waits for a
	// redelivery delay: most do neither, and a topic publish runs a pass
	// per subscription.
	var now int64
	clock := func() int64 {
		if now == 0 {
			now = time.Now().UnixMilli()
		}
		return now
	}
	var wake int64
	// A pass gives up after this many messages no consumer would take, as
	// ActiveMQ looks only at a page of pending messages: a selective
	// consumer cannot make every enqueue rescan a deep backlog.
	const maxSkip = 2000
	skipped := 0
	for i := range q.lists {
		l := &q.lists[i]
		for e := l.head; e != nil; {
			if skipped >= maxSkip {
				q.armTimer(wake)
				return
			}
			next := e.next
			if e.msg.Expiration > 0 && e.msg.Expired(clock()) {
				q.removePending(e)
				q.expired++
				q.dequeued++
				d.dead = append(d.dead, deadLetter{e: e, cause: expiryCause(e), exp: true})
				e = next
				continue
			}
			if e.skipGen == q.gen {
				e = next // nothing changed since no consumer would take it
				continue
			}
			if e.redeliverAt > 0 && e.redeliverAt > clock() {
				if wake == 0 || e.redeliverAt < wake {
					wake = e.redeliverAt
				}
				e = next
				continue
			}
			c, full := q.pick(e)
			if c == nil {
				if full {
					q.armTimer(wake)
					return
				}
				skipped++
				e.skipGen = q.gen
				e = next
				continue
			}
			q.removePending(e)
			q.assign(c, e)
			e = next
		}
	}
	q.armTimer(wake)
}

func (q *msgQueue) armTimer(at int64) {
	if at == 0 || (q.timer != nil && q.timerAt != 0 && q.timerAt <= at) {
		return
	}
	q.timerAt = at
	delay := time.Until(time.UnixMilli(at))
	if q.timer == nil {
		q.timer = time.AfterFunc(delay, q.redispatch)
	} else {
		q.timer.Reset(delay)
	}
}

func (q *msgQueue) redispatch() {
	q.mu.Lock()
	q.timerAt = 0
	var d deferred
	q.dispatchLocked(&d)
	q.unlock(&d)
}

// pick chooses the consumer for e. full reports that no consumer has credit,
// so the walk over pending messages can stop.
func (q *msgQueue) pick(e *entry) (c *Consumer, full bool) {
	if gid := e.msg.GroupID; gid != "" && q.groups != nil {
		if owner, ok := q.groups[gid]; ok {
			if owner.hasCredit() {
				return owner, false
			}
			return nil, false
		}
	}
	if ex := q.exclusiveHolder(); ex != nil {
		// The exclusive consumer takes everything while it lives; it is
		// never rotated away.
		if !ex.hasCredit() {
			return nil, true
		}
		if ex.sel != nil && !ex.sel.Match(e.msg, e.deliveries+1) {
			return nil, false
		}
		return ex, false
	}
	anyCredit := false
	for i, cand := range q.consumers {
		if !cand.hasCredit() {
			continue
		}
		anyCredit = true
		if cand.sel != nil && !cand.sel.Match(e.msg, e.deliveries+1) {
			continue
		}
		if cand.noLocal && e.msg.ProducerConn == cand.conn.id {
			continue
		}
		q.rotate(i)
		return cand, false
	}
	return nil, !anyCredit
}

// exclusiveHolder returns the exclusive consumer that takes everything, if
// any: the highest-priority exclusive consumer, the earliest among equals.
// With allConsumersExclusiveByDefault every consumer but a browser counts
// as exclusive, as in ActiveMQ's Queue.
func (q *msgQueue) exclusiveHolder() *Consumer {
	var h *Consumer
	all := q.policy.AllConsumersExclusive
	for _, c := range q.consumers {
		if (c.exclusive || (all && !c.opts.Browser)) && (h == nil || c.priority > h.priority || (c.priority == h.priority && c.id < h.id)) {
			h = c
		}
	}
	return h
}

// rotate moves consumer i to the end of its priority band: round-robin
// among consumers of equal priority, as ActiveMQ dispatches. Without
// useConsumerPriority the whole list is one band.
func (q *msgQueue) rotate(i int) {
	c := q.consumers[i]
	j := i
	for j+1 < len(q.consumers) && (q.consumers[j+1].priority == c.priority || !q.policy.UseConsumerPriority) {
		q.consumers[j] = q.consumers[j+1]
		j++
	}
	q.consumers[j] = c
}

func (q *msgQueue) assign(c *Consumer, e *entry) {
	e.deliveries++
	e.owner = c
	// append to c's unacked list
	e.cprev, e.cnext = c.utail, nil
	if c.utail != nil {
		c.utail.cnext = e
	} else {
		c.uhead = e
	}
	c.utail = e
	c.unacked++
	if !c.opts.AutoAck {
		if c.byID == nil {
			c.byID = make(map[string]*entry)
		}
		c.byID[e.msg.ID] = e
	}
	if c.prefetch == 0 && c.pulls > 0 {
		c.pulls--
	}
	q.inflight++
	q.dispatched++
	if e.at != 0 && e.deliveries == 1 {
		if f := q.b.dispatchObs.Load(); f != nil {
			(*f)(time.Duration(time.Now().UnixNano() - e.at))
		}
	}
	dl := &e.first
	if dl.e != nil {
		dl = &Delivery{}
	}
	dl.Msg, dl.Consumer, dl.DeliveryCount, dl.Redelivered, dl.e = e.msg, c, e.deliveries, e.deliveries > 1, e
	if gid := e.msg.GroupID; gid != "" {
		if q.groups == nil {
			q.groups = make(map[string]*Consumer)
		}
		if _, ok := q.groups[gid]; !ok {
			q.groups[gid] = c
			dl.GroupFirst = true
		}
		if e.msg.GroupSeq < 0 {
			delete(q.groups, gid)
			q.gen++
		}
	}
	e.delivery = dl
	c.out.Deliver(dl)
}

// unlink removes e from its owner's unacked list.
func (q *msgQueue) unlink(e *entry) {
	c := e.owner
	if c == nil {
		return
	}
	if e.cprev != nil {
		e.cprev.cnext = e.cnext
	} else {
		c.uhead = e.cnext
	}
	if e.cnext != nil {
		e.cnext.cprev = e.cprev
	} else {
		c.utail = e.cprev
	}
	e.cprev, e.cnext = nil, nil
	if c.byID != nil {
		delete(c.byID, e.msg.ID)
	}
	if !c.hasCredit() {
		q.gen++ // a consumer that was full can take messages again
	}
	c.unacked--
	if e.txAck != nil {
		c.txAcked--
	}
	if c.extension > c.unacked-c.txAcked {
		c.extension = c.unacked - c.txAcked
	}
	e.owner = nil
	q.inflight--
}

// finish records that e is consumed and queues its store ack.
func (q *msgQueue) finish(e *entry, d *deferred) {
	q.dequeued++
	q.b.release(e)
	if e.early != nil {
		d.early = append(d.early, e.early)
		e.early = nil
	}
	if e.stored {
		d.storeOp = append(d.storeOp, q.ackOp(e))
	} else if e.tmp {
		d.tmpOp = append(d.tmpOp, q.ackOp(e))
	}
}

func (q *msgQueue) ackOp(e *entry) store.Op {
	c := q.container
	if e.cont != "" {
		c = e.cont
	}
	return store.Op{Kind: store.OpAck, Ack: store.AckRef{Container: c, Seq: e.seq, Sub: q.subKey}}
}

// returnLocked puts an in-flight entry back at its place in the pending order,
// flagged redelivered; past the redelivery limit it becomes a dead letter.
func (q *msgQueue) returnLocked(e *entry, d *deferred) {
	if dl := e.delivery; dl != nil {
		dl.revoke() // no-op if the writer claimed it or it was revoked already
		if dl.state.Load() == 2 && e.deliveries > 0 {
			// Never reached the client: it does not count as a delivery.
			e.deliveries--
		}
	}
	e.delivery = nil
	q.unlink(e)
	rp := &q.policy.Redelivery
	if rp.MaximumRedeliveries >= 0 && int(e.deliveries) > rp.MaximumRedeliveries {
		q.dequeued++
		d.dead = append(d.dead, deadLetter{e: e, cause: redeliveryCause(int(e.deliveries), rp.MaximumRedeliveries)})
		return
	}
	if e.deliveries > 0 {
		if delay := rp.Delay(int(e.deliveries)); delay > 0 {
			e.redeliverAt = time.Now().Add(delay).UnixMilli()
		}
	}
	e.skipGen = 0
	q.listFor(e).insert(e)
	q.npending++
	q.memory += e.size()
}

// expiryCause is ActiveMQ's dlqDeliveryFailureCause for an expired message:
// the text of the Throwable it dead-letters it with.
func expiryCause(e *entry) string {
	return "java.lang.Throwable: Message Expired. Expiration:" + strconv.FormatInt(e.msg.Expiration, 10)
}

func redeliveryCause(n, max int) string {
	return "Delivery[" + itoa(n) + "] exceeds redelivery policy limit:RedeliveryPolicy {maximumRedeliveries = " + itoa(max) + "}"
}

// addConsumer attaches c and dispatches to it.
func (q *msgQueue) addConsumer(c *Consumer) {
	q.mu.Lock()
	c.q = q
	i := len(q.consumers)
	if q.policy.UseConsumerPriority {
		i = sort.Search(len(q.consumers), func(i int) bool { return q.consumers[i].priority < c.priority })
	}
	q.consumers = append(q.consumers, nil)
	copy(q.consumers[i+1:], q.consumers[i:])
	q.consumers[i] = c
	q.gen++
	var d deferred
	q.dispatchLocked(&d)
	q.unlock(&d)
}

// removeConsumer detaches c; its unacked messages return to the queue.
func (q *msgQueue) removeConsumer(c *Consumer) {
	q.mu.Lock()
	for i, x := range q.consumers {
		if x == c {
			q.consumers = append(q.consumers[:i], q.consumers[i+1:]...)
			break
		}
	}
	for gid, owner := range q.groups {
		if owner == c {
			delete(q.groups, gid)
		}
	}
	var d deferred
	c.settleConsumedUpTo()
	for e := c.uhead; e != nil; {
		next := e.cnext
		switch {
		case e.txAck != nil:
			// Acked in an open transaction: the transaction owns it now.
			q.unlink(e)
			q.inflight++ // still in flight until commit/abort
		case c.opts.AutoAck && e.delivery != nil && !e.delivery.revoke() && e.delivery.state.Load() == 1:
			// The writer claimed it first: on the wire to an auto-ack
			// client, so consumed.
			q.unlink(e)
			q.finish(e, &d)
		default:
			if c.unconsumed(e) && e.deliveries > 0 {
				// Prefetched only: the application never saw it.
				e.deliveries--
			}
			q.returnLocked(e, &d)
		}
		e = next
	}
	c.closed = true
	q.gen++
	q.dispatchLocked(&d)
	q.unlock(&d)
}

func (q *msgQueue) stats() QueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := QueueStats{
		QueueSize:     int64(q.npending) + q.inflight + q.storeOnly,
		InFlightCount: q.inflight,
		EnqueueCount:  q.enqueued,
		DequeueCount:  q.dequeued,
		DispatchCount: q.dispatched,
		ExpiredCount:  q.expired,
		ConsumerCount: len(q.consumers),
		MemoryUsage:   q.memory,
	}
	q.sizes.fill(&st)
	return st
}

// snapshot returns pending and in-flight messages in queue order (browsing).
func (q *msgQueue) snapshot(limit int) []*Message {
	q.mu.Lock()
	defer q.mu.Unlock()
	var es []*entry
	for i := range q.lists {
		for e := q.lists[i].head; e != nil; e = e.next {
			es = append(es, e)
		}
	}
	for _, c := range q.consumers {
		for e := c.uhead; e != nil; e = e.cnext {
			es = append(es, e)
		}
	}
	if len(q.lists) == 1 {
		sort.Slice(es, func(i, j int) bool { return es[i].seq < es[j].seq })
	} else {
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].msg.Priority != es[j].msg.Priority {
				return es[i].msg.Priority > es[j].msg.Priority
			}
			return es[i].seq < es[j].seq
		})
	}
	now := time.Now().UnixMilli()
	out := make([]*Message, 0, len(es))
	for _, e := range es {
		if e.msg.Expired(now) {
			continue
		}
		out = append(out, e.msg)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// purge drops every pending message (not those in flight), as ActiveMQ's purge().
func (q *msgQueue) purge() int {
	q.mu.Lock()
	var d deferred
	n := 0
	for i := range q.lists {
		for e := q.lists[i].head; e != nil; {
			next := e.next
			q.removePending(e)
			q.finish(e, &d)
			n++
			e = next
		}
	}
	q.unlock(&d)
	return n
}

// expireScan removes expired pending messages (expireMessagesPeriod).
func (q *msgQueue) expireScan(now int64) {
	q.mu.Lock()
	var d deferred
	for i := range q.lists {
		for e := q.lists[i].head; e != nil; {
			next := e.next
			if e.msg.Expired(now) {
				q.removePending(e)
				q.expired++
				q.dequeued++
				d.dead = append(d.dead, deadLetter{e: e, cause: expiryCause(e), exp: true})
			}
			e = next
		}
	}
	q.unlock(&d)
}

// close drops everything; used for temp destinations and removed queues.
func (q *msgQueue) close() {
	q.mu.Lock()
	q.closed = true
	if q.timer != nil {
		q.timer.Stop()
	}
	var d deferred
	for i := range q.lists {
		for e := q.lists[i].head; e != nil; {
			next := e.next
			q.removePending(e)
			q.finish(e, &d)
			e = next
		}
	}
	for _, c := range q.consumers {
		for e := c.uhead; e != nil; {
			next := e.cnext
			q.unlink(e)
			q.finish(e, &d)
			e = next
		}
	}
	q.unlock(&d)
}

func (q *msgQueue) setPaused(p bool) {
	q.mu.Lock()
	q.paused = p
	q.gen++
	var d deferred
	q.dispatchLocked(&d)
	q.unlock(&d)
}

// Delivery is one message handed to a consumer. The adapter writes it and,
// once written, calls MarkSent; acks name the message ID.
type Delivery struct {
	Msg           *Message
	Consumer      *Consumer
	DeliveryCount int32 // JMSXDeliveryCount: 1 on first delivery
	Redelivered   bool
	GroupFirst    bool // JMSXGroupFirstForConsumer
	e             *entry
	// state: 0 queued for the writer, 1 sent (counts as received), 2
	// revoked (returned to the queue before it was written).
	state atomic.Int32
	// wireSeq is the adapter's number for the write that carried it.
	wireSeq atomic.Int64
}

// MarkSent claims the delivery for the wire. It reports false when the
// message was meanwhile returned to its queue (the consumer closed): the
// adapter must then not write it, or the client would see it twice.
// Once claimed, a later return counts it as a delivery attempt.
func (d *Delivery) MarkSent() bool {
	return d.state.CompareAndSwap(0, 1) || d.state.Load() == 1
}

// SetWireSeq records the adapter's sequence number for the write carrying
// d (OpenWire's MessageId.brokerSequenceId), numbers that increase in
// write order, so that Consumer.CloseConsumed can tell which deliveries
// the client's application took.
func (d *Delivery) SetWireSeq(n int64) { d.wireSeq.Store(n) }

// revoke withdraws a delivery not yet claimed by the writer; it reports
// whether it was withdrawn (false: the client already has it).
func (d *Delivery) revoke() bool { return d.state.CompareAndSwap(0, 2) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
