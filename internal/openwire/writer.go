package openwire

import (
	"time"

	"amq/broker"
	"amq/internal/openwire/wire"
)

// flushAt is how many encoded bytes the writer accumulates before writing
// in the middle of a batch, so one large batch does not delay the first
// frames or pin a huge buffer.
const flushAt = 256 << 10

// writeLoop is the connection's only writer: it takes everything queued,
// encodes it into one buffer and writes it with one call, so frames are
// coalesced whenever the client is slower than the broker. It sends a
// KeepAliveInfo when nothing was written for a third of the negotiated
// inactivity duration.
func (c *conn) writeLoop() {
	defer c.s.conns.Done()
	defer close(c.done)
	var (
		buf       []byte
		items     []outItem
		sent      []*broker.Delivery
		dc        = destCache{}
		codec     wire.Codec
		keepAlive time.Duration
		ka        *time.Timer
		kaC       <-chan time.Time
		seq       int64
	)
	defer func() {
		if ka != nil {
			ka.Stop()
		}
	}()
	lastWrite := time.Now()
	flush := func() bool {
		if len(buf) == 0 {
			return true
		}
		// The deliveries were claimed (MarkSent) as they were encoded, so
		// a consumer closed right after reading one sees the redelivery
		// counter rise.
		if !c.write(buf) {
			return false
		}
		lastWrite = time.Now()
		clear(sent)
		sent = sent[:0]
		buf = buf[:0]
		return true
	}
	for {
		if ka == nil && keepAlive > 0 {
			ka = time.NewTimer(keepAlive)
			kaC = ka.C
		}
		select {
		case <-c.outWake:
		case <-kaC:
			if idle := time.Since(lastWrite); idle >= keepAlive {
				var err error
				if buf, err = codec.Marshal(buf[:0], &wire.KeepAliveInfo{}); err == nil && !flush() {
					return
				}
			}
			ka.Reset(max(keepAlive-time.Since(lastWrite), time.Millisecond))
			continue
		case <-c.quit:
			return
		}
		c.outMu.Lock()
		items, c.out = c.out, items[:0]
		codec, keepAlive = c.codec, c.keepAlive
		c.outMu.Unlock()
		buf = buf[:0]
		closeAfter := false
	batch:
		for i := range items {
			it := &items[i]
			var err error
			switch {
			case it.d != nil:
				if it.k.closed.Load() || (it.d.Consumer != nil && !it.d.MarkSent()) {
					// Returned to its queue when the consumer closed.
					continue
				}
				seq++
				// The client reports the last number its application took
				// when a consumer closes (closeConsumer).
				it.d.SetWireSeq(seq)
				mark := len(buf)
				if buf, err = c.appendDelivery(buf, codec, &dc, it, seq); err != nil {
					buf = buf[:mark]
					c.log.Error("cannot encode a message for dispatch; skipping it", "message", it.d.Msg.ID, "err", err)
					continue
				}
				sent = append(sent, it.d)
			case it.cmd != nil:
				mark := len(buf)
				if buf, err = codec.Marshal(buf, it.cmd); err != nil {
					buf = buf[:mark]
					c.log.Error("cannot encode a command", "type", it.cmd.DataType(), "err", err)
				}
			}
			if it.close {
				closeAfter = true
				break batch
			}
			if len(buf) >= flushAt && !flush() {
				return
			}
		}
		if !flush() {
			return
		}
		clear(items)
		if cap(buf) > 4<<20 {
			buf = nil // do not pin a huge buffer after one large burst
		}
		if closeAfter {
			c.shutdown()
			return
		}
	}
}

func (c *conn) write(b []byte) bool {
	c.nc.SetWriteDeadline(time.Now().Add(c.s.opts.WriteTimeout))
	if _, err := c.nc.Write(b); err != nil {
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

func effectiveVersion(c wire.Codec) int32 {
	if c.Version == 0 {
		return wire.CurrentVersion
	}
	return c.Version
}

// appendDelivery encodes one MessageDispatch. A message a JMS producer sent
// is re-embedded as it arrived, with only the broker's fields patched;
// anything else is built from the broker's model.
func (c *conn) appendDelivery(buf []byte, codec wire.Codec, dc *destCache, it *outItem, seq int64) ([]byte, error) {
	d, k := it.d, it.k
	m := d.Msg
	redelivery := max(d.DeliveryCount-1, 0)
	now := time.Now().UnixMilli()
	dest := dc.get(m.Dest)
	if dest == nil {
		dest = k.wdest
	}
	if m.BodyEncoding == broker.EncOpenWire && m.Advisory == nil {
		if out, ok := reembed(buf, codec, it, dest, seq, redelivery, now); ok {
			return out, nil
		}
	}
	wm, err := buildMessage(m, dc, redelivery, now, d.GroupFirst)
	if err != nil {
		return buf, err
	}
	wm.MessageID.BrokerSequenceID = seq
	return codec.Marshal(buf, &wire.MessageDispatch{ConsumerID: k.wid, Destination: dest, Message: wm, RedeliveryCounter: redelivery})
}

// reembed appends a dispatch carrying the producer's own frame, if it is
// still known and was decoded with the connection's version.
func reembed(buf []byte, codec wire.Codec, it *outItem, dest *wire.Destination, seq int64, redelivery int32, now int64) ([]byte, bool) {
	d, m := it.d, it.d.Msg
	f := frameOf(m)
	if f == nil || f.lay.Version() != effectiveVersion(codec) {
		return buf, false
	}
	// The group-first flag is the message's last field, except in blob
	// messages (whose URL matters more than the flag) and below v10.
	groupByte := f.bodyType != wire.TypeBlobMessage && f.lay.Version() >= 10
	patch := wire.DispatchPatch{
		BrokerSequenceID:  seq,
		BrokerInTime:      m.BrokerInTime,
		BrokerOutTime:     now,
		RedeliveryCounter: redelivery,
	}
	if f.dest != m.Dest {
		patch.Destination = dest
	}
	start := len(buf)
	out, err := codec.AppendDispatch(buf, 0, it.k.wid, dest, f.body, f.lay, patch)
	if err != nil {
		return out[:start], false
	}
	if groupByte {
		// Just before the dispatch's redelivery counter.
		out[len(out)-5] = boolByte(d.GroupFirst)
	}
	return out, true
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
