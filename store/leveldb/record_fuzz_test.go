package leveldb

import (
	"testing"

	"amq/store"
)

// FuzzDecodeRecords: journal bytes read at recovery never panic, whatever a
// torn or corrupt file holds.
func FuzzDecodeRecords(f *testing.F) {
	ops := []store.Op{
		{Kind: store.OpAdd, Record: store.Record{Container: "queue://a", Seq: 1, Priority: 4, Data: []byte("x")}},
		{Kind: store.OpAck, Ack: store.AckRef{Container: "queue://a", Seq: 1}},
		{Kind: store.OpAddSub, Sub: store.SubInfo{Key: "c:s", ClientID: "c", Name: "s", Topic: "topic://t"}},
		{Kind: store.OpAdd, Record: store.Record{Container: "topic://t", Seq: 2, Data: []byte("y"), Subs: []string{"c:s"}}},
		{Kind: store.OpRemoveSub, Sub: store.SubInfo{Key: "c:s"}},
	}
	for i := range ops {
		if b, err := encodeApply(ops[i : i+1]); err == nil {
			f.Add(b)
		}
	}
	if b, err := encodeApply(ops); err == nil {
		f.Add(b)
	}
	f.Add(encodeHeaderRecord(42))
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		for len(data) > 0 {
			kind, payload, n, ok := checkRecord(data)
			if !ok || n <= 0 {
				return
			}
			decodeOps(nil, kind, payload, 0)
			data = data[n:]
		}
	})
}
