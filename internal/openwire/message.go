package openwire

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"amq/broker"
	"amq/internal/openwire/wire"
)

// ---- destinations ----

func toBrokerDest(d *wire.Destination) (broker.Destination, error) {
	if d == nil {
		return broker.Destination{}, nil
	}
	if d.PhysicalName == "" {
		return broker.Destination{}, fmt.Errorf("destination %s has an empty name", d)
	}
	switch d.Type {
	case wire.TypeQueue:
		return broker.Destination{Kind: broker.Queue, Name: d.PhysicalName}, nil
	case wire.TypeTopic:
		return broker.Destination{Kind: broker.Topic, Name: d.PhysicalName}, nil
	case wire.TypeTempQueue:
		return broker.Destination{Kind: broker.TempQueue, Name: d.PhysicalName}, nil
	case wire.TypeTempTopic:
		return broker.Destination{Kind: broker.TempTopic, Name: d.PhysicalName}, nil
	}
	return broker.Destination{}, fmt.Errorf("unknown destination type %d", d.Type)
}

func toWireDest(d broker.Destination) *wire.Destination {
	var t byte
	switch d.Kind {
	case broker.Queue:
		t = wire.TypeQueue
	case broker.Topic:
		t = wire.TypeTopic
	case broker.TempQueue:
		t = wire.TypeTempQueue
	case broker.TempTopic:
		t = wire.TypeTempTopic
	default:
		return nil
	}
	return &wire.Destination{Type: t, PhysicalName: d.Name}
}

// destCache converts broker destinations to wire ones for one writer
// goroutine, so that dispatching to the same destination does not
// allocate every time. Not safe for concurrent use.
type destCache map[broker.Destination]*wire.Destination

func (dc *destCache) get(d broker.Destination) *wire.Destination {
	if w, ok := (*dc)[d]; ok {
		return w
	}
	if len(*dc) >= 1024 {
		*dc = destCache{}
	}
	w := toWireDest(d)
	(*dc)[d] = w
	return w
}

// ---- body kinds ----

func kindOf(t byte) broker.BodyKind {
	switch t {
	case wire.TypeTextMessage:
		return broker.BodyText
	case wire.TypeBytesMessage:
		return broker.BodyBytes
	case wire.TypeMapMessage:
		return broker.BodyMap
	case wire.TypeObjectMessage:
		return broker.BodyObject
	case wire.TypeStreamMessage:
		return broker.BodyStream
	case wire.TypeBlobMessage:
		return broker.BodyBlob
	}
	return broker.BodyNone
}

func typeOf(k broker.BodyKind) byte {
	switch k {
	case broker.BodyText:
		return wire.TypeTextMessage
	case broker.BodyBytes:
		return wire.TypeBytesMessage
	case broker.BodyMap:
		return wire.TypeMapMessage
	case broker.BodyObject:
		return wire.TypeObjectMessage
	case broker.BodyStream:
		return wire.TypeStreamMessage
	case broker.BodyBlob:
		return wire.TypeBlobMessage
	}
	return wire.TypeMessage
}

// ---- properties ----

// decodeProps turns an OpenWire marshalled property map into typed broker
// properties, sorted by name.
func decodeProps(raw []byte) ([]broker.Property, error) {
	if raw == nil {
		return nil, nil
	}
	mp, err := wire.UnmarshalPrimitiveMap(raw)
	if err != nil {
		return nil, err
	}
	if len(mp) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(mp))
	for k := range mp {
		names = append(names, k)
	}
	slices.Sort(names)
	ps := make([]broker.Property, 0, len(names))
	for _, k := range names {
		ps = append(ps, propOf(k, mp[k]))
	}
	return ps, nil
}

// propOf converts one primitive map value. Nested maps and lists, which
// JMS allows through setObjectProperty on ActiveMQ, become their JSON text.
func propOf(name string, v any) broker.Property {
	p := broker.Property{Name: name}
	switch x := v.(type) {
	case nil:
		p.Type = broker.PropNull
	case bool:
		p.Type = broker.PropBool
		if x {
			p.I = 1
		}
	case int8:
		p.Type, p.I = broker.PropByte, int64(x)
	case int16:
		p.Type, p.I = broker.PropShort, int64(x)
	case int32:
		p.Type, p.I = broker.PropInt, int64(x)
	case int64:
		p.Type, p.I = broker.PropLong, x
	case float32:
		p.Type, p.F = broker.PropFloat, float64(x)
	case float64:
		p.Type, p.F = broker.PropDouble, x
	case string:
		p.Type, p.S = broker.PropString, x
	case wire.Char:
		p.Type, p.I = broker.PropChar, int64(x)
	case []byte:
		p.Type, p.B = broker.PropBytes, x
	default:
		p.Type, p.S = broker.PropString, jsonText(x)
	}
	return p
}

// propValue converts a broker property to the primitive map value the JMS
// client reads back with the same type.
func propValue(p broker.Property) any {
	switch p.Type {
	case broker.PropNull:
		return nil
	case broker.PropBool:
		return p.I != 0
	case broker.PropByte:
		return int8(p.I)
	case broker.PropShort:
		return int16(p.I)
	case broker.PropInt:
		return int32(p.I)
	case broker.PropLong:
		return p.I
	case broker.PropFloat:
		return float32(p.F)
	case broker.PropDouble:
		return p.F
	case broker.PropString:
		return p.S
	case broker.PropBytes:
		if p.B == nil {
			return []byte{}
		}
		return p.B
	case broker.PropChar:
		return wire.Char(p.I)
	}
	return p.String()
}

func sameProp(a, b broker.Property) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case broker.PropFloat, broker.PropDouble:
		return a.F == b.F || math.IsNaN(a.F) && math.IsNaN(b.F)
	case broker.PropString:
		return a.S == b.S
	case broker.PropBytes:
		return string(a.B) == string(b.B)
	}
	return a.I == b.I
}

// marshalProps encodes m's properties for an OpenWire client. The
// producer's marshalled map is reused verbatim when the broker did not
// change the properties (a DLQ copy or a scheduled copy does); values the
// broker model cannot hold (nested maps and lists) keep their original form.
func marshalProps(m *broker.Message) ([]byte, error) {
	var orig map[string]any
	if m.WireProps != nil {
		var err error
		if orig, err = wire.UnmarshalPrimitiveMap(m.WireProps); err == nil && len(orig) == len(m.Props) {
			same := true
			for _, p := range m.Props {
				v, ok := orig[p.Name]
				if !ok || !sameProp(propOf(p.Name, v), p) {
					same = false
					break
				}
			}
			if same {
				return m.WireProps, nil
			}
		}
	}
	if len(m.Props) == 0 {
		return nil, nil
	}
	mp := make(map[string]any, len(m.Props))
	for _, p := range m.Props {
		if v, ok := orig[p.Name]; ok && sameProp(propOf(p.Name, v), p) {
			mp[p.Name] = v
			continue
		}
		mp[p.Name] = propValue(p)
	}
	return wire.AppendPrimitiveMap(nil, mp)
}

// jsonText renders nested primitive values (maps, lists, byte arrays as
// base64, chars as strings) as JSON.
func jsonText(v any) string {
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func jsonable(v any) any {
	switch x := v.(type) {
	case wire.Char:
		return string(rune(x))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Sprint(x)
		}
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return x
	}
	return v
}

// ---- message ids ----

// producerOf recovers a ProducerId and sequence from an ActiveMQ-shaped
// message id (<connection id>:<session>:<producer>:<seq>). An id of
// another shape gets a producer id of its own text and sequence 1, so the
// client's duplicate detection, which tracks sequences per producer, never
// mistakes two such messages for each other.
func producerOf(id string) (*wire.ProducerId, int64) {
	rest := id
	var nums [3]int64
	ok := true
	for i := 2; i >= 0; i-- {
		j := strings.LastIndexByte(rest, ':')
		if j <= 0 {
			ok = false
			break
		}
		n, err := strconv.ParseInt(rest[j+1:], 10, 64)
		if err != nil {
			ok = false
			break
		}
		nums[i] = n
		rest = rest[:j]
	}
	if !ok || rest == "" {
		return &wire.ProducerId{ConnectionID: id}, 1
	}
	return &wire.ProducerId{ConnectionID: rest, SessionID: nums[0], Value: nums[1]}, nums[2]
}

// ---- incoming messages ----

// toBrokerMessage builds the broker's model of a message sent by a JMS
// client. Content and marshalled properties are kept as sent; properties
// are also decoded for selectors and other protocols.
func toBrokerMessage(wm *wire.Message) (*broker.Message, error) {
	dest, err := toBrokerDest(wm.Destination)
	if err != nil {
		return nil, err
	}
	if dest.IsZero() {
		return nil, errors.New("message has no destination")
	}
	m := &broker.Message{
		Dest:          dest,
		Persistent:    wm.Persistent,
		Priority:      min(wm.Priority, 9),
		Expiration:    wm.Expiration,
		Timestamp:     wm.Timestamp,
		CorrelationID: wm.CorrelationID.String,
		Type:          wm.Type.String,
		GroupID:       wm.GroupID.String,
		GroupSeq:      wm.GroupSequence,
		UserID:        wm.UserID.String,
		BodyKind:      kindOf(wm.DataType()),
		BodyEncoding:  broker.EncOpenWire,
		Compressed:    wm.Compressed,
		Body:          wm.Content,
		WireProps:     wm.MarshalledProperties,
	}
	if wm.MessageID != nil {
		m.ID = wm.MessageID.String()
	}
	if m.ReplyTo, err = toBrokerDest(wm.ReplyTo); err != nil {
		return nil, fmt.Errorf("reply-to: %w", err)
	}
	if wm.OriginalDestination != nil {
		if m.OriginalDest, err = toBrokerDest(wm.OriginalDestination); err != nil {
			return nil, fmt.Errorf("original destination: %w", err)
		}
	}
	for _, b := range wm.BrokerPath {
		if b != nil {
			m.BrokerPath = append(m.BrokerPath, b.Value)
		}
	}
	if m.Props, err = decodeProps(wm.MarshalledProperties); err != nil {
		return nil, fmt.Errorf("message properties: %w", err)
	}
	return m, nil
}

// ---- outgoing messages ----

// buildMessage renders a broker message as an OpenWire message for a
// dispatch: messages from other protocols (and copies the broker made of
// OpenWire ones) are rebuilt field by field.
func buildMessage(m *broker.Message, dc *destCache, redelivery int32, outTime int64, groupFirst bool) (*wire.Message, error) {
	pid, seq := producerOf(m.ID)
	wm := &wire.Message{
		ProducerID:                pid,
		Destination:               dc.get(m.Dest),
		MessageID:                 &wire.MessageId{TextView: wire.Str(m.ID), ProducerID: pid, ProducerSequenceID: seq},
		GroupSequence:             m.GroupSeq,
		Persistent:                m.Persistent,
		Expiration:                m.Expiration,
		Priority:                  m.Priority,
		Timestamp:                 m.Timestamp,
		RedeliveryCounter:         redelivery,
		BrokerInTime:              m.BrokerInTime,
		BrokerOutTime:             outTime,
		JMSXGroupFirstForConsumer: groupFirst,
	}
	if !m.OriginalDest.IsZero() {
		wm.OriginalDestination = dc.get(m.OriginalDest)
	}
	if !m.ReplyTo.IsZero() {
		wm.ReplyTo = dc.get(m.ReplyTo)
	}
	if m.GroupID != "" {
		wm.GroupID = wire.Str(m.GroupID)
	}
	if m.CorrelationID != "" {
		wm.CorrelationID = wire.Str(m.CorrelationID)
	}
	if m.Type != "" {
		wm.Type = wire.Str(m.Type)
	}
	if m.UserID != "" {
		wm.UserID = wire.Str(m.UserID)
	}
	for _, b := range m.BrokerPath {
		wm.BrokerPath = append(wm.BrokerPath, &wire.BrokerId{Value: b})
	}
	switch {
	case m.Advisory != nil:
		wm.BodyType = wire.TypeMessage
		wm.DataStructure = advisoryData(m.Advisory, dc)
	case m.BodyEncoding == broker.EncOpenWire:
		wm.BodyType = typeOf(m.BodyKind)
		wm.Content = m.Body
		wm.Compressed = m.Compressed
	default:
		switch {
		case m.BodyKind == broker.BodyText:
			wm.BodyType = wire.TypeTextMessage
			wm.Content = wire.MarshalTextBody(string(m.Body))
		case m.BodyKind == broker.BodyNone && len(m.Body) == 0:
			wm.BodyType = wire.TypeMessage
		default:
			// Bytes, and any native body the JMS client has no other
			// reading for.
			wm.BodyType = wire.TypeBytesMessage
			wm.Content = m.Body
			if wm.Content == nil {
				wm.Content = []byte{}
			}
		}
	}
	props, err := marshalProps(m)
	if err != nil {
		return nil, fmt.Errorf("message %s properties: %w", m.ID, err)
	}
	wm.MarshalledProperties = props
	return wm, nil
}

// ---- the producer's frames ----

// sentFrame is a message frame as a JMS producer sent it, kept so that
// dispatches re-embed the producer's bytes instead of re-encoding.
type sentFrame struct {
	body     []byte
	lay      wire.MessageLayout
	dest     broker.Destination
	bodyType byte
}

// rememberFrame attaches to m the frame it was built from. Copies the broker
// makes (dead letters, composite fan-out: Message.Clone drops the
// attachment) and messages paged in from the store are new messages and are
// rebuilt from their fields instead. It was a weakly keyed side table with a
// cleanup per message: 9% of the broker's CPU on a JMS producer's path.
func rememberFrame(m *broker.Message, f *sentFrame) { m.Attachment = f }

func frameOf(m *broker.Message) *sentFrame {
	f, _ := m.Attachment.(*sentFrame)
	return f
}
