package web

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"amq/broker"
)

func TestAuthentication(t *testing.T) {
	e := startEnv(t, envOpts{})
	paths := []string{"/admin/", "/admin/index.jsp", "/admin/queues.jsp", "/admin/topics.jsp", "/admin/subscribers.jsp", "/admin/connections.jsp",
		"/admin/scheduled.jsp", "/admin/browse.jsp?JMSDestination=x", "/admin/message.jsp?JMSDestination=x&id=y", "/admin/send.jsp",
		"/admin/xml/queues.jsp", "/admin/xml/topics.jsp", "/admin/xml/subscribers.jsp", "/admin/queueBrowse/x", "/admin/xml/queueBrowse/x",
		"/api/jolokia", "/api/jolokia/version", "/api/jolokia/read/" + brokerMBean, "/api/browse?queue=x", "/api/stats", "/admin/assets/style.css"}
	for _, p := range paths {
		resp, _ := e.do("GET", p, "", "", nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials: %d, want 401", p, resp.StatusCode)
		}
		if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Basic realm="ActiveMQRealm"`) {
			t.Errorf("GET %s: challenge %q", p, got)
		}
		if resp, _ := e.do("GET", p, "admin", "wrong", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong password: %d, want 401", p, resp.StatusCode)
		}
		if resp, _ := e.do("GET", p, "nosuchuser", "secret", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s as an unknown user: %d, want 401", p, resp.StatusCode)
		}
		if resp, _ := e.do("GET", p, "guest", "guestpw", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as a user without a console role: %d, want 403", p, resp.StatusCode)
		}
	}
	if resp, _ := e.do("POST", "/api/jolokia", "", "", strings.NewReader(`{"type":"version"}`)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /api/jolokia without credentials: %d", resp.StatusCode)
	}
	if resp, _ := e.do("POST", "/api/jolokia", "guest", "guestpw", strings.NewReader(`{"type":"version"}`)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /api/jolokia as a guest: %d", resp.StatusCode)
	}
	for _, u := range [][2]string{{"admin", "secret"}, {"viewer", "viewpw"}, {"md5admin", "password"}, {"obfviewer", "password"}} {
		if resp, body := e.do("GET", "/admin/", u[0], u[1], nil); resp.StatusCode != 200 {
			t.Errorf("GET /admin/ as %s: %d %s", u[0], resp.StatusCode, body)
		}
	}
	// Prometheus convention: no login for /metrics by default.
	if resp, _ := e.do("GET", "/metrics", "", "", nil); resp.StatusCode != 200 {
		t.Errorf("GET /metrics without credentials: %d, want 200", resp.StatusCode)
	}
	// ActiveMQ's paths redirect to the console.
	for _, p := range []string{"/", "/admin"} {
		resp, _ := e.do("GET", p, "", "", nil)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/admin/" {
			t.Errorf("GET %s: %d -> %q", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, _ := e.do("GET", "/admin/", "admin", "secret", nil)
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
}

func TestMetricsBehindLogin(t *testing.T) {
	e := startEnv(t, envOpts{metricsAuth: true})
	if resp, _ := e.do("GET", "/metrics", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /metrics without credentials: %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.do("GET", "/metrics", "viewer", "viewpw", nil); resp.StatusCode != 200 {
		t.Fatalf("GET /metrics as viewer: %d", resp.StatusCode)
	}
}

func TestDefaultCredentialsOnlyWithoutRealmFile(t *testing.T) {
	e := startEnv(t, envOpts{noRealm: true})
	if resp, _ := e.do("GET", "/admin/", "admin", "admin", nil); resp.StatusCode != 200 {
		t.Fatalf("admin/admin without %s: %d", RealmFile, resp.StatusCode)
	}
	if !strings.Contains(e.logs.String(), "SECURITY: no "+RealmFile) {
		t.Fatalf("no warning about the default login in the log:\n%s", e.logs.String())
	}
	// With the file present admin/admin is not accepted.
	e2 := startEnv(t, envOpts{})
	if resp, _ := e2.do("GET", "/admin/", "admin", "admin", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("admin/admin with a realm file: %d, want 401", resp.StatusCode)
	}
}

func TestRealmParsing(t *testing.T) {
	r, warns := parseRealm([]byte("# comment\n! also comment\n\nadmin: admin, admin\nuser: user, user\nops=pw,admin , user\nbad line\nc: CRYPT:abc, admin\nm: MD5:zz, admin\n"))
	if len(warns) != 3 {
		t.Errorf("warnings %q, want 3", warns)
	}
	if a := r.check("admin", "admin"); a == nil || !a.isAdmin() {
		t.Error("admin/admin")
	}
	if a := r.check("user", "user"); a == nil || a.isAdmin() || !a.canView() {
		t.Error("user/user should view but not administer")
	}
	if a := r.check("ops", "pw"); a == nil || !a.isAdmin() {
		t.Error("= separator and spaced roles")
	}
	if r.check("user", "admin") != nil || r.check("c", "abc") != nil {
		t.Error("wrong password accepted")
	}
	if s, err := deobfuscate("1v2j1uum1xtv1zej1zer1xtn1uvk1v1v"); err != nil || s != "password" {
		t.Errorf("OBF decode = %q %v", s, err)
	}
	if r, _, err := loadRealm(filepath.Join(t.TempDir(), "missing", RealmFile)); err != nil || !r.fallback {
		t.Error(err)
	}
}

func TestStartFailsOnBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e := startEnv(t, envOpts{})
	c, err := New(Options{Broker: e.b, Addr: ln.Addr().String(), ConfDir: e.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(); err == nil || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("Start on a busy port: %v", err)
	}
	// The broker is unaffected.
	e.send("still.works", 1, false)
	if e.queueSize("still.works") != 1 {
		t.Fatal("broker stopped working")
	}
	if _, err := New(Options{Broker: e.b, Addr: "off"}); !errors.Is(err, ErrDisabled) {
		t.Fatalf("New with off: %v", err)
	}
	if Enabled("off") || Enabled("OFF") || !Enabled("") || !Enabled("0.0.0.0:8161") {
		t.Fatal("Enabled")
	}
}

func TestPages(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("orders", 3, true)
	e.send("billing", 1, false)
	e.b.AddTopic("prices")
	nc := e.stompConnect("stomp-client-1")
	_ = nc

	home := e.get("/admin/")
	for _, want := range []string{`id="broker-name">webtest<`, broker.Version, "Uptime", "Store percent used", "Memory percent used", "Temp percent used", `id="rate-chart"`, "stomp://127.0.0.1:"} {
		if !strings.Contains(home, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if !strings.Contains(e.get("/admin/index.jsp"), `id="broker-name"`) {
		t.Error("index.jsp")
	}

	queues := e.get("/admin/queues.jsp")
	for _, want := range []string{`<table id="queues"`, `data-queue="orders"`, `data-queue="billing"`, "Number Of Pending Messages", "purgeDestination.action"} {
		if !strings.Contains(queues, want) {
			t.Errorf("queues page lacks %q", want)
		}
	}
	// Sorting by pending, descending: orders (3) before billing (1); by name: billing first.
	byPending := e.get("/admin/queues.jsp?sort=pending&dir=desc")
	if strings.Index(byPending, `data-queue="orders"`) > strings.Index(byPending, `data-queue="billing"`) {
		t.Error("sort by pending descending")
	}
	byName := e.get("/admin/queues.jsp")
	if strings.Index(byName, `data-queue="billing"`) > strings.Index(byName, `data-queue="orders"`) {
		t.Error("default sort by name")
	}
	filtered := e.get("/admin/queues.jsp?filter=ORD")
	if !strings.Contains(filtered, `data-queue="orders"`) || strings.Contains(filtered, `data-queue="billing"`) {
		t.Error("filter")
	}

	if !strings.Contains(e.get("/admin/topics.jsp"), `data-topic="prices"`) {
		t.Error("topics page")
	}
	conns := e.get("/admin/connections.jsp")
	for _, want := range []string{"stomp-client-1", "stomp", "stompuser", "closeConnection.action"} {
		if !strings.Contains(conns, want) {
			t.Errorf("connections page lacks %q", want)
		}
	}
	browse := e.get("/admin/browse.jsp?JMSDestination=orders")
	if n := strings.Count(browse, "/admin/message.jsp?"); n != 3 {
		t.Errorf("browse shows %d messages, want 3", n)
	}
	sel := e.get("/admin/browse.jsp?JMSDestination=orders&selector=" + url.QueryEscape("n = 1"))
	if n := strings.Count(sel, "/admin/message.jsp?"); n != 1 {
		t.Errorf("browse with a selector shows %d messages, want 1", n)
	}
	if bad := e.get("/admin/browse.jsp?JMSDestination=orders&selector=" + url.QueryEscape("n ==")); !strings.Contains(bad, "Invalid selector") {
		t.Error("a bad selector is not reported")
	}
	if resp, _ := e.do("GET", "/admin/browse.jsp?JMSDestination=nope", "admin", "secret", nil); resp.StatusCode != 404 {
		t.Errorf("browse of a missing queue: %d", resp.StatusCode)
	}
	// Links carry the message ID escaped once.
	link := regexp.MustCompile(`href="(/admin/message\.jsp\?[^"]+)"`).FindStringSubmatch(browse)
	if link == nil {
		t.Fatal("no message link")
	}
	if resp, body := e.do("GET", strings.ReplaceAll(link[1], "&amp;", "&"), "admin", "secret", nil); resp.StatusCode != 200 {
		t.Fatalf("message link %s: %d %s", link[1], resp.StatusCode, body)
	}
	id := e.b.Browse(broker.QueueDest("orders"), nil, 1)[0].ID
	msg := e.get("/admin/message.jsp?JMSDestination=orders&id=" + url.QueryEscape(id))
	for _, want := range []string{id, "message 0", "PERSISTENT", "moveMessage.action", "copyMessage.action"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message page lacks %q", want)
		}
	}
	if !strings.Contains(e.get("/admin/send.jsp?JMSDestination=orders"), `name="JMSText"`) {
		t.Error("send page")
	}
	if resp, _ := e.do("GET", "/admin/send.jsp", "viewer", "viewpw", nil); resp.StatusCode != 403 {
		t.Errorf("send page for a viewer: %d, want 403", resp.StatusCode)
	}
	// A viewer sees no action buttons.
	_, vq := e.do("GET", "/admin/queues.jsp", "viewer", "viewpw", nil)
	if strings.Contains(vq, "purgeDestination.action") || !strings.Contains(vq, `data-queue="orders"`) {
		t.Error("viewer's queue page")
	}
	for _, p := range []string{"/admin/subscribers.jsp", "/admin/scheduled.jsp", "/admin/assets/console.js", "/admin/assets/style.css"} {
		e.get(p)
	}
	// html/template escapes names.
	e.b.AddQueue(`<script>alert(1)</script>`)
	if strings.Contains(e.get("/admin/queues.jsp"), "<script>alert(1)</script>") {
		t.Error("queue name not escaped")
	}
}

func TestActionsRequireAdminAndCSRF(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("guarded", 2, false)
	adminTok := e.token("admin", "secret")
	viewerTok := e.token("viewer", "viewpw")
	if adminTok == viewerTok {
		t.Fatal("tokens are not per user")
	}
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	sort.Strings(names)
	form := func(tok string) string {
		v := url.Values{"JMSDestination": {"guarded"}, "JMSDestinationType": {"queue"}}
		if tok != "" {
			v.Set("secret", tok)
		}
		return v.Encode()
	}
	ct := withHeader("Content-Type", "application/x-www-form-urlencoded")
	for _, n := range names {
		p := "/admin/" + n
		if resp, _ := e.do("POST", p, "", "", strings.NewReader(form(adminTok)), ct); resp.StatusCode != 401 {
			t.Errorf("%s without login: %d, want 401", n, resp.StatusCode)
		}
		if resp, _ := e.do("POST", p, "admin", "secret", strings.NewReader(form("")), ct); resp.StatusCode != 403 {
			t.Errorf("%s without a token: %d, want 403", n, resp.StatusCode)
		}
		if resp, _ := e.do("POST", p, "admin", "secret", strings.NewReader(form(viewerTok)), ct); resp.StatusCode != 403 {
			t.Errorf("%s with another user's token: %d, want 403", n, resp.StatusCode)
		}
		if resp, _ := e.do("POST", p, "admin", "secret", strings.NewReader(form("x"+adminTok)), ct); resp.StatusCode != 403 {
			t.Errorf("%s with a bad token: %d, want 403", n, resp.StatusCode)
		}
		if resp, _ := e.do("POST", p, "viewer", "viewpw", strings.NewReader(form(viewerTok)), ct); resp.StatusCode != 403 {
			t.Errorf("%s as a viewer: %d, want 403", n, resp.StatusCode)
		}
		if resp, _ := e.do("POST", p, "admin", "secret", strings.NewReader(form(adminTok)), ct, withHeader("Origin", "http://evil.example")); resp.StatusCode != 403 {
			t.Errorf("%s from another origin: %d, want 403", n, resp.StatusCode)
		}
		if resp, _ := e.do("POST", p, "admin", "secret", strings.NewReader(form(adminTok)), ct, withHeader("Sec-Fetch-Site", "cross-site")); resp.StatusCode != 403 {
			t.Errorf("%s cross-site: %d, want 403", n, resp.StatusCode)
		}
		if resp, _ := e.do("GET", p+"?"+form(adminTok), "admin", "secret", nil); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET %s: %d, want 405", n, resp.StatusCode)
		}
	}
	if e.queueSize("guarded") != 2 {
		t.Fatalf("a refused action changed the queue: size %d", e.queueSize("guarded"))
	}
	// The same-origin form post works.
	resp, _ := e.do("POST", "/admin/purgeDestination.action", "admin", "secret", strings.NewReader(form(adminTok)), ct, withHeader("Origin", e.base))
	if resp.StatusCode != http.StatusSeeOther || e.queueSize("guarded") != 0 {
		t.Fatalf("same-origin purge: %d, size %d", resp.StatusCode, e.queueSize("guarded"))
	}
}

func TestActions(t *testing.T) {
	e := startEnv(t, envOpts{})
	v := func(kv ...string) url.Values {
		out := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	ok := func(resp *http.Response, wantLoc string) {
		t.Helper()
		msg, isErr := flashOf(t, resp)
		if isErr {
			t.Fatalf("action failed: %s", msg)
		}
		if wantLoc != "" && resp.Header.Get("Location") != wantLoc {
			t.Fatalf("redirect to %q, want %q", resp.Header.Get("Location"), wantLoc)
		}
	}

	ok(e.post("createDestination.action", v("JMSDestination", "made", "JMSDestinationType", "queue")), "/admin/queues.jsp")
	if e.queueSize("made") != 0 {
		t.Fatal("queue not created")
	}
	ok(e.post("createDestination.action", v("JMSDestination", "made.topic", "JMSDestinationType", "topic")), "/admin/topics.jsp")
	if resp := e.post("createDestination.action", v("JMSDestination", "a.>", "JMSDestinationType", "queue")); true {
		if _, isErr := flashOf(t, resp); !isErr {
			t.Fatal("a wildcard queue was created")
		}
	}

	ok(e.post("sendMessage.action", v("JMSDestination", "made", "JMSDestinationType", "queue", "JMSText", "hello", "JMSPersistent", "true",
		"JMSPriority", "7", "JMSCorrelationID", "corr-1", "JMSType", "greeting", "JMSMessageCount", "3", "properties", "color=red\nsize = 10",
		"JMSReplyTo", "queue://replies", "JMSTimeToLive", "600000")), "/admin/queues.jsp")
	ms := e.b.Browse(broker.QueueDest("made"), nil, 0)
	if len(ms) != 3 {
		t.Fatalf("%d messages sent, want 3", len(ms))
	}
	m := ms[0]
	if string(m.Body) != "hello" || m.Priority != 7 || !m.Persistent || m.CorrelationID != "corr-1" || m.Type != "greeting" ||
		m.ReplyTo != broker.QueueDest("replies") || m.Expiration == 0 {
		t.Fatalf("sent message %+v", m)
	}
	if p, _ := m.Prop("color"); p.S != "red" {
		t.Fatal("property color")
	}
	if p, _ := m.Prop("JMSXMessageCounter"); p.I != 1 {
		t.Fatalf("counter header %+v", p)
	}

	ok(e.post("pauseDestination.action", v("JMSDestination", "made")), "")
	if !e.c.isPaused(broker.QueueDest("made")) || !strings.Contains(e.get("/admin/queues.jsp"), "resumeDestination.action") {
		t.Fatal("pause")
	}
	ok(e.post("resumeDestination.action", v("JMSDestination", "made")), "")
	if e.c.isPaused(broker.QueueDest("made")) {
		t.Fatal("resume")
	}

	ok(e.post("deleteMessage.action", v("JMSDestination", "made", "messageId", ms[0].ID)), browseURL("made"))
	ok(e.post("copyMessage.action", v("JMSDestination", "made", "messageId", ms[1].ID, "destination", "copies")), "")
	ok(e.post("moveMessage.action", v("JMSDestination", "made", "messageId", ms[2].ID, "destination", "moved")), "")
	if e.queueSize("made") != 1 || e.queueSize("copies") != 1 || e.queueSize("moved") != 1 {
		t.Fatalf("after delete/copy/move: made %d copies %d moved %d", e.queueSize("made"), e.queueSize("copies"), e.queueSize("moved"))
	}
	if resp := e.post("deleteMessage.action", v("JMSDestination", "made", "messageId", "ID:none")); true {
		if _, isErr := flashOf(t, resp); !isErr {
			t.Fatal("deleting a missing message reported success")
		}
	}

	// Selector-based delete from the browse page.
	e.send("sel", 4, false)
	ok(e.post("deleteMatching.action", v("JMSDestination", "sel", "selector", "n >= 2")), "")
	if e.queueSize("sel") != 2 {
		t.Fatalf("delete matching left %d", e.queueSize("sel"))
	}

	// DLQ: retry one, then retry all.
	e.deadLetter("work")
	e.deadLetter("work")
	dlq := e.b.Browse(broker.QueueDest("ActiveMQ.DLQ"), nil, 0)
	if !strings.Contains(e.get("/admin/queues.jsp"), "retryMessages.action") {
		t.Fatal("no retry button for the DLQ")
	}
	ok(e.post("retryMessage.action", v("JMSDestination", "ActiveMQ.DLQ", "messageId", dlq[0].ID)), "")
	if e.queueSize("work") != 1 || e.queueSize("ActiveMQ.DLQ") != 1 {
		t.Fatalf("retry: work %d dlq %d", e.queueSize("work"), e.queueSize("ActiveMQ.DLQ"))
	}
	ok(e.post("retryMessages.action", v("JMSDestination", "ActiveMQ.DLQ")), "")
	if e.queueSize("work") != 2 || e.queueSize("ActiveMQ.DLQ") != 0 {
		t.Fatalf("retry all: work %d dlq %d", e.queueSize("work"), e.queueSize("ActiveMQ.DLQ"))
	}

	ok(e.post("purgeDestination.action", v("JMSDestination", "work", "JMSDestinationType", "queue")), "/admin/queues.jsp")
	if e.queueSize("work") != 0 {
		t.Fatal("purge")
	}
	ok(e.post("deleteDestination.action", v("JMSDestination", "work", "JMSDestinationType", "queue")), "")
	if e.queueSize("work") != -1 {
		t.Fatal("delete queue")
	}

	// Durable subscribers.
	ok(e.post("createSubscriber.action", v("clientId", "c1", "subscriberName", "s1", "topicName", "prices", "selector", "x = 1")), "/admin/subscribers.jsp")
	subs := e.b.DurableSubscriptions()
	if len(subs) != 1 || subs[0].ClientID != "c1" || subs[0].Name != "s1" || subs[0].Active || subs[0].Selector != "x = 1" {
		t.Fatalf("subscriptions %+v", subs)
	}
	if page := e.get("/admin/subscribers.jsp"); !strings.Contains(page, "deleteSubscriber.action") || !strings.Contains(page, "prices") {
		t.Fatal("subscribers page")
	}
	ok(e.post("deleteSubscriber.action", v("clientId", "c1", "subscriberName", "s1")), "")
	if len(e.b.DurableSubscriptions()) != 0 {
		t.Fatal("durable not deleted")
	}

	// Scheduled messages.
	d := broker.QueueDest("later")
	sm := &broker.Message{Dest: d, Body: []byte("x"), BodyKind: broker.BodyText, Priority: 4}
	sm.SetProp(broker.Property{Name: broker.ScheduledDelay, Type: broker.PropLong, I: 3600000})
	if err := e.cl.Send(t.Context(), sm); err != nil {
		t.Fatal(err)
	}
	jobs := e.b.ScheduledJobs()
	if len(jobs) != 1 || !strings.Contains(e.get("/admin/scheduled.jsp"), jobs[0].ID) {
		t.Fatalf("scheduled jobs %+v", jobs)
	}
	ok(e.post("deleteJob.action", v("jobId", jobs[0].ID)), "/admin/scheduled.jsp")
	if len(e.b.ScheduledJobs()) != 0 {
		t.Fatal("job not deleted")
	}

	// Close a STOMP connection.
	nc := e.stompConnect("to-close")
	var id string
	for _, cn := range e.b.Connections() {
		if cn.Info().ClientID == "to-close" {
			id = cn.ConnectionID()
		}
	}
	ok(e.post("closeConnection.action", v("connectionID", id)), "/admin/connections.jsp")
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for {
		if _, err := nc.Read(buf); err != nil {
			break // the broker closed the socket
		}
	}
	for _, cn := range e.b.Connections() {
		if cn.ConnectionID() == id {
			t.Fatal("connection still listed")
		}
	}

	// Redirect targets stay on the console.
	resp := e.post("createDestination.action", v("JMSDestination", "r", "redirect", "https://evil.example/"))
	if resp.Header.Get("Location") != "/admin/queues.jsp" {
		t.Fatalf("off-site redirect followed: %q", resp.Header.Get("Location"))
	}
}

func TestXMLFeeds(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("feed.q", 2, false)
	e.b.AddTopic("feed.t")
	body := e.get("/admin/xml/queues.jsp")
	want := "<queue name=\"feed.q\">\n\n  <stats size=\"2\"\n         consumerCount=\"0\"\n         enqueueCount=\"2\"\n         dequeueCount=\"0\"/>\n\n\n  <feed>\n    <atom>queueBrowse/feed.q?view=rss&amp;feedType=atom_1.0</atom>\n    <rss>queueBrowse/feed.q?view=rss&amp;feedType=rss_2.0</rss>\n  </feed>\n</queue>\n"
	if !strings.HasPrefix(body, "<queues>\n") || !strings.Contains(body, want) || !strings.HasSuffix(body, "</queues>\n") {
		t.Fatalf("queues.jsp:\n%s", body)
	}
	var qs struct {
		Queues []struct {
			Name  string `xml:"name,attr"`
			Stats struct {
				Size          int `xml:"size,attr"`
				ConsumerCount int `xml:"consumerCount,attr"`
				EnqueueCount  int `xml:"enqueueCount,attr"`
				DequeueCount  int `xml:"dequeueCount,attr"`
			} `xml:"stats"`
			Feed struct {
				Atom string `xml:"atom"`
				RSS  string `xml:"rss"`
			} `xml:"feed"`
		} `xml:"queue"`
	}
	if err := xml.Unmarshal([]byte(body), &qs); err != nil {
		t.Fatal(err)
	}
	if len(qs.Queues) != 1 || qs.Queues[0].Stats.Size != 2 || qs.Queues[0].Stats.EnqueueCount != 2 || qs.Queues[0].Feed.Atom == "" {
		t.Fatalf("parsed %+v", qs)
	}
	resp, _ := e.do("GET", "/admin/xml/queues.jsp", "admin", "secret", nil)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("content type %q", ct)
	}
	topics := e.get("/admin/xml/topics.jsp")
	if !strings.Contains(topics, "<topic name=\"feed.t\">\n\n  <stats size=\"0\"\n         consumerCount=\"0\"\n         enqueueCount=\"0\"\n         dequeueCount=\"0\"/>\n\n</topic>") {
		t.Fatalf("topics.jsp:\n%s", topics)
	}
	var ts struct {
		Topics []struct {
			Name string `xml:"name,attr"`
		} `xml:"topic"`
	}
	if err := xml.Unmarshal([]byte(topics), &ts); err != nil || len(ts.Topics) == 0 {
		t.Fatalf("topics.jsp does not parse: %v", err)
	}
	var rss rssFeed
	if err := xml.Unmarshal([]byte(e.get("/admin/queueBrowse/feed.q?view=rss&feedType=rss_2.0")), &rss); err != nil || len(rss.Channel.Items) != 2 {
		t.Fatalf("rss: %v %+v", err, rss)
	}
	var atom atomFeed
	if err := xml.Unmarshal([]byte(e.get("/admin/xml/queueBrowse/feed.q?view=rss&feedType=atom_1.0")), &atom); err != nil || len(atom.Entries) != 2 {
		t.Fatalf("atom: %v %+v", err, atom)
	}
}

func TestBrowseAPI(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("api.q", 5, true, broker.StringProp("kind", "test"))
	var res BrowseResult
	if err := json.Unmarshal([]byte(e.get("/api/browse?queue=api.q")), &res); err != nil {
		t.Fatal(err)
	}
	if res.Queue != "api.q" || len(res.Messages) != 5 || res.Truncated {
		t.Fatalf("%+v", res)
	}
	m := res.Messages[0]
	if m.Text == nil || *m.Text != "message 0" || m.JMSDeliveryMode != "PERSISTENT" || m.Properties["kind"] != "test" ||
		m.JMSDestination != "queue://api.q" || m.BodyType != "text" || m.JMSXDeliveryCount != 1 {
		t.Fatalf("message %+v", m)
	}
	if err := json.Unmarshal([]byte(e.get("/api/browse?queue=api.q&selector="+url.QueryEscape("n > 2"))), &res); err != nil || len(res.Messages) != 2 {
		t.Fatalf("selector: %v %d", err, len(res.Messages))
	}
	if err := json.Unmarshal([]byte(e.get("/api/browse?queue=api.q&limit=2")), &res); err != nil || len(res.Messages) != 2 || !res.Truncated {
		t.Fatalf("limit: %v %+v", err, res)
	}
	for path, code := range map[string]int{"/api/browse?queue=none": 404, "/api/browse": 400, "/api/browse?queue=api.q&selector=%3D%3D": 400, "/api/browse?queue=api.q&limit=x": 400} {
		if resp, body := e.do("GET", path, "viewer", "viewpw", nil); resp.StatusCode != code || !strings.Contains(body, `"error"`) {
			t.Errorf("GET %s: %d %s, want %d", path, resp.StatusCode, body, code)
		}
	}
	var st map[string]float64
	if err := json.Unmarshal([]byte(e.get("/api/stats")), &st); err != nil || st["enqueued"] != 5 || st["messages"] != 5 || st["time"] == 0 {
		t.Fatalf("stats %v %v", st, err)
	}
}

func TestObjectNames(t *testing.T) {
	on, err := parseObjectName("org.apache.activemq:type=Broker,brokerName=localhost,destinationType=Queue,destinationName=TEST")
	if err != nil {
		t.Fatal(err)
	}
	if got := on.canonical(); got != "org.apache.activemq:brokerName=localhost,destinationName=TEST,destinationType=Queue,type=Broker" {
		t.Fatalf("canonical %s", got)
	}
	pat, _ := parseObjectName("org.apache.activemq:type=Broker,brokerName=*,destinationType=Queue,destinationName=*")
	broker, _ := parseObjectName("org.apache.activemq:type=Broker,brokerName=localhost")
	if !pat.isPattern() || !pat.matches(on) || pat.matches(broker) {
		t.Fatal("value wildcards")
	}
	all, _ := parseObjectName("org.apache.activemq:type=Broker,*")
	if !all.matches(on) || !all.matches(broker) {
		t.Fatal("property list pattern")
	}
	q, _ := parseObjectName("org.apache.*:destinationName=TE?T,*")
	if !q.matches(on) {
		t.Fatal("domain and ? wildcards")
	}
	quoted, err := parseObjectName(`d:name="a,b=c",type=x`)
	if err != nil || quoted.props["name"] != `"a,b=c"` {
		t.Fatalf("quoted %v %v", quoted, err)
	}
	for _, bad := range []string{"nodomain", "d:", "d:type", "d:=x", "d:a=1,a=2", "d:a=b:c"} {
		if _, err := parseObjectName(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if encodeNamePart("a:b,c=d*e?") != "a_b_c&equals;d&ast;e&qe;" {
		t.Fatal(encodeNamePart("a:b,c=d*e?"))
	}
	if !globMatch("*", "") || !globMatch("a*b*c", "aXXbYc") || globMatch("a?c", "ac") {
		t.Fatal("glob")
	}
}

func TestPrintDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1500 * time.Millisecond:                    "1.500 seconds",
		90 * time.Second:                           "1 minute",
		5 * time.Minute:                            "5 minutes",
		2*time.Hour + 3*time.Minute:                "2 hours 3 minutes",
		time.Hour:                                  "1 hour",
		25 * time.Hour:                             "1 day 1 hour",
		1500 * 24 * time.Hour:                      "1,500 days",
		3*24*time.Hour + 2*time.Hour + time.Second: "3 days 2 hours",
	} {
		if got := printDuration(d); got != want {
			t.Errorf("printDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestSortLinksRender(t *testing.T) {
	e := startEnv(t, envOpts{})
	e.send("x", 1, false)
	page := e.get("/admin/queues.jsp?sort=pending&filter=x")
	if !strings.Contains(page, `href="/admin/queues.jsp?dir=desc&amp;filter=x&amp;sort=pending"`) ||
		!strings.Contains(page, `href="/admin/queues.jsp?dir=asc&amp;filter=x&amp;sort=name"`) {
		t.Fatalf("sort links:\n%s", page)
	}
}

// /admin/xml/subscribers.jsp lists durable subscriptions as ActiveMQ's
// console does; Telegraf's activemq input fetches it with queues.jsp and
// topics.jsp and records nothing when any of the three fails.
func TestXMLSubscribers(t *testing.T) {
	e := startEnv(t, envOpts{})
	if err := e.c.createDurable("cid-1", "sub<1>", "feed.t", "color = 'red'"); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do("GET", "/admin/xml/subscribers.jsp", "admin", "secret", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/xml/subscribers.jsp: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("content type %q", ct)
	}
	var subs struct {
		XMLName xml.Name `xml:"subscribers"`
		Items   []struct {
			ClientID         string `xml:"clientId,attr"`
			SubscriptionName string `xml:"subscriptionName,attr"`
			ConnectionID     string `xml:"connectionId,attr"`
			DestinationName  string `xml:"destinationName,attr"`
			Selector         string `xml:"selector,attr"`
			Active           string `xml:"active,attr"`
			Stats            struct {
				PendingQueueSize    *int `xml:"pendingQueueSize,attr"`
				DispatchedQueueSize *int `xml:"dispatchedQueueSize,attr"`
				DispatchedCounter   *int `xml:"dispatchedCounter,attr"`
				EnqueueCounter      *int `xml:"enqueueCounter,attr"`
				DequeueCounter      *int `xml:"dequeueCounter,attr"`
			} `xml:"stats"`
		} `xml:"subscriber"`
	}
	if err := xml.Unmarshal([]byte(body), &subs); err != nil {
		t.Fatalf("subscribers.jsp does not parse: %v\n%s", err, body)
	}
	if len(subs.Items) != 1 {
		t.Fatalf("want one subscriber:\n%s", body)
	}
	s := subs.Items[0]
	st := s.Stats
	if s.ClientID != "cid-1" || s.SubscriptionName != "sub<1>" || s.DestinationName != "feed.t" || s.Selector != "color = 'red'" ||
		s.Active != "no" || st.PendingQueueSize == nil || st.DispatchedQueueSize == nil || st.DispatchedCounter == nil ||
		st.EnqueueCounter == nil || st.DequeueCounter == nil {
		t.Fatalf("subscriber %+v\n%s", s, body)
	}
}
