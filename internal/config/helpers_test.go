package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// noEnv is an empty environment, so tests do not depend on the machine.
func noEnv(string) string { return "" }

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// testOpts gives fixed paths under /srv/amq.
func testOpts() Options {
	return Options{Env: noEnv, Base: "/srv/amq", Data: "/srv/amq/data"}
}

func mustLoad(t *testing.T, path string, opts Options) (*Config, []Warning) {
	t.Helper()
	if opts.Env == nil {
		opts.Env = noEnv
	}
	cfg, warns, err := Load(path, opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return cfg, warns
}

func mustParse(t *testing.T, doc string, opts Options) (*Config, []Warning) {
	t.Helper()
	if opts.Env == nil {
		opts.Env = noEnv
	}
	cfg, warns, err := Parse("activemq.xml", []byte(doc), opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg, warns
}

func noWarnings(t *testing.T, warns []Warning) {
	t.Helper()
	for _, w := range warns {
		t.Errorf("unexpected warning: %s", w)
	}
}

// onlyWarnings checks that each warning contains one of the fragments, in
// order, and that there are no others.
func onlyWarnings(t *testing.T, warns []Warning, fragments ...string) {
	t.Helper()
	if len(warns) != len(fragments) {
		for _, w := range warns {
			t.Logf("warning: %s", w)
		}
		t.Fatalf("got %d warnings, want %d", len(warns), len(fragments))
	}
	for i, f := range fragments {
		if !strings.Contains(warns[i].String(), f) {
			t.Errorf("warning %d = %q, want it to contain %q", i, warns[i], f)
		}
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func corpus(name string) string { return filepath.Join("testdata", "corpus", name) }

// broker wraps broker children in a minimal document.
func broker(inner string) string {
	return `<beans xmlns="http://www.springframework.org/schema/beans">
<broker xmlns="http://activemq.apache.org/schema/core" brokerName="t">
` + inner + `
</broker>
</beans>`
}
