package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestReadFrame(t *testing.T) {
	in := "\n\r\nMESSAGE\ndestination:/queue/a\ncontent-length:3\nsubscription:1\n\na\x00b\x00" +
		"RECEIPT\nreceipt-id:7\n\n\x00"
	r := bufio.NewReader(strings.NewReader(in))
	f, err := readFrame(r)
	if err != nil {
		t.Fatal(err)
	}
	if f.cmd != "MESSAGE" || string(f.body) != "a\x00b" || f.hdr["subscription"] != "1" {
		t.Fatalf("got %q %q %v", f.cmd, f.body, f.hdr)
	}
	f, err = readFrame(r)
	if err != nil {
		t.Fatal(err)
	}
	if f.cmd != "RECEIPT" || f.hdr["receipt-id"] != "7" || len(f.body) != 0 {
		t.Fatalf("got %q %q %v", f.cmd, f.body, f.hdr)
	}
}

func TestSkipFrame(t *testing.T) {
	big := strings.Repeat("x", 10000)
	in := "SEND\ndestination:/queue/a\nreceipt:r1\n\n" + big + "\x00\n" +
		"SEND\ncontent-length:4\ndestination:/queue/a\n\nab\x00c\x00" +
		"DISCONNECT\nreceipt:bye\n\n\x00"
	r := bufio.NewReaderSize(strings.NewReader(in), 64)
	want := []struct{ cmd, receipt string }{{"SEND", "r1"}, {"SEND", ""}, {"DISCONNECT", "bye"}}
	for _, w := range want {
		cmd, receipt, err := skipFrame(r)
		if err != nil {
			t.Fatal(err)
		}
		if cmd != w.cmd || receipt != w.receipt {
			t.Fatalf("got %q %q, want %q %q", cmd, receipt, w.cmd, w.receipt)
		}
	}
}

func TestMedianAndFormat(t *testing.T) {
	if m, _ := median([]float64{3, 1, 2}); m != 2 {
		t.Fatalf("median = %v", m)
	}
	if m, _ := median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Fatalf("median = %v", m)
	}
	if _, ok := median(nil); ok {
		t.Fatal("median of nothing")
	}
	for in, want := range map[float64]string{1234567: "1,234,567", 999: "999", 12.34: "12.3", 1.234: "1.23"} {
		if got := fmtVal(in, ""); got != want {
			t.Errorf("fmtVal(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestTargets(t *testing.T) {
	h := &harness{res: newResults(false, 3)}
	h.res.defRow("throughput", "q11_np_1k", "queue 1 KB", "msgs/s", true, true)
	h.res.defRow("throughput", "q_p_rcpt_1", "persistent, 1 producer", "msgs/s", true, true)
	h.res.defRow("latency", "lat_p99", "p99", "us", false, false)
	h.res.defRow("startup", "cold_first", "cold start", "ms", false, false)
	for _, v := range []float64{300, 310, 320} {
		h.res.add("q11_np_1k", "amq", v)
		h.res.add("q11_np_1k", "activemq", 100)
		h.res.add("q_p_rcpt_1", "amq", v/100)
		h.res.add("q_p_rcpt_1", "activemq", 2)
		h.res.add("lat_p99", "amq", 30)
		h.res.add("lat_p99", "activemq", 100)
		h.res.add("cold_first", "amq", 20)
		h.res.add("cold_first", "activemq", 1000)
	}
	h.res.finish()
	got := h.targetsSection()
	for _, want := range []string{
		"| non-persistent queue at least 3x | queue 1 KB | 3.10x | yes |",
		"| persistent with receipts at least 2x at every producer count | persistent, 1 producer | 1.55x | **no** |",
		"| p99 latency at 50% load at most a third | p99 | 0.30 | yes |",
		"| cold start under 100 ms | cold start | 20.0 ms | yes |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "topic fan-out") {
		t.Errorf("a target without measured rows is listed:\n%s", got)
	}
}

// The relay hands each SEND to the destination's subscriber as a MESSAGE
// with the body intact (one longer than its read buffer too), and answers
// receipts.
func TestRelay(t *testing.T) {
	r, err := startRelay()
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	ctx := context.Background()
	cons, err := rawConnect(ctx, r.addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cons.close()
	if err := cons.send("SUBSCRIBE\nid:s1\ndestination:/queue/x\nreceipt:sub\n\n\x00"); err != nil {
		t.Fatal(err)
	}
	cons.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if f, err := readFrame(cons.r); err != nil || f.cmd != "RECEIPT" || f.hdr["receipt-id"] != "sub" {
		t.Fatalf("SUBSCRIBE receipt: %v %v", f, err)
	}
	prod, err := rawConnect(ctx, r.addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.close()
	big := strings.Repeat("0123456789abcdef", (relayBuffer+1000)/16)
	bodies := []string{"hello", "with\x00nul", big, ""}
	var sends strings.Builder
	for i, b := range bodies {
		fmt.Fprintf(&sends, "SEND\ndestination:/queue/x\ncontent-length:%d\n\n%s\x00\n", len(b), b)
		if i == 0 {
			sends.WriteString("SEND\ndestination:/queue/nobody\n\ndropped\x00")
		}
	}
	sends.WriteString("SEND\ndestination:/queue/x\nreceipt:last\n\nno length\x00")
	go prod.send(sends.String())
	for i, want := range append(bodies, "no length") {
		cons.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		f, err := readFrame(cons.r)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if f.cmd != "MESSAGE" || f.hdr["subscription"] != "s1" || f.hdr["destination"] != "/queue/x" || f.hdr["message-id"] == "" {
			t.Fatalf("message %d: %s %v", i, f.cmd, f.hdr)
		}
		if string(f.body) != want {
			t.Fatalf("message %d: body of %d bytes, want %d", i, len(f.body), len(want))
		}
	}
	prod.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if f, err := readFrame(prod.r); err != nil || f.cmd != "RECEIPT" || f.hdr["receipt-id"] != "last" {
		t.Fatalf("SEND receipt: %v %v", f, err)
	}
}

func TestParseRelayFrame(t *testing.T) {
	for _, c := range []struct {
		name, in   string
		whole      bool
		cmd, body  string
		dest, rcpt string
		end        int
		bad        bool
	}{
		{name: "LF", in: "\nSEND\ndestination:/queue/a\ncontent-length:2\n\nhi\x00rest", whole: true, cmd: "SEND", body: "hi", dest: "/queue/a", end: 48},
		{name: "CRLF", in: "SEND\r\ndestination:/queue/a\r\nreceipt:r\r\n\r\nhi\x00", whole: true, cmd: "SEND", body: "hi", dest: "/queue/a", rcpt: "r", end: 44},
		{name: "no headers", in: "DISCONNECT\n\n\x00", whole: true, cmd: "DISCONNECT", end: 13},
		{name: "headers cut", in: "SEND\ndestination:/qu", end: 0},
		{name: "CR of the blank line only", in: "SEND\ndestination:/queue/a\n\r", end: 0},
		{name: "body cut", in: "SEND\ncontent-length:5\n\nab", end: 0},
		{name: "NUL not yet read", in: "SEND\ncontent-length:2\n\nab", end: 0},
		{name: "huge content-length", in: "SEND\ncontent-length:9223372036854775807\n\nab", end: 0},
		{name: "no NUL after the body", in: "SEND\ncontent-length:1\n\nab", bad: true},
	} {
		f, err := parseRelayFrame([]byte(c.in))
		if (err != nil) != c.bad {
			t.Errorf("%s: err %v", c.name, err)
			continue
		}
		if c.bad {
			continue
		}
		if f.whole != c.whole || (c.whole && (string(f.cmd) != c.cmd || string(f.body) != c.body ||
			string(f.dest) != c.dest || string(f.rcpt) != c.rcpt || f.end != c.end)) {
			t.Errorf("%s: got whole=%v cmd=%q body=%q dest=%q rcpt=%q end=%d", c.name, f.whole, f.cmd, f.body, f.dest, f.rcpt, f.end)
		}
	}
}

// cpuMeter reads a broker process's CPU time, and nothing for a broker with
// no process of its own or one that was replaced during the measurement.
func TestCPUMeter(t *testing.T) {
	if _, ok := cpuMeter(&broker{})(); ok {
		t.Fatal("CPU time of a broker with no process")
	}
	// burn starts a shell that spends some CPU time (a few tenths of a
	// second), says so and then waits to be killed; busy returns when the
	// spending is over.
	burn := func() (c *exec.Cmd, busy func()) {
		c = exec.Command("sh", "-c", `i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo done; exec sleep 60`)
		out, err := c.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		return c, func() {
			if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
				t.Fatalf("shell loop: %v", err)
			}
		}
	}
	cmd, busy := burn()
	b := &broker{cmd: cmd}
	start := time.Now()
	meter := cpuMeter(b)
	busy()
	used, ok := meter()
	wall := time.Since(start)
	if !ok {
		t.Fatal("no CPU time for a running process")
	}
	if used < 50*time.Millisecond || used > wall+clockTick {
		t.Fatalf("CPU time %v in %v of a shell loop", used, wall)
	}
	b.mu.Lock()
	b.cmd, _ = burn()
	b.mu.Unlock()
	if _, ok := meter(); ok {
		t.Fatal("CPU time across a restart of the broker")
	}
}
