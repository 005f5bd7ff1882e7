package server

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/stomp/frame"
)

// Selectors on STOMP subscriptions: string headers compare numerically,
// LIKE/IN/BETWEEN/IS NULL, JMS headers; a bad selector is refused at
// SUBSCRIBE with its position and leaves the connection usable.
func TestJMSSelectors(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	c := s.dial(t, "sel")

	c.subscribe("num", "/queue/SEL.NUM", "selector", "n > 10")
	for _, n := range []string{"5", "50", "10", "11", "abc", "10.5"} {
		c.send("/queue/SEL.NUM", "n="+n, "n", n)
	}
	c.sendR("/queue/SEL.NUM", "no-n")
	if got := c.bodies("num", 2); !jmsEqual(got, []string{"n=50", "n=11"}) {
		t.Fatalf("n > 10 on a queue selected %v, want [n=50 n=11]", got)
	}
	c.noMsg("num", jmsQuiet)
	if n := s.queueSize("SEL.NUM"); n != 5 {
		t.Fatalf("SEL.NUM holds %d messages, want the 5 unselected ones", n)
	}

	sels := map[string]string{
		"like":    "name LIKE 'ord%'",
		"notlike": "name NOT LIKE 'ord%'",
		"in":      "color IN ('red', 'blue')",
		"between": "n BETWEEN 10 AND 20",
		"isnull":  "color IS NULL",
		"combo":   "color IS NOT NULL AND n >= 20",
		"escape":  `name LIKE 'a\_%' ESCAPE '\'`,
		"headers": "JMSPriority >= 7 OR JMSType = 'special'",
		"neq":     "name <> 'widget'",
	}
	for id, sel := range sels {
		c.subscribe(id, "/topic/SEL.T", "selector", sel)
	}
	msgs := [][]string{
		{"m1", "name", "order1", "color", "red", "n", "15"},
		{"m2", "name", "widget", "color", "blue", "n", "25", "priority", "8"},
		{"m3", "name", "ord", "n", "5"},
		{"m4", "name", "a_x", "color", "green", "n", "20"},
		{"m5", "name", "abx", "color", "red", "n", "abc", "type", "special"},
	}
	for _, m := range msgs {
		c.sendR("/topic/SEL.T", m[0], m[1:]...)
	}
	want := map[string][]string{
		"like":    {"m1", "m3"},
		"notlike": {"m2", "m4", "m5"},
		"in":      {"m1", "m2", "m5"},
		"between": {"m1", "m4"},
		"isnull":  {"m3"},
		"combo":   {"m2", "m4"},
		"escape":  {"m4"},
		"headers": {"m2", "m5"},
		"neq":     {"m1", "m3", "m4", "m5"},
	}
	for id, w := range want {
		if got := c.bodies(id, len(w)); !jmsEqual(got, w) {
			t.Errorf("selector %q selected %v, want %v", sels[id], got, w)
		}
	}
	time.Sleep(jmsQuiet)
	for id, sel := range sels {
		if f, _, _ := c.take(jmsIsMsgFor(id)); f != nil {
			t.Errorf("selector %q also selected %q", sel, f.Body)
		}
	}

	// A bad selector: ERROR naming the position, no subscription made.
	bad := "color = 'red' AND AND n > 1"
	e := c.requestError("SUBSCRIBE", "", "id", "bad", "destination", "/queue/SEL.BAD", "selector", bad)
	msg := jmsHdr(e, "message")
	if !regexp.MustCompile(`at position \d+`).MatchString(msg) {
		t.Fatalf("ERROR message %q does not name the position", msg)
	}
	if !strings.Contains(msg, "at position 18") {
		t.Errorf("ERROR message %q: the second AND starts at offset 18 of %q", msg, bad)
	}
	if jmsHdr(e, "content-type") != "text/plain" {
		t.Errorf("ERROR content-type %q", jmsHdr(e, "content-type"))
	}
	c.sendR("/queue/SEL.BAD", "after-error", "color", "red")
	c.noMsg("bad", jmsQuiet)
	// The connection stays usable and the id is free.
	c.subscribe("bad", "/queue/SEL.BAD", "selector", "color = 'red'")
	if b := c.msgBody("bad"); b != "after-error" {
		t.Fatalf("got %q", b)
	}
	c.requestError("SUBSCRIBE", "", "id", "bad2", "destination", "/topic/SEL.T", "selector", "n >")
	c.request("SUBSCRIBE", "", "id", "bad2", "destination", "/topic/SEL.T")
}

// prioritizedMessages: pending messages go out highest priority first, FIFO
// within a priority; without it, in arrival order.
func TestJMSPriority(t *testing.T) {
	t.Parallel()
	send := func(c *jmsClient, q string) {
		c.sendAll("/queue/"+q, 18, func(i int) (string, []string) {
			p := 1 + i%9
			h := []string{"priority", strconv.Itoa(p)}
			if i%2 == 0 {
				h = append(h, "persistent", "true")
			}
			return fmt.Sprintf("p%d-%d", p, i), h
		})
	}
	read := func(c *jmsClient, q string) []string {
		c.subscribe("s", "/queue/"+q)
		var got []string
		for i := 0; i < 18; i++ {
			m := c.msg("s")
			if p := strings.TrimPrefix(strings.SplitN(string(m.Body), "-", 2)[0], "p"); jmsHdr(m, "priority") != p {
				t.Errorf("%s: priority header %q for %q", q, jmsHdr(m, "priority"), m.Body)
			}
			got = append(got, string(m.Body))
		}
		c.noMsg("s", jmsQuiet)
		return got
	}
	t.Run("prioritized", func(t *testing.T) {
		t.Parallel()
		s := startJMS(t, "", `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue=">" prioritizedMessages="true"/>
    </policyEntries></policyMap></destinationPolicy>`)
		c := s.dial(t, "prio")
		send(c, "PRIO")
		var want []string
		for p := 9; p >= 1; p-- {
			want = append(want, fmt.Sprintf("p%d-%d", p, p-1), fmt.Sprintf("p%d-%d", p, p-1+9))
		}
		if got := read(c, "PRIO"); !jmsEqual(got, want) {
			t.Fatalf("order %v\nwant  %v", got, want)
		}
	})
	t.Run("fifo", func(t *testing.T) {
		t.Parallel()
		s := startJMS(t, "", "")
		c := s.dial(t, "fifo")
		send(c, "FIFO")
		var want []string
		for i := 0; i < 18; i++ {
			want = append(want, fmt.Sprintf("p%d-%d", 1+i%9, i))
		}
		if got := read(c, "FIFO"); !jmsEqual(got, want) {
			t.Fatalf("order %v\nwant  %v", got, want)
		}
	})
}

// Expired messages are never delivered; persistent ones land in the DLQ with
// originalExpiration and dlqDeliveryFailureCause; expireMessagesPeriod scans
// queues without consumers.
func TestJMSExpiration(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue="SCAN.>" expireMessagesPeriod="1000"/>
      <policyEntry queue="NOSCAN.>" expireMessagesPeriod="0"/>
    </policyEntries></policyMap></destinationPolicy>`)
	c := s.dial(t, "exp")

	// Scanned queues first: the scan needs a second or two.
	scanExp := jmsNowMs() + 400
	c.sendR("/queue/SCAN.C", "scan-me", "persistent", "true", "expires", strconv.FormatInt(scanExp, 10))
	c.sendR("/queue/NOSCAN.C", "no-scan", "persistent", "true", "expires", strconv.FormatInt(scanExp, 10))

	// Already expired at send, with a consumer waiting.
	c.subscribe("a", "/queue/EXP.A", "ack", "client-individual")
	past := jmsNowMs() - 1000
	c.sendR("/queue/EXP.A", "past-p", "persistent", "true", "expires", strconv.FormatInt(past, 10))
	c.sendR("/queue/EXP.A", "past-np", "expires", strconv.FormatInt(past, 10))
	c.sendR("/queue/EXP.A", "live", "persistent", "true", "expires", strconv.FormatInt(jmsNowMs()+60000, 10))
	m := c.msg("a")
	if string(m.Body) != "live" {
		t.Fatalf("got expired message %s", jmsDescribe(m))
	}
	c.ack(m)
	c.noMsg("a", jmsQuiet)

	// A short time to live that passes before anyone subscribes.
	ttl := jmsNowMs() + 200
	c.sendR("/queue/EXP.B", "ttl-p", "persistent", "true", "expires", strconv.FormatInt(ttl, 10))
	time.Sleep(time.Until(time.UnixMilli(ttl + 50)))
	c.subscribe("b", "/queue/EXP.B")
	c.noMsg("b", jmsQuiet)

	dlq := map[string]*frame.Frame{}
	for _, f := range c.browse("dlq1", "ActiveMQ.DLQ") {
		dlq[string(f.Body)] = f
	}
	if _, ok := dlq["past-np"]; ok {
		t.Errorf("non-persistent expired message reached the DLQ")
	}
	for body, want := range map[string]struct {
		exp  int64
		orig string
	}{"past-p": {past, "/queue/EXP.A"}, "ttl-p": {ttl, "/queue/EXP.B"}} {
		f := dlq[body]
		if f == nil {
			t.Errorf("%s not in ActiveMQ.DLQ (DLQ holds %d)", body, len(dlq))
			continue
		}
		if jmsHdr(f, "originalExpiration") != strconv.FormatInt(want.exp, 10) {
			t.Errorf("%s: originalExpiration %q, want %d", body, jmsHdr(f, "originalExpiration"), want.exp)
		}
		// ActiveMQ's text: the Throwable it dead-letters an expired message with.
		if cause, w := jmsHdr(f, "dlqDeliveryFailureCause"), fmt.Sprintf("java.lang.Throwable: Message Expired. Expiration:%d", want.exp); cause != w {
			t.Errorf("%s: dlqDeliveryFailureCause %q, want %q", body, cause, w)
		}
		if jmsHdr(f, "original-destination") != want.orig {
			t.Errorf("%s: original-destination %q, want %q", body, jmsHdr(f, "original-destination"), want.orig)
		}
		if jmsHdr(f, "persistent") != "true" || jmsHdr(f, "expires") != "0" {
			t.Errorf("%s: DLQ copy must be persistent and never expire: %s", body, jmsDescribe(f))
		}
	}

	// The scanner removed the pending message of SCAN.C into the DLQ.
	jmsEventually(t, "SCAN.C to expire by the periodic scan", func() bool { return s.queueSize("SCAN.C") == 0 })
	if st, _ := s.b().QueueStats(broker.QueueDest("SCAN.C")); st.ExpiredCount != 1 {
		t.Errorf("SCAN.C ExpiredCount %d", st.ExpiredCount)
	}
	// The expired message leaves SCAN.C before its copy lands in the DLQ
	// (dead-lettering runs after the queue's lock is released).
	jmsEventually(t, "the scanned message to reach ActiveMQ.DLQ", func() bool { return s.queueSize("ActiveMQ.DLQ") > int64(len(dlq)) })
	found := false
	for _, f := range c.browse("dlq2", "ActiveMQ.DLQ") {
		if string(f.Body) == "scan-me" {
			found = true
			if jmsHdr(f, "originalExpiration") != strconv.FormatInt(scanExp, 10) || jmsHdr(f, "original-destination") != "/queue/SCAN.C" {
				t.Errorf("scanned DLQ copy: %s", jmsDescribe(f))
			}
		}
	}
	if !found {
		t.Errorf("scan-me not in ActiveMQ.DLQ")
	}
	if n := s.queueSize("NOSCAN.C"); n != 1 {
		t.Errorf("expireMessagesPeriod=0 must not scan: NOSCAN.C size %d", n)
	}
	// Still never delivered.
	c.subscribe("ns", "/queue/NOSCAN.C")
	c.noMsg("ns", jmsQuiet)
}

const jmsRedeliveryPlugin = `
    <plugins>
      <redeliveryPlugin fallbackToDeadLetter="true" sendToDlqIfMaxRetriesExceeded="true">
        <redeliveryPolicyMap>
          <redeliveryPolicyMap>
            <defaultEntry>
              <redeliveryPolicy maximumRedeliveries="2" initialRedeliveryDelay="0" redeliveryDelay="0"/>
            </defaultEntry>
          </redeliveryPolicyMap>
        </redeliveryPolicyMap>
      </redeliveryPlugin>
    </plugins>`

// jmsConsumeAndDrop receives the next message of queue on a fresh client-ack
// connection and drops the connection without acking.
func jmsConsumeAndDrop(t *testing.T, s *jmsServer, queue string, round int, abrupt bool) *frame.Frame {
	t.Helper()
	c := s.dial(t, fmt.Sprintf("round%d", round))
	c.subscribe("s", "/queue/"+queue, "ack", "client")
	m := c.msg("s")
	c.sync()
	if abrupt {
		c.close()
	} else {
		c.disconnect()
	}
	return m
}

// jmsRedeliverUntilDLQ consumes a persistent message without acking rounds
// times, checking the redelivery headers, then checks it went to the DLQ.
func jmsRedeliverUntilDLQ(t *testing.T, s *jmsServer, queue string, rounds int) {
	t.Helper()
	p := s.dial(t, "producer")
	p.sendR("/queue/"+queue, "poison", "persistent", "true")
	for i := 1; i <= rounds; i++ {
		m := jmsConsumeAndDrop(t, s, queue, i, i%2 == 0)
		if string(m.Body) != "poison" {
			t.Fatalf("round %d: %s", i, jmsDescribe(m))
		}
		if got := jmsHdr(m, "JMSXDeliveryCount"); got != strconv.Itoa(i) {
			t.Fatalf("round %d: JMSXDeliveryCount %q", i, got)
		}
		if red := jmsHdr(m, "redelivered") == "true"; red != (i > 1) {
			t.Fatalf("round %d: redelivered=%q", i, jmsHdr(m, "redelivered"))
		}
	}
	c := s.dial(t, "after")
	c.subscribe("s", "/queue/"+queue, "ack", "client")
	c.noMsg("s", jmsQuiet)
	jmsEventually(t, "the poison message in ActiveMQ.DLQ", func() bool { return s.queueSize("ActiveMQ.DLQ") == 1 })
	d := c.browse("d", "ActiveMQ.DLQ")
	if len(d) != 1 || string(d[0].Body) != "poison" {
		t.Fatalf("DLQ: %d messages", len(d))
	}
	if cause := jmsHdr(d[0], "dlqDeliveryFailureCause"); !strings.Contains(cause, "exceeds redelivery policy limit") {
		t.Errorf("dlqDeliveryFailureCause %q", cause)
	}
	if jmsHdr(d[0], "original-destination") != "/queue/"+queue {
		t.Errorf("original-destination %q", jmsHdr(d[0], "original-destination"))
	}
	if n := s.queueSize(queue); n != 0 {
		t.Errorf("%s still holds %d", queue, n)
	}
}

// redeliveryPlugin maximumRedeliveries=2: three deliveries, then the DLQ.
func TestJMSRedeliveryPluginDLQ(t *testing.T) {
	t.Parallel()
	s := startJMS(t, `schedulerSupport="true"`, jmsRedeliveryPlugin)
	rp := s.srv.Config().Broker.Plugins.Redelivery
	if rp == nil || rp.Default == nil || rp.Default.MaximumRedeliveries != 2 || rp.Default.RedeliveryDelay != 0 ||
		rp.Default.InitialRedeliveryDelay != 0 || !rp.FallbackToDeadLetter || !rp.SendToDlqIfMaxRetriesExceeded {
		t.Fatalf("redeliveryPlugin parsed as %+v", rp)
	}
	if p := s.b().Policy(broker.QueueDest("RD")); p.Redelivery.MaximumRedeliveries != 2 {
		t.Fatalf("queue policy maximumRedeliveries %d", p.Redelivery.MaximumRedeliveries)
	}
	jmsRedeliverUntilDLQ(t, s, "RD", 3)
}

// Without a redeliveryPlugin the maximum is 6: seven deliveries, then the DLQ.
func TestJMSRedeliveryDefaultMaximum(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	jmsRedeliverUntilDLQ(t, s, "RD6", 7)
}

// NACK dead-letters a persistent message at once and drops a non-persistent
// one; individualDeadLetterStrategy picks DLQ.<queue>; a dead letter of a DLQ
// is not dead-lettered again; RetryMessage sends it back.
func TestJMSNackDLQAndRetry(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue="IND.>">
        <deadLetterStrategy><individualDeadLetterStrategy queuePrefix="DLQ." useQueueForQueueMessages="true"/></deadLetterStrategy>
      </policyEntry>
    </policyEntries></policyMap></destinationPolicy>`)
	c := s.dial(t, "nack")
	c.subscribe("n", "/queue/NK", "ack", "client-individual")
	c.sendR("/queue/NK", "persistent-poison", "persistent", "true", "color", "red")
	m := c.msg("n")
	c.nack(m)
	jmsEventually(t, "NACKed persistent message in ActiveMQ.DLQ", func() bool { return s.queueSize("ActiveMQ.DLQ") == 1 })
	c.sendR("/queue/NK", "np-poison")
	c.nack(c.msg("n"))
	c.noMsg("n", jmsQuiet)
	if n := s.queueSize("ActiveMQ.DLQ"); n != 1 {
		t.Fatalf("non-persistent NACKed message must be dropped: DLQ size %d", n)
	}
	if n := s.queueSize("NK"); n != 0 {
		t.Fatalf("NK size %d", n)
	}
	d := c.browse("b", "ActiveMQ.DLQ")
	if len(d) != 1 || string(d[0].Body) != "persistent-poison" || jmsHdr(d[0], "original-destination") != "/queue/NK" ||
		jmsHdr(d[0], "dlqDeliveryFailureCause") == "" || jmsHdr(d[0], "color") != "red" || jmsHdr(d[0], "persistent") != "true" {
		t.Fatalf("DLQ content: %v", jmsBodies(d))
	}
	dlqID := jmsHdr(d[0], "message-id")

	// individualDeadLetterStrategy queuePrefix="DLQ."
	c.subscribe("i", "/queue/IND.A", "ack", "client-individual")
	c.sendR("/queue/IND.A", "ind-poison", "persistent", "true")
	c.nack(c.msg("i"))
	jmsEventually(t, "DLQ.IND.A to get the dead letter", func() bool { return s.queueSize("DLQ.IND.A") == 1 })
	if n := s.queueSize("ActiveMQ.DLQ"); n != 1 {
		t.Errorf("individual strategy also wrote to ActiveMQ.DLQ (size %d)", n)
	}

	// Retry from the DLQ to the original queue.
	if err := s.b().RetryMessage(broker.QueueDest("ActiveMQ.DLQ"), dlqID); err != nil {
		t.Fatalf("RetryMessage: %v", err)
	}
	r := c.msg("n")
	if string(r.Body) != "persistent-poison" || jmsHdr(r, "destination") != "/queue/NK" {
		t.Fatalf("retried: %s", jmsDescribe(r))
	}
	if jmsHasHdr(r, "dlqDeliveryFailureCause") {
		t.Errorf("retried message still carries dlqDeliveryFailureCause: %s", jmsDescribe(r))
	}
	c.ack(r)
	if n := s.queueSize("ActiveMQ.DLQ"); n != 0 {
		t.Errorf("DLQ size %d after retry", n)
	}
	if err := s.b().RetryMessage(broker.QueueDest("ActiveMQ.DLQ"), dlqID); err == nil {
		t.Errorf("retrying a message no longer in the DLQ succeeded")
	}

	// A dead letter of the DLQ itself is dropped, not put back in the DLQ.
	c.subscribe("n2", "/queue/NK2", "ack", "client-individual")
	c.sendR("/queue/NK2", "again", "persistent", "true")
	c.nack(c.msg("n2"))
	jmsEventually(t, "dead letter in ActiveMQ.DLQ", func() bool { return s.queueSize("ActiveMQ.DLQ") == 1 })
	c.subscribe("dlq", "/queue/ActiveMQ.DLQ", "ack", "client-individual")
	dm := c.msg("dlq")
	if string(dm.Body) != "again" {
		t.Fatalf("DLQ consumer got %s", jmsDescribe(dm))
	}
	c.nack(dm)
	c.noMsg("dlq", jmsQuiet)
	if n := s.queueSize("ActiveMQ.DLQ"); n != 0 {
		t.Fatalf("NACK in the DLQ put the message back: DLQ size %d", n)
	}
	for _, q := range s.b().Queues() {
		if strings.Count(q.Dest.Name, "DLQ") > 1 {
			t.Errorf("dead-letter loop created %s", q.Dest.Name)
		}
	}
	c.noError()
}

// With an individual strategy on every queue, dead letters of DLQ.X never
// go on to DLQ.DLQ.X.
func TestJMSDLQNoLoopIndividual(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue=">">
        <deadLetterStrategy><individualDeadLetterStrategy queuePrefix="DLQ."/></deadLetterStrategy>
      </policyEntry>
    </policyEntries></policyMap></destinationPolicy>`)
	c := s.dial(t, "loop")
	c.subscribe("l", "/queue/LOOP", "ack", "client-individual")
	c.sendR("/queue/LOOP", "x", "persistent", "true")
	c.nack(c.msg("l"))
	c.subscribe("d", "/queue/DLQ.LOOP", "ack", "client-individual")
	m := c.msg("d")
	if jmsHdr(m, "original-destination") != "/queue/LOOP" {
		t.Errorf("original-destination %q", jmsHdr(m, "original-destination"))
	}
	c.nack(m)
	c.noMsg("d", jmsQuiet)
	if s.hasQueue("DLQ.DLQ.LOOP") {
		t.Fatalf("dead letter of DLQ.LOOP went to DLQ.DLQ.LOOP (size %d)", s.queueSize("DLQ.DLQ.LOOP"))
	}
	if n := s.queueSize("DLQ.LOOP"); n != 0 {
		t.Fatalf("DLQ.LOOP size %d", n)
	}
}

// individualDeadLetterStrategy with queuePrefix="" and queueSuffix=".DLQ"
// (the ORDERS -> ORDERS.DLQ naming many sites use) puts dead letters in
// <queue>.DLQ, and dead letters of that DLQ are not dead-lettered again.
func TestJMSIndividualDLQSuffix(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue=">">
        <deadLetterStrategy><individualDeadLetterStrategy queuePrefix="" queueSuffix=".DLQ"/></deadLetterStrategy>
      </policyEntry>
    </policyEntries></policyMap></destinationPolicy>`)
	c := s.dial(t, "suffix")
	c.subscribe("o", "/queue/ORDERS", "ack", "client-individual")
	c.sendR("/queue/ORDERS", "poison", "persistent", "true")
	c.nack(c.msg("o"))
	jmsEventually(t, "ORDERS.DLQ to get the dead letter", func() bool { return s.queueSize("ORDERS.DLQ") == 1 })
	c.noMsg("o", jmsQuiet)
	if n := s.queueSize("ORDERS"); n != 0 {
		t.Fatalf("dead letter went back to ORDERS (size %d)", n)
	}
	c.subscribe("d", "/queue/ORDERS.DLQ", "ack", "client-individual")
	m := c.msg("d")
	if jmsHdr(m, "original-destination") != "/queue/ORDERS" {
		t.Errorf("original-destination %q", jmsHdr(m, "original-destination"))
	}
	c.nack(m)
	c.noMsg("d", jmsQuiet)
	if s.hasQueue("ORDERS.DLQ.DLQ") {
		t.Fatalf("dead letter of ORDERS.DLQ went to ORDERS.DLQ.DLQ")
	}
	if n := s.queueSize("ORDERS.DLQ"); n != 0 {
		t.Fatalf("ORDERS.DLQ size %d", n)
	}
}

// Message groups stick to one consumer; the first message of a group to a
// consumer says so; JMSXGroupSeq -1 closes the group; a consumer leaving
// hands its groups over.
func TestJMSMessageGroups(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	c1 := s.dial(t, "g1")
	c2 := s.dial(t, "g2")
	c1.subscribe("s", "/queue/GRP")
	c2.subscribe("s", "/queue/GRP")
	p := s.dial(t, "gp")
	p.sendAll("/queue/GRP", 6, func(i int) (string, []string) {
		g := string("AB"[i%2])
		seq := strconv.Itoa(i/2 + 1)
		return g + seq, []string{"JMSXGroupID", g, "JMSXGroupSeq", seq}
	})
	got := jmsGather(t, 6, jmsSub{c1, "s"}, jmsSub{c2, "s"})
	owner := map[string]int{}
	for ci, fs := range got {
		for _, f := range fs {
			g := jmsHdr(f, "JMSXGroupID")
			if g == "" || jmsHdr(f, "JMSXGroupSeq") == "" || jmsHdr(f, "JMSXDeliveryCount") != "1" {
				t.Fatalf("group headers missing: %s", jmsDescribe(f))
			}
			if string(f.Body) != g+jmsHdr(f, "JMSXGroupSeq") {
				t.Fatalf("JMSXGroupSeq does not match: %s", jmsDescribe(f))
			}
			if o, ok := owner[g]; ok && o != ci {
				t.Fatalf("group %s split over both consumers: %v / %v", g, jmsBodies(got[0]), jmsBodies(got[1]))
			}
			owner[g] = ci
			first := jmsHdr(f, "JMSXGroupFirstForConsumer") == "true"
			if first != (jmsHdr(f, "JMSXGroupSeq") == "1") {
				t.Fatalf("JMSXGroupFirstForConsumer wrong on %s", jmsDescribe(f))
			}
		}
	}
	clients := []*jmsClient{c1, c2}

	// Close group A: it goes to A's owner; the next A is assigned afresh.
	p.sendR("/queue/GRP", "A-close", "JMSXGroupID", "A", "JMSXGroupSeq", "-1")
	cl := jmsGather(t, 1, jmsSub{c1, "s"}, jmsSub{c2, "s"})
	if len(cl[owner["A"]]) != 1 || jmsHdr(cl[owner["A"]][0], "JMSXGroupSeq") != "-1" {
		t.Fatalf("closing message not delivered to the owner of A")
	}
	p.sendR("/queue/GRP", "A-new1", "JMSXGroupID", "A", "JMSXGroupSeq", "1")
	p.sendR("/queue/GRP", "A-new2", "JMSXGroupID", "A", "JMSXGroupSeq", "2")
	nw := jmsGather(t, 2, jmsSub{c1, "s"}, jmsSub{c2, "s"})
	var newOwner int
	switch {
	case len(nw[0]) == 2:
		newOwner = 0
	case len(nw[1]) == 2:
		newOwner = 1
	default:
		t.Fatalf("reopened group A split: %v / %v", jmsBodies(nw[0]), jmsBodies(nw[1]))
	}
	if jmsHdr(nw[newOwner][0], "JMSXGroupFirstForConsumer") != "true" {
		t.Fatalf("after JMSXGroupSeq=-1 the group was not released: %s", jmsDescribe(nw[newOwner][0]))
	}
	if jmsHasHdr(nw[newOwner][1], "JMSXGroupFirstForConsumer") {
		t.Fatalf("second message of the reopened group: %s", jmsDescribe(nw[newOwner][1]))
	}

	// The owner of B leaves: B moves to the other consumer, flagged first.
	bOwner := owner["B"]
	clients[bOwner].sync()
	clients[bOwner].request("UNSUBSCRIBE", "", "id", "s")
	p.sendR("/queue/GRP", "B4", "JMSXGroupID", "B", "JMSXGroupSeq", "4")
	other := clients[1-bOwner]
	m := other.msg("s")
	if string(m.Body) != "B4" || jmsHdr(m, "JMSXGroupFirstForConsumer") != "true" {
		t.Fatalf("group B after its owner left: %s", jmsDescribe(m))
	}
}

// An exclusive consumer gets everything while it is there; the others take
// over when it leaves.
func TestJMSExclusiveConsumer(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	normal := s.dial(t, "normal")
	normal.subscribe("s", "/queue/EXCL")
	ex := s.dial(t, "ex")
	ex.subscribe("s", "/queue/EXCL", "activemq.exclusive", "true")
	normal2 := s.dial(t, "normal2")
	normal2.subscribe("s", "/queue/EXCL")
	p := s.dial(t, "p")
	p.sendAll("/queue/EXCL", 6, func(i int) (string, []string) { return fmt.Sprint("a", i), nil })
	got := jmsGather(t, 6, jmsSub{ex, "s"}, jmsSub{normal, "s"}, jmsSub{normal2, "s"})
	if !jmsEqual(jmsBodies(got[0]), []string{"a0", "a1", "a2", "a3", "a4", "a5"}) {
		t.Fatalf("exclusive consumer got %v, others %v and %v", jmsBodies(got[0]), jmsBodies(got[1]), jmsBodies(got[2]))
	}
	ex.sync()
	ex.request("UNSUBSCRIBE", "", "id", "s")
	p.sendAll("/queue/EXCL", 4, func(i int) (string, []string) { return fmt.Sprint("b", i), nil })
	got = jmsGather(t, 4, jmsSub{normal, "s"}, jmsSub{normal2, "s"})
	if len(got[0]) == 0 || len(got[1]) == 0 {
		t.Errorf("after the exclusive consumer left, dispatch is not shared: %v / %v", jmsBodies(got[0]), jmsBodies(got[1]))
	}
	// A new exclusive consumer takes over again.
	ex2 := s.dial(t, "ex2")
	ex2.subscribe("s", "/queue/EXCL", "activemq.exclusive", "true")
	p.sendAll("/queue/EXCL", 3, func(i int) (string, []string) { return fmt.Sprint("c", i), nil })
	got = jmsGather(t, 3, jmsSub{ex2, "s"}, jmsSub{normal, "s"}, jmsSub{normal2, "s"})
	if len(got[0]) != 3 {
		t.Fatalf("new exclusive consumer got %v, others %v and %v", jmsBodies(got[0]), jmsBodies(got[1]), jmsBodies(got[2]))
	}
}

// With two exclusive consumers the first keeps everything; the second takes
// over only when the first leaves.
func TestJMSExclusiveConsumerSecondWaits(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	normal := s.dial(t, "normal")
	normal.subscribe("s", "/queue/EXCL2")
	ex1 := s.dial(t, "ex1")
	ex1.subscribe("s", "/queue/EXCL2", "activemq.exclusive", "true")
	ex2 := s.dial(t, "ex2")
	ex2.subscribe("s", "/queue/EXCL2", "activemq.exclusive", "true")
	p := s.dial(t, "p")
	p.sendAll("/queue/EXCL2", 4, func(i int) (string, []string) { return fmt.Sprint("a", i), nil })
	got := jmsGather(t, 4, jmsSub{normal, "s"}, jmsSub{ex1, "s"}, jmsSub{ex2, "s"})
	if len(got[1]) != 4 {
		t.Fatalf("first exclusive consumer got %v, normal %v, second exclusive %v", jmsBodies(got[1]), jmsBodies(got[0]), jmsBodies(got[2]))
	}
	ex1.sync()
	ex1.request("UNSUBSCRIBE", "", "id", "s")
	p.sendAll("/queue/EXCL2", 2, func(i int) (string, []string) { return fmt.Sprint("b", i), nil })
	got = jmsGather(t, 2, jmsSub{normal, "s"}, jmsSub{ex2, "s"})
	if len(got[1]) != 2 {
		t.Fatalf("after the first exclusive consumer left: second exclusive got %v, normal %v", jmsBodies(got[1]), jmsBodies(got[0]))
	}
	ex2.sync()
	// A graceful DISCONNECT: the broker has dropped the consumer by the
	// receipt (a bare socket close races with the sends below, and auto-ack
	// messages dispatched to a vanishing client are consumed, as on ActiveMQ).
	ex2.request("DISCONNECT", "")
	p.sendAll("/queue/EXCL2", 2, func(i int) (string, []string) { return fmt.Sprint("c", i), nil })
	if b := normal.bodies("s", 2); !jmsEqual(b, []string{"c0", "c1"}) {
		t.Fatalf("normal consumer after the exclusives left: %v", b)
	}
}

// activemq.priority: the higher-priority consumer gets messages while it
// has credit; the lower one gets the overflow.
func TestJMSConsumerPriority(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	low := s.dial(t, "low")
	low.subscribe("s", "/queue/CPRIO", "ack", "client", "activemq.priority", "1", "activemq.prefetchSize", "2")
	high := s.dial(t, "high")
	high.subscribe("s", "/queue/CPRIO", "ack", "client", "activemq.priority", "10", "activemq.prefetchSize", "2")
	p := s.dial(t, "p")
	p.sendAll("/queue/CPRIO", 5, func(i int) (string, []string) { return fmt.Sprint("m", i), nil })
	got := jmsGather(t, 4, jmsSub{high, "s"}, jmsSub{low, "s"})
	if !jmsEqual(jmsBodies(got[0]), []string{"m0", "m1"}) || !jmsEqual(jmsBodies(got[1]), []string{"m2", "m3"}) {
		t.Fatalf("high got %v, low got %v; want [m0 m1] and [m2 m3]", jmsBodies(got[0]), jmsBodies(got[1]))
	}
	high.ack(got[0][1]) // cumulative
	if b := high.msgBody("s"); b != "m4" {
		t.Fatalf("high got %q after acking", b)
	}
	p.sendR("/queue/CPRIO", "m5")
	if b := high.msgBody("s"); b != "m5" {
		t.Fatalf("high got %q", b)
	}
	low.noMsg("s", jmsQuiet)
}

// A message an auto-ack subscriber has received is consumed: closing the
// subscription right after must not put it back (ActiveMQ acks auto-ack
// STOMP deliveries before writing them).
func TestJMSAutoAckReceivedNotRedelivered(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	c := s.dial(t, "c")
	p := s.dial(t, "p")
	for i := 0; i < 200; i++ {
		id := fmt.Sprint("s", i)
		c.subscribe(id, "/queue/AUTO")
		p.sendR("/queue/AUTO", fmt.Sprint("m", i))
		if b := c.msgBody(id); b != fmt.Sprint("m", i) {
			t.Fatalf("round %d: got %q", i, b)
		}
		c.request("UNSUBSCRIBE", "", "id", id)
		if n := s.queueSize("AUTO"); n != 0 {
			t.Fatalf("round %d: the received auto-ack message went back to the queue (size %d)", i, n)
		}
	}
}

// Every delivery the client received counts: JMSXDeliveryCount rises by one
// each time, however soon the subscription closes after the MESSAGE.
func TestJMSDeliveryCountRisesOnEveryReceipt(t *testing.T) {
	t.Parallel()
	s := startJMS(t, `schedulerSupport="true"`, `
    <plugins><redeliveryPlugin><redeliveryPolicyMap><redeliveryPolicyMap><defaultEntry>
      <redeliveryPolicy maximumRedeliveries="-1" initialRedeliveryDelay="0" redeliveryDelay="0"/>
    </defaultEntry></redeliveryPolicyMap></redeliveryPolicyMap></redeliveryPlugin></plugins>`)
	c := s.dial(t, "c")
	p := s.dial(t, "p")
	p.sendR("/queue/COUNT", "m", "persistent", "true")
	for i := 1; i <= 100; i++ {
		id := fmt.Sprint("s", i)
		c.subscribe(id, "/queue/COUNT", "ack", "client")
		m := c.msg(id)
		if got := jmsHdr(m, "JMSXDeliveryCount"); got != strconv.Itoa(i) {
			t.Fatalf("delivery %d carries JMSXDeliveryCount %q", i, got)
		}
		if red := jmsHdr(m, "redelivered") == "true"; red != (i > 1) {
			t.Fatalf("delivery %d: redelivered=%q", i, jmsHdr(m, "redelivered"))
		}
		c.request("UNSUBSCRIBE", "", "id", id)
	}
}

// allConsumersExclusiveByDefault: every consumer of the queue is exclusive,
// so the first takes everything, the next takes over when it leaves, and a
// later one of higher priority takes over at once, as in ActiveMQ.
func TestJMSAllConsumersExclusiveByDefault(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue="EXALL.>" allConsumersExclusiveByDefault="true"/>
    </policyEntries></policyMap></destinationPolicy>`)
	first := s.dial(t, "first")
	first.subscribe("s", "/queue/EXALL.Q")
	second := s.dial(t, "second")
	second.subscribe("s", "/queue/EXALL.Q")
	p := s.dial(t, "p")
	p.sendAll("/queue/EXALL.Q", 6, func(i int) (string, []string) { return fmt.Sprint("a", i), nil })
	got := jmsGather(t, 6, jmsSub{first, "s"}, jmsSub{second, "s"})
	if len(got[0]) != 6 {
		t.Fatalf("first consumer got %v, second %v; want all six on the first", jmsBodies(got[0]), jmsBodies(got[1]))
	}
	first.sync()
	first.request("UNSUBSCRIBE", "", "id", "s")
	p.sendAll("/queue/EXALL.Q", 3, func(i int) (string, []string) { return fmt.Sprint("b", i), nil })
	if b := second.bodies("s", 3); !jmsEqual(b, []string{"b0", "b1", "b2"}) {
		t.Fatalf("second consumer after the first left: %v", b)
	}
	high := s.dial(t, "high")
	high.subscribe("s", "/queue/EXALL.Q", "activemq.priority", "9")
	p.sendAll("/queue/EXALL.Q", 3, func(i int) (string, []string) { return fmt.Sprint("c", i), nil })
	got = jmsGather(t, 3, jmsSub{high, "s"}, jmsSub{second, "s"})
	if len(got[0]) != 3 {
		t.Fatalf("higher-priority consumer got %v, second %v; want all three", jmsBodies(got[0]), jmsBodies(got[1]))
	}
}

// useConsumerPriority="false": consumer priorities are not looked at, so
// dispatch is round-robin in subscription order; with the default the
// higher-priority consumer takes everything it has credit for.
func TestJMSUseConsumerPriorityFalse(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue="NOPRIO.>" useConsumerPriority="false"/>
    </policyEntries></policyMap></destinationPolicy>`)
	for _, c := range []struct {
		queue             string
		wantLow, wantHigh []string
	}{
		{"NOPRIO.Q", []string{"m0", "m2"}, []string{"m1", "m3"}},
		{"PRIO.Q", nil, []string{"m0", "m1", "m2", "m3"}},
	} {
		low := s.dial(t, "low-"+c.queue)
		low.subscribe("s", "/queue/"+c.queue, "activemq.priority", "1")
		high := s.dial(t, "high-"+c.queue)
		high.subscribe("s", "/queue/"+c.queue, "activemq.priority", "10")
		p := s.dial(t, "p-"+c.queue)
		p.sendAll("/queue/"+c.queue, 4, func(i int) (string, []string) { return fmt.Sprint("m", i), nil })
		got := jmsGather(t, 4, jmsSub{low, "s"}, jmsSub{high, "s"})
		if !jmsEqual(jmsBodies(got[0]), c.wantLow) || !jmsEqual(jmsBodies(got[1]), c.wantHigh) {
			t.Errorf("%s: low got %v, high got %v; want %v and %v", c.queue, jmsBodies(got[0]), jmsBodies(got[1]), c.wantLow, c.wantHigh)
		}
	}
}

// policyEntry sendFailIfNoSpace: at the memory limit a send to a queue the
// entry covers fails with an ERROR naming ResourceAllocationException
// instead of waiting; a send to another queue still waits for space
// (<systemUsage> leaves sendFailIfNoSpace off).
func TestJMSPolicySendFailIfNoSpace(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", `
    <destinationPolicy><policyMap><policyEntries>
      <policyEntry queue="FAIL.>" sendFailIfNoSpace="true"/>
    </policyEntries></policyMap></destinationPolicy>
    <systemUsage><systemUsage>
      <memoryUsage><memoryUsage limit="64 kb"/></memoryUsage>
    </systemUsage></systemUsage>`)
	p := s.dial(t, "p")
	body := strings.Repeat("x", 1024)
	var refused *frame.Frame
	for i := 0; i < 200 && refused == nil; i++ {
		if f := p.call("SEND", body, "destination", "/queue/FAIL.Q"); f.Command == frame.ERROR {
			refused = f
		}
	}
	if refused == nil {
		t.Fatal("200 KB sent to FAIL.Q under a 64 KB memory limit without an error")
	}
	if msg := jmsHdr(refused, "message"); !strings.Contains(msg, "ResourceAllocationException") {
		t.Errorf("ERROR message %q does not name ResourceAllocationException", msg)
	}

	w := s.dial(t, "w")
	id := w.receiptID()
	w.write("SEND", body, "destination", "/queue/WAIT.Q", "receipt", id)
	if f := w.tryAwait(jmsQuiet, func(f *frame.Frame) bool { return jmsHdr(f, "receipt-id") == id }); f != nil {
		t.Fatalf("a send to WAIT.Q at the memory limit was answered: %s; want it to wait", jmsDescribe(f))
	}
}
