package config

import (
	"fmt"
	"strings"
)

func (d *decoder) persistenceAdapter(parent, n *xnode) *PersistenceAdapter {
	pa := &PersistenceAdapter{Pos: d.pos(n), Kind: n.local}
	if !isCore(n) {
		d.unexpected(parent, n)
		return nil
	}
	switch n.local {
	case "kahaDB":
		pa.KahaDB = d.kahaDB(n)
	case "levelDB":
		pa.LevelDB = d.levelDB(n)
	case "replicatedLevelDB":
		pa.ReplicatedLevelDB = d.replicatedLevelDB(n)
	case "jdbcPersistenceAdapter":
		pa.JDBC = d.jdbc(n)
	case "memoryPersistenceAdapter":
		m := &MemoryPersistenceAdapter{Pos: d.pos(n)}
		a := d.attrsOf(n)
		a.sbool("createTransactionStore", &m.CreateTransactionStore)
		a.get("brokerName")
		m.Attrs = a.finish()
		for _, k := range n.kids {
			d.unexpected(n, k)
		}
		pa.Memory = m
	case "mKahaDB", "journalPersistenceAdapter":
		pa.Other = d.capture(n)
		d.warn(n, "<%s> is not supported by this broker; recorded, ignored", n.local)
	default:
		d.unexpected(parent, n)
		return nil
	}
	return pa
}

// lockerChild reads <locker><xxx-locker/></locker>.
func (d *decoder) lockerChild(n *xnode) *Locker {
	d.noAttrs(n)
	c := d.single(n)
	if c == nil {
		return nil
	}
	if !isCore(c) {
		d.unexpected(n, c)
		return nil
	}
	l := &Locker{Pos: d.pos(c), Kind: c.local, LockAcquireSleepInterval: 10000}
	a := d.attrsOf(c)
	switch c.local {
	case "database-locker", "transact-database-locker", "lease-database-locker":
		l.CreateTablesOnStartup, l.QueryTimeout = true, 10
		a.sbool("createTablesOnStartup", &l.CreateTablesOnStartup)
		a.int("queryTimeout", &l.QueryTimeout)
		a.ref("dataSource", &l.DataSourceRef)
		if c.local == "lease-database-locker" {
			a.str("leaseHolderId", &l.LeaseHolderID)
			a.int("maxAllowableDiffFromDBTime", &l.MaxAllowableDiffFromDBTime)
			a.sbool("handleStartException", &l.HandleStartException)
		}
	case "shared-file-locker":
		a.path("directory", &l.Directory)
	default:
		d.unexpected(n, c)
		return nil
	}
	a.str("name", &l.Name)
	a.long("lockAcquireSleepInterval", &l.LockAcquireSleepInterval)
	a.sbool("failIfLocked", &l.FailIfLocked)
	l.Attrs = a.finish()
	for _, k := range c.kids {
		d.unexpected(c, k)
	}
	return l
}

func (d *decoder) kahaDB(n *xnode) *KahaDB {
	k := &KahaDB{Pos: d.pos(n),
		Directory:                        resolvePath(d.cfg.Paths.Base, "KahaDB"),
		JournalMaxFileLength:             32 << 20,
		JournalMaxWriteBatchSize:         4 << 20,
		EnableJournalDiskSyncs:           true,
		JournalDiskSyncStrategy:          "always",
		JournalDiskSyncInterval:          1000,
		IndexWriteBatchSize:              1000,
		IndexCacheSize:                   10000,
		EnableIndexDiskSyncs:             true,
		CheckpointInterval:               5000,
		CleanupInterval:                  30000,
		ChecksumJournalFiles:             true,
		ConcurrentStoreAndDispatchQueues: true,
		PreallocationStrategy:            "sparse_file",
		PreallocationScope:               "entire_journal",
		EnableAckCompaction:              true,
		CompactAcksAfterNoGC:             10,
		UseLock:                          true,
	}
	a := d.attrsOf(n)
	a.path("directory", &k.Directory)
	a.path("indexDirectory", &k.IndexDirectory)
	a.sizeInt64("journalMaxFileLength", &k.JournalMaxFileLength)
	a.sizeInt64("journalMaxWriteBatchSize", &k.JournalMaxWriteBatchSize)
	if a.sbool("enableJournalDiskSyncs", &k.EnableJournalDiskSyncs) && !k.EnableJournalDiskSyncs {
		k.JournalDiskSyncStrategy = "never"
	}
	var strategy string
	if a.str("journalDiskSyncStrategy", &strategy) {
		switch s := strings.ToLower(strings.TrimSpace(strategy)); s {
		case "always", "periodic", "never":
			k.JournalDiskSyncStrategy = s
			k.EnableJournalDiskSyncs = s == "always"
		default:
			a.bad("journalDiskSyncStrategy", fmt.Errorf("invalid journalDiskSyncStrategy %q (want always, periodic or never)", strategy))
		}
	}
	a.long("journalDiskSyncInterval", &k.JournalDiskSyncInterval)
	a.sizeInt("indexWriteBatchSize", &k.IndexWriteBatchSize)
	a.sizeInt("indexCacheSize", &k.IndexCacheSize)
	a.sbool("enableIndexWriteAsync", &k.EnableIndexWriteAsync)
	a.sbool("enableIndexDiskSyncs", &k.EnableIndexDiskSyncs)
	a.long("checkpointInterval", &k.CheckpointInterval)
	a.long("cleanupInterval", &k.CleanupInterval)
	a.sbool("checkForCorruptJournalFiles", &k.CheckForCorruptJournalFiles)
	a.sbool("checksumJournalFiles", &k.ChecksumJournalFiles)
	a.sbool("ignoreMissingJournalfiles", &k.IgnoreMissingJournalfiles)
	a.sbool("archiveDataLogs", &k.ArchiveDataLogs)
	a.sbool("archiveCorruptedIndex", &k.ArchiveCorruptedIndex)
	a.sbool("concurrentStoreAndDispatchQueues", &k.ConcurrentStoreAndDispatchQueues)
	a.sbool("concurrentStoreAndDispatchTopics", &k.ConcurrentStoreAndDispatchTopics)
	a.str("preallocationStrategy", &k.PreallocationStrategy)
	a.str("preallocationScope", &k.PreallocationScope)
	a.sbool("enableAckCompaction", &k.EnableAckCompaction)
	a.int("compactAcksAfterNoGC", &k.CompactAcksAfterNoGC)
	a.sbool("forceRecoverIndex", &k.ForceRecoverIndex)
	a.sbool("useLock", &k.UseLock)
	a.long("lockKeepAlivePeriod", &k.LockKeepAlivePeriod)
	a.get("brokerName")
	k.Attrs = a.finish()
	for _, c := range n.kids {
		if c.local == "locker" && isCore(c) {
			k.Locker = d.lockerChild(c)
			continue
		}
		d.unexpected(n, c)
	}
	return k
}

func defaultLevelDBOptions(base string) LevelDBOptions {
	return LevelDBOptions{
		Directory:                   resolvePath(base, "LevelDB"),
		LogSize:                     100 << 20,
		IndexFactory:                "org.fusesource.leveldbjni.JniDBFactory, org.iq80.leveldb.impl.Iq80DBFactory",
		IndexMaxOpenFiles:           1000,
		IndexBlockRestartInterval:   16,
		IndexWriteBufferSize:        6 << 20,
		IndexBlockSize:              4 << 10,
		IndexCompression:            "snappy",
		LogCompression:              "none",
		IndexCacheSize:              256 << 20,
		AsyncBufferSize:             4 << 20,
		FailoverProducersAuditDepth: 2048,
		MaxFailoverProducersToTrack: 64,
	}
}

func (d *decoder) levelDBOptions(a *attrs, o *LevelDBOptions) {
	a.path("directory", &o.Directory)
	a.path("logDirectory", &o.LogDirectory)
	a.longOrSize("logSize", &o.LogSize)
	a.str("indexFactory", &o.IndexFactory)
	a.sbool("verifyChecksums", &o.VerifyChecksums)
	a.sbool("paranoidChecks", &o.ParanoidChecks)
	a.int("indexMaxOpenFiles", &o.IndexMaxOpenFiles)
	a.int("indexBlockRestartInterval", &o.IndexBlockRestartInterval)
	a.longOrSize("indexWriteBufferSize", &o.IndexWriteBufferSize)
	a.longOrSize("indexBlockSize", &o.IndexBlockSize)
	a.str("indexCompression", &o.IndexCompression)
	a.str("logCompression", &o.LogCompression)
	a.longOrSize("indexCacheSize", &o.IndexCacheSize)
	a.long("flushDelay", &o.FlushDelay)
	a.longOrSize("asyncBufferSize", &o.AsyncBufferSize)
	a.sbool("monitorStats", &o.MonitorStats)
	a.int("failoverProducersAuditDepth", &o.FailoverProducersAuditDepth)
	a.int("maxFailoverProducersToTrack", &o.MaxFailoverProducersToTrack)
	a.get("brokerName")
	for _, name := range []string{"indexCompression", "logCompression"} {
		if v, ok := a.vals[name]; ok {
			switch strings.ToLower(v) {
			case "snappy", "none":
			default:
				a.bad(name, fmt.Errorf("invalid compression %q (want snappy or none)", v))
			}
		}
	}
}

func (d *decoder) levelDB(n *xnode) *LevelDB {
	l := &LevelDB{Pos: d.pos(n), LevelDBOptions: defaultLevelDBOptions(d.cfg.Paths.Base), Sync: true,
		AutoCompactionRatio: 250, UseLock: true}
	a := d.attrsOf(n)
	d.levelDBOptions(a, &l.LevelDBOptions)
	a.sbool("sync", &l.Sync)
	a.int("autoCompactionRatio", &l.AutoCompactionRatio)
	a.sbool("useLock", &l.UseLock)
	a.long("lockKeepAlivePeriod", &l.LockKeepAlivePeriod)
	l.Attrs = a.finish()
	for _, c := range n.kids {
		if c.local == "locker" && isCore(c) {
			l.Locker = d.lockerChild(c)
			continue
		}
		d.unexpected(n, c)
	}
	return l
}

// expandSync turns a replicatedLevelDB sync setting into basic modes.
func expandSync(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(m string) {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, part := range strings.Split(s, ",") {
		switch p := strings.ToLower(strings.TrimSpace(part)); p {
		case "local_mem", "local_disk", "remote_mem", "remote_disk":
			add(p)
		case "quorum_mem":
			add("local_mem")
			add("remote_mem")
		case "quorum_disk":
			add("local_disk")
			add("remote_disk")
		default:
			return nil, fmt.Errorf("invalid sync mode %q (want local_mem, local_disk, remote_mem, remote_disk, quorum_mem or quorum_disk)", strings.TrimSpace(part))
		}
	}
	return out, nil
}

func (d *decoder) replicatedLevelDB(n *xnode) *ReplicatedLevelDB {
	r := &ReplicatedLevelDB{Pos: d.pos(n), LevelDBOptions: defaultLevelDBOptions(d.cfg.Paths.Base),
		Replicas: 3, Bind: "tcp://0.0.0.0:61619", ZkAddress: "127.0.0.1:2181", ZkPath: "/default",
		ZkSessionTimeout: 2e9, Sync: "quorum_mem", Weight: 1}
	a := d.attrsOf(n)
	d.levelDBOptions(a, &r.LevelDBOptions)
	a.int("replicas", &r.Replicas)
	if r.Replicas < 1 {
		a.bad("replicas", fmt.Errorf("replicas must be at least 1, got %d", r.Replicas))
	}
	if a.str("bind", &r.Bind) {
		if u, err := ParseConnectorURI(r.Bind); err != nil {
			a.bad("bind", err)
		} else if u.Scheme != "tcp" || !u.HasPort {
			a.bad("bind", fmt.Errorf("bind must be tcp://host:port, got %q", r.Bind))
		}
	}
	a.str("zkAddress", &r.ZkAddress)
	a.str("zkPassword", &r.ZkPassword)
	a.str("zkPath", &r.ZkPath)
	for _, name := range []string{"zkSessionTmeout", "zkSessionTimeout"} {
		if v, ok := a.get(name); ok {
			dur, err := ParseTimespan(v)
			if err != nil {
				a.bad(name, err)
			} else {
				r.ZkSessionTimeout = dur
			}
		}
	}
	a.str("hostname", &r.Hostname)
	a.str("connectUrl", &r.ConnectURL)
	if a.str("sync", &r.Sync) {
		if _, err := expandSync(r.Sync); err != nil {
			a.bad("sync", err)
		}
	}
	a.str("securityToken", &r.SecurityToken)
	a.int("weight", &r.Weight)
	a.str("container", &r.Container)
	r.Attrs = a.finish()
	for _, s := range strings.Split(r.ZkAddress, ",") {
		if s = strings.TrimSpace(s); s != "" {
			r.ZkServers = append(r.ZkServers, s)
		}
	}
	if len(r.ZkServers) == 0 {
		d.failAt(n.line, n.col, nil, "<replicatedLevelDB>: empty zkAddress")
	}
	if !strings.HasPrefix(r.ZkPath, "/") {
		x := a.src["zkPath"]
		d.failAt(x.line, x.col, nil, "<replicatedLevelDB zkPath=%q>: a ZooKeeper path must start with /", r.ZkPath)
	}
	for _, c := range n.kids {
		d.unexpected(n, c)
	}
	return r
}

func (d *decoder) jdbc(n *xnode) *JDBCPersistenceAdapter {
	j := &JDBCPersistenceAdapter{Pos: d.pos(n), CreateTablesOnStartup: true, UseLock: true,
		LockKeepAlivePeriod: 30000, LockAcquireSleepInterval: -1, CleanupPeriod: 300000,
		QueryTimeout: -1, NetworkTimeout: -1, MaxRows: 32767}
	a := d.attrsOf(n)
	if a.ref("dataSource", &j.DataSourceRef) {
		j.DataSource = d.dataSourceByID(j.DataSourceRef)
	}
	if !a.path("dataDirectory", &j.DataDirectory) {
		a.path("directory", &j.DataDirectory)
	}
	a.sbool("createTablesOnStartup", &j.CreateTablesOnStartup)
	a.sbool("useLock", &j.UseLock)
	a.sbool("useDatabaseLock", &j.UseLock)
	a.long("lockKeepAlivePeriod", &j.LockKeepAlivePeriod)
	a.long("lockAcquireSleepInterval", &j.LockAcquireSleepInterval)
	a.int("cleanupPeriod", &j.CleanupPeriod)
	a.int("transactionIsolation", &j.TransactionIsolation)
	a.int("queryTimeout", &j.QueryTimeout)
	a.int("networkTimeout", &j.NetworkTimeout)
	a.int("maxRows", &j.MaxRows)
	a.get("brokerName")
	j.Attrs = a.finish()
	for _, c := range n.kids {
		if !isCore(c) {
			d.unexpected(n, c)
			continue
		}
		switch c.local {
		case "locker", "databaseLocker":
			j.Locker = d.lockerChild(c)
		case "adapter":
			d.noAttrs(c)
			if ad := d.single(c); ad != nil {
				j.Adapter = ad.local
				d.capture(ad)
			}
		case "statements":
			d.noAttrs(c)
			if st := d.single(c); st != nil {
				j.Statements = d.capture(st)
			}
		case "dataSource", "ds":
			d.noAttrs(c)
			if inner := d.single(c); inner != nil {
				switch {
				case inner.local == "bean" && isBeans(inner):
					b := d.decodeBean(inner, true)
					j.DataSourceRef = b.ID
					j.DataSource = d.dataSource(b)
				case inner.local == "ref" && isBeans(inner):
					id := d.refTarget(inner)
					if _, ok := d.beanNodes[id]; !ok {
						d.failAt(inner.line, inner.col, nil, "<ref bean=%q>: no bean with id %q", id, id)
						break
					}
					j.DataSourceRef = id
					j.DataSource = d.dataSourceByID(id)
				default:
					d.unexpected(c, inner)
				}
			}
		default:
			d.unexpected(n, c)
		}
	}
	return j
}

func (d *decoder) dataSourceByID(id string) *DataSource {
	b, ok := d.cfg.Beans[id]
	if !ok {
		bn, found := d.beanNodes[id]
		if !found {
			return nil
		}
		b = d.decodeBean(bn, true)
	}
	return d.dataSource(b)
}
