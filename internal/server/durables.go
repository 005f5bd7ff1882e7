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
// longer than timeout, as ActiveMQ's TopicRegion cleanup task does: every
// period, those whose subscriber left (or that were recovered or created
// without one) at least timeout ago go, so one goes between timeout and
// timeout plus a period after it went offline. A subscriber that comes and
// goes between two sweeps starts the count again.
func (s *Server) expireDurablesLoop(quit <-chan struct{}, timeout, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-quit:
			return
		case now := <-tick.C:
			for _, d := range s.b.DurableSubscriptions() {
				if d.Active || now.Sub(d.OfflineSince) < timeout {
					continue
				}
				if err := s.b.RemoveDurable(d.ClientID, d.Name); err != nil {
					// Reconnected in the meantime, or already removed.
					s.log.Debug("offline durable subscription not removed", "clientId", d.ClientID, "subscription", d.Name, "err", err)
					continue
				}
				s.log.Info("removed durable subscription offline longer than offlineDurableSubscriberTimeout",
					"clientId", d.ClientID, "subscription", d.Name, "topic", d.Topic.Name, "pending", d.Pending, "offline", now.Sub(d.OfflineSince).Round(time.Second))
			}
		}
	}
}
