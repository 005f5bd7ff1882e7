package broker

import (
	"sync"
	"time"
)

// Aborter is implemented by Deliverers that want to hear that the broker
// closed their consumer (a slow consumer aborted), so the adapter can tell
// its client.
type Aborter interface {
	Aborted(reason string)
}

// SetAbortHandler registers what the adapter does when the broker aborts the
// whole connection (abortSlowConsumerStrategy abortConnection="true").
func (c *Conn) SetAbortHandler(f func(reason string)) {
	c.mu.Lock()
	c.onAbort = f
	c.mu.Unlock()
}

// Abort closes the connection from the broker side.
func (c *Conn) Abort(reason string) {
	c.mu.Lock()
	f := c.onAbort
	c.mu.Unlock()
	c.b.log.Warn("aborting connection", "connection", c.connID, "remote", c.info.RemoteAddr, "reason", reason)
	if f != nil {
		f(reason)
	}
	c.Close()
}

// slowState tracks one subscriber for the slow-consumer checker.
type slowState struct {
	since time.Time
	count int64
}

// slowLoop checks topic subscribers against their abortSlowConsumerStrategy.
func (b *Broker) slowLoop() {
	defer b.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	states := map[*Consumer]*slowState{}
	lastCheck := map[*topic]time.Time{}
	for {
		select {
		case <-b.quit:
			return
		case now := <-tick.C:
			seen := map[*Consumer]bool{}
			for _, t := range b.allTopics() {
				pol := b.policy(t.dest).AbortSlow
				if pol == nil {
					continue
				}
				if per := pol.CheckPeriod; per > 0 && now.Sub(lastCheck[t]) < per {
					for _, c := range t.consumers() {
						seen[c] = true
					}
					continue
				}
				lastCheck[t] = now
				for _, c := range t.consumers() {
					seen[c] = true
					st := states[c]
					if st == nil {
						st = &slowState{}
						states[c] = st
					}
					if !c.isSlow() {
						st.since, st.count = time.Time{}, 0
						continue
					}
					if st.since.IsZero() {
						st.since = now
					}
					st.count++
					over := (pol.MaxSlowCount > 0 && st.count > pol.MaxSlowCount) ||
						(pol.MaxSlowDuration > 0 && now.Sub(st.since) >= pol.MaxSlowDuration)
					if !over {
						continue
					}
					delete(states, c)
					b.abortSlow(c, pol)
				}
			}
			for c := range states {
				if !seen[c] {
					delete(states, c)
				}
			}
		}
	}
}

func (b *Broker) abortSlow(c *Consumer, pol *SlowConsumerPolicy) {
	reason := "slow consumer aborted on " + c.opts.Dest.String()
	b.advise(&Advisory{Type: "SlowConsumer", Dest: c.opts.Dest, ConnectionID: c.conn.connID, ConsumerID: c.id})
	if pol.AbortConnection {
		c.conn.Abort(reason)
		return
	}
	b.log.Warn("aborting slow consumer", "destination", c.opts.Dest.String(), "connection", c.conn.connID, "consumer", c.id)
	c.Close()
	if a, ok := c.out.(Aborter); ok {
		a.Aborted(reason)
	}
}

// isSlow: the whole prefetch is unacked while more messages wait.
func (c *Consumer) isSlow() bool {
	q := c.q
	q.mu.Lock()
	defer q.mu.Unlock()
	return !c.closed && q.npending > 0 && !c.hasCredit()
}

func (b *Broker) allTopics() []*topic {
	b.mu.RLock()
	defer b.mu.RUnlock()
	ts := make([]*topic, 0, len(b.topics))
	for _, t := range b.topics {
		ts = append(ts, t)
	}
	return ts
}

// consumers returns the topic's live subscribers, durable ones included.
func (t *topic) consumers() []*Consumer {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := append([]*Consumer(nil), t.subs...)
	for _, ds := range t.durables {
		if c := ds.active.Load(); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// recoveryBuffer keeps a topic's last messages for retroactive subscribers.
type recoveryBuffer struct {
	mu   sync.Mutex
	max  int
	msgs []*Message
}

func (r *recoveryBuffer) add(m *Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	if len(r.msgs) > r.max {
		copy(r.msgs, r.msgs[len(r.msgs)-r.max:])
		r.msgs = r.msgs[:r.max]
	}
	r.mu.Unlock()
}

func (r *recoveryBuffer) snapshot() []*Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Message(nil), r.msgs...)
}

// replayRecovered gives a new retroactive subscriber the topics' recent messages.
func (b *Broker) replayRecovered(c *Consumer, q *msgQueue) {
	var es []*entry
	for _, d := range members(c.opts.Dest) {
		t := b.topic(d, true)
		if t.recovery == nil {
			continue
		}
		for _, m := range t.recovery.snapshot() {
			if c.routeNoLocal && m.ProducerConn == c.conn.id {
				continue
			}
			if c.routeSel != nil && !c.routeSel.Match(m, 1) {
				continue
			}
			es = append(es, &entry{msg: m, seq: b.nextSeq()})
		}
	}
	if len(es) > 0 {
		q.enqueue(es...)
	}
}
