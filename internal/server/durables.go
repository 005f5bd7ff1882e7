package server

import (
	"time"
)

// durableExpiry returns how long a durable subscription may stay offline
// and how often that is checked (<broker offlineDurableSubscriberTimeout>
// and offlineDurableSubscriberTaskSchedule, in ms); ok is false when
// either is -1, ActiveMQ's "never".
func (s *Server) durableExpiry() (timeout, every time.Duration, ok bool) {
	bc := &s.cfg.Broker
	if bc.OfflineDurableSubscriberTimeout < 0 || bc.OfflineDurableSubscriberTaskSchedule <= 0 {
		return 0, 0, false
	}
	return time.Duration(bc.OfflineDurableSubscriberTimeout) * time.Millisecond,
		time.Duration(bc.OfflineDurableSubscriberTaskSchedule) * time.Millisecond, true
}

// expireDurablesLoop removes durable subscriptions that have been offline
// longer than timeout, as ActiveMQ's TopicRegion cleanup task does. A
// subscription is counted offline from the sweep that first finds it so
// (or from start for those recovered offline, as ActiveMQ stamps them at
// recovery), so it goes between timeout and timeout plus two periods after
// it went offline.
func (s *Server) expireDurablesLoop(quit <-chan struct{}, timeout, every time.Duration) {
	key := func(clientID, name string) string { return clientID + "\x00" + name }
	start := time.Now()
	offline := map[string]time.Time{}
	for _, d := range s.b.DurableSubscriptions() {
		if !d.Active {
			offline[key(d.ClientID, d.Name)] = start
		}
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-quit:
			return
		case now := <-tick.C:
			seen := map[string]bool{}
			for _, d := range s.b.DurableSubscriptions() {
				if d.Active {
					continue
				}
				k := key(d.ClientID, d.Name)
				seen[k] = true
				since, ok := offline[k]
				if !ok {
					offline[k] = now
					continue
				}
				if now.Sub(since) < timeout {
					continue
				}
				if err := s.b.RemoveDurable(d.ClientID, d.Name); err != nil {
					// Reconnected in the meantime, or already removed.
					s.log.Debug("offline durable subscription not removed", "clientId", d.ClientID, "subscription", d.Name, "err", err)
					continue
				}
				delete(offline, k)
				s.log.Info("removed durable subscription offline longer than offlineDurableSubscriberTimeout",
					"clientId", d.ClientID, "subscription", d.Name, "topic", d.Topic.Name, "pending", d.Pending, "offline", now.Sub(since).Round(time.Second))
			}
			for k := range offline {
				if !seen[k] {
					delete(offline, k)
				}
			}
		}
	}
}
