package web

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"amq/broker"
)

const (
	brokerMBean = "org.apache.activemq:type=Broker,brokerName=webtest"
	brokerCanon = "org.apache.activemq:brokerName=webtest,type=Broker"
)

func queueMBean(name string) string {
	return "org.apache.activemq:type=Broker,brokerName=webtest,destinationType=Queue,destinationName=" + name
}

func queueCanon(name string) string {
	return "org.apache.activemq:brokerName=webtest,destinationName=" + name + ",destinationType=Queue,type=Broker"
}

func topicCanon(name string) string {
	return "org.apache.activemq:brokerName=webtest,destinationName=" + name + ",destinationType=Topic,type=Broker"
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkOK verifies Jolokia's success envelope field by field and returns the value.
func checkOK(t *testing.T, resp map[string]any, wantReq map[string]any) any {
	t.Helper()
	if got := keys(resp); !reflect.DeepEqual(got, []string{"request", "status", "timestamp", "value"}) {
		t.Fatalf("response fields %v, want request, status, timestamp, value: %v", got, resp)
	}
	if resp["status"] != float64(200) {
		t.Fatalf("status %v: %v", resp["status"], resp)
	}
	ts, ok := resp["timestamp"].(float64)
	if !ok || ts < float64(time.Now().Add(-time.Minute).Unix()) || ts > float64(time.Now().Add(time.Minute).Unix()) {
		t.Fatalf("timestamp %v is not unix seconds of now", resp["timestamp"])
	}
	if wantReq != nil && !reflect.DeepEqual(resp["request"], wantReq) {
		t.Fatalf("request echo %v, want %v", resp["request"], wantReq)
	}
	return resp["value"]
}

// checkErr verifies Jolokia's error shape.
func checkErr(t *testing.T, resp map[string]any, status int, errType string) {
	t.Helper()
	for _, k := range []string{"error_type", "error", "status"} {
		if _, ok := resp[k]; !ok {
			t.Fatalf("error response lacks %s: %v", k, resp)
		}
	}
	if _, ok := resp["value"]; ok {
		t.Fatalf("error response has a value: %v", resp)
	}
	if resp["status"] != float64(status) || resp["error_type"] != errType {
		t.Fatalf("error %v %v, want %d %s: %v", resp["status"], resp["error_type"], status, errType, resp)
	}
	if !strings.HasPrefix(resp["error"].(string), errType+" : ") {
		t.Fatalf("error text %q does not start with %q", resp["error"], errType+" : ")
	}
}

func TestJolokiaVersion(t *testing.T) {
	e := startEnv(t, envOpts{})
	for _, p := range []string{"/version", "", "/"} {
		v := checkOK(t, e.jolokiaGet(p), map[string]any{"type": "version"}).(map[string]any)
		if v["protocol"] != "7.2" || v["agent"] == "" || v["info"].(map[string]any)["version"] != broker.Version {
			t.Fatalf("version %v", v)
		}
	}
	_, r := e.jolokiaPost("viewer", "viewpw", map[string]any{"type": "version"})
	checkOK(t, r.(map[string]any), map[string]any{"type": "version"})
}

func TestJolokiaReadBroker(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("jq.a", 3, true)
	e.send("jq.b", 1, false)
	e.b.AddTopic("jt.a")
	s, err := e.cl.Subscribe(broker.SubscribeOptions{Dest: broker.TopicDest("jt.a"), Prefetch: -1}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	v := checkOK(t, e.jolokiaGet("/read/"+brokerMBean), map[string]any{"mbean": brokerCanon, "type": "read"}).(map[string]any)
	for _, k := range []string{"BrokerName", "BrokerVersion", "BrokerId", "Uptime", "UptimeMillis", "TotalMessageCount", "TotalConnectionsCount",
		"TotalEnqueueCount", "TotalDequeueCount", "TotalConsumerCount", "TotalProducerCount", "StorePercentUsage", "MemoryPercentUsage",
		"MemoryLimit", "StoreLimit", "TempPercentUsage", "TempLimit", "Queues", "Topics", "TemporaryQueues", "TemporaryTopics",
		"DurableTopicSubscribers", "InactiveDurableTopicSubscribers", "TransportConnectors", "Persistent", "DataDirectory", "CurrentConnectionsCount"} {
		if _, ok := v[k]; !ok {
			t.Errorf("broker MBean lacks %s", k)
		}
	}
	want := map[string]any{
		"BrokerName":         "webtest",
		"BrokerVersion":      "5.17.2",
		"BrokerId":           e.b.ID(),
		"TotalMessageCount":  float64(4),
		"TotalEnqueueCount":  float64(4),
		"TotalDequeueCount":  float64(0),
		"TotalConsumerCount": float64(1),
		"Persistent":         false,
		"Slave":              false,
	}
	for k, w := range want {
		if !reflect.DeepEqual(v[k], w) {
			t.Errorf("%s = %#v, want %#v", k, v[k], w)
		}
	}
	if !regexp.MustCompile(`^\d+\.\d{3} seconds$`).MatchString(v["Uptime"].(string)) {
		t.Errorf("Uptime %q", v["Uptime"])
	}
	if v["UptimeMillis"].(float64) < 0 || v["TotalConnectionsCount"].(float64) < 1 {
		t.Errorf("UptimeMillis %v TotalConnectionsCount %v", v["UptimeMillis"], v["TotalConnectionsCount"])
	}
	for _, k := range []string{"StorePercentUsage", "MemoryPercentUsage"} {
		if p := v[k].(float64); p < 0 || p > 100 || p != float64(int(p)) {
			t.Errorf("%s = %v, want an int percentage", k, p)
		}
	}
	wantQueues := []any{map[string]any{"objectName": queueCanon("jq.a")}, map[string]any{"objectName": queueCanon("jq.b")}}
	if !reflect.DeepEqual(v["Queues"], wantQueues) {
		t.Errorf("Queues = %v, want %v", v["Queues"], wantQueues)
	}
	found := false
	for _, x := range v["Topics"].([]any) {
		if x.(map[string]any)["objectName"] == topicCanon("jt.a") {
			found = true
		}
	}
	if !found {
		t.Errorf("Topics = %v lacks jt.a", v["Topics"])
	}
	if tc := v["TransportConnectors"].(map[string]any); !strings.HasPrefix(tc["stomp"].(string), "stomp://127.0.0.1:") {
		t.Errorf("TransportConnectors %v", tc)
	}

	// One attribute: the value itself; several: a map.
	got := checkOK(t, e.jolokiaGet("/read/"+brokerMBean+"/BrokerName"), map[string]any{"mbean": brokerCanon, "attribute": "BrokerName", "type": "read"})
	if got != "webtest" {
		t.Fatalf("BrokerName = %v", got)
	}
	multi := checkOK(t, e.jolokiaGet("/read/"+brokerMBean+"/BrokerName,TotalEnqueueCount"), nil).(map[string]any)
	if !reflect.DeepEqual(multi, map[string]any{"BrokerName": "webtest", "TotalEnqueueCount": float64(4)}) {
		t.Fatalf("two attributes: %v", multi)
	}
	// Inner path.
	if got := checkOK(t, e.jolokiaGet("/read/"+brokerMBean+"/Queues/0/objectName"), nil); got != queueCanon("jq.a") {
		t.Fatalf("path read: %v", got)
	}
	// POST with an attribute list.
	_, r := e.jolokiaPost("viewer", "viewpw", map[string]any{"type": "read", "mbean": brokerMBean, "attribute": []string{"BrokerName", "BrokerVersion"}})
	pv := checkOK(t, r.(map[string]any), map[string]any{"type": "read", "mbean": brokerCanon, "attribute": []any{"BrokerName", "BrokerVersion"}})
	if !reflect.DeepEqual(pv, map[string]any{"BrokerName": "webtest", "BrokerVersion": "5.17.2"}) {
		t.Fatalf("POST read: %v", pv)
	}
}

func TestJolokiaReadQueue(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("jq", 5, true)
	e.cl.Conn().AddProducer(broker.QueueDest("jq"))
	s, err := e.cl.Subscribe(broker.SubscribeOptions{Dest: broker.QueueDest("jq"), Prefetch: 2}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := s.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(d); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dispatch", func() bool {
		st, _ := e.b.QueueStats(broker.QueueDest("jq"))
		return st.InFlightCount == 2
	})

	v := checkOK(t, e.jolokiaGet("/read/"+queueMBean("jq")), map[string]any{"mbean": queueCanon("jq"), "type": "read"}).(map[string]any)
	want := map[string]any{
		"Name":                "jq",
		"QueueSize":           float64(4),
		"EnqueueCount":        float64(5),
		"DequeueCount":        float64(1),
		"DispatchCount":       float64(3),
		"InFlightCount":       float64(2),
		"ExpiredCount":        float64(0),
		"ConsumerCount":       float64(1),
		"ProducerCount":       float64(1),
		"ForwardCount":        float64(0),
		"DLQ":                 false,
		"Paused":              false,
		"ProducerFlowControl": true,
		"PrioritizedMessages": false,
		"MemoryLimit":         float64(1 << 30),
	}
	for k, w := range want {
		if !reflect.DeepEqual(v[k], w) {
			t.Errorf("%s = %#v, want %#v", k, v[k], w)
		}
	}
	for _, k := range []string{"MemoryPercentUsage", "AverageEnqueueTime", "MinMessageSize", "MaxMessageSize", "AverageMessageSize",
		"MemoryUsageByteCount", "CursorPercentUsage", "Subscriptions", "BlockedSends", "MaxEnqueueTime", "MinEnqueueTime"} {
		if _, ok := v[k]; !ok {
			t.Errorf("queue MBean lacks %s", k)
		}
	}
	if v["MemoryUsageByteCount"].(float64) <= 0 {
		t.Errorf("MemoryUsageByteCount %v", v["MemoryUsageByteCount"])
	}
	for _, cls := range []*mbeanClass{queueClass, topicClass} {
		m := e.c.lookup(mustON(t, queueMBean("jq")))
		if cls == topicClass {
			e.b.AddTopic("tt")
			m = e.c.lookup(mustON(t, "org.apache.activemq:type=Broker,brokerName=webtest,destinationType=Topic,destinationName=tt"))
		}
		vals := m.values()
		for _, a := range cls.attrs {
			if _, ok := vals[a.Name]; !ok {
				t.Errorf("%s declares %s but has no value for it", cls.class, a.Name)
			}
		}
		if len(vals) != len(cls.attrs) {
			t.Errorf("%s: %d values for %d declared attributes", cls.class, len(vals), len(cls.attrs))
		}
	}
	e.deadLetter("poisoned")
	dlq := checkOK(t, e.jolokiaGet("/read/"+queueMBean("ActiveMQ.DLQ")+"/DLQ"), nil)
	if dlq != true {
		t.Fatalf("ActiveMQ.DLQ DLQ = %v", dlq)
	}
}

func mustON(t *testing.T, s string) objectName {
	t.Helper()
	on, err := parseObjectName(s)
	if err != nil {
		t.Fatal(err)
	}
	return on
}

func TestJolokiaSearchAndPatternRead(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("s.one", 1, false)
	e.send("s.two", 2, false)
	e.b.AddTopic("s.topic")
	pattern := "org.apache.activemq:type=Broker,brokerName=*,destinationType=Queue,destinationName=*"
	_, r := e.jolokiaPost("viewer", "viewpw", map[string]any{"type": "search", "mbean": pattern})
	got := checkOK(t, r.(map[string]any), map[string]any{"type": "search",
		"mbean": "org.apache.activemq:brokerName=*,destinationName=*,destinationType=Queue,type=Broker"})
	if !reflect.DeepEqual(got, []any{queueCanon("s.one"), queueCanon("s.two")}) {
		t.Fatalf("search = %v", got)
	}
	all := checkOK(t, e.jolokiaGet("/search/org.apache.activemq:type=Broker,*"), nil).([]any)
	var names []string
	for _, x := range all {
		names = append(names, x.(string))
	}
	for _, w := range []string{brokerCanon, queueCanon("s.one"), topicCanon("s.topic")} {
		if !contains(names, w) {
			t.Errorf("search type=Broker,* lacks %s: %v", w, names)
		}
	}
	if none := checkOK(t, e.jolokiaGet("/search/org.apache.activemq:type=Nothing,*"), nil); !reflect.DeepEqual(none, []any{}) {
		t.Fatalf("empty search = %#v", none)
	}
	if q := checkOK(t, e.jolokiaGet("/search/org.apache.activemq:type=Broker,brokerName=webtest,destinationType=Queue,destinationName=s.t*"), nil); !reflect.DeepEqual(q, []any{queueCanon("s.two")}) {
		t.Fatalf("prefix search = %v", q)
	}
	// Pattern read: a map from MBean name to the requested attributes.
	pr := checkOK(t, e.jolokiaGet("/read/"+pattern+"/QueueSize,Name"), nil).(map[string]any)
	wantPR := map[string]any{
		queueCanon("s.one"): map[string]any{"QueueSize": float64(1), "Name": "s.one"},
		queueCanon("s.two"): map[string]any{"QueueSize": float64(2), "Name": "s.two"},
	}
	if !reflect.DeepEqual(pr, wantPR) {
		t.Fatalf("pattern read = %v", pr)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestJolokiaExec(t *testing.T) {
	e := startEnv(t, envOpts{})
	ids := e.send("ex", 6, true)
	exec := func(mbean, op string, args ...any) any {
		t.Helper()
		if args == nil {
			args = []any{}
		}
		_, r := e.jolokiaPost("admin", "secret", map[string]any{"type": "exec", "mbean": mbean, "operation": op, "arguments": args})
		on, _ := parseObjectName(mbean)
		return checkOK(t, r.(map[string]any), map[string]any{"type": "exec", "mbean": on.canonical(), "operation": op, "arguments": args})
	}
	q := queueMBean("ex")
	if v := exec(q, "removeMessage(java.lang.String)", ids[0]); v != true {
		t.Fatalf("removeMessage = %v", v)
	}
	if v := exec(q, "removeMessage(java.lang.String)", "ID:nope"); v != false {
		t.Fatalf("removeMessage of a missing message = %v", v)
	}
	if v := exec(q, "moveMessageTo(java.lang.String,java.lang.String)", ids[1], "ex.moved"); v != true || e.queueSize("ex.moved") != 1 {
		t.Fatalf("moveMessageTo = %v", v)
	}
	if v := exec(q, "copyMessageTo(java.lang.String,java.lang.String)", ids[2], "ex.copied"); v != true || e.queueSize("ex.copied") != 1 {
		t.Fatalf("copyMessageTo = %v", v)
	}
	if v := exec(q, "removeMatchingMessages(java.lang.String)", "n >= 4"); v != float64(2) {
		t.Fatalf("removeMatchingMessages = %v", v)
	}
	if e.queueSize("ex") != 2 {
		t.Fatalf("ex holds %d", e.queueSize("ex"))
	}
	if v := exec(q, "pause()"); v != nil || !e.c.isPaused(broker.QueueDest("ex")) {
		t.Fatalf("pause = %v", v)
	}
	if r := checkOK(t, e.jolokiaGet("/read/"+q+"/Paused"), nil); r != true {
		t.Fatalf("Paused = %v", r)
	}
	exec(q, "resume")
	if e.c.isPaused(broker.QueueDest("ex")) {
		t.Fatal("resume")
	}
	list := exec(q, "browse(java.lang.String)", "n = 2").([]any)
	if len(list) != 1 || list[0].(map[string]any)["Text"] != "message 2" {
		t.Fatalf("browse = %v", list)
	}
	exec(q, "purge()")
	if e.queueSize("ex") != 0 {
		t.Fatal("purge")
	}
	if id := exec(q, "sendTextMessage(java.lang.String)", "via jolokia"); !strings.HasPrefix(id.(string), "ID:") || e.queueSize("ex") != 1 {
		t.Fatalf("sendTextMessage = %v", id)
	}

	// DLQ retries.
	e.deadLetter("orig")
	e.deadLetter("orig")
	dlqID := e.b.Browse(broker.QueueDest("ActiveMQ.DLQ"), nil, 1)[0].ID
	if v := exec(queueMBean("ActiveMQ.DLQ"), "retryMessage(java.lang.String)", dlqID); v != true || e.queueSize("orig") != 1 {
		t.Fatalf("retryMessage = %v", v)
	}
	if v := exec(queueMBean("ActiveMQ.DLQ"), "retryMessages()"); v != float64(1) || e.queueSize("orig") != 2 {
		t.Fatalf("retryMessages = %v", v)
	}

	// Broker operations.
	exec(brokerMBean, "addQueue(java.lang.String)", "made.q")
	if e.queueSize("made.q") != 0 {
		t.Fatal("addQueue")
	}
	exec(brokerMBean, "removeQueue(java.lang.String)", "made.q")
	if e.queueSize("made.q") != -1 {
		t.Fatal("removeQueue")
	}
	exec(brokerMBean, "addTopic(java.lang.String)", "made.t")
	found := false
	for _, ti := range e.b.Topics() {
		found = found || ti.Dest.Name == "made.t"
	}
	if !found {
		t.Fatal("addTopic")
	}
	_, r := e.jolokiaPost("admin", "secret", map[string]any{"type": "exec", "mbean": brokerMBean, "operation": "removeTopic(java.lang.String)", "arguments": []any{"made.t"}})
	if _, can := any(e.b).(topicRemover); can {
		checkOK(t, r.(map[string]any), nil)
	} else {
		checkErr(t, r.(map[string]any), 500, "java.lang.UnsupportedOperationException")
	}
	on := exec(brokerMBean, "createDurableSubscriber(java.lang.String,java.lang.String,java.lang.String,java.lang.String)", "cid", "sub", "made.t", nil)
	if subs := e.b.DurableSubscriptions(); len(subs) != 1 || subs[0].ClientID != "cid" {
		t.Fatalf("createDurableSubscriber: %v", subs)
	}
	durName := on.(map[string]any)["objectName"].(string)
	if v := checkOK(t, e.jolokiaGet("/read/"+durName+"/SubscriptionName"), nil); v != "sub" {
		t.Fatalf("durable MBean: %v", v)
	}
	exec(durName, "destroy()")
	if len(e.b.DurableSubscriptions()) != 0 {
		t.Fatal("destroy")
	}

	// GET exec with arguments, and a pattern exec.
	e.send("g1", 2, false)
	e.send("g2", 3, false)
	v := checkOK(t, e.jolokiaGet("/exec/"+queueMBean("g1")+"/removeMatchingMessages(java.lang.String)/n%20=%201"), nil)
	if v != float64(1) {
		t.Fatalf("GET exec = %v", v)
	}
	pv := checkOK(t, e.jolokiaGet("/exec/org.apache.activemq:type=Broker,brokerName=webtest,destinationType=Queue,destinationName=g*/purge()"), nil).(map[string]any)
	if len(pv) != 2 || e.queueSize("g1")+e.queueSize("g2") != 0 {
		t.Fatalf("pattern purge = %v", pv)
	}
}

func TestJolokiaErrors(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("er", 1, false)
	checkErr(t, e.jolokiaGet("/read/"+queueMBean("missing")), 404, "javax.management.InstanceNotFoundException")
	r := e.jolokiaGet("/read/" + queueMBean("missing"))
	if r["error"] != "javax.management.InstanceNotFoundException : "+queueCanon("missing") {
		t.Fatalf("error text %q", r["error"])
	}
	if !reflect.DeepEqual(r["request"], map[string]any{"mbean": queueCanon("missing"), "type": "read"}) {
		t.Fatalf("error request echo %v", r["request"])
	}
	checkErr(t, e.jolokiaGet("/read/"+queueMBean("er")+"/NoSuchAttribute"), 404, "javax.management.AttributeNotFoundException")
	checkErr(t, e.jolokiaGet("/read/notanobjectname"), 400, "javax.management.MalformedObjectNameException")
	checkErr(t, e.jolokiaGet("/read/org.apache.activemq:type=Nothing,*"), 404, "javax.management.InstanceNotFoundException")
	checkErr(t, e.jolokiaGet("/exec/"+queueMBean("er")+"/noSuchOp()"), 400, "java.lang.IllegalArgumentException")
	checkErr(t, e.jolokiaGet("/exec/"+queueMBean("er")+"/browse"), 400, "java.lang.IllegalArgumentException")
	if !strings.Contains(e.jolokiaGet("/exec/" + queueMBean("er") + "/browse")["error"].(string), "overloaded") {
		t.Fatal("overload error")
	}
	checkErr(t, e.jolokiaGet("/exec/"+queueMBean("er")+"/removeMessage(java.lang.String)"), 400, "java.lang.IllegalArgumentException")
	checkErr(t, e.jolokiaGet("/exec/"+queueMBean("er")+"/removeMatchingMessages/n%20=="), 400, "javax.jms.InvalidSelectorException")
	checkErr(t, e.jolokiaGet("/bogus/x"), 400, "java.lang.IllegalArgumentException")
	checkErr(t, e.jolokiaGet("/write/"+queueMBean("er")+"/MaxPageSize/10"), 400, "java.lang.UnsupportedOperationException")
	_, bad := e.jolokiaPost("admin", "secret", map[string]any{"mbean": brokerMBean})
	checkErr(t, bad.(map[string]any), 400, "java.lang.IllegalArgumentException")
	resp, body := e.do("POST", "/api/jolokia", "admin", "secret", strings.NewReader("{not json"))
	if resp.StatusCode != 200 || !strings.Contains(body, `"status":400`) {
		t.Fatalf("bad JSON: %d %s", resp.StatusCode, body)
	}
}

func TestJolokiaBulk(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("bulk", 2, false)
	_, r := e.jolokiaPost("admin", "secret", []any{
		map[string]any{"type": "read", "mbean": queueMBean("bulk"), "attribute": "QueueSize"},
		map[string]any{"type": "read", "mbean": queueMBean("missing"), "attribute": "QueueSize"},
		map[string]any{"type": "exec", "mbean": queueMBean("bulk"), "operation": "purge()"},
		map[string]any{"type": "read", "mbean": queueMBean("bulk"), "attribute": "QueueSize"},
		map[string]any{"type": "version"},
	})
	list := r.([]any)
	if len(list) != 5 {
		t.Fatalf("%d responses", len(list))
	}
	if v := checkOK(t, list[0].(map[string]any), nil); v != float64(2) {
		t.Fatalf("first read %v", v)
	}
	checkErr(t, list[1].(map[string]any), 404, "javax.management.InstanceNotFoundException")
	checkOK(t, list[2].(map[string]any), nil)
	if v := checkOK(t, list[3].(map[string]any), nil); v != float64(0) {
		t.Fatalf("read after purge %v", v)
	}
	checkOK(t, list[4].(map[string]any), map[string]any{"type": "version"})
}

func TestJolokiaAccess(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("acc", 2, false)
	purge := map[string]any{"type": "exec", "mbean": queueMBean("acc"), "operation": "purge()"}
	resp, r := e.jolokiaPost("viewer", "viewpw", purge)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("exec as a viewer: HTTP %d", resp.StatusCode)
	}
	checkErr(t, r.(map[string]any), 403, "java.lang.SecurityException")
	resp, _ = e.jolokiaPost("viewer", "viewpw", []any{map[string]any{"type": "version"}, purge})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bulk with an exec as a viewer: HTTP %d", resp.StatusCode)
	}
	if r, _ := e.do("GET", "/api/jolokia/exec/"+queueMBean("acc")+"/purge()", "viewer", "viewpw", nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("GET exec as a viewer: %d", r.StatusCode)
	}
	if r, _ := e.do("GET", "/api/jolokia/read/"+queueMBean("acc"), "viewer", "viewpw", nil); r.StatusCode != 200 {
		t.Fatalf("read as a viewer: %d", r.StatusCode)
	}
	if r, _ := e.do("GET", "/api/jolokia/read/"+queueMBean("acc"), "guest", "guestpw", nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("read as a guest: %d", r.StatusCode)
	}
	if r, _ := e.do("GET", "/api/jolokia/read/"+queueMBean("acc"), "", "", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("read without login: %d", r.StatusCode)
	}
	// A page elsewhere cannot drive the API with the browser's cached login.
	if r, _ := e.do("POST", "/api/jolokia", "admin", "secret", strings.NewReader(`{"type":"exec","mbean":"`+queueMBean("acc")+`","operation":"purge()"}`),
		withHeader("Origin", "http://evil.example"), withHeader("Content-Type", "text/plain")); r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %d", r.StatusCode)
	}
	if r, _ := e.do("GET", "/api/jolokia/exec/"+queueMBean("acc")+"/purge()", "admin", "secret", nil, withHeader("Sec-Fetch-Site", "cross-site")); r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site GET exec: %d", r.StatusCode)
	}
	if e.queueSize("acc") != 2 {
		t.Fatal("a refused request purged the queue")
	}
	if r, _ := e.do("POST", "/api/jolokia", "admin", "secret", strings.NewReader(`{"type":"exec","mbean":"`+queueMBean("acc")+`","operation":"purge()"}`),
		withHeader("Origin", e.base)); r.StatusCode != 200 || e.queueSize("acc") != 0 {
		t.Fatalf("same-origin POST: %d", r.StatusCode)
	}
}

func TestJolokiaListAndEscapes(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.b.AddQueue("a/b")
	all := checkOK(t, e.jolokiaGet("/list"), nil).(map[string]any)
	dom := all["org.apache.activemq"].(map[string]any)
	bi := dom["brokerName=webtest,type=Broker"].(map[string]any)
	if bi["class"] != "org.apache.activemq.broker.jmx.BrokerView" {
		t.Fatalf("broker class %v", bi["class"])
	}
	if _, ok := bi["attr"].(map[string]any)["TotalEnqueueCount"]; !ok {
		t.Fatal("broker attributes in list")
	}
	if _, ok := bi["op"].(map[string]any)["addQueue"]; !ok {
		t.Fatal("broker operations in list")
	}
	qi := checkOK(t, e.jolokiaGet("/list/org.apache.activemq/type=Broker,brokerName=webtest,destinationType=Queue,destinationName=a!/b"), nil).(map[string]any)
	if _, ok := qi["op"].(map[string]any)["browse"].([]any); !ok {
		t.Fatalf("overloaded browse should list both signatures: %v", qi["op"].(map[string]any)["browse"])
	}
	// "!/" escapes a slash in a GET path; so does %2F.
	for _, p := range []string{"a!/b", "a%2Fb"} {
		if v := checkOK(t, e.jolokiaGet("/read/"+queueMBean(p)+"/Name"), nil); v != "a/b" {
			t.Fatalf("read %s: %v", p, v)
		}
	}
	if v := checkOK(t, e.jolokiaGet("/?p="+url.QueryEscape("/read/"+queueMBean("a!/b")+"/Name")), nil); v != "a/b" {
		t.Fatalf("p= parameter: %v", v)
	}
}

// The size statistics follow what was enqueued, per destination, and the
// broker's span all destinations.
func TestJolokiaMessageSizes(t *testing.T) {
	e := startEnv(t, envOpts{})
	var sizes []int64
	for _, n := range []int{10, 1000, 100} {
		m := &broker.Message{Dest: broker.QueueDest("sizes"), Body: []byte(strings.Repeat("x", n)), BodyKind: broker.BodyText, Priority: 4}
		if err := e.cl.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, int64(m.Size()))
	}
	tm := &broker.Message{Dest: broker.TopicDest("sizes.t"), Body: []byte(strings.Repeat("y", 5000)), BodyKind: broker.BodyText, Priority: 4}
	if err := e.cl.Send(context.Background(), tm); err != nil {
		t.Fatal(err)
	}
	topicSize := int64(tm.Size())

	attrs := "/MinMessageSize,MaxMessageSize,AverageMessageSize"
	q := checkOK(t, e.jolokiaGet("/read/"+queueMBean("sizes")+attrs), nil).(map[string]any)
	want := map[string]any{"MinMessageSize": float64(sizes[0]), "MaxMessageSize": float64(sizes[1]),
		"AverageMessageSize": float64((sizes[0] + sizes[1] + sizes[2]) / 3)}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("queue sizes %v, want %v", q, want)
	}
	tv := checkOK(t, e.jolokiaGet("/read/org.apache.activemq:type=Broker,brokerName=webtest,destinationType=Topic,destinationName=sizes.t"+attrs), nil).(map[string]any)
	want = map[string]any{"MinMessageSize": float64(topicSize), "MaxMessageSize": float64(topicSize), "AverageMessageSize": float64(topicSize)}
	if !reflect.DeepEqual(tv, want) {
		t.Errorf("topic sizes %v, want %v", tv, want)
	}
	bv := checkOK(t, e.jolokiaGet("/read/"+brokerMBean+"/MinMessageSize,MaxMessageSize"), nil).(map[string]any)
	want = map[string]any{"MinMessageSize": float64(sizes[0]), "MaxMessageSize": float64(topicSize)}
	if !reflect.DeepEqual(bv, want) {
		t.Errorf("broker sizes %v, want %v", bv, want)
	}
}
