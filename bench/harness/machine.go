package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func cmdOutput(name string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func (h *harness) collectMachine() {
	m := h.res.Machine
	m["nproc"] = strconv.Itoa(runtime.NumCPU())
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				f := strings.Fields(rest)
				if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
					m["ram"] = fmt.Sprintf("%.1f GiB", kb/(1<<20))
				}
			}
		}
	}
	m["kernel"] = cmdOutput("uname", "-r")
	if out := cmdOutput("df", "-hT", h.work); out != "" {
		lines := strings.Split(out, "\n")
		if len(lines) > 1 {
			f := strings.Fields(lines[len(lines)-1])
			if len(f) >= 7 {
				m["work_fs"] = fmt.Sprintf("%s (%s, %s free) at %s", f[0], f[1], f[4], h.work)
			}
		}
	}
	m["load_average_at_start"] = loadAvg()
	for _, b := range h.brokers {
		dir := h.mainDataDir(b)
		os.MkdirAll(dir, 0o755)
		m["fsync_"+b.key] = ddFsync(dir)
	}
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

var ddRe = regexp.MustCompile(`copied, ([0-9.]+) s`)

// ddFsync measures synchronous 4 KiB writes per second in dir with dd.
func ddFsync(dir string) string {
	f := filepath.Join(dir, "dd.test")
	defer os.Remove(f)
	out := cmdOutput("dd", "if=/dev/zero", "of="+f, "bs=4k", "count=2000", "oflag=dsync")
	mm := ddRe.FindStringSubmatch(out)
	if mm == nil {
		return "unknown (" + lastLines(out, 1) + ")"
	}
	secs, _ := strconv.ParseFloat(mm[1], 64)
	if secs <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f synchronous 4 KiB writes/s (dd bs=4k count=2000 oflag=dsync: %.2f s)", 2000/secs, secs)
}

func (h *harness) collectVersions() {
	v := h.res.Versions
	v["amq"] = cmdOutput(h.amqBin, "version")
	v["amq_binary"] = h.binInfo
	if pkg := cmdOutput("dpkg-query", "-W", "-f", "${Version}", "activemq"); pkg != "" {
		v["activemq_package"] = "Debian activemq " + pkg
	}
	if j := cmdOutput("java", "-version"); j != "" {
		v["java"] = strings.Join(strings.Split(j, "\n"), " / ")
	}
	v["go"] = strings.TrimPrefix(cmdOutput("go", "version"), "go version ")
	if v["go"] == "" {
		v["go"] = runtime.Version() + " (harness)"
	}
}

var amqStartRe = regexp.MustCompile(`Apache ActiveMQ ([0-9][^ ]*) \(`)

// collectLateVersions reads the version ActiveMQ reports when it starts.
func (h *harness) collectLateVersions() {
	data, err := os.ReadFile(h.activemq.logPath)
	if err != nil {
		return
	}
	if m := amqStartRe.FindSubmatch(data); m != nil {
		h.res.Versions["activemq"] = "Apache ActiveMQ " + string(m[1])
	}
}

func (h *harness) describeSettings() {
	s := []string{
		fmt.Sprintf("Runs per scenario and broker: %d, interleaved (amq, ActiveMQ, amq, ActiveMQ, ...); the table shows medians; ratio = amq / ActiveMQ.", h.runs),
		"Both brokers run at once on loopback, each in its own data directory under " + h.work + " (wiped at start).",
		"amq: `bin/amq console --config amq-bench.xml` (run from a copy of bin/amq taken at start, so a rebuild during the run changes nothing) with `<levelDB>` (store defaults), STOMP on 127.0.0.1:61813, an OpenWire connector declared on 127.0.0.1:61816, maximumConnections=20000, no destination policies.",
		"ActiveMQ: Debian's package, `java -Xms512M -Xmx512M -Dorg.apache.activemq.UseDedicatedTaskRunner=true ... -jar /usr/share/activemq/bin/activemq.jar start xbean:file:activemq.xml` as user activemq (Debian's JVM options), useJmx=false and no web console as in Debian's instance config, `<kahaDB>` at its defaults (journal synced on every persistent write), default producer flow control and memory limits, STOMP on 127.0.0.1:61713, OpenWire on 127.0.0.1:61716, maximumConnections=20000, no destination policies.",
		"Load generator: `bin/amq producer` / `bin/amq consumer --json` (one process each, one connection per thread; a process with one connection runs on one Go scheduler P, GOMAXPROCS=1, so it does not spin on the cores the brokers need, and both collect a quarter as often as Go's default, GOGC=400). Queue runs start the consumer first, then the producer (topic runs wait 1.5 s for the subscriptions); each run uses a fresh destination. The figure is the consumer's messages / its own wall time (first message to last), summed over its connections (for topics: deliveries per second).",
		"Before measuring, each broker gets an unrecorded warm-up (non-persistent and persistent queue runs) so ActiveMQ's JIT is warm.",
		"Before each throughput run the harness waits until neither broker is still busy with the previous run (at most 2 clock ticks, 20 ms, of CPU in 250 ms, read from /proc/PID/stat; 5 s at most), so no run pays for the other broker's garbage collection, JIT compilation or memory trimming.",
	}
	h.res.Settings = s
}
