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
