package openwire

import (
	"io"
	"net"
	"testing"
	"time"

	"amq/internal/openwire/wire"
)

// FuzzConn feeds arbitrary bytes to a connection after a normal handshake
// and ConnectionInfo: whatever arrives, the adapter must neither panic nor
// hang, and the connection must end once the client goes.
func FuzzConn(f *testing.F) {
	cid := &wire.ConnectionId{Value: "ID:fuzz:1"}
	cons := &wire.ConsumerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	pid := &wire.ProducerId{ConnectionID: cid.Value, SessionID: 1, Value: 1}
	mid := &wire.MessageId{ProducerID: pid, ProducerSequenceID: 1}
	q := wire.NewQueue("fuzz")
	ltx := &wire.LocalTransactionId{ConnectionID: cid, Value: 1}
	seeds := [][]wire.Command{
		{&wire.ConsumerInfo{ConsumerID: cons, Destination: q, PrefetchSize: 0}, &wire.MessagePull{ConsumerID: cons, Timeout: 5}},
		{&wire.ConsumerInfo{ConsumerID: cons, Destination: q, PrefetchSize: 10},
			&wire.Message{BodyType: wire.TypeTextMessage, ProducerID: pid, Destination: q, MessageID: mid, Content: wire.MarshalTextBody("x")},
			&wire.MessageAck{ConsumerID: cons, AckType: wire.AckPoison, LastMessageID: mid, FirstMessageID: mid, MessageCount: 1}},
		{&wire.TransactionInfo{ConnectionID: cid, TransactionID: ltx, Type: wire.TxBegin},
			&wire.Message{BodyType: wire.TypeMapMessage, ProducerID: pid, Destination: q, MessageID: mid, TransactionID: ltx},
			&wire.TransactionInfo{ConnectionID: cid, TransactionID: ltx, Type: wire.TxCommitOnePhase}},
		{&wire.ConsumerInfo{ConsumerID: cons, Destination: q, Browser: true, Selector: wire.Str("a > 1")}},
		{&wire.DestinationInfo{ConnectionID: cid, Destination: wire.NewTempQueue(cid.Value + ":1")},
			&wire.RemoveInfo{ObjectID: &wire.SessionId{ConnectionID: cid.Value, Value: 1}}, &wire.RemoveInfo{ObjectID: cid}, &wire.ShutdownInfo{}},
		{&wire.ConsumerInfo{ConsumerID: cons, Destination: wire.NewTopic("t"), SubscriptionName: wire.Str("d")},
			&wire.RemoveSubscriptionInfo{ConnectionID: cid, SubscriptionName: wire.Str("d")}},
	}
	for _, cmds := range seeds {
		var b []byte
		for i, c := range cmds {
			c.Base().CommandID = int32(i + 10)
			c.Base().ResponseRequired = i%2 == 0
			b, _ = wire.Marshal(b, c)
		}
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0, 1, 0})
	f.Add([]byte{0, 0, 0, 2, wire.TypeMessageAck, 1})

	b := startBroker(f)
	s := NewServer(Options{Broker: b, Logger: testLogger(f), WriteTimeout: 2 * time.Second, MaxFrameSize: 1 << 20})
	f.Cleanup(func() { s.Close() })
	var preamble []byte
	preamble, _ = wire.Marshal(preamble, clientWireFormat(30000))
	preamble, _ = wire.Marshal(preamble, &wire.ConnectionInfo{BaseCommand: wire.BaseCommand{CommandID: 1, ResponseRequired: true}, ConnectionID: cid, ClientID: wire.Str("fuzz")})
	preamble, _ = wire.Marshal(preamble, &wire.SessionInfo{SessionID: &wire.SessionId{ConnectionID: cid.Value, Value: 1}})

	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		s.ServeConn(server)
		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, client)
			close(drained)
		}()
		client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		client.Write(preamble)
		client.Write(data)
		client.Close()
		<-drained
		deadline := time.Now().Add(3 * time.Second)
		for s.Connections() != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("connection still open after the client left (input %x)", data)
			}
			time.Sleep(time.Millisecond)
		}
	})
}
