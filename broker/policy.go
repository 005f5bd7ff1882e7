package broker

import (
	"strings"
	"time"
)

// Policy is what a <policyEntry> says about one destination. The zero value of
// a field means "ActiveMQ's default"; DefaultPolicy fills them in.
type Policy struct {
	QueuePrefetch   int
	TopicPrefetch   int
	DurablePrefetch int
	BrowserPrefetch int
	// Prioritized dispatches strictly by priority (prioritizedMessages).
	Prioritized bool
	// ProducerFlowControl makes sends wait at a usage limit instead of
	// failing (producerFlowControl, true by default).
	ProducerFlowControl bool
	// ExpirePeriod is how often pending messages are scanned for expiry
	// (expireMessagesPeriod); negative disables the scan.
	ExpirePeriod time.Duration
	// MaxPendingTopic bounds each non-durable topic subscription's pending
	// buffer beyond its prefetch (constantPendingMessageLimitStrategy); the
	// oldest pending messages are evicted past it. -1 = unbounded.
	MaxPendingTopic int
	DeadLetter      DeadLetterStrategy
	// Redelivery is the broker-enforced redelivery policy.
	Redelivery RedeliveryPolicy
	// RecoveryCount keeps the last N messages of a topic for retroactive
	// subscribers (fixedCountSubscriptionRecoveryPolicy); 0 keeps none.
	RecoveryCount int
	// AlwaysRetroactive treats every topic subscription as retroactive.
	AlwaysRetroactive bool
	// InactiveGC, when > 0, removes the destination once it has had no
	// consumers and no messages for this long (gcInactiveDestinations,
	// inactiveTimeoutBeforeGC); swept every Config.PurgePeriod.
	InactiveGC time.Duration
	// PageWindow is how many bytes of a queue's pending persistent messages
	// stay in memory; the rest is paged in from the store (default 32 MB,
	// or the policy's memoryLimit).
	PageWindow int64
	// AbortSlow, when set, aborts slow topic subscribers
	// (abortSlowConsumerStrategy).
	AbortSlow *SlowConsumerPolicy
	// AllConsumersExclusive makes every queue consumer exclusive, so one
	// takes everything while it lives (allConsumersExclusiveByDefault).
	AllConsumersExclusive bool
	// UseConsumerPriority dispatches to higher-priority queue consumers
	// first (useConsumerPriority, true by default); without it consumers
	// are served round-robin in the order they came, whatever their
	// priority. Exclusive consumers are still chosen by priority.
	UseConsumerPriority bool
	// SendFailIfNoSpace and SendFailAfter, when set, replace Usage's for
	// sends to this destination (policyEntry sendFailIfNoSpace and
	// sendFailIfNoSpaceAfterTimeout, which ActiveMQ applies to the
	// destination's own usage).
	SendFailIfNoSpace *bool
	SendFailAfter     *time.Duration
}

// SlowConsumerPolicy is abortSlowConsumerStrategy: a subscriber that keeps
// its whole prefetch unacked while more messages wait is slow; one slow for
// MaxSlowDuration (or MaxSlowCount checks) is aborted.
type SlowConsumerPolicy struct {
	MaxSlowCount    int64 // -1 = not used
	MaxSlowDuration time.Duration
	CheckPeriod     time.Duration
	AbortConnection bool
}

// DeadLetterStrategy says where messages that cannot be delivered go.
type DeadLetterStrategy struct {
	Individual           bool   // individualDeadLetterStrategy
	QueuePrefix          string // ActiveMQ.DLQ.Queue.
	TopicPrefix          string // ActiveMQ.DLQ.Topic.
	QueueSuffix          string // appended after the name: "" + ORDERS + ".DLQ"
	TopicSuffix          string
	SharedQueue          string // ActiveMQ.DLQ
	ProcessExpired       bool
	ProcessNonPersistent bool
	// Expiration, when > 0, is the lifetime in ms of a DLQ copy (ActiveMQ's
	// copies never expire by default).
	Expiration int64
	// Discard drops dead letters (discardingDLQBrokerPlugin).
	Discard bool
}

// RedeliveryPolicy mirrors ActiveMQ's RedeliveryPolicy; the broker enforces it
// for every protocol (STOMP has no client-side redelivery).
type RedeliveryPolicy struct {
	MaximumRedeliveries    int // -1 = forever
	InitialRedeliveryDelay time.Duration
	RedeliveryDelay        time.Duration
	UseExponentialBackOff  bool
	BackOffMultiplier      float64
	MaximumRedeliveryDelay time.Duration
}

// DefaultPolicy is ActiveMQ's behaviour with no <policyEntry>.
func DefaultPolicy() Policy {
	return Policy{
		QueuePrefetch:       1000,
		TopicPrefetch:       32767,
		DurablePrefetch:     100,
		BrowserPrefetch:     500,
		ExpirePeriod:        30 * time.Second,
		ProducerFlowControl: true,
		UseConsumerPriority: true,
		MaxPendingTopic:     10000,
		DeadLetter: DeadLetterStrategy{
			QueuePrefix:    "ActiveMQ.DLQ.Queue.",
			TopicPrefix:    "ActiveMQ.DLQ.Topic.",
			SharedQueue:    "ActiveMQ.DLQ",
			ProcessExpired: true,
		},
		Redelivery: RedeliveryPolicy{
			MaximumRedeliveries:    6,
			InitialRedeliveryDelay: 0,
			RedeliveryDelay:        0,
			BackOffMultiplier:      5,
		},
	}
}

// dlqFor returns the dead-letter queue for messages of d.
func (s *DeadLetterStrategy) dlqFor(d Destination) Destination {
	if s.Individual {
		if d.IsTopic() {
			return QueueDest(s.TopicPrefix + d.Name + s.TopicSuffix)
		}
		return QueueDest(s.QueuePrefix + d.Name + s.QueueSuffix)
	}
	name := s.SharedQueue
	if name == "" {
		name = "ActiveMQ.DLQ"
	}
	return QueueDest(name)
}

// IsDLQ reports whether a queue name looks like a dead-letter queue, so
// dead letters of a DLQ are never routed back into one (and the console
// can flag it).
func (s *DeadLetterStrategy) IsDLQ(d Destination) bool {
	if !d.IsQueue() {
		return false
	}
	shared := s.SharedQueue
	if shared == "" {
		shared = "ActiveMQ.DLQ"
	}
	return d.Name == shared || strings.HasPrefix(d.Name, "ActiveMQ.DLQ") ||
		affixed(d.Name, s.QueuePrefix, s.QueueSuffix) || affixed(d.Name, s.TopicPrefix, s.TopicSuffix)
}

// affixed reports whether name carries an individual DLQ's prefix and
// suffix; with both empty nothing marks a DLQ by its name.
func affixed(name, prefix, suffix string) bool {
	if prefix == "" && suffix == "" {
		return false
	}
	return strings.HasPrefix(name, prefix) && strings.HasSuffix(name, suffix)
}

// Delay returns the wait before redelivery number n (1-based).
func (r *RedeliveryPolicy) Delay(n int) time.Duration {
	if n <= 1 {
		return r.InitialRedeliveryDelay
	}
	d := r.RedeliveryDelay
	if r.UseExponentialBackOff && r.BackOffMultiplier > 1 {
		if d <= 0 {
			d = r.InitialRedeliveryDelay
		}
		for i := 2; i < n; i++ {
			d = time.Duration(float64(d) * r.BackOffMultiplier)
			if r.MaximumRedeliveryDelay > 0 && d > r.MaximumRedeliveryDelay {
				return r.MaximumRedeliveryDelay
			}
		}
	}
	if r.MaximumRedeliveryDelay > 0 && d > r.MaximumRedeliveryDelay {
		d = r.MaximumRedeliveryDelay
	}
	return d
}

// MatchWildcard reports whether an ActiveMQ destination pattern matches name:
// "." separates segments, "*" matches one segment, ">" the rest (and "A.>"
// also matches "A").
func MatchWildcard(pattern, name string) bool {
	if pattern == name {
		return true
	}
	if !IsWildcard(pattern) {
		return false
	}
	for {
		pseg, prest, pmore := strings.Cut(pattern, ".")
		if pseg == ">" {
			return true
		}
		nseg, nrest, nmore := strings.Cut(name, ".")
		if pseg != "*" && pseg != nseg {
			return false
		}
		if !pmore {
			return !nmore
		}
		if !nmore {
			// "A.>" matches "A".
			return prest == ">"
		}
		pattern, name = prest, nrest
	}
}

// IsWildcard reports whether a destination name holds wildcard segments.
func IsWildcard(name string) bool {
	for {
		seg, rest, more := strings.Cut(name, ".")
		if seg == "*" || seg == ">" {
			return true
		}
		if !more {
			return false
		}
		name = rest
	}
}
