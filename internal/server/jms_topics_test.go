package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/stomp/frame"
)

// jmsAdvisoryJSON decodes the JSON body of an advisory MESSAGE.
func jmsAdvisoryJSON(t *testing.T, m *frame.Frame) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(m.Body, &v); err != nil {
		t.Fatalf("advisory body is not JSON: %v: %s", err, jmsDescribe(m))
	}
	return v
}

// jmsAwaitAdvisory waits for an advisory on subscription sub whose JSON body
// has every key of want with that value (numbers as float64).
func jmsAwaitAdvisory(t *testing.T, c *jmsClient, sub string, want map[string]any) map[string]any {
	t.Helper()
	var got map[string]any
	c.await(jmsWait, fmt.Sprintf("advisory %v on %s", want, sub), func(f *frame.Frame) bool {
		if f.Command != frame.MESSAGE || jmsHdr(f, "subscription") != sub {
			return false
		}
		var v map[string]any
		if json.Unmarshal(f.Body, &v) != nil {
			return false
		}
		for k, w := range want {
			if v[k] != w {
				return false
			}
		}
		got = v
		return true
	})
	return got
}

// Advisories over STOMP: consumers, queues, connections, expired and
// dead-lettered messages, as JSON bodies.
func TestJMSAdvisories(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	w := s.dial(t, "watcher")
	asJSON := []string{"transformation", "jms-advisory-json"}
	w.subscribe("cons", "/topic/ActiveMQ.Advisory.Consumer.Queue.WATCHED", asJSON...)
	w.subscribe("queue", "/topic/ActiveMQ.Advisory.Queue", asJSON...)
	w.subscribe("conn", "/topic/ActiveMQ.Advisory.Connection", asJSON...)
	w.subscribe("exp", "/topic/ActiveMQ.Advisory.Expired.Queue.EXPQ", asJSON...)
	w.subscribe("dlqd", "/topic/ActiveMQ.Advisory.MessageDLQd.Queue.NACKQ", asJSON...)

	o1 := s.dial(t, "o1", "client-id", "watched-one")
	a := jmsAwaitAdvisory(t, w, "conn", map[string]any{"type": "Connection", "operation": "add", "clientId": "watched-one"})
	if a["connectionId"] == nil || a["connectionId"] == "" {
		t.Errorf("Connection advisory without connectionId: %v", a)
	}

	o1.subscribe("s", "/queue/WATCHED")
	m := w.msg("cons")
	if jmsHdr(m, "destination") != "/topic/ActiveMQ.Advisory.Consumer.Queue.WATCHED" || jmsHdr(m, "type") != "Advisory" {
		t.Errorf("advisory MESSAGE headers: %s", jmsDescribe(m))
	}
	a = jmsAdvisoryJSON(t, m)
	if a["type"] != "Consumer" || a["consumerCount"] != float64(1) || a["operation"] != "add" || a["destination"] != "/queue/WATCHED" {
		t.Errorf("consumer advisory: %v", a)
	}
	jmsAwaitAdvisory(t, w, "queue", map[string]any{"type": "Queue", "destination": "/queue/WATCHED"})

	o2 := s.dial(t, "o2")
	o2.subscribe("s", "/queue/WATCHED", "selector", "x = 'y'")
	a = jmsAdvisoryJSON(t, w.msg("cons"))
	if a["type"] != "Consumer" || a["consumerCount"] != float64(2) || a["operation"] != "add" {
		t.Errorf("second consumer advisory: %v", a)
	}
	o1.request("UNSUBSCRIBE", "", "id", "s")
	a = jmsAdvisoryJSON(t, w.msg("cons"))
	if a["type"] != "Consumer" || a["consumerCount"] != float64(1) || a["operation"] != "remove" {
		t.Errorf("consumer removed advisory: %v", a)
	}
	o2.close()
	a = jmsAdvisoryJSON(t, w.msg("cons"))
	if a["consumerCount"] != float64(0) || a["operation"] != "remove" {
		t.Errorf("consumer gone with its connection: %v", a)
	}
	o1.disconnect()
	jmsAwaitAdvisory(t, w, "conn", map[string]any{"type": "Connection", "operation": "remove", "clientId": "watched-one"})

	// A new queue is announced.
	p := s.dial(t, "p")
	p.sendR("/queue/BRAND.NEW", "x")
	jmsAwaitAdvisory(t, w, "queue", map[string]any{"type": "Queue", "operation": "add", "destination": "/queue/BRAND.NEW"})

	// Expired.
	p.subscribe("e", "/queue/EXPQ")
	p.sendR("/queue/EXPQ", "old", "persistent", "true", "expires", fmt.Sprint(jmsNowMs()-1000))
	a = jmsAwaitAdvisory(t, w, "exp", map[string]any{"type": "Expired"})
	if a["destination"] != "/queue/EXPQ" || a["messageId"] == nil {
		t.Errorf("Expired advisory: %v", a)
	}
	p.noMsg("e", 0)

	// MessageDLQd.
	p.subscribe("n", "/queue/NACKQ", "ack", "client-individual")
	p.sendR("/queue/NACKQ", "bad", "persistent", "true")
	nm := p.msg("n")
	p.nack(nm)
	a = jmsAwaitAdvisory(t, w, "dlqd", map[string]any{"type": "MessageDLQd"})
	if a["destination"] != "/queue/NACKQ" || a["messageId"] != jmsHdr(nm, "message-id") {
		t.Errorf("MessageDLQd advisory: %v (message %s)", a, jmsHdr(nm, "message-id"))
	}
	w.noError()
}

// advisorySupport="false": no advisory is published.
func TestJMSAdvisoriesDisabled(t *testing.T) {
	t.Parallel()
	s := startJMS(t, `advisorySupport="false"`, "")
	w := s.dial(t, "watcher")
	for id, d := range map[string]string{
		"cons":  "/topic/ActiveMQ.Advisory.Consumer.Queue.W",
		"queue": "/topic/ActiveMQ.Advisory.Queue",
		"conn":  "/topic/ActiveMQ.Advisory.Connection",
		"exp":   "/topic/ActiveMQ.Advisory.Expired.Queue.W",
		"dlqd":  "/topic/ActiveMQ.Advisory.MessageDLQd.Queue.W",
	} {
		w.subscribe(id, d)
	}
	o := s.dial(t, "o", "client-id", "x")
	o.subscribe("s", "/queue/W", "ack", "client-individual")
	o.sendR("/queue/W", "old", "persistent", "true", "expires", fmt.Sprint(jmsNowMs()-1000))
	o.sendR("/queue/W", "bad", "persistent", "true")
	o.nack(o.msg("s"))
	o.sendR("/queue/OTHER", "x")
	o.disconnect()
	if f := w.tryAwait(jmsQuiet, func(f *frame.Frame) bool { return f.Command == frame.MESSAGE }); f != nil {
		t.Fatalf("advisory published with advisorySupport=false: %s", jmsDescribe(f))
	}
}

// activemq.noLocal: a subscription does not see its own connection's
// publishes.
func TestJMSNoLocal(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	c1 := s.dial(t, "c1")
	c1.subscribe("nl", "/topic/NL", "activemq.noLocal", "true")
	c1.subscribe("all", "/topic/NL")
	c2 := s.dial(t, "c2")
	c2.subscribe("nl", "/topic/NL", "activemq.noLocal", "true")
	c1.sendR("/topic/NL", "from-c1")
	c2.sendR("/topic/NL", "from-c2")
	if b := c1.msgBody("nl"); b != "from-c2" {
		t.Fatalf("noLocal subscription got %q", b)
	}
	if b := c2.msgBody("nl"); b != "from-c1" {
		t.Fatalf("noLocal subscription of c2 got %q", b)
	}
	if b := c1.bodies("all", 2); !jmsEqual(b, []string{"from-c1", "from-c2"}) {
		t.Fatalf("plain subscription got %v", b)
	}
	c1.noMsg("nl", jmsQuiet)
	c2.noMsg("nl", 0)
}

// Retroactive subscribers get the topic's last messages kept by a
// fixedCountSubscriptionRecoveryPolicy; others do not.
func TestJMSRetroactive(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry topic=">">
        <subscriptionRecoveryPolicy><fixedCountSubscriptionRecoveryPolicy maximumSize="3"/></subscriptionRecoveryPolicy>
      </policyEntry>
    </policyEntries></policyMap></destinationPolicy>`)
	p := s.dial(t, "p")
	for i := 0; i < 5; i++ {
		p.sendR("/topic/RETRO", fmt.Sprint("r", i), "idx", fmt.Sprint(i))
	}
	c := s.dial(t, "c")
	c.subscribe("retro", "/topic/RETRO", "activemq.retroactive", "true")
	c.subscribe("plain", "/topic/RETRO")
	c.subscribe("sel", "/topic/RETRO", "activemq.retroactive", "true", "selector", "idx <> 3")
	if b := c.bodies("retro", 3); !jmsEqual(b, []string{"r2", "r3", "r4"}) {
		t.Fatalf("retroactive subscriber got %v, want the last 3", b)
	}
	if b := c.bodies("sel", 2); !jmsEqual(b, []string{"r2", "r4"}) {
		t.Fatalf("retroactive subscriber with selector got %v", b)
	}
	c.noMsg("plain", jmsQuiet)
	c.noMsg("retro", 0)
	p.sendR("/topic/RETRO", "r5", "idx", "5")
	for _, id := range []string{"retro", "plain", "sel"} {
		if b := c.msgBody(id); b != "r5" {
			t.Fatalf("%s got %q after the recovered messages", id, b)
		}
	}
}

const jmsPendingLimitPolicy = `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry topic=">">
        <pendingMessageLimitStrategy><constantPendingMessageLimitStrategy limit="10"/></pendingMessageLimitStrategy>
      </policyEntry>
    </policyEntries></policyMap></destinationPolicy>`

// jmsSlowSubscriberRun publishes 100 messages to a fast and a slow (prefetch 1,
// never acking) subscriber, then lets the slow one ack its way through what
// the broker kept, and returns what the slow one received.
func jmsSlowSubscriberRun(t *testing.T) []string {
	t.Helper()
	s := startJMS(t, "", jmsPendingLimitPolicy)
	fast := s.dial(t, "fast")
	fast.subscribe("f", "/topic/SLOW")
	slow := s.dial(t, "slow")
	slow.subscribe("s", "/topic/SLOW", "ack", "client", "activemq.prefetchSize", "1")
	p := s.dial(t, "p")
	for i := 0; i < 99; i++ {
		p.send("/topic/SLOW", fmt.Sprint("m", i))
	}
	p.sendR("/topic/SLOW", "m99")
	for i := 0; i < 100; i++ {
		if b := fast.msgBody("f"); b != fmt.Sprint("m", i) {
			t.Fatalf("fast subscriber got %q as message %d", b, i)
		}
	}
	first := slow.msg("s")
	if string(first.Body) != "m0" {
		t.Fatalf("slow subscriber's first message %q", first.Body)
	}
	slow.noMsg("s", 100*time.Millisecond)
	got := []string{"m0"}
	last := first
	for {
		slow.ack(last)
		m := slow.tryAwait(jmsQuiet, jmsIsMsgFor("s"))
		if m == nil {
			break
		}
		got = append(got, string(m.Body))
		last = m
		if len(got) > 100 {
			break
		}
	}
	return got
}

// constantPendingMessageLimitStrategy: a slow topic subscriber keeps only
// the newest pending messages; the fast one gets everything.
func TestJMSSlowConsumerPendingLimit(t *testing.T) {
	t.Parallel()
	got := jmsSlowSubscriberRun(t)
	rest := got[1:]
	if len(rest) == 0 {
		t.Fatalf("slow subscriber got nothing after acking")
	}
	if len(got) >= 50 {
		t.Fatalf("pending messages not bounded: slow subscriber got %d of 100", len(got))
	}
	for i, b := range rest {
		if want := fmt.Sprint("m", 100-len(rest)+i); b != want {
			t.Fatalf("slow subscriber kept %v; want the newest, ending with m99", rest)
		}
	}
}

// The bound is ActiveMQ's: prefetch (1 in flight) plus limit (10 pending).
func TestJMSSlowConsumerPendingLimitExact(t *testing.T) {
	t.Parallel()
	got := jmsSlowSubscriberRun(t)
	if len(got) > 1+10 {
		t.Fatalf("slow subscriber received %d messages %v; prefetch 1 + limit 10 allows at most 11 (m0, m90..m99)", len(got), got)
	}
	want := []string{"m0"}
	for i := 90; i < 100; i++ {
		want = append(want, fmt.Sprint("m", i))
	}
	if !jmsEqual(got, want) {
		t.Fatalf("slow subscriber got %v, want %v", got, want)
	}
}

// abortSlowConsumerStrategy aborts a subscriber that stays slow; with
// abortConnection its connection is closed. The fast subscriber goes on.
func TestJMSSlowConsumerAbort(t *testing.T) {
	t.Parallel()
	for _, abortConn := range []bool{false, true} {
		abortConn := abortConn
		t.Run(fmt.Sprintf("abortConnection=%v", abortConn), func(t *testing.T) {
			t.Parallel()
			s := startJMS(t, "", fmt.Sprintf(`
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry topic=">">
        <slowConsumerStrategy><abortSlowConsumerStrategy maxSlowDuration="1000" checkPeriod="500" abortConnection="%v"/></slowConsumerStrategy>
      </policyEntry>
    </policyEntries></policyMap></destinationPolicy>`, abortConn))
			fast := s.dial(t, "fast")
			fast.subscribe("f", "/topic/SLOWA")
			slow := s.dial(t, "slow")
			slow.subscribe("slowsub", "/topic/SLOWA", "ack", "client", "activemq.prefetchSize", "1")
			p := s.dial(t, "p")
			for i := 0; i < 20; i++ {
				p.sendR("/topic/SLOWA", fmt.Sprint("m", i))
			}
			if b := slow.msgBody("slowsub"); b != "m0" {
				t.Fatalf("slow got %q", b)
			}
			start := time.Now()
			e := slow.await(jmsWait, "ERROR aborting the slow subscription", jmsIsError)
			msg := jmsHdr(e, "message")
			if !strings.Contains(strings.ToLower(msg), "abort") {
				t.Fatalf("ERROR does not say the subscription was aborted: %s", jmsDescribe(e))
			}
			if el := time.Since(start); el < 900*time.Millisecond {
				t.Errorf("aborted after %v; maxSlowDuration is 1000 ms", el)
			}
			if abortConn {
				if !slow.awaitClosed(jmsWait) {
					t.Fatalf("connection not closed with abortConnection=true")
				}
			} else {
				if !strings.Contains(msg, "slowsub") {
					t.Errorf("ERROR does not name the subscription: %q", msg)
				}
				slow.request("SEND", "still-here", "destination", "/queue/ALIVE")
				p.sendR("/topic/SLOWA", "after")
				slow.noMsg("slowsub", jmsQuiet)
			}
			p.sendR("/topic/SLOWA", "fast-after-abort")
			for i := 0; ; i++ {
				if b := fast.msgBody("f"); b == "fast-after-abort" {
					break
				}
				if i > 30 {
					t.Fatalf("fast subscriber did not get the message sent after the abort")
				}
			}
			for _, ti := range s.b().Topics() {
				if ti.Dest == broker.TopicDest("SLOWA") && ti.Stats.ConsumerCount != 1 {
					t.Errorf("SLOWA has %d consumers after the abort", ti.Stats.ConsumerCount)
				}
			}
		})
	}
}

// Durable subscriptions survive a restart with a LevelDB store; persistent
// messages published while offline are delivered after it.
func TestJMSDurableRestart(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", jmsLevelDB)
	d := s.dial(t, "dur", "client-id", "dur-client")
	d.subscribe("d", "/topic/DUR", "activemq.subscriptionName", "sub1")
	p := s.dial(t, "p")
	p.sendR("/topic/DUR", "online", "persistent", "true")
	if b := d.msgBody("d"); b != "online" {
		t.Fatalf("got %q", b)
	}
	d.disconnect()
	p.sendR("/topic/DUR", "p1", "persistent", "true")
	p.sendR("/topic/DUR", "np")
	p.sendR("/topic/DUR", "p2", "persistent", "true")
	p.disconnect()

	s.restart()
	subs := s.b().DurableSubscriptions()
	if len(subs) != 1 || subs[0].ClientID != "dur-client" || subs[0].Name != "sub1" || subs[0].Active ||
		subs[0].Topic != broker.TopicDest("DUR") {
		t.Fatalf("after restart: %+v", subs)
	}
	jmsEventually(t, "2 messages pending for the durable subscription after restart", func() bool {
		subs := s.b().DurableSubscriptions()
		return len(subs) == 1 && subs[0].Pending == 2
	})
	d2 := s.dial(t, "dur2", "client-id", "dur-client")
	d2.subscribe("d", "/topic/DUR", "activemq.subscriptionName", "sub1", "ack", "client-individual")
	for _, want := range []string{"p1", "p2"} {
		m := d2.msg("d")
		if string(m.Body) != want || jmsHdr(m, "persistent") != "true" {
			t.Fatalf("got %s, want %s", jmsDescribe(m), want)
		}
		d2.ack(m)
	}
	d2.noMsg("d", jmsQuiet)
	d2.disconnect()

	s.restart()
	d3 := s.dial(t, "dur3", "client-id", "dur-client")
	d3.subscribe("d", "/topic/DUR", "activemq.subscriptionName", "sub1")
	d3.noMsg("d", jmsQuiet)
}

// UNSUBSCRIBE with activemq.subscriptionName deletes a durable
// subscription; it is refused while the subscription is active.
func TestJMSDurableUnsubscribe(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", jmsLevelDB)
	a := s.dial(t, "a", "client-id", "cid")
	a.subscribe("d", "/topic/DU", "activemq.subscriptionName", "sub")

	// No other connection can take the client id meanwhile.
	b := jmsDialRaw(t, s.addr, "b")
	b.write("CONNECT", "", "accept-version", "1.2", "host", "localhost", "client-id", "cid")
	if f := b.await(jmsWait, "answer to CONNECT", func(*frame.Frame) bool { return true }); f.Command != frame.ERROR {
		t.Fatalf("second connection with client-id cid: %s", jmsDescribe(f))
	}
	if !b.awaitClosed(jmsWait) {
		t.Fatalf("refused connection left open")
	}

	// Active: removal fails, through the broker and through STOMP.
	if err := s.b().RemoveDurable("cid", "sub"); err == nil {
		t.Fatalf("RemoveDurable of an active subscription succeeded")
	}
	a.requestError("UNSUBSCRIBE", "", "id", "other", "activemq.subscriptionName", "sub")
	if subs := s.b().DurableSubscriptions(); len(subs) != 1 || !subs[0].Active {
		t.Fatalf("after refused removal: %+v", subs)
	}
	p := s.dial(t, "p")
	p.sendR("/topic/DU", "still", "persistent", "true")
	if m := a.msgBody("d"); m != "still" {
		t.Fatalf("got %q", m)
	}
	a.sync()

	// Plain UNSUBSCRIBE only takes it offline.
	a.request("UNSUBSCRIBE", "", "id", "d")
	if subs := s.b().DurableSubscriptions(); len(subs) != 1 || subs[0].Active {
		t.Fatalf("after plain UNSUBSCRIBE: %+v", subs)
	}
	p.sendR("/topic/DU", "kept", "persistent", "true")
	jmsEventually(t, "the offline subscription to hold the message", func() bool {
		subs := s.b().DurableSubscriptions()
		return len(subs) == 1 && subs[0].Pending == 1
	})

	// With the name it is deleted, with what it held.
	a.request("UNSUBSCRIBE", "", "id", "d", "activemq.subscriptionName", "sub")
	if subs := s.b().DurableSubscriptions(); len(subs) != 0 {
		t.Fatalf("after UNSUBSCRIBE with the name: %+v", subs)
	}
	a.requestError("UNSUBSCRIBE", "", "id", "d", "activemq.subscriptionName", "sub")
	a.disconnect()

	s.restart()
	if subs := s.b().DurableSubscriptions(); len(subs) != 0 {
		t.Fatalf("deleted subscription back after restart: %+v", subs)
	}
	a2 := s.dial(t, "a2", "client-id", "cid")
	a2.subscribe("d", "/topic/DU", "activemq.subscriptionName", "sub")
	a2.noMsg("d", jmsQuiet)
	// Without a client id there is nothing to remove.
	anon := s.dial(t, "anon")
	anon.requestError("UNSUBSCRIBE", "", "id", "x", "activemq.subscriptionName", "sub")
}

// offlineDurableSubscriberTimeout removes durable subscriptions that stay
// offline longer than the timeout, checked every
// offlineDurableSubscriberTaskSchedule; active ones stay.
func TestJMSOfflineDurableSubscriberTimeout(t *testing.T) {
	t.Parallel()
	s := startJMS(t, `offlineDurableSubscriberTimeout="400" offlineDurableSubscriberTaskSchedule="100"`, "")
	gone := s.dial(t, "gone", "client-id", "gone-client")
	gone.subscribe("d", "/topic/ODS", "activemq.subscriptionName", "abandoned")
	stay := s.dial(t, "stay", "client-id", "stay-client")
	stay.subscribe("d", "/topic/ODS", "activemq.subscriptionName", "online")
	gone.disconnect()
	has := func(client string) bool {
		for _, d := range s.b().DurableSubscriptions() {
			if d.ClientID == client {
				return true
			}
		}
		return false
	}
	time.Sleep(200 * time.Millisecond)
	if !has("gone-client") {
		t.Fatal("offline durable subscription removed before the timeout")
	}
	jmsEventually(t, "the offline durable subscription to be removed", func() bool { return !has("gone-client") })
	time.Sleep(600 * time.Millisecond)
	if !has("stay-client") {
		t.Fatal("an active durable subscription was removed")
	}
}

// rejectDurableConsumers: a durable subscription is refused with
// ActiveMQ's message; a non-durable one on the same topic still works.
func TestJMSRejectDurableConsumers(t *testing.T) {
	t.Parallel()
	s := startJMS(t, `rejectDurableConsumers="true"`, "")
	d := s.dial(t, "dur", "client-id", "rej-client")
	f := d.requestError("SUBSCRIBE", "", "id", "d", "destination", "/topic/REJ", "activemq.subscriptionName", "sub1")
	if msg := jmsHdr(f, "message"); !strings.Contains(msg, "Durable Consumers are not allowed") {
		t.Errorf("ERROR message %q", msg)
	}
	if subs := s.b().DurableSubscriptions(); len(subs) != 0 {
		t.Errorf("durable subscriptions %+v, want none", subs)
	}
	c := s.dial(t, "c")
	c.subscribe("s", "/topic/REJ")
	p := s.dial(t, "p")
	p.sendR("/topic/REJ", "hello")
	if b := c.msgBody("s"); b != "hello" {
		t.Fatalf("non-durable subscriber got %q", b)
	}
}

// offlineDurableSubscriberTimeout counts from the subscriber's last
// departure: one that comes back briefly between two sweeps starts again.
func TestJMSOfflineDurableTimeoutRestartsOnReconnect(t *testing.T) {
	t.Parallel()
	s := startJMS(t, `offlineDurableSubscriberTimeout="600" offlineDurableSubscriberTaskSchedule="100"`, "")
	c := s.dial(t, "c", "client-id", "flap-client")
	c.subscribe("d", "/topic/FLAP", "activemq.subscriptionName", "flap")
	c.disconnect()
	has := func() bool {
		for _, d := range s.b().DurableSubscriptions() {
			if d.ClientID == "flap-client" {
				return true
			}
		}
		return false
	}
	time.Sleep(450 * time.Millisecond)
	back := time.Now()
	c = s.dial(t, "c2", "client-id", "flap-client")
	c.subscribe("d", "/topic/FLAP", "activemq.subscriptionName", "flap")
	c.disconnect()
	time.Sleep(400 * time.Millisecond)
	if !has() {
		t.Fatalf("removed %v after its subscriber left again, with a timeout of 600ms", time.Since(back).Round(time.Millisecond))
	}
	jmsEventually(t, "the offline durable subscription to be removed", func() bool { return !has() })
}
