package wire

import "testing"

// TestIDText checks the id texts the Java client builds, and that building
// one takes a single allocation (the broker builds one per message).
func TestIDText(t *testing.T) {
	p := ProducerId{ConnectionID: "ID:host-1234-1700000000000-1:5", SessionID: 1, Value: 2}
	m := MessageId{ProducerID: &p, ProducerSequenceID: 123456}
	if got, want := p.String(), "ID:host-1234-1700000000000-1:5:1:2"; got != want {
		t.Errorf("producer id %q, want %q", got, want)
	}
	if got, want := m.String(), "ID:host-1234-1700000000000-1:5:1:2:123456"; got != want {
		t.Errorf("message id %q, want %q", got, want)
	}
	if got := (MessageId{ProducerSequenceID: -1}).String(); got != ":-1" {
		t.Errorf("message id without producer %q", got)
	}
	if got := (MessageId{TextView: Str("ID:x"), ProducerID: &p}).String(); got != "ID:x" {
		t.Errorf("message id with a text view %q", got)
	}
	if got := string(m.AppendTo([]byte("> "))); got != "> "+m.String() {
		t.Errorf("AppendTo %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = m.String() }); n != 1 {
		t.Errorf("MessageId.String: %v allocations, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = p.String() }); n != 1 {
		t.Errorf("ProducerId.String: %v allocations, want 1", n)
	}
}
