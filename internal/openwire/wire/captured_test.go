package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"reflect"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\t' || r == '|' {
			return -1
		}
		return r
	}, s)
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// capturedWireFormat rebuilds the client's first frame from OPENWIRE.md:
// the listed entries in the listed order, the elided ones in between.
func capturedWireFormat(t testing.TB) []byte {
	var p []byte
	key := func(k string) {
		p = binary.BigEndian.AppendUint16(p, uint16(len(k)))
		p = append(p, k...)
	}
	boolean := func(k string, v bool) {
		key(k)
		b := byte(0)
		if v {
			b = 1
		}
		p = append(p, TagBool, b)
	}
	str := func(k, v string) {
		key(k)
		p = append(p, TagString)
		p = binary.BigEndian.AppendUint16(p, uint16(len(v)))
		p = append(p, v...)
	}
	long := func(k string, v int64) {
		key(k)
		p = append(p, TagLong)
		p = binary.BigEndian.AppendUint64(p, uint64(v))
	}
	p = binary.BigEndian.AppendUint32(p, 14)
	boolean("StackTraceEnabled", true)
	str("PlatformDetails", "Java")
	boolean("CacheEnabled", true)
	str("Host", "127.0.0.1")
	boolean("TcpNoDelayEnabled", true)
	boolean("TightEncodingEnabled", true)
	boolean("SizePrefixDisabled", false)
	boolean("MaxFrameSizeEnabled", true)
	str("ProviderName", "ActiveMQ")
	str("ProviderVersion", "5.17.2")
	key("CacheSize")
	p = append(p, TagInt, 0, 0, 4, 0)
	long("MaxFrameSize", math.MaxInt64)
	long("MaxInactivityDuration", 30000)
	long("MaxInactivityDurationInitalDelay", 10000)
	if len(p) != 338 {
		t.Fatalf("rebuilt properties are %d bytes, the capture says 338", len(p))
	}
	f := unhex(t, "00000164 01 4163746976654d51 0000000c 01 00000152")
	return append(f, p...)
}

func TestCapturedWireFormatInfo(t *testing.T) {
	frame := capturedWireFormat(t)
	if len(frame) != 4+356 {
		t.Fatalf("frame is %d bytes", len(frame))
	}
	cmd, err := Unmarshal(frame[4:])
	if err != nil {
		t.Fatal(err)
	}
	w, ok := cmd.(*WireFormatInfo)
	if !ok {
		t.Fatalf("got %T", cmd)
	}
	if !w.Valid() || w.Version != 12 {
		t.Fatalf("magic/version: %q %d", w.Magic[:], w.Version)
	}
	want := map[string]any{
		"StackTraceEnabled": true, "PlatformDetails": "Java", "CacheEnabled": true, "Host": "127.0.0.1",
		"TcpNoDelayEnabled": true, "TightEncodingEnabled": true, "SizePrefixDisabled": false,
		"MaxFrameSizeEnabled": true, "ProviderName": "ActiveMQ", "ProviderVersion": "5.17.2",
		"CacheSize": int32(1024), "MaxFrameSize": int64(math.MaxInt64), "MaxInactivityDuration": int64(30000),
		"MaxInactivityDurationInitalDelay": int64(10000),
	}
	if !reflect.DeepEqual(w.Properties, want) {
		t.Fatalf("properties:\n got %#v\nwant %#v", w.Properties, want)
	}
	out, err := Marshal(nil, w)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, frame) {
		t.Fatalf("re-encoded differs:\n got %x\nwant %x", out, frame)
	}

	ours := NewBrokerWireFormatInfo(64<<20, 45000, 5000)
	s, err := Negotiate(ours, w)
	if err != nil {
		t.Fatal(err)
	}
	wantS := Settled{
		Version: 12, TcpNoDelayEnabled: true, CacheSize: 1024, MaxFrameSize: 64 << 20,
		MaxInactivityDuration: 30000, MaxInactivityDurationInitialDelay: 5000,
		PeerVersion: 12, PeerTightEncodingEnabled: true, PeerCacheEnabled: true, PeerStackTraceEnabled: true,
	}
	if s != wantS {
		t.Fatalf("settled:\n got %+v\nwant %+v", s, wantS)
	}
	if s.Codec() != (Codec{Version: 12}) {
		t.Fatalf("codec %+v", s.Codec())
	}
}

func TestCapturedConnectionInfo(t *testing.T) {
	frame := unhex(t, `00000038 03 00000001 01
		01 78 01 001d 49443a766d2d34303536332d313739353637333934393539342d313a31
		01 0004 63696431 00 00 00
		00 01 01 00 00
		00`)
	cmd, err := Unmarshal(frame[4:])
	if err != nil {
		t.Fatal(err)
	}
	want := &ConnectionInfo{
		BaseCommand:  BaseCommand{CommandID: 1, ResponseRequired: true},
		ConnectionID: &ConnectionId{Value: "ID:vm-40563-1795673949594-1:1"},
		ClientID:     Str("cid1"),
		Manageable:   true,
		ClientMaster: true,
	}
	if !reflect.DeepEqual(cmd, want) {
		t.Fatalf("got %+v\nwant %+v", cmd, want)
	}
	if cmd.Base().CommandID != 1 || !cmd.Base().ResponseRequired || cmd.DataType() != TypeConnectionInfo {
		t.Fatal("header access")
	}
	out, err := Marshal(nil, want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, frame) {
		t.Fatalf("re-encoded differs:\n got %x\nwant %x", out, frame)
	}
}

func TestCapturedResponseAndKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want Command
	}{
		{"0000000a 1e 00000000 00 00000001", &Response{CorrelationID: 1}},
		{"00000006 0a 00000000 00", &KeepAliveInfo{}},
	} {
		frame := unhex(t, tc.hex)
		cmd, err := Unmarshal(frame[4:])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cmd, tc.want) {
			t.Fatalf("got %+v want %+v", cmd, tc.want)
		}
		out, err := Marshal(nil, tc.want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, frame) {
			t.Fatalf("re-encoded %x want %x", out, frame)
		}
	}
}
