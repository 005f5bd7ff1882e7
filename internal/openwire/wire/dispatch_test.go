package wire

import (
	"bytes"
	"reflect"
	"testing"
)

func TestAppendDispatchMatchesMarshal(t *testing.T) {
	msgs := map[string]*Message{"text": tTextMessage(), "full": tFullMessage(), "noid": {Destination: NewQueue("Q")}}
	blob := tTextMessage()
	blob.BodyType = TypeBlobMessage
	blob.MimeType = Str("x/y")
	msgs["blob"] = blob
	for _, ver := range []int32{9, 12} {
		c := Codec{Version: ver}
		for name, m := range msgs {
			body := mustMarshal(t, c, m)[4:]
			decoded, lay, err := c.DecodeMessage(body)
			if err != nil {
				t.Fatal(err)
			}
			if lay.Version() != ver {
				t.Fatal("layout version")
			}
			for _, newDest := range []*Destination{nil, NewQueue("A.MUCH.LONGER.DESTINATION.NAME"), NewTopic("")} {
				for _, dispDest := range []*Destination{nil, NewQueue("D")} {
					p := DispatchPatch{
						BrokerSequenceID:  1234567,
						BrokerInTime:      111,
						BrokerOutTime:     222,
						RedeliveryCounter: 3,
						Destination:       newDest,
					}
					fast, err := c.AppendDispatch([]byte("pre"), 77, tConsID(), dispDest, body, lay, p)
					if err != nil {
						t.Fatal(err)
					}
					// The same dispatch built the slow way.
					want := *decoded
					if want.MessageID != nil {
						id := *want.MessageID
						id.BrokerSequenceID = p.BrokerSequenceID
						want.MessageID = &id
					}
					want.BrokerInTime, want.BrokerOutTime, want.RedeliveryCounter = 111, 222, 3
					if newDest != nil {
						want.Destination = newDest
					}
					d := dispDest
					if d == nil {
						d = want.Destination
					}
					md := &MessageDispatch{
						BaseCommand:       BaseCommand{CommandID: 77},
						ConsumerID:        tConsID(),
						Destination:       d,
						Message:           &want,
						RedeliveryCounter: 3,
					}
					slow, err := c.Marshal([]byte("pre"), md)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(fast, slow) {
						t.Fatalf("v%d %s dest=%v disp=%v:\nfast %x\nslow %x", ver, name, newDest, dispDest, fast, slow)
					}
					got, err := c.Unmarshal(fast[7:])
					if err != nil || !reflect.DeepEqual(got, md) {
						t.Fatalf("decoding the fast frame: %v", err)
					}
				}
			}
			// The received body is not modified.
			if again := mustMarshal(t, c, m)[4:]; !bytes.Equal(again, body) {
				t.Fatal("body modified")
			}
		}
	}
}

func TestAppendDispatchErrors(t *testing.T) {
	body := mustMarshal(t, Codec{}, tTextMessage())[4:]
	_, lay, err := Codec{}.DecodeMessage(body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Codec{Version: 9}).AppendDispatch(nil, 1, tConsID(), nil, body, lay, DispatchPatch{}); err == nil {
		t.Fatal("version mismatch accepted")
	}
	if _, err := (Codec{}).AppendDispatch(nil, 1, tConsID(), nil, body[:len(body)-1], lay, DispatchPatch{}); err == nil {
		t.Fatal("wrong body accepted")
	}
	if _, err := (Codec{}).AppendDispatch(nil, 1, tConsID(), nil, body, MessageLayout{}, DispatchPatch{}); err == nil {
		t.Fatal("zero layout accepted")
	}
	if _, _, err := (Codec{}).DecodeMessage(mustMarshal(t, Codec{}, &Response{})[4:]); err == nil {
		t.Fatal("non-message accepted")
	}
	if _, _, err := (Codec{}).DecodeMessage(body[:20]); err == nil {
		t.Fatal("truncated message accepted")
	}
}
