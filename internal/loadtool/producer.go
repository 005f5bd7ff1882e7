package loadtool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// RunProducer runs `amq producer`: it parses args (ActiveMQ's producer
// options), sends --messageCount messages from each of --parallelThreads
// connections, and prints a summary to stdout. It fails when a send fails,
// the broker answers with an ERROR frame, or not every message was sent.
func RunProducer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseProducerArgs(args, stdout, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	src, err := newBodySource(ctx, o)
	if err != nil {
		return err
	}
	info := stdout
	if o.jsonOut {
		info = stderr
	}
	fmt.Fprintln(info, producerStartLine(o, src))

	n := o.parallelThreads
	threads := make([]*prodThread, n)
	var wg sync.WaitGroup
	for i := range threads {
		t := &prodThread{id: i + 1}
		threads[i] = t
		wg.Go(func() { t.s, t.err = newSender(ctx, o, src) })
	}
	wg.Wait()
	for _, t := range threads {
		if t.err != nil {
			for _, u := range threads {
				if u.s != nil {
					u.s.abort()
				}
			}
			return t.err
		}
	}

	total := int64(o.messageCount) * int64(n)
	start := time.Now()
	prog := startProgress(stderr, "producer", total, func() int64 {
		var s int64
		for _, t := range threads {
			s += t.sent.Load()
		}
		return s
	})
	for _, t := range threads {
		t.done = make(chan struct{})
		go func() {
			defer close(t.done)
			t.run(ctx, o, src)
		}()
	}
	finished := make([]bool, n)
	for i, t := range threads {
		finished[i] = t.wait()
	}
	elapsed := time.Since(start)
	prog.stop()

	var sent, bodyBytes int64
	var sendLat, commitLat Histogram
	var errs []error
	for i, t := range threads {
		sent += t.sent.Load()
		if !finished[i] {
			// Stuck in go-stomp after an ERROR frame: leave it behind.
			errs = append(errs, fmt.Errorf("producer-%d: %w", t.id, t.s.failure()))
			continue
		}
		bodyBytes += t.bytes
		sl, cl := t.s.latencies()
		sendLat.Merge(sl)
		commitLat.Merge(cl)
		if t.err != nil {
			errs = append(errs, fmt.Errorf("producer-%d: %w", t.id, t.err))
		}
	}
	lat, latName := &sendLat, "Send latency (SEND to RECEIPT)"
	if sendLat.Count() == 0 && commitLat.Count() > 0 {
		lat, latName = &commitLat, "Commit latency (COMMIT to RECEIPT)"
	}
	sum := newSummary(sent, bodyBytes, elapsed, lat, len(errs))
	hists := []namedHist{{name: latName, h: lat, none: "n/a (receipts off: sends are not confirmed one by one)"}}
	if lat == &sendLat && commitLat.Count() > 0 {
		hists = append(hists, namedHist{name: "Commit latency (COMMIT to RECEIPT)", h: &commitLat})
	}
	printSummary(stdout, o.jsonOut, "Produced", sum, n, hists...)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if sent < total {
		return fmt.Errorf("sent %d of %d messages", sent, total)
	}
	return nil
}

func producerStartLine(o *producerOpts, src *bodySource) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Producing %d x %d messages to %s at %s: ", o.parallelThreads, o.messageCount, o.dest, o.brokerURL)
	if o.persistent {
		b.WriteString("persistent")
	} else {
		b.WriteString("non-persistent")
	}
	fmt.Fprintf(&b, ", %s", src.desc)
	switch {
	case !o.receipts:
		b.WriteString(", no receipts")
	case o.window == 1:
		b.WriteString(", synchronous receipts")
	default:
		fmt.Fprintf(&b, ", receipt window %d", o.window)
	}
	if !o.pipeline {
		b.WriteString(", go-stomp Conn.Send")
	}
	if o.txBatch > 0 {
		fmt.Fprintf(&b, ", transactions of %d", o.txBatch)
	}
	if o.msgTTL > 0 {
		fmt.Fprintf(&b, ", TTL %d ms", o.msgTTL)
	}
	if o.msgGroupID != "" {
		fmt.Fprintf(&b, ", group %s", o.msgGroupID)
	}
	if o.sleepMs > 0 {
		fmt.Fprintf(&b, ", %d ms between sends", o.sleepMs)
	}
	if o.rate > 0 {
		fmt.Fprintf(&b, ", paced at %g msgs/s in all", o.rate)
	}
	return b.String()
}

// sender sends on one connection. Only its thread calls it.
type sender interface {
	// send stamps the message with the time it goes out.
	send(body []byte) error
	begin() error
	commit() error
	// close waits for what is outstanding and disconnects.
	close() error
	// abort drops the connection.
	abort()
	// flush writes out what is buffered; called before the thread sleeps.
	flush() error
	// reusesBody tells whether body may be reused once send returns.
	reusesBody() bool
	// latencies returns the receipt latencies; valid after close.
	latencies() (send, commit *Histogram)
	// failedC is closed once the broker sent an ERROR that the thread may
	// not learn of because go-stomp is stuck (nil when that cannot happen);
	// failure then returns that ERROR.
	failedC() <-chan struct{}
	failure() error
}

// newSender connects one producer connection: the pipelined writer, or with
// --pipeline=false go-stomp's Conn.
func newSender(ctx context.Context, o *producerOpts, src *bodySource) (sender, error) {
	if o.pipeline {
		p, err := connectPipe(ctx, o, src)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	g, err := connectGoStompSender(ctx, o, src)
	if err != nil {
		return nil, err
	}
	return g, nil
}

type prodThread struct {
	id    int
	s     sender
	sent  atomic.Int64
	bytes int64
	err   error
	buf   []byte
	done  chan struct{}
}

// abandonAfter is how long a thread whose connection got an ERROR frame may
// take to notice before the run reports the ERROR without it.
const abandonAfter = 3 * time.Second

// wait waits for the thread to end; false means it was left behind, stuck.
func (t *prodThread) wait() bool {
	select {
	case <-t.done:
		return true
	case <-t.s.failedC():
	}
	timer := time.NewTimer(abandonAfter)
	defer timer.Stop()
	select {
	case <-t.done:
		return true
	case <-timer.C:
		t.s.abort()
		return false
	}
}

func (t *prodThread) run(ctx context.Context, o *producerOpts, src *bodySource) {
	err := t.loop(ctx, o, src)
	if err != nil {
		// The connection may be half closed: waiting on it can only stall.
		t.s.abort()
	} else {
		err = t.s.close()
	}
	t.err = err
}

func (t *prodThread) loop(ctx context.Context, o *producerOpts, src *bodySource) error {
	err := t.send(ctx, o, src)
	if err != nil && ctx.Err() != nil {
		// Cancelling closes the connection: report why it closed.
		return fmt.Errorf("interrupted after %d messages: %w", t.sent.Load(), ctx.Err())
	}
	return err
}

func (t *prodThread) send(ctx context.Context, o *producerOpts, src *bodySource) error {
	done := ctx.Done()
	var sl sleeper
	pause := func(d time.Duration) error {
		if !sl.sleep(d, done) {
			return ctx.Err()
		}
		return nil
	}
	var pace *pacer
	if o.rate > 0 {
		pace = newPacer(o.rate, o.parallelThreads, t.id-1, time.Now())
	}
	inTx := 0
	for i := 0; i < o.messageCount; i++ {
		select {
		case <-done:
			return ctx.Err()
		default:
		}
		if pace != nil {
			if d := pace.next(time.Now()); d > 0 {
				if err := pause(d); err != nil {
					return err
				}
			}
		}
		if o.txBatch > 0 && inTx == 0 {
			if err := t.s.begin(); err != nil {
				return err
			}
		}
		body := t.body(src, i)
		if err := t.s.send(body); err != nil {
			return err
		}
		if o.txBatch > 0 {
			if inTx++; inTx == o.txBatch {
				if err := t.s.commit(); err != nil {
					return err
				}
				inTx = 0
			}
		}
		t.sent.Add(1)
		t.bytes += int64(len(body))
		if pace != nil {
			// Each paced message goes out on time, not with the next.
			if err := t.s.flush(); err != nil {
				return err
			}
		}
		if o.sleepMs > 0 {
			if err := t.s.flush(); err != nil {
				return err
			}
			if err := pause(time.Duration(o.sleepMs) * time.Millisecond); err != nil {
				return err
			}
		}
	}
	if inTx > 0 {
		return t.s.commit()
	}
	return nil
}

// pacer schedules one thread's share of --rate: thread k of n sends its
// i-th message at base + (k/n + i) * interval, interval = n / rate, so the
// threads interleave evenly. Sleeps are only as fine as the runtime's
// timers (about a millisecond when idle), so a thread that wakes late
// sends what fell due meanwhile at once; one that falls more than
// maxLag behind (the broker or the machine could not keep up) restarts its
// schedule from now instead of sending the missed messages in a burst.
type pacer struct {
	interval time.Duration
	maxLag   time.Duration
	due      time.Time
}

// pacerLag is how far behind its schedule a thread may fall before it
// gives the missed sends up: a few timer wake-ups' worth.
const pacerLag = 5 * time.Millisecond

func newPacer(rate float64, threads, k int, start time.Time) *pacer {
	interval := time.Duration(float64(threads) / rate * float64(time.Second))
	return &pacer{
		interval: interval,
		maxLag:   max(interval, pacerLag),
		due:      start.Add(interval * time.Duration(k) / time.Duration(max(threads, 1))),
	}
}

// next returns how long to wait before the next send and advances the
// schedule.
func (p *pacer) next(now time.Time) time.Duration {
	if now.Sub(p.due) > p.maxLag {
		p.due = now
	}
	wait := p.due.Sub(now)
	p.due = p.due.Add(p.interval)
	return wait
}

// body returns message i's body. Fixed bodies are shared; a numbered body
// reuses the thread's buffer when the sender has copied it once send returns.
func (t *prodThread) body(src *bodySource, i int) []byte {
	if !src.numbered {
		return src.fixed
	}
	var b []byte
	if t.s.reusesBody() {
		b = t.buf[:0]
	} else {
		b = make([]byte, 0, len(defaultPrefix)+8)
	}
	b = strconv.AppendInt(append(b, defaultPrefix...), int64(i), 10)
	if t.s.reusesBody() {
		t.buf = b
	}
	return b
}

const defaultPrefix = "test message: "

// bodySource is what the producer sends, chosen as ActiveMQ's ProducerThread
// does: --messageSize bytes, else --textMessageSize text, else --payloadUrl,
// else --message, else "test message: N".
type bodySource struct {
	fixed    []byte
	numbered bool
	isBytes  bool // sent with content-length, as a bytes message
	desc     string
}

// withLength tells whether a SEND carries content-length: bytes messages,
// and text that contains a NUL (which would otherwise end the frame).
func (s *bodySource) withLength() bool {
	return s.isBytes || bytes.IndexByte(s.fixed, 0) >= 0
}

const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum. "

func newBodySource(ctx context.Context, o *producerOpts) (*bodySource, error) {
	switch {
	case o.messageSize > 0:
		return &bodySource{fixed: bytes.Repeat([]byte{'.'}, o.messageSize), isBytes: true,
			desc: fmt.Sprintf("%d-byte bytes bodies", o.messageSize)}, nil
	case o.textMessageSize > 0:
		b := bytes.Repeat([]byte(lorem), o.textMessageSize/len(lorem)+1)[:o.textMessageSize]
		return &bodySource{fixed: b, desc: fmt.Sprintf("%d-byte text bodies", o.textMessageSize)}, nil
	case o.payloadURL != "":
		b, err := readPayload(ctx, o.payloadURL)
		if err != nil {
			return nil, fmt.Errorf("--payloadUrl: %w", err)
		}
		return &bodySource{fixed: b, desc: fmt.Sprintf("%d-byte text bodies from %s", len(b), o.payloadURL)}, nil
	case o.message != "":
		return &bodySource{fixed: []byte(o.message), desc: fmt.Sprintf("%d-byte text bodies", len(o.message))}, nil
	}
	return &bodySource{numbered: true, desc: "text bodies \"test message: N\""}, nil
}

func readPayload(ctx context.Context, loc string) ([]byte, error) {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme == "" || len(u.Scheme) == 1 { // a path, or C:\...
		return os.ReadFile(loc)
	}
	switch u.Scheme {
	case "file":
		p := u.Path
		if p == "" {
			p = u.Opaque
		}
		return os.ReadFile(p)
	case "http", "https":
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", loc, resp.Status)
		}
		return io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	}
	return nil, fmt.Errorf("unsupported scheme %q", u.Scheme)
}

const stampHeader = "amq-sent-ns"
