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
