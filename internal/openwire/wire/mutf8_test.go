package wire

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"
)

func TestModifiedUTF8(t *testing.T) {
	for _, tc := range []struct {
		s   string
		enc string
	}{
		{"", ""},
		{"abc", "616263"},
		{"\x00", "c080"},
		{"a\x00b", "61c08062"},
		{"\u00e9", "c3a9"},
		{"\u07ff", "dfbf"},
		{"\u0800", "e0a080"},
		{"\uffff", "efbfbf"},
		{"\U0001F600", "eda0bd edb880"},
		{"\U00010000", "eda080 edb080"},
		{"\U0010FFFF", "edafbf edbfbf"},
		{"x\U0001F600\x00", "78 eda0bdedb880 c080"},
	} {
		enc := EncodeModifiedUTF8(tc.s)
		if want := unhex(t, tc.enc); !bytes.Equal(enc, want) {
			t.Errorf("encode %q: %x want %x", tc.s, enc, want)
		}
		if n := ModifiedUTF8Len(tc.s); n != len(enc) {
			t.Errorf("len %q: %d want %d", tc.s, n, len(enc))
		}
		dec, err := DecodeModifiedUTF8(enc)
		if err != nil || dec != tc.s {
			t.Errorf("decode %x: %q %v", enc, dec, err)
		}
	}
}

func TestModifiedUTF8Lenient(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"00", "\x00"},                 // raw NUL, as Java accepts
		{"c181", "A"},                  // overlong, as Java accepts
		{"f09f9880", "\U0001F600"},     // standard 4-byte UTF-8
		{"eda0bd", "\xed\xa0\xbd"},     // lone high surrogate kept
		{"edb880 41", "\xed\xb8\x80A"}, // lone low surrogate kept
		{"eda0bd eda0bd", "\xed\xa0\xbd\xed\xa0\xbd"},
	} {
		got, err := DecodeModifiedUTF8(unhex(t, tc.in))
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v", tc.in, got, err)
		}
	}
	// Lone surrogates survive a round trip unchanged.
	raw := unhex(t, "41 eda0bd 42 edb880")
	s, err := DecodeModifiedUTF8(raw)
	if err != nil {
		t.Fatal(err)
	}
	if enc := EncodeModifiedUTF8(s); !bytes.Equal(enc, raw) {
		t.Fatalf("%x", enc)
	}
	// Invalid UTF-8 in a Go string is encoded as U+FFFD.
	if enc := EncodeModifiedUTF8("a\xffb"); !bytes.Equal(enc, unhex(t, "61 efbfbd 62")) || ModifiedUTF8Len("a\xffb") != 5 {
		t.Fatalf("%x", enc)
	}
}

func TestModifiedUTF8Errors(t *testing.T) {
	for _, in := range []string{"80", "bf", "c0", "c041", "e0", "e080", "e08041", "f8", "ff", "f09f98", "41 c3"} {
		_, err := DecodeModifiedUTF8(unhex(t, in))
		if !errors.Is(err, ErrMalformedUTF8) {
			t.Errorf("%s: %v", in, err)
		}
		s, err := decodeMUTF8(unhex(t, in), true)
		if err != nil || !utf8.ValidString(s) {
			t.Errorf("lenient %s: %q %v", in, s, err)
		}
	}
}

func TestUTF16Len(t *testing.T) {
	for s, n := range map[string]int{"": 0, "abc": 3, "\u00e9": 1, "\U0001F600": 2, "\xed\xa0\xbd": 1, "\x00": 1} {
		if got := utf16Len(s); got != n {
			t.Errorf("%q: %d want %d", s, got, n)
		}
	}
}

func FuzzModifiedUTF8(f *testing.F) {
	for _, s := range []string{"", "abc", "\x00", "\U0001F600", "\xed\xa0\xbd", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := EncodeModifiedUTF8(s)
		if len(enc) != ModifiedUTF8Len(s) {
			t.Fatalf("len mismatch")
		}
		dec, err := DecodeModifiedUTF8(enc)
		if err != nil {
			t.Fatalf("decode of encoding failed: %v", err)
		}
		if !bytes.Equal(EncodeModifiedUTF8(dec), enc) {
			t.Fatalf("not stable")
		}
		if d2, err := DecodeModifiedUTF8([]byte(s)); err == nil && len(d2) > len(s) {
			t.Fatalf("decoded longer than input")
		}
	})
}
