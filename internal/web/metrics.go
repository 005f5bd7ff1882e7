package web

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"amq/broker"
)

const metricsNamespace = "activemq"

// SyncObservable is implemented by stores that can report how long each
// fsync (or commit) took; the console registers its histogram with it.
type SyncObservable interface {
	SetSyncObserver(f func(time.Duration))
}

// DispatchObservable is implemented by a broker that can report, for each
// message handed to a consumer, how long it waited since the broker
// accepted it.
type DispatchObservable interface {
	SetDispatchObserver(f func(time.Duration))
}

// StoreSyncObserver is the store fsync latency histogram, for wiring a
// store that reports latencies some other way than SyncObservable.
func (c *Console) StoreSyncObserver() prometheus.Observer { return c.storeSync }

// DispatchObserver is the dispatch latency histogram (seconds from the
// broker accepting a message to a consumer receiving it).
func (c *Console) DispatchObserver() prometheus.Observer { return c.dispatchLat }

// Registry is the console's own Prometheus registry, for callers that want
// to add collectors of their own.
func (c *Console) Registry() *prometheus.Registry { return c.reg }

func observeDuration(o prometheus.Observer) func(time.Duration) {
	return func(d time.Duration) { o.Observe(d.Seconds()) }
}

func (c *Console) initMetrics() error {
	c.reg = prometheus.NewRegistry()
	c.storeSync = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace:   metricsNamespace,
		Name:        "store_fsync_duration_seconds",
		Help:        "Time the message store spent in each fsync (or commit).",
		Buckets:     prometheus.ExponentialBuckets(0.0001, 2, 16),
		ConstLabels: prometheus.Labels{"broker": c.b.Name()},
	})
	c.dispatchLat = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace:   metricsNamespace,
		Name:        "dispatch_latency_seconds",
		Help:        "Time from the broker accepting a message to its dispatch to a consumer.",
		Buckets:     prometheus.ExponentialBuckets(0.001, 4, 11),
		ConstLabels: prometheus.Labels{"broker": c.b.Name()},
	})
	for _, col := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newBrokerCollector(c),
		c.storeSync,
		c.dispatchLat,
	} {
		if err := c.reg.Register(col); err != nil {
			return err
		}
	}
	if so, ok := c.b.Store().(SyncObservable); ok {
		so.SetSyncObserver(observeDuration(c.storeSync))
	}
	if do, ok := any(c.b).(DispatchObservable); ok {
		do.SetDispatchObserver(observeDuration(c.dispatchLat))
	}
	return nil
}

func (c *Console) metricsHandler() http.Handler {
	return promhttp.HandlerFor(c.reg, promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}

// brokerCollector reads the broker's statistics at scrape time.
type brokerCollector struct {
	c *Console

	info, uptime                                    *prometheus.Desc
	queueSize, inflight, consumers, producers, memB *prometheus.Desc
	enqueued, dequeued, dispatched, expired         *prometheus.Desc
	dlqSize, dlqEnqueued                            *prometheus.Desc
	durablePending, durableActive                   *prometheus.Desc
	conns, connsTotal                               *prometheus.Desc
	storeUsed, storeLimit, memUsed, memLimit        *prometheus.Desc
	scheduled, blocked, destinations, paused        *prometheus.Desc
	totalEnqueued, totalDequeued, totalMessages     *prometheus.Desc
}

func newBrokerCollector(c *Console) *brokerCollector {
	cl := prometheus.Labels{"broker": c.b.Name()}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(metricsNamespace, "", name), help, labels, cl)
	}
	dest := []string{"destination", "type"}
	return &brokerCollector{
		c:              c,
		info:           prometheus.NewDesc(metricsNamespace+"_broker_info", "Broker identity; always 1.", []string{"version", "id"}, cl),
		uptime:         d("broker_uptime_seconds", "Seconds since the broker started."),
		queueSize:      d("destination_queue_size", "Messages held by the destination, in flight included (QueueSize).", dest...),
		inflight:       d("destination_inflight_messages", "Messages dispatched and not yet acknowledged (InFlightCount).", dest...),
		consumers:      d("destination_consumers", "Consumers of the destination (ConsumerCount).", dest...),
		producers:      d("destination_producers", "Registered producers of the destination (ProducerCount).", dest...),
		memB:           d("destination_memory_bytes", "Bytes of messages the destination holds in memory.", dest...),
		enqueued:       d("destination_enqueued_messages_total", "Messages sent to the destination (EnqueueCount).", dest...),
		dequeued:       d("destination_dequeued_messages_total", "Messages acknowledged or removed (DequeueCount).", dest...),
		dispatched:     d("destination_dispatched_messages_total", "Messages dispatched to consumers (DispatchCount).", dest...),
		expired:        d("destination_expired_messages_total", "Messages that expired (ExpiredCount).", dest...),
		dlqSize:        d("dlq_queue_size", "Messages waiting in a dead-letter queue.", "destination"),
		dlqEnqueued:    d("dlq_enqueued_messages_total", "Messages that arrived in a dead-letter queue.", "destination"),
		durablePending: d("durable_subscription_pending_messages", "Messages kept for a durable subscription.", "client_id", "subscription", "topic"),
		durableActive:  d("durable_subscription_active", "1 when the durable subscription has a connected subscriber.", "client_id", "subscription", "topic"),
		conns:          d("connections", "Open client connections.", "protocol"),
		connsTotal:     d("connections_opened_total", "Client connections opened since the broker started."),
		storeUsed:      d("store_size_bytes", "Bytes of persistent messages in the store."),
		storeLimit:     d("store_limit_bytes", "The store usage limit (storeUsage)."),
		memUsed:        d("memory_used_bytes", "Bytes of messages held in memory."),
		memLimit:       d("memory_limit_bytes", "The memory usage limit (memoryUsage)."),
		scheduled:      d("scheduled_messages", "Scheduled messages waiting for delivery."),
		blocked:        d("producer_blocked_sends", "Sends waiting for memory or store space (producer flow control)."),
		destinations:   d("destinations", "Destinations by type.", "type"),
		paused:         d("destination_paused", "1 when dispatch from the queue is paused.", "destination"),
		totalEnqueued:  d("enqueued_messages_total", "Messages sent to the broker (TotalEnqueueCount)."),
		totalDequeued:  d("dequeued_messages_total", "Messages acknowledged on the broker (TotalDequeueCount)."),
		totalMessages:  d("messages", "Unacknowledged messages on the broker (TotalMessageCount)."),
	}
}

func (bc *brokerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{bc.info, bc.uptime, bc.queueSize, bc.inflight, bc.consumers, bc.producers, bc.memB,
		bc.enqueued, bc.dequeued, bc.dispatched, bc.expired, bc.dlqSize, bc.dlqEnqueued, bc.durablePending, bc.durableActive,
		bc.conns, bc.connsTotal, bc.storeUsed, bc.storeLimit, bc.memUsed, bc.memLimit, bc.scheduled, bc.blocked,
		bc.destinations, bc.paused, bc.totalEnqueued, bc.totalDequeued, bc.totalMessages} {
		ch <- d
	}
}

// Collect skips temporary destinations and advisory topics: their names
// are per-connection IDs and would grow the series set without bound.
func (bc *brokerCollector) Collect(ch chan<- prometheus.Metric) {
	c := bc.c
	b := c.b
	gauge := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	counter := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, lv...)
	}
	gauge(bc.info, 1, broker.Version, b.ID())
	gauge(bc.uptime, time.Since(b.StartTime()).Seconds())

	var tEnq, tDeq, tMsg float64
	nq, nt := 0, 0
	emit := func(v destView, typ string) {
		name := v.Dest.Name
		st := v.Stats
		gauge(bc.queueSize, float64(st.QueueSize), name, typ)
		gauge(bc.inflight, float64(st.InFlightCount), name, typ)
		gauge(bc.consumers, float64(st.ConsumerCount), name, typ)
		gauge(bc.producers, float64(v.Producers), name, typ)
		gauge(bc.memB, float64(st.MemoryUsage), name, typ)
		counter(bc.enqueued, float64(st.EnqueueCount), name, typ)
		counter(bc.dequeued, float64(st.DequeueCount), name, typ)
		counter(bc.dispatched, float64(st.DispatchCount), name, typ)
		counter(bc.expired, float64(st.ExpiredCount), name, typ)
		tEnq += float64(st.EnqueueCount)
		tDeq += float64(st.DequeueCount)
	}
	for _, v := range c.queues(false) {
		nq++
		emit(v, "queue")
		tMsg += float64(v.Stats.QueueSize)
		if v.DLQ {
			gauge(bc.dlqSize, float64(v.Stats.QueueSize), v.Dest.Name)
			counter(bc.dlqEnqueued, float64(v.Stats.EnqueueCount), v.Dest.Name)
		}
		p := 0.0
		if v.Paused {
			p = 1
		}
		gauge(bc.paused, p, v.Dest.Name)
	}
	for _, v := range c.topics(false) {
		if v.IsAdvisory() {
			continue
		}
		nt++
		emit(v, "topic")
	}
	gauge(bc.destinations, float64(nq), "queue")
	gauge(bc.destinations, float64(nt), "topic")
	for _, s := range b.DurableSubscriptions() {
		tMsg += float64(s.Pending)
		gauge(bc.durablePending, float64(s.Pending), s.ClientID, s.Name, s.Topic.Name)
		a := 0.0
		if s.Active {
			a = 1
		}
		gauge(bc.durableActive, a, s.ClientID, s.Name, s.Topic.Name)
	}
	counter(bc.totalEnqueued, tEnq)
	counter(bc.totalDequeued, tDeq)
	gauge(bc.totalMessages, tMsg)

	byProto := map[string]int{}
	for _, conn := range b.Connections() {
		p := conn.Info().Protocol
		if p == "" {
			p = "unknown"
		}
		byProto[p]++
	}
	for _, p := range []string{"stomp", "openwire"} {
		if _, ok := byProto[p]; !ok {
			byProto[p] = 0
		}
	}
	for p, n := range byProto {
		gauge(bc.conns, float64(n), p)
	}
	counter(bc.connsTotal, float64(b.TotalConnections()))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	su, sl := c.storeUsage(ctx)
	gauge(bc.storeUsed, float64(su))
	gauge(bc.storeLimit, float64(sl))
	mu, ml := c.memoryUsage()
	gauge(bc.memUsed, float64(mu))
	gauge(bc.memLimit, float64(ml))
	gauge(bc.scheduled, float64(len(b.ScheduledJobs())))
	if br, ok := any(b).(blockedReporter); ok {
		gauge(bc.blocked, float64(br.BlockedSends()))
	}
}
