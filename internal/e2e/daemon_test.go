package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStartStopStatus runs the broker in the background as an operator
// would: start writes a pid file in the data directory, status reads it,
// stop ends the process.
func TestStartStopStatus(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "activemq.xml")
	os.WriteFile(cfg, []byte(minimalConfig("")), 0o644)
	env := []string{"ACTIVEMQ_BASE=" + dir, "ACTIVEMQ_DATA=" + filepath.Join(dir, "data")}
	if out, err := runAmq(t, env, "status", "--config", cfg); err == nil || !strings.Contains(out, "not running") {
		t.Fatalf("status before start: %v %s", err, out)
	}
	// The console on a port of its own: the default 127.0.0.1:8161 may
	// belong to another broker on this machine.
	const web = "127.0.0.1:0"
	out, err := runAmq(t, env, "start", "--config", cfg, "--web", web)
	if err != nil || !strings.Contains(out, "amq started") {
		t.Fatalf("start: %v %s", err, out)
	}
	t.Cleanup(func() { runAmq(t, env, "stop", "--config", cfg) })
	if _, err := os.Stat(filepath.Join(dir, "data", "amq.pid")); err != nil {
		t.Fatalf("pid file: %v", err)
	}
	// As ActiveMQ's bin/activemq: a message, exit status 0, no second broker.
	pid, _ := os.ReadFile(filepath.Join(dir, "data", "amq.pid"))
	if out, err := runAmq(t, env, "start", "--config", cfg); err != nil || !strings.Contains(out, "INFO: Process with pid '"+strings.TrimSpace(string(pid))+"' is already running") {
		t.Fatalf("second start: %v %s", err, out)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "data", "amq.pid")); string(again) != string(pid) {
		t.Fatalf("second start replaced pid %s with %s", pid, again)
	}
	if out, err := runAmq(t, env, "status", "--config", cfg); err != nil || !strings.Contains(out, "is running") {
		t.Fatalf("status: %v %s", err, out)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "data", "amq.log"))
	if !strings.Contains(string(log), "broker started") {
		t.Fatalf("log file lacks start line:\n%s", log)
	}
	if m := regexp.MustCompile(`msg="web console listening" component=web url=http://(\S+)/admin/`).FindStringSubmatch(string(log)); m == nil || strings.HasSuffix(m[1], ":8161") {
		t.Fatalf("console not on a port of its own:\n%s", log)
	}
	if out, err := runAmq(t, env, "restart", "--config", cfg, "--web", web); err != nil || !strings.Contains(out, "amq started") {
		t.Fatalf("restart: %v %s", err, out)
	}
	if out, err := runAmq(t, env, "stop", "--config", cfg); err != nil || !strings.Contains(out, "amq stopped") {
		t.Fatalf("stop: %v %s", err, out)
	}
	if out, err := runAmq(t, env, "status", "--config", cfg); err == nil {
		t.Fatalf("status after stop: %s", out)
	}
	log, _ = os.ReadFile(filepath.Join(dir, "data", "amq.log"))
	if !strings.Contains(string(log), "broker stopped") {
		t.Fatalf("no clean shutdown in log:\n%s", log)
	}
}

func TestVersion(t *testing.T) {
	out, err := runAmq(t, nil, "version")
	if err != nil || !strings.Contains(out, "5.17.2") {
		t.Fatalf("%v %s", err, out)
	}
}

// restart takes the options start does (--web, --metrics-auth), since it
// starts the broker again with them.
func TestRestartTakesStartOptions(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "activemq.xml")
	os.WriteFile(cfg, []byte(minimalConfig("")), 0o644)
	env := []string{"ACTIVEMQ_BASE=" + dir, "ACTIVEMQ_DATA=" + filepath.Join(dir, "data")}
	if out, err := runAmq(t, env, "start", "--config", cfg, "--web", "off"); err != nil {
		t.Fatalf("start: %v %s", err, out)
	}
	t.Cleanup(func() { runAmq(t, env, "stop", "--config", cfg) })
	out, err := runAmq(t, env, "restart", "--config", cfg, "--web", "off", "--metrics-auth")
	if err != nil || !strings.Contains(out, "amq stopped") || !strings.Contains(out, "amq started") {
		t.Fatalf("restart --web off: %v %s", err, out)
	}
	if out, err := runAmq(t, env, "status", "--config", cfg); err != nil {
		t.Fatalf("status after restart: %v %s", err, out)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "data", "amq.log"))
	if strings.Contains(string(log), "web console listening") {
		t.Fatalf("restarted broker ignored --web off:\n%s", log)
	}
}

// A hang-up (the terminal or SSH session of `amq console` going away) stops
// the broker cleanly, as the JVM's shutdown hook stops ActiveMQ, instead of
// killing it with the store open.
func TestSIGHUPStopsCleanly(t *testing.T) {
	p := startBroker(t, minimalConfig(""), "")
	p.cmd.Process.Signal(syscall.SIGHUP)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("amq did not stop on SIGHUP\n%s", p.logs())
	}
	if p.exitErr != nil {
		t.Fatalf("amq exited with %v after SIGHUP\n%s", p.exitErr, p.logs())
	}
	if !strings.Contains(p.logs(), "broker stopped") {
		t.Fatalf("no clean shutdown after SIGHUP:\n%s", p.logs())
	}
}

// A pid file left behind by a crash or a power cut can name a process that
// is not the broker once the pid is reused: status and start must not take
// it for the broker, and stop must never signal it (ActiveMQ's script
// checks that the pid is its java process).
func TestStalePidFileOfAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "activemq.xml")
	os.WriteFile(cfg, []byte(minimalConfig("")), 0o644)
	env := []string{"ACTIVEMQ_BASE=" + dir, "ACTIVEMQ_DATA=" + filepath.Join(dir, "data")}
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	otherDone := make(chan error, 1)
	go func() { otherDone <- other.Wait() }()
	t.Cleanup(func() { other.Process.Kill(); <-otherDone })
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	writeFile(t, filepath.Join(dir, "data", "amq.pid"), strconv.Itoa(other.Process.Pid)+"\n")

	if out, err := runAmq(t, env, "status", "--config", cfg); err == nil || !strings.Contains(out, "not running") {
		t.Fatalf("status with another process's pid: %v %s", err, out)
	}
	runAmq(t, env, "stop", "--config", cfg)
	select {
	case err := <-otherDone:
		otherDone <- err
		t.Fatalf("stop signalled an unrelated process (pid %d): %v", other.Process.Pid, err)
	case <-time.After(200 * time.Millisecond):
	}
	writeFile(t, filepath.Join(dir, "data", "amq.pid"), strconv.Itoa(other.Process.Pid)+"\n")
	out, err := runAmq(t, env, "start", "--config", cfg, "--web", "off")
	if err != nil || !strings.Contains(out, "amq started") {
		t.Fatalf("start over a stale pid file: %v %s", err, out)
	}
	t.Cleanup(func() { runAmq(t, env, "stop", "--config", cfg) })
	if out, err := runAmq(t, env, "stop", "--config", cfg); err != nil || !strings.Contains(out, "amq stopped") {
		t.Fatalf("stop: %v %s", err, out)
	}
	select {
	case err := <-otherDone:
		otherDone <- err
		t.Fatalf("unrelated process ended: %v", err)
	default:
	}
}

// stop on a broker that is not running succeeds, as ActiveMQ's "activemq
// stop" does ("ActiveMQ not running", exit 0): scripts and configuration
// management run stop before replacing a binary or a configuration.
func TestStopWhenNotRunning(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "activemq.xml")
	os.WriteFile(cfg, []byte(minimalConfig("")), 0o644)
	env := []string{"ACTIVEMQ_BASE=" + dir, "ACTIVEMQ_DATA=" + filepath.Join(dir, "data")}
	out, err := runAmq(t, env, "stop", "--config", cfg)
	if err != nil || !strings.Contains(out, "not running") {
		t.Fatalf("stop when not running: %v %q", err, out)
	}
	if strings.Count(out, "not running") != 1 {
		t.Errorf("stop says it twice: %q", out)
	}
}
