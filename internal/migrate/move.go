package migrate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"amq/internal/stomp/frame"
)

// OriginalIDProperty carries the source's message-id on the moved copy.
const OriginalIDProperty = "amq.migrate.original-id"

// strippedHeaders are MESSAGE headers that describe one delivery, not the
// message, and are not copied into the SEND. content-length is handled
// apart: it is recomputed for bytes messages and never added to text ones.
var strippedHeaders = map[string]bool{
	"message-id":                true,
	"subscription":              true,
	"ack":                       true,
	"destination":               true,
	"redelivered":               true,
	"receipt":                   true,
	"receipt-id":                true,
	"content-length":            true,
	"JMSXDeliveryCount":         true,
	"JMSXGroupFirstForConsumer": true,
}

// appendSend buffers on c a SEND of the source MESSAGE m to dest, asking
// for a RECEIPT. Headers keep their order; a repeated header keeps its
// first value, which is the one STOMP gives meaning to.
func appendSend(c *stompConn, m *frame.Frame, dest, receipt string) {
	e := c.enc
	b := e.AppendCommand(c.out, frame.SEND)
	b = e.AppendHeader(b, "destination", dest)
	b = e.AppendHeader(b, "receipt", receipt)
	var (
		msgID    string
		hasOrig  bool
		bytesMsg bool
		seen     map[string]bool
	)
	if len(m.Headers) > 32 {
		seen = make(map[string]bool, len(m.Headers))
	}
	for i, h := range m.Headers {
		switch h.Key {
		case "message-id":
			if msgID == "" {
				msgID = h.Value
			}
		case frame.HeaderContentLength:
			bytesMsg = true
		case OriginalIDProperty:
			hasOrig = true
		}
		if strippedHeaders[h.Key] {
			continue
		}
		if seen != nil {
			if seen[h.Key] {
				continue
			}
			seen[h.Key] = true
		} else if repeated(m.Headers[:i], h.Key) {
			continue
		}
		b = e.AppendHeader(b, h.Key, h.Value)
	}
	if !hasOrig && msgID != "" {
		// A message moved twice keeps the id it had on the first broker.
		b = e.AppendHeader(b, OriginalIDProperty, msgID)
	}
	if bytesMsg {
		b = e.AppendHeaderInt(b, frame.HeaderContentLength, int64(len(m.Body)))
	}
	c.out = e.AppendBody(b, m.Body)
	c.maybeFlush()
}

func repeated(hs []frame.Header, key string) bool {
	for i := range hs {
		if hs[i].Key == key {
			return true
		}
	}
	return false
}

// expired reports whether m carries an expiry (absolute epoch ms) that is
// past.
func expired(m *frame.Frame, nowMs int64) bool {
	v, ok := m.Get("expires")
	if !ok {
		return false
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return err == nil && ms > 0 && ms <= nowMs
}

// queueResult is the outcome for one queue.
type queueResult struct {
	name    string
	moved   int64
	expired int64
	left    int64 // delivered after the idle period: left on the source
	count   int64 // dry run: messages held; -1 unknown
	elapsed time.Duration
	busy    time.Duration // until the last message was confirmed
	err     error
}

// connectError marks a failure to reach a broker: later queues would fail
// the same way.
type connectError struct{ err error }

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// mover holds the connections, reopened after a failure.
type mover struct {
	o      *options
	src    *stompConn
	dst    *stompConn
	subSeq int
	prog   *progress
}

func (m *mover) ensureSource(ctx context.Context) error {
	if m.src != nil {
		return nil
	}
	c, err := dialStomp(ctx, "source", m.o.from, m.o.timeout, frame.Limits{})
	if err != nil {
		return &connectError{err}
	}
	m.src = c
	return nil
}

func (m *mover) ensureTarget(ctx context.Context) error {
	if m.dst != nil {
		return nil
	}
	c, err := dialStomp(ctx, "target", m.o.to, m.o.timeout, frame.Limits{})
	if err != nil {
		return &connectError{err}
	}
	m.dst = c
	return nil
}

// drop closes a connection after a failure (politely when it still works).
func drop(c **stompConn) {
	if *c == nil {
		return
	}
	(*c).close()
	*c = nil
}

func (m *mover) closeAll() {
	drop(&m.src)
	drop(&m.dst)
}

// drainWait is how long a stopped queue keeps waiting for the target's
// receipts of the messages already sent, so they can still be acked.
const drainWait = 5 * time.Second

// moveQueue moves one queue: a client-individual subscription on the
// source, each MESSAGE sent to the target with a receipt, each receipt
// acked on the source. At most prefetch messages are in flight. The queue
// is done when nothing arrives for the idle time.
func (m *mover) moveQueue(ctx context.Context, name string) (res queueResult) {
	res.name, res.count = name, -1
	start := time.Now()
	defer func() { res.elapsed = time.Since(start) }()
	if err := m.ensureSource(ctx); err != nil {
		res.err = err
		return res
	}
	if err := m.ensureTarget(ctx); err != nil {
		res.err = err
		return res
	}
	src, dst := m.src, m.dst
	m.subSeq++
	subID := "migrate-" + strconv.Itoa(m.subSeq)
	subReceipt := "subscribe-" + subID
	dest := "/queue/" + name
	window := m.o.prefetch
	src.control(frame.SUBSCRIBE, "id", subID, "destination", dest, "ack", "client-individual",
		"activemq.prefetchSize", strconv.Itoa(window), "receipt", subReceipt)

	var (
		pending    = make(map[string]string, window) // receipt -> source ack id
		backlog    []*frame.Frame
		fail       error
		draining   bool
		drainUntil time.Time
		srcDead    bool
		dstDead    bool
		subscribed bool
		seq        uint64
		sbuf, dbuf []*frame.Frame
		ctxDone    = ctx.Done()
	)
	subscribedAt := time.Now()
	lastSrc, lastDst := subscribedAt, subscribedAt
	stop := func(err error, wait time.Duration) {
		if fail == nil {
			fail = err
		}
		until := time.Now().Add(wait)
		if !draining || until.Before(drainUntil) {
			drainUntil = until
		}
		draining = true
		clear(backlog)
		backlog = nil
	}
	if err := src.flush(); err != nil {
		srcDead = true
		stop(err, 0)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		if !dstDead {
			var err error
			dbuf, err = dst.take(dbuf[:0])
			if len(dbuf) > 0 {
				lastDst = now
			}
			for i, f := range dbuf {
				switch f.Command {
				case frame.RECEIPT:
					rid, _ := f.Get("receipt-id")
					if ackID, ok := pending[rid]; ok {
						delete(pending, rid)
						if !srcDead {
							src.ackMessage(subID, ackID)
						}
						res.moved++
						res.busy = now.Sub(start)
						m.prog.add(1)
					}
				case frame.ERROR:
					if rid, ok := f.Get("receipt-id"); ok {
						// Not stored: it stays unacked and returns to the source queue.
						delete(pending, rid)
					}
					stop(fmt.Errorf("target %s refused a message: %s", dst.ep, errorText(f)), drainWait)
				}
				dbuf[i] = nil
			}
			if err != nil {
				dstDead = true
				stop(err, 0)
			}
		}
		if !srcDead {
			var err error
			sbuf, err = src.take(sbuf[:0])
			if len(sbuf) > 0 {
				lastSrc = now
			}
			for i, f := range sbuf {
				switch f.Command {
				case frame.MESSAGE:
					if sid, ok := f.Get("subscription"); ok && sid != subID {
						break
					}
					if !draining {
						backlog = append(backlog, f)
					}
				case frame.RECEIPT:
					if rid, _ := f.Get("receipt-id"); rid == subReceipt {
						subscribed = true
					}
				case frame.ERROR:
					stop(fmt.Errorf("source %s sent ERROR: %s", src.ep, errorText(f)), drainWait)
				}
				sbuf[i] = nil
			}
			if err != nil {
				srcDead = true
				stop(err, drainWait)
			}
		}
		nowMs := now.UnixMilli()
		for !draining && len(backlog) > 0 && len(pending) < window {
			f := backlog[0]
			backlog[0] = nil
			backlog = backlog[1:]
			if expired(f, nowMs) {
				src.ackMessage(subID, src.ackID(f))
				res.expired++
				continue
			}
			if len(pending) == 0 {
				lastDst = now // the receipt clock starts with the first send in flight
			}
			seq++
			rid := "m" + strconv.FormatUint(seq, 10)
			appendSend(dst, f, dest, rid)
			pending[rid] = src.ackID(f)
		}
		if len(backlog) == 0 {
			backlog = nil // let the array go
		}
		if !dstDead {
			if err := dst.flush(); err != nil {
				dstDead = true
				stop(err, 0)
			}
		}
		if !srcDead {
			if err := src.flush(); err != nil {
				srcDead = true
				stop(err, 0)
			}
		}

		if draining {
			if len(pending) == 0 || dstDead || srcDead || !now.Before(drainUntil) {
				break
			}
		} else if len(backlog) == 0 && len(pending) == 0 && now.Sub(lastSrc) >= m.o.idle {
			if subscribed {
				break
			}
			if now.Sub(subscribedAt) >= m.o.timeout {
				stop(fmt.Errorf("source %s did not confirm the subscription to %s within %s", src.ep, dest, m.o.timeout), 0)
				break
			}
		}
		if !draining && len(pending) > 0 && now.Sub(lastDst) >= m.o.timeout {
			stop(fmt.Errorf("target %s sent no RECEIPT for %s", dst.ep, m.o.timeout), 0)
			dstDead = true
			break
		}

		var wait time.Duration
		switch {
		case draining:
			wait = drainUntil.Sub(now)
		case len(pending) > 0:
			wait = min(lastSrc.Add(m.o.idle).Sub(now), lastDst.Add(m.o.timeout).Sub(now))
		case !subscribed:
			wait = min(lastSrc.Add(m.o.idle).Sub(now), subscribedAt.Add(m.o.timeout).Sub(now))
		default:
			wait = lastSrc.Add(m.o.idle).Sub(now)
		}
		timer.Reset(max(wait, time.Millisecond))
		select {
		case <-src.wake:
		case <-dst.wake:
		case <-timer.C:
		case <-ctxDone:
			ctxDone = nil
			stop(ctx.Err(), 2*time.Second)
		}
	}
	// Sent without an answer: unacked, they return to the source, and the
	// target may or may not have stored them.
	unconfirmed := len(pending)

	if !srcDead {
		// Unacked messages (not yet sent, or sent without a receipt) go back
		// to the source queue with the subscription.
		unsub := "unsubscribe-" + subID
		src.control(frame.UNSUBSCRIBE, "id", subID, "receipt", unsub)
		cctx, cancel := context.WithTimeout(context.Background(), m.o.timeout)
		err := src.await(cctx, unsub, m.o.timeout, func(f *frame.Frame) {
			if f.Command == frame.MESSAGE && fail == nil {
				if sid, ok := f.Get("subscription"); !ok || sid == subID {
					res.left++
				}
			}
		})
		cancel()
		if err != nil {
			srcDead = true
			if fail == nil {
				fail = fmt.Errorf("leaving %s on the source: %w", dest, err)
			}
		}
	}
	if fail != nil {
		msg := fail.Error()
		if unconfirmed > 0 {
			msg += fmt.Sprintf("; %d sent message(s) were not confirmed by the target and stay on the source (they may arrive twice)", unconfirmed)
		}
		if errors.Is(fail, context.Canceled) || errors.Is(fail, context.DeadlineExceeded) {
			res.err = fmt.Errorf("interrupted: %w", fail)
			if unconfirmed > 0 {
				res.err = fmt.Errorf("%w (%d sent message(s) not confirmed: they stay on the source and may arrive twice)", res.err, unconfirmed)
			}
		} else {
			res.err = errors.New(msg)
		}
		// The state of both sessions is uncertain after a failure: start
		// the next queue on fresh connections.
		if srcDead {
			m.src.abort()
			m.src = nil
		} else {
			drop(&m.src)
		}
		if dstDead {
			m.dst.abort()
			m.dst = nil
		} else {
			drop(&m.dst)
		}
		return res
	}
	if srcDead {
		m.src.abort()
		m.src = nil
	}
	return res
}

// countQueue counts a queue's messages with a browser subscription, which
// ActiveMQ ends with a MESSAGE carrying browser:end. Only brokers that say
// they are ActiveMQ are browsed (a broker ignoring browser:true would
// consume the queue); for others the count is -1.
func (m *mover) countQueue(ctx context.Context, name string) (int64, error) {
	if err := m.ensureSource(ctx); err != nil {
		return -1, err
	}
	c := m.src
	if !strings.HasPrefix(c.server, "ActiveMQ/") {
		return -1, nil
	}
	m.subSeq++
	subID := "migrate-browse-" + strconv.Itoa(m.subSeq)
	c.control(frame.SUBSCRIBE, "id", subID, "destination", "/queue/"+name, "ack", "auto", "browser", "true")
	if err := c.flush(); err != nil {
		drop(&m.src)
		return -1, err
	}
	var n int64
	t := time.NewTimer(m.o.timeout)
	defer t.Stop()
	var buf []*frame.Frame
	for end := false; !end; {
		var err error
		buf, err = c.take(buf[:0])
		if len(buf) > 0 {
			t.Reset(m.o.timeout)
		}
		for _, f := range buf {
			switch f.Command {
			case frame.MESSAGE:
				if sid, ok := f.Get("subscription"); ok && sid != subID {
					continue
				}
				if v, _ := f.Get("browser"); v == "end" {
					end = true
				} else {
					n++
				}
			case frame.ERROR:
				if rid, _ := f.Get("receipt-id"); strings.HasPrefix(rid, "unsubscribe-migrate-browse-") {
					continue // a browse the broker had already closed
				}
				drop(&m.src)
				return -1, fmt.Errorf("source %s sent ERROR: %s", c.ep, errorText(f))
			}
		}
		if err != nil {
			m.src.abort()
			m.src = nil
			return -1, err
		}
		if end {
			break
		}
		select {
		case <-c.wake:
		case <-t.C:
			drop(&m.src)
			return -1, fmt.Errorf("source %s: browsing %s: nothing received for %s and no browser:end", c.ep, name, m.o.timeout)
		case <-ctx.Done():
			return -1, ctx.Err()
		}
	}
	// Close the browser. A broker that already closed it may answer with an
	// ERROR naming this receipt, which is fine.
	unsub := "unsubscribe-" + subID
	c.control(frame.UNSUBSCRIBE, "id", subID, "receipt", unsub)
	if err := c.await(ctx, unsub, m.o.timeout, nil); err != nil {
		var be *brokerError
		if !errors.As(err, &be) || be.receiptID != unsub {
			drop(&m.src)
			return n, nil
		}
	}
	return n, nil
}
