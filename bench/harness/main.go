// Command harness compares amq with Apache ActiveMQ 5.17 (Debian's package)
// on the same STOMP workloads, driven by `amq producer` and `amq consumer`,
// and writes bench/RESULTS.md, bench/results.json and bench/results.png.
// bench/compare.sh installs what it needs and runs it.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

type harness struct {
	amqBin  string
	work    string
	out     string
	javaSrc string
	quick   bool
	runs    int
	only    map[string]bool

	res      *results
	ours     *broker
	activemq *broker
	brokers  []*broker

	runTimeout time.Duration
	binInfo    string
	seq        int
	t0         time.Time
	runID      string
}

var groups = []string{"ceiling", "grid", "latency", "java", "idle", "backlog", "cold"}

func main() {
	h := &harness{}
	flag.StringVar(&h.amqBin, "amq", "bin/amq", "the amq binary")
	flag.StringVar(&h.work, "work", "/tmp/amq-bench", "work directory: broker data, logs, configs (wiped of old data at start)")
	flag.StringVar(&h.out, "out", "bench", "where RESULTS.md, results.json and results.png go")
	flag.StringVar(&h.javaSrc, "java", "bench/java/BenchJms.java", "the OpenWire client program")
	flag.BoolVar(&h.quick, "quick", false, "one pass of the core scenarios with smaller counts; writes RESULTS-quick.md, results-quick.json, results-quick.png")
	flag.IntVar(&h.runs, "runs", 0, "runs per scenario and broker (default 5, or 1 with -quick)")
	only := flag.String("only", "", "comma-separated groups to run: "+strings.Join(groups, ","))
	flag.Parse()
	if h.runs <= 0 {
		h.runs = 5 // medians of five: the machine is shared and noisy
		if h.quick {
			h.runs = 1
		}
	}
	h.only = map[string]bool{}
	for _, g := range strings.Split(*only, ",") {
		if g = strings.TrimSpace(g); g != "" {
			h.only[g] = true
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := h.main(ctx)
	stop()
	os.Exit(code)
}

func (h *harness) want(group string) bool { return len(h.only) == 0 || h.only[group] }

func (h *harness) logf(format string, args ...any) {
	el := time.Since(h.t0).Round(time.Second)
	fmt.Fprintf(os.Stderr, "[%02d:%02d] %s\n", int(el.Minutes()), int(el.Seconds())%60, fmt.Sprintf(format, args...))
}

func (h *harness) main(ctx context.Context) int {
	h.t0 = time.Now()
	h.runID = time.Now().Format("150405")
	h.res = newResults(h.quick, h.runs)
	h.runTimeout = 3 * time.Minute
	if h.quick {
		h.runTimeout = 2 * time.Minute
	}
	raiseNoFile()

	if err := h.prepare(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	defer h.stopAll()

	code := 0
	if err := h.runAll(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "\nbench: %v\n", err)
		h.res.addNote("The run stopped early: %v", firstLine(err.Error()))
		code = 1
	}
	h.stopAll()
	if !h.res.hasData() {
		fmt.Fprintln(os.Stderr, "bench: nothing was measured; the results files are left as they were")
		return 1
	}
	if err := h.report(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: writing results: %v\n", err)
		code = 1
	}
	h.logf("done in %s", time.Since(h.t0).Round(time.Second))
	return code
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func (h *harness) prepare() error {
	// Old data from an earlier run would change what the brokers recover.
	for _, d := range []string{"amq", "activemq", "pids", "java", "bin"} {
		os.RemoveAll(filepath.Join(h.work, d))
	}
	if err := h.snapshotBinary(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(h.work, "pids"), 0o755); err != nil {
		return err
	}
	need := int64(6 << 30)
	if h.quick {
		need = 2 << 30
	}
	if free, err := freeBytes(h.work); err == nil && free < need {
		return fmt.Errorf("only %.1f GB free under %s; the benchmark needs %.0f GB", float64(free)/1e9, h.work, float64(need)/(1<<30))
	}
	var err error
	if h.ours, err = newAmqBroker(h.work, h.amqBin); err != nil {
		return err
	}
	if h.activemq, err = newActiveMQBroker(h.work); err != nil {
		return err
	}
	h.brokers = []*broker{h.ours, h.activemq}
	h.collectMachine()
	h.collectVersions()
	h.describeSettings()
	return nil
}

func (h *harness) stopAll() {
	for _, b := range h.brokers {
		if b != nil {
			b.stop(20 * time.Second)
		}
	}
}

func (h *harness) mainDataDir(b *broker) string { return filepath.Join(b.home, "data") }

// startMain starts b on its main data directory and waits for STOMP.
func (h *harness) startMain(ctx context.Context, b *broker) error {
	if b.running() {
		return nil
	}
	for _, addr := range []string{b.stompAddr, b.openwireAddr} {
		if portOpen(addr) {
			return fmt.Errorf("%s is already in use before %s starts: another broker (an earlier run?) holds it", addr, b.label)
		}
	}
	if err := b.start(h.mainDataDir(b)); err != nil {
		return err
	}
	if err := b.waitPort(ctx, b.stompAddr, 120*time.Second); err != nil {
		b.kill()
		if b == h.activemq {
			return fmt.Errorf("ActiveMQ failed to start: %w", err)
		}
		return err
	}
	return nil
}

func (h *harness) runAll(ctx context.Context) error {
	if h.want("ceiling") {
		h.logf("measuring the load generator's ceiling against in-harness STOMP servers")
		h.measureCeiling(ctx)
	}
	needBrokers := false
	for _, g := range groups[1:] {
		needBrokers = needBrokers || h.want(g)
	}
	if !needBrokers {
		return nil
	}
	for _, b := range h.brokers {
		h.logf("starting %s", b.label)
		t := time.Now()
		if err := h.startMain(ctx, b); err != nil {
			return err
		}
		h.logf("%s listening on %s after %s", b.label, b.stompAddr, time.Since(t).Round(time.Millisecond))
	}
	h.collectLateVersions()
	if h.want("grid") || h.want("latency") {
		h.warmup(ctx)
	}
	steps := []struct {
		group string
		fn    func(context.Context) error
	}{
		{"grid", h.runGrid},
		{"latency", h.runLatency},
		{"java", h.runJava},
		{"idle", h.runIdle},
		{"backlog", h.runBacklog},
		{"cold", h.runColdStart},
	}
	for _, s := range steps {
		if !h.want(s.group) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.group, err)
		}
	}
	return ctx.Err()
}

// ensureUp restarts a broker that stopped during a scenario, noting it on
// the scenario's row.
func (h *harness) ensureUp(ctx context.Context, b *broker, key string) error {
	if b.running() {
		return nil
	}
	why := "exited"
	if strings.Contains(lastSection(b.logPath), "shutting down") {
		why = "shut down on a SIGTERM/SIGINT from outside the harness"
	}
	h.logf("%s %s: restarting it\n%s", b.label, why, b.logTail(10))
	h.res.note(key, "%s %s during this scenario and was restarted", b.label, why)
	h.res.addNote("%s %s during %s and was restarted; the run in progress is lost or marked in its row.", b.label, why, key)
	b.stop(time.Second)
	return h.startMain(ctx, b)
}

// watch returns a context that ends when b's process exits, so a run does
// not wait out its timeout on a dead broker.
func (h *harness) watch(ctx context.Context, b *broker) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	b.mu.Lock()
	ex := b.exited
	b.mu.Unlock()
	if ex != nil {
		go func() {
			select {
			case <-ex:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}

// lastSection returns the part of a broker log written since its last start.
func lastSection(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := string(data)
	if i := strings.LastIndex(s, "\n==== "); i >= 0 {
		s = s[i:]
	}
	return s
}

// snapshotBinary copies the amq binary into the work directory: bin/amq may
// be rebuilt while the benchmark runs, and every start must run the same one.
// The copy's name keeps it out of the way of `killall amq` or `pkill amq`
// that other work on a shared machine may run.
func (h *harness) snapshotBinary() error {
	src, err := os.ReadFile(h.amqBin)
	if err != nil {
		return fmt.Errorf("%s: %w (run make build first)", h.amqBin, err)
	}
	dir := filepath.Join(h.work, "bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dst := filepath.Join(dir, "bench-broker")
	if err := os.WriteFile(dst, src, 0o755); err != nil {
		return err
	}
	sum := sha256.Sum256(src)
	h.binInfo = fmt.Sprintf("%s (sha256 %x, copied from %s)", dst, sum[:6], h.amqBin)
	h.amqBin = dst
	return nil
}

func (h *harness) queueName(kind, scen string, b *broker, run int) string {
	h.seq++
	return fmt.Sprintf("%s://bench.%s.%s.%s.r%d.%d", kind, scen, b.key, h.runID, run, h.seq)
}

func raiseNoFile() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}

func freeBytes(dir string) (int64, error) {
	os.MkdirAll(dir, 0o755)
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
