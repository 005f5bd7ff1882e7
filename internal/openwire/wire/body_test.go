package wire

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestTextBody(t *testing.T) {
	for _, s := range []string{"", "hello", "a\x00b\U0001F600", strings.Repeat("\u00e9", 40000)} {
		for _, compressed := range []bool{false, true} {
			c := MarshalTextBody(s)
			if compressed {
				c = MarshalTextBodyCompressed(s)
			}
			got, isNull, err := TextBody(c, compressed)
			if err != nil || isNull || got != s {
				t.Fatalf("%d chars compressed=%v: %v %v", len(s), compressed, isNull, err)
			}
		}
	}
	if !bytes.Equal(MarshalTextBody("a\x00"), unhex(t, "00000003 61 c080")) {
		t.Fatal("encoding")
	}
	if _, isNull, err := TextBody(nil, false); !isNull || err != nil {
		t.Fatal("nil content is a null text")
	}
	if _, isNull, err := TextBody(unhex(t, "ffffffff"), false); !isNull || err != nil {
		t.Fatal("-1 is a null text")
	}
	for _, h := range []string{"", "0000", "00000005 41", "fffffffe", "00000001 80"} {
		if _, _, err := TextBody(unhex(t, h), false); err == nil {
			t.Errorf("%q accepted", h)
		}
	}
	if _, _, err := TextBody([]byte("not zlib"), true); err == nil {
		t.Fatal("bad zlib accepted")
	}
}

func TestInflateLimit(t *testing.T) {
	old := MaxInflatedBodySize
	MaxInflatedBodySize = 1000
	defer func() { MaxInflatedBodySize = old }()
	c := MarshalTextBodyCompressed(strings.Repeat("a", 5000))
	if _, _, err := TextBody(c, true); err == nil {
		t.Fatal("inflation limit not applied")
	}
}

func TestBytesBody(t *testing.T) {
	raw := bytes.Repeat([]byte{1, 2, 3}, 1000)
	got, err := BytesBody(raw, false)
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatal(err)
	}
	c := MarshalBytesBodyCompressed(raw)
	if !bytes.Equal(c[:4], []byte{0, 0, 0x0b, 0xb8}) {
		t.Fatalf("length header %x", c[:4])
	}
	got, err = BytesBody(c, true)
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatal(err)
	}
	bad := append([]byte{0, 0, 0, 9}, c[4:]...)
	if _, err := BytesBody(bad, true); err == nil {
		t.Fatal("length mismatch accepted")
	}
	if got, err := BytesBody([]byte{}, true); err != nil || len(got) != 0 {
		t.Fatal("empty compressed body")
	}
	if _, err := BytesBody([]byte{1}, true); err == nil {
		t.Fatal("short compressed body accepted")
	}
}

func TestMapBody(t *testing.T) {
	m := map[string]any{"a": int32(1), "s": "x"}
	c, err := MarshalMapBody(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := MapBody(c, false)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatal(got, err)
	}
	got, err = MapBody(deflate(c), true)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Fatal(got, err)
	}
	if c, _ := MarshalMapBody(nil); c != nil {
		t.Fatal("empty map must give nil content")
	}
	if got, err := MapBody(nil, false); err != nil || got == nil || len(got) != 0 {
		t.Fatal("nil content is an empty map")
	}
	sc, _ := MarshalStreamBody([]any{int32(1)})
	if got, err := StreamBody(deflate(sc), true); err != nil || !reflect.DeepEqual(got, []any{int32(1)}) {
		t.Fatal(got, err)
	}
}

func TestMessageProperties(t *testing.T) {
	m := &Message{}
	if p, err := m.Properties(); p != nil || err != nil {
		t.Fatal("no properties")
	}
	if err := m.SetProperties(tProps()); err != nil {
		t.Fatal(err)
	}
	p, err := m.Properties()
	if err != nil || !reflect.DeepEqual(p, tProps()) {
		t.Fatal(p, err)
	}
	if err := m.SetProperties(nil); err != nil || m.MarshalledProperties != nil {
		t.Fatal("clearing properties")
	}
	if err := m.SetProperties(map[string]any{"x": struct{}{}}); err == nil {
		t.Fatal("bad property accepted")
	}
}
