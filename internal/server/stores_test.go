package server

import (
	"testing"

	"amq/internal/config"
	"amq/store/leveldb"
	"amq/store/memory"
)

// Concurrent store and dispatch follows <kahaDB concurrentStoreAndDispatchQueues>
// (default true), is on for <levelDB> and the default store, off for the others.
func TestConcurrentStoreAndDispatchSetting(t *testing.T) {
	dir := t.TempDir()
	journal, err := leveldb.Open(leveldb.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer journal.Close()
	for _, c := range []struct {
		name, adapter string
		journal       bool
		want          bool
	}{
		{"no adapter", "", true, true},
		{"levelDB", `<levelDB/>`, true, true},
		{"kahaDB default", `<kahaDB/>`, true, true},
		{"kahaDB off", `<kahaDB concurrentStoreAndDispatchQueues="false"/>`, true, false},
		{"memory store", `<memoryPersistenceAdapter/>`, false, false},
	} {
		pa := ""
		if c.adapter != "" {
			pa = `<persistenceAdapter>` + c.adapter + `</persistenceAdapter>`
		}
		xml := `<beans xmlns="http://www.springframework.org/schema/beans">
<broker xmlns="http://activemq.apache.org/schema/core" brokerName="csd">` + pa + `</broker></beans>`
		cfg, _, err := config.Parse(dir+"/activemq.xml", []byte(xml), config.Options{Base: dir, Data: dir + "/data"})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := concurrentStoreAndDispatch(cfg, memory.New())
		if c.journal {
			got = concurrentStoreAndDispatch(cfg, journal)
		}
		if got != c.want {
			t.Errorf("%s: concurrent store and dispatch %v, want %v", c.name, got, c.want)
		}
	}
}
