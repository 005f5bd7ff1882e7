package web

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"amq/broker"
)

// Optional broker capabilities. The console uses them when the broker has
// them and falls back to what it can work out itself otherwise.
type (
	usageReporter interface {
		MemoryUsage() (used, limit int64)
		StoreUsage() (used, limit int64)
	}
	blockedReporter interface{ BlockedSends() int }
	pauseReporter   interface {
		Paused(d broker.Destination) bool
	}
	topicRemover interface{ RemoveTopic(name string) bool }
)

// destView is one destination as management shows it.
type destView struct {
	Dest      broker.Destination
	Stats     broker.QueueStats
	Producers int
	DLQ       bool
	Paused    bool
	MemLimit  int64
}

// Name is the destination name without its scheme.
func (d destView) Name() string { return d.Dest.Name }

// MemoryPercent is MemoryPercentUsage: held bytes against the destination's limit.
func (d destView) MemoryPercent() int { return percent(d.Stats.MemoryUsage, d.MemLimit) }

// IsAdvisory reports an ActiveMQ.Advisory topic.
func (d destView) IsAdvisory() bool { return broker.IsAdvisory(d.Dest) }

func percent(used, limit int64) int {
	if limit <= 0 || used <= 0 {
		return 0
	}
	return int(used * 100 / limit)
}

func (c *Console) view(di broker.DestinationInfo) destView {
	v := destView{Dest: di.Dest, Stats: di.Stats, Producers: c.b.ProducerCount(di.Dest), MemLimit: c.destMemoryLimit(di.Dest)}
	if di.Dest.IsQueue() {
		v.DLQ = c.isDLQ(di.Dest)
		v.Paused = c.isPaused(di.Dest)
	}
	return v
}

// queues lists queues; temporary ones only when withTemp.
func (c *Console) queues(withTemp bool) []destView {
	var out []destView
	for _, di := range c.b.Queues() {
		if di.Dest.IsTemp() && !withTemp {
			continue
		}
		out = append(out, c.view(di))
	}
	return out
}

// topics lists topics; temporary ones only when withTemp.
func (c *Console) topics(withTemp bool) []destView {
	var out []destView
	for _, di := range c.b.Topics() {
		if di.Dest.IsTemp() && !withTemp {
			continue
		}
		if broker.IsWildcard(di.Dest.Name) {
			continue // wildcard subscriptions are not destinations
		}
		out = append(out, c.view(di))
	}
	return out
}

// findQueue returns a queue's view if the queue exists.
func (c *Console) findQueue(name string) (destView, bool) {
	d := broker.QueueDest(name)
	st, ok := c.b.QueueStats(d)
	if !ok {
		return destView{}, false
	}
	return c.view(broker.DestinationInfo{Dest: d, Stats: st}), true
}

// isDLQ applies the dead-letter strategy's naming rules to a queue.
func (c *Console) isDLQ(d broker.Destination) bool {
	if !d.IsQueue() {
		return false
	}
	dl := c.b.Policy(d).DeadLetter
	return dl.IsDLQ(d)
}

func (c *Console) isPaused(d broker.Destination) bool {
	if pr, ok := any(c.b).(pauseReporter); ok {
		return pr.Paused(d)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused[d.String()]
}

func (c *Console) setPaused(d broker.Destination, p bool) {
	if p {
		c.b.Pause(d)
	} else {
		c.b.Resume(d)
	}
	c.mu.Lock()
	if p {
		c.paused[d.String()] = true
	} else {
		delete(c.paused, d.String())
	}
	c.mu.Unlock()
}

// destMemoryLimit is a destination's memoryLimit, or the broker's when the
// policy sets none (ActiveMQ's destinations share the broker's usage then).
func (c *Console) destMemoryLimit(d broker.Destination) int64 {
	if c.cfg != nil {
		kind := "queue"
		if d.IsTopic() {
			kind = "topic"
		}
		if d.IsTemp() {
			kind = "temp" + strings.ToUpper(kind[:1]) + kind[1:]
		}
		if e := c.cfg.PolicyFor(kind, d.Name); e != nil && e.MemoryLimit > 0 {
			return e.MemoryLimit
		}
	}
	return c.memoryLimit()
}

func (c *Console) producerFlowControl(d broker.Destination) bool {
	if c.cfg == nil {
		return true
	}
	kind := "queue"
	if d.IsTopic() {
		kind = "topic"
	}
	if e := c.cfg.PolicyFor(kind, d.Name); e != nil {
		return e.ProducerFlowControl
	}
	return true
}

// memoryUsage is the broker's memory usage and limit.
func (c *Console) memoryUsage() (used, limit int64) {
	if ur, ok := any(c.b).(usageReporter); ok {
		used, _ = ur.MemoryUsage()
	} else {
		for _, di := range c.b.Queues() {
			used += di.Stats.MemoryUsage
		}
	}
	return used, c.memoryLimit()
}

// memoryLimit is the broker's memoryUsage limit (1 GB unless configured).
func (c *Console) memoryLimit() int64 {
	if ur, ok := any(c.b).(usageReporter); ok {
		if _, l := ur.MemoryUsage(); l > 0 {
			return l
		}
	}
	if c.cfg != nil && c.cfg.Broker.SystemUsage.Memory.Limit > 0 {
		return c.cfg.Broker.SystemUsage.Memory.Limit
	}
	return 1 << 30
}

// storeUsage is the bytes of persistent messages and the store limit.
func (c *Console) storeUsage(ctx context.Context) (used, limit int64) {
	if ur, ok := any(c.b).(usageReporter); ok {
		used, limit = ur.StoreUsage()
	} else {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if cs, err := c.b.Store().Containers(ctx); err == nil {
			for _, ct := range cs {
				used += ct.Bytes
			}
		}
	}
	if limit <= 0 {
		limit = 100 << 30
		if c.cfg != nil && c.cfg.Broker.SystemUsage.Store.Limit > 0 {
			limit = c.cfg.Broker.SystemUsage.Store.Limit
		}
	}
	return used, limit
}

func (c *Console) tempLimit() int64 {
	if c.cfg != nil && c.cfg.Broker.SystemUsage.Temp.Limit > 0 {
		return c.cfg.Broker.SystemUsage.Temp.Limit
	}
	return 50 << 30
}

func (c *Console) schedulerLimit() int64 {
	if c.cfg != nil && c.cfg.Broker.SystemUsage.JobScheduler.Limit > 0 {
		return c.cfg.Broker.SystemUsage.JobScheduler.Limit
	}
	return 50 << 30
}

// totals sums the destination counters the broker MBean reports.
type totals struct {
	Enqueued, Dequeued, Messages, Consumers, Producers int64
	Queues, Topics                                     int
}

func (c *Console) totals() totals {
	var t totals
	for _, di := range c.b.Queues() {
		if di.Dest.IsTemp() {
			continue
		}
		t.Queues++
		t.Enqueued += di.Stats.EnqueueCount
		t.Dequeued += di.Stats.DequeueCount
		t.Messages += di.Stats.QueueSize
		t.Consumers += int64(di.Stats.ConsumerCount)
		t.Producers += int64(c.b.ProducerCount(di.Dest))
	}
	for _, di := range c.b.Topics() {
		if di.Dest.IsTemp() || broker.IsWildcard(di.Dest.Name) {
			continue
		}
		t.Topics++
		t.Enqueued += di.Stats.EnqueueCount
		t.Dequeued += di.Stats.DequeueCount
		t.Consumers += int64(di.Stats.ConsumerCount)
		t.Producers += int64(c.b.ProducerCount(di.Dest))
	}
	for _, ds := range c.b.DurableSubscriptions() {
		t.Messages += ds.Pending
	}
	return t
}

// printDuration renders an uptime the way ActiveMQ's Uptime attribute and
// console do: "12.345 seconds", "5 minutes", "2 hours 3 minutes", "1 day 4 hours".
func printDuration(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.3f seconds", d.Seconds())
	}
	mins := int64(d / time.Minute)
	if mins < 60 {
		return plural(mins, "minute")
	}
	hours := mins / 60
	if hours < 24 {
		s := plural(hours, "hour")
		if m := mins % 60; m != 0 {
			s += " " + plural(m, "minute")
		}
		return s
	}
	s := plural(hours/24, "day")
	if h := hours % 24; h != 0 {
		s += " " + plural(h, "hour")
	}
	return s
}

func plural(n int64, unit string) string {
	s := groupThousands(n) + " " + unit
	if n > 1 {
		s += "s"
	}
	return s
}

func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// errNoQueue is returned when an operation names a queue that does not exist.
var errNoQueue = errors.New("no such queue")

// removeMatching removes the pending messages of a queue that match a
// selector (removeMatchingMessages): it browses with the selector and
// removes each message by ID. Messages in flight to a consumer are left.
func (c *Console) removeMatching(name, selector string) (int, error) {
	return c.eachMatching(name, selector, func(d broker.Destination, id string) error {
		return c.b.RemoveMessage(d, id)
	})
}

// eachMatching applies fn to every message of a queue matching selector,
// counting those fn handled; messages that left the queue meanwhile are skipped.
func (c *Console) eachMatching(name, selector string, fn func(d broker.Destination, id string) error) (int, error) {
	d := broker.QueueDest(name)
	if _, ok := c.b.QueueStats(d); !ok {
		return 0, fmt.Errorf("%w: %s", errNoQueue, name)
	}
	f, err := c.b.CompileSelector(selector)
	if err != nil {
		return 0, fmt.Errorf("selector %q: %w", selector, err)
	}
	n := 0
	for _, m := range c.b.Browse(d, f, 0) {
		if err := fn(d, m.ID); err != nil {
			if errors.Is(err, broker.ErrNoSuchMessage) {
				continue
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// createDurable creates an offline durable subscription, as ActiveMQ's
// console does: connect with the client ID, subscribe, leave.
func (c *Console) createDurable(clientID, name, topic, selector string) error {
	if clientID == "" || name == "" || topic == "" {
		return errors.New("client ID, subscription name and topic are required")
	}
	conn, err := c.b.Connect(broker.ConnInfo{ClientID: clientID, Protocol: "vm", RemoteAddr: "web console"})
	if err != nil {
		return err
	}
	defer conn.Close()
	cons, err := conn.Subscribe(broker.SubscribeOptions{Dest: broker.TopicDest(topic), Selector: selector, DurableName: name, Prefetch: 0},
		broker.DelivererFunc(func(*broker.Delivery) {}))
	if err != nil {
		return err
	}
	cons.Close()
	return nil
}

// removeTopic deletes a topic when the broker can.
func (c *Console) removeTopic(name string) error {
	tr, ok := any(c.b).(topicRemover)
	if !ok {
		return errors.New("removing topics is not supported by this broker version")
	}
	tr.RemoveTopic(name)
	return nil
}

func (c *Console) canRemoveTopics() bool {
	_, ok := any(c.b).(topicRemover)
	return ok
}

// sortViews orders destination views by a column of the queues page.
func sortViews(vs []destView, key string, desc bool) {
	less := func(a, b destView) bool { return a.Dest.Name < b.Dest.Name }
	num := func(f func(destView) int64) func(a, b destView) bool {
		return func(a, b destView) bool {
			if f(a) != f(b) {
				return f(a) < f(b)
			}
			return a.Dest.Name < b.Dest.Name
		}
	}
	switch key {
	case "pending":
		less = num(func(v destView) int64 { return v.Stats.QueueSize })
	case "consumers":
		less = num(func(v destView) int64 { return int64(v.Stats.ConsumerCount) })
	case "enqueued":
		less = num(func(v destView) int64 { return v.Stats.EnqueueCount })
	case "dequeued":
		less = num(func(v destView) int64 { return v.Stats.DequeueCount })
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if desc {
			return less(vs[j], vs[i])
		}
		return less(vs[i], vs[j])
	})
}
