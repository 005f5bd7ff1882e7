package web

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"amq/broker"
)

// ActiveMQ's REST message API (activemq-web MessageServlet, mounted at
// /api/message): POST sends a text message, GET and DELETE receive one.
//
// Where it differs from ActiveMQ 5.17:
//   - A consumer outlives its request only for a named client (the clientId
//     parameter). Without one every receive is one-shot: ActiveMQ ties the
//     consumer to a servlet session, which a client without a cookie jar
//     (curl) can never return to, so its consumer just hides messages until
//     the session times out.
//   - REST consumers pull one message per request instead of prefetching
//     1000, so an idle one never holds messages other consumers could take.
//   - Named clients are closed after restIdle without a request; ActiveMQ
//     keeps them until action=unsubscribe.
//   - A posted body over restMaxBody is refused (413), not truncated.

const (
	restMaxReadTimeout = 20 * time.Second // MessageServlet maximumReadTimeout
	restMaxBody        = 100000           // MessageServletSupport maxMessageSize
	restDefaultPrio    = 5                // MessageServletSupport defaultMessagePriority
	restIdle           = 5 * time.Minute
	restMaxClients     = 1000 // named clients at once: each holds a broker connection
	restMinWait        = 10 * time.Millisecond
)

// restParams are the request parameters MessageServlet interprets itself
// rather than copying into message properties.
var restParams = map[string]bool{
	"destination": true, "type": true, "body": true,
	"JMSDeliveryMode": true, "JMSPriority": true, "JMSTimeToLive": true,
	"JMSCorrelationID": true, "JMSExpiration": true, "JMSReplyTo": true, "JMSType": true,
}

// restClients are the named REST clients with their consumers.
type restClients struct {
	mu      sync.Mutex
	clients map[string]*restClient
	closed  bool
	max     int // restMaxClients when 0
}

// restClient is one named client: a broker connection and one consumer per
// destination, as ActiveMQ's WebClient keeps them.
type restClient struct {
	id      string
	cl      *broker.Client
	timer   *time.Timer
	lastUse time.Time // guarded by restClients.mu
	mu      sync.Mutex
	cons    map[broker.Destination]*restConsumer
}

type restConsumer struct {
	sub  *broker.Subscription
	busy bool
}

func (c *Console) apiMessage(w http.ResponseWriter, r *http.Request) {
	if crossSite(r) {
		// Browsers replay cached Basic credentials; a page elsewhere must
		// not send or consume messages.
		c.log.Warn("REST message API: cross-site request refused", "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
		http.Error(w, "403 Forbidden: cross-site request", http.StatusForbidden)
		return
	}
	if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		// Keep the body for getPostedBody: ParseForm would not read it
		// anyway, but parse only the query string.
		r.Form = r.URL.Query()
	} else if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodPost:
		c.restPost(w, r)
	case http.MethodGet, http.MethodDelete:
		c.restReceive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// restDest names the destination as MessageServlet does: the destination
// parameter, else the path after /api/message/ with '/' read as '.'; a
// queue:// or topic:// prefix wins over the type parameter, and without
// either it is a topic (the servlet's default).
func restDest(r *http.Request) (broker.Destination, error) {
	name := r.Form.Get("destination")
	if name == "" {
		name = strings.ReplaceAll(strings.TrimPrefix(r.PathValue("name"), "/"), "/", ".")
	}
	if name == "" {
		return broker.Destination{}, errors.New("no destination: name it in the path or the destination parameter")
	}
	topic := true
	if t, ok := r.Form["type"]; ok {
		topic = strings.EqualFold(t[0], "topic")
	}
	switch {
	case strings.HasPrefix(name, "topic://"):
		topic = true
	case strings.HasPrefix(name, "queue://"), strings.HasPrefix(name, "channel://"):
		topic = false
	}
	if i := strings.Index(name, "://"); i >= 0 {
		name = name[i+3:]
	}
	if name == "" || broker.IsWildcard(name) {
		return broker.Destination{}, fmt.Errorf("cannot use the destination %q", name)
	}
	if topic {
		return broker.TopicDest(name), nil
	}
	return broker.QueueDest(name), nil
}

func (c *Console) restPost(w http.ResponseWriter, r *http.Request) {
	if id := r.Form.Get("clientId"); id != "" && r.Form.Get("action") == "unsubscribe" {
		c.rest.remove(id)
		c.log.Info("REST message API: client unsubscribed", "clientId", id)
		return
	}
	d, err := restDest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body, err := restBody(r)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errRestTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, err.Error(), status)
		return
	}
	m, err := restMessage(r, d, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := c.send(r.Context(), m); err != nil {
		c.log.Warn("REST message API: send failed", "dest", d.String(), "err", err)
		http.Error(w, "could not send the message: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("messageID", m.ID)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "Message sent")
}

var errRestTooLarge = fmt.Errorf("message body over %d bytes", restMaxBody)

// restBody is the body parameter, else the request body read line by line
// as MessageServlet does (each line ends in "\n").
func restBody(r *http.Request) (string, error) {
	if v, ok := r.Form["body"]; ok {
		return v[0], nil
	}
	if r.Header.Get("Content-Type") == "" {
		return "", nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, restMaxBody+1))
	if err != nil {
		return "", fmt.Errorf("read message body: %w", err)
	}
	if len(raw) > restMaxBody {
		return "", errRestTooLarge
	}
	var sb strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	sc.Buffer(make([]byte, 0, 4096), restMaxBody+1)
	for sc.Scan() {
		sb.WriteString(strings.TrimSuffix(sc.Text(), "\r"))
		sb.WriteByte('\n')
	}
	return sb.String(), nil
}

// restMessage builds the text message with MessageServlet's defaults
// (persistent, priority 5, no expiry) and parameters: JMSDeliveryMode,
// JMSPriority, JMSTimeToLive, JMSCorrelationID, JMSReplyTo (a queue unless
// prefixed topic://), JMSType; every other single-valued parameter becomes
// a string property. JMSExpiration is read and dropped: the send sets the
// expiration from the time to live, as a JMS producer does.
func restMessage(r *http.Request, d broker.Destination, body string) (*broker.Message, error) {
	m := &broker.Message{Dest: d, Body: []byte(body), BodyKind: broker.BodyText, Persistent: true, Priority: restDefaultPrio}
	if v, ok := r.Form["JMSDeliveryMode"]; ok {
		m.Persistent = strings.EqualFold(strings.TrimSpace(v[0]), "persistent")
	}
	if v, ok := r.Form["JMSPriority"]; ok {
		p, err := strconv.Atoi(v[0])
		if err != nil || p < 0 || p > 9 {
			return nil, fmt.Errorf("JMSPriority %q is not 0-9", v[0])
		}
		m.Priority = uint8(p)
	}
	if v, ok := r.Form["JMSTimeToLive"]; ok {
		ttl, err := strconv.ParseInt(v[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("JMSTimeToLive %q is not a number", v[0])
		}
		if ttl > 0 {
			m.Expiration = time.Now().UnixMilli() + ttl
		}
	}
	if v, ok := r.Form["JMSExpiration"]; ok {
		if _, err := strconv.ParseInt(v[0], 10, 64); err != nil {
			return nil, fmt.Errorf("JMSExpiration %q is not a number", v[0])
		}
	}
	m.CorrelationID = r.Form.Get("JMSCorrelationID")
	m.Type = r.Form.Get("JMSType")
	if rt := r.Form.Get("JMSReplyTo"); rt != "" {
		var err error
		if m.ReplyTo, err = broker.ParseDestination(rt); err != nil {
			return nil, fmt.Errorf("JMSReplyTo: %w", err)
		}
	}
	for k, v := range r.Form {
		if restParams[k] || len(v) != 1 {
			continue // ActiveMQ skips multi-valued parameters with a warning
		}
		m.SetProp(broker.StringProp(k, v[0]))
	}
	return m, nil
}

// restReceive consumes one message, waiting up to readTimeout ms (at most,
// and by default, 20 s); 204 when none came.
func (c *Console) restReceive(w http.ResponseWriter, r *http.Request) {
	d, err := restDest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	timeout := restMaxReadTimeout
	if v := r.Form.Get("readTimeout"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			http.Error(w, fmt.Sprintf("readTimeout %q is not a number", v), http.StatusBadRequest)
			return
		}
		if ms >= 0 && time.Duration(ms)*time.Millisecond <= restMaxReadTimeout {
			timeout = time.Duration(ms) * time.Millisecond
		}
	}
	selector := r.Header.Get("selector")
	oneShot := strings.EqualFold(r.Form.Get("oneShot"), "true")
	id := r.Form.Get("clientId")

	var rc *restClient
	if id == "" {
		cl, err := c.b.NewClient("")
		if err != nil {
			http.Error(w, "could not connect: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer cl.Close()
		rc = &restClient{cl: cl, cons: map[broker.Destination]*restConsumer{}}
		oneShot = true
	} else if rc, err = c.rest.get(c.b, id); err != nil {
		http.Error(w, "could not connect: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	rcons, err := rc.consumer(d, selector)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errRestBusy) {
			status = http.StatusInternalServerError
		}
		http.Error(w, err.Error(), status)
		return
	}
	defer rc.release(d, rcons, oneShot)

	sub := rcons.sub
	if sub.Pending() == 0 {
		sub.Consumer().Pull(1)
	}
	// Even readTimeout=0 looks once (ActiveMQ's receiveNoWait): a short
	// floor lets a delivery the pull just made win over the deadline.
	ctx, cancel := context.WithTimeout(r.Context(), max(timeout, restMinWait))
	dl, err := sub.Receive(ctx)
	cancel()
	if err != nil {
		// Withdraw the credit so no message goes to a consumer nobody is
		// waiting on; one that slipped in meanwhile waits in the
		// subscription for the next request (or returns to the queue).
		sub.Consumer().CancelPull()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeRestMessage(w, r, dl.Msg)
}

// writeRestMessage answers with the message as MessageServlet does: text in
// the body (an XML prolog stripped), destination, id and properties as
// headers.
func writeRestMessage(w http.ResponseWriter, r *http.Request, m *broker.Message) {
	v := viewMessage(m)
	text := ""
	if v.Text != nil {
		text = *v.Text
	}
	h := w.Header()
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")
	switch {
	case strings.EqualFold(r.Form.Get("xml"), "true"):
		h.Set("Content-Type", "application/xml")
	case strings.EqualFold(r.Form.Get("json"), "true"):
		h.Set("Content-Type", "application/json")
	case strings.HasPrefix(text, "<"):
		h.Set("Content-Type", "application/xml")
	default:
		h.Set("Content-Type", "text/plain")
	}
	h.Set("destination", m.Dest.String())
	h.Set("id", m.ID)
	for k, p := range v.Properties {
		h.Set(k, fmt.Sprint(p))
	}
	if strings.HasPrefix(text, "<?") {
		if i := strings.Index(text, "?>"); i >= 0 {
			text = text[i+2:]
		}
	}
	io.WriteString(w, text)
}

var errRestBusy = errors.New("Concurrent access to consumer is not supported")

// get returns the named client, connecting it on first use.
func (rs *restClients) get(b *broker.Broker, id string) (*restClient, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.closed {
		return nil, errors.New("web console closed")
	}
	if rc := rs.clients[id]; rc != nil {
		rc.lastUse = time.Now()
		rc.timer.Reset(restIdle)
		return rc, nil
	}
	if max := cmp.Or(rs.max, restMaxClients); len(rs.clients) >= max {
		return nil, fmt.Errorf("%d named REST clients are open; end one with action=unsubscribe or let it idle out", max)
	}
	cl, err := b.NewClient("")
	if err != nil {
		return nil, err
	}
	rc := &restClient{id: id, cl: cl, lastUse: time.Now(), cons: map[broker.Destination]*restConsumer{}}
	rc.timer = time.AfterFunc(restIdle, func() { rs.expire(rc) })
	if rs.clients == nil {
		rs.clients = map[string]*restClient{}
	}
	rs.clients[id] = rc
	return rc, nil
}

// expire closes a named client that went idle, unless a request holds it.
// The check and the removal happen under rs.mu, which get holds while it
// hands the client out, so a request that has just taken the client (its
// timer firing at that moment) keeps it.
func (rs *restClients) expire(rc *restClient) {
	rs.mu.Lock()
	if rs.clients[rc.id] != rc {
		rs.mu.Unlock()
		return // removed already
	}
	if idle := time.Since(rc.lastUse); idle < restIdle {
		rs.mu.Unlock()
		rc.timer.Reset(restIdle - idle)
		return
	}
	rc.mu.Lock()
	busy := false
	for _, cons := range rc.cons {
		busy = busy || cons.busy
	}
	rc.mu.Unlock()
	if busy {
		rs.mu.Unlock()
		rc.timer.Reset(restIdle)
		return
	}
	delete(rs.clients, rc.id)
	rs.mu.Unlock()
	rc.cl.Close() // unconsumed messages go back to their queues
}

// remove closes a named client (action=unsubscribe).
func (rs *restClients) remove(id string) {
	rs.mu.Lock()
	rc := rs.clients[id]
	delete(rs.clients, id)
	rs.mu.Unlock()
	if rc != nil {
		rc.timer.Stop()
		rc.cl.Close()
	}
}

// closeAll ends every named client when the console stops.
func (rs *restClients) closeAll() {
	rs.mu.Lock()
	cs := rs.clients
	rs.clients, rs.closed = nil, true
	rs.mu.Unlock()
	for _, rc := range cs {
		rc.timer.Stop()
		rc.cl.Close()
	}
}

// consumer returns the client's consumer on d, made on first use with the
// selector then given (later selectors are ignored, as in ActiveMQ), and
// marks it busy: one request at a time may read from it.
func (rc *restClient) consumer(d broker.Destination, selector string) (*restConsumer, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if cons := rc.cons[d]; cons != nil {
		if cons.busy {
			return nil, errRestBusy
		}
		cons.busy = true
		return cons, nil
	}
	// Prefetch 0: messages come only as a request pulls one.
	sub, err := rc.cl.Subscribe(broker.SubscribeOptions{Dest: d, Selector: selector, Prefetch: 0}, true)
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", d, err)
	}
	cons := &restConsumer{sub: sub, busy: true}
	rc.cons[d] = cons
	return cons, nil
}

// release ends a request's use of a consumer, closing it when one-shot.
func (rc *restClient) release(d broker.Destination, cons *restConsumer, oneShot bool) {
	rc.mu.Lock()
	cons.busy = false
	if oneShot && rc.cons[d] == cons {
		delete(rc.cons, d)
	} else {
		oneShot = false
	}
	rc.mu.Unlock()
	if oneShot {
		cons.sub.Close()
	}
}
