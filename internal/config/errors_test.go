package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want string // exact error text
	}{
		{"bad size", `<beans xmlns="http://www.springframework.org/schema/beans">
<broker xmlns="http://activemq.apache.org/schema/core">
  <systemUsage><systemUsage>
    <memoryUsage>
      <memoryUsage limit="64 zb"/>
    </memoryUsage>
  </systemUsage></systemUsage>
</broker>
</beans>`, `activemq.xml:5:20: <memoryUsage limit="64 zb">: invalid size "64 zb"`},
		{"decimal size", broker(`<destinationPolicy><policyMap><policyEntries>
  <policyEntry queue=">"  memoryLimit="1.5mb"/>
</policyEntries></policyMap></destinationPolicy>`), `activemq.xml:4:27: <policyEntry memoryLimit="1.5mb">: invalid size "1.5mb"`},
		{"broker boolean is ActiveMQ's BooleanEditor", `<broker xmlns="http://activemq.apache.org/schema/core" persistent="yes"/>`,
			`activemq.xml:1:56: <broker persistent="yes">: invalid boolean "yes"`},
		{"spring boolean", broker(`<transportConnectors><transportConnector uri="tcp://h:1" updateClusterClients="maybe"/></transportConnectors>`),
			`activemq.xml:3:58: <transportConnector updateClusterClients="maybe">: invalid boolean "maybe"`},
		{"bad integer", broker(`<destinationPolicy><policyMap><policyEntries><policyEntry queue=">" queuePrefetch="ten"/></policyEntries></policyMap></destinationPolicy>`),
			`activemq.xml:3:69: <policyEntry queuePrefetch="ten">: invalid integer "ten"`},
		{"int overflow", broker(`<destinationPolicy><policyMap><policyEntries><policyEntry queue=">" queuePrefetch="99999999999"/></policyEntries></policyMap></destinationPolicy>`),
			`activemq.xml:3:69: <policyEntry queuePrefetch="99999999999">: invalid integer "99999999999": out of range`},
		{"unresolvable placeholder", `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core"
          dataDirectory="${no.such.property}/data"/>
</beans>`, `activemq.xml:3:11: <broker dataDirectory="${no.such.property}/data">: unresolvable placeholder ${no.such.property}`},
		{"placeholder in text", `<beans xmlns="http://www.springframework.org/schema/beans">
<bean id="ds" class="org.apache.commons.dbcp2.BasicDataSource">
  <property name="url">
    <value>jdbc:postgresql://${db.host}/amq</value>
  </property>
</bean>
<broker xmlns="http://activemq.apache.org/schema/core"/>
</beans>`, `activemq.xml:4:12: <value>: unresolvable placeholder ${db.host}`},
		{"bad uri port", broker(`<transportConnectors><transportConnector name="x" uri="tcp://0.0.0.0:6161x"/></transportConnectors>`),
			`activemq.xml:3:51: <transportConnector uri="tcp://0.0.0.0:6161x">: invalid URI "tcp://0.0.0.0:6161x": bad port "6161x"`},
		{"bad uri option", broker(`<transportConnectors><transportConnector uri="tcp://0.0.0.0:61616?maximumConnections=lots"/></transportConnectors>`),
			`activemq.xml:3:42: <transportConnector uri="tcp://0.0.0.0:61616?maximumConnections=lots">: option maximumConnections: invalid integer "lots"`},
		{"bad heart-beat option", broker(`<transportConnectors><transportConnector uri="stomp://0.0.0.0:61613?transport.defaultHeartBeat=5000"/></transportConnectors>`),
			`activemq.xml:3:42: <transportConnector uri="stomp://0.0.0.0:61613?transport.defaultHeartBeat=5000">: option transport.defaultHeartBeat: want "cx,cy", got "5000"`},
		{"missing uri", broker(`<transportConnectors>
  <transportConnector name="x"/>
</transportConnectors>`), `activemq.xml:4:3: <transportConnector> without a uri`},
		{"network connector without uri", broker(`<networkConnectors><networkConnector name="nc"/></networkConnectors>`),
			`activemq.xml:3:20: <networkConnector> without a uri`},
		{"missing bean", broker(`<persistenceAdapter><jdbcPersistenceAdapter dataSource="#postgres-ds"/></persistenceAdapter>`),
			`activemq.xml:3:45: <jdbcPersistenceAdapter dataSource="#postgres-ds">: no bean with id "postgres-ds"`},
		{"not a reference", broker(`<persistenceAdapter><jdbcPersistenceAdapter dataSource="postgres-ds"/></persistenceAdapter>`),
			`activemq.xml:3:45: <jdbcPersistenceAdapter dataSource="postgres-ds">: expected a bean reference "#id", got "postgres-ds"`},
		{"bad sync", broker(`<persistenceAdapter><replicatedLevelDB sync="quorum_ssd"/></persistenceAdapter>`),
			`activemq.xml:3:40: <replicatedLevelDB sync="quorum_ssd">: invalid sync mode "quorum_ssd" (want local_mem, local_disk, remote_mem, remote_disk, quorum_mem or quorum_disk)`},
		{"bad zkSessionTimeout", broker(`<persistenceAdapter><replicatedLevelDB zkSessionTimeout="soon"/></persistenceAdapter>`),
			`activemq.xml:3:40: <replicatedLevelDB zkSessionTimeout="soon">: invalid duration "soon"`},
		{"bad zkPath", broker(`<persistenceAdapter><replicatedLevelDB zkPath="activemq"/></persistenceAdapter>`),
			`activemq.xml:3:40: <replicatedLevelDB zkPath="activemq">: a ZooKeeper path must start with /`},
		{"bad replicas", broker(`<persistenceAdapter><replicatedLevelDB replicas="0"/></persistenceAdapter>`),
			`activemq.xml:3:40: <replicatedLevelDB replicas="0">: replicas must be at least 1, got 0`},
		{"bad bind", broker(`<persistenceAdapter><replicatedLevelDB bind="udp://0.0.0.0:1"/></persistenceAdapter>`),
			`activemq.xml:3:40: <replicatedLevelDB bind="udp://0.0.0.0:1">: bind must be tcp://host:port, got "udp://0.0.0.0:1"`},
		{"bad journalDiskSyncStrategy", broker(`<persistenceAdapter><kahaDB journalDiskSyncStrategy="sometimes"/></persistenceAdapter>`),
			`activemq.xml:3:29: <kahaDB journalDiskSyncStrategy="sometimes">: invalid journalDiskSyncStrategy "sometimes" (want always, periodic or never)`},
		{"kahaDB size over an int", broker(`<persistenceAdapter><kahaDB journalMaxFileLength="4 gb"/></persistenceAdapter>`),
			`activemq.xml:3:29: <kahaDB journalMaxFileLength="4 gb">: invalid size "4 gb": larger than 2147483647 bytes`},
		{"wrong root", `<configuration/>`, `activemq.xml:1:1: root element <configuration> is neither <beans> nor <broker>`},
		{"no broker", `<beans xmlns="http://www.springframework.org/schema/beans">
  <bean id="x" class="java.lang.Object"/>
</beans>`, `activemq.xml:1:1: no <broker> element (namespace http://activemq.apache.org/schema/core)`},
		{"two brokers", `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="a"/>
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="b"/>
</beans>`, `activemq.xml:3:3: a second <broker> element (the first is at line 2); only one broker per file is supported`},
		{"composite without name", broker(`<destinationInterceptors><virtualDestinationInterceptor><virtualDestinations>
  <compositeQueue><forwardTo><queue physicalName="A"/></forwardTo></compositeQueue>
</virtualDestinations></virtualDestinationInterceptor></destinationInterceptors>`),
			`activemq.xml:4:3: <compositeQueue> without a name`},
		{"bad systemPropertiesModeName", `<beans xmlns="http://www.springframework.org/schema/beans">
  <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer">
    <property name="systemPropertiesModeName" value="SYSTEM_PROPERTIES_MODE_SOMETIMES"/>
  </bean>
  <broker xmlns="http://activemq.apache.org/schema/core"/>
</beans>`, `activemq.xml:2:3: <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer"> property systemPropertiesModeName: invalid value "SYSTEM_PROPERTIES_MODE_SOMETIMES"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Parse("activemq.xml", []byte(c.doc), testOpts())
			if err == nil {
				t.Fatalf("no error; want %s", c.want)
			}
			if err.Error() != c.want {
				t.Errorf("error\n got: %s\nwant: %s", err, c.want)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "activemq.xml" || ce.Line == 0 || ce.Col == 0 {
				t.Errorf("error is not a positioned *Error: %#v", err)
			}
		})
	}
}

func TestMalformedXML(t *testing.T) {
	cases := []struct {
		doc      string
		wantLine int
		wantMsg  string
	}{
		{"<beans xmlns=\"http://www.springframework.org/schema/beans\">\n  <broker xmlns=\"http://activemq.apache.org/schema/core\">\n  </beans>\n", 3, "malformed XML: element <broker> closed by </beans>"},
		{"<broker xmlns=\"http://activemq.apache.org/schema/core\">\n<transportConnectors>\n", 3, "malformed XML: unexpected EOF"},
		{"<broker xmlns=\"http://activemq.apache.org/schema/core\" brokerName=\"a\" brokerName=\"b\"/>", 1, "malformed XML: attribute brokerName given twice"},
		{"<broker xmlns=\"http://activemq.apache.org/schema/core\" brokerName=noquotes/>", 1, "malformed XML: unquoted or missing attribute value in element"},
		{"<broker xmlns=\"http://activemq.apache.org/schema/core\">&nbsp;</broker>", 1, "malformed XML: invalid character entity &nbsp;"},
		{"", 1, "malformed XML: no root element"},
		{"<!-- only a comment -->", 1, "malformed XML: no root element"},
		{"<broker xmlns=\"http://activemq.apache.org/schema/core\"/>\n<broker/>", 2, "malformed XML: more than one root element"},
		{"<?xml version=\"1.0\" encoding=\"EBCDIC-CP-US\"?><broker/>", 1, "unsupported XML encoding"},
	}
	for _, c := range cases {
		_, _, err := Parse("conf/activemq.xml", []byte(c.doc), testOpts())
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%q: err = %v, want an *Error", c.doc, err)
			continue
		}
		if ce.Line != c.wantLine || !strings.HasPrefix(ce.Msg, c.wantMsg) || ce.File != "conf/activemq.xml" {
			t.Errorf("%q: got %s (line %d), want line %d and %q", c.doc, err, ce.Line, c.wantLine, c.wantMsg)
		}
		if !strings.HasPrefix(err.Error(), "conf/activemq.xml:") {
			t.Errorf("%q: error %q does not start with file:line:col", c.doc, err)
		}
	}
	deep := strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300)
	_, _, err := Parse("x.xml", []byte(deep), testOpts())
	if err == nil || !strings.Contains(err.Error(), "nested deeper than 200") {
		t.Errorf("deep nesting: %v", err)
	}
}

func TestLatin1Document(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<broker xmlns=\"http://activemq.apache.org/schema/core\" brokerName=\"caf\xe9\"/>"
	cfg, warns, err := Parse("a.xml", []byte(doc), testOpts())
	if err != nil {
		t.Fatal(err)
	}
	// ActiveMQ replaces characters outside [a-zA-Z0-9._-:] in broker names.
	eq(t, "name", cfg.Broker.Name, "caf_")
	onlyWarnings(t, warns, `a.xml:2:56: brokerName "café" has characters outside`)
}

func TestWarnings(t *testing.T) {
	doc := `<beans xmlns="http://www.springframework.org/schema/beans" xmlns:jetty="http://jetty.example/1">
<import resource="jetty.xml"/>
<broker xmlns="http://activemq.apache.org/schema/core" brokerName="w" fooBar="1">
  <frobnicator/>
  <persistenceAdapter>
    <kahaDB directoy="x" directoryArchive="/archive"/>
  </persistenceAdapter>
  <destinationPolicy><policyMap><policyEntries>
    <policyEntry queue=">" topic="T" queuePrefetch="5">
      <pendingQueuePolicy><vmQueueCursor/></pendingQueuePolicy>
    </policyEntry>
    <policyEntry topic="T"/>
    <policyEntry/>
  </policyEntries></policyMap></destinationPolicy>
  <plugins>
    <bean xmlns="http://www.springframework.org/schema/beans" class="com.example.AuditPlugin"/>
    <loggingBrokerPlugin logAll="true"/>
  </plugins>
  <jetty:server port="8161"/>
  <managementContext><managementContext createConnector="false"/></managementContext>
  <networkConnectors>
    <multicastNetworkConnector remoteURI="multicast://default"/>
  </networkConnectors>
</broker>
<jetty:server/>
</beans>`
	cfg, warns := mustParse(t, doc, testOpts())
	onlyWarnings(t, warns,
		`activemq.xml:2:1: <import resource="jetty.xml"> is not followed`,
		`activemq.xml:3:71: <broker>: unknown attribute fooBar; ignored`,
		`activemq.xml:4:3: unknown element <frobnicator> in <broker>; ignored`,
		`activemq.xml:6:13: <kahaDB>: unknown attribute directoy; ignored`,
		`activemq.xml:6:26: <kahaDB directoryArchive>: attribute not supported by this broker; ignored`,
		`activemq.xml:9:5: <policyEntry> names more than one of queue, topic, tempQueue, tempTopic; the last one (topic) is used`,
		`activemq.xml:10:7: <pendingQueuePolicy> is accepted but has no effect in this broker`,
		`activemq.xml:12:5: a second policyEntry for topic "T" (the first is at line 9)`,
		`activemq.xml:13:5: <policyEntry> without queue, topic, tempQueue or tempTopic never matches; ignored`,
		`activemq.xml:16:5: custom plugin bean com.example.AuditPlugin is not supported by this broker; ignored`,
		`activemq.xml:17:5: <loggingBrokerPlugin> is not supported by this broker; recorded, ignored`,
		`activemq.xml:19:3: element <server> from namespace http://jetty.example/1 ignored`,
		`activemq.xml:22:5: <multicastNetworkConnector> is not supported by this broker; recorded, ignored`,
		`activemq.xml:25:1: element <server> from namespace http://jetty.example/1 ignored`,
	)
	// Ignored and unsupported things still reach the model.
	eq(t, "attrs keep unknown", cfg.Broker.Attrs["fooBar"], "1")
	eq(t, "kahaDB attrs", cfg.Broker.PersistenceAdapter.KahaDB.Attrs["directoryArchive"], "/archive")
	p := cfg.PolicyFor("topic", "T")
	eq(t, "pendingQueuePolicy recorded", p.PendingQueuePolicy.Children[0].Name, "vmQueueCursor")
	eq(t, "plugin order", strings.Join(cfg.Broker.Plugins.Order, ","), "bean:com.example.AuditPlugin,loggingBrokerPlugin")
	eq(t, "other plugins", len(cfg.Broker.Plugins.Other), 2)
	eq(t, "logAll recorded", cfg.Broker.Plugins.Other[1].Attrs["logAll"], "true")
	eq(t, "multicast connector recorded", cfg.Broker.NetworkConnectors[0].Kind, "multicastNetworkConnector")
	eq(t, "imports", cfg.Imports[0].Resource, "jetty.xml")
	for _, w := range warns {
		if w.File != "activemq.xml" || w.Line == 0 || w.Col == 0 {
			t.Errorf("warning without a position: %#v", w)
		}
	}
}

func TestPropertiesFileErrors(t *testing.T) {
	dir := t.TempDir()
	doc := `<beans xmlns="http://www.springframework.org/schema/beans">
  <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer">
    <property name="locations">
      <list>
        <value>file:${activemq.conf}/credentials.properties</value>
      </list>
    </property>
  </bean>
  <broker xmlns="http://activemq.apache.org/schema/core"/>
</beans>`
	path := filepath.Join(dir, "activemq.xml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(path, Options{Env: noEnv})
	missing := filepath.Join(dir, "credentials.properties")
	want := path + ":2:3: properties file " + missing + ": open " + missing + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("missing file:\n got: %v\nwant: %s", err, want)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error does not wrap os.ErrNotExist: %v", err)
	}

	ignoring := strings.Replace(doc, `<property name="locations">`, `<property name="ignoreResourceNotFound" value="true"/>
    <property name="locations">`, 1)
	if err := os.WriteFile(path, []byte(ignoring), 0o644); err != nil {
		t.Fatal(err)
	}
	_, warns, err := Load(path, Options{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	onlyWarnings(t, warns, "properties file "+missing+" not found; skipped (ignoreResourceNotFound)")

	if err := os.WriteFile(missing, []byte("bad=\\uZZZZ\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = Load(path, Options{Env: noEnv})
	if err == nil || !strings.Contains(err.Error(), missing+": line 1: malformed \\uxxxx escape") {
		t.Errorf("bad properties: %v", err)
	}

	http := strings.Replace(doc, "file:${activemq.conf}/credentials.properties", "http://config.example.com/c.properties", 1)
	_, _, err = Parse("activemq.xml", []byte(http), testOpts())
	if err == nil || !strings.Contains(err.Error(), "only file: and classpath: locations are supported") {
		t.Errorf("http location: %v", err)
	}
}

// TestNotActedOnWarnings covers attributes the decoder reads but the broker
// does not act on: a value asking for behaviour the broker lacks is warned
// about with its position; the value the broker behaves as is not.
func TestNotActedOnWarnings(t *testing.T) {
	doc := broker(`<destinationPolicy><policyMap><policyEntries>
  <policyEntry queue="A" strictOrderDispatch="true" persistJMSRedelivered="true" maxDestinations="10">
    <deadLetterStrategy>
      <individualDeadLetterStrategy useQueueForQueueMessages="false" useQueueForTopicMessages="false" destinationPerDurableSubscriber="true"/>
    </deadLetterStrategy>
  </policyEntry>
  <policyEntry queue="B" strictOrderDispatch="false" persistJMSRedelivered="false" maxDestinations="-1">
    <deadLetterStrategy>
      <individualDeadLetterStrategy useQueueForQueueMessages="true" useQueueForTopicMessages="true" destinationPerDurableSubscriber="false"/>
    </deadLetterStrategy>
  </policyEntry>
  <policyEntry topic="C">
    <deadLetterStrategy>
      <sharedDeadLetterStrategy><deadLetterQueue><topic physicalName="DLT"/></deadLetterQueue></sharedDeadLetterStrategy>
    </deadLetterStrategy>
  </policyEntry>
  <policyEntry topic="D">
    <deadLetterStrategy>
      <sharedDeadLetterStrategy><deadLetterQueue><queue physicalName="DLQ.D"/></deadLetterQueue></sharedDeadLetterStrategy>
    </deadLetterStrategy>
  </policyEntry>
</policyEntries></policyMap></destinationPolicy>`)
	cfg, warns := mustParse(t, doc, testOpts())
	onlyWarnings(t, warns,
		`activemq.xml:4:26: <policyEntry strictOrderDispatch>: attribute not supported by this broker; ignored`,
		`activemq.xml:4:53: <policyEntry persistJMSRedelivered>: attribute not supported by this broker; ignored`,
		`activemq.xml:4:82: <policyEntry maxDestinations>: attribute not supported by this broker; ignored`,
		`activemq.xml:6:37: <individualDeadLetterStrategy useQueueForQueueMessages>: attribute not supported by this broker; ignored`,
		`activemq.xml:6:70: <individualDeadLetterStrategy useQueueForTopicMessages>: attribute not supported by this broker; ignored`,
		`activemq.xml:6:103: <individualDeadLetterStrategy destinationPerDurableSubscriber>: attribute not supported by this broker; ignored`,
		`activemq.xml:16:50: <sharedDeadLetterStrategy><deadLetterQueue><topic>: a dead-letter topic is not supported by this broker; the queue DLT is used`,
	)
	// The values still reach the model.
	a := cfg.PolicyFor("queue", "A")
	eq(t, "strictOrderDispatch", a.StrictOrderDispatch, true)
	eq(t, "maxDestinations", a.MaxDestinations, 10)
	eq(t, "useQueueForQueueMessages", a.DeadLetterStrategy.UseQueueForQueueMessages, false)
	eq(t, "DLQ kind", cfg.PolicyFor("topic", "C").DeadLetterStrategy.DeadLetterQueueKind, Topic)
}
