package web

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"amq/broker"
)

func scrape(t *testing.T, e *env) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := e.do("GET", "/metrics", "", "", nil, withHeader("Accept", "text/plain"))
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("metrics do not parse: %v\n%s", err, body)
	}
	return fams
}

// sample finds the value of a series with the given labels.
func sample(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, lp := range m.Label {
			have[lp.GetName()] = lp.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("m.q", 4, true)
	e.cl.Conn().AddProducer(broker.QueueDest("m.q"))
	e.deadLetter("m.work")
	e.b.AddTopic("m.t")
	e.stompConnect("metrics-client")
	tmp := e.cl.Conn()
	if _, err := tmp.CreateTemp(broker.TempQueue); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, e)

	q := map[string]string{"destination": "m.q", "type": "queue", "broker": "webtest"}
	for name, want := range map[string]float64{
		"activemq_destination_queue_size":                4,
		"activemq_destination_enqueued_messages_total":   4,
		"activemq_destination_dequeued_messages_total":   0,
		"activemq_destination_consumers":                 0,
		"activemq_destination_producers":                 1,
		"activemq_destination_expired_messages_total":    0,
		"activemq_destination_inflight_messages":         0,
		"activemq_destination_dispatched_messages_total": 0,
	} {
		got, ok := sample(t, fams, name, q)
		if !ok || got != want {
			t.Errorf("%s{m.q} = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if f := fams["activemq_destination_enqueued_messages_total"]; f.GetType() != dto.MetricType_COUNTER {
		t.Errorf("enqueued is a %v", f.GetType())
	}
	if f := fams["activemq_destination_queue_size"]; f.GetType() != dto.MetricType_GAUGE {
		t.Errorf("queue size is a %v", f.GetType())
	}
	if v, ok := sample(t, fams, "activemq_dlq_queue_size", map[string]string{"destination": "ActiveMQ.DLQ"}); !ok || v != 1 {
		t.Errorf("dlq size %v %v", v, ok)
	}
	if v, ok := sample(t, fams, "activemq_dlq_enqueued_messages_total", map[string]string{"destination": "ActiveMQ.DLQ"}); !ok || v != 1 {
		t.Errorf("dlq enqueued %v %v", v, ok)
	}
	if _, ok := sample(t, fams, "activemq_destination_queue_size", map[string]string{"destination": "m.t", "type": "topic"}); !ok {
		t.Error("topic m.t missing")
	}
	if v, ok := sample(t, fams, "activemq_connections", map[string]string{"protocol": "stomp"}); !ok || v != 1 {
		t.Errorf("stomp connections %v %v", v, ok)
	}
	if v, ok := sample(t, fams, "activemq_connections", map[string]string{"protocol": "vm"}); !ok || v != 1 {
		t.Errorf("vm connections %v %v", v, ok)
	}
	for _, f := range fams["activemq_destination_queue_size"].Metric {
		for _, lp := range f.Label {
			if lp.GetName() == "destination" && (strings.HasPrefix(lp.GetValue(), "ID:") || strings.HasPrefix(lp.GetValue(), "ActiveMQ.Advisory")) {
				t.Errorf("temporary or advisory destination exported: %s", lp.GetValue())
			}
		}
	}
	for _, name := range []string{"activemq_store_size_bytes", "activemq_store_limit_bytes", "activemq_memory_used_bytes", "activemq_memory_limit_bytes",
		"activemq_broker_info", "activemq_broker_uptime_seconds", "activemq_connections_opened_total", "activemq_scheduled_messages",
		"activemq_enqueued_messages_total", "activemq_messages", "activemq_destinations",
		"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_open_fds"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if v, _ := sample(t, fams, "activemq_memory_used_bytes", nil); v <= 0 {
		t.Errorf("memory used %v", v)
	}
	for _, h := range []string{"activemq_store_fsync_duration_seconds", "activemq_dispatch_latency_seconds"} {
		if f := fams[h]; f == nil || f.GetType() != dto.MetricType_HISTOGRAM {
			t.Errorf("no histogram %s", h)
		}
	}
	// The histograms observe through the hooks the console hands out.
	e.c.StoreSyncObserver().Observe(0.002)
	e.c.DispatchObserver().Observe(0.05)
	fams = scrape(t, e)
	if c := fams["activemq_store_fsync_duration_seconds"].Metric[0].Histogram.GetSampleCount(); c != 1 {
		t.Errorf("fsync samples %d", c)
	}
	// The broker observes real dispatches too, so there is at least the one.
	if c := fams["activemq_dispatch_latency_seconds"].Metric[0].Histogram.GetSampleCount(); c < 1 {
		t.Errorf("dispatch samples %d", c)
	}
}

type fakeSyncStore struct{ f func(time.Duration) }

func (s *fakeSyncStore) SetSyncObserver(f func(time.Duration)) { s.f = f }

func TestLatencyHooks(t *testing.T) {
	var _ SyncObservable = (*fakeSyncStore)(nil)
	e := startEnv(t, envOpts{})
	fs := &fakeSyncStore{}
	if so, ok := any(fs).(SyncObservable); ok {
		so.SetSyncObserver(observeDuration(e.c.StoreSyncObserver()))
	}
	fs.f(3 * time.Millisecond)
	fams := scrape(t, e)
	h := fams["activemq_store_fsync_duration_seconds"].Metric[0].Histogram
	if h.GetSampleCount() != 1 || h.GetSampleSum() < 0.0029 || h.GetSampleSum() > 0.0031 {
		t.Fatalf("histogram %v", h)
	}
}

// TestDeployFilesUseExportedMetrics checks that every metric the Grafana
// dashboard and the alert rules query is one /metrics exports.
func TestDeployFilesUseExportedMetrics(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("d.q", 1, false)
	fams := scrape(t, e)
	// Series without samples yet are known from the collector's descriptions.
	described := map[string]bool{}
	ch := make(chan *prometheus.Desc, 100)
	go func() {
		newBrokerCollector(e.c).Describe(ch)
		close(ch)
	}()
	fqRE := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		if m := fqRE.FindStringSubmatch(d.String()); m != nil {
			described[m[1]] = true
		}
	}
	have := func(name string) bool {
		if fams[name] != nil || described[name] {
			return true
		}
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if f := fams[strings.TrimSuffix(name, suf)]; f != nil && strings.HasSuffix(name, suf) {
				return true
			}
		}
		return false
	}
	metricRE := regexp.MustCompile(`\b(?:activemq|go|process)_[a-z_]+`)
	dash, err := os.ReadFile("../../deploy/monitoring/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dash, &d); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	n := 0
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			for _, m := range metricRE.FindAllString(tg.Expr, -1) {
				n++
				if !have(m) {
					t.Errorf("panel %q queries %s, which /metrics does not export", p.Title, m)
				}
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d metric references in the dashboard", n)
	}
	rules, err := os.ReadFile("../../deploy/monitoring/amq-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metricRE.FindAllString(string(rules), -1) {
		if !have(m) {
			t.Errorf("alert rules query %s, which /metrics does not export", m)
		}
	}
}
