package wire

// The commands below are built identically by testdata/OwInterop.java
// (same names, same values), so that the Java test can compare bytes.

const tConn = "ID:host-1234-1700000000000-1:1"

var (
	tEmoji = "\U0001F600"
	tNul   = "a\x00b"
)

func tConnID() *ConnectionId { return &ConnectionId{Value: tConn} }
func tSessID() *SessionId    { return &SessionId{ConnectionID: tConn, Value: 1} }
func tConsID() *ConsumerId   { return &ConsumerId{ConnectionID: tConn, SessionID: 1, Value: 2} }
func tProdID() *ProducerId   { return &ProducerId{ConnectionID: tConn, Value: 3, SessionID: 1} }
func tBroker() *BrokerId     { return &BrokerId{Value: "ID:broker-1"} }
func tMsgID(seq, bseq int64) *MessageId {
	return &MessageId{ProducerID: tProdID(), ProducerSequenceID: seq, BrokerSequenceID: bseq}
}
func tLocalTx() *LocalTransactionId { return &LocalTransactionId{Value: 5, ConnectionID: tConnID()} }
func tXATx() *XATransactionId {
	return &XATransactionId{FormatID: 77, GlobalTransactionID: []byte{1, 2, 3}, BranchQualifier: []byte{}}
}

// tProps is the property map of the "msg-text" sample: every tag.
func tProps() map[string]any {
	return map[string]any{
		"bool":   true,
		"byte":   int8(-4),
		"char":   Char('x'),
		"short":  int16(-300),
		"int":    int32(70000),
		"long":   int64(-1) << 40,
		"double": 1.5,
		"float":  float32(2.5),
		"str":    "h\u00e9llo",
		"empty":  "",
		"bytes":  []byte{9, 8, 7},
		"nul":    nil,
	}
}

func tTextMessage() *Message {
	return &Message{
		BaseCommand:          BaseCommand{CommandID: 9, ResponseRequired: true},
		BodyType:             TypeTextMessage,
		ProducerID:           tProdID(),
		Destination:          NewQueue("TEST.Q"),
		MessageID:            tMsgID(1, 0),
		Persistent:           true,
		Priority:             4,
		Timestamp:            1700000000123,
		Content:              MarshalTextBody("h\u00e9llo" + tNul + tEmoji),
		MarshalledProperties: MarshalPrimitiveMap(tProps()),
	}
}

func tFullMessage() *Message {
	return &Message{
		BaseCommand:               BaseCommand{CommandID: 11, ResponseRequired: false},
		BodyType:                  TypeMessage,
		ProducerID:                tProdID(),
		Destination:               NewTopic("TEST.T"),
		TransactionID:             tLocalTx(),
		OriginalDestination:       NewQueue("ORIG"),
		MessageID:                 &MessageId{TextView: Str("ID:text-view:1:1:1"), ProducerID: tProdID(), ProducerSequenceID: 7, BrokerSequenceID: 99},
		OriginalTransactionID:     tXATx(),
		GroupID:                   Str("grp"),
		GroupSequence:             3,
		CorrelationID:             Str(""),
		Persistent:                false,
		Expiration:                1700000060000,
		Priority:                  9,
		ReplyTo:                   NewTempQueue(tConn + ":1"),
		Timestamp:                 1700000000000,
		Type:                      Str("typ" + tEmoji),
		Content:                   []byte{0xde, 0xad, 0xbe, 0xef},
		MarshalledProperties:      MarshalPrimitiveMap(map[string]any{"k": "v"}),
		DataStructure:             tConsID(),
		TargetConsumerID:          tConsID(),
		Compressed:                false,
		RedeliveryCounter:         2,
		BrokerPath:                []*BrokerId{tBroker(), {Value: "ID:broker-2"}},
		Arrival:                   1700000000001,
		UserID:                    Str("user"),
		ReceivedByDFBridge:        true,
		Droppable:                 true,
		Cluster:                   []*BrokerId{},
		BrokerInTime:              1700000000002,
		BrokerOutTime:             1700000000003,
		JMSXGroupFirstForConsumer: true,
	}
}

type namedCmd struct {
	name string
	cmd  Command
	// javaBytes: the Java side builds the same value, bytes must match.
	javaBytes bool
}

func sampleCommands() []namedCmd {
	advisory := &Message{
		BaseCommand: BaseCommand{CommandID: 0},
		BodyType:    TypeMessage,
		ProducerID:  &ProducerId{ConnectionID: "ID:broker-1", Value: 1, SessionID: 0},
		Destination: NewTopic("ActiveMQ.Advisory.TempQueue"),
		MessageID:   &MessageId{ProducerID: &ProducerId{ConnectionID: "ID:broker-1", Value: 1, SessionID: 0}, ProducerSequenceID: 1, BrokerSequenceID: 1},
		Persistent:  false,
		Priority:    0,
		Type:        Str("Advisory"),
		DataStructure: &DestinationInfo{
			ConnectionID:  tConnID(),
			Destination:   NewTempQueue(tConn + ":1"),
			OperationType: DestinationAdd,
		},
	}
	stream, err := MarshalStreamBody([]any{true, int8(-1), int16(2), Char('c'), int32(3), int64(4), float32(5.5), 6.25, "s" + tNul, []byte{1, 2}, nil})
	if err != nil {
		panic(err)
	}
	return []namedCmd{
		{"brokerinfo", &BrokerInfo{
			BaseCommand:                BaseCommand{CommandID: 1},
			BrokerID:                   tBroker(),
			BrokerURL:                  Str("tcp://localhost:61616"),
			PeerBrokerInfos:            []*BrokerInfo{{BrokerID: &BrokerId{Value: "ID:peer"}, BrokerName: Str("peer")}},
			BrokerName:                 Str("localhost"),
			SlaveBroker:                false,
			MasterBroker:               true,
			FaultTolerantConfiguration: false,
			DuplexConnection:           true,
			NetworkConnection:          false,
			ConnectionID:               123456789,
			BrokerUploadURL:            NullString{},
			NetworkProperties:          Str("a=b"),
		}, true},
		{"connectioninfo", &ConnectionInfo{
			BaseCommand:           BaseCommand{CommandID: 1, ResponseRequired: true},
			ConnectionID:          tConnID(),
			ClientID:              Str("cid" + tEmoji),
			Password:              Str("pass"),
			UserName:              Str("user" + tNul),
			BrokerPath:            []*BrokerId{tBroker()},
			BrokerMasterConnector: false,
			Manageable:            true,
			ClientMaster:          true,
			FaultTolerant:         false,
			FailoverReconnect:     true,
			ClientIP:              Str("tcp://127.0.0.1:5555"),
		}, true},
		{"connectioninfo-nulls", &ConnectionInfo{
			BaseCommand:  BaseCommand{CommandID: 2},
			ConnectionID: tConnID(),
			ClientID:     Str(""),
		}, true},
		{"sessioninfo", &SessionInfo{BaseCommand: BaseCommand{CommandID: 3}, SessionID: tSessID()}, true},
		{"consumerinfo", &ConsumerInfo{
			BaseCommand:                BaseCommand{CommandID: 4, ResponseRequired: true},
			ConsumerID:                 tConsID(),
			Browser:                    false,
			Destination:                NewTopic("TEST.T"),
			PrefetchSize:               32767,
			MaximumPendingMessageLimit: 10,
			DispatchAsync:              true,
			Selector:                   Str("color = 'red'"),
			ClientID:                   Str("cid"),
			SubscriptionName:           Str("sub"),
			NoLocal:                    true,
			Exclusive:                  false,
			Retroactive:                true,
			Priority:                   5,
			BrokerPath:                 nil,
			AdditionalPredicate:        nil,
			NetworkSubscription:        false,
			OptimizedAcknowledge:       true,
			NoRangeAcks:                true,
			NetworkConsumerPath:        []*ConsumerId{tConsID()},
		}, true},
		{"producerinfo", &ProducerInfo{
			BaseCommand:   BaseCommand{CommandID: 5, ResponseRequired: true},
			ProducerID:    tProdID(),
			Destination:   nil,
			BrokerPath:    []*BrokerId{},
			DispatchAsync: true,
			WindowSize:    1024,
		}, true},
		{"transactioninfo-local", &TransactionInfo{
			BaseCommand:   BaseCommand{CommandID: 6, ResponseRequired: true},
			ConnectionID:  tConnID(),
			TransactionID: tLocalTx(),
			Type:          TxCommitOnePhase,
		}, true},
		{"transactioninfo-xa", &TransactionInfo{
			BaseCommand:   BaseCommand{CommandID: 7},
			ConnectionID:  tConnID(),
			TransactionID: tXATx(),
			Type:          TxPrepare,
		}, true},
		{"destinationinfo", &DestinationInfo{
			BaseCommand:   BaseCommand{CommandID: 8, ResponseRequired: true},
			ConnectionID:  tConnID(),
			Destination:   NewTempQueue(tConn + ":1"),
			OperationType: DestinationAdd,
			Timeout:       0,
			BrokerPath:    nil,
		}, true},
		{"removesubscriptioninfo", &RemoveSubscriptionInfo{
			BaseCommand:      BaseCommand{CommandID: 9, ResponseRequired: true},
			ConnectionID:     tConnID(),
			SubscriptionName: Str("sub"),
			ClientID:         Str("cid"),
		}, true},
		{"keepaliveinfo", &KeepAliveInfo{BaseCommand: BaseCommand{CommandID: 0, ResponseRequired: true}}, true},
		{"shutdowninfo", &ShutdownInfo{BaseCommand: BaseCommand{CommandID: 10}}, true},
		{"removeinfo", &RemoveInfo{BaseCommand: BaseCommand{CommandID: 12}, ObjectID: tConsID(), LastDeliveredSequenceID: 42}, true},
		{"removeinfo-conn", &RemoveInfo{BaseCommand: BaseCommand{CommandID: 13, ResponseRequired: true}, ObjectID: tConnID(), LastDeliveredSequenceID: -2}, true},
		{"controlcommand", &ControlCommand{BaseCommand: BaseCommand{CommandID: 14}, Command: Str("shutdown")}, true},
		{"connectionerror", &ConnectionError{
			BaseCommand:  BaseCommand{CommandID: 15},
			Exception:    &Throwable{Class: "java.lang.IllegalStateException", Message: Str("bad " + tEmoji)},
			ConnectionID: tConnID(),
		}, true},
		{"consumercontrol", &ConsumerControl{
			BaseCommand: BaseCommand{CommandID: 16},
			Destination: NewQueue("TEST.Q"),
			Close:       false,
			ConsumerID:  tConsID(),
			Prefetch:    100,
			Flush:       true,
			Start:       false,
			Stop:        true,
		}, true},
		{"connectioncontrol", &ConnectionControl{
			BaseCommand:         BaseCommand{CommandID: 17},
			Close:               false,
			Exit:                true,
			FaultTolerant:       false,
			Resume:              true,
			Suspend:             false,
			ConnectedBrokers:    Str("tcp://a:1,tcp://b:2"),
			ReconnectTo:         NullString{},
			RebalanceConnection: true,
			Token:               []byte{1, 2, 3},
		}, true},
		{"produceack", &ProducerAck{BaseCommand: BaseCommand{CommandID: 18}, ProducerID: tProdID(), Size: 4096}, true},
		{"messagepull", &MessagePull{
			BaseCommand:   BaseCommand{CommandID: 19},
			ConsumerID:    tConsID(),
			Destination:   NewQueue("TEST.Q"),
			Timeout:       -1,
			CorrelationID: Str("corr"),
			MessageID:     tMsgID(4, 5),
		}, true},
		{"messagedispatch", &MessageDispatch{
			BaseCommand:       BaseCommand{CommandID: 20},
			ConsumerID:        tConsID(),
			Destination:       NewQueue("TEST.Q"),
			Message:           tTextMessage(),
			RedeliveryCounter: 1,
		}, true},
		{"messagedispatch-null", &MessageDispatch{
			BaseCommand: BaseCommand{CommandID: 21},
			ConsumerID:  tConsID(),
			Destination: NewQueue("TEST.Q"),
		}, true},
		{"messageack", &MessageAck{
			BaseCommand:    BaseCommand{CommandID: 22},
			Destination:    NewQueue("TEST.Q"),
			TransactionID:  tLocalTx(),
			ConsumerID:     tConsID(),
			AckType:        AckPoison,
			FirstMessageID: tMsgID(1, 10),
			LastMessageID:  tMsgID(2, 11),
			MessageCount:   2,
			PoisonCause:    &Throwable{Class: "javax.jms.JMSException", Message: Str("poisoned")},
		}, true},
		{"response", &Response{BaseCommand: BaseCommand{CommandID: 23}, CorrelationID: 1}, true},
		{"exceptionresponse", &ExceptionResponse{
			BaseCommand:   BaseCommand{CommandID: 24},
			CorrelationID: 5,
			Exception:     &Throwable{Class: "javax.jms.InvalidDestinationException", Message: Str("no such destination")},
		}, true},
		{"exceptionresponse-nullmsg", &ExceptionResponse{
			BaseCommand:   BaseCommand{CommandID: 25},
			CorrelationID: 6,
			Exception:     &Throwable{Class: "java.lang.NullPointerException"},
		}, true},
		{"dataresponse", &DataResponse{BaseCommand: BaseCommand{CommandID: 26}, CorrelationID: 7, Data: tConnID()}, true},
		{"dataarrayresponse", &DataArrayResponse{
			BaseCommand:   BaseCommand{CommandID: 27},
			CorrelationID: 8,
			Data:          []DataStructure{tBroker(), NewQueue("Q2"), nil, tXATx()},
		}, true},
		{"integerresponse", &IntegerResponse{BaseCommand: BaseCommand{CommandID: 28}, CorrelationID: 9, Result: -7}, true},
		{"msg-text", tTextMessage(), true},
		{"msg-full", tFullMessage(), true},
		{"msg-advisory", advisory, true},
		{"msg-bytes", &Message{
			BaseCommand: BaseCommand{CommandID: 30},
			BodyType:    TypeBytesMessage,
			ProducerID:  tProdID(),
			Destination: NewQueue("TEST.Q"),
			MessageID:   tMsgID(2, 0),
			Priority:    4,
			Content:     []byte{0, 1, 2, 0xff},
		}, true},
		{"msg-stream", &Message{
			BaseCommand: BaseCommand{CommandID: 31},
			BodyType:    TypeStreamMessage,
			ProducerID:  tProdID(),
			Destination: NewQueue("TEST.Q"),
			MessageID:   tMsgID(3, 0),
			Priority:    4,
			Content:     stream,
		}, true},
		{"msg-blob", &Message{
			BaseCommand:     BaseCommand{CommandID: 32},
			BodyType:        TypeBlobMessage,
			ProducerID:      tProdID(),
			Destination:     NewQueue("TEST.Q"),
			MessageID:       tMsgID(4, 0),
			Priority:        4,
			RemoteBlobURL:   Str("http://blob/1"),
			MimeType:        Str("text/plain"),
			DeletedByBroker: true,
		}, true},
	}
}
