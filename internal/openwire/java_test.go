package openwire

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"amq/internal/stomp/frame"
)

// The Java tests run programs under testdata/java against the stock
// ActiveMQ 5.17 client (Debian's libactivemq-java). They are skipped when no
// JDK or jars are found; AMQ_JAVA_CLASSPATH overrides the jar lookup.

func javaClasspath() (string, error) {
	if cp := os.Getenv("AMQ_JAVA_CLASSPATH"); cp != "" {
		return cp, nil
	}
	var parts []string
	for _, pattern := range []string{
		"activemq-client.jar", "geronimo-jms_1.1_spec.jar", "hawtbuf.jar", "slf4j-api.jar", "slf4j-nop.jar",
		"geronimo-j2ee-management*.jar",
	} {
		m, _ := filepath.Glob(filepath.Join("/usr/share/java", pattern))
		if len(m) == 0 {
			base := strings.TrimSuffix(pattern, ".jar")
			m, _ = filepath.Glob(filepath.Join("/usr/share/java", base+"-*.jar"))
		}
		if len(m) == 0 {
			if strings.HasPrefix(pattern, "geronimo-j2ee") {
				continue // only needed for management classes
			}
			return "", fmt.Errorf("no %s under /usr/share/java (install libactivemq-java)", pattern)
		}
		sort.Strings(m)
		parts = append(parts, m[0])
	}
	return strings.Join(parts, string(os.PathListSeparator)), nil
}

var compiled struct {
	once sync.Once
	dir  string
	cp   string
	err  error
}

// compileJava compiles testdata/java once per test binary and returns the
// classpath to run the programs with. It skips the test when Java or the
// jars are missing.
func compileJava(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"javac", "java"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping: %s not found (install a JDK)", tool)
		}
	}
	cp, err := javaClasspath()
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	compiled.once.Do(func() {
		dir, err := os.MkdirTemp("", "owjava")
		if err != nil {
			compiled.err = err
			return
		}
		compiled.dir = dir
		srcs, _ := filepath.Glob(filepath.Join("testdata", "java", "*.java"))
		args := append([]string{"-nowarn", "-d", dir, "-cp", cp}, srcs...)
		out, err := exec.Command("javac", args...).CombinedOutput()
		if err != nil {
			compiled.err = fmt.Errorf("javac: %v\n%s", err, out)
			return
		}
		compiled.cp = dir + string(os.PathListSeparator) + cp
	})
	if compiled.err != nil {
		t.Fatal(compiled.err)
	}
	return compiled.cp
}

func TestMain(m *testing.M) {
	code := m.Run()
	if compiled.dir != "" {
		os.RemoveAll(compiled.dir)
	}
	os.Exit(code)
}

// javaCmd runs a test program; quick JIT settings suit the short suite.
func javaCmd(cp, class string, args ...string) *exec.Cmd {
	return exec.Command("java", append([]string{"-Xshare:auto", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp, class}, args...)...)
}

// TestJavaClient runs OwSuite with the stock ActiveMQ client against the
// adapter and reports each of its checks as a subtest. AMQ_JAVA_CHECKS
// (comma-separated) runs only some of them.
func TestJavaClient(t *testing.T) {
	cp := compileJava(t)
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	owAuth := startOW(t, b, "127.0.0.1:0", func(o *Options) { o.Auth = oneUser{} })
	stompAddr := startStomp(t, b)

	// What the STOMP side sends before the JMS side reads it.
	sc := dialStomp(t, stompAddr)
	sc.send("SEND\ndestination:/queue/interop.s2j\ncolor:blue\ncorrelation-id:stomp-corr\npriority:6\n\nhello from st\u00f6mp\x00")
	sc.send("SEND\ndestination:/queue/interop.s2j\ncontent-length:4\n\n\x00\x01\x02\xff\x00")
	sc.send("SEND\ndestination:/queue/interop.s2j\nreply-to:/queue/interop.reply\nreceipt:r1\n\nthird\x00")
	if f := sc.read(); f.Command != frame.RECEIPT {
		t.Fatalf("STOMP: got %s", f.Command)
	}

	var only []string
	if s := os.Getenv("AMQ_JAVA_CHECKS"); s != "" {
		only = strings.Split(s, ",")
	}
	_, port, _ := strings.Cut(ow.addr, ":")
	_, authPort, _ := strings.Cut(owAuth.addr, ":")
	cmd := javaCmd(cp, "OwSuite", append([]string{port, authPort}, only...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killer := time.AfterFunc(100*time.Second, func() { cmd.Process.Kill() })
	defer killer.Stop()

	type result struct {
		name, detail string
		pass         bool
	}
	var results []result
	done := false
	sc2 := bufio.NewScanner(stdout)
	for sc2.Scan() {
		line := sc2.Text()
		switch {
		case line == "RESTART":
			// The failover check: restart the server on the same port.
			addr := ow.addr
			ow.close(t)
			time.Sleep(200 * time.Millisecond)
			ow = startOW(t, b, addr, nil)
			io.WriteString(stdin, "go\n")
		case strings.HasPrefix(line, "PASS "), strings.HasPrefix(line, "FAIL "):
			name, detail, _ := strings.Cut(line[5:], " ")
			name = strings.TrimSuffix(name, ":")
			results = append(results, result{name, detail, line[0] == 'P'})
		case line == "DONE":
			done = true
		case strings.HasPrefix(line, "INFO "):
			t.Log(line[5:])
		}
	}
	stdin.Close()
	werr := cmd.Wait()
	for _, r := range results {
		t.Run(r.name, func(t *testing.T) {
			if !r.pass {
				t.Errorf("%s", r.detail)
			} else {
				t.Logf("%s ms", r.detail)
			}
		})
	}
	if werr != nil || !done {
		t.Errorf("java suite did not finish cleanly: %v\n%s", werr, stderr.String())
	} else if t.Failed() {
		t.Logf("java stderr:\n%s", stderr.String())
	}
	if only != nil && !contains(only, "jmsToStomp") {
		return
	}

	t.Run("stompReadsJms", func(t *testing.T) {
		sc.t = t
		sc.send("SUBSCRIBE\nid:1\ndestination:/queue/interop.j2s\nack:auto\n\n\x00")
		f := sc.read()
		if f.Command != frame.MESSAGE || string(f.Body) != "hello from j\u00e9ms" {
			t.Fatalf("text: %s %q", f.Command, f.Body)
		}
		if hdr(f, "color") != "green" || hdr(f, "count") != "7" || hdr(f, "flag") != "true" {
			t.Errorf("properties as headers: %v", f.Headers)
		}
		if _, ok := f.Get("content-length"); ok {
			t.Errorf("a text message came with a content-length")
		}
		if !strings.HasPrefix(hdr(f, "message-id"), "ID:") {
			t.Errorf("message-id %q", hdr(f, "message-id"))
		}
		f = sc.read()
		if !bytes.Equal(f.Body, []byte{5, 0, 6}) || hdr(f, "content-length") != "3" {
			t.Errorf("bytes: %q %v", f.Body, f.Headers)
		}
		f = sc.read()
		var mp map[string]any
		if err := json.Unmarshal(f.Body, &mp); err != nil || mp["k"] != "v" || mp["n"] != float64(1) {
			t.Errorf("map as JSON: %q (%v)", f.Body, err)
		}
		f = sc.read()
		if want := strings.Repeat("compressible ", 200); string(f.Body) != want {
			t.Errorf("compressed text: %d bytes %q...", len(f.Body), f.Body[:min(len(f.Body), 40)])
		}
	})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestJavaBench measures the stock client sending and receiving
// non-persistent messages through one queue. It runs with
// AMQ_JAVA_BENCH=1 or when benchmarks were asked for (-bench);
// AMQ_JAVA_BENCH_N sets the message count (default 200000).
func TestJavaBench(t *testing.T) {
	if os.Getenv("AMQ_JAVA_BENCH") == "" {
		if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
			t.Skip("set AMQ_JAVA_BENCH=1 or pass -bench to run the Java benchmark")
		}
	}
	cp := compileJava(t)
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	_, port, _ := strings.Cut(ow.addr, ":")
	n := os.Getenv("AMQ_JAVA_BENCH_N")
	if n == "" {
		n = "200000"
	}
	cmd := javaCmd(cp, "OwBench", port, n, "128")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("OwBench: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(string(out), "\n") {
		var count int
		var send, e2e float64
		if _, err := fmt.Sscanf(line, "RESULT %d %f %f", &count, &send, &e2e); err == nil {
			t.Logf("%d non-persistent 128-byte messages: producer %.0f msgs/s, end to end %.0f msgs/s", count, send, e2e)
			return
		}
	}
	t.Fatalf("no RESULT line:\n%s", out)
}
