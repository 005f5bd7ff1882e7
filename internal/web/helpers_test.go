package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/config"
	"amq/internal/stomp"
	"amq/store/memory"
)

// testRealm has one user per case the console distinguishes.
const testRealm = `# name: password, role
admin: secret, admin
viewer: viewpw, user
guest: guestpw, guest
md5admin: MD5:` + "5f4dcc3b5aa765d61d8327deb882cf99" + `, admin
obfviewer: OBF:1v2j1uum1xtv1zej1zer1xtn1uvk1v1v, user
`

const testConfig = `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="webtest" persistent="false" schedulerSupport="true">
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:0"/>
    </transportConnectors>
  </broker>
</beans>`

// logBuffer collects log records for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testServer is a broker with a STOMP connector, assembled here rather
// than with internal/server so that package may import this one.
type testServer struct {
	b     *broker.Broker
	cfg   *config.Config
	stomp *stomp.Server
	ln    net.Listener
	done  chan struct{}
}

func (s *testServer) Broker() *broker.Broker { return s.b }
func (s *testServer) Config() *config.Config { return s.cfg }
func (s *testServer) Connectors() map[string]string {
	return map[string]string{"stomp": "stomp://" + s.ln.Addr().String()}
}

func (s *testServer) Addr(name string) net.Addr {
	if name != "stomp" {
		return nil
	}
	return s.ln.Addr()
}

func (s *testServer) Close() {
	s.stomp.Close()
	<-s.done
	s.b.Close()
}

func startServer(t *testing.T, cfg *config.Config, log *slog.Logger) *testServer {
	t.Helper()
	b, err := broker.New(broker.Config{Name: cfg.Broker.Name, Store: memory.New(), Logger: log, SchedulerSupport: cfg.Broker.SchedulerSupport})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{b: b, cfg: cfg, ln: ln, done: make(chan struct{}),
		stomp: stomp.NewServer(stomp.Options{Broker: b, Logger: log, Connector: "stomp"})}
	go func() {
		defer close(s.done)
		s.stomp.Serve(ln)
	}()
	return s
}

type env struct {
	t    *testing.T
	srv  *testServer
	b    *broker.Broker
	c    *Console
	base string
	logs *logBuffer
	dir  string
	cl   *broker.Client
}

type envOpts struct {
	noRealm     bool
	metricsAuth bool
}

// startEnv starts a broker from a config string and the console on a free port.
func startEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	dir := t.TempDir()
	if !o.noRealm {
		if err := os.WriteFile(filepath.Join(dir, RealmFile), []byte(testRealm), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _, err := config.Parse(filepath.Join(dir, "activemq.xml"), []byte(testConfig), config.Options{
		Base: dir, Home: dir, Conf: dir, Data: filepath.Join(dir, "data"),
		Env: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := startServer(t, cfg, log)
	c, err := New(Options{Server: srv, Addr: "127.0.0.1:0", Logger: log, MetricsAuth: o.metricsAuth})
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		srv.Close()
		t.Fatal(err)
	}
	cl, err := srv.Broker().NewClient("")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, b: srv.Broker(), c: c, base: "http://" + c.Addr().String(), logs: logs, dir: dir, cl: cl}
	t.Cleanup(func() {
		cl.Close()
		c.Close()
		srv.Close()
	})
	return e
}

// send puts n text messages on a queue through an in-process client.
func (e *env) send(queue string, n int, persistent bool, props ...broker.Property) []string {
	e.t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		m := &broker.Message{Dest: broker.QueueDest(queue), Body: []byte(fmt.Sprintf("message %d", i)), BodyKind: broker.BodyText,
			Persistent: persistent, Priority: 4, Props: append([]broker.Property(nil), props...)}
		m.SetProp(broker.Property{Name: "n", Type: broker.PropInt, I: int64(i)})
		if err := e.cl.Send(context.Background(), m); err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

func (e *env) queueSize(name string) int64 {
	e.t.Helper()
	st, ok := e.b.QueueStats(broker.QueueDest(name))
	if !ok {
		return -1
	}
	return st.QueueSize
}

// deadLetter sends a persistent message to queue and poison-acks it into
// ActiveMQ.DLQ, returning its ID.
func (e *env) deadLetter(queue string) string {
	e.t.Helper()
	id := e.send(queue, 1, true)[0]
	s, err := e.cl.Subscribe(broker.SubscribeOptions{Dest: broker.QueueDest(queue), Prefetch: 1}, false)
	if err != nil {
		e.t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := s.Receive(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := s.Consumer().Nack(d.Msg.ID, "test poison", nil, nil); err != nil {
		e.t.Fatal(err)
	}
	waitFor(e.t, "message in the DLQ", func() bool { return e.queueSize("ActiveMQ.DLQ") >= 1 })
	return id
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

type reqOpt func(*http.Request)

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// do makes a request as user (no credentials when user is "").
func (e *env) do(method, path, user, pw string, body io.Reader, opts ...reqOpt) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pw)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(b)
}

func (e *env) get(path string) string {
	e.t.Helper()
	resp, body := e.do("GET", path, "admin", "secret", nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

var csrfRE = regexp.MustCompile(`name="secret" value="([^"]+)"`)

// token reads the CSRF token a user's pages carry.
func (e *env) token(user, pw string) string {
	e.t.Helper()
	_, body := e.do("GET", "/admin/queues.jsp", user, pw, nil)
	if m := csrfRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	m := regexp.MustCompile(`data-csrf="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no CSRF token in the page for %s", user)
	}
	return m[1]
}

// post submits a console form as admin with a valid token.
func (e *env) post(action string, form url.Values) *http.Response {
	e.t.Helper()
	form.Set("secret", e.token("admin", "secret"))
	resp, body := e.do("POST", "/admin/"+action, "admin", "secret", strings.NewReader(form.Encode()),
		withHeader("Content-Type", "application/x-www-form-urlencoded"))
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("POST %s: %d %s", action, resp.StatusCode, body)
	}
	return resp
}

// flashOf returns the message an action left for the next page.
func flashOf(t *testing.T, resp *http.Response) (string, bool) {
	t.Helper()
	for _, ck := range resp.Cookies() {
		if ck.Name == flashCookie && ck.Value != "" {
			r := &http.Request{Header: http.Header{"Cookie": {ck.String()}}}
			f, ok := takeFlash(discardWriter{}, r)
			if ok {
				return f.Msg, f.Err
			}
		}
	}
	t.Fatal("the action left no message")
	return "", false
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

// jolokiaPost sends a JSON request (object or array) to /api/jolokia.
func (e *env) jolokiaPost(user, pw string, req any) (*http.Response, any) {
	e.t.Helper()
	b, _ := json.Marshal(req)
	resp, body := e.do("POST", "/api/jolokia", user, pw, bytes.NewReader(b), withHeader("Content-Type", "application/json"))
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		e.t.Fatalf("jolokia answer is not JSON (%d): %s", resp.StatusCode, body)
	}
	return resp, v
}

func (e *env) jolokiaGet(path string) map[string]any {
	e.t.Helper()
	resp, body := e.do("GET", "/api/jolokia"+path, "admin", "secret", nil)
	if resp.StatusCode != 200 {
		e.t.Fatalf("GET /api/jolokia%s: HTTP %d %s", path, resp.StatusCode, body)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		e.t.Fatalf("GET /api/jolokia%s: not JSON: %s", path, body)
	}
	return v
}

// stompConnect opens a raw STOMP connection (so the broker sees protocol
// "stomp" and a remote address) and returns it once CONNECTED.
func (e *env) stompConnect(clientID string) net.Conn {
	e.t.Helper()
	addr := e.srv.Addr("stomp")
	if addr == nil {
		e.t.Fatal("no stomp connector")
	}
	nc, err := net.DialTimeout("tcp", addr.String(), 5*time.Second)
	if err != nil {
		e.t.Fatal(err)
	}
	frame := "CONNECT\naccept-version:1.2\nhost:/\nlogin:stompuser\n"
	if clientID != "" {
		frame += "client-id:" + clientID + "\n"
	}
	fmt.Fprint(nc, frame+"\n\x00")
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(nc).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "CONNECTED") {
		e.t.Fatalf("STOMP CONNECT: %q %v", line, err)
	}
	nc.SetReadDeadline(time.Time{})
	e.t.Cleanup(func() { nc.Close() })
	return nc
}
