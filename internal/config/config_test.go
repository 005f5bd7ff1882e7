package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestDebianShippedConfig(t *testing.T) {
	// The instance config from Debian's activemq package, as its init
	// script runs it: ACTIVEMQ_BASE=/var/lib/activemq/main.
	paths := []string{filepath.Join("testdata", "debian", "activemq.xml")}
	if _, err := os.Stat("/etc/activemq/instances-available/main/activemq.xml"); err == nil {
		paths = append(paths, "/etc/activemq/instances-available/main/activemq.xml")
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			env := envOf(map[string]string{"ACTIVEMQ_BASE": "/var/lib/activemq/main"})
			cfg, warns := mustLoad(t, p, Options{Env: env})
			noWarnings(t, warns)
			b := cfg.Broker
			eq(t, "base", cfg.Paths.Base, "/var/lib/activemq/main")
			eq(t, "home", cfg.Paths.Home, "/var/lib/activemq/main")
			eq(t, "data", cfg.Paths.Data, "/var/lib/activemq/main/data")
			conf, _ := filepath.Abs(filepath.Dir(p))
			eq(t, "conf", cfg.Paths.Conf, conf)
			eq(t, "brokerName", b.Name, "localhost")
			eq(t, "useJmx", b.UseJMX, false)
			eq(t, "persistent", b.Persistent, true)
			eq(t, "advisorySupport", b.AdvisorySupport, true)
			eq(t, "schedulerSupport", b.SchedulerSupport, false)
			eq(t, "dataDirectory", b.DataDirectory, "/var/lib/activemq/main/data")
			eq(t, "tmpDataDirectory", b.TmpDataDirectory, "/var/lib/activemq/main/data/localhost/tmp_storage")
			if b.PersistenceAdapter == nil || b.PersistenceAdapter.KahaDB == nil {
				t.Fatalf("persistence adapter = %+v, want kahaDB", b.PersistenceAdapter)
			}
			k := b.PersistenceAdapter.KahaDB
			eq(t, "kahaDB directory", k.Directory, "/var/lib/activemq/main/data/kahadb")
			eq(t, "journalMaxFileLength", k.JournalMaxFileLength, int64(32<<20))
			eq(t, "enableJournalDiskSyncs", k.EnableJournalDiskSyncs, true)
			if len(b.TransportConnectors) != 1 {
				t.Fatalf("got %d transport connectors", len(b.TransportConnectors))
			}
			tc := b.TransportConnectors[0]
			eq(t, "name", tc.Name, "openwire")
			eq(t, "scheme", tc.URI.Scheme, "tcp")
			eq(t, "host", tc.URI.Host, "127.0.0.1")
			eq(t, "port", tc.URI.Port, 61616)
			eq(t, "wire protocol", tc.URI.WireProtocol(), "openwire")
			eq(t, "addr", tc.URI.Addr(), "127.0.0.1:61616")
			eq(t, "memory limit", b.SystemUsage.Memory.Limit, int64(1<<30))
			eq(t, "store limit", b.SystemUsage.Store.Limit, int64(100<<30))
			eq(t, "temp limit", b.SystemUsage.Temp.Limit, int64(50<<30))
			eq(t, "systemUsage configured", b.SystemUsage.Configured, false)
			if cfg.PolicyFor("queue", "TEST") != nil {
				t.Errorf("no destination policy, yet PolicyFor found one")
			}
		})
	}
}

func TestRelease517Config(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("release-5.17.xml"), testOpts())
	onlyWarnings(t, warns, `release-5.17.xml:127:5: <import resource="jetty.xml"> is not followed`)
	b := cfg.Broker
	abs, _ := filepath.Abs(filepath.Join("testdata", "corpus", "credentials.properties"))
	if !reflect.DeepEqual(cfg.PropertyFiles, []string{abs}) {
		t.Errorf("property files = %v, want %v", cfg.PropertyFiles, []string{abs})
	}
	eq(t, "activemq.password", cfg.Properties["activemq.password"], "manager")
	eq(t, "dataDirectory", b.DataDirectory, "/srv/amq/data")
	eq(t, "kahadb", b.PersistenceAdapter.KahaDB.Directory, "/srv/amq/data/kahadb")
	eq(t, "memory percentOfJvmHeap", b.SystemUsage.Memory.PercentOfJvmHeap, 70)
	eq(t, "store", b.SystemUsage.Store.Limit, int64(100<<30))
	eq(t, "temp", b.SystemUsage.Temp.Limit, int64(50<<30))
	if b.ManagementContext == nil || b.ManagementContext.Children[0].Attrs["createConnector"] != "false" {
		t.Errorf("managementContext not recorded: %+v", b.ManagementContext)
	}
	if len(b.ShutdownHooks) != 1 || b.ShutdownHooks[0].Attrs["class"] != "org.apache.activemq.hooks.SpringContextHook" {
		t.Errorf("shutdownHooks = %+v", b.ShutdownHooks)
	}
	p := cfg.PolicyFor("topic", "ANY.TOPIC")
	if p == nil || p.PendingMessageLimitStrategy == nil {
		t.Fatalf("topic policy = %+v", p)
	}
	eq(t, "pending limit kind", p.PendingMessageLimitStrategy.Kind, "constantPendingMessageLimitStrategy")
	eq(t, "pending limit", p.PendingMessageLimitStrategy.Limit, 1000)
	if cfg.PolicyFor("queue", "ANY.QUEUE") != nil {
		t.Errorf("queue policy should be nil")
	}
	want := []struct {
		name, proto string
		port        int
	}{{"openwire", "openwire", 61616}, {"amqp", "amqp", 5672}, {"stomp", "stomp", 61613}, {"mqtt", "mqtt", 1883}, {"ws", "ws", 61614}}
	if len(b.TransportConnectors) != len(want) {
		t.Fatalf("got %d connectors", len(b.TransportConnectors))
	}
	for i, w := range want {
		tc := b.TransportConnectors[i]
		eq(t, "name", tc.Name, w.name)
		eq(t, "protocol", tc.URI.WireProtocol(), w.proto)
		eq(t, "port", tc.URI.Port, w.port)
		eq(t, "host", tc.URI.Host, "0.0.0.0")
		n, err := tc.URI.OptionInt("maximumConnections", 0)
		eq(t, "maximumConnections", n, 1000)
		eq(t, "err", err, nil)
		f, _ := tc.URI.OptionSize("wireFormat.maxFrameSize", 0)
		eq(t, "maxFrameSize", f, int64(104857600))
	}
}

// TestExamples loads every sample configuration shipped in Debian's
// activemq package (ActiveMQ's examples/conf).
func TestExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "examples", "*.xml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("examples: %v %d", err, len(files))
	}
	env := envOf(map[string]string{"ACTIVEMQ_ENCRYPTION_PASSWORD": "activemq"})
	cfgs := map[string]*Config{}
	for _, f := range files {
		cfg, _ := mustLoad(t, f, Options{Env: env, Base: "/opt/activemq"})
		cfgs[filepath.Base(f)] = cfg
	}

	demo := cfgs["activemq-demo.xml"].Broker
	eq(t, "demo name", demo.Name, "amq-broker")
	eq(t, "demo jmx", demo.UseJMX, true)
	eq(t, "demo memory", demo.SystemUsage.Memory.Limit, int64(20<<20))
	eq(t, "demo store", demo.SystemUsage.Store.Limit, int64(1<<30))
	eq(t, "demo temp", demo.SystemUsage.Temp.Limit, int64(100<<20))
	conf, _ := filepath.Abs(filepath.Join("testdata", "examples"))
	eq(t, "demo keystore", demo.SSLContext.KeyStore, filepath.Join(conf, "broker.ks"))
	eq(t, "demo keystore password", demo.SSLContext.KeyStorePassword, "password")
	k := demo.PersistenceAdapter.KahaDB
	eq(t, "demo kahadb dir", k.Directory, "/opt/activemq/data/dynamic-broker1/kahadb")
	eq(t, "demo indexWriteBatchSize", k.IndexWriteBatchSize, 1000)
	eq(t, "demo enableIndexWriteAsync", k.EnableIndexWriteAsync, true)
	eq(t, "demo enableJournalDiskSyncs", k.EnableJournalDiskSyncs, false)
	eq(t, "demo journalDiskSyncStrategy", k.JournalDiskSyncStrategy, "never")
	eq(t, "demo discovery", demo.TransportConnectors[0].DiscoveryURI.Raw, "multicast://default")
	eq(t, "demo ws path", demo.TransportConnectors[3].URI.Path, "/")
	q := cfgs["activemq-demo.xml"].PolicyFor("queue", "X")
	eq(t, "demo queue memoryLimit", q.MemoryLimit, int64(5<<20))
	tp := cfgs["activemq-demo.xml"].PolicyFor("topic", "X")
	eq(t, "demo dispatchPolicy", tp.DispatchPolicy.Children[0].Name, "strictOrderDispatchPolicy")
	eq(t, "demo recovery", tp.SubscriptionRecoveryPolicy.Kind, "lastImageSubscriptionRecoveryPolicy")

	spec := cfgs["activemq-specjms.xml"].Broker
	eq(t, "specjms deleteAllMessagesOnStartup", spec.DeleteAllMessagesOnStartup, true)
	eq(t, "specjms statistics", spec.EnableStatistics, false)
	eq(t, "specjms memory 2 g", spec.SystemUsage.Memory.Limit, int64(2<<30))
	k = spec.PersistenceAdapter.KahaDB
	eq(t, "specjms journalMaxFileLength", k.JournalMaxFileLength, int64(1<<30))
	eq(t, "specjms journalMaxWriteBatchSize", k.JournalMaxWriteBatchSize, int64(62<<10))
	eq(t, "specjms indexCacheSize", k.IndexCacheSize, 100000)
	eq(t, "specjms cleanupInterval", k.CleanupInterval, int64(300000))
	eq(t, "specjms enableAudit", cfgs["activemq-specjms.xml"].PolicyFor("queue", "Q").EnableAudit, false)

	sec := cfgs["activemq-security.xml"].Broker
	users := sec.Plugins.SimpleAuthentication.Users
	eq(t, "security users", len(users), 3)
	eq(t, "system password (jasypt)", users[0].Password, "manager")
	eq(t, "guest password (jasypt)", users[2].Password, "password")
	if !slices.Equal(users[0].Groups, []string{"users", "admins"}) {
		t.Errorf("groups = %v", users[0].Groups)
	}
	eq(t, "security entries", len(sec.Plugins.Authorization.Entries), 8)
	eq(t, "security persistent", sec.Persistent, false)

	jdbc := cfgs["activemq-jdbc.xml"].Broker.PersistenceAdapter.JDBC
	eq(t, "jdbc ds ref", jdbc.DataSourceRef, "derby-ds")
	eq(t, "jdbc ds url", jdbc.DataSource.URL, "jdbc:derby:derbydb;create=true")
	eq(t, "jdbc dataDirectory", jdbc.DataDirectory, "/opt/activemq/data")
	perf := cfgs["activemq-jdbc-performance.xml"]
	eq(t, "jdbc-perf cleanupPeriod", perf.Broker.PersistenceAdapter.JDBC.CleanupPeriod, 0)
	eq(t, "jdbc-perf ds", perf.Broker.PersistenceAdapter.JDBC.DataSource == nil, true)
	eq(t, "jdbc-perf mysql bean url", perf.Beans["mysql-ds"].Properties["url"], "jdbc:mysql://localhost/activemq?relaxAutoCommit=true")
	eq(t, "jdbc-perf expireMessagesPeriod", perf.PolicyFor("queue", "Q").ExpireMessagesPeriod, int64(0))

	dyn := cfgs["activemq-dynamic-network-broker1.xml"].Broker
	nc := dyn.NetworkConnectors[0]
	eq(t, "multicast scheme", nc.URI.Scheme, "multicast")
	eq(t, "multicast host", nc.URI.Host, "default")
	eq(t, "dynamicOnly", nc.DynamicOnly, true)
	eq(t, "networkTTL", nc.NetworkTTL, 3)
	eq(t, "messageTTL", nc.MessageTTL, 3)
	eq(t, "consumerTTL", nc.ConsumerTTL, 3)
	eq(t, "prefetchSize", nc.PrefetchSize, 1)
	eq(t, "decreaseNetworkConsumerPriority", nc.DecreaseNetworkConsumerPriority, true)
	dlq := cfgs["activemq-dynamic-network-broker1.xml"].PolicyFor("queue", "ORDERS").DeadLetterStrategy
	eq(t, "dlq kind", dlq.Kind, "individualDeadLetterStrategy")
	eq(t, "dlq queuePrefix", dlq.QueuePrefix, "DLQ.")
	eq(t, "storeUsage name", dyn.SystemUsage.Store.Name, "foo")

	static2 := cfgs["activemq-static-network-broker2.xml"].Broker
	if len(static2.NetworkConnectors) != 1 {
		t.Fatalf("static broker2 connectors = %d", len(static2.NetworkConnectors))
	}
	snc := static2.NetworkConnectors[0]
	eq(t, "static composite", snc.URI.Composite, true)
	eq(t, "static components", len(snc.URI.Components), 1)
	eq(t, "static component port", snc.URI.Components[0].Port, 61616)
	eq(t, "static duplex", snc.Duplex, true)

	mqtt := cfgs["activemq-mqtt.xml"].Broker.TransportConnectors[0]
	eq(t, "mqtt scheme", mqtt.URI.Scheme, "mqtt+nio")
	eq(t, "mqtt nio", mqtt.URI.NIO(), true)
	eq(t, "mqtt option", mqtt.URI.Options["transport.subscriptionStrategy"], "mqtt-virtual-topic-subscriptions")
	eq(t, "mqtt preallocationStrategy", cfgs["activemq-mqtt.xml"].Broker.PersistenceAdapter.KahaDB.PreallocationStrategy, "zeros")

	old := cfgs["activemq.xml"].Broker
	eq(t, "persistenceFactory", old.PersistenceFactory.Children[0].Name, "journalPersistenceAdapterFactory")
	eq(t, "default connector name", old.TransportConnectors[0].Name, "tcp://localhost:61616")
}

func TestReplicatedLevelDB(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("replicated-leveldb.xml"), testOpts())
	noWarnings(t, warns)
	pa := cfg.Broker.PersistenceAdapter
	eq(t, "kind", pa.Kind, "replicatedLevelDB")
	r := pa.ReplicatedLevelDB
	eq(t, "brokerName", cfg.Broker.Name, "broker-cluster")
	eq(t, "directory", r.Directory, "/srv/amq/data/levelDB")
	eq(t, "replicas", r.Replicas, 2)
	eq(t, "quorum", r.Quorum(), 2)
	eq(t, "bind", r.Bind, "tcp://0.0.0.0:61615")
	eq(t, "zkAddress", r.ZkAddress, "192.168.238.150:2181,192.168.238.155:2181,192.168.238.160:2181")
	if !slices.Equal(r.ZkServers, []string{"192.168.238.150:2181", "192.168.238.155:2181", "192.168.238.160:2181"}) {
		t.Errorf("zk servers = %v", r.ZkServers)
	}
	eq(t, "hostname", r.Hostname, "192.168.238.150")
	eq(t, "zkPath", r.ZkPath, "/opt/activemq/levelDB")
	// Defaults for what the block leaves out.
	eq(t, "sync", r.Sync, "quorum_mem")
	if !slices.Equal(r.SyncModes(), []string{"local_mem", "remote_mem"}) {
		t.Errorf("sync modes = %v", r.SyncModes())
	}
	eq(t, "zkSessionTimeout", r.ZkSessionTimeout, 2*time.Second)
	eq(t, "weight", r.Weight, 1)
	eq(t, "securityToken", r.SecurityToken, "")
	eq(t, "logSize", r.LogSize, int64(100<<20))
	eq(t, "indexCacheSize", r.IndexCacheSize, int64(256<<20))
	eq(t, "flushDelay", r.FlushDelay, int64(0))

	cfg, warns = mustLoad(t, corpus("replicated-leveldb-full.xml"), testOpts())
	noWarnings(t, warns)
	r = cfg.Broker.PersistenceAdapter.ReplicatedLevelDB
	eq(t, "relative directory", r.Directory, "/srv/amq/leveldb-replicated")
	eq(t, "replicas", r.Replicas, 3)
	eq(t, "quorum", r.Quorum(), 2)
	eq(t, "bind", r.Bind, "tcp://0.0.0.0:0")
	if !slices.Equal(r.ZkServers, []string{"zk1:2181", "zk2:2181", "zk3:2181"}) {
		t.Errorf("zk servers = %v", r.ZkServers)
	}
	eq(t, "zkPassword", r.ZkPassword, "zk-pass")
	eq(t, "zkSessionTimeout", r.ZkSessionTimeout, 4*time.Second)
	eq(t, "connectUrl", r.ConnectURL, "tcp://lb.example.com:61619")
	if !slices.Equal(r.SyncModes(), []string{"local_disk", "remote_mem"}) {
		t.Errorf("sync modes = %v", r.SyncModes())
	}
	eq(t, "securityToken", r.SecurityToken, "sekret")
	eq(t, "weight", r.Weight, 5)
	eq(t, "container", r.Container, "rack-7")
	eq(t, "logSize", r.LogSize, int64(64<<20))
	eq(t, "indexCacheSize", r.IndexCacheSize, int64(134217728))
	eq(t, "flushDelay", r.FlushDelay, int64(500))
	eq(t, "verifyChecksums", r.VerifyChecksums, true)
	eq(t, "paranoidChecks", r.ParanoidChecks, true)
	eq(t, "indexCompression", r.IndexCompression, "none")
	eq(t, "schedulerSupport", cfg.Broker.SchedulerSupport, true)
	tc := cfg.Broker.TransportConnectors[0]
	eq(t, "updateClusterClients", tc.UpdateClusterClients, true)
	eq(t, "rebalanceClusterClients", tc.RebalanceClusterClients, true)
}

func TestNetworkConnectors(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("network-static.xml"), testOpts())
	noWarnings(t, warns)
	b := cfg.Broker
	if len(b.NetworkConnectors) != 2 {
		t.Fatalf("got %d network connectors", len(b.NetworkConnectors))
	}
	nc := b.NetworkConnectors[0]
	eq(t, "name", nc.Name, "a-to-bc")
	eq(t, "kind", nc.Kind, "networkConnector")
	eq(t, "scheme", nc.URI.Scheme, "static")
	eq(t, "composite", nc.URI.Composite, true)
	eq(t, "components", len(nc.URI.Components), 2)
	eq(t, "b host", nc.URI.Components[0].Host, "broker-b")
	eq(t, "c port", nc.URI.Components[1].Port, 61616)
	eq(t, "c option", nc.URI.Components[1].Options["wireFormat.maxInactivityDuration"], "60000")
	eq(t, "outer option", nc.URI.Options["maxReconnectDelay"], "5000")
	eq(t, "outer option 2", nc.URI.Options["useExponentialBackOff"], "false")
	eq(t, "duplex", nc.Duplex, true)
	eq(t, "networkTTL", nc.NetworkTTL, 3)
	eq(t, "messageTTL", nc.MessageTTL, 2)
	eq(t, "consumerTTL", nc.ConsumerTTL, 3)
	eq(t, "conduitSubscriptions", nc.ConduitSubscriptions, false)
	eq(t, "decreaseNetworkConsumerPriority", nc.DecreaseNetworkConsumerPriority, true)
	eq(t, "suppressDuplicateQueueSubscriptions", nc.SuppressDuplicateQueueSubscriptions, true)
	eq(t, "prefetchSize", nc.PrefetchSize, 500)
	eq(t, "userName", nc.UserName, "system")
	eq(t, "password", nc.Password, "manager")
	wantEx := []Destination{{Kind: Queue, Name: "LOCAL.>"}, {Kind: Topic, Name: "ActiveMQ.Advisory.Consumer.Queue.LOCAL.>"}}
	for i, d := range nc.ExcludedDestinations {
		eq(t, "excluded kind", d.Kind, wantEx[i].Kind)
		eq(t, "excluded name", d.Name, wantEx[i].Name)
	}
	eq(t, "excluded", len(nc.ExcludedDestinations), 2)
	eq(t, "dynamic", len(nc.DynamicallyIncludedDestinations), 2)
	eq(t, "dynamic topic", nc.DynamicallyIncludedDestinations[1].Name, "PRICES.*")
	eq(t, "static", len(nc.StaticallyIncludedDestinations), 1)
	eq(t, "static queue", nc.StaticallyIncludedDestinations[0].Name, "AUDIT")
	eq(t, "position", nc.Line, 16)

	dr := b.NetworkConnectors[1]
	eq(t, "static:// form", dr.URI.Composite, true)
	eq(t, "dr scheme", dr.URI.Components[0].Scheme, "ssl")
	eq(t, "dr TLS", dr.URI.Components[0].TLS(), true)
	eq(t, "dr defaults name", dr.Name, "to-dr")
	eq(t, "dr consumerTTL", dr.ConsumerTTL, 1)
	eq(t, "dr messageTTL", dr.MessageTTL, 1)
	eq(t, "dr conduit default", dr.ConduitSubscriptions, true)
	eq(t, "dr dynamicOnly", dr.DynamicOnly, true)

	stomp := b.TransportConnectors[1]
	eq(t, "stomp scheme", stomp.URI.Scheme, "stomp+nio+ssl")
	eq(t, "stomp protocol", stomp.URI.WireProtocol(), "stomp")
	eq(t, "stomp TLS", stomp.URI.TLS(), true)
	eq(t, "stomp NIO", stomp.URI.NIO(), true)
	g, _ := stomp.URI.OptionFloat("transport.hbGracePeriodMultiplier", 1)
	eq(t, "grace", g, 1.5)
	ca, _ := stomp.URI.OptionBool("transport.needClientAuth", false)
	eq(t, "needClientAuth", ca, true)

	k := b.PersistenceAdapter.KahaDB
	eq(t, "journalMaxFileLength", k.JournalMaxFileLength, int64(64<<20))
	eq(t, "enableJournalDiskSyncs", k.EnableJournalDiskSyncs, false)

	cfg, warns = mustLoad(t, corpus("network-multicast.xml"), testOpts())
	noWarnings(t, warns)
	eq(t, "default placeholder", cfg.Broker.Name, "node-1")
	nc = cfg.Broker.NetworkConnectors[0]
	eq(t, "multicast", nc.URI.Scheme, "multicast")
	eq(t, "multicast group", nc.URI.Host, "default")
	eq(t, "multicast group option", nc.URI.Options["group"], "prod")
	eq(t, "ttl", nc.MessageTTL, 2)
	eq(t, "discovery", cfg.Broker.TransportConnectors[0].DiscoveryURI.Options["group"], "prod")
	l := cfg.Broker.PersistenceAdapter.LevelDB
	eq(t, "leveldb dir", l.Directory, "/srv/amq/data/leveldb")
	eq(t, "leveldb sync", l.Sync, false)
	eq(t, "leveldb logSize", l.LogSize, int64(104857600))

	cfg, _ = mustLoad(t, corpus("network-multicast.xml"), Options{Env: noEnv, Base: "/b", Props: map[string]string{"node.id": "7"}})
	eq(t, "-D beats the default", cfg.Broker.Name, "node-7")
}

func TestJDBC(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("jdbc-postgres.xml"), testOpts())
	noWarnings(t, warns)
	j := cfg.Broker.PersistenceAdapter.JDBC
	eq(t, "ref", j.DataSourceRef, "postgres-ds")
	ds := j.DataSource
	eq(t, "class", ds.Class, "org.postgresql.ds.PGPoolingDataSource")
	eq(t, "url", ds.URL, "jdbc:postgresql://db.example.com:5432/activemq")
	eq(t, "user", ds.Username, "activemq")
	eq(t, "password (\\u escape in properties)", ds.Password, "s3cret!")
	eq(t, "bean prop", ds.Bean.Properties["maxConnections"], "10")
	eq(t, "createTablesOnStartup", j.CreateTablesOnStartup, false)
	eq(t, "lockKeepAlivePeriod", j.LockKeepAlivePeriod, int64(5000))
	eq(t, "dataDirectory", j.DataDirectory, "/srv/amq/data")
	eq(t, "adapter", j.Adapter, "postgresql-jdbc-adapter")
	eq(t, "locker kind", j.Locker.Kind, "lease-database-locker")
	eq(t, "lockAcquireSleepInterval", j.Locker.LockAcquireSleepInterval, int64(10000))
	eq(t, "leaseHolderId", j.Locker.LeaseHolderID, "node-a")
	eq(t, "maxAllowableDiffFromDBTime", j.Locker.MaxAllowableDiffFromDBTime, 1000)
	dbcp := cfg.Beans["pg-dbcp2"]
	eq(t, "dbcp2 username from <value>", dbcp.Properties["username"], "activemq")
	eq(t, "dbcp2 class", dbcp.Class, "org.apache.commons.dbcp2.BasicDataSource")

	cfg, warns = mustLoad(t, corpus("jdbc-database-locker.xml"), testOpts())
	noWarnings(t, warns)
	j = cfg.Broker.PersistenceAdapter.JDBC
	eq(t, "mysql url", j.DataSource.URL, "jdbc:mysql://localhost/activemq?relaxAutoCommit=true")
	eq(t, "mysql driver", j.DataSource.Driver, "com.mysql.jdbc.Driver")
	eq(t, "defaults: createTablesOnStartup", j.CreateTablesOnStartup, true)
	eq(t, "lockKeepAlivePeriod", j.LockKeepAlivePeriod, int64(10000))
	eq(t, "locker", j.Locker.Kind, "database-locker")
	eq(t, "locker sleep", j.Locker.LockAcquireSleepInterval, int64(5000))
	eq(t, "locker queryTimeout", j.Locker.QueryTimeout, 30)

	cfg, warns = mustLoad(t, corpus("kahadb-shared-file-locker.xml"), testOpts())
	noWarnings(t, warns)
	k := cfg.Broker.PersistenceAdapter.KahaDB
	eq(t, "dir", k.Directory, "/mnt/nfs/activemq/kahadb")
	eq(t, "lockKeepAlivePeriod", k.LockKeepAlivePeriod, int64(5000))
	eq(t, "strategy", k.JournalDiskSyncStrategy, "periodic")
	eq(t, "interval", k.JournalDiskSyncInterval, int64(500))
	eq(t, "locker", k.Locker.Kind, "shared-file-locker")
	eq(t, "locker sleep", k.Locker.LockAcquireSleepInterval, int64(10000))
}

func TestSecurityPlugins(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("security.xml"), testOpts())
	noWarnings(t, warns)
	b := cfg.Broker
	eq(t, "populateJMSXUserID", b.PopulateJMSXUserID, true)
	eq(t, "useAuthenticatedPrincipalForJMSXUserID", b.UseAuthenticatedPrincipalForJMSXUserID, true)
	sa := b.Plugins.SimpleAuthentication
	eq(t, "anonymous", sa.AnonymousAccessAllowed, false)
	want := []AuthenticationUser{
		{Username: "system", Password: "manager", Groups: []string{"users", "admins"}},
		{Username: "user", Password: "password", Groups: []string{"users"}},
		{Username: "guest", Password: "password", Groups: []string{"guests"}},
	}
	for i, u := range sa.Users {
		eq(t, "username", u.Username, want[i].Username)
		eq(t, "password", u.Password, want[i].Password)
		if !slices.Equal(u.Groups, want[i].Groups) {
			t.Errorf("groups = %v, want %v", u.Groups, want[i].Groups)
		}
	}
	if !slices.Equal(b.Plugins.Order, []string{"simpleAuthenticationPlugin", "authorizationPlugin"}) {
		t.Errorf("order = %v", b.Plugins.Order)
	}
	az := b.Plugins.Authorization
	eq(t, "map kind", az.MapKind, "authorizationMap")
	eq(t, "entries", len(az.Entries), 7)
	e := az.Entries[2]
	eq(t, "entry kind", e.Kind, Queue)
	eq(t, "entry dest", e.Destination, "GUEST.>")
	if !slices.Equal(e.Write, []string{"guests", "users"}) {
		t.Errorf("write = %v", e.Write)
	}
	acl := az.ACLFor(Queue, "USERS.alice")
	if !slices.Equal(acl.Read, []string{"admins", "users"}) {
		t.Errorf("USERS.alice read = %v (want the union of > and USERS.>)", acl.Read)
	}
	acl = az.ACLFor(Topic, "ActiveMQ.Advisory.Connection")
	if !slices.Equal(acl.Read, []string{"admins", "guests", "users"}) {
		t.Errorf("advisory read = %v", acl.Read)
	}
	acl = az.ACLFor(TempQueue, "ID:x-1")
	if acl == nil || !slices.Equal(acl.Write, []string{"admins"}) {
		t.Errorf("temp ACL = %+v", acl)
	}
	s := b.SSLContext
	eq(t, "keystore", s.KeyStore, filepath.Join(cfg.Paths.Conf, "broker.ks"))
	eq(t, "truststore relative to base", s.TrustStore, "/srv/amq/broker.ts")
	eq(t, "keystore type", s.KeyStoreType, "pkcs12")
	eq(t, "truststore type default", s.TrustStoreType, "jks")
	eq(t, "wss protocol", b.TransportConnectors[2].URI.WireProtocol(), "ws")
	eq(t, "wss TLS", b.TransportConnectors[2].URI.TLS(), true)

	cfg, warns = mustLoad(t, corpus("jaas.xml"), testOpts())
	noWarnings(t, warns)
	p := cfg.Broker.Plugins
	eq(t, "jaas configuration", p.JAASAuthentication.Configuration, "activemq-domain")
	eq(t, "jaas kind", p.JAASAuthentication.Kind, "jaasAuthenticationPlugin")
	eq(t, "groupClass", p.Authorization.GroupClass, "org.apache.activemq.jaas.GroupPrincipal")
	acl = p.Authorization.ACLFor(Queue, "TEST.Q")
	if !slices.Equal(acl.Read, []string{"*", "admins"}) || !slices.Equal(acl.Admin, []string{"admins"}) {
		t.Errorf("TEST.Q acl = %+v", acl)
	}
	acl = p.Authorization.ACLFor(Queue, "OTHER")
	if !slices.Equal(acl.Read, []string{"admins"}) {
		t.Errorf("default acl = %+v", acl)
	}
	ts := p.TimeStamping
	eq(t, "ttlCeiling", ts.TTLCeiling, int64(86400000))
	eq(t, "zeroExpirationOverride", ts.ZeroExpirationOverride, int64(86400000))
	eq(t, "futureOnly", ts.FutureOnly, true)
	eq(t, "processNetworkMessages", ts.ProcessNetworkMessages, true)
	dd := p.DiscardingDLQ
	eq(t, "dropAll", dd.DropAll, false)
	if !slices.Equal(dd.DropOnly, []string{"ORDERS.DLQ", "AUDIT.DLQ"}) {
		t.Errorf("dropOnly = %v", dd.DropOnly)
	}
	eq(t, "reportInterval", dd.ReportInterval, 5000)
	eq(t, "statistics", p.Statistics != nil, true)
	eq(t, "persistent=false", cfg.Broker.Persistent, false)
	hb := cfg.Broker.TransportConnectors[0].URI.Options["transport.defaultHeartBeat"]
	eq(t, "defaultHeartBeat", hb, "5000,0")
}

func TestRedeliveryPlugin(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("redelivery.xml"), testOpts())
	noWarnings(t, warns)
	r := cfg.Broker.Plugins.Redelivery
	eq(t, "fallbackToDeadLetter", r.FallbackToDeadLetter, true)
	eq(t, "sendToDlqIfMaxRetriesExceeded", r.SendToDlqIfMaxRetriesExceeded, true)
	eq(t, "entries", len(r.Entries), 3)
	p := r.PolicyFor(Queue, "SpecialQueue")
	eq(t, "special max", p.MaximumRedeliveries, 4)
	eq(t, "special delay", p.RedeliveryDelay, int64(10000))
	eq(t, "special initial default", p.InitialRedeliveryDelay, int64(1000))
	p = r.PolicyFor(Queue, "ORDERS.EU")
	eq(t, "orders max", p.MaximumRedeliveries, 10)
	eq(t, "orders initial", p.InitialRedeliveryDelay, int64(500))
	eq(t, "orders backoff", p.UseExponentialBackOff, true)
	eq(t, "orders multiplier", p.BackOffMultiplier, 2.0)
	eq(t, "orders cap", p.MaximumRedeliveryDelay, int64(60000))
	p = r.PolicyFor(Topic, "PRICES.X")
	eq(t, "prices forever", p.MaximumRedeliveries, -1)
	p = r.PolicyFor(Queue, "OTHER")
	eq(t, "default entry", p, r.Default)
	eq(t, "default max", p.MaximumRedeliveries, 4)
	eq(t, "default initial", p.InitialRedeliveryDelay, int64(5000))
	p = r.PolicyFor(Topic, "SpecialQueue")
	eq(t, "queue entries do not match topics", p, r.Default)

	q := cfg.PolicyFor("queue", "ORDERS")
	eq(t, "individual", q.DeadLetterStrategy.Kind, "individualDeadLetterStrategy")
	eq(t, "queuePrefix", q.DeadLetterStrategy.QueuePrefix, "DLQ.")
	eq(t, "topicPrefix default", q.DeadLetterStrategy.TopicPrefix, "ActiveMQ.DLQ.Topic.")
	eq(t, "processExpired", q.DeadLetterStrategy.ProcessExpired, false)
	eq(t, "expiration", q.DeadLetterStrategy.Expiration, int64(604800000))
	tp := cfg.PolicyFor("topic", "X")
	eq(t, "shared", tp.DeadLetterStrategy.Kind, "sharedDeadLetterStrategy")
	eq(t, "shared queue", tp.DeadLetterStrategy.DeadLetterQueue, "TOPICS.DLQ")
	eq(t, "shared kind", tp.DeadLetterStrategy.DeadLetterQueueKind, Queue)
	eq(t, "processNonPersistent", tp.DeadLetterStrategy.ProcessNonPersistent, true)
}

func TestVirtualDestinations(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("virtual-destinations.xml"), testOpts())
	noWarnings(t, warns)
	v := cfg.Broker.VirtualDestinations
	eq(t, "count", len(v), 4)
	eq(t, "vt kind", v[0].Kind, "virtualTopic")
	eq(t, "vt name", v[0].Name, "VirtualTopic.>")
	eq(t, "vt prefix", v[0].Prefix, "Consumer.*.")
	eq(t, "vt selectorAware", v[0].SelectorAware, true)
	eq(t, "vt2 prefix", v[1].Prefix, "VirtualTopicConsumers.*.")
	eq(t, "vt2 local", v[1].Local, true)
	eq(t, "vt2 concurrentSend", v[1].ConcurrentSend, true)
	cq := v[2]
	eq(t, "cq kind", cq.Kind, "compositeQueue")
	eq(t, "cq forwardOnly", cq.ForwardOnly, false)
	want := []ForwardTarget{{Kind: Queue, Name: "FOO"}, {Kind: Topic, Name: "BAR"},
		{Kind: Queue, Name: "FOO.ODD", Selector: "odd = 'yes'"}, {Kind: Topic, Name: "BLUE", Selector: "color = 'blue'"}}
	eq(t, "forwardTo", len(cq.ForwardTo), len(want))
	for i, w := range want {
		eq(t, "fwd kind", cq.ForwardTo[i].Kind, w.Kind)
		eq(t, "fwd name", cq.ForwardTo[i].Name, w.Name)
		eq(t, "fwd selector", cq.ForwardTo[i].Selector, w.Selector)
	}
	eq(t, "ct forwardOnly default", v[3].ForwardOnly, true)
	eq(t, "ct target", v[3].ForwardTo[0].Name, "ORDERS.ARCHIVE")
	d := cfg.Broker.Destinations
	eq(t, "destinations", len(d), 2)
	eq(t, "dest 0", d[0].Name, "ORDERS.IN")
	eq(t, "dest 1 kind", d[1].Kind, Topic)
	eq(t, "connector name defaults to uri", cfg.Broker.TransportConnectors[0].Name, "tcp://0.0.0.0:61616")
}

func TestPoliciesFile(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("policies.xml"), testOpts())
	onlyWarnings(t, warns, "policies.xml:8:78: <policyEntry strictOrderDispatch>: attribute not supported by this broker; ignored")
	b := cfg.Broker
	eq(t, "schedulePeriodForDestinationPurge", b.SchedulePeriodForDestinationPurge, int64(10000))
	eq(t, "offlineDurableSubscriberTimeout", b.OfflineDurableSubscriberTimeout, int64(86400000))
	eq(t, "offlineDurableSubscriberTaskSchedule", b.OfflineDurableSubscriberTaskSchedule, int64(3600000))
	su := b.SystemUsage
	eq(t, "sendFailIfNoSpace", su.SendFailIfNoSpace, true)
	eq(t, "sendFailIfNoSpaceAfterTimeout", su.SendFailIfNoSpaceAfterTimeout, int64(3000))
	eq(t, "memory", su.Memory.Limit, int64(512<<20))
	eq(t, "store", su.Store.Limit, int64(10<<30))
	eq(t, "temp", su.Temp.Limit, int64(2048<<20))
	eq(t, "memory store", b.PersistenceAdapter.Kind, "memoryPersistenceAdapter")
	eq(t, "auto", b.TransportConnectors[0].URI.WireProtocol(), "auto")

	q := cfg.PolicyFor("queue", "ANYTHING")
	eq(t, "memoryLimit", q.MemoryLimit, int64(64<<20))
	eq(t, "queuePrefetch", q.QueuePrefetch, 100)
	eq(t, "expireMessagesPeriod", q.ExpireMessagesPeriod, int64(15000))
	eq(t, "gcInactiveDestinations", q.GCInactiveDestinations, true)
	eq(t, "inactiveTimoutBeforeGC (ActiveMQ's spelling)", q.InactiveTimeoutBeforeGC, int64(300000))
	eq(t, "maxPageSize", q.MaxPageSize, 500)
	eq(t, "useCache", q.UseCache, false)
	eq(t, "untouched default topicPrefetch", q.TopicPrefetch, 32767)
	if _, ok := q.Attrs["queuePrefetch"]; !ok {
		t.Errorf("Attrs does not record queuePrefetch")
	}
	if _, ok := q.Attrs["topicPrefetch"]; ok {
		t.Errorf("Attrs records an attribute that was not written")
	}

	o := cfg.PolicyFor("queue", "ORDERS.X.Y")
	eq(t, "ORDERS.> prioritized", o.PrioritizedMessages, true)
	eq(t, "strictOrderDispatch", o.StrictOrderDispatch, true)
	eq(t, "optimizedDispatch", o.OptimizedDispatch, true)
	eq(t, "advisoryForConsumed", o.AdvisoryForConsumed, true)
	eq(t, "advisoryForDelivery", o.AdvisoryForDelivery, true)
	eq(t, "advisoryForSlowConsumers", o.AdvisoryForSlowConsumers, true)
	eq(t, "advisoryForFastProducers", o.AdvisoryForFastProducers, true)
	eq(t, "sendAdvisoryIfNoConsumers", o.SendAdvisoryIfNoConsumers, true)
	eq(t, "queueBrowserPrefetch", o.QueueBrowserPrefetch, 50)
	sc := o.SlowConsumerStrategy
	eq(t, "slow kind", sc.Kind, "abortSlowConsumerStrategy")
	eq(t, "abortConnection", sc.AbortConnection, true)
	eq(t, "maxSlowCount", sc.MaxSlowCount, int64(3))
	eq(t, "maxSlowDuration", sc.MaxSlowDuration, int64(60000))
	eq(t, "checkPeriod", sc.CheckPeriod, int64(10000))
	eq(t, "policy is not merged: memoryLimit", o.MemoryLimit, int64(0))

	tp := cfg.PolicyFor("topic", "ANY")
	eq(t, "topicPrefetch", tp.TopicPrefetch, 1000)
	eq(t, "durableTopicPrefetch", tp.DurableTopicPrefetch, 10)
	eq(t, "prefetchRate", tp.PendingMessageLimitStrategy.Multiplier, 2.5)
	eq(t, "fixedCount", tp.SubscriptionRecoveryPolicy.MaximumSize, 50)
	eq(t, "fixedSized", cfg.PolicyFor("topic", "PRICES.X").SubscriptionRecoveryPolicy.MaximumSize, 1<<20)
	eq(t, "lastImage", cfg.PolicyFor("topic", "STATUS.A").SubscriptionRecoveryPolicy.Kind, "lastImageSubscriptionRecoveryPolicy")
	eq(t, "none", cfg.PolicyFor("topic", "NEWS.A").SubscriptionRecoveryPolicy.Kind, "noSubscriptionRecoveryPolicy")
	eq(t, "tempQueue", cfg.PolicyFor("tempQueue", "ID:host-1234-1:1:1").QueuePrefetch, 3)
	eq(t, "temp-topic", cfg.PolicyFor("temp-topic", "ID:host-1234-1:1:1").TopicPrefetch, 4)
	eq(t, "bad kind", cfg.PolicyFor("exchange", "X") == nil, true)
}

func TestBareBrokerAndDefaults(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("bare-broker.xml"), testOpts())
	noWarnings(t, warns)
	b := cfg.Broker
	eq(t, "name", b.Name, "bare")
	eq(t, "persistent FALSE", b.Persistent, false)
	eq(t, "useJmx False", b.UseJMX, false)
	eq(t, "advisorySupport TRUE", b.AdvisorySupport, true)
	eq(t, "default data dir", b.DataDirectory, "/srv/amq/data")
	eq(t, "no adapter", b.PersistenceAdapter == nil, true)
	eq(t, "start", b.Start, true)
	eq(t, "offlineDurableSubscriberTimeout", b.OfflineDurableSubscriberTimeout, int64(-1))
	eq(t, "scheduler dir", b.SchedulerDirectory, "/srv/amq/data/bare/scheduler")
	eq(t, "broker data dir", b.BrokerDataDirectory(), "/srv/amq/data/bare")
	eq(t, "position", b.Pos.String(), filepath.Join("testdata", "corpus", "bare-broker.xml")+":2:1")

	cfg, warns = mustLoad(t, corpus("legacy-4x.xml"), testOpts())
	onlyWarnings(t, warns,
		"legacy-4x.xml:3:3: namespace http://activemq.org/config/1.0 is ActiveMQ 4.x's",
		"legacy-4x.xml:8:13: <dispatchPolicy> is accepted but has no effect",
		"legacy-4x.xml:26:3: top-level <commandAgent> is not supported; ignored",
		"legacy-4x.xml:27:3: element <jetty> from namespace http://mortbay.com/schemas/jetty/1.0 ignored")
	eq(t, "legacy name", cfg.Broker.Name, "legacy")
	eq(t, "legacy network", cfg.Broker.NetworkConnectors[0].URI.Raw, "multicast://default")
}

func TestContextPropertyPlaceholder(t *testing.T) {
	cfg, warns := mustLoad(t, corpus("context-placeholder.xml"), testOpts())
	noWarnings(t, warns)
	eq(t, "name with default", cfg.Broker.Name, "ctx-default")
	eq(t, "prefixed elements", cfg.Broker.Plugins.SimpleAuthentication.Users[0].Password, "manager")
	eq(t, "data", cfg.Broker.DataDirectory, "/srv/amq/data/ctx")
	// <context:property-placeholder> puts system properties before files.
	cfg, _ = mustLoad(t, corpus("context-placeholder.xml"), Options{Env: noEnv, Base: "/b",
		Props: map[string]string{"activemq.password": "from-D", "broker.suffix": "x"}})
	eq(t, "system first", cfg.Broker.Plugins.SimpleAuthentication.Users[0].Password, "from-D")
	eq(t, "name", cfg.Broker.Name, "ctx-x")
}

func TestParseDefault(t *testing.T) {
	data, err := os.ReadFile(corpus("bare-broker.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := ParseDefault(data, Options{Env: noEnv, Base: "/srv/amq"})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "file", cfg.File, DefaultName)
	eq(t, "conf", cfg.Paths.Conf, "/srv/amq/conf")
	eq(t, "must", MustParseDefault(data, Options{Env: noEnv}).Broker.Name, "bare")
	defer func() {
		if recover() == nil {
			t.Errorf("MustParseDefault did not panic on a bad document")
		}
	}()
	MustParseDefault([]byte("<broker"), Options{Env: noEnv})
}

func TestPaths(t *testing.T) {
	doc := broker(`<persistenceAdapter><kahaDB/></persistenceAdapter>`)
	env := envOf(map[string]string{"ACTIVEMQ_BASE": "/opt/amq", "ACTIVEMQ_HOME": "/usr/share/amq",
		"ACTIVEMQ_CONF": "/etc/amq", "ACTIVEMQ_DATA": "/var/lib/amq"})
	cfg, _ := mustParse(t, doc, Options{Env: env})
	want := Paths{Base: "/opt/amq", Home: "/usr/share/amq", Conf: "/etc/amq", Data: "/var/lib/amq"}
	eq(t, "paths", cfg.Paths, want)
	eq(t, "kahaDB default directory", cfg.Broker.PersistenceAdapter.KahaDB.Directory, "/opt/amq/KahaDB")
	eq(t, "data dir", cfg.Broker.DataDirectory, "/var/lib/amq")

	cfg, _ = mustParse(t, doc, Options{Env: envOf(map[string]string{"ACTIVEMQ_BASE": "/opt/amq"})})
	wd, _ := os.Getwd()
	eq(t, "home defaults to base", cfg.Paths.Home, "/opt/amq")
	eq(t, "conf defaults to the file's directory", cfg.Paths.Conf, wd)
	eq(t, "data defaults to base/data", cfg.Paths.Data, "/opt/amq/data")

	cfg, _ = mustParse(t, doc, Options{Env: noEnv})
	eq(t, "base defaults to the working directory", cfg.Paths.Base, wd)

	cfg, _ = mustParse(t, doc, Options{Env: env, Props: map[string]string{"activemq.data": "/d"}, Base: "/o"})
	eq(t, "-D activemq.data", cfg.Paths.Data, "/d")
	eq(t, "Options.Base", cfg.Paths.Base, "/o")

	for in, want := range map[string]string{
		"":                 "",
		"data/x":           "/o/data/x",
		"/abs/x":           "/abs/x",
		"file:/abs/y":      "/abs/y",
		"file:///abs/z":    "/abs/z",
		"file:rel":         "/o/rel",
		"./a/../b":         "/o/b",
		"/var//lib/./amq/": "/var/lib/amq",
	} {
		eq(t, "ResolvePath("+in+")", cfg.ResolvePath(in), want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, _, err := Load(filepath.Join(t.TempDir(), "nope.xml"), Options{Env: noEnv})
	if err == nil || !os.IsNotExist(errorsUnwrapAll(err)) {
		t.Errorf("err = %v", err)
	}
}

func errorsUnwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}
