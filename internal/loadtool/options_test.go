package loadtool

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
)

func TestParseBrokerURL(t *testing.T) {
	cases := []struct {
		in     string
		addr   string
		host   string
		useTLS bool
		err    string
	}{
		{in: "stomp://localhost:61613", addr: "localhost:61613", host: "localhost"},
		{in: "tcp://10.0.0.5:61616", addr: "10.0.0.5:61616", host: "10.0.0.5"},
		{in: "tcp://broker:61613?wireFormat.maxInactivityDuration=0", addr: "broker:61613", host: "broker"},
		{in: "stomp+nio://broker:1234", addr: "broker:1234", host: "broker"},
		{in: "stomp://broker", addr: "broker:61613", host: "broker"},
		{in: "STOMP://Broker:61613", addr: "Broker:61613", host: "Broker"},
		{in: "stomp+ssl://secure:61612", addr: "secure:61612", host: "secure", useTLS: true},
		{in: "stomp+ssl://secure", addr: "secure:61612", host: "secure", useTLS: true},
		{in: "ssl://secure:7000", addr: "secure:7000", host: "secure", useTLS: true},
		{in: "stomp+nio+ssl://secure:7001", addr: "secure:7001", host: "secure", useTLS: true},
		{in: "stomp://[::1]:61613", addr: "[::1]:61613", host: "::1"},
		{in: "stomp://[::1]", addr: "[::1]:61613", host: "::1"},
		{in: "localhost:61613", addr: "localhost:61613", host: "localhost"},
		{in: "failover:(tcp://a:61613,tcp://b:61613)?randomize=false", addr: "a:61613", host: "a"},
		{in: "failover://tcp://a:1", addr: "a:1", host: "a"},
		{in: "failover:(stomp+ssl://a:2)", addr: "a:2", host: "a", useTLS: true},
		{in: "stomp://:61613", addr: "localhost:61613", host: "localhost"},
		{in: "amqp://broker:5672", err: "unsupported --brokerUrl scheme"},
		{in: "ws://broker:61614", err: "unsupported --brokerUrl scheme"},
		{in: "stomp://broker:notaport", err: "invalid"},
		{in: "stomp://broker:70000", err: "invalid port"},
		{in: "failover:(tcp://a:1", err: "missing ')'"},
		{in: "", err: "invalid --brokerUrl"},
	}
	for _, c := range cases {
		addr, host, useTLS, err := parseBrokerURL(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || addr != c.addr || host != c.host || useTLS != c.useTLS {
			t.Errorf("%q = %q, %q, %v, %v; want %q, %q, %v", c.in, addr, host, useTLS, err, c.addr, c.host, c.useTLS)
		}
	}
}

func TestStompDestination(t *testing.T) {
	cases := []struct {
		in, out string
		topic   bool
		err     bool
	}{
		{in: "queue://TEST", out: "/queue/TEST"},
		{in: "topic://prices.>", out: "/topic/prices.>", topic: true},
		{in: "QUEUE://Mixed", out: "/queue/Mixed"},
		{in: "/queue/A.B", out: "/queue/A.B"},
		{in: "/topic/T", out: "/topic/T", topic: true},
		{in: "ORDERS", out: "/queue/ORDERS"},
		{in: "/temp-queue/x", out: "/temp-queue/x"},
		{in: " queue://SPACED ", out: "/queue/SPACED"},
		{in: "queue://", err: true},
		{in: "/topic/", err: true},
		{in: "", err: true},
		{in: "temp-queue://x", err: true},
	}
	for _, c := range cases {
		out, topic, err := stompDestination(c.in)
		if c.err {
			if err == nil {
				t.Errorf("%q: no error", c.in)
			}
			continue
		}
		if err != nil || out != c.out || topic != c.topic {
			t.Errorf("%q = %q, %v, %v; want %q, %v", c.in, out, topic, err, c.out, c.topic)
		}
	}
}

func TestParseProducerArgs(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		check func(*producerOpts) bool
		err   string
	}{
		{"defaults", nil, func(o *producerOpts) bool {
			return o.brokerURL == "stomp://localhost:61613" && o.addr == "localhost:61613" && o.dest == "/queue/TEST" &&
				o.messageCount == 1000 && o.parallelThreads == 1 && o.persistent && o.receipts && o.window == 1 && o.pipeline &&
				o.txBatch == 0 && o.priority == 4 && !o.jsonOut
		}, ""},
		{"ActiveMQ option names, space separated", []string{"--brokerUrl", "tcp://b:1", "--user", "u", "--password", "p",
			"--destination", "topic://T", "--messageCount", "50", "--sleep", "5", "--transactionBatchSize", "10",
			"--parallelThreads", "3", "--msgTTL", "60000", "--messageSize", "100", "--textMessageSize", "7",
			"--msgGroupID", "G", "--message", "hi", "--messagePriority", "7"}, func(o *producerOpts) bool {
			return o.addr == "b:1" && o.user == "u" && o.password == "p" && o.dest == "/topic/T" && o.isTopic &&
				o.messageCount == 50 && o.sleepMs == 5 && o.txBatch == 10 && o.parallelThreads == 3 && o.msgTTL == 60000 &&
				o.messageSize == 100 && o.textMessageSize == 7 && o.msgGroupID == "G" && o.message == "hi" && o.priority == 7
		}, ""},
		{"equals form", []string{"--destination=/queue/X", "--messageCount=5", "--persistent=false"}, func(o *producerOpts) bool {
			return o.dest == "/queue/X" && o.messageCount == 5 && !o.persistent && !o.receipts
		}, ""},
		{"boolean with a separate value, as activemq-console takes it", []string{"--persistent", "false", "--messageCount", "3"}, func(o *producerOpts) bool {
			return !o.persistent && o.messageCount == 3 && !o.receipts
		}, ""},
		{"boolean value case", []string{"--persistent", "FALSE"}, func(o *producerOpts) bool { return !o.persistent }, ""},
		{"bare boolean", []string{"--persistent", "--json"}, func(o *producerOpts) bool { return o.persistent && o.jsonOut }, ""},
		{"single dash", []string{"-messageCount", "9"}, func(o *producerOpts) bool { return o.messageCount == 9 }, ""},
		{"transactions turn receipts off by default", []string{"--transactionBatchSize", "5"}, func(o *producerOpts) bool { return !o.receipts }, ""},
		{"explicit receipts win", []string{"--transactionBatchSize", "5", "--receipts", "true", "--window", "8"}, func(o *producerOpts) bool {
			return o.receipts && o.window == 8
		}, ""},
		{"receipts for non-persistent", []string{"--persistent", "false", "--receipts"}, func(o *producerOpts) bool { return o.receipts }, ""},
		{"priority alias", []string{"--priority", "9"}, func(o *producerOpts) bool { return o.priority == 9 }, ""},
		{"TLS", []string{"--brokerUrl", "stomp+ssl://h:1", "--insecure"}, func(o *producerOpts) bool { return o.useTLS && o.insecure && o.host == "h" }, ""},
		{"unknown option", []string{"--nope", "1"}, nil, "flag provided but not defined: -nope"},
		{"stray argument", []string{"--messageCount", "1", "extra"}, nil, `unexpected argument "extra"`},
		{"bad number", []string{"--messageCount", "many"}, nil, "invalid value"},
		{"negative count", []string{"--messageCount", "-1"}, nil, "--messageCount must not be negative"},
		{"zero threads", []string{"--parallelThreads", "0"}, nil, "--parallelThreads must be at least 1"},
		{"zero window", []string{"--window", "0"}, nil, "--window must be at least 1"},
		{"window without the pipeline", []string{"--window", "4", "--pipeline", "false"}, nil, "--window above 1 needs --pipeline"},
		{"go-stomp Send", []string{"--pipeline=false"}, func(o *producerOpts) bool { return !o.pipeline }, ""},
		{"bad priority", []string{"--messagePriority", "10"}, nil, "--messagePriority must be 0-9"},
		{"bad destination", []string{"--destination", "queue://"}, nil, "empty name"},
		{"bad url", []string{"--brokerUrl", "amqp://x"}, nil, "unsupported --brokerUrl scheme"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := parseProducerArgs(c.args, io.Discard, io.Discard)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(o) {
				t.Fatalf("unexpected options %+v", *o)
			}
		})
	}
}

func TestParseConsumerArgs(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		check func(*consumerOpts) bool
		err   string
	}{
		{"defaults", nil, func(o *consumerOpts) bool {
			return o.dest == "/queue/TEST" && o.messageCount == 1000 && o.ack == stomp.AckAuto && !o.transacted &&
				o.batchSize == 10 && o.prefetch == -1 && o.receiveTimeoutMs == 0 && !o.durable
		}, ""},
		{"JMS ack names", []string{"--ackMode", "CLIENT_ACKNOWLEDGE"}, func(o *consumerOpts) bool { return o.ack == stomp.AckClient }, ""},
		{"individual", []string{"--ackMode", "INDIVIDUAL_ACKNOWLEDGE"}, func(o *consumerOpts) bool { return o.ack == stomp.AckClientIndividual }, ""},
		{"dups ok is auto", []string{"--ackMode", "DUPS_OK_ACKNOWLEDGE"}, func(o *consumerOpts) bool { return o.ack == stomp.AckAuto }, ""},
		{"STOMP ack names", []string{"--ackMode=client-individual"}, func(o *consumerOpts) bool { return o.ack == stomp.AckClientIndividual }, ""},
		{"STOMP client", []string{"--ackMode", "client"}, func(o *consumerOpts) bool { return o.ack == stomp.AckClient }, ""},
		{"session transacted", []string{"--ackMode", "SESSION_TRANSACTED", "--batchSize", "7"}, func(o *consumerOpts) bool {
			return o.transacted && o.ack == stomp.AckClient && o.batchSize == 7
		}, ""},
		{"transacted flag", []string{"--transacted", "true"}, func(o *consumerOpts) bool { return o.transacted && o.ack == stomp.AckClient }, ""},
		{"transacted with individual acks", []string{"--transacted", "--ackMode", "INDIVIDUAL_ACKNOWLEDGE"}, func(o *consumerOpts) bool {
			return o.transacted && o.ack == stomp.AckClientIndividual
		}, ""},
		{"transactionBatchSize", []string{"--transactionBatchSize", "20"}, func(o *consumerOpts) bool { return o.transacted && o.batchSize == 20 }, ""},
		{"durable topic", []string{"--destination", "topic://T", "--durable", "true", "--clientId", "me"}, func(o *consumerOpts) bool {
			return o.durable && o.isTopic && o.clientID == "me"
		}, ""},
		{"durable on a queue needs no client id", []string{"--durable"}, func(o *consumerOpts) bool { return o.durable }, ""},
		{"selector, prefetch, receiveTimeout", []string{"--selector", "a = 1", "--prefetch", "0", "--receiveTimeout", "250", "--bytesAsText", "true"}, func(o *consumerOpts) bool {
			return o.selector == "a = 1" && o.prefetch == 0 && o.receiveTimeoutMs == 250 && o.bytesAsText
		}, ""},
		{"unknown ack mode", []string{"--ackMode", "SOMETIMES"}, nil, `unknown --ackMode "SOMETIMES"`},
		{"durable topic without client id", []string{"--destination", "topic://T", "--durable"}, nil, "--durable needs --clientId"},
		{"batch over prefetch", []string{"--ackMode", "client", "--batchSize", "100", "--prefetch", "10"}, nil, "would stall"},
		{"zero batch", []string{"--batchSize", "0"}, nil, "--batchSize must be at least 1"},
		{"negative timeout", []string{"--receiveTimeout", "-5"}, nil, "--receiveTimeout must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := parseConsumerArgs(c.args, io.Discard, io.Discard)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(o) {
				t.Fatalf("unexpected options %+v", *o)
			}
		})
	}
}

func TestHeaderEscaper(t *testing.T) {
	if got := headerEscaper("1.2").Replace("a:b\nc\\d\re"); got != `a\cb\nc\\d\re` {
		t.Errorf("1.2: %q", got)
	}
	if got := headerEscaper("1.1").Replace("a:b\r"); got != "a\\cb\r" {
		t.Errorf("1.1: %q", got)
	}
	if got := headerEscaper("1.0").Replace("a:b"); got != "a:b" {
		t.Errorf("1.0: %q", got)
	}
}

func TestPacer(t *testing.T) {
	base := time.Unix(1000, 0)
	// 1000 msgs/s over 4 threads: each sends every 4 ms, thread 2 starts 2 ms in.
	p := newPacer(1000, 4, 2, base)
	if p.interval != 4*time.Millisecond {
		t.Fatalf("interval %v", p.interval)
	}
	if d := p.next(base); d != 2*time.Millisecond {
		t.Fatalf("first wait %v, want 2ms", d)
	}
	// On time: the schedule is absolute, so a late wake-up shortens the next wait.
	if d := p.next(base.Add(2*time.Millisecond + 300*time.Microsecond)); d != 3700*time.Microsecond {
		t.Fatalf("second wait %v, want 3.7ms", d)
	}
	// Behind, but by less than maxLag: send now, keep the schedule.
	if d := p.next(base.Add(13 * time.Millisecond)); d != -3*time.Millisecond {
		t.Fatalf("third wait %v, want -3ms (late, send at once)", d)
	}
	// Far behind: no burst, the schedule restarts from now.
	now := base.Add(100 * time.Millisecond)
	if d := p.next(now); d != 0 {
		t.Fatalf("wait after a stall %v, want 0", d)
	}
	if d := p.next(now); d != 4*time.Millisecond {
		t.Fatalf("wait after the restart %v, want 4ms", d)
	}
	// A fast rate: a late timer (1 ms) leaves messages due, sent at once,
	// up to pacerLag behind.
	p = newPacer(100_000, 1, 0, base) // every 10 us
	p.next(base)
	late := base.Add(time.Millisecond)
	for i := 0; i < 99; i++ {
		if d := p.next(late); d > 0 {
			t.Fatalf("message %d due in %v though the thread is 1 ms late", i+1, d)
		}
	}
	if d := p.next(late); d != 0 {
		t.Fatalf("message 100 due in %v, want now", d)
	}
	if d := p.next(late); d != 10*time.Microsecond {
		t.Fatalf("message 101 due in %v, want 10us", d)
	}
}

func TestConnections(t *testing.T) {
	for _, c := range []struct {
		tool string
		args []string
		want int
	}{
		{"producer", nil, 1},
		{"producer", []string{"--parallelThreads", "4", "--messageSize", "1024"}, 4},
		{"consumer", []string{"--parallelThreads=10", "--ackMode", "client"}, 10},
		{"consumer", []string{"--ackMode", "bogus"}, 0},
		{"producer", []string{"--parallelThreads", "0"}, 0},
		{"producer", []string{"--no-such-flag"}, 0},
	} {
		if got := Connections(c.tool, c.args); got != c.want {
			t.Errorf("Connections(%s, %q) = %d, want %d", c.tool, c.args, got, c.want)
		}
	}
}
