package broker

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"amq/store"
	"amq/store/memory"
)

// gatedStore applies ops to a memory store at once but holds their
// completions while gated, as a journal whose fsync has not returned yet. It
// records the order in which ops reached it.
type gatedStore struct {
	store.Store
	mu    sync.Mutex
	gated bool
	fail  error
	held  []func()
	order []store.Op
}

func (g *gatedStore) Apply(ops []store.Op, done func(store.Position, error)) {
	g.mu.Lock()
	g.order = append(g.order, ops...)
	fail := g.fail
	g.mu.Unlock()
	if fail != nil {
		done(0, fail)
		return
	}
	g.Store.Apply(ops, func(p store.Position, err error) {
		g.mu.Lock()
		if g.gated {
			g.held = append(g.held, func() { done(p, err) })
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		done(p, err)
	})
}

// open ends the gate and completes what it held, in order.
func (g *gatedStore) open() {
	g.mu.Lock()
	g.gated = false
	held := g.held
	g.held = nil
	g.mu.Unlock()
	for _, f := range held {
		f()
	}
}

func (g *gatedStore) ops() []store.Op {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]store.Op(nil), g.order...)
}

func newGatedBroker(t *testing.T, concurrent bool) (*Broker, *gatedStore) {
	t.Helper()
	g := &gatedStore{Store: memory.New(), gated: true}
	b, err := New(Config{Store: g, ConcurrentStoreAndDispatchQueues: concurrent})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.open(); b.Close() })
	return b, g
}

// sendAsync sends a persistent text message and returns its completion.
func sendAsync(t *testing.T, c *Client, d Destination, body string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	m := &Message{Dest: d, Body: []byte(body), BodyKind: BodyText, Persistent: true, Priority: 4}
	if err := c.Conn().Send(m, nil, func(err error) { done <- err }); err != nil {
		t.Fatal(err)
	}
	return done
}

// completes waits for a send's completion and fails unless it came without
// an error; why says what should have completed it.
func completes(t *testing.T, ch <-chan error, why string) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("%s: %v", why, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("not completed: %s", why)
	}
}

func pending(ch <-chan error) bool {
	select {
	case <-ch:
		return false
	case <-time.After(50 * time.Millisecond):
		return true
	}
}

// An auto-ack consumer gets the message while its write is under way, and
// consuming it completes the send; the ack reaches the store after the add.
func TestConcurrentDispatchConsumedCompletesSend(t *testing.T) {
	b, g := newGatedBroker(t, true)
	c, _ := b.NewClient("")
	q := QueueDest("csd")
	s, err := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, true)
	if err != nil {
		t.Fatal(err)
	}
	done := sendAsync(t, c, q, "one")
	if d := recv(t, s); string(d.Msg.Body) != "one" {
		t.Fatalf("got %q", d.Msg.Body)
	}
	completes(t, done, "the send, once its message was consumed")
	waitFor(t, func() bool { return len(g.ops()) == 2 })
	ops := g.ops()
	if ops[0].Kind != store.OpAdd || ops[1].Kind != store.OpAck || ops[1].Ack.Seq != ops[0].Record.Seq {
		t.Fatalf("store saw %+v, want the add, then its ack", ops)
	}
}

// Without a consumer's ack the send waits for the store, even when the
// message was dispatched; an ack the client waits for releases nothing
// early either; one it does not wait for does.
func TestConcurrentDispatchWaitsForStoreUnlessConsumed(t *testing.T) {
	b, g := newGatedBroker(t, true)
	c, _ := b.NewClient("")
	q := QueueDest("csd")
	first := sendAsync(t, c, q, "first")
	second := sendAsync(t, c, q, "second")
	if !pending(first) || !pending(second) {
		t.Fatal("a send completed before its write and without a consumer")
	}
	s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, false)
	d1, d2 := recv(t, s), recv(t, s) // dispatched while unwritten
	ackDone := make(chan error, 1)
	if err := s.Consumer().Ack(d1.Msg.ID, AckIndividual, nil, func(err error) { ackDone <- err }); err != nil {
		t.Fatal(err)
	}
	if !pending(first) {
		t.Fatal("an ack with a receipt completed the send before its write")
	}
	if err := s.Consumer().Ack(d2.Msg.ID, AckIndividual, nil, nil); err != nil {
		t.Fatal(err)
	}
	completes(t, second, "the send, by an ack without a receipt")
	g.open()
	completes(t, first, "the send, after its write")
	completes(t, ackDone, "the ack with a receipt, after its write")
}

// With the setting off a persistent message is dispatched only once durable.
func TestConcurrentDispatchOff(t *testing.T) {
	b, g := newGatedBroker(t, false)
	c, _ := b.NewClient("")
	q := QueueDest("csd")
	s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, true)
	done := sendAsync(t, c, q, "one")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.Receive(ctx); err == nil {
		t.Fatal("dispatched before durable with concurrentStoreAndDispatchQueues off")
	}
	g.open()
	recv(t, s)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A failed write is reported to the sender and the message is taken back.
func TestConcurrentDispatchWriteFailure(t *testing.T) {
	b, g := newGatedBroker(t, true)
	g.mu.Lock()
	g.fail = errors.New("disk on fire")
	g.mu.Unlock()
	c, _ := b.NewClient("")
	q := QueueDest("csd")
	if err := <-sendAsync(t, c, q, "lost"); err == nil {
		t.Fatal("a failed write completed the send without an error")
	}
	st, _ := b.QueueStats(q)
	if st.QueueSize != 0 {
		t.Fatalf("queue holds %d messages after a failed write, want 0", st.QueueSize)
	}
}

// A message past the memory window waits for its write, so a page-in can
// read it; it still arrives, once, in order.
func TestConcurrentDispatchPastWindow(t *testing.T) {
	g := &gatedStore{Store: memory.New()}
	pol := func(Destination) Policy { p := DefaultPolicy(); p.PageWindow = 4 << 10; return p }
	b, err := New(Config{Store: g, ConcurrentStoreAndDispatchQueues: true, PolicyFor: pol})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, _ := b.NewClient("")
	q := QueueDest("csd")
	const n = 200
	body := string(make([]byte, 512))
	for i := 0; i < n; i++ {
		if err := <-sendAsync(t, c, q, body+itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, true)
	for i := 0; i < n; i++ {
		d := recv(t, s)
		if got := string(d.Msg.Body[512:]); got != itoa(i) {
			t.Fatalf("message %d: got %s", i, got)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if d, err := s.Receive(ctx); err == nil {
		t.Fatalf("extra message %q", d.Msg.Body[512:])
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
