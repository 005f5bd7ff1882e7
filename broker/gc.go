package broker

import "time"

// gcLoop removes destinations that have had no consumers and no messages
// for their policy's InactiveGC (gcInactiveDestinations with
// inactiveTimeoutBeforeGC), checking every PurgePeriod
// (schedulePeriodForDestinationPurge), as ActiveMQ does.
func (b *Broker) gcLoop() {
	defer b.wg.Done()
	tick := time.NewTicker(b.cfg.PurgePeriod)
	defer tick.Stop()
	queues := idleSweep[*msgQueue]{}
	topics := idleSweep[*topic]{}
	for {
		select {
		case <-b.quit:
			return
		case now := <-tick.C:
			queues.sweep(b, now, b.queueList(),
				func(q *msgQueue) (time.Duration, Destination) { return q.policy.InactiveGC, q.dest },
				func(q *msgQueue) bool { return !q.dest.IsTemp() && q.idle() },
				b.removeIdleQueue)
			topics.sweep(b, now, b.allTopics(),
				func(t *topic) (time.Duration, Destination) { return b.policy(t.dest).InactiveGC, t.dest },
				func(t *topic) bool {
					return !t.dest.IsTemp() && !IsAdvisory(t.dest) && len(t.consumers()) == 0 && !t.hasDurables()
				},
				func(t *topic) bool { return b.RemoveTopic(t.dest.Name) })
		}
	}
}

// idleSweep remembers since when each destination of one kind has been idle.
type idleSweep[D comparable] map[D]time.Time

// sweep looks at every destination of the kind: one idle past its policy's
// InactiveGC is removed, one no longer idle (or gone) is forgotten. idle is
// asked only where the policy sets an InactiveGC.
func (s idleSweep[D]) sweep(b *Broker, now time.Time, all []D, policy func(D) (gc time.Duration, dest Destination), idle, remove func(D) bool) {
	seen := make(map[D]bool, len(all))
	for _, d := range all {
		seen[d] = true
		gc, dest := policy(d)
		if gc <= 0 || !idle(d) {
			delete(s, d)
			continue
		}
		since, ok := s[d]
		if !ok {
			s[d] = now
			continue
		}
		if now.Sub(since) >= gc {
			delete(s, d)
			if remove(d) {
				b.log.Info("removed inactive destination", "destination", dest.String(), "inactiveFor", now.Sub(since).Round(time.Millisecond))
			}
		}
	}
	for d := range s {
		if !seen[d] {
			delete(s, d)
		}
	}
}

// idle reports a queue with no consumers and no messages.
func (q *msgQueue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.consumers) == 0 && q.npending == 0 && q.inflight == 0 && q.storeOnly == 0 && !q.loading
}

func (t *topic) hasDurables() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.durables) > 0
}

// removeIdleQueue deletes q if it is still registered and still idle.
func (b *Broker) removeIdleQueue(q *msgQueue) bool {
	key := q.dest.String()
	b.mu.Lock()
	if b.queues[key] != q || !q.idle() {
		b.mu.Unlock()
		return false
	}
	delete(b.queues, key)
	b.mu.Unlock()
	q.close()
	b.destAdvisory(q.dest, true)
	return true
}
