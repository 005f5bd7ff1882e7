package wire

// Transaction types of TransactionInfo.Type.
const (
	TxBegin          byte = 0
	TxPrepare        byte = 1
	TxCommitOnePhase byte = 2
	TxCommitTwoPhase byte = 3
	TxRollback       byte = 4
	TxRecover        byte = 5
	TxForget         byte = 6
	TxEnd            byte = 7
)

// Operation types of DestinationInfo.OperationType.
const (
	DestinationAdd    byte = 0
	DestinationRemove byte = 1
)

// Ack types of MessageAck.AckType.
const (
	AckDelivered   byte = 0
	AckPoison      byte = 1
	AckStandard    byte = 2
	AckRedelivered byte = 3
	AckIndividual  byte = 4
	AckUnmatched   byte = 5
	AckExpired     byte = 6
)

// BrokerInfo (type 2).
type BrokerInfo struct {
	BaseCommand
	BrokerID                   *BrokerId
	BrokerURL                  NullString
	PeerBrokerInfos            []*BrokerInfo
	BrokerName                 NullString
	SlaveBroker                bool
	MasterBroker               bool
	FaultTolerantConfiguration bool
	DuplexConnection           bool
	NetworkConnection          bool
	ConnectionID               int64
	BrokerUploadURL            NullString
	NetworkProperties          NullString
}

// ConnectionInfo (type 3). Password is encoded before UserName.
type ConnectionInfo struct {
	BaseCommand
	ConnectionID          *ConnectionId
	ClientID              NullString
	Password              NullString
	UserName              NullString
	BrokerPath            []*BrokerId
	BrokerMasterConnector bool
	Manageable            bool
	ClientMaster          bool
	FaultTolerant         bool
	FailoverReconnect     bool
	ClientIP              NullString
}

// SessionInfo (type 4).
type SessionInfo struct {
	BaseCommand
	SessionID *SessionId
}

// ConsumerInfo (type 5). ClientID is absent from the encoding below v10.
type ConsumerInfo struct {
	BaseCommand
	ConsumerID                 *ConsumerId
	Browser                    bool
	Destination                *Destination
	PrefetchSize               int32
	MaximumPendingMessageLimit int32
	DispatchAsync              bool
	Selector                   NullString
	ClientID                   NullString
	SubscriptionName           NullString
	NoLocal                    bool
	Exclusive                  bool
	Retroactive                bool
	Priority                   byte
	BrokerPath                 []*BrokerId
	AdditionalPredicate        DataStructure
	NetworkSubscription        bool
	OptimizedAcknowledge       bool
	NoRangeAcks                bool
	NetworkConsumerPath        []*ConsumerId
}

// ProducerInfo (type 6). A nil Destination is an anonymous producer.
type ProducerInfo struct {
	BaseCommand
	ProducerID    *ProducerId
	Destination   *Destination
	BrokerPath    []*BrokerId
	DispatchAsync bool
	WindowSize    int32
}

// TransactionInfo (type 7). Type is one of the Tx* constants.
type TransactionInfo struct {
	BaseCommand
	ConnectionID  *ConnectionId
	TransactionID TransactionId
	Type          byte
}

// DestinationInfo (type 8). OperationType is DestinationAdd or
// DestinationRemove.
type DestinationInfo struct {
	BaseCommand
	ConnectionID  *ConnectionId
	Destination   *Destination
	OperationType byte
	Timeout       int64
	BrokerPath    []*BrokerId
}

// RemoveSubscriptionInfo (type 9).
type RemoveSubscriptionInfo struct {
	BaseCommand
	ConnectionID     *ConnectionId
	SubscriptionName NullString
	ClientID         NullString
}

// KeepAliveInfo (type 10).
type KeepAliveInfo struct {
	BaseCommand
}

// ShutdownInfo (type 11).
type ShutdownInfo struct {
	BaseCommand
}

// RemoveInfo (type 12). ObjectID is a *ConnectionId, *SessionId,
// *ConsumerId or *ProducerId.
type RemoveInfo struct {
	BaseCommand
	ObjectID                DataStructure
	LastDeliveredSequenceID int64
}

// ControlCommand (type 14).
type ControlCommand struct {
	BaseCommand
	Command NullString
}

// ConnectionError (type 16).
type ConnectionError struct {
	BaseCommand
	Exception    *Throwable
	ConnectionID *ConnectionId
}

// ConsumerControl (type 17).
type ConsumerControl struct {
	BaseCommand
	Destination *Destination
	Close       bool
	ConsumerID  *ConsumerId
	Prefetch    int32
	Flush       bool
	Start       bool
	Stop        bool
}

// ConnectionControl (type 18).
type ConnectionControl struct {
	BaseCommand
	Close               bool
	Exit                bool
	FaultTolerant       bool
	Resume              bool
	Suspend             bool
	ConnectedBrokers    NullString
	ReconnectTo         NullString
	RebalanceConnection bool
	Token               []byte
}

// ProducerAck (type 19).
type ProducerAck struct {
	BaseCommand
	ProducerID *ProducerId
	Size       int32
}

// MessagePull (type 20). Timeout -1 means no wait, 0 wait forever.
type MessagePull struct {
	BaseCommand
	ConsumerID    *ConsumerId
	Destination   *Destination
	Timeout       int64
	CorrelationID NullString
	MessageID     *MessageId
}

// MessageDispatch (type 21). A nil Message means "nothing more".
type MessageDispatch struct {
	BaseCommand
	ConsumerID        *ConsumerId
	Destination       *Destination
	Message           *Message
	RedeliveryCounter int32
}

// MessageAck (type 22). AckType is one of the Ack* constants.
type MessageAck struct {
	BaseCommand
	Destination    *Destination
	TransactionID  TransactionId
	ConsumerID     *ConsumerId
	AckType        byte
	FirstMessageID *MessageId
	LastMessageID  *MessageId
	MessageCount   int32
	PoisonCause    *Throwable
}

// Message is any of the message types 23..29, selected by BodyType (zero
// means TypeMessage). Content and MarshalledProperties are kept exactly as
// received; see TextBody, BytesBody, MapBody, StreamBody and
// UnmarshalPrimitiveMap to interpret them. The three blob fields are only
// encoded for TypeBlobMessage; JMSXGroupFirstForConsumer is absent below
// v10.
type Message struct {
	BaseCommand
	BodyType                  byte
	ProducerID                *ProducerId
	Destination               *Destination
	TransactionID             TransactionId
	OriginalDestination       *Destination
	MessageID                 *MessageId
	OriginalTransactionID     TransactionId
	GroupID                   NullString
	GroupSequence             int32
	CorrelationID             NullString
	Persistent                bool
	Expiration                int64
	Priority                  byte
	ReplyTo                   *Destination
	Timestamp                 int64
	Type                      NullString
	Content                   []byte
	MarshalledProperties      []byte
	DataStructure             DataStructure
	TargetConsumerID          *ConsumerId
	Compressed                bool
	RedeliveryCounter         int32
	BrokerPath                []*BrokerId
	Arrival                   int64
	UserID                    NullString
	ReceivedByDFBridge        bool
	Droppable                 bool
	Cluster                   []*BrokerId
	BrokerInTime              int64
	BrokerOutTime             int64
	JMSXGroupFirstForConsumer bool

	RemoteBlobURL   NullString
	MimeType        NullString
	DeletedByBroker bool
}

// Properties decodes MarshalledProperties (nil when there are none).
func (m *Message) Properties() (map[string]any, error) {
	if m.MarshalledProperties == nil {
		return nil, nil
	}
	return UnmarshalPrimitiveMap(m.MarshalledProperties)
}

// SetProperties replaces MarshalledProperties with the encoding of props
// (nil or empty props remove them).
func (m *Message) SetProperties(props map[string]any) error {
	if len(props) == 0 {
		m.MarshalledProperties = nil
		return nil
	}
	b, err := AppendPrimitiveMap(nil, props)
	if err != nil {
		return err
	}
	m.MarshalledProperties = b
	return nil
}

// Response (type 30).
type Response struct {
	BaseCommand
	CorrelationID int32
}

// ExceptionResponse (type 31).
type ExceptionResponse struct {
	BaseCommand
	CorrelationID int32
	Exception     *Throwable
}

// DataResponse (type 32).
type DataResponse struct {
	BaseCommand
	CorrelationID int32
	Data          DataStructure
}

// DataArrayResponse (type 33).
type DataArrayResponse struct {
	BaseCommand
	CorrelationID int32
	Data          []DataStructure
}

// IntegerResponse (type 34).
type IntegerResponse struct {
	BaseCommand
	CorrelationID int32
	Result        int32
}

func (*BrokerInfo) DataType() byte             { return TypeBrokerInfo }
func (*ConnectionInfo) DataType() byte         { return TypeConnectionInfo }
func (*SessionInfo) DataType() byte            { return TypeSessionInfo }
func (*ConsumerInfo) DataType() byte           { return TypeConsumerInfo }
func (*ProducerInfo) DataType() byte           { return TypeProducerInfo }
func (*TransactionInfo) DataType() byte        { return TypeTransactionInfo }
func (*DestinationInfo) DataType() byte        { return TypeDestinationInfo }
func (*RemoveSubscriptionInfo) DataType() byte { return TypeRemoveSubscriptionInfo }
func (*KeepAliveInfo) DataType() byte          { return TypeKeepAliveInfo }
func (*ShutdownInfo) DataType() byte           { return TypeShutdownInfo }
func (*RemoveInfo) DataType() byte             { return TypeRemoveInfo }
func (*ControlCommand) DataType() byte         { return TypeControlCommand }
func (*ConnectionError) DataType() byte        { return TypeConnectionError }
func (*ConsumerControl) DataType() byte        { return TypeConsumerControl }
func (*ConnectionControl) DataType() byte      { return TypeConnectionControl }
func (*ProducerAck) DataType() byte            { return TypeProducerAck }
func (*MessagePull) DataType() byte            { return TypeMessagePull }
func (*MessageDispatch) DataType() byte        { return TypeMessageDispatch }
func (*MessageAck) DataType() byte             { return TypeMessageAck }
func (*Response) DataType() byte               { return TypeResponse }
func (*ExceptionResponse) DataType() byte      { return TypeExceptionResponse }
func (*DataResponse) DataType() byte           { return TypeDataResponse }
func (*DataArrayResponse) DataType() byte      { return TypeDataArrayResponse }
func (*IntegerResponse) DataType() byte        { return TypeIntegerResponse }

// DataType returns BodyType, or TypeMessage when BodyType is zero.
func (m *Message) DataType() byte {
	if m.BodyType == 0 {
		return TypeMessage
	}
	return m.BodyType
}
