package stomp

import (
	"bytes"
	"strconv"
	"time"

	"amq/broker"
	"amq/internal/stomp/frame"
)

// writeLoop is the connection's only writer: it takes everything queued,
// encodes it into one buffer and writes it with one call, so frames are
// coalesced whenever the client is slower than the broker.
//
// It runs only while there is work: the first frame queued starts it (see
// enqueue), and after writerIdle with nothing to write and no heart-beats to
// send it ends, giving back its stack and buffers -- an idle connection
// costs its reader goroutine alone. Its last exit (the connection closing)
// closes c.done.
func (c *conn) writeLoop() {
	final := true
	defer func() {
		if final {
			c.endWriter(true)
		}
	}()
	var (
		out     frame.Spliced
		items   []outItem
		autoAck = map[*broker.Consumer][]*broker.Delivery{}
		hb      *time.Timer
		hbC     <-chan time.Time
	)
	defer func() {
		if hb != nil {
			hb.Stop()
		}
	}()
	idle := time.NewTimer(writerIdle)
	defer idle.Stop()
	lastWrite := time.Now()
	for {
		if c.connected.Load() && c.writeHB > 0 && hb == nil {
			hb = time.NewTimer(c.writeHB)
			hbC = hb.C
		}
		c.outMu.Lock()
		items, c.out = c.out, items[:0]
		c.outMu.Unlock()
		if len(items) == 0 {
			select {
			case <-c.outWake:
			case <-hbC:
				if time.Since(lastWrite) >= c.writeHB {
					if !c.write([]byte{'\n'}) {
						return
					}
					lastWrite = time.Now()
				}
				hb.Reset(c.writeHB - time.Since(lastWrite))
			case <-idle.C:
				if since := time.Since(lastWrite); since < writerIdle {
					idle.Reset(writerIdle - since)
					continue
				}
				if c.parkWriter() {
					final = false
					return
				}
				idle.Reset(writerIdle)
			case <-c.quit:
				return
			}
			continue
		}
		out.Reset()
		closeAfter := false
		// Everything queued is encoded and written in chunks of about
		// writeChunk encoded bytes, or writeBatch bytes with the large
		// bodies written from where they lie: one buffer of that size is
		// reused for good, instead of one growing (and copied) to the size
		// of a backlog.
		flushed := 0
		flush := func(end int) bool {
			// Encoded for the wire: the deliveries count as received and
			// the auto-ack ones are acked now, before the write, as
			// ActiveMQ does -- so a client that unsubscribes right after
			// reading a message never sees it again.
			for i := flushed; i < end; i++ {
				it := &items[i]
				if it.d == nil || it.d.Consumer == nil || it.sub.ack != "auto" {
					continue
				}
				autoAck[it.d.Consumer] = append(autoAck[it.d.Consumer], it.d)
			}
			var acked broker.Acked
			for cons, ds := range autoAck {
				acked.Add(cons.AckDelivered(ds))
				delete(autoAck, cons)
			}
			flushed = end
			if len(out.Buf) > 0 {
				if !c.writeFrames(out.Buf, out.Bodies) {
					acked.Failed()
					return false
				}
				lastWrite = time.Now()
			}
			// The acks go to the journal now that the client has the
			// messages, and persistent messages dispatched before their
			// write ended may complete their senders.
			acked.Written()
			out.Reset()
			return true
		}
		n := len(items)
		for i := range items {
			it := &items[i]
			switch {
			case it.d != nil:
				// Claim it for the wire; one returned to its queue
				// meanwhile (its consumer closed) is not written.
				if it.d.Consumer != nil && !it.d.MarkSent() {
					it.d = nil
					continue
				}
				c.appendMessage(&out, it.d, it.sub)
			case it.raw != nil:
				out.Buf = append(out.Buf, it.raw...)
			}
			if it.close {
				closeAfter = true
				n = i + 1
				break
			}
			if (len(out.Buf) >= writeChunk || out.Len() >= writeBatch) && !flush(i+1) {
				return
			}
		}
		if !flush(n) {
			return
		}
		clear(items)
		if cap(out.Buf) > 4*writeChunk {
			out.Buf = nil // one frame larger than a chunk is not pinned
		}
		if closeAfter {
			c.shutdown()
			return
		}
	}
}

// writerIdle is how long a writer with nothing to do waits before it ends.
const writerIdle = time.Second

// parkWriter ends the running writer if nothing is queued and no heart-beats
// are due; the next enqueue starts another. It reports whether it did.
func (c *conn) parkWriter() bool {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if len(c.out) > 0 || (c.connected.Load() && c.writeHB > 0) {
		return false
	}
	c.writing = false
	return true
}

// endWriter marks the writer gone for good (the connection is closing): no
// other starts, c.done is closed and the server stops waiting for it. The
// writer calls it as it exits (byWriter); shutdown calls it too, which ends
// the writer's part only when no writer is running (a running one sees the
// shutdown and calls it itself).
func (c *conn) endWriter(byWriter bool) {
	c.outMu.Lock()
	if byWriter {
		c.writing = false
	}
	end := !c.writing && !c.writerDone
	if end {
		c.writerDone = true
	}
	c.outMu.Unlock()
	if end {
		close(c.done)
		c.s.conns.Done()
	}
}

const (
	// writeChunk is about how many bytes the writer encodes before it
	// writes.
	writeChunk = 256 << 10
	// writeBatch is about how many bytes it writes at most in one call,
	// counting the bodies it does not copy (see appendMessage). 64 KB
	// messages went 16 rather than 4 to a write: 9-20% more of them per
	// second to one consumer, with less CPU in the broker and in the
	// consumer, whose reads then take more at a time.
	writeBatch = 1 << 20
)

// bigBody is the size from which a body is referenced, not copied.
const bigBody = 8 << 10

// writeFrames writes buf with the referenced bodies spliced in, in one
// vectored write; a failed write closes the connection.
func (c *conn) writeFrames(buf []byte, bodies []frame.BodyRef) bool {
	c.nc.SetWriteDeadline(time.Now().Add(c.s.opts.WriteTimeout))
	if err := frame.WriteSpliced(c.nc, buf, bodies); err != nil {
		select {
		case <-c.quit:
		default:
			c.log.Warn("write failed; closing connection", "err", err)
		}
		c.shutdown()
		return false
	}
	return true
}

func (c *conn) write(b []byte) bool { return c.writeFrames(b, nil) }

// appendMessage encodes a MESSAGE frame with the headers ActiveMQ sends, plus
// the group and delivery-count headers it drops; a body of bigBody bytes or
// more is referenced, not copied.
func (c *conn) appendMessage(out *frame.Spliced, d *broker.Delivery, sub *subscription) {
	b := out.Buf
	m := d.Msg
	e := c.enc
	b = e.AppendCommand(b, frame.MESSAGE)
	b = e.AppendNamedHeader(b, "message-id", m.ID)
	if m.Dest == sub.dest {
		if sub.msgDest == "" {
			sub.msgDest = c.destName(m.Dest) // writer-only field: no lock
		}
		b = e.AppendNamedHeader(b, "destination", sub.msgDest)
	} else {
		b = e.AppendNamedHeader(b, "destination", c.destName(m.Dest))
	}
	b = e.AppendNamedHeader(b, "subscription", sub.id)
	if c.version == frame.V12 && sub.ack != "auto" {
		// The message id, then the subscription's tag (which needs no
		// escaping) before the header's end.
		b = e.AppendNamedHeader(b, "ack", m.ID)
		b = append(append(b[:len(b)-1], sub.ackTag...), '\n')
	}
	b = e.AppendHeaderInt(b, "timestamp", m.Timestamp)
	b = e.AppendHeaderInt(b, "expires", m.Expiration)
	b = e.AppendHeaderInt(b, "priority", int64(m.Priority))
	if m.Persistent {
		b = e.AppendNamedHeader(b, "persistent", "true")
	}
	if d.Redelivered {
		b = e.AppendNamedHeader(b, "redelivered", "true")
	}
	if m.CorrelationID != "" {
		b = e.AppendNamedHeader(b, "correlation-id", m.CorrelationID)
	}
	if m.Type != "" {
		b = e.AppendNamedHeader(b, "type", m.Type)
	}
	if !m.ReplyTo.IsZero() {
		b = e.AppendNamedHeader(b, "reply-to", c.destName(m.ReplyTo))
	}
	if !m.OriginalDest.IsZero() {
		b = e.AppendNamedHeader(b, "original-destination", c.destName(m.OriginalDest))
	}
	if m.GroupID != "" {
		b = e.AppendNamedHeader(b, "JMSXGroupID", m.GroupID)
		b = e.AppendHeaderInt(b, "JMSXGroupSeq", int64(m.GroupSeq))
		if d.GroupFirst {
			b = e.AppendNamedHeader(b, "JMSXGroupFirstForConsumer", "true")
		}
	}
	if m.UserID != "" {
		b = e.AppendNamedHeader(b, "JMSXUserID", m.UserID)
	}
	b = e.AppendHeaderInt(b, "JMSXDeliveryCount", int64(d.DeliveryCount))
	for i := range m.Props {
		p := &m.Props[i]
		switch p.Name {
		case "JMSXDeliveryCount", "JMSXGroupID", "JMSXGroupSeq", "JMSXUserID", frame.HeaderContentLength:
			continue
		}
		b = e.AppendHeader(b, p.Name, p.String())
	}
	body := m.Body
	if m.Advisory != nil {
		body = c.advisoryBody(m.Advisory)
	} else if m.BodyEncoding != broker.EncNative {
		if conv := c.s.opts.ConvertBody; conv != nil {
			if nb, err := conv(m); err == nil {
				body = nb
			} else {
				c.log.Warn("cannot convert message body for STOMP", "message", m.ID, "err", err)
				body = nil
			}
		}
	}
	if m.BodyKind != broker.BodyText || bytes.IndexByte(body, 0) >= 0 {
		// ActiveMQ marks bytes messages (and every non-text body) with a
		// content-length; text messages go without one.
		b = append(b, frame.HeaderContentLength...)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, '\n')
	}
	if len(body) >= bigBody {
		out.Buf = append(b, '\n')
		out.AddBody(body)
		out.Buf = append(out.Buf, 0, '\n')
		return
	}
	out.Buf = e.AppendBody(b, body)
}
