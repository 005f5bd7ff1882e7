package e2e

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rssKB reads a process's resident set size.
func rssKB(t *testing.T, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestBacklogBoundedMemory queues far more persistent messages than the
// destination's memory limit holds: the broker's memory stays bounded and
// everything drains in order, across a restart too.
func TestBacklogBoundedMemory(t *testing.T) {
	n := 200000
	if os.Getenv("AMQ_LONG") != "" {
		n = 1000000
	}
	const size = 1024
	cfg := `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="backlog" dataDirectory="${activemq.data}">
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue=">" memoryLimit="1mb"/>
    </policyEntries></policyMap></destinationPolicy>
    <persistenceAdapter><levelDB directory="${activemq.data}/leveldb"/></persistenceAdapter>
    <transportConnectors><transportConnector name="stomp" uri="stomp://127.0.0.1:0"/></transportConnectors>
  </broker>
</beans>`
	dir := t.TempDir()
	p := startBroker(t, cfg, dir)
	base := rssKB(t, p.cmd.Process.Pid)
	c, err := dialStomp(p.addr("stomp"))
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", size-8)
	// Pipelined sends with a receipt on every 500th: the broker answers in order.
	go func() {
		for i := 0; i < n; i++ {
			r := ""
			if i%500 == 499 || i == n-1 {
				r = "receipt:" + strconv.Itoa(i) + "\n"
			}
			if c.write(fmt.Sprintf("SEND\ndestination:/queue/backlog\npersistent:true\n%scontent-length:%d\n\n%08d%s\x00", r, size, i, pad)) != nil {
				return
			}
		}
	}()
	for {
		c.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
		f, err := c.next()
		if err != nil {
			t.Fatalf("waiting for receipts: %v", err)
		}
		if id, _ := f.Get("receipt-id"); id == strconv.Itoa(n-1) {
			break
		}
	}
	c.nc.Close()
	// The broker gives freed pages back after ten quiet seconds (its
	// trimmer); until then they may still count.
	var full int64
	for deadline := time.Now().Add(20 * time.Second); ; {
		full = rssKB(t, p.cmd.Process.Pid)
		if full-base <= int64(n*size/1024)/2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("RSS: %d KB idle, %d KB with %d x %d B queued (%d MB of messages)", base, full, n, size, n*size>>20)
	if grow := full - base; grow > int64(n*size/1024)/2 {
		t.Fatalf("RSS grew by %d KB for %d KB of queued messages: the backlog is held in memory", grow, n*size/1024)
	}
	// Restart, then drain in order.
	p.stop()
	p = startBroker(t, cfg, dir)
	c, err = dialStomp(p.addr("stomp"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.nc.Close()
	c.write("SUBSCRIBE\nid:d\ndestination:/queue/backlog\nack:auto\n\n\x00")
	start := time.Now()
	maxRSS := int64(0)
	for i := 0; i < n; i++ {
		c.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
		f, err := c.next()
		if err != nil {
			t.Fatalf("drain stopped at %d: %v", i, err)
		}
		if got := string(f.Body[:8]); got != fmt.Sprintf("%08d", i) {
			t.Fatalf("message %d out of order: got %s", i, got)
		}
		if i%10000 == 0 {
			if r := rssKB(t, p.cmd.Process.Pid); r > maxRSS {
				maxRSS = r
			}
		}
	}
	el := time.Since(start)
	t.Logf("drained %d after restart in %s (%.0f msgs/s), peak RSS %d KB", n, el.Round(time.Millisecond), float64(n)/el.Seconds(), maxRSS)
	if maxRSS > int64(n*size/1024)/2+base {
		t.Fatalf("RSS %d KB while draining", maxRSS)
	}
}
