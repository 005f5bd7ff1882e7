package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/stomp"
	"amq/internal/stomp/frame"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// testBroker is the project's broker served by the project's STOMP server.
type testBroker struct {
	b    *broker.Broker
	srv  *stomp.Server
	addr string
	once sync.Once
}

func startBroker(t *testing.T, name string, auth broker.Authorizer) *testBroker {
	t.Helper()
	b, err := broker.New(broker.Config{Name: name, Logger: quietLog, Authorizer: auth})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := stomp.NewServer(stomp.Options{Broker: b, Logger: quietLog})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	tb := &testBroker{b: b, srv: srv, addr: l.Addr().String()}
	t.Cleanup(tb.close)
	return tb
}

func (tb *testBroker) close() {
	tb.once.Do(func() {
		tb.srv.Close()
		tb.b.Close()
	})
}

func (tb *testBroker) url() string { return "stomp://" + tb.addr }

// queueSize is the number of messages a queue holds (0 if it does not exist).
func (tb *testBroker) queueSize(name string) int64 {
	st, ok := tb.b.QueueStats(broker.QueueDest(name))
	if !ok {
		return 0
	}
	return st.QueueSize
}

// waitQueueSize waits for a queue to settle at want messages.
func (tb *testBroker) waitQueueSize(t *testing.T, name string, want int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for tb.queueSize(name) != want {
		if time.Now().After(deadline) {
			t.Fatalf("queue %s holds %d messages, want %d", name, tb.queueSize(name), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// rawClient is a bare STOMP client on the project's frame codec. A
// goroutine reads, since the Reader's errors (a read timeout included) are
// final.
type rawClient struct {
	t      *testing.T
	nc     net.Conn
	rd     *frame.Reader
	ver    string
	n      int
	frames chan *frame.Frame
	rerr   error // set before frames is closed
}

func dialRaw(t *testing.T, addr, version string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &rawClient{t: t, nc: nc, rd: frame.NewReader(nc, frame.Limits{}), frames: make(chan *frame.Frame, 1024)}
	t.Cleanup(func() { nc.Close() })
	c.write(&frame.Frame{Command: frame.CONNECT, Headers: []frame.Header{{Key: "accept-version", Value: version}, {Key: "host", Value: "localhost"}}})
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f *frame.Frame
	for f == nil && err == nil {
		f, err = c.rd.ReadFrame()
	}
	if err != nil || f.Command != frame.CONNECTED {
		t.Fatalf("CONNECT: %v %v", err, f)
	}
	nc.SetReadDeadline(time.Time{})
	c.ver, _ = f.Get("version")
	if c.ver == "" {
		c.ver = frame.V10
	}
	c.rd.SetVersion(c.ver)
	go func() {
		for {
			f, err := c.rd.ReadFrame()
			if err != nil {
				c.rerr = err
				close(c.frames)
				return
			}
			if f != nil {
				c.frames <- f
			}
		}
	}()
	return c
}

func (c *rawClient) write(f *frame.Frame) {
	c.t.Helper()
	if _, err := c.nc.Write(frame.AppendFrame(nil, f, c.ver)); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the next frame or fails the test.
func (c *rawClient) read(timeout time.Duration) *frame.Frame {
	c.t.Helper()
	f, err := c.tryRead(timeout)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return f
}

var errQuiet = errors.New("nothing received")

func (c *rawClient) tryRead(timeout time.Duration) (*frame.Frame, error) {
	select {
	case f, ok := <-c.frames:
		if !ok {
			return nil, c.rerr
		}
		return f, nil
	case <-time.After(timeout):
		return nil, errQuiet
	}
}

// send SENDs with a receipt and waits for it.
func (c *rawClient) send(dest string, body []byte, kv ...string) {
	c.t.Helper()
	c.n++
	rid := "r" + strconv.Itoa(c.n)
	f := &frame.Frame{Command: frame.SEND, Body: body}
	f.Add("destination", dest)
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	f.Add("receipt", rid)
	c.write(f)
	r := c.read(5 * time.Second)
	if r.Command != frame.RECEIPT {
		c.t.Fatalf("SEND to %s: got %s %s", dest, r.Command, errorText(r))
	}
}

// drain subscribes to a queue with auto ack and returns every message
// received until none comes for quiet.
func (c *rawClient) drain(queue string, quiet time.Duration) []*frame.Frame {
	c.t.Helper()
	c.n++
	id := "d" + strconv.Itoa(c.n)
	c.write(&frame.Frame{Command: frame.SUBSCRIBE, Headers: []frame.Header{
		{Key: "id", Value: id}, {Key: "destination", Value: "/queue/" + queue}, {Key: "ack", Value: "auto"}}})
	var out []*frame.Frame
	for {
		f, err := c.tryRead(quiet)
		if err == errQuiet {
			break
		}
		if err != nil {
			c.t.Fatalf("drain %s: %v", queue, err)
		}
		if f.Command == frame.ERROR {
			c.t.Fatalf("drain %s: ERROR %s", queue, errorText(f))
		}
		if f.Command == frame.MESSAGE {
			out = append(out, f)
		}
	}
	c.write(&frame.Frame{Command: frame.UNSUBSCRIBE, Headers: []frame.Header{{Key: "id", Value: id}}})
	return out
}

// runMigrate runs Run and returns its error, stdout and stderr.
func runMigrate(ctx context.Context, args ...string) (error, string, string) {
	var out, errOut bytes.Buffer
	err := Run(ctx, args, &out, &errOut)
	return err, out.String(), errOut.String()
}

// fakeSource is a scripted STOMP 1.1 broker that is not ActiveMQ: it
// replays ActiveMQ-shaped queue advisories, delivers its queues to
// client-individual subscriptions and removes a message only on ACK.
type fakeSource struct {
	t      *testing.T
	l      net.Listener
	mu     sync.Mutex
	queues map[string][]*frame.Frame // in order; removed on ACK
	dlq    map[string]bool           // advertised with isDLQ options
	acks   []string
	wg     sync.WaitGroup
}

func startFakeSource(t *testing.T) *fakeSource {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeSource{t: t, l: l, queues: map[string][]*frame.Frame{}, dlq: map[string]bool{}}
	fs.wg.Add(1)
	go fs.serve()
	t.Cleanup(func() { l.Close(); fs.wg.Wait() })
	return fs
}

func (fs *fakeSource) url() string { return "stomp://" + fs.l.Addr().String() }

func (fs *fakeSource) add(queue string, id string, body string, kv ...string) {
	f := &frame.Frame{Command: frame.MESSAGE, Body: []byte(body)}
	f.Add("message-id", id)
	f.Add("destination", "/queue/"+queue)
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	fs.mu.Lock()
	fs.queues[queue] = append(fs.queues[queue], f)
	fs.mu.Unlock()
}

func (fs *fakeSource) size(queue string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.queues[queue])
}

func (fs *fakeSource) serve() {
	defer fs.wg.Done()
	for {
		nc, err := fs.l.Accept()
		if err != nil {
			return
		}
		fs.wg.Add(1)
		go func() {
			defer fs.wg.Done()
			defer nc.Close()
			fs.conn(nc)
		}()
	}
}

// advisoryJSON renders a DestinationInfo the way ActiveMQ 5.17's
// JmsFrameTranslator does for transformation:jms-advisory-json.
func advisoryJSON(name string, dlq bool) string {
	opts := `"null":""`
	if dlq {
		opts = `"map":{"entry":{"string":["isDLQ","true"]}}`
	}
	return `{"DestinationInfo":{"commandId":0,"responseRequired":false,"connectionId":{"value":"ID:fake-40000-1700000000000-3:1"},` +
		`"destination":{"@class":"ActiveMQQueue","string":"` + name + `",` + opts + `},"operationType":0,"timeout":0}}`
}

func (fs *fakeSource) conn(nc net.Conn) {
	rd := frame.NewReader(nc, frame.Limits{})
	enc := frame.NewEncoder(frame.V11)
	write := func(b []byte) { nc.Write(b) }
	msg := func(cmd string, body []byte, kv ...string) []byte {
		b := enc.AppendCommand(nil, cmd)
		for i := 0; i+1 < len(kv); i += 2 {
			b = enc.AppendHeader(b, kv[i], kv[i+1])
		}
		return enc.AppendBody(b, body)
	}
	subs := map[string]string{} // id -> queue
	for {
		f, err := rd.ReadFrame()
		if err != nil {
			return
		}
		if f == nil {
			continue
		}
		receipt := func() {
			if r, ok := f.Get("receipt"); ok {
				write(msg(frame.RECEIPT, nil, "receipt-id", r))
			}
		}
		switch f.Command {
		case frame.CONNECT, frame.STOMP:
			var e frame.Encoder
			b := e.AppendCommand(nil, frame.CONNECTED)
			b = e.AppendHeader(b, "version", frame.V11)
			b = e.AppendHeader(b, "server", "FakeMQ/1.0")
			write(e.AppendBody(b, nil))
			rd.SetVersion(frame.V11)
		case frame.SUBSCRIBE:
			id, _ := f.Get("id")
			dest, _ := f.Get("destination")
			receipt()
			if dest == advisoryTopic {
				fs.mu.Lock()
				var names []string
				for q := range fs.queues {
					names = append(names, q)
				}
				fs.mu.Unlock()
				for i, q := range names {
					write(msg(frame.MESSAGE, []byte(advisoryJSON(q, fs.dlq[q])), "subscription", id, "message-id", fmt.Sprintf("adv-%d", i),
						"destination", advisoryTopic, "type", "Advisory", "transformation", "jms-advisory-json"))
				}
				continue
			}
			q := strings.TrimPrefix(dest, "/queue/")
			subs[id] = q
			fs.mu.Lock()
			ms := append([]*frame.Frame(nil), fs.queues[q]...)
			fs.mu.Unlock()
			for _, m := range ms {
				b := enc.AppendCommand(nil, frame.MESSAGE)
				b = enc.AppendHeader(b, "subscription", id)
				for _, h := range m.Headers {
					b = enc.AppendHeader(b, h.Key, h.Value)
				}
				write(enc.AppendBody(b, m.Body))
			}
		case frame.ACK:
			sub, _ := f.Get("subscription")
			id, _ := f.Get("message-id")
			fs.mu.Lock()
			fs.acks = append(fs.acks, id)
			q := subs[sub]
			ms := fs.queues[q]
			for i, m := range ms {
				if mid, _ := m.Get("message-id"); mid == id {
					fs.queues[q] = append(ms[:i:i], ms[i+1:]...)
					break
				}
			}
			fs.mu.Unlock()
		case frame.UNSUBSCRIBE:
			receipt()
		case frame.DISCONNECT:
			receipt()
			return
		default:
			receipt()
		}
	}
}
