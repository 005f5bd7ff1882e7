package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"amq/internal/stomp/frame"
)

// selection is a parsed --queues value: literal queue names and ActiveMQ
// wildcard patterns ('.' separates segments, '*' is one segment, '>' the
// rest).
type selection struct {
	names    []string
	patterns []string
}

func parseSelection(s string) selection {
	var sel selection
	for part := range strings.SplitSeq(s, ",") {
		name := queueName(part)
		if name == "" {
			continue
		}
		if isWildcard(name) {
			if !slices.Contains(sel.patterns, name) {
				sel.patterns = append(sel.patterns, name)
			}
		} else if !slices.Contains(sel.names, name) {
			sel.names = append(sel.names, name)
		}
	}
	return sel
}

// queueName strips the prefixes a queue may be written with.
func queueName(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range []string{"/queue/", "queue://", "queue:"} {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			return s[len(p):]
		}
	}
	return s
}

func isWildcard(name string) bool {
	for seg := range strings.SplitSeq(name, ".") {
		if seg == "*" || seg == ">" {
			return true
		}
	}
	return false
}

// matches reports whether name is selected by a pattern (literal names are
// selected without discovery).
func (s selection) matches(name string) bool {
	if slices.Contains(s.names, name) {
		return true
	}
	for _, p := range s.patterns {
		if matchWildcard(p, name) {
			return true
		}
	}
	return false
}

// matchWildcard matches an ActiveMQ destination wildcard: "A.*" matches
// "A.B" but not "A.B.C"; "A.>" matches "A", "A.B" and "A.B.C".
func matchWildcard(pattern, name string) bool {
	ps := strings.Split(pattern, ".")
	ns := strings.Split(name, ".")
	for i, p := range ps {
		if p == ">" {
			return true
		}
		if i >= len(ns) {
			return false
		}
		if p != "*" && p != ns[i] {
			return false
		}
	}
	return len(ps) == len(ns)
}

// Prefixes of the queues never moved, or moved only with --include-dlq.
const (
	advisoryPrefix = "ActiveMQ.Advisory."
	dlqPrefix      = "ActiveMQ.DLQ"
)

// isDLQName recognises ActiveMQ's dead-letter queues (the shared
// ActiveMQ.DLQ and individualDeadLetterStrategy's ActiveMQ.DLQ.Queue.X) and
// the common "DLQ.X" / "X.DLQ" naming.
func isDLQName(name string) bool {
	return strings.HasPrefix(name, dlqPrefix) || strings.HasPrefix(name, "DLQ.") || strings.HasSuffix(name, ".DLQ")
}

// skipReason tells why a queue is not moved, or "" when it is.
func skipReason(name string, dlq, includeDLQ bool) string {
	switch {
	case strings.HasPrefix(name, advisoryPrefix):
		return "advisory destination"
	case strings.HasPrefix(name, "ID:"):
		return "temporary queue"
	case (dlq || isDLQName(name)) && !includeDLQ:
		return "dead-letter queue (--include-dlq moves it)"
	}
	return ""
}

// discovered is what discovery learnt about one queue.
type discovered struct {
	name string
	dlq  bool  // the broker flagged it as a DLQ
	size int64 // messages held; -1 unknown
}

// advisory is one destination advisory understood by parseAdvisory.
type advisory struct {
	name   string
	remove bool
	dlq    bool
}

// parseAdvisory reads the JSON body of a message from
// ActiveMQ.Advisory.Queue. Two shapes are understood:
//
// ActiveMQ's (XStream's JSON of a DestinationInfo; the destination is an
// Externalizable ActiveMQDestination, written as its physical name under
// "string" and its options map, null or holding isDLQ, after it):
//
//	{"DestinationInfo":{"commandId":0,"responseRequired":false,
//	 "connectionId":{"value":"ID:host-1234-1700000000000-3:1"},
//	 "destination":{"@class":"ActiveMQQueue","string":"ORDERS","null":""},
//	 "operationType":0,"timeout":0}}
//
// and the project broker's:
//
//	{"type":"Queue","operation":"add","destination":"/queue/ORDERS"}
//
// ok is false for anything else, temporary queues and topics included.
func parseAdvisory(body []byte) (a advisory, ok bool) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(body), &top); err != nil {
		return a, false
	}
	if raw, found := top["DestinationInfo"]; found {
		return parseDestinationInfo(raw)
	}
	var typ, op, dest string
	if json.Unmarshal(top["type"], &typ) != nil || typ != "Queue" {
		return a, false
	}
	json.Unmarshal(top["operation"], &op)
	if json.Unmarshal(top["destination"], &dest) != nil {
		return a, false
	}
	a.name = queueName(dest)
	if a.name == "" || strings.HasPrefix(dest, "/topic/") || strings.HasPrefix(dest, "/temp-") || strings.HasPrefix(dest, "/remote-temp-") {
		return a, false
	}
	a.remove = op == "remove"
	return a, true
}

func parseDestinationInfo(raw json.RawMessage) (a advisory, ok bool) {
	var info map[string]json.RawMessage
	if json.Unmarshal(raw, &info) != nil {
		return a, false
	}
	dr, found := info["destination"]
	if !found {
		return a, false
	}
	var s string
	if json.Unmarshal(dr, &s) == nil {
		// A plain string: "queue://ORDERS" or just the name.
		if strings.HasPrefix(s, "topic://") || strings.HasPrefix(s, "temp-") {
			return a, false
		}
		a.name = queueName(s)
	} else {
		var d map[string]json.RawMessage
		if json.Unmarshal(dr, &d) != nil {
			return a, false
		}
		var class string
		json.Unmarshal(d["@class"], &class)
		if class != "" && !strings.HasSuffix(class, "ActiveMQQueue") {
			return a, false // topics, temporary queues
		}
		for _, k := range []string{"string", "physicalName"} {
			if n := firstString(d[k]); n != "" {
				a.name = n
				break
			}
		}
		a.dlq = bytes.Contains(dr, []byte(`isDLQ`))
	}
	if a.name == "" {
		return a, false
	}
	// operationType: 0 add, 1 remove (a number, or a string from some
	// JSON drivers).
	if ot, found := info["operationType"]; found {
		v := strings.Trim(string(ot), `"`)
		if n, err := strconv.Atoi(v); err == nil {
			a.remove = n == 1
		}
	}
	return a, true
}

// firstString reads a JSON string, or the first string of an array.
func firstString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) == nil && len(arr) > 0 {
		return firstString(arr[0])
	}
	return ""
}

// advisoryTopic is where ActiveMQ announces queues; a new subscriber is
// sent every existing queue.
const advisoryTopic = "/topic/ActiveMQ.Advisory.Queue"

// discoverAdvisories subscribes to the queue advisory topic and collects
// the replayed destinations for wait after the subscription is confirmed
// (longer while they keep coming). It returns the queues and how many
// advisories arrived at all.
func discoverAdvisories(ctx context.Context, c *stompConn, wait, timeout time.Duration) ([]discovered, int, error) {
	const subID, subReceipt = "migrate-discovery", "subscribe-migrate-discovery"
	c.control(frame.SUBSCRIBE, "id", subID, "destination", advisoryTopic, "ack", "auto",
		"transformation", "jms-advisory-json", "receipt", subReceipt)
	queues := map[string]bool{} // name -> flagged as a DLQ
	count := 0
	onFrame := func(f *frame.Frame) {
		if f.Command != frame.MESSAGE {
			return
		}
		if sid, ok := f.Get("subscription"); ok && sid != subID {
			return
		}
		count++
		a, ok := parseAdvisory(f.Body)
		if !ok {
			return
		}
		if a.remove {
			delete(queues, a.name)
		} else {
			queues[a.name] = queues[a.name] || a.dlq
		}
	}
	if err := c.await(ctx, subReceipt, timeout, onFrame); err != nil {
		return nil, 0, fmt.Errorf("subscribe to %s on the source: %w", advisoryTopic, err)
	}
	const quiet = 250 * time.Millisecond
	start := time.Now()
	end := start.Add(wait)
	limit := start.Add(max(10*wait, 10*time.Second))
	t := time.NewTimer(wait)
	defer t.Stop()
	var buf []*frame.Frame
	for {
		var err error
		before := count
		buf, err = c.take(buf[:0])
		for _, f := range buf {
			if f.Command == frame.ERROR {
				return nil, 0, fmt.Errorf("source %s: ERROR %s", c.ep, errorText(f))
			}
			onFrame(f)
		}
		if err != nil {
			return nil, 0, err
		}
		now := time.Now()
		if count > before && now.Add(quiet).After(end) {
			end = now.Add(quiet)
		}
		if !now.Before(end) || !now.Before(limit) {
			break
		}
		t.Reset(time.Until(end))
		select {
		case <-c.wake:
		case <-t.C:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
	unsub := "unsubscribe-" + subID
	c.control(frame.UNSUBSCRIBE, "id", subID, "receipt", unsub)
	if err := c.await(ctx, unsub, timeout, nil); err != nil {
		return nil, 0, fmt.Errorf("unsubscribe from %s on the source: %w", advisoryTopic, err)
	}
	out := make([]discovered, 0, len(queues))
	for name, dlq := range queues {
		out = append(out, discovered{name: name, dlq: dlq, size: -1})
	}
	slices.SortFunc(out, func(a, b discovered) int { return strings.Compare(a.name, b.name) })
	return out, count, nil
}

// adminQueues is ActiveMQ's /admin/xml/queues.jsp feed.
type adminQueues struct {
	XMLName xml.Name `xml:"queues"`
	Queues  []struct {
		Name  string `xml:"name,attr"`
		Stats struct {
			Size string `xml:"size,attr"`
		} `xml:"stats"`
	} `xml:"queue"`
}

// adminFeedURL turns --admin-url into the queues feed's URL: a URL ending in
// .jsp is used as given, otherwise /admin/xml/queues.jsp is appended (after
// /admin when the URL already ends there).
func adminFeedURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("invalid --admin-url %q: want http://host:8161", raw)
	}
	p := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(p, ".jsp"):
	case strings.HasSuffix(p, "/admin"):
		p += "/xml/queues.jsp"
	default:
		p += "/admin/xml/queues.jsp"
	}
	u.Path = p
	return u.String(), nil
}

// fetchAdminQueues reads the web console's queue list with sizes.
func fetchAdminQueues(ctx context.Context, feed, user, password string, timeout time.Duration) ([]discovered, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feed, nil)
	if err != nil {
		return nil, err
	}
	if user != "" || password != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin console: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("admin console %s: %w", feed, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("admin console %s refused the login (%s): check --admin-user and --admin-password", feed, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("admin console %s: %s", feed, resp.Status)
	}
	return parseAdminQueues(body)
}

// parseAdminQueues parses the queues.jsp XML. The JSP may emit blank lines
// before the XML declaration, which a strict parser rejects: they are
// trimmed first.
func parseAdminQueues(body []byte) ([]discovered, error) {
	var feed adminQueues
	if err := xml.Unmarshal(bytes.TrimLeft(body, " \t\r\n"), &feed); err != nil {
		return nil, fmt.Errorf("admin console: not a queues.jsp feed: %v", err)
	}
	out := make([]discovered, 0, len(feed.Queues))
	for _, q := range feed.Queues {
		name := strings.TrimSpace(q.Name)
		if name == "" {
			continue
		}
		size := int64(-1)
		if n, err := strconv.ParseInt(strings.TrimSpace(q.Stats.Size), 10, 64); err == nil {
			size = n
		}
		out = append(out, discovered{name: name, size: size})
	}
	slices.SortFunc(out, func(a, b discovered) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

var errNoAdvisories = errors.New("the source sent no queue advisories")
