package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Supported OpenWire versions.
const (
	MinVersion     int32 = 9
	CurrentVersion int32 = 12
)

// maxDepth bounds the nesting of objects and throwable causes.
const maxDepth = 64

// ErrMarshal is wrapped by every Marshal error.
var ErrMarshal = errors.New("openwire: cannot marshal")

// Codec holds the negotiated settings that change the encoding. The zero
// value is version 12 without stack traces.
type Codec struct {
	// Version is the negotiated OpenWire version (9..12); 0 means 12.
	Version int32
	// StackTraceEnabled selects the throwable form carrying stack traces
	// and causes.
	StackTraceEnabled bool
	// Strings, when set, shares repeated strings between the frames one
	// reader decodes (see Strings); nil decodes every string afresh.
	Strings *Strings
}

func (c Codec) version() int32 {
	if c.Version == 0 {
		return CurrentVersion
	}
	return c.Version
}

func (c Codec) check() error {
	v := c.version()
	if v < MinVersion || v > CurrentVersion {
		return fmt.Errorf("openwire: unsupported version %d (supported %d..%d)", v, MinVersion, CurrentVersion)
	}
	return nil
}

// Marshal appends a whole frame (4-byte size prefix, type byte, fields)
// for c to dst using version 12 without stack traces.
func Marshal(dst []byte, c Command) ([]byte, error) { return Codec{}.Marshal(dst, c) }

// Marshal appends a whole frame (4-byte size prefix, type byte, fields)
// for cmd to dst. On error dst is returned unchanged (its spare capacity may
// have been written).
func (c Codec) Marshal(dst []byte, cmd Command) ([]byte, error) {
	if err := c.check(); err != nil {
		return dst, err
	}
	start := len(dst)
	if n := sizeHint(cmd); n > 0 {
		dst = slices.Grow(dst, n)
	}
	e := encoder{b: append(dst, 0, 0, 0, 0, 0), version: c.version(), stackTrace: c.StackTraceEnabled}
	t, ok := e.fields(cmd)
	if !ok && e.err == nil {
		e.fail("nil command")
	}
	if e.err != nil {
		return dst, e.err
	}
	size := len(e.b) - start - 4
	if size > math.MaxInt32 {
		return dst, fmt.Errorf("%w: frame of %d bytes is too large", ErrMarshal, size)
	}
	binary.BigEndian.PutUint32(e.b[start:], uint32(size))
	e.b[start+4] = t
	return e.b, nil
}

// sizeHint estimates the encoded size of messages so that Marshal grows
// its buffer once.
func sizeHint(cmd Command) int {
	var m *Message
	switch v := cmd.(type) {
	case *Message:
		m = v
	case *MessageDispatch:
		m = v.Message
	}
	if m == nil {
		return 0
	}
	return len(m.Content) + len(m.MarshalledProperties) + 512
}

// MarshalBody appends the body of one frame (type byte and fields, no size
// prefix) for ds to dst. It is the form Unmarshal reads.
func (c Codec) MarshalBody(dst []byte, ds DataStructure) ([]byte, error) {
	if err := c.check(); err != nil {
		return dst, err
	}
	start := len(dst)
	e := encoder{b: append(dst, 0), version: c.version(), stackTrace: c.StackTraceEnabled}
	t, ok := e.fields(ds)
	if !ok && e.err == nil {
		e.fail("nil data structure")
	}
	if e.err != nil {
		return dst, e.err
	}
	e.b[start] = t
	return e.b, nil
}

type encoder struct {
	b          []byte
	version    int32
	stackTrace bool
	depth      int
	err        error
}

func (e *encoder) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf("%w: "+format, append([]any{ErrMarshal}, args...)...)
	}
}

func (e *encoder) u8(v byte) { e.b = append(e.b, v) }

func (e *encoder) boolean(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) i32(v int32) { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)) }
func (e *encoder) i64(v int64) { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)) }

// utf writes a uint16 length and the modified UTF-8 bytes (writeUTF).
func (e *encoder) utf(s string) {
	// Fast path: plain ASCII without NUL encodes as itself.
	ascii := len(s) <= math.MaxUint16
	if ascii {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == 0 || c >= 0x80 {
				ascii = false
				break
			}
		}
	}
	if ascii {
		e.b = binary.BigEndian.AppendUint16(e.b, uint16(len(s)))
		e.b = append(e.b, s...)
		return
	}
	n := ModifiedUTF8Len(s)
	if n > math.MaxUint16 {
		e.fail("string of %d encoded bytes is longer than 65535", n)
		return
	}
	e.b = binary.BigEndian.AppendUint16(e.b, uint16(n))
	e.b = AppendModifiedUTF8(e.b, s)
}

func (e *encoder) str(s NullString) {
	if !s.Valid {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 1)
	e.utf(s.String)
}

// reqStr writes a string that is always present.
func (e *encoder) reqStr(s string) {
	e.b = append(e.b, 1)
	e.utf(s)
}

func (e *encoder) byteSeq(b []byte) {
	if b == nil {
		e.b = append(e.b, 0)
		return
	}
	if len(b) > math.MaxInt32 {
		e.fail("byte sequence of %d bytes is too large", len(b))
		return
	}
	e.b = append(e.b, 1)
	e.i32(int32(len(b)))
	e.b = append(e.b, b...)
}

// nested writes a nested object: bool not-null, type byte, fields.
func (e *encoder) nested(ds DataStructure) {
	if ds == nil {
		e.b = append(e.b, 0)
		return
	}
	mark := len(e.b)
	e.b = append(e.b, 1, 0)
	t, ok := e.fields(ds)
	if !ok {
		e.b = append(e.b[:mark], 0)
		return
	}
	e.b[mark+1] = t
}

func writeArray[T DataStructure](e *encoder, arr []T) {
	if arr == nil {
		e.b = append(e.b, 0)
		return
	}
	if len(arr) > math.MaxInt16 {
		e.fail("object array of %d elements is longer than 32767", len(arr))
		return
	}
	e.b = append(e.b, 1)
	e.b = binary.BigEndian.AppendUint16(e.b, uint16(len(arr)))
	for _, v := range arr {
		e.nested(v)
	}
}

func (e *encoder) throwable(t *Throwable) {
	if t == nil {
		e.b = append(e.b, 0)
		return
	}
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxDepth {
		e.fail("throwable causes nested deeper than %d", maxDepth)
		return
	}
	e.b = append(e.b, 1)
	e.reqStr(t.Class)
	e.str(t.Message)
	if !e.stackTrace {
		return
	}
	if len(t.StackTrace) > math.MaxInt16 {
		e.fail("stack trace of %d elements is longer than 32767", len(t.StackTrace))
		return
	}
	e.b = binary.BigEndian.AppendUint16(e.b, uint16(len(t.StackTrace)))
	for _, el := range t.StackTrace {
		e.str(el.ClassName)
		e.str(el.MethodName)
		e.str(el.FileName)
		e.i32(el.LineNumber)
	}
	e.throwable(t.Cause)
}

func (e *encoder) hdr(b *BaseCommand) {
	e.i32(b.CommandID)
	e.boolean(b.ResponseRequired)
}

// fields writes the fields of ds (not its type byte) and returns its type
// code; ok is false, with nothing written, when ds is a nil pointer.
func (e *encoder) fields(ds DataStructure) (t byte, ok bool) {
	if e.err != nil {
		return 0, true
	}
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxDepth {
		e.fail("objects nested deeper than %d", maxDepth)
		return 0, true
	}
	switch v := ds.(type) {
	case nil:
		return 0, false
	case *ConnectionId:
		if v == nil {
			return 0, false
		}
		e.reqStr(v.Value)
	case *SessionId:
		if v == nil {
			return 0, false
		}
		e.reqStr(v.ConnectionID)
		e.i64(v.Value)
	case *ConsumerId:
		if v == nil {
			return 0, false
		}
		e.reqStr(v.ConnectionID)
		e.i64(v.SessionID)
		e.i64(v.Value)
	case *ProducerId:
		if v == nil {
			return 0, false
		}
		e.reqStr(v.ConnectionID)
		e.i64(v.Value)
		e.i64(v.SessionID)
	case *BrokerId:
		if v == nil {
			return 0, false
		}
		e.reqStr(v.Value)
	case *MessageId:
		if v == nil {
			return 0, false
		}
		if e.version >= 10 {
			e.str(v.TextView)
		}
		e.nested(v.ProducerID)
		e.i64(v.ProducerSequenceID)
		e.i64(v.BrokerSequenceID)
	case *LocalTransactionId:
		if v == nil {
			return 0, false
		}
		e.i64(v.Value)
		e.nested(v.ConnectionID)
	case *XATransactionId:
		if v == nil {
			return 0, false
		}
		e.i32(v.FormatID)
		e.byteSeq(v.GlobalTransactionID)
		e.byteSeq(v.BranchQualifier)
	case *Destination:
		if v == nil {
			return 0, false
		}
		if v.Type < TypeQueue || v.Type > TypeTempTopic {
			e.fail("destination type %d is not 100..103", v.Type)
			return 0, true
		}
		e.reqStr(v.PhysicalName)
	case *WireFormatInfo:
		if v == nil {
			return 0, false
		}
		e.b = append(e.b, v.Magic[:]...)
		e.i32(v.Version)
		switch {
		case v.MarshalledProperties != nil:
			e.byteSeq(v.MarshalledProperties)
		case v.Properties != nil:
			props, err := AppendPrimitiveMap(nil, v.Properties)
			if err != nil {
				e.fail("wire format properties: %v", err)
				return 0, true
			}
			e.byteSeq(props)
		default:
			e.b = append(e.b, 0)
		}
	case *BrokerInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.BrokerID)
		e.str(v.BrokerURL)
		writeArray(e, v.PeerBrokerInfos)
		e.str(v.BrokerName)
		e.boolean(v.SlaveBroker)
		e.boolean(v.MasterBroker)
		e.boolean(v.FaultTolerantConfiguration)
		e.boolean(v.DuplexConnection)
		e.boolean(v.NetworkConnection)
		e.i64(v.ConnectionID)
		e.str(v.BrokerUploadURL)
		e.str(v.NetworkProperties)
	case *ConnectionInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ConnectionID)
		e.str(v.ClientID)
		e.str(v.Password)
		e.str(v.UserName)
		writeArray(e, v.BrokerPath)
		e.boolean(v.BrokerMasterConnector)
		e.boolean(v.Manageable)
		e.boolean(v.ClientMaster)
		e.boolean(v.FaultTolerant)
		e.boolean(v.FailoverReconnect)
		e.str(v.ClientIP)
	case *SessionInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.SessionID)
	case *ConsumerInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ConsumerID)
		e.boolean(v.Browser)
		e.nested(v.Destination)
		e.i32(v.PrefetchSize)
		e.i32(v.MaximumPendingMessageLimit)
		e.boolean(v.DispatchAsync)
		e.str(v.Selector)
		if e.version >= 10 {
			e.str(v.ClientID)
		}
		e.str(v.SubscriptionName)
		e.boolean(v.NoLocal)
		e.boolean(v.Exclusive)
		e.boolean(v.Retroactive)
		e.u8(v.Priority)
		writeArray(e, v.BrokerPath)
		e.nested(v.AdditionalPredicate)
		e.boolean(v.NetworkSubscription)
		e.boolean(v.OptimizedAcknowledge)
		e.boolean(v.NoRangeAcks)
		writeArray(e, v.NetworkConsumerPath)
	case *ProducerInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ProducerID)
		e.nested(v.Destination)
		writeArray(e, v.BrokerPath)
		e.boolean(v.DispatchAsync)
		e.i32(v.WindowSize)
	case *TransactionInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ConnectionID)
		e.nested(v.TransactionID)
		e.u8(v.Type)
	case *DestinationInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ConnectionID)
		e.nested(v.Destination)
		e.u8(v.OperationType)
		e.i64(v.Timeout)
		writeArray(e, v.BrokerPath)
	case *RemoveSubscriptionInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ConnectionID)
		e.str(v.SubscriptionName)
		e.str(v.ClientID)
	case *KeepAliveInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
	case *ShutdownInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
	case *RemoveInfo:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ObjectID)
		e.i64(v.LastDeliveredSequenceID)
	case *ControlCommand:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.str(v.Command)
	case *ConnectionError:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.throwable(v.Exception)
		e.nested(v.ConnectionID)
	case *ConsumerControl:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.Destination)
		e.boolean(v.Close)
		e.nested(v.ConsumerID)
		e.i32(v.Prefetch)
		e.boolean(v.Flush)
		e.boolean(v.Start)
		e.boolean(v.Stop)
	case *ConnectionControl:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.boolean(v.Close)
		e.boolean(v.Exit)
		e.boolean(v.FaultTolerant)
		e.boolean(v.Resume)
		e.boolean(v.Suspend)
		e.str(v.ConnectedBrokers)
		e.str(v.ReconnectTo)
		e.boolean(v.RebalanceConnection)
		e.byteSeq(v.Token)
	case *ProducerAck:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ProducerID)
		e.i32(v.Size)
	case *MessagePull:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ConsumerID)
		e.nested(v.Destination)
		e.i64(v.Timeout)
		e.str(v.CorrelationID)
		e.nested(v.MessageID)
	case *MessageDispatch:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.ConsumerID)
		e.nested(v.Destination)
		e.nested(v.Message)
		e.i32(v.RedeliveryCounter)
	case *MessageAck:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.nested(v.Destination)
		e.nested(v.TransactionID)
		e.nested(v.ConsumerID)
		e.u8(v.AckType)
		e.nested(v.FirstMessageID)
		e.nested(v.LastMessageID)
		e.i32(v.MessageCount)
		e.throwable(v.PoisonCause)
	case *Message:
		if v == nil {
			return 0, false
		}
		if t := v.DataType(); !IsMessageType(t) {
			e.fail("message body type %d is not 23..29", t)
			return 0, true
		}
		e.message(v)
	case *Response:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.i32(v.CorrelationID)
	case *ExceptionResponse:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.i32(v.CorrelationID)
		e.throwable(v.Exception)
	case *DataResponse:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.i32(v.CorrelationID)
		e.nested(v.Data)
	case *DataArrayResponse:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.i32(v.CorrelationID)
		writeArray(e, v.Data)
	case *IntegerResponse:
		if v == nil {
			return 0, false
		}
		e.hdr(&v.BaseCommand)
		e.i32(v.CorrelationID)
		e.i32(v.Result)
	default:
		e.fail("unsupported data structure %T", ds)
		return 0, true
	}
	return ds.DataType(), true
}

func (e *encoder) message(m *Message) {
	e.hdr(&m.BaseCommand)
	e.nested(m.ProducerID)
	e.nested(m.Destination)
	e.nested(m.TransactionID)
	e.nested(m.OriginalDestination)
	e.nested(m.MessageID)
	e.nested(m.OriginalTransactionID)
	e.str(m.GroupID)
	e.i32(m.GroupSequence)
	e.str(m.CorrelationID)
	e.boolean(m.Persistent)
	e.i64(m.Expiration)
	e.u8(m.Priority)
	e.nested(m.ReplyTo)
	e.i64(m.Timestamp)
	e.str(m.Type)
	e.byteSeq(m.Content)
	e.byteSeq(m.MarshalledProperties)
	e.nested(m.DataStructure)
	e.nested(m.TargetConsumerID)
	e.boolean(m.Compressed)
	e.i32(m.RedeliveryCounter)
	writeArray(e, m.BrokerPath)
	e.i64(m.Arrival)
	e.str(m.UserID)
	e.boolean(m.ReceivedByDFBridge)
	e.boolean(m.Droppable)
	writeArray(e, m.Cluster)
	e.i64(m.BrokerInTime)
	e.i64(m.BrokerOutTime)
	if e.version >= 10 {
		e.boolean(m.JMSXGroupFirstForConsumer)
	}
	if m.DataType() == TypeBlobMessage {
		e.str(m.RemoteBlobURL)
		e.str(m.MimeType)
		e.boolean(m.DeletedByBroker)
	}
}
