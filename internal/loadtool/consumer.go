package loadtool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"
)

// RunConsumer runs `amq consumer`: it parses args (ActiveMQ's consumer
// options), receives on --parallelThreads connections and prints a summary
// to stdout. On a queue the run ends once parallelThreads x messageCount
// messages arrived in all (a queue splits its messages unevenly between
// consumers); on a topic every thread receives messageCount. It fails on a
// broker ERROR frame, or when --receiveTimeout passes without a message
// before every message arrived.
func RunConsumer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseConsumerArgs(args, stdout, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	info := stdout
	if o.jsonOut {
		info = stderr
	}
	fmt.Fprintln(info, consumerStartLine(o))

	n := o.parallelThreads
	r := &consumerRun{
		o:      o,
		global: !o.isTopic,
		target: int64(o.messageCount) * int64(n),
		doneC:  make(chan struct{}),
		idleC:  make(chan struct{}),
		base:   time.Now(),
	}
	threads := make([]*consThread, n)
	var wg sync.WaitGroup
	for i := range threads {
		t := &consThread{id: i + 1, r: r}
		threads[i] = t
		wg.Go(func() { t.err = t.connect(ctx) })
	}
	wg.Wait()
	for _, t := range threads {
		if t.err != nil {
			for _, u := range threads {
				if u.conn != nil {
					abandon(u.conn, u.nc)
				}
				if u.pipe != nil {
					u.pipe.nc.Close()
				}
			}
			return t.err
		}
	}

	start := time.Now()
	r.startMono.Store(int64(start.Sub(r.base)))
	if r.target == 0 {
		r.finish()
	}
	prog := startProgress(stderr, "consumer", r.target, r.total.Load)
	stopIdle := make(chan struct{})
	if o.receiveTimeoutMs > 0 {
		go r.watchIdle(stopIdle)
	}
	for _, t := range threads {
		wg.Go(func() { t.run(ctx) })
	}
	wg.Wait()
	close(stopIdle)
	prog.stop()

	// Elapsed runs from the first message to the last, so time spent
	// waiting for a producer to start does not count.
	elapsed := time.Duration(r.lastMono.Load() - r.firstMono.Load())
	if r.firstMono.Load() == 0 || elapsed <= 0 {
		elapsed = time.Since(start)
	}
	var lat Histogram
	var bodyBytes int64
	var errs []error
	for _, t := range threads {
		lat.Merge(&t.lat)
		bodyBytes += t.bytes
		if t.err != nil {
			errs = append(errs, fmt.Errorf("consumer-%d: %w", t.id, t.err))
		}
	}
	got := r.total.Load()
	sum := newSummary(got, bodyBytes, elapsed, &lat, len(errs))
	printSummary(stdout, o.jsonOut, "Consumed", sum, n,
		namedHist{name: "End-to-end latency (" + stampHeader + " to receive)", h: &lat, none: "n/a (no message carried " + stampHeader + ")"})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if got < r.target {
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("interrupted: received %d of %d messages", got, r.target)
		case r.idle.Load():
			return fmt.Errorf("received %d of %d messages: none arrived for %d ms (--receiveTimeout)", got, r.target, o.receiveTimeoutMs)
		}
		return fmt.Errorf("received %d of %d messages", got, r.target)
	}
	return nil
}

func consumerStartLine(o *consumerOpts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Consuming %d x %d messages from %s at %s: ack %s", o.parallelThreads, o.messageCount, o.dest, o.brokerURL, o.ack)
	if o.ack == stomp.AckClient || o.transacted {
		fmt.Fprintf(&b, ", batches of %d", o.batchSize)
	}
	if o.transacted {
		b.WriteString(", transacted")
	}
	if o.prefetch >= 0 {
		fmt.Fprintf(&b, ", prefetch %d", o.prefetch)
	}
	if o.selector != "" {
		fmt.Fprintf(&b, ", selector %q", o.selector)
	}
	if o.durable && o.isTopic {
		fmt.Fprintf(&b, ", durable as %s/consumer-N", o.clientID)
	}
	if o.receiveTimeoutMs > 0 {
		fmt.Fprintf(&b, ", gives up after %d ms without a message", o.receiveTimeoutMs)
	}
	if o.sleepMs > 0 {
		fmt.Fprintf(&b, ", %d ms between receives", o.sleepMs)
	}
	return b.String()
}

// consumerRun is the state the threads share.
type consumerRun struct {
	o      *consumerOpts
	global bool // a queue: stop on the total, not per thread
	target int64
	total  atomic.Int64

	doneOnce sync.Once
	doneC    chan struct{} // closed to stop all threads: target reached (queue), or a thread failed
	idleC    chan struct{} // closed after receiveTimeout without a message
	idle     atomic.Bool

	base      time.Time
	startMono atomic.Int64
	firstMono atomic.Int64 // ns since base; 0 = none yet
	lastMono  atomic.Int64
}

func (r *consumerRun) finish() { r.doneOnce.Do(func() { close(r.doneC) }) }

// counted adds a message to the total; a queue run ends at its target.
func (r *consumerRun) counted() {
	if n := r.total.Add(1); r.global && n >= r.target {
		r.finish()
	}
}

func (r *consumerRun) watchIdle(stop <-chan struct{}) {
	timeout := time.Duration(r.o.receiveTimeoutMs) * time.Millisecond
	t := time.NewTicker(min(max(timeout/10, time.Millisecond), 100*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			last := r.lastMono.Load()
			if last == 0 {
				last = r.startMono.Load()
			}
			if time.Duration(int64(now.Sub(r.base))-last) >= timeout {
				r.idle.Store(true)
				close(r.idleC)
				return
			}
		}
	}
}

// received notes a message's arrival for elapsed time and idleness.
func (r *consumerRun) received(mono int64) {
	if mono == 0 {
		mono = 1
	}
	if r.firstMono.Load() == 0 {
		r.firstMono.CompareAndSwap(0, mono)
	}
	r.lastMono.Store(mono)
}

type consThread struct {
	id    int
	r     *consumerRun
	conn  *stomp.Conn
	nc    net.Conn
	sub   *stomp.Subscription
	pipe  *pipeConsumer // instead of conn and sub, with --pipeline
	n     int64         // messages this thread counted
	bytes int64
	lat   Histogram
	err   error
	// lastAt is the arrival time last passed to received (see countAt).
	lastAt time.Time
}

func (t *consThread) connect(ctx context.Context) error {
	o := t.r.o
	if o.pipeline {
		p, err := connectPipeConsumer(ctx, o, t.id)
		t.pipe = p
		return err
	}
	extra := []func(*stomp.Conn) error{
		// Room between go-stomp's reader and its dispatcher, and for acks.
		stomp.ConnOpt.ReadChannelCapacity(256),
		stomp.ConnOpt.WriteChannelCapacity(256),
	}
	if o.clientID != "" {
		id := o.clientID
		if o.parallelThreads > 1 {
			id += "-" + strconv.Itoa(t.id)
		}
		extra = append(extra, stomp.ConnOpt.Header("client-id", id))
	}
	c, nc, err := connectGoStomp(ctx, &o.commonOpts, extra...)
	if err != nil {
		return err
	}
	sub, err := c.Subscribe(o.dest, o.ack, subscribeOpts(o, t.id)...)
	if err != nil {
		abandon(c, nc)
		return fmt.Errorf("subscribe to %s: %w", o.dest, stompErr(err))
	}
	t.conn, t.nc, t.sub = c, nc, sub
	return nil
}

func subscribeOpts(o *consumerOpts, thread int) []func(*frame.Frame) error {
	var opts []func(*frame.Frame) error
	if o.prefetch >= 0 {
		opts = append(opts, stomp.SubscribeOpt.Header("activemq.prefetchSize", strconv.Itoa(o.prefetch)))
	}
	if o.selector != "" {
		opts = append(opts, stomp.SubscribeOpt.Header("selector", o.selector))
	}
	if o.durable && o.isTopic {
		// ActiveMQ's consumer names its durable subscription after the thread.
		opts = append(opts, stomp.SubscribeOpt.Header("activemq.subscriptionName", "consumer-"+strconv.Itoa(thread)))
	}
	return opts
}

func (t *consThread) run(ctx context.Context) {
	if t.pipe != nil {
		t.runPipe(ctx)
		return
	}
	o, r := t.r.o, t.r
	var ack *acker
	if o.ack != stomp.AckAuto || o.transacted {
		ack = newAcker(t.conn, o.transacted)
		go ack.loop()
	}
	var (
		last    *stomp.Message // client ack: counted, not yet acked
		pending int            // messages since the last ack/commit
		err     error
		sl      sleeper
	)
	done := ctx.Done()
loop:
	for {
		if !r.global && t.n >= int64(o.messageCount) {
			break
		}
		select {
		case <-r.doneC:
			break loop
		default:
		}
		select {
		case m, ok := <-t.sub.C:
			if !ok {
				err = errors.New("subscription closed")
				break loop
			}
			if m.Err != nil {
				err = stompErr(m.Err)
				if !isBrokerError(err) {
					err = fmt.Errorf("connection lost: %w", err)
				}
				break loop
			}
			t.count(m.Header.Get(stampHeader), len(m.Body))
			switch o.ack {
			case stomp.AckClientIndividual:
				ack.push(opAck, m)
				if pending++; o.transacted && pending >= o.batchSize {
					ack.push(opCommit, nil)
					pending = 0
				}
			case stomp.AckClient:
				last = m
				if pending++; pending >= o.batchSize {
					ack.push(opAck, m)
					if o.transacted {
						ack.push(opCommit, nil)
					}
					last, pending = nil, 0
				}
			}
			r.counted()
			if o.sleepMs > 0 {
				sl.sleep(time.Duration(o.sleepMs)*time.Millisecond, done)
			}
		case <-r.doneC:
			break loop
		case <-r.idleC:
			break loop
		case <-done:
			break loop
		}
	}
	if err != nil {
		// The run cannot succeed: stop the other threads too.
		r.finish()
	}
	// Acknowledge what was counted; messages delivered after it go back to
	// the broker when the connection closes.
	if ack != nil {
		if err == nil {
			if last != nil {
				ack.push(opAck, last)
			}
			if o.transacted && pending > 0 {
				ack.push(opCommit, nil)
			}
		}
		ack.close()
	}
	t.err = t.shutdown(ack, err)
}

// count records one message: stamp is its stampHeader value, if any.
func (t *consThread) count(stamp string, bodyLen int) { t.countAt(time.Now(), stamp, bodyLen) }

// countAt records one message received at now. The pipelined consumer
// passes the time the read that brought it returned, the same for every
// frame of that read: one clock reading and one update of the shared
// arrival times per read, not per message.
func (t *consThread) countAt(now time.Time, stamp string, bodyLen int) {
	if now != t.lastAt {
		t.r.received(int64(now.Sub(t.r.base)))
		t.lastAt = now
	}
	if sent, ok := parseStamp(stamp); ok {
		t.lat.Record(now.UnixNano() - sent)
	}
	t.n++
	t.bytes += int64(bodyLen)
}

// parseStamp parses a stampHeader value: decimal nanoseconds since the
// epoch, 1 to 19 digits (strconv's general parser is a tenth of a
// consumer's time at a million messages a second).
func parseStamp(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	return n, n >= 0
}

// shutdown disconnects once the acker is done, draining the subscription
// meanwhile: go-stomp hands messages and the DISCONNECT receipt over on
// one goroutine, which blocks while the subscription is full.
func (t *consThread) shutdown(ack *acker, err error) error {
	if err != nil {
		// After an ERROR go-stomp may be stuck (see abandon): send nothing
		// more and wait for nothing.
		if ack != nil {
			ack.stop()
		}
		abandon(t.conn, t.nc)
		return err
	}
	discErr := make(chan error, 1)
	go func() {
		if ack != nil {
			<-ack.done
		}
		discErr <- t.conn.Disconnect()
	}()
	autoAck := t.r.o.ack == stomp.AckAuto && !t.r.o.transacted
	for m := range t.sub.C {
		if m.Err != nil {
			if e := stompErr(m.Err); err == nil && isBrokerError(e) {
				err = e
			}
			continue
		}
		if autoAck && err == nil {
			// Acked on dispatch: the broker counts it consumed, so do we.
			t.count(m.Header.Get(stampHeader), len(m.Body))
			t.r.total.Add(1)
		}
	}
	if err != nil {
		// An ERROR while disconnecting: the disconnect may never finish.
		if ack != nil {
			ack.stop()
		}
		abandon(t.conn, t.nc)
		return err
	}
	derr := <-discErr
	if ack != nil && ack.err != nil {
		return ack.err
	}
	if derr != nil {
		return fmt.Errorf("disconnect: %w", stompErr(derr))
	}
	return nil
}

type ackKind uint8

const (
	opAck ackKind = iota
	opCommit
)

type ackOp struct {
	kind ackKind
	m    *stomp.Message
}

// acker sends ACKs and COMMITs on its own goroutine. A consumer that sent
// them itself could block on go-stomp's full write queue while go-stomp's
// dispatcher blocks on the consumer's full subscription: a deadlock. The
// queue between them grows instead, bounded by what the broker dispatches.
type acker struct {
	conn       *stomp.Conn
	transacted bool
	tx         *stomp.Transaction

	stopped atomic.Bool

	mu     sync.Mutex
	ops    []ackOp
	spare  []ackOp
	closed bool
	wake   chan struct{}
	done   chan struct{}
	err    error // read after done
}

func newAcker(c *stomp.Conn, transacted bool) *acker {
	return &acker{conn: c, transacted: transacted, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (a *acker) push(k ackKind, m *stomp.Message) {
	a.mu.Lock()
	a.ops = append(a.ops, ackOp{kind: k, m: m})
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *acker) close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// stop drops what is still queued and ends the loop.
func (a *acker) stop() {
	a.stopped.Store(true)
	a.close()
}

func (a *acker) loop() {
	defer close(a.done)
	for range a.wake {
		a.mu.Lock()
		ops, closed := a.ops, a.closed
		a.ops = a.spare[:0]
		a.mu.Unlock()
		for i := range ops {
			if a.err == nil && !a.stopped.Load() {
				a.err = a.do(ops[i])
			}
			ops[i] = ackOp{}
		}
		a.spare = ops[:0]
		if closed {
			return
		}
	}
}

func (a *acker) do(op ackOp) error {
	if !a.transacted {
		return a.conn.Ack(op.m)
	}
	if a.tx == nil {
		tx, err := a.conn.BeginWithError()
		if err != nil {
			return err
		}
		a.tx = tx
	}
	if op.kind == opCommit {
		err := a.tx.Commit()
		a.tx = nil
		return err
	}
	return a.tx.Ack(op.m)
}
