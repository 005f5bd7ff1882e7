package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// The temp store is <dataDirectory>/<brokerName>/tmp_storage, as in
// ActiveMQ: two brokers sharing a data directory each spill to their own,
// and the second one starting (which empties its temp store) leaves the
// first one's spilled messages alone.
func TestTempStorePerBroker(t *testing.T) {
	policy := `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue=">" memoryLimit="64kb"/>
    </policyEntries></policyMap></destinationPolicy>`
	xmlFor := func(name string) string {
		return strings.Replace(jmsXML("", policy), `brokerName="jms-test"`, `brokerName="`+name+`"`, 1)
	}
	a := startJMSXML(t, xmlFor("a"))
	data := filepath.Join(a.dir, "data")
	hasStore := func(broker string) {
		t.Helper()
		dir := filepath.Join(data, broker, "tmp_storage")
		if ents, err := os.ReadDir(dir); err != nil || len(ents) == 0 {
			t.Fatalf("broker %s's temp store in %s: %d files, %v", broker, dir, len(ents), err)
		}
	}
	hasStore("a")

	const n = 64
	body := func(i int) string { return fmt.Sprintf("%04d", i) + strings.Repeat("x", 4<<10) }
	pc := a.dial(t, "producer")
	pc.sendAll("/queue/spill", n, func(i int) (string, []string) {
		return body(i), []string{"persistent", "false"}
	})
	if used, _ := a.b().TempUsage(); used == 0 {
		t.Fatal("nothing spilled to the temp store past a 64 KB memory window")
	}

	// A second broker on the same data directory.
	b := &jmsServer{t: t, dir: a.dir, xml: xmlFor("b")}
	b.start()
	t.Cleanup(func() { b.srv.Close() })
	hasStore("b")
	if _, err := os.Stat(filepath.Join(data, "tmp")); !os.IsNotExist(err) {
		t.Fatalf("a temp store shared by every broker of the data directory: %v", err)
	}
	hasStore("a")

	cc := a.dial(t, "consumer")
	cc.subscribe("s", "/queue/spill")
	for i := range n {
		f := cc.await(jmsWait, fmt.Sprintf("message %d", i), jmsIsMsgFor("s"))
		if string(f.Body) != body(i) {
			t.Fatalf("message %d: body %.10q..., want %.10q...", i, f.Body, body(i))
		}
	}
}

// A store without a directory of its own lives under the broker's
// dataDirectory, as ActiveMQ puts its default store there: setting
// dataDirectory to a bigger disk moves the messages to it, not only the
// temp store.
func TestStoreFollowsBrokerDataDirectory(t *testing.T) {
	for _, c := range []struct{ adapter, sub string }{
		{"", "leveldb"},
		{`<persistenceAdapter><levelDB/></persistenceAdapter>`, "leveldb"},
		{`<persistenceAdapter><kahaDB/></persistenceAdapter>`, "kahadb"},
		{`<persistenceAdapter><jdbcPersistenceAdapter/></persistenceAdapter>`, "sql"},
	} {
		dir := t.TempDir()
		elsewhere := filepath.Join(dir, "bigdisk")
		xml := `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="dd" dataDirectory="` + elsewhere + `">` + c.adapter + `
  </broker>
</beans>`
		cfg, _, err := config.Parse(filepath.Join(dir, "activemq.xml"), []byte(xml), config.Options{
			Base: dir, Data: filepath.Join(dir, "data"), Env: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		st, err := openStore(cfg, jmsLogger())
		if err != nil {
			t.Fatalf("%q: %v", c.adapter, err)
		}
		st.Close()
		if _, err := os.Stat(filepath.Join(elsewhere, c.sub)); err != nil {
			t.Errorf("%q: store not under dataDirectory: %v", c.adapter, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "data", c.sub)); !os.IsNotExist(err) {
			t.Errorf("%q: store written to ACTIVEMQ_DATA despite dataDirectory: %v", c.adapter, err)
		}
	}
}

// deleteAllMessagesOnStartup empties the store before recovery, as
// ActiveMQ's does: queued persistent messages and durable subscriptions
// (with what is pending for them) are gone after the restart.
func TestJMSDeleteAllMessagesOnStartup(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", jmsLevelDB)
	d := s.dial(t, "dur", "client-id", "wipe-client")
	d.subscribe("d", "/topic/WIPE.T", "activemq.subscriptionName", "sub1")
	d.disconnect()
	p := s.dial(t, "p")
	for i := 0; i < 3; i++ {
		p.sendR("/queue/WIPE.Q", fmt.Sprint("q", i), "persistent", "true")
	}
	p.sendR("/topic/WIPE.T", "t0", "persistent", "true")
	p.disconnect()

	// Without the attribute the store's content survives a restart.
	s.restart()
	if n := s.queueSize("WIPE.Q"); n != 3 {
		t.Fatalf("after a plain restart WIPE.Q holds %d messages, want 3", n)
	}
	if subs := s.b().DurableSubscriptions(); len(subs) != 1 {
		t.Fatalf("after a plain restart: durable subscriptions %+v, want 1", subs)
	}

	s.xml = jmsXML(`deleteAllMessagesOnStartup="true"`, jmsLevelDB)
	s.restart()
	if n := s.queueSize("WIPE.Q"); n > 0 {
		t.Errorf("with deleteAllMessagesOnStartup WIPE.Q holds %d messages, want none", n)
	}
	if subs := s.b().DurableSubscriptions(); len(subs) != 0 {
		t.Errorf("with deleteAllMessagesOnStartup: durable subscriptions %+v, want none", subs)
	}
	c := s.dial(t, "c")
	c.subscribe("q", "/queue/WIPE.Q")
	c.noMsg("q", jmsQuiet)

	// New messages are stored and kept as usual afterwards.
	p = s.dial(t, "p2")
	p.sendR("/queue/WIPE.Q", "after", "persistent", "true")
	p.disconnect()
	if b := c.msgBody("q"); b != "after" {
		t.Fatalf("got %q, want %q", b, "after")
	}
}
