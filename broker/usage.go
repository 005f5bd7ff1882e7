package broker

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Usage holds <systemUsage> limits. Zero means no limit.
type Usage struct {
	MemoryLimit int64 // bytes of messages held in memory
	StoreLimit  int64 // bytes of persistent messages in the store
	TempLimit   int64 // bytes of non-persistent messages spilled to the temp store
	// SendFailIfNoSpace fails a send at a limit instead of making it wait.
	SendFailIfNoSpace bool
	// SendFailAfter, when > 0, fails a send that has waited this long.
	SendFailAfter time.Duration
	// WarnInterval is how often a blocked producer is reported (default 30 s).
	WarnInterval time.Duration
}

// ErrResourceAllocation is returned when a send fails at a usage limit
// (sendFailIfNoSpace); adapters map it to ResourceAllocationException.
var ErrResourceAllocation = errors.New("ResourceAllocationException")

// blockedSend is a send waiting for memory or store space.
type blockedSend struct {
	c     *Conn
	m     *Message
	done  func(error)
	since time.Time
}

// flowControl parks sends while a usage limit is exceeded and releases them
// in arrival order as space frees up. Senders never block a goroutine: the
// protocol adapter simply gets its done callback later, so a connection that
// also consumes keeps reading and acknowledging.
type flowControl struct {
	b       *Broker
	mu      sync.Mutex
	waiters []*blockedSend
	wake    chan struct{}
	lastLog time.Time
}

// overLimit reports which limit a send of m would exceed, if any.
func (b *Broker) overLimit(m *Message) string {
	u := &b.cfg.Usage
	if u.MemoryLimit > 0 && b.memUsed.Load() >= u.MemoryLimit {
		return fmt.Sprintf("memory usage %d bytes has reached its limit of %d bytes (<memoryUsage>)", b.memUsed.Load(), u.MemoryLimit)
	}
	if m.Persistent && u.StoreLimit > 0 && b.storeUsed.Load() >= u.StoreLimit {
		return fmt.Sprintf("store usage %d bytes has reached its limit of %d bytes (<storeUsage>)", b.storeUsed.Load(), u.StoreLimit)
	}
	if !m.Persistent && u.TempLimit > 0 && b.tmpUsed.Load() >= u.TempLimit {
		return fmt.Sprintf("temp usage %d bytes has reached its limit of %d bytes (<tempUsage>)", b.tmpUsed.Load(), u.TempLimit)
	}
	return ""
}

// sendFail returns whether a send to d fails at a limit instead of
// waiting, and after how long a waiting one fails (0 = never): the
// destination's policy, else <systemUsage>.
func (b *Broker) sendFail(d Destination) (bool, time.Duration) {
	fail, after := b.cfg.Usage.SendFailIfNoSpace, b.cfg.Usage.SendFailAfter
	p := b.policy(d)
	if p.SendFailIfNoSpace != nil {
		fail = *p.SendFailIfNoSpace
	}
	if p.SendFailAfter != nil {
		after = *p.SendFailAfter
	}
	return fail, after
}

// admit decides what happens to a send at a limit: nil and false when it
// may proceed, an error when it must fail, or true when it was parked.
func (b *Broker) admit(c *Conn, m *Message, done func(error)) (bool, error) {
	if b.cfg.Usage.MemoryLimit <= 0 && b.cfg.Usage.StoreLimit <= 0 && b.cfg.Usage.TempLimit <= 0 {
		return false, nil
	}
	fail, _ := b.sendFail(m.Dest)
	if !b.policy(m.Dest).ProducerFlowControl && !fail {
		return false, nil
	}
	fc := b.flow
	fc.mu.Lock()
	queued := len(fc.waiters) > 0
	fc.mu.Unlock()
	why := b.overLimit(m)
	if why == "" && !queued {
		return false, nil
	}
	if why != "" && fail {
		return false, fmt.Errorf("%w: Usage Manager: %s; send to %s refused (sendFailIfNoSpace)", ErrResourceAllocation, why, m.Dest)
	}
	fc.mu.Lock()
	fc.waiters = append(fc.waiters, &blockedSend{c: c, m: m, done: done, since: time.Now()})
	fc.mu.Unlock()
	select {
	case fc.wake <- struct{}{}:
	default:
	}
	return true, nil
}

// loop releases parked sends while there is room, and says in the log which
// producers wait and why (a blocked producer must never look like a hang).
func (fc *flowControl) loop() {
	b := fc.b
	defer b.wg.Done()
	interval := b.cfg.Usage.WarnInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		fc.mu.Lock()
		n := len(fc.waiters)
		fc.mu.Unlock()
		if n == 0 {
			select {
			case <-b.quit:
				fc.failAll(ErrBrokerClosed)
				return
			case <-fc.wake:
			}
			continue
		}
		select {
		case <-b.quit:
			fc.failAll(ErrBrokerClosed)
			return
		case <-tick.C:
		}
		now := time.Now()
		for {
			fc.mu.Lock()
			if len(fc.waiters) == 0 {
				fc.mu.Unlock()
				break
			}
			w := fc.waiters[0]
			why := b.overLimit(w.m)
			if why != "" {
				_, after := b.sendFail(w.m.Dest)
				if after > 0 && now.Sub(w.since) >= after {
					fc.waiters = fc.waiters[1:]
					fc.mu.Unlock()
					w.fail(fmt.Errorf("%w: Usage Manager: %s; send to %s timed out after %s (sendFailIfNoSpaceAfterTimeout)", ErrResourceAllocation, why, w.m.Dest, after))
					continue
				}
				if now.Sub(fc.lastLog) >= interval {
					fc.lastLog = now
					b.log.Warn("producer flow control: sends are waiting for space", "reason", why,
						"waiting", len(fc.waiters), "connection", w.c.connID, "remote", w.c.info.RemoteAddr,
						"destination", w.m.Dest.String(), "blockedFor", now.Sub(w.since).Round(time.Second))
				}
				fc.mu.Unlock()
				break
			}
			fc.waiters = fc.waiters[1:]
			fc.mu.Unlock()
			if err := w.c.sendNow(w.m, w.done); err != nil {
				w.fail(err)
			}
		}
	}
}

func (w *blockedSend) fail(err error) {
	if w.done != nil {
		w.done(err)
	}
}

func (fc *flowControl) failAll(err error) {
	fc.mu.Lock()
	ws := fc.waiters
	fc.waiters = nil
	fc.mu.Unlock()
	for _, w := range ws {
		w.fail(err)
	}
}

// release takes an entry that leaves the broker off the usage counters.
func (b *Broker) release(e *entry) {
	b.memUsed.Add(-e.size())
	if e.stored {
		b.storeUsed.Add(-e.size())
	} else if e.tmp {
		b.tmpUsed.Add(-e.size())
	}
}

// TempUsage reports bytes of spilled non-persistent messages and the limit.
func (b *Broker) TempUsage() (used, limit int64) {
	return b.tmpUsed.Load(), b.cfg.Usage.TempLimit
}

// MemoryUsage reports bytes of messages in memory and the limit (0 = none).
func (b *Broker) MemoryUsage() (used, limit int64) {
	return b.memUsed.Load(), b.cfg.Usage.MemoryLimit
}

// StoreUsage reports approximate bytes of persistent messages and the limit.
func (b *Broker) StoreUsage() (used, limit int64) {
	return b.storeUsed.Load(), b.cfg.Usage.StoreLimit
}

// BlockedSends counts sends waiting for space.
func (b *Broker) BlockedSends() int {
	b.flow.mu.Lock()
	defer b.flow.mu.Unlock()
	return len(b.flow.waiters)
}
