package broker

import (
	"strings"
	"time"
)

// AdvisoryPrefix starts every advisory topic name.
const AdvisoryPrefix = "ActiveMQ.Advisory."

// Advisory describes a broker event, published as a non-persistent message
// of type "Advisory" on a topic under ActiveMQ.Advisory. Protocol adapters
// render it: OpenWire as the DataStructure the JMS client expects, STOMP as
// a JSON body.
type Advisory struct {
	Type   string // Connection, Queue, Topic, TempQueue, TempTopic, Consumer, Producer, Expired, MessageDLQd, SlowConsumer
	Remove bool   // the subject went away
	Dest   Destination

	ConnectionID string
	ClientID     string
	RemoteAddr   string
	UserName     string

	ConsumerID  uint64
	ProducerID  uint64
	Selector    string
	DurableName string
	Count       int // consumerCount or producerCount after the event

	MessageID string // Expired, MessageDLQd
}

// Topic returns the advisory topic an event is published on, ActiveMQ's names.
func (a *Advisory) Topic() Destination {
	kind := func(d Destination) string {
		if d.IsTopic() {
			if d.IsTemp() {
				return "TempTopic."
			}
			return "Topic."
		}
		if d.IsTemp() {
			return "TempQueue."
		}
		return "Queue."
	}
	switch a.Type {
	case "Consumer", "Producer", "Expired", "MessageDLQd", "SlowConsumer":
		return TopicDest(AdvisoryPrefix + a.Type + "." + kind(a.Dest) + a.Dest.Name)
	}
	return TopicDest(AdvisoryPrefix + a.Type)
}

// IsAdvisory reports whether d is an advisory topic.
func IsAdvisory(d Destination) bool {
	return d.IsTopic() && strings.HasPrefix(d.Name, AdvisoryPrefix)
}

// SetAdvisories turns advisory messages on or off (advisorySupport).
func (b *Broker) SetAdvisories(on bool) { b.noAdvisories.Store(!on) }

// advise publishes an advisory if anyone listens. It must not be called with
// a destination or broker lock held.
func (b *Broker) advise(a *Advisory) {
	if b.noAdvisories.Load() || b.closed.Load() {
		return
	}
	if IsAdvisory(a.Dest) {
		return // no advisories about advisory topics
	}
	d := a.Topic()
	t := b.topic(d, true)
	t.mu.RLock()
	listeners := len(t.subs) > 0 || len(t.durables) > 0
	t.mu.RUnlock()
	if !listeners {
		return
	}
	var p plan
	t.route(b.advisoryMessage(a, d), &p)
	p.commit()
}

func (b *Broker) advisoryMessage(a *Advisory, d Destination) *Message {
	m := &Message{
		ID:        b.idPrefix + ":0:0:0:" + itoa(int(b.advisorySeq.Add(1))),
		Dest:      d,
		Priority:  4,
		Timestamp: time.Now().UnixMilli(),
		Type:      "Advisory",
		Advisory:  a,
		Props: []Property{
			StringProp("originBrokerName", b.cfg.Name),
			StringProp("originBrokerId", b.idPrefix),
		},
	}
	switch a.Type {
	case "Consumer":
		m.Props = append(m.Props, Property{Name: "consumerCount", Type: PropInt, I: int64(a.Count)})
	case "Producer":
		m.Props = append(m.Props, Property{Name: "producerCount", Type: PropInt, I: int64(a.Count)})
	case "Expired", "MessageDLQd":
		m.Props = append(m.Props, StringProp("orignalMessageId", a.MessageID))
	}
	return m
}

// destAdvisory announces a destination created or removed.
func (b *Broker) destAdvisory(d Destination, remove bool) {
	typ := "Queue"
	switch d.Kind {
	case Topic:
		typ = "Topic"
	case TempQueue:
		typ = "TempQueue"
	case TempTopic:
		typ = "TempTopic"
	}
	b.advise(&Advisory{Type: typ, Dest: d, Remove: remove})
}

// replayTemps sends the existing destinations to a new subscriber of the
// Queue, Topic, TempQueue and TempTopic advisory topics, as ActiveMQ does:
// a JMS client learns of temp destinations created before it connected, a
// tool of the queues that exist.
func (b *Broker) replayTemps(c *Consumer) {
	want := map[DestKind]bool{}
	for _, name := range strings.Split(c.opts.Dest.Name, ",") {
		switch strings.TrimSpace(name) {
		case AdvisoryPrefix + "TempQueue":
			want[TempQueue] = true
		case AdvisoryPrefix + "TempTopic":
			want[TempTopic] = true
		case AdvisoryPrefix + "Queue":
			want[Queue] = true
		case AdvisoryPrefix + "Topic":
			want[Topic] = true
		}
	}
	if len(want) == 0 {
		return
	}
	b.mu.RLock()
	var ds []Destination
	for key, owner := range b.temps {
		d, err := ParseDestination(key)
		if err == nil && owner != nil && want[d.Kind] {
			ds = append(ds, d)
		}
	}
	if want[Queue] {
		for _, q := range b.queues {
			if q.dest.Kind == Queue {
				ds = append(ds, q.dest)
			}
		}
	}
	if want[Topic] {
		for _, t := range b.topics {
			if t.dest.Kind == Topic && !IsAdvisory(t.dest) && !IsWildcard(t.dest.Name) {
				ds = append(ds, t.dest)
			}
		}
	}
	b.mu.RUnlock()
	var es []*entry
	for _, d := range ds {
		typ := map[DestKind]string{Queue: "Queue", Topic: "Topic", TempQueue: "TempQueue", TempTopic: "TempTopic"}[d.Kind]
		a := &Advisory{Type: typ, Dest: d}
		es = append(es, &entry{msg: b.advisoryMessage(a, a.Topic()), seq: b.nextSeq()})
	}
	if len(es) > 0 {
		c.q.enqueue(es...)
	}
}
