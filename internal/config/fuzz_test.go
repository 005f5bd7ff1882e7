package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/*/*.xml", "testdata/*.xml"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(`<broker xmlns="http://activemq.apache.org/schema/core" brokerName="${a:${b:c}}"/>`))
	f.Add([]byte(`<beans xmlns="http://www.springframework.org/schema/beans"><bean class="x.PropertyPlaceholderConfigurer"><property name="properties"><props><prop key="a">${a}</prop></props></property></bean><broker xmlns="http://activemq.apache.org/schema/core" brokerName="${a}"/></beans>`))
	files := map[string][]byte{
		"credentials.properties":     []byte("activemq.username=system\nactivemq.password=manager\nguest.password=password\n"),
		"credentials-enc.properties": []byte("activemq.password=ENC(mYRkg+4Q4hua1kvpCCI2hg==)\nguest.password=ENC(Cf3Jf3tM+UrSOoaKU50od5CuBa8rxjoL)\n"),
	}
	opts := Options{
		Env:  envOf(map[string]string{"ACTIVEMQ_ENCRYPTION_PASSWORD": "activemq"}),
		Base: "/fuzz",
		Conf: "/fuzz/conf",
		ReadFile: func(name string) ([]byte, error) {
			if b, ok := files[filepath.Base(name)]; ok {
				return b, nil
			}
			return nil, os.ErrNotExist
		},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, warns, err := Parse("activemq.xml", data, opts)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Line < 1 || ce.Col < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			if cfg != nil {
				t.Fatalf("config returned with an error")
			}
			return
		}
		if cfg == nil {
			t.Fatal("nil config without an error")
		}
		for _, w := range warns {
			if w.Line < 1 || w.Col < 1 {
				t.Fatalf("warning without a position: %v", w)
			}
		}
		for _, kind := range []string{"queue", "topic", "tempQueue", "tempTopic"} {
			cfg.PolicyFor(kind, "A.B.C")
		}
		if r := cfg.Broker.Plugins.Redelivery; r != nil {
			r.PolicyFor(Queue, "A.B")
		}
		if a := cfg.Broker.Plugins.Authorization; a != nil {
			a.ACLFor(Topic, "A.B")
		}
	})
}
