package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"amq/broker"
)

func formBody(v url.Values) (*strings.Reader, reqOpt) {
	return strings.NewReader(v.Encode()), withHeader("Content-Type", "application/x-www-form-urlencoded")
}

func TestRESTMessageSendQueue(t *testing.T) {
	e := startEnv(t, envOpts{})
	body, ct := formBody(url.Values{"body": {"hello"}, "JMSPriority": {"7"}, "JMSDeliveryMode": {"non_persistent"},
		"JMSCorrelationID": {"corr-1"}, "JMSType": {"greeting"}, "JMSReplyTo": {"topic://answers"}, "color": {"red"}})
	resp, text := e.do("POST", "/api/message/REST/Q?type=queue", "viewer", "viewpw", body, ct)
	if resp.StatusCode != http.StatusOK || text != "Message sent" {
		t.Fatalf("POST: %d %q", resp.StatusCode, text)
	}
	ms := e.b.Browse(broker.QueueDest("REST.Q"), nil, 0)
	if len(ms) != 1 {
		t.Fatalf("REST.Q holds %d messages, want 1", len(ms))
	}
	m := ms[0]
	if resp.Header.Get("messageID") != m.ID {
		t.Errorf("messageID header %q, message %q", resp.Header.Get("messageID"), m.ID)
	}
	if string(m.Body) != "hello" || m.BodyKind != broker.BodyText || m.Priority != 7 || m.Persistent ||
		m.CorrelationID != "corr-1" || m.Type != "greeting" || m.ReplyTo != broker.TopicDest("answers") {
		t.Errorf("message %+v", m)
	}
	if p, ok := m.Prop("color"); !ok || p.S != "red" {
		t.Errorf("property color = %+v, %v", p, ok)
	}
	for _, name := range []string{"body", "type", "JMSPriority", "JMSDeliveryMode"} {
		if _, ok := m.Prop(name); ok {
			t.Errorf("parameter %s became a property", name)
		}
	}

	// The servlet's defaults: persistent, priority 5; the body may be the
	// request body, read line by line.
	resp, text = e.do("POST", "/api/message?destination=queue://RAW", "admin", "secret", strings.NewReader("line 1\r\nline 2"),
		withHeader("Content-Type", "text/plain"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("raw POST: %d %q", resp.StatusCode, text)
	}
	ms = e.b.Browse(broker.QueueDest("RAW"), nil, 0)
	if len(ms) != 1 || string(ms[0].Body) != "line 1\nline 2\n" || !ms[0].Persistent || ms[0].Priority != 5 {
		t.Fatalf("raw body message %+v", ms)
	}
}

func TestRESTMessageDefaultsToTopic(t *testing.T) {
	e := startEnv(t, envOpts{})
	s, err := e.cl.Subscribe(broker.SubscribeOptions{Dest: broker.TopicDest("news"), Prefetch: 10}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	body, ct := formBody(url.Values{"body": {"extra"}})
	if resp, text := e.do("POST", "/api/message/news", "admin", "secret", body, ct); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST: %d %q", resp.StatusCode, text)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := s.Receive(ctx)
	if err != nil || string(d.Msg.Body) != "extra" {
		t.Fatalf("topic subscriber got %v, %v", d, err)
	}
}

func TestRESTMessageReceive(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("RQ", 2, true, broker.StringProp("color", "blue"))

	resp, text := e.do("GET", "/api/message/RQ?type=queue&readTimeout=2000", "viewer", "viewpw", nil)
	if resp.StatusCode != http.StatusOK || text != "message 0" {
		t.Fatalf("GET: %d %q", resp.StatusCode, text)
	}
	if resp.Header.Get("destination") != "queue://RQ" || !strings.HasPrefix(resp.Header.Get("id"), "ID:") ||
		resp.Header.Get("color") != "blue" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("headers %v", resp.Header)
	}
	// Without clientId the consumer lasts one request: nothing is held
	// back from other consumers, and the rest is still there, undelivered.
	st, _ := e.b.QueueStats(broker.QueueDest("RQ"))
	if st.ConsumerCount != 0 || st.QueueSize != 1 || st.DequeueCount != 1 {
		t.Fatalf("after one GET: %+v", st)
	}
	if ms := e.b.Browse(broker.QueueDest("RQ"), nil, 0); len(ms) != 1 || ms[0].RedeliveryCount != 0 {
		t.Fatalf("left on the queue: %+v", ms)
	}
	resp, text = e.do("DELETE", "/api/message/RQ?type=queue", "viewer", "viewpw", nil)
	if resp.StatusCode != http.StatusOK || text != "message 1" {
		t.Fatalf("DELETE: %d %q", resp.StatusCode, text)
	}
	start := time.Now()
	resp, text = e.do("GET", "/api/message/RQ?type=queue&readTimeout=200", "viewer", "viewpw", nil)
	if resp.StatusCode != http.StatusNoContent || text != "" {
		t.Fatalf("empty queue: %d %q", resp.StatusCode, text)
	}
	if el := time.Since(start); el < 150*time.Millisecond || el > 5*time.Second {
		t.Errorf("readTimeout 200 waited %v", el)
	}

	// The selector comes from a request header.
	e.send("SQ", 3, false)
	resp, text = e.do("GET", "/api/message/SQ?type=queue&readTimeout=1000", "viewer", "viewpw", nil, withHeader("selector", "n = 2"))
	if resp.StatusCode != http.StatusOK || text != "message 2" {
		t.Fatalf("selector GET: %d %q", resp.StatusCode, text)
	}
	// A message sent while the request waits is delivered to it.
	go func() {
		time.Sleep(100 * time.Millisecond)
		e.cl.SendText(context.Background(), broker.QueueDest("LATE"), "<?xml version=\"1.0\"?><a/>", false)
	}()
	resp, text = e.do("GET", "/api/message/LATE?type=queue&readTimeout=5000", "viewer", "viewpw", nil)
	if resp.StatusCode != http.StatusOK || text != "<a/>" || resp.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("waiting GET: %d %q %v", resp.StatusCode, text, resp.Header)
	}
}

// A named client keeps its topic consumer between requests, so messages
// published between two reads are not lost; unsubscribe ends it.
func TestRESTMessageClientID(t *testing.T) {
	e := startEnv(t, envOpts{})
	const path = "/api/message/ticks?type=topic&clientId=c1&readTimeout=0"
	if resp, _ := e.do("GET", path, "viewer", "viewpw", nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("first GET: %d", resp.StatusCode)
	}
	if err := e.cl.SendText(context.Background(), broker.TopicDest("ticks"), "tick", false); err != nil {
		t.Fatal(err)
	}
	if resp, text := e.do("GET", path, "viewer", "viewpw", nil); resp.StatusCode != http.StatusOK || text != "tick" {
		t.Fatalf("second GET: %d %q", resp.StatusCode, text)
	}
	// A queue consumer of a named client pulls: it holds nothing between
	// requests.
	e.send("CQ", 2, false)
	if resp, text := e.do("GET", "/api/message/CQ?type=queue&clientId=c1&readTimeout=1000", "viewer", "viewpw", nil); text != "message 0" {
		t.Fatalf("queue GET: %d %q", resp.StatusCode, text)
	}
	if st, _ := e.b.QueueStats(broker.QueueDest("CQ")); st.ConsumerCount != 1 || st.InFlightCount != 0 {
		t.Fatalf("named client's queue consumer: %+v", st)
	}
	body, ct := formBody(url.Values{"clientId": {"c1"}, "action": {"unsubscribe"}})
	if resp, _ := e.do("POST", "/api/message/CQ", "viewer", "viewpw", body, ct); resp.StatusCode != http.StatusOK {
		t.Fatalf("unsubscribe: %d", resp.StatusCode)
	}
	if st, _ := e.b.QueueStats(broker.QueueDest("CQ")); st.ConsumerCount != 0 || st.QueueSize != 1 {
		t.Fatalf("after unsubscribe: %+v", st)
	}
}

func TestRESTMessageAuth(t *testing.T) {
	e := startEnv(t, envOpts{})
	if resp, _ := e.do("POST", "/api/message/A?type=queue&body=x", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous POST: %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/api/message/A?type=queue&body=x", "guest", "guestpw", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("guest POST: %d", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/api/message/A?type=queue&readTimeout=0", "admin", "secret", nil,
		withHeader("Origin", "http://evil.example")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site GET: %d", resp.StatusCode)
	}
	if e.queueSize("A") > 0 {
		t.Fatal("a refused request sent a message")
	}
}

// A named client whose idle timer fires just as a request takes it is not
// closed under that request.
func TestRESTClientExpiryRacesUse(t *testing.T) {
	e := startEnv(t, envOpts{})
	var rs restClients
	defer rs.closeAll()
	rc, err := rs.get(e.b, "c1")
	if err != nil {
		t.Fatal(err)
	}
	rc.timer.Stop()
	if _, err := rs.get(e.b, "c1"); err != nil { // a request takes it ...
		t.Fatal(err)
	}
	rs.expire(rc) // ... as the timer set before fires
	cons, err := rc.consumer(broker.QueueDest("RACE"), "")
	if err != nil {
		t.Fatalf("consumer of a client just taken: %v", err)
	}
	defer rc.release(broker.QueueDest("RACE"), cons, false)
	if got, _ := rs.get(e.b, "c1"); got != rc {
		t.Fatal("the client just taken was dropped")
	}
}

// Named clients are capped: each holds a broker connection.
func TestRESTClientsCapped(t *testing.T) {
	e := startEnv(t, envOpts{})
	rs := restClients{max: 3}
	defer rs.closeAll()
	for i := range 3 {
		if _, err := rs.get(e.b, string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rs.get(e.b, "d"); err == nil {
		t.Fatal("a fourth named client was opened past the cap of 3")
	}
	if _, err := rs.get(e.b, "a"); err != nil {
		t.Fatalf("an open client past the cap: %v", err)
	}
	rs.remove("a")
	if _, err := rs.get(e.b, "d"); err != nil {
		t.Fatalf("after one was removed: %v", err)
	}
}
