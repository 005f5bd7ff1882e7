// Package broker is the protocol-neutral core: destinations, dispatch,
// acknowledgements, transactions, durable subscriptions, dead letters. STOMP
// and OpenWire are adapters in internal/ that translate frames into calls on
// Conn and Consumer; Go programs embed the broker and use the same calls (or
// the in-process Client).
//
// Lock order (outer first): Broker.mu -> topic.mu -> msgQueue.mu.
// Conn.mu is never held while taking a destination lock. Deliverers run under
// msgQueue.mu and only queue work.
package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"amq/store"
	"amq/store/memory"
)

// Version is reported to clients and management tools.
const Version = "5.17.2"

// Config configures a Broker. Zero values give ActiveMQ's defaults.
type Config struct {
	// Name is the brokerName (default "localhost").
	Name string
	// Store keeps persistent messages; nil uses a memory store.
	Store store.Store
	// Logger receives the broker's logs; nil uses slog.Default().
	Logger *slog.Logger
	// PolicyFor returns the policy of a destination; nil uses DefaultPolicy.
	PolicyFor func(d Destination) Policy
	// Compile turns a selector into a Filter; nil uses JMS selectors.
	Compile func(selector string) (Filter, error)
	// Authorizer, when set, is asked before every operation on a destination.
	Authorizer Authorizer
	// TempStore, when set, receives non-persistent messages that do not fit
	// a queue's memory window (tmp_storage); its content is discarded at start.
	TempStore store.Store
	// PopulateUserID stamps each message with its sender's authenticated
	// user name (populateJMSXUserID).
	PopulateUserID bool
	// PurgePeriod is how often inactive destinations are looked for
	// (schedulePeriodForDestinationPurge); 0 never removes any.
	PurgePeriod time.Duration
	// Usage holds the <systemUsage> limits.
	Usage Usage
	// SchedulerSupport delays messages carrying AMQ_SCHEDULED_* properties;
	// without it they are delivered at once, as ActiveMQ does.
	SchedulerSupport bool
	// ConcurrentStoreAndDispatchQueues dispatches a persistent queue message
	// while its journal write is under way, and completes its send when the
	// write is durable or a consumer consumed it, whichever is first
	// (KahaDB's concurrentStoreAndDispatchQueues). The store must journal
	// requests in call order.
	ConcurrentStoreAndDispatchQueues bool
	// RejectDurableConsumers refuses every durable topic subscription
	// (rejectDurableConsumers).
	RejectDurableConsumers bool
}

// Authorizer decides what a connection's user may do.
type Authorizer interface {
	Authorize(user *User, op Operation, d Destination) error
}

// Operation is what an Authorizer checks.
type Operation int

const (
	OpRead Operation = iota
	OpWrite
	OpAdmin // create destinations
)

// User is an authenticated principal.
type User struct {
	Name   string
	Groups []string
}

// Broker is one broker instance.
type Broker struct {
	cfg       Config
	log       *slog.Logger
	store     store.Store
	tmp       store.Store // nil: non-persistent messages stay in memory
	ownsStore bool

	idPrefix string // ID:<host>-<port>-<startMs>-1
	started  time.Time
	seq      atomic.Uint64 // message sequence, continues the store's
	connSeq  atomic.Uint64
	consSeq  atomic.Uint64

	mu        sync.RWMutex
	queues    map[string]*msgQueue // by Destination.String()
	topics    map[string]*topic
	wildSubs  []*Consumer // wildcard topic subscriptions
	durables  map[string]*durableSub
	conns     map[uint64]*Conn
	clientIDs map[string]*Conn
	temps     map[string]*Conn // temp destination -> owning connection
	policies  map[string]*Policy

	producers map[string]int // producer count by destination

	wildQueues    []*Consumer // consumers of wildcard/composite queue names
	virtualTopics []VirtualTopic
	composites    map[string]*Composite
	sched         *scheduler

	memUsed      atomic.Int64 // bytes of messages held in memory by destinations
	dispatchObs  atomic.Pointer[func(time.Duration)]
	storeUsed    atomic.Int64 // approximate bytes of messages in the store
	tmpUsed      atomic.Int64 // bytes of non-persistent messages in the temp store
	flow         *flowControl
	totalConns   atomic.Int64
	noAdvisories atomic.Bool
	advisorySeq  atomic.Uint64
	closed       atomic.Bool
	quit         chan struct{}
	wg           sync.WaitGroup
}

// New creates a broker; Start recovers the store and starts background work.
func New(cfg Config) (*Broker, error) {
	if cfg.Name == "" {
		cfg.Name = "localhost"
	}
	b := &Broker{
		cfg:       cfg,
		log:       cfg.Logger,
		store:     cfg.Store,
		tmp:       cfg.TempStore,
		queues:    map[string]*msgQueue{},
		topics:    map[string]*topic{},
		durables:  map[string]*durableSub{},
		conns:     map[uint64]*Conn{},
		clientIDs: map[string]*Conn{},
		temps:     map[string]*Conn{},
		policies:  map[string]*Policy{},
		producers: map[string]int{},
		quit:      make(chan struct{}),

		virtualTopics: []VirtualTopic{DefaultVirtualTopic},
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	if b.store == nil {
		b.store = memory.New()
		b.ownsStore = true
	}
	b.sched = newScheduler(b)
	b.flow = &flowControl{b: b, wake: make(chan struct{}, 1)}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	b.started = time.Now()
	b.idPrefix = fmt.Sprintf("ID:%s-%d-%d-1", host, 30000+rand.IntN(35000), b.started.UnixMilli())
	return b, nil
}

// Start recovers persistent state and starts the expiry scanner. It returns
// once the broker accepts connections.
func (b *Broker) Start(ctx context.Context) error {
	b.seq.Store(b.store.LastSeq())
	if err := b.recover(ctx); err != nil {
		return fmt.Errorf("recover store: %w", err)
	}
	if n, err := b.sched.recover(ctx); err != nil {
		return fmt.Errorf("recover scheduled messages: %w", err)
	} else if n > 0 {
		b.log.Info("recovered scheduled messages", "jobs", n)
	}
	b.wg.Add(4)
	go b.expireLoop()
	go b.slowLoop()
	go b.flow.loop()
	if b.cfg.PurgePeriod > 0 {
		b.wg.Add(1)
		go b.gcLoop()
	}
	go func() {
		defer b.wg.Done()
		b.sched.run(b.quit)
	}()
	return nil
}

// Close disconnects every connection, stops background work and closes the
// store if the broker created it.
func (b *Broker) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	close(b.quit)
	b.mu.RLock()
	conns := make([]*Conn, 0, len(b.conns))
	for _, c := range b.conns {
		conns = append(conns, c)
	}
	b.mu.RUnlock()
	for _, c := range conns {
		c.Close()
	}
	b.wg.Wait()
	b.mu.RLock()
	for _, q := range b.queues {
		q.mu.Lock()
		if q.timer != nil {
			q.timer.Stop()
		}
		q.mu.Unlock()
	}
	b.mu.RUnlock()
	if b.ownsStore {
		return b.store.Close()
	}
	return nil
}

// Name is the brokerName.
func (b *Broker) Name() string { return b.cfg.Name }

// ID is the broker's ID prefix, also used in message IDs.
func (b *Broker) ID() string { return b.idPrefix }

// StartTime is when the broker was created.
func (b *Broker) StartTime() time.Time { return b.started }

// Store returns the broker's store.
func (b *Broker) Store() store.Store { return b.store }

// Logger returns the broker's logger.
func (b *Broker) Logger() *slog.Logger { return b.log }

func (b *Broker) logStoreErr(_ store.Position, err error) {
	if err != nil {
		b.log.Error("store write failed", "err", err)
	}
}

// applyThen journals ops (if any) and calls done when durable.
func (b *Broker) applyThen(ops []store.Op, done func(error)) {
	if len(ops) == 0 {
		if done != nil {
			done(nil)
		}
		return
	}
	b.store.Apply(ops, func(_ store.Position, err error) {
		if err != nil {
			b.log.Error("store write failed", "err", err)
		}
		if done != nil {
			done(err)
		}
	})
}

// ackThen journals acks (if any). An ack the client waits for (done set:
// a STOMP ACK with a receipt, an OpenWire ack that requires a response) is
// answered once durable, as ActiveMQ syncs such acks; the others are
// written without an fsync of their own (store.ApplyLazy): losing one in a
// machine crash means a redelivery, and the next synced write carries it
// to the disk anyway.
func (b *Broker) ackThen(ops []store.Op, done func(error)) {
	if len(ops) == 0 {
		if done != nil {
			done(nil)
		}
		return
	}
	if done != nil {
		b.applyThen(ops, done)
		return
	}
	store.ApplyLazy(b.store, ops, func(_ store.Position, err error) {
		if err != nil {
			b.log.Error("store write failed", "err", err)
		}
		if done != nil {
			done(err)
		}
	})
}

// policy returns the (cached) policy of d.
func (b *Broker) policy(d Destination) *Policy {
	var kb keyBuf
	b.mu.RLock()
	p := b.policies[string(d.key(&kb))]
	b.mu.RUnlock()
	if p != nil {
		return p
	}
	key := d.String()
	var np Policy
	if b.cfg.PolicyFor != nil {
		np = b.cfg.PolicyFor(d)
	} else {
		np = DefaultPolicy()
	}
	b.mu.Lock()
	if p = b.policies[key]; p == nil {
		p = &np
		b.policies[key] = p
	}
	b.mu.Unlock()
	return p
}

// Policy returns the policy in force for d.
func (b *Broker) Policy(d Destination) Policy { return *b.policy(d) }

func (b *Broker) compile(sel string) (Filter, error) {
	if strings.TrimSpace(sel) == "" {
		return nil, nil
	}
	if b.cfg.Compile == nil {
		return compileSelector(sel)
	}
	return b.cfg.Compile(sel)
}

// queue returns the queue for d, creating it when create is set.
func (b *Broker) queue(d Destination, create bool) *msgQueue {
	var kb keyBuf
	b.mu.RLock()
	q := b.queues[string(d.key(&kb))]
	b.mu.RUnlock()
	if q != nil || !create {
		return q
	}
	key := d.String()
	p := b.policy(d)
	b.mu.Lock()
	created := false
	if q = b.queues[key]; q == nil {
		q = newMsgQueue(b, d, key, "", p)
		b.queues[key] = q
		created = true
	}
	b.mu.Unlock()
	if created && !d.IsTemp() {
		b.newQueueForWildcards(q)
		b.destAdvisory(d, false)
	}
	return q
}

// nextSeq assigns the next message sequence.
func (b *Broker) nextSeq() uint64 { return b.seq.Add(1) }

// newMessageID returns an ActiveMQ-shaped message ID for a connection.
func (b *Broker) newMessageID(connID string, seq uint64) string {
	return connID + ":1:1:" + itoa(int(seq))
}

// delivery target of a routed message
type target struct {
	q *msgQueue
	e *entry
}

// plan is a routed message: the store operations to journal and the entries
// to enqueue once they are durable.
type plan struct {
	ops     []store.Op
	targets []target
	tmpOps  []store.Op // spills to the temp store
	tmp     store.Store
}

// abort releases what a plan reserved when its store write failed.
func (p *plan) abort() {
	for _, t := range p.targets {
		if t.e.stored || t.e.tmp {
			t.q.unreserve(t.e.seq)
		}
	}
}

func (p *plan) commit() {
	if len(p.tmpOps) > 0 {
		// Spilled non-persistent messages must be readable before they are
		// counted as waiting in the temp store.
		if _, err := store.ApplySync(p.tmp, p.tmpOps); err != nil {
			for _, t := range p.targets {
				if t.e.tmp {
					t.e.tmp = false // keep them in memory instead
					t.q.b.tmpUsed.Add(-t.e.size())
				}
			}
		}
		p.tmpOps = nil
	}
	for _, t := range p.targets {
		t.q.enqueue(t.e)
	}
}

// route resolves m's destination(s) and builds the plan. Composite
// destinations (comma lists) fan out to each member.
func (b *Broker) route(m *Message, p *plan) error {
	if strings.Contains(m.Dest.Name, ",") && !m.Dest.IsTemp() {
		for _, part := range strings.Split(m.Dest.Name, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			d := Destination{Kind: m.Dest.Kind, Name: part}
			if strings.HasPrefix(part, "queue://") || strings.HasPrefix(part, "topic://") {
				var err error
				if d, err = ParseDestination(part); err != nil {
					return err
				}
			}
			cm := m.Clone()
			cm.OriginalDest = m.Dest
			cm.Dest = d
			if err := b.routeOne(cm, p); err != nil {
				return err
			}
		}
		return nil
	}
	return b.routeOne(m, p)
}

func (b *Broker) routeOne(m *Message, p *plan) error { return b.routeDepth(m, p, 0) }

// routeDepth routes one destination; depth bounds composite forwarding loops.
func (b *Broker) routeDepth(m *Message, p *plan, depth int) error {
	if depth > 8 {
		return fmt.Errorf("composite destinations forward in a loop at %s", m.Dest)
	}
	if c := b.composite(m.Dest); c != nil {
		self, err := b.routeComposite(c, m, p, depth)
		if err != nil || !self {
			return err
		}
	}
	if IsWildcard(m.Dest.Name) {
		return fmt.Errorf("cannot send to a wildcard destination %s", m.Dest)
	}
	if err := b.checkTempLive(m.Dest); err != nil {
		return err
	}
	if m.Dest.IsQueue() {
		b.addToQueue(b.queue(m.Dest, true), m, p)
		return nil
	}
	t := b.topic(m.Dest, true)
	t.route(m, p)
	if !m.Dest.IsTemp() {
		b.routeVirtual(m, p)
	}
	return nil
}

// SetDispatchObserver registers a function told, for each first delivery,
// how long the message waited between routing and dispatch.
func (b *Broker) SetDispatchObserver(f func(time.Duration)) { b.dispatchObs.Store(&f) }

// routedAt stamps a new entry for the dispatch latency observer.
func (b *Broker) routedAt() int64 {
	if b.dispatchObs.Load() == nil {
		return 0
	}
	return time.Now().UnixNano()
}

// addToQueue plans m into q, journaling it when persistent.
func (b *Broker) addToQueue(q *msgQueue, m *Message, p *plan) {
	e := &entry{msg: m, seq: b.nextSeq(), at: b.routedAt()}
	if m.Persistent && !m.Dest.IsTemp() {
		e.stored = true
		q.reserve(e.seq)
		b.storeUsed.Add(e.size())
		p.ops = append(p.ops, store.Op{Kind: store.OpAdd, Record: store.Record{
			Container: q.container, Seq: e.seq, Priority: m.Priority, Expiration: m.Expiration, Data: MarshalMessage(nil, m)}})
	} else if b.tmp != nil && !m.Dest.IsTemp() && q.overWindow() {
		// A non-persistent message past the memory window spills to the
		// temp store and is paged back like a persistent one.
		e.tmp = true
		b.tmpUsed.Add(e.size())
		q.reserve(e.seq)
		p.tmp = b.tmp
		p.tmpOps = append(p.tmpOps, store.Op{Kind: store.OpAdd, Record: store.Record{
			Container: q.container, Seq: e.seq, Priority: m.Priority, Expiration: m.Expiration, Data: MarshalMessage(nil, m)}})
	}
	p.targets = append(p.targets, target{q, e})
}

// ErrDeletedDestination is returned for sends to a temp destination whose
// connection has gone.
var ErrDeletedDestination = errors.New("Cannot publish to a deleted Destination")

// checkTempLive refuses a temp destination whose connection has gone.
func (b *Broker) checkTempLive(d Destination) error {
	if d.IsTemp() && !b.IsTempLive(d) {
		return fmt.Errorf("%w: %s", ErrDeletedDestination, d)
	}
	return nil
}

// deadLetter moves an entry that cannot be delivered to its dead-letter
// queue, atomically with the ack of the original.
func (b *Broker) deadLetter(q *msgQueue, e *entry, cause string, expired bool) {
	m := e.msg
	dls := &q.policy.DeadLetter
	var ops []store.Op
	if e.stored {
		ops = append(ops, q.ackOp(e))
	} else if e.tmp {
		b.tmp.Apply([]store.Op{q.ackOp(e)}, b.logStoreErr)
	}
	keep := !dls.Discard && (m.Persistent || dls.ProcessNonPersistent) && (!expired || dls.ProcessExpired)
	origDest := m.Dest
	if q.subKey != "" || q.dest.IsTopic() {
		origDest = q.dest
	}
	if expired {
		b.advise(&Advisory{Type: "Expired", Dest: origDest, MessageID: m.ID})
	} else {
		b.advise(&Advisory{Type: "MessageDLQd", Dest: origDest, MessageID: m.ID})
	}
	if keep && dls.IsDLQ(origDest) {
		b.log.Warn("dropping dead letter of a dead-letter queue", "destination", origDest.String(), "message", m.ID, "cause", cause)
		keep = false
	}
	if !keep {
		b.applyThen(ops, nil)
		return
	}
	dm := m.Clone()
	dm.Persistent = true
	dm.OriginalDest = origDest
	dm.Dest = dls.dlqFor(origDest)
	dm.SetProp(StringProp("dlqDeliveryFailureCause", cause))
	if expired {
		dm.SetProp(Property{Name: "originalExpiration", Type: PropLong, I: m.Expiration})
	}
	dm.Expiration = 0
	if dls.Expiration > 0 {
		dm.Expiration = time.Now().UnixMilli() + dls.Expiration
	}
	var p plan
	if err := b.routeOne(dm, &p); err != nil {
		b.log.Error("dead letter routing failed", "err", err)
		b.applyThen(ops, nil)
		return
	}
	p.ops = append(p.ops, ops...)
	b.store.Apply(p.ops, func(_ store.Position, err error) {
		if err != nil {
			b.log.Error("dead letter write failed", "err", err)
			p.abort()
			return
		}
		p.commit()
	})
}

// expireLoop scans destinations for expired messages (expireMessagesPeriod).
func (b *Broker) expireLoop() {
	defer b.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := map[*msgQueue]time.Time{}
	for {
		select {
		case <-b.quit:
			return
		case now := <-tick.C:
			for _, q := range b.allQueues() {
				per := q.policy.ExpirePeriod
				if per <= 0 || now.Sub(last[q]) < per {
					continue
				}
				last[q] = now
				q.expireScan(now.UnixMilli())
			}
		}
	}
}

// queueList snapshots the queues.
func (b *Broker) queueList() []*msgQueue {
	b.mu.RLock()
	defer b.mu.RUnlock()
	qs := make([]*msgQueue, 0, len(b.queues))
	for _, q := range b.queues {
		qs = append(qs, q)
	}
	return qs
}

// allQueues snapshots the queues and the durable subscriptions' queues.
func (b *Broker) allQueues() []*msgQueue {
	qs := b.queueList()
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, d := range b.durables {
		qs = append(qs, d.q)
	}
	return qs
}

// recover loads the store's pending messages and durable subscriptions.
func (b *Broker) recover(ctx context.Context) error {
	subs, err := b.store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	for _, si := range subs {
		td, err := ParseDestination(si.Topic)
		if err != nil {
			return fmt.Errorf("subscription %s: %w", si.Key, err)
		}
		t := b.topic(td, true)
		ds := b.newDurable(si, t)
		b.mu.Lock()
		b.durables[si.Key] = ds
		b.mu.Unlock()
	}
	conts, err := b.store.Containers(ctx)
	if err != nil {
		return err
	}
	total := 0
	topicMsgs := false
	for _, c := range conts {
		if c.Container == schedulerContainer {
			continue
		}
		d, err := ParseDestination(c.Container)
		if err != nil {
			return fmt.Errorf("container %q: %w", c.Container, err)
		}
		b.storeUsed.Add(c.Bytes)
		if d.IsQueue() {
			b.pageFromStore(b.queue(d, true), c.Count)
			total += int(c.Count)
			continue
		}
		topicMsgs = topicMsgs || c.Count > 0
	}
	if topicMsgs {
		// The store does not count per subscription, and a wildcard or
		// composite subscription's messages lie in other topics than its
		// own: every one starts with an estimate the first page-in
		// corrects.
		b.mu.RLock()
		ds := make([]*durableSub, 0, len(b.durables))
		for _, x := range b.durables {
			ds = append(ds, x)
		}
		b.mu.RUnlock()
		for _, x := range ds {
			b.pageFromStore(x.q, 1)
		}
	}
	if total > 0 || len(subs) > 0 {
		b.log.Info("recovered store", "messages", total, "durableSubscriptions", len(subs))
	}
	return nil
}

// pageFromStore marks n recovered messages as waiting in the store; the
// first window is paged in at once, the rest as consumers make room.
func (b *Broker) pageFromStore(q *msgQueue, n int64) {
	if n <= 0 {
		return
	}
	q.mu.Lock()
	q.storeOnly += n
	q.maybePageInLocked()
	q.mu.Unlock()
}

// DestinationInfo describes a destination for management.
type DestinationInfo struct {
	Dest  Destination
	Stats QueueStats
}

// Queues lists queues (temporary ones included) with their statistics, by name.
func (b *Broker) Queues() []DestinationInfo {
	qs := b.queueList()
	out := make([]DestinationInfo, 0, len(qs))
	for _, q := range qs {
		out = append(out, DestinationInfo{Dest: q.dest, Stats: q.stats()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dest.Name < out[j].Dest.Name })
	return out
}

// QueueStats returns the statistics of a queue, if it exists.
func (b *Broker) QueueStats(d Destination) (QueueStats, bool) {
	q := b.queue(d, false)
	if q == nil {
		return QueueStats{}, false
	}
	return q.stats(), true
}

// Browse returns up to limit messages of a queue in delivery order without
// consuming them.
func (b *Broker) Browse(d Destination, filter Filter, limit int) []*Message {
	q := b.queue(d, false)
	if q == nil {
		return nil
	}
	ms := q.snapshot(0)
	if filter == nil && (limit <= 0 || len(ms) <= limit) {
		return ms
	}
	out := ms[:0:0]
	for _, m := range ms {
		if filter != nil && !filter.Match(m, 1) {
			continue
		}
		out = append(out, m)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// Purge removes every pending message of a queue.
func (b *Broker) Purge(d Destination) int {
	q := b.queue(d, false)
	if q == nil {
		return 0
	}
	return q.purge()
}

// exists reports whether a destination (each member of a composite) exists.
func (b *Broker) exists(d Destination) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, m := range members(d) {
		key := m.String()
		if m.IsQueue() {
			if _, ok := b.queues[key]; !ok {
				return false
			}
		} else if _, ok := b.topics[key]; !ok {
			return false
		}
	}
	return true
}

// Paused reports whether dispatch from a queue is paused.
func (b *Broker) Paused(d Destination) bool {
	q := b.queue(d, false)
	if q == nil {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.paused
}

// RemoveTopic deletes a topic; its non-durable subscribers stay subscribed
// by name and see new publishes if it is used again.
func (b *Broker) RemoveTopic(name string) bool {
	key := TopicDest(name).String()
	b.mu.Lock()
	t := b.topics[key]
	delete(b.topics, key)
	delete(b.policies, key)
	b.mu.Unlock()
	if t == nil {
		return false
	}
	b.destAdvisory(t.dest, true)
	return true
}

// Pause stops dispatch from a queue; Resume restarts it.
func (b *Broker) Pause(d Destination)  { b.setPaused(d, true) }
func (b *Broker) Resume(d Destination) { b.setPaused(d, false) }

func (b *Broker) setPaused(d Destination, p bool) {
	if q := b.queue(d, false); q != nil {
		q.setPaused(p)
	}
}

// AddQueue creates a queue (as <destinations> at start-up or addQueue).
func (b *Broker) AddQueue(name string) { b.queue(QueueDest(name), true) }

// AddTopic creates a topic.
func (b *Broker) AddTopic(name string) { b.topic(TopicDest(name), true) }

// RemoveQueue deletes a queue and its messages.
func (b *Broker) RemoveQueue(name string) bool {
	key := QueueDest(name).String()
	b.mu.Lock()
	q := b.queues[key]
	delete(b.queues, key)
	b.mu.Unlock()
	if q == nil {
		return false
	}
	q.close()
	b.destAdvisory(q.dest, true)
	return true
}

// CompileSelector compiles a JMS selector with the broker's compiler.
func (b *Broker) CompileSelector(sel string) (Filter, error) { return b.compile(sel) }
