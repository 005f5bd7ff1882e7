package migrate

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"amq/internal/stomp/frame"
)

// TestFromActiveMQ moves queues out of a real ActiveMQ Classic. It runs
// only when AMQ_MIGRATE_ACTIVEMQ names its STOMP connector, e.g.
//
//	AMQ_MIGRATE_ACTIVEMQ=stomp://127.0.0.1:61613 go test -run FromActiveMQ ./internal/migrate/
//
// Discovery goes through ActiveMQ.Advisory.Queue (ActiveMQ replays the
// existing queues; it needs xstream and jettison on its classpath for
// jms-advisory-json), counting through browser:true subscriptions. The
// queues get a fresh prefix so earlier runs do not interfere.
func TestFromActiveMQ(t *testing.T) {
	url := os.Getenv("AMQ_MIGRATE_ACTIVEMQ")
	if url == "" {
		t.Skip("AMQ_MIGRATE_ACTIVEMQ is not set")
	}
	ep, err := parseEndpoint(url, os.Getenv("AMQ_MIGRATE_ACTIVEMQ_USER"), os.Getenv("AMQ_MIGRATE_ACTIVEMQ_PASSWORD"))
	if err != nil {
		t.Fatal(err)
	}
	dst := startBroker(t, "dst", nil)
	prefix := "MIG" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	p := dialRaw(t, ep.addr, "1.2")
	future := strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
	const n = 2000
	for i := range n {
		kv := []string{"seq", strconv.Itoa(i), "priority", strconv.Itoa(i % 10), "customer", "c" + strconv.Itoa(i%7)}
		if i%2 == 0 {
			kv = append(kv, "persistent", "true")
		}
		p.send("/queue/"+prefix+".ORDERS", []byte("order "+strconv.Itoa(i)), kv...)
	}
	p.send("/queue/"+prefix+".ORDERS", []byte("request"), "seq", "req", "reply-to", "/queue/REPLIES", "correlation-id", "corr-1",
		"type", "OrderRequest", "expires", future, "persistent", "true", "note", "a:b\\c")
	bin := []byte{0, 1, 2, 0, 'x', 0}
	p.send("/queue/"+prefix+".BYTES", bin, "seq", "bin", "content-length", strconv.Itoa(len(bin)), "persistent", "true")
	p.send("/queue/"+prefix+".DLQ", []byte("dead"), "seq", "dead")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pattern := prefix + ".>"
	err, out, errOut := runMigrate(ctx, "--from", url, "--to", dst.url(), "--queues", pattern, "--dry-run")
	t.Logf("dry run: %v\n%s%s", err, out, errOut)
	if err != nil || !hasRow(out, prefix+".ORDERS", strconv.Itoa(n+1)) || !hasRow(out, prefix+".BYTES", "1") || strings.Contains(out, prefix+".DLQ") {
		t.Fatalf("dry run against ActiveMQ")
	}

	err, out, errOut = runMigrate(ctx, "--from", url, "--to", dst.url(), "--queues", pattern, "--idle", "1s")
	t.Logf("migrate: %v\n%s%s", err, out, errOut)
	if err != nil || !hasRow(out, "TOTAL", strconv.Itoa(n+2)) {
		t.Fatal("migrate from ActiveMQ")
	}
	// Nothing left on ActiveMQ but the DLQ-named queue.
	err, out, _ = runMigrate(ctx, "--from", url, "--to", dst.url(), "--queues", pattern, "--dry-run", "--include-dlq")
	if err != nil || !hasRow(out, prefix+".ORDERS", "0") || !hasRow(out, prefix+".BYTES", "0") || !hasRow(out, prefix+".DLQ", "1") {
		t.Fatalf("after the move:\n%s", out)
	}

	c := dialRaw(t, dst.addr, "1.2")
	got := map[string]*frame.Frame{}
	for _, q := range []string{"ORDERS", "BYTES"} {
		for _, f := range c.drain(prefix+"."+q, 500*time.Millisecond) {
			seq := header(f, "seq")
			if got[seq] != nil {
				t.Fatalf("seq %s twice", seq)
			}
			got[seq] = f
		}
	}
	if len(got) != n+2 {
		t.Fatalf("target has %d messages, want %d", len(got), n+2)
	}
	for i := range n {
		f := got[strconv.Itoa(i)]
		if f == nil {
			t.Fatalf("message %d missing", i)
		}
		if string(f.Body) != "order "+strconv.Itoa(i) || header(f, "customer") != "c"+strconv.Itoa(i%7) ||
			header(f, "priority") != strconv.Itoa(i%10) || (header(f, "persistent") == "true") != (i%2 == 0) ||
			!strings.HasPrefix(header(f, OriginalIDProperty), "ID:") {
			t.Errorf("message %d: %q %v", i, f.Body, f.Headers)
		}
		if _, ok := f.Get("content-length"); ok {
			t.Errorf("text message %d became a bytes message", i)
		}
	}
	r := got["req"]
	for k, v := range map[string]string{"reply-to": "/queue/REPLIES", "correlation-id": "corr-1", "type": "OrderRequest", "expires": future, "persistent": "true", "note": "a:b\\c"} {
		if header(r, k) != v {
			t.Errorf("request %s=%q, want %q", k, header(r, k), v)
		}
	}
	b := got["bin"]
	if string(b.Body) != string(bin) || header(b, "content-length") != strconv.Itoa(len(bin)) {
		t.Errorf("bytes message: %q %v", b.Body, b.Headers)
	}
}
