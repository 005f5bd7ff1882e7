package config

import (
	"path/filepath"
	"time"
)

// Config is a parsed activemq.xml.
type Config struct {
	File  string // the name given to Load or Parse
	Paths Paths  // activemq.base, .home, .conf and .data as used for placeholders

	// PropertyFiles lists the properties files read for placeholders, in
	// order; Properties holds what they (and inline <props>) define, as
	// written (ENC(...) values stay encrypted).
	PropertyFiles []string
	Properties    map[string]string

	// Beans holds the Spring <bean>s with an id: the top-level ones and
	// those nested in other beans, in <plugins> or in a <dataSource>.
	Beans   map[string]*Bean
	Imports []Import // <import resource>, which is not followed

	Broker Broker
}

// Paths are the four directories ActiveMQ's start script defines.
type Paths struct {
	Base string // $ACTIVEMQ_BASE, or the working directory
	Home string // $ACTIVEMQ_HOME, or Base
	Conf string // $ACTIVEMQ_CONF, or the configuration file's directory
	Data string // $ACTIVEMQ_DATA, or Base/data
}

// ResolvePath makes a path from the configuration absolute: a "file:" URL
// prefix is removed and a relative path is taken relative to activemq.base.
func (c *Config) ResolvePath(p string) string { return resolvePath(c.Paths.Base, p) }

func resolvePath(base, p string) string {
	if p == "" {
		return ""
	}
	switch {
	case len(p) >= 7 && p[:7] == "file://":
		p = p[7:]
	case len(p) >= 5 && p[:5] == "file:":
		p = p[5:]
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// Import is an <import resource="..."/>.
type Import struct {
	Pos
	Resource string
}

// Bean is a Spring <bean>.
type Bean struct {
	Pos
	ID    string
	Class string
	// Properties holds <property name value> and <property name><value>.
	Properties map[string]string
	// Refs holds <property name ref> and <property name><ref bean/>.
	Refs map[string]string
	// Lists holds <property name><list|set|array><value>... and Maps
	// holds <property name><props|map>.
	Lists           map[string][]string
	Maps            map[string]map[string]string
	Nested          map[string]*Bean // <property name><bean .../></property>
	ConstructorArgs []BeanArg
}

// BeanArg is a <constructor-arg>: a value or a reference.
type BeanArg struct {
	Value string
	Ref   string
}

// Element is an element the model records without interpreting it: things
// that are accepted but not applicable to the Go broker (cursor policies,
// managementContext, ...), kept so the broker can decide what to do.
type Element struct {
	Pos
	Space    string // XML namespace
	Name     string
	Attrs    map[string]string
	Text     string
	Children []*Element
}

// DestinationKind is the kind of a destination or destination pattern.
type DestinationKind string

const (
	Queue     DestinationKind = "queue"
	Topic     DestinationKind = "topic"
	TempQueue DestinationKind = "tempQueue"
	TempTopic DestinationKind = "tempTopic"
)

// Destination is a <queue physicalName>, <topic physicalName>, ... element.
type Destination struct {
	Pos
	Kind DestinationKind
	Name string
}

// Broker is the <broker> element. Fields hold ActiveMQ's defaults unless the
// file sets them; Attrs holds every attribute as written (after placeholder
// resolution), so a caller can tell a default from an explicit value.
type Broker struct {
	Pos
	Name                                   string // brokerName, default "localhost"
	Persistent                             bool   // default true
	UseJMX                                 bool   // default true
	SchedulerSupport                       bool   // default false
	AdvisorySupport                        bool   // default true
	DataDirectory                          string // absolute; default ${activemq.data}
	TmpDataDirectory                       string // absolute; default <data>/<brokerName>/tmp_storage
	SchedulerDirectory                     string // absolute; default <data>/<brokerName>/scheduler
	PopulateJMSXUserID                     bool
	UseAuthenticatedPrincipalForJMSXUserID bool
	SchedulePeriodForDestinationPurge      int64 // ms; 0 = never
	MaxPurgedDestinationsPerSweep          int
	OfflineDurableSubscriberTimeout        int64 // ms; -1 = never
	OfflineDurableSubscriberTaskSchedule   int64 // ms; default 300000
	TimeBeforePurgeTempDestinations        int64 // ms; default 5000
	Start                                  bool  // default true
	DeleteAllMessagesOnStartup             bool
	UseShutdownHook                        bool // default true
	UseVirtualTopics                       bool // default true
	KeepDurableSubsActive                  bool // default true
	EnableStatistics                       bool // default true
	AllowTempAutoCreationOnSend            bool
	RejectDurableConsumers                 bool
	UseMirroredQueues                      bool
	UseTempMirroredQueues                  bool // default true
	SplitSystemUsageForProducersConsumers  bool
	ProducerSystemUsagePortion             int // percent; default 60
	ConsumerSystemUsagePortion             int // percent; default 40
	MaxSchedulerRepeatAllowed              int // default 1000
	Attrs                                  map[string]string

	DestinationPolicy *PolicyMap
	// PersistenceAdapter is nil when the file configures none: ActiveMQ
	// then uses KahaDB in DataDirectory/<brokerName>/KahaDB when
	// Persistent, and memory otherwise.
	PersistenceAdapter *PersistenceAdapter
	// PersistenceFactory is the old <persistenceFactory> element
	// (journalPersistenceAdapterFactory), which ActiveMQ still accepts.
	PersistenceFactory  *Element
	SystemUsage         SystemUsage
	TransportConnectors []*TransportConnector
	NetworkConnectors   []*NetworkConnector
	Plugins             Plugins
	SSLContext          *SSLContext
	VirtualDestinations []*VirtualDestination
	// MirroredQueues holds <destinationInterceptors><mirroredQueue>.
	MirroredQueues    []*Element
	Destinations      []Destination // <destinations>: created at start
	ManagementContext *Element
	ShutdownHooks     []*Element
	// Other holds further recognised <broker> children (ioExceptionHandler,
	// jmsBridgeConnectors, proxyConnectors, services, ...).
	Other []*Element
}

// BrokerDataDirectory is where ActiveMQ keeps this broker's files by
// default: DataDirectory/<brokerName>.
func (b *Broker) BrokerDataDirectory() string { return filepath.Join(b.DataDirectory, b.Name) }

// SystemUsage is <systemUsage><systemUsage>. Limits hold ActiveMQ's
// defaults (memory 1 GB, store 100 GB, temp 50 GB, scheduler 50 GB) unless
// the file sets them.
type SystemUsage struct {
	Pos
	Configured                    bool // the file has a <systemUsage>
	SendFailIfNoSpace             bool
	SendFailIfNoSpaceAfterTimeout int64 // ms; 0 = not set
	Memory                        Usage
	Store                         Usage
	Temp                          Usage
	JobScheduler                  Usage
	Attrs                         map[string]string
}

// Usage is a memoryUsage, storeUsage, tempUsage or jobSchedulerUsage.
type Usage struct {
	Pos
	Configured       bool
	Name             string
	Limit            int64 // bytes
	PercentOfJvmHeap int   // memoryUsage only; 0 = not set. Overrides Limit.
	PercentLimit     int   // store/temp: percent of the disk; 0 = not set
	Total            int64 // store/temp: disk size override; 0 = not set
	Attrs            map[string]string
}

// PolicyMap is <destinationPolicy><policyMap>.
type PolicyMap struct {
	Pos
	Entries []*PolicyEntry
	Default *PolicyEntry
}

// PolicyEntry is a <policyEntry>. Values hold ActiveMQ's PolicyEntry
// defaults unless set; Attrs records what the file set.
type PolicyEntry struct {
	Pos
	Kind        DestinationKind
	Destination string // pattern; ">" for tempQueue/tempTopic entries

	ProducerFlowControl            bool  // true
	MemoryLimit                    int64 // bytes; 0 = not set
	QueuePrefetch                  int   // 1000
	TopicPrefetch                  int   // 32767
	DurableTopicPrefetch           int   // 100
	QueueBrowserPrefetch           int   // 500
	OptimizedDispatch              bool
	ExpireMessagesPeriod           int64 // ms; 30000
	PrioritizedMessages            bool
	StrictOrderDispatch            bool
	UseCache                       bool // true
	GCInactiveDestinations         bool
	InactiveTimeoutBeforeGC        int64 // ms; 60000
	GCWithNetworkConsumers         bool
	AdvisoryForConsumed            bool
	AdvisoryForDelivery            bool
	AdvisoryForSlowConsumers       bool
	AdvisoryForFastProducers       bool
	AdvisoryForDiscardingMessages  bool
	AdvisoryWhenFull               bool
	IncludeBodyForAdvisory         bool
	SendAdvisoryIfNoConsumers      bool
	MaxPageSize                    int  // 200
	MaxBrowsePageSize              int  // 400
	MaxExpirePageSize              int  // 400
	UseConsumerPriority            bool // true
	EnableAudit                    bool // true
	MaxAuditDepth                  int  // 10000
	MaxQueueAuditDepth             int  // 10000
	MaxProducersToAudit            int  // 64
	LazyDispatch                   bool
	AllConsumersExclusiveByDefault bool
	AlwaysRetroactive              bool
	BlockedProducerWarningInterval int64 // ms; 30000
	CursorMemoryHighWaterMark      int   // percent; 70
	StoreUsageHighWaterMark        int   // percent; 100
	TimeBeforeDispatchStarts       int   // ms
	ConsumersBeforeDispatchStarts  int
	UsePrefetchExtension           bool // true
	ReduceMemoryFootprint          bool
	PersistJMSRedelivered          bool
	SendDuplicateFromStoreToDLQ    bool
	MinimumMessageSize             int64 // 1024
	MaxDestinations                int   // -1 = unlimited
	SendFailIfNoSpace              *bool // nil = inherit from systemUsage
	SendFailIfNoSpaceAfterTimeout  int64 // ms; -1 = inherit
	MessageGroupMapFactoryType     string

	DeadLetterStrategy          *DeadLetterStrategy // nil = the shared ActiveMQ.DLQ
	PendingMessageLimitStrategy *PendingMessageLimitStrategy
	SlowConsumerStrategy        *SlowConsumerStrategy
	SubscriptionRecoveryPolicy  *SubscriptionRecoveryPolicy

	// Accepted, but not applicable to the Go broker (warned): cursor and
	// dispatch policies and friends.
	DispatchPolicy                 *Element
	PendingQueuePolicy             *Element
	PendingSubscriberPolicy        *Element
	PendingDurableSubscriberPolicy *Element
	MessageEvictionStrategy        *Element
	MessageGroupMapFactory         *Element
	NetworkBridgeFilterFactory     *Element

	Attrs map[string]string
}

// DeadLetterStrategy is a sharedDeadLetterStrategy,
// individualDeadLetterStrategy or discarding element.
type DeadLetterStrategy struct {
	Pos
	Kind string // the element name

	// sharedDeadLetterStrategy / discarding
	DeadLetterQueue     string          // "ActiveMQ.DLQ"
	DeadLetterQueueKind DestinationKind // Queue unless a <topic> is given

	// individualDeadLetterStrategy
	QueuePrefix                     string // "ActiveMQ.DLQ.Queue."
	TopicPrefix                     string // "ActiveMQ.DLQ.Topic."
	QueueSuffix                     string
	TopicSuffix                     string
	UseQueueForQueueMessages        bool // true
	UseQueueForTopicMessages        bool // true
	DestinationPerDurableSubscriber bool

	ProcessExpired       bool  // true
	ProcessNonPersistent bool  // false
	Expiration           int64 // ms to live in the DLQ; 0 = forever
	EnableAudit          bool  // true
	MaxAuditDepth        int
	MaxProducersToAudit  int
	Attrs                map[string]string
}

// PendingMessageLimitStrategy is constantPendingMessageLimitStrategy (Limit)
// or prefetchRatePendingMessageLimitStrategy (Multiplier).
type PendingMessageLimitStrategy struct {
	Pos
	Kind       string
	Limit      int
	Multiplier float64 // 0.5
	Attrs      map[string]string
}

// SlowConsumerStrategy is abortSlowConsumerStrategy or
// abortSlowAckConsumerStrategy.
type SlowConsumerStrategy struct {
	Pos
	Kind                   string
	Name                   string
	AbortConnection        bool
	MaxSlowCount           int64 // -1 = off
	MaxSlowDuration        int64 // ms; 30000
	CheckPeriod            int64 // ms; 30000
	IgnoreNetworkConsumers bool  // true
	IgnoreIdleConsumers    bool  // abortSlowAck only; true
	MaxTimeSinceLastAck    int64 // abortSlowAck only; ms; 30000
	Attrs                  map[string]string
}

// SubscriptionRecoveryPolicy is one of the *SubscriptionRecoveryPolicy
// elements; Kind is the element name.
type SubscriptionRecoveryPolicy struct {
	Pos
	Kind            string
	MaximumSize     int   // fixedCount: 100 messages; fixedSized: 65536 bytes
	UseSharedBuffer bool  // fixedSized; true
	RecoverDuration int64 // timed; ms; 60000
	Query           string
	Wrapped         *SubscriptionRecoveryPolicy // retainedMessage
	Attrs           map[string]string
}

// PersistenceAdapter is the child of <persistenceAdapter>; exactly one of
// the pointers matching Kind is set.
type PersistenceAdapter struct {
	Pos
	Kind              string // element name: kahaDB, levelDB, replicatedLevelDB, jdbcPersistenceAdapter, memoryPersistenceAdapter, mKahaDB, journalPersistenceAdapter
	KahaDB            *KahaDB
	LevelDB           *LevelDB
	ReplicatedLevelDB *ReplicatedLevelDB
	JDBC              *JDBCPersistenceAdapter
	Memory            *MemoryPersistenceAdapter
	Other             *Element // mKahaDB, journalPersistenceAdapter
}

// KahaDB is <kahaDB>.
type KahaDB struct {
	Pos
	Directory                        string // absolute; ActiveMQ's default is "KahaDB" relative to the base
	IndexDirectory                   string
	JournalMaxFileLength             int64 // 32 MB
	JournalMaxWriteBatchSize         int64 // 4 MB
	EnableJournalDiskSyncs           bool  // true
	JournalDiskSyncStrategy          string
	JournalDiskSyncInterval          int64 // ms; 1000
	IndexWriteBatchSize              int   // 1000
	IndexCacheSize                   int   // pages; 10000
	EnableIndexWriteAsync            bool
	EnableIndexDiskSyncs             bool  // true
	CheckpointInterval               int64 // ms; 5000
	CleanupInterval                  int64 // ms; 30000
	CheckForCorruptJournalFiles      bool
	ChecksumJournalFiles             bool // true
	IgnoreMissingJournalfiles        bool
	ArchiveDataLogs                  bool
	ArchiveCorruptedIndex            bool
	ConcurrentStoreAndDispatchQueues bool // true
	ConcurrentStoreAndDispatchTopics bool
	PreallocationStrategy            string // sparse_file
	PreallocationScope               string // entire_journal
	EnableAckCompaction              bool   // true
	CompactAcksAfterNoGC             int    // 10
	ForceRecoverIndex                bool
	UseLock                          bool  // true
	LockKeepAlivePeriod              int64 // ms; 0 = off
	Locker                           *Locker
	Attrs                            map[string]string
}

// LevelDBOptions are the options shared by levelDB and replicatedLevelDB.
type LevelDBOptions struct {
	Directory                   string // absolute; default "LevelDB" relative to the base
	LogDirectory                string
	LogSize                     int64 // 100 MB
	IndexFactory                string
	VerifyChecksums             bool
	ParanoidChecks              bool
	IndexMaxOpenFiles           int    // 1000
	IndexBlockRestartInterval   int    // 16
	IndexWriteBufferSize        int64  // 6 MB
	IndexBlockSize              int64  // 4 KB
	IndexCompression            string // snappy
	LogCompression              string // none
	IndexCacheSize              int64  // 256 MB
	FlushDelay                  int64  // ms; 0
	AsyncBufferSize             int64  // 4 MB
	MonitorStats                bool
	FailoverProducersAuditDepth int
	MaxFailoverProducersToTrack int
}

// LevelDB is <levelDB>.
type LevelDB struct {
	Pos
	LevelDBOptions
	Sync                bool // true
	AutoCompactionRatio int  // 250
	UseLock             bool // true
	LockKeepAlivePeriod int64
	Locker              *Locker
	Attrs               map[string]string
}

// ReplicatedLevelDB is <replicatedLevelDB> (ActiveMQ 5.9-5.16).
type ReplicatedLevelDB struct {
	Pos
	LevelDBOptions
	Replicas         int      // 3
	Bind             string   // tcp://0.0.0.0:61619
	ZkAddress        string   // 127.0.0.1:2181
	ZkServers        []string // ZkAddress split on commas
	ZkPassword       string
	ZkPath           string        // /default
	ZkSessionTimeout time.Duration // 2s
	Hostname         string        // "" = first non-loopback interface
	ConnectURL       string        // overrides the advertised address
	Sync             string        // quorum_mem
	SecurityToken    string
	Weight           int // 1
	Container        string
	Attrs            map[string]string
}

// Quorum is the number of nodes that must be present: replicas/2+1.
func (r *ReplicatedLevelDB) Quorum() int { return r.Replicas/2 + 1 }

// SyncModes expands Sync into its basic modes (local_mem, local_disk,
// remote_mem, remote_disk); quorum_mem and quorum_disk are the local and
// remote pairs.
func (r *ReplicatedLevelDB) SyncModes() []string {
	modes, _ := expandSync(r.Sync)
	return modes
}

// JDBCPersistenceAdapter is <jdbcPersistenceAdapter>.
type JDBCPersistenceAdapter struct {
	Pos
	DataSourceRef         string      // bean id from dataSource="#id"
	DataSource            *DataSource // the referenced bean, interpreted; nil for ActiveMQ's default (embedded Derby)
	DataDirectory         string      // absolute
	CreateTablesOnStartup bool        // true
	UseLock               bool        // true
	LockKeepAlivePeriod   int64       // ms; 30000
	// LockAcquireSleepInterval is the adapter's own (deprecated) setting,
	// passed to its locker; -1 when not set.
	LockAcquireSleepInterval int64
	CleanupPeriod            int      // ms; 300000
	TransactionIsolation     int      // 0 = driver default
	QueryTimeout             int      // seconds; -1 = none
	NetworkTimeout           int      // -1 = none
	MaxRows                  int      // 32767
	Adapter                  string   // element name of <adapter>, e.g. postgresql-jdbc-adapter
	Statements               *Element // <statements> (tablePrefix, ...)
	Locker                   *Locker
	Attrs                    map[string]string
}

// DataSource is a JDBC data source bean, with the settings that matter
// pulled out of the common classes (commons-dbcp/dbcp2 BasicDataSource,
// PostgreSQL PGPoolingDataSource/PGSimpleDataSource, HikariDataSource,
// MySQL, Derby).
type DataSource struct {
	BeanID   string
	Class    string
	Driver   string // driverClassName
	URL      string // JDBC URL, built from serverName/portNumber/databaseName when the bean gives parts
	Username string
	Password string
	Bean     *Bean
}

// Locker is a database-locker, lease-database-locker,
// transact-database-locker or shared-file-locker.
type Locker struct {
	Pos
	Kind                       string
	Name                       string
	LockAcquireSleepInterval   int64 // ms; 10000
	FailIfLocked               bool
	CreateTablesOnStartup      bool // database lockers; true
	QueryTimeout               int  // seconds; 10 for database lockers
	DataSourceRef              string
	Directory                  string // shared-file-locker
	LeaseHolderID              string // lease-database-locker
	MaxAllowableDiffFromDBTime int    // lease-database-locker; ms
	HandleStartException       bool
	Attrs                      map[string]string
}

// MemoryPersistenceAdapter is <memoryPersistenceAdapter>.
type MemoryPersistenceAdapter struct {
	Pos
	CreateTransactionStore bool
	Attrs                  map[string]string
}

// TransportConnector is a <transportConnector>.
type TransportConnector struct {
	Pos
	Name                                 string // default: the URI
	URI                                  *ConnectorURI
	DiscoveryURI                         *ConnectorURI
	UpdateClusterClients                 bool
	RebalanceClusterClients              bool
	UpdateClusterClientsOnRemove         bool
	UpdateClusterFilter                  string
	EnableStatusMonitor                  bool
	AllowLinkStealing                    bool
	AuditNetworkProducers                bool
	DisableAsyncDispatch                 bool
	WarnOnRemoteClose                    bool
	DisplayStackTrace                    bool
	MaximumConsumersAllowedPerConnection int // default MaxInt32
	MaximumProducersAllowedPerConnection int // default MaxInt32
	PublishedAddressPolicy               *Element
	Attrs                                map[string]string
}

// NetworkConnector is a <networkConnector> (or multicastNetworkConnector /
// ldapNetworkConnector, named by Kind).
type NetworkConnector struct {
	Pos
	Kind                                string
	Name                                string // "NC"
	URI                                 *ConnectorURI
	UserName                            string
	Password                            string
	Duplex                              bool
	DynamicOnly                         bool
	ConduitSubscriptions                bool // true
	ConduitNetworkQueueSubscriptions    bool
	DecreaseNetworkConsumerPriority     bool
	ConsumerPriorityBase                int // -5
	NetworkTTL                          int // 1
	MessageTTL                          int // networkTTL unless set
	ConsumerTTL                         int // networkTTL unless set
	PrefetchSize                        int // 1000
	AdvisoryPrefetchSize                int
	AdvisoryAckPercentage               int  // 75
	BridgeTempDestinations              bool // true
	DispatchAsync                       bool // true
	AlwaysSyncSend                      bool // true
	SuppressDuplicateQueueSubscriptions bool
	SuppressDuplicateTopicSubscriptions bool // true
	StaticBridge                        bool
	UseCompression                      bool
	SyncDurableSubs                     bool
	UseVirtualDestSubs                  bool
	AdvisoryForFailedForward            bool
	CheckDuplicateMessagesOnDuplex      bool
	GCDestinationViews                  bool  // true
	GCSweepTime                         int64 // ms; 60000
	BrokerName                          string
	LocalURI                            string
	ExcludedDestinations                []Destination
	DynamicallyIncludedDestinations     []Destination
	StaticallyIncludedDestinations      []Destination
	DurableDestinations                 []Destination
	Attrs                               map[string]string
}

// Plugins is <plugins>. Order lists the plugin element names as written,
// which is the order ActiveMQ chains them in.
type Plugins struct {
	Pos
	Order                []string
	SimpleAuthentication *SimpleAuthenticationPlugin
	JAASAuthentication   *JAASAuthenticationPlugin
	Authorization        *AuthorizationPlugin
	Redelivery           *RedeliveryPlugin
	TimeStamping         *TimeStampingPlugin
	DiscardingDLQ        *DiscardingDLQPlugin
	Statistics           *StatisticsPlugin
	// Other holds further plugins (loggingBrokerPlugin, custom <bean>s, ...).
	Other []*Element
}

// SimpleAuthenticationPlugin is <simpleAuthenticationPlugin>.
type SimpleAuthenticationPlugin struct {
	Pos
	AnonymousAccessAllowed bool
	AnonymousUser          string // "anonymous"
	AnonymousGroup         string // "anonymous"
	Users                  []AuthenticationUser
	Attrs                  map[string]string
}

// AuthenticationUser is an <authenticationUser>.
type AuthenticationUser struct {
	Pos
	Username string
	Password string
	Groups   []string
}

// JAASAuthenticationPlugin is a jaasAuthenticationPlugin,
// jaasCertificateAuthenticationPlugin or jaasDualAuthenticationPlugin.
type JAASAuthenticationPlugin struct {
	Pos
	Kind                string
	Configuration       string // login.config entry; "activemq"
	SSLConfiguration    string // dual only; "activemq-ssl"
	DiscoverLoginConfig bool   // true
	Attrs               map[string]string
}

// AuthorizationPlugin is <authorizationPlugin><map><authorizationMap>.
type AuthorizationPlugin struct {
	Pos
	MapKind         string // authorizationMap, simpleAuthorizationMap, lDAPAuthorizationMap, cachedLDAPAuthorizationMap
	Entries         []*AuthorizationEntry
	Default         *AuthorizationEntry
	TempDestination *AuthorizationEntry // tempDestinationAuthorizationEntry
	GroupClass      string
	LDAP            *Element // the LDAP maps, recorded only
}

// AuthorizationEntry is an <authorizationEntry> or
// <tempDestinationAuthorizationEntry>.
type AuthorizationEntry struct {
	Pos
	Kind        DestinationKind
	Destination string
	Read        []string
	Write       []string
	Admin       []string
	GroupClass  string
	Attrs       map[string]string
}

// RedeliveryPlugin is <redeliveryPlugin>.
type RedeliveryPlugin struct {
	Pos
	FallbackToDeadLetter          bool // true
	SendToDlqIfMaxRetriesExceeded bool // true
	Entries                       []*RedeliveryPolicy
	Default                       *RedeliveryPolicy
	Attrs                         map[string]string
}

// RedeliveryPolicy is a <redeliveryPolicy>.
type RedeliveryPolicy struct {
	Pos
	Kind                      DestinationKind // "" for a default entry without destination
	Destination               string
	MaximumRedeliveries       int     // 6; -1 = forever
	InitialRedeliveryDelay    int64   // ms; 1000
	RedeliveryDelay           int64   // ms; 1000
	UseExponentialBackOff     bool    // false
	BackOffMultiplier         float64 // 5
	MaximumRedeliveryDelay    int64   // ms; -1 = no cap
	UseCollisionAvoidance     bool
	CollisionAvoidancePercent int  // 15
	PreDispatchCheck          bool // true
	Attrs                     map[string]string
}

// TimeStampingPlugin is <timeStampingBrokerPlugin>.
type TimeStampingPlugin struct {
	Pos
	ZeroExpirationOverride int64 // ms
	TTLCeiling             int64 // ms
	FutureOnly             bool
	ProcessNetworkMessages bool // true
	Attrs                  map[string]string
}

// DiscardingDLQPlugin is <discardingDLQBrokerPlugin>.
type DiscardingDLQPlugin struct {
	Pos
	DropAll             bool // true
	DropTemporaryQueues bool // true
	DropTemporaryTopics bool // true
	DropOnly            []string
	ReportInterval      int // 1000
	Attrs               map[string]string
}

// StatisticsPlugin is <statisticsBrokerPlugin>.
type StatisticsPlugin struct {
	Pos
	Attrs map[string]string
}

// SSLContext is <sslContext><sslContext>. Store paths are absolute.
type SSLContext struct {
	Pos
	KeyStore              string
	KeyStorePassword      string
	KeyStoreKeyPassword   string
	KeyStoreType          string // jks
	KeyStoreAlgorithm     string
	TrustStore            string
	TrustStorePassword    string
	TrustStoreType        string // jks
	TrustStoreAlgorithm   string
	Protocol              string // TLS
	Provider              string
	SecureRandomAlgorithm string
	CRLPath               string
	Attrs                 map[string]string
}

// VirtualDestination is a <virtualTopic>, <compositeQueue> or
// <compositeTopic> inside <virtualDestinationInterceptor>.
type VirtualDestination struct {
	Pos
	Kind string
	Name string // virtualTopic: ">" by default

	// virtualTopic
	Prefix                 string // "Consumer.*."
	Postfix                string
	SelectorAware          bool
	Local                  bool
	TransactedSend         bool
	DropOnResourceLimit    bool
	SetOriginalDestination bool // true

	// compositeQueue / compositeTopic
	ForwardOnly        bool // true
	CopyMessage        bool // true
	SendWhenNotMatched bool
	ForwardTo          []ForwardTarget

	ConcurrentSend bool
	Attrs          map[string]string
}

// ForwardTarget is a <queue>, <topic> or <filteredDestination> in forwardTo.
type ForwardTarget struct {
	Pos
	Kind     DestinationKind
	Name     string
	Selector string // filteredDestination only
}
