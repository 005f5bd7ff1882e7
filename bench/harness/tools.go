package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// summary is the --json output of `amq producer` and `amq consumer`.
type summary struct {
	Messages int64   `json:"messages"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"rate"`
	MBps     float64 `json:"mbps"`
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
	P999us   float64 `json:"p999_us"`
	MaxUs    float64 `json:"max_us"`
	Errors   int     `json:"errors"`
}

// toolRun is a started `amq producer` or `amq consumer`.
type toolRun struct {
	name   string
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
	start  time.Time
	done   chan struct{}
	err    error
	wall   time.Duration
	cancel context.CancelFunc
}

func startTool(ctx context.Context, amqBin string, timeout time.Duration, tool string, args ...string) (*toolRun, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t := &toolRun{name: tool, done: make(chan struct{}), cancel: cancel}
	t.cmd = exec.CommandContext(ctx, amqBin, append([]string{tool, "--json"}, args...)...)
	t.cmd.Stdout = &t.stdout
	t.cmd.Stderr = &t.stderr
	t.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	t.cmd.WaitDelay = 5 * time.Second
	t.start = time.Now()
	if err := t.cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		t.err = t.cmd.Wait()
		t.wall = time.Since(t.start)
		if ctx.Err() == context.DeadlineExceeded {
			t.err = fmt.Errorf("timed out after %s", timeout)
		}
		cancel()
		close(t.done)
	}()
	return t, nil
}

// wait waits for the tool and parses its summary; a summary is returned
// even when the tool failed, if it printed one.
func (t *toolRun) wait() (*summary, error) {
	<-t.done
	var s *summary
	lines := strings.Split(strings.TrimSpace(t.stdout.String()), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "{") {
			var v summary
			if json.Unmarshal([]byte(l), &v) == nil {
				s = &v
				break
			}
		}
	}
	if t.err != nil {
		return s, fmt.Errorf("%s: %v: %s", t.name, t.err, lastLines(t.stderr.String(), 5))
	}
	if s == nil {
		return nil, fmt.Errorf("%s printed no JSON summary: %s", t.name, lastLines(t.stdout.String()+t.stderr.String(), 5))
	}
	return s, nil
}

func (t *toolRun) kill() {
	t.cancel()
	<-t.done
}

func runTool(ctx context.Context, amqBin string, timeout time.Duration, tool string, args ...string) (*summary, error) {
	t, err := startTool(ctx, amqBin, timeout, tool, args...)
	if err != nil {
		return nil, err
	}
	return t.wait()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// producerArgs builds `amq producer` options.
type producerSpec struct {
	url        string
	dest       string
	count      int // per thread
	threads    int
	size       int
	persistent bool
	receipts   bool
	window     int
	sleepMs    int
	rate       float64 // --rate: messages per second in all; 0 = unpaced
}

func (p producerSpec) args() []string {
	a := []string{
		"--brokerUrl", p.url,
		"--destination", p.dest,
		"--messageCount", strconv.Itoa(p.count),
		"--parallelThreads", strconv.Itoa(max(p.threads, 1)),
		"--messageSize", strconv.Itoa(p.size),
		"--persistent=" + strconv.FormatBool(p.persistent),
		"--receipts=" + strconv.FormatBool(p.receipts),
	}
	if p.window > 1 {
		a = append(a, "--window", strconv.Itoa(p.window))
	}
	if p.sleepMs > 0 {
		a = append(a, "--sleep", strconv.Itoa(p.sleepMs))
	}
	if p.rate > 0 {
		a = append(a, "--rate", strconv.FormatFloat(p.rate, 'f', 0, 64))
	}
	return a
}

type consumerSpec struct {
	url       string
	dest      string
	count     int // per thread; on a queue the total is threads x count
	threads   int
	ack       string
	timeoutMs int
	prefetch  int
}

func (c consumerSpec) args() []string {
	a := []string{
		"--brokerUrl", c.url,
		"--destination", c.dest,
		"--messageCount", strconv.Itoa(c.count),
		"--parallelThreads", strconv.Itoa(max(c.threads, 1)),
	}
	if c.ack != "" {
		a = append(a, "--ackMode", c.ack)
	}
	if c.timeoutMs > 0 {
		a = append(a, "--receiveTimeout", strconv.Itoa(c.timeoutMs))
	}
	if c.prefetch > 0 {
		a = append(a, "--prefetch", strconv.Itoa(c.prefetch))
	}
	return a
}

// javaResult is BenchJms's output.
type javaResult struct {
	Sent        int64   `json:"sent"`
	SendSeconds float64 `json:"send_seconds"`
	SendRate    float64 `json:"send_rate"`
	Received    int64   `json:"received"`
	RecvSeconds float64 `json:"receive_seconds"`
	RecvRate    float64 `json:"receive_rate"`
}

const javaClasspath = "/usr/share/java/activemq-client.jar:/usr/share/java/geronimo-jms_1.1_spec.jar:/usr/share/java/geronimo-j2ee-management-1.1-spec.jar:/usr/share/java/hawtbuf.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar"

// compileJava compiles bench/java/BenchJms.java into dir.
func compileJava(ctx context.Context, src, dir string) error {
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(cctx, "javac", "-d", dir, "-cp", javaClasspath, src).CombinedOutput()
	if err != nil {
		return fmt.Errorf("javac: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func runJava(ctx context.Context, classDir string, timeout time.Duration, url, queue string, count, size int, persistent bool) (*javaResult, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, "java", "-Xmx256m", "-cp", classDir+":"+javaClasspath, "BenchJms",
		url, queue, strconv.Itoa(count), strconv.Itoa(size), strconv.FormatBool(persistent))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	var r *javaResult
	for _, l := range strings.Split(stdout.String(), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "{") {
			var v javaResult
			if json.Unmarshal([]byte(l), &v) == nil {
				r = &v
			}
		}
	}
	if cctx.Err() == context.DeadlineExceeded {
		return r, fmt.Errorf("java client timed out after %s", timeout)
	}
	if err != nil {
		return r, fmt.Errorf("java client: %v: %s", err, lastLines(stderr.String(), 5))
	}
	if r == nil {
		return nil, fmt.Errorf("java client printed no result: %s", lastLines(stdout.String()+stderr.String(), 5))
	}
	return r, nil
}
