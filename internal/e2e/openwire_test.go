package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const activemqJar = "/usr/share/activemq/bin/activemq.jar"

// TestActiveMQToolsAgainstOpenWire points ActiveMQ's own `activemq
// producer` and `activemq consumer` (Debian's activemq package, the stock
// OpenWire client) at the real binary's tcp:// connector.
func TestActiveMQToolsAgainstOpenWire(t *testing.T) {
	if _, err := os.Stat(activemqJar); err != nil {
		t.Skip("Debian's activemq package is not installed (scripts/test-deps.sh installs it)")
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("no java")
	}
	p := startBroker(t, minimalConfig(""), "")
	url := "tcp://" + p.addr("openwire")
	log4j := filepath.Join(t.TempDir(), "log4j.properties")
	os.WriteFile(log4j, []byte("log4j.rootLogger=INFO, out\nlog4j.appender.out=org.apache.log4j.ConsoleAppender\nlog4j.appender.out.layout=org.apache.log4j.PatternLayout\nlog4j.appender.out.layout.ConversionPattern=%m%n\n"), 0o644)
	tool := func(args ...string) string {
		cmd := exec.Command("java", append([]string{"-Dlog4j.configuration=file:" + log4j, "-Dactivemq.home=/usr/share/activemq", "-jar", activemqJar}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("activemq %s: %v\n%s", args[0], err, out)
		}
		return string(out)
	}
	out := tool("producer", "--brokerUrl", url, "--destination", "queue://AMQTOOLS", "--messageCount", "2000", "--persistent", "true")
	if !strings.Contains(out, "Produced: 2000 messages") {
		t.Fatalf("producer:\n%s", out)
	}
	out = tool("consumer", "--brokerUrl", url, "--destination", "queue://AMQTOOLS", "--messageCount", "2000")
	if !strings.Contains(out, "Consumed: 2000 messages") {
		t.Fatalf("consumer:\n%s", out)
	}
}

// TestDebianActiveMQXML runs Debian's shipped activemq.xml (kahaDB and a
// tcp:// connector) on the real binary, with only its port made ephemeral.
func TestDebianActiveMQXML(t *testing.T) {
	const debian = "/etc/activemq/instances-available/main/activemq.xml"
	data, err := os.ReadFile(debian)
	if err != nil {
		t.Skip("Debian's activemq package is not installed")
	}
	cfg := strings.Replace(string(data), "tcp://127.0.0.1:61616", "tcp://127.0.0.1:0", 1)
	p := startBroker(t, cfg, "")
	if !strings.Contains(p.logs(), "<kahaDB> is served by the LevelDB journal store") {
		t.Fatalf("kahaDB not announced:\n%s", p.logs())
	}
	if _, err := os.Stat(filepath.Join(p.dir, "data", "kahadb")); err != nil {
		t.Fatalf("kahaDB directory not used: %v", err)
	}
	if _, err := os.Stat(activemqJar); err == nil {
		out, err := exec.Command("java", "-Dactivemq.home=/usr/share/activemq", "-jar", activemqJar,
			"producer", "--brokerUrl", "tcp://"+p.addr("openwire"), "--messageCount", "10").CombinedOutput()
		if err != nil {
			t.Fatalf("producer against Debian's config: %v\n%s", err, out)
		}
	}
	p.stop()
}
