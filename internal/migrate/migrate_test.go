package migrate

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/stomp/frame"
	"amq/internal/web"
)

// adminFeed serves the project's web console for b (default admin/admin
// login), whose /admin/xml/queues.jsp has ActiveMQ's shape.
func adminFeed(t *testing.T, b *broker.Broker) string {
	t.Helper()
	c, err := web.New(web.Options{Broker: b, Addr: "127.0.0.1:0", ConfDir: t.TempDir(), Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(c.Handler())
	t.Cleanup(func() { hs.Close(); c.Close() })
	return hs.URL
}

// sent describes one message put on the source.
type sent struct {
	queue   string
	body    []byte
	headers []string // as sent
	bytes   bool     // sent with content-length
}

func header(f *frame.Frame, k string) string {
	v, _ := f.Get(k)
	return v
}

func TestMigrateQueues(t *testing.T) {
	src := startBroker(t, "src", nil)
	dst := startBroker(t, "dst", nil)
	p := dialRaw(t, src.addr, "1.2")

	future := strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
	past := strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10)
	var msgs []sent
	add := func(queue string, body []byte, asBytes bool, kv ...string) {
		seq := strconv.Itoa(len(msgs))
		kv = append(kv, "seq", seq)
		if asBytes {
			kv = append(kv, "content-length", strconv.Itoa(len(body)))
		}
		p.send("/queue/"+queue, body, kv...)
		msgs = append(msgs, sent{queue: queue, body: body, headers: kv, bytes: asBytes})
	}
	for i := range 300 {
		kv := []string{"priority", strconv.Itoa(i % 10), "customer", "c" + strconv.Itoa(i%7), "amount", strconv.Itoa(i * 3)}
		if i%2 == 0 {
			kv = append(kv, "persistent", "true")
		}
		add("ORDERS", []byte("order "+strconv.Itoa(i)), false, kv...)
	}
	add("ORDERS", []byte("request"), false, "reply-to", "/queue/REPLIES", "correlation-id", "corr-1", "type", "OrderRequest", "expires", future, "persistent", "true")
	add("ORDERS", []byte("grouped 1"), false, "JMSXGroupID", "g-42", "JMSXGroupSeq", "1")
	add("ORDERS", []byte("grouped 2"), false, "JMSXGroupID", "g-42", "JMSXGroupSeq", "2")
	for i := range 50 {
		body := []byte{0, 1, 2, 0, byte(i), 'x', 0}
		add("ORDERS.EU", body, true, "persistent", "true", "note", "a:b\\c", "idx", strconv.Itoa(i))
	}
	add("ORDERS.EU.DE", []byte("multi\nline\r\ntext"), false, "lang", "de")
	add("SALES.AUDIT", []byte("audit"), false, "persistent", "true")
	// Not selected by the pattern below.
	p.send("/queue/BILLING", []byte("stays"), "persistent", "true")
	p.send("/queue/SALES.AUDIT.X", []byte("stays too"))
	// Dead-letter and advisory-named queues are never moved without asking.
	p.send("/queue/ActiveMQ.DLQ", []byte("dead"), "persistent", "true")
	p.send("/queue/ActiveMQ.Advisory.Odd", []byte("odd"))
	feed := adminFeed(t, src.b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Dry run: lists and counts, moves nothing.
	err, out, errOut := runMigrate(ctx, "--from", src.url(), "--to", dst.url(), "--dry-run")
	switch {
	case err == nil:
		// The broker replays existing queues to a new advisory subscriber,
		// as ActiveMQ does.
		if !hasRow(out, "ORDERS", "303") {
			t.Errorf("dry run through advisories:\n%s", out)
		}
	case !errors.Is(err, errNoAdvisories) || !strings.Contains(err.Error(), "--admin-url"):
		t.Errorf("discovery without advisories: %v\n%s%s", err, out, errOut)
	}
	for _, args := range [][]string{
		{"--admin-url", feed, "--admin-user", "admin", "--admin-password", "admin"}, // sizes from the feed
		{"--queues", "ORDERS,ORDERS.EU,ORDERS.EU.DE,SALES.AUDIT,BILLING"},           // counted by browsing
	} {
		err, out, errOut = runMigrate(ctx, append([]string{"--from", src.url(), "--to", dst.url(), "--dry-run"}, args...)...)
		if err != nil {
			t.Fatalf("dry run %v: %v\n%s%s", args, err, out, errOut)
		}
		for q, n := range map[string]int{"ORDERS": 303, "ORDERS.EU": 50, "ORDERS.EU.DE": 1, "SALES.AUDIT": 1, "BILLING": 1} {
			if !hasRow(out, q, strconv.Itoa(n)) {
				t.Errorf("dry run %v: no row %s %d:\n%s", args, q, n, out)
			}
		}
		if strings.Contains(out, "ActiveMQ.DLQ") || strings.Contains(out, "ActiveMQ.Advisory") {
			t.Errorf("dry run lists a DLQ or advisory queue:\n%s", out)
		}
	}
	if n := len(dst.b.Queues()); n != 0 {
		t.Fatalf("dry run created %d queues on the target", n)
	}
	if got := src.queueSize("ORDERS"); got != 303 {
		t.Fatalf("dry run changed the source: ORDERS holds %d", got)
	}

	// Expired before it is ever delivered: the source dead-letters it.
	p.send("/queue/ORDERS", []byte("too late"), "persistent", "true", "expires", past)

	// The move, with a pattern.
	err, out, errOut = runMigrate(ctx, "--from", src.url(), "--to", dst.url(),
		"--queues", "ORDERS.>,*.AUDIT,ActiveMQ.>", "--admin-url", feed, "--admin-user", "admin", "--admin-password", "admin",
		"--idle", "1s", "--prefetch", "16")
	if err != nil {
		t.Fatalf("migrate: %v\n%s%s", err, out, errOut)
	}
	t.Logf("stdout:\n%sstderr:\n%s", out, errOut)
	for _, skipped := range []string{"skipping ActiveMQ.DLQ: dead-letter queue", "skipping ActiveMQ.Advisory.Odd: advisory"} {
		if !strings.Contains(errOut, skipped) {
			t.Errorf("stderr lacks %q", skipped)
		}
	}
	if !hasRow(out, "TOTAL", "355") {
		t.Errorf("summary total is not 355 moved:\n%s", out)
	}

	for _, q := range []string{"ORDERS", "ORDERS.EU", "ORDERS.EU.DE", "SALES.AUDIT"} {
		src.waitQueueSize(t, q, 0)
	}
	for q, n := range map[string]int64{"BILLING": 1, "SALES.AUDIT.X": 1, "ActiveMQ.Advisory.Odd": 1} {
		if got := src.queueSize(q); got != n {
			t.Errorf("source %s holds %d, want %d (not selected)", q, got, n)
		}
	}
	if got := src.queueSize("ActiveMQ.DLQ"); got < 1 {
		t.Errorf("source DLQ holds %d", got)
	}
	for _, q := range []string{"BILLING", "SALES.AUDIT.X", "ActiveMQ.DLQ", "ActiveMQ.Advisory.Odd"} {
		if _, ok := dst.b.QueueStats(broker.QueueDest(q)); ok {
			t.Errorf("target has queue %s", q)
		}
	}

	// Every message arrived exactly once, with its headers.
	c := dialRaw(t, dst.addr, "1.2")
	got := map[string]*frame.Frame{}
	for _, q := range []string{"ORDERS", "ORDERS.EU", "ORDERS.EU.DE", "SALES.AUDIT"} {
		fs := c.drain(q, 300*time.Millisecond)
		t.Logf("drained %s: %d", q, len(fs))
		for _, f := range fs {
			seq := header(f, "seq")
			if got[seq] != nil {
				t.Fatalf("message seq=%s arrived twice", seq)
			}
			if header(f, "destination") != "/queue/"+q {
				t.Errorf("seq=%s on %s", seq, header(f, "destination"))
			}
			got[seq] = f
		}
	}
	if len(got) != len(msgs) {
		t.Fatalf("target has %d messages, want %d", len(got), len(msgs))
	}
	for i, m := range msgs {
		f := got[strconv.Itoa(i)]
		if f == nil {
			t.Fatalf("message %d (%s) missing", i, m.queue)
		}
		if string(f.Body) != string(m.body) {
			t.Errorf("message %d body %q, want %q", i, f.Body, m.body)
		}
		_, hasCL := f.Get("content-length")
		if hasCL != m.bytes {
			t.Errorf("message %d content-length present=%v, want %v (bytes message)", i, hasCL, m.bytes)
		}
		persistent := false
		for j := 0; j+1 < len(m.headers); j += 2 {
			k, v := m.headers[j], m.headers[j+1]
			switch k {
			case "content-length":
				continue
			case "persistent":
				persistent = true
			}
			if g := header(f, k); g != v {
				t.Errorf("message %d header %s=%q, want %q", i, k, g, v)
			}
		}
		if !persistent && header(f, "persistent") != "" {
			t.Errorf("message %d became persistent", i)
		}
		if header(f, OriginalIDProperty) == "" {
			t.Errorf("message %d has no %s", i, OriginalIDProperty)
		}
		if header(f, "redelivered") != "" || header(f, "receipt") != "" {
			t.Errorf("message %d carries delivery headers: %v", i, f.Headers)
		}
	}
}

// row returns the columns of the table line starting with name.
func row(out, name string) []string {
	for line := range strings.SplitSeq(out, "\n") {
		if fs := strings.Fields(line); len(fs) > 0 && fs[0] == name {
			return fs
		}
	}
	return nil
}

// hasRow reports whether the table line starting with name has cell as its
// second column.
func hasRow(out, name, cell string) bool {
	r := row(out, name)
	return len(r) >= 2 && r[1] == cell
}

// The target stops in the middle of a queue: the run fails, and every
// message is on the source or on the target (possibly both), none lost.
func TestTargetGoesAway(t *testing.T) {
	src := startBroker(t, "src", nil)
	dst := startBroker(t, "dst", nil)
	const total = 20000
	p := dialRaw(t, src.addr, "1.2")
	for i := range total {
		f := &frame.Frame{Command: frame.SEND, Body: []byte("m" + strconv.Itoa(i))}
		f.Add("destination", "/queue/BIG")
		f.Add("persistent", "true")
		f.Add("seq", strconv.Itoa(i))
		p.write(f)
	}
	p.send("/queue/BIG", []byte("last"), "seq", strconv.Itoa(total))
	src.waitQueueSize(t, "BIG", total+1)

	done := make(chan struct{})
	var err error
	var out, errOut string
	go func() {
		defer close(done)
		err, out, errOut = runMigrate(context.Background(), "--from", src.url(), "--to", dst.url(), "--queues", "BIG",
			"--idle", "2s", "--timeout", "5s", "--prefetch", "50")
	}()
	deadline := time.Now().Add(20 * time.Second)
	for dst.queueSize("BIG") < 500 {
		if time.Now().After(deadline) {
			t.Fatal("nothing reached the target")
		}
		time.Sleep(time.Millisecond)
	}
	dst.srv.Close()
	<-done
	if err == nil {
		t.Fatalf("migrate succeeded with the target gone:\n%s", out)
	}
	t.Logf("err: %v\nstdout:\n%sstderr:\n%s", err, out, errOut)
	if !strings.Contains(out, "FAILED") {
		t.Errorf("summary does not say FAILED:\n%s", out)
	}
	onTarget := dst.queueSize("BIG")
	// The migrator's source connection is gone: unacked messages are back.
	deadline = time.Now().Add(10 * time.Second)
	for inFlight(src, "BIG") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("source still has messages in flight")
		}
		time.Sleep(10 * time.Millisecond)
	}
	onSource := src.queueSize("BIG")
	if onSource == 0 || onSource > total+1 {
		t.Fatalf("source holds %d of %d", onSource, total+1)
	}
	if onSource+onTarget < total+1 {
		t.Fatalf("lost messages: %d on the source + %d on the target < %d", onSource, onTarget, total+1)
	}
	seen := map[string]bool{}
	for _, m := range src.b.Browse(broker.QueueDest("BIG"), nil, 0) {
		seen[string(m.Body)] = true
	}
	for _, m := range dst.b.Browse(broker.QueueDest("BIG"), nil, 0) {
		seen[string(m.Body)] = true
	}
	for i := range total {
		if !seen["m"+strconv.Itoa(i)] {
			t.Fatalf("message %d is on neither broker", i)
		}
	}
	if dup := onSource + onTarget - (total + 1); dup > 50 {
		t.Errorf("%d duplicates, more than the in-flight window", dup)
	}
}

func inFlight(tb *testBroker, q string) int64 {
	st, _ := tb.b.QueueStats(broker.QueueDest(q))
	return st.InFlightCount
}

// denyWrites refuses SENDs to one queue.
type denyWrites string

func (d denyWrites) Authorize(_ *broker.User, op broker.Operation, dest broker.Destination) error {
	if op == broker.OpWrite && dest.Name == string(d) {
		return fmt.Errorf("User is not authorized to write to: queue://%s", dest.Name)
	}
	return nil
}

// The target answers a SEND with an ERROR: that queue stops with the
// broker's message and stays whole on the source; the next queue moves.
func TestTargetRefuses(t *testing.T) {
	src := startBroker(t, "src", nil)
	dst := startBroker(t, "dst", denyWrites("SECRET"))
	p := dialRaw(t, src.addr, "1.2")
	for i := range 40 {
		p.send("/queue/SECRET", []byte("s"+strconv.Itoa(i)), "persistent", "true")
		p.send("/queue/OPEN", []byte("o"+strconv.Itoa(i)))
	}
	err, out, errOut := runMigrate(context.Background(), "--from", src.url(), "--to", dst.url(), "--queues", "SECRET,OPEN", "--idle", "1s")
	if err == nil {
		t.Fatalf("migrate succeeded:\n%s", out)
	}
	t.Logf("err: %v\nstdout:\n%sstderr:\n%s", err, out, errOut)
	if !strings.Contains(out, "not authorized to write") || !strings.Contains(err.Error(), "1 of 2 queue(s) failed") {
		t.Errorf("the failure does not carry the target's message:\n%s", out)
	}
	src.waitQueueSize(t, "SECRET", 40)
	src.waitQueueSize(t, "OPEN", 0)
	if got := dst.queueSize("OPEN"); got != 40 {
		t.Errorf("target OPEN holds %d", got)
	}
	if got := dst.queueSize("SECRET"); got != 0 {
		t.Errorf("target SECRET holds %d", got)
	}
}

// A non-ActiveMQ STOMP 1.1 source announcing queues in ActiveMQ's advisory
// JSON: discovery, the 1.1 ACK form, expired messages acked and skipped,
// the DLQ flag of the advisory, and a dry run that cannot browse.
func TestOtherStompSource(t *testing.T) {
	fs := startFakeSource(t)
	dst := startBroker(t, "dst", nil)
	past := strconv.FormatInt(time.Now().Add(-time.Minute).UnixMilli(), 10)
	for i := range 10 {
		fs.add("APP.IN", "id-"+strconv.Itoa(i), "body "+strconv.Itoa(i), "persistent", "true", "expires", "0", "k", "v")
	}
	fs.add("APP.IN", "id-old", "stale", "expires", past)
	fs.add("APP.DEAD", "id-d", "dead")
	fs.dlq["APP.DEAD"] = true
	fs.add("OTHER", "id-o", "other")

	err, out, errOut := runMigrate(context.Background(), "--from", fs.url(), "--to", dst.url(), "--queues", "APP.>", "--dry-run")
	if err != nil {
		t.Fatalf("dry run: %v\n%s%s", err, out, errOut)
	}
	if !hasRow(out, "APP.IN", "?") || strings.Contains(out, "APP.DEAD") || strings.Contains(out, "OTHER") {
		t.Errorf("dry run:\n%s", out)
	}
	if !strings.Contains(errOut, "skipping APP.DEAD: dead-letter queue") {
		t.Errorf("stderr: %s", errOut)
	}

	err, out, errOut = runMigrate(context.Background(), "--from", fs.url(), "--to", dst.url(), "--queues", "APP.>", "--idle", "500ms")
	if err != nil {
		t.Fatalf("migrate: %v\n%s%s", err, out, errOut)
	}
	t.Logf("stdout:\n%sstderr:\n%s", out, errOut)
	if fs.size("APP.IN") != 0 || fs.size("APP.DEAD") != 1 || fs.size("OTHER") != 1 {
		t.Errorf("source sizes after: APP.IN %d APP.DEAD %d OTHER %d", fs.size("APP.IN"), fs.size("APP.DEAD"), fs.size("OTHER"))
	}
	if r := row(out, "APP.IN"); len(r) < 3 || r[1] != "10" || r[2] != "1" {
		t.Errorf("summary should show 10 moved, 1 expired:\n%s", out)
	}
	c := dialRaw(t, dst.addr, "1.2")
	ms := c.drain("APP.IN", 300*time.Millisecond)
	if len(ms) != 10 {
		t.Fatalf("target APP.IN has %d messages", len(ms))
	}
	for i, f := range ms {
		if string(f.Body) != "body "+strconv.Itoa(i) || header(f, "k") != "v" || header(f, "persistent") != "true" ||
			header(f, OriginalIDProperty) != "id-"+strconv.Itoa(i) {
			t.Errorf("message %d: %q %v", i, f.Body, f.Headers)
		}
	}
}

// The JSON bodies ActiveMQ 5.17.2 sends on ActiveMQ.Advisory.Queue with
// transformation:jms-advisory-json, captured from Debian's activemq package
// (with xstream and jettison on its classpath), and the project broker's.
func TestParseAdvisory(t *testing.T) {
	for _, tc := range []struct {
		body string
		want advisory
		ok   bool
	}{
		{`{"DestinationInfo":{"commandId":0,"responseRequired":false,"connectionId":{"value":"ID:vm-39153-1795681776909-3:1"},"destination":{"@class":"ActiveMQQueue","string":"ORDERS.EU","null":""},"operationType":0,"timeout":0}}`,
			advisory{name: "ORDERS.EU"}, true},
		{`{"DestinationInfo":{"commandId":0,"responseRequired":false,"connectionId":{"value":"ID:vm-39153-1795681776909-3:1"},"destination":{"@class":"ActiveMQQueue","string":"ActiveMQ.DLQ","null":""},"operationType":0,"timeout":0}}`,
			advisory{name: "ActiveMQ.DLQ"}, true},
		{`{"DestinationInfo":{"commandId":3,"responseRequired":true,"connectionId":{"value":"ID:h-1-2-3:1"},"destination":{"@class":"ActiveMQQueue","string":"GONE","null":""},"operationType":1,"timeout":0}}`,
			advisory{name: "GONE", remove: true}, true},
		{`{"DestinationInfo":{"destination":{"@class":"ActiveMQQueue","string":"ActiveMQ.DLQ.Queue.X","map":{"entry":{"string":["isDLQ","true"]}}},"operationType":"0"}}`,
			advisory{name: "ActiveMQ.DLQ.Queue.X", dlq: true}, true},
		{`{"DestinationInfo":{"destination":{"@class":"ActiveMQQueue","physicalName":"PLAIN"},"operationType":0}}`,
			advisory{name: "PLAIN"}, true},
		{`{"DestinationInfo":{"destination":{"@class":"ActiveMQTempQueue","string":"ID:x-1:1:1","null":""},"operationType":0}}`,
			advisory{}, false},
		{`{"DestinationInfo":{"destination":{"@class":"ActiveMQTopic","string":"T","null":""},"operationType":0}}`,
			advisory{}, false},
		{`{"type":"Queue","operation":"add","destination":"/queue/ORDERS"}`, advisory{name: "ORDERS"}, true},
		{`{"type":"Queue","operation":"remove","destination":"/queue/ORDERS"}`, advisory{name: "ORDERS", remove: true}, true},
		{`{"type":"TempQueue","operation":"add","destination":"/remote-temp-queue/ID:x"}`, advisory{}, false},
		{`{"ConsumerInfo":{}}`, advisory{}, false},
		{`not json`, advisory{}, false},
	} {
		got, ok := parseAdvisory([]byte(tc.body))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseAdvisory(%s) = %+v, %v; want %+v, %v", tc.body, got, ok, tc.want, tc.ok)
		}
	}
}

// Discovery through the project broker's own advisories: it does not
// replay existing queues, but announces a queue created while listening.
func TestDiscoverProjectAdvisories(t *testing.T) {
	src := startBroker(t, "src", nil)
	ep, _ := parseEndpoint(src.url(), "", "")
	c, err := dialStomp(context.Background(), "source", ep, 5*time.Second, frame.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	go func() {
		time.Sleep(300 * time.Millisecond)
		src.b.AddQueue("LATE.Q")
	}()
	qs, n, err := discoverAdvisories(context.Background(), c, time.Second, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, q := range qs {
		found = found || q.name == "LATE.Q"
	}
	if !found || n == 0 {
		t.Fatalf("discovered %v (%d advisories)", qs, n)
	}
}

func TestWildcards(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{">", "A", true}, {">", "A.B.C", true},
		{"A.>", "A", true}, {"A.>", "A.B", true}, {"A.>", "A.B.C", true}, {"A.>", "AB", false},
		{"A.*", "A.B", true}, {"A.*", "A.B.C", false}, {"A.*", "A", false},
		{"*.AUDIT", "SALES.AUDIT", true}, {"*.AUDIT", "AUDIT", false},
		{"A.*.C", "A.B.C", true}, {"A.*.C", "A.B.D", false},
		{"ORDERS", "ORDERS", true}, {"ORDERS", "ORDERS.EU", false},
	} {
		if got := matchWildcard(tc.pattern, tc.name); got != tc.want {
			t.Errorf("matchWildcard(%q, %q) = %v", tc.pattern, tc.name, got)
		}
	}
	sel := parseSelection(" /queue/A, queue://B.* ,C.>,,A")
	if fmt.Sprint(sel.names) != "[A]" || fmt.Sprint(sel.patterns) != "[B.* C.>]" {
		t.Errorf("parseSelection: %+v", sel)
	}
	for name, want := range map[string]string{
		"ActiveMQ.DLQ":          "dead-letter queue (--include-dlq moves it)",
		"ActiveMQ.DLQ.Queue.X":  "dead-letter queue (--include-dlq moves it)",
		"ActiveMQ.Advisory.Foo": "advisory destination",
		"ORDERS":                "",
	} {
		if got := skipReason(name, false, false); got != want {
			t.Errorf("skipReason(%s) = %q", name, got)
		}
	}
	if skipReason("ActiveMQ.DLQ", false, true) != "" || skipReason("ActiveMQ.Advisory.X", false, true) == "" {
		t.Error("--include-dlq")
	}
}

func TestAdminFeed(t *testing.T) {
	// ActiveMQ's JSP output starts with blank lines before the declaration.
	body := "\n\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<queues>\n<queue name=\"ORDERS\">\n\n  <stats size=\"12\"\n         consumerCount=\"0\"\n         enqueueCount=\"12\"\n         dequeueCount=\"0\"/>\n\n  <feed>\n    <atom>queueBrowse/ORDERS?view=rss&amp;feedType=atom_1.0</atom>\n  </feed>\n</queue>\n<queue name=\"A&amp;B\"><stats size=\"0\"/></queue>\n</queues>\n"
	qs, err := parseAdminQueues([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 || qs[0].name != "A&B" || qs[0].size != 0 || qs[1].name != "ORDERS" || qs[1].size != 12 {
		t.Fatalf("%+v", qs)
	}
	for in, want := range map[string]string{
		"http://old:8161":                      "http://old:8161/admin/xml/queues.jsp",
		"old:8161/":                            "http://old:8161/admin/xml/queues.jsp",
		"https://old:8162/admin":               "https://old:8162/admin/xml/queues.jsp",
		"http://old:8161/admin/xml/queues.jsp": "http://old:8161/admin/xml/queues.jsp",
	} {
		if got, err := adminFeedURL(in); err != nil || got != want {
			t.Errorf("adminFeedURL(%q) = %q, %v", in, got, err)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--from", "stomp://a:1", "--to", "stomp://a:1"},
		{"--from", "http://a:1"},
		{"--from", "stomp://a:1", "--prefetch", "0"},
		{"--from", "stomp://a:1", "extra"},
	} {
		err := Run(context.Background(), args, &strings.Builder{}, &strings.Builder{})
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Run(%q) = %v, want a UsageError", args, err)
		}
	}
	// The same broker under another name.
	b := startBroker(t, "one", nil)
	_, port, _ := strings.Cut(b.addr, ":")
	err := Run(context.Background(), []string{"--from", b.url(), "--to", "stomp://localhost:" + port, "--queues", "Q"}, &strings.Builder{}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "are the same broker") {
		t.Errorf("same broker: %v", err)
	}
	var errOut strings.Builder
	if err := Run(context.Background(), []string{"--help"}, &strings.Builder{}, &errOut); err != nil || !strings.Contains(errOut.String(), "--dry-run") {
		t.Errorf("--help: %v\n%s", err, errOut.String())
	}
}

// Interrupting a run (Ctrl-C) stops after the messages in flight are
// confirmed and acked: each message is on exactly one broker.
func TestInterrupt(t *testing.T) {
	src := startBroker(t, "src", nil)
	dst := startBroker(t, "dst", nil)
	const total = 20000
	p := dialRaw(t, src.addr, "1.2")
	for i := range total {
		f := &frame.Frame{Command: frame.SEND, Body: []byte("m" + strconv.Itoa(i))}
		f.Add("destination", "/queue/WORK")
		f.Add("persistent", "true")
		p.write(f)
	}
	src.waitQueueSize(t, "WORK", total)
	p.send("/queue/LATER", []byte("not started"))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var err error
	var out, errOut string
	go func() {
		defer close(done)
		err, out, errOut = runMigrate(ctx, "--from", src.url(), "--to", dst.url(), "--queues", "WORK,LATER", "--prefetch", "200")
	}()
	deadline := time.Now().Add(20 * time.Second)
	for dst.queueSize("WORK") < 1000 {
		if time.Now().After(deadline) {
			t.Fatal("nothing reached the target")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	t.Logf("err: %v\nstdout:\n%sstderr:\n%s", err, out, errOut)
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !hasRow(out, "LATER", "0") || !strings.Contains(out, "INTERRUPTED") {
		t.Fatalf("err %v", err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for inFlight(src, "WORK") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("source still has messages in flight")
		}
		time.Sleep(10 * time.Millisecond)
	}
	onSource, onTarget := src.queueSize("WORK"), dst.queueSize("WORK")
	if onSource+onTarget != total || onSource == 0 {
		t.Fatalf("%d on the source + %d on the target, want %d with some left", onSource, onTarget, total)
	}
	if r := row(out, "WORK"); len(r) < 2 || r[1] != strconv.FormatInt(onTarget, 10) {
		t.Errorf("summary says %v moved, the target holds %d", r, onTarget)
	}
	if src.queueSize("LATER") != 1 {
		t.Error("LATER was touched")
	}
}
