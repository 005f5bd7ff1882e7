package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestBrokerWireFormatInfoTags(t *testing.T) {
	w := NewBrokerWireFormatInfo(1<<20, 30000, 10000)
	frame := mustMarshal(t, Codec{}, w)
	if !bytes.Equal(frame[4:17], append([]byte{TypeWireFormatInfo}, "ActiveMQ\x00\x00\x00\x0c"...)) {
		t.Fatalf("header %x", frame[:17])
	}
	got, err := Unmarshal(frame[4:])
	if err != nil {
		t.Fatal(err)
	}
	p := got.(*WireFormatInfo).Properties
	want := map[string]any{
		"StackTraceEnabled": false, "TcpNoDelayEnabled": true, "CacheEnabled": false,
		"TightEncodingEnabled": false, "SizePrefixDisabled": false, "MaxFrameSizeEnabled": true,
		"CacheSize": int32(1024), "MaxFrameSize": int64(1 << 20), "MaxInactivityDuration": int64(30000),
		"MaxInactivityDurationInitalDelay": int64(10000),
		"ProviderName":                     "ActiveMQ", "ProviderVersion": "5.17.2", "PlatformDetails": "Go",
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %#v", p)
	}
	// Deterministic.
	if again := mustMarshal(t, Codec{}, NewBrokerWireFormatInfo(1<<20, 30000, 10000)); !bytes.Equal(again, frame) {
		t.Fatal("not deterministic")
	}
}

func client(props map[string]any, version int32) *WireFormatInfo {
	return &WireFormatInfo{Magic: Magic, Version: version, Properties: props}
}

func TestNegotiate(t *testing.T) {
	ours := NewBrokerWireFormatInfo(1<<20, 30000, 10000)

	// A sparse peer: missing booleans are false, missing limits impose
	// none, a missing inactivity duration disables monitoring.
	s, err := Negotiate(ours, client(map[string]any{"TcpNoDelayEnabled": true}, 11))
	if err != nil {
		t.Fatal(err)
	}
	want := Settled{Version: 11, TcpNoDelayEnabled: true, MaxFrameSize: 1 << 20, PeerVersion: 11}
	if s != want {
		t.Fatalf("got %+v", s)
	}

	// Smaller limits from the peer win; 0 inactivity disables.
	s, err = Negotiate(ours, client(map[string]any{
		"MaxFrameSize": int64(1000), "MaxInactivityDuration": int64(0), "MaxInactivityDurationInitalDelay": int64(500),
		"CacheSize": int32(10), "StackTraceEnabled": true,
	}, 12))
	if err != nil {
		t.Fatal(err)
	}
	if s.MaxFrameSize != 1000 || s.MaxInactivityDuration != 0 || s.MaxInactivityDurationInitialDelay != 500 ||
		s.CacheSize != 10 || s.StackTraceEnabled || !s.PeerStackTraceEnabled || s.Codec().StackTraceEnabled {
		t.Fatalf("got %+v", s)
	}

	// A newer peer is answered with our version.
	s, err = Negotiate(ours, client(nil, 15))
	if err != nil || s.Version != 12 || s.MaxFrameSize != 1<<20 {
		t.Fatalf("%+v %v", s, err)
	}

	// Versions 9..12 are accepted with min; older ones refused.
	for v := int32(9); v <= 12; v++ {
		if s, err := Negotiate(ours, client(nil, v)); err != nil || s.Version != v {
			t.Fatalf("v%d: %+v %v", v, s, err)
		}
	}
	for _, v := range []int32{1, 8} {
		if _, err := Negotiate(ours, client(nil, v)); !errors.Is(err, ErrNegotiation) {
			t.Fatalf("v%d accepted", v)
		}
	}

	// The peer asking for tight encoding, cache or no size prefix is
	// overruled by our false; it is reported.
	s, err = Negotiate(ours, client(map[string]any{"TightEncodingEnabled": true, "CacheEnabled": true, "SizePrefixDisabled": true}, 12))
	if err != nil || s.TightEncodingEnabled || s.CacheEnabled || s.SizePrefixDisabled ||
		!s.PeerTightEncodingEnabled || !s.PeerCacheEnabled || !s.PeerSizePrefixDisabled {
		t.Fatalf("%+v %v", s, err)
	}
	// If both sides want them, negotiation fails.
	for _, prop := range []string{"TightEncodingEnabled", "CacheEnabled", "SizePrefixDisabled"} {
		both := map[string]any{prop: true}
		if _, err := Negotiate(client(both, 12), client(both, 12)); !errors.Is(err, ErrNegotiation) {
			t.Errorf("%s on both sides accepted", prop)
		}
	}

	// Bad magic.
	bad := client(nil, 12)
	bad.Magic[0] = 'X'
	if _, err := Negotiate(ours, bad); !errors.Is(err, ErrNegotiation) {
		t.Fatal("bad magic accepted")
	}
	if _, err := Negotiate(nil, bad); err == nil {
		t.Fatal("nil accepted")
	}

	// Properties only in marshalled form are read too.
	raw := client(nil, 12)
	raw.MarshalledProperties = MarshalPrimitiveMap(map[string]any{"MaxFrameSize": int64(77)})
	if s, _ := Negotiate(ours, raw); s.MaxFrameSize != 77 {
		t.Fatalf("%+v", s)
	}
	if v, ok := raw.Int64Property("MaxFrameSize"); !ok || v != 77 {
		t.Fatal("Int64Property")
	}
	if _, ok := ours.StringProperty(PropProviderName); !ok {
		t.Fatal("StringProperty")
	}
	if n, _ := client(nil, 12).Int64Property("MaxFrameSize"); n != 0 {
		t.Fatal("missing property")
	}
}
