package server

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"amq/internal/config"
	"amq/store"
	"amq/store/leveldb"
)

// openLevelDB serves <levelDB>, <kahaDB> and a persistent broker with no
// adapter configured, all with the journal + LevelDB index store.
func openLevelDB(cfg *config.Config, log *slog.Logger) (store.Store, error) {
	bc := &cfg.Broker
	pa := bc.PersistenceAdapter
	// Stores without a directory of their own go under the broker's
	// dataDirectory (ACTIVEMQ_DATA unless the file sets one), as ActiveMQ
	// puts its default store there.
	dir := filepath.Join(bc.DataDirectory, "leveldb")
	opts := leveldb.Options{Logger: log}
	switch {
	case pa == nil:
		log.Info("no persistenceAdapter configured: using the LevelDB journal store", "directory", dir)
	case pa.Kind == "levelDB":
		if _, set := pa.LevelDB.Attrs["directory"]; set {
			dir = pa.LevelDB.Directory
		}
		opts.NoSync = !pa.LevelDB.Sync
		if _, set := pa.LevelDB.Attrs["logSize"]; set {
			opts.SegmentSize = pa.LevelDB.LogSize
		}
	case pa.Kind == "kahaDB":
		dir = filepath.Join(bc.DataDirectory, "kahadb")
		if _, set := pa.KahaDB.Attrs["directory"]; set {
			dir = pa.KahaDB.Directory
		}
		opts.NoSync = !pa.KahaDB.EnableJournalDiskSyncs
		if _, set := pa.KahaDB.Attrs["journalMaxFileLength"]; set {
			opts.SegmentSize = pa.KahaDB.JournalMaxFileLength
		}
		log.Info("<kahaDB> is served by the LevelDB journal store (journalMaxFileLength, enableJournalDiskSyncs and concurrentStoreAndDispatchQueues apply)", "directory", dir)
	}
	if err := leveldb.DetectForeign(dir); err != nil {
		return nil, err
	}
	var err error
	if opts.Dir, err = dataDir(dir); err != nil {
		return nil, err
	}
	if opts.NoSync {
		log.Warn("store sync is off: a machine crash can lose acknowledged messages (sync=\"false\")", "directory", dir)
	}
	st, err := leveldb.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return st, nil
}

// concurrentStoreAndDispatch reports whether queue messages are dispatched
// while their journal write is under way: with the journal store, as
// ActiveMQ does with KahaDB (concurrentStoreAndDispatchQueues, default true)
// and with its LevelDB store; never with the SQL and memory stores.
func concurrentStoreAndDispatch(cfg *config.Config, st store.Store) bool {
	if _, ok := st.(*leveldb.Store); !ok {
		return false
	}
	if pa := cfg.Broker.PersistenceAdapter; pa != nil && pa.Kind == "kahaDB" {
		return pa.KahaDB.ConcurrentStoreAndDispatchQueues
	}
	return true
}

// openTempStore opens the store non-persistent messages spill to when a
// queue's memory window is full: the broker's tmpDataDirectory, by default
// <dataDirectory>/<brokerName>/tmp_storage as in ActiveMQ, so brokers that
// share a data directory each have their own. It is emptied at every start
// and never fsynced.
func openTempStore(cfg *config.Config, log *slog.Logger) (store.Store, error) {
	dir := cfg.Broker.TmpDataDirectory
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clear temp store %s: %w", dir, err)
	}
	d, err := dataDir(dir)
	if err != nil {
		return nil, err
	}
	st, err := leveldb.Open(leveldb.Options{Dir: d, NoSync: true, Logger: log.With("store", "tmp")})
	if err != nil {
		return nil, fmt.Errorf("open temp store %s: %w", dir, err)
	}
	return st, nil
}
