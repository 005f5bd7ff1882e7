package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStompPy runs Debian's stomp.py against the real binary.
func TestStompPy(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import stomp").Run(); err != nil {
		t.Skip("python3-stomp not installed (scripts/test-deps.sh installs it)")
	}
	p := startBroker(t, minimalConfig(""), "")
	host, port, _ := strings.Cut(p.addr("stomp"), ":")
	out, err := exec.Command("/usr/bin/python3", "testdata/stomppy_check.py", host, port).CombinedOutput()
	t.Logf("stomp.py:\n%s", out)
	if err != nil {
		t.Fatalf("stomp.py checks failed: %v", err)
	}
	p.stop()
}

// TestDefaultConfig runs the built-in configuration as `make run` does:
// STOMP 61613, OpenWire 61616, console 8161, LevelDB in ./data.
func TestDefaultConfig(t *testing.T) {
	for _, port := range []string{"61613", "61616", "8161"} {
		if l, err := net.Listen("tcp", "127.0.0.1:"+port); err != nil {
			t.Skipf("port %s is busy on this machine: %v", port, err)
		} else {
			l.Close()
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(amqBin, "console")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ACTIVEMQ_BASE=", "ACTIVEMQ_DATA=", "ACTIVEMQ_CONF=")
	out := &strings.Builder{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			t.Log(out.String())
		}
	}()
	for _, port := range []string{"61613", "61616", "8161"} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.Dial("tcp", "127.0.0.1:"+port)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("port %s not open: %v", port, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "leveldb")); err != nil {
		t.Fatalf("no LevelDB store in ./data: %v", err)
	}
}

// A busy web port is logged as an error and messaging runs on without it.
func TestBusyWebPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "activemq.xml")
	writeFile(t, cfg, minimalConfig(""))
	cmd := exec.Command(amqBin, "console", "--config", cfg, "--web", l.Addr().String())
	cmd.Env = append(os.Environ(), "ACTIVEMQ_BASE="+dir)
	out := &syncBuffer{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "web console not started") {
		if time.Now().After(deadline) {
			t.Fatalf("no error about the busy port:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	m := listenRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no STOMP connector:\n%s", out.String())
	}
	c, err := dialStomp(m[2])
	if err != nil {
		t.Fatalf("STOMP without the console: %v", err)
	}
	c.nc.Close()
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
