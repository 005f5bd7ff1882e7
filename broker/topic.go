package broker

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"amq/store"
)

// topic fans a publish out to its subscriptions. Each non-durable
// subscription and each durable subscription owns a msgQueue, so one slow
// subscriber only fills its own bounded buffer.
type topic struct {
	b    *Broker
	dest Destination

	mu       sync.RWMutex
	subs     []*Consumer   // non-durable subscriptions, wildcard ones included
	durables []*durableSub // durable subscriptions, wildcard ones included

	enqueued atomic.Int64
	sizes    sizeStats
	recovery *recoveryBuffer // nil unless a subscriptionRecoveryPolicy keeps messages
}

// topic returns the topic for d, creating it (and attaching matching
// wildcard subscriptions) when create is set.
func (b *Broker) topic(d Destination, create bool) *topic {
	var kb keyBuf
	b.mu.RLock()
	t := b.topics[string(d.key(&kb))]
	b.mu.RUnlock()
	if t != nil || !create {
		return t
	}
	key := d.String()
	b.mu.Lock()
	t, created := b.newTopicLocked(d, key)
	b.mu.Unlock()
	if created && !d.IsTemp() && !IsAdvisory(d) && !IsWildcard(d.Name) {
		b.destAdvisory(d, false)
	}
	return t
}

func (b *Broker) newTopicLocked(d Destination, key string) (*topic, bool) {
	if t := b.topics[key]; t != nil {
		return t, false
	}
	t := &topic{b: b, dest: d}
	if p := b.policies[key]; p != nil && p.RecoveryCount > 0 {
		t.recovery = &recoveryBuffer{max: p.RecoveryCount}
	} else if p == nil && b.cfg.PolicyFor != nil && !IsAdvisory(d) {
		if pol := b.cfg.PolicyFor(d); pol.RecoveryCount > 0 {
			t.recovery = &recoveryBuffer{max: pol.RecoveryCount}
		}
	}
	if !IsWildcard(d.Name) {
		for _, c := range b.wildSubs {
			if MatchWildcard(c.opts.Dest.Name, d.Name) {
				t.subs = append(t.subs, c)
			}
		}
		for _, ds := range b.durables {
			if ds.wild && ds.reaches(d.Name) {
				t.durables = append(t.durables, ds)
			}
		}
	}
	b.topics[key] = t
	return t, true
}

func (t *topic) route(m *Message, p *plan) {
	seq := t.b.nextSeq()
	at := t.b.routedAt()
	t.enqueued.Add(1)
	t.sizes.add(int64(m.Size()))
	if t.recovery != nil && m.Advisory == nil {
		t.recovery.add(m)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	// One allocation for the targets, however many subscriptions. (Each
	// entry is its own: one block for all would keep every sibling alive
	// while a slow subscriber holds one.)
	p.targets = slices.Grow(p.targets, len(t.subs)+len(t.durables))
	for _, c := range t.subs {
		if c.routeNoLocal && m.ProducerConn == c.conn.id {
			continue
		}
		if c.routeSel != nil && !c.routeSel.Match(m, 1) {
			continue
		}
		p.targets = append(p.targets, target{c.q, &entry{msg: m, seq: seq, at: at}})
	}
	var keys []string
	for _, ds := range t.durables {
		if ds.noLocal && ds.active.Load() != nil && m.ProducerConn == ds.active.Load().conn.id {
			continue
		}
		if ds.sel != nil && !ds.sel.Match(m, 1) {
			continue
		}
		if !m.Persistent {
			// Not stored, but kept for an offline subscriber while the
			// broker runs, as ActiveMQ does (keepDurableSubsActive is on
			// by default): a subscriber reconnecting must not lose them.
			p.targets = append(p.targets, target{ds.q, &entry{msg: m, seq: seq}})
			continue
		}
		keys = append(keys, ds.info.Key)
		e := &entry{msg: m, seq: seq, stored: true, cont: t.dest.String(), at: at}
		ds.q.reserve(seq)
		t.b.storeUsed.Add(e.size())
		p.targets = append(p.targets, target{ds.q, e})
	}
	if len(keys) > 0 {
		p.ops = append(p.ops, store.Op{Kind: store.OpAdd, Record: store.Record{
			Container: t.dest.String(), Seq: seq, Priority: m.Priority, Expiration: m.Expiration,
			Data: MarshalMessage(nil, m), Subs: keys}})
	}
}

// attachTopicSub registers a non-durable subscription on every topic it
// matches; a composite name (A,B) subscribes to each member.
func (b *Broker) attachTopicSub(c *Consumer) {
	for _, d := range members(c.opts.Dest) {
		b.attachTopicSub1(c, d)
	}
}

// members splits a composite destination into its parts.
func members(d Destination) []Destination {
	if !strings.Contains(d.Name, ",") {
		return []Destination{d}
	}
	var out []Destination
	for _, n := range strings.Split(d.Name, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, Destination{Kind: d.Kind, Name: n})
		}
	}
	return out
}

// namePatterns are the names a subscription spans: the members of a
// composite name (A,B), each a name or a wildcard pattern.
type namePatterns []string

func patternsOf(d Destination) namePatterns {
	var p namePatterns
	for _, m := range members(d) {
		p = append(p, m.Name)
	}
	return p
}

// matches reports whether name is one of the names or matches a pattern.
func (p namePatterns) matches(name string) bool {
	for _, x := range p {
		if MatchWildcard(x, name) {
			return true
		}
	}
	return false
}

func (b *Broker) attachTopicSub1(c *Consumer, d Destination) {
	if IsWildcard(d.Name) {
		b.mu.Lock()
		b.wildSubs = append(b.wildSubs, c)
		var ts []*topic
		for _, t := range b.topics {
			if !IsWildcard(t.dest.Name) && MatchWildcard(d.Name, t.dest.Name) {
				ts = append(ts, t)
			}
		}
		b.mu.Unlock()
		for _, t := range ts {
			t.mu.Lock()
			t.subs = append(t.subs, c)
			t.mu.Unlock()
		}
		return
	}
	t := b.topic(d, true)
	t.mu.Lock()
	t.subs = append(t.subs, c)
	t.mu.Unlock()
}

func (b *Broker) detachTopicSub(c *Consumer) {
	var ts []*topic
	if IsWildcard(c.opts.Dest.Name) {
		b.mu.Lock()
		b.wildSubs = slices.DeleteFunc(b.wildSubs, func(x *Consumer) bool { return x == c })
		b.mu.Unlock()
		ts = b.allTopics()
	} else {
		for _, d := range members(c.opts.Dest) {
			if t := b.topic(d, false); t != nil {
				ts = append(ts, t)
			}
		}
	}
	for _, t := range ts {
		t.mu.Lock()
		t.subs = slices.DeleteFunc(t.subs, func(x *Consumer) bool { return x == c })
		t.mu.Unlock()
	}
}

// durableSub is a durable topic subscription: it keeps matching persistent
// messages in the store while its subscriber is away.
type durableSub struct {
	b    *Broker
	info store.SubInfo
	// members are the names it subscribes to; wild is set when they reach
	// other topics than the one named as the subscription's own.
	members namePatterns
	wild    bool
	q       *msgQueue
	sel     Filter
	noLocal bool
	active  atomic.Pointer[Consumer]
	// offlineSince is when it last lost its subscriber (or was created or
	// recovered without one), in unix nanoseconds: what
	// offlineDurableSubscriberTimeout counts from.
	offlineSince atomic.Int64
}

func (b *Broker) newDurable(si store.SubInfo, t *topic) *durableSub {
	p := b.policy(t.dest)
	ds := &durableSub{b: b, info: si, members: patternsOf(t.dest), noLocal: si.NoLocal}
	ds.offlineSince.Store(time.Now().UnixNano())
	ds.wild = len(ds.members) > 1 || IsWildcard(t.dest.Name)
	ds.q = newMsgQueue(b, t.dest, si.Topic, si.Key, p)
	if si.Selector != "" {
		f, err := b.compile(si.Selector)
		if err != nil {
			b.log.Error("durable subscription has a bad selector; it selects everything", "subscription", si.Key, "err", err)
		}
		ds.sel = f
	}
	b.attachDurable(ds, t)
	return ds
}

func (b *Broker) attachDurable(ds *durableSub, t *topic) {
	if !ds.wild {
		t.mu.Lock()
		t.durables = append(t.durables, ds)
		t.mu.Unlock()
		return
	}
	// The members' topics, made if missing (a topic made later, such as
	// one a pattern matches, gets it from newTopicLocked).
	for _, m := range ds.members {
		if !IsWildcard(m) {
			b.topic(Destination{Kind: t.dest.Kind, Name: m}, true)
		}
	}
	b.mu.RLock()
	var ts []*topic
	for _, x := range b.topics {
		if ds.reaches(x.dest.Name) {
			ts = append(ts, x)
		}
	}
	b.mu.RUnlock()
	for _, x := range ts {
		x.mu.Lock()
		x.durables = append(x.durables, ds)
		x.mu.Unlock()
	}
}

// reaches reports whether messages sent to the topic name are the
// subscription's, for a subscription that reaches other topics than its
// own (wild): name is one of its members or matches one of its patterns.
func (ds *durableSub) reaches(name string) bool {
	if IsWildcard(name) || strings.Contains(name, ",") {
		return false // not a topic messages are sent to
	}
	return ds.members.matches(name)
}

func (b *Broker) detachDurable(ds *durableSub) {
	for _, t := range b.allTopics() {
		t.mu.Lock()
		t.durables = slices.DeleteFunc(t.durables, func(x *durableSub) bool { return x == ds })
		t.mu.Unlock()
	}
}

func (ds *durableSub) deactivate(c *Consumer) {
	if ds.active.CompareAndSwap(c, nil) {
		ds.offlineSince.Store(time.Now().UnixNano())
	}
}

// ErrDurableInUse is returned when a durable subscription already has a subscriber.
var ErrDurableInUse = fmt.Errorf("durable consumer is in use")

// ErrDurableRejected is returned for a durable subscription when the broker
// takes none (rejectDurableConsumers); the text is ActiveMQ's.
var ErrDurableRejected = fmt.Errorf("Durable Consumers are not allowed")

// DurableSubscription describes a durable subscription for management.
type DurableSubscription struct {
	ClientID, Name, Selector string
	Topic                    Destination
	Active                   bool
	// OfflineSince is when it last went offline; zero while active.
	OfflineSince time.Time
	Pending      int64
	Stats        QueueStats
}

// DurableSubscriptions lists durable subscriptions.
func (b *Broker) DurableSubscriptions() []DurableSubscription {
	b.mu.RLock()
	ds := make([]*durableSub, 0, len(b.durables))
	for _, d := range b.durables {
		ds = append(ds, d)
	}
	actives := make(map[*durableSub]bool, len(ds))
	for _, d := range ds {
		actives[d] = d.active.Load() != nil
	}
	b.mu.RUnlock()
	out := make([]DurableSubscription, 0, len(ds))
	for _, d := range ds {
		st := d.q.stats()
		sub := DurableSubscription{ClientID: d.info.ClientID, Name: d.info.Name, Selector: d.info.Selector,
			Topic: d.q.dest, Active: actives[d], Pending: st.QueueSize, Stats: st}
		if !sub.Active {
			sub.OfflineSince = time.Unix(0, d.offlineSince.Load())
		}
		out = append(out, sub)
	}
	slices.SortFunc(out, func(a, b DurableSubscription) int {
		if a.ClientID != b.ClientID {
			if a.ClientID < b.ClientID {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		} else if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// RemoveDurable deletes a durable subscription and its stored messages.
// It fails while a subscriber is connected.
func (b *Broker) RemoveDurable(clientID, name string) error {
	key := clientID + ":" + name
	b.mu.Lock()
	ds := b.durables[key]
	if ds == nil {
		b.mu.Unlock()
		return fmt.Errorf("no durable subscription %q for client %q", name, clientID)
	}
	if ds.active.Load() != nil {
		b.mu.Unlock()
		return fmt.Errorf("%w: cannot remove active subscription %q of client %q", ErrDurableInUse, name, clientID)
	}
	delete(b.durables, key)
	b.mu.Unlock()
	b.detachDurable(ds)
	ds.q.mu.Lock()
	ds.q.closed = true
	ds.q.mu.Unlock()
	_, err := store.ApplySync(b.store, []store.Op{{Kind: store.OpRemoveSub, Sub: ds.info}})
	return err
}

// Topics lists topics with their subscriber counts.
func (b *Broker) Topics() []DestinationInfo {
	ts := b.allTopics()
	out := make([]DestinationInfo, 0, len(ts))
	for _, t := range ts {
		t.mu.RLock()
		st := QueueStats{ConsumerCount: len(t.subs), EnqueueCount: t.enqueued.Load()}
		t.sizes.fill(&st)
		qs := make([]*msgQueue, 0, len(t.subs)+len(t.durables))
		for _, c := range t.subs {
			qs = append(qs, c.q)
		}
		for _, ds := range t.durables {
			if ds.active.Load() != nil {
				st.ConsumerCount++
			}
			qs = append(qs, ds.q)
		}
		t.mu.RUnlock()
		for _, q := range qs {
			s := q.stats()
			st.DequeueCount += s.DequeueCount
			st.DispatchCount += s.DispatchCount
			st.InFlightCount += s.InFlightCount
		}
		out = append(out, DestinationInfo{Dest: t.dest, Stats: st})
	}
	slices.SortFunc(out, func(a, b DestinationInfo) int {
		if a.Dest.Name < b.Dest.Name {
			return -1
		} else if a.Dest.Name > b.Dest.Name {
			return 1
		}
		return 0
	})
	return out
}
