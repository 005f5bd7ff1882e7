package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustMarshal(t testing.TB, c Codec, cmd Command) []byte {
	t.Helper()
	b, err := c.Marshal(nil, cmd)
	if err != nil {
		t.Fatalf("marshal %T: %v", cmd, err)
	}
	if n := int(binary.BigEndian.Uint32(b)); n != len(b)-4 {
		t.Fatalf("size prefix %d, body %d", n, len(b)-4)
	}
	return b
}

func TestRoundTripAll(t *testing.T) {
	seen := map[byte]bool{}
	for _, tc := range sampleCommands() {
		t.Run(tc.name, func(t *testing.T) {
			frame := mustMarshal(t, Codec{}, tc.cmd)
			if frame[4] != tc.cmd.DataType() {
				t.Fatalf("type byte %d want %d", frame[4], tc.cmd.DataType())
			}
			seen[frame[4]] = true
			got, err := Unmarshal(frame[4:])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.cmd) {
				t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, tc.cmd)
			}
			again := mustMarshal(t, Codec{}, got)
			if !bytes.Equal(again, frame) {
				t.Fatalf("re-encoding differs")
			}
		})
	}
	for _, typ := range []byte{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 27, 28, 29, 30, 31, 32, 33, 34} {
		if !seen[typ] {
			t.Errorf("no sample of type %d", typ)
		}
	}
}

func TestRoundTripMoreMessages(t *testing.T) {
	for _, bt := range []byte{TypeMapMessage, TypeObjectMessage} {
		m := tTextMessage()
		m.BodyType = bt
		m.Content = []byte{}
		m.MarshalledProperties = nil
		frame := mustMarshal(t, Codec{}, m)
		got, err := Unmarshal(frame[4:])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("type %d differs:\n got %+v\nwant %+v", bt, got, m)
		}
	}
	// A zero BodyType marshals as a plain ActiveMQMessage.
	m := &Message{Destination: NewQueue("Q")}
	frame := mustMarshal(t, Codec{}, m)
	if frame[4] != TypeMessage {
		t.Fatalf("type %d", frame[4])
	}
}

// stripV10 clears the fields versions below 10 do not carry.
func stripV10(ds DataStructure) {
	switch v := ds.(type) {
	case *ConsumerInfo:
		v.ClientID = NullString{}
	case *MessageId:
		if v != nil {
			v.TextView = NullString{}
		}
	case *Message:
		v.JMSXGroupFirstForConsumer = false
		stripV10(v.MessageID)
		if v.DataStructure != nil {
			stripV10(v.DataStructure)
		}
	case *MessageDispatch:
		if v.Message != nil {
			stripV10(v.Message)
		}
	case *MessageAck:
		stripV10(v.FirstMessageID)
		stripV10(v.LastMessageID)
	case *MessagePull:
		stripV10(v.MessageID)
	}
}

func TestRoundTripVersions(t *testing.T) {
	for _, ver := range []int32{9, 10, 11, 12} {
		c := Codec{Version: ver}
		for _, tc := range sampleCommands() {
			frame := mustMarshal(t, c, tc.cmd)
			got, err := c.Unmarshal(frame[4:])
			if err != nil {
				t.Fatalf("v%d %s: %v", ver, tc.name, err)
			}
			want := tc.cmd
			if ver < 10 {
				// Rebuild the sample so stripping does not alter the table.
				for _, s := range sampleCommands() {
					if s.name == tc.name {
						want = s.cmd
					}
				}
				stripV10(want)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("v%d %s differs:\n got %+v\nwant %+v", ver, tc.name, got, want)
			}
			if ver >= 10 {
				v12 := mustMarshal(t, Codec{}, tc.cmd)
				if !bytes.Equal(frame, v12) {
					t.Fatalf("v%d %s differs from v12 encoding", ver, tc.name)
				}
			}
		}
	}
	if _, err := (Codec{Version: 8}).Marshal(nil, &Response{}); err == nil {
		t.Fatal("version 8 accepted")
	}
	if _, err := (Codec{Version: 13}).Unmarshal([]byte{TypeResponse, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err == nil {
		t.Fatal("version 13 accepted")
	}
}

func TestStackTraceForm(t *testing.T) {
	c := Codec{StackTraceEnabled: true}
	er := &ExceptionResponse{
		BaseCommand:   BaseCommand{CommandID: 3},
		CorrelationID: 9,
		Exception: &Throwable{
			Class:   "java.io.IOException",
			Message: Str("outer"),
			StackTrace: []StackTraceElement{
				{ClassName: Str("a.B"), MethodName: Str("run"), FileName: Str("B.java"), LineNumber: 12},
				{ClassName: Str("a.C"), MethodName: Str("<init>"), LineNumber: -2},
			},
			Cause: &Throwable{Class: "java.lang.IllegalStateException", Message: Str("inner"), StackTrace: []StackTraceElement{}},
		},
	}
	frame := mustMarshal(t, c, er)
	got, err := c.Unmarshal(frame[4:])
	if err != nil {
		t.Fatal(err)
	}
	// An empty stack trace decodes as nil.
	er.Exception.Cause.StackTrace = nil
	if !reflect.DeepEqual(got, er) {
		t.Fatalf("got %+v", got)
	}
	// Without stack traces only class and message are written.
	simple := mustMarshal(t, Codec{}, er)
	got, err = Unmarshal(simple[4:])
	if err != nil {
		t.Fatal(err)
	}
	want := &Throwable{Class: "java.io.IOException", Message: Str("outer")}
	if !reflect.DeepEqual(got.(*ExceptionResponse).Exception, want) {
		t.Fatalf("simple form %+v", got.(*ExceptionResponse).Exception)
	}
	if err := (&Throwable{Class: "x.Y", Message: Str("m")}).Error(); err != "x.Y: m" {
		t.Fatal(err)
	}
}

func TestNullVersusEmpty(t *testing.T) {
	ci := &ConnectionInfo{ConnectionID: &ConnectionId{}, ClientID: Str(""), Password: NullString{}, BrokerPath: []*BrokerId{}}
	frame := mustMarshal(t, Codec{}, ci)
	// hdr, connectionId{01 78 01 0000}, clientId 01 0000, password 00,
	// userName 00, brokerPath 01 0000, 5 bools, clientIp 00.
	want := unhex(t, "00000019 03 00000000 00 01780100 00 010000 00 00 010000 0000000000 00")
	if !bytes.Equal(frame, want) {
		t.Fatalf("got %x\nwant %x", frame, want)
	}
	got, _ := Unmarshal(frame[4:])
	g := got.(*ConnectionInfo)
	if !g.ClientID.Valid || g.Password.Valid || g.BrokerPath == nil || len(g.BrokerPath) != 0 {
		t.Fatalf("got %+v", g)
	}
}

func TestTypedNilIsNull(t *testing.T) {
	var cid *ConsumerId
	var tx *LocalTransactionId
	ack := &MessageAck{ConsumerID: cid, TransactionID: tx, LastMessageID: nil}
	frame := mustMarshal(t, Codec{}, ack)
	got, err := Unmarshal(frame[4:])
	if err != nil {
		t.Fatal(err)
	}
	if g := got.(*MessageAck); g.TransactionID != nil || g.ConsumerID != nil {
		t.Fatalf("got %+v", g)
	}
	// A typed nil inside an object array is a null element.
	dr := &DataArrayResponse{Data: []DataStructure{cid, NewQueue("Q")}}
	frame = mustMarshal(t, Codec{}, dr)
	got, err = Unmarshal(frame[4:])
	if err != nil {
		t.Fatal(err)
	}
	if g := got.(*DataArrayResponse); g.Data[0] != nil || g.Data[1].(*Destination).PhysicalName != "Q" {
		t.Fatalf("got %+v", g)
	}
}

func TestMarshalErrors(t *testing.T) {
	cases := []Command{
		nil,
		(*Response)(nil),
		&ControlCommand{Command: Str(strings.Repeat("x", 65536))},
		&ConsumerInfo{Destination: &Destination{Type: 5, PhysicalName: "x"}},
		&Message{BodyType: 40},
		&DataArrayResponse{Data: make([]DataStructure, 40000)},
	}
	for i, c := range cases {
		if out, err := Marshal([]byte{7}, c); err == nil || !bytes.Equal(out, []byte{7}) {
			t.Errorf("case %d: err %v out %x", i, err, out)
		} else if c != nil && !errors.Is(err, ErrMarshal) {
			t.Errorf("case %d: %v does not wrap ErrMarshal", i, err)
		}
	}
	// Self-referencing structures are cut off by the depth limit.
	m := &Message{}
	m.DataStructure = m
	if _, err := Marshal(nil, m); err == nil {
		t.Fatal("cycle accepted")
	}
	// 65535 bytes is the longest string.
	if _, err := Marshal(nil, &ControlCommand{Command: Str(strings.Repeat("\u00e9", 32767) + "x")}); err != nil {
		t.Fatal(err)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	for _, tc := range sampleCommands() {
		frame := mustMarshal(t, Codec{}, tc.cmd)
		body := frame[4:]
		for i := 0; i < len(body); i++ {
			if _, err := Unmarshal(body[:i]); err == nil {
				t.Fatalf("%s truncated to %d bytes decoded", tc.name, i)
			}
		}
		if _, err := Unmarshal(append(append([]byte{}, body...), 0)); err == nil {
			t.Fatalf("%s with a trailing byte decoded", tc.name)
		}
	}
	bad := map[string]string{
		"null command":          "00",
		"unknown type":          "0d 00000000 00",
		"id as command":         "78 01 0000",
		"wrong nested type":     "04 00000000 00 01 78 01 0000",
		"negative array":        "03 00000000 00 00 00 00 00 01 ffff 0000000000 00",
		"array past end":        "03 00000000 00 00 00 00 00 01 0010 0000000000 00",
		"bytes past end":        "12 00000000 00 0000000000 00 00 00 01 7fffffff",
		"negative bytes":        "12 00000000 00 0000000000 00 00 00 01 ffffffff",
		"string past end":       "0e 00000000 00 01 ffff 41",
		"bad utf8":              "0e 00000000 00 01 0001 80",
		"bad destination":       "11 00000000 00 01 05 01 0000 00 00 00000000 00 00 00",
		"unknown nested type":   "04 00000000 00 01 50",
		"bad wireformat props":  "01 4163746976654d51 0000000c 01 00000004 00000005",
		"truncated wireformat":  "01 4163746976",
		"stack trace by flag 0": "1f 00000000 00 00000000 01 01 0001 41 00 7fff",
	}
	for name, h := range bad {
		b := unhex(t, h)
		c := Codec{}
		if strings.HasPrefix(name, "stack") {
			c.StackTraceEnabled = true
		}
		_, err := c.Unmarshal(b)
		if err == nil {
			t.Errorf("%s: decoded", name)
			continue
		}
		var ute *UnknownTypeError
		if !errors.Is(err, ErrMalformed) && !errors.As(err, &ute) {
			t.Errorf("%s: %v wraps neither ErrMalformed nor UnknownTypeError", name, err)
		}
	}
	var ute *UnknownTypeError
	if _, err := Unmarshal(unhex(t, "0d 00000000 00")); !errors.As(err, &ute) || ute.Type != 13 {
		t.Fatalf("unknown type error %v", err)
	}
	if _, err := Unmarshal(nil); err == nil {
		t.Fatal("empty body decoded")
	}
}

func TestDeepNestingRefused(t *testing.T) {
	// Response-shaped DataResponses nested 200 deep.
	var b []byte
	for range 200 {
		b = append(b, TypeDataResponse, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
	}
	b = append(b, TypeConnectionId, 0)
	if _, err := Unmarshal(b); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Fatalf("err %v", err)
	}
}

func TestMarshalAppends(t *testing.T) {
	prefix := []byte("xyz")
	out, err := Marshal(prefix, &KeepAliveInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, unhex(t, "78797a 00000006 0a 00000000 00")) {
		t.Fatalf("%x", out)
	}
	body, err := Codec{}.MarshalBody(nil, NewQueue("Q"))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Codec{}.UnmarshalDataStructure(body)
	if err != nil || ds.(*Destination).String() != "queue://Q" {
		t.Fatalf("%v %v", ds, err)
	}
	if _, err := Unmarshal(body); err == nil {
		t.Fatal("destination accepted as a command")
	}
}

func TestIDsAndDestinations(t *testing.T) {
	if s := tConsID().String(); s != tConn+":1:2" {
		t.Fatal(s)
	}
	if s := tProdID().String(); s != tConn+":1:3" {
		t.Fatal(s)
	}
	if s := tMsgID(7, 0).String(); s != tConn+":1:3:7" {
		t.Fatal(s)
	}
	if s := tLocalTx().String(); s != "TX:"+tConn+":5" {
		t.Fatal(s)
	}
	if tConsID().SessionId() != *tSessID() || tSessID().ConnectionId() != *tConnID() {
		t.Fatal("parent ids")
	}
	for _, tc := range []struct {
		d                  *Destination
		s                  string
		queue, topic, temp bool
	}{
		{NewQueue("A"), "queue://A", true, false, false},
		{NewTopic("A"), "topic://A", false, true, false},
		{NewTempQueue("A"), "temp-queue://A", true, false, true},
		{NewTempTopic("A"), "temp-topic://A", false, true, true},
	} {
		if tc.d.String() != tc.s || tc.d.IsQueue() != tc.queue || tc.d.IsTopic() != tc.topic || tc.d.IsTemp() != tc.temp {
			t.Errorf("%+v", tc.d)
		}
		p, ok := ParseDestination(tc.s)
		if !ok || p != *tc.d {
			t.Errorf("parse %s: %+v", tc.s, p)
		}
	}
	if _, ok := ParseDestination("A"); ok {
		t.Fatal("parsed unqualified name")
	}
}
