package server

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"amq/internal/config"
)

// A connector whose port is taken stops the start-up with the file, the
// line and the reason, naming the connector's URI once.
func TestConnectorPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	uri := "stomp://" + busy.Addr().String()
	xml := `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="busy" persistent="false">
    <transportConnectors>
      <transportConnector name="stomp" uri="` + uri + `"/>
    </transportConnectors>
  </broker>
</beans>`
	file := filepath.Join(dir, "activemq.xml")
	cfg, _, err := config.Parse(file, []byte(xml), config.Options{Base: dir, Data: filepath.Join(dir, "data"), Env: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, Options{Logger: jmsLogger()})
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Start(context.Background())
	if err == nil {
		srv.Close()
		t.Fatal("start on a busy port succeeded")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, file+":4:") || !strings.Contains(msg, "address already in use") || strings.Count(msg, uri) != 1 {
		t.Fatalf("error %q: want %s:4:..., the reason and the URI once", msg, file)
	}
}
