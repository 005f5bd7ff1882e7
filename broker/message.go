package broker

import (
	"fmt"
	"strconv"
	"strings"
)

// DestKind says which kind of destination a name belongs to.
type DestKind uint8

const (
	Queue DestKind = iota + 1
	Topic
	TempQueue
	TempTopic
)

// Destination names a queue or topic. The zero value means "none".
type Destination struct {
	Kind DestKind
	Name string
}

// QueueDest and TopicDest are shorthands used all over the tests and adapters.
func QueueDest(name string) Destination { return Destination{Kind: Queue, Name: name} }
func TopicDest(name string) Destination { return Destination{Kind: Topic, Name: name} }

func (d Destination) IsZero() bool  { return d.Kind == 0 }
func (d Destination) IsQueue() bool { return d.Kind == Queue || d.Kind == TempQueue }
func (d Destination) IsTopic() bool { return d.Kind == Topic || d.Kind == TempTopic }
func (d Destination) IsTemp() bool  { return d.Kind == TempQueue || d.Kind == TempTopic }

// String renders the destination in ActiveMQ's URL form, which is also the
// store's container name: queue://A, topic://B, temp-queue://ID:..., temp-topic://...
func (d Destination) String() string {
	var kb keyBuf
	return string(d.key(&kb))
}

func (d Destination) scheme() string {
	switch d.Kind {
	case Queue:
		return "queue://"
	case Topic:
		return "topic://"
	case TempQueue:
		return "temp-queue://"
	case TempTopic:
		return "temp-topic://"
	}
	return ""
}

// keyBuf is room for a destination's String form on the stack (see key).
type keyBuf [128]byte

// key writes String's form of d into buf: a map lookup of
// m[string(d.key(&buf))] builds no string, where m[d.String()] would
// allocate one on every message routed.
func (d Destination) key(buf *keyBuf) []byte {
	s := d.scheme()
	if s == "" {
		return buf[:0]
	}
	return append(append(buf[:0], s...), d.Name...)
}

// ParseDestination reads the URL form produced by String. A name without a
// scheme is a queue, as ActiveMQ assumes.
func ParseDestination(s string) (Destination, error) {
	for _, p := range []struct {
		prefix string
		kind   DestKind
	}{{"queue://", Queue}, {"topic://", Topic}, {"temp-queue://", TempQueue}, {"temp-topic://", TempTopic}} {
		if strings.HasPrefix(s, p.prefix) {
			name := s[len(p.prefix):]
			if name == "" {
				return Destination{}, fmt.Errorf("destination %q has an empty name", s)
			}
			return Destination{Kind: p.kind, Name: name}, nil
		}
	}
	if s == "" {
		return Destination{}, fmt.Errorf("empty destination")
	}
	return Destination{Kind: Queue, Name: s}, nil
}

// BodyKind is the JMS message type of a body.
type BodyKind uint8

const (
	BodyNone   BodyKind = iota // plain javax.jms.Message
	BodyText                   // TextMessage
	BodyBytes                  // BytesMessage
	BodyMap                    // MapMessage
	BodyObject                 // ObjectMessage (Java serialization, passed through)
	BodyStream                 // StreamMessage
	BodyBlob                   // BlobMessage
)

// BodyEncoding says how Body holds the payload. Native bodies are what a STOMP
// client sees (UTF-8 text, raw bytes). OpenWire bodies are the JMS client's
// marshalled content, kept untouched so JMS-to-JMS traffic is never re-encoded;
// adapters convert at the edge when a native form is needed.
type BodyEncoding uint8

const (
	EncNative BodyEncoding = iota
	EncOpenWire
)

// PropType is the JMS type of a property value.
type PropType uint8

const (
	PropNull PropType = iota
	PropBool
	PropByte
	PropShort
	PropInt
	PropLong
	PropFloat
	PropDouble
	PropString
	PropBytes
	PropChar
)

// Property is one typed message property. Numbers live in I or F, strings in S,
// byte arrays in B; booleans use I (0/1).
type Property struct {
	Name string
	Type PropType
	I    int64
	F    float64
	S    string
	B    []byte
}

// StringProp builds a string property, the only kind STOMP produces.
func StringProp(name, v string) Property { return Property{Name: name, Type: PropString, S: v} }

// String renders the value as a STOMP header would carry it.
func (p Property) String() string {
	switch p.Type {
	case PropNull:
		return ""
	case PropBool:
		return strconv.FormatBool(p.I != 0)
	case PropByte, PropShort, PropInt, PropLong:
		return strconv.FormatInt(p.I, 10)
	case PropChar:
		return string(rune(p.I))
	case PropFloat:
		return strconv.FormatFloat(p.F, 'g', -1, 32)
	case PropDouble:
		return strconv.FormatFloat(p.F, 'g', -1, 64)
	case PropString:
		return p.S
	case PropBytes:
		return string(p.B)
	}
	return ""
}

// Message is the one message model shared by every protocol, store and
// replication stream. Adapters convert at the edge.
type Message struct {
	ID            string // ActiveMQ-shaped: ID:<host>-<port>-<start>-<n>:<conn>:<session>:<producer>:<seq>
	Dest          Destination
	OriginalDest  Destination // set on DLQ copies and composite deliveries
	Persistent    bool
	Priority      uint8 // 0-9, 4 by default
	Expiration    int64 // unix ms, 0 = never
	Timestamp     int64 // unix ms
	CorrelationID string
	ReplyTo       Destination
	Type          string
	GroupID       string
	GroupSeq      int32
	UserID        string
	Props         []Property

	BodyKind     BodyKind
	BodyEncoding BodyEncoding
	Compressed   bool // OpenWire body is zlib-compressed
	Body         []byte
	// WireProps holds an OpenWire producer's marshalled property map verbatim
	// (Props is its decoded form); empty for other protocols.
	WireProps []byte

	// RedeliveryCount is how many times the message was delivered and not
	// acknowledged before this delivery.
	RedeliveryCount int32
	BrokerPath      []string
	BrokerInTime    int64

	// ProducerConn identifies the sending connection for noLocal; not encoded.
	ProducerConn uint64
	// Advisory is set on advisory messages (never persisted).
	Advisory *Advisory
	// Attachment is what the receiving adapter keeps of the message as it
	// arrived (OpenWire: the producer's frame, re-embedded on dispatch). Set
	// before the message is sent, then only read; the broker never looks at
	// it, does not store it, and Clone drops it, as a copy may be changed.
	Attachment any
}

// Prop returns the named property.
func (m *Message) Prop(name string) (Property, bool) {
	for i := range m.Props {
		if m.Props[i].Name == name {
			return m.Props[i], true
		}
	}
	return Property{}, false
}

// SetProp replaces or appends a property.
func (m *Message) SetProp(p Property) {
	for i := range m.Props {
		if m.Props[i].Name == p.Name {
			m.Props[i] = p
			return
		}
	}
	m.Props = append(m.Props, p)
}

// DelProp removes a property if present.
func (m *Message) DelProp(name string) {
	for i := range m.Props {
		if m.Props[i].Name == name {
			m.Props = append(m.Props[:i], m.Props[i+1:]...)
			return
		}
	}
}

// Size approximates the memory a message holds, for usage accounting and stats.
func (m *Message) Size() int {
	n := 200 + len(m.ID) + len(m.Body) + len(m.WireProps) + len(m.CorrelationID) + len(m.Type) + len(m.GroupID)
	for i := range m.Props {
		n += 32 + len(m.Props[i].Name) + len(m.Props[i].S) + len(m.Props[i].B)
	}
	return n
}

// Expired reports whether the message's expiration has passed at now (unix ms).
func (m *Message) Expired(now int64) bool { return m.Expiration > 0 && now >= m.Expiration }

// Clone returns a copy safe to modify: properties and broker path are copied,
// body bytes are shared (they are never modified in place), the adapter's
// Attachment is left behind.
func (m *Message) Clone() *Message {
	c := *m
	c.Attachment = nil
	c.Props = append([]Property(nil), m.Props...)
	c.BrokerPath = append([]string(nil), m.BrokerPath...)
	return &c
}
