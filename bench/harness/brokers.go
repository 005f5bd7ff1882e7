package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// broker is one of the two brokers under test, run as a child process.
type broker struct {
	key   string // "amq" or "activemq"
	label string

	stompAddr    string
	openwireAddr string
	home         string // the broker's own directory under the work dir
	dataDir      string // current data directory
	logPath      string

	// command builds the process for a data directory.
	command func(dataDir string) *exec.Cmd
	// subscribed, where the harness can see inside (the relay), reports
	// whether a STOMP destination ("/queue/NAME") has its subscriber yet.
	subscribed func(dest string) bool

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
	pidFile string
}

// start launches the broker on dataDir without waiting for its ports.
func (b *broker) start(dataDir string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		return fmt.Errorf("%s already running", b.label)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	b.dataDir = dataDir
	logf, err := os.OpenFile(b.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "\n==== %s start %s (data %s)\n", b.label, time.Now().Format(time.RFC3339Nano), dataDir)
	cmd := b.command(dataDir)
	cmd.Stdout = logf
	cmd.Stderr = logf
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", b.label, err)
	}
	b.cmd = cmd
	b.exited = make(chan struct{})
	b.exitErr = nil
	if b.pidFile != "" {
		os.WriteFile(b.pidFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644)
	}
	exited := b.exited
	go func() {
		err := cmd.Wait()
		logf.Close()
		b.mu.Lock()
		b.exitErr = err
		b.mu.Unlock()
		close(exited)
	}()
	return nil
}

func (b *broker) pid() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return 0
	}
	return b.cmd.Process.Pid
}

func (b *broker) running() bool {
	b.mu.Lock()
	ex := b.exited
	b.mu.Unlock()
	if ex == nil {
		return false
	}
	select {
	case <-ex:
		return false
	default:
		return true
	}
}

// waitPort waits until addr accepts connections, polling every 2 ms, and
// fails early when the process exits.
func (b *broker) waitPort(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	b.mu.Lock()
	ex := b.exited
	b.mu.Unlock()
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ex:
			b.mu.Lock()
			exitErr := b.exitErr
			b.mu.Unlock()
			return fmt.Errorf("%s exited before opening %s (%v)\n%s", b.label, addr, exitErr, b.logTail(40))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not open %s within %s\n%s", b.label, addr, timeout, b.logTail(40))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stop ends the broker: SIGTERM, then SIGKILL after grace.
func (b *broker) stop(grace time.Duration) {
	b.signal(syscall.SIGTERM, grace)
}

// kill ends the broker with SIGKILL, as a crash would.
func (b *broker) kill() {
	b.signal(syscall.SIGKILL, 10*time.Second)
}

func (b *broker) signal(sig syscall.Signal, grace time.Duration) {
	b.mu.Lock()
	cmd, ex := b.cmd, b.exited
	b.mu.Unlock()
	if cmd == nil {
		return
	}
	pgid := cmd.Process.Pid
	syscall.Kill(-pgid, sig)
	select {
	case <-ex:
	case <-time.After(grace):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-ex
	}
	b.mu.Lock()
	b.cmd = nil
	b.mu.Unlock()
	if b.pidFile != "" {
		os.Remove(b.pidFile)
	}
}

// rssKB reads VmRSS of the broker process.
func (b *broker) rssKB() (int64, error) {
	p := b.pid()
	if p == 0 {
		return 0, errors.New("not running")
	}
	return rssOf(p)
}

func rssOf(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no VmRSS")
}

// logTail returns the last n lines of the broker's log (and for ActiveMQ of
// its activemq.log in the data directory, when there is one).
func (b *broker) logTail(n int) string {
	var sb strings.Builder
	for _, p := range []string{b.logPath, filepath.Join(b.dataDir, "activemq.log")} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		// Java stack traces bury the cause: list the error lines first.
		var key []string
		seen := map[string]bool{}
		for _, l := range lines[max(0, len(lines)-2000):] {
			t := strings.TrimSpace(l)
			if (strings.Contains(t, "ERROR") || strings.HasPrefix(t, "Caused by:") || strings.Contains(t, "level=ERROR")) && !seen[t] {
				seen[t] = true
				key = append(key, shorten(t, 400))
			}
		}
		if len(key) > 8 {
			key = key[len(key)-8:]
		}
		if len(key) > 0 {
			fmt.Fprintf(&sb, "---- error lines in %s ----\n%s\n", p, strings.Join(key, "\n"))
		}
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&sb, "---- last %d lines of %s ----\n%s\n", len(lines), p, strings.Join(lines, "\n"))
	}
	return sb.String()
}

// ---- our broker

const amqConfig = `<?xml version="1.0" encoding="UTF-8"?>
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="bench" dataDirectory="${activemq.data}">
    <persistenceAdapter>
      <levelDB directory="${activemq.data}/leveldb"/>
    </persistenceAdapter>
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://%s?maximumConnections=20000&amp;wireFormat.maxFrameSize=104857600"/>
      <transportConnector name="openwire" uri="tcp://%s?maximumConnections=20000"/>
    </transportConnectors>
  </broker>
</beans>
`

func newAmqBroker(work, amqBin string) (*broker, error) {
	home := filepath.Join(work, "amq")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	b := &broker{
		key:          "amq",
		label:        "amq",
		stompAddr:    "127.0.0.1:61813",
		openwireAddr: "127.0.0.1:61816",
		home:         home,
		logPath:      filepath.Join(home, "broker.log"),
		pidFile:      filepath.Join(work, "pids", "amq.pid"),
	}
	cfg := filepath.Join(home, "amq-bench.xml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(amqConfig, b.stompAddr, b.openwireAddr)), 0o644); err != nil {
		return nil, err
	}
	bin, err := filepath.Abs(amqBin)
	if err != nil {
		return nil, err
	}
	b.command = func(dataDir string) *exec.Cmd {
		cmd := exec.Command(bin, "console", "--config", cfg, "-Dactivemq.data="+dataDir)
		cmd.Dir = home
		return cmd
	}
	return b, nil
}

// ---- ActiveMQ 5.17 (Debian's package)

const activemqConfig = `<beans
  xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">

  <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer"/>

  <!-- As Debian's shipped instance: no JMX, no web console. KahaDB and flow
       control at their defaults (journal synced on every persistent write). -->
  <broker xmlns="http://activemq.apache.org/schema/core" useJmx="false" brokerName="bench" dataDirectory="${activemq.data}">
    <persistenceAdapter>
      <kahaDB directory="${activemq.data}/kahadb"/>
    </persistenceAdapter>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://%s?maximumConnections=20000"/>
      <transportConnector name="stomp" uri="stomp://%s?maximumConnections=20000&amp;wireFormat.maxFrameSize=104857600"/>
    </transportConnectors>
  </broker>
</beans>
`

const activemqLog4j = `log4j.rootLogger=INFO, stdout
log4j.logger.org.apache.activemq.spring=WARN
log4j.logger.org.springframework=WARN
log4j.logger.org.apache.xbean=WARN
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=%d{ISO8601} | %-5p | %m | %c | %t%n
`

const activemqJar = "/usr/share/activemq/bin/activemq.jar"

// activemqJVMOpts are Debian's (activemq-options and the init script).
var activemqJVMOpts = []string{
	"-Xms512M", "-Xmx512M", "-Dorg.apache.activemq.UseDedicatedTaskRunner=true",
	"--add-reads=java.xml=java.logging",
	"--add-opens", "java.base/java.security=ALL-UNNAMED",
	"--add-opens", "java.base/java.net=ALL-UNNAMED",
	"--add-opens", "java.base/java.lang=ALL-UNNAMED",
	"--add-opens", "java.base/java.util=ALL-UNNAMED",
	"--add-opens", "java.naming/javax.naming.spi=ALL-UNNAMED",
	"--add-opens", "java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED",
	"--add-opens", "java.base/java.util.concurrent=ALL-UNNAMED",
	"--add-opens", "java.base/java.util.concurrent.atomic=ALL-UNNAMED",
	"--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED",
	"--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED",
	"--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
	"--add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED",
	"--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED",
}

func newActiveMQBroker(work string) (*broker, error) {
	if _, err := os.Stat(activemqJar); err != nil {
		return nil, fmt.Errorf("ActiveMQ is not installed (%s missing): run bench/compare.sh, which installs Debian's activemq", activemqJar)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("java not found: %w", err)
	}
	u, err := user.Lookup("activemq")
	if err != nil {
		return nil, fmt.Errorf("user activemq (created by Debian's package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	home := filepath.Join(work, "activemq")
	conf := filepath.Join(home, "conf")
	tmp := filepath.Join(home, "tmp")
	for _, d := range []string{conf, tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	b := &broker{
		key:          "activemq",
		label:        "ActiveMQ",
		stompAddr:    "127.0.0.1:61713",
		openwireAddr: "127.0.0.1:61716",
		home:         home,
		logPath:      filepath.Join(home, "broker.log"),
		pidFile:      filepath.Join(work, "pids", "activemq.pid"),
	}
	xml := filepath.Join(conf, "activemq.xml")
	if err := os.WriteFile(xml, []byte(fmt.Sprintf(activemqConfig, b.openwireAddr, b.stompAddr)), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(conf, "log4j.properties"), []byte(activemqLog4j), 0o644); err != nil {
		return nil, err
	}
	b.command = func(dataDir string) *exec.Cmd {
		os.MkdirAll(dataDir, 0o755)
		chownR(home, uid, gid)
		args := append([]string{}, activemqJVMOpts...)
		args = append(args,
			"-Djava.io.tmpdir="+tmp,
			"-Dactivemq.classpath="+conf,
			"-Dactivemq.home=/usr/share/activemq",
			"-Dactivemq.base="+home,
			"-Dactivemq.conf="+conf,
			"-Dactivemq.data="+dataDir,
			"-jar", activemqJar, "start", "xbean:file:"+xml)
		cmd := exec.Command(java, args...)
		cmd.Dir = home
		cmd.Env = append(os.Environ(), "HOME="+home)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		return cmd
	}
	return b, nil
}

func chownR(root string, uid, gid int) {
	filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			os.Lchown(p, uid, gid)
		}
		return nil
	})
}

// cpuTicks is the CPU time (user + system, in clock ticks) the process has
// used so far, all its threads included.
func cpuTicks(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; count from after it.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	// utime and stime are fields 14 and 15 of the line, 12 and 13 here.
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad /proc stat times")
	}
	return u + st, nil
}

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on
// Linux whatever the kernel's own tick).
const clockTick = 10 * time.Millisecond

// cpuMeter starts measuring b's process CPU time; the function it returns
// gives the CPU time used since, false when it cannot be read (no process,
// as for the relay, or a different one: the broker restarted meanwhile).
func cpuMeter(b *broker) func() (time.Duration, bool) {
	pid := b.pid()
	t0, err := cpuTicks(pid)
	return func() (time.Duration, bool) {
		if pid == 0 || err != nil || b.pid() != pid {
			return 0, false
		}
		t1, err := cpuTicks(pid)
		if err != nil {
			return 0, false
		}
		return time.Duration(t1-t0) * clockTick, true
	}
}

// quiesce waits until no broker is still busy with an earlier run (a JVM's
// garbage collector and JIT compiler, a Go runtime returning memory): each
// uses at most quietCPU in a quietWindow, or maxQuiesce passed.
// Without it a run pays for the other broker's leftovers, whichever runs
// second.
func (h *harness) quiesce(ctx context.Context) time.Duration {
	const (
		quietWindow = 250 * time.Millisecond
		quietCPU    = 2 * clockTick // 8% of one core in the window
		maxQuiesce  = 5 * time.Second
	)
	start := time.Now()
	meters := make([]func() (time.Duration, bool), len(h.brokers))
	for time.Since(start) < maxQuiesce && ctx.Err() == nil {
		for i, b := range h.brokers {
			meters[i] = cpuMeter(b)
		}
		time.Sleep(quietWindow)
		quiet := true
		for _, used := range meters {
			if d, ok := used(); ok && d > quietCPU {
				quiet = false
			}
		}
		if quiet {
			break
		}
	}
	return time.Since(start)
}
