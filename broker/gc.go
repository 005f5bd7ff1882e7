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
	idleQ := map[*msgQueue]time.Time{}
	idleT := map[*topic]time.Time{}
	for {
		select {
		case <-b.quit:
			return
		case now := <-tick.C:
			seenQ := map[*msgQueue]bool{}
			for _, q := range b.queueList() {
				seenQ[q] = true
				gc := q.policy.InactiveGC
				if gc <= 0 || q.dest.IsTemp() || !q.idle() {
					delete(idleQ, q)
					continue
				}
				since, ok := idleQ[q]
				if !ok {
					idleQ[q] = now
					continue
				}
				if now.Sub(since) >= gc {
					delete(idleQ, q)
					if b.removeIdleQueue(q) {
						b.log.Info("removed inactive destination", "destination", q.dest.String(), "inactiveFor", now.Sub(since).Round(time.Millisecond))
					}
				}
			}
			for q := range idleQ {
				if !seenQ[q] {
					delete(idleQ, q)
				}
			}
			seenT := map[*topic]bool{}
			for _, t := range b.allTopics() {
				seenT[t] = true
				gc := b.policy(t.dest).InactiveGC
				if gc <= 0 || t.dest.IsTemp() || IsAdvisory(t.dest) || len(t.consumers()) > 0 || t.hasDurables() {
					delete(idleT, t)
					continue
				}
				since, ok := idleT[t]
				if !ok {
					idleT[t] = now
					continue
				}
				if now.Sub(since) >= gc {
					delete(idleT, t)
					if b.RemoveTopic(t.dest.Name) {
						b.log.Info("removed inactive destination", "destination", t.dest.String(), "inactiveFor", now.Sub(since).Round(time.Millisecond))
					}
				}
			}
			for t := range idleT {
				if !seenT[t] {
					delete(idleT, t)
				}
			}
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
