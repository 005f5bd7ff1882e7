package wire

import (
	"reflect"
	"testing"
	"unsafe"
)

// TestStringsShareRepeats decodes frames with and without a Strings cache:
// the results must be equal, and with the cache a repeated id is the same
// string, not a copy.
func TestStringsShareRepeats(t *testing.T) {
	c := Codec{Strings: NewStrings()}
	msgs := []*Message{benchMessage(), benchMessage(), benchMessage()}
	msgs[1].Destination = NewQueue("other.queue")
	// Not its own encoding: C0 80 (NUL) and a supplementary character
	// must not be kept, nor found by their bytes.
	msgs[2].Type = Str("a\x00b\U0001F600")
	msgs[2].CorrelationID = Str("é-plain-utf8")
	var first *Message
	for round := range 3 {
		for i, m := range msgs {
			frame := mustMarshal(t, Codec{}, m)
			plain, err := Codec{}.Unmarshal(frame[4:])
			if err != nil {
				t.Fatal(err)
			}
			cached, err := c.Unmarshal(frame[4:])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plain, cached) {
				t.Fatalf("round %d message %d: cached decoding differs:\n%+v\n%+v", round, i, plain, cached)
			}
			got := cached.(*Message)
			if got.Type != m.Type || got.CorrelationID != m.CorrelationID {
				t.Fatalf("round %d message %d: strings %q %q, sent %q %q", round, i, got.Type.String, got.CorrelationID.String, m.Type.String, m.CorrelationID.String)
			}
			if first == nil {
				first = got
				continue
			}
			a, b := first.ProducerID.ConnectionID, got.ProducerID.ConnectionID
			if unsafe.StringData(a) != unsafe.StringData(b) {
				t.Fatalf("round %d message %d: the connection id was decoded again", round, i)
			}
		}
	}
}

// TestStringsEvictOldest fills the cache past its size: the oldest string
// goes, the newest stay.
func TestStringsEvictOldest(t *testing.T) {
	s := NewStrings()
	names := make([]string, stringsKept+1)
	for i := range names {
		names[i] = string(rune('a'+i)) + "-name"
		s.keep(names[i])
	}
	if _, ok := s.lookup([]byte(names[0])); ok {
		t.Fatalf("%q still kept after %d newer ones", names[0], stringsKept)
	}
	for _, n := range names[1:] {
		if got, ok := s.lookup([]byte(n)); !ok || got != n {
			t.Fatalf("lookup(%q) = %q, %v", n, got, ok)
		}
	}
}
