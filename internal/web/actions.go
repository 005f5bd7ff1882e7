package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"amq/broker"
)

// actionFunc performs one console action from its form; it returns the
// message to show and where to go back to ("" for the action's default).
type actionFunc func(c *Console, r *http.Request) (msg, back string, err error)

// actions are the console's changes, each a POST to /admin/<name> with the
// CSRF token. Names are ActiveMQ's console action names.
var actions = map[string]actionFunc{
	"createDestination.action": actCreateDestination,
	"deleteDestination.action": actDeleteDestination,
	"purgeDestination.action":  actPurge,
	"pauseDestination.action":  actPause,
	"resumeDestination.action": actResume,
	"sendMessage.action":       actSend,
	"deleteMessage.action":     actDeleteMessage,
	"moveMessage.action":       actMoveMessage,
	"copyMessage.action":       actCopyMessage,
	"retryMessage.action":      actRetryMessage,
	"retryMessages.action":     actRetryMessages,
	"createSubscriber.action":  actCreateSubscriber,
	"deleteSubscriber.action":  actDeleteSubscriber,
	"closeConnection.action":   actCloseConnection,
	"deleteJob.action":         actDeleteJob,
	"deleteMatching.action":    actRemoveMatching,
}

// action checks role, origin and CSRF token, runs the action and redirects
// back with a flash message.
func (c *Console) action(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	name := r.PathValue("action")
	if name == "" {
		name = strings.TrimPrefix(r.URL.Path, "/admin/")
	}
	fn := actions[name]
	if fn == nil {
		http.NotFound(w, r)
		return
	}
	if crossSite(r) {
		c.log.Warn("web console: cross-site action refused", "action", name, "user", a.name, "origin", r.Header.Get("Origin"), "remote", r.RemoteAddr)
		http.Error(w, "403 Forbidden: cross-site request", http.StatusForbidden)
		return
	}
	if !a.isAdmin() {
		c.log.Warn("web console: action refused to a user without the admin role", "action", name, "user", a.name, "remote", r.RemoteAddr)
		http.Error(w, "403 Forbidden: this action needs the admin role", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<20)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if !c.validCSRF(r, a) {
		c.log.Warn("web console: action without a valid CSRF token refused", "action", name, "user", a.name, "remote", r.RemoteAddr)
		http.Error(w, "403 Forbidden: missing or invalid CSRF token (reload the page and try again)", http.StatusForbidden)
		return
	}
	msg, back, err := fn(c, r)
	if err != nil {
		c.log.Warn("web console: action failed", "action", name, "user", a.name, "err", err)
		setFlash(w, err.Error(), true)
	} else {
		c.log.Info("web console: "+msg, "action", name, "user", a.name)
		setFlash(w, msg, false)
	}
	if red := r.PostFormValue("redirect"); safeRedirect(red) {
		back = red
	}
	if back == "" {
		back = "/admin/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func safeRedirect(s string) bool {
	return strings.HasPrefix(s, "/admin/") && !strings.HasPrefix(s, "//") && !strings.ContainsAny(s, "\\\r\n")
}

func browseURL(queue string) string {
	return "/admin/browse.jsp?JMSDestination=" + url.QueryEscape(queue)
}

func destForm(r *http.Request) (name string, topic bool, err error) {
	name = strings.TrimSpace(r.PostFormValue("JMSDestination"))
	if name == "" {
		return "", false, errors.New("no destination name given")
	}
	switch t := r.PostFormValue("JMSDestinationType"); t {
	case "", "queue":
	case "topic":
		topic = true
	default:
		return "", false, fmt.Errorf("unknown destination type %q", t)
	}
	if strings.HasPrefix(name, "queue://") {
		name, topic = strings.TrimPrefix(name, "queue://"), false
	} else if strings.HasPrefix(name, "topic://") {
		name, topic = strings.TrimPrefix(name, "topic://"), true
	}
	return name, topic, nil
}

func listPage(topic bool) string {
	if topic {
		return "/admin/topics.jsp"
	}
	return "/admin/queues.jsp"
}

func actCreateDestination(c *Console, r *http.Request) (string, string, error) {
	name, topic, err := destForm(r)
	if err != nil {
		return "", listPage(topic), err
	}
	if broker.IsWildcard(name) || strings.Contains(name, ",") {
		return "", listPage(topic), fmt.Errorf("%q is a wildcard or composite name, not a destination", name)
	}
	if topic {
		c.b.AddTopic(name)
		return "Created topic " + name, "/admin/topics.jsp", nil
	}
	c.b.AddQueue(name)
	return "Created queue " + name, "/admin/queues.jsp", nil
}

func actDeleteDestination(c *Console, r *http.Request) (string, string, error) {
	name, topic, err := destForm(r)
	if err != nil {
		return "", listPage(topic), err
	}
	if topic {
		if err := c.removeTopic(name); err != nil {
			return "", "/admin/topics.jsp", err
		}
		return "Deleted topic " + name, "/admin/topics.jsp", nil
	}
	if !c.b.RemoveQueue(name) {
		return "", "/admin/queues.jsp", fmt.Errorf("no queue named %q", name)
	}
	c.setPausedState(broker.QueueDest(name), false)
	return "Deleted queue " + name, "/admin/queues.jsp", nil
}

func actPurge(c *Console, r *http.Request) (string, string, error) {
	name, topic, err := destForm(r)
	if err == nil && topic {
		err = errors.New("topics hold no messages to purge")
	}
	if err != nil {
		return "", "/admin/queues.jsp", err
	}
	if _, ok := c.b.QueueStats(broker.QueueDest(name)); !ok {
		return "", "/admin/queues.jsp", fmt.Errorf("no queue named %q", name)
	}
	n := c.b.Purge(broker.QueueDest(name))
	return fmt.Sprintf("Purged %d messages from queue %s", n, name), "/admin/queues.jsp", nil
}

func pauseResume(p bool) actionFunc {
	return func(c *Console, r *http.Request) (string, string, error) {
		name, _, err := destForm(r)
		if err != nil {
			return "", "/admin/queues.jsp", err
		}
		if _, ok := c.b.QueueStats(broker.QueueDest(name)); !ok {
			return "", "/admin/queues.jsp", fmt.Errorf("no queue named %q", name)
		}
		c.setPaused(broker.QueueDest(name), p)
		if p {
			return "Paused dispatch from queue " + name, "/admin/queues.jsp", nil
		}
		return "Resumed dispatch from queue " + name, "/admin/queues.jsp", nil
	}
}

var (
	actPause  = pauseResume(true)
	actResume = pauseResume(false)
)

func formInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a number from %d to %d", name, lo, hi)
	}
	return n, nil
}

// maxSendCount bounds JMSMessageCount on the send form.
const maxSendCount = 100000

func actSend(c *Console, r *http.Request) (string, string, error) {
	name, topic, err := destForm(r)
	if err != nil {
		return "", "/admin/send.jsp", err
	}
	back := listPage(topic)
	if broker.IsWildcard(name) {
		return "", back, fmt.Errorf("cannot send to the wildcard destination %q", name)
	}
	d := broker.QueueDest(name)
	if topic {
		d = broker.TopicDest(name)
	}
	prio, err := formInt(r, "JMSPriority", 4, 0, 9)
	if err != nil {
		return "", back, err
	}
	ttl, err := formInt(r, "JMSTimeToLive", 0, 0, 1<<50)
	if err != nil {
		return "", back, err
	}
	count, err := formInt(r, "JMSMessageCount", 1, 1, maxSendCount)
	if err != nil {
		return "", back, err
	}
	groupSeq, err := formInt(r, "JMSXGroupSeq", 0, -1<<31, 1<<31-1)
	if err != nil {
		return "", back, err
	}
	tmpl := &broker.Message{
		Dest:          d,
		Persistent:    r.PostFormValue("JMSPersistent") != "",
		Priority:      uint8(prio),
		CorrelationID: r.PostFormValue("JMSCorrelationID"),
		Type:          r.PostFormValue("JMSType"),
		GroupID:       r.PostFormValue("JMSXGroupID"),
		GroupSeq:      int32(groupSeq),
		Body:          []byte(r.PostFormValue("JMSText")),
		BodyKind:      broker.BodyText,
	}
	if rt := strings.TrimSpace(r.PostFormValue("JMSReplyTo")); rt != "" {
		if tmpl.ReplyTo, err = broker.ParseDestination(rt); err != nil {
			return "", back, fmt.Errorf("reply-to: %w", err)
		}
	}
	for _, p := range []string{broker.ScheduledDelay, broker.ScheduledPeriod, broker.ScheduledRepeat} {
		v, err := formInt(r, p, -1, 0, 1<<50)
		if err != nil {
			return "", back, err
		}
		if v >= 0 {
			tmpl.SetProp(broker.Property{Name: p, Type: broker.PropLong, I: v})
		}
	}
	if cr := strings.TrimSpace(r.PostFormValue(broker.ScheduledCron)); cr != "" {
		tmpl.SetProp(broker.StringProp(broker.ScheduledCron, cr))
	}
	for _, line := range strings.Split(r.PostFormValue("properties"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return "", back, fmt.Errorf("property line %q is not name=value", line)
		}
		tmpl.SetProp(broker.StringProp(strings.TrimSpace(k), strings.TrimSpace(v)))
	}
	counter := "JMSXMessageCounter"
	if _, set := r.PostForm["JMSMessageCountHeader"]; set {
		counter = strings.TrimSpace(r.PostFormValue("JMSMessageCountHeader"))
	}
	ctx, cancel := requestCtx(r)
	defer cancel()
	for i := int64(1); i <= count; i++ {
		m := tmpl.Clone()
		if ttl > 0 {
			m.Expiration = time.Now().UnixMilli() + ttl
		}
		if count > 1 && counter != "" {
			m.SetProp(broker.Property{Name: counter, Type: broker.PropInt, I: i})
		}
		if err := c.send(ctx, m); err != nil {
			return "", back, fmt.Errorf("sent %d of %d messages to %s: %w", i-1, count, d, err)
		}
	}
	if count == 1 {
		return "Sent a message to " + d.String(), back, nil
	}
	return fmt.Sprintf("Sent %d messages to %s", count, d), back, nil
}

func msgForm(r *http.Request) (queue, id string, err error) {
	queue = strings.TrimSpace(r.PostFormValue("JMSDestination"))
	id = strings.TrimSpace(r.PostFormValue("messageId"))
	if queue == "" || id == "" {
		return "", "", errors.New("JMSDestination and messageId are required")
	}
	return queue, id, nil
}

func actDeleteMessage(c *Console, r *http.Request) (string, string, error) {
	q, id, err := msgForm(r)
	if err != nil {
		return "", "/admin/queues.jsp", err
	}
	if err := c.b.RemoveMessage(broker.QueueDest(q), id); err != nil {
		return "", browseURL(q), err
	}
	return "Deleted message " + id, browseURL(q), nil
}

func transferAction(move bool) actionFunc {
	return func(c *Console, r *http.Request) (string, string, error) {
		q, id, err := msgForm(r)
		if err != nil {
			return "", "/admin/queues.jsp", err
		}
		to, err := parseTarget(r.PostFormValue("destination"))
		if err != nil {
			return "", browseURL(q), err
		}
		if move {
			if err := c.b.MoveMessage(broker.QueueDest(q), id, to); err != nil {
				return "", browseURL(q), err
			}
			return "Moved message " + id + " to " + to.String(), browseURL(q), nil
		}
		if err := c.b.CopyMessage(broker.QueueDest(q), id, to); err != nil {
			return "", browseURL(q), err
		}
		return "Copied message " + id + " to " + to.String(), browseURL(q), nil
	}
}

var (
	actMoveMessage = transferAction(true)
	actCopyMessage = transferAction(false)
)

func actRetryMessage(c *Console, r *http.Request) (string, string, error) {
	q, id, err := msgForm(r)
	if err != nil {
		return "", "/admin/queues.jsp", err
	}
	if err := c.b.RetryMessage(broker.QueueDest(q), id); err != nil {
		return "", browseURL(q), err
	}
	return "Retried message " + id, browseURL(q), nil
}

func actRetryMessages(c *Console, r *http.Request) (string, string, error) {
	q, _, err := destForm(r)
	if err != nil {
		return "", "/admin/queues.jsp", err
	}
	n, err := c.b.RetryMessages(broker.QueueDest(q))
	if err != nil {
		return "", "/admin/queues.jsp", fmt.Errorf("retried %d messages, then: %w", n, err)
	}
	return fmt.Sprintf("Retried %d messages from %s", n, q), "/admin/queues.jsp", nil
}

func actRemoveMatching(c *Console, r *http.Request) (string, string, error) {
	q, _, err := destForm(r)
	if err != nil {
		return "", "/admin/queues.jsp", err
	}
	sel := r.PostFormValue("selector")
	n, err := c.removeMatching(q, sel)
	if err != nil {
		return "", browseURL(q), err
	}
	return fmt.Sprintf("Removed %d messages matching %q from %s", n, sel, q), browseURL(q), nil
}

func actCreateSubscriber(c *Console, r *http.Request) (string, string, error) {
	cid := strings.TrimSpace(r.PostFormValue("clientId"))
	name := strings.TrimSpace(r.PostFormValue("subscriberName"))
	topic := strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("topicName")), "topic://")
	sel := strings.TrimSpace(r.PostFormValue("selector"))
	if err := c.createDurable(cid, name, topic, sel); err != nil {
		return "", "/admin/subscribers.jsp", err
	}
	return "Created durable subscription " + name + " for client " + cid + " on " + topic, "/admin/subscribers.jsp", nil
}

func actDeleteSubscriber(c *Console, r *http.Request) (string, string, error) {
	cid := r.PostFormValue("clientId")
	name := r.PostFormValue("subscriberName")
	if err := c.b.RemoveDurable(cid, name); err != nil {
		return "", "/admin/subscribers.jsp", err
	}
	return "Deleted durable subscription " + name + " of client " + cid, "/admin/subscribers.jsp", nil
}

func actCloseConnection(c *Console, r *http.Request) (string, string, error) {
	id := r.PostFormValue("connectionID")
	for _, cn := range c.b.Connections() {
		if cn.ConnectionID() == id {
			cn.Abort("closed from the web console")
			return "Closed connection " + id, "/admin/connections.jsp", nil
		}
	}
	return "", "/admin/connections.jsp", fmt.Errorf("no connection %q", id)
}

func actDeleteJob(c *Console, r *http.Request) (string, string, error) {
	id := r.PostFormValue("jobId")
	if !c.b.RemoveScheduledJob(id) {
		return "", "/admin/scheduled.jsp", fmt.Errorf("no scheduled message %q", id)
	}
	return "Deleted scheduled message " + id, "/admin/scheduled.jsp", nil
}
