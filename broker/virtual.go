package broker

import (
	"fmt"
)

// VirtualTopic makes a topic's publishes land in queues: a publish on a
// topic matching Name reaches every existing queue named
// <Prefix with * for any segment><topic><Postfix>, e.g. VirtualTopic.Orders
// -> Consumer.A.VirtualTopic.Orders, Consumer.B.VirtualTopic.Orders.
type VirtualTopic struct {
	Name          string // topic pattern, default "VirtualTopic.>"
	Prefix        string // default "Consumer.*."
	Postfix       string
	SelectorAware bool // forward only to queues with a consumer whose selector matches
}

// DefaultVirtualTopic is ActiveMQ's built-in virtual topic (useVirtualTopics).
var DefaultVirtualTopic = VirtualTopic{Name: "VirtualTopic.>", Prefix: "Consumer.*."}

// Composite is a compositeQueue or compositeTopic: sends to Name are
// forwarded to each target, optionally filtered by a selector.
type Composite struct {
	Dest        Destination
	ForwardOnly bool
	Targets     []CompositeTarget
}

// CompositeTarget is one forwardTo entry.
type CompositeTarget struct {
	Dest     Destination
	Selector string
	filter   Filter
}

// SetRouting installs virtual topics and composite destinations (from
// <destinationInterceptors>). It is meant for start-up.
func (b *Broker) SetRouting(vts []VirtualTopic, comps []Composite) error {
	m := map[string]*Composite{}
	for i := range comps {
		c := comps[i]
		for j := range c.Targets {
			t := &c.Targets[j]
			if t.Selector != "" {
				f, err := b.compile(t.Selector)
				if err != nil {
					return fmt.Errorf("composite %s forward to %s: %w", c.Dest, t.Dest, err)
				}
				t.filter = f
			}
		}
		m[c.Dest.String()] = &c
	}
	b.mu.Lock()
	b.virtualTopics = vts
	b.composites = m
	b.mu.Unlock()
	return nil
}

// routeVirtual forwards a topic publish into the consumer queues of matching
// virtual topics.
func (b *Broker) routeVirtual(m *Message, p *plan) {
	b.mu.RLock()
	vts := b.virtualTopics
	if len(vts) == 0 {
		b.mu.RUnlock()
		return
	}
	var targets []*msgQueue
	for _, vt := range vts {
		if !MatchWildcard(vt.Name, m.Dest.Name) {
			continue
		}
		pattern := vt.Prefix + m.Dest.Name + vt.Postfix
		for _, q := range b.queues {
			if q.dest.Kind == Queue && MatchWildcard(pattern, q.dest.Name) {
				targets = append(targets, q)
			}
		}
		if vt.SelectorAware {
			kept := targets[:0]
			for _, q := range targets {
				if q.anyConsumerMatches(m) {
					kept = append(kept, q)
				}
			}
			targets = kept
		}
	}
	b.mu.RUnlock()
	for _, q := range targets {
		cm := m.Clone()
		cm.OriginalDest = m.Dest
		cm.Dest = q.dest
		b.addToQueue(q, cm, p)
	}
}

// anyConsumerMatches reports whether some consumer of q would select m, or
// q has no consumers (messages then wait for one, as ActiveMQ does).
func (q *msgQueue) anyConsumerMatches(m *Message) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.consumers) == 0 {
		return true
	}
	for _, c := range q.consumers {
		if c.sel == nil || c.sel.Match(m, 1) {
			return true
		}
	}
	return false
}

// composite returns the composite destination configured for d, if any.
func (b *Broker) composite(d Destination) *Composite {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if len(b.composites) == 0 {
		return nil
	}
	var kb keyBuf
	return b.composites[string(d.key(&kb))]
}

// routeComposite forwards m to c's targets; it reports whether m should
// also reach its own destination.
func (b *Broker) routeComposite(c *Composite, m *Message, p *plan, depth int) (bool, error) {
	for _, t := range c.Targets {
		if t.filter != nil && !t.filter.Match(m, 1) {
			continue
		}
		cm := m.Clone()
		cm.OriginalDest = m.Dest
		cm.Dest = t.Dest
		if err := b.routeDepth(cm, p, depth+1); err != nil {
			return false, err
		}
	}
	return !c.ForwardOnly, nil
}
