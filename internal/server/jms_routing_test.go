package server

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"amq/broker"
	"amq/internal/stomp/frame"
)

// Topic wildcards: * is one segment, > the rest (A.> also matches A).
func TestJMSWildcards(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	c := s.dial(t, "wild")
	// A.B exists before the wildcard subscriptions; the others do not.
	c.sendR("/topic/A.B", "before")
	c.subscribe("star", "/topic/A.*")
	c.subscribe("rest", "/topic/A.>")
	c.subscribe("mid", "/topic/*.B")
	for _, d := range []string{"A", "A.B", "A.B.C", "A.C", "B.X", "AA.B", "X.A.B"} {
		c.sendR("/topic/"+d, d)
	}
	want := map[string][]string{
		"star": {"A.B", "A.C"},
		"rest": {"A", "A.B", "A.B.C", "A.C"},
		"mid":  {"A.B", "AA.B"},
	}
	for id, w := range want {
		var got []string
		for range w {
			m := c.msg(id)
			if jmsHdr(m, "destination") != "/topic/"+string(m.Body) {
				t.Errorf("%s: destination header %q for a publish on %s", id, jmsHdr(m, "destination"), m.Body)
			}
			got = append(got, string(m.Body))
		}
		if !jmsEqual(got, w) {
			t.Errorf("subscription %s got %v, want %v", id, got, w)
		}
	}
	time.Sleep(jmsQuiet)
	for id := range want {
		c.noMsg(id, 0)
	}
	c.sendR("/topic/A.Z", "after")
	if b := c.msgBody("star"); b != "after" {
		t.Fatalf("got %q", b)
	}
}

// SEND to a comma-separated list reaches every member; copies carry
// original-destination.
func TestJMSCompositeSend(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	c := s.dial(t, "comp")
	c.subscribe("q", "/queue/CX")
	c.subscribe("t", "/topic/CY")
	c.subscribe("q2", "/queue/CZ")
	c.sendR("/queue/CX,/topic/CY,/queue/CZ", "fan-out", "color", "blue")
	for id, dest := range map[string]string{"q": "/queue/CX", "t": "/topic/CY", "q2": "/queue/CZ"} {
		m := c.msg(id)
		if string(m.Body) != "fan-out" || jmsHdr(m, "color") != "blue" || jmsHdr(m, "destination") != dest {
			t.Fatalf("%s: %s", id, jmsDescribe(m))
		}
		od := jmsHdr(m, "original-destination")
		if !strings.Contains(od, "CX") || !strings.Contains(od, "CY") || !strings.Contains(od, "CZ") {
			t.Errorf("%s: original-destination %q does not name the composite", id, od)
		}
	}
	for _, id := range []string{"q", "t", "q2"} {
		c.noMsg(id, jmsQuiet/3)
	}
}

// Built-in virtual topics: every Consumer.<name>.VirtualTopic.X queue gets
// each publish on VirtualTopic.X; consumers of one such queue share them.
func TestJMSVirtualTopics(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	a1 := s.dial(t, "a1")
	a1.subscribe("s", "/queue/Consumer.A.VirtualTopic.Orders")
	a2 := s.dial(t, "a2")
	a2.subscribe("s", "/queue/Consumer.A.VirtualTopic.Orders")
	b := s.dial(t, "b")
	b.subscribe("s", "/queue/Consumer.B.VirtualTopic.Orders")
	plain := s.dial(t, "plain")
	plain.subscribe("s", "/topic/VirtualTopic.Orders")
	p := s.dial(t, "p")
	p.sendAll("/topic/VirtualTopic.Orders", 6, func(i int) (string, []string) {
		return fmt.Sprint("o", i), []string{"persistent", "true"}
	})
	want := []string{"o0", "o1", "o2", "o3", "o4", "o5"}
	bm := b.bodies("s", 6)
	if !jmsEqual(bm, want) {
		t.Fatalf("Consumer.B got %v", bm)
	}
	if pm := plain.bodies("s", 6); !jmsEqual(pm, want) {
		t.Fatalf("topic subscriber got %v", pm)
	}
	got := jmsGather(t, 6, jmsSub{a1, "s"}, jmsSub{a2, "s"})
	all := append(jmsBodies(got[0]), jmsBodies(got[1])...)
	sort.Strings(all)
	if !jmsEqual(all, want) {
		t.Fatalf("Consumer.A consumers got %v and %v", jmsBodies(got[0]), jmsBodies(got[1]))
	}
	if len(got[0]) == 0 || len(got[1]) == 0 {
		t.Errorf("Consumer.A messages not shared: %v / %v", jmsBodies(got[0]), jmsBodies(got[1]))
	}
	m := got[0][0]
	if jmsHdr(m, "destination") != "/queue/Consumer.A.VirtualTopic.Orders" || jmsHdr(m, "original-destination") != "/topic/VirtualTopic.Orders" {
		t.Errorf("virtual topic copy: %s", jmsDescribe(m))
	}
	b.noMsg("s", jmsQuiet)
}

const jmsRoutingConfig = `
    <destinationInterceptors>
      <virtualDestinationInterceptor>
        <virtualDestinations>
          <compositeQueue name="ORDERS.ALL" forwardOnly="true">
            <forwardTo>
              <queue physicalName="ORDERS.EU"/>
              <filteredDestination selector="region = 'US'" queue="ORDERS.US"/>
            </forwardTo>
          </compositeQueue>
          <virtualTopic name="EVENTS.>" prefix="App.*." selectorAware="false"/>
        </virtualDestinations>
      </virtualDestinationInterceptor>
    </destinationInterceptors>
    <destinations>
      <queue physicalName="PRECREATED"/>
      <topic physicalName="PRETOPIC"/>
    </destinations>`

// Routing configured in activemq.xml: a composite queue with a filtered
// member, a virtual topic with its own prefix, destinations made at start.
func TestJMSRoutingFromConfig(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", jmsRoutingConfig)
	if !s.hasQueue("PRECREATED") {
		t.Errorf("PRECREATED missing from Queues(): %v", s.b().Queues())
	}
	foundTopic := false
	for _, d := range s.b().Topics() {
		if d.Dest == broker.TopicDest("PRETOPIC") {
			foundTopic = true
		}
	}
	if !foundTopic {
		t.Errorf("PRETOPIC missing from Topics()")
	}

	c := s.dial(t, "route")
	c.subscribe("eu", "/queue/ORDERS.EU")
	c.subscribe("us", "/queue/ORDERS.US")
	c.sendR("/queue/ORDERS.ALL", "order-us", "region", "US", "persistent", "true")
	c.sendR("/queue/ORDERS.ALL", "order-eu", "region", "EU")
	if got := c.bodies("eu", 2); !jmsEqual(got, []string{"order-us", "order-eu"}) {
		t.Fatalf("ORDERS.EU got %v", got)
	}
	us := c.msg("us")
	if string(us.Body) != "order-us" || jmsHdr(us, "original-destination") != "/queue/ORDERS.ALL" || jmsHdr(us, "persistent") != "true" {
		t.Fatalf("ORDERS.US got %s", jmsDescribe(us))
	}
	c.noMsg("us", jmsQuiet)
	if n := s.queueSize("ORDERS.ALL"); n > 0 {
		t.Fatalf("forwardOnly composite kept %d messages", n)
	}

	x := s.dial(t, "appx")
	x.subscribe("s", "/queue/App.X.EVENTS.login")
	y := s.dial(t, "appy")
	y.subscribe("s", "/queue/App.Y.EVENTS.login")
	y.subscribe("other", "/queue/App.Y.EVENTS.logout")
	def := s.dial(t, "default-vt")
	def.subscribe("s", "/queue/Consumer.A.VirtualTopic.Foo")
	p := s.dial(t, "p")
	p.sendR("/topic/EVENTS.login", "ev1")
	p.sendR("/topic/VirtualTopic.Foo", "vt")
	for _, cl := range []*jmsClient{x, y} {
		m := cl.msg("s")
		if string(m.Body) != "ev1" || jmsHdr(m, "original-destination") != "/topic/EVENTS.login" {
			t.Fatalf("%s: %s", cl.name, jmsDescribe(m))
		}
	}
	y.noMsg("other", jmsQuiet)
	// An explicit virtualDestinationInterceptor replaces the built-in
	// VirtualTopic.> one.
	def.noMsg("s", 0)
}

// schedulerSupport: delayed, repeated and cron messages; bad schedules are
// refused.
func TestJMSScheduler(t *testing.T) {
	t.Parallel()
	s := startJMS(t, `schedulerSupport="true"`, "")
	c := s.dial(t, "sched")
	c.subscribe("d", "/queue/SCHED.DELAY")
	c.subscribe("r", "/queue/SCHED.REPEAT")

	// Period 300 ms, 2 repeats: three deliveries.
	c.sendR("/queue/SCHED.REPEAT", "again", "AMQ_SCHEDULED_PERIOD", "300", "AMQ_SCHEDULED_REPEAT", "2")
	var times []time.Time
	ids := map[string]bool{}
	for i := 0; i < 3; i++ {
		m := c.msg("r")
		times = append(times, time.Now())
		ids[jmsHdr(m, "message-id")] = true
		if string(m.Body) != "again" || jmsHasHdr(m, "AMQ_SCHEDULED_PERIOD") || jmsHasHdr(m, "AMQ_SCHEDULED_REPEAT") {
			t.Fatalf("repeat %d: %s", i, jmsDescribe(m))
		}
	}
	if len(ids) != 3 {
		t.Errorf("repeated deliveries share message ids: %v", ids)
	}
	for i := 1; i < 3; i++ {
		if gap := times[i].Sub(times[i-1]); gap < 200*time.Millisecond {
			t.Errorf("repeat %d came %v after the previous one, period is 300 ms", i, gap)
		}
	}

	// Delay 1000 ms: not before.
	sent := time.Now()
	c.sendR("/queue/SCHED.DELAY", "later", "AMQ_SCHEDULED_DELAY", "1000")
	if jobs := s.b().ScheduledJobs(); len(jobs) != 1 || jobs[0].Dest != broker.QueueDest("SCHED.DELAY") {
		t.Errorf("scheduled jobs: %+v", jobs)
	}
	c.noMsg("d", 700*time.Millisecond)
	m := c.msg("d")
	if el := time.Since(sent); el < 950*time.Millisecond {
		t.Fatalf("delayed message arrived after %v", el)
	}
	if string(m.Body) != "later" || jmsHdr(m, "scheduledJobId") == "" || jmsHasHdr(m, "AMQ_SCHEDULED_DELAY") {
		t.Errorf("delayed message: %s", jmsDescribe(m))
	}
	c.noMsg("d", jmsQuiet)
	c.noMsg("r", 0)

	// A cron job is listed with its next run and can be removed.
	c.sendR("/queue/SCHED.CRON", "cron", "AMQ_SCHEDULED_CRON", "* * * * *")
	var job *broker.ScheduledJob
	for _, j := range s.b().ScheduledJobs() {
		if j.Dest == broker.QueueDest("SCHED.CRON") {
			j := j
			job = &j
		}
	}
	if job == nil {
		t.Fatalf("cron job not listed: %+v", s.b().ScheduledJobs())
	}
	if job.Cron != "* * * * *" {
		t.Errorf("cron %q", job.Cron)
	}
	if until := time.Until(job.Next); until <= 0 || until > 61*time.Second {
		t.Errorf("cron next run in %v", until)
	}
	if !s.b().RemoveScheduledJob(job.ID) {
		t.Fatalf("RemoveScheduledJob(%s) = false", job.ID)
	}
	for _, j := range s.b().ScheduledJobs() {
		if j.ID == job.ID {
			t.Fatalf("removed job still listed")
		}
	}
	if s.b().RemoveScheduledJob(job.ID) {
		t.Errorf("removing twice succeeded")
	}

	// Bad schedules: ERROR, the connection stays.
	e := c.requestError("SEND", "bad", "destination", "/queue/SCHED.BAD", "AMQ_SCHEDULED_CRON", "not a cron")
	if jmsHdr(e, "message") == "" {
		t.Errorf("ERROR without message: %s", jmsDescribe(e))
	}
	c.requestError("SEND", "bad", "destination", "/queue/SCHED.BAD", "AMQ_SCHEDULED_DELAY", "soon")
	c.sendR("/queue/SCHED.DELAY", "now")
	if b := c.msgBody("d"); b != "now" {
		t.Fatalf("got %q", b)
	}
	if n := s.queueSize("SCHED.BAD"); n > 0 {
		t.Errorf("refused schedule was queued")
	}
}

// Without schedulerSupport the scheduling headers are ignored.
func TestJMSSchedulerDisabled(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	c := s.dial(t, "nosched")
	c.subscribe("d", "/queue/NOSCHED")
	sent := time.Now()
	c.sendR("/queue/NOSCHED", "now", "AMQ_SCHEDULED_DELAY", "5000")
	if b := c.msgBody("d"); b != "now" {
		t.Fatalf("got %q", b)
	}
	if el := time.Since(sent); el > time.Second {
		t.Fatalf("delay honoured without schedulerSupport: %v", el)
	}
	if n := len(s.b().ScheduledJobs()); n != 0 {
		t.Fatalf("%d scheduled jobs without schedulerSupport", n)
	}
}

const jmsLevelDB = `
    <persistenceAdapter><levelDB directory="${activemq.data}/leveldb"/></persistenceAdapter>`

// A persistent scheduled message survives a restart and is delivered when due.
func TestJMSSchedulerPersistentRestart(t *testing.T) {
	t.Parallel()
	s := startJMS(t, `schedulerSupport="true"`, jmsLevelDB)
	c := s.dial(t, "before")
	sent := time.Now()
	c.sendR("/queue/SCHED.PERSIST", "survivor", "persistent", "true", "AMQ_SCHEDULED_DELAY", "2000")
	s.restart()
	if jobs := s.b().ScheduledJobs(); len(jobs) != 1 {
		t.Fatalf("after restart %d scheduled jobs", len(jobs))
	}
	c2 := s.dial(t, "after")
	c2.subscribe("s", "/queue/SCHED.PERSIST")
	m := c2.msg("s")
	if el := time.Since(sent); el < 1900*time.Millisecond {
		t.Fatalf("delivered %v after sending, delay was 2000 ms", el)
	}
	if string(m.Body) != "survivor" || jmsHdr(m, "persistent") != "true" {
		t.Fatalf("got %s", jmsDescribe(m))
	}
	c2.noMsg("s", jmsQuiet)
	if jobs := s.b().ScheduledJobs(); len(jobs) != 0 {
		t.Fatalf("job still listed after delivery: %+v", jobs)
	}
	c2.disconnect()
	s.restart()
	c3 := s.dial(t, "again")
	c3.subscribe("s", "/queue/SCHED.PERSIST")
	c3.noMsg("s", jmsQuiet)
}

// Browsing: a snapshot ending with browser:end; nothing is consumed; a
// selector filters.
func TestJMSBrowse(t *testing.T) {
	t.Parallel()
	s := startJMS(t, "", "")
	c := s.dial(t, "br")
	c.sendAll("/queue/BR", 4, func(i int) (string, []string) {
		return fmt.Sprint("m", i), []string{"idx", fmt.Sprint(i), "persistent", fmt.Sprint(i%2 == 0)}
	})
	c.write("SUBSCRIBE", "", "id", "b1", "destination", "/queue/BR", "browser", "true")
	var got []string
	var end *frame.Frame
	for end == nil {
		m := c.msg("b1")
		if jmsHdr(m, "browser") == "end" {
			end = m
			break
		}
		got = append(got, string(m.Body))
	}
	if !jmsEqual(got, []string{"m0", "m1", "m2", "m3"}) {
		t.Fatalf("browse got %v", got)
	}
	if jmsHdr(end, "message-id") != "0" || len(end.Body) != 0 {
		t.Errorf("browser end frame: %s", jmsDescribe(end))
	}
	c.noMsg("b1", jmsQuiet)
	if n := s.queueSize("BR"); n != 4 {
		t.Fatalf("browsing consumed messages: size %d", n)
	}
	if f := c.browse("b2", "BR", "selector", "idx > 1"); !jmsEqual(jmsBodies(f), []string{"m2", "m3"}) {
		t.Fatalf("browse with selector got %v", jmsBodies(f))
	}
	if f := c.browse("b3", "EMPTY.BR"); len(f) != 0 {
		t.Fatalf("browse of an empty queue got %d", len(f))
	}
	c.requestError("SUBSCRIBE", "", "id", "b4", "destination", "/queue/BR", "browser", "true", "selector", "idx >")
	// A regular consumer still gets everything.
	c.subscribe("s", "/queue/BR")
	if b := c.bodies("s", 4); !jmsEqual(b, []string{"m0", "m1", "m2", "m3"}) {
		t.Fatalf("consumer after browsing got %v", b)
	}
}
