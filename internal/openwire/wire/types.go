package wire

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// Data structure type codes (OpenWire v12).
const (
	TypeWireFormatInfo         byte = 1
	TypeBrokerInfo             byte = 2
	TypeConnectionInfo         byte = 3
	TypeSessionInfo            byte = 4
	TypeConsumerInfo           byte = 5
	TypeProducerInfo           byte = 6
	TypeTransactionInfo        byte = 7
	TypeDestinationInfo        byte = 8
	TypeRemoveSubscriptionInfo byte = 9
	TypeKeepAliveInfo          byte = 10
	TypeShutdownInfo           byte = 11
	TypeRemoveInfo             byte = 12
	TypeControlCommand         byte = 14
	TypeConnectionError        byte = 16
	TypeConsumerControl        byte = 17
	TypeConnectionControl      byte = 18
	TypeProducerAck            byte = 19
	TypeMessagePull            byte = 20
	TypeMessageDispatch        byte = 21
	TypeMessageAck             byte = 22
	TypeMessage                byte = 23 // ActiveMQMessage (no body)
	TypeBytesMessage           byte = 24
	TypeMapMessage             byte = 25
	TypeObjectMessage          byte = 26
	TypeStreamMessage          byte = 27
	TypeTextMessage            byte = 28
	TypeBlobMessage            byte = 29
	TypeResponse               byte = 30
	TypeExceptionResponse      byte = 31
	TypeDataResponse           byte = 32
	TypeDataArrayResponse      byte = 33
	TypeIntegerResponse        byte = 34

	TypeQueue     byte = 100
	TypeTopic     byte = 101
	TypeTempQueue byte = 102
	TypeTempTopic byte = 103

	TypeMessageId          byte = 110
	TypeLocalTransactionId byte = 111
	TypeXATransactionId    byte = 112

	TypeConnectionId byte = 120
	TypeSessionId    byte = 121
	TypeConsumerId   byte = 122
	TypeProducerId   byte = 123
	TypeBrokerId     byte = 124
)

// IsMessageType reports whether t is one of the message types 23..29.
func IsMessageType(t byte) bool { return t >= TypeMessage && t <= TypeBlobMessage }

// DataStructure is anything that can be encoded as a nested OpenWire object.
// Implementations in this package use pointer receivers; a typed nil pointer
// is encoded as null.
type DataStructure interface {
	DataType() byte
}

// BaseCommand is the header that starts every command except
// WireFormatInfo.
type BaseCommand struct {
	CommandID        int32
	ResponseRequired bool
}

// Base gives access to the command header.
func (b *BaseCommand) Base() *BaseCommand { return b }

// Command is a top-level OpenWire command.
type Command interface {
	DataStructure
	Base() *BaseCommand
}

// NullString is a string that may be null on the wire.
type NullString struct {
	String string
	Valid  bool
}

// Str returns a present (non-null) NullString.
func Str(s string) NullString { return NullString{String: s, Valid: true} }

// ---- identifiers ----

// ConnectionId (type 120).
type ConnectionId struct {
	Value string
}

// SessionId (type 121).
type SessionId struct {
	ConnectionID string
	Value        int64
}

// ConsumerId (type 122). Encoded connectionId, sessionId, value.
type ConsumerId struct {
	ConnectionID string
	SessionID    int64
	Value        int64
}

// ProducerId (type 123). Encoded connectionId, value, sessionId (the
// opposite order to ConsumerId).
type ProducerId struct {
	ConnectionID string
	Value        int64
	SessionID    int64
}

// BrokerId (type 124).
type BrokerId struct {
	Value string
}

// MessageId (type 110). TextView is absent from the encoding below v10.
type MessageId struct {
	TextView           NullString
	ProducerID         *ProducerId
	ProducerSequenceID int64
	BrokerSequenceID   int64
}

// TransactionId is implemented by *LocalTransactionId and *XATransactionId.
type TransactionId interface {
	DataStructure
	transactionID()
}

// LocalTransactionId (type 111).
type LocalTransactionId struct {
	Value        int64
	ConnectionID *ConnectionId
}

// XATransactionId (type 112).
type XATransactionId struct {
	FormatID            int32
	GlobalTransactionID []byte
	BranchQualifier     []byte
}

func (*ConnectionId) DataType() byte       { return TypeConnectionId }
func (*SessionId) DataType() byte          { return TypeSessionId }
func (*ConsumerId) DataType() byte         { return TypeConsumerId }
func (*ProducerId) DataType() byte         { return TypeProducerId }
func (*BrokerId) DataType() byte           { return TypeBrokerId }
func (*MessageId) DataType() byte          { return TypeMessageId }
func (*LocalTransactionId) DataType() byte { return TypeLocalTransactionId }
func (*XATransactionId) DataType() byte    { return TypeXATransactionId }

func (*LocalTransactionId) transactionID() {}
func (*XATransactionId) transactionID()    {}

func (id ConnectionId) String() string { return id.Value }
func (id BrokerId) String() string     { return id.Value }

func (id SessionId) String() string {
	return id.ConnectionID + ":" + strconv.FormatInt(id.Value, 10)
}

// ConnectionId returns the connection this session belongs to.
func (id SessionId) ConnectionId() ConnectionId { return ConnectionId{Value: id.ConnectionID} }

func (id ConsumerId) String() string {
	return id.ConnectionID + ":" + strconv.FormatInt(id.SessionID, 10) + ":" + strconv.FormatInt(id.Value, 10)
}

// SessionId returns the session this consumer belongs to.
func (id ConsumerId) SessionId() SessionId {
	return SessionId{ConnectionID: id.ConnectionID, Value: id.SessionID}
}

func (id ProducerId) String() string {
	var b [idBuf]byte
	return string(id.AppendTo(b[:0]))
}

// idBuf is room on the stack for an id's text, so that building it takes
// one allocation, the string's.
const idBuf = 128

// AppendTo appends the id as String renders it.
func (id ProducerId) AppendTo(b []byte) []byte {
	b = append(b, id.ConnectionID...)
	b = strconv.AppendInt(append(b, ':'), id.SessionID, 10)
	return strconv.AppendInt(append(b, ':'), id.Value, 10)
}

// SessionId returns the session this producer belongs to.
func (id ProducerId) SessionId() SessionId {
	return SessionId{ConnectionID: id.ConnectionID, Value: id.SessionID}
}

// String renders the id the way the Java client does: the text view when
// present, else producerId:producerSequenceId.
func (id MessageId) String() string {
	if id.TextView.Valid {
		return id.TextView.String
	}
	var b [idBuf]byte
	return string(id.AppendTo(b[:0]))
}

// AppendTo appends the id as String renders it: into a buffer on the
// stack, a caller can look the id up without allocating it.
func (id MessageId) AppendTo(b []byte) []byte {
	if id.TextView.Valid {
		return append(b, id.TextView.String...)
	}
	if id.ProducerID != nil {
		b = id.ProducerID.AppendTo(b)
	}
	return strconv.AppendInt(append(b, ':'), id.ProducerSequenceID, 10)
}

func (id LocalTransactionId) String() string {
	c := ""
	if id.ConnectionID != nil {
		c = id.ConnectionID.Value
	}
	return "TX:" + c + ":" + strconv.FormatInt(id.Value, 10)
}

func (id XATransactionId) String() string {
	return "XID:[" + strconv.FormatInt(int64(id.FormatID), 10) + ",globalId=" +
		hex.EncodeToString(id.GlobalTransactionID) + ",branchId=" + hex.EncodeToString(id.BranchQualifier) + "]"
}

// ---- destinations ----

// Destination is a queue, topic, temporary queue or temporary topic
// (types 100..103), identified by Type.
type Destination struct {
	Type         byte
	PhysicalName string
}

// NewQueue returns a queue destination.
func NewQueue(name string) *Destination { return &Destination{Type: TypeQueue, PhysicalName: name} }

// NewTopic returns a topic destination.
func NewTopic(name string) *Destination { return &Destination{Type: TypeTopic, PhysicalName: name} }

// NewTempQueue returns a temporary queue destination.
func NewTempQueue(name string) *Destination {
	return &Destination{Type: TypeTempQueue, PhysicalName: name}
}

// NewTempTopic returns a temporary topic destination.
func NewTempTopic(name string) *Destination {
	return &Destination{Type: TypeTempTopic, PhysicalName: name}
}

func (d *Destination) DataType() byte { return d.Type }

// IsQueue reports whether d is a queue or a temporary queue.
func (d Destination) IsQueue() bool { return d.Type == TypeQueue || d.Type == TypeTempQueue }

// IsTopic reports whether d is a topic or a temporary topic.
func (d Destination) IsTopic() bool { return d.Type == TypeTopic || d.Type == TypeTempTopic }

// IsTemp reports whether d is temporary.
func (d Destination) IsTemp() bool { return d.Type == TypeTempQueue || d.Type == TypeTempTopic }

// IsComposite reports whether the name lists several destinations.
func (d Destination) IsComposite() bool { return strings.Contains(d.PhysicalName, ",") }

// Prefix returns the qualified-name prefix of the destination type, e.g.
// "queue://".
func (d Destination) Prefix() string {
	switch d.Type {
	case TypeQueue:
		return "queue://"
	case TypeTopic:
		return "topic://"
	case TypeTempQueue:
		return "temp-queue://"
	case TypeTempTopic:
		return "temp-topic://"
	}
	return "unknown-" + strconv.Itoa(int(d.Type)) + "://"
}

// String returns the qualified name, e.g. "queue://orders".
func (d Destination) String() string { return d.Prefix() + d.PhysicalName }

// ParseDestination parses a qualified name ("queue://X", "topic://X",
// "temp-queue://X", "temp-topic://X"). ok is false when no prefix matches.
func ParseDestination(s string) (d Destination, ok bool) {
	for _, t := range []byte{TypeQueue, TypeTopic, TypeTempQueue, TypeTempTopic} {
		p := Destination{Type: t}.Prefix()
		if strings.HasPrefix(s, p) {
			return Destination{Type: t, PhysicalName: s[len(p):]}, true
		}
	}
	return Destination{}, false
}

// ---- throwables ----

// Throwable is an exception as carried by ExceptionResponse,
// ConnectionError and MessageAck. StackTrace and Cause are only encoded when
// stack traces were negotiated (Codec.StackTraceEnabled).
type Throwable struct {
	Class      string
	Message    NullString
	StackTrace []StackTraceElement
	Cause      *Throwable
}

// StackTraceElement is one frame of a Throwable's stack trace.
type StackTraceElement struct {
	ClassName  NullString
	MethodName NullString
	FileName   NullString
	LineNumber int32
}

// Error makes a Throwable usable as an error: "class: message".
func (t *Throwable) Error() string {
	if t == nil {
		return "<nil>"
	}
	if !t.Message.Valid {
		return t.Class
	}
	return t.Class + ": " + t.Message.String
}
