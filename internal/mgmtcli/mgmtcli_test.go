package mgmtcli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"amq/broker"
	"amq/internal/config"
	"amq/internal/server"
	"amq/internal/web"
	"amq/store/memory"
)

const realm = "admin: secret, admin\nviewer: viewpw, user\n"

const brokerXML = `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="clitest" persistent="false">
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:0"/>
    </transportConnectors>
  </broker>
</beans>`

type env struct {
	t   *testing.T
	b   *broker.Broker
	url string
	cl  *broker.Client
}

func start(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, web.RealmFile), []byte(realm), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Parse(filepath.Join(dir, "activemq.xml"), []byte(brokerXML), config.Options{
		Base: dir, Home: dir, Conf: dir, Data: filepath.Join(dir, "data"), Env: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(cfg, server.Options{Logger: log, Store: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	con, err := web.New(web.Options{Server: srv, Addr: "127.0.0.1:0", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := con.Start(); err != nil {
		t.Fatal(err)
	}
	cl, err := srv.Broker().NewClient("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cl.Close()
		con.Close()
		srv.Close()
	})
	return &env{t: t, b: srv.Broker(), url: "http://" + con.Addr().String(), cl: cl}
}

func (e *env) send(queue string, n int, props ...broker.Property) {
	e.t.Helper()
	for i := 0; i < n; i++ {
		m := &broker.Message{Dest: broker.QueueDest(queue), Body: []byte(fmt.Sprintf("body %d", i)), BodyKind: broker.BodyText,
			Priority: 4, Persistent: true, Props: append([]broker.Property{{Name: "n", Type: broker.PropInt, I: int64(i)}}, props...)}
		if err := e.cl.Send(context.Background(), m); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) size(queue string) int64 {
	st, ok := e.b.QueueStats(broker.QueueDest(queue))
	if !ok {
		return -1
	}
	return st.QueueSize
}

// run executes a verb as admin and returns its output.
func (e *env) run(verb string, args ...string) string {
	e.t.Helper()
	out, err := e.try(verb, args...)
	if err != nil {
		e.t.Fatalf("amq %s %s: %v\n%s", verb, strings.Join(args, " "), err, out)
	}
	return out
}

func (e *env) try(verb string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	all := append([]string{"--url", e.url, "--user", "admin", "--password", "secret"}, args...)
	err := Run(context.Background(), verb, all, &out, &errOut)
	return out.String(), err
}

func TestDstat(t *testing.T) {
	e := start(t)
	e.send("orders", 3)
	e.send("billing", 1)
	e.cl.Conn().AddProducer(broker.QueueDest("orders"))
	e.b.AddTopic("prices")

	out := e.run("dstat", "queues")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	header := fmt.Sprintf("%-50s  %10s  %10s  %10s  %10s  %10s  %10s  %10s", "Name", "Queue Size", "Producer #", "Consumer #", "Enqueue #", "Dequeue #", "Forward #", "Memory %")
	if lines[0] != header {
		t.Fatalf("header:\n%q\nwant\n%q", lines[0], header)
	}
	if len(lines) != 3 {
		t.Fatalf("dstat queues:\n%s", out)
	}
	wantOrders := fmt.Sprintf("%-50s  %10d  %10d  %10d  %10d  %10d  %10d  %10d", "orders", 3, 1, 0, 3, 0, 0, 0)
	wantBilling := fmt.Sprintf("%-50s  %10d  %10d  %10d  %10d  %10d  %10d  %10d", "billing", 1, 0, 0, 1, 0, 0, 0)
	if lines[1] != wantBilling || lines[2] != wantOrders {
		t.Fatalf("rows:\n%s\nwant\n%s\n%s", out, wantBilling, wantOrders)
	}
	topics := e.run("dstat", "topics")
	if !strings.Contains(topics, "\nprices ") || strings.Contains(topics, "\norders ") {
		t.Fatalf("dstat topics:\n%s", topics)
	}
	both := e.run("dstat")
	if !strings.Contains(both, "\nprices ") || !strings.Contains(both, "\norders ") {
		t.Fatalf("dstat:\n%s", both)
	}
	var rows []DstatRow
	if err := json.Unmarshal([]byte(e.run("dstat", "queues", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1] != (DstatRow{Name: "orders", Type: "Queue", QueueSize: 3, ProducerCount: 1, EnqueueCount: 3}) {
		t.Fatalf("json rows %+v", rows)
	}
	if _, err := e.try("dstat", "bogus"); !isUsage(err) {
		t.Fatalf("dstat bogus: %v", err)
	}
}

func isUsage(err error) bool {
	var ue *UsageError
	return errors.As(err, &ue)
}

func TestBstat(t *testing.T) {
	e := start(t)
	e.send("q1", 2)
	out := e.run("bstat")
	for _, want := range []string{"BrokerName = clitest\n", "BrokerVersion = 5.17.2\n", "TotalEnqueueCount = 2\n", "TotalMessageCount = 2\n",
		"destinationType = Queue\nName = q1\nQueueSize = 2\nEnqueueCount = 2\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("bstat lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ActiveMQ.Advisory") {
		t.Errorf("bstat shows advisory topics:\n%s", out)
	}
	var blocks []mbeanBlock
	if err := json.Unmarshal([]byte(e.run("bstat", "clitest", "--json")), &blocks); err != nil || len(blocks) < 2 {
		t.Fatalf("bstat --json: %v %v", err, blocks)
	}
	if _, err := e.try("bstat", "nosuchbroker"); err == nil || !strings.Contains(err.Error(), "no broker") {
		t.Fatalf("bstat of a missing broker: %v", err)
	}
}

func TestQuery(t *testing.T) {
	e := start(t)
	e.send("TEST.FOO", 2)
	e.send("TEST.BAR", 1)
	e.send("OTHER", 1)
	out := e.run("query", "-QQueue=TEST.FOO")
	for _, want := range []string{"destinationName = TEST.FOO\n", "destinationType = Queue\n", "brokerName = clitest\n", "type = Broker\n",
		"QueueSize = 2\n", "EnqueueCount = 2\n", "Name = TEST.FOO\n", "DLQ = false\n", "Subscriptions = []\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("query -QQueue=TEST.FOO lacks %q", want)
		}
	}
	if strings.Count(out, "\n\n") != 1 {
		t.Errorf("one MBean expected:\n%s", out)
	}
	view := e.run("query", "-QQueue=TEST.*", "--view", "Name,QueueSize")
	if view != "Name = TEST.BAR\nQueueSize = 1\n\nName = TEST.FOO\nQueueSize = 2\n\n" {
		t.Fatalf("query with a view:\n%q", view)
	}
	sub := e.run("query", "-QQueue=*", "-xQQueue=TEST.*", "--view", "Name")
	if sub != "Name = OTHER\n\n" {
		t.Fatalf("query with -xQ:\n%q", sub)
	}
	b := e.run("query", "--objname", "type=Broker,brokerName=*", "--view", "BrokerName,Queues")
	if !strings.Contains(b, "BrokerName = clitest\n") || !regexp.MustCompile(`Queues = \[org\.apache\.activemq:brokerName=clitest,destinationName=OTHER,destinationType=Queue,type=Broker, `).MatchString(b) {
		t.Fatalf("query --objname:\n%s", b)
	}
	var blocks []mbeanBlock
	if err := json.Unmarshal([]byte(e.run("query", "-QQueue=TEST.FOO", "--view", "QueueSize", "--json")), &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 || blocks[0].ObjectName != "org.apache.activemq:brokerName=clitest,destinationName=TEST.FOO,destinationType=Queue,type=Broker" ||
		blocks[0].Attributes["QueueSize"] != float64(2) || len(blocks[0].Attributes) != 1 {
		t.Fatalf("query --json: %+v", blocks)
	}
	if out := e.run("query", "-QQueue=NONE"); out != "" {
		t.Fatalf("query of nothing printed %q", out)
	}
	if _, err := e.try("query", "-QBogus=x"); !isUsage(err) {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestBrowse(t *testing.T) {
	e := start(t)
	e.send("b.q", 3, broker.StringProp("color", "red"))
	out := e.run("browse", "b.q")
	if strings.Count(out, "JMS_HEADER_FIELD:JMSMessageID = ID:") != 3 {
		t.Fatalf("browse:\n%s", out)
	}
	for _, want := range []string{"JMS_HEADER_FIELD:JMSDestination = queue://b.q\n", "JMS_HEADER_FIELD:JMSDeliveryMode = persistent\n",
		"JMS_HEADER_FIELD:JMSPriority = 4\n", "JMS_CUSTOM_FIELD:color = red\n", "JMS_CUSTOM_FIELD:n = 1\n", "JMS_BODY_FIELD:JMSText = body 2\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("browse lacks %q", want)
		}
	}
	sel := e.run("browse", "--msgsel", "n > 0", "b.q")
	if strings.Count(sel, "JMSMessageID") != 2 || strings.Contains(sel, "JMSText = body 0\n") {
		t.Fatalf("browse --msgsel:\n%s", sel)
	}
	lim := e.run("browse", "--limit", "1", "b.q")
	if strings.Count(lim, "JMSMessageID") != 1 || !strings.Contains(lim, "INFO: showing the first 1 messages") {
		t.Fatalf("browse --limit:\n%s", lim)
	}
	var res []browseResult
	if err := json.Unmarshal([]byte(e.run("browse", "--json", "b.q")), &res); err != nil || len(res) != 1 || len(res[0].Messages) != 3 {
		t.Fatalf("browse --json: %v %+v", err, res)
	}
	if *res[0].Messages[0].Text != "body 0" {
		t.Fatalf("first message %+v", res[0].Messages[0])
	}
	if e.size("b.q") != 3 {
		t.Fatal("browse consumed messages")
	}
	if _, err := e.try("browse", "missing"); err == nil || !strings.Contains(err.Error(), "no queue") {
		t.Fatalf("browse of a missing queue: %v", err)
	}
	if _, err := e.try("browse", "--msgsel", "n ==", "b.q"); err == nil || !strings.Contains(err.Error(), "selector") {
		t.Fatalf("bad selector: %v", err)
	}
	if _, err := e.try("browse"); !isUsage(err) {
		t.Fatalf("browse without a queue: %v", err)
	}
}

func TestPurge(t *testing.T) {
	e := start(t)
	e.send("p.one", 5)
	e.send("p.two", 2)
	e.send("keep", 2)
	out := e.run("purge", "--msgsel", "n >= 3", "p.one")
	if out != "INFO: Removed 2 messages matching \"n >= 3\" from queue: p.one\n" || e.size("p.one") != 3 {
		t.Fatalf("purge --msgsel: %q, size %d", out, e.size("p.one"))
	}
	out = e.run("purge", "p.*")
	if out != "INFO: Purging all messages in queue: p.one\nINFO: Purging all messages in queue: p.two\n" {
		t.Fatalf("purge p.*: %q", out)
	}
	if e.size("p.one") != 0 || e.size("p.two") != 0 || e.size("keep") != 2 {
		t.Fatalf("sizes after purge: %d %d %d", e.size("p.one"), e.size("p.two"), e.size("keep"))
	}
	var res []PurgeResult
	if err := json.Unmarshal([]byte(e.run("purge", "--json", "--msgsel", "n = 0", "keep")), &res); err != nil ||
		len(res) != 1 || res[0].Removed == nil || *res[0].Removed != 1 {
		t.Fatalf("purge --json: %v %+v", err, res)
	}
	if _, err := e.try("purge", "missing"); err == nil || !strings.Contains(err.Error(), "no queue matches") {
		t.Fatalf("purge of a missing queue: %v", err)
	}
}

func TestAuthAndConnectionErrors(t *testing.T) {
	e := start(t)
	e.send("a.q", 1)
	var out, errOut bytes.Buffer
	err := Run(context.Background(), "dstat", []string{"--url", e.url, "--user", "admin", "--password", "wrong"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "refused the login") {
		t.Fatalf("wrong password: %v", err)
	}
	// A viewer may look but not purge.
	err = Run(context.Background(), "dstat", []string{"--url", e.url, "--user", "viewer", "--password", "viewpw"}, &out, &errOut)
	if err != nil {
		t.Fatalf("dstat as viewer: %v", err)
	}
	err = Run(context.Background(), "purge", []string{"--url", e.url, "--user", "viewer", "--password", "viewpw", "a.q"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "admin role") || e.size("a.q") != 1 {
		t.Fatalf("purge as viewer: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	err = Run(context.Background(), "dstat", []string{"--url", dead}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("dead url: %v", err)
	}
	for _, args := range [][]string{{"--jmxurl", "service:jmx:rmi://x"}, {"--nope"}, {"--url"}, {"--url", "ftp://x"}, {"--timeout", "-1s"}} {
		if err := Run(context.Background(), "dstat", args, &out, &errOut); !isUsage(err) {
			t.Errorf("dstat %v: %v, want a usage error", args, err)
		}
	}
	if err := Run(context.Background(), "frobnicate", nil, &out, &errOut); !isUsage(err) {
		t.Fatalf("unknown verb: %v", err)
	}
	out.Reset()
	if err := Run(context.Background(), "query", []string{"--help"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "-Q<type>=<name>") {
		t.Fatalf("help: %v %s", err, out.String())
	}
	t.Setenv("AMQ_URL", e.url)
	t.Setenv("AMQ_USER", "viewer")
	t.Setenv("AMQ_PASSWORD", "viewpw")
	out.Reset()
	if err := Run(context.Background(), "dstat", []string{"queues"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "a.q") {
		t.Fatalf("credentials from the environment: %v %s", err, out.String())
	}
}

// Scripts written for `activemq browse --amqurl tcp://... -V... --view ...`
// run unchanged.
func TestBrowseActiveMQOptions(t *testing.T) {
	e := start(t)
	e.send("v.q", 1, broker.StringProp("color", "red"), broker.StringProp("size", "L"))

	out := e.run("browse", "--amqurl", "tcp://localhost:61616", "-Vbody", "--view", "custom:color,JMSMessageID", "queue:v.q")
	for _, want := range []string{"JMS_HEADER_FIELD:JMSMessageID = ID:", "JMS_CUSTOM_FIELD:color = red\n", "JMS_BODY_FIELD:JMSText = body 0\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("browse lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"JMSPriority", "JMS_CUSTOM_FIELD:size", "JMSDestination"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("browse shows %s:\n%s", unwanted, out)
		}
	}
	out = e.run("browse", "-Vheader,custom", "v.q")
	if !strings.Contains(out, "JMS_HEADER_FIELD:JMSPriority = 4\n") || !strings.Contains(out, "JMS_CUSTOM_FIELD:size = L\n") || strings.Contains(out, "JMS_BODY_FIELD") {
		t.Errorf("browse -Vheader,custom:\n%s", out)
	}
	if _, err := e.try("browse", "-Vfooter", "v.q"); !isUsage(err) {
		t.Errorf("unknown group view: %v", err)
	}

	// --amqurl names the broker; its console is read on the same host.
	for _, c := range []struct{ amqurl, want string }{
		{"tcp://mq1.example:61616", "http://mq1.example:8161"},
		{"failover:(tcp://mq2:61616,tcp://mq3:61616)?randomize=false", "http://mq2:8161"},
		{"nio://0.0.0.0:61616", "http://localhost:8161"},
	} {
		o, err := parseArgs("browse", []string{"--amqurl", c.amqurl, "Q"})
		if err != nil || o.url != c.want {
			t.Errorf("--amqurl %s: %v, %v; want %s", c.amqurl, o, err, c.want)
		}
	}
	if o, err := parseArgs("browse", []string{"--amqurl", "tcp://mq1:61616", "--url", "http://h:9000"}); err != nil || o.url != "http://h:9000" {
		t.Errorf("--url with --amqurl: %v %v", o, err)
	}
	if _, err := parseArgs("browse", []string{"--amqurl", "localhost"}); !isUsage(err) {
		t.Errorf("--amqurl without a scheme: %v", err)
	}
	if _, err := parseArgs("dstat", []string{"--amqurl", "tcp://localhost:61616"}); !isUsage(err) {
		t.Errorf("dstat --amqurl: %v", err)
	}
}
