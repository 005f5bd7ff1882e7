package frame

import (
	"bytes"
	"testing"
)

func TestWriteSpliced(t *testing.T) {
	buf := []byte("A\n\nB\n\nC")
	for _, c := range []struct {
		bodies []BodyRef
		want   string
	}{
		{nil, "A\n\nB\n\nC"},
		{[]BodyRef{{At: 3, Body: []byte("one")}}, "A\n\noneB\n\nC"},
		{[]BodyRef{{At: 3, Body: []byte("one")}, {At: 6, Body: []byte("two")}}, "A\n\noneB\n\ntwoC"},
		{[]BodyRef{{At: 0, Body: []byte("<")}, {At: len(buf), Body: []byte(">")}}, "<A\n\nB\n\nC>"},
	} {
		var w bytes.Buffer
		if err := WriteSpliced(&w, buf, c.bodies); err != nil {
			t.Fatal(err)
		}
		if w.String() != c.want {
			t.Errorf("%v: wrote %q, want %q", c.bodies, w.String(), c.want)
		}
	}
}

// Spliced places each body after the bytes appended before it, counts it in
// Len, and forgets it on Reset.
func TestSpliced(t *testing.T) {
	var s Spliced
	s.Buf = append(s.Buf, "A\n\n"...)
	s.AddBody([]byte("one"))
	s.Buf = append(s.Buf, "\x00B\n\n"...)
	s.AddBody([]byte("two"))
	s.Buf = append(s.Buf, 0)
	if s.Len() != len("A\n\none\x00B\n\ntwo\x00") {
		t.Fatalf("Len = %d", s.Len())
	}
	var w bytes.Buffer
	if err := s.WriteOut(&w); err != nil || w.String() != "A\n\none\x00B\n\ntwo\x00" {
		t.Fatalf("wrote %q, %v", w.String(), err)
	}
	s.Reset()
	if s.Len() != 0 || len(s.Bodies) != 0 {
		t.Fatalf("after Reset: Len %d, %d bodies", s.Len(), len(s.Bodies))
	}
}
