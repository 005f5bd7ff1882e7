package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/config"
	"amq/internal/stomp/frame"
)

// jmsWait is how long a test waits for something that should happen.
const jmsWait = 5 * time.Second

// jmsQuiet is how long a test watches for something that must not happen.
const jmsQuiet = 300 * time.Millisecond

// jmsServer is a broker started from an activemq.xml in its own directory.
type jmsServer struct {
	t    testing.TB
	dir  string
	xml  string
	srv  *Server
	addr string
}

// jmsXML builds an activemq.xml: brokerAttrs go on <broker>, body holds its
// child elements. Without a <persistenceAdapter> the store is in memory. A
// STOMP connector named "stomp" on an ephemeral loopback port is added.
func jmsXML(brokerAttrs, body string) string {
	if !strings.Contains(body, "<persistenceAdapter>") {
		body += `
    <persistenceAdapter><memoryPersistenceAdapter/></persistenceAdapter>`
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<beans xmlns="http://www.springframework.org/schema/beans"
       xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans.xsd
                           http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="jms-test" useJmx="false" ` + brokerAttrs + `>` + body + `
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:0"/>
    </transportConnectors>
  </broker>
</beans>
`
}

// jmsLogger discards broker logs unless the tests run with -v.
func jmsLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.Default()
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startJMS starts a broker from jmsXML(brokerAttrs, body) in a fresh
// temporary directory; it is closed when the test ends.
func startJMS(t testing.TB, brokerAttrs, body string) *jmsServer {
	t.Helper()
	return startJMSXML(t, jmsXML(brokerAttrs, body))
}

// startJMSXML starts a broker from a complete activemq.xml.
func startJMSXML(t testing.TB, xml string) *jmsServer {
	t.Helper()
	s := &jmsServer{t: t, dir: t.TempDir(), xml: xml}
	if err := os.MkdirAll(filepath.Join(s.dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.start()
	t.Cleanup(func() {
		if s.srv != nil {
			s.srv.Close()
			s.srv = nil
		}
	})
	return s
}

// parse reads the server's activemq.xml as the broker would.
func (s *jmsServer) parse() *config.Config {
	s.t.Helper()
	cfg, warns, err := config.Parse(filepath.Join(s.dir, "conf", "activemq.xml"), []byte(s.xml), config.Options{
		Base: s.dir,
		Data: filepath.Join(s.dir, "data"),
		Env:  func(string) string { return "" },
	})
	if err != nil {
		s.t.Fatalf("parse activemq.xml: %v\n%s", err, s.xml)
	}
	for _, w := range warns {
		s.t.Logf("activemq.xml: %v", w)
	}
	return cfg
}

func (s *jmsServer) start() {
	s.t.Helper()
	srv, err := New(s.parse(), Options{Logger: jmsLogger()})
	if err != nil {
		s.t.Fatalf("server.New: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		s.t.Fatalf("server.Start: %v", err)
	}
	a := srv.Addr("stomp")
	if a == nil {
		srv.Close()
		s.t.Fatalf("no stomp connector; connectors: %v", srv.Connectors())
	}
	s.srv, s.addr = srv, a.String()
}

// restart closes the server and starts a new one on the same directory.
func (s *jmsServer) restart() {
	s.t.Helper()
	if err := s.srv.Close(); err != nil {
		s.t.Fatalf("close: %v", err)
	}
	s.srv = nil
	s.start()
}

// b returns the running broker core.
func (s *jmsServer) b() *broker.Broker { return s.srv.Broker() }

// queueSize returns a queue's QueueSize (pending + in flight), -1 if the
// queue does not exist.
func (s *jmsServer) queueSize(name string) int64 {
	st, ok := s.b().QueueStats(broker.QueueDest(name))
	if !ok {
		return -1
	}
	return st.QueueSize
}

// hasQueue reports whether the broker has a queue of that name.
func (s *jmsServer) hasQueue(name string) bool {
	for _, q := range s.b().Queues() {
		if q.Dest.Kind == broker.Queue && q.Dest.Name == name {
			return true
		}
	}
	return false
}

// jmsEventually polls cond until it holds or jmsWait passes.
func jmsEventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(jmsWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// jmsClient is a raw STOMP 1.2 client. A goroutine reads frames into a
// buffer; the test takes frames from it by predicate, with deadlines, so
// frames for other subscriptions wait their turn in order.
type jmsClient struct {
	t    testing.TB
	name string
	nc   net.Conn
	wmu  sync.Mutex

	mu     sync.Mutex
	frames []*frame.Frame
	err    error
	notify chan struct{}

	seq atomic.Int64
}

// dial connects with STOMP 1.2; hdrs are extra CONNECT headers as key,
// value pairs (client-id, ...).
func (s *jmsServer) dial(t testing.TB, name string, hdrs ...string) *jmsClient {
	t.Helper()
	c := jmsDialRaw(t, s.addr, name)
	c.write("CONNECT", "", append([]string{"accept-version", "1.2", "host", "localhost", "heart-beat", "0,0"}, hdrs...)...)
	f := c.await(jmsWait, "CONNECTED", func(f *frame.Frame) bool { return true })
	if f.Command != frame.CONNECTED {
		t.Fatalf("%s: CONNECT answered with %s", name, jmsDescribe(f))
	}
	return c
}

// jmsDialRaw opens the TCP connection and starts the reader.
func jmsDialRaw(t testing.TB, addr, name string) *jmsClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, jmsWait)
	if err != nil {
		t.Fatal(err)
	}
	c := &jmsClient{t: t, name: name, nc: nc, notify: make(chan struct{})}
	t.Cleanup(func() { nc.Close() })
	go c.readLoop()
	return c
}

func (c *jmsClient) readLoop() {
	rd := frame.NewReader(c.nc, frame.Limits{})
	for {
		f, err := rd.ReadFrame()
		if err != nil {
			c.mu.Lock()
			c.err = err
			close(c.notify)
			c.notify = make(chan struct{})
			c.mu.Unlock()
			return
		}
		if f == nil {
			continue
		}
		if f.Command == frame.CONNECTED {
			if v, ok := f.Get("version"); ok {
				rd.SetVersion(v)
			}
		}
		c.mu.Lock()
		c.frames = append(c.frames, f)
		close(c.notify)
		c.notify = make(chan struct{})
		c.mu.Unlock()
	}
}

// jmsFrameBytes encodes a client frame; hdrs are key, value pairs.
func jmsFrameBytes(cmd, body string, hdrs ...string) []byte {
	if len(hdrs)%2 != 0 {
		panic("odd header list")
	}
	f := &frame.Frame{Command: cmd, Body: []byte(body)}
	for i := 0; i < len(hdrs); i += 2 {
		f.Add(hdrs[i], hdrs[i+1])
	}
	return frame.AppendFrame(nil, f, frame.V12)
}

// tryWrite sends a frame; safe from any goroutine.
func (c *jmsClient) tryWrite(cmd, body string, hdrs ...string) error {
	b := jmsFrameBytes(cmd, body, hdrs...)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(jmsWait))
	_, err := c.nc.Write(b)
	return err
}

// write sends a frame without waiting for anything.
func (c *jmsClient) write(cmd, body string, hdrs ...string) {
	c.t.Helper()
	if err := c.tryWrite(cmd, body, hdrs...); err != nil {
		c.t.Fatalf("%s: write %s: %v", c.name, cmd, err)
	}
}

// receiptID returns a fresh receipt id.
func (c *jmsClient) receiptID() string {
	return fmt.Sprintf("%s-r%d", c.name, c.seq.Add(1))
}

// request sends a frame with a receipt and waits for the RECEIPT; an ERROR
// answering it fails the test.
func (c *jmsClient) request(cmd, body string, hdrs ...string) {
	c.t.Helper()
	if f := c.call(cmd, body, hdrs...); f.Command != frame.RECEIPT {
		c.t.Fatalf("%s: %s %v answered with %s", c.name, cmd, hdrs, jmsDescribe(f))
	}
}

// requestError sends a frame with a receipt and expects an ERROR answering it.
func (c *jmsClient) requestError(cmd, body string, hdrs ...string) *frame.Frame {
	c.t.Helper()
	f := c.call(cmd, body, hdrs...)
	if f.Command != frame.ERROR {
		c.t.Fatalf("%s: %s %v: want ERROR, got %s", c.name, cmd, hdrs, jmsDescribe(f))
	}
	return f
}

// call sends a frame with a receipt and returns the RECEIPT or ERROR for it.
func (c *jmsClient) call(cmd, body string, hdrs ...string) *frame.Frame {
	c.t.Helper()
	id := c.receiptID()
	c.write(cmd, body, append(append([]string(nil), hdrs...), "receipt", id)...)
	return c.await(jmsWait, "answer to "+cmd+" receipt "+id, func(f *frame.Frame) bool {
		return (f.Command == frame.RECEIPT && jmsHdr(f, "receipt-id") == id) ||
			(f.Command == frame.ERROR && jmsHdr(f, "receipt-id") == id)
	})
}

// send publishes without a receipt.
func (c *jmsClient) send(dest, body string, hdrs ...string) {
	c.t.Helper()
	c.write("SEND", body, append([]string{"destination", dest}, hdrs...)...)
}

// sendR publishes and waits for the receipt.
func (c *jmsClient) sendR(dest, body string, hdrs ...string) {
	c.t.Helper()
	c.request("SEND", body, append([]string{"destination", dest}, hdrs...)...)
}

// sendAll publishes n messages, each with a receipt, pipelined, and waits
// for every receipt. gen returns the body and extra headers of message i.
func (c *jmsClient) sendAll(dest string, n int, gen func(i int) (string, []string)) {
	c.t.Helper()
	ids := make([]string, n)
	for i := 0; i < n; i++ {
		body, hdrs := gen(i)
		ids[i] = c.receiptID()
		c.write("SEND", body, append(append([]string{"destination", dest}, hdrs...), "receipt", ids[i])...)
	}
	for _, id := range ids {
		id := id
		f := c.await(jmsWait, "receipt "+id, func(f *frame.Frame) bool {
			return (f.Command == frame.RECEIPT || f.Command == frame.ERROR) && jmsHdr(f, "receipt-id") == id
		})
		if f.Command != frame.RECEIPT {
			c.t.Fatalf("%s: send to %s: %s", c.name, dest, jmsDescribe(f))
		}
	}
}

// subscribe subscribes and waits until the subscription is live.
func (c *jmsClient) subscribe(id, dest string, hdrs ...string) {
	c.t.Helper()
	c.request("SUBSCRIBE", "", append([]string{"id", id, "destination", dest}, hdrs...)...)
}

// take removes and returns the first buffered frame matching pred, or nil.
func (c *jmsClient) take(pred func(*frame.Frame) bool) (*frame.Frame, error, chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, f := range c.frames {
		if pred(f) {
			c.frames = append(c.frames[:i], c.frames[i+1:]...)
			return f, nil, nil
		}
	}
	return nil, c.err, c.notify
}

// tryAwait waits up to d for a frame matching pred and removes it from the
// buffer; nil on timeout or when the connection ended.
func (c *jmsClient) tryAwait(d time.Duration, pred func(*frame.Frame) bool) *frame.Frame {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		f, err, wake := c.take(pred)
		if f != nil {
			return f
		}
		if err != nil {
			return nil
		}
		select {
		case <-wake:
		case <-timer.C:
			return nil
		}
	}
}

// await is tryAwait that fails the test on timeout.
func (c *jmsClient) await(d time.Duration, what string, pred func(*frame.Frame) bool) *frame.Frame {
	c.t.Helper()
	f := c.tryAwait(d, pred)
	if f == nil {
		c.t.Fatalf("%s: no %s within %v (connection error: %v; buffered: %s)", c.name, what, d, c.readErr(), c.pending())
	}
	return f
}

func jmsIsMsgFor(sub string) func(*frame.Frame) bool {
	return func(f *frame.Frame) bool { return f.Command == frame.MESSAGE && jmsHdr(f, "subscription") == sub }
}

func jmsIsError(f *frame.Frame) bool { return f.Command == frame.ERROR }

// msg returns the next MESSAGE of subscription sub.
func (c *jmsClient) msg(sub string) *frame.Frame {
	c.t.Helper()
	return c.await(jmsWait, "MESSAGE for subscription "+sub, jmsIsMsgFor(sub))
}

// msgBody returns the body of the next MESSAGE of subscription sub.
func (c *jmsClient) msgBody(sub string) string {
	c.t.Helper()
	return string(c.msg(sub).Body)
}

// bodies reads n MESSAGEs of subscription sub and returns their bodies.
func (c *jmsClient) bodies(sub string, n int) []string {
	c.t.Helper()
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, c.msgBody(sub))
	}
	return out
}

// noMsg asserts that subscription sub receives nothing for d.
func (c *jmsClient) noMsg(sub string, d time.Duration) {
	c.t.Helper()
	if f := c.tryAwait(d, jmsIsMsgFor(sub)); f != nil {
		c.t.Fatalf("%s: unexpected MESSAGE for subscription %s: %s", c.name, sub, jmsDescribe(f))
	}
}

// noError asserts that no unsolicited ERROR is buffered.
func (c *jmsClient) noError() {
	c.t.Helper()
	if f, _, _ := c.take(jmsIsError); f != nil {
		c.t.Fatalf("%s: unexpected %s", c.name, jmsDescribe(f))
	}
}

// ack acknowledges a MESSAGE (STOMP 1.2: id = its ack header).
func (c *jmsClient) ack(m *frame.Frame) {
	c.t.Helper()
	c.request("ACK", "", "id", jmsHdr(m, "ack"))
}

// nack rejects a MESSAGE.
func (c *jmsClient) nack(m *frame.Frame) {
	c.t.Helper()
	c.request("NACK", "", "id", jmsHdr(m, "ack"))
}

// sync makes one round trip (BEGIN, then ABORT with a receipt). The
// connection's writer answers in order, so once the RECEIPT is here the
// broker has settled every MESSAGE this client received before: auto-acked
// ones are acked, the others count as delivered.
func (c *jmsClient) sync() {
	c.t.Helper()
	tx := c.receiptID() + "-sync"
	c.write("BEGIN", "", "transaction", tx)
	c.request("ABORT", "", "transaction", tx)
}

// disconnect settles what was received (sync), sends DISCONNECT with a
// receipt and waits for the close.
func (c *jmsClient) disconnect() {
	c.t.Helper()
	c.sync()
	c.request("DISCONNECT", "")
	if !c.awaitClosed(jmsWait) {
		c.t.Fatalf("%s: connection still open after DISCONNECT", c.name)
	}
}

// close drops the TCP connection without DISCONNECT.
func (c *jmsClient) close() { c.nc.Close() }

// awaitClosed waits for the server to end the connection.
func (c *jmsClient) awaitClosed(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		c.mu.Lock()
		err, wake := c.err, c.notify
		c.mu.Unlock()
		if err != nil {
			return true
		}
		select {
		case <-wake:
		case <-timer.C:
			return false
		}
	}
}

func (c *jmsClient) readErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *jmsClient) pending() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.frames) == 0 {
		return "none"
	}
	var parts []string
	for _, f := range c.frames {
		parts = append(parts, jmsDescribe(f))
	}
	return strings.Join(parts, "; ")
}

// jmsHdr returns a header value ("" when absent).
func jmsHdr(f *frame.Frame, k string) string {
	v, _ := f.Get(k)
	return v
}

func jmsHasHdr(f *frame.Frame, k string) bool {
	_, ok := f.Get(k)
	return ok
}

func jmsDescribe(f *frame.Frame) string {
	if f == nil {
		return "<nil>"
	}
	var hs []string
	for _, h := range f.Headers {
		hs = append(hs, h.Key+":"+h.Value)
	}
	body := string(f.Body)
	if len(body) > 200 {
		body = body[:200] + "..."
	}
	return fmt.Sprintf("%s{%s} %q", f.Command, strings.Join(hs, ", "), body)
}

// jmsSub names one subscription of one client.
type jmsSub struct {
	c  *jmsClient
	id string
}

// jmsGather collects MESSAGEs from several subscriptions until want arrived in
// total (or jmsWait passes), then watches jmsQuiet for extras. It returns
// the frames per subscription, in arrival order.
func jmsGather(t testing.TB, want int, subs ...jmsSub) [][]*frame.Frame {
	t.Helper()
	out := make([][]*frame.Frame, len(subs))
	total := 0
	collect := func() {
		for i, s := range subs {
			for {
				f, _, _ := s.c.take(jmsIsMsgFor(s.id))
				if f == nil {
					break
				}
				out[i] = append(out[i], f)
				total++
			}
		}
	}
	deadline := time.Now().Add(jmsWait)
	for collect(); total < want; collect() {
		if time.Now().After(deadline) {
			t.Fatalf("got %d of %d messages", total, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(jmsQuiet)
	collect()
	if total != want {
		t.Fatalf("got %d messages, want %d", total, want)
	}
	return out
}

func jmsBodies(fs []*frame.Frame) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f.Body)
	}
	return out
}

// browse reads a queue with a browser subscription and returns the
// messages before browser:end.
func (c *jmsClient) browse(id, queue string, hdrs ...string) []*frame.Frame {
	c.t.Helper()
	c.write("SUBSCRIBE", "", append([]string{"id", id, "destination", "/queue/" + queue, "browser", "true"}, hdrs...)...)
	var out []*frame.Frame
	for {
		f := c.await(jmsWait, "browse of "+queue, func(f *frame.Frame) bool {
			return (f.Command == frame.MESSAGE && jmsHdr(f, "subscription") == id) || f.Command == frame.ERROR
		})
		if f.Command == frame.ERROR {
			c.t.Fatalf("%s: browse %s: %s", c.name, queue, jmsDescribe(f))
		}
		if jmsHdr(f, "browser") == "end" {
			return out
		}
		out = append(out, f)
	}
}

func jmsEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func jmsNowMs() int64 { return time.Now().UnixMilli() }
