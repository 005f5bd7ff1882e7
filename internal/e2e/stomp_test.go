package e2e

import (
	"os/exec"
	"strings"
	"testing"
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
