package wire

import (
	"bytes"
	"strings"
	"testing"
)

func benchMessage() *Message {
	return &Message{
		BaseCommand: BaseCommand{CommandID: 42, ResponseRequired: true},
		BodyType:    TypeTextMessage,
		ProducerID:  tProdID(),
		Destination: NewQueue("bench.queue"),
		MessageID:   tMsgID(1000, 0),
		Persistent:  true,
		Priority:    4,
		Timestamp:   1700000000000,
		Content:     MarshalTextBody(strings.Repeat("0123456789abcdef", 64)),
		MarshalledProperties: MarshalPrimitiveMap(map[string]any{
			"color": "red", "count": int32(7), "urgent": true,
		}),
	}
}

func BenchmarkMarshalTextMessage(b *testing.B) {
	m := benchMessage()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = Marshal(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkUnmarshalTextMessage(b *testing.B) {
	frame := mustMarshal(b, Codec{}, benchMessage())
	body := frame[4:]
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshalTextMessageStrings decodes with a Strings cache, as a
// connection's reader does: the ids and destination repeat in every frame.
func BenchmarkUnmarshalTextMessageStrings(b *testing.B) {
	frame := mustMarshal(b, Codec{}, benchMessage())
	body := frame[4:]
	c := Codec{Strings: NewStrings()}
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Unmarshal(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadCommandTextMessage(b *testing.B) {
	frame := mustMarshal(b, Codec{}, benchMessage())
	stream := bytes.Repeat(frame, 1000)
	rd := bytes.NewReader(stream)
	r := NewReader(rd, 1<<20)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadCommand(); err != nil {
			rd.Reset(stream)
			r = NewReader(rd, 1<<20)
		}
	}
}

func BenchmarkDispatchMarshal(b *testing.B) {
	m := benchMessage()
	md := &MessageDispatch{ConsumerID: tConsID(), Destination: m.Destination, Message: m, RedeliveryCounter: 0}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = Marshal(buf[:0], md); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDispatchFast(b *testing.B) {
	body := mustMarshal(b, Codec{}, benchMessage())[4:]
	_, lay, err := Codec{}.DecodeMessage(body)
	if err != nil {
		b.Fatal(err)
	}
	cons := tConsID()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = (Codec{}).AppendDispatch(buf[:0], 1, cons, nil, body, lay, DispatchPatch{BrokerSequenceID: 9, BrokerInTime: 1, BrokerOutTime: 2}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkUnmarshalPrimitiveMap(b *testing.B) {
	p := benchMessage().MarshalledProperties
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnmarshalPrimitiveMap(p); err != nil {
			b.Fatal(err)
		}
	}
}
