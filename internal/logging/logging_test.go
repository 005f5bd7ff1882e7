package logging

import (
	"bytes"
	"strings"
	"testing"
)

func TestLevelsPerComponent(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "text", "warn,stomp=debug")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("root info")                               // below warn: dropped
	log.With("connector", "stomp").Debug("stomp debug") // stomp at debug: kept
	log.With("component", "web").Info("web info")       // web inherits warn: dropped
	log.With("component", "web").Warn("web warn")       // kept
	out := buf.String()
	for _, want := range []string{"stomp debug", "web warn"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	for _, not := range []string{"root info", "web info"} {
		if strings.Contains(out, not) {
			t.Errorf("unexpected %q in:\n%s", not, out)
		}
	}
	if _, err := New(&buf, "text", "loud"); err == nil {
		t.Error("bad level accepted")
	}
	if _, err := New(&buf, "xml", "info"); err == nil {
		t.Error("bad format accepted")
	}
}
