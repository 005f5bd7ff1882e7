package loadtool

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/stomp"
)

type testBroker struct {
	b   *broker.Broker
	url string
}

// deny refuses sends to and receives from one queue, to make the broker
// answer ERROR.
type deny struct{ queue string }

func (d deny) Authorize(_ *broker.User, op broker.Operation, dest broker.Destination) error {
	if dest != broker.QueueDest(d.queue) {
		return nil
	}
	switch op {
	case broker.OpWrite:
		return errors.New("User is not authorized to write to: queue://" + d.queue)
	case broker.OpRead:
		return errors.New("User is not authorized to read from: queue://" + d.queue)
	}
	return nil
}

func startBroker(t testing.TB) *testBroker {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := broker.New(broker.Config{Name: "t", Logger: quiet, Authorizer: deny{queue: "DENIED"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := stomp.NewServer(stomp.Options{Broker: b, Logger: quiet})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		srv.Close()
		b.Close()
	})
	return &testBroker{b: b, url: "stomp://" + l.Addr().String()}
}

type runResult struct {
	stdout, stderr string
	err            error
	sum            Summary
}

type runFunc func(context.Context, []string, io.Writer, io.Writer) error

func run(t testing.TB, fn runFunc, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err := fn(ctx, args, &out, &errOut)
	r := runResult{stdout: out.String(), stderr: errOut.String(), err: err}
	for _, a := range args {
		if a == "--json" {
			if jerr := json.Unmarshal(out.Bytes(), &r.sum); jerr != nil {
				t.Fatalf("summary is not one JSON object: %v\nstdout: %q", jerr, out.String())
			}
		}
	}
	return r
}

func TestRoundTrip(t *testing.T) {
	tb := startBroker(t)
	cases := []struct {
		name     string
		producer []string
		consumer []string
		sendLat  bool // the producer reports send or commit latency
	}{
		{"persistent sync receipts, auto ack", nil, nil, true},
		{"go-stomp Send, sync receipts, individual ack", []string{"--pipeline=false"}, []string{"--ackMode", "INDIVIDUAL_ACKNOWLEDGE"}, true},
		{"go-stomp Send, non-persistent, client ack batches", []string{"--pipeline", "false", "--persistent", "false"}, []string{"--ackMode", "CLIENT_ACKNOWLEDGE", "--batchSize", "10"}, false},
		{"go-stomp Send, transactions, individual ack", []string{"--pipeline=false", "--transactionBatchSize", "100", "--msgTTL", "600000"}, []string{"--ackMode", "client-individual"}, true},
		{"receipt window, transacted consumer", []string{"--window", "16"}, []string{"--transacted", "--batchSize", "50"}, true},
		{"receipt window with transactions, prefetch", []string{"--window", "8", "--receipts", "--transactionBatchSize", "64", "--messageSize", "512"}, []string{"--prefetch", "100"}, true},
		{"no receipts, bytes bodies, client ack", []string{"--receipts=false", "--messageSize=1024", "--msgTTL", "600000", "--msgGroupID", "g1"}, []string{"--ackMode=client", "--batchSize=25", "--prefetch=50"}, false},
		{"non-persistent, individual ack, prefetch 1", []string{"--persistent", "false", "--msgTTL", "600000"}, []string{"--ackMode", "INDIVIDUAL_ACKNOWLEDGE", "--prefetch", "1"}, false},
		{"large text, client ack batches of 1", []string{"--textMessageSize", "5000", "--messagePriority", "6"}, []string{"--ackMode", "CLIENT_ACKNOWLEDGE", "--batchSize", "1"}, true},
		{"transactions without receipts, SESSION_TRANSACTED consumer", []string{"--transactionBatchSize", "33", "--messageSize", "10"}, []string{"--ackMode", "SESSION_TRANSACTED", "--batchSize", "100"}, true},
		{"go-stomp consumer, individual ack", nil, []string{"--pipeline=false", "--ackMode", "INDIVIDUAL_ACKNOWLEDGE"}, true},
		{"go-stomp consumer, client ack batches", []string{"--persistent", "false"}, []string{"--pipeline", "false", "--ackMode", "CLIENT_ACKNOWLEDGE", "--batchSize", "10"}, false},
		{"go-stomp consumer, transacted", []string{"--window", "16"}, []string{"--pipeline=false", "--transacted", "--batchSize", "50"}, true},
		{"go-stomp consumer, auto ack", []string{"--receipts=false"}, []string{"--pipeline=false"}, false},
		{"large bodies batched, no receipts", []string{"--receipts=false", "--persistent=false", "--messageSize", "70000"}, nil, false},
		{"large bodies, receipt window of 3", []string{"--window", "3", "--messageSize", "150000"}, []string{"--prefetch", "5"}, true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dest := fmt.Sprintf("queue://RT.%d", i)
			pargs := append([]string{"--brokerUrl", tb.url, "--destination", dest, "--messageCount", "1000", "--parallelThreads", "2", "--json"}, c.producer...)
			p := run(t, RunProducer, pargs...)
			if p.err != nil {
				t.Fatalf("producer: %v\nstderr: %s", p.err, p.stderr)
			}
			if p.sum.Messages != 2000 || p.sum.Errors != 0 || p.sum.Rate <= 0 || p.sum.Seconds <= 0 {
				t.Fatalf("producer summary %+v", p.sum)
			}
			if c.sendLat != (p.sum.P50us > 0) {
				t.Errorf("producer latency p50 = %v, want reported = %v", p.sum.P50us, c.sendLat)
			}
			if !strings.HasPrefix(p.stderr, "Producing 2 x 1000 messages to /queue/RT.") {
				t.Errorf("start line: %q", p.stderr)
			}
			st, _ := tb.b.QueueStats(broker.QueueDest(fmt.Sprintf("RT.%d", i)))
			if st.QueueSize != 2000 {
				t.Fatalf("queue holds %d messages after the producer, want 2000", st.QueueSize)
			}

			cargs := append([]string{"--brokerUrl", tb.url, "--destination", dest, "--messageCount", "1000", "--parallelThreads", "2", "--receiveTimeout", "10000", "--json"}, c.consumer...)
			r := run(t, RunConsumer, cargs...)
			if r.err != nil {
				t.Fatalf("consumer: %v\nstderr: %s", r.err, r.stderr)
			}
			s := r.sum
			if s.Messages != 2000 || s.Errors != 0 || s.Rate <= 0 {
				t.Fatalf("consumer summary %+v", s)
			}
			if !(s.P50us > 0 && s.P50us <= s.P99us && s.P99us <= s.P999us && s.P999us <= s.MaxUs) {
				t.Errorf("consumer latencies not ordered: %+v", s)
			}
			if want := 2000 * float64(bodyLen(c.producer)) / s.Seconds / 1e6; s.MBps < want*0.9 || s.MBps > want*1.1 {
				t.Errorf("consumer MB/s %v, want about %v", s.MBps, want)
			}
			t.Logf("producer %.0f msgs/s (p50 %.0f us), consumer %.0f msgs/s (end-to-end p50 %.0f us, p99 %.0f us)",
				p.sum.Rate, p.sum.P50us, s.Rate, s.P50us, s.P99us)
			waitEmpty(t, tb.b, fmt.Sprintf("RT.%d", i))
		})
	}
}

func bodyLen(args []string) int {
	for i, a := range args {
		if a == "--textMessageSize" {
			var n int
			fmt.Sscan(args[i+1], &n)
			return n
		}
		if v, ok := strings.CutPrefix(a, "--messageSize="); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
		if a == "--messageSize" {
			var n int
			fmt.Sscan(args[i+1], &n)
			return n
		}
	}
	return len("test message: 999") // most bodies are 16 or 17 bytes
}

// waitEmpty checks every message was acknowledged: acks travel after the
// consumer's last receive, so give the broker a moment.
func waitEmpty(t *testing.T, b *broker.Broker, queue string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := b.QueueStats(broker.QueueDest(queue))
		if st.QueueSize == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue %s still holds %d messages (%d in flight)", queue, st.QueueSize, st.InFlightCount)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTextSummary(t *testing.T) {
	tb := startBroker(t)
	p := run(t, RunProducer, "--brokerUrl", tb.url, "--destination", "/queue/TXT", "--messageCount", "200", "--message", "hello")
	if p.err != nil {
		t.Fatal(p.err)
	}
	lines := strings.Split(strings.TrimSpace(p.stdout), "\n")
	if len(lines) != 3 ||
		!strings.HasPrefix(lines[0], "Producing 1 x 200 messages to /queue/TXT at "+tb.url+": persistent, 5-byte text bodies, synchronous receipts") ||
		!strings.HasPrefix(lines[1], "Produced 200 messages in ") || !strings.Contains(lines[1], "msgs/s") || !strings.Contains(lines[1], "MB/s") ||
		!strings.HasPrefix(lines[2], "Send latency (SEND to RECEIPT): p50 ") || !strings.Contains(lines[2], "p99.9") {
		t.Fatalf("producer output:\n%s", p.stdout)
	}
	c := run(t, RunConsumer, "--brokerUrl", tb.url, "--destination", "TXT", "--messageCount", "200")
	if c.err != nil {
		t.Fatal(c.err)
	}
	lines = strings.Split(strings.TrimSpace(c.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "Consumed 200 messages in ") ||
		!strings.HasPrefix(lines[2], "End-to-end latency (amq-sent-ns to receive): p50 ") {
		t.Fatalf("consumer output:\n%s", c.stdout)
	}
}

func TestConsumerReceiveTimeoutOnEmptyQueue(t *testing.T) {
	tb := startBroker(t)
	start := time.Now()
	r := run(t, RunConsumer, "--brokerUrl", tb.url, "--destination", "queue://EMPTY", "--receiveTimeout", "300", "--json")
	if r.err == nil {
		t.Fatal("consumer on an empty queue succeeded")
	}
	if want := "received 0 of 1000 messages: none arrived for 300 ms (--receiveTimeout)"; r.err.Error() != want {
		t.Fatalf("error %q, want %q", r.err, want)
	}
	if el := time.Since(start); el < 300*time.Millisecond || el > 5*time.Second {
		t.Fatalf("gave up after %v", el)
	}
	if r.sum.Messages != 0 || r.sum.Errors != 0 {
		t.Fatalf("summary %+v", r.sum)
	}
}

func TestConsumerPartialWithReceiveTimeout(t *testing.T) {
	tb := startBroker(t)
	if p := run(t, RunProducer, "--brokerUrl", tb.url, "--destination", "PART", "--messageCount", "150"); p.err != nil {
		t.Fatal(p.err)
	}
	r := run(t, RunConsumer, "--brokerUrl", tb.url, "--destination", "PART", "--messageCount", "100", "--parallelThreads", "2", "--receiveTimeout", "300", "--ackMode", "CLIENT_ACKNOWLEDGE", "--json")
	if r.err == nil || !strings.Contains(r.err.Error(), "received 150 of 200 messages") {
		t.Fatalf("err = %v", r.err)
	}
	if r.sum.Messages != 150 {
		t.Fatalf("summary %+v", r.sum)
	}
	waitEmpty(t, tb.b, "PART")
}

func TestProducerBrokerError(t *testing.T) {
	tb := startBroker(t)
	for _, args := range [][]string{
		{"--receipts=true"},
		{"--receipts=false"},
		{"--window", "4"},
		{"--transactionBatchSize", "10"},
		{"--pipeline=false", "--receipts=true"},
		{"--pipeline=false", "--receipts=false"},
		{"--pipeline=false", "--transactionBatchSize", "10"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			all := append([]string{"--brokerUrl", tb.url, "--destination", "queue://DENIED", "--messageCount", "50", "--json"}, args...)
			r := run(t, RunProducer, all...)
			if r.err == nil {
				t.Fatal("producer to a denied queue succeeded")
			}
			if !strings.Contains(r.err.Error(), "broker ERROR: ") || !strings.Contains(r.err.Error(), "not authorized") {
				t.Fatalf("error %q does not carry the broker's ERROR", r.err)
			}
			if r.sum.Errors != 1 {
				t.Fatalf("summary %+v", r.sum)
			}
			if el := r.sum.Seconds; el > 5 {
				t.Fatalf("failing took %v s", el)
			}
		})
	}
}

func TestConsumerBrokerError(t *testing.T) {
	tb := startBroker(t)
	for _, ack := range []string{"auto", "client", "client-individual"} {
		start := time.Now()
		r := run(t, RunConsumer, "--brokerUrl", tb.url, "--destination", "queue://DENIED", "--ackMode", ack, "--receiveTimeout", "10000")
		if r.err == nil || !strings.Contains(r.err.Error(), "broker ERROR: User is not authorized to read") {
			t.Fatalf("ack %s: err = %v", ack, r.err)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Fatalf("ack %s: failing took %v", ack, el)
		}
	}
}

func TestConnectRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := run(t, RunProducer, "--brokerUrl", "tcp://"+addr, "--messageCount", "1")
	if r.err == nil || !strings.Contains(r.err.Error(), "connect to tcp://"+addr) {
		t.Fatalf("err = %v", r.err)
	}
}

func TestDurableTopic(t *testing.T) {
	tb := startBroker(t)
	cargs := []string{"--brokerUrl", tb.url, "--destination", "topic://DUR", "--durable", "--clientId", "lt",
		"--messageCount", "100", "--parallelThreads", "2", "--receiveTimeout", "300", "--json"}
	// The first run creates the subscriptions and finds nothing.
	if r := run(t, RunConsumer, cargs...); r.err == nil || r.sum.Messages != 0 {
		t.Fatalf("first run: %v %+v", r.err, r.sum)
	}
	if p := run(t, RunProducer, "--brokerUrl", tb.url, "--destination", "topic://DUR", "--messageCount", "100"); p.err != nil {
		t.Fatal(p.err)
	}
	// Each subscription kept the 100 messages sent while it was offline.
	r := run(t, RunConsumer, cargs...)
	if r.err != nil || r.sum.Messages != 200 {
		t.Fatalf("second run: %v %+v\n%s", r.err, r.sum, r.stderr)
	}
}

func TestTopicEachThreadGetsAll(t *testing.T) {
	tb := startBroker(t)
	var wg sync.WaitGroup
	var c runResult
	wg.Go(func() {
		c = run(t, RunConsumer, "--brokerUrl", tb.url, "--destination", "/topic/ALL", "--messageCount", "300", "--parallelThreads", "2", "--receiveTimeout", "10000", "--json")
	})
	// Wait for both subscriptions before producing.
	deadline := time.Now().Add(5 * time.Second)
	for topicConsumers(tb.b, "ALL") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("consumers did not subscribe")
		}
		time.Sleep(5 * time.Millisecond)
	}
	p := run(t, RunProducer, "--brokerUrl", tb.url, "--destination", "topic://ALL", "--messageCount", "300", "--persistent=false")
	if p.err != nil {
		t.Fatal(p.err)
	}
	wg.Wait()
	if c.err != nil || c.sum.Messages != 600 {
		t.Fatalf("consumer: %v %+v", c.err, c.sum)
	}
}

func topicConsumers(b *broker.Broker, name string) int {
	for _, d := range b.Topics() {
		if d.Dest == broker.TopicDest(name) {
			return d.Stats.ConsumerCount
		}
	}
	return 0
}

func TestHelp(t *testing.T) {
	r := run(t, RunProducer, "--help")
	if r.err != nil || !strings.Contains(r.stdout, "--transactionBatchSize") || !strings.Contains(r.stdout, "--msgGroupID") {
		t.Fatalf("producer help: %v\n%s", r.err, r.stdout)
	}
	r = run(t, RunConsumer, "-h")
	if r.err != nil || !strings.Contains(r.stdout, "--ackMode") || !strings.Contains(r.stdout, "--receiveTimeout") {
		t.Fatalf("consumer help: %v\n%s", r.err, r.stdout)
	}
}

func TestInterrupt(t *testing.T) {
	tb := startBroker(t)
	for i, c := range []struct {
		name string
		fn   runFunc
		args []string
		want string
	}{
		{"producer", RunProducer, []string{"--sleep", "20"}, "producer-1: interrupted after "},
		{"producer, go-stomp Send", RunProducer, []string{"--sleep", "20", "--pipeline=false"}, "producer-1: interrupted after "},
		{"consumer", RunConsumer, nil, "interrupted: received 0 of 1000 messages"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			var out, errOut bytes.Buffer
			args := append([]string{"--brokerUrl", tb.url, "--destination", fmt.Sprintf("INT.%d", i), "--json"}, c.args...)
			start := time.Now()
			err := c.fn(ctx, args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("took %v to stop", el)
			}
			var s Summary
			if jerr := json.Unmarshal(out.Bytes(), &s); jerr != nil {
				t.Fatalf("no summary: %v %q", jerr, out.String())
			}
		})
	}
}

func TestTLS(t *testing.T) {
	tb := startBroker(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "amq-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := stomp.NewServer(stomp.Options{Broker: tb.b, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	url := "stomp+ssl://" + l.Addr().String()

	r := run(t, RunProducer, "--brokerUrl", url, "--destination", "TLS", "--messageCount", "10")
	if r.err == nil || !strings.Contains(r.err.Error(), "--insecure") {
		t.Fatalf("self-signed certificate accepted without --insecure: %v", r.err)
	}
	for _, pipe := range []string{"true", "false"} {
		r = run(t, RunProducer, "--brokerUrl", url, "--insecure", "--destination", "TLS", "--messageCount", "10", "--pipeline", pipe, "--json")
		if r.err != nil || r.sum.Messages != 10 {
			t.Fatalf("producer over TLS (pipeline %s): %v %+v", pipe, r.err, r.sum)
		}
	}
	r = run(t, RunConsumer, "--brokerUrl", url, "--insecure", "--destination", "TLS", "--messageCount", "20", "--json")
	if r.err != nil || r.sum.Messages != 20 {
		t.Fatalf("consumer over TLS: %v %+v", r.err, r.sum)
	}
}

// TestRate: --rate paces the sends in all threads together, so the run
// takes messages / rate seconds, give or take one interval.
func TestRate(t *testing.T) {
	tb := startBroker(t)
	const rate, threads, each = 400.0, 4, 50 // 200 messages: 0.5 s
	p := run(t, RunProducer, "--brokerUrl", tb.url, "--destination", "queue://RATE", "--persistent", "false",
		"--messageCount", fmt.Sprint(each), "--parallelThreads", fmt.Sprint(threads), "--rate", fmt.Sprint(rate), "--json")
	if p.err != nil {
		t.Fatalf("producer: %v\n%s", p.err, p.stderr)
	}
	if !strings.Contains(p.stderr, "paced at 400 msgs/s in all") {
		t.Errorf("start line: %q", p.stderr)
	}
	want := float64(threads*each) / rate
	if p.sum.Messages != threads*each || p.sum.Seconds < want*0.9 {
		t.Fatalf("sent %d in %.3f s; at %v msgs/s that takes at least %.2f s", p.sum.Messages, p.sum.Seconds, rate, want*0.9)
	}
	if p.sum.Rate > rate*1.1 {
		t.Fatalf("achieved %.0f msgs/s, above the %v asked for", p.sum.Rate, rate)
	}
	for _, bad := range [][]string{{"--rate", "-5"}, {"--rate", "10", "--sleep", "1"}, {"--rate", "NaN"}, {"--rate", "1e-9"}} {
		r := run(t, RunProducer, append([]string{"--brokerUrl", tb.url}, bad...)...)
		if r.err == nil || !strings.Contains(r.err.Error(), "--rate") {
			t.Errorf("%v: err = %v, want one about --rate", bad, r.err)
		}
	}
}

// TestConsumerSilentBroker: a broker that never answers DISCONNECT ends the
// run with an error after the disconnect timeout instead of hanging it.
func TestConsumerSilentBroker(t *testing.T) {
	old := disconnectTimeout
	disconnectTimeout = 300 * time.Millisecond
	defer func() { disconnectTimeout = old }()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		c.Read(buf) // CONNECT
		c.Write([]byte("CONNECTED\nversion:1.2\n\n\x00"))
		c.Read(buf) // SUBSCRIBE
		for i := 0; i < 5; i++ {
			fmt.Fprintf(c, "MESSAGE\nsubscription:1\nmessage-id:m%d\ndestination:/queue/S\n\nhi\x00", i)
		}
		io.Copy(io.Discard, c) // DISCONNECT and anything else: never answered
	}()
	start := time.Now()
	r := run(t, RunConsumer, "--brokerUrl", "stomp://"+l.Addr().String(), "--destination", "queue://S", "--messageCount", "5", "--json")
	if r.err == nil || !strings.Contains(r.err.Error(), "disconnect") {
		t.Fatalf("err = %v, want a disconnect timeout", r.err)
	}
	if r.sum.Messages != 5 {
		t.Fatalf("summary %+v", r.sum)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("took %v", el)
	}
}
