// Package e2e drives the real amq binary with clients nobody here wrote.
package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var amqBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "amq-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	amqBin = filepath.Join(dir, "amq")
	build := exec.Command("go", "build", "-o", amqBin, "amq/cmd/amq")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build amq:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// brokerProc is a running `amq console`.
type brokerProc struct {
	t       *testing.T
	cmd     *exec.Cmd
	dir     string
	mu      sync.Mutex
	log     bytes.Buffer
	addrs   map[string]string
	exited  chan struct{}
	exitErr error
}

var (
	listenRE = regexp.MustCompile(`msg=listening connector=(\S+) protocol=\S+ addr=(\S+)`)
	webRE    = regexp.MustCompile(`msg="web console" component=web url=http://(\S+)/admin/`)
)

// minimalConfig is an activemq.xml with ephemeral ports.
func minimalConfig(extra string) string {
	return `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="e2e" dataDirectory="${activemq.data}">
    <persistenceAdapter><levelDB directory="${activemq.data}/leveldb"/></persistenceAdapter>
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:0"/>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:0"/>
    </transportConnectors>` + extra + `
  </broker>
</beans>`
}

// startBroker runs amq console with config in a fresh data directory (or
// dir, to restart over existing data) and waits until every connector listens.
func startBroker(t *testing.T, config, dir string) *brokerProc {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cfgPath := filepath.Join(dir, "activemq.xml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &brokerProc{t: t, dir: dir, addrs: map[string]string{}, exited: make(chan struct{})}
	p.cmd = exec.Command(amqBin, "console", "--config", cfgPath, "--web", "127.0.0.1:0")
	p.cmd.Env = append(os.Environ(), "ACTIVEMQ_BASE="+dir, "ACTIVEMQ_DATA="+filepath.Join(dir, "data"))
	p.cmd.Dir = dir
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			if m := listenRE.FindStringSubmatch(line); m != nil {
				p.addrs[m[1]] = m[2]
			}
			if m := webRE.FindStringSubmatch(line); m != nil {
				p.addrs["web"] = m[1]
			}
			p.mu.Unlock()
			// Ready once the console is up (it starts right after the broker).
			if strings.Contains(line, "msg=\"web console") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	go func() {
		p.exitErr = p.cmd.Wait()
		close(p.exited)
	}()
	select {
	case <-ready:
	case <-p.exited:
		t.Fatalf("amq exited during start-up: %v\n%s", p.exitErr, p.logs())
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("amq did not start:\n%s", p.logs())
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("broker log:\n%s", p.logs())
		}
	})
	return p
}

func (p *brokerProc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

func (p *brokerProc) addr(connector string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.addrs[connector]
	if a == "" {
		p.t.Fatalf("connector %s not listening; log:\n%s", connector, p.log.String())
	}
	return a
}

// stop sends SIGTERM and waits for a clean exit.
func (p *brokerProc) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if p.exitErr != nil {
			p.t.Fatalf("amq exited with %v after SIGTERM\n%s", p.exitErr, p.logs())
		}
	case <-time.After(15 * time.Second):
		p.t.Fatalf("amq did not stop on SIGTERM\n%s", p.logs())
	}
}

// kill9 kills the process without warning.
func (p *brokerProc) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// runAmq runs an amq command and returns its combined output.
func runAmq(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(amqBin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
