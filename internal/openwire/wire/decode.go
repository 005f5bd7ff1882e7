package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error about a frame that does not
// decode.
var ErrMalformed = errors.New("openwire: malformed frame")

// UnknownTypeError reports a data type this package does not decode. At
// the top level of a frame read by Reader, the stream stays usable.
type UnknownTypeError struct {
	Type byte
}

func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("openwire: unsupported data type %d", e.Type)
}

// Unmarshal decodes one frame body (type byte and fields, without the size
// prefix) using version 12 without stack traces.
func Unmarshal(body []byte) (Command, error) { return Codec{}.Unmarshal(body) }

// Unmarshal decodes one frame body (type byte and fields, without the size
// prefix). The whole body must be consumed. Byte slices in the result alias
// body. A malformed body gives an error wrapping ErrMalformed (or
// ErrMalformedUTF8, or an *UnknownTypeError); decoding never allocates more
// than a small multiple of len(body).
func (c Codec) Unmarshal(body []byte) (Command, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	d := decoder{b: body, version: c.version(), stackTrace: c.StackTraceEnabled, strs: c.Strings}
	ds := d.top(nil)
	if d.err != nil {
		return nil, d.err
	}
	cmd, ok := ds.(Command)
	if !ok {
		return nil, fmt.Errorf("%w: type %d is not a command", ErrMalformed, ds.DataType())
	}
	return cmd, nil
}

// UnmarshalDataStructure decodes one body like Unmarshal but also accepts
// types that are not commands (ids, destinations).
func (c Codec) UnmarshalDataStructure(body []byte) (DataStructure, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	d := decoder{b: body, version: c.version(), stackTrace: c.StackTraceEnabled, strs: c.Strings}
	ds := d.top(nil)
	if d.err != nil {
		return nil, d.err
	}
	return ds, nil
}

type decoder struct {
	b          []byte
	off        int
	version    int32
	stackTrace bool
	depth      int
	err        error
	strs       *Strings
}

// top decodes a whole body; lay, when not nil, receives the layout of a
// top-level message.
func (d *decoder) top(lay *MessageLayout) DataStructure {
	t := d.u8()
	if d.err != nil {
		return nil
	}
	if t == 0 {
		d.fail("null command")
		return nil
	}
	var ds DataStructure
	if lay != nil && IsMessageType(t) {
		m := &Message{BodyType: t}
		d.message(m, lay)
		ds = m
	} else {
		ds = d.structure(t)
	}
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d trailing bytes after type %d", len(d.b)-d.off, t)
	}
	if d.err != nil {
		return nil
	}
	return ds
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
}

func (d *decoder) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || len(d.b)-d.off < n {
		d.fail("need %d bytes at offset %d, have %d", n, d.off, len(d.b)-d.off)
		return false
	}
	return true
}

func (d *decoder) left() int { return len(d.b) - d.off }

func (d *decoder) u8() byte {
	if !d.need(1) {
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *decoder) boolean() bool { return d.u8() != 0 }

func (d *decoder) i16() int16 {
	if !d.need(2) {
		return 0
	}
	v := binary.BigEndian.Uint16(d.b[d.off:])
	d.off += 2
	return int16(v)
}

func (d *decoder) i32() int32 {
	if !d.need(4) {
		return 0
	}
	v := binary.BigEndian.Uint32(d.b[d.off:])
	d.off += 4
	return int32(v)
}

func (d *decoder) i64() int64 {
	if !d.need(8) {
		return 0
	}
	v := binary.BigEndian.Uint64(d.b[d.off:])
	d.off += 8
	return int64(v)
}

func (d *decoder) utf() string {
	n := int(uint16(d.i16()))
	if !d.need(n) {
		return ""
	}
	raw := d.b[d.off : d.off+n]
	d.off += n
	if d.strs != nil && n <= stringsMaxLen {
		if s, ok := d.strs.lookup(raw); ok {
			return s
		}
	}
	s, err := DecodeModifiedUTF8(raw)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("%w: string at offset %d: %w", ErrMalformed, d.off-n, err)
	}
	if d.strs != nil && err == nil && n <= stringsMaxLen && s == string(raw) {
		// Kept only where the decoding is the bytes themselves, so that a
		// lookup by the bytes finds what decoding them would give.
		d.strs.keep(s)
	}
	return s
}

func (d *decoder) str() NullString {
	if !d.boolean() {
		return NullString{}
	}
	s := d.utf()
	if d.err != nil {
		return NullString{}
	}
	return Str(s)
}

// reqStr reads a string field that is modelled as always present; null
// decodes as "".
func (d *decoder) reqStr() string { return d.str().String }

func (d *decoder) byteSeq() []byte {
	if !d.boolean() {
		return nil
	}
	n := d.i32()
	if d.err != nil {
		return nil
	}
	if n < 0 {
		d.fail("negative byte sequence length %d", n)
		return nil
	}
	if !d.need(int(n)) {
		return nil
	}
	v := d.b[d.off : d.off+int(n) : d.off+int(n)]
	d.off += int(n)
	return v
}

func (d *decoder) nested() DataStructure {
	if !d.boolean() {
		return nil
	}
	t := d.u8()
	if d.err != nil {
		return nil
	}
	return d.structure(t)
}

// nestedAs reads a nested object that must be a T (or null).
func nestedAs[T DataStructure](d *decoder) T {
	var zero T
	ds := d.nested()
	if ds == nil || d.err != nil {
		return zero
	}
	v, ok := ds.(T)
	if !ok {
		d.fail("unexpected nested object of type %d at offset %d", ds.DataType(), d.off)
		return zero
	}
	return v
}

func readArray[T DataStructure](d *decoder) []T {
	if !d.boolean() {
		return nil
	}
	n := int(d.i16())
	if d.err != nil {
		return nil
	}
	if n < 0 || n > d.left() {
		d.fail("object array count %d invalid with %d bytes left", n, d.left())
		return nil
	}
	out := make([]T, n)
	for i := range out {
		out[i] = nestedAs[T](d)
		if d.err != nil {
			return nil
		}
	}
	return out
}

func (d *decoder) throwable() *Throwable {
	if !d.boolean() {
		return nil
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		d.fail("throwable causes nested deeper than %d", maxDepth)
		return nil
	}
	t := &Throwable{Class: d.reqStr(), Message: d.str()}
	if !d.stackTrace {
		return t
	}
	n := int(d.i16())
	if d.err != nil {
		return nil
	}
	// Each element takes at least 7 bytes (three null markers and an int).
	if n < 0 || n*7 > d.left() {
		d.fail("stack trace count %d invalid with %d bytes left", n, d.left())
		return nil
	}
	if n > 0 {
		t.StackTrace = make([]StackTraceElement, n)
		for i := range t.StackTrace {
			t.StackTrace[i] = StackTraceElement{
				ClassName:  d.str(),
				MethodName: d.str(),
				FileName:   d.str(),
				LineNumber: d.i32(),
			}
		}
	}
	t.Cause = d.throwable()
	return t
}

func (d *decoder) hdr(b *BaseCommand) {
	b.CommandID = d.i32()
	b.ResponseRequired = d.boolean()
}

// structure decodes the fields of an object of type t.
func (d *decoder) structure(t byte) DataStructure {
	if d.err != nil {
		return nil
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		d.fail("objects nested deeper than %d", maxDepth)
		return nil
	}
	var ds DataStructure
	switch t {
	case TypeConnectionId:
		ds = &ConnectionId{Value: d.reqStr()}
	case TypeSessionId:
		ds = &SessionId{ConnectionID: d.reqStr(), Value: d.i64()}
	case TypeConsumerId:
		ds = &ConsumerId{ConnectionID: d.reqStr(), SessionID: d.i64(), Value: d.i64()}
	case TypeProducerId:
		ds = &ProducerId{ConnectionID: d.reqStr(), Value: d.i64(), SessionID: d.i64()}
	case TypeBrokerId:
		ds = &BrokerId{Value: d.reqStr()}
	case TypeMessageId:
		v := &MessageId{}
		if d.version >= 10 {
			v.TextView = d.str()
		}
		v.ProducerID = nestedAs[*ProducerId](d)
		v.ProducerSequenceID = d.i64()
		v.BrokerSequenceID = d.i64()
		ds = v
	case TypeLocalTransactionId:
		ds = &LocalTransactionId{Value: d.i64(), ConnectionID: nestedAs[*ConnectionId](d)}
	case TypeXATransactionId:
		ds = &XATransactionId{FormatID: d.i32(), GlobalTransactionID: d.byteSeq(), BranchQualifier: d.byteSeq()}
	case TypeQueue, TypeTopic, TypeTempQueue, TypeTempTopic:
		ds = &Destination{Type: t, PhysicalName: d.reqStr()}
	case TypeWireFormatInfo:
		v := &WireFormatInfo{}
		if d.need(8) {
			copy(v.Magic[:], d.b[d.off:d.off+8])
			d.off += 8
		}
		v.Version = d.i32()
		v.MarshalledProperties = d.byteSeq()
		if d.err == nil && v.MarshalledProperties != nil {
			p, err := UnmarshalPrimitiveMap(v.MarshalledProperties)
			if err != nil {
				d.err = fmt.Errorf("%w: wire format properties: %w", ErrMalformed, err)
			}
			v.Properties = p
		}
		ds = v
	case TypeBrokerInfo:
		v := &BrokerInfo{}
		d.hdr(&v.BaseCommand)
		v.BrokerID = nestedAs[*BrokerId](d)
		v.BrokerURL = d.str()
		v.PeerBrokerInfos = readArray[*BrokerInfo](d)
		v.BrokerName = d.str()
		v.SlaveBroker = d.boolean()
		v.MasterBroker = d.boolean()
		v.FaultTolerantConfiguration = d.boolean()
		v.DuplexConnection = d.boolean()
		v.NetworkConnection = d.boolean()
		v.ConnectionID = d.i64()
		v.BrokerUploadURL = d.str()
		v.NetworkProperties = d.str()
		ds = v
	case TypeConnectionInfo:
		v := &ConnectionInfo{}
		d.hdr(&v.BaseCommand)
		v.ConnectionID = nestedAs[*ConnectionId](d)
		v.ClientID = d.str()
		v.Password = d.str()
		v.UserName = d.str()
		v.BrokerPath = readArray[*BrokerId](d)
		v.BrokerMasterConnector = d.boolean()
		v.Manageable = d.boolean()
		v.ClientMaster = d.boolean()
		v.FaultTolerant = d.boolean()
		v.FailoverReconnect = d.boolean()
		v.ClientIP = d.str()
		ds = v
	case TypeSessionInfo:
		v := &SessionInfo{}
		d.hdr(&v.BaseCommand)
		v.SessionID = nestedAs[*SessionId](d)
		ds = v
	case TypeConsumerInfo:
		v := &ConsumerInfo{}
		d.hdr(&v.BaseCommand)
		v.ConsumerID = nestedAs[*ConsumerId](d)
		v.Browser = d.boolean()
		v.Destination = nestedAs[*Destination](d)
		v.PrefetchSize = d.i32()
		v.MaximumPendingMessageLimit = d.i32()
		v.DispatchAsync = d.boolean()
		v.Selector = d.str()
		if d.version >= 10 {
			v.ClientID = d.str()
		}
		v.SubscriptionName = d.str()
		v.NoLocal = d.boolean()
		v.Exclusive = d.boolean()
		v.Retroactive = d.boolean()
		v.Priority = d.u8()
		v.BrokerPath = readArray[*BrokerId](d)
		v.AdditionalPredicate = d.nested()
		v.NetworkSubscription = d.boolean()
		v.OptimizedAcknowledge = d.boolean()
		v.NoRangeAcks = d.boolean()
		v.NetworkConsumerPath = readArray[*ConsumerId](d)
		ds = v
	case TypeProducerInfo:
		v := &ProducerInfo{}
		d.hdr(&v.BaseCommand)
		v.ProducerID = nestedAs[*ProducerId](d)
		v.Destination = nestedAs[*Destination](d)
		v.BrokerPath = readArray[*BrokerId](d)
		v.DispatchAsync = d.boolean()
		v.WindowSize = d.i32()
		ds = v
	case TypeTransactionInfo:
		v := &TransactionInfo{}
		d.hdr(&v.BaseCommand)
		v.ConnectionID = nestedAs[*ConnectionId](d)
		v.TransactionID = nestedAs[TransactionId](d)
		v.Type = d.u8()
		ds = v
	case TypeDestinationInfo:
		v := &DestinationInfo{}
		d.hdr(&v.BaseCommand)
		v.ConnectionID = nestedAs[*ConnectionId](d)
		v.Destination = nestedAs[*Destination](d)
		v.OperationType = d.u8()
		v.Timeout = d.i64()
		v.BrokerPath = readArray[*BrokerId](d)
		ds = v
	case TypeRemoveSubscriptionInfo:
		v := &RemoveSubscriptionInfo{}
		d.hdr(&v.BaseCommand)
		v.ConnectionID = nestedAs[*ConnectionId](d)
		v.SubscriptionName = d.str()
		v.ClientID = d.str()
		ds = v
	case TypeKeepAliveInfo:
		v := &KeepAliveInfo{}
		d.hdr(&v.BaseCommand)
		ds = v
	case TypeShutdownInfo:
		v := &ShutdownInfo{}
		d.hdr(&v.BaseCommand)
		ds = v
	case TypeRemoveInfo:
		v := &RemoveInfo{}
		d.hdr(&v.BaseCommand)
		v.ObjectID = d.nested()
		v.LastDeliveredSequenceID = d.i64()
		ds = v
	case TypeControlCommand:
		v := &ControlCommand{}
		d.hdr(&v.BaseCommand)
		v.Command = d.str()
		ds = v
	case TypeConnectionError:
		v := &ConnectionError{}
		d.hdr(&v.BaseCommand)
		v.Exception = d.throwable()
		v.ConnectionID = nestedAs[*ConnectionId](d)
		ds = v
	case TypeConsumerControl:
		v := &ConsumerControl{}
		d.hdr(&v.BaseCommand)
		v.Destination = nestedAs[*Destination](d)
		v.Close = d.boolean()
		v.ConsumerID = nestedAs[*ConsumerId](d)
		v.Prefetch = d.i32()
		v.Flush = d.boolean()
		v.Start = d.boolean()
		v.Stop = d.boolean()
		ds = v
	case TypeConnectionControl:
		v := &ConnectionControl{}
		d.hdr(&v.BaseCommand)
		v.Close = d.boolean()
		v.Exit = d.boolean()
		v.FaultTolerant = d.boolean()
		v.Resume = d.boolean()
		v.Suspend = d.boolean()
		v.ConnectedBrokers = d.str()
		v.ReconnectTo = d.str()
		v.RebalanceConnection = d.boolean()
		v.Token = d.byteSeq()
		ds = v
	case TypeProducerAck:
		v := &ProducerAck{}
		d.hdr(&v.BaseCommand)
		v.ProducerID = nestedAs[*ProducerId](d)
		v.Size = d.i32()
		ds = v
	case TypeMessagePull:
		v := &MessagePull{}
		d.hdr(&v.BaseCommand)
		v.ConsumerID = nestedAs[*ConsumerId](d)
		v.Destination = nestedAs[*Destination](d)
		v.Timeout = d.i64()
		v.CorrelationID = d.str()
		v.MessageID = nestedAs[*MessageId](d)
		ds = v
	case TypeMessageDispatch:
		v := &MessageDispatch{}
		d.hdr(&v.BaseCommand)
		v.ConsumerID = nestedAs[*ConsumerId](d)
		v.Destination = nestedAs[*Destination](d)
		v.Message = nestedAs[*Message](d)
		v.RedeliveryCounter = d.i32()
		ds = v
	case TypeMessageAck:
		v := &MessageAck{}
		d.hdr(&v.BaseCommand)
		v.Destination = nestedAs[*Destination](d)
		v.TransactionID = nestedAs[TransactionId](d)
		v.ConsumerID = nestedAs[*ConsumerId](d)
		v.AckType = d.u8()
		v.FirstMessageID = nestedAs[*MessageId](d)
		v.LastMessageID = nestedAs[*MessageId](d)
		v.MessageCount = d.i32()
		v.PoisonCause = d.throwable()
		ds = v
	case TypeMessage, TypeBytesMessage, TypeMapMessage, TypeObjectMessage,
		TypeStreamMessage, TypeTextMessage, TypeBlobMessage:
		v := &Message{BodyType: t}
		d.message(v, nil)
		ds = v
	case TypeResponse:
		v := &Response{}
		d.hdr(&v.BaseCommand)
		v.CorrelationID = d.i32()
		ds = v
	case TypeExceptionResponse:
		v := &ExceptionResponse{}
		d.hdr(&v.BaseCommand)
		v.CorrelationID = d.i32()
		v.Exception = d.throwable()
		ds = v
	case TypeDataResponse:
		v := &DataResponse{}
		d.hdr(&v.BaseCommand)
		v.CorrelationID = d.i32()
		v.Data = d.nested()
		ds = v
	case TypeDataArrayResponse:
		v := &DataArrayResponse{}
		d.hdr(&v.BaseCommand)
		v.CorrelationID = d.i32()
		v.Data = readArray[DataStructure](d)
		ds = v
	case TypeIntegerResponse:
		v := &IntegerResponse{}
		d.hdr(&v.BaseCommand)
		v.CorrelationID = d.i32()
		v.Result = d.i32()
		ds = v
	default:
		if d.err == nil {
			d.err = &UnknownTypeError{Type: t}
		}
		return nil
	}
	if d.err != nil {
		return nil
	}
	return ds
}

// message decodes the fields of a message; lay, when not nil, receives the
// offsets of the fields the dispatch fast path patches.
func (d *decoder) message(m *Message, lay *MessageLayout) {
	d.hdr(&m.BaseCommand)
	m.ProducerID = nestedAs[*ProducerId](d)
	destStart := d.off
	m.Destination = nestedAs[*Destination](d)
	destEnd := d.off
	m.TransactionID = nestedAs[TransactionId](d)
	m.OriginalDestination = nestedAs[*Destination](d)
	m.MessageID = nestedAs[*MessageId](d)
	seqEnd := d.off
	m.OriginalTransactionID = nestedAs[TransactionId](d)
	m.GroupID = d.str()
	m.GroupSequence = d.i32()
	m.CorrelationID = d.str()
	m.Persistent = d.boolean()
	m.Expiration = d.i64()
	m.Priority = d.u8()
	m.ReplyTo = nestedAs[*Destination](d)
	m.Timestamp = d.i64()
	m.Type = d.str()
	m.Content = d.byteSeq()
	m.MarshalledProperties = d.byteSeq()
	m.DataStructure = d.nested()
	m.TargetConsumerID = nestedAs[*ConsumerId](d)
	m.Compressed = d.boolean()
	redelivery := d.off
	m.RedeliveryCounter = d.i32()
	m.BrokerPath = readArray[*BrokerId](d)
	m.Arrival = d.i64()
	m.UserID = d.str()
	m.ReceivedByDFBridge = d.boolean()
	m.Droppable = d.boolean()
	m.Cluster = readArray[*BrokerId](d)
	brokerIn := d.off
	m.BrokerInTime = d.i64()
	m.BrokerOutTime = d.i64()
	if d.version >= 10 {
		m.JMSXGroupFirstForConsumer = d.boolean()
	}
	if m.BodyType == TypeBlobMessage {
		m.RemoteBlobURL = d.str()
		m.MimeType = d.str()
		m.DeletedByBroker = d.boolean()
	}
	if lay != nil && d.err == nil {
		*lay = MessageLayout{
			version:    d.version,
			destStart:  destStart,
			destEnd:    destEnd,
			seq:        -1,
			redelivery: redelivery,
			brokerIn:   brokerIn,
			end:        d.off,
		}
		if m.MessageID != nil {
			lay.seq = seqEnd - 8
		}
	}
}
