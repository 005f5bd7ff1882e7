package auth

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/config"
	"amq/internal/stomp"
	"amq/internal/stomp/frame"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// parse reads an activemq.xml written into a fresh directory that also
// serves as activemq.conf, with the given extra files.
func parse(t *testing.T, xml string, files map[string]string, env map[string]string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "activemq.xml")
	if err := os.WriteFile(path, []byte(xml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load(path, config.Options{
		Base: dir, Conf: dir, Data: filepath.Join(dir, "data"),
		Env: func(k string) string { return env[k] },
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// stompServer runs a broker and a STOMP server with the security of cfg on
// l (a fresh loopback listener when nil).
func stompServer(t *testing.T, cfg *config.Config, l net.Listener) string {
	t.Helper()
	authn, authz, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.New(broker.Config{Logger: quiet(), Authorizer: authz, PopulateUserID: cfg.Broker.PopulateJMSXUserID})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	opts := stomp.Options{Broker: b, Logger: quiet()}
	if authn != nil {
		opts.Auth = authn
	}
	srv := stomp.NewServer(opts)
	if l == nil {
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		srv.Close()
		b.Close()
	})
	return l.Addr().String()
}

type client struct {
	t  *testing.T
	nc net.Conn
	rd *frame.Reader
}

func dial(t *testing.T, addr string, tlsCfg *tls.Config) *client {
	t.Helper()
	var nc net.Conn
	var err error
	if tlsCfg != nil {
		nc, err = tls.Dial("tcp", addr, tlsCfg)
	} else {
		nc, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, rd: frame.NewReader(nc, frame.Limits{})}
}

func (c *client) send(s string) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.nc, s); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) read() *frame.Frame {
	c.t.Helper()
	for {
		c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		f, err := c.rd.ReadFrame()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if f != nil {
			return f
		}
	}
}

// closed reports whether the server closed the connection.
func (c *client) closed() bool {
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := c.rd.ReadFrame()
		if err != nil {
			return true
		}
		if f != nil {
			return false
		}
	}
}

func get(f *frame.Frame, k string) string {
	v, _ := f.Get(k)
	return v
}

// connect logs in; an empty login sends no login/passcode headers.
func (c *client) connect(login, passcode string) *frame.Frame {
	c.t.Helper()
	s := "CONNECT\naccept-version:1.2\nhost:localhost\n"
	if login != "" || passcode != "" {
		s += "login:" + login + "\npasscode:" + passcode + "\n"
	}
	c.send(s + "\n\x00")
	f := c.read()
	if f.Command == "CONNECTED" {
		c.rd.SetVersion(get(f, "version"))
	}
	return f
}
