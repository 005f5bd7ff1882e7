package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ---- load generator ceiling

// measureCeiling runs the producer against a sink that only reads and the
// consumer against a server that writes pre-encoded MESSAGE frames: what
// the load generator can do with (next to) no broker.
func (h *harness) measureCeiling(ctx context.Context) {
	scale := 1
	if h.quick {
		scale = 2
	}
	sink, err := startSink()
	if err != nil {
		h.res.skip("load generator ceiling: %v", err)
		return
	}
	defer sink.close()
	url := "stomp://" + sink.addr()
	prod := []struct {
		name string
		spec producerSpec
	}{
		{"producer, 1 connection, 20 B, no receipts", producerSpec{count: 1_000_000 / scale, size: 20}},
		{"producer, 1 connection, 1 KB, no receipts", producerSpec{count: 500_000 / scale, size: 1024}},
		{"producer, 10 connections, 1 KB, no receipts", producerSpec{count: 50_000 / scale, threads: 10, size: 1024}},
		{"producer, 1 connection, 1 KB, persistent, receipt per SEND", producerSpec{count: 50_000 / scale, size: 1024, persistent: true, receipts: true}},
		{pacedCeiling, producerSpec{count: 50_000 / latencyConns / scale, threads: latencyConns, size: 1024, rate: 50_000}},
	}
	for _, p := range prod {
		p.spec.url, p.spec.dest = url, "queue://ceiling"
		s, err := runTool(ctx, h.amqBin, h.runTimeout, "producer", p.spec.args()...)
		h.addCeiling(p.name, s, err)
	}
	for _, c := range []struct {
		name string
		size int
		spec consumerSpec
	}{
		{"consumer, 1 connection, 1 KB, auto ack", 1024, consumerSpec{count: 500_000 / scale}},
		{"consumer, 1 connection, 20 B, auto ack", 20, consumerSpec{count: 1_000_000 / scale}},
		{"consumer, 1 connection, 1 KB, client-individual ack", 1024, consumerSpec{count: 200_000 / scale, ack: "client-individual"}},
	} {
		bl, err := startBlaster(c.size)
		if err != nil {
			h.addCeiling(c.name, nil, err)
			continue
		}
		c.spec.url, c.spec.dest, c.spec.timeoutMs = "stomp://"+bl.addr(), "queue://ceiling", 20000
		s, err := runTool(ctx, h.amqBin, h.runTimeout, "consumer", c.spec.args()...)
		bl.close()
		h.addCeiling(c.name, s, err)
	}
}

func (h *harness) addCeiling(name string, s *summary, err error) {
	c := ceilingRow{Name: name, Sum: s}
	if s != nil {
		c.Rate = s.Rate
	}
	if err != nil {
		c.Err = firstLine(err.Error())
	}
	h.res.mu.Lock()
	h.res.Ceiling = append(h.res.Ceiling, c)
	h.res.mu.Unlock()
	if err != nil {
		h.logf("ceiling %s: %v", name, err)
	} else {
		h.logf("ceiling %s: %s msgs/s", name, fmtVal(c.Rate, ""))
	}
}

// ceilingRate returns the ceiling measured for a name prefix (0 if none).
func (h *harness) ceilingRate(name string) float64 {
	h.res.mu.Lock()
	defer h.res.mu.Unlock()
	for _, c := range h.res.Ceiling {
		if c.Name == name && c.Err == "" {
			return c.Rate
		}
	}
	return 0
}

// ---- STOMP throughput grid

type workload struct {
	key        string
	name       string
	topic      bool
	producers  int
	consumers  int
	total      int // messages produced
	size       int
	persistent bool
	receipts   bool
	ack        string
	rate       float64 // producer --rate, for the latency run
}

// latencyConns is how many producer connections share the latency run's
// rate; pacedCeiling names the ceiling row that checks the pacing itself.
const (
	latencyConns = 4
	pacedCeiling = "producer, 4 connections, 1 KB, --rate 50000 (paced)"
)

func (h *harness) grid() []workload {
	d := 1
	if h.quick {
		d = 2
	}
	return []workload{
		{key: "q11_np_20b", name: "queue 1->1, non-persistent, 20 B", producers: 1, consumers: 1, total: 200_000 / d, size: 20},
		{key: "q11_np_1k", name: "queue 1->1, non-persistent, 1 KB", producers: 1, consumers: 1, total: 200_000 / d, size: 1024},
		{key: "q11_np_64k", name: "queue 1->1, non-persistent, 64 KB", producers: 1, consumers: 1, total: 20_000 / d, size: 65536},
		{key: "q_p_rcpt_1", name: "queue persistent 1 KB, receipt per SEND, 1 producer", producers: 1, consumers: 1, total: 4_000 / d, size: 1024, persistent: true, receipts: true},
		{key: "q_p_rcpt_4", name: "queue persistent 1 KB, receipt per SEND, 4 producers", producers: 4, consumers: 1, total: 8_000 / d, size: 1024, persistent: true, receipts: true},
		{key: "q_p_rcpt_16", name: "queue persistent 1 KB, receipt per SEND, 16 producers", producers: 16, consumers: 1, total: 16_000 / d, size: 1024, persistent: true, receipts: true},
		{key: "q_p_rcpt_64", name: "queue persistent 1 KB, receipt per SEND, 64 producers", producers: 64, consumers: 1, total: 25_600 / d, size: 1024, persistent: true, receipts: true},
		{key: "t_1_4", name: "topic 1->4, non-persistent, 1 KB (deliveries/s)", topic: true, producers: 1, consumers: 4, total: 100_000 / d, size: 1024},
		{key: "t_1_10", name: "topic 1->10, non-persistent, 1 KB (deliveries/s)", topic: true, producers: 1, consumers: 10, total: 50_000 / d, size: 1024},
		{key: "q11_ci", name: "queue 1->1, client-individual ack, non-persistent, 1 KB", producers: 1, consumers: 1, total: 100_000 / d, size: 1024, ack: "client-individual"},
		{key: "q_10_10", name: "queue 10->10, non-persistent, 1 KB", producers: 10, consumers: 10, total: 100_000 / d, size: 1024},
	}
}

func (h *harness) warmup(ctx context.Context) {
	d := 1
	if h.quick {
		d = 2
	}
	ws := []workload{
		{key: "warmup_np", producers: 1, consumers: 1, total: 100_000 / d, size: 1024},
		{key: "warmup_p", producers: 4, consumers: 1, total: 2_000 / d, size: 1024, persistent: true, receipts: true},
		{key: "warmup_t", topic: true, producers: 1, consumers: 2, total: 20_000 / d, size: 1024},
	}
	for _, b := range h.brokers {
		h.logf("warming up %s", b.label)
		for _, w := range ws {
			if ctx.Err() != nil {
				return
			}
			if _, rec := h.runWorkload(ctx, b, w, 0); rec.Error != "" {
				h.logf("warm-up %s on %s: %s", w.key, b.label, rec.Error)
			}
		}
	}
}

// floorScenarios are the grid scenarios also run through the pass-through
// relay, each run right after the brokers' runs of it.
var floorScenarios = map[string]bool{"q11_np_64k": true}

// startRelayBroker starts the relay as a broker the workloads can run on;
// nil (and a note) when it cannot listen.
func (h *harness) startRelayBroker() (*broker, func()) {
	r, err := startRelay()
	if err != nil {
		h.res.skip("pass-through relay: %v", err)
		return nil, func() {}
	}
	return &broker{key: "relay", label: "relay", stompAddr: r.addr(), subscribed: r.subscribed}, r.close
}

func (h *harness) runGrid(ctx context.Context) error {
	relayB, stopRelay := h.startRelayBroker()
	defer stopRelay()
	for _, w := range h.grid() {
		h.res.defRow("throughput", w.key, w.name, "msgs/s", true, true)
		cpuName := w.name + ": broker CPU per message"
		if w.topic {
			cpuName = strings.TrimSuffix(w.name, " (deliveries/s)") + ": broker CPU per delivery"
		}
		h.res.defRow("cpu", w.key+"_cpu", cpuName, "us", false, false)
		for run := 1; run <= h.runs; run++ {
			for _, b := range h.brokers {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := h.ensureUp(ctx, b, w.key); err != nil {
					return err
				}
				if d := h.quiesce(ctx); d > 2*time.Second {
					h.logf("%s run %d on %s: waited %s for the brokers to go idle", w.key, run, b.label, d.Round(time.Millisecond))
				}
				v, rec := h.runWorkload(ctx, b, w, run)
				h.res.raw(rec)
				if err := h.ensureUp(ctx, b, w.key); err != nil {
					return err
				}
				if rec.Error != "" {
					h.logf("%s run %d on %s: %s", w.key, run, b.label, rec.Error)
					h.res.note(w.key, "%s run %d: %s", b.label, run, shorten(rec.Error, 160))
				}
				if !math.IsNaN(v) {
					h.res.add(w.key, b.key, v)
					cpu, _ := rec.Extra[cpuPerMessage].(float64)
					if cpu > 0 {
						h.res.add(w.key+"_cpu", b.key, cpu)
					}
					h.logf("%-12s run %d/%d %-8s %s msgs/s, broker CPU %s us per message", w.key, run, h.runs, b.label, fmtVal(v, ""), fmtVal(cpu, "us"))
				}
			}
			if floorScenarios[w.key] && relayB != nil {
				h.quiesce(ctx)
				v, rec := h.runWorkload(ctx, relayB, w, run)
				h.res.raw(rec)
				if rec.Error != "" {
					h.logf("%s run %d on the relay: %s", w.key, run, rec.Error)
				}
				if !math.IsNaN(v) {
					h.res.addFloor(w.key, w.name, v)
					h.logf("%-12s run %d/%d %-8s %s msgs/s", w.key, run, h.runs, "relay", fmtVal(v, ""))
				}
			}
		}
	}
	return nil
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// cpuPerMessage is the runRecord.Extra key of the broker's CPU time per
// message delivered, in microseconds.
const cpuPerMessage = "broker_cpu_us_per_msg"

// runWorkload runs one workload once on b: consumer first, then producer.
// The value is the consumer's rate, NaN when the run failed.
func (h *harness) runWorkload(ctx context.Context, b *broker, w workload, run int) (float64, runRecord) {
	kind := "queue"
	if w.topic {
		kind = "topic"
	}
	dest := h.queueName(kind, w.key, b, run)
	url := "stomp://" + b.stompAddr
	rec := runRecord{Scenario: w.key, Broker: b.key, Run: run}
	cs := consumerSpec{url: url, dest: dest, threads: w.consumers, ack: w.ack, timeoutMs: 20000}
	expected := int64(w.total)
	if w.topic {
		cs.count = w.total
		expected = int64(w.total) * int64(w.consumers)
	} else {
		cs.count = w.total / w.consumers
	}
	ps := producerSpec{url: url, dest: dest, count: w.total / w.producers, threads: w.producers,
		size: w.size, persistent: w.persistent, receipts: w.receipts}
	start := time.Now()
	ctx, cancel := h.watch(ctx, b)
	defer cancel()
	ct, err := startTool(ctx, h.amqBin, h.runTimeout, "consumer", cs.args()...)
	if err != nil {
		rec.Error = err.Error()
		return math.NaN(), rec
	}
	settle := 300 * time.Millisecond
	if w.topic {
		settle = 1500 * time.Millisecond
	}
	select {
	case <-time.After(settle):
	case <-ct.done:
	case <-ctx.Done():
	}
	if b.subscribed != nil {
		// The relay drops what nobody has subscribed to yet.
		stompDest := "/" + strings.Replace(dest, "://", "/", 1)
		for wait := time.Now().Add(10 * time.Second); !b.subscribed(stompDest) && time.Now().Before(wait) && ctx.Err() == nil; {
			time.Sleep(10 * time.Millisecond)
		}
	}
	cpu := cpuMeter(b)
	psum, perr := runTool(ctx, h.amqBin, h.runTimeout, "producer", ps.args()...)
	rec.Producer = psum
	if perr != nil && (psum == nil || psum.Messages == 0) {
		ct.kill()
	}
	csum, cerr := ct.wait()
	rec.Consumer = csum
	rec.WallSecs = time.Since(start).Seconds()
	if used, ok := cpu(); ok && csum != nil && csum.Messages > 0 {
		rec.Extra = map[string]any{cpuPerMessage: used.Seconds() * 1e6 / float64(csum.Messages)}
	}
	var errs []string
	if perr != nil {
		errs = append(errs, firstLine(perr.Error()))
	}
	if cerr != nil {
		errs = append(errs, firstLine(cerr.Error()))
	}
	rec.Error = strings.Join(errs, "; ")
	if csum == nil || csum.Messages == 0 || csum.Rate <= 0 {
		return math.NaN(), rec
	}
	if !w.topic && csum.Messages < expected {
		// Lost, or stuck in the broker? Ask a second consumer.
		missing := expected - csum.Messages
		left, _ := runTool(ctx, h.amqBin, h.runTimeout, "consumer",
			consumerSpec{url: url, dest: dest, count: int(missing), threads: 1, timeoutMs: 3000}.args()...)
		var got int64
		if left != nil {
			got = left.Messages
		}
		if rec.Extra == nil {
			rec.Extra = map[string]any{}
		}
		rec.Extra["missing"], rec.Extra["missing_delivered_to_second_consumer"] = missing, got
		rec.Error = strings.TrimPrefix(rec.Error+fmt.Sprintf("; %d of %d never reached the consumer: a second consumer then got %d of them", missing, expected, got), "; ")
	}
	if csum.Messages < expected*9/10 {
		rec.Error = strings.TrimPrefix(rec.Error+fmt.Sprintf("; consumer received %d of %d", csum.Messages, expected), "; ")
		return math.NaN(), rec
	}
	v := csum.Rate
	rec.Value = &v
	return v, rec
}

// ---- latency at a fixed rate

func (h *harness) runLatency(ctx context.Context) error {
	base := "q11_np_1k"
	var amqMax float64
	if r := h.res.rowByKey[base]; r != nil {
		amqMax, _ = median(r.AMQ)
	}
	if amqMax == 0 {
		h.logf("latency: measuring ActiveMQ's maximum on %s first", base)
		for _, w := range h.grid() {
			if w.key == base {
				if v, _ := h.runWorkload(ctx, h.activemq, w, 0); !math.IsNaN(v) {
					amqMax = v
				}
			}
		}
	}
	if amqMax == 0 {
		h.res.skip("latency at a fixed rate: ActiveMQ's maximum on %s is unknown", base)
		return nil
	}
	target := math.Round(amqMax / 2)
	secs := 10.0
	if h.quick {
		secs = 5
	}
	perThreadCount := int(target * secs / latencyConns)
	h.logf("latency: target %s msgs/s (50%% of ActiveMQ's %s on %s): %d producer connections, --rate %.0f",
		fmtVal(target, ""), fmtVal(amqMax, ""), base, latencyConns, target)
	name := fmt.Sprintf("at ~%s msgs/s (50%% of ActiveMQ max), 1 KB non-persistent queue", fmtVal(target, ""))
	rows := []struct {
		key, label string
		get        func(*summary) float64
	}{
		{"lat_p50", "latency p50 (us) " + name, func(s *summary) float64 { return s.P50us }},
		{"lat_p99", "latency p99 (us) " + name, func(s *summary) float64 { return s.P99us }},
		{"lat_p999", "latency p99.9 (us) " + name, func(s *summary) float64 { return s.P999us }},
	}
	for _, r := range rows {
		h.res.defRow("latency", r.key, r.label, "us", false, false)
	}
	h.res.defRow("latency", "lat_rate", "latency run: achieved producer rate", "msgs/s", true, false)
	h.res.note("lat_p50", "end to end: amq-sent-ns stamp at SEND to receipt by the consumer; `amq producer --rate %.0f` over %d connections, each send on a fixed schedule", target, latencyConns)
	w := workload{key: "latency", producers: latencyConns, consumers: 1, total: latencyConns * perThreadCount, size: 1024, rate: target}
	for run := 1; run <= h.runs; run++ {
		for _, b := range h.brokers {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := h.ensureUp(ctx, b, "lat_p50"); err != nil {
				return err
			}
			_, rec := h.runLatencyOnce(ctx, b, w, run)
			h.res.raw(rec)
			if err := h.ensureUp(ctx, b, "lat_p50"); err != nil {
				return err
			}
			if rec.Error != "" {
				h.logf("latency run %d on %s: %s", run, b.label, rec.Error)
				h.res.note("lat_p50", "%s run %d: %s", b.label, run, shorten(rec.Error, 160))
			}
			if rec.Consumer != nil && rec.Consumer.Messages > 0 {
				for _, r := range rows {
					h.res.add(r.key, b.key, r.get(rec.Consumer))
				}
				if rec.Producer != nil {
					h.res.add("lat_rate", b.key, rec.Producer.Rate)
				}
				h.logf("latency run %d/%d %-8s p50 %.0f us, p99 %.0f us, p99.9 %.0f us", run, h.runs, b.label,
					rec.Consumer.P50us, rec.Consumer.P99us, rec.Consumer.P999us)
			}
		}
	}
	return nil
}

func (h *harness) runLatencyOnce(ctx context.Context, b *broker, w workload, run int) (float64, runRecord) {
	dest := h.queueName("queue", "latency", b, run)
	url := "stomp://" + b.stompAddr
	rec := runRecord{Scenario: "latency", Broker: b.key, Run: run}
	ctx, cancel := h.watch(ctx, b)
	defer cancel()
	ct, err := startTool(ctx, h.amqBin, h.runTimeout, "consumer",
		consumerSpec{url: url, dest: dest, count: w.total, threads: 1, timeoutMs: 20000}.args()...)
	if err != nil {
		rec.Error = err.Error()
		return 0, rec
	}
	time.Sleep(300 * time.Millisecond)
	psum, perr := runTool(ctx, h.amqBin, h.runTimeout, "producer",
		producerSpec{url: url, dest: dest, count: w.total / w.producers, threads: w.producers, size: w.size, rate: w.rate}.args()...)
	rec.Producer = psum
	if perr != nil {
		rec.Error = firstLine(perr.Error())
	}
	csum, cerr := ct.wait()
	rec.Consumer = csum
	if cerr != nil {
		rec.Error = strings.TrimPrefix(rec.Error+"; "+firstLine(cerr.Error()), "; ")
	}
	return 0, rec
}

// ---- OpenWire with ActiveMQ's Java client

func (h *harness) runJava(ctx context.Context) error {
	classes := filepath.Join(h.work, "java")
	os.MkdirAll(classes, 0o755)
	if err := compileJava(ctx, h.javaSrc, classes); err != nil {
		h.res.skip("OpenWire (Java client): %v", err)
		return nil
	}
	d := 1
	if h.quick {
		d = 2
	}
	type jw struct {
		key, name  string
		count      int
		size       int
		persistent bool
		recv       bool
	}
	jws := []jw{
		{"java_np_send", "OpenWire JMS 1->1 non-persistent 1 KB: send", 100_000 / d, 1024, false, false},
		{"java_np_recv", "OpenWire JMS 1->1 non-persistent 1 KB: receive", 100_000 / d, 1024, false, true},
		{"java_p_send", "OpenWire JMS 1->1 persistent 1 KB, synchronous send", 2_000 / d, 1024, true, false},
		{"java_p_recv", "OpenWire JMS 1->1 persistent 1 KB: receive", 2_000 / d, 1024, true, true},
	}
	for _, j := range jws {
		h.res.defRow("openwire", j.key, j.name, "msgs/s", true, true)
	}
	for _, j := range jws {
		if !j.recv {
			name, _, _ := strings.Cut(j.name, ":")
			name, _, _ = strings.Cut(name, ", synchronous")
			h.res.defRow("cpu", j.key+"_cpu", name+" (Java client): broker CPU per message", "us", false, false)
		}
	}
	oursOK := portOpen(h.ours.openwireAddr)
	if !oursOK {
		why := "bin/amq does not open its OpenWire connector (" + h.ours.openwireAddr + ")"
		if line := grepLog(h.ours.logPath, "OpenWire"); line != "" {
			if _, m, ok := strings.Cut(line, `msg="`); ok {
				line, _, _ = strings.Cut(m, `"`)
			}
			why += ": its log says \"" + shorten(line, 160) + "\""
		}
		h.res.skip("OpenWire on amq: %s; only ActiveMQ was measured with the Java client", why)
		h.res.note("java_np_send", "amq skipped: no OpenWire connector yet")
	}
	for run := 1; run <= h.runs; run++ {
		for _, b := range h.brokers {
			if b == h.ours && !oursOK {
				continue
			}
			for _, pers := range []bool{false, true} {
				if err := ctx.Err(); err != nil {
					return err
				}
				var sendKey, recvKey string
				var count int
				for _, j := range jws {
					if j.persistent == pers {
						count = j.count
						if j.recv {
							recvKey = j.key
						} else {
							sendKey = j.key
						}
					}
				}
				if err := h.ensureUp(ctx, b, sendKey); err != nil {
					return err
				}
				queue := fmt.Sprintf("bench.java.%s.%s.%v.r%d", b.key, h.runID, pers, run)
				wctx, cancel := h.watch(ctx, b)
				meter := cpuMeter(b)
				r, err := runJava(wctx, classes, h.runTimeout, "tcp://"+b.openwireAddr, queue, count, 1024, pers)
				used, cpuOK := meter()
				cancel()
				if !b.running() && err != nil {
					err = fmt.Errorf("%s stopped during the run: %w", b.label, err)
				}
				rec := runRecord{Scenario: sendKey, Broker: b.key, Run: run, Java: r}
				var cpu float64
				if cpuOK && r != nil && err == nil {
					// The client JVM's start and connection are inside the
					// window; the broker is idle through them.
					cpu = used.Seconds() * 1e6 / float64(count)
					rec.Extra = map[string]any{cpuPerMessage: cpu}
				}
				if err != nil {
					rec.Error = firstLine(err.Error())
					h.logf("java %s run %d on %s: %s", sendKey, run, b.label, rec.Error)
					h.res.note(sendKey, "%s run %d: %s", b.label, run, shorten(rec.Error, 160))
				}
				h.res.raw(rec)
				if err := h.ensureUp(ctx, b, sendKey); err != nil {
					return err
				}
				if r != nil && err == nil {
					h.res.add(sendKey, b.key, r.SendRate)
					h.res.add(recvKey, b.key, r.RecvRate)
					if cpu > 0 {
						h.res.add(sendKey+"_cpu", b.key, cpu)
					}
					h.logf("java persistent=%v run %d/%d %-8s send %s, receive %s msgs/s", pers, run, h.runs, b.label,
						fmtVal(r.SendRate, ""), fmtVal(r.RecvRate, ""))
				}
			}
		}
	}
	return nil
}

func portOpen(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func grepLog(path, word string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, word) {
			return l
		}
	}
	return ""
}

// ---- idle connections

// rssSettle is how long a broker is left alone before its resident size is
// read: amq gives freed heap back to the system after ten quiet seconds (a
// burst's pages are kept through shorter pauses); ActiveMQ's JVM keeps its
// heap whatever the wait.
const rssSettle = 12 * time.Second

func (h *harness) runIdle(ctx context.Context) error {
	n := 5000
	h.res.defRow("connections", "idle_kb_per_conn", fmt.Sprintf("%d idle STOMP connections: RSS per connection (KB)", n), "KB", false, false)
	h.res.defRow("connections", "idle_rss_before", "idle connections: RSS before (MB)", "MB", false, false)
	h.res.defRow("connections", "idle_rss_after", fmt.Sprintf("idle connections: RSS with %d connections (MB)", n), "MB", false, false)
	h.res.defRow("connections", "idle_connect_s", fmt.Sprintf("idle connections: time to open %d (s)", n), "s", false, false)
	h.res.defRow("connections", "idle_back_s", fmt.Sprintf("idle connections: closing %d, until a new CONNECT is answered (s)", n), "s", false, false)
	for _, b := range h.brokers {
		if err := h.ensureUp(ctx, b, "idle_kb_per_conn"); err != nil {
			return err
		}
		time.Sleep(rssSettle)
		before, err := b.rssKB()
		if err != nil {
			return err
		}
		h.logf("idle: opening %d STOMP connections to %s (RSS %d MB)", n, b.label, before/1024)
		t := time.Now()
		ictx, cancel := h.watch(ctx, b)
		conns, oerr := openIdle(ictx, b.stompAddr, n, 32)
		cancel()
		took := time.Since(t)
		time.Sleep(rssSettle)
		after, rerr := b.rssKB()
		for _, c := range conns {
			c.close()
		}
		if err := h.ensureUp(ctx, b, "idle_kb_per_conn"); err != nil {
			return err
		}
		closed := time.Now()
		rerr2 := h.waitResponsive(ctx, b, 3*time.Minute)
		back := time.Since(closed)
		h.logf("idle: %s accepts a new connection %s after the %d closed", b.label, back.Round(time.Millisecond), len(conns))
		rec := runRecord{Scenario: "idle", Broker: b.key, Run: 1, Extra: map[string]any{
			"opened": len(conns), "rss_before_kb": before, "rss_after_kb": after, "connect_seconds": took.Seconds(),
			"responsive_after_close_seconds": back.Seconds()}}
		if rerr2 != nil {
			h.res.raw(rec)
			return rerr2
		}
		if oerr != nil {
			rec.Error = firstLine(oerr.Error())
			h.res.note("idle_kb_per_conn", "%s: %s", b.label, shorten(rec.Error, 160))
		}
		h.res.raw(rec)
		if rerr != nil {
			return rerr
		}
		if len(conns) > 0 {
			per := float64(after-before) / float64(len(conns))
			h.res.add("idle_kb_per_conn", b.key, per)
			h.res.add("idle_rss_before", b.key, float64(before)/1024)
			h.res.add("idle_rss_after", b.key, float64(after)/1024)
			h.res.add("idle_connect_s", b.key, took.Seconds())
			h.res.add("idle_back_s", b.key, back.Seconds())
			h.logf("idle: %s held %d connections: RSS %d -> %d MB, %.1f KB each, opened in %s", b.label, len(conns),
				before/1024, after/1024, per, took.Round(time.Millisecond))
		}
		if len(conns) < n {
			h.res.note("idle_kb_per_conn", "%s accepted %d of %d", b.label, len(conns), n)
		}
		time.Sleep(2 * time.Second)
	}
	return nil
}

// waitResponsive waits until b answers a STOMP CONNECT.
func (h *harness) waitResponsive(ctx context.Context, b *broker, timeout time.Duration) error {
	start := time.Now()
	for {
		rc, err := rawConnect(ctx, b.stompAddr, 5*time.Second)
		if err == nil {
			rc.send("DISCONNECT\n\n\x00")
			rc.close()
			return nil
		}
		if !b.running() {
			return fmt.Errorf("%s exited\n%s", b.label, b.logTail(30))
		}
		if time.Since(start) > timeout || ctx.Err() != nil {
			return fmt.Errorf("%s answered no STOMP CONNECT for %s: %v", b.label, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ---- backlog, drain and restart recovery

func (h *harness) runBacklog(ctx context.Context) error {
	n := 200_000
	if h.quick {
		n = 50_000
	}
	for _, b := range h.brokers {
		if err := h.disconnectDuplicates(ctx, b); err != nil {
			return err
		}
	}
	for _, b := range h.brokers {
		if err := h.backlog(ctx, b, n, "bl"); err != nil {
			return err
		}
	}
	if !h.quick {
		if err := h.backlog(ctx, h.ours, 1_000_000, "bl1m"); err != nil {
			return err
		}
	}
	return nil
}

// disconnectDuplicates queues 20k messages, lets an auto-ack consumer take
// half and disconnect, then drains the rest: the messages delivered beyond
// 20k are ones the broker delivered twice without any crash (messages in
// flight to a consumer that disconnects).
func (h *harness) disconnectDuplicates(ctx context.Context, b *broker) error {
	const n = 20_000
	key := "dup_disconnect"
	h.res.defRow("recovery", key, "auto-ack consumer disconnects after half of 20k (no crash): messages delivered twice", "count", false, false)
	if err := h.ensureUp(ctx, b, key); err != nil {
		return err
	}
	if err := h.waitResponsive(ctx, b, 3*time.Minute); err != nil {
		return err
	}
	url := "stomp://" + b.stompAddr
	dest := h.queueName("queue", "dup", b, 1)
	rec := runRecord{Scenario: key, Broker: b.key, Run: 1, Extra: map[string]any{}}
	defer func() { h.res.raw(rec) }()
	ctx, cancel := h.watch(ctx, b)
	defer cancel()
	if _, err := runTool(ctx, h.amqBin, h.runTimeout, "producer",
		producerSpec{url: url, dest: dest, count: n, threads: 1, size: 1024, persistent: true}.args()...); err != nil {
		rec.Error = firstLine(err.Error())
		h.res.note(key, "%s: %s", b.label, shorten(rec.Error, 160))
		return nil
	}
	c1, err := runTool(ctx, h.amqBin, h.runTimeout, "consumer",
		consumerSpec{url: url, dest: dest, count: n / 2, threads: 1, timeoutMs: 20000}.args()...)
	if err != nil {
		rec.Error = firstLine(err.Error())
		h.res.note(key, "%s: %s", b.label, shorten(rec.Error, 160))
		return nil
	}
	c2, _ := runTool(ctx, h.amqBin, h.runTimeout, "consumer",
		consumerSpec{url: url, dest: dest, count: n, threads: 1, timeoutMs: 3000}.args()...)
	var second int64
	if c2 != nil {
		second = c2.Messages
	}
	total := c1.Messages + second
	rec.Extra["first_consumer"], rec.Extra["second_consumer"] = c1.Messages, second
	h.res.add(key, b.key, float64(total-n))
	h.res.note(key, "%s: %d + %d delivered for %d sent", b.label, c1.Messages, second, n)
	h.logf("disconnect: %s delivered %d + %d for %d sent", b.label, c1.Messages, second, n)
	return nil
}

func kcount(n int) string {
	if n >= 1_000_000 && n%1_000_000 == 0 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return fmt.Sprintf("%dk", n/1000)
}

// backlog fills a queue with n persistent 1 KB messages, reads RSS, drains
// half, kills the broker (SIGKILL), restarts it and times the port opening
// and the first message, then drains the rest.
func (h *harness) backlog(ctx context.Context, b *broker, n int, prefix string) error {
	nk, hk := kcount(n), kcount(n/2)
	rows := map[string]*row{
		"fill":      h.res.defRow("backlog", prefix+"_fill", fmt.Sprintf("backlog %s: fill, persistent 1 KB, 4 producers, no receipts", nk), "msgs/s", true, false),
		"rss":       h.res.defRow("backlog", prefix+"_rss", fmt.Sprintf("backlog %s: RSS with %s queued (MB)", nk, nk), "MB", false, false),
		"drain":     h.res.defRow("backlog", prefix+"_drain", fmt.Sprintf("backlog %s: drain the first %s, 1 consumer", nk, hk), "msgs/s", true, true),
		"port":      h.res.defRow("recovery", prefix+"_port", fmt.Sprintf("restart after SIGKILL with %s queued: to port open (s)", hk), "s", false, false),
		"first":     h.res.defRow("recovery", prefix+"_first", fmt.Sprintf("restart after SIGKILL with %s queued: to first message (s)", hk), "s", false, false),
		"drain2":    h.res.defRow("recovery", prefix+"_drain2", fmt.Sprintf("restart with %s queued: drain after restart", hk), "msgs/s", true, false),
		"recovered": h.res.defRow("recovery", prefix+"_recovered", fmt.Sprintf("restart with ~%s queued: messages delivered after the restart", hk), "count", true, false),
	}
	if err := h.ensureUp(ctx, b, rows["fill"].Key); err != nil {
		return err
	}
	if err := h.waitResponsive(ctx, b, 3*time.Minute); err != nil {
		return err
	}
	url := "stomp://" + b.stompAddr
	dest := h.queueName("queue", prefix, b, 1)
	timeout := time.Duration(n/500+120) * time.Second
	rec := runRecord{Scenario: prefix, Broker: b.key, Run: 1, Extra: map[string]any{"messages": n}}
	defer func() { h.res.raw(rec) }()
	fail := func(stage string, err error) error {
		msg := fmt.Sprintf("%s: %s", stage, firstLine(err.Error()))
		rec.Error = msg
		h.logf("backlog %s on %s: %s", nk, b.label, msg)
		h.res.note(rows["fill"].Key, "%s: %s", b.label, shorten(msg, 160))
		return nil
	}
	rss0, _ := b.rssKB()
	h.logf("backlog: filling %s with %s persistent 1 KB messages", b.label, nk)
	wctx, cancel := h.watch(ctx, b)
	defer cancel()
	psum, err := runTool(wctx, h.amqBin, timeout, "producer",
		producerSpec{url: url, dest: dest, count: n / 4, threads: 4, size: 1024, persistent: true, receipts: false}.args()...)
	rec.Producer = psum
	if err != nil {
		return fail("fill", err)
	}
	h.res.add(rows["fill"].Key, b.key, psum.Rate)
	time.Sleep(rssSettle)
	rss1, _ := b.rssKB()
	rec.Extra["rss_before_kb"], rec.Extra["rss_backlog_kb"] = rss0, rss1
	h.res.add(rows["rss"].Key, b.key, float64(rss1)/1024)
	h.logf("backlog: %s filled at %s msgs/s; RSS %d -> %d MB", b.label, fmtVal(psum.Rate, ""), rss0/1024, rss1/1024)

	csum, err := runTool(wctx, h.amqBin, timeout, "consumer",
		consumerSpec{url: url, dest: dest, count: n / 2, threads: 1, timeoutMs: 30000}.args()...)
	rec.Consumer = csum
	if err != nil {
		return fail("drain", err)
	}
	h.res.add(rows["drain"].Key, b.key, csum.Rate)
	left := int64(n) - csum.Messages
	rec.Extra["left_before_kill"] = left
	h.logf("backlog: %s drained %d at %s msgs/s; %d left", b.label, csum.Messages, fmtVal(csum.Rate, ""), left)

	if err := ctx.Err(); err != nil {
		return err
	}
	b.kill()
	t0 := time.Now()
	if err := b.start(h.mainDataDir(b)); err != nil {
		return err
	}
	if err := b.waitPort(ctx, b.stompAddr, 10*time.Minute); err != nil {
		return fmt.Errorf("%s did not come back after SIGKILL: %w", b.label, err)
	}
	portAt := time.Since(t0)
	h.res.add(rows["port"].Key, b.key, portAt.Seconds())
	firstAt, ferr := firstMessage(ctx, b.stompAddr, dest, t0, 5*time.Minute)
	if ferr != nil {
		fail("first message after restart", ferr)
	} else {
		h.res.add(rows["first"].Key, b.key, firstAt.Seconds())
	}
	rec.Extra["restart_port_seconds"], rec.Extra["restart_first_message_seconds"] = portAt.Seconds(), firstAt.Seconds()
	h.logf("recovery: %s port open after %s, first message after %s", b.label, portAt.Round(time.Millisecond), firstAt.Round(time.Millisecond))

	// Ask for more than is left: the consumer stops 5 s after the last
	// message, so redelivered duplicates are counted too.
	wctx2, cancel2 := h.watch(ctx, b)
	defer cancel2()
	c2, err := runTool(wctx2, h.amqBin, timeout, "consumer",
		consumerSpec{url: url, dest: dest, count: n, threads: 1, timeoutMs: 5000}.args()...)
	rec.Extra["drain_after_restart"] = c2
	if c2 != nil {
		h.res.add(rows["recovered"].Key, b.key, float64(c2.Messages))
		if c2.Rate > 0 {
			h.res.add(rows["drain2"].Key, b.key, c2.Rate)
		}
		h.logf("recovery: %s delivered %d after the restart (%d were left) at %s msgs/s", b.label, c2.Messages, left, fmtVal(c2.Rate, ""))
		switch {
		case c2.Messages > left:
			h.res.note(rows["recovered"].Key, "%s: %d left before the kill by the consumer's count, %d delivered after it (%d delivered twice)", b.label, left, c2.Messages, c2.Messages-left)
		case c2.Messages < left:
			h.res.note(rows["recovered"].Key, "%s: %d left before the kill, only %d delivered after it (%d LOST)", b.label, left, c2.Messages, left-c2.Messages)
		default:
			h.res.note(rows["recovered"].Key, "%s: all %d left before the kill delivered", b.label, left)
		}
	} else if err != nil {
		h.res.note(rows["recovered"].Key, "%s: %s", b.label, shorten(firstLine(err.Error()), 160))
	}
	return nil
}

// firstMessage subscribes to dest (client-individual ack, prefetch 1, so
// the message goes back when the connection closes) and returns the time
// from t0 to the first MESSAGE.
func firstMessage(ctx context.Context, addr, dest string, t0 time.Time, timeout time.Duration) (time.Duration, error) {
	stompDest := "/queue/" + strings.TrimPrefix(dest, "queue://")
	deadline := time.Now().Add(timeout)
	var rc *rawConn
	var err error
	for time.Now().Before(deadline) {
		if rc, err = rawConnect(ctx, addr, 10*time.Second); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if rc == nil {
		return 0, err
	}
	defer rc.close()
	if err := rc.send("SUBSCRIBE\nid:first\ndestination:" + stompDest + "\nack:client-individual\nactivemq.prefetchSize:1\n\n\x00"); err != nil {
		return 0, err
	}
	if _, err := rc.waitMessage(deadline); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// ---- cold start

func (h *harness) runColdStart(ctx context.Context) error {
	h.res.defRow("startup", "cold_port", "cold start (empty store): process start to STOMP port open (ms)", "ms", false, false)
	h.res.defRow("startup", "cold_first", "cold start (empty store): process start to first MESSAGE received (ms)", "ms", false, false)
	for _, b := range h.brokers {
		b.stop(30 * time.Second)
	}
	for run := 1; run <= h.runs; run++ {
		for _, b := range h.brokers {
			if err := ctx.Err(); err != nil {
				return err
			}
			dir := filepath.Join(b.home, fmt.Sprintf("cold-%d", run))
			os.RemoveAll(dir)
			port, first, err := h.coldStartOnce(ctx, b, dir)
			b.stop(30 * time.Second)
			os.RemoveAll(dir)
			rec := runRecord{Scenario: "cold", Broker: b.key, Run: run,
				Extra: map[string]any{"port_ms": ms(port), "first_message_ms": ms(first)}}
			if err != nil {
				rec.Error = firstLine(err.Error())
				h.logf("cold start run %d on %s: %v", run, b.label, err)
				h.res.note("cold_first", "%s run %d: %s", b.label, run, shorten(rec.Error, 160))
			}
			h.res.raw(rec)
			if port > 0 {
				h.res.add("cold_port", b.key, ms(port))
			}
			if err == nil {
				h.res.add("cold_first", b.key, ms(first))
				h.logf("cold start run %d/%d %-8s port open %s, first message %s", run, h.runs, b.label,
					port.Round(time.Millisecond), first.Round(time.Millisecond))
			}
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// coldStartOnce starts b on an empty data directory; as soon as the STOMP
// port accepts a connection a consumer subscribes and a producer sends one
// message. It returns the times from process start to the port opening and
// to the consumer receiving the message.
func (h *harness) coldStartOnce(ctx context.Context, b *broker, dir string) (port, first time.Duration, err error) {
	t0 := time.Now()
	if err := b.start(dir); err != nil {
		return 0, 0, err
	}
	if err := b.waitPort(ctx, b.stompAddr, 2*time.Minute); err != nil {
		return 0, 0, err
	}
	port = time.Since(t0)
	deadline := time.Now().Add(time.Minute)
	cons, err := rawConnect(ctx, b.stompAddr, time.Minute)
	if err != nil {
		return port, 0, err
	}
	defer cons.close()
	if err := cons.send("SUBSCRIBE\nid:cold\ndestination:/queue/bench.cold\nack:auto\n\n\x00"); err != nil {
		return port, 0, err
	}
	prod, err := rawConnect(ctx, b.stompAddr, time.Minute)
	if err != nil {
		return port, 0, err
	}
	defer prod.close()
	if err := prod.send("SEND\ndestination:/queue/bench.cold\ncontent-length:5\n\nhello\x00"); err != nil {
		return port, 0, err
	}
	if _, err := cons.waitMessage(deadline); err != nil {
		return port, 0, err
	}
	return port, time.Since(t0), nil
}
