package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// MessageLayout locates, within an encoded message body (type byte and
// fields, as returned by Reader.ReadFrame), the fields the broker changes
// when it dispatches the message: the destination, the message id's
// broker sequence id, the redelivery counter and the broker in/out times.
// The zero value matches no body.
type MessageLayout struct {
	version    int32
	destStart  int
	destEnd    int
	seq        int // offset of MessageId.BrokerSequenceID, -1 without an id
	redelivery int
	brokerIn   int
	end        int
}

// Version returns the OpenWire version the body was decoded with.
func (l MessageLayout) Version() int32 { return l.version }

// DecodeMessage decodes a message body (types 23..29) like Unmarshal and
// also returns its layout for AppendDispatch.
func (c Codec) DecodeMessage(body []byte) (*Message, MessageLayout, error) {
	if err := c.check(); err != nil {
		return nil, MessageLayout{}, err
	}
	if len(body) == 0 || !IsMessageType(body[0]) {
		return nil, MessageLayout{}, fmt.Errorf("%w: not a message body", ErrMalformed)
	}
	var lay MessageLayout
	d := decoder{b: body, version: c.version(), stackTrace: c.StackTraceEnabled, strs: c.Strings}
	ds := d.top(&lay)
	if d.err != nil {
		return nil, MessageLayout{}, d.err
	}
	return ds.(*Message), lay, nil
}

// DispatchPatch holds the values AppendDispatch writes into the message.
type DispatchPatch struct {
	// BrokerSequenceID replaces MessageId.BrokerSequenceID (ignored when
	// the message has no id).
	BrokerSequenceID int64
	BrokerInTime     int64
	BrokerOutTime    int64
	// RedeliveryCounter is written to the message and to the dispatch.
	RedeliveryCounter int32
	// Destination, when not nil, replaces the message's destination.
	Destination *Destination
}

// AppendDispatch appends a whole MessageDispatch frame (size prefix
// included) that re-embeds the message body as received, changing only the
// fields in p. The dispatch's destination is dest, or, when dest is nil,
// the message's (patched) destination. responseRequired is false. body and
// lay must come from DecodeMessage with the same version as c; body is not
// modified, so one body may be dispatched concurrently to many consumers.
// The result is byte-for-byte what Marshal gives for the equivalent
// MessageDispatch.
func (c Codec) AppendDispatch(dst []byte, commandID int32, consumer *ConsumerId, dest *Destination, body []byte, lay MessageLayout, p DispatchPatch) ([]byte, error) {
	if lay.end != len(body) || len(body) == 0 || lay.version != c.version() ||
		lay.destStart <= 0 || lay.destEnd < lay.destStart || lay.redelivery+4 > len(body) ||
		lay.brokerIn+16 > len(body) || lay.seq+8 > len(body) || lay.seq > lay.redelivery ||
		lay.destEnd > lay.seq && lay.seq >= 0 {
		return dst, fmt.Errorf("%w: message layout does not match the body (or version %d != %d)", ErrMarshal, lay.version, c.version())
	}
	start := len(dst)
	e := encoder{b: dst, version: c.version(), stackTrace: c.StackTraceEnabled}
	e.b = append(e.b, 0, 0, 0, 0, TypeMessageDispatch)
	e.i32(commandID)
	e.boolean(false)
	e.nested(consumer)
	var ownDest []byte
	if p.Destination == nil {
		ownDest = body[lay.destStart:lay.destEnd]
	}
	switch {
	case dest != nil:
		e.nested(dest)
	case p.Destination != nil:
		e.nested(p.Destination)
	default:
		e.b = append(e.b, ownDest...)
	}
	e.b = append(e.b, 1)
	mstart := len(e.b)
	e.b = append(e.b, body[:lay.destStart]...)
	if p.Destination != nil {
		e.nested(p.Destination)
	} else {
		e.b = append(e.b, ownDest...)
	}
	delta := len(e.b) - mstart - lay.destEnd
	e.b = append(e.b, body[lay.destEnd:]...)
	m := e.b[mstart:]
	if lay.seq >= 0 {
		binary.BigEndian.PutUint64(m[lay.seq+delta:], uint64(p.BrokerSequenceID))
	}
	binary.BigEndian.PutUint32(m[lay.redelivery+delta:], uint32(p.RedeliveryCounter))
	binary.BigEndian.PutUint64(m[lay.brokerIn+delta:], uint64(p.BrokerInTime))
	binary.BigEndian.PutUint64(m[lay.brokerIn+delta+8:], uint64(p.BrokerOutTime))
	e.i32(p.RedeliveryCounter)
	if e.err != nil {
		return dst, e.err
	}
	size := len(e.b) - start - 4
	if size > math.MaxInt32 {
		return dst, fmt.Errorf("%w: frame of %d bytes is too large", ErrMarshal, size)
	}
	binary.BigEndian.PutUint32(e.b[start:], uint32(size))
	return e.b, nil
}
