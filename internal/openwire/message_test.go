package openwire

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"unsafe"

	"amq/broker"
	"amq/broker/selector"
	"amq/internal/openwire/wire"
)

func zlibOf(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func TestConvertBody(t *testing.T) {
	mapBody, _ := wire.MarshalMapBody(map[string]any{"s": "v", "i": int32(2), "b": []byte{1, 2}, "c": wire.Char('x'), "nested": map[string]any{"f": 1.5}})
	streamBody, _ := wire.MarshalStreamBody([]any{"a", int64(3), true})
	for _, tc := range []struct {
		name string
		m    broker.Message
		want string
	}{
		{"native", broker.Message{BodyKind: broker.BodyText, Body: []byte("plain")}, "plain"},
		{"text", broker.Message{BodyKind: broker.BodyText, BodyEncoding: broker.EncOpenWire, Body: wire.MarshalTextBody("h\u00e9\x00llo \U0001F600")}, "h\u00e9\x00llo \U0001F600"},
		{"compressedText", broker.Message{BodyKind: broker.BodyText, BodyEncoding: broker.EncOpenWire, Compressed: true, Body: wire.MarshalTextBodyCompressed("zz")}, "zz"},
		{"nullText", broker.Message{BodyKind: broker.BodyText, BodyEncoding: broker.EncOpenWire}, ""},
		{"bytes", broker.Message{BodyKind: broker.BodyBytes, BodyEncoding: broker.EncOpenWire, Body: []byte{0, 1, 2}}, "\x00\x01\x02"},
		{"compressedBytes", broker.Message{BodyKind: broker.BodyBytes, BodyEncoding: broker.EncOpenWire, Compressed: true, Body: wire.MarshalBytesBodyCompressed([]byte("raw"))}, "raw"},
		{"map", broker.Message{BodyKind: broker.BodyMap, BodyEncoding: broker.EncOpenWire, Body: mapBody}, `{"b":"AQI=","c":"x","i":2,"nested":{"f":1.5},"s":"v"}`},
		{"compressedMap", broker.Message{BodyKind: broker.BodyMap, BodyEncoding: broker.EncOpenWire, Compressed: true, Body: zlibOf(mapBody)}, `{"b":"AQI=","c":"x","i":2,"nested":{"f":1.5},"s":"v"}`},
		{"emptyMap", broker.Message{BodyKind: broker.BodyMap, BodyEncoding: broker.EncOpenWire}, `{}`},
		{"stream", broker.Message{BodyKind: broker.BodyStream, BodyEncoding: broker.EncOpenWire, Body: streamBody}, `["a",3,true]`},
		{"object", broker.Message{BodyKind: broker.BodyObject, BodyEncoding: broker.EncOpenWire, Body: []byte{0xac, 0xed, 0, 5}}, "\xac\xed\x00\x05"},
		{"compressedObject", broker.Message{BodyKind: broker.BodyObject, BodyEncoding: broker.EncOpenWire, Compressed: true, Body: zlibOf([]byte{0xac, 0xed, 0, 5})}, "\xac\xed\x00\x05"},
		{"plainMessage", broker.Message{BodyKind: broker.BodyNone, BodyEncoding: broker.EncOpenWire}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConvertBody(&tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ConvertBody(&broker.Message{BodyKind: broker.BodyText, BodyEncoding: broker.EncOpenWire, Body: []byte{0, 0, 0, 9, 'a'}}); err == nil {
		t.Error("a truncated text body converted without error")
	}
}

func TestProducerOf(t *testing.T) {
	for _, tc := range []struct {
		id   string
		conn string
		sess int64
		prod int64
		seq  int64
	}{
		{"ID:host-1234-1700000000000-1:5:1:1:42", "ID:host-1234-1700000000000-1:5", 1, 1, 42},
		{"ID:h-1-2-1:0:0:0:7", "ID:h-1-2-1:0", 0, 0, 7},
		{"ID:h-1-2-1:0:0:sched:9", "ID:h-1-2-1:0:0:sched:9", 0, 0, 1},
		{"custom-id", "custom-id", 0, 0, 1},
		{"", "", 0, 0, 1},
	} {
		p, seq := producerOf(tc.id)
		if p.ConnectionID != tc.conn || p.SessionID != tc.sess || p.Value != tc.prod || seq != tc.seq {
			t.Errorf("%q: %+v %d", tc.id, p, seq)
		}
	}
}

// TestLoggedID checks that an acked id is the logged string when the log
// has it near its front, and the id's text in every case.
func TestLoggedID(t *testing.T) {
	pid := wire.ProducerId{ConnectionID: "ID:host-1234-1700000000000-1:5", SessionID: 1, Value: 2}
	k := &consumer{}
	for seq := int64(1); seq <= 20; seq++ {
		k.sent = append(k.sent, (&wire.MessageId{ProducerID: &pid, ProducerSequenceID: seq}).String())
	}
	k.head = 2 // 1 and 2 acked
	for _, tc := range []struct {
		seq    int64
		shared bool
	}{{3, true}, {10, true}, {11, false}, {1, false}, {99, false}} {
		id := &wire.MessageId{ProducerID: &pid, ProducerSequenceID: tc.seq}
		got := k.loggedID(id)
		if got != id.String() {
			t.Fatalf("seq %d: %q, want %q", tc.seq, got, id.String())
		}
		if tc.seq > int64(len(k.sent)) {
			continue
		}
		if shared := unsafe.StringData(got) == unsafe.StringData(k.sent[tc.seq-1]); shared != tc.shared {
			t.Errorf("seq %d: the logged string shared = %v, want %v", tc.seq, shared, tc.shared)
		}
	}
	if got := k.loggedID(nil); got != "" {
		t.Errorf("nil id: %q", got)
	}
	text := &wire.MessageId{TextView: wire.Str("ID:custom-7"), ProducerID: &pid, ProducerSequenceID: 3}
	if got := k.loggedID(text); got != "ID:custom-7" {
		t.Errorf("text view: %q", got)
	}
}

func TestPropsRoundTrip(t *testing.T) {
	in := map[string]any{
		"b": true, "y": int8(-1), "s": int16(300), "i": int32(-7), "l": int64(1) << 40, "f": float32(1.25), "d": 2.5,
		"str": "v\u00e9", "c": wire.Char('q'), "raw": []byte{1}, "null": nil, "nested": map[string]any{"x": "y"},
	}
	raw, err := wire.AppendPrimitiveMap(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := decodeProps(raw)
	if err != nil {
		t.Fatal(err)
	}
	m := &broker.Message{ID: "ID:a:1:1:1", WireProps: raw, Props: ps, BodyEncoding: broker.EncOpenWire}
	// Unchanged: the producer's bytes are reused.
	out, err := marshalProps(m)
	if err != nil || !bytes.Equal(out, raw) {
		t.Fatalf("unchanged properties re-encoded (%v)", err)
	}
	// A dead-letter copy adds a property and keeps the rest, nested maps
	// included.
	dm := m.Clone()
	dm.SetProp(broker.StringProp("dlqDeliveryFailureCause", "why"))
	dm.DelProp("y")
	out, err = marshalProps(dm)
	if err != nil {
		t.Fatal(err)
	}
	got, err := wire.UnmarshalPrimitiveMap(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{}
	for k, v := range in {
		want[k] = v
	}
	delete(want, "y")
	want["dlqDeliveryFailureCause"] = "why"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v\nwant %#v", got, want)
	}
	// Native properties keep their types.
	nm := &broker.Message{Props: []broker.Property{
		{Name: "i", Type: broker.PropInt, I: 5}, broker.StringProp("s", "x"), {Name: "c", Type: broker.PropChar, I: 'z'},
		{Name: "f", Type: broker.PropFloat, F: 0.5}, {Name: "n", Type: broker.PropNull},
	}}
	out, err = marshalProps(nm)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = wire.UnmarshalPrimitiveMap(out)
	if !reflect.DeepEqual(got, map[string]any{"i": int32(5), "s": "x", "c": wire.Char('z'), "f": float32(0.5), "n": nil}) {
		t.Errorf("native properties: %#v", got)
	}
	if js, _ := json.Marshal(got["i"]); string(js) != "5" {
		t.Errorf("%s", js)
	}
}

func TestThrowableFor(t *testing.T) {
	_, selErr := selector.Parse("a = ")
	for _, tc := range []struct {
		err   error
		class string
	}{
		{fmt.Errorf("%w: temp-queue://x", broker.ErrDeletedDestination), classInvalidDestination},
		{fmt.Errorf("%w: x", broker.ErrClientIDInUse), classInvalidClientID},
		{selErr, classInvalidSelector},
		{errors.New("User bob is not authorized to write to: queue://x"), classJMSSecurity},
		{errors.New("something else"), classJMSException},
		{errXA, classJMSException},
	} {
		if got := throwableFor(tc.err); got.Class != tc.class || got.Message.String != tc.err.Error() {
			t.Errorf("%v: %s %q", tc.err, got.Class, got.Message.String)
		}
	}
	// A send refused at a usage limit is rethrown as ActiveMQ's is.
	full := fmt.Errorf("%w: Usage Manager: memory usage full", broker.ErrResourceAllocation)
	if got := throwableFor(full); got.Class != "javax.jms.ResourceAllocationException" || got.Message.String != "Usage Manager: memory usage full" {
		t.Errorf("%v: %s %q", full, got.Class, got.Message.String)
	}
}

// TestBuildAdvisoryMessage checks the message a JMS client gets for an
// advisory about a temporary queue.
func TestBuildAdvisoryMessage(t *testing.T) {
	dc := destCache{}
	m := &broker.Message{
		ID: "ID:b-1-2-1:0:0:0:3", Dest: broker.TopicDest("ActiveMQ.Advisory.TempQueue"), Type: "Advisory", Priority: 4,
		Advisory: &broker.Advisory{Type: "TempQueue", Dest: broker.Destination{Kind: broker.TempQueue, Name: "ID:client-1:7:1"}, Remove: true},
		Props:    []broker.Property{broker.StringProp("originBrokerName", "b")},
	}
	wm, err := buildMessage(m, &dc, 0, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	di, ok := wm.DataStructure.(*wire.DestinationInfo)
	if !ok || di.OperationType != wire.DestinationRemove || di.ConnectionID.Value != "ID:client-1:7" ||
		*di.Destination != *wire.NewTempQueue("ID:client-1:7:1") {
		t.Errorf("data structure %#v", wm.DataStructure)
	}
	if wm.DataType() != wire.TypeMessage || wm.Type.String != "Advisory" {
		t.Errorf("message type %d %q", wm.DataType(), wm.Type.String)
	}
	if _, err := wire.Marshal(nil, &wire.MessageDispatch{Message: wm}); err != nil {
		t.Error(err)
	}
}
