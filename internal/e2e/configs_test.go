package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigsValidate runs `amq validate` on every file in configs/, as an
// operator would before a restart: each loads with no refusal.
func TestConfigsValidate(t *testing.T) {
	files, err := filepath.Glob("../../configs/*.xml")
	if err != nil || len(files) < 2 {
		t.Fatalf("configs: %v %v", files, err)
	}
	for _, f := range files {
		out, err := runAmq(t, []string{"ACTIVEMQ_CONF=" + t.TempDir()}, "validate", "--config", f)
		if strings.Contains(f, "tls") {
			// Its keystores are not there: refused, naming the file.
			if err == nil || !strings.Contains(out, "broker.ks") {
				t.Errorf("%s without keystores: %v\n%s", f, err, out)
			}
			continue
		}
		if err != nil || !strings.Contains(out, ": OK") {
			t.Errorf("%s: %v\n%s", f, err, out)
		}
	}
	// A broken file is refused with file, line and reason.
	bad := filepath.Join(t.TempDir(), "bad.xml")
	writeFile(t, bad, `<beans xmlns="http://www.springframework.org/schema/beans">
<broker xmlns="http://activemq.apache.org/schema/core" persistent="maybe"/>
</beans>`)
	out, err := runAmq(t, nil, "validate", "--config", bad)
	if err == nil || !strings.Contains(out, "bad.xml:2:") {
		t.Fatalf("bad file: %v\n%s", err, out)
	}
}

// Networks of brokers and replicated LevelDB are parsed but refused at
// start-up with a clear message, never run as a silent single broker.
func TestUnavailableFeaturesRefused(t *testing.T) {
	for name, body := range map[string]string{
		"network": `<networkConnectors><networkConnector uri="static:(tcp://192.168.238.150:61616,tcp://192.168.238.155:61616)"/></networkConnectors>`,
		"replicated": `<persistenceAdapter><replicatedLevelDB directory="${activemq.data}/levelDB" replicas="2" bind="tcp://0.0.0.0:61615"
			zkAddress="192.168.238.150:2181,192.168.238.155:2181,192.168.238.160:2181" hostname="192.168.238.150" zkPath="/opt/activemq/levelDB"/></persistenceAdapter>`,
	} {
		path := filepath.Join(t.TempDir(), name+".xml")
		writeFile(t, path, `<beans xmlns="http://www.springframework.org/schema/beans">
<broker xmlns="http://activemq.apache.org/schema/core" brokerName="b">`+body+`</broker></beans>`)
		out, err := runAmq(t, nil, "validate", "--config", path)
		if err == nil || !strings.Contains(out, "not available in this version") || !strings.Contains(out, name+".xml:") {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
		out, err = runAmq(t, []string{"ACTIVEMQ_BASE=" + t.TempDir()}, "console", "--config", path, "--web", "off")
		if err == nil || !strings.Contains(out, "not available in this version") {
			t.Errorf("%s: console started: %v\n%s", name, err, out)
		}
	}
}
