package openwire

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/openwire/wire"
	"amq/internal/stomp/frame"
)

func TestHandshake(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	_, wf, bi := dialOW(t, ow.addr, nil)
	if !wf.Valid() || wf.Version != 12 {
		t.Fatalf("broker WireFormatInfo: %+v", wf)
	}
	for _, p := range []string{wire.PropTightEncodingEnabled, wire.PropCacheEnabled, wire.PropStackTraceEnabled, wire.PropSizePrefixDisabled} {
		if v, ok := wf.Properties[p].(bool); !ok || v {
			t.Errorf("%s = %#v, want false", p, wf.Properties[p])
		}
	}
	if v, ok := wf.Properties[wire.PropMaxInactivityDuration].(int64); !ok || v != 30000 {
		t.Errorf("MaxInactivityDuration = %#v", wf.Properties[wire.PropMaxInactivityDuration])
	}
	if v, ok := wf.Properties[wire.PropMaxFrameSize].(int64); !ok || v != DefaultMaxFrameSize {
		t.Errorf("MaxFrameSize = %#v", wf.Properties[wire.PropMaxFrameSize])
	}
	if bi.BrokerName.String != "go-broker" || bi.BrokerID == nil || bi.BrokerID.Value != b.ID() {
		t.Errorf("BrokerInfo: %+v", bi)
	}
	if !strings.HasPrefix(bi.BrokerURL.String, "tcp://127.0.0.1:") {
		t.Errorf("brokerURL %q", bi.BrokerURL.String)
	}
}

func TestNegotiationRefused(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	bad := clientWireFormat(30000)
	bad.Magic = [8]byte{'A', 'c', 't', 'i', 'v', 'e', 'X', 'X'}
	old := clientWireFormat(30000)
	old.Version = 5
	for name, first := range map[string]wire.Command{
		"magic":   bad,
		"version": old,
		"notWFI":  &wire.SessionInfo{SessionID: &wire.SessionId{ConnectionID: "x", Value: 1}},
	} {
		t.Run(name, func(t *testing.T) {
			nc, err := net.Dial("tcp", ow.addr)
			if err != nil {
				t.Fatal(err)
			}
			c := &owClient{t: t, nc: nc, rd: wire.NewReader(nc, 0)}
			defer nc.Close()
			if _, ok := c.read().(*wire.WireFormatInfo); !ok {
				t.Fatal("no WireFormatInfo at accept")
			}
			c.sendRaw(first)
			c.expectClosed(5 * time.Second)
		})
	}
	waitFor(t, "connections to go", func() bool { return ow.s.Connections() == 0 })
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// roundTrip checks that a connection still works: it sends a message to a
// queue of its own and receives it.
func roundTrip(t *testing.T, c *owClient, cid *wire.ConnectionId, queue string) {
	t.Helper()
	q := wire.NewQueue(queue)
	cons := &wire.ConsumerId{ConnectionID: cid.Value, SessionID: 1, Value: 99}
	c.mustCall(&wire.ConsumerInfo{ConsumerID: cons, Destination: q, PrefetchSize: 10})
	pid := &wire.ProducerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	c.mustCall(&wire.Message{BodyType: wire.TypeTextMessage, ProducerID: pid, Destination: q,
		MessageID: &wire.MessageId{ProducerID: pid, ProducerSequenceID: 1}, Content: wire.MarshalTextBody("rt")})
	for {
		if md, ok := c.readSkipping().(*wire.MessageDispatch); ok {
			if md.Message == nil {
				t.Fatal("null dispatch")
			}
			return
		}
	}
}

func TestMalformedFrameClosesOnlyThatConnection(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	good, gcid := connectOW(t, ow.addr, "good")
	cases := map[string][]byte{
		// ConnectionInfo cut short.
		"truncated": {0, 0, 0, 5, wire.TypeConnectionInfo, 0, 0, 0, 1},
		// A type no OpenWire version has.
		"unknownType": {0, 0, 0, 6, 99, 0, 0, 0, 1, 0},
		// A frame larger than the negotiated maximum.
		"oversize":     {0x7f, 0xff, 0xff, 0xff, 1},
		"negativeSize": {0xff, 0xff, 0xff, 0xff, 1},
		// Trailing bytes after a KeepAliveInfo.
		"trailing": {0, 0, 0, 8, wire.TypeKeepAliveInfo, 0, 0, 0, 1, 0, 7, 7},
		// A string that is not modified UTF-8.
		"badUTF8": append([]byte{0, 0, 0, 11, wire.TypeControlCommand, 0, 0, 0, 1, 0, 1, 0, 2}, 0xff, 0xfe),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			c, _ := connectOW(t, ow.addr, "bad-"+name)
			c.write(raw)
			c.expectClosed(5 * time.Second)
		})
	}
	roundTrip(t, good, gcid, "still.works")
	waitFor(t, "bad connections to go", func() bool { return ow.s.Connections() == 1 })
}

func TestOversizeFrameWithSmallLimit(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", func(o *Options) { o.MaxFrameSize = 4096 })
	c, wf, _ := dialOW(t, ow.addr, nil)
	if v := wf.Properties[wire.PropMaxFrameSize]; v != int64(4096) {
		t.Fatalf("MaxFrameSize advertised %v", v)
	}
	frame := make([]byte, 4+5000)
	binary.BigEndian.PutUint32(frame, 5000)
	frame[4] = wire.TypeControlCommand
	c.write(frame)
	c.expectClosed(5 * time.Second)
}

func TestAuthFailureClosesAfterException(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", func(o *Options) { o.Auth = oneUser{} })
	c, _, _ := dialOW(t, ow.addr, nil)
	r := c.call(&wire.ConnectionInfo{ConnectionID: &wire.ConnectionId{Value: "ID:x:1"}, UserName: wire.Str("alice"), Password: wire.Str("nope")})
	er, ok := r.(*wire.ExceptionResponse)
	if !ok || er.Exception.Class != "java.lang.SecurityException" {
		t.Fatalf("got %#v", r)
	}
	c.expectClosed(5 * time.Second)

	c2, _, _ := dialOW(t, ow.addr, nil)
	c2.mustCall(&wire.ConnectionInfo{ConnectionID: &wire.ConnectionId{Value: "ID:y:1"}, UserName: wire.Str("alice"), Password: wire.Str("secret")})
	var user string
	for _, bc := range b.Connections() {
		if bc.Info().User != nil {
			user = bc.Info().User.Name
		}
	}
	if user != "alice" {
		t.Errorf("broker connection user %q", user)
	}
}

// readOnly lets everyone read and create, and write nowhere.
type readOnly struct{}

func (readOnly) Authorize(u *broker.User, op broker.Operation, d broker.Destination) error {
	if op == broker.OpWrite {
		return fmt.Errorf("User %s is not authorized to write to: %s", u.Name, d)
	}
	return nil
}

// TestProducerNeedsWrite checks that a producer bound to a destination the
// user may not write to is refused when it is created, as in ActiveMQ.
func TestProducerNeedsWrite(t *testing.T) {
	b, err := broker.New(broker.Config{Name: "go-broker", Logger: testLogger(t), Authorizer: readOnly{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ow := startOW(t, b, "127.0.0.1:0", func(o *Options) { o.Auth = oneUser{} })
	c, _, _ := dialOW(t, ow.addr, nil)
	cid := &wire.ConnectionId{Value: "ID:ro:1"}
	c.mustCall(&wire.ConnectionInfo{ConnectionID: cid, UserName: wire.Str("alice"), Password: wire.Str("secret")})
	sid := &wire.SessionId{ConnectionID: cid.Value, Value: 1}
	c.send(&wire.SessionInfo{SessionID: sid}, false)
	r := c.call(&wire.ProducerInfo{ProducerID: &wire.ProducerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}, Destination: wire.NewQueue("ro")})
	if er, ok := r.(*wire.ExceptionResponse); !ok || er.Exception.Class != classJMSSecurity {
		t.Fatalf("producer on a destination alice may not write to: %#v", r)
	}
	// An anonymous producer is checked at each send instead.
	c.mustCall(&wire.ProducerInfo{ProducerID: &wire.ProducerId{ConnectionID: cid.Value, SessionID: 1, Value: 2}})
}

func TestKeepAlive(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", func(o *Options) {
		o.MaxInactivityDuration = 600 * time.Millisecond
		o.InactivityInitialDelay = -1
	})

	t.Run("echo", func(t *testing.T) {
		c, _, _ := dialOW(t, ow.addr, nil)
		c.send(&wire.KeepAliveInfo{}, true)
		ka, ok := c.read().(*wire.KeepAliveInfo)
		if !ok || ka.ResponseRequired {
			t.Fatalf("got %#v", ka)
		}
	})

	t.Run("sentWhenIdle", func(t *testing.T) {
		c, wf, _ := dialOW(t, ow.addr, nil)
		if v := wf.Properties[wire.PropMaxInactivityDuration]; v != int64(600) {
			t.Fatalf("MaxInactivityDuration advertised %v", v)
		}
		stop := make(chan struct{})
		defer close(stop)
		ka, _ := wire.Marshal(nil, &wire.KeepAliveInfo{})
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
					c.mu.Lock()
					c.nc.Write(ka)
					c.mu.Unlock()
				}
			}
		}()
		n := 0
		start := time.Now()
		for time.Since(start) < 1500*time.Millisecond {
			cmd, err := c.readErr(time.Second)
			if err != nil {
				t.Fatalf("after %d keep-alives: %v", n, err)
			}
			if _, ok := cmd.(*wire.KeepAliveInfo); ok {
				n++
			}
		}
		if n < 4 {
			t.Errorf("%d keep-alives in 1.5 s with a 600 ms timeout", n)
		}
	})

	t.Run("silentClientDropped", func(t *testing.T) {
		c, _, _ := dialOW(t, ow.addr, nil)
		start := time.Now()
		c.expectClosed(5 * time.Second)
		if d := time.Since(start); d < 400*time.Millisecond || d > 3*time.Second {
			t.Errorf("dropped after %v with a 600 ms timeout", d)
		}
	})

	t.Run("clientDisables", func(t *testing.T) {
		c, _, _ := dialOW(t, ow.addr, clientWireFormat(0))
		if cmd, err := c.readErr(time.Second); err == nil {
			t.Fatalf("got %T though inactivity monitoring is off", cmd)
		} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Fatalf("connection dropped: %v", err)
		}
	})
}

// TestAlwaysAnswered sends every command the client may send with
// responseRequired and expects an answer to each.
func TestAlwaysAnswered(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	c, cid := connectOW(t, ow.addr, "answers")
	sid := &wire.SessionId{ConnectionID: cid.Value, Value: 1}
	cons := &wire.ConsumerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	pid := &wire.ProducerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	ltx := &wire.LocalTransactionId{ConnectionID: cid, Value: 1}
	xa := &wire.XATransactionId{FormatID: 1, GlobalTransactionID: []byte{1}, BranchQualifier: []byte{2}}
	tq := wire.NewTempQueue(cid.Value + ":1")
	mid := &wire.MessageId{ProducerID: pid, ProducerSequenceID: 1}
	type want struct {
		cmd       wire.Command
		exception string // class, or "" for a Response
	}
	for i, w := range []want{
		{&wire.SessionInfo{SessionID: sid}, ""},
		{&wire.ProducerInfo{ProducerID: pid}, ""},
		{&wire.DestinationInfo{ConnectionID: cid, Destination: tq}, ""},
		{&wire.ConsumerInfo{ConsumerID: cons, Destination: wire.NewQueue("answers"), PrefetchSize: 10}, ""},
		{&wire.ConsumerInfo{ConsumerID: &wire.ConsumerId{ConnectionID: cid.Value, SessionID: 1, Value: 2}, Destination: wire.NewQueue("answers"), Selector: wire.Str("a = ")}, classInvalidSelector},
		{&wire.TransactionInfo{ConnectionID: cid, TransactionID: ltx, Type: wire.TxBegin}, ""},
		{&wire.Message{BodyType: wire.TypeTextMessage, ProducerID: pid, Destination: wire.NewQueue("answers"), TransactionID: ltx, MessageID: mid, Content: wire.MarshalTextBody("x")}, ""},
		{&wire.MessageAck{ConsumerID: cons, AckType: wire.AckStandard, LastMessageID: mid, MessageCount: 1}, ""},
		{&wire.MessagePull{ConsumerID: cons, Timeout: -1}, ""},
		{&wire.TransactionInfo{ConnectionID: cid, TransactionID: ltx, Type: wire.TxCommitOnePhase}, ""},
		{&wire.TransactionInfo{ConnectionID: cid, TransactionID: ltx, Type: wire.TxCommitOnePhase}, classJMSException},
		{&wire.TransactionInfo{ConnectionID: cid, TransactionID: ltx, Type: wire.TxRollback}, ""},
		{&wire.TransactionInfo{ConnectionID: cid, TransactionID: xa, Type: wire.TxBegin}, classJMSException},
		{&wire.Message{BodyType: wire.TypeTextMessage, ProducerID: pid, Destination: wire.NewTempQueue("ID:nobody:1"), MessageID: mid}, classInvalidDestination},
		{&wire.RemoveSubscriptionInfo{ConnectionID: cid, SubscriptionName: wire.Str("none"), ClientID: wire.Str("answers")}, classInvalidDestination},
		{&wire.ControlCommand{Command: wire.Str("whatever")}, ""},
		{&wire.ConsumerControl{ConsumerID: cons, Prefetch: 5}, ""},
		{&wire.RemoveInfo{ObjectID: cons}, ""},
		{&wire.RemoveInfo{ObjectID: pid}, ""},
		{&wire.DestinationInfo{ConnectionID: cid, Destination: tq, OperationType: wire.DestinationRemove}, ""},
		{&wire.TransactionInfo{ConnectionID: cid, TransactionID: xa, Type: wire.TxPrepare}, classJMSException},
		{&wire.RemoveInfo{ObjectID: sid}, ""},
		{&wire.RemoveInfo{ObjectID: cid}, ""},
		{&wire.SessionInfo{SessionID: sid}, classIllegalState},
	} {
		r := c.call(w.cmd)
		switch r := r.(type) {
		case *wire.Response:
			if w.exception != "" {
				t.Errorf("%d %T: Response, want %s", i, w.cmd, w.exception)
			}
		case *wire.ExceptionResponse:
			if r.Exception.Class != w.exception {
				t.Errorf("%d %T: %v, want %q", i, w.cmd, r.Exception, w.exception)
			}
			if tx, ok := w.cmd.(*wire.TransactionInfo); ok && tx.TransactionID == xa &&
				!strings.Contains(r.Exception.Message.String, "XA transactions are not supported") {
				t.Errorf("XA: %v", r.Exception)
			}
		}
	}
}

// TestReembed checks that a JMS producer's message reaches a JMS consumer
// as it was sent, with only the broker's fields changed.
func TestReembed(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	p, pcid := connectOW(t, ow.addr, "producer")
	c, ccid := connectOW(t, ow.addr, "consumer")
	cons := &wire.ConsumerId{ConnectionID: ccid.Value, SessionID: 1, Value: 1}
	q := wire.NewQueue("reembed")
	c.mustCall(&wire.ConsumerInfo{ConsumerID: cons, Destination: q, PrefetchSize: 10})

	pid := &wire.ProducerId{ConnectionID: pcid.Value, SessionID: 1, Value: 1}
	props, _ := wire.AppendPrimitiveMap(nil, map[string]any{"s": "v", "i": int32(3), "nested": map[string]any{"a": int64(1)}})
	sent := &wire.Message{
		BodyType: wire.TypeTextMessage, ProducerID: pid, Destination: q,
		MessageID:  &wire.MessageId{ProducerID: pid, ProducerSequenceID: 7},
		Persistent: true, Priority: 4, Timestamp: 1234, Content: wire.MarshalTextBodyCompressed("zipped"), Compressed: true,
		MarshalledProperties: props, CorrelationID: wire.Str("c"), Arrival: 42, UserID: wire.Str("u"),
	}
	p.mustCall(sent)
	var md *wire.MessageDispatch
	for md == nil {
		md, _ = c.readSkipping().(*wire.MessageDispatch)
	}
	got := md.Message
	if md.ConsumerID == nil || *md.ConsumerID != *cons || md.Destination == nil || *md.Destination != *q {
		t.Fatalf("dispatch header: %+v", md)
	}
	if got.BrokerOutTime == 0 || got.BrokerInTime == 0 {
		t.Errorf("broker times not set: in %d out %d", got.BrokerInTime, got.BrokerOutTime)
	}
	// Apart from the broker's fields the message is what was sent.
	got.BrokerInTime, got.BrokerOutTime, got.MessageID.BrokerSequenceID = 0, 0, 0
	sent.ResponseRequired, got.ResponseRequired = false, false
	sent.CommandID, got.CommandID = 0, 0
	want, _ := wire.Marshal(nil, sent)
	have, _ := wire.Marshal(nil, got)
	if !bytes.Equal(want, have) {
		t.Errorf("re-embedded message differs:\n sent %x\n  got %x", want, have)
	}
	// The broker's model decoded the properties for selectors and STOMP.
	ms := b.Browse(broker.QueueDest("reembed"), nil, 0)
	if len(ms) != 1 {
		t.Fatalf("browse: %d messages", len(ms))
	}
	if pr, ok := ms[0].Prop("i"); !ok || pr.Type != broker.PropInt || pr.I != 3 {
		t.Errorf("property i: %+v", pr)
	}
	if ms[0].ID != pcid.Value+":1:1:7" {
		t.Errorf("message id %q", ms[0].ID)
	}
}

// TestRedeliveryCounter: a message returned by a closed consumer comes
// back with the counter raised, in the dispatch and in the message.
func TestRedeliveryCounter(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	c, cid := connectOW(t, ow.addr, "redeliver")
	q := wire.NewQueue("redeliver")
	pid := &wire.ProducerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	c.mustCall(&wire.Message{BodyType: wire.TypeBytesMessage, ProducerID: pid, Destination: q,
		MessageID: &wire.MessageId{ProducerID: pid, ProducerSequenceID: 1}, Content: []byte{1}, Persistent: true})
	for i := int32(0); i < 3; i++ {
		cons := &wire.ConsumerId{ConnectionID: cid.Value, SessionID: 1, Value: int64(i + 1)}
		c.mustCall(&wire.ConsumerInfo{ConsumerID: cons, Destination: q, PrefetchSize: 10})
		var md *wire.MessageDispatch
		for md == nil {
			md, _ = c.readSkipping().(*wire.MessageDispatch)
		}
		if md.RedeliveryCounter != i || md.Message.RedeliveryCounter != i {
			t.Fatalf("delivery %d: counters %d/%d", i, md.RedeliveryCounter, md.Message.RedeliveryCounter)
		}
		// As the stock client does once its application took the message.
		c.mustCall(&wire.RemoveInfo{ObjectID: cons, LastDeliveredSequenceID: md.Message.MessageID.BrokerSequenceID})
	}
}

// TestStompMessageToOpenWire checks the message built for a JMS consumer
// from a STOMP send.
func TestStompMessageToOpenWire(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	sc := dialStomp(t, startStomp(t, b))
	c, cid := connectOW(t, ow.addr, "fromstomp")
	cons := &wire.ConsumerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	c.mustCall(&wire.ConsumerInfo{ConsumerID: cons, Destination: wire.NewQueue("fromstomp"), PrefetchSize: 10})
	sc.send("SEND\ndestination:/queue/fromstomp\nk:v\ntype:t1\nJMSXGroupID:g\npersistent:true\n\nt\u00e9xt\x00")
	sc.send("SEND\ndestination:/queue/fromstomp\ncontent-length:2\n\n\x00\x01\x00")
	var got []*wire.MessageDispatch
	for len(got) < 2 {
		if md, ok := c.readSkipping().(*wire.MessageDispatch); ok {
			got = append(got, md)
		}
	}
	m := got[0].Message
	text, _, err := wire.TextBody(m.Content, m.Compressed)
	if m.DataType() != wire.TypeTextMessage || err != nil || text != "t\u00e9xt" {
		t.Errorf("text message: type %d %q %v", m.DataType(), text, err)
	}
	props, _ := m.Properties()
	if props["k"] != "v" || m.Type.String != "t1" || m.GroupID.String != "g" || !m.Persistent || !m.JMSXGroupFirstForConsumer {
		t.Errorf("fields: props %v type %q group %q persistent %v first %v", props, m.Type.String, m.GroupID.String, m.Persistent, m.JMSXGroupFirstForConsumer)
	}
	if m.MessageID == nil || !strings.HasPrefix(m.MessageID.TextView.String, "ID:") || m.MessageID.ProducerID == nil ||
		m.MessageID.String() != m.MessageID.ProducerID.String()+":"+strconv.FormatInt(m.MessageID.ProducerSequenceID, 10) {
		t.Errorf("message id %+v", m.MessageID)
	}
	m = got[1].Message
	if m.DataType() != wire.TypeBytesMessage || !bytes.Equal(m.Content, []byte{0, 1}) {
		t.Errorf("bytes message: type %d %x", m.DataType(), m.Content)
	}
	// And the JMS side's acks settle STOMP messages.
	c.send(&wire.MessageAck{ConsumerID: cons, AckType: wire.AckStandard, LastMessageID: m.MessageID, MessageCount: 2}, false)
	waitFor(t, "acks", func() bool {
		st, _ := b.QueueStats(broker.QueueDest("fromstomp"))
		return st.QueueSize == 0
	})
}

func TestAdvisories(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	c, cid := connectOW(t, ow.addr, "advisories")
	adv := &wire.ConsumerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	c.mustCall(&wire.ConsumerInfo{ConsumerID: adv, Destination: wire.NewTopic("ActiveMQ.Advisory.Consumer.Queue.watched,ActiveMQ.Advisory.TempQueue"), PrefetchSize: 100})
	o, ocid := connectOW(t, ow.addr, "other")
	watched := &wire.ConsumerId{ConnectionID: ocid.Value, SessionID: 1, Value: 5}
	o.mustCall(&wire.ConsumerInfo{ConsumerID: watched, Destination: wire.NewQueue("watched"), PrefetchSize: 1, Selector: wire.Str("a = 1")})
	tq := wire.NewTempQueue(ocid.Value + ":1")
	o.mustCall(&wire.DestinationInfo{ConnectionID: ocid, Destination: tq})
	o.mustCall(&wire.RemoveInfo{ObjectID: watched})
	var data []wire.DataStructure
	for len(data) < 3 {
		md, ok := c.readSkipping().(*wire.MessageDispatch)
		if !ok {
			continue
		}
		if md.Message.Type.String != "Advisory" || md.Message.DataType() != wire.TypeMessage {
			t.Errorf("advisory message: type %q body %d", md.Message.Type.String, md.Message.DataType())
		}
		data = append(data, md.Message.DataStructure)
	}
	ci, ok := data[0].(*wire.ConsumerInfo)
	if !ok || ci.Destination == nil || ci.Destination.PhysicalName != "watched" || ci.Selector.String != "a = 1" {
		t.Errorf("consumer advisory: %#v", data[0])
	}
	di, ok := data[1].(*wire.DestinationInfo)
	if !ok || *di.Destination != *tq || di.OperationType != wire.DestinationAdd || di.ConnectionID == nil || di.ConnectionID.Value != ocid.Value {
		t.Errorf("temp queue advisory: %#v", data[1])
	}
	if ri, ok := data[2].(*wire.RemoveInfo); !ok || ri.ObjectID == nil {
		t.Errorf("consumer removed advisory: %#v", data[2])
	}
}

func TestServerClose(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", func(o *Options) { o.MaxConnections = 2 })
	connectOW(t, ow.addr, "a")
	connectOW(t, ow.addr, "b")
	waitFor(t, "two connections", func() bool { return ow.s.Connections() == 2 })
	nc, err := net.Dial("tcp", ow.addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &owClient{t: t, nc: nc, rd: wire.NewReader(nc, 0)}
	c.expectClosed(5 * time.Second) // over maximumConnections: closed at once
	ow.close(t)
	if n := ow.s.Connections(); n != 0 {
		t.Errorf("%d connections after Close", n)
	}
	if n := len(b.Connections()); n != 0 {
		t.Errorf("broker still has %d connections", n)
	}
}

func TestStompSubscriberSeesTypedProperties(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	sc := dialStomp(t, startStomp(t, b))
	sc.send("SUBSCRIBE\nid:1\ndestination:/queue/typed\nreceipt:s\n\n\x00")
	if f := sc.read(); f.Command != frame.RECEIPT {
		t.Fatalf("got %s", f.Command)
	}
	c, cid := connectOW(t, ow.addr, "typed")
	pid := &wire.ProducerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	props, _ := wire.AppendPrimitiveMap(nil, map[string]any{"d": 1.5, "b": true, "l": int64(-9)})
	c.mustCall(&wire.Message{BodyType: wire.TypeTextMessage, ProducerID: pid, Destination: wire.NewQueue("typed"),
		MessageID: &wire.MessageId{ProducerID: pid, ProducerSequenceID: 1}, Content: wire.MarshalTextBody("hi"),
		MarshalledProperties: props, Persistent: true})
	f := sc.read()
	if string(f.Body) != "hi" || hdr(f, "d") != "1.5" || hdr(f, "b") != "true" || hdr(f, "l") != "-9" || hdr(f, "persistent") != "true" {
		t.Errorf("STOMP MESSAGE: %q %v", f.Body, f.Headers)
	}
}

// TestPoisonRange: after a rolled-back transaction the client poison-acks
// every message it had received in it, first..last; all go to the DLQ.
func TestPoisonRange(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	c, cid := connectOW(t, ow.addr, "poison")
	q := wire.NewQueue("poison")
	pid := &wire.ProducerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	var ids []*wire.MessageId
	for i := int64(1); i <= 4; i++ {
		id := &wire.MessageId{ProducerID: pid, ProducerSequenceID: i}
		ids = append(ids, id)
		c.mustCall(&wire.Message{BodyType: wire.TypeTextMessage, ProducerID: pid, Destination: q, MessageID: id,
			Content: wire.MarshalTextBody("p"), Persistent: true})
	}
	cons := &wire.ConsumerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	c.mustCall(&wire.ConsumerInfo{ConsumerID: cons, Destination: q, PrefetchSize: 10})
	for n := 0; n < 4; {
		if _, ok := c.readSkipping().(*wire.MessageDispatch); ok {
			n++
		}
	}
	tx := &wire.LocalTransactionId{ConnectionID: cid, Value: 1}
	c.send(&wire.TransactionInfo{ConnectionID: cid, TransactionID: tx, Type: wire.TxBegin}, false)
	c.send(&wire.MessageAck{ConsumerID: cons, Destination: q, TransactionID: tx, AckType: wire.AckStandard,
		FirstMessageID: ids[0], LastMessageID: ids[2], MessageCount: 3}, false)
	c.mustCall(&wire.TransactionInfo{ConnectionID: cid, TransactionID: tx, Type: wire.TxRollback})
	// Rolled back: nothing was redispatched, all four are still in flight.
	if st, _ := b.QueueStats(broker.QueueDest("poison")); st.InFlightCount != 4 {
		t.Fatalf("in flight after rollback: %+v", st)
	}
	c.mustCall(&wire.MessageAck{ConsumerID: cons, Destination: q, AckType: wire.AckPoison,
		FirstMessageID: ids[0], LastMessageID: ids[2], MessageCount: 3,
		PoisonCause: &wire.Throwable{Class: "java.lang.Throwable", Message: wire.Str("Delivery[7] exceeds redelivery policy limit")}})
	waitFor(t, "dead letters", func() bool {
		st, _ := b.QueueStats(broker.QueueDest("ActiveMQ.DLQ"))
		return st.QueueSize == 3
	})
	dead := b.Browse(broker.QueueDest("ActiveMQ.DLQ"), nil, 0)
	if p, _ := dead[0].Prop("dlqDeliveryFailureCause"); !strings.Contains(p.S, "exceeds redelivery policy limit") {
		t.Errorf("cause %q", p.S)
	}
	if st, _ := b.QueueStats(broker.QueueDest("poison")); st.QueueSize != 1 || st.InFlightCount != 1 {
		t.Errorf("the fourth stays with its consumer: %+v", st)
	}
	// The DLQ copies reach a JMS consumer rebuilt, the cause included.
	dc := &wire.ConsumerId{ConnectionID: cid.Value, SessionID: 1, Value: 2}
	c.mustCall(&wire.ConsumerInfo{ConsumerID: dc, Destination: wire.NewQueue("ActiveMQ.DLQ"), PrefetchSize: 10})
	for {
		md, ok := c.readSkipping().(*wire.MessageDispatch)
		if !ok || *md.ConsumerID != *dc {
			continue
		}
		props, _ := md.Message.Properties()
		if !strings.Contains(props["dlqDeliveryFailureCause"].(string), "exceeds") || md.Message.MessageID.String() != ids[0].String() ||
			md.Message.OriginalDestination == nil || *md.Message.OriginalDestination != *q {
			t.Errorf("DLQ copy: props %v id %v original %v", props, md.Message.MessageID, md.Message.OriginalDestination)
		}
		break
	}
}

func TestInactivityDisabledByDefault(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", func(o *Options) { o.MaxInactivityDuration = 0 })
	c, wf, _ := dialOW(t, ow.addr, nil)
	if v := wf.Properties[wire.PropMaxInactivityDuration]; v != int64(0) {
		t.Fatalf("MaxInactivityDuration advertised %v", v)
	}
	if cmd, err := c.readErr(500 * time.Millisecond); err == nil {
		t.Fatalf("got %T", cmd)
	}
}

// TestProducerWindow: a producer with a window gets a ProducerAck for
// every asynchronous send, sized as the client counts it.
func TestProducerWindow(t *testing.T) {
	b := startBroker(t)
	ow := startOW(t, b, "127.0.0.1:0", nil)
	c, cid := connectOW(t, ow.addr, "window")
	pid := &wire.ProducerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	q := wire.NewQueue("window")
	c.mustCall(&wire.ProducerInfo{ProducerID: pid, Destination: q, WindowSize: 1 << 20})
	if n := b.ProducerCount(broker.QueueDest("window")); n != 1 {
		t.Errorf("producer count %d", n)
	}
	content := wire.MarshalTextBody("abc")
	for i, persistent := range []bool{false, true} {
		c.send(&wire.Message{BodyType: wire.TypeTextMessage, ProducerID: pid, Destination: q, Persistent: persistent,
			MessageID: &wire.MessageId{ProducerID: pid, ProducerSequenceID: int64(i + 1)}, Content: content}, false)
		pa, ok := c.readSkipping().(*wire.ProducerAck)
		if !ok || *pa.ProducerID != *pid || pa.Size != int32(1024+len(content)) {
			t.Fatalf("got %#v", pa)
		}
	}
	c.mustCall(&wire.RemoveInfo{ObjectID: pid})
	if n := b.ProducerCount(broker.QueueDest("window")); n != 0 {
		t.Errorf("producer count after remove %d", n)
	}
}
