package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"amq/store/memory"
)

func newTestBroker(t *testing.T) *Broker {
	t.Helper()
	b, err := New(Config{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func client(t *testing.T, b *Broker, id string) *Client {
	t.Helper()
	c, err := b.NewClient(id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func recv(t *testing.T, s *Subscription) *Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d, err := s.Receive(ctx)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return d
}

func noMsg(t *testing.T, s *Subscription) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if d, err := s.Receive(ctx); err == nil {
		t.Fatalf("unexpected message %q", d.Msg.Body)
	}
}

func send(t *testing.T, c *Client, d Destination, body string, persistent bool) {
	t.Helper()
	if err := c.SendText(context.Background(), d, body, persistent); err != nil {
		t.Fatal(err)
	}
}

func TestQueueRoundRobinAndOrder(t *testing.T) {
	b := newTestBroker(t)
	c := client(t, b, "")
	q := QueueDest("rr")
	s1, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 1}, false)
	s2, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 1}, false)
	for i := 0; i < 4; i++ {
		send(t, c, q, fmt.Sprint(i), false)
	}
	d1 := recv(t, s1)
	d2 := recv(t, s2)
	if string(d1.Msg.Body) != "0" || string(d2.Msg.Body) != "1" {
		t.Fatalf("got %s %s", d1.Msg.Body, d2.Msg.Body)
	}
	noMsg(t, s1) // prefetch 1 and unacked
	if err := s1.Ack(d1); err != nil {
		t.Fatal(err)
	}
	if d := recv(t, s1); string(d.Msg.Body) != "2" {
		t.Fatalf("got %s", d.Msg.Body)
	}
}

func TestRedeliveryOnClose(t *testing.T) {
	b := newTestBroker(t)
	c := client(t, b, "")
	q := QueueDest("redeliver")
	send(t, c, q, "a", true)
	send(t, c, q, "b", true)
	s1, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, false)
	d := recv(t, s1)
	if d.DeliveryCount != 1 || d.Redelivered {
		t.Fatalf("first delivery count %d redelivered %v", d.DeliveryCount, d.Redelivered)
	}
	recv(t, s1)
	s1.Close()
	s2, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, false)
	d = recv(t, s2)
	if string(d.Msg.Body) != "a" || d.DeliveryCount != 2 || !d.Redelivered {
		t.Fatalf("redelivery: body %s count %d redelivered %v", d.Msg.Body, d.DeliveryCount, d.Redelivered)
	}
	if d := recv(t, s2); string(d.Msg.Body) != "b" {
		t.Fatalf("order after redelivery: %s", d.Msg.Body)
	}
}

func TestMaxRedeliveriesToDLQ(t *testing.T) {
	b := newTestBroker(t)
	c := client(t, b, "")
	q := QueueDest("poison")
	send(t, c, q, "p", true)
	for i := 0; i < 7; i++ {
		s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 1}, false)
		recv(t, s)
		s.Close()
	}
	s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 1}, false)
	noMsg(t, s)
	dlq, _ := c.Subscribe(SubscribeOptions{Dest: QueueDest("ActiveMQ.DLQ"), Prefetch: 1}, false)
	d := recv(t, dlq)
	if string(d.Msg.Body) != "p" || d.Msg.OriginalDest != q {
		t.Fatalf("dlq got %s from %v", d.Msg.Body, d.Msg.OriginalDest)
	}
	if p, ok := d.Msg.Prop("dlqDeliveryFailureCause"); !ok || p.S == "" {
		t.Fatal("no dlqDeliveryFailureCause")
	}
}

func TestTopicFanOutAndDurable(t *testing.T) {
	b := newTestBroker(t)
	pub := client(t, b, "")
	tp := TopicDest("news")
	sub1 := client(t, b, "c1")
	s1, err := sub1.Subscribe(SubscribeOptions{Dest: tp, Prefetch: -1}, true)
	if err != nil {
		t.Fatal(err)
	}
	dur, err := sub1.Subscribe(SubscribeOptions{Dest: tp, Prefetch: -1, DurableName: "d"}, false)
	if err != nil {
		t.Fatal(err)
	}
	send(t, pub, tp, "one", true)
	if d := recv(t, s1); string(d.Msg.Body) != "one" {
		t.Fatal("fan-out")
	}
	d := recv(t, dur)
	if err := dur.Ack(d); err != nil {
		t.Fatal(err)
	}
	dur.Close()
	send(t, pub, tp, "two", true)
	send(t, pub, tp, "np", false) // non-persistent: kept for an offline durable too
	dur, err = sub1.Subscribe(SubscribeOptions{Dest: tp, Prefetch: -1, DurableName: "d"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"two", "np"} {
		if d := recv(t, dur); string(d.Msg.Body) != want {
			t.Fatalf("durable got %s, want %s", d.Msg.Body, want)
		}
	}
	noMsg(t, dur)
	if err := sub1.Conn().RemoveDurable("d"); err == nil {
		t.Fatal("removing an active durable subscription must fail")
	}
	dur.Close()
	if err := sub1.Conn().RemoveDurable("d"); err != nil {
		t.Fatal(err)
	}
}

func TestTransactions(t *testing.T) {
	b := newTestBroker(t)
	c := client(t, b, "")
	q := QueueDest("tx")
	tx, _ := c.Conn().Begin("t1")
	if err := c.Conn().Send(&Message{Dest: q, Body: []byte("x"), Persistent: true}, tx, nil); err != nil {
		t.Fatal(err)
	}
	s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, false)
	noMsg(t, s)
	done := make(chan error, 1)
	tx.Commit(func(err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	d := recv(t, s)
	tx2, _ := c.Conn().Begin("t2")
	if err := s.Consumer().Ack(d.Msg.ID, AckIndividual, tx2, nil); err != nil {
		t.Fatal(err)
	}
	tx2.Abort()
	// Aborted ack: the message is still unacked; closing returns it.
	s.Close()
	s2, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, false)
	d = recv(t, s2)
	if !d.Redelivered {
		t.Fatal("expected redelivered")
	}
	tx3, _ := c.Conn().Begin("t3")
	s2.Consumer().Ack(d.Msg.ID, AckIndividual, tx3, nil)
	tx3.Commit(nil)
	s2.Close()
	if st, _ := b.QueueStats(q); st.QueueSize != 0 {
		t.Fatalf("queue size %d after commit", st.QueueSize)
	}
}

func TestNackInTransactionRefused(t *testing.T) {
	b := newTestBroker(t)
	c := client(t, b, "")
	q := QueueDest("nacktx")
	s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, false)
	send(t, c, q, "x", true)
	d := recv(t, s)
	tx, _ := c.Conn().Begin("t")
	if err := s.Consumer().Nack(d.Msg.ID, "", tx, nil); !errors.Is(err, ErrTransactedNack) {
		t.Fatalf("Nack in a transaction: %v", err)
	}
	tx.Abort()
	if st, _ := b.QueueStats(QueueDest("ActiveMQ.DLQ")); st.QueueSize != 0 {
		t.Fatalf("DLQ holds %d", st.QueueSize)
	}
	if !s.Consumer().HasUnacked(d.Msg.ID) {
		t.Fatal("refused Nack must leave the message unacked")
	}
}

func TestTempQueueDiesWithConnection(t *testing.T) {
	b := newTestBroker(t)
	c1 := client(t, b, "")
	c2 := client(t, b, "")
	tq, err := c1.Conn().CreateTemp(TempQueue)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c1.Subscribe(SubscribeOptions{Dest: tq, Prefetch: 10}, true)
	send(t, c2, tq, "reply", false)
	recv(t, s)
	c1.Close()
	if err := c2.SendText(context.Background(), tq, "late", false); err == nil {
		t.Fatal("send to a dead temp queue must fail")
	}
	// In a transaction too, at the send rather than silently at commit.
	tx, _ := c2.Conn().Begin("late")
	if err := c2.Conn().Send(&Message{Dest: tq, Body: []byte("late")}, tx, nil); !errors.Is(err, ErrDeletedDestination) {
		t.Fatalf("transacted send to a dead temp queue: %v", err)
	}
}

func TestRecoverFromStore(t *testing.T) {
	st := memory.New()
	b, _ := New(Config{Store: st})
	b.Start(context.Background())
	c, _ := b.NewClient("cid")
	send(t, c, QueueDest("keep"), "persisted", true)
	send(t, c, QueueDest("keep"), "transient", false)
	s, _ := c.Subscribe(SubscribeOptions{Dest: TopicDest("t"), DurableName: "sub", Prefetch: -1}, false)
	s.Close()
	send(t, c, TopicDest("t"), "for-durable", true)
	b.Close()

	b2, _ := New(Config{Store: st})
	if err := b2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	c2, _ := b2.NewClient("cid")
	s2, _ := c2.Subscribe(SubscribeOptions{Dest: QueueDest("keep"), Prefetch: 10}, true)
	if d := recv(t, s2); string(d.Msg.Body) != "persisted" {
		t.Fatalf("got %s", d.Msg.Body)
	}
	noMsg(t, s2)
	ds, err := c2.Subscribe(SubscribeOptions{Dest: TopicDest("t"), DurableName: "sub", Prefetch: -1}, true)
	if err != nil {
		t.Fatal(err)
	}
	if d := recv(t, ds); string(d.Msg.Body) != "for-durable" {
		t.Fatalf("durable got %s", d.Msg.Body)
	}
}

func TestConcurrentProducersConsumers(t *testing.T) {
	b := newTestBroker(t)
	q := QueueDest("conc")
	const producers, per = 4, 500
	var got sync.Map
	var wg sync.WaitGroup
	cons := client(t, b, "")
	subs := make([]*Subscription, 3)
	for i := range subs {
		subs[i], _ = cons.Subscribe(SubscribeOptions{Dest: q, Prefetch: 7}, false)
	}
	total := make(chan struct{}, producers*per)
	for _, s := range subs {
		s := s
		go func() {
			for {
				d, err := s.Receive(context.Background())
				if err != nil {
					return
				}
				got.Store(string(d.Msg.Body), true)
				s.Ack(d)
				total <- struct{}{}
			}
		}()
	}
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			c, _ := b.NewClient("")
			for i := 0; i < per; i++ {
				c.SendText(context.Background(), q, fmt.Sprintf("%d-%d", p, i), i%2 == 0)
			}
		}(p)
	}
	wg.Wait()
	timeout := time.After(10 * time.Second)
	for i := 0; i < producers*per; i++ {
		select {
		case <-total:
		case <-timeout:
			t.Fatalf("only %d of %d received", i, producers*per)
		}
	}
}

func TestEncodingRoundTrip(t *testing.T) {
	m := &Message{ID: "ID:x-1-2-1:1:1:1:1", Dest: QueueDest("a"), Persistent: true, Priority: 7, Expiration: 123,
		Timestamp: 456, CorrelationID: "c", ReplyTo: TopicDest("r"), Type: "t", GroupID: "g", GroupSeq: -1,
		Props:    []Property{StringProp("s", "v"), {Name: "i", Type: PropInt, I: -5}, {Name: "d", Type: PropDouble, F: 1.5}, {Name: "b", Type: PropBytes, B: []byte{0, 1}}},
		BodyKind: BodyBytes, Body: []byte{0, 1, 2}, WireProps: []byte{9}, BrokerPath: []string{"b1"}, RedeliveryCount: 2}
	got, err := UnmarshalMessage(MarshalMessage(nil, m))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", m) {
		t.Fatalf("round trip:\n%+v\n%+v", got, m)
	}
	for i := 0; i < len(MarshalMessage(nil, m)); i++ {
		if _, err := UnmarshalMessage(MarshalMessage(nil, m)[:i]); err == nil && i > 0 {
			// truncated encodings must fail or decode a prefix safely; never panic
			_ = err
		}
	}
}

func TestMatchWildcard(t *testing.T) {
	cases := []struct {
		p, n string
		ok   bool
	}{{"A.>", "A", true}, {"A.>", "A.B.C", true}, {"A.*", "A.B", true}, {"A.*", "A.B.C", false}, {"*.B", "A.B", true}, {"A", "A", true}, {"A.*.C", "A.B.C", true}, {"A.*.C", "A.B.D", false}, {">", "X.Y", true}}
	for _, c := range cases {
		if got := MatchWildcard(c.p, c.n); got != c.ok {
			t.Errorf("MatchWildcard(%q,%q)=%v", c.p, c.n, got)
		}
	}
}

// A backlog far larger than the page window stays in the store; memory stays
// bounded and everything drains in order.
func TestPagingBoundsMemory(t *testing.T) {
	st := memory.New()
	pol := func(d Destination) Policy { p := DefaultPolicy(); p.PageWindow = 64 << 10; return p }
	b, _ := New(Config{Store: st, PolicyFor: pol})
	b.Start(context.Background())
	c, _ := b.NewClient("")
	q := QueueDest("backlog")
	body := make([]byte, 1024)
	const n = 3000
	for i := 0; i < n; i++ {
		m := &Message{Dest: q, Body: append([]byte(fmt.Sprintf("%06d", i)), body...), Persistent: true, Priority: 4}
		if err := c.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if used := b.memUsed.Load(); used > 256<<10 {
		t.Fatalf("memory holds %d bytes for a 64 KB window", used)
	}
	if st, _ := b.QueueStats(q); st.QueueSize != n {
		t.Fatalf("queue size %d", st.QueueSize)
	}
	check := func(b *Broker, from int) {
		c, _ := b.NewClient("")
		s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 50}, false)
		for i := from; i < n; i++ {
			d := recv(t, s)
			if got := string(d.Msg.Body[:6]); got != fmt.Sprintf("%06d", i) {
				t.Fatalf("message %d: got %s", i, got)
			}
			if err := s.Ack(d); err != nil {
				t.Fatal(err)
			}
			if used := b.memUsed.Load(); used > 512<<10 {
				t.Fatalf("memory holds %d bytes while draining", used)
			}
			if i == n/2 && from == 0 {
				s.Close()
				return
			}
		}
		noMsg(t, s)
	}
	check(b, 0)
	b.Close()
	// Restart over the same store: recovery pages too.
	b2, _ := New(Config{Store: st, PolicyFor: pol})
	b2.Start(context.Background())
	defer b2.Close()
	check(b2, n/2+1)
	if st, _ := b2.QueueStats(q); st.QueueSize != 0 {
		t.Fatalf("queue size %d after drain", st.QueueSize)
	}
}

// Producers and a consumer racing with page-ins: every message exactly once.
func TestPagingConcurrentExactlyOnce(t *testing.T) {
	pol := func(d Destination) Policy { p := DefaultPolicy(); p.PageWindow = 16 << 10; return p }
	b, _ := New(Config{PolicyFor: pol})
	b.Start(context.Background())
	defer b.Close()
	q := QueueDest("race")
	const producers, per = 4, 1500
	cons, _ := b.NewClient("")
	s, _ := cons.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, false)
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			c, _ := b.NewClient("")
			for i := 0; i < per; i++ {
				m := &Message{Dest: q, Body: []byte(fmt.Sprintf("%d-%d-%s", p, i, make([]byte, 200))), Persistent: true, Priority: 4}
				if err := c.Send(context.Background(), m); err != nil {
					t.Error(err)
					return
				}
			}
		}(p)
	}
	seen := map[string]bool{}
	for len(seen) < producers*per {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		d, err := s.Receive(ctx)
		cancel()
		if err != nil {
			t.Fatalf("stalled after %d messages: %v", len(seen), err)
		}
		k := string(d.Msg.Body[:12])
		if seen[k] {
			t.Fatalf("duplicate %q", k)
		}
		seen[k] = true
		s.Ack(d)
	}
	wg.Wait()
	noMsg(t, s)
}

// At the memory limit sends wait (without blocking the caller) until a
// consumer frees space; the same connection keeps acking meanwhile.
func TestProducerFlowControl(t *testing.T) {
	b, _ := New(Config{Usage: Usage{MemoryLimit: 20 << 10}})
	b.Start(context.Background())
	defer b.Close()
	c, _ := b.NewClient("")
	q := QueueDest("pfc")
	var mu sync.Mutex
	doneCount := 0
	for i := 0; i < 100; i++ {
		m := &Message{Dest: q, Body: make([]byte, 1024), Priority: 4}
		if err := c.Conn().Send(m, nil, func(err error) {
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			doneCount++
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	accepted := doneCount
	mu.Unlock()
	if accepted >= 100 || accepted == 0 {
		t.Fatalf("%d of 100 sends accepted at a 20 KB limit", accepted)
	}
	if b.BlockedSends() == 0 {
		t.Fatal("no send is waiting")
	}
	// The same connection consumes and acks: space frees, sends resume.
	s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 5}, false)
	for i := 0; i < 100; i++ {
		d := recv(t, s)
		if err := s.Ack(d); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if doneCount != 100 {
		t.Fatalf("%d sends completed", doneCount)
	}
}

func TestSendFailIfNoSpace(t *testing.T) {
	b, _ := New(Config{Usage: Usage{MemoryLimit: 4 << 10, SendFailIfNoSpace: true}})
	b.Start(context.Background())
	defer b.Close()
	c, _ := b.NewClient("")
	var err error
	for i := 0; i < 50 && err == nil; i++ {
		err = c.Send(context.Background(), &Message{Dest: QueueDest("full"), Body: make([]byte, 1024), Priority: 4})
	}
	if !errors.Is(err, ErrResourceAllocation) || !strings.Contains(err.Error(), "memoryUsage") {
		t.Fatalf("want a ResourceAllocationException naming the limit, got %v", err)
	}
}

// Non-persistent messages past the window spill to the temp store and come
// back in order; memory stays bounded.
func TestNonPersistentSpill(t *testing.T) {
	pol := func(d Destination) Policy { p := DefaultPolicy(); p.PageWindow = 32 << 10; return p }
	b, _ := New(Config{PolicyFor: pol, TempStore: memory.New()})
	b.Start(context.Background())
	defer b.Close()
	c, _ := b.NewClient("")
	q := QueueDest("spill")
	const n = 2000
	for i := 0; i < n; i++ {
		// Interleave persistent ones: both stores merge back in order.
		m := &Message{Dest: q, Body: []byte(fmt.Sprintf("%06d%s", i, make([]byte, 1000))), Persistent: i%5 == 0, Priority: 4}
		if err := c.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if used := b.memUsed.Load(); used > 128<<10 {
		t.Fatalf("memory holds %d bytes for a 32 KB window", used)
	}
	s, _ := c.Subscribe(SubscribeOptions{Dest: q, Prefetch: 20}, false)
	for i := 0; i < n; i++ {
		d := recv(t, s)
		if got := string(d.Msg.Body[:6]); got != fmt.Sprintf("%06d", i) {
			t.Fatalf("message %d: got %s", i, got)
		}
		s.Ack(d)
	}
	noMsg(t, s)
}

// A consumer on ORDERS.> reads every matching queue, later ones included.
func TestWildcardQueueConsumer(t *testing.T) {
	b := newTestBroker(t)
	c := client(t, b, "")
	send(t, c, QueueDest("ORDERS.EU"), "eu", true)
	s, err := c.Subscribe(SubscribeOptions{Dest: QueueDest("ORDERS.>"), Prefetch: 10}, false)
	if err != nil {
		t.Fatal(err)
	}
	d := recv(t, s)
	if string(d.Msg.Body) != "eu" {
		t.Fatalf("got %s", d.Msg.Body)
	}
	send(t, c, QueueDest("ORDERS.US"), "us", false) // a queue created after subscribing
	send(t, c, QueueDest("OTHER"), "other", false)
	d2 := recv(t, s)
	if string(d2.Msg.Body) != "us" {
		t.Fatalf("got %s", d2.Msg.Body)
	}
	noMsg(t, s)
	if err := s.Ack(d); err != nil {
		t.Fatal(err)
	}
	// Closing returns the unacked one to its own queue.
	s.Close()
	s2, _ := c.Subscribe(SubscribeOptions{Dest: QueueDest("ORDERS.US"), Prefetch: 10}, true)
	if d := recv(t, s2); string(d.Msg.Body) != "us" || !d.Redelivered {
		t.Fatalf("got %s redelivered=%v", d.Msg.Body, d.Redelivered)
	}
	if st, _ := b.QueueStats(QueueDest("ORDERS.EU")); st.QueueSize != 0 {
		t.Fatalf("acked message still queued: %+v", st)
	}
	// A composite list of queues works the same way.
	send(t, c, QueueDest("A"), "a", false)
	send(t, c, QueueDest("B"), "b", false)
	s3, _ := c.Subscribe(SubscribeOptions{Dest: QueueDest("A,B"), Prefetch: 10}, true)
	got := map[string]bool{string(recv(t, s3).Msg.Body): true, string(recv(t, s3).Msg.Body): true}
	if !got["a"] || !got["b"] {
		t.Fatalf("composite consumer got %v", got)
	}
}

// Spilled non-persistent messages racing with a consumer: none lost, none twice.
func TestSpillConcurrentExactlyOnce(t *testing.T) {
	pol := func(d Destination) Policy { p := DefaultPolicy(); p.PageWindow = 16 << 10; return p }
	b, _ := New(Config{PolicyFor: pol, TempStore: memory.New()})
	b.Start(context.Background())
	defer b.Close()
	q := QueueDest("spillrace")
	const producers, per = 2, 3000
	cons, _ := b.NewClient("")
	s, _ := cons.Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, true)
	for p := 0; p < producers; p++ {
		go func(p int) {
			c, _ := b.NewClient("")
			for i := 0; i < per; i++ {
				m := &Message{Dest: q, Body: []byte(fmt.Sprintf("%d-%d-%s", p, i, make([]byte, 200))), Priority: 4, Persistent: i%7 == 0}
				c.Conn().Send(m, nil, nil)
			}
		}(p)
	}
	seen := map[string]bool{}
	for len(seen) < producers*per {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		d, err := s.Receive(ctx)
		cancel()
		if err != nil {
			st, _ := b.QueueStats(q)
			t.Fatalf("stalled after %d messages: %v; stats %+v", len(seen), err, st)
		}
		k := string(d.Msg.Body[:12])
		if seen[k] {
			t.Fatalf("duplicate %q", k)
		}
		seen[k] = true
	}
}

// At the tempUsage limit, non-persistent sends that would spill wait.
func TestTempUsageLimit(t *testing.T) {
	pol := func(d Destination) Policy { p := DefaultPolicy(); p.PageWindow = 8 << 10; return p }
	b, _ := New(Config{PolicyFor: pol, TempStore: memory.New(), Usage: Usage{TempLimit: 32 << 10, SendFailIfNoSpace: true}})
	b.Start(context.Background())
	defer b.Close()
	c, _ := b.NewClient("")
	var err error
	for i := 0; i < 200 && err == nil; i++ {
		err = c.Send(context.Background(), &Message{Dest: QueueDest("tmpfull"), Body: make([]byte, 1024), Priority: 4})
	}
	if !errors.Is(err, ErrResourceAllocation) || !strings.Contains(err.Error(), "tempUsage") {
		t.Fatalf("want a refusal naming tempUsage, got %v", err)
	}
	if used, _ := b.TempUsage(); used < 32<<10 {
		t.Fatalf("temp usage %d", used)
	}
}

// gcInactiveDestinations: idle destinations go, busy ones stay.
func TestGCInactiveDestinations(t *testing.T) {
	pol := func(d Destination) Policy { p := DefaultPolicy(); p.InactiveGC = 100 * time.Millisecond; return p }
	b, _ := New(Config{PolicyFor: pol, PurgePeriod: 30 * time.Millisecond})
	b.Start(context.Background())
	defer b.Close()
	c, _ := b.NewClient("")
	b.AddQueue("idle")
	b.AddTopic("idle.topic")
	send(t, c, QueueDest("holds-a-message"), "x", false)
	c.Subscribe(SubscribeOptions{Dest: QueueDest("consumed"), Prefetch: 1}, true)
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, idleQ := b.QueueStats(QueueDest("idle"))
		idleT := false
		for _, d := range b.Topics() {
			idleT = idleT || d.Dest.Name == "idle.topic"
		}
		if !idleQ && !idleT {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle destinations not removed: queue %v topic %v", idleQ, idleT)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, name := range []string{"holds-a-message", "consumed"} {
		if _, ok := b.QueueStats(QueueDest(name)); !ok {
			t.Errorf("busy queue %s removed", name)
		}
	}
}

// populateJMSXUserID stamps the sender's user name, and only then.
func TestPopulateUserID(t *testing.T) {
	for _, on := range []bool{true, false} {
		b, _ := New(Config{PopulateUserID: on})
		b.Start(context.Background())
		c, _ := b.Connect(ConnInfo{User: &User{Name: "alice"}})
		done := make(chan error, 1)
		m := &Message{Dest: QueueDest("u"), Body: []byte("x"), Priority: 4}
		c.Send(m, nil, func(err error) { done <- err })
		<-done
		if got := m.UserID; (got == "alice") != on {
			t.Errorf("populate=%v: JMSXUserID %q", on, got)
		}
		b.Close()
	}
}

func TestIsWildcard(t *testing.T) {
	for name, want := range map[string]bool{
		"A.B": false, "": false, "*": true, ">": true, "A.*": true, "A.>": true, "*.B": true,
		"A.*B": false, "A.B*": false, "A..B": false, "A.": false, ".>": true, "A.>.C": true,
	} {
		if got := IsWildcard(name); got != want {
			t.Errorf("IsWildcard(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestRedispatchNewDelivery: a delivery queued for a consumer's writer and
// returned to the queue before the writer took it (the consumer closed)
// stays revoked; the redispatch is a Delivery of its own. (An entry's first
// Delivery is allocated with it; reusing it here would let the first
// writer claim it again and write the message twice.)
func TestRedispatchNewDelivery(t *testing.T) {
	b := newTestBroker(t)
	c := client(t, b, "redispatch")
	q := QueueDest("redispatch")
	got := make(chan *Delivery, 4)
	out := DelivererFunc(func(d *Delivery) { got <- d })
	a, err := c.Conn().Subscribe(SubscribeOptions{Dest: q, Prefetch: 1}, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendText(context.Background(), q, "once", false); err != nil {
		t.Fatal(err)
	}
	first := <-got
	a.Close() // the writer never took it: it goes back to the queue
	if _, err := c.Conn().Subscribe(SubscribeOptions{Dest: q, Prefetch: 1}, out); err != nil {
		t.Fatal(err)
	}
	var second *Delivery
	select {
	case second = <-got:
	case <-time.After(2 * time.Second):
		t.Fatal("not redispatched")
	}
	if second == first {
		t.Fatal("the redispatch reused the revoked delivery")
	}
	if first.MarkSent() {
		t.Fatal("the revoked delivery can still be claimed for the wire")
	}
	if !second.MarkSent() {
		t.Fatal("the redispatch cannot be claimed")
	}
}

// A consumer whose client reports how far its application got returns the
// rest of its prefetch without counting a delivery attempt.
func TestCloseConsumedSkipsPrefetched(t *testing.T) {
	b := newTestBroker(t)
	c := client(t, b, "consumed")
	q := QueueDest("consumed")
	for _, body := range []string{"a", "b", "c"} {
		send(t, c, q, body, true)
	}
	got := make(chan *Delivery, 8)
	out := DelivererFunc(func(d *Delivery) { got <- d })
	take := func(n int) []*Delivery {
		t.Helper()
		var ds []*Delivery
		for i := 0; i < n; i++ {
			select {
			case d := <-got:
				ds = append(ds, d)
			case <-time.After(2 * time.Second):
				t.Fatalf("only %d of %d deliveries", i, n)
			}
		}
		return ds
	}
	write := func(ds []*Delivery, from int64) {
		for i, d := range ds {
			if !d.MarkSent() {
				t.Fatal("cannot claim a delivery")
			}
			d.SetWireSeq(from + int64(i))
		}
	}

	// The application took "a" (wire number 11); "b" and "c" sat in the
	// prefetch buffer.
	k, err := c.Conn().Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, out)
	if err != nil {
		t.Fatal(err)
	}
	write(take(3), 11)
	k.CloseConsumed(11, false)

	k, err = c.Conn().Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, out)
	if err != nil {
		t.Fatal(err)
	}
	ds := take(3)
	want := []struct {
		body  string
		count int32
	}{{"a", 2}, {"b", 1}, {"c", 1}}
	for i, d := range ds {
		if string(d.Msg.Body) != want[i].body || d.DeliveryCount != want[i].count || d.Redelivered != (want[i].count > 1) {
			t.Fatalf("delivery %d: %s count %d redelivered %v, want %s count %d",
				i, d.Msg.Body, d.DeliveryCount, d.Redelivered, want[i].body, want[i].count)
		}
	}
	// reopen subscribes again and checks the counts of the three
	// deliveries against wantCount.
	reopen := func(what string, wantCount func(i int) int32) []*Delivery {
		t.Helper()
		if k, err = c.Conn().Subscribe(SubscribeOptions{Dest: q, Prefetch: 10}, out); err != nil {
			t.Fatal(err)
		}
		ds := take(3)
		for i, d := range ds {
			if w := wantCount(i); d.DeliveryCount != w {
				t.Fatalf("after %s: %s count %d, want %d", what, d.Msg.Body, d.DeliveryCount, w)
			}
		}
		return ds
	}
	same := func(i int) int32 { return want[i].count }
	// Nothing taken at all (-1): no message counts a delivery.
	write(ds, 1)
	k.CloseConsumed(-1, false)
	ds = reopen("a close with nothing taken", same)
	// A session closing reports its latest delivery, here another
	// consumer's (number 40): this one's application took none of its own.
	write(ds, 21)
	k.CloseConsumed(40, true)
	ds = reopen("a session close naming another consumer's delivery", same)
	// It names this one's "b": "a" and "b" were taken.
	write(ds, 31)
	k.CloseConsumed(32, true)
	reopen("a session close naming this consumer's delivery", func(i int) int32 { return want[i].count + int32(1-i/2) })
}
