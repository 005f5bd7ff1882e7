package broker

import (
	"bytes"
	"testing"
)

// FuzzUnmarshalMessage: stored bytes never panic the decoder, and what
// decodes re-encodes to something that decodes the same.
func FuzzUnmarshalMessage(f *testing.F) {
	f.Add(MarshalMessage(nil, &Message{ID: "ID:x:1:1:1:1", Dest: QueueDest("a"), Body: []byte("hi"), Priority: 4}))
	f.Add(MarshalMessage(nil, &Message{Dest: TopicDest("t"), Persistent: true, Priority: 9, Expiration: 1,
		Props:   []Property{StringProp("k", "v"), {Name: "i", Type: PropInt, I: 7}, {Name: "f", Type: PropDouble, F: 2.5}, {Name: "b", Type: PropBytes, B: []byte{0}}},
		ReplyTo: Destination{Kind: TempQueue, Name: "ID:c:1"}, GroupID: "g", GroupSeq: -1, BrokerPath: []string{"b1", "b2"}, WireProps: []byte{1, 2}}))
	f.Add([]byte{1})
	f.Add([]byte{2, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalMessage(data)
		if err != nil {
			return
		}
		again := MarshalMessage(nil, m)
		m2, err := UnmarshalMessage(again)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if !bytes.Equal(MarshalMessage(nil, m2), again) {
			t.Fatal("encoding is not stable")
		}
	})
}
