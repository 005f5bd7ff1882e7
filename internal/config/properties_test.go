package config

import (
	"maps"
	"testing"
)

func TestParseProperties(t *testing.T) {
	in := "# comment\n" +
		"! another comment\n" +
		"\n" +
		"activemq.username=system\n" +
		"activemq.password = manager\n" +
		"guest.password:password\n" +
		"spaced key value\n" +
		"   leading.ws=yes\n" +
		"multi=one, \\\n" +
		"      two, \\\n" +
		"      three\n" +
		"escaped\\=key=v\\tw\n" +
		"unicode=caf\\u00e9 \\ud83d\\ude00\n" +
		"empty=\n" +
		"novalue\n" +
		"crlf=1\r\n" +
		"cr=2\r" +
		"dup=first\n" +
		"dup=second\n" +
		"trailing=back\\\\\n" +
		"key\\ with\\ spaces=x\n"
	got, err := ParseProperties([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"activemq.username": "system",
		"activemq.password": "manager",
		"guest.password":    "password",
		"spaced":            "key value",
		"leading.ws":        "yes",
		"multi":             "one, two, three",
		"escaped=key":       "v\tw",
		"unicode":           "café 😀",
		"empty":             "",
		"novalue":           "",
		"crlf":              "1",
		"cr":                "2",
		"dup":               "second",
		"trailing":          "back\\",
		"key with spaces":   "x",
	}
	if !maps.Equal(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%q = %q, want %q", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected key %q", k)
			}
		}
	}
	// Latin-1 bytes, as Java writes them.
	got, err = ParseProperties([]byte("pw=caf\xe9\n"))
	if err != nil || got["pw"] != "café" {
		t.Errorf("latin-1: %q, %v", got["pw"], err)
	}
	if _, err := ParseProperties([]byte("bad=\\u12\n")); err == nil {
		t.Errorf("a malformed \\u escape should fail")
	}
}
